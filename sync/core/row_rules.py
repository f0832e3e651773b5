"""Rules over whole client rows: a missing name, contact or required field, an ID typed on two
rows; and the duplicate groups among the rows, as problems staff read."""

from __future__ import annotations

from collections import defaultdict

from sync.core.config import Config
from sync.core.dedupe import find_duplicates
from sync.core.messages import duplicate_why, message
from sync.core.model import DuplicateGroup, Problem
from sync.core.tables import Table
from validators.base import FieldCheck

NAME_FIELDS = ("name", "last_name", "first_name", "middle_name")
PHONE_FIELDS = ("phone", "phone2")


def row_rules(
    table: Table,
    checks: dict[str, list[FieldCheck]],
    ids: list[str | None],
    config: Config,
    problems: list[Problem],
    lang: str,
) -> None:
    """Rules that look at a whole row: missing name / contact / required, copied IDs."""
    info = table.info
    cols = info.field_columns
    sheet_cfg = config.sheets["clients"]
    name_fields = [f for f in NAME_FIELDS if f in cols]
    contact_fields = [f for f in (*PHONE_FIELDS, "email") if f in cols]

    def row_problem(
        row: int, field: str | None, code: str, severity: str, params: dict[str, str] | None = None
    ) -> Problem:
        col = cols.get(field) if field else None
        header = info.headers[col - 1] if col else None
        return Problem(
            info.sheet,
            row,
            header,
            field,
            code,
            severity,  # type: ignore[arg-type]
            message(code, lang, params),
            None,
            col,
        )

    # blank cells found a column at a time (most rows have none: only those are visited)
    blank: dict[str, set[int]] = {}

    def blanks(field: str) -> set[int]:
        found = blank.get(field)
        if found is None:
            found = blank[field] = {
                i
                for i, v in enumerate(table.raw[field])
                if v is None or (isinstance(v, str) and not v.strip())
            }
        return found

    def all_blank(fields: list[str]) -> set[int]:
        return set.intersection(*map(blanks, fields)) if fields else set()

    no_name, no_contact = all_blank(name_fields), all_blank(contact_fields)
    required = [f for f in sheet_cfg.required if f in cols and f not in NAME_FIELDS]
    for i in sorted(no_name.union(no_contact, *map(blanks, required))):
        row = table.rows[i]
        if i in no_name:
            problems.append(row_problem(row, name_fields[0], "name.missing", "error"))
        if i in no_contact:
            problems.append(row_problem(row, contact_fields[0], "contact.missing", "error"))
        for field in required:
            if i in blanks(field):
                problems.append(row_problem(row, field, "required.missing", "error"))

    rows_by_id: dict[str, list[int]] = defaultdict(list)
    for row, id_ in zip(table.rows, ids, strict=True):
        if id_ is not None:
            rows_by_id[id_].append(row)
    for same in rows_by_id.values():
        if len(same) > 1:
            for row in same:
                others = ", ".join(str(r) for r in same if r != row)
                problems.append(row_problem(row, "id", "id.duplicate", "error", {"rows": others}))


def duplicate_groups(
    table: Table,
    checks: dict[str, list[FieldCheck]],
    config: Config,
    problems: list[Problem],
    lang: str,
) -> list[DuplicateGroup]:
    """The duplicate groups among the client rows, each member's ``duplicate`` problem, and the
    ``phone.shared`` problems of rows that share a phone but are different people."""
    if not config.dedupe.enabled or not table.rows:
        return []
    info = table.info
    fields: dict[str, list[object]] = {}
    kinds: dict[str, str] = {}
    if "name" in checks:
        fields["name"] = [c.normalized for c in checks["name"]]
    else:
        parts = [checks[f] for f in ("last_name", "first_name", "middle_name") if f in checks]
        if parts:
            fields["name"] = [
                " ".join(str(c.normalized) for c in row if c.normalized) or None
                for row in zip(*parts, strict=True)
            ]
    if "name" in fields:
        kinds["name"] = "full_name"
    for field, kind in (
        ("phone", "phone"),
        ("phone2", "phone"),
        ("email", "email"),
        ("birthday", "date"),
    ):
        if field in checks:
            fields[field] = [c.normalized for c in checks[field]]
            kinds[field] = kind
    if not fields:
        return []
    result = find_duplicates(
        table.rows,
        fields,
        kinds,  # type: ignore[arg-type]
        threshold=config.dedupe.threshold,
    )
    anchor = next(
        (f for f in ("name", "last_name", "phone", "email") if f in info.field_columns), None
    )
    col = info.field_columns.get(anchor) if anchor else None
    header = info.headers[col - 1] if col else None
    for group in result.groups:
        for row in group.rows:
            others = ", ".join(str(r) for r in group.rows if r != row)
            params = {
                "rows": others,
                "group": str(group.group),
                "why": duplicate_why(group.reasons, group.why, lang),
            }
            problems.append(
                Problem(
                    info.sheet,
                    row,
                    header,
                    anchor,
                    "duplicate",
                    "warning",
                    message("duplicate", lang, params),
                    None,
                    col,
                )
            )
    phone_col = info.field_columns.get("phone")
    if phone_col is not None:
        phone_header = info.headers[phone_col - 1]
        for shared in result.shared_phones:
            for row in shared:
                others = ", ".join(str(r) for r in shared if r != row)
                problems.append(
                    Problem(
                        info.sheet,
                        row,
                        phone_header,
                        "phone",
                        "phone.shared",
                        "info",
                        message("phone.shared", lang, {"rows": others}),
                        None,
                        phone_col,
                    )
                )
    return result.groups
