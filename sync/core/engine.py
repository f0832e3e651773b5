"""One pass over a snapshot: validate every field, find duplicates, compute segments.

``run_pass`` is pure: it takes the data a source read and returns an :class:`Outcome`.
The same function serves ``check``, ``sync``, the daemon and the Excel buttons.
"""

from __future__ import annotations

import datetime as dt
import math
import operator
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import compress
from typing import TYPE_CHECKING, TypeGuard, TypeVar, cast, get_args

from sync.core.config import ROLE_FIELDS, Config, SegmentsConfig, SheetConfig
from sync.core.dedupe import find_duplicates
from sync.core.explain import explainer
from sync.core.geo import phone_place
from sync.core.headers import resolve_table
from sync.core.lapsed import ContactHistory, Lapse
from sync.core.marketing import (
    ClientFacts,
    PersonalRow,
    RhythmByID,
    client_rhythm,
    enrich_rows,
    mean_buyer_revenue,
    personal_rows,
)
from sync.core.messages import message, reason_names
from sync.core.model import (
    ClientRecord,
    DuplicateGroup,
    ExcelError,
    Fix,
    Outcome,
    Problem,
    SegmentRow,
    SheetGrid,
    Snapshot,
    TableInfo,
)
from sync.errors import SheetNotFoundError
from sync.speed.forked import Ahead
from sync.speed.incremental import (
    RECENT_SLOTS,
    ROW_MEMO_LIMIT,
    Recent,
    RowMemos,
    Same,
    register,
    remembering_rows,
    typed,
)
from sync.speed.lifetime import keep, leaving_to_exit
from validators.base import FieldCheck, Finding
from validators.choices import check_amounts, check_choices, check_consent
from validators.dates import check_dates
from validators.email import check_emails
from validators.name import check_names
from validators.phone import check_phones

if TYPE_CHECKING:  # pandas is imported by the history's code: a forked worker's, on two cores
    import pandas as pd

NAME_FIELDS = ("name", "last_name", "first_name", "middle_name")
PHONE_FIELDS = ("phone", "phone2")

ProgressFn = Callable[[str], None]
T = TypeVar("T")


@dataclass(slots=True)
class _Table:
    """A resolved table: where it is, and its data rows column by column."""

    info: TableInfo
    rows: list[int]  # sheet rows of non-empty data rows
    raw: dict[str, list[object]]  # field -> raw value per row (ExcelError kept)
    may_have_errors: bool = True


# Orders + interactions rows from which the history is worth a forked worker (see run_pass).
AHEAD_MIN_ROWS = 50_000


@dataclass(frozen=True, slots=True)
class _History:
    """What the pass needs of the orders and interactions."""

    problems: list[Problem]  # of the orders and interactions sheets
    segments: list[SegmentRow]  # per client row
    rhythm: RhythmByID  # lapses and contact history per client ID
    referenced: frozenset[str]  # client IDs that orders or interactions name
    # the frames themselves, computed in this process: the key of the enrichment memo
    frames: tuple[pd.DataFrame, pd.DataFrame] | None
    # what each client row says of the person (marketing.personal_row), when a worker that
    # had time to spare computed it
    personal: list[PersonalRow] | None = None


def _history(
    tables: dict[str, _Table], ids: list[str | None], config: Config, as_of: dt.date
) -> _History:
    """Orders, interactions, segments and rhythm: they need the clients' IDs, not their checks.

    Only this part of a pass uses pandas, so it is imported here: on two cores a forked worker
    does, and the parent process never loads it."""
    from sync.core.segments import segment_rows

    found: list[Problem] = []
    lang = config.language
    orders = _orders_frame(
        tables.get("orders"), config, as_of, set(filter(None, ids)), found, [], lang
    )
    interactions = _interactions_frame(tables.get("interactions"), config, as_of, found, [], lang)
    segments = segment_rows(ids, orders, interactions, config.segments, as_of)
    context = _rhythm_context(orders, interactions, config, as_of)
    rhythm = _RHYTHM.get(context)
    if rhythm is None:
        rhythm = _RHYTHM.put(context, client_rhythm(orders, interactions, config.segments, as_of))
    referenced = _REFERENCED.get((Same(orders), Same(interactions)))
    if referenced is None:
        referenced = frozenset(filter(None, [*orders["client_id"], *interactions["client_id"]]))
        if remembering_rows():
            _REFERENCED.put((Same(orders), Same(interactions)), referenced)
    return _History(found, segments, rhythm, referenced, (orders, interactions))


# The history as a forked worker sends it: the frames stay there (only their rhythm and IDs
# are needed here), and the segment rows go as columns with dates as ordinals, which pickle
# several times faster than 100 000 tuples of dates. So do the personal rows.
_Shipped = tuple[
    list[Problem], list[list[object]], tuple[object, object], frozenset[str], list[list[object]]
]
_DATE_COLUMN = 2  # last_order in a SegmentRow
_BIRTHDAY_COLUMN = 4  # birthday in a PersonalRow
# the client fields a personal row is made of
_PERSONAL_FIELDS = frozenset(
    ("name", "last_name", "first_name", "middle_name", "birthday", "city", "gender")
)


# The share of client rows whose personal rows the history worker computes; this process
# computes the rest while it waits for the worker (the two then finish about together).
WORKER_PERSONAL_SHARE = 0.6


