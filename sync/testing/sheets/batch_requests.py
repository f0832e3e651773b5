"""spreadsheets.batchUpdate request kinds for the Google Sheets emulator.

Each handler mutates a :class:`Spreadsheet` and returns the reply for its request (``{}`` when
Google's reply is empty). The caller runs them on a copy and keeps it only if all succeed, so a
batch is atomic, as in Google.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Iterator

from sync.testing.sheets.cells import JSON, clone
from sync.testing.sheets.fields import (
    MaskError,
    MaskTree,
    parse_mask,
    prune,
    update_with_mask,
)
from sync.testing.sheets.store import (
    DEFAULT_COLS,
    DEFAULT_ROWS,
    ApiError,
    Sheet,
    Spreadsheet,
    bad_request,
    grid_range_json,
    new_sheet_id,
    sheet_json,
    shift_dimension,
)

Handler = Callable[[Spreadsheet, JSON, "RequestContext"], JSON]


class RequestContext:
    """What handlers need beyond the spreadsheet: randomness for ids, the caller's identity."""

    def __init__(self, rng: random.Random, user_email: str) -> None:
        self.rng = rng
        self.user_email = user_email


def apply_requests(
    spreadsheet: Spreadsheet, requests: list[JSON], ctx: RequestContext
) -> list[JSON]:
    """Run every request in order; raise on the first failure (the caller discards the copy)."""
    replies = []
    for i, request in enumerate(requests):
        if not isinstance(request, dict) or len(request) != 1:
            raise bad_request(f"Invalid requests[{i}]: exactly one request kind must be set.")
        ((kind, body),) = request.items()
        handler = HANDLERS.get(kind)
        if handler is None:
            raise bad_request(
                f"Invalid JSON payload received. Unknown name \"{kind}\" at 'requests[{i}]': "
                "Cannot find field."
            )
        try:
            replies.append(handler(spreadsheet, body or {}, ctx))
        except ApiError as exc:
            exc.message = f"Invalid requests[{i}].{kind}: {exc.message}"
            raise
    return replies


def _mask(body: JSON, *, required: bool = True) -> MaskTree:
    text = body.get("fields")
    if not text:
        if required:
            raise bad_request("At least one field must be updated, but none were specified.")
        return {"*": None}
    try:
        return parse_mask(str(text))
    except MaskError:
        raise bad_request(f"Invalid field mask: {text}") from None


def _boxes(sheet: Sheet, rng: JSON) -> tuple[int, int, int, int]:
    """A GridRange's bounds, open ends closed at the grid edge."""
    r0 = int(rng.get("startRowIndex", 0))
    r1 = int(rng.get("endRowIndex", sheet.row_count))
    c0 = int(rng.get("startColumnIndex", 0))
    c1 = int(rng.get("endColumnIndex", sheet.col_count))
    if r0 < 0 or c0 < 0 or r1 < r0 or c1 < c0:
        raise bad_request("Invalid range: start index must be less than end index.")
    if r1 > sheet.row_count or c1 > sheet.col_count:
        raise bad_request(
            f"Range ({sheet.title}!R{r0 + 1}C{c0 + 1}:R{r1}C{c1}) exceeds grid limits. "
            f"Max rows: {sheet.row_count}, max columns: {sheet.col_count}"
        )
    return r0, r1, c0, c1


def _cells_in(sheet: Sheet, rng: JSON) -> Iterator[tuple[int, int]]:
    r0, r1, c0, c1 = _boxes(sheet, rng)
    for r in range(r0, r1):
        for c in range(c0, c1):
            yield r, c


# ------------------------------------------------------------------ cell formats


def _style_twins(fmt: JSON) -> None:
    """Google mirrors ``backgroundColor`` and ``backgroundColorStyle`` (and the text colour)."""
    for plain, styled, holder in (
        ("backgroundColor", "backgroundColorStyle", fmt),
        ("foregroundColor", "foregroundColorStyle", fmt.get("textFormat")),
    ):
        if not isinstance(holder, dict):
            continue
        if plain in holder:
            holder[plain] = _color(holder[plain])
            holder[styled] = {"rgbColor": holder[plain]}
        elif isinstance(holder.get(styled), dict) and "rgbColor" in holder[styled]:
            holder[styled] = {"rgbColor": _color(holder[styled]["rgbColor"])}
            holder[plain] = holder[styled]["rgbColor"]


