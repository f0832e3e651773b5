"""An in-memory source: sheets held as Python lists. Ships in the package (like httpx's
``MockTransport``) so that library users can test their configs and scripts without files."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

from sync.core.model import KEEP, ApplyResult, CellValue, SheetGrid, Snapshot, WritePlan


class MemorySource:
    """Sheets as lists of rows (``rows[0]`` is sheet row 1). ``apply`` writes values only;
    tool fills and notes are kept in ``fills`` / ``notes`` keyed by (sheet, row, col)."""

    def __init__(
        self, sheets: Mapping[str, Sequence[Sequence[CellValue]]], name: str = "memory"
    ) -> None:
        self._name = name
        self.sheets: dict[str, list[list[CellValue]]] = {
            k: [list(r) for r in v] for k, v in sheets.items()
        }
        self.fills: dict[tuple[str, int, int], str] = {}
        self.notes: dict[tuple[str, int, int], str] = {}
        self.writes = 0

    @property
    def name(self) -> str:
        return self._name

    def version(self) -> str:
        digest = hashlib.sha256(repr(sorted(self.sheets.items())).encode()).hexdigest()
        return f"mem:{digest[:16]}"

    def read(self, sheets: Sequence[str]) -> Snapshot:
        grids = {
            s: SheetGrid(s, [list(r) for r in self.sheets[s]]) for s in sheets if s in self.sheets
        }
        missing = tuple(s for s in sheets if s not in self.sheets)
        return Snapshot(self._name, grids, self.version(), missing)

    def apply(self, plan: WritePlan, expected_version: str) -> ApplyResult:
        if self.version() != expected_version:
            return ApplyResult("conflict", "the sheets changed since they were read")
        if plan.is_empty:
            return ApplyResult("unchanged", new_version=expected_version)
        for sheet_edits in plan.edits:
            rows = self.sheets[sheet_edits.sheet]
            owned = {(c.row, c.col) for c in sheet_edits.cells}
            for store in (self.fills, self.notes):
                for key in [k for k in store if k[0] == sheet_edits.sheet and k[1:] not in owned]:
                    del store[key]
            for edit in sheet_edits.cells:
                while len(rows) < edit.row:
                    rows.append([])
                row = rows[edit.row - 1]
                while len(row) < edit.col:
                    row.append(None)
                if edit.value is not KEEP:
                    row[edit.col - 1] = edit.value  # type: ignore[assignment]
                key = (sheet_edits.sheet, edit.row, edit.col)
                for store, mark in ((self.fills, edit.fill), (self.notes, edit.note)):
                    if isinstance(mark, str):
                        store[key] = mark
                    else:
                        store.pop(key, None)
        for tool_sheet in plan.tool_sheets:
            self.sheets[tool_sheet.name] = [list(r) for r in tool_sheet.rows]
        self.writes += 1
        return ApplyResult("applied", new_version=self.version())

    def close(self) -> None:
        pass
