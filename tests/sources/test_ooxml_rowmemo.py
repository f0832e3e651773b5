"""The daemon's remembered row rewrites (``ooxml_rowmemo``) and note memos change no byte: the
same plans applied with per-row memos on and off give identical packages, also after staff
edited some rows by hand next to rows nobody touched."""

from __future__ import annotations

import datetime as dt
import io
import re
import tempfile
import zipfile
from collections.abc import Iterator, Set
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from sync.core.model import KEEP, CellEdit, SheetEdits, WritePlan
from sync.sources.xlsx.ooxml import rowmemo as ooxml_rowmemo
from sync.sources.xlsx.ooxml.notes import CommentsPart
from sync.sources.xlsx.ooxml.writer import write_plan
from sync.speed import incremental

TOOL_FILLS = ("FFFFC7CE", "FFFFEB9C")
SHEET = "Клиенты"
PART = "xl/worksheets/sheet1.xml"


@pytest.fixture(autouse=True)
def _memos_off_after() -> Iterator[None]:
    incremental.remember_rows(False)
    yield
    incremental.remember_rows(False)


def _workbook(rows: int, staff_fill_rows: Set[int] = frozenset(), notes: int = 0) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET
    ws.append(["ID", "ФИО", "Телефон", "Сумма", "Дата"])
    for r in range(2, rows + 2):
        day = dt.date(2020, 1, r % 28 + 1)
        ws.append([f"C{r:04d}", f"Клиент {r}", f"8912{r:07d}", r * 10, day])
        if r in staff_fill_rows:
            ws.cell(r, 2).fill = PatternFill("solid", fgColor="FFFFFF00")
            ws.cell(r, 2).font = Font(bold=True)
    for r in range(2, 2 + notes):
        ws.cell(r, 1).comment = Comment("заметка менеджера", "Менеджер")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _plan(cells: dict[tuple[int, int], tuple[Any, Any, Any]]) -> WritePlan:
    edits = tuple(CellEdit(r, c, v, f, n) for (r, c), (v, f, n) in sorted(cells.items()))
    return WritePlan((SheetEdits(SHEET, edits),), (), TOOL_FILLS)


def _write(src: bytes, plan: WritePlan) -> bytes | None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "book.xlsx"
        path.write_bytes(src)
        buf = io.BytesIO()
        return buf.getvalue() if write_plan(path, plan, buf) is not None else None