def _color(color: object) -> JSON:
    """Colour components equal to 0 are proto defaults and never appear in Google's JSON."""
    if not isinstance(color, dict):
        return {}
    return {k: v for k, v in color.items() if v not in (0, 0.0, None)}


def _mask_twins(tree: MaskTree) -> MaskTree:
    """A mask naming one of a mirrored pair must update both."""
    out = copy.deepcopy(tree)
    fmt = out.get("userEnteredFormat")
    if isinstance(fmt, dict):
        for a, b in (("backgroundColor", "backgroundColorStyle"),):
            if a in fmt or b in fmt:
                fmt[a] = fmt[b] = None
        text = fmt.get("textFormat")
        if isinstance(text, dict) and ("foregroundColor" in text or "foregroundColorStyle" in text):
            text["foregroundColor"] = text["foregroundColorStyle"] = None
    return out


def _prepare_cell(cell: JSON) -> JSON:
    out: JSON = prune(copy.deepcopy(cell))
    fmt = out.get("userEnteredFormat")
    if isinstance(fmt, dict):
        _style_twins(fmt)
    return out


def _update_cell(sheet: Sheet, row: int, col: int, source: JSON, tree: MaskTree) -> None:
    cell = clone(sheet.cells.get((row, col), {}))
    update_with_mask(cell, source, tree)
    sheet.set_cell(row, col, cell)


def repeat_cell(ss: Spreadsheet, body: JSON, ctx: RequestContext) -> JSON:
    """Apply one CellData to every cell in a range, limited to ``fields``."""
    rng = body.get("range", {})
    sheet = ss.sheet_by_id(rng.get("sheetId", 0))
    tree = _mask_twins(_mask(body))
    source = _prepare_cell(body.get("cell", {}))
    for r, c in _cells_in(sheet, rng):
        _update_cell(sheet, r, c, source, tree)
    return {}


def update_cells(ss: Spreadsheet, body: JSON, ctx: RequestContext) -> JSON:
    """Write rows of CellData from a start cell or into a range (uncovered cells are cleared)."""
    tree = _mask_twins(_mask(body))
    rows = body.get("rows", [])
    if "start" in body:
        start = body["start"]
        sheet = ss.sheet_by_id(start.get("sheetId", 0))
        r0, c0 = int(start.get("rowIndex", 0)), int(start.get("columnIndex", 0))
        height = len(rows)
        width = max((len(r.get("values", [])) for r in rows), default=0)
        rng = {
            "startRowIndex": r0,
            "endRowIndex": r0 + height,
            "startColumnIndex": c0,
            "endColumnIndex": c0 + width,
        }
    else:
        rng = body.get("range", {})
        sheet = ss.sheet_by_id(rng.get("sheetId", 0))
        r0, c0 = int(rng.get("startRowIndex", 0)), int(rng.get("startColumnIndex", 0))
    for r, c in _cells_in(sheet, rng):
        row_values = rows[r - r0].get("values", []) if r - r0 < len(rows) else []
        source = row_values[c - c0] if c - c0 < len(row_values) else {}
        _update_cell(sheet, r, c, _prepare_cell(source or {}), tree)
    return {}


def update_borders(ss: Spreadsheet, body: JSON, ctx: RequestContext) -> JSON:
    """Set borders on the outer edges and inner lines of a range."""
    rng = body.get("range", {})
    sheet = ss.sheet_by_id(rng.get("sheetId", 0))
    r0, r1, c0, c1 = _boxes(sheet, rng)
    for r, c in _cells_in(sheet, rng):
        sides = {
            "top": body.get("top") if r == r0 else body.get("innerHorizontal"),
            "bottom": body.get("bottom") if r == r1 - 1 else body.get("innerHorizontal"),
            "left": body.get("left") if c == c0 else body.get("innerVertical"),
            "right": body.get("right") if c == c1 - 1 else body.get("innerVertical"),
        }
        cell = clone(sheet.cells.get((r, c), {}))
        fmt = cell.setdefault("userEnteredFormat", {})
        borders = fmt.setdefault("borders", {})
        for side, style in sides.items():
            if style is None:
                continue
            if style.get("style") == "NONE":
                borders.pop(side, None)
            else:
                borders[side] = prune(style)
        if not borders:
            fmt.pop("borders")
        if not fmt:
            cell.pop("userEnteredFormat")
        sheet.set_cell(r, c, cell)
    return {}


