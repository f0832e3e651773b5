"""HTTP plumbing of the Google Sheets emulator: responses, Google's error bodies, the handler."""

from __future__ import annotations

import datetime as dt
import json
import re
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol

from sync.testing.sheets.cells import JSON, date_to_serial, raw_value
from sync.testing.sheets.fields import MaskError, apply_mask, parse_mask
from sync.testing.sheets.store import (
    DEFAULT_COLS,
    DEFAULT_ROWS,
    ApiError,
    Sheet,
    bad_request,
)

DRIVE_DEFAULT_FIELDS = "kind,id,name,mimeType"
DRIVE_LIST_DEFAULT_FIELDS = "kind,incompleteSearch,files(kind,id,name,mimeType)"
QUERY_TERM = re.compile(r"""^\s*(\w+)\s*(=|!=|in|contains)\s*['"](.*)['"]\s*$""")

STATUS_TEXT = {
    400: ("INVALID_ARGUMENT", "Request contains an invalid argument."),
    401: ("UNAUTHENTICATED", "Request had invalid authentication credentials."),
    403: ("PERMISSION_DENIED", "The caller does not have permission"),
    404: ("NOT_FOUND", "Requested entity was not found."),
    429: (
        "RESOURCE_EXHAUSTED",
        "Quota exceeded for quota metric 'Requests' and limit 'Requests per minute per user' "
        "of service 'sheets.googleapis.com'.",
    ),
    500: ("INTERNAL", "Internal error encountered."),
    503: ("UNAVAILABLE", "The service is currently unavailable."),
}


@dataclass
class Response:
    status: int
    body: JSON | None
    headers: dict[str, str] = field(default_factory=dict)


def flag(query: dict[str, list[str]], name: str) -> bool:
    return query.get(name, ["false"])[-1].lower() in ("true", "1")


def one(query: dict[str, list[str]], name: str, default: str) -> str:
    return query.get(name, [default])[-1] or default


def matches_query(meta: JSON, key: str, op: str, value: str) -> bool:
    if op == "in":  # `'folder' in parents`
        return value in meta.get(key, []) or key in meta.get(value, [])
    actual = str(meta.get(key, "")).lower() if key == "trashed" else str(meta.get(key, ""))
    if op == "contains":
        return value.lower() in actual.lower()
    return (actual == value) == (op == "=")


def fill_sheet(sheet: Sheet, rows: Sequence[Sequence[object]]) -> None:
    """Store seed values as given; dates become serial numbers with a date format."""
    width = max((len(r) for r in rows), default=0)
    sheet.grid["rowCount"] = max(DEFAULT_ROWS, len(rows))
    sheet.grid["columnCount"] = max(DEFAULT_COLS, width)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                cell: JSON = {
                    "userEnteredValue": {"numberValue": date_to_serial(value)},
                    "userEnteredFormat": {
                        "numberFormat": {"type": "DATE", "pattern": "yyyy-mm-dd"}
                    },
                }
            else:
                entered = raw_value(value)
                cell = {"userEnteredValue": entered} if entered else {}
            sheet.set_cell(r, c, cell)


def input_option(option: str) -> str:
    if option not in ("RAW", "USER_ENTERED"):
        if not option:
            raise bad_request("'valueInputOption' is required but not specified")
        raise bad_request(f"Invalid value at 'value_input_option' (ValueInputOption), \"{option}\"")
    return option


def error_response(code: int, message: str, status: str) -> Response:
    return Response(code, ApiError(code, message, status).body())


def masked(result: JSON, query: dict[str, list[str]]) -> Response:
    fields = query.get("fields", [""])[-1]
    if not fields:
        return Response(200, result)
    try:
        return Response(200, apply_mask(result, parse_mask(fields)))
    except MaskError:
        raise bad_request(f"Invalid field mask: {fields}") from None


def drive_masked(meta: JSON, query: dict[str, list[str]]) -> Response:
    fields = query.get("fields", [DRIVE_DEFAULT_FIELDS])[-1] or DRIVE_DEFAULT_FIELDS
    try:
        return Response(200, apply_mask(meta, parse_mask(fields)))
    except MaskError:
        raise bad_request(f"Invalid field selection {fields}") from None


def drive_not_found(file_id: str) -> Response:
    message = f"File not found: {file_id}."
    error = {
        "code": 404,
        "message": message,
        "errors": [
            {
                "message": message,
                "domain": "global",
                "reason": "notFound",
                "location": "fileId",
                "locationType": "parameter",
            }
        ],
    }
    return Response(404, {"error": error})


class Handles(Protocol):
    """What the handler needs from the emulator."""

    def handle(self, method: str, raw_path: str, body: bytes) -> Response:
        """Answer one request."""
        ...

    def track_connection(self, conn: socket.socket, open_: bool) -> None:
        """Note a kept-alive client connection opening or closing (closed on stop)."""
        ...


class Handler(BaseHTTPRequestHandler):
    """Routes every HTTP method to :meth:`SheetsEmulator.handle`."""

    emulator: Handles
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; without this, delayed ACKs add ~40 ms per call.
    disable_nagle_algorithm = True
    timeout = 60  # an idle kept-alive connection is dropped after this many seconds

    def setup(self) -> None:
        super().setup()
        self.emulator.track_connection(self.connection, True)

    def finish(self) -> None:
        self.emulator.track_connection(self.connection, False)
        super().finish()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        response = self.emulator.handle(self.command, self.path, body)
        data = (
            b"" if response.body is None else json.dumps(response.body, ensure_ascii=False).encode()
        )
        self.send_response(response.status)
        if response.body is not None:
            self.send_header("Content-Type", "application/json; charset=UTF-8")
        for key, value in response.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log: URLs can carry sheet names."""
