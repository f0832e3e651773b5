"""Regenerate the real test workbooks in this folder (the produced files are committed).

    /work/venv/bin/python tests/files/make_files.py

Each file comes from a real writer, because the surgical xlsx writer must cope with what real
programs produce:

- ``staff_openpyxl.xlsx`` — openpyxl: a chart, a PNG image, a data validation, a conditional
  format, merged cells, frozen panes, a hidden sheet, shared strings *and* inline strings, dates
  stored as numbers, a formula, a staff note (author "Менеджер") and a staff fill.
- ``date1904.xlsx`` — openpyxl, 1904 date system.
- ``libreoffice.xlsx`` — written by openpyxl, then re-saved by LibreOffice (headless); it has a
  staff note and a staff fill, in LibreOffice's own encoding of both.
- ``quickstart_standalone.xlsm`` — xlwings' quickstart workbook with its VBA project.
- ``button.xlsm`` — the same with a form-control button (a VML drawing with an
  ``ObjectType="Button"`` shape) added by hand on its first sheet, as Excel stores one.
"""

from __future__ import annotations

import datetime as dt
import shutil
import struct
import subprocess
import tempfile
import zipfile
import zlib
from pathlib import Path

import openpyxl
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.drawing.image import Image
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from openpyxl.worksheet.datavalidation import DataValidation

HERE = Path(__file__).resolve().parent
XLWINGS_QUICKSTART = (
    Path(openpyxl.__file__).resolve().parent.parent / "xlwings" / "quickstart_standalone.xlsm"
)

CLIENTS = [
    ("ID", "ФИО", "Телефон", "Email", "Город", "Дата рождения", "Сумма"),
    ("C000001", "Иванов Иван", "8 (912) 345-67-89", "ivanov@mail.ru", "Москва", 32874, 1200.5),
    ("C000002", "Петрова Анна", "067 123 45 67", "anna@gmial.com", "Киев", 33970, 300),
    ("C000003", "Сидоров Пётр", "12345", "", "Минск", 29221, 0),
    ("C000004", "Ivanova Мария", "+7 912 000-11-22", "maria@yandex.ru", "Казань", 36526, 4500),
    ("C000005", "", "+380 67 765 43 21", "bad@", "Львов", 40000, 75.25),
]


def tiny_png() -> bytes:
    """An 8x8 red PNG, built by hand (no Pillow needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 8 for _ in range(8))
    header = struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


class PngImage(Image):
    """openpyxl's Image without Pillow: the bytes are given, the size is known."""

    def __init__(self, data: bytes, width: int, height: int) -> None:
        self.ref = data
        self.width, self.height = width, height
        self.format = "png"

    def _data(self) -> bytes:
        return bytes(self.ref)


def _clients_sheet(ws: openpyxl.worksheet.worksheet.Worksheet) -> None:
    for row in CLIENTS:
        ws.append(list(row))
    for r in range(2, len(CLIENTS) + 1):
        ws.cell(r, 6).number_format = "DD.MM.YYYY"
        ws.cell(r, 7).number_format = "#,##0.00"
    ws["A1"].font = Font(bold=True, color="FF1F4E79")


def make_staff_openpyxl(path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Клиенты"
    _clients_sheet(ws)
    ws["H1"] = "Итого"
    ws["H2"] = "=SUM(G2:G6)"
    ws["C3"].fill = PatternFill("solid", fgColor="FFFFFF00")  # staff's own yellow
    ws["B2"].comment = Comment("Постоянный клиент, звонить после 18:00", "Менеджер")
    ws.freeze_panes = "A2"
    ws.merge_cells("I1:J1")
    ws["I1"] = "Объединено"
    dv = DataValidation(type="list", formula1='"Москва,Киев,Минск,Казань,Львов"')
    ws.add_data_validation(dv)
    dv.add("E2:E100")
    green = PatternFill("solid", fgColor="FFC6EFCE")
    rule = CellIsRule(operator="greaterThan", formula=["1000"], fill=green)
    ws.conditional_formatting.add("G2:G100", rule)
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=7, min_row=1, max_row=6), titles_from_data=True)
    ws.add_chart(chart, "L2")
    ws.add_image(PngImage(tiny_png(), 8, 8), "L20")
    orders = wb.create_sheet("Заказы")
    orders.append(["Дата", "ID клиента", "Сумма"])
    for i in range(40):
        orders.append([45000 + i, f"C00000{1 + i % 5}", 100 + i])
        orders.cell(i + 2, 1).number_format = "DD.MM.YYYY"
    hidden = wb.create_sheet("Служебный")
    hidden["A1"] = "скрытый лист"
    hidden.sheet_state = "hidden"
    wb.save(path)
    _make_shared_strings(path, "xl/worksheets/sheet1.xml", ["B1", "E2", "E3", "E4"])


