"""``clientbase excel-serve`` against clients that misbehave: raw sockets that stall, bodies
that lie about their size or are not xlwings' book JSON, requests without the token. Every
refusal is a status and a JSON ``{"error": ...}`` body, and none leaves a traceback in the log."""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
pytest.importorskip("xlwings")

from sync.buttons.server import ButtonServer, parse_book
from sync.errors import UsageError

TOKEN = "s3cret"
BOOK = {
    "client": "VBA",
    "version": "0.37.8",
    "book": {"name": "clients.xlsm", "active_sheet_index": 0, "selection": "A1"},
    "names": [],
    "sheets": [
        {
            "name": "Клиенты",
            "pictures": [],
            "tables": [],
            "values": [["ID", "ФИО", "Телефон"], ["C1", "Иванов Иван", "12345"]],
        }
    ],
}


@pytest.fixture
def address() -> Iterator[tuple[str, int]]:
    srv = ButtonServer("127.0.0.1", 0, token=TOKEN, timeout=1.0, max_body=64 * 1024)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield "127.0.0.1", srv.server_address[1]
    finally:
        srv.shutdown()
        srv.server_close()


def _raw(address: tuple[str, int], data: bytes) -> tuple[int, dict[str, Any]]:
    """Send ``data`` as it is; the status and the JSON body of the answer."""
    with socket.create_connection(address, timeout=60) as sock:
        sock.sendall(data)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            assert chunk, "closed without an answer"
            received += chunk
        head, _, body = received.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])}
        while len(body) < int(headers["content-length"]):
            chunk = sock.recv(65536)
            assert chunk
            body += chunk
        return int(lines[0].split()[1]), json.loads(body)


def _post(body: bytes, headers: dict[str, str] | None = None, path: str = "check_now") -> bytes:
    given = {"Authorization": TOKEN, "Content-Type": "application/json"}
    given.update(headers if headers is not None else {"Content-Length": str(len(body))})
    head = "".join(f"{k}: {v}\r\n" for k, v in given.items())
    return f"POST /clientbase/{path} HTTP/1.1\r\nHost: x\r\n{head}\r\n".encode() + body


def test_listening_beyond_loopback_needs_a_token() -> None:
    with pytest.raises(UsageError, match="токен"):
        ButtonServer("0.0.0.0", 0, token=None, language="ru")
    ButtonServer("0.0.0.0", 0, token=TOKEN).server_close()
    ButtonServer("localhost", 0, token=None).server_close()


def test_silent_connections_are_closed_and_others_are_served(
    address: tuple[str, int],
) -> None:
    silent = [socket.create_connection(address, timeout=60) for _ in range(4)]
    half = socket.create_connection(address, timeout=60)
    half.sendall(b"POST /clientbase/check_now HTTP/1.1\r\nHost: x\r\n")  # and then nothing
    try:
        body = json.dumps(BOOK).encode()
        status, reply = _raw(address, _post(body))
        assert status == 200 and reply["actions"]
        for sock in [*silent, half]:
            assert sock.recv(1024) == b""  # the server hung up, the client did not
    finally:
        for sock in [*silent, half]:
            sock.close()


def test_connections_past_the_limit_are_closed_at_once() -> None:
    srv = ButtonServer("127.0.0.1", 0, token=TOKEN, timeout=30.0, max_connections=2)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    address = ("127.0.0.1", srv.server_address[1])
    held = [socket.create_connection(address, timeout=60) for _ in range(2)]
    try:
        # the two held connections stay open (30 s timeout); the third is closed unanswered
        with socket.create_connection(address, timeout=60) as third:
            assert third.recv(1024) == b""
    finally:
        for sock in held:
            sock.close()
        srv.shutdown()
        srv.server_close()


def test_a_body_over_the_limit_is_refused_from_its_content_length(
    address: tuple[str, int],
) -> None:
    # 200 MB announced, not one byte sent: the answer comes without the body being read
    status, reply = _raw(address, _post(b"", {"Content-Length": str(200 * 1024 * 1024)}))
    assert status == 413 and "error" in reply


@pytest.mark.parametrize(
    ("label", "request_bytes"),
    [
        ("malformed JSON", _post(b'{"sheets": [')),
        ("not UTF-8", _post(b'{"sheets": "\xff\xfe"}')),
        ("deep nesting", _post(b"[" * 20_000 + b"]" * 20_000)),
        (
            "nesting past the book's shape",
            _post(json.dumps({**BOOK, "x": [[[[[[[[[[[[[1]]]]]]]]]]]]]}).encode()),
        ),
        ("a book without a name", _post(json.dumps({**BOOK, "book": {}}).encode())),
        (
            "no version",
            _post(json.dumps({k: v for k, v in BOOK.items() if k != "version"}).encode()),
        ),
        ("sheets null", _post(b'{"client": "VBA", "book": {}, "sheets": null}')),
        (
            "a cell that is an object",
            _post(json.dumps({**BOOK, "sheets": [{"name": "A", "values": [[{"a": 1}]]}]}).encode()),
        ),
        ("Content-Length not a number", _post(b"{}", {"Content-Length": "abc"})),
        ("Content-Length negative", _post(b"{}", {"Content-Length": "-5"})),
        ("no Content-Length", _post(b"", {})),
        ("two Content-Lengths", _post(b"{}", {"Content-Length": "2", "content-length": "3"})),
        ("chunked", _post(b"2\r\n{}\r\n0\r\n\r\n", {"Transfer-Encoding": "chunked"})),
    ],
)
def test_what_is_not_a_book_gets_400_with_a_json_error_and_no_traceback(
    address: tuple[str, int],
    label: str,
    request_bytes: bytes,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    with caplog.at_level(logging.INFO):
        status, reply = _raw(address, request_bytes)
    assert status == 400, label
    assert isinstance(reply["error"], str) and reply["error"]
    assert "Traceback" not in caplog.text and "Traceback" not in capfd.readouterr().err


def test_the_button_list_needs_the_token(address: tuple[str, int]) -> None:
    status, reply = _raw(address, b"GET /clientbase/ HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status == 401 and "buttons" not in reply
    status, reply = _raw(
        address, f"GET /clientbase/ HTTP/1.1\r\nHost: x\r\nAuthorization: {TOKEN}\r\n\r\n".encode()
    )
    assert status == 200 and "check_now" in reply["buttons"]


def test_the_book_check_accepts_what_each_client_sends() -> None:
    assert parse_book(json.dumps(BOOK).encode())["client"] == "VBA"
    office = {**BOOK, "client": "Office.js"}
    office["sheets"] = [{**BOOK["sheets"][0], "notes": [{"address": "$B$2"}]}]
    assert parse_book(json.dumps(office).encode())["sheets"][0]["notes"]
