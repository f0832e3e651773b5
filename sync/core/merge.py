"""Merging a duplicate group into one row — pure planning, shared by ``clientbase merge`` and
the Excel button.

The group's oldest row (earliest "added" date, else the first row) is kept. Its empty cells take
the first non-empty value of the other rows; a cell where the rows disagree keeps the better
value — a valid phone or email over an invalid or suspect one, a full name over initials or
mixed letters; else the kept row's — and the other values go into a note. IDs keep their type
(a number cell 1 re-points orders as 1, not "1.0"). The merged-away rows are emptied and
copied, whole, to an archive sheet with the date and the reason; orders and interactions
that reference a merged-away ID are re-pointed to the kept ID. Nothing typed is deleted: it
is in the archive.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from sync.core.messages import duplicate_why, message
from sync.core.model import AuditEntry, CellValue, Outcome, SheetGrid, Snapshot, audit_text
from sync.errors import UsageError

ARCHIVE_TITLES = {"ru": "Архив дублей", "uk": "Архів дублів", "en": "Merged duplicates"}
_ARCHIVE_HEAD = {
    "ru": ("Дата", "Причина", "Была строка", "Оставлена строка", "ID оставленной"),
    "uk": ("Дата", "Причина", "Був рядок", "Залишено рядок", "ID залишеного"),
    "en": ("Date", "Reason", "Was row", "Kept row", "Kept ID"),
}
_CONFLICT = {"ru": "При слиянии расходились:", "uk": "При злитті розходились:", "en": "On merge:"}


@dataclass(slots=True)
class MergePlan:
    """What merging one group changes (1-based sheet rows and columns)."""

    group: int
    sheet: str
    keep_row: int
    merged_rows: tuple[int, ...]
    kept_id: str | None  # as staff read it: 1, not 1.0
    kept_id_value: CellValue = None  # the cell itself (a number stays a number)
    fill: dict[int, CellValue] = field(default_factory=dict)  # col -> value for the kept row
    conflicts: list[str] = field(default_factory=list)  # lines for the kept row's note
    note_col: int = 1
    cleared: dict[int, list[int]] = field(default_factory=dict)  # merged row -> its cells
    repoint: dict[tuple[str, int, int], CellValue] = field(default_factory=dict)  # -> kept ID
    archive_rows: list[tuple[CellValue, ...]] = field(default_factory=list)
    # (sheet, row, col) -> the value before the merge, for every cell it changes
    before: dict[tuple[str, int, int], CellValue] = field(default_factory=dict)


# how much a problem on a cell makes its value worse than another row's clean one
_FLAWS = {
    "phone.invalid": 2,
    "email.invalid": 2,
    "email.suspect": 1,
    "name.invalid": 2,
    "name.mixed_scripts": 1,
}
_INITIAL = re.compile(r"^(?:[^\W\d_]\.)+$")  # "П." or "П.С."


def id_text(value: CellValue) -> str:
    """An ID as staff read it: a number cell 1.0 is ``1``, text is trimmed."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _empty(value: CellValue) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _same(a: object, b: object) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()
    return a == b


def _cell(grid: SheetGrid, row: int, col: int) -> CellValue:
    return grid.cell(row, col)


