"""The Sheets emulator driven through the real gspread client (``local_client``)."""

from __future__ import annotations

import threading
from typing import Any

import gspread
import pytest
import requests
from gspread.exceptions import APIError
from gspread.utils import ValueInputOption, ValueRenderOption
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.testing.gspread_local import local_client
from sync.testing.sheets.a1 import (
    RangeError,
    clamp,
    column_index,
    column_letters,
    format_box,
    parse_a1,
)
from sync.testing.sheets.emulator import SheetsEmulator

CLIENTS = [
    ["ID", "ФИО", "Телефон", "Email"],
    ["C000001", "Иванов Иван", "8 (912) 345-67-89", "ivan@mail.ru"],
    ["C000002", "Петренко Олена", "067 123 45 67", "olena@ukr.net"],
]


@pytest.fixture
def client(emu: SheetsEmulator) -> gspread.Client:
    return local_client(emu.base_url)


@pytest.fixture
def book(emu: SheetsEmulator, client: gspread.Client) -> gspread.Spreadsheet:
    sid = emu.create_spreadsheet("База клиентов", {"Клиенты": CLIENTS, "Заказы": []})
    return client.open_by_key(sid)


def drive_meta(client: gspread.Client, file_id: str) -> dict[str, Any]:
    """What clientbase polls: Drive files.get(fields=version,modifiedTime)."""
    url = f"{gspread.urls.DRIVE_FILES_API_V3_URL}/{file_id}"
    response = client.http_client.request("get", url, params={"fields": "version,modifiedTime"})
    meta: dict[str, Any] = response.json()
    return meta


# ------------------------------------------------------------------ spreadsheets


def test_create_gives_google_defaults(emu: SheetsEmulator, client: gspread.Client) -> None:
    book = client.create("Новая база")
    ws = book.sheet1
    assert (book.title, ws.title, ws.id) == ("Новая база", "Sheet1", 0)
    assert (ws.row_count, ws.col_count) == (1000, 26)
    assert book.timezone == "Etc/GMT" and book.locale == "en_US"
    assert client.open("Новая база").id == book.id
    meta = drive_meta(client, book.id)
    assert meta["version"].isdigit() and meta["modifiedTime"].endswith("Z")


def test_stopped_emulator_answers_nothing() -> None:
    emu = SheetsEmulator()
    client = local_client(emu.start())
    sid = emu.create_spreadsheet("x")
    assert client.open_by_key(sid).sheet1.title == "Sheet1"  # leaves a kept-alive connection
    emu.stop()
    with pytest.raises(requests.ConnectionError):
        client.open_by_key(sid)


def test_open_missing_spreadsheet_is_404(client: gspread.Client) -> None:
    with pytest.raises(gspread.SpreadsheetNotFound):
        client.open_by_key("does-not-exist")


def test_seeded_values_read_back(book: gspread.Spreadsheet) -> None:
    ws = book.worksheet("Клиенты")
    assert ws.get_all_values() == CLIENTS
    # An empty sheet has no "values" key at all, as in Google's answers.
    assert "values" not in book.values_get("Заказы")


def test_delete_spreadsheet(emu: SheetsEmulator, client: gspread.Client) -> None:
    book = client.create("Удалить")
    client.del_spreadsheet(book.id)
    assert book.id not in emu.spreadsheet_ids()
    with pytest.raises(gspread.SpreadsheetNotFound):
        client.open_by_key(book.id)


# ------------------------------------------------------------------ values


def test_raw_keeps_formula_text_and_leading_zeros(emu: SheetsEmulator, book: Any) -> None:
    ws = book.worksheet("Клиенты")
    ws.update([['=HYPERLINK("x")', "0671234567", "2020-01-01"]], "A5", value_input_option="RAW")
    assert ws.get("A5:C5", value_render_option="FORMULA") == [
        ['=HYPERLINK("x")', "0671234567", "2020-01-01"]
    ]
    assert emu.cell(book.id, "'Клиенты'!A5")["userEnteredValue"] == {
        "stringValue": '=HYPERLINK("x")'
    }


