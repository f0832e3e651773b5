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
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sync import buttons
from sync.errors import UsageError

log = logging.getLogger("clientbase.server")

BUTTONS: dict[str, Callable[..., Any]] = {
    "check_now": buttons.check_now,
    "find_duplicates": buttons.find_duplicates,
    "recompute_segments": buttons.recompute_segments,
    "merge_selected_duplicates": buttons.merge_selected_duplicates,
    "clear_highlights": buttons.clear_highlights,
}
PREFIX = "/clientbase/"
MAX_BODY = 256 * 1024 * 1024  # a 100 000-row workbook's JSON is well under this


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

    def _reply(self, status: HTTPStatus, body: dict[str, Any]) -> None:
        data = json.dumps(body, ensure_ascii=False, default=str).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path.rstrip("/") == PREFIX.rstrip("/"):
            self._reply(HTTPStatus.OK, {"buttons": sorted(BUTTONS)})
        else:
            self._reply(HTTPStatus.NOT_FOUND, {"error": "not found"})

    def do_POST(self) -> None:
        name = self.path[len(PREFIX) :].strip("/") if self.path.startswith(PREFIX) else ""
        if name not in BUTTONS:
            self._reply(HTTPStatus.NOT_FOUND, {"error": f"no button {name!r}"})
            return
        token = self.server.token
        given = self.headers.get("Authorization", "")
        if token and not hmac.compare_digest(given.encode(), token.encode()):
            self._reply(HTTPStatus.UNAUTHORIZED, {"error": "wrong or missing Authorization"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 < length <= MAX_BODY:
            self._reply(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "no or too large body"})
            return
        try:
            payload = json.loads(self.rfile.read(length))
            if not isinstance(payload, dict) or "sheets" not in payload:
                raise ValueError("not a workbook")
        except ValueError:
            self._reply(HTTPStatus.BAD_REQUEST, {"error": "the body is not xlwings' book JSON"})
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
            "%s: %d actions in %.2f s",
            name,
            len(reply.get("actions", [])),
            time.perf_counter() - started,
        )
        self._reply(HTTPStatus.OK, reply)

    def log_message(self, format: str, *args: Any) -> None:
        # http.server logs the request line and client address; the outcome is logged above
        pass


class ButtonServer(ThreadingHTTPServer):
    """``serve_forever()`` answers Excel; ``token`` (when set) must be the request's
    ``Authorization`` header (``RunServerPython ..., auth:=``)."""

    daemon_threads = True

    def __init__(self, host: str, port: int, token: str | None) -> None:
        remote_engine()
        super().__init__((host, port), _Handler)
        self.token = token or ""
        self.lock = threading.Lock()