def _personal(clients: _Table, config: Config, as_of: dt.date, stop: int) -> list[PersonalRow]:
    """:func:`marketing.personal_row` of the first ``stop`` client rows, from the table alone
    (name and birthday validated here exactly as the pass validates them): for a worker."""
    fields = {f: v[:stop] for f, v in clients.raw.items() if f in _PERSONAL_FIELDS}
    table = _Table(clients.info, clients.rows[:stop], fields, clients.may_have_errors)
    checks = _validate_table(table, config, as_of, [], [], config.language)
    facts = _client_facts(table, checks, len(table.rows))
    return personal_rows(facts, config.segments.age_groups, as_of)


def _shipped(history: _History, personal: list[PersonalRow]) -> _Shipped:
    return (
        history.problems,
        _as_columns(history.segments, _DATE_COLUMN),
        _plain_rhythm(history.rhythm),
        history.referenced,
        _as_columns(personal, _BIRTHDAY_COLUMN),
    )


# the rhythm as plain tuples: pickling 10^4 small dataclass objects took ~0.2 s both ways
_PlainRhythm = tuple[dict[str, tuple[float, int]], dict[str, tuple[dict[str, int], int | None]]]


def _plain_rhythm(rhythm: RhythmByID) -> _PlainRhythm:
    lapses, contacts = rhythm
    return (
        {cid: (lapse.expected_gap, lapse.actual_gap) for cid, lapse in lapses.items()},
        {
            cid: (c.counts, c.last_contact.toordinal() if c.last_contact else None)
            for cid, c in contacts.items()
        },
    )


def _rhythm_of(plain: tuple[object, object]) -> RhythmByID:
    lapses, contacts = cast(_PlainRhythm, plain)
    return (
        {cid: Lapse(gap, actual) for cid, (gap, actual) in lapses.items()},
        {
            cid: ContactHistory(counts, None if last is None else dt.date.fromordinal(last))
            for cid, (counts, last) in contacts.items()
        },
    )


def _as_columns(rows: Sequence[tuple[object, ...]], date_column: int) -> list[list[object]]:
    columns = [list(c) for c in zip(*rows, strict=True)]
    if columns:
        columns[date_column] = [
            None if d is None else cast(dt.date, d).toordinal() for d in columns[date_column]
        ]
    return columns


def _as_rows(columns: list[list[object]], date_column: int) -> list[tuple[object, ...]]:
    if columns:
        columns[date_column] = [
            None if d is None else dt.date.fromordinal(cast(int, d)) for d in columns[date_column]
        ]
    return list(zip(*columns, strict=True))


def _is_shipped(found: object) -> TypeGuard[tuple[object, object, object, object, object]]:
    return isinstance(found, tuple) and len(found) == 5


def _received(
    found: object, n: int, split: int, personal_rest: list[PersonalRow]
) -> _History | None:
    """The worker's history (its personal rows, of the first ``split`` rows, completed with
    ``personal_rest``), or None when it is not of the expected shape."""
    if not _is_shipped(found):
        return None
    problems, columns, rhythm, referenced, personal = found

    def shaped(columns: object, width: int, rows: int) -> bool:
        return isinstance(columns, list) and (
            (len(columns) == width and all(isinstance(c, list) and len(c) == rows for c in columns))
            or (rows == 0 and not columns)
        )

    if not (
        len(personal_rest) == n - split
        and isinstance(problems, list)
        and shaped(columns, len(get_args(SegmentRow)), n)
        and shaped(personal, len(get_args(PersonalRow)), split)
        and isinstance(rhythm, tuple)
        and len(rhythm) == 2
        and all(isinstance(part, dict) for part in rhythm)
        and isinstance(referenced, frozenset)
    ):
        return None
    return _History(
        problems,
        cast(list[SegmentRow], _as_rows(cast(list[list[object]], columns), _DATE_COLUMN)),
        _rhythm_of(rhythm),
        referenced,
        None,
        [
            *cast(
                list[PersonalRow], _as_rows(cast(list[list[object]], personal), _BIRTHDAY_COLUMN)
            ),
            *personal_rest,
        ],
    )


