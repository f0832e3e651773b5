"""The workbook open in Excel, through xlwings (desktop RunPython or the remote engine).

Reads the used range of each configured sheet; applies a :class:`WritePlan` through the xlwings
API: tool-owned values in bulk (one range write per contiguous run of a column), colours and
notes only on the cells that carry a problem, the tool's sheets written in one range each.
Excel's API cannot tell the tool's fills from the staff's, so the tool keeps its own record of
the cells it painted or annotated in a hidden sheet (``_clientbase``) and only ever clears those.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import Any

from sync.model import KEEP, ApplyResult, CellValue, SheetGrid, Snapshot, WritePlan
from sync.sources.base import trimmed
from sync.sources.ooxml_cells import column_letters

RECORD_SHEET = "_clientbase"
KINDS = ("fill", "note")


def _text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()[:12]


def _note_addresses(sheet: Any) -> set[str] | None:
    """Cells holding a note, when the engine says so in bulk (xlwings' remote engine sends
    them with the sheet); None: ask cell by cell."""
    api = getattr(sheet, "api", None)
    notes = api.get("notes") if isinstance(api, dict) else None
    if not isinstance(notes, list):
        return None
    return {str(n.get("address", "")).replace("$", "").upper() for n in notes}


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


def _runs(cells: dict[int, CellValue]) -> list[tuple[int, list[CellValue]]]:
    """Contiguous row runs of one column: (first row, values)."""
    out: list[tuple[int, list[CellValue]]] = []
    for row in sorted(cells):
        if out and out[-1][0] + len(out[-1][1]) == row:
            out[-1][1].append(cells[row])
        else:
            out.append((row, [cells[row]]))
    return out


class ExcelLiveSource:
    """A :class:`~sync.sources.base.Source` over an open xlwings ``Book``."""

    def __init__(self, book: Any) -> None:
        self.book = book
        self.actions = 0  # range writes issued, for the benchmark and tests

    @property
    def name(self) -> str:
        return str(self.book.name)

    def _names(self) -> list[str]:
        return [s.name for s in self.book.sheets]

    def _version(self, sheets: Sequence[str]) -> str:
        digest = hashlib.sha256()
        for name in sheets:
            if name in self._names():
                digest.update(repr((name, _rows(self.book.sheets[name]))).encode())
        return "xl:" + digest.hexdigest()[:16]

    def read(self, sheets: Sequence[str]) -> Snapshot:
        present = self._names()
        grids = {n: SheetGrid(n, _rows(self.book.sheets[n])) for n in sheets if n in present}
        self._read = list(sheets)
        missing = tuple(n for n in sheets if n not in present)
        return Snapshot(self.name, grids, self._version(sheets), missing)

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
        if self._version(getattr(self, "_read", [])) != expected_version:
            return ApplyResult("conflict", "the workbook changed since it was read")
        before = self.actions
        old = self._record()
        marks: dict[tuple[str, int, int, str], str] = {}
        present = self._names()
        for edits in plan.edits:
            if edits.sheet not in present:
                continue
            sheet = self.book.sheets[edits.sheet]
            existing = _note_addresses(sheet)
            columns: dict[int, dict[int, CellValue]] = {}
            for e in edits.cells:
                if e.value is not KEEP:
                    columns.setdefault(e.col, {})[e.row] = e.value  # type: ignore[assignment]
                if isinstance(e.fill, str):
                    key = (edits.sheet, e.row, e.col, "fill")
                    marks[key] = _hex(e.fill)
                    if old.get(key) != marks[key]:
                        sheet.range((e.row, e.col)).color = marks[key]
                        self.actions += 1
                if isinstance(e.note, str):
                    key = (edits.sheet, e.row, e.col, "note")
                    marks[key] = _text_hash(e.note)
                    if old.get(key) == marks[key]:
                        continue
                    cell = sheet.range((e.row, e.col))
                    ours = key in old
                    there = (
                        ours if existing is None else f"{column_letters(e.col)}{e.row}" in existing
                    )
                    if there and not ours:
                        del marks[key]  # a staff note sits there: it stays, ours is not added
                        continue
                    if there:
                        cell.note.text = e.note
                    else:
                        cell.add_note(e.note)
                    self.actions += 1
            for col, cells in columns.items():
                for first, values in _runs(cells):
                    target = sheet.range((first, col), (first + len(values) - 1, col))
                    # text stays text: a leading "=" must not become a formula
                    target.value = [[_as_text(v)] for v in values]
                    self.actions += 1
        for sheet_name, row, col, kind in sorted(set(old) - set(marks)):
            if sheet_name not in present:
                continue
            cell = self.book.sheets[sheet_name].range((row, col))
            if kind == "fill":
                cell.color = None
            elif cell.note is not None:
                cell.note.delete()
            self.actions += 1
        for tool in plan.tool_sheets:
            if tool.name not in self._names():
                self.book.sheets.add(tool.name, after=self.book.sheets[-1])
            sheet = self.book.sheets[tool.name]
            sheet.clear_contents()
            width = max((len(r) for r in tool.rows), default=1)
            rows = [[_as_text(v) for v in (*r, *([None] * (width - len(r))))] for r in tool.rows]
            if rows:
                sheet.range((1, 1), (len(rows), width)).value = rows
                self.actions += 1
        self._write_record(marks)
        return ApplyResult("applied", f"{self.actions - before} range writes", None)

    def _write_record(self, marks: dict[tuple[str, int, int, str], str]) -> None:
        if RECORD_SHEET not in self._names():
            self.book.sheets.add(RECORD_SHEET, after=self.book.sheets[-1])
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