def _package(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def _edit_rows(data: bytes, edit: dict[int, str]) -> bytes:
    """Staff's hand edits, made the way a program saves: only the sheet part changes."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = zf.infolist()
        parts = {i.filename: zf.read(i) for i in infos}
    sheet = parts[PART]
    for num, how in edit.items():
        m = re.search(rb'<row r="' + str(num).encode() + rb'"[^>]*>.*?</row>', sheet, re.S)
        if m is None:
            continue
        row = m.group(0)
        if how == "height":
            new = row.replace(b"<row ", b'<row ht="20" customHeight="1" ', 1)
        elif how == "value":
            new = re.sub(rb'(<c r="D\d+"[^>]*><v>)[^<]*(</v>)', rb"\g<1>7\g<2>", row, count=1)
        else:  # "unstyle": staff cleared the look of every cell in the row
            new = re.sub(rb' s="\d+"', b"", row)
        sheet = sheet[: m.start()] + new + sheet[m.end() :]
    parts[PART] = sheet
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in infos:
            out.writestr(info, parts[info.filename])
    return buf.getvalue()


def _sequence(
    base: bytes, plans: list[WritePlan], hand: list[dict[int, str]], remember: bool
) -> list[bytes | None]:
    """Apply each plan in turn (staff's hand edits in between), memos on or off."""
    incremental.remember_rows(remember)
    ooxml_rowmemo.clear()
    outs: list[bytes | None] = []
    current = base
    for plan, edit in zip(plans, hand, strict=True):
        current = _edit_rows(current, edit) if edit else current
        out = _write(current, plan)
        outs.append(out)
        current = out if out is not None else current
    incremental.remember_rows(False)
    return outs


def _marks(rows: int, red: set[int], note: set[int], ab: dict[int, Any]) -> WritePlan:
    cells: dict[tuple[int, int], tuple[Any, Any, Any]] = {}
    for r in range(2, rows + 2):
        fill = "FFFFC7CE" if r in red else None
        cells[(r, 3)] = (KEEP, fill, "Проверьте телефон" if r in note else None)
        cells[(r, 6)] = (ab.get(r, "A"), None, KEEP)
    return _plan(cells)


def test_remembered_rows_give_the_bytes_of_a_full_rewrite_after_hand_edits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = 60
    base = _workbook(rows, staff_fill_rows={5, 9, 12}, notes=3)
    first = _marks(rows, {3, 5, 7, 9, 20, 40}, {3, 7, 20}, {10: 1, 11: True})
    # the same marks again (fills the memo), then one more problem, a new note, a value of
    # another type (1 -> True, True -> 1.0), a row that appears, next to rows staff edited
    second = _marks(rows, {3, 5, 7, 9, 20, 40, 41}, {3, 7, 20, 41}, {10: True, 11: 1.0})
    third = _marks(rows + 1, {3, 5, 7, 9, 41, 61}, {3, 7, 41}, {10: True, 11: 1.0, 30: 2})
    plans = [first, first, second, third, third]
    hand: list[dict[int, str]] = [
        {},
        {},
        {5: "unstyle", 6: "value", 8: "height"},
        {7: "unstyle", 21: "value"},
        {},
    ]
    hits: list[int] = []
    done = ooxml_rowmemo.RowMemo.done

    def counting(self: ooxml_rowmemo.RowMemo) -> None:
        hits.append(self.hits)
        done(self)

    monkeypatch.setattr(ooxml_rowmemo.RowMemo, "done", counting)
    fast = _sequence(base, plans, hand, remember=True)
    assert hits and hits[-1] > rows // 2  # the memo answered most rows
    slow = _sequence(base, plans, hand, remember=False)
    assert len(hits) == len(plans)  # memos off: no memo in use
    for a, b in zip(fast, slow, strict=True):
        assert (a is None) == (b is None)
        if a is not None and b is not None:
            assert _package(a) == _package(b)
            assert a == b
    assert fast[1] is None and fast[-1] is None  # a repeated plan still writes nothing


hand_edits = st.dictionaries(
    st.integers(1, 10), st.sampled_from(["height", "value", "unstyle"]), max_size=3
)
marks = st.tuples(
    st.sets(st.integers(2, 10), max_size=6),
    st.sets(st.integers(2, 10), max_size=3),
    st.dictionaries(
        st.integers(2, 10),
        st.one_of(st.integers(0, 2), st.booleans(), st.just(1.0), st.text("ab", max_size=2)),
        max_size=4,
    ),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    staff_fills=st.sets(st.integers(2, 10), max_size=3),
    plans=st.lists(marks, min_size=2, max_size=4),
    hand=st.lists(hand_edits, min_size=4, max_size=4),
)
def test_memos_on_and_off_write_the_same_bytes(
    staff_fills: set[int],
    plans: list[tuple[set[int], set[int], dict[int, Any]]],
    hand: list[dict[int, str]],
) -> None:
    base = _workbook(9, staff_fill_rows=staff_fills, notes=2)
    planned = [_marks(9, red, note, ab) for red, note, ab in plans]
    planned.insert(1, planned[0])  # a repeat: the memo is filled with unchanged rows
    edits = [{}, *hand[: len(planned) - 1]]
    fast = _sequence(base, planned, edits, remember=True)
    slow = _sequence(base, planned, edits, remember=False)
    assert fast == slow


@settings(max_examples=40, deadline=None)
@given(
    before=st.dictionaries(
        st.tuples(st.integers(1, 5), st.integers(1, 3)),
        st.tuples(st.sampled_from(["clientbase", "Менеджер"]), st.sampled_from(["a", "b", ""])),
        max_size=8,
    ),
    wanted=st.dictionaries(
        st.tuples(st.integers(1, 5), st.integers(1, 3)), st.sampled_from(["a", "b", "c\x01"])
    ),
    keep=st.sets(st.tuples(st.integers(1, 5), st.integers(1, 3)), max_size=2),
)
def test_the_tool_notes_after_apply_are_those_of_the_part_read_afresh(
    before: dict[tuple[int, int], tuple[str, str]],
    wanted: dict[tuple[int, int], str],
    keep: set[tuple[int, int]],
) -> None:
    authors = ["Менеджер", "clientbase"]
    comments = "".join(
        f'<comment ref="{get_column_letter(c)}{r}" authorId="{authors.index(a)}">'
        f'<text><t xml:space="preserve">{text}</t></text></comment>'
        for (r, c), (a, text) in sorted(before.items())
    )
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    data = (
        f'<comments xmlns="{ns}"><authors><author>Менеджер</author><author>clientbase</author>'
        f"</authors><commentList>{comments}</commentList></comments>"
    ).encode()
    for remember in (False, True):
        incremental.remember_rows(remember)
        part = CommentsPart(data, "test")
        part.apply(wanted, keep, "clientbase")
        again = CommentsPart(part.to_bytes(), "test")
        assert part.tool_notes("clientbase") == again.tool_notes("clientbase")
