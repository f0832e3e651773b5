"""The daemon parses only the changed rows of a sheet (``sync.sources.xlsx.delta``): for any
sheet and any edit, what it reads is exactly what a parse of the whole sheet gives."""

from __future__ import annotations

import datetime as dt
import operator
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync.core.model import ExcelError, SheetGrid
from sync.sources.xlsx import delta as xlsx_delta
from sync.sources.xlsx import read as xlsx_read
from sync.sources.xlsx.read import read_grids
from sync.speed import incremental

SHEET = "Клиенты"
OTHER = "Заказы"
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRINGS = ["ID", "ФИО", "Иванов Иван", "Петров Пётр", "C000001", ""]

_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_ML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
# part -> (content type, relationship type from the workbook; None: not the workbook's)
_PACKAGE = {
    "xl/workbook.xml": (f"{_ML}.sheet.main+xml", None),
    "xl/worksheets/sheet1.xml": (f"{_ML}.worksheet+xml", "worksheet"),
    "xl/worksheets/sheet2.xml": (f"{_ML}.worksheet+xml", "worksheet"),
    "xl/sharedStrings.xml": (f"{_ML}.sharedStrings+xml", "sharedStrings"),
    "xl/styles.xml": (f"{_ML}.styles+xml", "styles"),
}


def _relationships(targets: list[tuple[str, str]]) -> str:
    items = "".join(
        f'<Relationship Id="rId{i}" Type="{_DOC}/{kind}" Target="{target}"/>'
        for i, (kind, target) in enumerate(targets, 1)
    )
    rels = "http://schemas.openxmlformats.org/package/2006/relationships"
    head = '<?xml version="1.0" encoding="UTF-8"?>'
    return f'{head}<Relationships xmlns="{rels}">{items}</Relationships>'


_FIXED = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
        'ContentType="application/xml"/>'
        + "".join(
            f'<Override PartName="/{n}" ContentType="{t}"/>' for n, (t, _) in _PACKAGE.items()
        )
        + "</Types>"
    ),
    "_rels/.rels": _relationships([("officeDocument", "xl/workbook.xml")]),
    "xl/workbook.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{NS}" xmlns:r="{_DOC}">'
        f'<workbookPr/><sheets><sheet name="{SHEET}" sheetId="1" r:id="rId1"/>'
        f'<sheet name="{OTHER}" sheetId="2" r:id="rId2"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": _relationships(
        [(kind, name[3:]) for name, (_, kind) in _PACKAGE.items() if kind is not None]
    ),
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<styleSheet xmlns="{NS}">'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="3"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill>'
        '<fill><patternFill patternType="solid"><fgColor rgb="FFFFC7CE"/></patternFill></fill>'
        '</fills><borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        '</cellStyleXfs><cellXfs count="3">'
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="0" fontId="0" fillId="2" borderId="0" xfId="0" applyFill="1"/>'
        "</cellXfs></styleSheet>"
    ),
    "xl/sharedStrings.xml": "",  # made by _save
    "xl/worksheets/sheet2.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}"><sheetData>'
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>150.5</v></c></row>'
        "</sheetData></worksheet>"
    ),
}

# One cell of each kind a sheet holds: the value calamine makes of each is what is compared.
CELLS = st.one_of(
    st.integers(0, len(STRINGS) - 1).map(lambda i: ("s", f't="s"><v>{i}</v>')),
    st.text("абвгдAbc 12-", max_size=6).map(lambda t: ("i", f't="inlineStr"><is><t>{t}</t></is>')),
    st.integers(-5, 50_000).map(lambda n: ("n", f"><v>{n}</v>")),
    st.floats(-1e6, 1e6, allow_nan=False).map(lambda f: ("n", f"><v>{f!r}</v>")),
    st.integers(1, 60_000).map(lambda n: ("d", f's="1"><v>{n}</v>')),  # a date
    st.integers(0, 99).map(lambda n: ("h", f's="2"><v>{n}</v>')),  # highlighted number
    st.sampled_from(["0", "1"]).map(lambda b: ("b", f't="b"><v>{b}</v>')),
    st.sampled_from(["#N/A", "#DIV/0!"]).map(lambda e: ("e", f't="e"><v>{e}</v>')),
    st.just(("x", 's="2"/>')),  # a styled cell without a value
    st.just(("t", 't="str"><v>=1+1</v>')),  # a formula's text result
)


