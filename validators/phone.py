"""Phone numbers: parse what staff type in any configured region, normalise to E.164.

Staff type numbers in the national form of their country (``8 (912) 345-67-89`` in Russia,
``067 123 45 67`` in Ukraine, ``8 029 123-45-67`` in Belarus), in international form, or as a
number cell that Excel shows as ``79123456789``. Regions are tried in the configured order;
the first one that gives a *valid* number wins.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from typing import Literal

import phonenumbers
from phonenumbers import PhoneNumberFormat

from validators.base import EMPTY, FieldCheck, Finding, map_cached, verdict_cache

PhoneFormat = Literal["e164", "international", "national"]

_FORMATS = {
    "e164": PhoneNumberFormat.E164,
    "international": PhoneNumberFormat.INTERNATIONAL,
    "national": PhoneNumberFormat.NATIONAL,
}
_SEPARATORS = re.compile(r"\s*(?:[;,/\n]|\s{2,}|\bили\b|\bабо\b|\bor\b)\s*")
_ALLOWED = re.compile(r"^[0-9 ()+\-.]+$")
# Text pasted from Word, a website or a messenger: no-break and thin spaces, tabs, en/em dashes
# and minus signs look like ordinary separators to staff, so they must count as such.
# A line break stays: it separates several numbers in one cell.
_ODD_SPACES = re.compile(r"[^\S\n]")
_ODD_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
# Number cells stored as text by an export: "79123456789.0", "7.9123456789E+10"
# (digits only is left alone: "0671234567" must keep its leading zero)
_NUMBER_TEXT = re.compile(r"^[0-9]+\.0+$|^[0-9](?:[.,][0-9]+)?[eE]\+?[0-9]{1,2}$")
_MAX_LEN = 40  # longer text is not a phone number (and is not worth parsing)
# An office number with the extension staff dial after it: "8 (495) 123-45-67 доб. 53",
# "… ext. 53", "… вн. 53", "… #53", "… x53". The number alone is the client's line (what
# matching compares: colleagues share it); the extension stays in the cell. phonenumbers
# knows "доб", "ext", "#" and "x" but not "вн." / "внутр." / Ukrainian "дод.", and it accepts
# any trailing digits after loose text, so the marker is recognised here and the number is
# parsed as every other.
_EXTENSION = re.compile(
    r"^(?P<number>.*?\d[\d )\-.]*?)[\s,;]*"
    r"(?:доб|добав|добавочный|доп|вн|внутр|внутренний|дод|ext|extension|x|#)"
    r"[\s.:#№]*(?P<ext>\d{1,6})\.?$",
    re.IGNORECASE,
)
# the marker written back, by the config's language (as staff there write it)
EXTENSION_MARKS = {"ru": "доб.", "uk": "дод.", "en": "ext."}


def format_phone(e164: str, fmt: PhoneFormat = "international") -> str:
    """``+79123456789`` → ``+7 912 345-67-89`` (international)."""
    number = phonenumbers.parse(e164, None)
    return str(phonenumbers.format_number(number, _FORMATS[fmt]))


def _digits_text(value: object) -> str | None:
    """The cell as text; number cells (``79123456789.0``) become their digits.

    ``None`` when the value cannot hold a phone number at all (a bool, an error cell).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            return None
        return str(int(value))
    if not isinstance(value, str):
        return None
    if _ALLOWED.fullmatch(value):  # (not match: its $ would pass a final line break)
        # digits, plain spaces and ( ) + - . only (most cells): nothing to normalise
        text = value.strip(" ")
    else:
        # full-width digits (an IME) become ASCII ones; then every kind of space / dash is
        # plain
        text = unicodedata.normalize("NFKC", value) if not value.isascii() else value
        text = _ODD_DASHES.sub("-", _ODD_SPACES.sub(" ", text)).strip()
    if _NUMBER_TEXT.match(text):
        number = float(text.replace(",", "."))
        if number.is_integer() and number < 1e16:
            return str(int(number))
    return text


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
        elif _country_code_of(digits, regions):
            # "79123456789" or "380671234567" typed without the plus; only for the configured
            # countries, or a mistyped local number would pass as one from Austria or Tonga
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


def _country_code_of(digits: str, regions: Sequence[str]) -> bool:
    """Whether ``digits`` start with the country calling code of one of ``regions``."""
    codes = (phonenumbers.country_code_for_region(r) for r in regions)
    return any(code and digits.startswith(str(code)) for code in codes)


# Validity and layout of a number depend on its leading digits and its length, not on its last
# digits (phonenumbers' patterns end in \d{n}). So the verdict for "8 912 345-67-89" holds for
# every number of 10+ digits that shares its leading digits, length and plus sign: parse once
# per such shape, then fill the remaining digits into the cached layout. A test checks this
# against a full phonenumbers parse on many random numbers.
_FREE_DIGITS = 5
# Shorter numbers (short landlines, toll-free numbers) have variable-length patterns whose
# validity can depend on the last digits: they always get a full parse.
_SHAPE_MIN_DIGITS = 10
_SHAPE_MIN_NSN = 9  # national numbers of RU / KZ (10), UA / BY (9)
_NOT_DIGITS = str.maketrans("", "", " ()+-.")
_Shape = tuple[bool, str, int, tuple[str, ...], str]
_Layout = tuple[str, int, str] | None  # (country code, national length, template) or invalid
_layouts: dict[_Shape, tuple[str, int, str]] = {}
_MAX_LAYOUTS = 100_000  # a daemon runs for months: keep the cache bounded