def run_pass(
    snapshot: Snapshot, config: Config, as_of: dt.date, progress: ProgressFn | None = None
) -> Outcome:
    """Validate, deduplicate and segment the client base in ``snapshot``."""
    say = progress or (lambda _step: None)
    tables = _resolve_tables(snapshot, config)
    problems: list[Problem] = []
    fixes: list[Fix] = []
    lang = config.language

    clients = tables["clients"]
    ids = _normalise_ids(clients.raw.get("id"), len(clients.rows))

    # On two cores the history is computed by a forked worker while the clients are validated
    # and deduplicated here (one-shot CLI passes; never in the daemon, which has threads and
    # keeps the history's memos in this process).
    big = sum(len(t.rows) for r, t in tables.items() if r != "clients") >= AHEAD_MIN_ROWS
    split = int(len(ids) * WORKER_PERSONAL_SHARE)
    ahead = (
        Ahead.start(
            lambda: _shipped(
                _history(tables, ids, config, as_of), _personal(clients, config, as_of, split)
            ),
            _is_shipped,
        )
        if big and not remembering_rows()
        else None
    )
    try:
        say("validating clients")
        checks = _validate_table(clients, config, as_of, problems, fixes, lang, snapshot.source)
        facts = _client_facts(clients, checks, len(ids))
        _row_rules(clients, checks, ids, config, problems, lang)

        say("finding duplicates")
        duplicates = _find_duplicates(clients, checks, config, problems, lang)

        say("computing segments")
        personal_rest: list[PersonalRow] = []
        if ahead is not None:
            # the worker has more to do: meanwhile look up the phones' places, which
            # enrichment would otherwise do after it, and make the rest of the personal rows
            _look_up_places(checks, len(ids), lang)
            personal_rest = personal_rows(facts, config.segments.age_groups, as_of, split)
        done = ahead.result() if ahead is not None else None
    finally:
        if ahead is not None:
            ahead.cancel()
    history = _received(done, len(ids), split, personal_rest) if done is not None else None
    if history is None:
        history = _history(tables, ids, config, as_of)
    problems.extend(history.problems)
    records = _client_records(
        snapshot.source, clients, ids, history, duplicates, checks, facts, config, as_of
    )
    explain = _marketing(snapshot.source, clients, facts, records, config, problems)

    problems.sort(
        key=lambda p: (p.sheet != clients.info.sheet, p.sheet, p.row, p.col_index or 0, p.code)
    )
    keep(tables, checks, facts, done, history, personal_rest)  # the intermediates: to the end
    return Outcome(
        source=snapshot.source,
        as_of=as_of,
        language=lang,
        tables={role: t.info for role, t in tables.items()},
        problems=problems,
        duplicates=duplicates,
        records=records,
        fixes=fixes,
        rows_without_id=[r for r, i in zip(clients.rows, ids, strict=True) if i is None],
        referenced_ids=history.referenced,
        explain=explain,
    )


# --------------------------------------------------------------------------- tables


def _resolve_tables(snapshot: Snapshot, config: Config) -> dict[str, _Table]:
    tables: dict[str, _Table] = {}
    for role, sheet_cfg in config.sheets.items():
        grid = snapshot.sheets.get(sheet_cfg.name)
        if grid is None:
            if role == "clients":
                raise SheetNotFoundError(
                    f"{snapshot.source}: sheet '{sheet_cfg.name}' not found "
                    f"(key sheets.clients.name); the workbook has: "
                    f"{', '.join(snapshot.sheets) or 'no readable sheets'}"
                )
            continue
        tables[role] = _extracted(grid, sheet_cfg, snapshot.source)
    return tables


# A long-lived process re-reads a workbook whose orders sheet did not change: the read hands
# back the very same grid (``xlsx_read``), so its table (and the table's memo key) is reused.
_EXTRACTED: Recent[tuple[Same, SheetConfig, str], _Table] = Recent(2 * RECENT_SLOTS)
register(_EXTRACTED.clear)


def _extracted(grid: SheetGrid, sheet_cfg: SheetConfig, source: str) -> _Table:
    if not remembering_rows():
        return _extract(grid, sheet_cfg, source)
    key = (Same(grid), sheet_cfg, source)
    found = _EXTRACTED.get(key)
    if found is None:
        found = _EXTRACTED.put(key, _extract(grid, sheet_cfg, source))
    return found


def _extract(grid: SheetGrid, sheet_cfg: SheetConfig, source: str) -> _Table:
    info = resolve_table(grid, sheet_cfg, source=source)
    fields = info.field_columns
    body = grid.rows[info.first_data_row - 1 : info.last_data_row]
    raw: dict[str, list[object]] = {
        f: [r[c - 1] if c <= len(r) else None for r in body] for f, c in fields.items()
    }
    rows = list(range(info.first_data_row, info.first_data_row + len(body)))
    # an empty line between blocks of data is not a client (a row holding only spaces is
    # kept: staff typed something there, and the name / contact checks will say that it is
    # empty). Only a row empty in the first field can be: that column is searched in C first.
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
    return _Table(info, rows, raw, grid.has_errors is not False)


# --------------------------------------------------------------------------- validation


def _run_validator(
    kind: str, values: list[object], config: Config, as_of: dt.date, allowed: Sequence[str] | None
) -> list[FieldCheck] | None:
    if allowed:
        return check_choices(values, allowed)
    if kind == "phone":
        return check_phones(values, config.phone.regions, config.phone.format)
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
class _Checked:
    """A field's validation: the values checked, their checks (None: the field has no
    validator), and per row position its ``cell.error`` problem, its findings' problems and
    its fix."""

    values: list[object]
    result: list[FieldCheck] | None
    errors: dict[int, Problem]
    findings: dict[int, list[Problem]]
    fixes: dict[int, Fix]


@dataclass(frozen=True, slots=True)
class _Validated:
    """The clients table's validation in a workbook's last pass."""

    context: tuple[object, ...]
    rows: list[int]
    fields: dict[str, _Checked]


_VALIDATED: Recent[str, _Validated] = Recent()
register(_VALIDATED.clear)


