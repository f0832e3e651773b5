"""Cell values for the Google Sheets emulator: what a typed value becomes and how it is rendered.

A cell is stored in the API's own shape (a ``CellData`` dict holding ``userEnteredValue``,
``userEnteredFormat``, ``note``, ``dataValidation``); effective and formatted values are derived
on read. Formulas are kept exactly as given. Only constant formulas are evaluated (arithmetic
on numbers, ``&`` on strings, ``HYPERLINK``), which is what the recorded traffic needs; any other
formula has no effective value, so it reads back as an empty cell (``FORMULA`` rendering still
returns its text).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

JSON = dict[str, Any]


def clone(value: Any) -> Any:
    """A deep copy of JSON data (dicts, lists, scalars): several times faster than
    ``copy.deepcopy``, which the emulator would otherwise spend most of its time in."""
    if isinstance(value, dict):
        return {k: clone(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clone(v) for v in value]
    return value


EPOCH = dt.date(1899, 12, 30)  # Google Sheets (and Excel's 1900 system) serial day 0
DATE_TYPES = frozenset({"DATE", "TIME", "DATE_TIME"})
_COMMA_DECIMAL_LANGS = frozenset(
    {"ru", "uk", "be", "kk", "de", "fr", "es", "it", "pt", "pl", "nl", "cs", "tr", "sv", "fi"}
)

_INT_OR_FLOAT = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_DOT_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_SLASH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def date_to_serial(value: dt.date | dt.datetime) -> float:
    """A date (or date-time) as a Sheets serial number."""
    if isinstance(value, dt.datetime):
        delta = value - dt.datetime.combine(EPOCH, dt.time())
        return delta.days + delta.seconds / 86400 + delta.microseconds / 86400e6
    return float((value - EPOCH).days)


def serial_to_datetime(serial: float) -> dt.datetime:
    """A Sheets serial number as a date-time (rounded to the second)."""
    seconds = round(serial * 86400)
    return dt.datetime.combine(EPOCH, dt.time()) + dt.timedelta(seconds=seconds)


def _number(value: float) -> JSON:
    return {"numberValue": int(value) if float(value).is_integer() else value}


def raw_value(value: object) -> JSON | None:
    """RAW input: everything stays as typed (a string is never parsed, not even ``=…``)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int | float):
        return _number(value)
    return {"stringValue": str(value)}


def user_entered_value(value: object, locale: str) -> tuple[JSON | None, JSON | None]:
    """USER_ENTERED input: parse as if typed into the UI; returns (value, implied numberFormat)."""
    if not isinstance(value, str):
        return raw_value(value), None
    text = value
    if text == "":
        return None, None
    if text.startswith("="):
        return {"formulaValue": text}, None
    if text.startswith("'"):
        # A leading apostrophe forces text and is not part of the value.
        return {"stringValue": text[1:]}, None
    if text.strip().upper() in ("TRUE", "FALSE"):
        return {"boolValue": text.strip().upper() == "TRUE"}, None
    parsed = _parse_number(text.strip(), locale)
    if parsed is not None:
        return parsed
    parsed = _parse_date(text.strip(), locale)
    if parsed is not None:
        return parsed
    return {"stringValue": text}, None


def _parse_number(text: str, locale: str) -> tuple[JSON, JSON | None] | None:
    comma_decimal = locale.split("_", maxsplit=1)[0].lower() in _COMMA_DECIMAL_LANGS
    group_sep, decimal_sep = (r"[ \u00a0]", ",") if comma_decimal else (",", ".")
    body = text
    percent = body.endswith("%")
    if percent:
        body = body[:-1].strip()
    # Thousands separators count only when the groups are well formed, so that a phone number
    # typed with spaces (`067 123 45 67`) stays text, as it does in Sheets.
    grouped = re.fullmatch(
        rf"[+-]?\d{{1,3}}({group_sep}\d{{3}})+({re.escape(decimal_sep)}\d*)?", body
    )
    if grouped:
        body = re.sub(group_sep, "", body)
    if comma_decimal:
        if "." in body:
            return None
        body = body.replace(",", ".")
    if not re.fullmatch(_INT_OR_FLOAT, body):
        return None
    number = float(body)
    if not math.isfinite(number):
        return None
    decimals = len(body.split(".")[1]) if "." in body and "e" not in body.lower() else 0
    tail = "." + "0" * decimals if decimals else ""
    if percent:
        return _number(number / 100), {"type": "PERCENT", "pattern": "0" + tail + "%"}
    if grouped:
        return _number(number), {"type": "NUMBER", "pattern": "#,##0" + tail}
    return _number(number), None


