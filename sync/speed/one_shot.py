"""A one-shot pass (``clientbase check`` / ``sync``) on two cores: :class:`OneShot`, the
stages of :mod:`sync.core.stages` with the history computed by a forked worker while the
clients are validated and deduplicated, and the pass's intermediates left to the process's end
(:mod:`sync.speed.lifetime`).

The worker computes the orders / interactions history, the segments and each client's rhythm,
and what the first part of the client rows says of the person (name parts, gender, age, city);
it sends them back in plain shapes that pickle fast. Any failure of the worker gives the
reference's history, computed here. Never in the daemon, whose threads make ``fork`` unsafe.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TypeGuard, TypeVar, cast

from sync.core.config import Config
from sync.core.geo import phone_place
from sync.core.history import History
from sync.core.lapsed import ContactHistory, Lapse
from sync.core.marketing import ClientFacts, PersonalRow, RhythmByID, personal_rows
from sync.core.model import Problem, SegmentRow
from sync.core.records import client_facts, client_phones
from sync.core.stages import PendingHistory, Stages
from sync.core.tables import Table
from sync.core.validation import validate_table
from sync.speed.forked import Ahead
from sync.speed.lifetime import keep
from validators.base import FieldCheck

R = TypeVar("R", SegmentRow, PersonalRow)

# Orders + interactions rows from which the history is worth a forked worker.
AHEAD_MIN_ROWS = 50_000


class OneShot(Stages):
    """The stages of a one-shot pass (see the module's docstring)."""

    def begin_history(
        self, tables: dict[str, Table], ids: list[str | None], config: Config, as_of: dt.date
    ) -> PendingHistory:
        big = sum(len(t.rows) for r, t in tables.items() if r != "clients") >= AHEAD_MIN_ROWS
        if not big:
            return super().begin_history(tables, ids, config, as_of)
        return _Forked(self, tables, ids, config, as_of)

    def release(self, *objects: object) -> None:
        keep(*objects)  # freeing millions of objects one by one buys a one-shot process nothing


class _Forked:
    """The history from a forked worker (the reference's, computed here, if that fails)."""

    def __init__(self, stages: Stages, tables: dict[str, Table], ids: list[str | None],
                 config: Config, as_of: dt.date) -> None:  # fmt: skip
        self._stages, self._args = stages, (tables, ids, config, as_of)
        clients = tables["clients"]
        self._split = int(len(ids) * WORKER_PERSONAL_SHARE)
        self._ahead = Ahead.start(
            lambda: _shipped(
                stages.history(tables, ids, config, as_of),
                _personal(clients, config, as_of, self._split),
            ),
            _is_shipped,
        )

    def result(self, checks: dict[str, list[FieldCheck]], facts: ClientFacts) -> History:
        _, ids, config, as_of = self._args
        if self._ahead is None:
            return self._stages.history(*self._args)
        # the worker has more to do: meanwhile look up the phones' places, which enrichment
        # would otherwise do after it, and make the rest of the personal rows
        for phone in client_phones(checks, len(ids)):
            if isinstance(phone, str):
                phone_place(phone, config.language)
        rest = personal_rows(facts, config.segments.age_groups, as_of, self._split)
        done = self._ahead.result()
        history = _received(done, len(ids), self._split, rest) if done is not None else None
        keep(done, rest)
        return history if history is not None else self._stages.history(*self._args)

    def cancel(self) -> None:
        if self._ahead is not None:
            self._ahead.cancel()


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


def _personal(clients: Table, config: Config, as_of: dt.date, stop: int) -> list[PersonalRow]:
    """:func:`marketing.personal_row` of the first ``stop`` client rows, from the table alone
    (name and birthday validated here exactly as the pass validates them): for a worker."""
    fields = {f: v[:stop] for f, v in clients.raw.items() if f in _PERSONAL_FIELDS}
    table = Table(clients.info, clients.rows[:stop], fields, clients.may_have_errors)
    checks = validate_table(table, config, as_of, [], [], config.language)
    facts = client_facts(table, checks, len(table.rows), config.segments.stale_from_added)
    return personal_rows(facts, config.segments.age_groups, as_of)


def _shipped(history: History, personal: list[PersonalRow]) -> _Shipped:
    return (
        history.problems,
        _as_columns(history.segments, _DATE_COLUMN),
        _plain_rhythm(history.rhythm),
        history.referenced,
        _as_columns(personal, _BIRTHDAY_COLUMN),
    )


# the rhythm as plain tuples: small dataclass objects pickle several times slower
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


def _as_rows(columns: list[list[object]], date_column: int, kind: type[R]) -> list[R]:
    if columns:
        columns[date_column] = [
            None if d is None else dt.date.fromordinal(cast(int, d)) for d in columns[date_column]
        ]
    return list(map(kind._make, zip(*columns, strict=True)))


def _is_shipped(found: object) -> TypeGuard[tuple[object, object, object, object, object]]:
    return isinstance(found, tuple) and len(found) == 5


def _received(
    found: object, n: int, split: int, personal_rest: list[PersonalRow]
) -> History | None:
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
        and shaped(columns, len(SegmentRow._fields), n)
        and shaped(personal, len(PersonalRow._fields), split)
        and isinstance(rhythm, tuple)
        and len(rhythm) == 2
        and all(isinstance(part, dict) for part in rhythm)
        and isinstance(referenced, frozenset)
    ):
        return None
    return History(
        problems,
        _as_rows(cast(list[list[object]], columns), _DATE_COLUMN, SegmentRow),
        _rhythm_of(rhythm),
        referenced,
        None,
        [
            *_as_rows(cast(list[list[object]], personal), _BIRTHDAY_COLUMN, PersonalRow),
            *personal_rest,
        ],
    )
