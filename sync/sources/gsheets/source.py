"""A Google Sheet as a source, through gspread: the same pass as for a workbook, in a handful of
API calls whatever the number of rows.

A pass costs at most six calls: spreadsheet metadata and one ``values:batchGet`` to read; then,
only when something must change, the Drive ``version`` of the file, one re-read of the rows it
will touch (values, notes and backgrounds, to drop rows staff changed meanwhile and to learn
which fills and notes are theirs), one ``spreadsheets:batchUpdate`` (fills, notes, new sheets,
grid size, the tool's sheets, its record, a warning-only protection of its columns) and one
``values:batchUpdate`` with ``RAW`` input (nothing the tool writes can become a formula).
Requests are split only above Google's 10 MB payload limit.

Sheets cannot tell the tool's fills and notes from the staff's, so the tool keeps a record of
the marks it made (and the background each cell had before) in a hidden sheet, ``_clientbase``,
written in the same atomic ``batchUpdate`` as the marks. It only ever removes what the record
says is its own and what is still as it left it; a staff fill under a highlight comes back when
the problem is fixed. Credentials are read by gspread from the path in the config and are never
stored, copied or logged.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import gspread
import requests
from gspread.exceptions import APIError

from sync.core.config import ROLE_FIELDS, Config, GoogleSheetConfig
from sync.core.labels import column_header, sheet_title
from sync.core.model import (
    ApplyResult,
    CellValue,
    SheetGrid,
    Snapshot,
    ToolSheet,
    WritePlan,
    _Keep,
    column_letters,
)
from sync.errors import ConfigError, SourceError, WriteError
from sync.sources import GSHEET_PREFIX
from sync.sources.base import row_runs, trimmed
from sync.sources.gsheets.plan import (
    RECORD_SHEET,
    Change,
    Mark,
    Record,
    argb_to_color,
    cell_data,
    changes,
    color_to_argb,
    content_digest,
    decode_record,
    effective,
    encode_record,
    follow_rows,
    from_api,
    note_hash,
    row_bands,
    same,
    serial_to_date,
    to_api,
)

log = logging.getLogger("clientbase.gsheets")

T = TypeVar("T")

DRIVE_FILES = "https://www.googleapis.com/drive/v3/files"
SHEETS_API = "https://sheets.googleapis.com/v4/spreadsheets"
# Google refuses a body above 10 MiB ("Request payload size exceeds the limit: 10485760
# bytes"); a call stays below 10 MB, and one request inside it below 2 MB.
PAYLOAD_LIMIT = 10_000_000
REQUEST_LIMIT = 2_000_000
PROTECTION_NOTE = "clientbase: columns the tool fills in (edits are overwritten)"
DATE_FORMAT = {"type": "DATE", "pattern": "dd.mm.yyyy"}
META_FIELDS = (
    "properties.title,sheets(properties(sheetId,title,index,hidden,gridProperties("
    "rowCount,columnCount,frozenRowCount)),protectedRanges(protectedRangeId,description,range,"
    "warningOnly))"
)
REREAD_FIELDS = (
    "sheets(properties(title),data(startRow,startColumn,rowData(values(effectiveValue,note,"
    "userEnteredFormat.backgroundColor))))"
)


def quote(sheet: str) -> str:
    """A sheet name as it appears in an A1 range."""
    return "'" + sheet.replace("'", "''") + "'"


def _retry_after(response: requests.Response | None) -> float | None:
    value = response.headers.get("Retry-After") if response is not None else None
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _transient(exc: Exception) -> bool:
    """Worth another try: Google asked to slow down or failed (429, 5xx), or the connection
    dropped."""
    if isinstance(exc, APIError):
        status = exc.response.status_code if exc.response is not None else 0
        return status == 429 or status >= 500
    return isinstance(exc, requests.RequestException)


_NOT_FOUND = (
    "spreadsheet not found (check the ID, and that it is shared with the service account's email)"
)


def upstream_error(name: str, what: str, exc: Exception) -> SourceError | WriteError:
    """The product's error for what gspread or requests raised while trying to ``what``: the
    one place Google's errors are translated (a test checks that every gspread exception has
    a translation here)."""
    cls = WriteError if what.startswith("write") else SourceError
    if isinstance(exc, APIError):
        status = exc.response.status_code if exc.response is not None else 0
        if status == 404:
            return SourceError(f"{name}: {_NOT_FOUND}")
        if status in (401, 403):
            return SourceError(
                f"{name}: no permission to {what} (share the sheet with the service "
                "account as an editor, or check the credentials)"
            )
        message = str(getattr(exc, "error", {}).get("message", ""))[:200]
        return cls(f"{name}: cannot {what}: HTTP {status} {message}".rstrip())
    if isinstance(
        exc, gspread.exceptions.SpreadsheetNotFound | gspread.exceptions.NoValidUrlKeyFound
    ):
        return SourceError(f"{name}: {_NOT_FOUND}")
    if isinstance(exc, requests.RequestException):
        return cls(f"{name}: cannot {what}: no answer from Google ({type(exc).__name__})")
    # the rest of gspread's errors (a worksheet, a cell label, an input value, an export
    # format) mean the sheet is not laid out as the tool expects
    return cls(f"{name}: cannot {what}: {type(exc).__name__}")


@dataclass(slots=True)
class _Read:
    """What the last :meth:`GSheetSource.read` saw."""

    version: str
    props: dict[str, dict[str, Any]]  # title -> sheet properties
    protected: list[dict[str, Any]]  # the tool's protected ranges
    grids: dict[str, list[list[CellValue]]]  # staff sheets (dates converted)
    tool_values: dict[str, list[list[CellValue]]]  # the tool's own sheets, as they are
    record: Record
    headers: dict[str, tuple[int, list[CellValue]]] = field(default_factory=dict)


class GSheetSource:
    """A :class:`~sync.sources.base.Source` over one spreadsheet."""

    def __init__(
        self,
        spreadsheet_id: str,
        client: gspread.Client,
        config: Config,
        *,
        attempts: int = 6,
        base_delay: float = 1.0,
        max_delay: float = 64.0,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.spreadsheet_id = spreadsheet_id
        self.http = client.http_client
        self.config = config
        self.attempts = attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.calls = 0  # API calls made, retries included
        self.retries = 0
        self.bytes_sent = 0  # request bodies, for the benchmark
        self.drive_version: str | None = None  # Drive's version at the last check
        self._read: _Read | None = None

    @property
    def name(self) -> str:
        return GSHEET_PREFIX + self.spreadsheet_id

    # ------------------------------------------------------------------ HTTP with retries

    def _call(self, what: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call the API; on 429 / 5xx / a dropped connection wait (``Retry-After`` when Google
        sends it, else exponential backoff with jitter) and try again. Whatever gspread or
        requests raise leaves here as one of the product's errors (:func:`upstream_error`)."""
        for attempt in range(1, self.attempts + 1):
            self.calls += 1
            try:
                return fn(*args, **kwargs)
            except (gspread.exceptions.GSpreadException, requests.RequestException) as exc:
                if not _transient(exc) or attempt == self.attempts:
                    raise upstream_error(self.name, what, exc) from exc
                delay = _retry_after(exc.response) if isinstance(exc, APIError) else None
            if delay is None:
                ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
                delay = ceiling / 2 + self.rng.uniform(0, ceiling / 2)
            self.retries += 1
            log.info("%s: Google asked to slow down; retry %d in %.1f s", self.name, attempt, delay)
            self.sleep(delay)
        raise AssertionError("unreachable")

    def _post(self, what: str, url: str, head: str, items: list[bytes], tail: str) -> None:
        """POST a JSON body assembled from pre-encoded items: compact UTF-8 (gspread's own
        encoding escapes every Cyrillic letter as six bytes)."""
        body = head.encode() + b",".join(items) + tail.encode()
        self.bytes_sent += len(body)
        headers = {"Content-Type": "application/json; charset=utf-8"}
        self._call(what, self.http.request, "post", url, data=body, headers=headers)

    def version_info(self) -> tuple[str, str]:
        """Drive's ``version`` and ``modifiedTime`` of the file: one cheap call."""
        url = f"{DRIVE_FILES}/{self.spreadsheet_id}"
        params = {"fields": "version,modifiedTime", "supportsAllDrives": "true"}
        answer = self._call("check the version", self.http.request, "get", url, params=params)
        data = answer.json()
        self.drive_version = str(data.get("version", ""))
        return self.drive_version, str(data.get("modifiedTime", ""))

    # ------------------------------------------------------------------ read

    def read(self, sheets: Sequence[str]) -> Snapshot:
        meta = self._call(
            "read the list of sheets",
            self.http.fetch_sheet_metadata,
            self.spreadsheet_id,
            params={"fields": META_FIELDS},
        )
        props: dict[str, dict[str, Any]] = {}
        protected: list[dict[str, Any]] = []
        for sheet in meta.get("sheets", []):
            p = sheet.get("properties", {})
            props[str(p.get("title", ""))] = p
            for prot in sheet.get("protectedRanges", []):
                if str(prot.get("description", "")).startswith("clientbase"):
                    protected.append(prot)
        present = [s for s in sheets if s in props]
        missing = tuple(s for s in sheets if s not in props)
        tools = [
            t
            for t in (sheet_title("problems", self.config), sheet_title("summary", self.config))
            if t in props and t not in present
        ]
        extra = [*tools, RECORD_SHEET] if RECORD_SHEET in props else tools
        wanted = present + extra
        grids: dict[str, list[list[CellValue]]] = {}
        if wanted:
            answer = self._call(
                "read the values",
                self.http.values_batch_get,
                self.spreadsheet_id,
                [quote(s) for s in wanted],
                params={
                    "valueRenderOption": "UNFORMATTED_VALUE",
                    "dateTimeRenderOption": "SERIAL_NUMBER",
                    "majorDimension": "ROWS",
                },
            )
            for name, block in zip(wanted, answer.get("valueRanges", []), strict=False):
                grids[name] = trimmed((from_api(v) for v in row) for row in block.get("values", []))
        record_rows = grids.pop(RECORD_SHEET, [])
        record = decode_record(r[0] if r else None for r in record_rows)
        tool_values = {t: grids.pop(t, []) for t in tools}
        state = _Read("", props, protected, grids, tool_values, record)
        self._convert_dates(state)
        state.version = "gs:" + content_digest({s: grids[s] for s in present})
        self._read = state
        snapshot = {s: SheetGrid(s, [list(r) for r in grids[s]]) for s in present}
        return Snapshot(self.name, snapshot, state.version, missing)

    def _convert_dates(self, state: _Read) -> None:
        """Serial numbers in date columns become dates (found by header, like the engine
        does); the record follows client rows staff moved, by ID."""
        from sync.core.headers import resolve_table

        for role, sheet_cfg in self.config.sheets.items():
            rows = state.grids.get(sheet_cfg.name)
            if not rows:
                continue
            try:
                info = resolve_table(SheetGrid(sheet_cfg.name, rows), sheet_cfg, source=self.name)
            except (ConfigError, SourceError):
                continue  # the engine reports it with the sheet and header
            header = rows[info.header_row - 1] if info.header_row <= len(rows) else []
            state.headers[sheet_cfg.name] = (info.header_row, list(header))
            kinds = ROLE_FIELDS[role]
            date_cols = [
                c - 1 for f, c in info.field_columns.items() if kinds.get(f) in ("date", "birthday")
            ]
            for line in rows[info.first_data_row - 1 :]:
                for i in date_cols:
                    value = line[i] if i < len(line) else None
                    if isinstance(value, int | float) and not isinstance(value, bool):
                        converted = serial_to_date(float(value))
                        if converted is not None and value >= 1000:
                            line[i] = converted
            id_col = info.field_columns.get("id")
            if role == "clients" and id_col:
                ids = {
                    n: str(r[id_col - 1])
                    for n, r in enumerate(rows, 1)
                    if n > info.header_row and id_col <= len(r) and r[id_col - 1] is not None
                }
                state.record = follow_rows(state.record, sheet_cfg.name, ids)

    # ------------------------------------------------------------------ apply

    def apply(self, plan: WritePlan, expected_version: str) -> ApplyResult:
        state = self._read
        if state is None or state.version != expected_version:
            return ApplyResult("conflict", "the sheet was not read by this source")
        pending = changes(plan, state.grids, state.record)
        tool_sheets = [t for t in plan.tool_sheets if not _tool_sheet_same(t, state)]
        protect = self._protection_requests(plan, state)
        record_missing = RECORD_SHEET not in state.props
        if not pending and not tool_sheets and not protect:
            return ApplyResult("unchanged", new_version=expected_version)
        self.version_info()
        current = self._reread(pending, state) if pending else {}
        writer = _Writer(state, plan, self.config)
        dropped = writer.decide(pending, current)
        writer.tool_sheets(tool_sheets)
        requests_ = writer.structure(record_missing) + writer.requests + protect
        requests_ += writer.record_requests()
        data = writer.value_ranges()
        sheets_url = f"{SHEETS_API}/{self.spreadsheet_id}"
        for chunk in _chunks(requests_):
            self._post("write formats", f"{sheets_url}:batchUpdate", '{"requests":[', chunk, "]}")
        for chunk in _chunks(data):
            head = '{"valueInputOption":"RAW","data":['
            self._post("write values", f"{sheets_url}/values:batchUpdate", head, chunk, "]}")
        for sheet, rows in writer.written.items():
            state.grids[sheet] = rows
        state.record = writer.record
        state.version = "gs:" + content_digest(state.grids)
        self._read = None  # the next pass reads again
        detail = (
            f"{len(dropped)} rows changed by staff during the pass were left for the next pass"
            if dropped
            else ""
        )
        return ApplyResult("applied", detail, new_version=state.version)

    def _reread(
        self, pending: Mapping[str, Mapping[tuple[int, int], Change]], state: _Read
    ) -> dict[tuple[str, int], list[dict[str, Any]]]:
        """The touched rows as they are now: values, notes, backgrounds (one call)."""
        ranges: list[str] = []
        for sheet, cells in pending.items():
            rows = state.grids.get(sheet, [])
            width = max(max((len(r) for r in rows), default=1), *(c for _, c in cells))
            last = column_letters(width)
            for first, end in row_bands(r for r, _ in cells):
                ranges.append(f"{quote(sheet)}!A{first}:{last}{end}")
        answer = self._call(
            "re-read the rows to write",
            self.http.fetch_sheet_metadata,
            self.spreadsheet_id,
            params={"fields": REREAD_FIELDS, "ranges": ranges},
        )
        out: dict[tuple[str, int], list[dict[str, Any]]] = {}
        for sheet in answer.get("sheets", []):
            title = str(sheet.get("properties", {}).get("title", ""))
            for block in sheet.get("data", []):
                row0 = int(block.get("startRow", 0))
                col0 = int(block.get("startColumn", 0))
                for i, row_data in enumerate(block.get("rowData", [])):
                    line: list[dict[str, Any]] = [{} for _ in range(col0)]
                    line += row_data.get("values", [])
                    out[(title, row0 + i + 1)] = line
        return out

    def _protection_requests(self, plan: WritePlan, state: _Read) -> list[dict[str, Any]]:
        """A warning-only protected range over each run of the tool's columns."""
        clients = self.config.sheets.get("clients")
        if clients is None or clients.name not in state.props:
            return []
        header_row, header = state.headers.get(clients.name, (1, []))
        header = list(header)
        for sheet_edits in plan.edits:
            if sheet_edits.sheet != clients.name:
                continue
            for edit in sheet_edits.cells:
                if edit.row == header_row and not isinstance(edit.value, _Keep):
                    while len(header) < edit.col:
                        header.append(None)
                    header[edit.col - 1] = edit.value
        tool = {column_header(k, self.config) for k in self.config.output.columns}
        tool.discard(column_header("id", self.config))
        cols = [i for i, h in enumerate(header) if isinstance(h, str) and h.strip() in tool]
        sheet_id = state.props[clients.name].get("sheetId", 0)
        runs: list[tuple[int, int]] = []
        for c in cols:
            if runs and runs[-1][1] == c:
                runs[-1] = (runs[-1][0], c + 1)
            else:
                runs.append((c, c + 1))
        wanted = {(sheet_id, a, b) for a, b in runs}
        have = {
            (
                p.get("range", {}).get("sheetId", 0),
                p.get("range", {}).get("startColumnIndex", 0),
                p.get("range", {}).get("endColumnIndex", 0),
            )
            for p in state.protected
        }
        if wanted == have:
            return []
        out: list[dict[str, Any]] = [
            {"deleteProtectedRange": {"protectedRangeId": p["protectedRangeId"]}}
            for p in state.protected
            if "protectedRangeId" in p
        ]
        for a, b in runs:
            rng = {"sheetId": sheet_id, "startColumnIndex": a, "endColumnIndex": b}
            out.append(
                {
                    "addProtectedRange": {
                        "protectedRange": {
                            "range": rng,
                            "description": PROTECTION_NOTE,
                            "warningOnly": True,
                        }
                    }
                }
            )
        return out

    def close(self) -> None:
        self._read = None