def _parse_date(text: str, locale: str) -> tuple[JSON, JSON] | None:
    try:
        m = _ISO_DATE.match(text)
        if m:
            day = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            if m.group(4) is None:
                return _number(date_to_serial(day)), {"type": "DATE", "pattern": "yyyy-mm-dd"}
            moment = dt.datetime.combine(
                day, dt.time(int(m.group(4)), int(m.group(5)), int(m.group(6) or 0))
            )
            fmt = {"type": "DATE_TIME", "pattern": "yyyy-mm-dd hh:mm:ss"}
            return _number(date_to_serial(moment)), fmt
        m = _DOT_DATE.match(text)
        if m:
            day = dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
            return _number(date_to_serial(day)), {"type": "DATE", "pattern": "dd.mm.yyyy"}
        m = _SLASH_DATE.match(text)
        if m:
            first, second = int(m.group(1)), int(m.group(2))
            month, dom = (first, second) if locale.startswith("en_US") else (second, first)
            day = dt.date(int(m.group(3)), month, dom)
            pattern = "M/d/yyyy" if locale.startswith("en_US") else "d/M/yyyy"
            return _number(date_to_serial(day)), {"type": "DATE", "pattern": pattern}
        m = _TIME.match(text)
        if m:
            hours, minutes, seconds = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
            if hours > 23 or minutes > 59 or seconds > 59:
                return None
            serial = (hours * 3600 + minutes * 60 + seconds) / 86400
            pattern = "h:mm:ss" if m.group(3) else "h:mm"
            return _number(serial), {"type": "TIME", "pattern": pattern}
    except ValueError:  # 31.02.1990 and friends are text to Sheets, too
        return None
    return None


# ---------------------------------------------------------------- constant formula evaluation

_TOKEN = re.compile(r'\s*(?:(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)|("(?:[^"]|"")*")|([A-Za-z_]+)|(.))')


class _FormulaUnsupported(Exception):
    """The formula is outside the tiny constant subset the emulator evaluates."""


class _Evaluator:
    """Recursive-descent evaluator for constant formulas: + - * / ^ & ( ) and HYPERLINK."""

    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        for num, string, name, other in _TOKEN.findall(text):
            if num:
                self.tokens.append(("num", num))
            elif string:
                self.tokens.append(("str", string[1:-1].replace('""', '"')))
            elif name:
                self.tokens.append(("name", name.upper()))
            elif other.strip():
                self.tokens.append(("op", other))
        self.pos = 0

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self, op: str) -> bool:
        tok = self._peek()
        if tok == ("op", op):
            self.pos += 1
            return True
        return False

    def run(self) -> object:
        value = self._concat()
        if self._peek() is not None:
            raise _FormulaUnsupported
        return value

    def _concat(self) -> object:
        value = self._additive()
        while self._take("&"):
            value = _as_text(value) + _as_text(self._additive())
        return value

    def _additive(self) -> object:
        value = self._term()
        while True:
            if self._take("+"):
                value = _as_num(value) + _as_num(self._term())
            elif self._take("-"):
                value = _as_num(value) - _as_num(self._term())
            else:
                return value

    def _term(self) -> object:
        value = self._power()
        while True:
            if self._take("*"):
                value = _as_num(value) * _as_num(self._power())
            elif self._take("/"):
                divisor = _as_num(self._power())
                if divisor == 0:
                    raise _FormulaUnsupported
                value = _as_num(value) / divisor
            else:
                return value

    def _power(self) -> object:
        value = self._unary()
        if self._take("^"):
            value = _as_num(value) ** _as_num(self._power())
        return value

    def _unary(self) -> object:
        if self._take("-"):
            return -_as_num(self._unary())
        if self._take("+"):
            return _as_num(self._unary())
        return self._atom()

    def _atom(self) -> object:
        tok = self._peek()
        if tok is None:
            raise _FormulaUnsupported
        self.pos += 1
        kind, text = tok
        if kind == "num":
            return float(text)
        if kind == "str":
            return text
        if kind == "op" and text == "(":
            value = self._concat()
            if not self._take(")"):
                raise _FormulaUnsupported
            return value
        if kind == "name" and text in ("TRUE", "FALSE") and not self._take("("):
            return text == "TRUE"
        if kind == "name" and text == "HYPERLINK" and self._take("("):
            args = [self._concat()]
            while self._take(","):
                args.append(self._concat())
            if not self._take(")") or len(args) > 2:
                raise _FormulaUnsupported
            return args[-1]
        raise _FormulaUnsupported


def _as_num(value: object) -> float:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, float):
        return value
    raise _FormulaUnsupported


def _as_text(value: object) -> str:
    if isinstance(value, float):
        return format_number(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value)


def evaluate_formula(formula: str) -> JSON | None:
    """The effective value of a constant formula, or None when it is outside the subset."""
    try:
        result = _Evaluator(formula[1:]).run()
    except (_FormulaUnsupported, OverflowError):
        return None
    if isinstance(result, bool):
        return {"boolValue": result}
    if isinstance(result, float):
        return _number(result)
    return {"stringValue": str(result)}


