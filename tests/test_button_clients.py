"""The buttons as each xlwings Server client calls them, through xlwings' real remote engine.

The payloads are built the way each client builds them: xlwings' VBA client (``Remote.bas``,
``RunServerPython``) sends ``"client": "VBA"`` and sheets without a ``"notes"`` key; the Office.js
client sends each sheet's notes list with ExcelApi 1.18, and without it no list or
``"notes_supported": false``. The VBA client runs only the actions its ``Remote.bas`` defines
(``Application.Run action("func")``), so the replies are checked against that file.
"""

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
from sync.sources.excel.live import uniform_blocks

from .excel_client import cells_of, replay

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
xw = pytest.importorskip("xlwings")
if "remote" not in [e.name for e in xw.engines]:  # imported earlier without the key
    from xlwings.pro import _xlremote

    xw.engines.add(xw.main.Engine(impl=_xlremote.engine))
ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2026, 11, 1)
REMOTE_BAS = Path(xw.__file__).parent / "addin" / "Remote.bas"

CLIENTS = [
    ["ID", "ФИО", "Телефон", "Email"],
    ["C1", "Иванов Иван Петрович", "+7 912 345-67-89", "ivanov@mail.ru"],
    ["C2", "Петрова Анна Сергеевна", "12345", "petrova@gmial.com"],
    ["C3", "Сидоренко Олег", "067 123 45 67", ""],
    ["", "Иванов Иван Петрович", "8 (912) 345-67-89", ""],
]
KINDS = ("vba", "officejs", "officejs-no-list", "officejs-unsupported")


@pytest.fixture(autouse=True)
def _no_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLIENTBASE_CONFIG", raising=False)


def payload(kind: str, *sheets: tuple[str, list[list[Any]]]) -> dict[str, Any]:
    """The request body as the client ``kind`` sends it."""
    out = []
    for name, values in sheets:
        sheet: dict[str, Any] = {"name": name, "pictures": [], "tables": []}
        if kind == "officejs":
            sheet["notes"] = []
        elif kind == "officejs-unsupported":
            sheet.update(notes=[], notes_supported=False)
        sheet["values"] = copy.deepcopy(values)
        out.append(sheet)
    return {
        "client": "VBA" if kind == "vba" else "Office.js",
        "version": xw.__version__,
        "book": {"name": f"{kind}.xlsm", "active_sheet_index": 0, "selection": "A1"},
        "names": [],
        "sheets": out,
    }


def press(button: Any, api: dict[str, Any], name: str) -> list[dict[str, Any]]:
    api = {**api, "book": {**api["book"], "name": name}}  # xlwings knows books by name
    book = xw.Book(json=copy.deepcopy(api))
    button(book, AS_OF) if button is not buttons.clear_highlights else button(book)
    return list(book.json()["actions"])


def _vba_actions() -> set[str]:
    text = REMOTE_BAS.read_text("utf-8", errors="replace")
    return set(re.findall(r"^Sub (\w+)\(wb As Workbook, action As Dictionary\)", text, re.M))


def _module_macros() -> dict[str, int]:
    """Helper Subs of ClientBaseRemote.bas -> how many arguments they take after ``wb``."""
    text = (ROOT / "macros" / "ClientBaseRemote.bas").read_text("ascii")
    subs = re.findall(r"^Sub (\w+)\(wb As Workbook((?:, \w+ As \w+)*)\)", text, re.M)
    return {name: rest.count(",") for name, rest in subs}


