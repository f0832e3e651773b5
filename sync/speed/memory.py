"""A long-lived process's memory of its earlier passes: :class:`PassMemory`, the stages of
:mod:`sync.core.stages` redone only for what changed since the last pass over a workbook.

The daemon and the buttons' server each own one ``PassMemory`` and hand it to every pass
(staff edit a row or two and save: the next pass over that workbook redoes those rows). Each
stage here has the signature of the reference stage it replaces, and returns what that stage
returns; ``tests/test_incremental.py`` and the both-implementations fixture check it.

Every memo is keyed by what its result is computed from: the config and the date as whole
objects, the sheet's layout, the cells (by identity, else value *and* type: ``1``, ``1.0``
and ``True`` are equal in Python but are not the same cell), the frames of orders and
interactions by identity (the frame memo hands out the very objects while their sheets are
unchanged). Sizes are bounded; a memo that outgrows its bound starts afresh.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from itertools import compress
from typing import TYPE_CHECKING, TypeVar

from sync.core import history as hist
from sync.core import records as rec
from sync.core.config import Config, SegmentsConfig, SheetConfig
from sync.core.marketing import ClientFacts, RhythmByID, enrich_rows, mean_buyer_revenue
from sync.core.model import ClientRecord, DuplicateGroup, Fix, Problem, SegmentRow, SheetGrid
from sync.core.segments import as_rows, compute_segments
from sync.core.stages import Stages
from sync.core.tables import Table
from sync.core.validation import Checked, check_field, collect
from sync.speed.incremental import RECENT_SLOTS, ROW_MEMO_LIMIT, Recent, Same, typed
from validators.base import FieldCheck

if TYPE_CHECKING:
    import pandas as pd

K = TypeVar("K")
T = TypeVar("T")

# Rows whose inputs changed, past which a stage redoes every row (a first write, a new order:
# most rows change anyway).
MOST_CHANGED = 0.25


@dataclass(frozen=True, slots=True)
class _Validated:
    """The clients table's validation in a workbook's last pass."""

    context: tuple[object, ...]
    rows: list[int]
    fields: dict[str, Checked]


@dataclass(slots=True)
class _TableKey:
    """What an orders / interactions frame is made from; compared with ``==``, cheapest parts
    first. The cells' types are part of it: ``1 == 1.0 == True``, but they are not the same
    cell."""

    role: str
    as_of: dt.date
    may_have_errors: bool
    info: object
    config: Config
    rows: list[int]
    raw: dict[str, list[object]]
    types: dict[str, list[type]]


@dataclass(frozen=True, slots=True)
class _Unknown:
    ids: frozenset[str]  # the named client IDs the clients sheet lacked
    problems: list[Problem]


@dataclass(frozen=True, slots=True)
class _Known:
    relevant: frozenset[str]  # IDs that appear in the orders or interactions
    present: frozenset[str]  # those of them the workbook's client rows carried
    per_id: dict[str, SegmentRow]
    default: SegmentRow  # a row whose ID has no orders or interactions (or no ID)


@dataclass(frozen=True, slots=True)
class _Made:
    """The client records of a workbook's last pass, and what they were made from."""

    context: tuple[object, ...]
    rows: list[int]
    raw: dict[str, list[object]]
    segments: list[SegmentRow]
    groups: list[int | None]
    records: list[ClientRecord]


@dataclass(frozen=True, slots=True)
class _Marked:
    """The city and stale problems of a workbook's last pass, per record position."""

    context: tuple[object, ...]
    records: list[ClientRecord]
    problems: dict[int, list[Problem]]


@dataclass(frozen=True, slots=True)
class _Enriched:
    """What enrichment added to a record's extras; ``containers`` name the lists and dicts
    (flags, interaction counts, rule columns), copied for each record that reuses them."""

    values: dict[str, object]
    containers: tuple[str, ...]


# the record's own keys before enrichment (set by records.make_records)
_SEGMENT_EXTRA = frozenset(("recency_days", "xyz_cv", "orders_365"))


