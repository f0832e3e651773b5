"""Dates: cells, typed text, Excel serials; impossible and implausible dates."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from validators.dates import check_dates, serial_to_date

AS_OF = dt.date(2026, 11, 1)
MAY_1 = dt.date(1990, 5, 1)


@pytest.mark.parametrize(
    "raw",
    [
        MAY_1,
        dt.datetime(1990, 5, 1, 10, 30),
        "01.05.1990",
        "1.5.1990",
        "01/05/90",
        "1990-05-01",
        "01-05-1990",
        32994,
        32994.0,
        "32994",
        "1 мая 1990",
        "1 травня 1990 г.",
        "May 1, 1990",
        "01.05.1990 г.",
    ],
)
def test_forms_staff_type_are_read_without_complaint(raw: object) -> None:
    check = check_dates([raw], as_of=AS_OF, kind="birthday")[0]
    assert check.normalized == MAY_1 and check.findings == ()


@pytest.mark.parametrize(
    "raw", ["31.02.1990", "abc", "32.01.2000", "1985-13-01", "00.00.0000", True, "12/31/1990", 60]
)
def test_not_dates(raw: object) -> None:
    check = check_dates([raw], as_of=AS_OF)[0]
    assert [(f.code, f.severity) for f in check.findings] == [("date.invalid", "error")]


def test_implausible_birthdays() -> None:
    old, future = check_dates(
        [dt.date(1890, 1, 1), dt.date(2027, 1, 1)], as_of=AS_OF, kind="birthday"
    )
    assert old.findings[0].code == "date.implausible" and ("year", "1890") in old.findings[0].params
    assert future.findings[0].code == "date.implausible"
    assert check_dates([dt.date(2027, 1, 1)], as_of=AS_OF)[0].findings == ()  # an order date


def test_two_digit_birth_years_are_never_in_the_future() -> None:
    assert check_dates(["01.05.30"], as_of=AS_OF, kind="birthday")[0].normalized == dt.date(
        1930, 5, 1
    )
    assert check_dates(["01.05.21"], as_of=AS_OF, kind="birthday")[0].normalized == dt.date(
        2021, 5, 1
    )


def test_excel_serials_around_the_fake_leap_day() -> None:
    assert serial_to_date(59) == dt.date(1900, 2, 28)
    assert serial_to_date(60) is None
    assert serial_to_date(61) == dt.date(1900, 3, 1)
    assert serial_to_date(1) == dt.date(1900, 1, 1)


@given(st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 1, 1)))
def test_a_date_written_back_reads_the_same(day: dt.date) -> None:
    for text in (day.strftime("%d.%m.%Y"), day.isoformat()):
        assert check_dates([text], as_of=AS_OF)[0].normalized == day
    serial = (day - dt.date(1899, 12, 30)).days
    assert check_dates([serial], as_of=AS_OF)[0].normalized == day
