"""Consent, choices from a configured list, and money amounts."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from rapidfuzz import fuzz, process

from validators.base import EMPTY, FieldCheck, Finding, map_cached

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


def parse_amount(value: object) -> float | None:
    """A money amount from a number cell or text like ``1 200,50 ₽``; ``None`` if not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return None if math.isnan(value) or math.isinf(value) else float(value)
    if not isinstance(value, str):
        return None
    text = _SPACES.sub("", _CURRENCY.sub("", value))
    # "1,200.50": the comma groups thousands; "1200,50": the comma is the decimal mark
    text = text.replace(",", "") if "," in text and "." in text else text.replace(",", ".")
    if not re.fullmatch(r"[-+]?\d+(?:\.\d+)?", text):
        return None
    return float(text)


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
    numbers = [
        v if type(v) in (int, float) and math.isfinite(v) else None  # type: ignore[arg-type]
        for v in values
    ]
    out = map_cached(
        [None if n is not None else v for v, n in zip(values, numbers, strict=True)], _amount
    )
    return [
        FieldCheck(float(n)) if isinstance(n, int | float) else check
        for n, check in zip(numbers, out, strict=True)
    ]
