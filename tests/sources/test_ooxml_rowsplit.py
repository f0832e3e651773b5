"""A big sheet's rows rebuilt by two processes (``ooxml_rowsplit``) give exactly the package one
process writes: the styles the worker's rows need are added in the same order and its cells
renumbered where the two processes numbered them apart; a failed worker, or a part whose cells
name a number this write adds, means the rows are rebuilt here, with the same bytes."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.styles import Border, Font, PatternFill, Side

from sync import forked
from sync.model import KEEP, CellEdit, SheetEdits, WritePlan
from sync.sources import ooxml_rowsplit
from sync.sources.ooxml import write_plan
from sync.sources.ooxml_zip import part_key

pytestmark = pytest.mark.skipif(
    not forked.fork_usable(), reason="the worker is only forked on Linux, single-threaded"
)

SHEET = "Клиенты"
PART = "xl/worksheets/sheet1.xml"
RED, YELLOW = "FFFFC7CE", "FFFFEB9C"
# staff's looks: each becomes its own cell format, so highlighting it adds a new one
LOOKS: list[dict[str, Any]] = [
    {},
    {"font": Font(bold=True)},
    {"font": Font(italic=True)},
    {"border": Border(bottom=Side(style="thin"))},
    {"fill": PatternFill("solid", fgColor="FFDDEEFF")},
]


def _workbook(looks: list[int]) -> bytes:
    """One client per entry of ``looks``: its name cell styled with that look."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET
    ws.append(["ID", "ФИО", "Телефон", "Дата"])
    for i, look in enumerate(looks):
        r = i + 2
        ws.append([f"C{r:04d}", f"Клиент {r}", f"8912{r:07d}", None])
        for attr, value in LOOKS[look].items():
            setattr(ws.cell(r, 2), attr, value)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _plan(marks: dict[int, str | None], dates: set[int]) -> WritePlan:
    cells = []
    for r, fill in sorted(marks.items()):
        cells.append(CellEdit(r, 2, KEEP, fill, "Проверьте" if fill else None))
        if r in dates:
            cells.append(CellEdit(r, 4, dt.date(2024, 1, r % 28 + 1), None, None))
    return WritePlan((SheetEdits(SHEET, tuple(cells)),), (), (RED, YELLOW))


def _write(src: bytes, plan: WritePlan) -> bytes | None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "book.xlsx"
        path.write_bytes(src)
        # the parts inflated beforehand, as a sync does while it plans: the writer then
        # starts no thread of its own, and a process with threads does not fork
        with zipfile.ZipFile(path) as zf:
            inflated = {i.filename: (part_key(i), zf.read(i)) for i in zf.infolist()}
        buf = io.BytesIO()
        written = write_plan(path, plan, buf, inflated=inflated)
        return buf.getvalue() if written is not None else None


def _both(
    monkeypatch: pytest.MonkeyPatch, src: bytes, plan: WritePlan
) -> tuple[bytes | None, bytes | None, list[object]]:
    """The package written by one process, by two, and the workers started for the latter."""
    monkeypatch.setattr(ooxml_rowsplit, "MIN_ROWS", 10**9)
    alone = _write(src, plan)
    started: list[object] = []
    real = ooxml_rowsplit.RowsAhead.start

    def recording(*args: Any) -> object:
        found = real(*args)
        started.append(found)
        return found

    monkeypatch.setattr(ooxml_rowsplit, "MIN_ROWS", 2)
    monkeypatch.setattr(ooxml_rowsplit.RowsAhead, "start", recording)
    split = _write(src, plan)
    monkeypatch.setattr(ooxml_rowsplit.RowsAhead, "start", real)
    return alone, split, started


def _formats(package: bytes | None) -> int:
    assert package is not None
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        styles = zf.read("xl/styles.xml")
    m = re.search(rb'<cellXfs count="(\d+)"', styles)
    assert m is not None
    return int(m.group(1))


def test_worker_numbers_new_formats_apart_and_the_package_is_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the earlier rows highlight bold names first; the later rows italic ones first, then
    # bold: the worker numbers its new formats the other way round from one process
    looks = [1] * 20 + [2] * 10 + [1] * 10
    src = _workbook(looks)
    rows = range(2, len(looks) + 2)
    plan = _plan({r: RED for r in rows}, dates={r for r in rows if r % 3 == 0})
    alone, split, started = _both(monkeypatch, src, plan)
    assert len(started) == 1 and started[0] is not None
    assert split == alone
    assert _formats(alone) > _formats(src)  # formats were added (highlights, date formats)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    looks=st.lists(st.integers(0, len(LOOKS) - 1), min_size=4, max_size=40),
    marks=st.dictionaries(st.integers(2, 41), st.sampled_from([RED, YELLOW, None])),
    dates=st.sets(st.integers(2, 41)),
)
def test_any_split_writes_the_package_of_one_process(
    monkeypatch: pytest.MonkeyPatch, looks: list[int], marks: dict[int, str | None], dates: set[int]
) -> None:
    src = _workbook(looks)
    last = len(looks) + 1
    plan = _plan({r: f for r, f in marks.items() if r <= last}, {d for d in dates if d <= last})
    alone, split, _ = _both(monkeypatch, src, plan)
    assert split == alone


def test_a_worker_that_dies_means_the_rows_are_rebuilt_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    looks = [1, 2, 3, 4] * 10
    src = _workbook(looks)
    plan = _plan({r: RED for r in range(2, 42)}, dates={5, 30})
    real: Callable[..., Any] = forked.Ahead.start

    def crashing(fn: Any, accept: Any) -> Any:
        return real(lambda: os._exit(3), accept)

    monkeypatch.setattr(forked.Ahead, "start", crashing)
    alone, split, started = _both(monkeypatch, src, plan)
    assert started and started[0] is not None
    assert split == alone


def test_a_cell_naming_a_format_this_write_adds_keeps_the_rows_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A later row's date cell already says ``s="N"`` for the N the earlier rows' first
    highlight gets (a number past the styles part: a part written by an odd program). One
    process takes that cell for a highlight of its own and dates the highlighted style; the
    worker, which has not seen that highlight, would date another. Its rows are rebuilt here."""
    looks = [1] * 40
    src = _workbook(looks)
    n = _formats(src)
    with zipfile.ZipFile(io.BytesIO(src)) as zf:
        infos = zf.infolist()
        parts = {i.filename: zf.read(i) for i in infos}
    sheet = parts[PART]
    phone = re.search(rb'<c r="C38".*?</c>', sheet)  # the row's last cell: D38 is empty
    assert phone is not None
    empty = b'<c r="D38" s="' + str(n).encode() + b'"/>'
    parts[PART] = sheet[: phone.end()] + empty + sheet[phone.end() :]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in infos:
            out.writestr(info, parts[info.filename])
    odd = buf.getvalue()
    # the earlier half highlighted (its first new format is N), the later half given dates
    marks: dict[int, str | None] = {r: (RED if r < 22 else None) for r in range(2, 42)}
    plan = _plan(marks, dates=set(range(22, 42)))
    alone, split, started = _both(monkeypatch, odd, plan)
    assert started and started[0] is not None
    assert split == alone