def test_user_entered_parses_like_sheets(emu: SheetsEmulator, book: Any) -> None:
    ws = book.worksheet("Клиенты")
    row = ['=HYPERLINK("x")', "0671234567", "2020-01-01", "=3/2", "'007", "TRUE"]
    ws.update([row], "A5", value_input_option="USER_ENTERED")
    assert ws.get("A5:F5", value_render_option="FORMULA") == [
        ['=HYPERLINK("x")', 671234567, 43831, "=3/2", "007", True]
    ]
    assert ws.get("A5:F5", value_render_option="UNFORMATTED_VALUE") == [
        ["x", 671234567, 43831, 1.5, "007", True]
    ]
    assert ws.get("A5:F5") == [["x", "671234567", "2020-01-01", "1.5", "007", "TRUE"]]
    assert emu.cell(book.id, "'Клиенты'!A5")["userEnteredValue"] == {
        "formulaValue": '=HYPERLINK("x")'
    }


def test_unsupported_formula_is_kept_but_has_no_value(book: gspread.Spreadsheet) -> None:
    ws = book.worksheet("Клиенты")
    ws.update([["=VLOOKUP(A1;B:C;2;0)"]], "E1", value_input_option=ValueInputOption.user_entered)
    assert (
        ws.acell("E1", value_render_option=ValueRenderOption.formula).value
        == "=VLOOKUP(A1;B:C;2;0)"
    )
    assert ws.acell("E1").value is None


def test_batch_get_several_ranges(book: gspread.Spreadsheet) -> None:
    ws = book.worksheet("Клиенты")
    got = ws.batch_get(["A1:B1", "C2:C3", "D:D"])
    assert [list(r) for r in got] == [
        [["ID", "ФИО"]],
        [["8 (912) 345-67-89"], ["067 123 45 67"]],
        [["Email"], ["ivan@mail.ru"], ["olena@ukr.net"]],
    ]
    assert [r.range for r in got] == ["'Клиенты'!A1:B1", "'Клиенты'!C2:C3", "'Клиенты'!D1:D1000"]


def test_values_batch_update_and_columns_major(book: gspread.Spreadsheet) -> None:
    body = {
        "valueInputOption": "RAW",
        "data": [
            {
                "range": "'Клиенты'!E1:E3",
                "values": [["Город", "Москва", "Київ"]],
                "majorDimension": "COLUMNS",
            },
            {"range": "Заказы!A1", "values": [["Дата", "Сумма"]]},
        ],
    }
    reply = book.values_batch_update(body)
    assert reply["totalUpdatedCells"] == 5 and reply["totalUpdatedSheets"] == 2
    assert book.worksheet("Клиенты").col_values(5) == ["Город", "Москва", "Київ"]
    assert book.values_get("Заказы!A:B", params={"majorDimension": "COLUMNS"})["values"] == [
        ["Дата"],
        ["Сумма"],
    ]


def test_writing_outside_bounded_range_is_400(book: gspread.Spreadsheet) -> None:
    ws = book.worksheet("Клиенты")
    with pytest.raises(APIError) as err:
        ws.update([["a", "b", "c"]], "A1:B1")
    assert err.value.code == 400
    assert ws.row_values(1) == CLIENTS[0]


def test_append_goes_after_the_table(book: gspread.Spreadsheet) -> None:
    ws = book.worksheet("Клиенты")
    reply = ws.append_row(["C000003", "Сидоров Пётр", "+7 912 000 00 00", "petr@ya.ru"])
    assert reply["tableRange"] == "'Клиенты'!A1:D3"
    assert reply["updates"]["updatedRange"] == "'Клиенты'!A4:D4"
    assert ws.row_values(4)[0] == "C000003"


def test_clear_keeps_notes_and_formats(emu: SheetsEmulator, book: Any) -> None:
    ws = book.worksheet("Клиенты")
    ws.insert_notes({"B2": "Проверьте телефон"})
    ws.format("B2", {"backgroundColor": {"red": 1, "green": 0.78, "blue": 0.81}})
    ws.batch_clear(["A2:D3"])
    cell = emu.cell(book.id, "'Клиенты'!B2")
    assert "userEnteredValue" not in cell
    assert cell["note"] == "Проверьте телефон"
    assert cell["userEnteredFormat"]["backgroundColor"]["red"] == 1