def _validate_table(
    table: _Table,
    config: Config,
    as_of: dt.date,
    problems: list[Problem],
    fixes: list[Fix],
    lang: str,
    source: str | None = None,
) -> dict[str, list[FieldCheck]]:
    """Run the validator of every mapped field; record problems and fixes; return the checks.

    With ``source`` in a long-lived process (the daemon's clients table), a field whose
    cells are those of the last pass over the workbook but for a few rows (the very cell
    objects, else equal values of one type; the same row numbers, layout and settings)
    checks only those rows: validators judge each value alone."""
    info = table.info
    context: tuple[object, ...] = (config, as_of, lang, info.sheet, info.headers)
    context += (info.field_columns, table.may_have_errors)
    last = _VALIDATED.get(source) if source is not None and remembering_rows() else None
    if last is not None and last.context != context:
        last = None
    n = len(table.rows)
    moved: set[int] = set()
    if last is not None:
        moved = set(compress(range(n), map(operator.ne, table.rows, last.rows)))
    checks: dict[str, list[FieldCheck]] = {}
    fields: dict[str, _Checked] = {}
    for field, values in table.raw.items():
        old = last.fields.get(field) if last is not None else None
        todo = _changed_values(values, old.values, moved) if old is not None else None
        done = _check_field(table, field, values, todo, config, as_of, lang)
        if old is not None and todo is not None:
            done = _patched(old, done, todo)
        fields[field] = done
        problems.extend(done.errors[i] for i in sorted(done.errors))
        if done.result is None:
            continue
        checks[field] = done.result
        problems.extend(p for i in sorted(done.findings) for p in done.findings[i])
        fixes.extend(done.fixes[i] for i in sorted(done.fixes))
    if source is not None and remembering_rows():
        _VALIDATED.replace(source, _Validated(context, table.rows, fields))
    return checks


def _check_field(
    table: _Table,
    field: str,
    values: list[object],
    positions: list[int] | None,
    config: Config,
    as_of: dt.date,
    lang: str,
) -> _Checked:
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
    result = _run_validator(kind, clean, config, as_of, allowed)
    findings: dict[int, list[Problem]] = {}
    fixes: dict[int, Fix] = {}
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
                    _problem(info.sheet, row, header, field, col, finding, lang, extra)
                    for finding in check.findings
                ]
            if check.display is not None and not _has_error(check):
                fixes[i] = Fix(info.sheet, row, col, field, some[k], check.display)  # type: ignore[arg-type]
    return _Checked(values, result, errors, findings, fixes)


def _changed_values(values: list[object], old: list[object], moved: set[int]) -> list[int] | None:
    """The positions of ``values`` to check again: cells that changed (:func:`_differing`),
    rows that moved (``moved``), rows past the end of ``old``; None when that is most of
    them."""
    n = len(values)
    common = min(n, len(old))
    at = {i for i in moved if i < common}
    at.update(_differing(values, old))
    todo = sorted(at)
    todo += range(common, n)
    return todo if len(todo) <= n * MOST_CHANGED else None


def _differing(values: list[object], old: list[object]) -> Iterator[int]:
    """The positions (of both lists) whose cell is neither the very object of the last pass
    (as the read hands out an unchanged row's cells) nor an equal value of the same type
    (``1``, ``1.0`` and ``True`` are equal, but not the same cell)."""
    for i in compress(range(min(len(values), len(old))), map(operator.is_not, values, old)):
        if type(values[i]) is not type(old[i]) or values[i] != old[i]:
            yield i


K = TypeVar("K")


def _patched(old: _Checked, new: _Checked, todo: list[int]) -> _Checked:
    """``old`` (the last pass's) with the positions ``todo`` checked again (``new``, whose
    result holds the checks of those positions alone)."""
    n = len(new.values)
    common = min(n, len(old.values))
    result = None
    if old.result is not None and new.result is not None:
        result = old.result[:common]
        result += new.result[len(todo) - (n - common) :]  # the rows past the old end
        for i, check in zip(todo, new.result, strict=False):
            if i < common:
                result[i] = check

    def rebased(before: dict[int, K], now: dict[int, K]) -> dict[int, K]:
        out = dict(before)  # (rows past the new end are gone)
        if common < len(old.values):
            out = {i: v for i, v in out.items() if i < common}
        for i in todo:
            out.pop(i, None)
        out.update(now)
        return out

    return _Checked(
        new.values,
        result,
        rebased(old.errors, new.errors),
        rebased(old.findings, new.findings),
        rebased(old.fixes, new.fixes),
    )


def _has_error(check: FieldCheck) -> bool:
    return any(f.severity == "error" for f in check.findings)


def _problem(
    sheet: str,
    row: int,
    header: str | None,
    field: str,
    col: int,
    finding: Finding,
    lang: str,
    extra: dict[str, str] | None = None,
) -> Problem:
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


def _normalise_ids(values: list[object] | None, n: int) -> list[str | None]:
    if values is None:
        return [None] * n
    # text IDs are the rule: strip them inline, send everything else through the full rules
    return [(v.strip() or None) if type(v) is str else _normalise_id(v) for v in values]


def _normalise_id(value: object) -> str | None:
    if value is None or isinstance(value, ExcelError | bool):
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return str(int(value))  # 1001 typed as a number is read back as 1001.0
    text = str(value).strip()
    return text or None


