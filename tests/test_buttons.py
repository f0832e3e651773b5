"""The Excel buttons, driven through xlwings' real remote engine: a Book is built from the JSON
that Excel's client sends, a button runs, and the actions it sends back are checked."""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync import buttons
from sync.sources.excel.live import color_blocks

from .excel_client import replay

# xlwings' remote engine is PRO code, free for noncommercial use: the key is set for the tests
# only, before xlwings is imported (it registers its engines at import time).
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
xw = pytest.importorskip("xlwings")
if "remote" not in [e.name for e in xw.engines]:  # imported earlier without the key
    from xlwings.pro import _xlremote

    xw.engines.add(xw.main.Engine(impl=_xlremote.engine))
ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2026, 11, 1)


@pytest.fixture(autouse=True)
def _no_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLIENTBASE_CONFIG", raising=False)


def _sheet(name: str, values: list[list[Any]]) -> dict[str, Any]:
    return {"name": name, "values": values, "pictures": [], "tables": [], "notes": []}


def _api(*sheets: dict[str, Any]) -> dict[str, Any]:
    """The JSON Excel's client sends with a call."""
    return {
        "version": xw.__version__,
        "client": "Office.js",
        "book": {"name": "clients.xlsx", "active_sheet_index": 0, "selection": "A1"},
        "names": [],
        "sheets": list(sheets),
    }


def _book(*sheets: dict[str, Any]) -> Any:
    return xw.Book(json=_api(*sheets))


CLIENTS = [
    ["ID", "ФИО", "Телефон", "Email"],
    ["C1", "Иванов Иван Петрович", "+7 912 345-67-89", "ivanov@mail.ru"],
    ["C2", "Петрова Анна Сергеевна", "12345", "petrova@gmial.com"],
    ["C3", "Сидоренко Олег", "067 123 45 67", ""],
    ["", "Иванов Иван Петрович", "8 (912) 345-67-89", ""],
]


def _actions(book: Any) -> list[dict[str, Any]]:
    return list(book.json()["actions"])


def _colours(actions: list[dict[str, Any]], sheet: int = 0) -> dict[tuple[int, int], Any]:
    """(row, column) -> the fill a colour matrix sets (None: removed); kept cells left out."""
    out = {}
    for a in actions:
        if a["func"] == "setRangeColors" and a["sheet_position"] == sheet:
            for i, row in enumerate(a["args"][0]):
                for j, colour in enumerate(row):
                    if colour != "keep":
                        out[(a["start_row"] + 1 + i, a["start_column"] + 1 + j)] = colour
    return out


def test_check_now_paints_problems_and_writes_tool_columns_in_bulk() -> None:
    book = _book(_sheet("Клиенты", [list(r) for r in CLIENTS]))
    result = buttons.check_now(book, AS_OF)
    assert result is not None and result.status == "applied"
    actions = _actions(book)
    colours = _colours(actions)
    # one colour matrix for the whole sheet, not one action per cell
    assert sum(1 for a in actions if a["func"].startswith("setRangeColor")) == 1
    assert colours[(3, 3)] == "#ffc7ce"  # the bad phone, as an error
    assert colours[(3, 4)] == "#ffeb9c"  # gmial.com: a warning with the fix
    notes = {a["args"][0]: a["args"][1] for a in actions if a["func"] == "addNote"}
    assert "$C$3" in notes and "gmail.com" in notes["$D$3"]
    # tool columns: one range write per contiguous run of a column, never one per cell
    writes = [a for a in actions if a["func"] == "setValues" and a["sheet_position"] == 0]
    temperature = next(a for a in writes if a["values"][0] == ["Температура"])
    assert temperature["row_count"] == 5 and temperature["column_count"] == 1
    assert sum(1 for a in writes if a["start_column"] == temperature["start_column"]) == 1
    cells_written = sum(a["row_count"] * a["column_count"] for a in writes)
    assert len(writes) < cells_written
    # the ID the fifth row lacked, and the duplicate link between rows 2 and 5
    values = {
        (a["start_column"], a["start_row"] + i): v[0]
        for a in writes
        for i, v in enumerate(a["values"])
    }
    assert values[(0, 4)] == "C4"
    assert any(isinstance(v, str) and v.startswith("#1") for v in values.values())
    added = [a["args"][1] for a in actions if a["func"] == "addSheet"]
    assert {"Проблемы", "Сводка", "_clientbase"} <= set(added)