def effective_value(cell: JSON) -> JSON | None:
    """What the cell evaluates to."""
    entered = cell.get("userEnteredValue")
    if not entered:
        return None
    if "formulaValue" in entered:
        return evaluate_formula(str(entered["formulaValue"]))
    return dict(entered)


# ---------------------------------------------------------------------------- rendering

_DATE_TOKEN = re.compile(
    r"yyyy|yy|mmmm|mmm|mm|m|dddd|ddd|dd|d|hh|h|ss|s|am/pm|a/p|\"[^\"]*\"|.", re.IGNORECASE
)


def format_number(value: float) -> str:
    """Sheets' automatic number format: integers plainly, others with up to 10 digits."""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = f"{value:.10g}"
    return text.replace("e+", "E+").replace("e-", "E-")


def _format_with_pattern(value: float, pattern: str) -> str:
    percent = pattern.endswith("%")
    core = pattern.rstrip("%")
    if percent:
        value *= 100
    decimals = len(core.split(".")[1]) if "." in core else 0
    text = f"{value:,.{decimals}f}" if "," in core else f"{value:.{decimals}f}"
    return text + ("%" if percent else "")


def _format_date(serial: float, pattern: str) -> str:
    moment = serial_to_datetime(serial)
    tokens = _DATE_TOKEN.findall(pattern)
    has_ampm = any(t.lower() in ("am/pm", "a/p") for t in tokens)
    out: list[str] = []
    for i, tok in enumerate(tokens):
        low = tok.lower()
        prev = next((t.lower() for t in reversed(tokens[:i]) if t.strip(" :./-")), "")
        nxt = next((t.lower() for t in tokens[i + 1 :] if t.strip(" :./-")), "")
        is_minute = low in ("m", "mm") and (prev.startswith("h") or nxt.startswith("s"))
        hour = moment.hour % 12 or 12 if has_ampm else moment.hour
        mapping = {
            "yyyy": f"{moment.year:04d}",
            "yy": f"{moment.year % 100:02d}",
            "mmmm": moment.strftime("%B"),
            "mmm": moment.strftime("%b"),
            "mm": f"{moment.minute:02d}" if is_minute else f"{moment.month:02d}",
            "m": str(moment.minute) if is_minute else str(moment.month),
            "dddd": moment.strftime("%A"),
            "ddd": moment.strftime("%a"),
            "dd": f"{moment.day:02d}",
            "d": str(moment.day),
            "hh": f"{hour:02d}",
            "h": str(hour),
            "ss": f"{moment.second:02d}",
            "s": str(moment.second),
            "am/pm": "AM" if moment.hour < 12 else "PM",
            "a/p": "A" if moment.hour < 12 else "P",
        }
        if low in mapping:
            out.append(mapping[low])
        elif tok.startswith('"'):
            out.append(tok[1:-1])
        else:
            out.append(tok)
    return "".join(out)


def number_format(cell: JSON) -> JSON | None:
    """The numberFormat the user (or auto-detection) set on the cell."""
    fmt = cell.get("userEnteredFormat", {}).get("numberFormat")
    return fmt if isinstance(fmt, dict) else None


def formatted_value(effective: JSON | None, fmt: JSON | None) -> str | None:
    """The string the UI shows."""
    if not effective:
        return None
    if "stringValue" in effective:
        return str(effective["stringValue"])
    if "boolValue" in effective:
        return "TRUE" if effective["boolValue"] else "FALSE"
    if "errorValue" in effective:
        return "#ERROR!"
    number = float(effective["numberValue"])
    kind = (fmt or {}).get("type")
    pattern = str((fmt or {}).get("pattern") or "")
    if kind in DATE_TYPES:
        default = {"DATE": "M/d/yyyy", "TIME": "h:mm:ss am/pm", "DATE_TIME": "M/d/yyyy H:mm:ss"}
        return _format_date(number, pattern or default[str(kind)])
    if kind in ("NUMBER", "PERCENT", "CURRENCY", "SCIENTIFIC") and pattern:
        return _format_with_pattern(number, pattern)
    if kind == "PERCENT":
        return _format_with_pattern(number, "0.00%")
    return format_number(number)


def render(cell: JSON, value_render: str, datetime_render: str) -> object:
    """A cell as ``values.get`` returns it; ``""`` for an empty cell."""
    entered = cell.get("userEnteredValue") or {}
    if value_render == "FORMULA" and "formulaValue" in entered:
        return entered["formulaValue"]
    effective = effective_value(cell)
    fmt = number_format(cell)
    if value_render == "FORMATTED_VALUE":
        return formatted_value(effective, fmt) or ""
    if not effective:
        return ""
    if "numberValue" in effective:
        if datetime_render == "FORMATTED_STRING" and (fmt or {}).get("type") in DATE_TYPES:
            return formatted_value(effective, fmt)
        return effective["numberValue"]
    if "boolValue" in effective:
        return effective["boolValue"]
    if "stringValue" in effective:
        return effective["stringValue"]
    return formatted_value(effective, fmt) or ""
