"""The tables of a pass: a configured sheet found in the snapshot, its header resolved, its
data rows as columns by field; and the client IDs as the rules compare them."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sync.core.config import SheetConfig
from sync.core.headers import resolve_table
from sync.core.model import ExcelError, SheetGrid, TableInfo


@dataclass(slots=True)
class Table:
    """A resolved table: where it is, and its data rows column by column."""

    info: TableInfo
    rows: list[int]  # sheet rows of non-empty data rows
    raw: dict[str, list[object]]  # field -> raw value per row (ExcelError kept)
    may_have_errors: bool = True


def extract_table(grid: SheetGrid, sheet_cfg: SheetConfig, source: str) -> Table:
    """The table of ``grid`` as ``sheet_cfg`` maps it (headers found by name or synonym)."""
    info = resolve_table(grid, sheet_cfg, source=source)
    fields = info.field_columns
    body = grid.rows[info.first_data_row - 1 : info.last_data_row]
    raw: dict[str, list[object]] = {
        f: [r[c - 1] if c <= len(r) else None for r in body] for f, c in fields.items()
    }
    rows = list(range(info.first_data_row, info.first_data_row + len(body)))
    # an empty line between blocks of data is not a client (a row holding only spaces is
    # kept: staff typed something there, and the name / contact checks will say that it is
    # empty). Only a row empty in the first field can be: that column is searched first.
    columns = list(raw.values())
    if not columns:
        present: list[int] = []
    elif columns[0].count(None):
        first, others = columns[0], columns[1:]
        present = [
            i for i, v in enumerate(first) if v is not None or any(c[i] is not None for c in others)
        ]
    else:
        present = list(range(len(rows)))
    if len(present) != len(rows):
        rows = [rows[i] for i in present]
        raw = {f: [column[i] for i in present] for f, column in raw.items()}
    return Table(info, rows, raw, grid.has_errors is not False)


def normalise_ids(values: list[object] | None, n: int) -> list[str | None]:
    """Each row's client ID as text (``None`` where there is none)."""
    if values is None:
        return [None] * n
    # text IDs are the rule: strip them inline, send everything else through the full rules
    return [(v.strip() or None) if type(v) is str else normalise_id(v) for v in values]


def normalise_id(value: object) -> str | None:
    if value is None or isinstance(value, ExcelError | bool):
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return str(int(value))  # 1001 typed as a number is read back as 1001.0
    text = str(value).strip()
    return text or None