def plan_merge(
    snapshot: Snapshot, outcome: Outcome, group_no: int, today: dt.date, tool_headers: set[str]
) -> MergePlan:
    """The merge of duplicate group ``group_no`` as found by this pass."""
    group = next((g for g in outcome.duplicates if g.group == group_no), None)
    if group is None:
        known = ", ".join(str(g.group) for g in outcome.duplicates) or "none"
        raise UsageError(f"no duplicate group {group_no} in this pass (groups: {known})")
    table = outcome.tables["clients"]
    grid = snapshot.sheets[table.sheet]
    lang = outcome.language if outcome.language in ARCHIVE_TITLES else "en"
    added_col = table.field_columns.get("added")

    def age(row: int) -> tuple[int, dt.date, int]:
        value = _cell(grid, row, added_col) if added_col else None
        if isinstance(value, dt.datetime):
            value = value.date()
        known = isinstance(value, dt.date)
        return (0 if known else 1, value if isinstance(value, dt.date) else dt.date.max, row)

    rows = sorted(group.rows, key=age)
    keep, others = rows[0], rows[1:]
    id_col = table.field_columns.get("id")
    data_cols = [
        i + 1
        for i, header in enumerate(table.headers)
        if header is not None and str(header).strip() and str(header) not in tool_headers
    ]
    plan = MergePlan(group.group, table.sheet, keep, tuple(others), None)
    plan.note_col = table.field_columns.get("name") or table.field_columns.get("last_name") or 1
    field_of = {col: name for name, col in table.field_columns.items()}
    records = {r.row: r for r in outcome.records}

    def comparable(row: int, col: int, raw: CellValue) -> object:
        """Phones and emails compare as normalised (``8 (912)…`` is ``+7 912…``)."""
        rec = records.get(row)
        kind = field_of.get(col)
        if rec is not None and kind in ("phone", "email"):
            normal = rec.phone if kind == "phone" else rec.email
            if normal:
                return normal
        return raw

    flawed = {(p.row, p.field): _FLAWS.get(p.code, 0) for p in outcome.problems if p.field}

    def worse(row: int, col: int, value: CellValue) -> int:
        """How much worse than a clean value: invalid 2, suspect / initials / mixed 1."""
        kind = field_of.get(col)
        if kind in ("name", "last_name", "first_name", "middle_name"):
            initials = isinstance(value, str) and any(_INITIAL.match(w) for w in value.split())
            return max(flawed.get((row, kind), 0), 1 if initials else 0)
        return flawed.get((row, kind), 0) if kind in ("phone", "email") else 0

    for col in data_cols:
        rows_values = [(r, _cell(grid, r, col)) for r in (keep, *others)]
        typed = [(r, v) for r, v in rows_values if not _empty(v)]
        if not typed:
            continue
        # the kept row's value, unless another row's is better (valid, full): the first best
        source_row, kept = min(typed, key=lambda rv: worse(rv[0], col, rv[1]))
        if field_of.get(col) in ("id", "added"):
            source_row, kept = typed[0]  # the kept row's ID and first date are the client's
        if source_row != keep:
            plan.fill[col] = kept
            plan.before[(table.sheet, keep, col)] = rows_values[0][1]
        if field_of.get(col) in ("id", "added"):
            continue
        kept_key = comparable(source_row, col, kept)
        different = [
            v for r, v in typed if r != source_row and not _same(comparable(r, col, v), kept_key)
        ]
        if different:
            shown = "; ".join(dict.fromkeys(str(v) for v in different))
            plan.conflicts.append(f"{table.headers[col - 1]}: {kept} / {shown}")
    kept_id = plan.fill.get(id_col) if id_col else None
    if id_col and kept_id is None:
        kept_id = _cell(grid, keep, id_col)
    plan.kept_id = id_text(kept_id) if not _empty(kept_id) else None
    plan.kept_id_value = kept_id if not _empty(kept_id) else None
    merged_ids = {
        id_text(v)
        for r in others
        if id_col and not _empty(v := _cell(grid, r, id_col)) and id_text(v) != plan.kept_id
    }
    if plan.kept_id and merged_ids:
        for role in ("orders", "interactions"):
            ref = outcome.tables.get(role)
            if ref is None or "client_id" not in ref.field_columns:
                continue
            col = ref.field_columns["client_id"]
            ref_grid = snapshot.sheets[ref.sheet]
            for row in range(ref.first_data_row, ref.last_data_row + 1):
                value = _cell(ref_grid, row, col)
                if value is not None and id_text(value) in merged_ids:
                    plan.repoint[(ref.sheet, row, col)] = plan.kept_id_value
                    plan.before[(ref.sheet, row, col)] = value
    why = duplicate_why(group.reasons, group.why, lang)
    reason = message("duplicate.merged", lang, {"group": str(group.group), "why": why})
    width = max(len(table.headers), *(len(grid.rows[r - 1]) for r in others))
    for r in others:
        line = grid.rows[r - 1] if r <= len(grid.rows) else []
        cells = [line[c] if c < len(line) else None for c in range(width)]
        plan.cleared[r] = [c + 1 for c, v in enumerate(cells) if v is not None]
        plan.before.update({(table.sheet, r, c): cells[c - 1] for c in plan.cleared[r]})
        plan.archive_rows.append((today, reason, r, keep, plan.kept_id_value, *cells))
    return plan


def audit_entries(path: str, plan: MergePlan, outcome: Outcome) -> list[AuditEntry]:
    """Every cell the merge changed, for the audit log: the kept row's filled cells, the
    merged-away rows' cells (emptied; whole in the archive sheet) and the re-pointed orders and
    contacts — with the client ID of the row and the column's header."""
    ids = {rec.row: rec.id for rec in outcome.records}
    clients = outcome.tables["clients"].sheet
    new: dict[tuple[str, int, int], CellValue] = {
        (plan.sheet, plan.keep_row, col): value for col, value in plan.fill.items()
    }
    new.update(plan.repoint)

    return [
        AuditEntry(
            path,
            sheet,
            row,
            ids.get(row) if sheet == clients else None,
            outcome.header_of(sheet, col),
            audit_text(old),
            audit_text(new.get((sheet, row, col))),
        )
        for (sheet, row, col), old in sorted(plan.before.items())
    ]


def archive_header(outcome: Outcome, headers: tuple[str | None, ...]) -> tuple[CellValue, ...]:
    lang = outcome.language if outcome.language in ARCHIVE_TITLES else "en"
    return (*_ARCHIVE_HEAD[lang], *headers)


def conflict_note(plan: MergePlan, language: str) -> str | None:
    if not plan.conflicts:
        return None
    lang = language if language in _CONFLICT else "en"
    return "\n".join([_CONFLICT[lang], *plan.conflicts])