def _rewrite_zip(path: Path, changes: dict[str, bytes]) -> None:
    """Replace / add parts of a zip, keeping the order of the others."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = changes.pop(info.filename, None)
            dst.writestr(info, data if data is not None else src.read(info.filename))
        for name, data in changes.items():
            dst.writestr(name, data)
    tmp.replace(path)


def _make_shared_strings(path: Path, part: str, refs: list[str]) -> None:
    """Move some cells into a shared-string table (openpyxl 3.1 writes inline strings only;
    Excel writes shared strings), so the file holds both kinds."""
    import re

    with zipfile.ZipFile(path) as z:
        xml = z.read(part).decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        types = z.read("[Content_Types].xml").decode()
    table: list[str] = []
    for ref in refs:
        pattern = rf'<c r="{ref}"([^>]*?) t="inlineStr"><is><t>([^<]*)</t></is></c>'
        m = re.search(pattern, xml)
        assert m is not None, ref
        xml = xml.replace(m.group(0), f'<c r="{ref}"{m.group(1)} t="s"><v>{len(table)}</v></c>')
        table.append(m.group(2))
    items = "".join(f"<si><t>{t}</t></si>" for t in table)
    sst = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{len(table)}" uniqueCount="{len(table)}">{items}</sst>'
    )
    rels = rels.replace(
        "</Relationships>",
        '<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'sharedStrings" Target="sharedStrings.xml" Id="rId99"/></Relationships>',
    )
    types = types.replace(
        "</Types>",
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    _rewrite_zip(
        path,
        {
            part: xml.encode(),
            "xl/_rels/workbook.xml.rels": rels.encode(),
            "[Content_Types].xml": types.encode(),
            "xl/sharedStrings.xml": sst.encode(),
        },
    )


def make_date1904(path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    assert ws is not None
    ws.title = "Клиенты"
    ws.append(["ID", "ФИО", "Телефон", "Дата рождения"])
    ws.append(["C000001", "Иванов Иван", "+7 912 345-67-89", dt.date(1990, 5, 17)])
    ws.append(["C000002", "Петрова Анна", "067 123 45 67", dt.date(1985, 1, 2)])
    wb.save(path)


def make_libreoffice(path: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "libreoffice.xlsx"
        wb = openpyxl.Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = "Клиенты"
        _clients_sheet(ws)
        ws["C4"].fill = PatternFill("solid", fgColor="FF92D050")
        ws["D3"].comment = Comment("Проверить адрес", "Менеджер")
        wb.save(src)
        out = Path(tmp) / "out"
        subprocess.run(
            [
                "soffice",
                "--headless",
                "--convert-to",
                "xlsx:Calc MS Excel 2007 XML",
                "--outdir",
                str(out),
                str(src),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        shutil.copy(out / "libreoffice.xlsx", path)


_BUTTON_VML = b"""<xml xmlns:v="urn:schemas-microsoft-com:vml"
 xmlns:o="urn:schemas-microsoft-com:office:office"
 xmlns:x="urn:schemas-microsoft-com:office:excel">
 <o:shapelayout v:ext="edit">
  <o:idmap v:ext="edit" data="1"/>
 </o:shapelayout><v:shapetype id="_x0000_t201" coordsize="21600,21600" o:spt="201"
  path="m,l,21600r21600,l21600,xe">
  <v:stroke joinstyle="miter"/>
  <v:path shadowok="f" o:extrusionok="f" strokeok="f" fillok="f" o:connecttype="rect"/>
  <o:lock v:ext="edit" shapetype="t"/>
 </v:shapetype><v:shape id="_x0000_s1025" type="#_x0000_t201" style='position:absolute;
  margin-left:48pt;margin-top:15pt;width:96pt;height:30pt;z-index:1;
  mso-wrap-style:tight' o:button="t" fillcolor="buttonFace [67]" strokecolor="windowText [64]"
  o:insetmode="auto">
  <v:fill color2="buttonFace [67]" o:detectmouseclick="t"/>
  <o:lock v:ext="edit" rotation="t"/>
  <v:textbox style='mso-direction-alt:auto' o:singleclick="f">
   <div style='text-align:center'><font face="Calibri" size="220" color="#000000"
   >Check now</font></div>
  </v:textbox>
  <x:ClientData ObjectType="Button">
   <x:Anchor>
    1, 0, 1, 0, 3, 0, 3, 0</x:Anchor>
   <x:PrintObject>False</x:PrintObject>
   <x:AutoFill>False</x:AutoFill>
   <x:FmlaMacro>[0]!SampleCall</x:FmlaMacro>
   <x:TextHAlign>Center</x:TextHAlign>
   <x:TextVAlign>Center</x:TextVAlign>
  </x:ClientData>
 </v:shape></xml>"""


def make_button(path: Path) -> None:
    """quickstart_standalone.xlsm + a form button on its first sheet (hand-edited XML)."""
    shutil.copy(XLWINGS_QUICKSTART, path)
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        types = z.read("[Content_Types].xml").decode()
    sheet = sheet.replace(
        '<pageSetup orientation="portrait" />',
        '<pageSetup orientation="portrait" /><legacyDrawing r:id="rId1"/>',
    )
    assert "legacyDrawing" in sheet
    if 'Extension="vml"' not in types:
        types = types.replace(
            "<Default ",
            '<Default Extension="vml" '
            'ContentType="application/vnd.openxmlformats-officedocument.vmlDrawing"/><Default ',
            1,
        )
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/vmlDrawing" Target="../drawings/vmlDrawing1.vml"/></Relationships>'
    )
    _rewrite_zip(
        path,
        {
            "xl/worksheets/sheet1.xml": sheet.encode(),
            "[Content_Types].xml": types.encode(),
            "xl/worksheets/_rels/sheet1.xml.rels": rels.encode(),
            "xl/drawings/vmlDrawing1.vml": _BUTTON_VML,
        },
    )


def main() -> None:
    make_staff_openpyxl(HERE / "staff_openpyxl.xlsx")
    make_date1904(HERE / "date1904.xlsx")
    make_libreoffice(HERE / "libreoffice.xlsx")
    shutil.copy(XLWINGS_QUICKSTART, HERE / "quickstart_standalone.xlsm")
    make_button(HERE / "button.xlsm")


if __name__ == "__main__":
    main()
