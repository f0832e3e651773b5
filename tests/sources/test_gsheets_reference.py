"""The Sheets emulator against Google's Sheets API v4 / Drive v3 reference, one class of input
per test, for the requests and fields the product sends (``sync/sources/gsheets/``).

Each test cites the reference section it follows (developers.google.com/sheets/api/reference/
rest/v4/... and cloud.google.com/apis/design/errors) and asserts what that text says, on raw HTTP
(the wire the product's gspread client speaks), not what the emulator happened to answer.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
import requests

from sync.testing.sheets.emulator import SheetsEmulator

ROWS = [["ID", "ФИО", "Телефон"], ["C1", "Иванов", "+7 912"], ["C2", "Петрова", "12345"]]


class Api:
    def __init__(self, emu: SheetsEmulator) -> None:
        self.sid = emu.create_spreadsheet("База", {"Клиенты": ROWS})
        self.root = f"{emu.base_url}/v4/spreadsheets/{self.sid}"
        self.drive = f"{emu.base_url}/drive/v3/files/{self.sid}"

    def values(self, rng: str, **params: Any) -> requests.Response:
        return requests.get(f"{self.root}/values/{quote(rng)}", params=params, timeout=30)

    def put(self, rng: str, values: Any, major: str = "ROWS") -> requests.Response:
        body = {"values": values, "majorDimension": major}
        url = f"{self.root}/values/{quote(rng)}"
        return requests.put(url, params={"valueInputOption": "RAW"}, json=body, timeout=30)

    def batch_values(self, data: list[dict[str, Any]]) -> requests.Response:
        body: dict[str, Any] = {"valueInputOption": "RAW", "data": data}
        return requests.post(f"{self.root}/values:batchUpdate", json=body, timeout=30)

    def batch(self, *reqs: dict[str, Any]) -> requests.Response:
        return requests.post(f"{self.root}:batchUpdate", json={"requests": list(reqs)}, timeout=30)

    def get(self, fields: str, ranges: str | None = None) -> Any:
        params = {"fields": fields, **({"ranges": ranges} if ranges else {})}
        return requests.get(self.root, params=params, timeout=30).json()

    def rows(self, rng: str = "Клиенты!A1:Z10") -> list[list[Any]]:
        return list(self.values(rng).json().get("values", []))


@pytest.fixture
def api(emu: SheetsEmulator) -> Api:
    return Api(emu)


def _google_error(answer: requests.Response, code: int, status: str) -> str:
    """cloud.google.com/apis/design/errors, "HTTP mapping": the body is
    ``{"error": {"code": <HTTP status>, "message": <text>, "status": <google.rpc.Code name>}}``."""
    assert answer.status_code == code
    assert answer.headers["Content-Type"].startswith("application/json")
    error = answer.json()["error"]
    assert error["code"] == code and error["status"] == status
    assert isinstance(error["message"], str) and error["message"]
    return str(error["message"])


def test_null_cells_are_left_alone_and_not_counted(api: Api) -> None:
    """spreadsheets.values#ValueRange, ``values``: "For input ... Null values will be skipped.
    To set a cell to an empty value, set the string value to an empty string." And
    UpdateValuesResponse: ``updatedRows`` / ``updatedColumns`` count "rows / columns where at
    least one cell ... was updated", ``updatedCells`` "the number of cells updated"."""
    answer = api.put("Клиенты!A2:C3", [[None, None, "+7 000"], [None, "", None]]).json()
    assert (answer["updatedCells"], answer["updatedRows"], answer["updatedColumns"]) == (2, 2, 2)
    assert answer["updatedRange"] == "'Клиенты'!A2:C3"
    assert api.rows() == [ROWS[0], ["C1", "Иванов", "+7 000"], ["C2", "", "12345"]]
    # BatchUpdateValuesResponse totals, COLUMNS major as the product sends its tool columns
    reply = api.batch_values(
        [
            {"range": "Клиенты!D1:D3", "majorDimension": "COLUMNS", "values": [[None, "x", None]]},
            {"range": "Клиенты!A1:B1", "majorDimension": "ROWS", "values": [[None, None]]},
        ]
    ).json()
    assert (reply["totalUpdatedCells"], reply["totalUpdatedRows"]) == (1, 1)
    assert (reply["totalUpdatedColumns"], reply["totalUpdatedSheets"]) == (1, 1)
    assert [r["updatedCells"] for r in reply["responses"]] == [1, 0]
    assert api.rows()[1] == ["C1", "Иванов", "+7 000", "x"]