def set_data_validation(ss: Spreadsheet, body: JSON, ctx: RequestContext) -> JSON:
    """Set (or, without ``rule``, clear) the validation rule of every cell in a range."""
    rng = body.get("range", {})
    sheet = ss.sheet_by_id(rng.get("sheetId", 0))
    rule = prune(body.get("rule")) if body.get("rule") else None
    for r, c in _cells_in(sheet, rng):
        cell = clone(sheet.cells.get((r, c), {}))
        if rule is None:
            cell.pop("dataValidation", None)
        else:
            cell["dataValidation"] = copy.deepcopy(rule)
        sheet.set_cell(r, c, cell)
    return {}


# ------------------------------------------------------------------ sheets


def _unique_title(ss: Spreadsheet, title: str, ignore: Sheet | None = None) -> None:
    other = ss.sheet_by_title(title)
    if other is not None and other is not ignore:
        raise bad_request(
            f'A sheet with the name "{title}" already exists. Please enter another name.'
        )


def add_sheet(ss: Spreadsheet, body: JSON, ctx: RequestContext) -> JSON:
    """Add a tab; Google fills in sheetId, index, type and a 1000 x 26 grid."""
    props = prune(copy.deepcopy(body.get("properties", {})))
    if "title" not in props:
        n = len(ss.sheets) + 1
        while ss.sheet_by_title(f"Sheet{n}") is not None:
            n += 1
        props["title"] = f"Sheet{n}"
    _unique_title(ss, props["title"])
    if "sheetId" in props:
        if any(s.sheet_id == props["sheetId"] for s in ss.sheets):
            raise bad_request(f"Sheet with id {props['sheetId']} already exists.")
    else:
        props["sheetId"] = new_sheet_id(ss, ctx.rng)
    index = int(props.get("index", len(ss.sheets)))
    grid = props.get("gridProperties", {})
    grid.setdefault("rowCount", DEFAULT_ROWS)
    grid.setdefault("columnCount", DEFAULT_COLS)
    ordered: JSON = {
        "sheetId": props.pop("sheetId"),
        "title": props.pop("title"),
        "index": index,
        "sheetType": props.pop("sheetType", "GRID"),
        "gridProperties": grid,
    }
    props.pop("index", None)
    props.pop("gridProperties", None)
    ordered.update(props)
    sheet = Sheet(properties=ordered)
    ss.sheets.insert(min(index, len(ss.sheets)), sheet)
    ss.reindex()
    return {"addSheet": {"properties": _sheet_props_json(sheet)}}


def _sheet_props_json(sheet: Sheet) -> JSON:
    props: JSON = sheet_json(sheet, None)["properties"]
    return props


def delete_sheet(ss: Spreadsheet, body: JSON, ctx: RequestContext) -> JSON:
    """Remove a tab; the last visible one cannot go."""
    sheet = ss.sheet_by_id(body.get("sheetId", 0))
    if len(ss.sheets) == 1:
        raise bad_request("You can't remove all the sheets in a document.")
    ss.sheets.remove(sheet)
    ss.reindex()
    return {}


