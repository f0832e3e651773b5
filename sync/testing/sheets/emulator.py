"""A local Google Sheets v4 + Drive v3 emulator for tests and ``clientbase demo --google``.

A pure-stdlib HTTP server (``ThreadingHTTPServer`` on 127.0.0.1) with an in-memory, thread-safe
store. It answers the calls gspread and clientbase make, in Google's shapes, and was checked
against recorded real traffic (tests/sources/test_gsheets_conformance.py)::

    with SheetsEmulator() as emu:
        sid = emu.create_spreadsheet("Клиенты", {"Клиенты": [["ФИО", "Телефон"], ...]})
        client = local_client(emu.base_url)          # sync.testing.gspread_local
        client.open_by_key(sid).sheet1.get_all_values()

Implemented: spreadsheets.create/get (``fields`` masks, ``ranges``, ``includeGridData``),
values.get/batchGet/update/batchUpdate/clear/batchClear/append (RAW and USER_ENTERED, all
render options, ROWS/COLUMNS), batchUpdate requests listed in ``gsheets_emulator_requests``,
Drive files.create/get/list/copy/update/delete with ``version`` bumped on every change.
Formulas are stored as typed and only constant ones are evaluated (see
``gsheets_emulator_cells``). Not implemented: charts, filters, named ranges, conditional formats,
developer metadata, permissions, revisions.

Test hooks: :meth:`SheetsEmulator.inject_errors`, :attr:`SheetsEmulator.request_log`,
:meth:`SheetsEmulator.reset_counts`, and :meth:`SheetsEmulator.set_values`, which edits a sheet
the way a person would (bumping the Drive version).
"""

from __future__ import annotations

import contextlib
import copy
import json
import random
import re
import secrets
import socket
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from sync.testing.sheets.batch_requests import RequestContext, apply_requests
from sync.testing.sheets.cells import JSON
from sync.testing.sheets.fields import MaskError, apply_mask, mask_mentions, parse_mask
from sync.testing.sheets.server import (
    DRIVE_LIST_DEFAULT_FIELDS,
    QUERY_TERM,
    STATUS_TEXT,
    Handler,
    Response,
    drive_masked,
    drive_not_found,
    error_response,
    fill_sheet,
    flag,
    input_option,
    masked,
    matches_query,
    one,
)
from sync.testing.sheets.store import (
    DEFAULT_FORMAT,
    DEFAULT_THEME,
    SPREADSHEET_MIME,
    ApiError,
    Spreadsheet,
    bad_request,
    cell_json,
    now_rfc3339,
)

_SHEETS_PATH = re.compile(r"^/v4/spreadsheets/([A-Za-z0-9_-]+)(.*)$")
_DRIVE_PATH = re.compile(r"^/drive/v3/files(?:/([A-Za-z0-9_-]+))?(/copy)?$")


@dataclass(frozen=True)
class LoggedRequest:
    """One request the emulator answered (no bodies: they may hold personal data)."""

    method: str
    path: str
    query: dict[str, list[str]]
    body_size: int
    status: int


@dataclass
class _Fault:
    status: int
    remaining: int
    retry_after: int | None


