"""The surgical xlsx writer on real workbooks: it changes what the plan says and nothing else."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from sync.core.model import CellEdit, SheetEdits, ToolSheet, WritePlan
from sync.errors import SheetNotFoundError, SourceError

RED, YELLOW = "FFFFC7CE", "FFFFEB9C"
TOOL_FILLS = (RED, YELLOW, "FFDDEBF7")
INJECTION = '=HYPERLINK("x")'
NOTE = "• Телефон не похож на номер: проверьте количество цифр"


def _plan(sheet: str, *extra: CellEdit, tool_sheets: bool = True) -> WritePlan:
    """What a pass typically plans: tool-column values, highlights with notes, a Problems sheet."""
    cells = [
        CellEdit(1, 12, value="Сегмент"),
        CellEdit(2, 12, value="Лояльные"),
        CellEdit(3, 12, value=INJECTION, fill=YELLOW, note="Проверьте формулу"),
        CellEdit(4, 12, value=1234.5),
        CellEdit(5, 12, value=dt.date(2026, 10, 31)),
        CellEdit(2, 3, fill=RED, note=NOTE),
        CellEdit(3, 3, fill=RED, note="Неверный номер"),
        CellEdit(2, 2, fill=YELLOW, note="Латинские буквы в имени"),
        CellEdit(9, 1, value="новая строка"),
        *extra,
    ]
    problems = ToolSheet(
        "Проблемы",
        (("Лист", "Строка", "Сообщение", "Ссылка"), (sheet, 2, NOTE, "C2")),
        links={(2, 4): f"'{sheet}'!C2"},
        fills={(2, 2): RED},
        column_widths=(14, 8, 60, 10),
    )
    return WritePlan(
        (SheetEdits(sheet, tuple(sorted(cells, key=lambda c: (c.row, c.col)))),),
        (problems,) if tool_sheets else (),
        TOOL_FILLS,
    )


PLANNED = {"L1", "L2", "L3", "L4", "L5", "C2", "C3", "B2", "A9"}


def _written(real_file: tuple[Path, str], ox: SimpleNamespace) -> tuple[Path, Path, str]:
    src, sheet = real_file
    out = src.with_name("out" + src.suffix)
    stats = ox.apply(src, _plan(sheet), out)
    assert stats is not None
    return src, out, sheet


def test_parts_not_rewritten_are_byte_identical_in_order_and_compression(
    real_file: tuple[Path, str], ox: SimpleNamespace
) -> None:
    src, sheet = real_file
    out = src.with_name("out" + src.suffix)
    stats = ox.apply(src, _plan(sheet), out)
    assert stats is not None
    part = ox.sheet_part(src, sheet)
    allowed = {
        part,
        "xl/styles.xml",
        "[Content_Types].xml",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "docProps/app.xml",
        "xl/worksheets/_rels/" + part.rsplit("/", 1)[1] + ".rels",
    }
    for name in stats.parts_rewritten:
        ok = name in allowed or name.startswith(("customXml/", "xl/comments", "xl/drawings/"))
        ok = ok or name.startswith("xl/worksheets/sheet")  # the new Problems sheet
        assert ok, name
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(out) as b:
        old = [i for i in a.infolist() if i.filename not in stats.parts_rewritten]
        new = {i.filename: i for i in b.infolist()}
        kept_order = [i.filename for i in b.infolist() if i.filename in {o.filename for o in old}]
        assert kept_order == [o.filename for o in old]
        for info in old:
            assert a.read(info) == b.read(new[info.filename]), info.filename
            assert new[info.filename].compress_type == info.compress_type
            assert new[info.filename].compress_size == info.compress_size


def test_cells_outside_the_plan_keep_value_and_look(
    real_file: tuple[Path, str], ox: SimpleNamespace
) -> None:
    src, out, sheet = _written(real_file, ox)
    before, after = ox.snapshot(src), ox.snapshot(out)
    for key, look in before.items():
        if key[0] == sheet and key[1] in PLANNED:
            continue
        assert after.get(key) == look, key


def test_planned_values_fills_and_notes_are_there(
    real_file: tuple[Path, str], ox: SimpleNamespace
) -> None:
    _, out, sheet = _written(real_file, ox)
    ws = openpyxl.load_workbook(out)[sheet]
    assert ws["L1"].value == "Сегмент"
    assert ws["L2"].value == "Лояльные"
    assert ws["L4"].value == 1234.5
    assert ws["L5"].value == dt.datetime(2026, 10, 31)
    assert ws["L5"].is_date
    assert ws["A9"].value == "новая строка"
    assert ws["L3"].value == INJECTION and ws["L3"].data_type == "s"  # text, not a formula
    assert b"<f>" not in ox.cell_xml(out, ox.sheet_part(out, sheet), "L3")
    assert ws["C2"].fill.fgColor.rgb == RED and ws["C2"].fill.fill_type == "solid"
    assert ws["L3"].fill.fgColor.rgb == YELLOW
    assert ws["C2"].comment is not None and ws["C2"].comment.text == NOTE
    assert ws["C2"].comment.author == "clientbase"
    assert ws.max_column >= 12 and ws.max_row >= 9
    assert openpyxl.load_workbook(out).sheetnames[-1] == "Проблемы"


def test_a_highlight_keeps_the_cells_font_border_and_number_format(
    tmp_path: Path, ox: SimpleNamespace
) -> None:
    src = ox.files / "staff_openpyxl.xlsx"
    out = tmp_path / "out.xlsx"
    edits = (CellEdit(1, 1, fill=RED), CellEdit(2, 6, fill=YELLOW), CellEdit(3, 6, fill=RED))
    assert ox.apply(src, WritePlan((SheetEdits("Клиенты", edits),), (), TOOL_FILLS), out)
    before = openpyxl.load_workbook(src)["Клиенты"]
    after = openpyxl.load_workbook(out)["Клиенты"]
    for ref in ("A1", "F2", "F3"):
        assert repr(after[ref].font) == repr(before[ref].font)
        assert repr(after[ref].border) == repr(before[ref].border)
        assert after[ref].number_format == before[ref].number_format
        assert after[ref].value == before[ref].value
    assert after["A1"].font.b and after["F2"].number_format == "DD.MM.YYYY"
    # one clone per (style, colour): F2 and F3 share a style but not a colour
    assert after["F2"].fill.fgColor.rgb == YELLOW and after["F3"].fill.fgColor.rgb == RED


def test_calamine_reads_the_result(real_file: tuple[Path, str], ox: SimpleNamespace) -> None:
    _, out, sheet = _written(real_file, ox)
    wb = CalamineWorkbook.from_path(str(out))
    rows = wb.get_sheet_by_name(sheet).to_python()
    assert rows[0][11] == "Сегмент"
    assert rows[2][11] == INJECTION
    assert rows[8][0] == "новая строка"
    assert "Проблемы" in wb.sheet_names


def test_a_second_write_with_the_same_plan_changes_nothing(
    real_file: tuple[Path, str], ox: SimpleNamespace
) -> None:
    src, out, sheet = _written(real_file, ox)
    assert ox.apply(out, _plan(sheet), src.with_name("again" + src.suffix)) is None


def test_dropping_highlights_restores_the_original_style_and_removes_only_tool_notes(
    real_file: tuple[Path, str], ox: SimpleNamespace
) -> None:
    src, out, sheet = _written(real_file, ox)
    part = ox.sheet_part(src, sheet)
    original = {ref: _s_attr(src, part, ref) or 0 for ref in ("B2", "C2", "C3")}
    staff_notes = {k: v[-1] for k, v in ox.snapshot(src).items() if v[-1] is not None}
    cleared = src.with_name("cleared" + src.suffix)
    empty_plan = WritePlan((SheetEdits(sheet, ()),), (), TOOL_FILLS)
    stats = ox.apply(out, empty_plan, cleared)
    assert stats is not None and stats.fills_removed >= 3 and stats.notes_removed >= 2
    for ref, s in original.items():
        assert (_s_attr(cleared, part, ref) or 0) == s, ref
    notes_after = {k: v[-1] for k, v in ox.snapshot(cleared).items() if v[-1] is not None}
    assert notes_after == staff_notes  # every staff note is still there, no tool note is
    assert ox.apply(cleared, empty_plan, src.with_name("x" + src.suffix)) is None


def _s_attr(path: Path, part: str, ref: str) -> int | None:
    """The cell's ``s`` attribute as written (0 when absent; None when there is no cell)."""
    with zipfile.ZipFile(path) as z:
        data = z.read(part)
    cell = re.search(rb'<c r="' + ref.encode() + rb'"([^>]*?)/?>', data)
    if cell is None:
        return None
    s = re.search(rb'\ss="(\d+)"', cell.group(1))
    return int(s.group(1)) if s else 0