@pytest.mark.parametrize(
    "bad_range", ["'Нет такого'!A1", "Клиенты!A0", "Клиенты!ZZZZ1", "'Клиенты'!A1:B2:C3"]
)
def test_bad_ranges_are_400_in_googles_shape(book: gspread.Spreadsheet, bad_range: str) -> None:
    with pytest.raises(APIError) as err:
        book.values_get(bad_range)
    assert err.value.code == 400
    assert err.value.error["status"] == "INVALID_ARGUMENT"
    assert bad_range in err.value.error["message"]


# ------------------------------------------------------------------ formats, notes, sheets


def test_repeat_cell_mask_touches_format_only(emu: SheetsEmulator, book: Any) -> None:
    ws = book.worksheet("Клиенты")
    fill = {"red": 1, "green": 0.78, "blue": 0.81}
    book.batch_update(
        {
            "requests": [
                {
                    "repeatCell": {
                        "range": {
                            "sheetId": ws.id,
                            "startRowIndex": 1,
                            "endRowIndex": 3,
                            "startColumnIndex": 2,
                            "endColumnIndex": 3,
                        },
                        "cell": {
                            "userEnteredFormat": {"backgroundColor": fill},
                            "userEnteredValue": {"stringValue": "WIPED"},
                        },
                        "fields": "userEnteredFormat.backgroundColor",
                    }
                }
            ]
        }
    )
    assert ws.col_values(3) == [row[2] for row in CLIENTS]
    fmt = emu.cell(book.id, "'Клиенты'!C2")["userEnteredFormat"]
    assert fmt == {"backgroundColor": fill, "backgroundColorStyle": {"rgbColor": fill}}


def test_narrow_mask_keeps_other_format_fields(emu: SheetsEmulator, book: Any) -> None:
    ws = book.worksheet("Клиенты")
    ws.format("A1:D1", {"textFormat": {"bold": True}})
    ws.format("A1:D1", {"backgroundColor": {"blue": 1}})  # gspread masks userEnteredFormat(...)
    fmt = emu.cell(book.id, "'Клиенты'!B1")["userEnteredFormat"]
    assert fmt["textFormat"] == {"bold": True}
    assert fmt["backgroundColor"] == {"blue": 1}


def test_notes_round_trip(book: gspread.Spreadsheet) -> None:
    ws = book.worksheet("Клиенты")
    ws.insert_notes({"C3": "Неверный номер: 067 123 45 67", "A1": "служебная"})
    assert ws.get_note("C3") == "Неверный номер: 067 123 45 67"
    assert ws.get_notes(grid_range="A1:C3") == [
        ["служебная", "", ""],
        ["", "", ""],
        ["", "", "Неверный номер: 067 123 45 67"],
    ]
    ws.clear_notes(["C3"])
    assert ws.get_note("C3") == ""
    assert ws.get_note("A1") == "служебная"


def test_add_and_delete_worksheet(book: gspread.Spreadsheet) -> None:
    ws = book.add_worksheet("Проблемы", rows=5, cols=3)
    assert ws.id != 0 and (ws.row_count, ws.col_count) == (5, 3) and ws.index == 2
    with pytest.raises(APIError) as err:
        book.add_worksheet("Проблемы", rows=5, cols=3)
    assert err.value.code == 400 and "already exists" in err.value.error["message"]
    book.del_worksheet(ws)
    assert [w.title for w in book.worksheets()] == ["Клиенты", "Заказы"]


def test_writes_expand_the_grid(book: gspread.Spreadsheet) -> None:
    ws = book.add_worksheet("Узкий", rows=2, cols=2)
    ws.update([["a", "b", "c"]] * 3, "A1")
    ws = book.worksheet("Узкий")
    assert (ws.row_count, ws.col_count) == (3, 3)


def test_insert_and_delete_rows_move_values_and_notes(book: gspread.Spreadsheet) -> None:
    ws = book.worksheet("Клиенты")
    ws.insert_notes({"B3": "дубль"})
    ws.insert_rows([["новый"]], row=2)
    assert ws.col_values(2)[:4] == ["ФИО", "", "Иванов Иван", "Петренко Олена"]
    assert ws.get_note("B4") == "дубль"
    ws.delete_rows(2)
    assert ws.get_all_values() == CLIENTS
    assert ws.get_note("B3") == "дубль"


