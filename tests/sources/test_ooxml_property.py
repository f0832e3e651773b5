"""Property: whatever the workbook and the plan, cells outside the plan do not change, the file
reads back, a repeated plan writes nothing, and clearing the marks restores every look."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.comments import Comment
from openpyxl.styles import Border, Font, PatternFill, Side
from python_calamine import CalamineWorkbook

from sync.core.model import KEEP, CellEdit, SheetEdits, WritePlan
from sync.sources.xlsx.ooxml.writer import write_plan

TOOL_FILLS = ("FFFFC7CE", "FFFFEB9C")
SHEET = "Клиенты"

values = st.one_of(
    st.none(),
    st.text(alphabet="абвгдеёжAbc 0123+-=@()_x", max_size=12),
    # non-negative: a number in a date-formatted cell must still be a valid date for openpyxl
    st.integers(0, 2_900_000),
    st.floats(0, 1e6, allow_nan=False).map(lambda x: round(x, 4)),
    st.dates(dt.date(1950, 1, 1), dt.date(2060, 12, 31)),
    st.booleans(),
)
looks = st.fixed_dictionaries(
    {
        "bold": st.booleans(),
        "fill": st.sampled_from([None, "FFFFFF00", "FFFFC7CE"]),  # staff may use a tool colour
        "border": st.booleans(),
        "fmt": st.sampled_from(["General", "0.00", "DD.MM.YYYY", "@"]),
    }
)
staff_cells = st.dictionaries(
    st.tuples(st.integers(1, 6), st.integers(1, 5)), st.tuples(values, looks), max_size=20
)
edits = st.dictionaries(
    st.tuples(st.integers(1, 8), st.integers(1, 7)),
    st.tuples(
        st.one_of(st.just(KEEP), values),
        st.sampled_from([None, *TOOL_FILLS]),
        st.sampled_from([None, "Проверьте значение", "• телефон\n• email"]),
    ),
    max_size=15,
)


StaffCells = dict[tuple[int, int], tuple[Any, dict[str, Any]]]


def _workbook(cells: StaffCells, notes: set[tuple[int, int]]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET
    for (r, c), (value, look) in cells.items():
        cell = ws.cell(r, c, value)
        cell.font = Font(bold=look["bold"])
        if look["fill"]:
            cell.fill = PatternFill("solid", fgColor=look["fill"])
        if look["border"]:
            cell.border = Border(left=Side("thin"), bottom=Side("thin"))
        cell.number_format = look["fmt"]
    for r, c in notes:
        ws.cell(r, c).comment = Comment("заметка менеджера", "Менеджер")
    wb.create_sheet("Заказы")["A1"] = "не трогать"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _looks(data: bytes) -> dict[tuple[str, str], tuple[Any, ...]]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                note = (c.comment.text, c.comment.author) if c.comment else None
                out[(ws.title, c.coordinate)] = (
                    c.value,
                    c.number_format,
                    repr(c.font),
                    repr(c.border),
                    repr(c.fill),
                    note,
                )
    return out


def _write(src: Path, plan: WritePlan) -> bytes | None:
    buf = io.BytesIO()
    return buf.getvalue() if write_plan(src, plan, buf) is not None else None


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cells=staff_cells,
    notes=st.sets(st.tuples(st.integers(1, 6), st.integers(1, 5)), max_size=3),
    planned=edits,
)
def test_cells_outside_the_plan_never_change_and_marks_come_off_cleanly(
    tmp_path: Path,
    ox: SimpleNamespace,
    cells: StaffCells,
    notes: set[tuple[int, int]],
    planned: dict[tuple[int, int], tuple[Any, str | None, str | None]],
) -> None:
    src = tmp_path / "src.xlsx"
    src.write_bytes(_workbook(cells, notes))
    plan = WritePlan(
        (
            SheetEdits(
                SHEET,
                tuple(CellEdit(r, c, v, f, n) for (r, c), (v, f, n) in sorted(planned.items())),
            ),
        ),
        (),
        TOOL_FILLS,
    )
    written = _write(src, plan)
    before = _looks(src.read_bytes())
    if written is None:  # nothing to change: every planned value is already there, no marks
        assert all(f is None for _, f, _ in planned.values())
        return
    out = tmp_path / "out.xlsx"
    out.write_bytes(written)
    after = _looks(written)
    touched = {openpyxl.utils.get_column_letter(c) + str(r) for r, c in planned}
    for key, look in before.items():
        if key[0] != SHEET or key[1] not in touched:
            assert after.get(key) == look, key
    ws = openpyxl.load_workbook(out)[SHEET]
    for (r, c), (value, fill, note) in planned.items():
        cell = ws.cell(r, c)
        if value is not KEEP and not (cell.is_date and type(value) in (int, float)):
            # (a number written into a date-formatted cell keeps the cell's format, by contract)
            got = cell.value.date() if isinstance(cell.value, dt.datetime) else cell.value
            assert got == value or (not value and not got and value is not False), (r, c)
        if fill is not None:
            assert cell.fill.fgColor.rgb == fill
        if note is not None and (r, c) not in notes:
            assert cell.comment is not None and cell.comment.text == note
        if (r, c) in notes:
            assert cell.comment is not None and cell.comment.author == "Менеджер"
    CalamineWorkbook.from_path(str(out)).get_sheet_by_name(SHEET).to_python()
    assert _write(out, plan) is None  # the same plan again changes nothing
    # a pass without marks restores every look the staff had, except the values we wrote
    cleared = _write(out, WritePlan((SheetEdits(SHEET, ()),), (), TOOL_FILLS))
    final = _looks(cleared) if cleared is not None else after
    value_cells = {
        openpyxl.utils.get_column_letter(c) + str(r)
        for (r, c), (v, _, _) in planned.items()
        if v is not KEEP
    }
    for key, look in before.items():
        if key[0] == SHEET and key[1] in value_cells:
            continue
        got = final.get(key)
        if got is None and look[0] is None and key[1] in touched:
            continue
        assert got is not None
        assert got[:5] == look[:5] and got[5] == look[5], key