def duplicate_sheet(ss: Spreadsheet, body: JSON, ctx: RequestContext) -> JSON:
    """Copy a tab with its cells, merges and metadata."""
    source = ss.sheet_by_id(body.get("sourceSheetId", 0))
    title = body.get("newSheetName") or f"Copy of {source.title}"
    _unique_title(ss, title)
    sheet = copy.deepcopy(source)
    sheet.protected_ranges = []
    sheet.properties["title"] = title
    sheet.properties["sheetId"] = body.get("newSheetId") or new_sheet_id(ss, ctx.rng)
    for merge in sheet.merges:
        merge["sheetId"] = sheet.sheet_id
    index = int(body.get("insertSheetIndex", len(ss.sheets)))
    ss.sheets.insert(min(index, len(ss.sheets)), sheet)
    ss.reindex()
    return {"duplicateSheet": {"properties": _sheet_props_json(sheet)}}


def update_sheet_properties(ss: Spreadsheet, body: JSON, ctx: RequestContext) -> JSON:
    """Change a tab's title, grid size, frozen rows/columns, visibility... per ``fields``."""
    props = body.get("properties", {})
    sheet = ss.sheet_by_id(props.get("sheetId", 0))
    tree = _mask(body)
    updated = copy.deepcopy(sheet.properties)
    update_with_mask(updated, prune(props), tree)
    updated["sheetId"] = sheet.sheet_id  # read-only fields survive a "*" mask
    updated.setdefault("sheetType", "GRID")
    if "title" not in updated:
        raise bad_request("Sheet title cannot be empty.")
    _unique_title(ss, str(updated["title"]), ignore=sheet)
    grid = updated.setdefault("gridProperties", {})
    rows, cols = int(grid.get("rowCount", 0)), int(grid.get("columnCount", 0))
    if rows < 1 or cols < 1:
        raise bad_request("Invalid grid size: a sheet must have at least one row and one column.")
    if int(grid.get("frozenRowCount", 0)) >= rows or int(grid.get("frozenColumnCount", 0)) >= cols:
        raise bad_request("You can't freeze all visible rows or columns on the sheet.")
    sheet.properties = updated
    # Shrinking the grid drops the cells that fall off it, as in Sheets.
    sheet.cells = {k: v for k, v in sheet.cells.items() if k[0] < rows and k[1] < cols}
    new_index = updated.get("index")
    if isinstance(new_index, int) and ss.sheets.index(sheet) != new_index:
        ss.sheets.remove(sheet)
        ss.sheets.insert(min(new_index, len(ss.sheets)), sheet)
    ss.reindex()
    return {}


def update_spreadsheet_properties(ss: Spreadsheet, body: JSON, ctx: RequestContext) -> JSON:
    """Change title, locale, time zone...; the Drive name follows the title."""
    tree = _mask(body)
    update_with_mask(ss.properties, prune(body.get("properties", {})), tree)
    if not ss.properties.get("title"):
        raise bad_request("Spreadsheet title cannot be empty.")
    return {}


# ------------------------------------------------------------------ dimensions


def _dimension_range(ss: Spreadsheet, rng: JSON) -> tuple[Sheet, str, int, int]:
    sheet = ss.sheet_by_id(rng.get("sheetId", 0))
    dimension = rng.get("dimension")
    if dimension not in ("ROWS", "COLUMNS"):
        raise bad_request("Invalid dimension: must be ROWS or COLUMNS.")
    size = sheet.row_count if dimension == "ROWS" else sheet.col_count
    start = int(rng.get("startIndex", 0))
    end = int(rng.get("endIndex", size))
    if start < 0 or end <= start:
        raise bad_request("Invalid dimension range: startIndex must be less than endIndex.")
    return sheet, str(dimension), start, end


def insert_dimension(ss: Spreadsheet, body: JSON, ctx: RequestContext) -> JSON:
    """Insert empty rows or columns, shifting everything after them."""
    sheet, dimension, start, end = _dimension_range(ss, body.get("range", {}))
    size_key = "rowCount" if dimension == "ROWS" else "columnCount"
    if start > int(sheet.grid.get(size_key, 0)):
        raise bad_request(f"Invalid range: startIndex must be <= {sheet.grid.get(size_key)}.")
    shift_dimension(sheet, dimension, start, end - start)
    sheet.grid[size_key] = int(sheet.grid.get(size_key, 0)) + end - start
    return {}


