"""Consent, choices from a configured list, and money amounts."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from rapidfuzz import fuzz, process

from validators.base import EMPTY, FieldCheck, Finding, clean_checks, map_cached

_YES = frozenset(
    {
        "да",
        "yes",
        "так",
        "1",
        "✓",
        "✔",
        "+",
        "true",
        "y",
        "д",
        "т",
        "согласен",
        "согласна",
        "згоден",
        "згодна",
        "v",
        "x",
        "есть",
        "є",
        "ok",
    }
)
_NO = frozenset(
    {
        "нет",
        "no",
        "ні",
        "0",
        "-",
        "false",
        "n",
        "н",
        "не согласен",
        "не згоден",
        "отказ",
        "відмова",
        "—",
        "✗",
        "✘",
    }
)


def _consent(value: object) -> FieldCheck:
    if value is None:
        return EMPTY
    if isinstance(value, bool):
        return FieldCheck(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value in (0, 1):
            return FieldCheck(bool(value))
        return FieldCheck(None, None, (Finding("value.not_allowed", "warning"),))
    if not isinstance(value, str):
        return FieldCheck(None, None, (Finding("value.not_allowed", "warning"),))
    key = " ".join(value.strip().lower().replace("ё", "е").split()).rstrip(".!")
    if not key:
        return EMPTY
    if key in _YES:
        return FieldCheck(True)
    if key in _NO:
        return FieldCheck(False)
    return FieldCheck(None, None, (Finding("value.not_allowed", "warning"),))


def check_consent(values: Sequence[object]) -> list[FieldCheck]:
    """True / False for да/нет/yes/no/так/ні/1/0/✓…; anything else is ``value.not_allowed``."""
    return map_cached(values, _consent)


def _key(text: str) -> str:
    return " ".join(text.strip().casefold().replace("ё", "е").split())


def check_choices(values: Sequence[object], allowed: Sequence[str]) -> list[FieldCheck]:
    """The canonical allowed spelling (case / spaces do not matter), else
    ``value.not_allowed`` with the closest allowed value as suggestion when it is close."""
    canonical = {_key(a): a for a in allowed}

    def one(value: object) -> FieldCheck:
        if value is None or (isinstance(value, str) and not value.strip()):
            return EMPTY
        text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
        hit = canonical.get(_key(text))
        if hit is not None:
            return FieldCheck(hit)
        best = process.extractOne(_key(text), list(canonical), scorer=fuzz.ratio, score_cutoff=75)
        suggestion = canonical[best[0]] if best else None
        return FieldCheck(None, None, (Finding("value.not_allowed", "warning", suggestion),))

    return map_cached(values, one)


_CURRENCY = re.compile(r"(?i)(₽|руб\.?|р\.|грн\.?|₴|uah|rub|usd|\$|€|eur|тг|₸|byn|br)")
_SPACES = re.compile(r"[\s\u00a0\u202f']")


def _decimal_point(text: str) -> str | None:
    """``1 200,50`` / ``1.200,50`` / ``1,200.50`` / ``1,200,000`` with ``.`` as the only mark.

    With both marks, the last one is the decimal mark (European and US styles alike). A single
    comma is the decimal mark (the Russian / Ukrainian habit); a mark that repeats groups
    thousands, and then every group must have three digits (``12,5,5`` is not a number).
    """
    comma, dot = text.rfind(","), text.rfind(".")
    if comma >= 0 and dot >= 0:
        thousands, decimal = (".", ",") if comma > dot else (",", ".")
    elif text.count(",") > 1 or text.count(".") > 1:
        thousands, decimal = ("," if comma >= 0 else "."), ""
    else:
        return text.replace(",", ".")
    whole, _, fraction = text.rpartition(decimal) if decimal else (text, "", "")
    if not re.fullmatch(r"[-+]?\d{1,3}(?:" + re.escape(thousands) + r"\d{3})*", whole):
        return None
    return whole.replace(thousands, "") + ("." + fraction if decimal else "")


def parse_amount(value: object) -> float | None:
    """A money amount from a number cell or text like ``1 200,50 ₽``; ``None`` if not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return _finite(value)
    if not isinstance(value, str) or len(value) > 100:
        return None
    text = _SPACES.sub("", _CURRENCY.sub("", value)).replace("\u2212", "-")
    number = _decimal_point(text)
    if number is None:
        return None
    if not re.fullmatch(r"[-+]?[0-9]+(?:\.[0-9]+)?", number):
        return None
    return _finite(float(number))


def _finite(number: float) -> float | None:
    try:
        result = float(number)
    except OverflowError:  # an int beyond float range
        return None
    return result if math.isfinite(result) else None


def _amount(value: object) -> FieldCheck:
    if value is None or (isinstance(value, str) and not value.strip()):
        return EMPTY
    amount = parse_amount(value)
    if amount is None:
        return FieldCheck(None, None, (Finding("number.invalid", "error"),))
    return FieldCheck(amount)


def check_amounts(values: Sequence[object]) -> list[FieldCheck]:
    """Amounts as floats (negative = a return); anything else is ``number.invalid``."""
    # Number cells are the rule in an orders sheet and are all distinct: skip the cache.
    # (a float minus itself is 0.0 exactly when it is finite)
    numbers = [
        v if type(v) is float and v - v == 0.0 else _finite(v) if type(v) is int else None
        for v in values
    ]
    out = map_cached(
        [None if n is not None else v for v, n in zip(values, numbers, strict=True)], _amount
    )
    return clean_checks(numbers, out)