def _cell(ref: str, kind: tuple[str, str]) -> str:
    body = kind[1]
    return f'<c r="{ref}" {body}' if body.endswith("/>") else f'<c r="{ref}" {body}</c>'


def _row(number: int, cells: list[tuple[int, tuple[str, str]]]) -> str:
    inner = "".join(_cell(f"{'ABCDEFG'[col]}{number}", kind) for col, kind in cells)
    return f'<row r="{number}">{inner}</row>' if inner else f'<row r="{number}"/>'


ROW = st.lists(st.tuples(st.integers(0, 6), CELLS), max_size=5).map(
    lambda cells: sorted(dict(cells).items())
)
# strings a save may add to the shared strings (Excel, when a new text is typed)
ADDED = ["Новая Строка", "Ещё одна"]
NEW_STRING = st.integers(len(STRINGS), len(STRINGS) + len(ADDED) - 1).map(
    lambda i: ("s", f't="s"><v>{i}</v>')
)
ROW_AFTER_GROWTH = st.lists(st.tuples(st.integers(0, 6), CELLS | NEW_STRING), max_size=5).map(
    lambda cells: sorted(dict(cells).items())
)
SHEET_ROWS = st.dictionaries(st.integers(1, 40), ROW, min_size=1, max_size=25)


def _sheet(
    rows: dict[int, list[tuple[int, tuple[str, str]]]], sep: str = "", swapped: bool = False
) -> str:
    """The sheet part; ``swapped``: its first two row elements the other way round (no
    writer saves that, but a parser must cope)."""
    numbers = sorted(rows)
    if swapped:
        numbers[:2] = numbers[1::-1]
    body = sep.join(_row(n, rows[n]) for n in numbers)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}">'
        f'<dimension ref="A1:G40"/><sheetData>{body}</sheetData></worksheet>'
    )


def _shared(strings: list[str]) -> str:
    n = len(strings)
    items = "".join(f"<si><t>{s}</t></si>" for s in strings)
    head = '<?xml version="1.0" encoding="UTF-8"?>'
    return f'{head}<sst xmlns="{NS}" count="{n}" uniqueCount="{n}">{items}</sst>'


def _save(path: Path, sheet_xml: str, strings: list[str] = STRINGS) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in _FIXED.items():
            zf.writestr(name, _shared(strings) if name == "xl/sharedStrings.xml" else text)
        zf.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return path


def _read(path: Path) -> SheetGrid:
    grids, _, _ = read_grids(path, [SHEET, OTHER])
    return grids[SHEET]


def _full(path: Path) -> SheetGrid:
    """The plain parse of the whole sheet (nothing remembered)."""
    incremental.clear()
    return _read(path)


@pytest.fixture
def memo() -> Iterator[None]:
    incremental.remember_rows()
    yield
    incremental.remember_rows(False)


TAKEN: Counter[str] = Counter()  # how the property test's second reads went (to look at)


def _counted(*args: Any) -> xlsx_delta.Delta | None:
    done = xlsx_delta.reparse(*args)
    TAKEN["changed rows" if done is not None else "whole sheet"] += 1
    TAKEN["in order" if args[0].ordered else "out of order"] += 1
    return done


ACTIONS = st.lists(st.sampled_from(["set", "drop", "empty"]), min_size=1, max_size=4)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    before=SHEET_ROWS,
    actions=ACTIONS,
    pretty=st.booleans(),
    strings=st.sampled_from(["same", "grown", "reordered"]),
    swapped=st.booleans(),
    data=st.data(),
)
def test_changed_rows_alone_give_the_whole_sheets_parse(
    tmp_path_factory: pytest.TempPathFactory,
    before: dict[int, list[tuple[int, tuple[str, str]]]],
    actions: list[str],
    pretty: bool,
    strings: str,
    swapped: bool,
    data: st.DataObject,
) -> None:
    """Rows set anew (edited, added between or past the end, the last one changed), dropped,
    or left without values; rows with every kind of cell; row elements apart or one per
    line, in order or not; the shared strings the same, grown by new strings that edited
    rows use, or in another order."""
    sep = "\n  " if pretty else ""
    after = dict(before)
    later = {
        "same": STRINGS,
        "grown": [*STRINGS, *ADDED],
        "reordered": [STRINGS[1], STRINGS[0], *STRINGS[2:]],
    }[strings]
    numbers = st.sampled_from(sorted(before)) | st.integers(1, 45)  # mostly rows that exist
    for action in actions:
        number = data.draw(numbers)
        if action == "set":
            after[number] = data.draw(ROW_AFTER_GROWTH if strings == "grown" else ROW)
        elif action == "drop":
            after.pop(number, None)
        else:
            after[number] = [(0, ("x", 's="2"/>'))]
    if after == before and strings == "same":
        return
    path = tmp_path_factory.mktemp("delta") / "c.xlsx"
    incremental.remember_rows()
    # however many rows changed (past a share of them, a whole parse is chosen for speed)
    try:
        with (
            patch.object(xlsx_delta, "MOST_ROWS", 1.0),
            patch.object(xlsx_read, "reparse", _counted),
        ):
            incremental.clear()
            _read(_save(path, _sheet(before, sep, swapped)))
            path.unlink()
            delta = _read(_save(path, _sheet(after, sep), later))
            whole = _full(path)
    finally:
        incremental.remember_rows(False)
    assert delta.rows == whole.rows
    assert delta.has_errors == whole.has_errors