class PassMemory(Stages):
    """The stages, remembering the last passes over the last few workbooks."""

    def __init__(self) -> None:
        slots = 2 * RECENT_SLOTS  # orders and interactions of each workbook
        self._extracted: Recent[tuple[Same, SheetConfig, str], Table] = Recent(slots)
        self._validated: Recent[str, _Validated] = Recent()
        self._key_of_table: Recent[tuple[Same, Config, dt.date], _TableKey] = Recent(slots)
        self._frames: Recent[_TableKey, hist.Frame] = Recent(slots)
        self._named: Recent[Same, frozenset[str]] = Recent(slots)
        self._unknown: Recent[tuple[Same, str], _Unknown] = Recent(slots)
        self._known: Recent[tuple[Same, Same, SegmentsConfig, dt.date], _Known] = Recent()
        self._rhythm: Recent[tuple[Same, Same, SegmentsConfig, dt.date], RhythmByID] = Recent()
        self._referenced: Recent[tuple[Same, Same], frozenset[str]] = Recent()
        self._made: Recent[str, _Made] = Recent()
        self._marked: Recent[str, _Marked] = Recent()
        self._enriched: Recent[Hashable, dict[Hashable, _Enriched]] = Recent()
        self._explained: Recent[tuple[float, Config], dict[Hashable, tuple[str, ...]]] = Recent()

    # ------------------------------------------------------------------ tables and validation

    def extract(self, grid: SheetGrid, sheet_cfg: SheetConfig, source: str) -> Table:
        # the read hands back the very grid of a sheet that did not change
        key = (Same(grid), sheet_cfg, source)
        make = super().extract
        return self._extracted.get_or_make(key, lambda: make(grid, sheet_cfg, source))

    def validate_clients(
        self,
        table: Table,
        config: Config,
        as_of: dt.date,
        problems: list[Problem],
        fixes: list[Fix],
        source: str,
    ) -> dict[str, list[FieldCheck]]:
        """A field whose cells are those of the last pass over the workbook but for a few rows
        (the very cell objects, else equal values of one type; the same row numbers, layout
        and settings) is checked again only at those rows: validators judge each value
        alone."""
        info = table.info
        context: tuple[object, ...] = (config, as_of, info.sheet, info.headers)
        context += (info.field_columns, table.may_have_errors)
        last = self._validated.get(source)
        if last is not None and last.context != context:
            last = None
        n = len(table.rows)
        moved: set[int] = set()
        if last is not None:
            moved = set(compress(range(n), map(operator.ne, table.rows, last.rows)))
        fields: dict[str, Checked] = {}
        for field, values in table.raw.items():
            old = last.fields.get(field) if last is not None else None
            todo = _changed_values(values, old.values, moved) if old is not None else None
            done = check_field(table, field, values, todo, config, as_of, config.language)
            if old is not None and todo is not None:
                done = _patched(old, done, todo)
            fields[field] = done
        self._validated.replace(source, _Validated(context, table.rows, fields))
        return collect(fields, problems, fixes)

    # ------------------------------------------------------------------ history and segments

    def _frame_key(self, table: Table, config: Config, as_of: dt.date) -> _TableKey:
        """The key of ``table``'s frame (the same key object for the same table object)."""

        def made() -> _TableKey:
            types = {f: typed(values) for f, values in table.raw.items()}
            return _TableKey(table.info.role, as_of, table.may_have_errors, table.info, config,
                             table.rows, table.raw, types)  # fmt: skip

        return self._key_of_table.get_or_make((Same(table), config, as_of), made)

    def _frame(
        self, table: Table | None, config: Config, as_of: dt.date, orders: bool
    ) -> hist.Frame:
        make = super().orders_frame if orders else super().interactions_frame
        if table is None or not hist.has_client_ids(table):
            return make(table, config, as_of)
        key = self._frame_key(table, config, as_of)
        return self._frames.get_or_make(key, lambda: make(table, config, as_of))

    def orders_frame(self, table: Table | None, config: Config, as_of: dt.date) -> hist.Frame:
        return self._frame(table, config, as_of, orders=True)

    def interactions_frame(self, table: Table | None, config: Config, as_of: dt.date) -> hist.Frame:
        return self._frame(table, config, as_of, orders=False)

    def unknown_clients(
        self, table: Table, ids: list[str | None], known_ids: set[str], lang: str
    ) -> list[Problem]:
        """Looked up by the distinct IDs the orders name (the very IDs list of the frame memo,
        which holds the table's rows and layout too); the rows again only when those IDs that
        are unknown changed."""
        named = self._named.get(Same(ids))
        if named is None:
            named = self._named.put(Same(ids), frozenset(filter(None, ids)))
        unknown = named - known_ids
        key = (Same(ids), lang)
        last = self._unknown.get(key)
        if last is None or last.ids != unknown:
            found = super().unknown_clients(table, ids, known_ids, lang)
            last = self._unknown.replace(key, _Unknown(unknown, found))
        return list(last.problems)

    def segments(
        self,
        ids: list[str | None],
        orders: pd.DataFrame,
        interactions: pd.DataFrame,
        cfg: SegmentsConfig,
        as_of: dt.date,
    ) -> list[SegmentRow]:
        """An ID's values depend only on the orders and interactions, the settings, the date
        and which of the IDs in the orders / interactions the workbook holds; when all of that
        is what an earlier call saw, its values are reused, and IDs without orders get the
        values of a client without them. The very tuples are handed out again, so that an
        unchanged row's segments are unchanged by identity."""
        key = (Same(orders), Same(interactions), cfg, as_of)
        unique = {i for i in ids if i is not None}
        known = self._known.get(key)
        if known is not None and frozenset(unique & known.relevant) == known.present:
            per_id, default = known.per_id, known.default
            return [default if i is None else per_id.get(i, default) for i in ids]
        rows = as_rows(compute_segments([*ids, None], orders, interactions, cfg, as_of))
        default = rows.pop()
        relevant = {i for i in orders["client_id"] if i is not None}
        relevant.update(i for i in interactions["client_id"] if i is not None)
        per_id = {i: row for i, row in zip(ids, rows, strict=True) if i is not None}
        self._known.put(key, _Known(frozenset(relevant), frozenset(unique & relevant), per_id,
                                    default))  # fmt: skip
        return [default if i is None else per_id[i] for i in ids]

    def rhythm(
        self, orders: pd.DataFrame, interactions: pd.DataFrame, cfg: SegmentsConfig,
        as_of: dt.date,
    ) -> RhythmByID:  # fmt: skip
        key = (Same(orders), Same(interactions), cfg, as_of)
        make = super().rhythm
        return self._rhythm.get_or_make(key, lambda: make(orders, interactions, cfg, as_of))

    def referenced(self, orders: pd.DataFrame, interactions: pd.DataFrame) -> frozenset[str]:
        key = (Same(orders), Same(interactions))
        make = super().referenced
        return self._referenced.get_or_make(key, lambda: make(orders, interactions))

    # ------------------------------------------------------------------ records

    def explainer(
        self, records: list[ClientRecord], config: Config
    ) -> Callable[[ClientRecord], list[str]]:
        """Each distinct input formatted once: a pass explains thousands of VIP, hot and
        lapsed clients for their notes, and the next pass the same ones again."""
        plain = super().explainer(records, config)
        key = (mean_buyer_revenue(records), config)
        memo = self._explained.get(key)
        if memo is None:
            memo = self._explained.put(key, {})
        elif len(memo) > ROW_MEMO_LIMIT:
            memo.clear()

        def explain(record: ClientRecord) -> list[str]:
            inputs = _inputs(record)
            try:
                found = memo.get(inputs)
            except TypeError:  # an input that does not hash (not one enrichment makes)
                return plain(record)
            if found is None:
                found = memo[inputs] = tuple(plain(record))
            return list(found)

        return explain

    def client_records(
        self,
        source: str,
        clients: Table,
        ids: list[str | None],
        history: hist.History,
        duplicates: list[DuplicateGroup],
        checks: dict[str, list[FieldCheck]],
        facts: ClientFacts,
        config: Config,
        as_of: dt.date,
    ) -> list[ClientRecord]:
        """Records made anew only for the rows whose inputs changed since the last pass over
        the workbook; the other rows keep the very records of that pass (nothing changes a
        record once its pass has made it). A record is made of its row's cells (validated
        with the same config: in the context), its segments (handed out as the very tuples
        while the orders are the same), its duplicate group and its row number; enrichment
        adds the rhythm of its ID, which the frames pin (in the context too)."""
        groups = rec.duplicate_of(clients, duplicates)
        frames = history.frames
        if frames is None:  # (made elsewhere: nothing pins the rhythm)
            return super().client_records(
                source, clients, ids, history, duplicates, checks, facts, config, as_of
            )
        context = (Same(frames[0]), Same(frames[1]), config, as_of)
        last = self._made.get(source)
        todo = _changed(last, context, clients, history.segments, groups) if last else None
        if last is None or todo is None:
            records = rec.make_records(clients.rows, ids, history.segments, groups)
            rec.attach_contacts(records, checks)
            self._enrich(records, facts, history, config, as_of)
        else:
            common = min(len(clients.rows), len(last.records))
            records = last.records[:common]
            if todo:

                def pick(values: Sequence[T]) -> list[T]:
                    return [values[i] for i in todo]

                made = rec.make_records(
                    pick(clients.rows), pick(ids), pick(history.segments), pick(groups)
                )
                rec.attach_contacts(made, {f: pick(column) for f, column in checks.items()})
                self._enrich(made, rec.facts_at(facts, todo), history, config, as_of)
                edited = len(todo) - (len(clients.rows) - common)  # the rest are past the end
                for i, record in zip(todo[:edited], made, strict=False):
                    records[i] = record
                records += made[edited:]
        self._made.replace(
            source, _Made(context, clients.rows, clients.raw, history.segments, groups, records)
        )
        return records

    def _enrich(
        self,
        records: list[ClientRecord],
        facts: ClientFacts,
        history: hist.History,
        config: Config,
        as_of: dt.date,
    ) -> None:
        """Enrichment redone only for rows whose inputs an earlier pass did not see: a
        record's enrichment depends on its row of ``facts``, its own fields and the rhythm of
        its ID, which the context pins (the very frames, the config, the date)."""
        assert history.frames is not None
        lapses, contacts = history.rhythm
        cfg = config.segments
        memo = self._row_memo((Same(history.frames[0]), Same(history.frames[1]), config, as_of))
        keys = list(_enrichment_keys(records, facts))
        misses: list[int] = []
        for i, (record, key) in enumerate(zip(records, keys, strict=True)):
            known = memo.get(key)
            if known is None:
                misses.append(i)
                continue
            extra = record.extra
            extra.update(known.values)
            for k in known.containers:  # never shared between passes
                extra[k] = _copied(known.values[k])
        if not misses:
            return
        todo = [records[i] for i in misses]
        subset = rec.facts_at(facts, misses)
        enrich_rows(todo, subset, lapses, contacts, cfg, as_of, cfg.rules, config.language)
        if len(memo) + len(misses) > ROW_MEMO_LIMIT:
            memo.clear()
        for i, record in zip(misses, todo, strict=True):
            values = {k: _copied(v) for k, v in record.extra.items() if k not in _SEGMENT_EXTRA}
            containers = tuple(k for k, v in values.items() if isinstance(v, list | dict))
            memo[keys[i]] = _Enriched(values, containers)

    def _row_memo(self, context: Hashable) -> dict[Hashable, _Enriched]:
        found = self._enriched.get(context)
        if found is None:
            found = self._enriched.put(context, {})
        elif len(found) > ROW_MEMO_LIMIT:
            found.clear()  # start afresh (in place: no second, stale entry for the context)
        return found

    def record_problems(
        self,
        source: str,
        table: Table,
        facts: ClientFacts,
        records: list[ClientRecord],
        config: Config,
    ) -> list[Problem]:
        """A record kept from the last pass (the very object, see :meth:`client_records`) has
        the problems it had then, where the sheet's layout and the config are the same."""
        info = table.info
        n = len(records)
        context = (info.sheet, info.headers, info.field_columns, config)
        last = self._marked.get(source)
        todo: Sequence[int] = range(n)
        by_position: dict[int, list[Problem]] = {}
        if last is not None and last.context == context:
            common = min(n, len(last.records))
            changed = list(compress(range(common), map(operator.is_not, records, last.records)))
            if len(changed) + n - common <= n * MOST_CHANGED:
                gone = set(changed)
                by_position = {
                    i: ps for i, ps in last.problems.items() if i < common and i not in gone
                }
                todo = [*changed, *range(common, n)]
        by_position.update(rec.record_problems(table, facts, records, config, todo))
        self._marked.replace(source, _Marked(context, records, by_position))
        return [p for i in sorted(by_position) for p in by_position[i]]


