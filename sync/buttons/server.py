"""The Excel buttons served over HTTP, for xlwings Server's remote interpreter.

Excel's side (``RunServerPython`` in the xlwings add-in's VBA, see
``macros/ClientBaseRemote.bas``, or an Office.js add-in) POSTs the workbook as JSON to
``/clientbase/<button>``; the button runs on a :class:`xlwings.Book` built from that JSON and
the reply is the list of actions (values, colours, notes, sheets) Excel then applies. The
workbook never leaves the request: nothing is stored, nothing personal is logged (a log line
says which button, how long, how many actions).

The remote engine is part of xlwings PRO: free for noncommercial use
(``XLWINGS_LICENSE_KEY=noncommercial``), otherwise it needs a paid licence key. The desktop
route (``RunPython``, ``macros/ClientBase.bas``) needs neither this server nor a key.

A small stdlib server (one request at a time: a button pass holds the CPU anyway); put it
behind the office's reverse proxy for TLS.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sync import buttons
from sync.core.messages import message
from sync.errors import UsageError

log = logging.getLogger("clientbase.server")

BUTTONS: dict[str, Callable[..., Any]] = {
    "check_now": buttons.check_now,
    "find_duplicates": buttons.find_duplicates,
    "recompute_segments": buttons.recompute_segments,
    "merge_selected_duplicates": buttons.merge_selected_duplicates,
    "clear_highlights": buttons.clear_highlights,
    "fix_formats": buttons.fix_formats,
}
PREFIX = "/clientbase/"
MAX_BODY = 128 * 1024 * 1024  # a 100 000-client workbook's JSON is well under this
TIMEOUT = 30.0  # seconds a connection may stay silent; xlwings' VBA client waits 30 s too
MAX_DEPTH = 12  # xlwings' book JSON nests 6 deep (payload, sheets, sheet, values, row, cell)
CHUNK = 1024 * 1024
MAX_CONNECTIONS = 32  # open at once; the buttons run one at a time anyway


class ClientError(ValueError):
    """A request that is not what an xlwings client sends: 400 and a JSON body, no traceback."""


def _depth_ok(value: Any, limit: int = MAX_DEPTH) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return False
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return True


def parse_book(body: bytes) -> dict[str, Any]:
    """The request body as xlwings' book JSON, or :class:`ClientError` saying what is wrong."""
    try:
        payload = json.loads(body)
    except RecursionError:
        raise ClientError("the JSON nests too deep") from None
    except ValueError:  # also UnicodeDecodeError
        raise ClientError("the body is not JSON") from None
    if not _depth_ok(payload):
        raise ClientError("the JSON nests too deep")
    if not isinstance(payload, dict) or not isinstance(payload.get("book"), dict):
        raise ClientError("the body is not xlwings' book JSON")
    if not all(isinstance(payload.get(k), str) for k in ("client", "version")):
        raise ClientError("the body is not xlwings' book JSON")
    if not isinstance(payload["book"].get("name"), str):
        raise ClientError("the book needs a name")
    if not isinstance(payload.get("names", []), list):
        raise ClientError("'names' must be a list")
    sheets = payload.get("sheets")
    if not isinstance(sheets, list) or not sheets:
        raise ClientError("'sheets' must be a list of sheets")
    for sheet in sheets:
        if not isinstance(sheet, dict) or not isinstance(sheet.get("name"), str):
            raise ClientError("each sheet needs a name")
        values = sheet.get("values")
        if not isinstance(values, list) or not all(isinstance(r, list) for r in values):
            raise ClientError("a sheet's 'values' must be a list of rows")
        for row in values:
            for cell in row:
                if not (cell is None or isinstance(cell, str | int | float | bool)):
                    raise ClientError("a cell holds something other than a value")
        notes = sheet.get("notes", [])
        if not isinstance(notes, list) or not all(
            isinstance(n, dict) and isinstance(n.get("address"), str) for n in notes
        ):
            raise ClientError("a sheet's 'notes' must be a list of addresses")
    return payload


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def remote_engine() -> Any:
    """xlwings with its remote engine registered; a clear error when the licence key is
    missing (the engine is xlwings PRO)."""
    if not os.environ.get("XLWINGS_LICENSE_KEY"):
        raise UsageError(
            "xlwings Server needs XLWINGS_LICENSE_KEY: 'noncommercial' for noncommercial use, "
            "otherwise a paid xlwings PRO key (the desktop buttons, RunPython, need none)"
        )
    import xlwings as xw

    if "remote" not in [e.name for e in xw.engines]:  # xlwings was imported before the key
        from xlwings.pro import _xlremote

        xw.engines.add(xw.main.Engine(impl=_xlremote.engine))
    return xw