# ---------------------------------------------------------------------------- helpers


def _tool_sheet_same(sheet: ToolSheet, state: _Read) -> bool:
    if sheet.name not in state.props or sheet.name not in state.tool_values:
        return False
    have = state.tool_values[sheet.name]
    want = [list(r) for r in sheet.rows]
    while want and all(v is None or v == "" for v in want[-1]):
        want.pop()
    if len(have) != len(want):
        return False
    for a, b in zip(have, want, strict=True):
        width = max(len(a), len(b))
        for i in range(width):
            x = a[i] if i < len(a) else None
            y = b[i] if i < len(b) else None
            if not same(x, y) or (isinstance(y, str) and y.strip() and not isinstance(x, str)):
                return False
    return True


def _encode(item: object) -> bytes:
    return json.dumps(item, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def _chunks(items: list[Any]) -> list[list[bytes]]:
    """Consecutive groups of encoded requests, each group below the payload limit."""
    out: list[list[bytes]] = []
    size = 0
    for item in items:
        data = _encode(item)
        if not out or size + len(data) + 1 > PAYLOAD_LIMIT:
            out.append([])
            size = 64
        out[-1].append(data)
        size += len(data) + 1
    return out


def _link_target(location: str, ids: Mapping[str, int]) -> str | None:
    """``'Клиенты'!C5`` as a link inside the spreadsheet (``#gid=0&range=C5``)."""
    sheet, _, cell = location.rpartition("!")
    if sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    sheet_id = ids.get(sheet)
    return None if sheet_id is None else f"#gid={sheet_id}&range={cell}"


class _Writer:
    """Turns the changes that survived the re-read into requests, and keeps the new record."""

    def __init__(self, state: _Read, plan: WritePlan, config: Config) -> None:
        self.state = state
        self.plan = plan
        self.config = config
        self.record: Record = dict(state.record)
        self.requests: list[dict[str, Any]] = []
        self.values: dict[str, dict[tuple[int, int], CellValue]] = {}
        self.written: dict[str, list[list[CellValue]]] = {}
        self.new_sheets: list[dict[str, Any]] = []
        used = {int(p.get("sheetId", 0)) for p in state.props.values()}
        self.ids = {t: int(p.get("sheetId", 0)) for t, p in state.props.items()}
        rng = random.Random(len(used))
        for name in (*(t.name for t in plan.tool_sheets), RECORD_SHEET):
            if name not in self.ids:
                new_id = rng.randrange(1, 2**31 - 1)
                while new_id in used:
                    new_id = rng.randrange(1, 2**31 - 1)
                used.add(new_id)
                self.ids[name] = new_id
        self.grow: dict[str, int] = {}  # staff sheet -> columns needed
        self.tool_values: list[dict[str, Any]] = []  # value ranges of the tool's sheets

    def decide(
        self,
        pending: Mapping[str, Mapping[tuple[int, int], Change]],
        current: Mapping[tuple[str, int], list[dict[str, Any]]],
    ) -> set[tuple[str, int]]:
        """Keep the changes of rows that are as they were read; returns the dropped rows."""
        dropped: set[tuple[str, int]] = set()
        marks: dict[tuple[str, int], dict[int, dict[str, Any]]] = {}
        for sheet, cells in pending.items():
            rows = self.state.grids.get(sheet, [])
            grid = [list(r) for r in rows]
            for row in sorted({r for r, _ in cells}):
                now = current.get((sheet, row), [])
                before = rows[row - 1] if row <= len(rows) else []
                width = max(len(before), len(now))
                for i in range(width):
                    was = before[i] if i < len(before) else None
                    cell = now[i] if i < len(now) else {}
                    if not same(was, effective(cell)):
                        dropped.add((sheet, row))
                        break
            for (row, col), change in sorted(cells.items()):
                if (sheet, row) in dropped:
                    continue
                now = current.get((sheet, row), [])
                cell = now[col - 1] if col <= len(now) else {}
                if not isinstance(change.value, _Keep):
                    self.values.setdefault(sheet, {})[(row, col)] = change.value
                    while len(grid) < row:
                        grid.append([])
                    line = grid[row - 1]
                    while len(line) < col:
                        line.append(None)
                    line[col - 1] = change.value
                fields, data = self._mark(sheet, row, col, change, cell)
                if fields:
                    final = _marks_of(cell)
                    if "note" in fields:
                        final.pop("note", None)
                        if "note" in data:
                            final["note"] = data["note"]
                    if "userEnteredFormat.backgroundColor" in fields:
                        final.pop("userEnteredFormat", None)
                        if "userEnteredFormat" in data:
                            final["userEnteredFormat"] = data["userEnteredFormat"]
                    marks.setdefault((sheet, col), {})[row] = final
                width = int(self.state.props[sheet].get("gridProperties", {}).get("columnCount", 0))
                if col > width:
                    self.grow[sheet] = max(self.grow.get(sheet, 0), col)
            self.written[sheet] = grid
        # One request per re-read band, over the rectangle of the cells that change: the cells
        # in between are written back exactly as the re-read found them ("{}" for most), which
        # costs far less than a request per cell on a big sheet.
        by_sheet: dict[str, dict[tuple[int, int], dict[str, Any]]] = {}
        for (sheet, col), by_row in marks.items():
            for row, data in by_row.items():
                by_sheet.setdefault(sheet, {})[(row, col)] = data
        for sheet, planned in sorted(by_sheet.items()):
            for first, last in row_bands(r for r, _ in pending[sheet]):
                inside = [(r, c) for r, c in planned if first <= r <= last]
                if not inside:
                    continue
                lo, hi = min(r for r, _ in inside), max(r for r, _ in inside)
                c_lo, c_hi = min(c for _, c in inside), max(c for _, c in inside)
                rows_out = []
                for r in range(lo, hi + 1):
                    now = current.get((sheet, r), [])
                    marks_line: list[dict[str, Any]] = []
                    for c in range(c_lo, c_hi + 1):
                        found = planned.get((r, c))
                        if found is None:
                            found = _marks_of(now[c - 1] if c <= len(now) else {})
                        marks_line.append(found)
                    rows_out.append({"values": marks_line})
                self.requests += _update_cells(
                    self.ids[sheet], lo, c_lo, rows_out, "userEnteredFormat.backgroundColor,note"
                )
        return dropped

    def _mark(
        self, sheet: str, row: int, col: int, change: Change, cell: Mapping[str, Any]
    ) -> tuple[list[str], dict[str, Any]]:
        """The fields and CellData that put (or take away) the tool's fill and note."""
        key = (sheet, row, col)
        mark = self.record.get(key) or Mark()
        mark = Mark(mark.fill, mark.note, mark.original_fill, mark.row_id)
        fields: list[str] = []
        data: dict[str, Any] = {}
        fmt = cell.get("userEnteredFormat", {}) if isinstance(cell, Mapping) else {}
        bg = color_to_argb(fmt.get("backgroundColor")) if isinstance(fmt, Mapping) else None
        if isinstance(change.fill, str):
            if mark.fill is None or bg != mark.fill:
                # first highlight, or staff recoloured ours: what is there now comes back later
                mark.original_fill = None if bg in self.plan.tool_fills else bg
            mark.fill = change.fill
            fields.append("userEnteredFormat.backgroundColor")
            data["userEnteredFormat"] = {"backgroundColor": argb_to_color(change.fill)}
        elif change.fill is None and mark.fill is not None:
            if bg == mark.fill:  # still ours: put back what was there
                fields.append("userEnteredFormat.backgroundColor")
                if mark.original_fill:
                    data["userEnteredFormat"] = {
                        "backgroundColor": argb_to_color(mark.original_fill)
                    }
            mark.fill = None
            mark.original_fill = None
        note = cell.get("note") if isinstance(cell, Mapping) else None
        note = note if isinstance(note, str) and note else None
        if isinstance(change.note, str):
            if note is None or note_hash(note) == mark.note:
                fields.append("note")
                data["note"] = change.note
                mark.note = note_hash(change.note)
            else:
                mark.note = None  # a staff note: never overwritten, never owned
        elif change.note is None and mark.note is not None:
            if note is not None and note_hash(note) == mark.note:
                fields.append("note")
            mark.note = None
        if sheet in self.state.headers:
            mark.row_id = self._row_id(sheet, row)
        if mark.empty:
            self.record.pop(key, None)
        else:
            self.record[key] = mark
        return fields, data

    def _row_id(self, sheet: str, row: int) -> str | None:
        clients = self.config.sheets.get("clients")
        if clients is None or clients.name != sheet:
            return None
        header_row, header = self.state.headers[sheet]
        id_head = clients.columns.get("id") or column_header("id", self.config)
        col = next((i for i, h in enumerate(header) if h == id_head), None)
        rows = self.state.grids.get(sheet, [])
        if col is None or row <= header_row or row > len(rows) or col >= len(rows[row - 1]):
            return None
        value = rows[row - 1][col]
        return None if value is None else str(value)

    def structure(self, record_missing: bool) -> list[dict[str, Any]]:
        """New sheets and wider grids: first in the batch, so later requests can use them."""
        out: list[dict[str, Any]] = list(self.new_sheets)
        if record_missing:
            out.insert(
                0,
                {
                    "addSheet": {
                        "properties": {
                            "sheetId": self.ids[RECORD_SHEET],
                            "title": RECORD_SHEET,
                            "hidden": True,
                            "gridProperties": {"rowCount": 10, "columnCount": 1},
                        }
                    }
                },
            )
        for sheet, cols in self.grow.items():
            have = int(self.state.props[sheet].get("gridProperties", {}).get("columnCount", 0))
            out.insert(
                0,
                {
                    "appendDimension": {
                        "sheetId": self.ids[sheet],
                        "dimension": "COLUMNS",
                        "length": cols - have,
                    }
                },
            )
        return out

    def record_requests(self) -> list[dict[str, Any]]:
        """The new record, in the same atomic batch as the marks it describes."""
        cells = encode_record(self.record)
        if RECORD_SHEET in self.state.props and cells == encode_record(self.state.record):
            return []
        sheet_id = self.ids[RECORD_SHEET]
        grid = {"rowCount": len(cells), "columnCount": 1}
        return [
            {
                "updateSheetProperties": {
                    "properties": {"sheetId": sheet_id, "gridProperties": grid},
                    "fields": "gridProperties(rowCount,columnCount)",
                }
            },
            {
                "updateCells": {
                    "range": {"sheetId": sheet_id},
                    "rows": [{"values": [{"userEnteredValue": {"stringValue": c}}]} for c in cells],
                    "fields": "userEnteredValue",
                }
            },
        ]

    def tool_sheets(self, sheets: Sequence[ToolSheet]) -> None:
        """Replace each tool sheet that changed: its size, a clean slate, the header in bold,
        fills, and links (rich-text links to the cells); plain values go in the RAW batch."""
        for sheet in sheets:
            rows = [list(r) for r in sheet.rows]
            height = max(len(rows), 1) + 1
            width = max((len(r) for r in rows), default=1)
            sheet_id = self.ids[sheet.name]
            grid = {"rowCount": height, "columnCount": width, "frozenRowCount": 1}
            if sheet.name in self.state.props:
                self.requests.append(
                    {
                        "updateSheetProperties": {
                            "properties": {"sheetId": sheet_id, "gridProperties": grid},
                            "fields": "gridProperties(rowCount,columnCount,frozenRowCount)",
                        }
                    }
                )
                self.requests.append(
                    {
                        "updateCells": {
                            "range": {"sheetId": sheet_id},
                            "fields": "userEnteredValue,userEnteredFormat,textFormatRuns,note",
                        }
                    }
                )
            else:
                props = {"sheetId": sheet_id, "title": sheet.name, "gridProperties": grid}
                self.new_sheets.append({"addSheet": {"properties": props}})
                for i, w in enumerate(sheet.column_widths):
                    dim = {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": i}
                    self.requests.append(
                        {
                            "updateDimensionProperties": {
                                "range": dim | {"endIndex": i + 1},
                                "properties": {"pixelSize": int(w * 7 + 5)},
                                "fields": "pixelSize",
                            }
                        }
                    )
            if sheet.autofilter:
                span = {"startRowIndex": 0, "endRowIndex": max(len(rows), 1)}
                span |= {"startColumnIndex": 0, "endColumnIndex": width}
                self.requests.append(
                    {"setBasicFilter": {"filter": {"range": {"sheetId": sheet_id} | span}}}
                )
            for r in sheet.bold_rows:
                if r <= len(rows):
                    self.requests.append(
                        _repeat(
                            sheet_id,
                            r,
                            1,
                            r,
                            width,
                            {"textFormat": {"bold": True}},
                            "userEnteredFormat.textFormat.bold",
                        )
                    )
            by_color: dict[tuple[int, str], dict[int, str]] = {}
            for (r, c), argb in sheet.fills.items():
                by_color.setdefault((c, argb), {})[r] = argb
            for (c, argb), colored in sorted(by_color.items()):
                color = {"backgroundColor": argb_to_color(argb)}
                for first, run in row_runs(colored):
                    last = first + len(run) - 1
                    self.requests.append(
                        _repeat(
                            sheet_id, first, c, last, c, color, "userEnteredFormat.backgroundColor"
                        )
                    )
            linked = sorted({c for _, c in sheet.links})
            for c in linked:
                column: dict[int, dict[str, Any]] = {}
                for r, row in enumerate(rows, 1):
                    value = row[c - 1] if c <= len(row) else None
                    cell: dict[str, Any] = {"userEnteredValue": cell_data(value)} if value else {}
                    target = sheet.links.get((r, c))
                    uri = _link_target(target, self.ids) if target else None
                    if uri and isinstance(value, str):
                        cell["textFormatRuns"] = [
                            {"startIndex": 0, "format": {"link": {"uri": uri}}}
                        ]
                    column[r] = cell
                for first, datas in row_runs(column):
                    rows_out = [{"values": [d]} for d in datas]
                    self.requests += _update_cells(
                        sheet_id, first, c, rows_out, "userEnteredValue,textFormatRuns"
                    )
            # the other columns: rectangular blocks of plain values, in the RAW batch
            plain = [c for c in range(1, width + 1) if c not in linked]
            for first, block in row_runs({c: c for c in plain}):
                last = first + len(block) - 1
                values = [
                    [to_api(row[c - 1] if c <= len(row) else None) for c in block] for row in rows
                ]
                ref = f"{quote(sheet.name)}!{column_letters(first)}1:{column_letters(last)}"
                self.tool_values.append(
                    {
                        "range": f"{ref}{max(len(rows), 1)}",
                        "majorDimension": "ROWS",
                        "values": values or [[""]],
                    }
                )
                for c in block:
                    dates = {
                        r: row[c - 1]
                        for r, row in enumerate(rows, 1)
                        if c <= len(row) and isinstance(row[c - 1], dt.date)
                    }
                    self.requests += _date_formats(sheet_id, c, dates)

    def value_ranges(self) -> list[dict[str, Any]]:
        """RAW value ranges: one per contiguous run of a column; date cells get a date format."""
        out: list[dict[str, Any]] = list(self.tool_values)
        for sheet, cells in self.values.items():
            by_col: dict[int, dict[int, CellValue]] = {}
            for (row, col), value in cells.items():
                by_col.setdefault(col, {})[row] = value
            for col, by_row in sorted(by_col.items()):
                # one range per column; null leaves a cell as it is (Sheets skips it)
                letter = column_letters(col)
                lo, hi = min(by_row), max(by_row)
                out.append(
                    {
                        "range": f"{quote(sheet)}!{letter}{lo}:{letter}{hi}",
                        "majorDimension": "COLUMNS",
                        "values": [
                            [to_api(by_row[r]) if r in by_row else None for r in range(lo, hi + 1)]
                        ],
                    }
                )
                dates = {r: v for r, v in by_row.items() if isinstance(v, dt.date)}
                self.requests += _date_formats(self.ids[sheet], col, dates)
        return out


def _update_cells(
    sheet_id: int, row: int, col: int, rows: list[dict[str, Any]], fields: str
) -> list[dict[str, Any]]:
    """updateCells from (row, col), split by rows so that no request nears the payload limit."""
    out: list[dict[str, Any]] = []
    block: list[dict[str, Any]] = []
    size = 0
    first = row
    for i, line in enumerate(rows):
        n = len(_encode(line))
        if block and size + n > REQUEST_LIMIT:
            out.append(_cells_request(sheet_id, first, col, block, fields))
            block, size, first = [], 0, row + i
        block.append(line)
        size += n + 1
    if block:
        out.append(_cells_request(sheet_id, first, col, block, fields))
    return out


def _cells_request(
    sheet_id: int, row: int, col: int, rows: list[dict[str, Any]], fields: str
) -> dict[str, Any]:
    start = {"sheetId": sheet_id, "rowIndex": row - 1, "columnIndex": col - 1}
    return {"updateCells": {"start": start, "rows": rows, "fields": fields}}


def _marks_of(cell: Mapping[str, Any]) -> dict[str, Any]:
    """A cell's background and note as they are, as CellData to write back unchanged."""
    out: dict[str, Any] = {}
    fmt = cell.get("userEnteredFormat")
    if isinstance(fmt, Mapping) and fmt.get("backgroundColor"):
        out["userEnteredFormat"] = {"backgroundColor": fmt["backgroundColor"]}
    if cell.get("note"):
        out["note"] = cell["note"]
    return out


def _repeat(
    sheet_id: int, r1: int, c1: int, r2: int, c2: int, fmt: dict[str, Any], fields: str
) -> dict[str, Any]:
    """A repeatCell setting one format field over rows r1..r2, columns c1..c2 (1-based)."""
    rng = {
        "sheetId": sheet_id,
        "startRowIndex": r1 - 1,
        "endRowIndex": r2,
        "startColumnIndex": c1 - 1,
        "endColumnIndex": c2,
    }
    return {"repeatCell": {"range": rng, "cell": {"userEnteredFormat": fmt}, "fields": fields}}


def _date_formats(sheet_id: int, col: int, dates: Mapping[int, object]) -> list[dict[str, Any]]:
    """A date number format on the cells the tool writes dates into, one request per run."""
    return [
        _repeat(
            sheet_id,
            first,
            col,
            first + len(run) - 1,
            col,
            {"numberFormat": DATE_FORMAT},
            "userEnteredFormat.numberFormat",
        )
        for first, run in row_runs(dates)
    ]


# ---------------------------------------------------------------------------- opening


def entry_for(spreadsheet_id: str, config: Config) -> GoogleSheetConfig:
    """The ``[[google]]`` entry of this spreadsheet, else the first one's credentials, else
    the environment (``CLIENTBASE_SHEETS_ENDPOINT`` for the emulator,
    ``GOOGLE_APPLICATION_CREDENTIALS`` for a service account)."""
    import os

    for entry in config.google:
        if entry.spreadsheet == spreadsheet_id:
            return entry
    endpoint = os.environ.get("CLIENTBASE_SHEETS_ENDPOINT") or None
    credentials = next((e.credentials for e in config.google if e.credentials), None)
    credentials = credentials or os.environ.get("GOOGLE_APPLICATION_CREDENTIALS") or None
    return GoogleSheetConfig(spreadsheet_id, credentials, endpoint)


def client_for(entry: GoogleSheetConfig) -> gspread.Client:
    """A gspread client for the entry: the emulator at ``endpoint``, else Google with the
    service-account or OAuth (authorized user) JSON at ``credentials``."""
    if entry.endpoint:
        from sync.testing.gspread_local import local_client

        return local_client(entry.endpoint)
    if not entry.credentials:
        raise ConfigError(
            'no credentials for Google Sheets: add credentials = "path/to/key.json" to the '
            "[[google]] entry (a service account the sheet is shared with), or set "
            "GOOGLE_APPLICATION_CREDENTIALS",
            key="google.credentials",
        )
    path = Path(entry.credentials)
    try:
        kind = json.loads(path.read_text("utf-8")).get("type")
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"cannot read the credentials file ({type(exc).__name__})",
            path=str(path),
            key="google.credentials",
        ) from exc
    if kind == "service_account":
        return gspread.service_account(filename=str(path))
    if kind == "authorized_user":
        from google.oauth2.credentials import Credentials

        creds = Credentials.from_authorized_user_file(str(path))  # type: ignore[no-untyped-call]
        return gspread.authorize(creds)
    raise ConfigError(
        "expected a service-account key or an authorized-user (OAuth) JSON file",
        path=str(path),
        key="google.credentials",
    )


def open_gsheet(spec: str, config: Config) -> GSheetSource:
    """The source for ``gsheet:ID``."""
    from sync.sources.gsheets.residency import warn_data_abroad

    spreadsheet_id = spec[len(GSHEET_PREFIX) :] if spec.startswith(GSHEET_PREFIX) else spec
    entry = entry_for(spreadsheet_id, config)
    if not entry.endpoint:  # Google itself, not the local emulator
        warn_data_abroad(config, spreadsheet_id)
    return GSheetSource(spreadsheet_id, client_for(entry), config)
