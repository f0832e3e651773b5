"""Rows to rewrite are found either by their own ``r`` in one forward sweep or, when that cannot
be done, from an index of every row: whichever way, a sheet comes out byte for byte the same."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.core.model import KEEP, CellEdit, column_letters
from sync.sources.xlsx.ooxml.sheet import CellContext, SheetPart, SheetStats
from sync.sources.xlsx.ooxml.styles import StyleBook

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STYLES = (
    f'<styleSheet xmlns="{NS}"><fonts count="1"><font/></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border/></borders><cellXfs count="2">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"/>'
    "</cellXfs></styleSheet>"
).encode()
RED = "FFFFC7CE"

# a row's start tag: r first (every writer), r after another attribute, or no r at all
FORMS = ("r-first", "r-later", "no-r")
cells = st.dictionaries(
    st.integers(1, 6),
    st.tuples(
        st.sampled_from(["text", "number", "empty"]), st.sampled_from(["plain", "date", "tool"])
    ),
    max_size=4,
)
rows = st.dictionaries(st.integers(1, 30), st.tuples(st.sampled_from(FORMS), cells), max_size=12)
edits = st.dictionaries(
    st.integers(1, 32),
    st.dictionaries(
        st.integers(1, 7),
        st.tuples(
            st.sampled_from([KEEP, None, "новое", 7]),
            st.sampled_from([KEEP, None, RED]),
        ),
        min_size=1,
        max_size=3,
    ),
    max_size=6,
)


def _styles() -> tuple[StyleBook, int]:
    book = StyleBook(STYLES, "t.xlsx")
    return book, book.clone(0, RED)  # a highlight an earlier write left


def _sheet(spec: dict[int, tuple[str, dict[int, tuple[str, str]]]], tool: int) -> bytes:
    out = []
    prev = 0
    for num in sorted(spec):
        form, row_cells = spec[num]
        if form == "no-r" and num != prev + 1:
            form = "r-first"  # a row without r is the one after the previous row
        prev = num
        body = []
        for col in sorted(row_cells):
            kind, look = row_cells[col]
            s = {"plain": "", "date": ' s="1"', "tool": f' s="{tool}"'}[look]
            ref = f"{column_letters(col)}{num}"
            if kind == "text":
                body.append(f'<c r="{ref}"{s} t="inlineStr"><is><t>т{col}</t></is></c>')
            elif kind == "number":
                body.append(f'<c r="{ref}"{s}><v>{num * 10 + col}</v></c>')
            else:
                body.append(f'<c r="{ref}"{s}/>')
        attrs = {
            "r-first": f' r="{num}" spans="1:6"',
            "r-later": f' spans="1:6" r="{num}"',
            "no-r": "",
        }[form]
        out.append(f"<row{attrs}>{''.join(body)}</row>" if body else f"<row{attrs}/>")
    return (
        f'<worksheet xmlns="{NS}"><dimension ref="A1:F30"/><sheetData>{"".join(out)}'
        '</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" '
        'header="0.3" footer="0.3"/></worksheet>'
    ).encode()


def _apply(data: bytes, plan: dict[int, dict[int, CellEdit]], sweep: bool) -> tuple[Any, ...]:
    book, _ = _styles()
    sheet = SheetPart(data, "t.xlsx, sheet 'Клиенты'")
    if not sweep:
        sheet._find_rows = lambda *_: None  # type: ignore[method-assign]
    ctx = CellContext(book, False, lambda _i: None, sheet.label, SheetStats())
    changed = sheet.apply(plan, ctx)
    return changed, sheet.data, ctx.stats.cells_changed, ctx.stats.fills_set, len(book.xfs)


@settings(max_examples=300, deadline=None)
@given(rows, edits)
def test_found_by_sweep_or_by_index_the_sheet_is_the_same(
    spec: dict[int, tuple[str, dict[int, tuple[str, str]]]],
    wanted: dict[int, dict[int, tuple[Any, Any]]],
) -> None:
    _, tool = _styles()
    data = _sheet(spec, tool)
    plan = {
        r: {c: CellEdit(r, c, value, fill) for c, (value, fill) in cols.items()}
        for r, cols in wanted.items()
    }
    assert _apply(data, plan, sweep=True) == _apply(data, plan, sweep=False)


def test_a_few_edits_on_a_long_sheet_are_found_without_the_index() -> None:
    _, tool = _styles()
    spec = {n: ("r-first", {1: ("text", "plain")}) for n in range(1, 2001)}
    spec[1500] = ("r-first", {2: ("number", "tool")})  # a highlight left by an earlier write
    data = _sheet(spec, tool)
    sheet = SheetPart(data, "t.xlsx")
    book, _ = _styles()
    start, end = sheet._body()
    plan = {7: {3: CellEdit(7, 3, "новое", RED)}, 1999: {1: CellEdit(1999, 1, None)}}
    marks = sheet._tool_marks(start, end, book)
    assert sheet._find_rows(start, end, plan, marks) == [
        (7, data.index(b'<row r="7"'), -1),
        (1500, data.index(b'<row r="1500"'), -1),
        (1999, data.index(b'<row r="1999"'), -1),
    ]


@pytest.mark.parametrize(
    ("spec", "plan_row"),
    [
        ({1: ("r-first", {1: ("text", "plain")}), 5: ("r-first", {1: ("text", "plain")})}, 3),
        ({1: ("r-first", {1: ("text", "plain")}), 2: ("r-later", {1: ("text", "plain")})}, 2),
        ({1: ("r-first", {1: ("text", "plain")}), 2: ("no-r", {1: ("text", "plain")})}, 2),
    ],
    ids=["a row to insert", "r after another attribute", "a row without r"],
)
def test_the_index_is_used_when_a_row_cannot_be_found_by_its_r(
    spec: dict[int, tuple[str, dict[int, tuple[str, str]]]], plan_row: int
) -> None:
    _, tool = _styles()
    data = _sheet(spec, tool)
    sheet = SheetPart(data, "t.xlsx")
    book, _ = _styles()
    start, end = sheet._body()
    plan = {plan_row: {2: CellEdit(plan_row, 2, "новое")}}
    assert sheet._find_rows(start, end, plan, sheet._tool_marks(start, end, book)) is None
    changed, new, *_ = _apply(data, plan, sweep=True)
    assert changed and f'<c r="B{plan_row}" t="inlineStr"><is><t>новое</t>'.encode() in new
