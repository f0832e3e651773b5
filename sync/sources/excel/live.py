"""The workbook open in Excel, through xlwings (desktop RunPython or the remote engine).

Reads the used range of each configured sheet; applies a :class:`WritePlan` through the xlwings
API: tool-owned values in bulk (one range write per contiguous run of a column), colours as
one matrix per block of up to 10 000 cells (``Range.set_colors``; the cells in between are left
alone), notes only on the cells that carry a problem, the tool's sheets written in one range each.
Excel's API cannot tell the tool's fills from the staff's, so the tool keeps its own record of
the cells it painted or annotated in a hidden sheet (``_clientbase``) and only ever clears those.

Clients of xlwings Server differ (see :func:`client`): the VBA client (``RunServerPython``)
sends no notes and runs only the actions its ``Remote.bas`` knows — one colour per range, no
colour matrix, no sheet visibility, no notes — one at a time, so there fills, links and the
hidden record sheet go through the helper macros of ``macros/ClientBaseRemote.bas``
(``runMacro``): one call per colour and 250 characters of multi-area address. An
Office.js client without ExcelApi 1.18 cannot write notes either. Where notes cannot be
written the cells are still painted, the Problems sheet links each message to its cell, and
:attr:`ExcelLiveSource.unnoted` says how many notes were left out, for the button to tell.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sync.core.model import (
    KEEP,
    ApplyResult,
    CellValue,
    SheetGrid,
    Snapshot,
    WritePlan,
    column_letters,
)
from sync.sources.base import row_runs, trimmed

RECORD_SHEET = "_clientbase"
KINDS = ("fill", "note")
# helper macros of macros/ClientBaseRemote.bas, for what xlwings' VBA client has no action for
VBA_PAINT = "ClientBasePaint"
VBA_CLEAR_FILL = "ClientBaseClearFill"
VBA_LINK_CELLS = "ClientBaseLinkCells"
VBA_HIDE_SHEET = "ClientBaseHideSheet"
VBA_ADDRESS = 250  # Excel's Range("A1,C3:C9,...") takes an address of at most 255 characters


def client(book: Any) -> str:
    """``"desktop"`` (RunPython: the real Excel object model), else the client named in the
    xlwings Server request: ``"VBA"``, ``"Office.js"``, ``"Microsoft Office Scripts"``..."""
    api = getattr(book, "api", None)
    return str(api.get("client") or "") if isinstance(api, dict) else "desktop"


def notes_writable(kind: str, sheet: Any) -> bool:
    """Whether notes can be written on ``sheet``: on desktop Excel always; through xlwings
    Server only from Office.js with ExcelApi 1.18, which sends the sheet's notes list (xlwings
    raises ``NotImplementedError`` on the first note otherwise)."""
    if kind == "desktop":
        return True
    api = getattr(sheet, "api", None)
    return (
        kind == "Office.js"
        and isinstance(api, dict)
        and isinstance(api.get("notes"), list)
        and api.get("notes_supported") is not False
    )


def _runs(numbers: list[int]) -> list[tuple[int, int]]:
    """(first, last) of each run of consecutive numbers, in order."""
    numbers = sorted(numbers)
    out = [(numbers[0], numbers[0])]
    for n in numbers[1:]:
        if n == out[-1][1] + 1:
            out[-1] = (out[-1][0], n)
        else:
            out.append((n, n))
    return out


def uniform_blocks(
    changes: dict[tuple[int, int], str],
) -> list[tuple[int, int, int, int, str]]:
    """(top, left, bottom, right, colour) rectangles of one colour covering exactly the cells
    of ``changes``: runs down a column, side by side runs of equal rows joined."""
    by_column: dict[tuple[str, int], list[int]] = defaultdict(list)
    for (row, col), colour in changes.items():
        by_column[(colour, col)].append(row)
    runs: dict[tuple[str, int, int], list[int]] = defaultdict(list)
    for (colour, col), rows in by_column.items():
        for top, bottom in _runs(rows):
            runs[(colour, top, bottom)].append(col)
    return sorted(
        (top, left, bottom, right, colour)
        for (colour, top, bottom), cols in runs.items()
        for left, right in _runs(cols)
    )


def _addresses(cells: Iterable[tuple[int, int]]) -> list[str]:
    """Multi-area A1 addresses (``C3:C9,E7``) of at most VBA_ADDRESS characters each."""
    areas = []
    for top, left, bottom, right, _ in uniform_blocks(dict.fromkeys(cells, "")):
        first = f"{column_letters(left)}{top}"
        last = f"{column_letters(right)}{bottom}"
        areas.append(first if first == last else f"{first}:{last}")
    out: list[str] = []
    for area in areas:
        if out and len(out[-1]) + 1 + len(area) <= VBA_ADDRESS:
            out[-1] += "," + area
        else:
            out.append(area)
    return out


def _text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()[:12]


def _version(grids: dict[str, SheetGrid]) -> str:
    """A digest of what the sheets hold (the live workbook has no file version)."""
    digest = hashlib.sha256()
    for name, grid in grids.items():
        digest.update(repr((name, grid.rows)).encode())
    return "xl:" + digest.hexdigest()[:16]


def _cell_value(value: Any) -> CellValue:
    if value == "":
        return None
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date()
    return value  # type: ignore[no-any-return]


def _rows(sheet: Any) -> list[list[CellValue]]:
    values = sheet.used_range.options(ndim=2).value or []
    return trimmed((_cell_value(v) for v in row) for row in values)


def _hex(argb: str) -> str:
    return "#" + argb[-6:]


COLOR_BLOCK = 10_000  # xlwings' Range.set_colors takes at most this many cells per call
BAND = 64  # columns further apart than this are painted in separate blocks


def color_blocks(
    cells: Iterable[tuple[int, int]], limit: int = COLOR_BLOCK
) -> list[tuple[int, int, int, int]]:
    """Rectangles (top, left, bottom, right) that cover the cells, each at most ``limit``
    cells: columns grouped into bands, each band cut into row blocks that start at a cell."""
    by_col: dict[int, list[int]] = {}
    for row, col in cells:
        by_col.setdefault(col, []).append(row)
    bands: list[list[int]] = []
    for col in sorted(by_col):
        if bands and col - bands[-1][0] < min(BAND, limit):
            bands[-1].append(col)
        else:
            bands.append([col])
    out = []
    for band in bands:
        left, right = band[0], band[-1]
        height = max(1, limit // (right - left + 1))
        rows = sorted({r for c in band for r in by_col[c]})
        i = 0
        while i < len(rows):
            top = rows[i]
            while i < len(rows) and rows[i] < top + height:
                i += 1
            out.append((top, left, rows[i - 1], right))
    return out


class _Notes:
    """Adds, changes and deletes the notes of one sheet.

    Through the public API on desktop Excel. On xlwings' remote engine the sheet's notes are a
    list of addresses in the request, and xlwings finds a cell's note by scanning that list on
    every ``Range.note`` / ``add_note`` / ``delete`` — 7 000 notes cost minutes. There the same
    actions xlwings would send (``addNote``, ``setNoteText``, ``deleteNote``) are queued directly
    and the list is brought up to date once, by :meth:`close`.
    """

    def __init__(self, sheet: Any, kind: str) -> None:
        self.sheet = sheet
        self.writable = notes_writable(kind, sheet)
        api = getattr(sheet, "api", None)
        listed = api.get("notes") if isinstance(api, dict) else None
        self.listed: list[dict[str, Any]] | None = listed if isinstance(listed, list) else None
        self.present = {_plain(n.get("address")) for n in self.listed or []}

    def has(self, row: int, col: int, ours: bool) -> bool:
        """Whether the cell holds a note: known from the request on the remote engine; on
        desktop Excel the record says whether the tool put one there (``ours``)."""
        return ours if self.listed is None else f"{column_letters(col)}{row}" in self.present

    def _queue(self, row: int, col: int, func: str, *args: str) -> None:
        address = f"${column_letters(col)}${row}"
        self.sheet.range((row, col)).impl.append_json_action(func=func, args=[address, *args])

    def set(self, row: int, col: int, text: str, there: bool) -> None:
        if self.listed is None:
            cell = self.sheet.range((row, col))
            if there:
                cell.note.text = text
            else:
                cell.add_note(text)
            return
        self._queue(row, col, "setNoteText" if there else "addNote", text)
        self.present.add(f"{column_letters(col)}{row}")

    def delete(self, row: int, col: int) -> bool:
        if self.listed is None:
            cell = self.sheet.range((row, col))
            if cell.note is None:
                return False
            cell.note.delete()
            return True
        if f"{column_letters(col)}{row}" not in self.present:
            return False  # staff removed it already
        self._queue(row, col, "deleteNote")
        self.present.discard(f"{column_letters(col)}{row}")
        return True

    def close(self) -> None:
        if self.listed is not None:
            kept = [n for n in self.listed if _plain(n.get("address")) in self.present]
            known = {_plain(n.get("address")) for n in kept}
            kept += [{"address": a} for a in sorted(self.present - known)]
            self.listed[:] = kept


def _plain(address: Any) -> str:
    return str(address or "").replace("$", "").upper()


class ExcelLiveSource:
    """A :class:`~sync.sources.base.Source` over an open xlwings ``Book``."""

    def __init__(self, book: Any) -> None:
        self.book = book
        self.actions = 0  # range writes issued, for the benchmark and tests
        self.client = client(book)
        self.unnoted = 0  # cells whose note this client could not write (the last apply)
        self._grids: dict[str, SheetGrid] = {}
        self._read: list[str] = []

    @property
    def name(self) -> str:
        return str(self.book.name)

    def _names(self) -> list[str]:
        return [s.name for s in self.book.sheets]

    def _grids_now(self, sheets: Sequence[str]) -> dict[str, SheetGrid]:
        present = self._names()
        return {n: SheetGrid(n, _rows(self.book.sheets[n])) for n in sheets if n in present}

    def read(self, sheets: Sequence[str]) -> Snapshot:
        grids = self._grids_now(sheets)
        self._read = list(sheets)
        self._grids = grids
        missing = tuple(n for n in sheets if n not in grids)
        return Snapshot(self.name, grids, _version(grids), missing)

    def _record(self) -> dict[tuple[str, int, int, str], str]:
        """(sheet, row, column, "fill" | "note") -> the colour / a hash of the note text."""
        if RECORD_SHEET not in self._names():
            return {}
        out = {}
        for row in _rows(self.book.sheets[RECORD_SHEET])[1:]:
            sheet, r, c, kind, value = (*row, None, None, None, None, None)[:5]
            if isinstance(r, int | float) and isinstance(c, int | float) and kind in KINDS:
                out[(str(sheet), int(r), int(c), str(kind))] = "" if value is None else str(value)
        return out

    def apply(self, plan: WritePlan, expected_version: str) -> ApplyResult:
        if _version(self._grids_now(self._read)) != expected_version:
            return ApplyResult("conflict", "the workbook changed since it was read")
        before = self.actions
        self.unnoted = 0
        old = self._record()
        marks: dict[tuple[str, int, int, str], str] = {}
        colors: dict[str, dict[tuple[int, int], str | None]] = {}
        notebook: dict[str, _Notes] = {}
        owned = set(plan.owned)
        present = self._names()
        for edits in plan.edits:
            if edits.sheet not in present:
                continue
            sheet = self.book.sheets[edits.sheet]
            notes = notebook.get(edits.sheet) or _Notes(sheet, self.client)
            notebook[edits.sheet] = notes
            columns: dict[int, dict[int, CellValue]] = {}
            for e in edits.cells:
                if e.value is not KEEP:
                    columns.setdefault(e.col, {})[e.row] = e.value  # type: ignore[assignment]
                if isinstance(e.fill, str):
                    key = (edits.sheet, e.row, e.col, "fill")
                    marks[key] = _hex(e.fill)
                    if old.get(key) != marks[key]:
                        colors.setdefault(edits.sheet, {})[(e.row, e.col)] = marks[key]
                if isinstance(e.note, str):
                    key = (edits.sheet, e.row, e.col, "note")
                    if not notes.writable:
                        # the message is on the Problems sheet; a note written before by
                        # another client stays known, to be updated or removed by one that can
                        self.unnoted += 1
                        if key in old:
                            marks[key] = old[key]
                        continue
                    marks[key] = _text_hash(e.note)
                    if old.get(key) == marks[key]:
                        continue
                    ours = key in old
                    there = notes.has(e.row, e.col, ours)
                    if there and not ours:
                        del marks[key]  # a staff note sits there: it stays, ours is not added
                        continue
                    notes.set(e.row, e.col, e.note, there)
                    self.actions += 1
            grid = self._grids.get(edits.sheet)
            for col, planned in columns.items():
                cells = planned
                if grid is not None and (edits.sheet, col) in owned:
                    # the tool's own column: one write from its first to its last change,
                    # the unchanged cells in between written back as they are
                    top, bottom = min(planned), max(planned)
                    cells = {
                        r: planned[r] if r in planned else grid.cell(r, col)
                        for r in range(top, bottom + 1)
                    }
                for first, values in row_runs(cells):
                    target = sheet.range((first, col), (first + len(values) - 1, col))
                    # text stays text: a leading "=" must not become a formula
                    target.value = [[_as_text(v)] for v in values]
                    self.actions += 1
        for sheet_name, row, col, kind in sorted(set(old) - set(marks)):
            if sheet_name not in present:
                continue
            if kind == "fill":
                colors.setdefault(sheet_name, {})[(row, col)] = None
                continue
            if sheet_name not in notebook:
                notebook[sheet_name] = _Notes(self.book.sheets[sheet_name], self.client)
            notes = notebook[sheet_name]
            if not notes.writable:
                marks[(sheet_name, row, col, kind)] = old[(sheet_name, row, col, kind)]
            elif notes.delete(row, col):
                self.actions += 1
        for notes in notebook.values():
            notes.close()
        for sheet_name, changes in colors.items():
            self._paint(self.book.sheets[sheet_name], changes)
        for tool in plan.tool_sheets:
            if tool.name not in self._names():
                self.book.sheets.add(tool.name, after=self.book.sheets[-1])
            sheet = self.book.sheets[tool.name]
            linked = any(not n.writable for n in notebook.values())
            # links of an earlier write go with the values only when the whole sheet is cleared
            sheet.clear() if linked else sheet.clear_contents()
            width = max((len(r) for r in tool.rows), default=1)
            rows = [[_as_text(v) for v in (*r, *([None] * (width - len(r))))] for r in tool.rows]
            if rows:
                sheet.range((1, 1), (len(rows), width)).value = rows
                self.actions += 1
            if linked:  # no notes: the Problems sheet's links lead staff to the cells
                self._link(sheet, tool.links, rows)
        self._write_record(marks)
        return ApplyResult("applied", f"{self.actions - before} range writes", None)

    def _paint(self, sheet: Any, changes: dict[tuple[int, int], str | None]) -> None:
        """Set (hex) or remove (None) fills: one colour matrix per block of at most
        COLOR_BLOCK cells, the cells in between left as they are."""
        if self.client == "VBA":
            self._paint_vba(sheet, changes)
            return
        for top, left, bottom, right in color_blocks(changes):
            matrix: list[list[Any]] = [
                [changes.get((r, c), ...) for c in range(left, right + 1)]
                for r in range(top, bottom + 1)
            ]
            target = sheet.range((top, left), (bottom, right))
            try:
                target.set_colors(matrix)
                self.actions += 1
            except NotImplementedError:  # an engine without matrices: cell by cell
                for (r, c), color in changes.items():
                    if top <= r <= bottom and left <= c <= right:
                        sheet.range((r, c)).color = color
                        self.actions += 1

    def _link(
        self, sheet: Any, links: dict[tuple[int, int], str], rows: list[list[CellValue]]
    ) -> None:
        """Hyperlinks on a tool sheet's cells to the places they name (``'Клиенты'!C3``)."""
        by_column: dict[int, list[int]] = defaultdict(list)
        for (r, c), target in links.items():
            # the VBA helper links a cell to the sheet named in column A of its row and the
            # address the cell holds: used when those are exactly the targets
            row = rows[r - 1] if r <= len(rows) else []
            cell = row[c - 1] if 1 < c <= len(row) else None
            if cell is None or target != "'" + str(row[0]).replace("'", "''") + "'!" + str(cell):
                by_column.clear()
                break
            by_column[c].append(r)
        if self.client == "VBA" and by_column:
            for col, linked_rows in sorted(by_column.items()):
                for address in _addresses((r, col) for r in linked_rows):
                    self.book.macro(VBA_LINK_CELLS)(sheet.name, address)
                    self.actions += 1
            return
        for (r, c), target in sorted(links.items()):
            text = str(rows[r - 1][c - 1]) if r <= len(rows) and c <= len(rows[r - 1]) else target
            sheet.range((r, c)).add_hyperlink("#" + target, text, text)
            self.actions += 1

    def _paint_vba(self, sheet: Any, changes: dict[tuple[int, int], str | None]) -> None:
        """The VBA client: the module's helper macros paint and clear fills, one call per
        colour and multi-area address (its own ``setRangeColor`` takes one rectangle and no
        "no colour")."""
        by_colour: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for cell, colour in changes.items():
            by_colour[colour or ""].append(cell)
        for colour, cells in sorted(by_colour.items()):
            for address in _addresses(cells):
                if colour:
                    self.book.macro(VBA_PAINT)(sheet.name, address, colour)
                else:
                    self.book.macro(VBA_CLEAR_FILL)(sheet.name, address)
                self.actions += 1

    def _write_record(self, marks: dict[tuple[str, int, int, str], str]) -> None:
        if RECORD_SHEET not in self._names():
            self.book.sheets.add(RECORD_SHEET, after=self.book.sheets[-1])
            if self.client == "VBA":
                self.book.macro(VBA_HIDE_SHEET)(RECORD_SHEET)
            else:
                self.book.sheets[RECORD_SHEET].visible = False
        sheet = self.book.sheets[RECORD_SHEET]
        sheet.clear_contents()
        rows: list[list[Any]] = [["sheet", "row", "column", "kind", "value"]]
        rows += [[s, r, c, k, v] for (s, r, c, k), v in sorted(marks.items())]
        sheet.range((1, 1), (len(rows), 5)).value = rows
        self.actions += 1

    def close(self) -> None:
        pass


def _as_text(value: CellValue) -> CellValue:
    """Excel evaluates a string written through its API: store formula-like text as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
