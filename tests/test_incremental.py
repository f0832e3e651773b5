"""Incremental passes: the daemon's repeat pass over an edited workbook reuses what earlier
passes computed, and gives exactly what a pass from scratch gives."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
from functools import cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync.core import engine
from sync.core.config import Config, default_config
from sync.core.marketing import RuleConfig
from sync.core.model import CellValue, ExcelError, Outcome, Snapshot
from sync.core.stages import Stages
from sync.core.writeback import plan_writeback
from sync.demo import DemoBase, generate_base
from sync.sources.memory import MemorySource
from sync.speed import incremental
from sync.speed.memory import PassMemory

AS_OF = dt.date(2026, 11, 1)
Sheets = dict[str, list[list[CellValue]]]


class _Memory:
    """The stages the passes of this module use: the daemon's memory inside
    :func:`_daemon_memory`, else the reference."""

    stages: Stages = engine.REFERENCE


@contextlib.contextmanager
def _daemon_memory() -> Iterator[None]:
    """As in the daemon: a memory of the passes (fresh) and the per-row memos of the sources
    and dedupe on (off again afterwards)."""
    incremental.remember_rows()
    _Memory.stages = PassMemory()
    try:
        yield
    finally:
        incremental.remember_rows(False)
        _Memory.stages = engine.REFERENCE


def run_pass(snapshot: Snapshot, config: Config, as_of: dt.date) -> Outcome:
    return engine.run_pass(snapshot, config, as_of, stages=_Memory.stages)


def _forget() -> None:
    """Forget every earlier pass: the next one computes everything from scratch."""
    incremental.clear()
    if _Memory.stages is not engine.REFERENCE:
        _Memory.stages = PassMemory()


@cache
def _base() -> DemoBase:
    return generate_base(120, seed=5, as_of=AS_OF)


def _config(with_rules: bool) -> Config:
    cfg = default_config()
    if not with_rules:
        return cfg
    rules = (
        RuleConfig("big", "revenue >= 5000 and orders >= 2", value="крупный"),
        RuleConfig("lost", "lapsed or (vip and days_since_last_contact > 30)"),
        RuleConfig("young", "age between 18 and 30 and mailable", column="Молодые"),
    )
    return replace(cfg, segments=replace(cfg.segments, rules=rules))


def _sheets(config: Config) -> Sheets:
    base = _base()
    names = {role: s.name for role, s in config.sheets.items()}
    return copy.deepcopy(
        {
            names["clients"]: base.clients,
            names["orders"]: base.orders,
            names["interactions"]: base.interactions,
        }
    )


def _snapshot(sheets: Sheets, config: Config) -> Snapshot:
    return MemorySource(copy.deepcopy(sheets)).read([s.name for s in config.sheets.values()])


def _seen(outcome: Outcome, snapshot: Snapshot, config: Config) -> tuple[object, ...]:
    """Everything a user could see of a pass: the report, the explanations and the write."""
    return (
        repr(outcome.problems),
        repr(outcome.duplicates),
        repr(outcome.records),  # the extras too, keys in order; NaN prints as nan
        repr(outcome.fixes),
        outcome.rows_without_id,
        sorted(outcome.referenced_ids),
        repr(outcome.tables),
        [outcome.explain(r) for r in outcome.records] if outcome.explain else None,
        repr(plan_writeback(outcome, snapshot, config)),
    )


# ------------------------------------------------------------------ edits staff could make

VALUES: st.SearchStrategy[CellValue] = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "",
            " ",
            "12-34",
            "8 (912) 345-67-89",
            "+380 44 123 4567",
            "ivan@gmial.com",
            "Петров Пётр",
            "иванов  иван",
            "Москва",
            "да",
            "нет",
            "C000007",
            "C000040",
            "31.02.1990",
            "#N/A",
        ]
    ),
    st.sampled_from([1, 1.0, True, 0, 2500.0, 12000, -5.0]),
    st.dates(dt.date(1900, 1, 1), dt.date(2027, 6, 1)),
    st.just(ExcelError("#N/A")),
)


@st.composite
def _edit(draw: st.DrawFn) -> tuple[str, int, int, CellValue]:
    kind = draw(
        st.sampled_from(["cell", "cell", "cell", "copy", "append", "insert", "delete", "order"])
    )
    return kind, draw(st.integers(0, 10_000)), draw(st.integers(0, 10)), draw(VALUES)


def _apply(sheets: Sheets, config: Config, edit: tuple[str, int, int, CellValue]) -> None:
    kind, at, col, value = edit
    names = {role: s.name for role, s in config.sheets.items()}
    role = "clients"
    if kind == "order":
        role = "orders" if at % 3 else "interactions"
        kind = ("cell", "copy", "append", "delete")[at % 4]
    rows = sheets[names[role]]
    width = len(rows[0])
    i = 1 + at % (len(rows) - 1) if len(rows) > 1 else 1
    cell: CellValue = value if isinstance(value, ExcelError | None) else copy.copy(value)
    if kind == "cell" and len(rows) > 1:
        line = rows[i]
        line += [None] * (width - len(line))
        line[col % width] = cell
    elif kind == "copy" and len(rows) > 1:  # a copied cell of another row (a new duplicate)
        other = rows[1 + (at * 7 + 3) % (len(rows) - 1)]
        rows[i][col % width] = other[col % width] if col % width < len(other) else None
    elif kind == "append":
        new: list[CellValue] = list(rows[i]) if len(rows) > 1 else [None] * width
        new[col % width] = cell
        rows.append(new)
    elif kind == "insert":
        rows.insert(i, [cell if c == col % width else None for c in range(width)])
    elif kind == "delete" and len(rows) > 2:
        del rows[i]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    edits=st.lists(st.lists(_edit(), min_size=1, max_size=4), min_size=1, max_size=3),
    with_rules=st.booleans(),
)
def test_a_repeat_pass_after_random_edits_equals_a_pass_from_scratch(
    edits: list[list[tuple[str, int, int, CellValue]]], with_rules: bool
) -> None:
    with _daemon_memory():
        _edits_then_scratch(edits, with_rules)


def _edits_then_scratch(
    edits: list[list[tuple[str, int, int, CellValue]]], with_rules: bool
) -> None:
    config = _config(with_rules)
    sheets = _sheets(config)
    _forget()
    run_pass(_snapshot(sheets, config), config, AS_OF)  # what the daemon saw before the edits
    steps: list[tuple[Sheets, tuple[object, ...]]] = []
    for batch in edits:  # staff save several times; each save is one incremental pass
        for edit in batch:
            _apply(sheets, config, edit)
        snapshot = _snapshot(sheets, config)
        steps.append(
            (copy.deepcopy(sheets), _seen(run_pass(snapshot, config, AS_OF), snapshot, config))
        )
    for state, incremental_result in steps:
        _forget()
        snapshot = _snapshot(state, config)
        assert _seen(run_pass(snapshot, config, AS_OF), snapshot, config) == incremental_result


@_daemon_memory()
def test_an_edit_on_the_clients_sheet_reuses_the_orders_and_the_other_clients_segments() -> None:
    config = _config(True)
    sheets = _sheets(config)
    _forget()
    first = run_pass(_snapshot(sheets, config), config, AS_OF)
    clients = sheets[config.sheets["clients"].name]
    clients.append(["N00001", "Новый Клиент", "12-34", "new@mail.ru", None, None, "да", None])
    again = run_pass(_snapshot(sheets, config), config, AS_OF)
    _forget()
    scratch = run_pass(_snapshot(sheets, config), config, AS_OF)
    assert repr(again.records) == repr(scratch.records)
    assert again.problems == scratch.problems
    new = again.records[-1]
    assert (new.id, new.orders, new.rfm_segment, new.temperature) == ("N00001", 0, None, "cold")
    # the clients that were there keep their segment columns
    assert [(r.rfm_segment, r.abc, r.xyz, r.vip) for r in again.records[:-1]] == [
        (r.rfm_segment, r.abc, r.xyz, r.vip) for r in first.records
    ]


@_daemon_memory()
def test_a_new_order_moves_the_scores_of_everyone_it_should() -> None:
    config = default_config()
    sheets = _sheets(config)
    _forget()
    run_pass(_snapshot(sheets, config), config, AS_OF)
    orders = sheets[config.sheets["orders"].name]
    # a huge order for a client without orders: ABC shares of every other buyer change
    client = next(
        r[0]
        for r in sheets[config.sheets["clients"].name][1:]
        if r[0] not in {o[2] for o in orders[1:]}
    )
    orders.append(["З-999999", dt.date(2026, 10, 20), client, 10_000_000.0])
    again = run_pass(_snapshot(sheets, config), config, AS_OF)
    _forget()
    scratch = run_pass(_snapshot(sheets, config), config, AS_OF)
    assert repr(again.records) == repr(scratch.records)
    assert next(r for r in again.records if r.id == client).abc == "A"


def _fresh(sheets: Sheets, config: Config, as_of: dt.date = AS_OF) -> Outcome:
    _forget()
    return run_pass(_snapshot(sheets, config), config, as_of)


@_daemon_memory()
def test_an_edit_keeps_the_other_rows_records_and_remakes_the_edited_ones() -> None:
    """The daemon's case: one cell edited, one row appended; every other record is the very
    object of the last pass, and the result is a pass from scratch."""
    config = _config(True)
    sheets = _sheets(config)
    clients = sheets[config.sheets["clients"].name]
    first = _fresh(sheets, config)
    clients[5][1] = "Сидорова Анна"
    clients.append(["N00001", "Новый Клиент", "12-34", "new@mail.ru", None, None, "да", None])
    again = run_pass(_snapshot(sheets, config), config, AS_OF)
    kept = [a is b for a, b in zip(first.records, again.records, strict=False)]
    assert kept.count(False) == 1 and not kept[4]  # the edited row (row 6 of the sheet)
    assert again.records[4].name == "Сидорова Анна"
    assert again.records[-1].id == "N00001" and again.records[-1].extra["flags"] == ["cold"]
    assert _seen(again, _snapshot(sheets, config), config) == _seen(
        _fresh(sheets, config), _snapshot(sheets, config), config
    )


@_daemon_memory()
def test_a_row_that_only_joins_a_duplicate_group_gets_its_record_anew() -> None:
    """A client typed again (name and phone) makes a duplicate group: the first row's cells
    did not change, its record did (its group)."""
    config = default_config()
    sheets = _sheets(config)
    clients = sheets[config.sheets["clients"].name]
    source = next(i for i, r in enumerate(clients) if i > 100 and r[2])
    run_pass(_snapshot(sheets, config), config, AS_OF)
    clients.append(["N00001", *clients[source][1:3], None, None, None, "да", None])
    again = run_pass(_snapshot(sheets, config), config, AS_OF)
    fresh = _fresh(sheets, config)
    assert repr(again.records) == repr(fresh.records)
    group = again.records[source - 1].duplicate_group
    assert group is not None and again.records[-1].duplicate_group == group


@_daemon_memory()
def test_rows_that_moved_down_get_their_new_row_numbers() -> None:
    """An empty line typed between clients: the rows below keep their cells but not their
    row numbers (every record there is made anew)."""
    config = default_config()
    sheets = _sheets(config)
    clients = sheets[config.sheets["clients"].name]
    run_pass(_snapshot(sheets, config), config, AS_OF)
    clients.insert(len(clients) - 3, [None] * len(clients[0]))
    again = run_pass(_snapshot(sheets, config), config, AS_OF)
    assert [r.row for r in again.records[-3:]] == [len(clients) - 2, len(clients) - 1, len(clients)]
    assert repr(again.records) == repr(_fresh(sheets, config).records)


@_daemon_memory()
def test_another_config_or_date_remakes_every_record() -> None:
    config = _config(False)
    sheets = _sheets(config)
    run_pass(_snapshot(sheets, config), config, AS_OF)
    for other_config, as_of in (
        (_config(True), AS_OF),  # rules: a flag more on some records
        (replace(config, language="uk"), AS_OF),
        (config, AS_OF + dt.timedelta(days=200)),  # ages, birthdays, lapses move on
    ):
        again = run_pass(_snapshot(sheets, other_config), other_config, as_of)
        fresh = _fresh(sheets, other_config, as_of)
        assert repr(again.records) == repr(fresh.records)
        assert (again.problems, again.fixes) == (fresh.problems, fresh.fixes)
        run_pass(_snapshot(sheets, config), config, AS_OF)  # the first one again


@_daemon_memory()
def test_a_cell_typed_again_as_an_equal_value_of_another_type_is_a_change() -> None:
    """1.0 and True are equal in Python; as an ID, 1.0 is "1" and TRUE is no ID at all."""
    config = default_config()
    sheets = _sheets(config)
    clients = sheets[config.sheets["clients"].name]
    clients[5][0] = 1.0
    run_pass(_snapshot(sheets, config), config, AS_OF)
    clients[5][0] = True
    again = run_pass(_snapshot(sheets, config), config, AS_OF)
    assert again.records[4].id is None
    assert repr(again.records) == repr(_fresh(sheets, config).records)


@_daemon_memory()
def test_orders_of_a_client_whose_id_was_retyped_are_flagged_and_then_not() -> None:
    config = default_config()
    sheets = _sheets(config)
    clients = sheets[config.sheets["clients"].name]
    orders = sheets[config.sheets["orders"].name]
    run_pass(_snapshot(sheets, config), config, AS_OF)
    at, client = next(
        (i, r[0]) for i, r in enumerate(clients) if i and r[0] in {o[2] for o in orders}
    )

    def unknown(outcome: Outcome) -> list[int]:
        return [p.row for p in outcome.problems if p.code == "order.unknown_client"]

    for typed in (client + "X", client):
        clients[at][0] = typed
        again = run_pass(_snapshot(sheets, config), config, AS_OF)
        fresh = _fresh(sheets, config)
        assert unknown(again) == unknown(fresh)
        assert again.problems == fresh.problems
        assert bool(unknown(again)) == (typed != client)
        run_pass(_snapshot(sheets, config), config, AS_OF)  # (memos filled again)


@_daemon_memory()
def test_a_header_typed_again_renames_the_column_in_the_kept_rows_problems() -> None:
    """The city column's header typed in capitals: the same field, the same records, but
    the problems name the column as it is now written."""
    config = default_config()
    sheets = _sheets(config)
    clients = sheets[config.sheets["clients"].name]
    column = clients[0].index("Город")
    run_pass(_snapshot(sheets, config), config, AS_OF)
    clients[0][column] = "ГОРОД"
    again = run_pass(_snapshot(sheets, config), config, AS_OF)
    assert {p.column for p in again.problems if p.code == "city.fixed"} == {"ГОРОД"}
    assert again.problems == _fresh(sheets, config).problems


def test_a_replaced_entry_is_the_only_one_of_its_key() -> None:
    """The daemon keeps one entry per workbook: a pass replaces the last one, without
    pushing the other workbooks' entries out."""
    recent: incremental.Recent[str, int] = incremental.Recent(size=2)
    recent.put("a.xlsx", 1)
    recent.put("b.xlsx", 2)
    for value in (3, 4, 5):
        assert recent.replace("a.xlsx", value) == value
    assert (recent.get("a.xlsx"), recent.get("b.xlsx"), len(recent)) == (5, 2, 2)