_ABSENT = ("absent",)  # an extra the record does not have (not None: that is a value)


def _inputs(rec: ClientRecord) -> tuple[object, ...]:
    """Everything of ``rec`` that ``explain.reasons`` reads, each formatted value with its
    type (``1``, ``1.0`` and ``True`` are equal but print differently)."""
    x = rec.extra

    def typed(key: str) -> tuple[type, object]:
        value = x.get(key, _ABSENT)
        return type(value), value

    return (
        rec.vip,
        type(rec.revenue),
        rec.revenue,
        type(rec.orders),
        rec.orders,
        rec.temperature,
        (type(rec.r), rec.r, type(rec.f), rec.f, type(rec.m), rec.m),
        rec.xyz,
        typed("orders_365"),
        typed("days_since_contact"),
        typed("recency_days"),
        typed("xyz_cv"),
        bool(x.get("lapsed")),
        typed("lapse_expected_days"),
        typed("lapse_actual_days"),
        bool(x.get("stale")),
        "birthday" in (x.get("flags") or ()),  # type: ignore[operator]
        typed("days_to_birthday"),
    )


def _enrichment_keys(records: list[ClientRecord], facts: ClientFacts) -> Iterator[Hashable]:
    """Each record's enrichment inputs: its own fields and its row of facts, each value with
    its type (1, 1.0 and True are equal keys, not equal cells)."""
    consent_dates = facts.consent_dates or (None,) * len(records)
    for r, name, birthday, city, gender, consent, verified, consent_date in zip(
        records,
        facts.names,
        facts.birthdays,
        facts.cities,
        facts.staff_genders,
        facts.consents,
        facts.verified,
        consent_dates,
        strict=True,
    ):
        yield (
            r.id, r.phone, r.email, r.vip, r.temperature, r.revenue, r.orders, r.last_order,
            r.r, r.f, r.m, r.rfm_segment, r.abc, r.xyz, r.extra["recency_days"],
            type(name), name, type(birthday), birthday, type(city), city, type(gender), gender,
            type(consent), consent, type(verified), verified, type(consent_date), consent_date,
        )  # fmt: skip


def _copied(value: object) -> object:
    """``value``, with a list or dict (of lists) copied so that nothing is shared."""
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return {a: list(b) if isinstance(b, list) else b for a, b in value.items()}
    return value


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


def _patched(old: Checked, new: Checked, todo: list[int]) -> Checked:
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

    return Checked(
        new.values,
        result,
        rebased(old.errors, new.errors),
        rebased(old.findings, new.findings),
        rebased(old.fixes, new.fixes),
    )


def _changed(
    last: _Made,
    context: tuple[object, ...],
    clients: Table,
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