def test_clear_highlights_touches_only_the_cells_the_tool_painted() -> None:
    record: list[list[Any]] = [
        ["sheet", "row", "column", "kind"],
        ["Клиенты", 3, 3, "fill"],
        ["Клиенты", 3, 3, "note"],
    ]
    clients = _sheet("Клиенты", [list(r) for r in CLIENTS])
    clients["notes"] = [{"address": "$C$3"}, {"address": "$B$2"}]  # B2: a staff note
    book = _book(clients, _sheet("_clientbase", record))
    buttons.clear_highlights(book)
    staff_sheet = [a for a in _actions(book) if a["sheet_position"] == 0]
    assert [(a["func"], a["args"]) for a in staff_sheet] == [
        ("deleteNote", ["$C$3"]),
        ("setRangeColors", [[[None]]]),
    ]
    assert {(a["start_row"], a["start_column"]) for a in staff_sheet} == {(2, 2)}  # C3 only


def test_fix_formats_writes_the_standard_forms_of_valid_values_only() -> None:
    book = _book(_sheet("Клиенты", [list(r) for r in CLIENTS]))
    result = buttons.fix_formats(book, AS_OF)
    assert result is not None and result.status == "applied"
    values = {
        (a["start_row"] + 1 + i, a["start_column"] + 1 + j): v
        for a in _actions(book)
        if a["func"] == "setValues" and a["sheet_position"] == 0
        for i, row in enumerate(a["values"])
        for j, v in enumerate(row)
    }
    assert values[(5, 3)] == "'+7 912 345-67-89"  # typed 8 (912) 345-67-89; ' = as text
    assert (3, 3) not in values  # 12345 is no valid number: left as typed


def test_every_runpython_in_the_vba_module_names_a_button() -> None:
    text = (ROOT / "macros" / "ClientBase.bas").read_text("utf-8")
    called = re.findall(r'RunPython\s+"import sync\.buttons; sync\.buttons\.(\w+)\(\)"', text)
    assert len(called) == len(re.findall(r"^\s*RunPython\b", text, re.M)) >= 4
    for name in called:
        assert callable(getattr(buttons, name, None)), name


def test_merge_selected_duplicates_archives_the_other_row_and_repoints_its_orders() -> None:
    clients = [list(r) for r in CLIENTS]
    clients[4] = ["C4", "Иванов Иван Петрович", "8 (912) 345-67-89", "ivan@yandex.ru"]
    orders: list[list[Any]] = [
        ["Номер заказа", "Дата", "ID клиента", "Сумма"],
        ["Z1", "2026-09-01T00:00:00.000Z", "C1", 1000],
        ["Z2", "2026-10-01T00:00:00.000Z", "C4", 500],
    ]
    book = _book(_sheet("Клиенты", clients), _sheet("Заказы", orders))
    book.api["book"]["selection"] = "B5"  # the person selected the second Ivanov
    result = buttons.merge_selected_duplicates(book, AS_OF)
    assert result.plan.keep_row == 2 and result.plan.merged_rows == (5,)
    actions = _actions(book)
    writes = {
        (a["sheet_position"], a["start_row"] + i, a["start_column"] + j): v
        for a in actions
        if a["func"] == "setValues"
        for i, row in enumerate(a["values"])
        for j, v in enumerate(row)
    }
    assert all(writes[(0, 4, c)] == "" for c in range(4))  # row 5 emptied...
    archive_pos = next(
        a["args"][0] for a in actions if a["func"] == "addSheet" and a["args"][1] == "Архив дублей"
    )
    archived = [v for (s, r, _), v in sorted(writes.items()) if s == archive_pos and r == 1]
    assert archived[2:9] == [
        5,
        2,
        "C1",
        "C4",
        "Иванов Иван Петрович",
        "8 (912) 345-67-89",
        "ivan@yandex.ru",
    ]
    assert writes[(1, 2, 2)] == "C1"  # ...and its order now belongs to C1
    note = next(a["args"][1] for a in actions if a["func"] == "addNote" and a["args"][0] == "$B$2")
    assert "ivan@yandex.ru" in note  # the email the two rows disagreed on


def test_merge_needs_a_selection_inside_one_group() -> None:
    book = _book(_sheet("Клиенты", [list(r) for r in CLIENTS]))
    book.api["book"]["selection"] = "B3"  # Petrova: no duplicate
    assert buttons.merge_selected_duplicates(book, AS_OF) is None
    actions = _actions(book)
    alerts = [a["args"] for a in actions if a["func"] == "alert"]
    assert len(alerts) == 1 and "не относятся к одной группе дублей" in alerts[0][0]
    assert alerts[0][1] == "clientbase"
    assert [a for a in actions if a["func"] != "alert"] == []  # nothing moved or written


