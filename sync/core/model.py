"""Plain data passed between the layers.

    source.read()        -> Snapshot      (raw typed cell grids + a version token)
    engine.run_pass()    -> Outcome       (problems, duplicate groups, per-client records)
    writeback.plan()     -> WritePlan     (cell edits + the tool's own sheets)
    source.apply(plan)   -> ApplyResult

Nothing here imports a backend library; the core only ever sees these types.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, NamedTuple, TypeAlias


@dataclass(frozen=True, slots=True)
class ExcelError:
    """An error value stored in a cell (``#N/A``, ``#DIV/0!``, ``#REF!`` ...)."""

    code: str

    def __str__(self) -> str:
        return self.code


CellValue: TypeAlias = (
    str | int | float | bool | dt.datetime | dt.date | dt.time | dt.timedelta | ExcelError | None
)
"""A cell as typed in the sheet. Empty cells are ``None`` (never ``""``)."""

Severity: TypeAlias = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")


@dataclass(frozen=True, slots=True)
class SheetGrid:
    """All cells of one sheet, as typed. ``rows[0]`` is sheet row 1, ``rows[i][0]`` column A.

    Rows may be ragged (shorter than the widest row); missing cells are empty.
    """

    name: str
    rows: list[list[CellValue]]
    # False when the source knows the sheet holds no error cells (#N/A): lets the engine skip
    # looking for them; True or unknown (None) means look.
    has_errors: bool | None = None

    def cell(self, row: int, col: int) -> CellValue:
        """The value at 1-based ``row`` / ``col`` (``None`` when outside the data)."""
        if row < 1 or row > len(self.rows):
            return None
        r = self.rows[row - 1]
        return r[col - 1] if 1 <= col <= len(r) else None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a source read: every sheet it was asked for, and a version token.

    ``version`` is opaque to the core; the source compares it before writing.
    ``missing_sheets`` names configured sheets that the workbook does not have;
    ``sheet_names`` every sheet it has (when the source knows; for the error naming them).
    """

    source: str
    sheets: dict[str, SheetGrid]
    version: str
    missing_sheets: tuple[str, ...] = ()
    sheet_names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one cell (or row), as shown to staff and in the report."""

    sheet: str
    row: int  # 1-based sheet row
    column: str | None  # header as staff wrote it; None for row-level problems
    field: str | None
    code: str
    severity: Severity
    message: str
    suggestion: str | None = None
    col_index: int | None = None  # 1-based column, for write-back and links


@dataclass(frozen=True, slots=True)
class DuplicateGroup:
    """Rows of the clients sheet that are the same person."""

    group: int  # 1-based, stable for a given input
    rows: tuple[int, ...]  # sheet rows, ascending
    score: float  # 0..1
    reasons: tuple[str, ...]  # fields that matched: "phone", "email", "name", ...
    # what the note tells staff beyond the fields (worded by messages.duplicate_why):
    # "initials", "translit", "surname", "form:Таня|Татьяна" (first names as typed: for the
    # sheet's note only), "?birthday" / "?middle" (not compared: a different one would mean
    # another person)
    why: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Fix:
    """A value the tool would normalise (same phone, same email, tidier name)."""

    sheet: str
    row: int
    col_index: int
    field: str
    old: CellValue
    new: str


@dataclass(slots=True)
class ClientRecord:
    """Metrics and segments of one client row (the report's ``records``)."""

    row: int
    id: str | None
    revenue: float = 0.0
    orders: int = 0
    last_order: dt.date | None = None
    r: int | None = None
    f: int | None = None
    m: int | None = None
    rfm_segment: str | None = None
    abc: str | None = None
    xyz: str | None = None
    vip: bool = False
    temperature: str = "cold"
    duplicate_group: int | None = None
    # Normalised contact data, for export and merge (never logged, not in the JSON report).
    name: str | None = None
    phone: str | None = None  # E.164
    email: str | None = None
    consent: bool | None = None
    extra: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TableInfo:
    """Where a configured table sits in its sheet, after header resolution."""

    role: str  # "clients" | "orders" | "interactions"
    sheet: str
    header_row: int  # 1-based
    headers: tuple[str | None, ...]  # every header cell, column A first
    field_columns: dict[str, int]  # field -> 1-based column
    first_data_row: int
    last_data_row: int


@dataclass(slots=True)
class Outcome:
    """Everything one pass found. Pure data: the writer and the report are built from it."""

    source: str
    as_of: dt.date
    language: str
    tables: dict[str, TableInfo]
    problems: list[Problem]
    duplicates: list[DuplicateGroup]
    records: list[ClientRecord]
    fixes: list[Fix]
    rows_without_id: list[int]  # client rows that need an ID assigned by the writer
    # IDs that orders / interactions mention (a new ID must never adopt their history)
    referenced_ids: frozenset[str] = frozenset()
    # Why a record got its flags and segments, in the sheet's language; computed on demand
    # (report, notes) because formatting reasons for every client costs more than the pass.
    explain: Callable[[ClientRecord], list[str]] | None = None

    def header_of(self, sheet: str, col: int) -> str:
        """The header of a column of a configured table (``column N`` when it has none)."""
        for table in self.tables.values():
            if table.sheet == sheet and 0 < col <= len(table.headers):
                return table.headers[col - 1] or f"column {col}"
        return f"column {col}"


# ---------------------------------------------------------------------------
# Write plan: what a source applies. Backend neutral (xlsx, Google Sheets, live Excel).
# ---------------------------------------------------------------------------


class _Keep:
    """Sentinel: leave this aspect of the cell as it is."""

    _instance: _Keep | None = None

    def __new__(cls) -> _Keep:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "KEEP"


KEEP = _Keep()


class CellEdit(NamedTuple):
    """A change to one cell of a staff sheet (a named tuple: a first sync plans ~300 000 of
    them, and a tuple is built about twice as fast as a frozen dataclass).

    ``value``: the new value (strings are always stored as text, never as a formula).
    ``fill``: ARGB of the tool's highlight (``"FFFFC7CE"``), ``None`` to remove the
    tool's own highlight, ``KEEP`` to leave it.
    ``note``: text of the tool's note, ``None`` to remove the tool's note, ``KEEP``.
    """

    row: int  # 1-based
    col: int  # 1-based
    value: CellValue | _Keep = KEEP
    fill: str | _Keep | None = KEEP
    note: str | _Keep | None = KEEP


@dataclass(frozen=True, slots=True)
class SheetEdits:
    sheet: str
    cells: tuple[CellEdit, ...]


@dataclass(frozen=True, slots=True)
class ToolSheet:
    """A sheet the tool owns entirely (Problems, Summary); replaced as a whole on each write.

    ``links`` maps (row, col) of a cell in this sheet to a location such as ``'Клиенты'!C5``.
    ``fills`` maps (row, col) to an ARGB fill; ``bold_rows`` are header-like rows.
    """

    name: str
    rows: tuple[tuple[CellValue, ...], ...]
    links: dict[tuple[int, int], str] = field(default_factory=dict)
    fills: dict[tuple[int, int], str] = field(default_factory=dict)
    bold_rows: tuple[int, ...] = (1,)
    column_widths: tuple[float, ...] = ()
    autofilter: bool = False  # a filter on the header row over all rows (the Problems sheet)


@dataclass(frozen=True, slots=True)
class WritePlan:
    edits: tuple[SheetEdits, ...]
    tool_sheets: tuple[ToolSheet, ...] = ()
    tool_fills: tuple[str, ...] = ()  # every ARGB the tool may use (to recognise its own)
    rewrites: tuple[Fix, ...] = ()  # staff values replaced by normalised ones (for the audit log)
    # (sheet, column) of the tool's own columns (segment, ABC, ...; not the ID): every cell
    # below the header is the tool's, so a writer may rewrite an unchanged one in a bulk write
    owned: tuple[tuple[str, int], ...] = ()

    @property
    def is_empty(self) -> bool:
        return not any(e.cells for e in self.edits) and not self.tool_sheets


@dataclass(frozen=True, slots=True)
class ApplyResult:
    status: Literal["applied", "unchanged", "conflict", "locked"]
    detail: str = ""
    new_version: str | None = None
    # the tool's sheets known again although another program's save dropped its record
    recovered: tuple[str, ...] = ()


# ---------------------------------------------------------------------------
# Audit log entries: what the tool changed in staff cells (kept by the daemon's state store).
# ---------------------------------------------------------------------------


def now_text() -> str:
    """Local time with its UTC offset, to the second: readable in ``status`` and sortable."""
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """A value of a staff cell the tool replaced (``old`` is kept so it can be restored)."""

    path: str
    sheet: str
    row: int
    row_id: str | None
    column: str
    old: str | None
    new: str | None
    at: str = field(default_factory=now_text)


def audit_text(value: object) -> str | None:
    """A cell value as the audit log keeps it."""
    return None if value is None else str(value)


class SegmentRow(NamedTuple):
    """One client's segment values, as :mod:`sync.core.segments` computes them."""

    revenue: float
    orders: int
    last_order: dt.date | None
    r: int | None
    f: int | None
    m: int | None
    rfm_segment: str | None
    abc: str | None
    xyz: str | None
    vip: bool
    temperature: str
    recency_days: int | None
    xyz_cv: float | None
    orders_365: int


def column_letters(index: int) -> str:
    """A column's letters in A1 references: 1 → ``"A"``, 28 → ``"AB"``."""
    out = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out