def _fills(actions: list[dict[str, Any]]) -> dict[tuple[int, int], str]:
    out: dict[tuple[int, int], str] = {}
    for a in actions:
        if a["func"] == "runMacro" and a["args"][0].endswith("!ClientBasePaint"):
            sheet, address, colour = a["args"][1:]
            if sheet == "Клиенты":
                out.update(dict.fromkeys(cells_of(address), colour.lower()))
        if a["sheet_position"] != 0:
            continue
        if a["func"] == "setRangeColor":
            for i in range(a["row_count"]):
                for j in range(a["column_count"]):
                    out[(a["start_row"] + 1 + i, a["start_column"] + 1 + j)] = a["args"][0].lower()
        elif a["func"] == "setRangeColors":
            for i, row in enumerate(a["args"][0]):
                for j, colour in enumerate(row):
                    if colour != "keep":
                        out[(a["start_row"] + 1 + i, a["start_column"] + 1 + j)] = colour
    return out


@pytest.mark.parametrize("kind", ["vba", "officejs-no-list", "officejs-unsupported"])
def test_a_client_without_notes_gets_colours_links_and_one_message_box(kind: str) -> None:
    api = payload(kind, ("Клиенты", CLIENTS))
    actions = press(buttons.check_now, api, f"{kind}-1.xlsm")
    fills = _fills(actions)
    assert fills[(3, 3)] == "#ffc7ce" and fills[(3, 4)] == "#ffeb9c"  # painted as ever
    assert not [a for a in actions if "Note" in a["func"]]
    if kind == "vba":  # the module's helper links the cells of the Problems sheet's column H
        (linked,) = [
            a["args"][1:]
            for a in actions
            if a["func"] == "runMacro" and a["args"][0].endswith("!ClientBaseLinkCells")
        ]
        assert linked == ["Проблемы", "H2:H7"]
    else:
        links = {
            a["args"][0]
            for a in actions
            if a["func"] == "addHyperlink" and a["sheet_position"] == 1  # the Problems sheet
        }
        assert {"#'Клиенты'!C3", "#'Клиенты'!D3"} <= links
    alerts = [a["args"] for a in actions if a["func"] == "alert"]
    assert len(alerts) == 1 and alerts[0][1] == "clientbase"
    assert "на листе «Проблемы»" in alerts[0][0] and "примечания" in alerts[0][0]


def test_the_vba_client_gets_only_actions_its_remote_bas_runs() -> None:
    known, macros = _vba_actions(), _module_macros()
    assert {"setValues", "setRangeColor", "addHyperlink", "alert", "runMacro"} <= known
    api = payload("vba", ("Клиенты", CLIENTS))
    fills: dict[str, Any] = {}
    first = press(buttons.check_now, api, "v1.xlsm")
    api = replay(api, first, fills)
    api["sheets"][0]["values"][2][2] = "+7 912 000-11-22"  # staff fix the phone
    fixed = press(buttons.check_now, api, "v2.xlsm")
    api = replay(api, fixed, fills)
    cleared = press(buttons.clear_highlights, api, "v3.xlsm")
    replay(api, cleared, fills)
    for action in first + fixed + cleared:
        assert action["func"] in known, action["func"]
        if action["func"] == "runMacro":
            book, _, name = action["args"][0].rpartition("!")
            assert book.startswith("'v") and name in macros
            assert len(action["args"]) - 1 == macros[name]
        if action["func"] == "setRangeColor":
            assert isinstance(action["args"][0], str)  # Remote.bas' HexToRgb takes no Null
        if action["func"] == "runMacro":
            assert all(len(str(arg)) <= 255 for arg in action["args"][1:])
    assert fills["Клиенты"] == {}  # the fixed cell first, then all the tool's fills, went


def test_pressing_again_on_vba_repaints_nothing_and_a_fix_clears_its_fill() -> None:
    api = payload("vba", ("Клиенты", CLIENTS))
    fills: dict[str, Any] = {}
    api = replay(api, press(buttons.check_now, api, "r1.xlsm"), fills)
    assert fills["Клиенты"][(3, 3)].lower() == "#ffc7ce"
    again = press(buttons.check_now, api, "r2.xlsm")
    assert [a for a in again if a["sheet_position"] == 0] == []
    api["sheets"][0]["values"][2][2] = "+7 912 000-11-22"
    api = replay(api, press(buttons.check_now, api, "r3.xlsm"), fills)
    assert (3, 3) not in fills["Клиенты"] and fills["Клиенты"][(3, 4)].lower() == "#ffeb9c"


