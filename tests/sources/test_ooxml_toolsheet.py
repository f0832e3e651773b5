"""A tool sheet (Problems, Summary) rendered with the daemon's row memo on is byte for byte the
sheet rendered afresh, with the same digest, and creates the same styles in the same order:
after earlier renders of other sheets (rows moved, edited, inserted, dropped), into style
books that give the same style keys other indexes, with values that are equal in Python but
not the same cell."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.core.model import CellValue, ToolSheet
from sync.sources.xlsx.ooxml import toolsheet as ooxml_toolsheet
from sync.sources.xlsx.ooxml.styles import StyleBook
from sync.sources.xlsx.ooxml.toolsheet import (
    build_tool_sheet,
    build_tool_sheet_unstyled,
    tool_sheet_digest,
)
from sync.speed import incremental

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STYLES = (
    f'<styleSheet xmlns="{NS}"><fonts count="1"><font/></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border/></borders><cellXfs count="1">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    "</cellXfs></styleSheet>"
).encode()
FILLS = ("FFFFC7CE", "FFFFEB9C", "FFDDEBF7")


@pytest.fixture(autouse=True)
def _memos_off_after() -> Iterator[None]:
    incremental.remember_rows(False)
    yield
    incremental.remember_rows(False)


values = st.sampled_from(
    [
        None,
        "",
        "Клиенты",
        "a & <b>",
        "кавычки \"и\" 'апостроф'",
        "  пробелы ",
        1,
        1.0,
        True,
        False,
        0,
        2.5,
        -3,
        dt.date(2024, 2, 29),
        dt.datetime(2024, 2, 29, 13, 30),
        "=SUM(A1)",
    ]
)
row = st.lists(values, max_size=6).map(tuple)
RETYPED: dict[tuple[type, object], CellValue] = {
    (int, 1): True,
    (bool, True): 1.0,
    (float, 1.0): 1,
    (int, 0): False,
    (bool, False): 0,
}


@st.composite
def sheet(draw: st.DrawFn, rows: list[tuple[CellValue, ...]]) -> ToolSheet:
    n = len(rows)
    cells = st.tuples(st.integers(1, max(n, 1)), st.integers(1, 7))
    fills = draw(st.dictionaries(cells, st.sampled_from(FILLS), max_size=8)) if n else {}
    links = draw(st.dictionaries(cells, st.sampled_from(["'Клиенты'!C5", "'A&B'!A1"]))) if n else {}
    bold = draw(st.lists(st.integers(1, max(n, 1)), max_size=3, unique=True)) if n else []
    return ToolSheet("Проблемы", tuple(rows), links, fills, (1, *bold), (12.0, 30.5))


@st.composite
def edited(draw: st.DrawFn, before: ToolSheet) -> ToolSheet:
    """``before`` with rows inserted, dropped or changed (its marks moved with its rows, as a
    plan moves them) or, now and then, other marks."""
    rows = list(before.rows)
    shift = {r: r for r in range(1, len(rows) + 1)}
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(rows)))
        kind = draw(st.sampled_from(["insert", "drop", "change", "retype"]))
        if kind == "insert":
            rows.insert(at, draw(row))
            shift = {old: new + (new > at) for old, new in shift.items()}
        elif kind == "drop" and at < len(rows):
            del rows[at]
            shift = {old: new - (new > at + 1) for old, new in shift.items() if new != at + 1}
        elif kind == "change" and at < len(rows):
            rows[at] = draw(row)
        elif at < len(rows):  # equal values of another type: 1, 1.0, True
            rows[at] = tuple(RETYPED.get((type(v), v), v) for v in rows[at])
    if draw(st.booleans()):
        return draw(sheet(rows))

    def moved(marks: dict[tuple[int, int], str]) -> dict[tuple[int, int], str]:
        return {(shift[r], c): v for (r, c), v in marks.items() if r in shift}

    return dataclasses.replace(
        before, rows=tuple(rows), fills=moved(before.fills), links=moved(before.links)
    )


@st.composite
def sequences(draw: st.DrawFn) -> list[tuple[ToolSheet, bool, int]]:
    """Sheets each derived from the one before, each with its date system and the number of
    extra styles its workbook had before (so a style key gets another index)."""
    current = draw(sheet(draw(st.lists(row, max_size=8))))
    out = []
    for _ in range(draw(st.integers(2, 5))):
        out.append((current, draw(st.booleans()), draw(st.integers(0, 2))))
        current = draw(edited(current))
    return out


def _book(extra: int) -> StyleBook:
    book = StyleBook(STYLES, "t.xlsx")
    for colour in FILLS[:extra]:
        book.clone(0, colour)  # styles the workbook already had
    return book


def _renders(steps: list[tuple[ToolSheet, bool, int]]) -> list[bytes]:
    """Each sheet rendered into its workbook's styles, then each rendered for a worker (the
    two kinds of render in turn would miss each other's rows: other style attributes)."""
    out = []
    for sheet_, date1904, extra in steps:
        book = _book(extra)
        digest = tool_sheet_digest(sheet_, date1904)  # as the writer asks: digest, then XML
        out += [digest.encode(), build_tool_sheet(sheet_, book, date1904), book.to_bytes()]
    for sheet_, date1904, _ in steps:
        digest = tool_sheet_digest(sheet_, date1904)
        unstyled, keys = build_tool_sheet_unstyled(sheet_, date1904)
        out.append(digest.encode() + unstyled + repr(keys).encode())
    return out


@settings(max_examples=300, deadline=None)
@given(sequences())
def test_rendered_with_the_row_memo_is_rendered_afresh(
    steps: list[tuple[ToolSheet, bool, int]],
) -> None:
    incremental.remember_rows(False)  # (and forget the examples before)
    fresh = _renders(steps)
    incremental.remember_rows()
    assert _renders(steps) == fresh
    assert _renders(steps) == fresh  # every row found in the memo this time


def test_a_row_that_moved_down_is_found_and_renumbered() -> None:
    incremental.remember_rows()
    rows: tuple[tuple[CellValue, ...], ...] = (("Лист", "Строка"), ("Клиенты", 5), ("Заказы", 7))
    first = ToolSheet("Проблемы", rows, {(3, 2): "'Заказы'!B7"}, {(3, 1): FILLS[0]})
    build_tool_sheet(first, _book(0), False)
    moved = ToolSheet(
        "Проблемы",
        (rows[0], ("Клиенты", 9), *rows[1:]),
        {(4, 2): "'Заказы'!B7"},
        {(4, 1): FILLS[0]},
    )
    xml = build_tool_sheet(moved, _book(0), False).decode()
    assert '<row r="4"><c r="A4" s="2" t="inlineStr"><is><t>Заказы</t></is></c>' in xml
    memo = ooxml_toolsheet._ROWS.memo(None)
    assert memo is not None and len(memo) == 4  # three rows, then only the new one rendered
    assert '<hyperlink ref="B4" location="\'Заказы\'!B7"/>' in xml
    incremental.remember_rows(False)
    assert build_tool_sheet(moved, _book(0), False).decode() == xml
