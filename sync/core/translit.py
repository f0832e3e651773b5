"""Transliteration keys so that ``Иванов`` ~ ``Ivanov`` and ``Олексій`` ~ ``Oleksii``.

Not a publication-grade romanisation: a *matching* key. Both scripts are folded to one Latin
spelling, and the letters that romanisation systems disagree on (й/y/i/j, х/kh/h/x, щ/shch/
sch/shh, ё/е/yo, ц/ts/c/cz, and г, which the Ukrainian national table of 2010 writes h:
Ігор = Ihor) are folded to one form, so the passport spelling (ICAO), GOST 7.79 and the
Ukrainian 2010 table give the key of the Cyrillic name. Latin look-alike letters inside a
Cyrillic word (``Лapиca``) are read as the Cyrillic ones first.

First names also have *forms*: ``Таня`` is ``Татьяна``, ``Саша`` is ``Александр`` or
``Александра``, ``Сашко`` is ``Олександр`` (``validators/data/first_names.txt``).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from validators.name import FIRST_NAMES_FILE, repair_look_alikes

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
    ("ie", "e"),  # Григорьев: Grigoryev, Grigoriev, Grigorjev, Grigorev
    ("w", "v"),
    ("cz", "c"),  # GOST 7.79 B: ц
    ("x", "ks"),
)
_NON_ALPHA = re.compile(r"[^a-z ]+")
_Y_AS_I = re.compile(r"y(?=[^aeiou]|$)")  # final/consonant y: Dmitriy ~ Dmitrii ~ Дмитрий
_DOUBLED = re.compile(r"(.)\1+")  # doubled letters: Anna ~ Ana, Alla ~ Ala
# г and х fold to one letter: Ukrainian г is h (Ігор = Ihor, Ганна = Hanna), Russian х is kh
# or h; an h inside sh / ch / zh is part of its letter
_LONE_H = re.compile(r"(?<![scz])h")
_MIXED = re.compile(r"[a-zA-Z]")


# Ukrainian forms of first names, folded, mapped to the folded Russian form: one client is
# "Олексій" to one clerk and "Алексей" to another.
_UKRAINIAN_FORMS = {
    "oleksi": "aleksei",
    "oleksandr": "aleksandr",
    "olena": "elena",
    "tetiana": "tatiana",
    "mikola": "nikolai",
    "dmitro": "dmitri",
    "petro": "petr",
    "andri": "andrei",
    "sergi": "sergei",
    "gana": "ana",
    "vasil": "vasili",
    "evgen": "evgeni",
    "katerina": "ekaterina",
    "mihailo": "mihail",
    "pavlo": "pavel",
    "volodimir": "vladimir",
    "fedir": "fedor",
    "kirilo": "kiril",
}
_PATRONYMIC_ENDINGS = ("vich", "vna", "ichna")  # folded -ович/-евич, -овна/-ївна, -инична
_PATRONYMICS = frozenset({"ilich"})  # Ильич


@lru_cache(maxsize=100_000)
def _fold_word(word: str) -> str:
    if not word.isascii() and _MIXED.search(word):  # Latin look-alikes in a Cyrillic word
        word = repair_look_alikes(word) or word
    s = word.casefold().translate(_CYR_TABLE)
    if not s.isascii():
        s = unicodedata.normalize("NFKD", s)
        s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = _NON_ALPHA.sub(" ", s)
    # until nothing changes: one fold can expose another ("yj" -> "yi" -> "i")
    previous = None
    while s != previous:
        previous = s
        for a, b in _LATIN_FOLDS:
            s = s.replace(a, b)
        s = _Y_AS_I.sub("i", s)
        s = _LONE_H.sub("g", s)
        s = _DOUBLED.sub(r"\1", s)
    return " ".join(_UKRAINIAN_FORMS.get(w, w) for w in s.split())


def fold(text: str) -> str:
    """A lower-case Latin matching key for a name in Cyrillic or Latin.

    Words are folded one at a time and cached: a client base repeats a few thousand
    surnames and first names, so 100 000 names cost a few thousand real foldings.
    Latin look-alike letters inside a Cyrillic word fold to the same key as the
    Cyrillic ones, so ``Иванoв`` (Latin o) matches ``Иванов``.
    """
    return " ".join(w for w in map(_fold_word, text.split()) if w)


def name_tokens(text: str) -> tuple[str, ...]:
    """Folded words of a name, sorted, so word order does not matter."""
    return tuple(sorted(fold(text).split()))


def is_patronymic(token: str) -> bool:
    """Whether a folded word is a patronymic (Петрович, Олексіївна, Ильинична)."""
    return token.endswith(_PATRONYMIC_ENDINGS) or token in _PATRONYMICS


@lru_cache(maxsize=100_000)
def _key_words(word: str) -> tuple[str, ...]:
    return tuple(_one_form(t) for t in _fold_word(word).split() if not is_patronymic(t))


def _one_form(folded: str) -> str:
    """One key for all forms of a first name, whatever the gender: Таня, Татьяна and
    Тетяна give one, Саша, Александр and Александра another (a form of several names, such
    as Слава, gets the key of one of them)."""
    found = _forms().get(folded)
    if not found:
        return folded
    return min(name.removesuffix("a") if gender == "f" else name for name, gender in found)


def name_key(text: str) -> str:
    """A blocking key: the folded words of a name except the patronymic, sorted, each first
    name in one form for all its short forms.

    ``Иванова Мария Петровна``, ``Маша Иванова`` and ``Ivanova Mariya`` share it. Built
    from cached words because it is computed for every row of the sheet.
    """
    kept = [t for word in text.split() for t in _key_words(word)]
    if not kept:
        return " ".join(name_tokens(text))  # a name made only of a patronymic-like word
    kept.sort()
    return " ".join(kept)


_COMMON_FIRST_NAMES_TEXT = """
    Александр Алексей Анатолий Андрей Антон Аркадий Арсений Артём Артур Богдан Борис Вадим
    Валентин Валерий Василий Виктор Виталий Владимир Владислав Вячеслав Геннадий Георгий
    Глеб Григорий Даниил Денис Дмитрий Евгений Егор Иван Игорь Илья Кирилл Константин Лев
    Леонид Максим Марк Матвей Михаил Никита Николай Олег Павел Пётр Роман Руслан Святослав
    Семён Сергей Станислав Степан Тарас Тимофей Тимур Фёдор Юлий Юрий Ярослав Назар Остап
    Олексій Андрій Сергій Юрій Дмитро Петро Микола Василь Іван Олесь Данило
    Александра Алёна Алина Алла Анастасия Ангелина Анна Валентина Валерия Варвара Вера
    Вероника Виктория Галина Дарья Диана Ева Евгения Екатерина Елена Елизавета Жанна Зинаида
    Зоя Инна Ирина Карина Кира Кристина Ксения Лариса Лидия Любовь Людмила Маргарита Марина
    Мария Милана Надежда Наталья Нина Оксана Олеся Ольга Полина Раиса Светлана София Софья
    Таисия Тамара Татьяна Ульяна Юлия Яна Олена Оксана Ганна Тетяна Наталія Людмила Богдана
    Іванна Христина Соломія
