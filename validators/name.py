"""Names: tidy spacing and capitals, and Latin look-alike letters inside Cyrillic words.

``Иванoв`` with a Latin ``o`` looks right on screen but never matches ``Иванов`` in a search
or a duplicate check; staff cannot see it, so the tool must.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from validators.base import EMPTY, FieldCheck, Finding, map_cached

# Latin letters that look like Cyrillic ones, and back.
_LAT_TO_CYR = str.maketrans(
    {
        "a": "а",
        "e": "е",
        "o": "о",
        "p": "р",
        "c": "с",
        "x": "х",
        "y": "у",
        "i": "і",
        "A": "А",
        "B": "В",
        "E": "Е",
        "K": "К",
        "M": "М",
        "H": "Н",
        "O": "О",
        "P": "Р",
        "C": "С",
        "T": "Т",
        "X": "Х",
        "Y": "У",
        "I": "І",
    }
)
_CYR_TO_LAT = str.maketrans(
    {
        "а": "a",
        "е": "e",
        "о": "o",
        "р": "p",
        "с": "c",
        "х": "x",
        "у": "y",
        "і": "i",
        "А": "A",
        "В": "B",
        "Е": "E",
        "К": "K",
        "М": "M",
        "Н": "H",
        "О": "O",
        "Р": "P",
        "С": "C",
        "Т": "T",
        "Х": "X",
        "У": "Y",
        "І": "I",
    }
)
_RUSSIAN_ONLY = frozenset("ыэъЫЭЪёЁ")
_APOSTROPHES = "'’ʼ`"
_WORD_CHARS = re.compile(r"^[^\W\d_]+(?:[-" + _APOSTROPHES + r"][^\W\d_]+)*\.?$")
_MAX_LEN = 200


def _script(ch: str) -> str | None:
    if not ch.isalpha():
        return None
    name = unicodedata.name(ch, "")
    if name.startswith("CYRILLIC"):
        return "cyr"
    if name.startswith("LATIN"):
        return "lat"
    return "other"


def _repair_word(word: str) -> str | None:
    """The word in one script when it mixes look-alikes, else ``None``."""
    scripts = [s for s in map(_script, word) if s]
    cyr, lat = scripts.count("cyr"), scripts.count("lat")
    if not cyr or not lat:
        return None
    if cyr >= lat:
        fixed = word.translate(_LAT_TO_CYR)
        if any(ch in "іІ" for ch in fixed) and any(ch in _RUSSIAN_ONLY for ch in word):
            fixed = fixed.replace("і", "и").replace("І", "И")  # a Russian word: no Ukrainian і
        return fixed
    return word.translate(_CYR_TO_LAT)


def _capitalise(word: str) -> str:
    """``иванов`` → ``Иванов``, ``РИМСКИЙ-КОРСАКОВ`` → ``Римский-Корсаков``, ``мар'яна`` →
    ``Мар'яна``; words staff wrote in mixed case on purpose (``МакДональд``) are kept."""
    if word.islower() or word.isupper():
        parts = re.split(r"(-)", word)
        out = []
        for part in parts:
            if part == "-" or not part:
                out.append(part)
            else:
                out.append(part[0].upper() + part[1:].lower())
        return "".join(out)
    # mixed case (МакДональд) is kept; only a lower-case start of a part is raised
    raised = "-".join(p[:1].upper() + p[1:] if p[:1].islower() else p for p in word.split("-"))
    return _capitalise(raised) if raised.isupper() else raised


def tidy_name(text: str) -> str:
    """Spaces collapsed, each word capitalised; look-alike letters are not touched here."""
    return " ".join(_capitalise(w) for w in text.split())


_HAS_CYR = re.compile(r"[\u0400-\u04ff]")
_HAS_LAT = re.compile(r"[A-Za-z\u00c0-\u024f]")


def _check_one(value: object) -> FieldCheck:
    if value is None:
        return EMPTY
    if not isinstance(value, str):
        return FieldCheck(None, None, (Finding("name.invalid", "warning"),))
    if not value.strip():
        return EMPTY
    if len(value) > _MAX_LEN:
        return FieldCheck(None, None, (Finding("name.invalid", "warning"),))
    words = value.split()
    if not all(_WORD_CHARS.match(w) for w in words):
        return FieldCheck(" ".join(words), None, (Finding("name.invalid", "warning"),))
    if _HAS_CYR.search(value) and _HAS_LAT.search(value):
        repaired = [(_repair_word(w) or w) for w in words]
    else:
        repaired = words  # one script only: nothing to repair (the common case, and fast)
    tidy = tidy_name(" ".join(repaired))
    if repaired != words:
        return FieldCheck(tidy, None, (Finding("name.mixed_scripts", "warning", tidy),))
    if tidy != value:
        return FieldCheck(tidy, tidy, (Finding("name.fixed", "info", tidy),))
    return FieldCheck(tidy)


def check_names(values: Sequence[object]) -> list[FieldCheck]:
    """One verdict per value: ``name.mixed_scripts`` (with the repaired spelling),
    ``name.fixed`` (spaces / capitals) or ``name.invalid`` (digits, symbols)."""
    return map_cached(values, _check_one)
