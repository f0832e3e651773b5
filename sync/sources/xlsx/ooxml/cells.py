"""Single cells of SpreadsheetML as bytes: encode a planned value, read back what a cell holds.

Strings are always written as ``inlineStr``: a string cell can never become a formula
(DESIGN.md rule 5), and ``xl/sharedStrings.xml`` — often the second-largest part — stays
untouched. Comparisons are done on the encoded form, so a value that is already there (written
by us as an inline string, or by Excel as a shared string) is recognised and left alone.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from sync.core.model import CellValue, ExcelError
from sync.sources.xlsx.xmltext import escape

MAX_CELL_TEXT = 32767  # Excel refuses to open a cell holding more characters
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPE_LOOKALIKE = re.compile("_(x[0-9A-Fa-f]{4}_)")
_ATTR = re.compile(rb'\s([\w:]+)="([^"]*)"')
_V = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_T_TEXT = re.compile(rb"<(?:\w+:)?t(?:\s[^>]*)?>([^<]*)</(?:\w+:)?t>|<(?:\w+:)?t\s*/>")
_ENTITY = {b"&lt;": b"<", b"&gt;": b">", b"&quot;": b'"', b"&apos;": b"'"}
_ENTITY_RE = re.compile(rb"&(lt|gt|quot|apos|amp|#\d+|#x[0-9a-fA-F]+);")

EPOCH_1900 = dt.datetime(1899, 12, 30)
EPOCH_1904 = dt.datetime(1904, 1, 1)


@dataclass(frozen=True, slots=True)
class Encoded:
    """A value as it goes into a cell: ``t`` attribute (None: number) and the inner XML."""

    t: str | None
    inner: bytes  # ``<v>…</v>`` / ``<is>…</is>``; empty for a cleared cell
    key: tuple[str, str] | None  # comparison key: (kind, text); None for an empty cell
    number_format: int | None = None  # built-in numFmtId a date/time value needs


def excel_text(text: str) -> str:
    """Text Excel can store: illegal XML characters as ``_xHHHH_``, at most 32 767 chars."""
    text = _ESCAPE_LOOKALIKE.sub(r"_x005F_\1", text)
    text = _ILLEGAL_XML.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    return text[:MAX_CELL_TEXT]


def _number_text(x: float) -> str:
    if isinstance(x, int) or (x.is_integer() and abs(x) < 1e15):
        return str(int(x))
    return repr(float(x))


def serial(value: dt.date | dt.datetime, date1904: bool) -> float:
    """Excel's day number of a date (1900 system honours the phantom 1900-02-29)."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    value = value.replace(tzinfo=None)
    delta = value - (EPOCH_1904 if date1904 else EPOCH_1900)
    days = delta.days + delta.seconds / 86400 + delta.microseconds / 86400e6
    if not date1904 and days < 61:  # before 1900-03-01 there is no phantom day to skip
        days -= 1
    return days


def encode_value(value: CellValue, date1904: bool) -> Encoded:
    """How ``value`` is stored; raises ValueError for NaN / infinity (not storable)."""
    if value is None:
        return Encoded(None, b"", None)
    if type(value) is str:
        return encode_text(value)
    if isinstance(value, bool):
        flag = "1" if value else "0"
        return Encoded("b", f"<v>{flag}</v>".encode(), ("b", flag))
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("not a finite number")
        text = _number_text(value)
        return Encoded(None, f"<v>{text}</v>".encode(), ("n", text))
    if isinstance(value, ExcelError):
        code = escape(value.code)
        return Encoded("e", f"<v>{code}</v>".encode(), ("e", value.code))
    if isinstance(value, dt.datetime | dt.date):
        fmt = 22 if isinstance(value, dt.datetime) and value.time() != dt.time() else 14
        text = _number_text(round(serial(value, date1904), 10))
        return Encoded(None, f"<v>{text}</v>".encode(), ("n", text), fmt)
    if isinstance(value, dt.time):
        secs = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        text = _number_text(round(secs / 86400, 10))
        return Encoded(None, f"<v>{text}</v>".encode(), ("n", text), 21)
    if isinstance(value, dt.timedelta):
        text = _number_text(round(value.total_seconds() / 86400, 10))
        return Encoded(None, f"<v>{text}</v>".encode(), ("n", text), 46)
    return encode_text(str(value))


@functools.lru_cache(maxsize=65536)
def encode_text(value: str) -> Encoded:
    """A string as an inline-string cell (cached: tool values and messages repeat)."""
    text = excel_text(value)
    space = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
    inner = f"<is><t{space}>{escape(text)}</t></is>".encode()
    return Encoded("inlineStr", inner, ("s", text))


def unescape(raw: bytes) -> str:
    """XML character data back to text."""

    def one(m: re.Match[bytes]) -> bytes:
        ent = m.group(0)
        if ent == b"&amp;":
            return b"&"
        if ent in _ENTITY:
            return _ENTITY[ent]
        body = m.group(1)
        code = int(body[2:], 16) if body.startswith(b"#x") else int(body[1:])
        return chr(code).encode()

    return _ENTITY_RE.sub(one, raw).decode("utf-8") if b"&" in raw else raw.decode("utf-8")


def cell_attrs(start_tag: bytes) -> dict[bytes, bytes]:
    """Attributes of a ``<c …>`` start tag."""
    return dict(_ATTR.findall(start_tag))


def inline_text(inner: bytes) -> str:
    """Concatenated ``<t>`` runs of an ``<is>`` or ``<si>`` element."""
    return "".join(unescape(m.group(1) or b"") for m in _T_TEXT.finditer(inner))


def current_key(
    attrs: dict[bytes, bytes], inner: bytes, shared: Callable[[int], str | None]
) -> tuple[str, str] | bool | None:
    """Comparison key of what a cell holds; ``False`` when it holds a formula (always differs)."""
    if b"<f" in inner and re.search(rb"<(?:\w+:)?f[\s>/]", inner):
        return False
    t = attrs.get(b"t", b"n")
    if t == b"inlineStr":
        return ("s", inline_text(inner)) if b"<is" in inner or b":is" in inner else None
    m = _V.search(inner)
    if m is None:
        return None
    raw = m.group(1)
    if t == b"s":
        text = shared(int(raw))
        return None if text is None else ("s", text)
    if t == b"str":
        return ("s", unescape(raw))
    if t == b"b":
        return ("b", "1" if raw.strip() in (b"1", b"true") else "0")
    if t == b"e":
        return ("e", unescape(raw))
    try:
        return ("n", _number_text(float(raw)))
    except ValueError:
        return ("n", raw.decode("ascii", "replace"))


@functools.lru_cache(maxsize=4096)
def column_number(letters: bytes | str) -> int:
    n = 0
    for ch in letters if isinstance(letters, str) else letters.decode("ascii"):
        n = n * 26 + (ord(ch) - 64)
    return n
