"""LibreOffice opens what the surgical writer produced, and the writer copes with LibreOffice's
re-save of it (styles renumbered: tool highlights are then recognised by colour)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest

from sync.core.model import CellEdit, SheetEdits, ToolSheet, WritePlan

RED, YELLOW = "FFFFC7CE", "FFFFEB9C"
TOOL_FILLS = (RED, YELLOW)

pytestmark = pytest.mark.slow


def _plan(sheet: str) -> WritePlan:
    cells = (
        CellEdit(1, 12, value="Сегмент"),
        CellEdit(2, 12, value="Лояльные"),
        CellEdit(3, 12, value='=HYPERLINK("x")', fill=YELLOW, note="Формула как текст"),
        CellEdit(4, 12, value=dt.date(2026, 10, 31)),
        CellEdit(2, 3, fill=RED, note="Неверный номер"),
    )
    problems = ToolSheet("Проблемы", (("Лист", "Строка"), (sheet, 2)), links={(2, 2): "'x'!A1"})
    return WritePlan((SheetEdits(sheet, cells),), (problems,), TOOL_FILLS)


@pytest.mark.parametrize("name", ["staff_openpyxl.xlsx", "libreoffice.xlsx", "button.xlsm"])
def test_libreoffice_converts_the_result_and_shows_the_written_values(
    name: str, tmp_path: Path, ox: SimpleNamespace
) -> None:
    sheet = "Sheet1" if name.endswith(".xlsm") else "Клиенты"
    out = tmp_path / ("result" + Path(name).suffix)
    assert ox.apply(ox.files / name, _plan(sheet), out) is not None
    produced = ox.soffice_convert(out, "csv", tmp_path / "csv")
    staff = next(p for p in produced if p.stem.endswith(sheet))
    with staff.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][11] == "Сегмент"
    assert rows[1][11] == "Лояльные"
    assert rows[2][11] == '=HYPERLINK("x")'  # shown as text: LibreOffice did not evaluate it
    assert any(p.stem.endswith("Проблемы") for p in produced)


def test_after_a_libreoffice_resave_tool_highlights_are_recognised_by_colour(
    tmp_path: Path, ox: SimpleNamespace
) -> None:
    ours = tmp_path / "ours.xlsx"
    assert ox.apply(ox.files / "staff_openpyxl.xlsx", _plan("Клиенты"), ours) is not None
    resaved_dir = tmp_path / "resaved"
    (resaved,) = ox.soffice_convert(ours, "xlsx:Calc MS Excel 2007 XML", resaved_dir)
    # LibreOffice keeps the record part but renumbers the styles: the record is stale now
    assert any(name.startswith("customXml/item") for name in ox.parts(resaved))
    staff_fill = openpyxl.load_workbook(resaved)["Клиенты"]["C3"].fill.fgColor.rgb
    assert staff_fill.endswith("FFFF00")  # staff's yellow survived the re-save
    # a pass that finds no problems any more: every tool highlight must go, staff's stay
    cleared = tmp_path / "cleared.xlsx"
    plan = WritePlan((SheetEdits("Клиенты", ()),), (), TOOL_FILLS)
    stats = ox.apply(resaved, plan, cleared)
    assert stats is not None and stats.fills_removed >= 2
    ws = openpyxl.load_workbook(cleared)["Клиенты"]
    for ref in ("C2", "L3"):
        assert ws[ref].fill.fgColor.rgb not in TOOL_FILLS, ref
    assert ws["C3"].fill.fgColor.rgb == staff_fill
    assert ws["L3"].value == '=HYPERLINK("x")'
    # LibreOffice dropped every note's author; the record still tells ours from the staff's
    assert stats.notes_removed == 2
    assert ws["C2"].comment is None and ws["L3"].comment is None
    assert ws["B2"].comment is not None and "18:00" in ws["B2"].comment.text