def test_staff_fill_is_overridden_while_the_problem_lasts_then_restored(
    tmp_path: Path, ox: SimpleNamespace
) -> None:
    src = tmp_path / "staff.xlsx"
    src.write_bytes((ox.files / "staff_openpyxl.xlsx").read_bytes())
    plan = WritePlan(
        (SheetEdits("Клиенты", (CellEdit(3, 3, fill=RED, note="x"),)),), (), TOOL_FILLS
    )
    red = tmp_path / "red.xlsx"
    assert ox.apply(src, plan, red) is not None
    assert openpyxl.load_workbook(red)["Клиенты"]["C3"].fill.fgColor.rgb == RED
    back = tmp_path / "back.xlsx"
    assert ox.apply(red, WritePlan((SheetEdits("Клиенты", ()),), (), TOOL_FILLS), back)
    ws = openpyxl.load_workbook(back)["Клиенты"]
    assert ws["C3"].fill.fgColor.rgb == "FFFFFF00"  # staff's yellow is back
    assert ox.snapshot(back)[("Клиенты", "C3")] == ox.snapshot(src)[("Клиенты", "C3")]


def test_a_staff_note_is_never_replaced_by_ours(tmp_path: Path, ox: SimpleNamespace) -> None:
    src = ox.files / "staff_openpyxl.xlsx"
    out = tmp_path / "out.xlsx"
    plan = WritePlan(
        (SheetEdits("Клиенты", (CellEdit(2, 2, fill=RED, note="ours"),)),), (), TOOL_FILLS
    )
    stats = ox.apply(src, plan, out)
    assert stats is not None and stats.notes_skipped == 1 and stats.notes_set == 0
    comment = openpyxl.load_workbook(out)["Клиенты"]["B2"].comment
    assert comment is not None and comment.author == "Менеджер"


