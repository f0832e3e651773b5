"""Write-back planning: what staff will see in the sheet after a pass (pure, no files)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.core.config import Config, default_config
from sync.core.engine import run_pass
from sync.core.model import KEEP, CellValue, Snapshot, WritePlan
from sync.core.writeback import plan_writeback
from sync.sources.memory import MemorySource

# every test here runs on the reference stages and on each accelerator (conftest)
pytestmark = pytest.mark.usefixtures("each_stages")

AS_OF = dt.date(2026, 11, 1)
HEADER = ["ID", "ФИО", "Телефон", "Email"]


def _base(rows: list[list[CellValue]]) -> MemorySource:
    orders: list[list[CellValue]] = [["Дата", "ID клиента", "Сумма"]]
    for i in range(1, 7):
        orders.append([dt.date(2026, i, 10), "C000001", 1000.0 * i])
    orders.append([dt.date(2026, 10, 1), "C000002", 500.0])
    return MemorySource(
        {"Клиенты": [HEADER, *rows], "Заказы": orders, "Контакты": [["Дата", "ID клиента", "Тип"]]}
    )


def _plan(source: MemorySource, config: Config | None = None) -> tuple[Snapshot, WritePlan]:
    config = config or default_config()
    snapshot = source.read([s.name for s in config.sheets.values()])
    outcome = run_pass(snapshot, config, AS_OF)
    return snapshot, plan_writeback(outcome, snapshot, config)


def _cells(plan: WritePlan, sheet: str = "Клиенты") -> dict[tuple[int, int], object]:
    edits = next(e for e in plan.edits if e.sheet == sheet)
    return {(c.row, c.col): c for c in edits.cells}


def test_problem_cells_are_highlighted_with_a_note_in_russian() -> None:
    source = _base(
        [
            ["C000001", "Иванов Иван Петрович", "+7 912 345-67-89", "ivan@mail.ru"],
            ["C000002", "Петрова Анна", "12345", "anna@gmial.com"],
        ]
    )
    _, plan = _plan(source)
    cells = _cells(plan)
    phone = cells[(3, 3)]
    assert phone.fill == "FFFFC7CE"  # type: ignore[attr-defined]
    assert "телефон" in phone.note.lower()  # type: ignore[attr-defined]
    email = cells[(3, 4)]
    assert email.fill == "FFFFEB9C"  # type: ignore[attr-defined]
    assert "gmail.com" in email.note  # type: ignore[attr-defined]
    assert (2, 3) not in cells or cells[(2, 3)].fill is None  # type: ignore[attr-defined]


def test_tool_columns_are_added_at_the_right_with_localised_headers() -> None:
    source = _base([["C000001", "Иванов Иван Петрович", "+7 912 345-67-89", "ivan@mail.ru"]])
    _, plan = _plan(source)
    cells = _cells(plan)
    headers = {col: c.value for (row, col), c in cells.items() if row == 1}  # type: ignore[attr-defined]
    assert headers[5] == "Сегмент"
    assert set(headers.values()) >= {"Сегмент", "ABC", "XYZ", "VIP", "Температура", "Дубль"}
    assert min(headers) == 5  # never over a staff column


def test_rows_without_id_get_the_next_id_of_the_sheets_pattern() -> None:
    source = _base(
        [
            ["C000001", "Иванов Иван Петрович", "+7 912 345-67-89", "ivan@mail.ru"],
            [None, "Сидоров Олег", "+7 913 111-22-33", "oleg@mail.ru"],
            ["C000002", "Петрова Анна", "+7 914 222-33-44", "anna@mail.ru"],
        ]
    )
    _, plan = _plan(source)
    assert _cells(plan)[(3, 1)].value == "C000003"  # type: ignore[attr-defined]


def test_a_second_pass_after_applying_plans_nothing_new() -> None:
    source = _base(
        [
            ["C000001", "Иванов Иван Петрович", "8 (912) 345-67-89", "ivan@mail.ru"],
            [None, "Петрова Анна", "12345", "anna@gmial.com"],
        ]
    )
    snapshot, plan = _plan(source)
    assert source.apply(plan, snapshot.version).status == "applied"
    _snapshot2, plan2 = _plan(source)
    value_edits = [c for e in plan2.edits for c in e.cells if c.value is not KEEP]
    assert value_edits == []
    marks = {(e.sheet, c.row, c.col, c.fill, c.note) for e in plan2.edits for c in e.cells}
    assert marks == {
        (e.sheet, c.row, c.col, c.fill, c.note)
        for e in plan.edits
        for c in e.cells
        if isinstance(c.fill, str) or isinstance(c.note, str)
    }


def test_fixed_values_are_suggested_by_default_and_rewritten_on_request() -> None:
    rows: list[list[CellValue]] = [
        ["C000001", "Иванов Иван Петрович", "8 (912) 345-67-89", "Ivan@Mail.ru "]
    ]
    _, suggest = _plan(_base(rows))
    # a format suggestion is info: on the Problems sheet, not marked in the cell by default
    assert (2, 3) not in _cells(suggest)
    problems = next(s for s in suggest.tool_sheets if s.name == "Проблемы")
    assert ("Клиенты", 2, "Телефон", "phone.fixed") in [r[:4] for r in problems.rows]
    assert problems.autofilter
    assert suggest.rewrites == ()
    opted = dataclasses.replace(
        default_config(),
        output=dataclasses.replace(default_config().output, mark=("error", "warning", "info")),
    )
    _, marked = _plan(_base(rows), opted)
    cell = _cells(marked)[(2, 3)]
    assert cell.value is KEEP and "+7 912 345-67-89" in cell.note  # type: ignore[attr-defined]
    assert cell.fill == "FFC6EFCE"  # type: ignore[attr-defined]

    config = dataclasses.replace(default_config(), fix="rewrite")
    _, rewrite = _plan(_base(rows), config)
    cells = _cells(rewrite)
    assert cells[(2, 3)].value == "+7 912 345-67-89"  # type: ignore[attr-defined]
    assert cells[(2, 4)].value == "ivan@mail.ru"  # type: ignore[attr-defined]
    assert {f.old for f in rewrite.rewrites} == {"8 (912) 345-67-89", "Ivan@Mail.ru "}


def test_problems_sheet_links_every_problem_to_its_cell() -> None:
    source = _base([["C000001", "Петрова Анна", "12345", None]])
    _, plan = _plan(source)
    problems = next(s for s in plan.tool_sheets if s.name == "Проблемы")
    assert problems.rows[0][0] == "Лист"
    row = next(i for i, r in enumerate(problems.rows, 1) if r[3] == "phone.invalid")
    assert problems.links[(row, 8)] == "'Клиенты'!C2"
    summary = next(s for s in plan.tool_sheets if s.name == "Сводка")
    assert any(r and r[0] == "phone.invalid" for r in summary.rows)


def test_tool_cells_explain_segments_and_summary_lists_rules_and_birthdays() -> None:
    from sync.config_load import parse_config

    config = parse_config('[[segments.rules]]\nname = "big"\nwhen = "revenue >= 10000"\n', "c.toml")
    source = _base([["C000001", "Иванов Иван Петрович", "+7 912 345-67-89", "ivan@mail.ru"]])
    _, plan = _plan(source, config)
    note = _cells(plan)[(2, 5)].note  # type: ignore[attr-defined]
    # VIP by six orders within 365 days (21 000 is under 3 x the mean of 10 750)
    assert "VIP: 6 заказов за 365 дней" in note and "RFM" in note
    summary = next(s for s in plan.tool_sheets if s.name == "Сводка")
    assert ("big", 1) in summary.rows
    # the VIP list says who it is and how to reach them
    vip = summary.rows.index(("VIP-клиенты: 1",))
    assert summary.rows[vip + 1] == ("Строка", "ID", "ФИО", "Телефон", "Сегмент", "Выручка")
    assert summary.rows[vip + 2][:4] == (2, "C000001", "Иванов Иван Петрович", "+7 912 345-67-89")


@given(st.text(alphabet="C-_ 0123456789٣٤۵\u0966x²\n\r", max_size=10))
def test_an_id_is_split_as_the_id_pattern_splits_it(text: str) -> None:
    """The regex-free split of IDs (prefix, number) agrees with the pattern on any text."""
    from sync.core.writeback import _ID_PATTERN, _split_id

    m = _ID_PATTERN.match(text)
    assert _split_id(text) == ((m.group(1), m.group(2)) if m else None)


def test_tool_column_headers_explain_themselves_with_the_configured_bounds() -> None:
    from sync.config_load import parse_config

    config = parse_config("[segments]\nabc = [0.7, 0.9]\nhot_days = 10", "c.toml")
    _, plan = _plan(_base([["C000001", "Иванов Иван", "+7 912 345-67-89", "i@mail.ru"]]), config)
    notes = {e.value: e.note for (r, _), e in _cells(plan).items() if r == 1}  # type: ignore[attr-defined]
    assert "первых 70 % выручки" in notes["ABC"] and "до 90 %" in notes["ABC"]
    assert "последние 10 дней" in notes["Температура"]
    assert "RFM" in notes["Сегмент"] and "X — до 0.1" in notes["XYZ"]


def test_the_duplicate_column_names_the_other_members_by_id_and_short_name() -> None:
    source = _base(
        [
            ["C000001", "Петров Пётр Сергеевич", "+7 912 345-67-89", "petrov@mail.ru"],
            ["C000002", "Сидорова Анна", "+7 913 000-11-22", "anna@mail.ru"],
            ["C000123", "Петров Пётр Сергеевич", "+7 912 345-67-89", "petrov@mail.ru"],
        ]
    )
    _, plan = _plan(source)
    cells = _cells(plan)
    col = next(c for (r, c), e in cells.items() if r == 1 and e.value == "Дубль")  # type: ignore[attr-defined]
    assert cells[(2, col)].value == "#1: C000123 Петров П. С."  # type: ignore[attr-defined]
    assert cells[(4, col)].value == "#1: C000001 Петров П. С."  # type: ignore[attr-defined]


def test_tool_columns_made_a_column_at_a_time_hold_each_clients_own_values() -> None:
    """The plan's column-at-a-time values agree with each client's own, for every tool
    column and language, on a generated base with duplicates, VIPs, segments and lapses."""
    from sync.core.labels import segment_label, temperature_label
    from sync.core.model import ClientRecord
    from sync.core.writeback import _NEVER_BLANK, _column_values, _duplicate_link, _value_of
    from sync.demo import generate_base

    base = generate_base(400, seed=11, as_of=AS_OF)
    config = default_config()
    source = MemorySource(
        {"Клиенты": base.clients, "Заказы": base.orders, "Контакты": base.interactions}
    )
    snapshot = source.read([s.name for s in config.sheets.values()])
    outcome = run_pass(snapshot, config, AS_OF)
    records = outcome.records
    group_rows = {g.group: g.rows for g in outcome.duplicates}
    assert outcome.duplicates and any(r.vip for r in records)
    keys = ["duplicate", "segment", "temperature", "abc", "xyz", "vip", "revenue", "flags", "city"]
    # each client's own value in the columns the plan makes a column at a time
    by_client: dict[str, Callable[[ClientRecord, str], CellValue]] = {
        "segment": lambda r, lang: segment_label(r.rfm_segment, lang),
        "temperature": lambda r, lang: temperature_label(r.temperature, lang),
        "abc": lambda r, _: r.abc,
        "xyz": lambda r, _: r.xyz,
        "vip": lambda r, _: "VIP" if r.vip else None,
    }
    assert set(by_client) | {"duplicate"} == _NEVER_BLANK  # every column made apart is checked
    for lang in ("ru", "uk", "en"):
        for key in keys:
            column = _column_values(records, key, lang, group_rows)
            if key == "duplicate":
                by_row = {r.row: r for r in records}
                one_by_one = [_duplicate_link(r, group_rows, by_row) for r in records]
            elif key in by_client:
                one_by_one = [by_client[key](r, lang) for r in records]
            else:
                one_by_one = [_value_of(r, key, lang) for r in records]
            assert column == one_by_one, (lang, key)
            assert [type(v) for v in column] == [type(v) for v in one_by_one], (lang, key)
            assert len(set(map(str, column))) > 1, (lang, key)  # not one value for all
            if key in _NEVER_BLANK:  # the plan compares these with == alone
                assert all(v is None or (isinstance(v, str) and v.strip()) for v in column)