def run_button(name: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Run one button on the workbook Excel sent; the actions for Excel to apply."""
    xw = remote_engine()
    book = xw.Book(json=payload)
    try:
        BUTTONS[name](book)
        return dict(book.json())
    finally:
        # the remote engine keeps every Book it opened; a server must not
        impl = book.impl
        if impl in impl.books.books:
            impl.books.books.remove(impl)


class _Handler(BaseHTTPRequestHandler):
    server: ButtonServer
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.timeout_s)  # a silent client is dropped

    def _reply(self, status: HTTPStatus, body: dict[str, Any], close: bool = False) -> None:
        data = json.dumps(body, ensure_ascii=False, default=str).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        if close:  # the body was not read: the connection cannot carry another request
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(data)

    def _refuse(self, status: HTTPStatus, error: str, close: bool = False) -> None:
        log.info("refused: %d %s", status.value, error)
        self._reply(status, {"error": error}, close)

    def _authorised(self) -> bool:
        token = self.server.token
        given = self.headers.get("Authorization", "")
        if token and not hmac.compare_digest(given.encode(), token.encode()):
            self._refuse(HTTPStatus.UNAUTHORIZED, "wrong or missing Authorization", close=True)
            return False
        return True

    def do_GET(self) -> None:
        if self.path.rstrip("/") != PREFIX.rstrip("/"):
            self._refuse(HTTPStatus.NOT_FOUND, "not found")
        elif self._authorised():
            self._reply(HTTPStatus.OK, {"buttons": sorted(BUTTONS)})

    def _body(self) -> bytes | None:
        """The body, read only when its declared length is valid and within the limit."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self._refuse(HTTPStatus.BAD_REQUEST, "send a Content-Length, not chunks", close=True)
            return None
        declared = self.headers.get_all("Content-Length") or []
        if len(declared) != 1 or not declared[0].strip().isdigit():
            self._refuse(HTTPStatus.BAD_REQUEST, "a missing or bad Content-Length", close=True)
            return None
        length = int(declared[0])
        if length > self.server.max_body:
            limit = f"{self.server.max_body} bytes"
            self._refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"over {limit}", close=True)
            return None
        chunks, left = [], length
        while left:
            chunk = self.rfile.read(min(left, CHUNK))
            if not chunk:
                self.close_connection = True  # the client went away mid-body
                return None
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def do_POST(self) -> None:
        name = self.path[len(PREFIX) :].strip("/") if self.path.startswith(PREFIX) else ""
        if name not in BUTTONS:
            self._refuse(HTTPStatus.NOT_FOUND, f"no button {name!r}", close=True)
            return
        if not self._authorised():
            return
        body = self._body()
        if body is None:
            return
        try:
            payload = parse_book(body)
        except ClientError as exc:
            self._refuse(HTTPStatus.BAD_REQUEST, str(exc))
            return
        started = time.perf_counter()
        with self.server.lock:
            try:
                reply = run_button(name, payload)
            except Exception as exc:  # a bug must not take the server down
                log.exception("%s failed (%s)", name, type(exc).__name__)
                self._reply(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": type(exc).__name__})
                return
        log.info(
            "%s (%s): %d actions in %.2f s",
            name,
            payload["client"][:20],
            len(reply.get("actions", [])),
            time.perf_counter() - started,
        )
        self._reply(HTTPStatus.OK, reply)

    def log_message(self, format: str, *args: Any) -> None:
        # http.server logs the request line and client address (and timeouts, bad request
        # lines); the outcome is logged above, without anything personal
        pass


class ButtonServer(ThreadingHTTPServer):
    """``serve_forever()`` answers Excel; ``token`` (when set) must be the request's
    ``Authorization`` header (``RunServerPython ..., auth:=``). Listening beyond loopback
    needs a token."""

    daemon_threads = True

    def __init__(
        self,
        host: str,
        port: int,
        token: str | None,
        *,
        timeout: float = TIMEOUT,
        max_body: int = MAX_BODY,
        max_connections: int = MAX_CONNECTIONS,
        language: str = "en",
    ) -> None:
        if not token and not is_loopback(host):
            raise UsageError(message("notice.serve_needs_token", language, {"host": host}))
        remote_engine()
        super().__init__((host, port), _Handler)
        self.token = token or ""
        self.timeout_s = timeout
        self.max_body = max_body
        self.lock = threading.Lock()
        self.max_connections = max_connections
        self.slots = threading.BoundedSemaphore(max_connections)

    def process_request(self, request: Any, client_address: Any) -> None:
        # connections past the limit are closed at once: many slow clients cannot pile up
        # threads (each still waits at most ``timeout`` between bytes)
        if not self.slots.acquire(blocking=False):
            log.info("refused: %d connections open", self.max_connections)
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client that hangs up or stalls is not a fault of the server: one line, no traceback
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):
            log.info("connection dropped (%s)", type(exc).__name__)
        else:
            log.error("request failed (%s)", type(exc).__name__)