def test_the_config_can_live_in_a_clientbase_conf_sheet() -> None:
    conf = _sheet(
        "clientbase.conf",
        [
            ["language", "uk"],
            ["sheets.clients.name", "Клієнти"],
            ["output.colors.error", "FF0000"],
        ],
    )
    book = _book(_sheet("Клієнти", [list(r) for r in CLIENTS]), conf)
    result = buttons.check_now(book, AS_OF)
    assert result is not None and result.status == "applied"
    actions = _actions(book)
    assert _colours(actions)[(3, 3)] == "#ff0000"
    notes = {a["args"][0]: a["args"][1] for a in actions if a["func"] == "addNote"}
    assert "номер" in notes["$C$3"].lower()  # in Ukrainian
    assert "Проблеми" in [a["args"][1] for a in actions if a["func"] == "addSheet"]
    assert not [a for a in actions if a["sheet_position"] == 1]  # the config sheet untouched


def test_a_mistake_in_the_config_sheet_is_shown_with_its_cell_and_nothing_is_painted() -> None:
    conf = _sheet("clientbase.conf", [['language = "uk"'], [""], ["[phone]"], ["regoins = 1"]])
    book = _book(_sheet("Клиенты", [list(r) for r in CLIENTS]), conf)
    assert buttons.check_now(book, AS_OF) is None
    actions = _actions(book)
    assert [a["func"] for a in actions] == ["alert"]
    text = actions[0]["args"][0]
    assert "clients.xlsx, sheet clientbase.conf, cell A4" in text and "regions" in text


@given(
    st.sets(st.tuples(st.integers(1, 30_000), st.integers(1, 300)), min_size=1, max_size=400),
    st.integers(1, 20_000),
)
def test_colour_blocks_cover_every_cell_once_within_the_limit(
    cells: set[tuple[int, int]], limit: int
) -> None:
    blocks = color_blocks(cells, limit)
    for top, left, bottom, right in blocks:
        assert (bottom - top + 1) * (right - left + 1) <= limit
    for row, col in cells:
        covering = [b for b in blocks if b[0] <= row <= b[2] and b[1] <= col <= b[3]]
        assert len(covering) == 1
    # blocks start at a painted cell's row: no empty block
    assert all(any(r == b[0] for r, c in cells if b[1] <= c <= b[3]) for b in blocks)


def test_a_long_sheet_is_painted_in_a_few_matrices() -> None:
    rows: list[list[Any]] = [["ID", "ФИО", "Телефон", "Email"]]
    for i in range(3000):  # every row: a bad phone, every third a bad email too
        email = "x@@mail" if i % 3 == 0 else f"client{i}@mail.ru"
        rows.append([f"C{i + 1}", f"Клиент Номер {i}", f"12{i}", email])
    book = _book(_sheet("Клиенты", rows))
    buttons.check_now(book, AS_OF)
    actions = _actions(book)
    colours = _colours(actions)
    assert all(colours[(r, 3)] == "#ffc7ce" for r in range(2, 3002))
    assert all(colours[(r, 4)] == "#ffc7ce" for r in range(2, 3002, 3))
    assert (3, 4) not in colours  # a good email between two bad ones is left alone
    assert sum(1 for a in actions if a["func"] == "setRangeColors") <= 2
    assert not any(a["func"] == "setRangeColor" for a in actions)


def _press(
    button: Any, api: dict[str, Any], fills: dict[str, Any], name: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Press a button on the workbook Excel sends as ``api``; Excel applies the actions."""
    api = {**api, "book": {**api["book"], "name": name}}  # xlwings knows books by name
    book = xw.Book(json=copy.deepcopy(api))  # xlwings updates the payload it is given
    button(book, AS_OF) if button is not buttons.clear_highlights else button(book)
    actions = _actions(book)
    return replay(api, actions, fills), actions


def test_pressing_again_repaints_nothing_and_a_fixed_cell_is_cleared() -> None:
    clients = _sheet("Клиенты", [list(r) for r in CLIENTS])
    clients["notes"] = [{"address": "$B$2"}]  # a staff note
    api = _api(clients)
    fills: dict[str, Any] = {}
    api, _ = _press(buttons.check_now, api, fills, "b1.xlsx")
    assert fills["Клиенты"][(3, 3)] == "#ffc7ce"
    api, second = _press(buttons.check_now, api, fills, "b2.xlsx")
    on_clients = [a["func"] for a in second if a["sheet_position"] == 0]
    assert on_clients == []  # nothing painted, noted or written twice
    # staff fix the phone: its fill and note go, nothing else on the sheet changes
    api["sheets"][0]["values"][2][2] = "+7 912 000-11-22"
    api, third = _press(buttons.check_now, api, fills, "b3.xlsx")
    assert (3, 3) not in fills["Клиенты"]
    assert ("deleteNote", ["$C$3"]) in [(a["func"], a["args"]) for a in third]
    assert fills["Клиенты"][(3, 4)] == "#ffeb9c"  # the email warning stays
    api, _ = _press(buttons.clear_highlights, api, fills, "b4.xlsx")
    assert fills["Клиенты"] == {}
    notes = {n["address"] for n in api["sheets"][0]["notes"]}
    assert notes == {"$B$2"}  # only the staff note is left
