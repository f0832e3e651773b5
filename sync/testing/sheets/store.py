"""In-memory spreadsheets for the Google Sheets emulator: sheets, cells, values API semantics.

Everything here is pure data manipulation; the HTTP layer (``gsheets_emulator``) takes the lock
and turns :class:`ApiError` into Google's JSON error body.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from sync.testing.sheets.a1 import (
    A1Range,
    GridBox,
    RangeError,
    clamp,
    column_letters,
    format_box,
    parse_a1,
)
from sync.testing.sheets.cells import (
    JSON,
    clone,
    effective_value,
    formatted_value,
    number_format,
    raw_value,
    render,
    user_entered_value,
)

SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
DEFAULT_ROWS = 1000
DEFAULT_COLS = 26
ROW_PIXELS = 21
COL_PIXELS = 100

# What a new spreadsheet carries in spreadsheets.get, exactly as Google answered in 2023.
DEFAULT_FORMAT: JSON = {
    "backgroundColor": {"red": 1, "green": 1, "blue": 1},
    "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
    "verticalAlignment": "BOTTOM",
    "wrapStrategy": "OVERFLOW_CELL",
    "textFormat": {
        "foregroundColor": {},
        "fontFamily": "arial,sans,sans-serif",
        "fontSize": 10,
        "bold": False,
        "italic": False,
        "strikethrough": False,
        "underline": False,
        "foregroundColorStyle": {"rgbColor": {}},
    },
    "backgroundColorStyle": {"rgbColor": {"red": 1, "green": 1, "blue": 1}},
}
_THEME_COLORS = [
    ("TEXT", {}),
    ("BACKGROUND", {"red": 1, "green": 1, "blue": 1}),
    ("ACCENT1", {"red": 0.25882354, "green": 0.52156866, "blue": 0.95686275}),
    ("ACCENT2", {"red": 0.91764706, "green": 0.2627451, "blue": 0.20784314}),
    ("ACCENT3", {"red": 0.9843137, "green": 0.7372549, "blue": 0.015686275}),
    ("ACCENT4", {"red": 0.20392157, "green": 0.65882355, "blue": 0.3254902}),
    ("ACCENT5", {"red": 1, "green": 0.42745098, "blue": 0.003921569}),
    ("ACCENT6", {"red": 0.27450982, "green": 0.7411765, "blue": 0.7764706}),
    ("LINK", {"red": 0.06666667, "green": 0.33333334, "blue": 0.8}),
]
DEFAULT_THEME: JSON = {
    "primaryFontFamily": "Arial",
    "themeColors": [{"colorType": k, "color": {"rgbColor": c}} for k, c in _THEME_COLORS],
}


class ApiError(Exception):
    """An error answered in Google's JSON shape."""

    def __init__(
        self, code: int, message: str, status: str, details: list[JSON] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.details = details

    def body(self) -> JSON:
        """The ``{"error": {...}}`` body."""
        err: JSON = {"code": self.code, "message": self.message, "status": self.status}
        if self.details:
            err["details"] = self.details
        return {"error": err}


def bad_request(message: str) -> ApiError:
    """400 INVALID_ARGUMENT."""
    return ApiError(400, message, "INVALID_ARGUMENT")


def now_rfc3339() -> str:
    """UTC now with milliseconds, like Drive's timestamps."""
    stamp = dt.datetime.now(dt.UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


@dataclass
class Sheet:
    """One tab: its properties (API shape) and sparse cells keyed by (row, col)."""

    properties: JSON
    cells: dict[tuple[int, int], JSON] = field(default_factory=dict)
    row_meta: dict[int, JSON] = field(default_factory=dict)
    col_meta: dict[int, JSON] = field(default_factory=dict)
    merges: list[JSON] = field(default_factory=list)
    protected_ranges: list[JSON] = field(default_factory=list)
    basic_filter: JSON | None = None  # {"range": GridRange, ...}

    @property
    def sheet_id(self) -> int:
        """The numeric sheetId."""
        return int(self.properties["sheetId"])

    @property
    def title(self) -> str:
        """The tab name."""
        return str(self.properties["title"])

    @property
    def grid(self) -> JSON:
        """gridProperties (rowCount, columnCount, frozen counts)."""
        grid: JSON = self.properties.setdefault("gridProperties", {})
        return grid

    @property
    def row_count(self) -> int:
        """Rows in the grid."""
        return int(self.grid.get("rowCount", 0))

    @property
    def col_count(self) -> int:
        """Columns in the grid."""
        return int(self.grid.get("columnCount", 0))

    def ensure_size(self, rows: int, cols: int) -> None:
        """Grow the grid so that it holds ``rows`` x ``cols`` (writes expand it, as in Sheets)."""
        if rows > self.row_count:
            self.grid["rowCount"] = rows
        if cols > self.col_count:
            self.grid["columnCount"] = cols

    def __deepcopy__(self, memo: dict[int, Any]) -> Sheet:
        return Sheet(
            clone(self.properties),
            {k: clone(v) for k, v in self.cells.items()},
            {k: clone(v) for k, v in self.row_meta.items()},
            {k: clone(v) for k, v in self.col_meta.items()},
            clone(self.merges),
            clone(self.protected_ranges),
            clone(self.basic_filter),
        )

    def set_cell(self, row: int, col: int, cell: JSON) -> None:
        """Store a cell; an empty one is dropped so the sheet stays sparse."""
        if cell:
            self.cells[(row, col)] = cell
        else:
            self.cells.pop((row, col), None)


@dataclass
class Spreadsheet:
    """A spreadsheet and its Drive file metadata."""

    spreadsheet_id: str
    properties: JSON
    sheets: list[Sheet]
    created_time: str
    modified_time: str
    version: int = 1
    parents: list[str] = field(default_factory=list)

    # ------------------------------------------------------------------ lookup

    def sheet_by_id(self, sheet_id: object) -> Sheet:
        """The sheet with this id, or Google's 400."""
        for sheet in self.sheets:
            if sheet.sheet_id == sheet_id:
                return sheet
        raise bad_request(f"No grid with id: {sheet_id}")

    def sheet_by_title(self, title: str) -> Sheet | None:
        """The sheet with this title (titles are unique, compared case-insensitively)."""
        for sheet in self.sheets:
            if sheet.title.lower() == title.lower():
                return sheet
        return None

    def reindex(self) -> None:
        """Keep ``index`` equal to the position."""
        for i, sheet in enumerate(self.sheets):
            sheet.properties["index"] = i

    def touch(self) -> None:
        """Record a change: Drive's version and modifiedTime move on every edit."""
        self.version += 1
        self.modified_time = now_rfc3339()

    def resolve(self, text: str) -> tuple[Sheet, A1Range]:
        """Parse an A1 range against this spreadsheet, or raise Google's 400."""
        try:
            rng = parse_a1(text, [s.title for s in self.sheets])
        except RangeError:
            raise bad_request(f"Unable to parse range: {text}") from None
        if rng.sheet is None:
            return self.sheets[0], rng
        sheet = self.sheet_by_title(rng.sheet)
        if sheet is None:
            raise bad_request(f"Unable to parse range: {text}")
        return sheet, rng

    def read_box(self, text: str) -> tuple[Sheet, GridBox]:
        """Resolve a range for reading: it must lie within the grid."""
        sheet, rng = self.resolve(text)
        box = clamp(rng, sheet.row_count, sheet.col_count)
        if box.end_row > sheet.row_count or box.end_col > sheet.col_count:
            raise bad_request(
                f"Range ({format_box(sheet.title, box)}) exceeds grid limits. "
                f"Max rows: {sheet.row_count}, max columns: {sheet.col_count}"
            )
        return sheet, box

    # ------------------------------------------------------------------ values API

    def get_values(
        self,
        text: str,
        major: str = "ROWS",
        value_render: str = "FORMATTED_VALUE",
        datetime_render: str = "SERIAL_NUMBER",
    ) -> JSON:
        """A ValueRange as values.get returns it (trailing empty cells and rows trimmed)."""
        sheet, box = self.read_box(text)
        rows: list[list[object]] = []
        for r in range(box.start_row, box.end_row):
            row = [
                render(sheet.cells.get((r, c), {}), value_render, datetime_render)
                for c in range(box.start_col, box.end_col)
            ]
            while row and row[-1] == "":
                row.pop()
            rows.append(row)
        if (major or "ROWS") == "COLUMNS":
            width = max((len(r) for r in rows), default=0)
            rows = [[row[c] if c < len(row) else "" for row in rows] for c in range(width)]
            for col in rows:
                while col and col[-1] == "":
                    col.pop()
        while rows and not rows[-1]:
            rows.pop()
        result: JSON = {"range": format_box(sheet.title, box), "majorDimension": major or "ROWS"}
        if rows:
            result["values"] = rows
        return result

    def write_values(
        self,
        text: str,
        values: object,
        major: str | None,
        input_option: str,
        written: set[tuple[str, int, int]] | None = None,
    ) -> JSON:
        """values.update semantics; returns an UpdateValuesResponse (without spreadsheetId).
        ``written`` collects (sheet, row, column) of the cells written (not the null ones)."""
        sheet, rng = self.resolve(text)
        grid = _as_grid(values, major)
        if rng.is_single_cell:
            # A single cell is only the anchor: Google writes the whole grid from there.
            rng = A1Range(rng.sheet, rng.start_row, None, rng.start_col, None)
        return self._write_grid(
            sheet, rng, rng.start_row or 0, rng.start_col or 0, grid, input_option, written
        )

    def _write_grid(
        self,
        sheet: Sheet,
        rng: A1Range,
        row0: int,
        col0: int,
        grid: list[list[object]],
        input_option: str,
        written: set[tuple[str, int, int]] | None = None,
    ) -> JSON:
        height = len(grid)
        width = max((len(r) for r in grid), default=0)
        if rng.end_row is not None and row0 + height > rng.end_row:
            bound = format_box(sheet.title, clamp(rng, sheet.row_count, sheet.col_count))
            raise bad_request(
                f"Requested writing within range [{bound}], but tried writing to row "
                f"[{row0 + height}]"
            )
        if rng.end_col is not None and col0 + width > rng.end_col:
            bound = format_box(sheet.title, clamp(rng, sheet.row_count, sheet.col_count))
            raise bad_request(
                f"Requested writing within range [{bound}], but tried writing to column "
                f"[{column_letters(col0 + width - 1)}]"
            )
        sheet.ensure_size(row0 + height, col0 + width)
        locale = str(self.properties.get("locale", "en_US"))
        cells: set[tuple[int, int]] = set()
        for i, row in enumerate(grid):
            for j, value in enumerate(row):
                if value is None:  # null means "leave this cell alone": not written, not counted
                    continue
                self._write_cell(sheet, row0 + i, col0 + j, value, input_option, locale)
                cells.add((row0 + i, col0 + j))
        if written is not None:
            written.update((sheet.title, r, c) for r, c in cells)
        result: JSON = {}
        if height and width:
            box = GridBox(row0, row0 + height, col0, col0 + width)
            result["updatedRange"] = format_box(sheet.title, box)
            # UpdateValuesResponse: rows / columns "where at least one cell ... was updated"
            result["updatedRows"] = len({r for r, _ in cells})
            result["updatedColumns"] = len({c for _, c in cells})
            result["updatedCells"] = len(cells)
        return result

    def _write_cell(
        self, sheet: Sheet, row: int, col: int, value: object, option: str, locale: str
    ) -> None:
        if value is None:  # null in a values array means "leave this cell alone"
            return
        if isinstance(value, list | dict):
            raise bad_request(f"Invalid values[{row}][{col}]: {value!r}")
        cell = dict(sheet.cells.get((row, col), {}))
        if option == "USER_ENTERED":
            entered, implied = user_entered_value(value, locale)
        else:
            entered, implied = raw_value(value), None
        if entered is None:
            cell.pop("userEnteredValue", None)
        else:
            cell["userEnteredValue"] = entered
        if implied is not None and number_format(cell) is None:
            fmt = dict(cell.get("userEnteredFormat", {}))
            fmt["numberFormat"] = implied
            cell["userEnteredFormat"] = fmt
        sheet.set_cell(row, col, cell)

    def append_values(
        self, text: str, values: object, major: str | None, input_option: str, insert: bool
    ) -> JSON:
        """values.append: find the table in the range and write after its last row."""
        sheet, rng = self.resolve(text)
        box = clamp(rng, sheet.row_count, sheet.col_count)
        grid = _as_grid(values, major)
        table = _find_table(sheet, box)
        result: JSON = {}
        if table is None:
            row0, col0 = box.start_row, box.start_col
        else:
            result["tableRange"] = format_box(sheet.title, table)
            row0, col0 = table.end_row, table.start_col
        if insert and grid:
            insert_rows(sheet, row0, len(grid))
        open_rng = A1Range(sheet.title, None, None, None, None)
        result["updates"] = self._write_grid(sheet, open_rng, row0, col0, grid, input_option)
        return result

    def clear_values(self, text: str) -> str:
        """values.clear: drop values, keep formats and notes; returns the cleared range."""
        sheet, box = self.read_box(text)
        for (r, c), cell in list(sheet.cells.items()):
            if box.start_row <= r < box.end_row and box.start_col <= c < box.end_col:
                kept = {k: v for k, v in cell.items() if k != "userEnteredValue"}
                sheet.set_cell(r, c, kept)
        return format_box(sheet.title, box)

    # ------------------------------------------------------------------ JSON views

    def to_json(self, ranges: list[str], with_data: bool) -> JSON:
        """The Spreadsheet resource (grid data only when asked for)."""
        selected: list[tuple[Sheet, list[GridBox]]] = []
        if ranges:
            for text in ranges:
                sheet, box = self.read_box(text)
                for entry in selected:
                    if entry[0] is sheet:
                        entry[1].append(box)
                        break
                else:
                    selected.append((sheet, [box]))
            selected.sort(key=lambda e: e[0].properties["index"])
        else:
            selected = [(s, [GridBox(0, s.row_count, 0, s.col_count)]) for s in self.sheets]
        sheets_json = [sheet_json(s, boxes if with_data else None) for s, boxes in selected]
        return {
            "spreadsheetId": self.spreadsheet_id,
            "properties": copy.deepcopy(self.properties),
            "sheets": sheets_json,
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{self.spreadsheet_id}/edit",
        }

    def drive_json(self) -> JSON:
        """Every Drive field the emulator knows; callers narrow it with ``fields``."""
        meta: JSON = {
            "kind": "drive#file",
            "id": self.spreadsheet_id,
            "name": self.properties["title"],
            "mimeType": SPREADSHEET_MIME,
            "createdTime": self.created_time,
            "modifiedTime": self.modified_time,
            "version": str(self.version),
            "trashed": False,
            "webViewLink": f"https://docs.google.com/spreadsheets/d/{self.spreadsheet_id}/edit",
        }
        if self.parents:
            meta["parents"] = list(self.parents)
        return meta


def _as_grid(values: object, major: str | None) -> list[list[object]]:
    """Validate a ``values`` payload the way Google does and return it row-major."""
    if values is None:
        return []
    if not isinstance(values, list):
        text = f'"{values}"' if isinstance(values, str) else str(values)
        msg = (
            "Invalid value at 'data.values' (type.googleapis.com/google.protobuf.ListValue), "
            + text
        )
        violation = {"field": "data.values", "description": msg}
        details = [
            {"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": [violation]}
        ]
        raise ApiError(400, msg, "INVALID_ARGUMENT", details)
    grid: list[list[object]] = []
    for i, row in enumerate(values):
        if not isinstance(row, list):
            raise bad_request(
                f"Invalid value at 'data.values[{i}]' "
                f"(type.googleapis.com/google.protobuf.ListValue), {row!r}"
            )
        grid.append(list(row))
    if (major or "ROWS") == "COLUMNS":
        height = max((len(c) for c in grid), default=0)
        grid = [[col[r] if r < len(col) else None for col in grid] for r in range(height)]
    elif major not in (None, "ROWS", "DIMENSION_UNSPECIFIED"):
        raise bad_request(f"Invalid value at 'data.major_dimension', \"{major}\"")
    return grid


def _row_has_data(sheet: Sheet, row: int, start_col: int, end_col: int) -> list[int]:
    return [
        c
        for c in range(start_col, end_col)
        if sheet.cells.get((row, c), {}).get("userEnteredValue")
    ]


def _find_table(sheet: Sheet, box: GridBox) -> GridBox | None:
    """The first block of consecutive non-empty rows inside ``box`` (values.append's table)."""
    first = None
    cols: list[int] = []
    for r in range(box.start_row, box.end_row):
        cols = _row_has_data(sheet, r, box.start_col, box.end_col)
        if cols:
            first = r
            break
    if first is None:
        return None
    lo, hi = min(cols), max(cols)
    last = first
    for r in range(first + 1, sheet.row_count):
        more = _row_has_data(sheet, r, box.start_col, box.end_col)
        if not more:
            break
        lo, hi, last = min(lo, *more), max(hi, *more), r
    return GridBox(first, last + 1, lo, hi + 1)


def insert_rows(sheet: Sheet, at: int, count: int) -> None:
    """Shift cells at and below ``at`` down by ``count`` rows and grow the grid."""
    shift_dimension(sheet, "ROWS", at, count)
    sheet.grid["rowCount"] = sheet.row_count + count


def shift_dimension(sheet: Sheet, dimension: str, at: int, count: int) -> None:
    """Move everything at index >= ``at`` by ``count`` (negative: cells in the gap vanish)."""
    axis = 0 if dimension == "ROWS" else 1
    gap_end = at - count if count < 0 else at

    def moved(index: int) -> int | None:
        if index < at:
            return index
        if count < 0 and index < gap_end:
            return None
        return index + count

    cells: dict[tuple[int, int], JSON] = {}
    for key, cell in sheet.cells.items():
        new = moved(key[axis])
        if new is not None:
            cells[(new, key[1]) if axis == 0 else (key[0], new)] = cell
    sheet.cells = cells
    meta = sheet.row_meta if axis == 0 else sheet.col_meta
    shifted = {moved(i): m for i, m in meta.items()}
    meta.clear()
    meta.update({i: m for i, m in shifted.items() if i is not None})
    start_key, end_key = (
        ("startRowIndex", "endRowIndex") if axis == 0 else ("startColumnIndex", "endColumnIndex")
    )
    for rng in [*sheet.merges, *(p["range"] for p in sheet.protected_ranges)]:
        for bound in (start_key, end_key):
            if bound in rng and rng[bound] >= at:
                rng[bound] = max(at, rng[bound] + count)


def sheet_json(sheet: Sheet, boxes: list[GridBox] | None) -> JSON:
    """A Sheet resource; ``boxes`` asks for grid data."""
    props = copy.deepcopy(sheet.properties)
    grid = props.get("gridProperties", {})
    for key in ("frozenRowCount", "frozenColumnCount"):
        if not grid.get(key):
            grid.pop(key, None)
    if not props.get("hidden"):
        props.pop("hidden", None)
    out: JSON = {"properties": props}
    if boxes is not None:
        out["data"] = [grid_data(sheet, box) for box in boxes]
    if sheet.merges:
        out["merges"] = [grid_range_json(m) for m in sheet.merges]
    if sheet.protected_ranges:
        out["protectedRanges"] = [protected_range_json(p) for p in sheet.protected_ranges]
    if sheet.basic_filter is not None:
        found = dict(sheet.basic_filter)
        found["range"] = grid_range_json(found.get("range", {}))
        out["basicFilter"] = found
    return out


def grid_range_json(rng: JSON) -> JSON:
    """A GridRange as Google writes it: sheetId 0 is a default and is omitted."""
    out = dict(rng)
    if not out.get("sheetId"):
        out.pop("sheetId", None)
    return out


def protected_range_json(prot: JSON) -> JSON:
    """A stored ProtectedRange as spreadsheets.get shows it."""
    out = copy.deepcopy(prot)
    out["range"] = grid_range_json(out["range"])
    return out


def grid_data(sheet: Sheet, box: GridBox) -> JSON:
    """GridData for one box: trailing empty cells and rows are trimmed, as Google does."""
    data: JSON = {}
    if box.start_row:
        data["startRow"] = box.start_row
    if box.start_col:
        data["startColumn"] = box.start_col
    rows: list[JSON] = []
    for r in range(box.start_row, box.end_row):
        values = [cell_json(sheet.cells.get((r, c), {})) for c in range(box.start_col, box.end_col)]
        while values and not values[-1]:
            values.pop()
        rows.append({"values": values} if values else {})
    while rows and not rows[-1]:
        rows.pop()
    if rows:
        data["rowData"] = rows
    data["rowMetadata"] = [
        _dim_meta(sheet.row_meta.get(r), ROW_PIXELS) for r in range(box.start_row, box.end_row)
    ]
    data["columnMetadata"] = [
        _dim_meta(sheet.col_meta.get(c), COL_PIXELS) for c in range(box.start_col, box.end_col)
    ]
    return data


def _dim_meta(meta: JSON | None, default_px: int) -> JSON:
    out: JSON = {"pixelSize": default_px}
    out.update(meta or {})
    if not out.get("hiddenByUser"):
        out.pop("hiddenByUser", None)
    return out


def cell_json(cell: JSON) -> JSON:
    """CellData with the derived effective and formatted values."""
    if not cell:
        return {}
    out: JSON = clone(cell)
    effective = effective_value(cell)
    if effective is not None:
        out["effectiveValue"] = effective
        shown = formatted_value(effective, number_format(cell))
        if shown is not None:
            out["formattedValue"] = shown
    if "userEnteredValue" in cell or "userEnteredFormat" in cell:
        out["effectiveFormat"] = _merge(DEFAULT_FORMAT, cell.get("userEnteredFormat", {}))
    return out


def _merge(base: JSON, over: JSON) -> JSON:
    out: JSON = clone(base)
    for key, value in over.items():
        # A colour replaces the default colour whole: its missing components mean 0.
        atomic = "Color" in key or key == "rgbColor"
        if isinstance(value, dict) and isinstance(out.get(key), dict) and not atomic:
            out[key] = _merge(out[key], value)
        else:
            out[key] = clone(value)
    return out


def new_sheet_id(spreadsheet: Spreadsheet, rng: random.Random) -> int:
    """A fresh random sheetId, like Google's (positive int32)."""
    taken = {s.sheet_id for s in spreadsheet.sheets}
    while True:
        candidate = rng.randint(1, 2**31 - 1)
        if candidate not in taken:
            return candidate
