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
        "01.05.1990 0:00:00",  # a date cell exported as text
        "1990-05-01 00:00:00",
        "1 Мая 1990г.",
        "01 травня 1990",
        "1 май 1990",
        "1 May 1990",
        "may 1, 1990",
        " 01.05.1990 ",
    ],
)
def test_forms_staff_type_are_read_without_complaint(raw: object) -> None:
    check = check_dates([raw], as_of=AS_OF, kind="birthday")[0]
    assert check.normalized == MAY_1 and check.findings == ()


@pytest.mark.parametrize(
    "raw",
    [
        "31.02.1990",
        "abc",
        "32.01.2000",
        "1985-13-01",
        "00.00.0000",
        True,
        "12/31/1990",
        60,
        35,
        "1990",
        1990,
        10**400,
        float("nan"),
    ],
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
    (typed,) = check_dates(["12.03.1890"], as_of=AS_OF)
    assert typed.normalized == dt.date(1890, 3, 12)
    assert [(f.code, f.severity, f.params) for f in typed.findings] == [
        ("date.implausible", "warning", (("year", "1890"),))
    ]


@pytest.mark.parametrize(
    ("raw", "birthday", "order_date"),
    [
        ("01.05.30", dt.date(1930, 5, 1), dt.date(2030, 5, 1)),
        ("01.05.21", dt.date(2021, 5, 1), dt.date(2021, 5, 1)),
        ("01.12.26", dt.date(1926, 12, 1), dt.date(2026, 12, 1)),  # a month after as_of
        ("01.10.26", dt.date(2026, 10, 1), dt.date(2026, 10, 1)),
        ("15/03/85", dt.date(1985, 3, 15), dt.date(1985, 3, 15)),
    ],
)
def test_two_digit_years(raw: str, birthday: dt.date, order_date: dt.date) -> None:
    (born,) = check_dates([raw], as_of=AS_OF, kind="birthday")
    assert born.normalized == birthday and born.findings == ()  # never in the future
    assert check_dates([raw], as_of=AS_OF)[0].normalized == order_date


@pytest.mark.parametrize("raw", [1990, "1990", 35, 35.0])
def test_numbers_that_are_not_serials(raw: object) -> None:
    # a birth year alone or an age is not 1905-06-12 / 1900-02-04
    assert check_dates([raw], as_of=AS_OF, kind="birthday")[0].findings[0].code == "date.invalid"


def test_order_dates_use_the_fast_path_and_the_slow_path_alike() -> None:
    values: list[object] = [MAY_1, "01.05.1990", dt.date(1800, 1, 1), None, MAY_1]
    checks = check_dates(values, as_of=AS_OF)
    assert [c.normalized for c in checks] == [MAY_1, MAY_1, dt.date(1800, 1, 1), None, MAY_1]
    assert checks[2].findings[0].params == (("year", "1800"),)


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
    if serial >= 1000 and not 1800 <= serial <= 2200:  # see test_numbers_that_are_not_serials
        assert check_dates([serial], as_of=AS_OF)[0].normalized == day
