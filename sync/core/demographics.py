"""Age, age groups and gender inferred from Russian / Ukrainian names (pure).

Gender comes from the patronymic when there is one (``-вна`` / ``-ична`` / ``-івна`` are
female, ``-вич`` / ``-ич`` / ``-ович`` male) — that is nearly always right — and otherwise from
the first name: a list of common names, then the ending (``-а`` / ``-я`` mostly female, with
the known male exceptions such as Никита, Илья, Кузьма, Микола's diminutives). Inferred
gender is marked as such and never overrides a gender staff filled in.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from functools import lru_cache
from typing import Literal

Gender = Literal["m", "f"]

_FEMALE_PATRONYMIC = ("вна", "чна", "ична", "інична", "ївна", "івна", "кызы", "гызы")
_MALE_PATRONYMIC = ("вич", "ич", "ович", "евич", "йович", "ьович", "оглы", "огли", "улы", "уулу")

_MALE_NAMES_ENDING_IN_A = frozenset(
    {
        "никита",
        "илья",
        "ілля",
        "кузьма",
        "фома",
        "лука",
        "савва",
        "сава",
        "данила",
        "гаврила",
        "миша",
        "саша",
        "женя",
        "паша",
        "дима",
        "коля",
        "вова",
        "ваня",
        "петя",
        "гоша",
        "лёша",
        "леша",
        "серёжа",
        "сережа",
        "юра",
        "толя",
        "слава",
        "костя",
        "степа",
        "стёпа",
        "федя",
        "ярема",
        "микола",
        "хома",
        "микита",
        "мина",
        "иона",
        "муса",
        "мирза",
        "абдулла",
        "хамза",
    }
)
# Names whose gender is not given by the ending, or ambiguous short forms resolved by use.
_FIRST_NAMES: dict[str, Gender] = {
    "любовь": "f",
    "нинель": "f",
    "эсфирь": "f",
    "юдифь": "f",
    "айгуль": "f",
    "гуль": "f",
    "асель": "f",
    "адель": "f",
    "нелли": "f",
    "элли": "f",
    "ассоль": "f",
    "рахиль": "f",
    "руфь": "f",
    "марьям": "f",
    "мерьем": "f",
    "айгерим": "f",
    "жанель": "f",
    "шолпан": "f",
    "мадина": "f",
    "камила": "f",
    "дарина": "f",
    "ирина": "f",
    "игорь": "m",
    "лазарь": "m",
    "мамай": "m",
    "илья": "m",
    "олесь": "m",
    "любомир": "m",
    "ярослав": "m",
    "всеволод": "m",
    "ігор": "m",
    "олег": "m",
    "лев": "m",
    "павел": "m",
    "пётр": "m",
    "петр": "m",
    "петро": "m",
    "дмитро": "m",
    "андрій": "m",
    "олексій": "m",
    "сергій": "m",
    "юрій": "m",
    "тарас": "m",
    "богдан": "m",
    "назар": "m",
    "данило": "m",
    "левко": "m",
    "дмитрий": "m",
    "алексей": "m",
    "сергей": "m",
    "андрей": "m",
    "саша": "m",
    "женя": "m",
    "валя": "f",  # Саша/Женя/Валя are both; most common use wins
}
_LATIN_FEMALE_ENDINGS = ("a", "ia", "ya")


@lru_cache(maxsize=65536)
def infer_gender(first_name: str | None, middle_name: str | None = None) -> Gender | None:
    """``"m"``, ``"f"`` or ``None`` when neither the patronymic nor the first name tells."""
    if middle_name:
        mid = middle_name.strip().casefold().replace("ё", "е")
        if mid.endswith(_FEMALE_PATRONYMIC):
            return "f"
        if mid.endswith(_MALE_PATRONYMIC):
            return "m"
    if not first_name:
        return None
    first = first_name.strip().casefold().split("-")[0]
    if not first:
        return None
    if first in _FIRST_NAMES:
        return _FIRST_NAMES[first]
    if first in _MALE_NAMES_ENDING_IN_A:
        return "m"
    if first[-1] in "аяa":
        return "f"
    if first.isascii():
        return "f" if first.endswith(_LATIN_FEMALE_ENDINGS) else "m"
    if first[-1] in "ьй" or first[-1] not in "аеиоуыэюяіїє":
        return "m" if first[-1] != "ь" else None  # soft sign: Игорь (m) / Любовь (f)
    if first.endswith(("о", "ко")):
        return "m"  # Петро, Левко, Дмитро
    return None


_STAFF_GENDER = {
    "м": "m",
    "муж": "m",
    "мужской": "m",
    "чол": "m",
    "чоловіча": "m",
    "чоловік": "m",
    "m": "m",
    "male": "m",
    "man": "m",
    "ж": "f",
    "жен": "f",
    "женский": "f",
    "жін": "f",
    "жіноча": "f",
    "жінка": "f",
    "f": "f",
    "female": "f",
    "woman": "f",
    "w": "f",
}


def staff_gender(value: object) -> Gender | None:
    """The gender staff typed in a gender column, if it is recognisable."""
    if not isinstance(value, str):
        return None
    key = value.strip().casefold().rstrip(".")
    result = _STAFF_GENDER.get(key)
    return "m" if result == "m" else "f" if result == "f" else None


_SURNAME_F = (
    "ова",
    "ева",
    "ёва",
    "ина",
    "ына",
    "ская",
    "цкая",
    "ська",
    "цька",
    "ая",
    "ova",
    "eva",
    "ina",
    "skaya",
    "skaia",
)
_SURNAME_M = (
    "ов",
    "ев",
    "ёв",
    "ин",
    "ын",
    "ский",
    "цкий",
    "ський",
    "цький",
    "ой",
    "ий",
    "ov",
    "ev",
    "in",
    "sky",
    "skiy",
    "skyi",
    "skii",
)
_SURNAME_ANY = (
    "енко",
    "ко",
    "ук",
    "юк",
    "чук",
    "ич",
    "ян",
    "дзе",
    "швили",
    "ых",
    "их",
    "enko",
    "uk",
    "chuk",
    "ian",
    "yan",
)


def looks_like_surname(word: str) -> bool:
    w = word.casefold()
    return w.endswith(_SURNAME_F + _SURNAME_M + _SURNAME_ANY) and w not in _FIRST_NAMES


def gender_from_surname(last_name: str | None) -> Gender | None:
    """Russian-style surnames agree with gender (Иванов / Иванова); Ukrainian -енко, -ук do not."""
    if not last_name:
        return None
    w = last_name.strip().casefold()
    if w.endswith(_SURNAME_F):
        return "f"
    if w.endswith(_SURNAME_M):
        return "m"
    return None


def split_name(full_name: str) -> tuple[str | None, str | None, str | None]:
    """(last, first, middle) from a full name in one cell.

    Russian and Ukrainian registers write "Фамилия Имя Отчество"; when the last word is a
    patronymic the order is that one. Two words without a patronymic are usually "Фамилия
    Имя" in office lists, but "Имя Фамилия" in Latin transliteration; both are handled by
    taking as first name the word that is a known or typical first name.
    """
    words = full_name.split()
    if not words:
        return None, None, None
    if len(words) >= 3:
        last_word = words[-1].casefold()
        if last_word.endswith(_FEMALE_PATRONYMIC + _MALE_PATRONYMIC):
            return words[0], words[1], " ".join(words[2:])
        if words[0].casefold().endswith(_FEMALE_PATRONYMIC + _MALE_PATRONYMIC):
            return words[-1], words[0], None  # rare: patronymic typed first
        return words[0], words[1], " ".join(words[2:])
    if len(words) == 2:
        a, b = words
        if looks_like_surname(b) and not looks_like_surname(a):
            return b, a, None  # "Никита Сидоров", "Maria Ivanova"
        return a, b, None
    return None, words[0], None


def age_on(birthday: dt.date | None, as_of: dt.date) -> int | None:
    """Full years on ``as_of``; a 29 February birthday counts on 1 March in other years."""
    if birthday is None or birthday > as_of:
        return None
    years = as_of.year - birthday.year
    if (as_of.month, as_of.day) < (birthday.month, birthday.day):
        years -= 1
    return years


def age_group(age: int | None, bounds: Sequence[int]) -> str | None:
    """``"30–44"`` style label of the group ``age`` falls in; ``bounds`` are lower edges."""
    if age is None or not bounds:
        return None
    edges = sorted(bounds)
    if age < edges[0]:
        return f"<{edges[0]}"
    for low, high in itertools.pairwise(edges):
        if low <= age < high:
            return f"{low}–{high - 1}"
    return f"{edges[-1]}+"


def next_birthday(birthday: dt.date, as_of: dt.date) -> dt.date:
    """The next birthday on or after ``as_of`` (29 February → 28 February in common years,
    the day people born then usually celebrate)."""

    def on(year: int) -> dt.date:
        try:
            return birthday.replace(year=year)
        except ValueError:  # 29 February in a common year
            return dt.date(year, 2, 28)

    candidate = on(as_of.year)
    return candidate if candidate >= as_of else on(as_of.year + 1)