def test_macros_and_their_content_type_survive(tmp_path: Path, ox: SimpleNamespace) -> None:
    src = ox.files / "quickstart_standalone.xlsm"
    out = tmp_path / "out.xlsm"
    assert ox.apply(src, _plan("Sheet1"), out) is not None
    before, after = ox.parts(src), ox.parts(out)
    assert after["xl/vbaProject.bin"] == before["xl/vbaProject.bin"]
    macro_type = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"
    assert macro_type in before["[Content_Types].xml"]
    assert macro_type in after["[Content_Types].xml"]


def test_a_form_button_in_the_vml_drawing_survives_byte_for_byte(
    tmp_path: Path, ox: SimpleNamespace
) -> None:
    src = ox.files / "button.xlsm"
    out = tmp_path / "out.xlsm"
    assert ox.apply(src, _plan("Sheet1"), out) is not None
    old_vml = ox.parts(src)["xl/drawings/vmlDrawing1.vml"]
    new_vml = ox.parts(out)["xl/drawings/vmlDrawing1.vml"]
    button = re.search(rb"<v:shape\b.*?</v:shape>", old_vml, re.S)
    assert button is not None and b'ObjectType="Button"' in button.group(0)
    assert button.group(0) in new_vml
    ids = re.findall(rb'<v:shape id="(_x0000_s\d+)"', new_vml)
    assert len(ids) == len(set(ids)) == 1 + 4  # the button and four notes
    assert new_vml.count(b'ObjectType="Note"') == 4
    sheet_xml = ox.parts(out)["xl/worksheets/sheet1.xml"]
    assert sheet_xml.count(b"<legacyDrawing") == 1  # notes share the button's drawing


