"""Phone numbers: parse what staff type in any configured region, normalise to E.164.

Staff type numbers in the national form of their country (``8 (912) 345-67-89`` in Russia,
``067 123 45 67`` in Ukraine, ``8 029 123-45-67`` in Belarus), in international form, or as a
number cell that Excel shows as ``79123456789``. Regions are tried in the configured order;
the first one that gives a *valid* number wins.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Literal

import phonenumbers
from phonenumbers import PhoneNumberFormat

from validators.base import EMPTY, FieldCheck, Finding, map_cached

PhoneFormat = Literal["e164", "international", "national"]

_FORMATS = {
    "e164": PhoneNumberFormat.E164,
    "international": PhoneNumberFormat.INTERNATIONAL,
    "national": PhoneNumberFormat.NATIONAL,
}
_SEPARATORS = re.compile(r"\s*(?:[;,/\n]|\s{2,}|\bили\b|\bабо\b|\bor\b)\s*")
_ALLOWED = re.compile(r"^[\d\s()+\-.]+$")
_MAX_LEN = 40  # longer text is not a phone number (and is not worth parsing)


def format_phone(e164: str, fmt: PhoneFormat = "international") -> str:
    """``+79123456789`` → ``+7 912 345-67-89`` (international)."""
    number = phonenumbers.parse(e164, None)
    return str(phonenumbers.format_number(number, _FORMATS[fmt]))


def _digits_text(value: object) -> str | None:
    """The cell as text; number cells (``79123456789.0``) become their digits."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value) or not value.is_integer():
            return None
        return str(int(value))
    if isinstance(value, str):
        return value.strip()
    return None


def parse_phone(text: str, regions: Sequence[str]) -> str | None:
    """E.164 for ``text`` if it is a valid number in one of ``regions``, else ``None``."""
    number = _parse_number(text, regions)
    return None if number is None else f"+{number.country_code}{_nsn(number)}"


def _nsn(number: phonenumbers.PhoneNumber) -> str:
    return str(phonenumbers.national_significant_number(number))


def _parse_number(text: str, regions: Sequence[str]) -> phonenumbers.PhoneNumber | None:
    if not text or len(text) > _MAX_LEN or not _ALLOWED.match(text):
        return None
    digits = re.sub(r"\D", "", text)
    if not 7 <= len(digits) <= 15:
        return None
    candidates = [text]
    if not text.startswith("+"):
        if text.startswith("00"):
            candidates.insert(0, "+" + digits[2:])
        else:
            # "79123456789" or "380671234567" typed without the plus
            candidates.append("+" + digits)
    for candidate in candidates:
        for region in regions if not candidate.startswith("+") else (None,):
            try:
                number = phonenumbers.parse(candidate, region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(number):
                return number
    return None


# Validity and layout of a number depend on its leading digits and its length, not on its last
# digits (phonenumbers' patterns end in \d{n}). So the verdict for "8 912 345-67-89" holds for
# every number that shares its leading digits, length and plus sign: parse once per such shape,
# then fill the remaining digits into the cached layout. A test checks this against a full
# phonenumbers parse on many random numbers.
_FREE_DIGITS = 5
_NOT_DIGITS = str.maketrans("", "", " ()+-.")
_Shape = tuple[bool, str, int, tuple[str, ...], str]
_Layout = tuple[str, int, str] | None  # (country code, national length, template) or invalid
_layouts: dict[_Shape, _Layout] = {}


def _layout_for(text: str, digits: str, regions: tuple[str, ...], fmt: PhoneFormat) -> _Layout:
    number = _parse_number(text, regions)
    if number is None:
        return None
    cc = str(number.country_code)
    nsn = _nsn(number)
    if not digits.endswith(nsn):
        return None
    shown = str(phonenumbers.format_number(number, _FORMATS[fmt]))
    # replace the national number's digits (the last ones in the text) by slots
    template, remaining = [], len(nsn)
    for ch in reversed(shown.replace("{", "{{").replace("}", "}}")):
        if ch.isdigit() and remaining:
            template.append("{}")
            remaining -= 1
        else:
            template.append(ch)
    if remaining:
        return None
    return cc, len(nsn), "".join(reversed(template))


def fast_parse(text: str, regions: tuple[str, ...], fmt: PhoneFormat) -> tuple[str, str] | None:
    """(E.164, formatted) for ``text``, or ``None`` when it is not a valid number."""
    if not text or len(text) > _MAX_LEN or not _ALLOWED.match(text):
        return None
    digits = text.translate(_NOT_DIGITS)
    if len(digits) <= _FREE_DIGITS + 2:
        layout = _layout_for(text, digits, regions, fmt)
    else:
        shape = (text.lstrip().startswith("+"), digits[:-_FREE_DIGITS], len(digits), regions, fmt)
        if shape in _layouts:
            layout = _layouts[shape]
        else:
            layout = _layouts[shape] = _layout_for(text, digits, regions, fmt)
    if layout is None:
        return None
    cc, nsn_len, template = layout
    nsn = digits[-nsn_len:]
    return f"+{cc}{nsn}", template.format(*nsn)


def _check_one(value: object, regions: tuple[str, ...], fmt: PhoneFormat) -> FieldCheck:
    if value is None:
        return EMPTY
    text = _digits_text(value)
    if text is None:
        if isinstance(value, str | int | float):
            return FieldCheck(None, None, (Finding("phone.invalid", "error"),))
        return FieldCheck(None, None, (Finding("phone.invalid", "error"),))
    if not text:
        return EMPTY
    parsed = fast_parse(text, regions, fmt)
    if parsed is not None:
        e164, shown = parsed
        if isinstance(value, str) and value == shown:
            return FieldCheck(e164)
        return FieldCheck(e164, shown, (Finding("phone.fixed", "info", shown),))
    parts = [p for p in _SEPARATORS.split(text) if p.strip()]
    if len(parts) > 1:
        numbers = [parse_phone(p.strip(), regions) for p in parts]
        if numbers[0] is not None:
            shown = format_phone(numbers[0], fmt)
            return FieldCheck(numbers[0], None, (Finding("phone.multiple", "warning", shown),))
    return FieldCheck(None, None, (Finding("phone.invalid", "error"),))


def check_phones(
    values: Sequence[object],
    regions: Sequence[str] = ("RU", "UA", "BY", "KZ"),
    fmt: PhoneFormat = "international",
) -> list[FieldCheck]:
    """One verdict per value: ``phone.invalid``, ``phone.fixed`` (with the formatted number)
    or ``phone.multiple`` (several numbers in one cell: the first is used)."""
    regs = tuple(r.upper() for r in regions)
    return map_cached(values, lambda v: _check_one(v, regs, fmt))
