"""Pure rules of the Google Sheets source: dates, the tool's record, what a plan changes."""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import given
from hypothesis import strategies as st

from sync.core.model import CellEdit, SheetEdits, WritePlan
from sync.sources.gsheets.plan import (
    CELL_CHARS,
    Mark,
    changes,
    date_to_serial,
    decode_record,
    encode_record,
    follow_rows,
    row_bands,
    serial_to_date,
)


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(9999, 12, 31)))
def test_dates_round_trip_through_serials(day: dt.date) -> None:
    assert serial_to_date(date_to_serial(day)) == day


def test_serials_match_google() -> None:
    # Sheets: 1 = 1899-12-31, 61 = 1900-03-01 (no fake leap day), 45962 = 2025-11-01
    assert serial_to_date(1) == dt.date(1899, 12, 31)
    assert serial_to_date(61) == dt.date(1900, 3, 1)
    assert serial_to_date(45962) == dt.date(2025, 11, 1)
    assert serial_to_date(45962.5) == dt.datetime(2025, 11, 1, 12, 0)


marks = st.dictionaries(
    st.tuples(st.sampled_from(["Клиенты", "Заказы"]), st.integers(1, 10**6), st.integers(1, 60)),
    st.builds(
        Mark,
        st.sampled_from(["FFFFC7CE", "FFFFEB9C", None]),
        st.sampled_from(["0123456789abcdef", None]),
        st.sampled_from(["FF9BC2E6", None]),
        st.sampled_from(["C000001", None]),
    ),
    max_size=200,
)


@given(marks)
def test_record_round_trips(record: dict[tuple[str, int, int], Mark]) -> None:
    cells = encode_record(record)
    assert all(len(c) <= CELL_CHARS for c in cells)
    assert decode_record(cells) == {k: m for k, m in record.items() if not m.empty}


def test_unreadable_record_owns_nothing() -> None:
    assert decode_record(["not a record"]) == {}


def test_record_follows_a_row_staff_moved() -> None:
    record = {("Клиенты", 5, 3): Mark("FFFFC7CE", None, None, "C000004")}
    moved = follow_rows(record, "Клиенты", {5: "C000009", 7: "C000004"})
    assert list(moved) == [("Клиенты", 7, 3)]


def test_a_plan_already_on_the_sheet_changes_nothing() -> None:
    grids = {"Клиенты": [["ID", "Сегмент"], ["C1", "VIP"]]}
    record = {("Клиенты", 2, 1): Mark("FFFFC7CE", None, None, "C1")}
    plan = WritePlan(
        (SheetEdits("Клиенты", (CellEdit(2, 2, "VIP"), CellEdit(2, 1, fill="FFFFC7CE"))),)
    )
    assert changes(plan, grids, record) == {}
    # the problem went away: the tool's own fill is taken off
    gone = WritePlan((SheetEdits("Клиенты", (CellEdit(2, 2, "VIP"),)),))
    assert changes(gone, grids, record)["Клиенты"][(2, 1)].fill is None


def test_a_number_where_the_tool_writes_text_is_rewritten_as_text() -> None:
    grids = {"Клиенты": [["ID"], [123]]}
    plan = WritePlan((SheetEdits("Клиенты", (CellEdit(2, 1, "123"),)),))
    assert changes(plan, grids, {})["Клиенты"][(2, 1)].value == "123"


@given(st.sets(st.integers(1, 100_000), min_size=1, max_size=2000))
def test_bands_cover_every_row_and_stay_few(rows: set[int]) -> None:
    bands = row_bands(rows, max_bands=50)
    assert len(bands) <= 50
    assert all(any(a <= r <= b for a, b in bands) for r in rows)
    assert all(b1 < a2 for (_, b1), (a2, _) in itertools.pairwise(bands))