def _layout_of(number: phonenumbers.PhoneNumber, digits: str, shown: str) -> _Layout:
    """The cacheable layout of a valid number, or ``None`` when its digits cannot be slotted
    (the national number is not the tail of what was typed)."""
    nsn = _nsn(number)
    if not digits.endswith(nsn):
        return None
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
    return str(number.country_code), len(nsn), "".join(reversed(template))


def fast_parse(text: str, regions: tuple[str, ...], fmt: PhoneFormat) -> tuple[str, str] | None:
    """(E.164, formatted) for ``text``, or ``None`` when it is not a valid number."""
    if not text or len(text) > _MAX_LEN or not _ALLOWED.match(text):
        return None
    digits = text.translate(_NOT_DIGITS)
    shape = (text.lstrip().startswith("+"), digits[:-_FREE_DIGITS], len(digits), regions, fmt)
    layout = _layouts.get(shape) if len(digits) >= _SHAPE_MIN_DIGITS else None
    if layout is not None:
        cc, nsn_len, template = layout
        nsn = digits[-nsn_len:]
        return f"+{cc}{nsn}", template.format(*nsn)
    number = _parse_number(text, regions)
    if number is None:
        return None
    shown = str(phonenumbers.format_number(number, _FORMATS[fmt]))
    layout = _layout_of(number, digits, shown)
    # Only full-length numbers that proved valid are cached: an invalid one says nothing for
    # its neighbours (a short toll-free number may hide behind the same shape).
    if layout is not None and len(digits) >= _SHAPE_MIN_DIGITS and layout[1] >= _SHAPE_MIN_NSN:
        if len(_layouts) >= _MAX_LAYOUTS:
            _layouts.clear()
        _layouts[shape] = layout
    return f"+{number.country_code}{_nsn(number)}", shown


def _check_one(value: object, regions: tuple[str, ...], fmt: PhoneFormat, mark: str) -> FieldCheck:
    if value is None:
        return EMPTY
    text = _digits_text(value)
    if text is None:
        return FieldCheck(None, None, (Finding("phone.invalid", "error"),))
    if not text:
        return EMPTY
    parsed = fast_parse(text, regions, fmt)
    if parsed is not None:
        e164, shown = parsed
        if isinstance(value, str) and value == shown:
            return FieldCheck(e164)
        return FieldCheck(e164, shown, (Finding("phone.fixed", "info", shown),))
    if len(text) > 5 * _MAX_LEN:  # a note pasted into the column, not numbers
        return FieldCheck(None, None, (Finding("phone.invalid", "error"),))
    with_extension = _extension(text, regions, fmt, mark)
    if with_extension is not None:
        e164, shown = with_extension
        if value == shown:
            return FieldCheck(e164)
        return FieldCheck(e164, shown, (Finding("phone.fixed", "info", shown),))
    return _check_several(text, regions, fmt, mark)


def _extension(
    text: str, regions: tuple[str, ...], fmt: PhoneFormat, mark: str
) -> tuple[str, str] | None:
    """(E.164 of the number without its extension, the number formatted with ``mark`` and
    the extension), or ``None`` when ``text`` is not a valid number with an extension."""
    found = _EXTENSION.match(text)
    if found is None:
        return None
    parsed = fast_parse(found["number"].strip(" ,;"), regions, fmt)
    if parsed is None:
        return None
    e164, shown = parsed
    return e164, f"{shown} {mark} {found['ext']}"


def _check_several(text: str, regions: tuple[str, ...], fmt: PhoneFormat, mark: str) -> FieldCheck:
    """A cell with several numbers (``8 912 …, 8 913 …``; one per line; ``или``).

    Staff keep a client's second number next to the first on purpose, so the cell is not
    rewritten (nothing typed is lost): it is flagged ``phone.multiple`` and the first number is
    used for matching. Every part must be a valid number (an extension is part of its
    number: "8 912 …, доб. 12" is one number, read before this).
    """
    parts = [p.strip() for p in _SEPARATORS.split(text) if p.strip()]
    if 1 < len(parts) <= 5:
        numbers = [parse_phone(p, regions) or _line_of(p, regions, fmt, mark) for p in parts]
        first = numbers[0]
        if first is not None and all(numbers):
            shown = format_phone(first, fmt)
            return FieldCheck(first, None, (Finding("phone.multiple", "warning", shown),))
    return FieldCheck(None, None, (Finding("phone.invalid", "error"),))


def _line_of(part: str, regions: tuple[str, ...], fmt: PhoneFormat, mark: str) -> str | None:
    """E.164 of a number with an extension ("8 495 123-45-67 доб. 5"), else ``None``."""
    found = _extension(part, regions, fmt, mark)
    return None if found is None else found[0]


def check_phones(
    values: Sequence[object],
    regions: Sequence[str] = ("RU", "UA", "BY", "KZ"),
    fmt: PhoneFormat = "international",
    lang: str = "ru",
) -> list[FieldCheck]:
    """One verdict per value: ``phone.invalid``, ``phone.fixed`` (with the formatted number)
    or ``phone.multiple`` (several numbers in one cell: the first is used).

    A number with an extension is valid: its normalised value is the number alone (the line
    that rows share), its display the number with the extension behind the marker of
    ``lang`` (``+7 495 123-45-67 доб. 53``)."""
    regs = tuple(r.upper() for r in regions)
    mark = EXTENSION_MARKS.get(lang, EXTENSION_MARKS["en"])
    cache = verdict_cache("phone", tuple(regs), fmt, mark)
    return map_cached(values, lambda v: _check_one(v, regs, fmt, mark), cache)