def test_dates_respect_the_1904_date_system(tmp_path: Path, ox: SimpleNamespace) -> None:
    src = ox.files / "date1904.xlsx"
    out = tmp_path / "out.xlsx"
    day = dt.date(2026, 3, 1)
    plan = WritePlan((SheetEdits("Клиенты", (CellEdit(2, 5, value=day),)),), (), TOOL_FILLS)
    assert ox.apply(src, plan, out) is not None
    assert openpyxl.load_workbook(out)["Клиенты"]["E2"].value == dt.datetime(2026, 3, 1)
    serial = re.search(rb"<v>([\d.]+)</v>", ox.cell_xml(out, "xl/worksheets/sheet1.xml", "E2"))
    assert serial is not None and int(serial.group(1)) == (day - dt.date(1904, 1, 1)).days


def test_a_formula_in_a_tool_cell_is_replaced_by_the_value(
    tmp_path: Path, ox: SimpleNamespace
) -> None:
    src = ox.files / "staff_openpyxl.xlsx"
    out = tmp_path / "out.xlsx"
    plan = WritePlan((SheetEdits("Клиенты", (CellEdit(2, 8, value=42),)),), (), TOOL_FILLS)
    assert ox.apply(src, plan, out) is not None
    cell = ox.cell_xml(out, "xl/worksheets/sheet1.xml", "H2")
    assert b"<f>" not in cell and b"<v>42</v>" in cell


_EXCEL_APP_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://schemas.'
    'openxmlformats.org/officeDocument/2006/extended-properties" xmlns:vt="http://schemas.'
    'openxmlformats.org/officeDocument/2006/docPropsVTypes"><Application>Microsoft Excel'
    '</Application><HeadingPairs><vt:vector size="4" baseType="variant"><vt:variant>'
    "<vt:lpstr>Worksheets</vt:lpstr></vt:variant><vt:variant><vt:i4>2</vt:i4></vt:variant>"
    "<vt:variant><vt:lpstr>Named Ranges</vt:lpstr></vt:variant><vt:variant><vt:i4>1</vt:i4>"
    '</vt:variant></vt:vector></HeadingPairs><TitlesOfParts><vt:vector size="3" '
    'baseType="lpstr"><vt:lpstr>Sheet1</vt:lpstr><vt:lpstr>_xlwings.conf</vt:lpstr>'
    "<vt:lpstr>Sheet1!Print_Area</vt:lpstr></vt:vector></TitlesOfParts></Properties>"
)


def test_a_new_tool_sheet_is_appended_and_listed_in_app_xml(
    tmp_path: Path, ox: SimpleNamespace
) -> None:
    src = tmp_path / "excel.xlsm"
    src.write_bytes(
        _replace(
            (ox.files / "quickstart_standalone.xlsm").read_bytes(),
            "docProps/app.xml",
            _EXCEL_APP_XML.encode(),
        )
    )
    out = tmp_path / "out.xlsm"
    assert ox.apply(src, _plan("Sheet1"), out) is not None
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [*openpyxl.load_workbook(src).sheetnames, "Проблемы"]
    ws = wb["Проблемы"]
    assert ws.freeze_panes == "A2"
    assert ws["A1"].font.b and ws["B2"].fill.fgColor.rgb == RED
    assert ws["D2"].hyperlink is not None and ws["D2"].hyperlink.location == "'Sheet1'!C2"
    from lxml import etree

    app = etree.fromstring(ox.parts(out)["docProps/app.xml"])
    vt = "{http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes}"
    titles = [t.text for t in app.iter(f"{vt}lpstr")]
    assert titles == [
        "Worksheets",
        "Named Ranges",
        "Sheet1",
        "_xlwings.conf",
        "Проблемы",
        "Sheet1!Print_Area",
    ]
    assert [i.text for i in app.iter(f"{vt}i4")] == ["3", "1"]
    sizes = [v.get("size") for v in app.iter(f"{vt}vector")]
    assert sizes == ["4", "4"]


def test_the_tool_sheet_is_replaced_on_the_next_pass(tmp_path: Path, ox: SimpleNamespace) -> None:
    src = ox.files / "libreoffice.xlsx"
    first, second = tmp_path / "1.xlsx", tmp_path / "2.xlsx"
    assert ox.apply(src, _plan("Клиенты"), first) is not None
    fewer = ToolSheet("Проблемы", (("Лист", "Строка"),))
    plan = WritePlan((SheetEdits("Клиенты", ()),), (fewer,), TOOL_FILLS)
    assert ox.apply(first, plan, second) is not None
    wb = openpyxl.load_workbook(second)
    assert wb.sheetnames.count("Проблемы") == 1 and wb["Проблемы"].max_row == 1