def test_officejs_with_notes_support_gets_notes_and_no_message_box() -> None:
    actions = press(buttons.check_now, payload("officejs", ("Клиенты", CLIENTS)), "o1.xlsx")
    notes = {a["args"][0] for a in actions if a["func"] == "addNote"}
    assert {"$C$3", "$D$3"} <= notes
    assert not [a for a in actions if a["func"] in ("alert", "addHyperlink")]
    assert sum(1 for a in actions if a["func"] == "setRangeColors") == 1


def test_the_message_box_speaks_the_configs_language() -> None:
    conf = [["language", "uk"], ["sheets.clients.name", "Клієнти"]]
    api = payload("vba", ("Клієнти", CLIENTS), ("clientbase.conf", conf))
    alerts = [
        a["args"][0] for a in press(buttons.check_now, api, "uk.xlsm") if a["func"] == "alert"
    ]
    assert len(alerts) == 1 and "на аркуші «Проблеми»" in alerts[0]


def test_merging_from_vba_does_not_crash_on_the_merge_note() -> None:
    clients = copy.deepcopy(CLIENTS)
    clients[4] = ["C4", "Иванов Иван Петрович", "8 (912) 345-67-89", "ivan@yandex.ru"]
    api = payload("vba", ("Клиенты", clients))
    api["book"]["selection"] = "B5"
    book = xw.Book(json=api)
    result = buttons.merge_selected_duplicates(book, AS_OF)
    assert result is not None and result.plan.merged_rows == (5,)
    actions = list(book.json()["actions"])
    assert not [a for a in actions if "Note" in a["func"]]
    assert all(a["func"] in _vba_actions() for a in actions)


@given(
    st.dictionaries(
        st.tuples(st.integers(1, 60), st.integers(1, 12)),
        st.sampled_from(["#ffc7ce", "#ffeb9c", "#c6efce"]),
        min_size=1,
        max_size=300,
    )
)
def test_uniform_blocks_cover_each_cell_once_in_its_own_colour(
    changes: dict[tuple[int, int], str],
) -> None:
    covered: dict[tuple[int, int], str] = {}
    for top, left, bottom, right, colour in uniform_blocks(changes):
        for r in range(top, bottom + 1):
            for c in range(left, right + 1):
                assert (r, c) not in covered
                covered[(r, c)] = colour
    assert covered == changes


def test_notes_written_by_office_js_outlive_a_vba_press_and_go_with_the_next_office_js() -> None:
    fills: dict[str, Any] = {}
    office = payload("officejs", ("Клиенты", CLIENTS))
    office = replay(office, press(buttons.check_now, office, "m1.xlsx"), fills)
    noted = {n["address"] for n in office["sheets"][0]["notes"]}
    assert "$C$3" in noted
    # the same workbook from a VBA computer, after staff fixed the phone: no note can go
    vba = copy.deepcopy(office)
    vba["client"] = "VBA"
    for sheet in vba["sheets"]:
        sheet.pop("notes", None)
    vba["sheets"][0]["values"][2][2] = "+7 912 000-11-22"
    actions = press(buttons.check_now, vba, "m2.xlsm")
    assert not [a for a in actions if "Note" in a["func"]]
    after_vba = replay(vba, actions, fills)
    assert (3, 3) not in fills["Клиенты"]  # the fill went
    # back on Office.js: the stale note, still in the tool's record, is removed now
    back = copy.deepcopy(after_vba)
    back["client"] = "Office.js"
    for sheet, before in zip(back["sheets"], office["sheets"] + [None] * 9, strict=False):
        sheet["notes"] = copy.deepcopy(before["notes"]) if before else []
    actions = press(buttons.check_now, back, "m3.xlsx")
    assert ("deleteNote", ["$C$3"]) in [(a["func"], a["args"]) for a in actions]
