"""Validation of a table: each mapped field's validator over its column, and what staff are
told about each cell (``cell.error`` for ``#N/A`` and the like, each finding as a problem, a
standard form as a fix)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

from sync.core.config import ROLE_FIELDS, Config
from sync.core.messages import message
from sync.core.model import ExcelError, Fix, Problem
from sync.core.tables import Table
from validators.base import FieldCheck, Finding
from validators.choices import check_amounts, check_choices, check_consent
from validators.dates import check_dates
from validators.email import check_emails
from validators.name import check_names
from validators.phone import check_phones


def run_validator(
    kind: str, values: list[object], config: Config, as_of: dt.date, allowed: Sequence[str] | None
) -> list[FieldCheck] | None:
    """The checks of ``values`` by the validator of a field of ``kind`` (None: no validator)."""
    if allowed:
        return check_choices(values, allowed)
    if kind == "phone":
        return check_phones(values, config.phone.regions, config.phone.format, config.language)
    if kind == "email":
        return check_emails(values, config.email.extra_domains, config.email.check_dns)
    if kind == "name":
        return check_names(values)
    if kind == "birthday":
        return check_dates(values, as_of=as_of, kind="birthday")
    if kind == "date":
        return check_dates(values, as_of=as_of, kind="date")
    if kind == "consent":
        return check_consent(values)
    if kind == "amount":
        return check_amounts(values)
    return None


@dataclass(frozen=True, slots=True)
class Checked:
    """A field's validation: the values checked, their checks (None: the field has no
    validator), and per row position its ``cell.error`` problem, its findings' problems and
    its fix."""

    values: list[object]
    result: list[FieldCheck] | None
    errors: dict[int, Problem]
    findings: dict[int, list[Problem]]
    fixes: dict[int, Fix]


def validate_table(
    table: Table,
    config: Config,
    as_of: dt.date,
    problems: list[Problem],
    fixes: list[Fix],
    lang: str,
) -> dict[str, list[FieldCheck]]:
    """Run the validator of every mapped field; record problems and fixes; return the checks."""
    fields = {
        field: check_field(table, field, values, None, config, as_of, lang)
        for field, values in table.raw.items()
    }
    return collect(fields, problems, fixes)


def collect(
    fields: Mapping[str, Checked], problems: list[Problem], fixes: list[Fix]
) -> dict[str, list[FieldCheck]]:
    """The fields' problems and fixes in row order, field by field; their checks."""
    checks: dict[str, list[FieldCheck]] = {}
    for field, done in fields.items():
        problems.extend(done.errors[i] for i in sorted(done.errors))
        if done.result is None:
            continue
        checks[field] = done.result
        problems.extend(p for i in sorted(done.findings) for p in done.findings[i])
        fixes.extend(done.fixes[i] for i in sorted(done.fixes))
    return checks


def check_field(
    table: Table,
    field: str,
    values: list[object],
    positions: list[int] | None,
    config: Config,
    as_of: dt.date,
    lang: str,
) -> Checked:
    """Validate ``values`` (the field's column) at ``positions`` (None: all of them); the
    result holds the checks of those positions, in their order."""
    info = table.info
    col = info.field_columns[field]
    header = info.headers[col - 1]
    at: Sequence[int] = range(len(values)) if positions is None else positions
    some = values if positions is None else [values[i] for i in positions]
    errors: dict[int, Problem] = {}
    clean = some
    for k in (
        [k for k, v in enumerate(some) if type(v) is ExcelError] if table.may_have_errors else []
    ):
        if clean is some:
            clean = list(some)
        clean[k] = None
        errors[at[k]] = Problem(
            info.sheet,
            table.rows[at[k]],
            header,
            field,
            "cell.error",
            "error",
            message("cell.error", lang, {"error": cast(ExcelError, some[k]).code}),
            None,
            col,
        )
    allowed = config.sheets[info.role].allowed.get(field)
    kind = ROLE_FIELDS[info.role].get(field, "text")
    result = run_validator(kind, clean, config, as_of, allowed)
    findings: dict[int, list[Problem]] = {}
    found_fixes: dict[int, Fix] = {}
    if result is not None:
        extra = (
            {"allowed": ", ".join(allowed)}
            if allowed
            else {"allowed": "да/нет" if lang == "ru" else "так/ні" if lang == "uk" else "yes/no"}
        )
        # only the few rows with something to say are visited one by one
        for k in [k for k, c in enumerate(result) if c.findings or c.display is not None]:
            i, check = at[k], result[k]
            row = table.rows[i]
            if check.findings:
                findings[i] = [
                    finding_problem(info.sheet, row, header, field, col, finding, lang, extra)
                    for finding in check.findings
                ]
            if check.display is not None and not has_error(check):
                found_fixes[i] = Fix(info.sheet, row, col, field, some[k], check.display)  # type: ignore[arg-type]
    return Checked(values, result, errors, findings, found_fixes)


def has_error(check: FieldCheck) -> bool:
    return any(f.severity == "error" for f in check.findings)


def finding_problem(
    sheet: str,
    row: int,
    header: str | None,
    field: str,
    col: int,
    finding: Finding,
    lang: str,
    extra: dict[str, str] | None = None,
) -> Problem:
    """A validator's finding as the problem staff read (its message in ``lang``)."""
    params = dict(extra or {})
    params.update(finding.params)
    if finding.suggestion is not None:
        params["suggestion"] = finding.suggestion
    return Problem(
        sheet,
        row,
        header,
        field,
        finding.code,
        finding.severity,
        message(finding.code, lang, params),
        finding.suggestion,
        col,
    )