"""
# Frequent first names (folded): two different ones are two names, however alike (Мария and
# Марина differ by one letter, as a typo would).
COMMON_FIRST_NAMES = frozenset(fold(n) for n in _COMMON_FIRST_NAMES_TEXT.split())


# --------------------------------------------------------------------------- first-name forms

_GENDERS = ("m", "f")


@lru_cache(maxsize=1)
def _forms() -> dict[str, frozenset[tuple[str, str]]]:
    """Folded first name or form -> the (folded full name, gender) it can stand for."""
    forms: dict[str, set[tuple[str, str]]] = {}
    for line in FIRST_NAMES_FILE.read_text("utf-8").splitlines():
        words = line.split()
        if not words or line.startswith("#"):
            continue
        full, gender, *rest = words
        if gender not in _GENDERS:
            raise ValueError(f"first_names.txt: gender of {full!r} is {gender!r}")
        name = fold(full)
        if rest and rest[0].startswith("="):  # the same name in the other language
            name = fold(rest.pop(0)[1:])
        for word in (full, *rest):
            forms.setdefault(fold(word), set()).add((name, gender))
        forms.setdefault(name, set()).add((name, gender))
    return {k: frozenset(v) for k, v in forms.items()}


def name_forms(folded: str, gender: str | None = None) -> frozenset[str]:
    """The full first names a folded first name can be (itself included), of ``gender``
    when known: ``sasha`` -> {aleksandr, aleksandra}; with ``f`` -> {aleksandra}."""
    found = _forms().get(folded)
    if not found:
        return frozenset((folded,))
    return frozenset(n for n, g in found if gender is None or g == gender) or frozenset((folded,))


def is_first_name(folded: str) -> bool:
    """Whether a folded word is a first name or one of its forms (Сашко, Таня)."""
    return folded in _forms()


def same_first_name(a: str, b: str, gender_a: str | None, gender_b: str | None) -> bool:
    """Whether two folded first names are forms of one name (Таня and Татьяна, Сашко and
    Олександр), for a person of each gender when it is known."""
    if a == b or not name_forms(a, gender_a).isdisjoint(name_forms(b, gender_b)):
        return True
    # GOST 7.79 B writes х as x, which reads ks elsewhere (Maxim, Alexei): Mixail = Михаил
    a_x, b_x = a.replace("ks", "g"), b.replace("ks", "g")
    return (a_x != a or b_x != b) and not name_forms(a_x, gender_a).isdisjoint(
        name_forms(b_x, gender_b)
    )


# folded endings: -овна / -ична, -ова / -ева / -ина, -ская / -ська; -ович / -ич, -ов / -ев /
# -ин, -ский / -цкий / -ський. Others (Шевченко, Ступка) say nothing.
_FEMALE_ENDINGS = ("vna", "ichna", "ova", "eva", "ina", "aia", "ska")
_MALE_ENDINGS = ("vich", "ich", "ov", "ev", "in", "ski", "ki")


def gender_of(surname: str | None, middle: str | None) -> str | None:
    """ "m" / "f" as the patronymic (else the surname) tells, or ``None`` (Шевченко)."""
    for word in (middle, surname):
        if word:
            if word.endswith(_FEMALE_ENDINGS):
                return "f"
            if word.endswith(_MALE_ENDINGS):
                return "m"
    return None
