"""Dates: real date cells, text in the forms staff type, and Excel serial numbers."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from typing import Literal

from validators.base import EMPTY, FieldCheck, Finding, clean_checks, map_cached, verdict_cache

_EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01, with Excel's fake 1900-02-29
_MIN_SERIAL, _MAX_SERIAL = 1, 2958465  # 9999-12-31

# "01.05.1990 0:00:00": a date cell exported as text keeps its (empty) time
_TIME = r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"
_NUMERIC = re.compile(r"^(\d{1,2})[./\-](\d{1,2})[./\-](\d{2}|\d{4})(?:\s*г\.?)?" + _TIME + "$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+)?$")
_WORDS = re.compile(r"^(\d{1,2})\s+([^\W\d_]+)\.?,?\s+(\d{4})(?:\s*г\.?)?$")
_EN_WORDS = re.compile(r"^([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})$")

_MONTHS: dict[str, int] = {}
for _i, _names in enumerate(
    (
        "январь января янв січень січня січ january jan",
        "февраль февраля фев лютий лютого лют february feb",
        "март марта мар березень березня бер march mar",
        "апрель апреля апр квітень квітня кві квіт april apr",
        "май мая травень травня тра трав may",
        "июнь июня июн червень червня чер черв june jun",
        "июль июля июл липень липня лип july jul",
        "август августа авг серпень серпня сер серп august aug",
        "сентябрь сентября сен сент вересень вересня вер september sep sept",
        "октябрь октября окт жовтень жовтня жов жовт october oct",
        "ноябрь ноября ноя листопад листопада лис november nov",
        "декабрь декабря дек грудень грудня гру груд december dec",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _i


def serial_to_date(serial: float) -> dt.date | None:
    """An Excel serial (1900 system) as a date; ``None`` outside Excel's range."""
    if math.isnan(serial) or not _MIN_SERIAL <= serial <= _MAX_SERIAL:
        return None
    day = int(serial)
    if day == 60:
        return None  # 1900-02-29 does not exist
    if day < 60:
        day += 1  # serials before the fake leap day are one day off the proleptic calendar
    return _EXCEL_EPOCH + dt.timedelta(days=day)


def _serial_or_false(serial: float) -> dt.date | Literal[False]:
    """A serial number as a date, when it plausibly is one.

    Serial 1990 is 1905-06-12: nobody means that, but staff do type a birth year alone; and a
    number below 1000 (serials of 1900-1902) is an age, a day or a count, not a date.
    """
    if serial < 1000 or (1800 <= serial <= 2200 and serial.is_integer()):
        return False
    return serial_to_date(serial) or False


def _year(text: str, two_digit_pivot: int) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year <= two_digit_pivot else 1900
    return year


def _make(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_date(
    value: object, pivot: int, latest: dt.date | None = None
) -> dt.date | Literal[False] | None:
    """The date in ``value``; ``None`` for empty, ``False`` when it is not a date.

    A two-digit year ``yy`` is ``20yy`` up to ``pivot``, else ``19yy``; and a century earlier
    when that would put the date after ``latest`` (a birthday is never in the future).
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return _serial_or_false(float(value)) if abs(value) <= _MAX_SERIAL else False
    if isinstance(value, float):
        return _serial_or_false(value)
    if not isinstance(value, str):
        return False
    text = value.strip().lower()
    if not text:
        return None
    if len(text) > 40:  # a note, not a date
        return False
    if m := _NUMERIC.match(text):
        d, mo, y = m.groups()
        day = _make(_year(y, pivot), int(mo), int(d))
        if day is not None and len(y) == 2 and latest is not None and day > latest:
            day = _make(day.year - 100, day.month, day.day)  # 29.02 of 2000 vs 1900: invalid
        return day or False
    if m := _ISO.match(text):
        return _make(int(m.group(1)), int(m.group(2)), int(m.group(3))) or False
    if m := _WORDS.match(text):
        month = _MONTHS.get(m.group(2))
        return (_make(int(m.group(3)), month, int(m.group(1))) if month else None) or False
    if m := _EN_WORDS.match(text):
        month = _MONTHS.get(m.group(1))
        return (_make(int(m.group(3)), month, int(m.group(2))) if month else None) or False
    if text.isascii() and text.isdigit() and len(text) <= 7:
        return _serial_or_false(float(text))
    return False


def _check_one(value: object, as_of: dt.date, kind: str) -> FieldCheck:
    # A two-digit year is 20xx while that is not in the future (for birthdays), else 19xx.
    if kind == "birthday":
        parsed = parse_date(value, as_of.year % 100, as_of)
    else:  # an order or a call may be entered a little ahead of time
        parsed = parse_date(value, as_of.year % 100 + 10)
    if parsed is None:
        return EMPTY
    if parsed is False:
        return FieldCheck(None, None, (Finding("date.invalid", "error"),))
    year = (("year", str(parsed.year)),)
    if parsed < dt.date(1900, 1, 1) or (kind == "birthday" and parsed > as_of):
        return FieldCheck(parsed, None, (Finding("date.implausible", "warning", None, year),))
    return FieldCheck(parsed)


def check_dates(
    values: Sequence[object], *, as_of: dt.date, kind: Literal["birthday", "date"] = "date"
) -> list[FieldCheck]:
    """One verdict per value: ``date.invalid`` (not a date, ``31.02.1990``) or
    ``date.implausible`` (before 1900; for birthdays also after ``as_of``).

    A date written as text in a recognised form is not a problem: its form is staff's choice.
    """
    # Real date cells in range are the rule (an orders sheet): no parsing, no cache.
    low, high = dt.date(1900, 1, 1), as_of if kind == "birthday" else dt.date.max

    date = dt.date
    fast = [type(v) is date and low <= v <= high for v in values]
    slow = map_cached(
        [None if ok else v for v, ok in zip(values, fast, strict=True)],
        lambda v: _check_one(v, as_of, kind),
        verdict_cache("date", as_of, kind),
    )
    return clean_checks([v if ok else None for v, ok in zip(values, fast, strict=True)], slow)