class SheetsEmulator:
    """The emulator: start it, point gspread at :attr:`base_url`, inspect it from tests."""

    def __init__(
        self,
        port: int = 0,
        *,
        user_email: str = "emulator@clientbase.local",
        seed: int | None = None,
    ) -> None:
        self._port = port
        self._lock = threading.RLock()
        self._books: dict[str, Spreadsheet] = {}
        self._log: list[LoggedRequest] = []
        self._faults: list[_Fault] = []
        self._rng = random.Random(seed)
        self.user_email = user_email
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self.base_url = ""

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> str:
        """Start serving in a background thread; returns the base URL."""
        if self._server is not None:
            return self.base_url
        handler = type("_BoundHandler", (Handler,), {"emulator": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), handler)
        self._server.daemon_threads = True
        host, port = self._server.server_address[:2]
        self.base_url = f"http://{host!s}:{port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="sheets-emulator",
            daemon=True,
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        # Kept-alive connections live in their own threads; close them so that a stopped
        # emulator answers nothing, like a server that went away.
        with self._lock:
            connections, self._connections = list(self._connections), set()
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._server = None
        self._thread = None

    def track_connection(self, conn: socket.socket, open_: bool) -> None:
        """Called by the handler threads as client connections open and close."""
        with self._lock:
            if open_:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def __enter__(self) -> SheetsEmulator:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ test hooks

    def inject_errors(
        self, status: int = 429, count: int = 1, retry_after: int | None = None
    ) -> None:
        """Make the next ``count`` requests fail with ``status`` (Google's error body)."""
        with self._lock:
            self._faults.append(_Fault(status, count, retry_after))

    def clear_faults(self) -> None:
        """Forget injected errors not yet served."""
        with self._lock:
            self._faults.clear()

    @property
    def request_log(self) -> list[LoggedRequest]:
        """Every request answered since the last :meth:`reset_counts`, oldest first."""
        with self._lock:
            return list(self._log)

    def reset_counts(self) -> None:
        """Forget the request log."""
        with self._lock:
            self._log.clear()

    def create_spreadsheet(
        self, title: str, sheets: Mapping[str, Sequence[Sequence[object]]] | None = None
    ) -> str:
        """Create a spreadsheet holding these sheets (values stored as given); returns its id."""
        with self._lock:
            names = list(sheets or {"Sheet1": []})
            book = self._new_book(title, [{"properties": {"title": n}} for n in names])
            for sheet, name in zip(book.sheets, names, strict=True):
                fill_sheet(sheet, (sheets or {}).get(name, []))
            return book.spreadsheet_id

    def get_values(
        self, spreadsheet_id: str, range_: str, value_render: str = "UNFORMATTED_VALUE"
    ) -> list[list[object]]:
        """Values of a range as values.get would return them (trailing blanks trimmed)."""
        with self._lock:
            result = self._book(spreadsheet_id).get_values(range_, "ROWS", value_render)
            values: list[list[object]] = result.get("values", [])
            return values

    def set_values(self, spreadsheet_id: str, range_: str, values: list[list[object]]) -> None:
        """Type values into the sheet as a person would (USER_ENTERED); bumps the version."""
        with self._lock:
            book = self._book(spreadsheet_id)
            book.write_values(range_, values, "ROWS", "USER_ENTERED")
            book.touch()

    def set_note(self, spreadsheet_id: str, range_: str, text: str) -> None:
        """A person adds a note to a cell (Insert > Note); bumps the version."""
        with self._lock:
            book = self._book(spreadsheet_id)
            sheet, box = book.read_box(range_)
            cell = dict(sheet.cells.get((box.start_row, box.start_col), {}))
            cell["note"] = text
            sheet.set_cell(box.start_row, box.start_col, cell)
            book.touch()

    def cell(self, spreadsheet_id: str, range_: str) -> JSON:
        """The full CellData of one cell (values, formats, note, validation)."""
        with self._lock:
            sheet, box = self._book(spreadsheet_id).read_box(range_)
            return cell_json(sheet.cells.get((box.start_row, box.start_col), {}))

    def drive_version(self, spreadsheet_id: str) -> int:
        """Drive's ``version`` of the file."""
        with self._lock:
            return self._book(spreadsheet_id).version

    def spreadsheet_ids(self) -> list[str]:
        """Ids of every spreadsheet in the store."""
        with self._lock:
            return list(self._books)

    # ------------------------------------------------------------------ store helpers

    def _book(self, spreadsheet_id: str) -> Spreadsheet:
        book = self._books.get(spreadsheet_id)
        if book is None:
            raise ApiError(404, "Requested entity was not found.", "NOT_FOUND")
        return book

    def _new_book(
        self, title: str, sheet_specs: list[JSON], props: JSON | None = None
    ) -> Spreadsheet:
        # Real ids are 44 URL-safe characters; tests must not depend on their content.
        book_id = "1" + secrets.token_urlsafe(33)[:43]
        stamp = now_rfc3339()
        properties: JSON = {
            "title": title,
            "locale": "en_US",
            "autoRecalc": "ON_CHANGE",
            "timeZone": "Etc/GMT",
            "defaultFormat": copy.deepcopy(DEFAULT_FORMAT),
            "spreadsheetTheme": copy.deepcopy(DEFAULT_THEME),
        }
        properties.update({k: v for k, v in (props or {}).items() if v is not None})
        book = Spreadsheet(book_id, properties, [], stamp, stamp)
        specs = sheet_specs or [{"properties": {"title": "Sheet1"}}]
        ctx = RequestContext(self._rng, self.user_email)
        for i, spec in enumerate(specs):
            sheet_props = dict(spec.get("properties", {}))
            if i == 0:
                sheet_props.setdefault("sheetId", 0)
            apply_requests(book, [{"addSheet": {"properties": sheet_props}}], ctx)
        self._books[book_id] = book
        return book

    # ------------------------------------------------------------------ dispatch

    def handle(self, method: str, raw_path: str, body: bytes) -> Response:
        """Answer one HTTP request (called by the server threads)."""
        parts = urlsplit(raw_path)
        query = parse_qs(parts.query, keep_blank_values=True)
        with self._lock:
            response = self._answer(method, parts.path, query, body)
            self._log.append(
                LoggedRequest(method, unquote(parts.path), query, len(body), response.status)
            )
            return response

    def _answer(self, method: str, path: str, query: dict[str, list[str]], body: bytes) -> Response:
        fault = self._take_fault()
        if fault is not None:
            return fault
        try:
            payload = json.loads(body) if body else {}
        except ValueError:
            return error_response(400, "Invalid JSON payload received.", "INVALID_ARGUMENT")
        try:
            if path.startswith("/drive/v3/files"):
                return self._drive(method, path, query, payload)
            return self._sheets(method, path, query, payload)
        except ApiError as exc:
            return Response(exc.code, exc.body())

    def _take_fault(self) -> Response | None:
        if not self._faults:
            return None
        fault = self._faults[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            self._faults.pop(0)
        status, message = STATUS_TEXT.get(fault.status, ("UNKNOWN", "Injected error."))
        response = error_response(fault.status, message, status)
        if fault.retry_after is not None:
            response.headers["Retry-After"] = str(fault.retry_after)
        return response

    # ------------------------------------------------------------------ Sheets v4

    def _sheets(
        self, method: str, path: str, query: dict[str, list[str]], payload: Any
    ) -> Response:
        if path == "/v4/spreadsheets" and method == "POST":
            return self._create(payload, query)
        m = _SHEETS_PATH.match(path)
        if not m:
            raise ApiError(404, "Requested entity was not found.", "NOT_FOUND")
        book = self._book(m.group(1))
        rest = m.group(2)
        if rest == "" and method == "GET":
            return self._get_spreadsheet(book, query)
        if rest == ":batchUpdate" and method == "POST":
            return self._batch_update(book, payload, query)
        if rest.startswith("/values:"):
            return self._values_batch(book, method, rest[len("/values:") :], query, payload)
        if rest.startswith("/values/"):
            return self._values_single(book, method, rest[len("/values/") :], query, payload)
        raise ApiError(404, "Requested entity was not found.", "NOT_FOUND")

    def _create(self, payload: JSON, query: dict[str, list[str]]) -> Response:
        props = dict(payload.get("properties", {}))
        title = str(props.pop("title", "") or "Untitled spreadsheet")
        book = self._new_book(title, list(payload.get("sheets", [])), props)
        return masked(book.to_json([], False), query)

    def _get_spreadsheet(self, book: Spreadsheet, query: dict[str, list[str]]) -> Response:
        fields = query.get("fields", [""])[-1]
        try:
            tree = parse_mask(fields) if fields else None
        except MaskError:
            raise bad_request(f"Invalid field mask: {fields}") from None
        with_data = flag(query, "includeGridData")
        if tree is not None:
            # Google ignores includeGridData when a field mask is given.
            with_data = mask_mentions(tree, "sheets", "data")
        result = book.to_json(query.get("ranges", []), with_data)
        return Response(200, apply_mask(result, tree) if tree is not None else result)

    def _batch_update(
        self, book: Spreadsheet, payload: JSON, query: dict[str, list[str]]
    ) -> Response:
        requests = payload.get("requests")
        if not isinstance(requests, list) or not requests:
            raise bad_request("Must specify at least one request.")
        draft = copy.deepcopy(book)
        replies = apply_requests(draft, requests, RequestContext(self._rng, self.user_email))
        draft.touch()
        self._books[book.spreadsheet_id] = draft
        result: JSON = {"spreadsheetId": book.spreadsheet_id, "replies": replies}
        if payload.get("includeSpreadsheetInResponse"):
            ranges = payload.get("responseRanges") or []
            result["updatedSpreadsheet"] = draft.to_json(
                ranges, bool(payload.get("responseIncludeGridData"))
            )
        return masked(result, query)

    def _commit(self, book: Spreadsheet, draft: Spreadsheet) -> None:
        draft.touch()
        self._books[book.spreadsheet_id] = draft

    def _values_single(
        self,
        book: Spreadsheet,
        method: str,
        raw_range: str,
        query: dict[str, list[str]],
        payload: Any,
    ) -> Response:
        action = ""
        for suffix in (":append", ":clear"):
            if raw_range.endswith(suffix):
                raw_range, action = raw_range[: -len(suffix)], suffix[1:]
        range_ = unquote(raw_range)
        sid = book.spreadsheet_id
        if method == "GET" and not action:
            result = book.get_values(
                range_,
                one(query, "majorDimension", "ROWS"),
                one(query, "valueRenderOption", "FORMATTED_VALUE"),
                one(query, "dateTimeRenderOption", "SERIAL_NUMBER"),
            )
            return masked(result, query)
        if method == "PUT" and not action:
            option = input_option(query.get("valueInputOption", [""])[-1])
            draft = copy.deepcopy(book)
            update = draft.write_values(
                range_, payload.get("values"), payload.get("majorDimension"), option
            )
            self._commit(book, draft)
            result = {"spreadsheetId": sid, **update}
            self._add_updated_data(draft, result, query)
            return masked(result, query)
        if method == "POST" and action == "append":
            option = input_option(query.get("valueInputOption", [""])[-1])
            insert = one(query, "insertDataOption", "OVERWRITE") == "INSERT_ROWS"
            draft = copy.deepcopy(book)
            appended = draft.append_values(
                range_, payload.get("values"), payload.get("majorDimension"), option, insert
            )
            self._commit(book, draft)
            updates = {"spreadsheetId": sid, **appended.pop("updates")}
            self._add_updated_data(draft, updates, query)
            return masked({"spreadsheetId": sid, **appended, "updates": updates}, query)
        if method == "POST" and action == "clear":
            draft = copy.deepcopy(book)
            cleared = draft.clear_values(range_)
            self._commit(book, draft)
            return masked({"spreadsheetId": sid, "clearedRange": cleared}, query)
        raise ApiError(404, "Requested entity was not found.", "NOT_FOUND")

    @staticmethod
    def _add_updated_data(book: Spreadsheet, result: JSON, query: dict[str, list[str]]) -> None:
        if flag(query, "includeValuesInResponse") and "updatedRange" in result:
            result["updatedData"] = book.get_values(
                result["updatedRange"],
                "ROWS",
                one(query, "responseValueRenderOption", "FORMATTED_VALUE"),
                one(query, "responseDateTimeRenderOption", "SERIAL_NUMBER"),
            )

    def _values_batch(
        self, book: Spreadsheet, method: str, action: str, query: dict[str, list[str]], payload: Any
    ) -> Response:
        sid = book.spreadsheet_id
        if method == "GET" and action == "batchGet":
            major = one(query, "majorDimension", "ROWS")
            render_opt = one(query, "valueRenderOption", "FORMATTED_VALUE")
            dt_opt = one(query, "dateTimeRenderOption", "SERIAL_NUMBER")
            ranges = [
                book.get_values(r, major, render_opt, dt_opt) for r in query.get("ranges", [])
            ]
            return masked({"spreadsheetId": sid, "valueRanges": ranges}, query)
        if method == "POST" and action == "batchUpdate":
            return self._values_batch_update(book, payload, query)
        if method == "POST" and action == "batchClear":
            draft = copy.deepcopy(book)
            cleared = [draft.clear_values(r) for r in payload.get("ranges", [])]
            self._commit(book, draft)
            return masked({"spreadsheetId": sid, "clearedRanges": cleared}, query)
        raise ApiError(404, "Requested entity was not found.", "NOT_FOUND")

    def _values_batch_update(
        self, book: Spreadsheet, payload: JSON, query: dict[str, list[str]]
    ) -> Response:
        option = input_option(str(payload.get("valueInputOption") or ""))
        draft = copy.deepcopy(book)
        responses = []
        written: set[tuple[str, int, int]] = set()
        for item in payload.get("data", []):
            update = draft.write_values(
                item.get("range", ""),
                item.get("values"),
                item.get("majorDimension"),
                option,
                written,
            )
            responses.append({"spreadsheetId": book.spreadsheet_id, **update})
        self._commit(book, draft)
        result: JSON = {"spreadsheetId": book.spreadsheet_id}
        if responses:
            # BatchUpdateValuesResponse: rows / columns where at least one cell was updated
            result["totalUpdatedRows"] = len({(t, r) for t, r, _ in written})
            result["totalUpdatedColumns"] = len({(t, c) for t, _, c in written})
            result["totalUpdatedCells"] = sum(r.get("updatedCells", 0) for r in responses)
            result["totalUpdatedSheets"] = len({t for t, _, _ in written})
            result["responses"] = responses
        return masked(result, query)

    # ------------------------------------------------------------------ Drive v3

    def _drive(self, method: str, path: str, query: dict[str, list[str]], payload: Any) -> Response:
        m = _DRIVE_PATH.match(path)
        if not m:
            raise ApiError(404, "Not Found", "NOT_FOUND")
        file_id, copy_suffix = m.group(1), m.group(2)
        if file_id is None:
            if method == "POST":
                return self._drive_create(payload, query)
            if method == "GET":
                return self._drive_list(query)
        else:
            book = self._books.get(file_id)
            if book is None:
                return drive_not_found(file_id)
            if copy_suffix and method == "POST":
                return self._drive_copy(book, payload, query)
            if not copy_suffix and method == "GET":
                return drive_masked(book.drive_json(), query)
            if not copy_suffix and method == "DELETE":
                del self._books[file_id]
                return Response(204, None)
            if not copy_suffix and method == "PATCH":
                if payload.get("name"):
                    book.properties["title"] = str(payload["name"])
                    book.touch()
                return drive_masked(book.drive_json(), query)
        raise ApiError(404, "Not Found", "NOT_FOUND")

    def _drive_create(self, payload: JSON, query: dict[str, list[str]]) -> Response:
        if payload.get("mimeType") != SPREADSHEET_MIME:
            raise bad_request("The emulator stores Google Sheets only.")
        book = self._new_book(str(payload.get("name") or "Untitled spreadsheet"), [])
        book.parents = list(payload.get("parents") or [])
        return drive_masked(book.drive_json(), query)

    def _drive_copy(
        self, book: Spreadsheet, payload: JSON, query: dict[str, list[str]]
    ) -> Response:
        twin = copy.deepcopy(book)
        twin.spreadsheet_id = "1" + secrets.token_urlsafe(33)[:43]
        twin.properties["title"] = str(payload.get("name") or f"Copy of {book.properties['title']}")
        twin.created_time = twin.modified_time = now_rfc3339()
        twin.version = 1
        twin.parents = list(payload.get("parents") or book.parents)
        self._books[twin.spreadsheet_id] = twin
        return drive_masked(twin.drive_json(), query)

    def _drive_list(self, query: dict[str, list[str]]) -> Response:
        terms = [t for t in re.split(r"\s+and\s+", query.get("q", [""])[-1]) if t.strip()]
        files = [b.drive_json() for b in self._books.values()]
        for term in terms:
            m = QUERY_TERM.match(term)
            if not m:
                raise bad_request(f"Invalid Value: q={term}")
            key, op, value = m.groups()
            files = [f for f in files if matches_query(f, key, op, value)]
        result = {"kind": "drive#fileList", "incompleteSearch": False, "files": files}
        fields = query.get("fields", [DRIVE_LIST_DEFAULT_FIELDS])[-1]
        return Response(200, apply_mask(result, parse_mask(fields)))
