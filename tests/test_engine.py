"""One pass over a client base: the problems a careful office manager would find."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from sync.core.config import default_config
from sync.core.engine import run_pass
from sync.core.model import CellValue, ExcelError, Outcome
from sync.core.report import build_report
from sync.demo import DemoLabels, generate_base
from sync.errors import SheetNotFoundError
from sync.sources.memory import MemorySource

# every test here runs on the reference stages and on each accelerator (conftest)
pytestmark = pytest.mark.usefixtures("each_stages")

AS_OF = dt.date(2026, 11, 1)
HEADER: list[CellValue] = ["ID", "ФИО", "Телефон", "Email", "Дата рождения", "Согласие на рассылку"]


def _pass(clients: list[list[CellValue]], orders: list[list[CellValue]] | None = None) -> Outcome:
    sheets: dict[str, list[list[CellValue]]] = {"Клиенты": [HEADER, *clients]}
    if orders is not None:
        sheets["Заказы"] = [["Дата", "ID клиента", "Сумма"], *orders]
    config = default_config()
    snapshot = MemorySource(sheets).read([s.name for s in config.sheets.values()])
    return run_pass(snapshot, config, AS_OF)


def _codes(outcome: Outcome) -> set[tuple[int, str]]:
    return {(p.row, p.code) for p in outcome.problems}


def test_clean_row_has_no_problems() -> None:
    outcome = _pass(
        [
            [
                "C1",
                "Иванов Иван Петрович",
                "+7 912 345-67-89",
                "ivan@mail.ru",
                dt.date(1985, 3, 4),
                "да",
            ]
        ]
    )
    assert outcome.problems == []


def test_typical_mistakes_are_each_reported_on_their_cell() -> None:
    outcome = _pass(
        [
            ["C1", "иванов  иван", "8 (912) 345-67-89", "ivan@gmial.com", "31.02.1990", "да"],
            ["C2", "Пeтров Пётр", "12345", "petr@", dt.date(1890, 1, 1), "может быть"],
            [
                "C3",
                None,
                None,
                None,
                None,
                None,
            ],
            ["C4", "Сидоров Олег", None, None, ExcelError("#N/A"), "нет"],
        ]
    )
    found = _codes(outcome)
    assert {
        (2, "name.fixed"),
        (2, "phone.fixed"),
        (2, "email.suspect"),
        (2, "date.invalid"),
    } <= found
    assert {
        (3, "name.mixed_scripts"),
        (3, "phone.invalid"),
        (3, "email.invalid"),
        (3, "date.implausible"),
        (3, "value.not_allowed"),
    } <= found
    assert (5, "contact.missing") in found and (5, "cell.error") in found
    by_cell = {(p.row, p.code): p for p in outcome.problems}
    assert by_cell[(2, "phone.fixed")].column == "Телефон"
    assert by_cell[(2, "phone.fixed")].suggestion == "+7 912 345-67-89"
    assert by_cell[(2, "email.suspect")].suggestion == "ivan@gmail.com"
    assert by_cell[(3, "name.mixed_scripts")].suggestion == "Петров Пётр"


def test_row_with_only_an_id_has_no_name_and_no_contact() -> None:
    outcome = _pass([["C9", None, None, None, None, None]])
    assert {(2, "name.missing"), (2, "contact.missing")} <= _codes(outcome)


def test_copied_row_ids_are_reported_on_both_rows() -> None:
    row: list[CellValue] = ["C1", "Иванов Иван", "+7 912 345-67-89", None, None, None]
    outcome = _pass([row, ["C2", "Петрова Анна", "+7 913 345-67-89", None, None, None], list(row)])
    assert {(2, "id.duplicate"), (4, "id.duplicate")} <= _codes(outcome)


def test_numeric_ids_and_orders_join_and_unknown_clients_are_flagged() -> None:
    outcome = _pass(
        [
            [1001.0, "Иванов Иван", "+7 912 345-67-89", None, None, None],
            [None, "Петрова Анна", "+7 913 345-67-89", None, None, None],
        ],
        [
            [dt.date(2026, 10, 1), 1001, 2500.0],
            [dt.date(2026, 10, 2), "9999", 10.0],
            [dt.date(2026, 10, 3), None, 10.0],
        ],
    )
    ivan = next(r for r in outcome.records if r.row == 2)
    assert ivan.id == "1001" and ivan.orders == 1 and ivan.revenue == 2500.0
    assert outcome.rows_without_id == [3]
    codes = Counter(p.code for p in outcome.problems if p.sheet == "Заказы")
    assert codes["order.unknown_client"] == 1 and codes["required.missing"] == 1


def test_missing_clients_sheet_is_a_clear_error() -> None:
    snapshot = MemorySource({"Лист1": [["a"]]}).read(["Клиенты"])
    with pytest.raises(SheetNotFoundError, match="Клиенты"):
        run_pass(snapshot, default_config(), AS_OF)


def test_report_has_the_contract_shape() -> None:
    outcome = _pass(
        [["C1", "Иванов Иван", "12345", None, None, None]], [[dt.date(2026, 10, 1), "C1", 100.0]]
    )
    report = build_report(outcome)
    assert report["version"] == 1 and report["as_of"] == "2026-11-01"
    problem = report["problems"][0]
    assert set(problem) == {
        "sheet",
        "row",
        "column",
        "field",
        "code",
        "severity",
        "message",
        "suggestion",
    }
    record = report["records"][0]
    assert {
        "row",
        "id",
        "revenue",
        "orders",
        "last_order",
        "r",
        "f",
        "m",
        "rfm_segment",
        "abc",
        "xyz",
        "vip",
        "temperature",
    } <= set(record)
    assert record["last_order"] == "2026-10-01"


@pytest.fixture(scope="module")
def demo_outcome() -> tuple[Outcome, DemoLabels]:
    base = generate_base(600, seed=3, as_of=AS_OF)
    config = default_config()
    source = MemorySource(
        {"Клиенты": base.clients, "Заказы": base.orders, "Контакты": base.interactions}
    )
    snapshot = source.read([s.name for s in config.sheets.values()])
    return run_pass(snapshot, config, AS_OF), base.labels


def test_planted_problems_are_found_with_high_precision_and_recall(
    demo_outcome: tuple[Outcome, DemoLabels],
) -> None:
    outcome, labels = demo_outcome
    codes = {code for _, code in labels.problems} - {"duplicate"}
    found = {(p.row, p.code) for p in outcome.problems if p.sheet == "Клиенты" and p.code in codes}
    truth = {(r, c) for r, c in labels.problems if c in codes}
    tp = len(found & truth)
    precision, recall = tp / len(found), tp / len(truth)
    assert precision >= 0.98 and recall >= 0.98, (precision, recall, sorted(found ^ truth)[:20])


def test_planted_duplicates_are_grouped_and_families_never_are(
    demo_outcome: tuple[Outcome, DemoLabels],
) -> None:
    outcome, labels = demo_outcome

    def pairs(groups: list[tuple[int, ...]]) -> set[tuple[int, int]]:
        return {(a, b) for g in groups for i, a in enumerate(g) for b in g[i + 1 :]}

    found = pairs([g.rows for g in outcome.duplicates])
    truth = pairs(labels.duplicate_groups)
    tp = len(found & truth)
    assert tp / len(found) >= 0.98 and tp / len(truth) >= 0.98
    family_pairs = pairs(labels.families)
    assert not found & family_pairs


def _comparable(outcome: Outcome) -> tuple[object, ...]:
    return (
        outcome.problems,
        outcome.records,
        outcome.duplicates,
        outcome.fixes,
        outcome.rows_without_id,
        outcome.referenced_ids,
        outcome.tables,
    )


def test_the_history_computed_by_a_worker_gives_the_same_pass(
    monkeypatch: pytest.MonkeyPatch, record_starts: Callable[[Any], list[object]]
) -> None:
    from sync.speed import forked, one_shot

    if not forked.fork_usable():
        pytest.skip("forking is only used on Linux in a single-threaded process")
    base = generate_base(500, seed=5, as_of=AS_OF)
    config = default_config()
    orders = [list(r) for r in base.orders]
    client_col = [str(h) for h in orders[0]].index("ID клиента")
    orders.append(list(orders[-1]))
    orders[-1][client_col] = "NOBODY-1"  # an order of an unknown client: a problem on Заказы
    source = MemorySource(
        {"Клиенты": base.clients, "Заказы": orders, "Контакты": base.interactions}
    )
    snapshot = source.read([s.name for s in config.sheets.values()])
    here = run_pass(snapshot, config, AS_OF)  # the reference stages
    real_start = forked.Ahead.start
    started = record_starts(forked.Ahead)

    def extras_order(outcome: Outcome) -> list[list[str]]:
        return [list(rec.extra) for rec in outcome.records]

    monkeypatch.setattr(one_shot, "AHEAD_MIN_ROWS", 0)
    ahead = run_pass(snapshot, config, AS_OF, stages=one_shot.OneShot())
    assert started and started[0] is not None  # the worker did run
    assert _comparable(ahead) == _comparable(here)
    assert extras_order(ahead) == extras_order(here)
    assert any(p.sheet == "Заказы" for p in ahead.problems)  # its problems came back
    assert any(rec.extra.get("lapsed") for rec in ahead.records)  # the rhythm came back
    # a worker whose answer is not of the expected shape: the pass does the work
    with monkeypatch.context() as patch:
        patch.setattr(one_shot, "_is_shipped", lambda found: False)
        unshaped = run_pass(snapshot, config, AS_OF, stages=one_shot.OneShot())
    assert started[-1] is not None  # a worker ran and answered
    assert _comparable(unshaped) == _comparable(here)
    assert extras_order(unshaped) == extras_order(here)

    # a worker that dies without an answer: the same
    def crashing(fn: Any, accept: Any) -> Any:
        return real_start(lambda: os._exit(3), accept)

    monkeypatch.setattr(forked.Ahead, "start", crashing)
    again = run_pass(snapshot, config, AS_OF, stages=one_shot.OneShot())
    assert _comparable(again) == _comparable(here)
    assert extras_order(again) == extras_order(here)


def test_an_empty_line_between_blocks_is_not_a_client_but_a_line_of_spaces_is() -> None:
    outcome = _pass(
        [
            ["C000001", "Иванов Иван", "+7 912 345-67-89", None, None, "да"],
            [None, None, None, None, None, None],  # an empty line between two blocks
            [],  # a row calamine gives without cells
            [None, "   ", None, None, None, None],  # staff typed spaces: a row to look at
            [None, None, "+7 912 345-67-90", None, None, None],  # no ID, no name: still a client
            ["C000004", "Петрова Анна", None, "anna@mail.ru", None, "нет"],
        ],
        orders=[[dt.date(2026, 10, 1), "C000001", 100.0], [None, None, None]],
    )
    assert [r.row for r in outcome.records] == [2, 5, 6, 7]
    assert (5, "name.missing") in _codes(outcome)
    assert not any(p.row in (3, 4) for p in outcome.problems if p.sheet == "Клиенты")
    assert not any(p.sheet == "Заказы" and p.row == 3 for p in outcome.problems)


def test_blank_rows_rules_name_each_missing_field_in_row_order() -> None:
    """Blank is empty, spaces or a tab; a name, a contact and each required field are
    reported in row order, for the rows that miss them and no others."""
    config = default_config()
    clients = dataclasses.replace(config.sheets["clients"], required=("email", "birthday"))
    config = dataclasses.replace(config, sheets={**config.sheets, "clients": clients})
    rows: list[list[CellValue]] = [
        ["C1", "Иванов Иван", "+7 912 345-67-89", "ivan@mail.ru", dt.date(1985, 3, 4), "да"],
        ["C2", "  ", None, "\t", None, None],
        ["C3", "Петрова Анна", " ", None, dt.date(1990, 1, 2), None],
        ["C4", None, "+7 913 345-67-89", "anna@mail.ru", "", None],
    ]
    snapshot = MemorySource({"Клиенты": [HEADER, *rows]}).read(["Клиенты"])
    outcome = run_pass(snapshot, config, AS_OF)
    missing = [
        (p.row, p.code, p.field)
        for p in outcome.problems
        if p.code in ("name.missing", "contact.missing", "required.missing")
    ]
    assert missing == [
        (3, "name.missing", "name"),
        (3, "contact.missing", "phone"),
        (3, "required.missing", "email"),
        (3, "required.missing", "birthday"),
        (4, "contact.missing", "phone"),
        (4, "required.missing", "email"),
        (5, "name.missing", "name"),
        (5, "required.missing", "birthday"),
    ]


def test_a_duplicate_note_says_why_and_an_office_line_keeps_its_extensions() -> None:
    day = dt.date(1985, 3, 4)
    outcome = _pass(
        [
            ["C1", "Иванова Татьяна Петровна", "+7 912 345-67-89", "tania@mail.ru", day, "да"],
            ["C2", "Иванова Таня", "8 (912) 345-67-89", "tania@mail.ru", day, "да"],
            ["C3", "Петров Сергей Иванович", "8 (495) 123-45-67 доб. 101", None, None, "да"],
            ["C4", "Сидорова Ольга Олеговна", "+7 495 123-45-67 вн. 102", None, None, "да"],
        ]
    )
    notes = {(p.row, p.code): p for p in outcome.problems}
    assert notes[(2, "duplicate")].message == (
        "Возможный дубль клиента: строка 3 (группа 1): тот же телефон и email; "
        "Татьяна ≈ Таня; дата рождения совпадает; другой человек, если отличается отчество"
    )
    assert notes[(4, "phone.fixed")].suggestion == "+7 495 123-45-67 доб. 101"
    assert (4, "phone.shared") in notes and (5, "phone.shared") in notes
    assert (4, "phone.invalid") not in notes and (4, "duplicate") not in notes
