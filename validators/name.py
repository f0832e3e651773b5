"""Names: tidy spacing and capitals, and Latin look-alike letters inside Cyrillic words.

``Иванoв`` with a Latin ``o`` looks right on screen but never matches ``Иванов`` in a search
or a duplicate check; staff cannot see it, so the tool must.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from validators.base import EMPTY, FieldCheck, Finding, map_cached, verdict_cache

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
# First names and their short forms (read by sync.core.translit for matching)
FIRST_NAMES_FILE = Path(__file__).parent / "data" / "first_names.txt"


def _script(ch: str) -> str | None:
    if not ch.isalpha():
        return None
    name = unicodedata.name(ch, "")
    if name.startswith("CYRILLIC"):
        return "cyr"
    if name.startswith("LATIN"):
        return "lat"
    return "other"


def repair_look_alikes(word: str) -> str | None:
    """The word in one script when it mixes look-alikes, else ``None``.

    The script that the word can be written in wins: ``Лapиca`` (Latin a, p, c, a) is
    Cyrillic, because Л and и have no Latin twin. When both can, the script with more
    letters in the word: ``Иванoв`` → Cyrillic, ``Ivаnov`` → Latin.
    """
    scripts = [s for s in map(_script, word) if s]
    cyr, lat = scripts.count("cyr"), scripts.count("lat")
    if not cyr or not lat:
        return None
    as_cyr, as_lat = word.translate(_LAT_TO_CYR), word.translate(_CYR_TO_LAT)
    cyr_whole = "lat" not in map(_script, as_cyr)
    lat_whole = "cyr" not in map(_script, as_lat)
    # the script the whole word can be written in; else the one with more letters
    if cyr_whole if cyr_whole != lat_whole else cyr >= lat:
        if any(ch in "іІ" for ch in as_cyr) and any(ch in _RUSSIAN_ONLY for ch in word):
            as_cyr = as_cyr.replace("і", "и").replace("І", "И")  # a Russian word: no Ukrainian і
        return as_cyr
    return as_lat


# After an apostrophe Ukrainian has only iotated vowels (В'ячеслав, Мар'яна): they stay small.
# Any other letter after a one-letter prefix is a new capital (О'Коннор, D'Artagnan).
_IOTATED = frozenset("яюєїЯЮЄЇ")
_APOSTROPHE_SPLIT = re.compile("([" + _APOSTROPHES + "])")
_INITIALS = re.compile(r"^(?:[^\W\d_]\.)+$")  # "И." or "И.П."


def _capitalise_part(part: str) -> str:
    """One hyphen-free part of a word, written in a single case, with proper capitals."""
    pieces = _APOSTROPHE_SPLIT.split(part)
    out = [pieces[0][:1].upper() + pieces[0][1:].lower()]
    for i in range(1, len(pieces) - 1, 2):
        mark, piece = pieces[i], pieces[i + 1]
        if len(pieces[i - 1]) == 1 and piece[:1] not in _IOTATED:
            out.append(mark + piece[:1].upper() + piece[1:].lower())
        else:
            out.append(mark + piece.lower())
    return "".join(out)


def _capitalise(word: str) -> str:
    """``иванов`` → ``Иванов``, ``РИМСКИЙ-КОРСАКОВ`` → ``Римский-Корсаков``, ``мар'яна`` →
    ``Мар'яна``, ``о'коннор`` → ``О'Коннор``, ``и.п.`` → ``И.П.``; words staff wrote in mixed
    case on purpose (``МакДональд``) are kept."""
    if _INITIALS.match(word):
        return word.upper()
    if word.islower() or word.isupper():
        return "-".join(_capitalise_part(p) for p in word.split("-"))
    # mixed case (МакДональд) is kept; only a lower-case start of a part is raised
    raised = "-".join(p[:1].upper() + p[1:] if p[:1].islower() else p for p in word.split("-"))
    return _capitalise(raised) if raised.isupper() else raised


def tidy_name(text: str) -> str:
    """Spaces collapsed, each word capitalised; look-alike letters are not touched here."""
    return " ".join(_capitalise(w) for w in text.split())


_HAS_CYR = re.compile(r"[\u0400-\u04ff]")
_HAS_LAT = re.compile(r"[A-Za-z\u00c0-\u024f]")


# Per word, for the common name in one script: whether the word is a valid name word, its
# capitalised spelling, and which look-alike scripts it holds (bit 1 Cyrillic, bit 2 Latin).
# Names repeat their words (Иван, Петрович, Иванова) far more than whole names, so a pass
# over 100 000 mostly distinct names touches only a few thousand distinct words.
_Word = tuple[bool, str, int]
_words: dict[str, _Word] = {}
_MAX_WORDS = 200_000  # a daemon runs for months: keep the cache bounded


def _word(word: str) -> _Word:
    found = _words.get(word)
    if found is None:
        valid = bool(_WORD_CHARS.match(word) or _INITIALS.match(word))
        scripts = (1 if _HAS_CYR.search(word) else 0) | (2 if _HAS_LAT.search(word) else 0)
        found = (valid, _capitalise(word) if valid else word, scripts)
        if len(_words) >= _MAX_WORDS:
            _words.clear()
        _words[word] = found
    return found


def _check_one(value: object) -> FieldCheck:
    """:func:`_check_plain`, from remembered words when the name is in one script."""
    if not isinstance(value, str) or len(value) > _MAX_LEN:
        return _check_plain(value)
    text = unicodedata.normalize("NFC", value)
    words = text.split()
    if not words:
        return _check_plain(value)
    known = [_word(w) for w in words]
    scripts = 0
    for valid, _, script in known:
        if not valid:
            return _check_plain(value)
        scripts |= script
    if scripts == 3:  # look-alikes to repair
        return _check_plain(value)
    tidy = " ".join([cap for _, cap, _ in known])
    if tidy != value:
        return FieldCheck(tidy, tidy, (Finding("name.fixed", "info", tidy),))
    return FieldCheck(tidy)


def _check_plain(value: object) -> FieldCheck:
    if value is None:
        return EMPTY
    if not isinstance(value, str):
        return FieldCheck(None, None, (Finding("name.invalid", "warning"),))
    if not value.strip():
        return EMPTY
    if len(value) > _MAX_LEN:
        return FieldCheck(None, None, (Finding("name.invalid", "warning"),))
    # a name pasted from a Mac or a web page may carry "й" as "и" + combining breve
    text = unicodedata.normalize("NFC", value)
    words = text.split()
    if not all(_WORD_CHARS.match(w) or _INITIALS.match(w) for w in words):
        return FieldCheck(None, None, (Finding("name.invalid", "warning"),))
    if _HAS_CYR.search(text) and _HAS_LAT.search(text):
        repaired = [(repair_look_alikes(w) or w) for w in words]
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
    return map_cached(values, _check_one, verdict_cache("name"))


# Patronymic endings: -вич covers -ович / -евич / -йович; -ич covers Ильич, Кузьмич; -вна,
# -ична (Никитична), -івна / -ївна for Ukrainian women; оглы / кызы / улы follow the father's
# name as a separate word in Azerbaijani, Kazakh and Turkic patronymics.
_PATRONYMIC = re.compile(r"(?:ич|вна|ична|івна|ївна)$")
_TURKIC_PATRONYMIC = frozenset({"оглы", "кызы", "улы", "огли", "кизи", "ұлы", "қызы"})
# Common surname endings, used only to order two words without a patronymic. The weak ones
# are also endings of first names (Валентин, Ирина, Марина), so they count for less.
_SURNAME_STRONG = re.compile(
    r"(?:ов|ев|ёв|ова|ева|ёва|ский|ская|цкий|цкая|енко|чук|юк"
    r"|ov|ev|ova|eva|sky|skiy|skaya|enko|chuk|yuk)$"  # the same, transliterated
)
_SURNAME_WEAK = re.compile(r"(?:ин|ын|ина|ына|ук)$")


def _surname_score(word: str) -> int:
    lower = word.lower()
    return 2 if _SURNAME_STRONG.search(lower) else 1 if _SURNAME_WEAK.search(lower) else 0


def _is_patronymic(word: str) -> bool:
    return bool(_PATRONYMIC.search(word.lower()))


def split_full_name(s: str) -> tuple[str | None, str | None, str | None]:
    """(last, first, middle) of a full name, each tidied; ``None`` where absent.

    The heuristic, in order:

    - three or more words: "Фамилия Имя Отчество" (the rest after the second word is the
      middle name, so "Мамедов Ильхам Гейдар оглы" keeps "Гейдар Оглы"); when the *second*
      word is the patronymic and the last is not, the order is "Имя Отчество Фамилия";
    - two words: "Имя Отчество" when the second is a patronymic (ending -вич, -вна, -ична,
      -ич, -івна, -ївна); "Фамилия Имя" when the first looks more like a surname than the
      second (-ов, -ева, -ский, -енко, -чук beat -ин, -ина, which first names share: "Петрова
      Ирина", "Пушкин Александр"); otherwise "Имя Фамилия";
    - one word: a surname if it has a strong surname ending, else a first name.

    A surname that itself ends like a patronymic ("Дмитрий Шостакович") is read as a
    patronymic when there are only two words: the words cannot tell them apart.
    """
    words = tidy_name(unicodedata.normalize("NFC", s)).split() if isinstance(s, str) else []
    if not words:
        return None, None, None
    if len(words) == 1:
        only = words[0]
        return (only, None, None) if _surname_score(only) == 2 else (None, only, None)
    if len(words) == 2:
        first, second = words
        if _is_patronymic(second):
            return None, first, second
        if _surname_score(first) > _surname_score(second):
            return first, second, None
        return second, first, None
    turkic = words[-1].lower() in _TURKIC_PATRONYMIC
    if len(words) == 3 and _is_patronymic(words[1]) and not (_is_patronymic(words[2]) or turkic):
        return words[2], words[0], words[1]
    return words[0], words[1], " ".join(words[2:])