def test_a_staff_sheet_with_the_tool_sheets_name_is_never_overwritten(
    tmp_path: Path, ox: SimpleNamespace
) -> None:
    plan = WritePlan((), (ToolSheet("Заказы", (("x",),)),), TOOL_FILLS)
    with pytest.raises(SourceError, match="Заказы"):
        ox.apply(ox.files / "staff_openpyxl.xlsx", plan, tmp_path / "out.xlsx")


def test_a_missing_sheet_is_named_in_the_error(tmp_path: Path, ox: SimpleNamespace) -> None:
    plan = WritePlan((SheetEdits("Нет такого", (CellEdit(1, 1, value=1),)),), (), TOOL_FILLS)
    with pytest.raises(SheetNotFoundError, match="Нет такого"):
        ox.apply(ox.files / "staff_openpyxl.xlsx", plan, tmp_path / "out.xlsx")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda b: b"not a zip at all", "damaged zip"),
        (lambda b: b[: len(b) // 2], "damaged"),
        (lambda b: _without(b, "xl/styles.xml"), "styles"),
        (lambda b: _without(b, "xl/workbook.xml"), "workbook.xml"),
        (lambda b: _replace(b, "xl/worksheets/sheet1.xml", b"<worksheet><sheetData>"), "sheetData"),
    ],
)
def test_a_damaged_package_raises_source_error_naming_the_file(
    tmp_path: Path, ox: SimpleNamespace, damage: object, message: str
) -> None:
    assert callable(damage)
    src = tmp_path / "bad.xlsx"
    src.write_bytes(damage((ox.files / "staff_openpyxl.xlsx").read_bytes()))
    with pytest.raises(SourceError, match=message) as err:
        ox.apply(src, _plan("Клиенты"), tmp_path / "out.xlsx")
    assert "bad.xlsx" in str(err.value)


def _without(data: bytes, name: str) -> bytes:
    return _replace(data, name, None)


def _replace(data: bytes, name: str, content: bytes | None) -> bytes:
    import io

    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == name:
                if content is not None:
                    dst.writestr(info, content)
                continue
            dst.writestr(info, src.read(info))
    return buf.getvalue()


def test_a_value_the_plan_clears_is_gone_styled_or_not(
    real_file: tuple[Path, str], ox: SimpleNamespace
) -> None:
    """A client who stops being VIP: the tool's cell is emptied, not left with the old value
    (an unstyled cell is dropped from the row, a styled one keeps its style)."""
    _, out, sheet = _written(real_file, ox)
    again = out.with_name("again" + out.suffix)
    clear = [CellEdit(2, 12, value=None), CellEdit(4, 12, value=None), CellEdit(9, 1, value=None)]
    stats = ox.apply(out, _plan(sheet, *clear), again)
    assert stats is not None
    ws = openpyxl.load_workbook(again)[sheet]
    assert ws["L2"].value is None and ws["L4"].value is None and ws["A9"].value is None
    assert ws["L3"].value == INJECTION  # the rest of the plan still applies


@given(
    st.text(alphabet="ab&<>\"'\n\r\t;#Ж ", max_size=20),
    st.dictionaries(st.sampled_from(["\r", "a", "Ж", ";"]), st.sampled_from(["&#13;", "x"])),
)
def test_xml_escaping_is_saxutils_escaping(text: str, entities: dict[str, str]) -> None:
    """The writer's own escape / quoteattr give what xml.sax.saxutils gives (which it does
    not import: that module loads urllib and http.client)."""
    from xml.sax import saxutils

    from sync.sources.xlsx.xmltext import escape, quoteattr

    assert escape(text) == saxutils.escape(text)
    assert escape(text, entities) == saxutils.escape(text, entities)
    assert quoteattr(text) == saxutils.quoteattr(text)
    assert quoteattr(text, entities) == saxutils.quoteattr(text, entities)