def test_an_edit_keeps_the_other_rows_of_the_last_parse(memo: None, tmp_path: Path) -> None:
    """The daemon's case: a value edited in one row and a row appended; the other rows are
    the very lists of the last parse, the new ones have calamine's values."""
    rows = {
        n: [(0, ("i", f't="inlineStr"><is><t>C{n:06d}</t></is>')), (1, ("d", 's="1"><v>40000</v>'))]
        for n in range(1, 31)
    }
    path = _save(tmp_path / "c.xlsx", _sheet(rows))
    first = _read(path)
    rows[7] = [(0, ("s", 't="s"><v>4</v>')), (2, ("e", 't="e"><v>#N/A</v>'))]
    rows[31] = [(0, ("n", "><v>12.5</v>")), (3, ("b", 't="b"><v>1</v>'))]
    path.unlink()
    second = _read(_save(path, _sheet(rows)))
    assert len(second.rows) == 31
    assert second.rows[6] == ["C000001", None, ExcelError("#N/A")]
    assert second.rows[30] == [12.5, None, None, True]
    assert second.rows[29] == ["C000030", dt.date(2009, 7, 6)]
    kept = [a is b for a, b in zip(first.rows, second.rows, strict=False)]
    assert kept.count(False) == 1 and not kept[6]  # row 7 alone parsed again
    assert second.rows == _full(path).rows


def test_rows_without_their_number_first_are_parsed_whole(memo: None, tmp_path: Path) -> None:
    """``<row spans=… r=…>`` or ``<row>``: the row elements are not cut apart; the whole sheet
    is parsed again (and comes out right)."""
    xml = _sheet({1: [(0, ("n", "><v>1</v>"))], 2: [(0, ("n", "><v>2</v>"))]})
    assert xlsx_delta.split_rows(xml.encode()) is not None
    for odd in ('<row spans="1:1" r="2">', "<row>"):
        changed = xml.replace('<row r="2">', odd).encode()
        assert xlsx_delta.split_rows(changed) is None
    path = _save(tmp_path / "c.xlsx", xml)
    first = _read(path)
    path.unlink()
    second = _read(_save(path, xml.replace("<v>2</v>", "<v>3</v>").replace('<row r="2">', "<row>")))
    assert second.rows == [[1.0], [3.0]]
    assert second.rows[0] is not first.rows[0]  # parsed whole


def test_new_shared_strings_keep_the_other_rows(memo: None, tmp_path: Path) -> None:
    """Excel's case: a new text typed in a new row adds a string to the shared strings; the
    other rows are still the last parse's lists, and the new row reads the new string."""
    rows = {
        n: [(0, ("i", f't="inlineStr"><is><t>C{n}</t></is>')), (1, ("s", 't="s"><v>2</v>'))]
        for n in range(1, 30)
    }
    path = _save(tmp_path / "c.xlsx", _sheet(rows))
    first = _read(path)
    rows[30] = [(0, ("s", f't="s"><v>{len(STRINGS)}</v>'))]
    path.unlink()
    second = _read(_save(path, _sheet(rows), [*STRINGS, *ADDED]))
    assert second.rows[29] == ["Новая Строка"]
    assert all(map(operator.is_, first.rows, second.rows[:29]))
    assert second.rows == _full(path).rows
