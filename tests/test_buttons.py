"""The Excel buttons, driven through xlwings' real remote engine: a Book is built from the JSON
that Excel's client sends, a button runs, and the actions it sends back are checked."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

import pytest

from sync import buttons
from sync.errors import UsageError

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


def _book(*sheets: dict[str, Any]) -> Any:
    api = {
        "version": xw.__version__,
        "client": "Office.js",
        "book": {"name": "clients.xlsx", "active_sheet_index": 0, "selection": "A1"},
        "names": [],
        "sheets": list(sheets),
    }
    return xw.Book(json=api)


CLIENTS = [
    ["ID", "ФИО", "Телефон", "Email"],
    ["C1", "Иванов Иван Петрович", "+7 912 345-67-89", "ivanov@mail.ru"],
    ["C2", "Петрова Анна Сергеевна", "12345", "petrova@gmial.com"],
    ["C3", "Сидоренко Олег", "067 123 45 67", ""],
    ["", "Иванов Иван Петрович", "8 (912) 345-67-89", ""],
]


def _actions(book: Any) -> list[dict[str, Any]]:
    return list(book.json()["actions"])


def test_check_now_paints_problems_and_writes_tool_columns_in_bulk() -> None:
    book = _book(_sheet("Клиенты", [list(r) for r in CLIENTS]))
    result = buttons.check_now(book, AS_OF)
    assert result is not None and result.status == "applied"
    actions = _actions(book)
    colours = {
        (a["start_row"] + 1, a["start_column"] + 1): a["args"][0]
        for a in actions
        if a["func"] == "setRangeColor" and a["sheet_position"] == 0
    }
    assert colours[(3, 3)] == "#FFC7CE"  # the bad phone, as an error
    assert colours[(3, 4)] == "#FFEB9C"  # gmial.com: a warning with the fix
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
        ("setRangeColor", [None]),
        ("deleteNote", ["$C$3"]),
    ]
    assert {(a["start_row"], a["start_column"]) for a in staff_sheet} == {(2, 2)}  # C3 only


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
    with pytest.raises(UsageError, match="no duplicate group"):
        buttons.merge_selected_duplicates(book, AS_OF)