def delete_dimension(ss: Spreadsheet, body: JSON, ctx: RequestContext) -> JSON:
    """Delete rows or columns; a sheet keeps at least one of each."""
    sheet, dimension, start, end = _dimension_range(ss, body.get("range", {}))
    size_key = "rowCount" if dimension == "ROWS" else "columnCount"
    size = int(sheet.grid.get(size_key, 0))
    end = min(end, size)
    if start == 0 and end >= size:
        kind = "rows" if dimension == "ROWS" else "columns"
        raise bad_request(f"You can't delete all the {kind} on the sheet.")
    shift_dimension(sheet, dimension, start, -(end - start))
    sheet.grid[size_key] = size - (end - start)
    return {}


def append_dimension(ss: Spreadsheet, body: JSON, ctx: RequestContext) -> JSON:
    """Grow the grid at the end."""
    sheet = ss.sheet_by_id(body.get("sheetId", 0))
    length = int(body.get("length", 0))
    if length < 1:
        raise bad_request("Invalid length: must be at least 1.")
    key = "rowCount" if body.get("dimension") == "ROWS" else "columnCount"
    sheet.grid[key] = int(sheet.grid.get(key, 0)) + length
    return {}


def update_dimension_properties(ss: Spreadsheet, body: JSON, ctx: RequestContext) -> JSON:
    """Hide/show or resize rows or columns."""
    sheet, dimension, start, end = _dimension_range(ss, body.get("range", {}))
    tree = _mask(body)
    meta = sheet.row_meta if dimension == "ROWS" else sheet.col_meta
    for i in range(start, end):
        entry = meta.setdefault(i, {})
        update_with_mask(entry, prune(body.get("properties", {})), tree)
        if entry.get("hiddenByUser") is False:
            entry.pop("hiddenByUser")
        if not entry:
            meta.pop(i)
    return {}


def auto_resize_dimensions(ss: Spreadsheet, body: JSON, ctx: RequestContext) -> JSON:
    """Nothing is rendered, so there is nothing to measure: a validated no-op."""
    dims = body.get("dimensions") or body.get("dataSourceSheetDimensions") or {}
    ss.sheet_by_id(dims.get("sheetId", 0))
    return {}


# ------------------------------------------------------------------ merges and protection


def merge_cells(ss: Spreadsheet, body: JSON, ctx: RequestContext) -> JSON:
    """Merge a range (MERGE_ALL), or each of its rows / columns."""
    rng = body.get("range", {})
    sheet = ss.sheet_by_id(rng.get("sheetId", 0))
    r0, r1, c0, c1 = _boxes(sheet, rng)
    kind = body.get("mergeType", "MERGE_ALL")
    if kind == "MERGE_ROWS":
        pieces = [(r, r + 1, c0, c1) for r in range(r0, r1)]
    elif kind == "MERGE_COLUMNS":
        pieces = [(r0, r1, c, c + 1) for c in range(c0, c1)]
    else:
        pieces = [(r0, r1, c0, c1)]
    for a, b, c, d in pieces:
        for m in sheet.merges:
            if (
                a < m["endRowIndex"]
                and m["startRowIndex"] < b
                and c < m["endColumnIndex"]
                and m["startColumnIndex"] < d
            ):
                raise bad_request("You can't merge cells that overlap an existing merge.")
        sheet.merges.append(
            {
                "sheetId": sheet.sheet_id,
                "startRowIndex": a,
                "endRowIndex": b,
                "startColumnIndex": c,
                "endColumnIndex": d,
            }
        )
    return {}


def unmerge_cells(ss: Spreadsheet, body: JSON, ctx: RequestContext) -> JSON:
    """Remove every merge that intersects the range."""
    rng = body.get("range", {})
    sheet = ss.sheet_by_id(rng.get("sheetId", 0))
    r0, r1, c0, c1 = _boxes(sheet, rng)
    sheet.merges = [
        m
        for m in sheet.merges
        if not (
            r0 < m["endRowIndex"]
            and m["startRowIndex"] < r1
            and c0 < m["endColumnIndex"]
            and m["startColumnIndex"] < c1
        )
    ]
    return {}