def test_ragged_rows_write_what_they_hold_and_read_back_trimmed(api: Api) -> None:
    """ValueRange ``values``: "an array of arrays ... each inner array representing a major
    dimension"; rows need not be as wide as the range, and "For output, empty trailing rows
    and columns will not be included"."""
    answer = api.put("Клиенты!A2:C3", [["C9"], ["C8", "Сидоренко", ""]]).json()
    assert (answer["updatedCells"], answer["updatedColumns"]) == (4, 3)
    rows = api.rows()
    assert rows[1] == ["C9", "Иванов", "+7 912"]  # what the short row did not cover stays
    assert rows[2] == ["C8", "Сидоренко"]  # the trailing empty cell is left out of the row
    assert len(rows) == 3  # and the empty rows after the data are left out
    # values.batchGet answers one ValueRange per range, trimmed the same way
    params = {"ranges": ["Клиенты!A3:C9", "Клиенты!C1:C3"], "majorDimension": "COLUMNS"}
    got = requests.get(f"{api.root}/values:batchGet", params=params, timeout=30).json()
    assert [v["values"] for v in got["valueRanges"]] == [
        [["C8"], ["Сидоренко"]],
        [["Телефон", "+7 912"]],
    ]


def test_ranges_past_the_grid(api: Api) -> None:
    """values.get: a range beyond the sheet's grid is INVALID_ARGUMENT ("exceeds grid
    limits"); values.update of a range longer than ``values`` may not write past it (writing
    past a bounded range is an error); spreadsheets.batchUpdate: "If any request is not valid,
    the entire request will fail and nothing will be applied"."""
    message = _google_error(api.values("Клиенты!A1:AB2"), 400, "INVALID_ARGUMENT")
    assert "exceeds grid limits" in message
    _google_error(api.put("Клиенты!A1:B1", [["a", "b", "c"]]), 400, "INVALID_ARGUMENT")
    before = api.rows()
    note = {"note": "x"}
    answer = api.batch(
        {
            "updateCells": {
                "start": {"sheetId": 0, "rowIndex": 1, "columnIndex": 0},
                "rows": [{"values": [{"userEnteredValue": {"stringValue": "changed"}}]}],
                "fields": "userEnteredValue",
            }
        },
        {
            "updateCells": {
                "start": {"sheetId": 0, "rowIndex": 5000, "columnIndex": 0},
                "rows": [{"values": [note]}],
                "fields": "note",
            }
        },
    )
    _google_error(answer, 400, "INVALID_ARGUMENT")
    assert api.rows() == before  # the valid first request was not applied either


def test_a_warning_only_protection_is_answered_with_googles_fields(api: Api) -> None:
    """AddProtectedRangeResponse holds "protectedRange: The newly added protected range".
    ProtectedRange: ``protectedRangeId`` "read-only" (assigned), ``warningOnly`` "every user can
    edit ... editing will prompt a warning", ``requestingUserCanEdit`` "True if the user who
    requested this protected range can edit the protected area" (read-only, so answered), and
    ``editors``: "Editors are not supported with warningOnly protection"."""
    reply = api.batch(
        {
            "addProtectedRange": {
                "protectedRange": {
                    "range": {"sheetId": 0, "startColumnIndex": 3, "endColumnIndex": 5},
                    "description": "clientbase",
                    "warningOnly": True,
                }
            }
        }
    ).json()
    (added,) = [r["addProtectedRange"]["protectedRange"] for r in reply["replies"]]
    assert isinstance(added.pop("protectedRangeId"), int)
    # proto3 JSON leaves out fields at their default (sheetId 0), as in Google's recordings
    assert added == {
        "range": {"startColumnIndex": 3, "endColumnIndex": 5},
        "description": "clientbase",
        "warningOnly": True,
        "requestingUserCanEdit": True,
    }
    listed = api.get("sheets(protectedRanges)")["sheets"][0]["protectedRanges"]
    assert [p["warningOnly"] for p in listed] == [True] and "editors" not in listed[0]


