"""Transliteration keys so that ``Иванов`` ~ ``Ivanov`` and ``Олексій`` ~ ``Oleksii``.

Not a publication-grade romanisation: a *matching* key. Both scripts are folded to one Latin
spelling, and the letters that romanisation systems disagree on (й/y/i, х/kh/h, щ/shch/sch,
ё/е/yo, ц/ts/c) are folded to one form, so the usual spellings of a name give the same key.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_CYR = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "ґ": "g",
    "д": "d",
    "е": "e",
    "ё": "e",
    "є": "e",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "і": "i",
    "ї": "i",
    "й": "i",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "h",
    "ц": "c",
    "ч": "ch",
    "ш": "sh",
    "щ": "sh",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "iu",
    "я": "ia",
    "'": "",
    "’": "",
    "ʼ": "",
}
_CYR_TABLE = str.maketrans(_CYR)
# Latin spellings folded the same way as the Cyrillic ones above
_LATIN_FOLDS = (
    ("shch", "sh"),
    ("sch", "sh"),
    ("kh", "h"),
    ("ts", "c"),
    ("tz", "c"),
    ("yu", "iu"),
    ("ju", "iu"),
    ("ya", "ia"),
    ("ja", "ia"),
    ("yo", "e"),
    ("jo", "e"),
    ("ye", "e"),
    ("ij", "i"),
    ("iy", "i"),
    ("yi", "i"),
    ("ii", "i"),
    ("j", "i"),
    ("w", "v"),
    ("x", "ks"),
)
_NON_ALPHA = re.compile(r"[^a-z ]+")


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """A lower-case Latin matching key for a name in Cyrillic or Latin."""
    s = text.casefold().translate(_CYR_TABLE)
    if not s.isascii():
        s = unicodedata.normalize("NFKD", s)
        s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = _NON_ALPHA.sub(" ", s)
    for a, b in _LATIN_FOLDS:
        s = s.replace(a, b)
    s = re.sub(r"y(?=[^aeiou ]|$)", "i", s)  # final/consonant y: Dmitriy ~ Dmitrii ~ Дмитрий
    s = re.sub(r"(.)\1+", r"\1", s)  # doubled letters: Anna ~ Ana is a typo away anyway
    return " ".join(s.split())


def name_tokens(text: str) -> tuple[str, ...]:
    """Folded words of a name, sorted, so word order does not matter."""
    return tuple(sorted(w for w in fold(text).split() if w))
