"""The daemon's memory of its last parses: an unchanged sheet comes back as the very same grid;
a change in any part its values are made from (the sheet, shared strings, styles, the
workbook's date system) gives a fresh parse with the new values; a one-shot process keeps
nothing."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sync.core.model import ExcelError
from sync.errors import ConflictError
from sync.sources.xlsx import read as xlsx_read
from sync.sources.xlsx.read import read_grids
from sync.sources.xlsx.source import XlsxSource
from sync.speed import incremental

SHEETS = ["Клиенты", "Заказы"]


@pytest.fixture
def memo() -> Iterator[None]:
    incremental.remember_rows()
    yield
    incremental.remember_rows(False)


_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<workbookPr/><bookViews><workbookView activeTab="0"/></bookViews><sheets>'
        '<sheet name="Клиенты" sheetId="1" r:id="rId1"/>'
        '<sheet name="Заказы" sheetId="2" r:id="rId2"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet2.xml"/>'
        '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/sharedStrings" Target="sharedStrings.xml"/>'
        '<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/styles" Target="styles.xml"/></Relationships>'
    ),
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<numFmts count="1"><numFmt numFmtId="164" formatCode="dd.mm.yyyy"/></numFmts>'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
        '<borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        "</cellStyleXfs>"
        '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" '
        'applyNumberFormat="1"/></cellXfs></styleSheet>'
    ),
    "xl/sharedStrings.xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="9" '
        'uniqueCount="9"><si><t>ID</t></si><si><t>ФИО</t></si><si><t>Дата рождения</t></si>'
        "<si><t>C1</t></si><si><t>Иванов Иван</t></si><si><t>C2</t></si>"
        "<si><t>Петров Пётр</t></si><si><t>Дата</t></si><si><t>Сумма</t></si></sst>"
    ),
    "xl/worksheets/sheet1.xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<dimension ref="A1:C3"/><sheetData>'
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
        '<c r="C1" t="s"><v>2</v></c></row>'
        '<row r="2"><c r="A2" t="s"><v>3</v></c><c r="B2" t="s"><v>4</v></c>'
        '<c r="C2" s="1"><v>32994</v></c></row>'  # 1990-05-01
        '<row r="3"><c r="A3" t="s"><v>5</v></c><c r="B3" t="s"><v>6</v></c>'
        '<c r="C3" t="e"><v>#N/A</v></c></row>'
        "</sheetData></worksheet>"
    ),
    "xl/worksheets/sheet2.xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<dimension ref="A1:C2"/><sheetData>'
        '<row r="1"><c r="A1" t="s"><v>7</v></c><c r="B1" t="s"><v>0</v></c>'
        '<c r="C1" t="s"><v>8</v></c></row>'
        '<row r="2"><c r="A2" s="1"><v>46024</v></c><c r="B2" t="s"><v>3</v></c>'
        '<c r="C2"><v>150.5</v></c></row>'
        "</sheetData></worksheet>"
    ),
}


def _workbook(path: Path) -> Path:
    """Two sheets with shared strings, a date-formatted number and an error cell."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in _PARTS.items():
            zf.writestr(name, text)
    return path


def _edit(path: Path, part: str, change: Callable[[str], str]) -> None:
    """Rewrite one part of the package, the others kept byte for byte (as Excel saves)."""
    with zipfile.ZipFile(path) as zf:
        parts = [(info, zf.read(info)) for info in zf.infolist()]
    assert part in {info.filename for info, _ in parts}
    tmp = path.with_name("tmp.xlsx")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in parts:
            if info.filename != part:
                out.writestr(info, data)
                continue
            new = change(data.decode("utf-8"))
            assert new != data.decode("utf-8"), "the edit changed nothing"
            out.writestr(info, new.encode("utf-8"))
    tmp.replace(path)


def _part(path: Path, sheet: str) -> str:
    with zipfile.ZipFile(path) as zf:
        return xlsx_read.sheet_parts(zf)[sheet]


def _read(path: Path) -> dict[str, object]:
    return dict(XlsxSource(path).read(SHEETS).sheets)


def test_an_unchanged_workbook_gives_the_very_same_grids(memo: None, tmp_path: Path) -> None:
    path = _workbook(tmp_path / "c.xlsx")
    first = XlsxSource(path).read(SHEETS)
    second = XlsxSource(path).read(SHEETS)
    for name in SHEETS:
        assert second.sheets[name] is first.sheets[name]
    clients = second.sheets["Клиенты"]
    assert clients.cell(3, 3) == ExcelError("#N/A")  # the error cell scan is kept with it
    assert second.sheets["Заказы"].has_errors is False
    assert list(second.sheets) == SHEETS


def test_a_changed_sheet_alone_is_parsed_again(memo: None, tmp_path: Path) -> None:
    path = _workbook(tmp_path / "c.xlsx")
    first = _read(path)
    _edit(path, _part(path, "Заказы"), lambda xml: xml.replace("150.5", "99.25"))
    second = XlsxSource(path).read(SHEETS)
    assert second.sheets["Клиенты"] is first["Клиенты"]
    assert second.sheets["Заказы"] is not first["Заказы"]
    assert second.sheets["Заказы"].cell(2, 3) == 99.25