def test_notes_follow_the_field_mask(api: Api) -> None:
    """UpdateCellsRequest ``fields``: "The fields of CellData that should be updated ... The
    root is the CellData"; a field in the mask but absent from the cell is cleared. CellData
    ``note``: "Any note on the cell". Values are not touched by a ``note`` mask."""

    def update(rows: list[dict[str, Any]]) -> None:
        start = {"sheetId": 0, "rowIndex": 1, "columnIndex": 1}
        answer = api.batch({"updateCells": {"start": start, "rows": rows, "fields": "note"}})
        assert answer.status_code == 200 and answer.json()["replies"] == [{}]

    update([{"values": [{"note": "Проверьте ФИО", "userEnteredValue": {"stringValue": "x"}}]}])
    fields = "sheets(data(rowData(values(note,formattedValue))))"
    cell = api.get(fields, "Клиенты!B2")["sheets"][0]["data"][0]["rowData"][0]["values"][0]
    assert cell == {"note": "Проверьте ФИО", "formattedValue": "Иванов"}
    update([{"values": [{}]}])  # in the mask, not in the cell: the note goes
    cell = api.get(fields, "Клиенты!B2")["sheets"][0]["data"][0]["rowData"][0]["values"][0]
    assert cell == {"formattedValue": "Иванов"}


def test_formats_follow_the_field_mask_and_leave_the_rest(api: Api) -> None:
    """RepeatCellRequest ``fields``: "The fields that should be updated. At least one field must
    be specified"; CellFormat ``backgroundColor`` is a Color whose components are floats in
    [0, 1] (zero components are left out of the JSON, as Google's proto3 output does)."""
    bold = {"textFormat": {"bold": True}}
    box = {"sheetId": 0, "startRowIndex": 2, "endRowIndex": 3, "startColumnIndex": 2}
    box["endColumnIndex"] = 3
    mask = "userEnteredFormat.textFormat.bold"
    api.batch({"repeatCell": {"range": box, "cell": {"userEnteredFormat": bold}, "fields": mask}})
    red = {"backgroundColor": {"red": 1, "green": 0.78, "blue": 0.81}}
    api.batch(
        {
            "repeatCell": {
                "range": box,
                "cell": {"userEnteredFormat": red},
                "fields": "userEnteredFormat.backgroundColor",
            }
        }
    )
    fields = "sheets(data(rowData(values(userEnteredFormat(backgroundColor,textFormat)))))"
    cell = api.get(fields, "Клиенты!C3")["sheets"][0]["data"][0]["rowData"][0]["values"][0]
    fmt = cell["userEnteredFormat"]
    assert fmt["backgroundColor"] == {"red": 1, "green": 0.78, "blue": 0.81}
    assert fmt["textFormat"]["bold"] is True  # outside the mask: kept
    assert api.rows()[2][2] == "12345"  # values are not part of a format mask
    empty_mask = {"repeatCell": {"range": box, "cell": {"userEnteredFormat": red}, "fields": ""}}
    _google_error(api.batch(empty_mask), 400, "INVALID_ARGUMENT")


def test_errors_have_googles_json_body(api: Api, emu: SheetsEmulator) -> None:
    """cloud.google.com/apis/design/errors: NOT_FOUND (404) for a spreadsheet that does not
    exist, INVALID_ARGUMENT (400) for a range naming no sheet, a body that is not JSON, and a
    batchUpdate without requests (spreadsheets.batchUpdate: ``requests`` "A list of updates to
    apply")."""
    missing = requests.get(f"{emu.base_url}/v4/spreadsheets/1NoSuchSheet0000000", timeout=30)
    assert _google_error(missing, 404, "NOT_FOUND") == "Requested entity was not found."
    assert "Unable to parse range" in _google_error(api.values("Нет!A1"), 400, "INVALID_ARGUMENT")
    bad_json = requests.post(f"{api.root}:batchUpdate", data=b"{not json", timeout=30)
    assert _google_error(bad_json, 400, "INVALID_ARGUMENT").startswith("Invalid JSON payload")
    _google_error(api.batch(), 400, "INVALID_ARGUMENT")


def test_drive_version_is_an_int64_string_that_moves_on_writes(api: Api) -> None:
    """Drive v3 files#File ``version``: "string (int64 format). A monotonically increasing
    version number for the file"; int64 fields are JSON strings."""
    first = requests.get(api.drive, params={"fields": "version"}, timeout=30).json()
    assert set(first) == {"version"} and first["version"].isdigit()
    api.put("Клиенты!A2", [["C7"]])
    second = requests.get(api.drive, params={"fields": "version"}, timeout=30).json()
    assert int(second["version"]) > int(first["version"])