def test_freeze_and_hide(book: gspread.Spreadsheet) -> None:
    ws = book.worksheet("Клиенты")
    ws.freeze(rows=1)
    ws.hide_columns(3, 4)
    meta = book.fetch_sheet_metadata({"includeGridData": "true", "ranges": "'Клиенты'!A1:E1"})
    sheet = meta["sheets"][0]
    assert sheet["properties"]["gridProperties"]["frozenRowCount"] == 1
    hidden = [c.get("hiddenByUser", False) for c in sheet["data"][0]["columnMetadata"]]
    assert hidden == [False, False, False, True, False]


def test_protected_range_warning_only(emu: SheetsEmulator, book: gspread.Spreadsheet) -> None:
    ws = book.worksheet("Клиенты")
    reply = ws.add_protected_range("A1:D1", warning_only=True, description="заголовки")
    prot = reply["replies"][0]["addProtectedRange"]["protectedRange"]
    assert prot["warningOnly"] is True and "editors" not in prot
    listed = book.list_protected_ranges(ws.id)
    assert [p["protectedRangeId"] for p in listed] == [prot["protectedRangeId"]]
    ws.delete_protected_range(prot["protectedRangeId"])
    assert book.list_protected_ranges(ws.id) == []


def test_protected_range_lists_the_owner_as_editor(emu: SheetsEmulator, book: Any) -> None:
    ws = book.worksheet("Клиенты")
    ws.add_protected_range("A:A")
    (prot,) = book.list_protected_ranges(ws.id)
    assert prot["editors"]["users"] == [emu.user_email]
    # sheetId 0 is a proto default, which Google leaves out of GridRanges.
    assert ws.id == 0
    assert prot["range"] == {"startColumnIndex": 0, "endColumnIndex": 1}


def test_data_validation_is_stored(emu: SheetsEmulator, book: gspread.Spreadsheet) -> None:
    ws = book.worksheet("Клиенты")
    ws.add_validation("E2:E3", gspread.utils.ValidationConditionType.one_of_list, ["да", "нет"])
    condition = emu.cell(book.id, "'Клиенты'!E3")["dataValidation"]["condition"]
    assert condition == {
        "type": "ONE_OF_LIST",
        "values": [{"userEnteredValue": "да"}, {"userEnteredValue": "нет"}],
    }
    assert "dataValidation" not in emu.cell(book.id, "'Клиенты'!E4")


# ------------------------------------------------------------------ atomicity and errors


def test_failed_batch_changes_nothing(emu: SheetsEmulator, book: gspread.Spreadsheet) -> None:
    ws = book.worksheet("Клиенты")
    before = emu.drive_version(book.id)
    requests = [
        {
            "updateSheetProperties": {
                "properties": {"sheetId": ws.id, "title": "Переименован"},
                "fields": "title",
            }
        },
        {"deleteSheet": {"sheetId": 123456}},
    ]
    with pytest.raises(APIError) as err:
        book.batch_update({"requests": requests})
    assert err.value.code == 400
    assert "requests[1].deleteSheet" in err.value.error["message"]
    assert [w.title for w in book.worksheets()] == ["Клиенты", "Заказы"]
    assert emu.drive_version(book.id) == before


def test_unknown_request_kind_is_400(book: gspread.Spreadsheet) -> None:
    with pytest.raises(APIError) as err:
        book.batch_update({"requests": [{"makeCoffee": {}}]})
    assert err.value.code == 400 and err.value.error["status"] == "INVALID_ARGUMENT"


def test_injected_429_surfaces_as_api_error(emu: SheetsEmulator, book: Any) -> None:
    ws = book.worksheet("Клиенты")
    emu.inject_errors(status=429, count=2, retry_after=1)
    for _ in range(2):
        with pytest.raises(APIError) as err:
            ws.acell("A1")
        assert err.value.code == 429
        assert err.value.error["status"] == "RESOURCE_EXHAUSTED"
        assert err.value.response.headers["Retry-After"] == "1"
    assert ws.acell("A1").value == "ID"
    assert [r.status for r in emu.request_log[-3:]] == [429, 429, 200]


# ------------------------------------------------------------------ Drive version and counts