def test_changed_shared_strings_parse_every_sheet_again(memo: None, tmp_path: Path) -> None:
    path = _workbook(tmp_path / "c.xlsx")
    first = _read(path)
    _edit(path, "xl/sharedStrings.xml", lambda xml: xml.replace("Иванов Иван", "Иванов Илья"))
    second = XlsxSource(path).read(SHEETS)
    assert second.sheets["Клиенты"] is not first["Клиенты"]
    assert second.sheets["Заказы"] is not first["Заказы"]
    assert second.sheets["Клиенты"].cell(2, 2) == "Иванов Илья"
    assert second.sheets["Клиенты"].cell(3, 3) == ExcelError("#N/A")


def test_changed_styles_parse_again(memo: None, tmp_path: Path) -> None:
    """A date format turned into a number format: the same cell is now a number."""
    path = _workbook(tmp_path / "c.xlsx")
    first = _read(path)
    assert XlsxSource(path).read(SHEETS).sheets["Клиенты"].cell(2, 3) == dt.date(1990, 5, 1)
    _edit(path, "xl/styles.xml", lambda xml: re.sub(r'formatCode="[^"]*"', 'formatCode="0"', xml))
    second = XlsxSource(path).read(SHEETS)
    assert second.sheets["Клиенты"] is not first["Клиенты"]
    value = second.sheets["Клиенты"].cell(2, 3)
    assert isinstance(value, float) and not isinstance(value, dt.date)


def test_the_1904_date_system_parses_again(memo: None, tmp_path: Path) -> None:
    path = _workbook(tmp_path / "c.xlsx")
    first = _read(path)

    def date1904(xml: str) -> str:
        if "<workbookPr" in xml:
            return re.sub(r"<workbookPr\b", '<workbookPr date1904="1"', xml, count=1)
        return re.sub(r"(<workbook\b[^>]*>)", r'\1<workbookPr date1904="1"/>', xml, count=1)

    _edit(path, "xl/workbook.xml", date1904)
    second = XlsxSource(path).read(SHEETS)
    assert second.sheets["Клиенты"] is not first["Клиенты"]
    assert second.sheets["Клиенты"].cell(2, 3) == dt.date(1994, 5, 2)  # 1462 days later


def test_other_changes_to_workbook_xml_keep_the_grids(memo: None, tmp_path: Path) -> None:
    """Excel rewrites workbook.xml when the active tab moves; the cells are the same."""
    path = _workbook(tmp_path / "c.xlsx")
    first = _read(path)
    _edit(path, "xl/workbook.xml", lambda xml: xml.replace("<bookViews>", "<bookViews >"))
    second = XlsxSource(path).read(SHEETS)
    assert second.sheets["Клиенты"] is first["Клиенты"]


def test_a_renamed_sheet_is_not_taken_for_another(memo: None, tmp_path: Path) -> None:
    path = _workbook(tmp_path / "c.xlsx")
    first = _read(path)
    _edit(path, "xl/workbook.xml", lambda xml: xml.replace('"Заказы"', '"Клиенты2"'))
    assert XlsxSource(path).read(SHEETS).missing_sheets == ("Заказы",)
    grids = XlsxSource(path).read(["Клиенты", "Клиенты2"]).sheets
    assert grids["Клиенты"] is first["Клиенты"]
    assert grids["Клиенты2"].name == "Клиенты2"


def test_a_read_that_saw_the_file_change_is_not_remembered(memo: None, tmp_path: Path) -> None:
    path = _workbook(tmp_path / "c.xlsx")

    def changed() -> None:
        raise ConflictError("changed while being read")

    with pytest.raises(ConflictError):
        read_grids(path, SHEETS, changed)
    first = _read(path)
    assert XlsxSource(path).read(SHEETS).sheets["Клиенты"] is first["Клиенты"]


def test_a_one_shot_process_keeps_nothing(tmp_path: Path) -> None:
    assert not incremental.remembering_rows()
    path = _workbook(tmp_path / "c.xlsx")
    first = _read(path)
    second = XlsxSource(path).read(SHEETS)
    assert second.sheets["Клиенты"] is not first["Клиенты"]
    assert second.sheets["Клиенты"].rows == first["Клиенты"].rows  # type: ignore[attr-defined]
    assert len(xlsx_read._PARSED) == 0


def test_forgetting_drops_the_parses(memo: None, tmp_path: Path) -> None:
    path = _workbook(tmp_path / "c.xlsx")
    first = _read(path)
    incremental.clear()
    assert XlsxSource(path).read(SHEETS).sheets["Клиенты"] is not first["Клиенты"]


def test_memory_is_bounded_by_workbooks_and_cells(memo: None, tmp_path: Path) -> None:
    parses = xlsx_read._LastParses(size=2, cell_limit=20)
    books = [_workbook(tmp_path / f"b{i}.xlsx") for i in range(3)]
    for book in books:
        grids, _, _ = read_grids(book, SHEETS)
        key = xlsx_read._SheetKey("x", "p", (0, 0), (), b"")
        parses.put(str(book), {n: xlsx_read._Parsed(key, g, 7) for n, g in grids.items()})
    assert len(parses) == 1  # 14 cells each: the two newest would hold 28 > 20
    assert parses.get(str(books[2])) is not None
    big = xlsx_read._LastParses(size=2, cell_limit=1000)
    for book in books:
        big.put(str(book), {})
    assert len(big) == 2 and big.get(str(books[0])) is None