def add_protected_range(ss: Spreadsheet, body: JSON, ctx: RequestContext) -> JSON:
    """Protect a range. The reply echoes the request; stored editors include the owner."""
    given: JSON = prune(copy.deepcopy(body.get("protectedRange", {})))
    rng = given.get("range", {})
    sheet = ss.sheet_by_id(rng.get("sheetId", 0))
    _boxes(sheet, rng)
    taken = {p["protectedRangeId"] for s in ss.sheets for p in s.protected_ranges}
    prot_id = given.get("protectedRangeId") or ctx.rng.randint(1, 2**31 - 1)
    if prot_id in taken:
        raise bad_request(f"A protected range with ID {prot_id} already exists.")
    reply: JSON = {"protectedRangeId": prot_id, "range": grid_range_json(rng)}
    for key in ("description", "namedRangeId", "unprotectedRanges"):
        if given.get(key):
            reply[key] = given[key]
    warning_only = bool(given.get("warningOnly"))
    if warning_only:
        reply["warningOnly"] = True
    reply["requestingUserCanEdit"] = True  # output-only: the owner can always edit
    editors = {k: v for k, v in (given.get("editors") or {}).items() if v not in ([], None)}
    if not warning_only:
        reply["editors"] = editors
    stored = copy.deepcopy(reply)
    stored["range"] = dict(rng, sheetId=sheet.sheet_id)
    if not warning_only:
        users = list(editors.get("users", []))
        if ctx.user_email and ctx.user_email not in users:
            users.insert(0, ctx.user_email)
        stored["editors"] = dict(editors, users=users) if users else editors
    sheet.protected_ranges.append(stored)
    return {"addProtectedRange": {"protectedRange": reply}}


def delete_protected_range(ss: Spreadsheet, body: JSON, ctx: RequestContext) -> JSON:
    """Remove a protection by id."""
    prot_id = body.get("protectedRangeId")
    for sheet in ss.sheets:
        for prot in sheet.protected_ranges:
            if prot["protectedRangeId"] == prot_id:
                sheet.protected_ranges.remove(prot)
                return {}
    raise bad_request(f"No protected range with id: {prot_id}")


def set_basic_filter(ss: Spreadsheet, body: JSON, ctx: RequestContext) -> JSON:
    """Put the tab's one basic filter on a range (replacing the one it had)."""
    given = copy.deepcopy(body.get("filter") or {})
    rng = given.get("range")
    if not isinstance(rng, dict):
        raise bad_request("Invalid requests[0].setBasicFilter: filter.range is required.")
    sheet = ss.sheet_by_id(rng.get("sheetId", 0))
    given["range"] = dict(rng, sheetId=sheet.sheet_id)
    sheet.basic_filter = given
    return {}


def clear_basic_filter(ss: Spreadsheet, body: JSON, ctx: RequestContext) -> JSON:
    """Remove the tab's basic filter (none is fine)."""
    ss.sheet_by_id(body.get("sheetId", 0)).basic_filter = None
    return {}


HANDLERS: dict[str, Handler] = {
    "setBasicFilter": set_basic_filter,
    "clearBasicFilter": clear_basic_filter,
    "repeatCell": repeat_cell,
    "updateCells": update_cells,
    "updateBorders": update_borders,
    "setDataValidation": set_data_validation,
    "addSheet": add_sheet,
    "deleteSheet": delete_sheet,
    "duplicateSheet": duplicate_sheet,
    "updateSheetProperties": update_sheet_properties,
    "updateSpreadsheetProperties": update_spreadsheet_properties,
    "insertDimension": insert_dimension,
    "deleteDimension": delete_dimension,
    "appendDimension": append_dimension,
    "updateDimensionProperties": update_dimension_properties,
    "autoResizeDimensions": auto_resize_dimensions,
    "mergeCells": merge_cells,
    "unmergeCells": unmerge_cells,
    "addProtectedRange": add_protected_range,
    "deleteProtectedRange": delete_protected_range,
}


def request_kinds() -> list[str]:
    """The batchUpdate request kinds the emulator implements."""
    return sorted(HANDLERS)