def _row_rules(
    table: _Table,
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


# --------------------------------------------------------------------------- duplicates


def _find_duplicates(
    table: _Table,
    checks: dict[str, list[FieldCheck]],
    config: Config,
    problems: list[Problem],
    lang: str,
) -> list[DuplicateGroup]:
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
                "reasons": reason_names(group.reasons, lang),
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


# --------------------------------------------------------------------------- orders


@dataclass(slots=True)
class _TableKey:
    """What an orders / interactions frame is computed from; compared with ``==``, cheapest
    parts first. The cells' types are part of it: ``1 == 1.0 == True``, but they are not the
    same cell."""

    role: str
    as_of: dt.date
    lang: str
    may_have_errors: bool
    info: TableInfo
    config: Config
    rows: list[int]
    raw: dict[str, list[object]]
    types: dict[str, list[type]]

    @classmethod
    def of(cls, table: _Table, config: Config, as_of: dt.date, lang: str) -> _TableKey | None:
        """The key of ``table`` (the same key object for the same table object); None in a
        one-shot process, which never asks again (the key's cell types alone took ~0.09 s for
        300 000 orders)."""
        if leaving_to_exit():
            return None
        by_table = (Same(table), config, as_of, lang)
        found = _KEY_OF_TABLE.get(by_table)
        if found is None:
            found = _KEY_OF_TABLE.put(by_table, cls._of(table, config, as_of, lang))
        return found

    @classmethod
    def _of(cls, table: _Table, config: Config, as_of: dt.date, lang: str) -> _TableKey:
        types = {f: typed(values) for f, values in table.raw.items()}
        return cls(
            table.info.role,
            as_of,
            lang,
            table.may_have_errors,
            table.info,
            config,
            table.rows,
            table.raw,
            types,
        )


@dataclass(frozen=True, slots=True)
class _Frame:
    frame: pd.DataFrame  # never modified once made: later passes share it
    problems: tuple[Problem, ...]  # of the table's own cells
    ids: list[str | None]


_FRAMES: Recent[_TableKey, _Frame] = Recent(2 * RECENT_SLOTS)
register(_FRAMES.clear)
_KEY_OF_TABLE: Recent[tuple[Same, Config, dt.date, str], _TableKey] = Recent(2 * RECENT_SLOTS)
register(_KEY_OF_TABLE.clear)


def _validated(
    table: _Table, config: Config, as_of: dt.date, lang: str
) -> tuple[list[Problem], dict[str, list[FieldCheck]], list[str | None], list[object]]:
    """An orders / interactions table's problems, checks, client IDs and dates."""
    found: list[Problem] = []
    checks = _validate_table(table, config, as_of, found, [], lang)
    ids = _normalise_ids(table.raw["client_id"], len(table.rows))
    dates: list[object] = (
        [c.normalized for c in checks["date"]] if "date" in checks else [None] * len(ids)
    )
    return found, checks, ids, dates


def _orders_frame(
    table: _Table | None,
    config: Config,
    as_of: dt.date,
    known_ids: set[str],
    problems: list[Problem],
    fixes: list[Fix],
    lang: str,
) -> pd.DataFrame:
    import pandas as pd

    if table is None or "client_id" not in table.raw:
        return pd.DataFrame(
            {
                "client_id": pd.Series([], dtype=object),
                "date": pd.Series([], dtype=object),
                "amount": pd.Series([], dtype=float),
            }
        )
    key = _TableKey.of(table, config, as_of, lang)
    known = _FRAMES.get(key) if key is not None else None
    if known is None:
        found, checks, ids, dates = _validated(table, config, as_of, lang)
        amounts = (
            [c.normalized if c.normalized is not None else math.nan for c in checks["amount"]]
            if "amount" in checks
            else [math.nan] * len(ids)
        )
        frame = pd.DataFrame(
            {
                "client_id": pd.Series(ids, dtype=object),
                "date": pd.Series(dates, dtype=object),
                "amount": pd.Series(amounts, dtype=float),
                # the same dates as datetime64, converted once for segments and lapsed regulars
                "day": pd.to_datetime(pd.Series(dates, dtype=object)),
            }
        )
        known = _Frame(frame, tuple(found), ids)
        if key is not None:
            _FRAMES.put(key, known)
    problems.extend(known.problems)
    _unknown_clients(table, known.ids, known_ids, problems, lang)
    return known.frame


def _interactions_frame(
    table: _Table | None,
    config: Config,
    as_of: dt.date,
    problems: list[Problem],
    fixes: list[Fix],
    lang: str,
) -> pd.DataFrame:
    import pandas as pd

    if table is None or "client_id" not in table.raw:
        return pd.DataFrame(
            {"client_id": pd.Series([], dtype=object), "date": pd.Series([], dtype=object)}
        )
    key = _TableKey.of(table, config, as_of, lang)
    known = _FRAMES.get(key) if key is not None else None
    if known is None:
        found, _, ids, dates = _validated(table, config, as_of, lang)
        frame = pd.DataFrame(
            {"client_id": pd.Series(ids, dtype=object), "date": pd.Series(dates, dtype=object)}
        )
        if "kind" in table.raw:
            frame["kind"] = pd.Series([_normalise_id(k) for k in table.raw["kind"]], dtype=object)
        known = _Frame(frame, tuple(found), ids)
        if key is not None:
            _FRAMES.put(key, known)
    problems.extend(known.problems)
    return known.frame


@dataclass(frozen=True, slots=True)
class _Unknown:
    ids: frozenset[str]  # the named client IDs the clients sheet lacked
    problems: list[Problem]


# The client IDs that orders / interactions name (by the very frames), and per table of
# orders the last IDs found unknown with their problems: a daemon's pass over a workbook
# whose orders did not change looks up only the distinct IDs, not 300 000 rows.
_REFERENCED: Recent[tuple[Same, Same], frozenset[str]] = Recent()
_NAMED: Recent[Same, frozenset[str]] = Recent(2 * RECENT_SLOTS)
_UNKNOWN: Recent[tuple[Same, str], _Unknown] = Recent(2 * RECENT_SLOTS)
register(_REFERENCED.clear)
register(_NAMED.clear)
register(_UNKNOWN.clear)


def _unknown_clients(
    table: _Table, ids: list[str | None], known_ids: set[str], problems: list[Problem], lang: str
) -> None:
    """Rows of ``table`` (orders or interactions, whose client IDs are ``ids``) without a
    client ID, or naming one the clients sheet lacks."""
    if not remembering_rows():
        problems.extend(_unknown_rows(table, ids, known_ids, lang))
        return
    named = _NAMED.get(Same(ids))
    if named is None:
        named = _NAMED.put(Same(ids), frozenset(filter(None, ids)))
    unknown = named - known_ids
    # (the IDs are those of the orders frame's memo, which holds the table's rows and layout
    # too: the same IDs object, the same table)
    key = (Same(ids), lang)
    last = _UNKNOWN.get(key)
    if last is None or last.ids != unknown:
        last = _UNKNOWN.replace(key, _Unknown(unknown, _unknown_rows(table, ids, known_ids, lang)))
    problems.extend(last.problems)


def _unknown_rows(
    table: _Table, ids: list[str | None], known_ids: set[str], lang: str
) -> list[Problem]:
    problems: list[Problem] = []
    info = table.info
    col = info.field_columns["client_id"]
    header = info.headers[col - 1]
    for row, id_ in zip(table.rows, ids, strict=True):
        if id_ is None:
            code, severity = "required.missing", "error"
        elif id_ not in known_ids:
            code, severity = "order.unknown_client", "warning"
        else:
            continue
        problems.append(
            Problem(
                info.sheet,
                row,
                header,
                "client_id",
                code,
                severity,  # type: ignore[arg-type]
                message(code, lang),
                None,
                col,
            )
        )
    return problems


# --------------------------------------------------------------------------- records


# Rows whose inputs changed, past which a pass makes every record anew (a first write, a new
# order: most rows change anyway).
MOST_CHANGED = 0.25


@dataclass(frozen=True, slots=True)
class _Made:
    """The client records of a workbook's last pass, and what they were made from."""

    context: tuple[object, ...]
    rows: list[int]
    raw: dict[str, list[object]]
    segments: list[SegmentRow]
    groups: list[int | None]
    records: list[ClientRecord]


_MADE: Recent[str, _Made] = Recent()
register(_MADE.clear)


def _client_records(
    source: str,
    clients: _Table,
    ids: list[str | None],
    history: _History,
    duplicates: list[DuplicateGroup],
    checks: dict[str, list[FieldCheck]],
    facts: ClientFacts,
    config: Config,
    as_of: dt.date,
) -> list[ClientRecord]:
    """A record per client row: segments, duplicate group, contacts, enrichment.

    A long-lived process (the daemon) makes records anew only for the rows whose inputs
    changed since its last pass over the workbook; the other rows keep the very records of
    that pass (nothing changes a record once its pass has made it). A record is made of its
    row's cells (validated with the same settings: the config is in the context), its
    segments (the history's memo hands out the very tuples while the orders are the same),
    its duplicate group and its row number; enrichment adds the rhythm of its ID, which the
    orders and interactions frames pin (the very objects, in the context too)."""
    group_of = {row: g.group for g in duplicates for row in g.rows}
    groups = list(map(group_of.get, clients.rows))
    frames = history.frames
    context: tuple[object, ...] | None = (
        (Same(frames[0]), Same(frames[1]), config, as_of)
        if frames is not None and remembering_rows()
        else None
    )
    last = _MADE.get(source) if context is not None else None
    todo = _changed(last, context, clients, history.segments, groups) if last else None
    if last is None or todo is None:
        records = _records(clients.rows, ids, history.segments, groups)
        _attach_contacts(records, checks)
        _enrich(records, facts, history, config, as_of)
    else:
        common = min(len(clients.rows), len(last.records))
        records = last.records[:common]
        if todo:

            def pick(values: Sequence[T]) -> list[T]:
                return [values[i] for i in todo]

            made = _records(pick(clients.rows), pick(ids), pick(history.segments), pick(groups))
            _attach_contacts(made, {field: pick(column) for field, column in checks.items()})
            _enrich(made, _facts_at(facts, todo), history, config, as_of)
            edited = len(todo) - (len(clients.rows) - common)  # the rest are past the end
            for i, rec in zip(todo[:edited], made, strict=False):
                records[i] = rec
            records += made[edited:]
    if context is not None:
        _MADE.replace(
            source, _Made(context, clients.rows, clients.raw, history.segments, groups, records)
        )
    return records


def _changed(
    last: _Made,
    context: tuple[object, ...] | None,
    clients: _Table,
    segments: list[SegmentRow],
    groups: list[int | None],
) -> list[int] | None:
    """The positions of the rows whose records must be made anew (rows past the last pass's
    end included); None when the context changed or too many did."""
    if last.context != context or last.raw.keys() != clients.raw.keys():
        return None
    n = len(clients.rows)
    common = min(n, len(last.rows))
    limit = n * MOST_CHANGED
    at = set(compress(range(common), map(operator.ne, clients.rows, last.rows)))
    at.update(compress(range(common), map(operator.ne, groups, last.groups)))
    at.update(compress(range(common), map(operator.is_not, segments, last.segments)))
    for field, column in clients.raw.items():
        at.update(_differing(column, last.raw[field]))
        if len(at) > limit:
            return None
    todo = sorted(at)
    todo += range(common, n)
    return todo if len(todo) <= limit else None


def _records(
    rows: list[int],
    ids: list[str | None],
    segments: list[SegmentRow],
    groups: list[int | None],
) -> list[ClientRecord]:
    return [
        ClientRecord(
            row=row,
            id=id_,
            revenue=revenue,
            orders=orders,
            last_order=last,
            r=r,
            f=f,
            m=m,
            rfm_segment=segment,
            abc=abc,
            xyz=xyz,
            vip=vip,
            temperature=temperature,
            duplicate_group=group,
            extra={"recency_days": recency, "xyz_cv": cv, "orders_365": recent},
        )
        for row, id_, group, (
            revenue,
            orders,
            last,
            r,
            f,
            m,
            segment,
            abc,
            xyz,
            vip,
            temperature,
            recency,
            cv,
            recent,
        ) in zip(rows, ids, groups, segments, strict=True)
    ]


@dataclass(frozen=True, slots=True)
class _Marked:
    """The city and stale problems of a workbook's last pass, per record position."""

    context: tuple[object, ...]
    records: list[ClientRecord]
    problems: dict[int, list[Problem]]


_MARKED: Recent[str, _Marked] = Recent()
register(_MARKED.clear)


def _marketing(
    source: str,
    table: _Table,
    facts: ClientFacts,
    records: list[ClientRecord],
    config: Config,
    problems: list[Problem],
) -> Callable[[ClientRecord], list[str]]:
    """City and stale problems, and the reasons (issue 7), of enriched records.

    A record kept from the daemon's last pass (the very object, see :func:`_client_records`)
    has the problems it had then, where the sheet's layout and the settings are the same."""
    lang = config.language
    info = table.info
    stale_field = next((f for f in ("verified", "added") if f in info.field_columns), None)
    city_col = info.field_columns.get("city")
    stale_days = str(config.segments.stale_days)

    def found(i: int) -> list[Problem]:
        rec, raw_city = records[i], facts.cities[i]
        out = []
        if stale_field and rec.extra.get("stale"):
            col = info.field_columns[stale_field]
            out.append(
                Problem(
                    info.sheet,
                    rec.row,
                    info.headers[col - 1],
                    stale_field,
                    "stale",
                    "info",
                    message("stale", lang, {"days": stale_days}),
                    None,
                    col,
                )
            )
        canonical = rec.extra.get("city")
        if city_col and isinstance(raw_city, str) and canonical and raw_city != canonical:
            out.append(
                Problem(
                    info.sheet,
                    rec.row,
                    info.headers[city_col - 1],
                    "city",
                    "city.fixed",
                    "info",
                    message("city.fixed", lang, {"suggestion": str(canonical)}),
                    str(canonical),
                    city_col,
                )
            )
        return out

    n = len(records)
    context = (info.sheet, info.headers, info.field_columns, lang, stale_days)
    last = _MARKED.get(source) if remembering_rows() else None
    todo: Iterable[int] = range(n)
    by_position: dict[int, list[Problem]] = {}
    if last is not None and last.context == context:
        common = min(n, len(last.records))
        changed = list(compress(range(common), map(operator.is_not, records, last.records)))
        if len(changed) + n - common <= n * MOST_CHANGED:
            gone = set(changed)
            by_position = {i: ps for i, ps in last.problems.items() if i < common and i not in gone}
            todo = [*changed, *range(common, n)]
    for i in todo:
        if made := found(i):
            by_position[i] = made
    for i in sorted(by_position):
        problems.extend(by_position[i])
    if remembering_rows():
        _MARKED.replace(source, _Marked(context, records, by_position))
    return explainer(mean_buyer_revenue(records), config.segments, lang)


def _client_facts(table: _Table, checks: dict[str, list[FieldCheck]], n: int) -> ClientFacts:
    """The client rows' facts as enrichment reads them (normalised values where checked)."""

    def normalized(field: str) -> list[object]:
        return _normalized(checks, field, n)

    names = normalized("name")
    if "name" not in checks:
        parts = [normalized(f) for f in ("last_name", "first_name", "middle_name")]
        names = [" ".join(str(p) for p in row if p) or None for row in zip(*parts, strict=True)]
    verified = [v or a for v, a in zip(normalized("verified"), normalized("added"), strict=True)]
    return ClientFacts(
        names,
        normalized("birthday"),
        table.raw.get("city", [None] * n),
        table.raw.get("gender", [None] * n),
        normalized("consent"),
        verified,
        normalized("consent_date") if "consent_date" in checks else (),
    )


# the record's own keys before enrichment (set by _records)
_SEGMENT_EXTRA = frozenset(("recency_days", "xyz_cv", "orders_365"))
_RHYTHM: Recent[tuple[Same, Same, SegmentsConfig, dt.date], RhythmByID] = Recent()
_ENRICHED = RowMemos()
register(_RHYTHM.clear)
register(_ENRICHED.clear)


def _enrich(
    records: list[ClientRecord],
    facts: ClientFacts,
    history: _History,
    config: Config,
    as_of: dt.date,
) -> None:
    """``marketing.enrich_rows``, redone only for rows whose inputs an earlier pass did not see.

    A record's enrichment depends on its row of ``facts``, its own fields and the rhythm
    (lapse, contact history) of its ID; the rhythm on the orders and interactions, which the
    context pins (the very frame objects, the settings, the date, the language).
    """
    cfg = config.segments
    lapses, contacts = history.rhythm
    memo = (
        None
        if history.frames is None
        else _ENRICHED.memo((*_rhythm_context(*history.frames, config, as_of), config.language))
    )
    if memo is None:
        enrich_rows(
            records,
            facts,
            lapses,
            contacts,
            cfg,
            as_of,
            cfg.rules,
            config.language,
            history.personal,  # a worker's (of the same rows), or None: computed there
        )
        return
    consent_dates = facts.consent_dates or (None,) * len(records)
    keys = [
        (
            rec.id,
            rec.phone,
            rec.email,
            rec.vip,
            rec.temperature,
            rec.revenue,
            rec.orders,
            rec.last_order,
            rec.r,
            rec.f,
            rec.m,
            rec.rfm_segment,
            rec.abc,
            rec.xyz,
            rec.extra["recency_days"],
            # each value with its type: 1, 1.0 and True are equal keys, not equal cells
            type(name),
            name,
            type(birthday),
            birthday,
            type(city),
            city,
            type(gender),
            gender,
            type(consent),
            consent,
            type(verified),
            verified,
            type(consent_date),
            consent_date,
        )
        for rec, name, birthday, city, gender, consent, verified, consent_date in zip(
            records,
            facts.names,
            facts.birthdays,
            facts.cities,
            facts.staff_genders,
            facts.consents,
            facts.verified,
            consent_dates,
            strict=True,
        )
    ]
    misses: list[int] = []
    for i, (rec, key) in enumerate(zip(records, keys, strict=True)):
        known = cast(_Enriched | None, memo.get(key))
        if known is None:
            misses.append(i)
            continue
        extra = rec.extra
        extra.update(known.values)
        for k in known.containers:  # never shared between passes
            extra[k] = _copied(known.values[k])
    if not misses:
        return
    todo = [records[i] for i in misses]

    subset = _facts_at(facts, misses)
    enrich_rows(todo, subset, lapses, contacts, cfg, as_of, cfg.rules, config.language)
    if len(memo) + len(misses) > ROW_MEMO_LIMIT:
        memo.clear()
    for i, rec in zip(misses, todo, strict=True):
        values = {k: _copied(v) for k, v in rec.extra.items() if k not in _SEGMENT_EXTRA}
        containers = tuple(k for k, v in values.items() if isinstance(v, list | dict))
        memo[keys[i]] = _Enriched(values, containers)


def _facts_at(facts: ClientFacts, positions: list[int]) -> ClientFacts:
    """The facts of the rows at ``positions``, in that order."""

    def some(values: Sequence[object]) -> list[object]:
        return [values[i] for i in positions] if values else []  # (no consent dates: ())

    return ClientFacts(
        some(facts.names),
        some(facts.birthdays),
        some(facts.cities),
        some(facts.staff_genders),
        some(facts.consents),
        some(facts.verified),
        some(facts.consent_dates),
    )


def _rhythm_context(
    orders: pd.DataFrame, interactions: pd.DataFrame, config: Config, as_of: dt.date
) -> tuple[Same, Same, SegmentsConfig, dt.date]:
    return (Same(orders), Same(interactions), config.segments, as_of)


@dataclass(frozen=True, slots=True)
class _Enriched:
    """What enrichment added to a record's extras; ``containers`` name the lists and dicts
    (flags, interaction counts, rule columns), copied for each record that reuses them."""

    values: dict[str, object]
    containers: tuple[str, ...]


def _copied(value: object) -> object:
    """``value``, with a list or dict (of lists) copied so that nothing is shared."""
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return {a: list(b) if isinstance(b, list) else b for a, b in value.items()}
    return value


def _normalized(checks: dict[str, list[FieldCheck]], field: str, n: int) -> list[object]:
    """The normalised value of ``field`` per row (``None`` throughout without that field)."""
    return [c.normalized for c in checks[field]] if field in checks else [None] * n


def _client_phones(checks: dict[str, list[FieldCheck]], n: int) -> list[object]:
    """Each row's phone: the first phone column's number, else the second's."""
    first, second = (_normalized(checks, f, n) for f in PHONE_FIELDS)
    return [p or p2 for p, p2 in zip(first, second, strict=True)]


def _look_up_places(checks: dict[str, list[FieldCheck]], n: int, lang: str) -> None:
    """Fill ``phone_place``'s memory for the phones enrichment will ask about."""
    for phone in _client_phones(checks, n):
        if isinstance(phone, str):
            phone_place(phone, lang)


def _attach_contacts(records: list[ClientRecord], checks: dict[str, list[FieldCheck]]) -> None:
    n = len(records)
    names, emails, consents = (_normalized(checks, f, n) for f in ("name", "email", "consent"))
    phones = _client_phones(checks, n)
    for rec, name, phone, email, consent in zip(
        records, names, phones, emails, consents, strict=True
    ):
        rec.name = name if isinstance(name, str) else None
        rec.phone = phone if isinstance(phone, str) else None
        rec.email = email if isinstance(email, str) else None
        rec.consent = consent if isinstance(consent, bool) else None
