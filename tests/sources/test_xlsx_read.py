"""Reading workbooks: typed values, error cells, 1-based rows, and clear errors for bad files."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest

from sync.core.model import ExcelError, column_letters
from sync.errors import SourceError
from sync.sources.xlsx.read import column_index, read_grids
from sync.sources.xlsx.source import XlsxSource


def _workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Клиенты"
    ws.append(["ID", "ФИО", "Телефон", "Дата рождения"])
    ws.append(["C1", "Иванов Иван", 79123456789, dt.datetime(1990, 5, 1)])
    ws.append([None, "  петров ", "8 912", "#N/A"])
    ws["A5"] = "после пустой строки"
    wb.create_sheet("Заказы").append(["Дата", "ID клиента", "Сумма"])
    wb.save(path)
    return path


def test_values_keep_their_types_and_rows(tmp_path: Path) -> None:
    grids, missing, _ = read_grids(_workbook(tmp_path / "c.xlsx"), ["Клиенты", "Контакты"])
    grid = grids["Клиенты"]
    assert missing == ("Контакты",)
    assert grid.cell(1, 2) == "ФИО"
    assert grid.cell(2, 3) == 79123456789  # a phone typed as a number stays a number
    assert grid.cell(2, 4) == dt.date(1990, 5, 1)
    assert grid.cell(3, 1) is None  # empty cells are None, never ""
    assert grid.cell(3, 2) == "  петров "  # spaces as typed
    assert grid.cell(3, 4) == ExcelError("#N/A")  # calamine alone would give ""
    assert grid.cell(4, 1) is None and grid.cell(5, 1) == "после пустой строки"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"ID;Name;Phone\n1;Ivan;+79123456789\n", "CSV"),
        # Cyrillic headers: the 8th byte cuts a two-byte letter in half; and cp1251
        ("ФИО;Телефон\nИванов;89123456789\n".encode(), "CSV"),
        ("ФИО;Телефон\nИванов;89123456789\n".encode("cp1251"), "CSV"),
        (bytes(range(256)) * 3, "not a zip package"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "password-protected"),
        (b"PK\x03\x04garbage", "damaged"),
    ],
)
def test_bad_files_get_a_clear_error_naming_the_file(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "branch2.xlsx"
    path.write_bytes(content)
    with pytest.raises(SourceError) as err:
        XlsxSource(path).read(["Клиенты"])
    assert "branch2.xlsx" in str(err.value)
    assert expected in str(err.value)


def test_truncated_zip_is_reported_not_crashed(tmp_path: Path) -> None:
    good = _workbook(tmp_path / "good.xlsx")
    half = tmp_path / "half.xlsx"
    half.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(SourceError, match=r"half\.xlsx"):
        XlsxSource(half).read(["Клиенты"])


def test_version_changes_when_the_file_changes(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "c.xlsx")
    first = XlsxSource(path).read(["Клиенты"]).version
    assert XlsxSource(path).read(["Клиенты"]).version == first
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("docProps/extra.txt", "x")
    assert XlsxSource(path).read(["Клиенты"]).version != first


@pytest.mark.parametrize(
    ("letters", "index"),
    [("A", 1), ("Z", 26), ("AA", 27), ("AB", 28), ("ZZ", 702), ("AAA", 703), ("XFD", 16384)],
)
def test_column_letters_round_trip(letters: str, index: int) -> None:
    assert column_index(letters) == index
    assert column_letters(index) == letters