def test_version_moves_on_writes_only(emu: SheetsEmulator, client: Any, book: Any) -> None:
    ws = book.worksheet("Клиенты")
    start = int(drive_meta(client, book.id)["version"])
    ws.get_all_values()
    book.fetch_sheet_metadata()
    assert int(drive_meta(client, book.id)["version"]) == start
    ws.update_acell("B2", "Иванов Иван Иванович")
    ws.format("B2", {"textFormat": {"bold": True}})
    ws.append_row(["C000009"])
    assert int(drive_meta(client, book.id)["version"]) == start + 3


def test_staff_edit_bumps_version(emu: SheetsEmulator, book: gspread.Spreadsheet) -> None:
    before = emu.drive_version(book.id)
    emu.set_values(book.id, "'Клиенты'!C2", [["8 912 345 67 89"]])
    assert emu.drive_version(book.id) == before + 1
    assert book.worksheet("Клиенты").acell("C2").value == "8 912 345 67 89"
    assert emu.get_values(book.id, "'Клиенты'!A2:B2") == [["C000001", "Иванов Иван"]]


def test_request_log_counts_calls(emu: SheetsEmulator, book: gspread.Spreadsheet) -> None:
    emu.reset_counts()
    book.values_batch_get(
        ["'Клиенты'!A:D", "'Заказы'!A:C"], {"valueRenderOption": "UNFORMATTED_VALUE"}
    )
    log = emu.request_log
    assert len(log) == 1
    assert log[0].method == "GET" and log[0].path.endswith("/values:batchGet")
    assert log[0].query["ranges"] == ["'Клиенты'!A:D", "'Заказы'!A:C"]
    assert log[0].body_size == 0 and log[0].status == 200


def test_parallel_appends_are_all_kept(emu: SheetsEmulator, book: gspread.Spreadsheet) -> None:
    sid = book.id

    def worker(n: int) -> None:
        ws = local_client(emu.base_url).open_by_key(sid).worksheet("Заказы")
        for i in range(5):
            ws.append_row([f"{n}-{i}"])

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    got = sorted(str(v) for (v,) in emu.get_values(sid, "Заказы!A:A"))
    assert got == sorted(f"{n}-{i}" for n in range(4) for i in range(5))


# ------------------------------------------------------------------ A1 notation


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("'Клиенты'!A1:C5", "'Клиенты'!A1:C5"),
        ("Клиенты!A:C", "'Клиенты'!A1:C1000"),
        ("Sheet1!2:5", "Sheet1!A2:Z5"),
        ("Sheet1!A2:C", "Sheet1!A2:C1000"),
        ("Sheet1!A1:1", "Sheet1!A1:Z1"),
        ("Sheet1", "Sheet1!A1:Z1000"),
        ("'It''s'!B2", "'It''s'!B2"),
        ("Sheet1!C5:A1", "Sheet1!A1:C5"),
    ],
)
def test_a1_ranges_clamp_like_google(text: str, expected: str) -> None:
    rng = parse_a1(text, ["Sheet1", "Клиенты", "It's"])
    title = rng.sheet or "Sheet1"
    assert format_box(title, clamp(rng, 1000, 26)) == expected


@pytest.mark.parametrize("text", ["", "Sheet1!", "Sheet1!A0", "Sheet1!1:A", "'Open", " A1"])
def test_a1_rejects_garbage(text: str) -> None:
    with pytest.raises(RangeError):
        parse_a1(text, ["Sheet1"])


@given(st.integers(min_value=0, max_value=18277))
def test_column_letters_round_trip(index: int) -> None:
    assert column_index(column_letters(index)) == index


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.lists(
            st.one_of(st.text(max_size=12), st.integers(-(10**9), 10**9), st.booleans()),
            min_size=1,
            max_size=4,
        ),
        min_size=1,
        max_size=4,
    )
)
def test_raw_writes_read_back_unchanged(emulator: SheetsEmulator, rows: list[list[object]]) -> None:
    sid = emulator.create_spreadsheet("prop", {"S": []})
    book = local_client(emulator.base_url).open_by_key(sid)
    book.values_update("S!A1", {"valueInputOption": "RAW"}, {"values": rows})
    got = book.values_get("S!A1:D4", {"valueRenderOption": "UNFORMATTED_VALUE"}).get("values", [])
    expected = [list(r) for r in rows]
    for row in expected:
        while row and row[-1] == "":
            row.pop()
    while expected and not expected[-1]:
        expected.pop()
    assert got == expected
