"""A realistic, messy RU/UA client base for ``clientbase demo``, tests and benchmarks.

Deterministic by seed. Every planted problem is labelled with the code a correct checker must
report, so tests can measure precision and recall; duplicate groups (one person entered again)
and families (different people sharing a phone) are labelled too.

Rows without a label are clean: tidy names, phones already in the configured international
format, valid emails on common domains, plausible dates. Names, phones and emails are unique
unless a duplicate or a family is planted, so random draws never create an unlabelled problem.
Phones are formatted here rather than by phonenumbers, which costs tens of µs a call on a
benchmark base of 100 000 rows; the tests check samples against phonenumbers.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from sync.core.model import CellValue
from sync.template import (
    HEADER_FILL,
    Template,
    check_language,
    load_template,
    refuse_existing,
)


def _words(text: str) -> list[str]:
    return text.split()


# --- names -----------------------------------------------------------------------------------
# Male surname forms; the female form is derived (Иванов/Иванова, Каменский/Каменская), and
# -енко / -ук / -чук and the like do not change.
_RU_SURNAMES = _words(
    """
Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров
Морозов Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев
Макаров Никитин Захаров Зайцев Соловьёв Борисов Яковлев Григорьев Романов Воробьёв Сергеев
Кузьмин Фролов Александров Дмитриев Королёв Гусев Киселёв Ильин Максимов Поляков Сорокин
Виноградов Ковалёв Белов Медведев Антонов Тарасов Жуков Баранов Филиппов Комаров Давыдов Беляев
Герасимов Богданов Осипов Сидоров Матвеев Титов Марков Миронов Крылов Куликов Карпов Власов
Мельников Денисов Гаврилов Тихонов Казаков Афанасьев Данилов Савельев Тимофеев Фомин Чернов
Абрамов Мартынов Ефимов Федотов Щербаков Назаров Калинин Исаев Чернышёв Быков Маслов Родионов
Коновалов Лазарев Воронин Климов Филатов Пономарёв Голубев Кудрявцев Прохоров Наумов Потапов
Журавлёв Овчинников Трофимов Леонов Соболев Ермаков Колесников Гончаров Емельянов Никифоров
Грачёв Котов Гришин Ефремов Архипов Громов Кириллов Малышев Панов Моисеев Румянцев Акимов
Кондратьев Бирюков Горбунов Анисимов Ерёмин Тихомиров Галкин Лукьянов Михеев Скворцов Юдин
Белоусов Нестеров Симонов Прокофьев Харитонов Князев Цветков Левин Митрофанов Воронцов Суханов
Каменский Вишневский Покровский Жуковский Яворский Островский Высоцкий Белецкий"""
)
_UA_SURNAMES = _words(
    """
Шевченко Коваленко Бондаренко Ткаченко Кравченко Олійник Шевчук Коваль Поліщук
Бойко Ткачук Мельник Лисенко Марченко Руденко Савченко Петренко Мороз Кравчук Клименко Павленко
Левченко Гончаренко Козак Пономаренко Харченко Швець Литвиненко Костенко Кузьменко Присяжнюк
Карпенко Тимошенко Гнатюк Мельничук Ковальчук Романюк Савчук Данильчук Захарченко Федоренко
Приходько Левицький Ковальський Зінченко Гордієнко Сидоренко Демченко Яковенко Головко Мазур
Білик Климчук Панченко Остапенко Нестеренко Кушнір Гуменюк Дячук Юрченко Кириленко Васильченко
Лук'яненко Стасюк Вакуленко Симоненко Онищенко Тарасенко Бондар Гаврилюк Мартинюк Процик
Семенюк Кравець Антонюк Власенко"""
)
_RU_MALE = _words(
    """
Александр Алексей Андрей Антон Артём Борис Вадим Валерий Василий Виктор Виталий
Владимир Владислав Геннадий Георгий Григорий Денис Дмитрий Евгений Егор Иван Игорь Кирилл
Константин Леонид Максим Михаил Николай Олег Павел Пётр Роман Руслан Сергей Станислав Степан
Тимур Фёдор Юрий Ярослав Глеб Матвей Никита Илья Аркадий Эдуард"""
)
_RU_FEMALE = _words(
    """
Александра Алина Алла Анастасия Анна Валентина Валерия Вера Виктория Галина
Дарья Екатерина Елена Елизавета Жанна Зоя Инна Ирина Карина Кристина Ксения Лариса Лидия
Людмила Маргарита Марина Мария Надежда Наталья Нина Оксана Ольга Полина Светлана София Тамара
Татьяна Юлия Яна Вероника Евгения Диана Алёна Эльвира Снежана"""
)
_UA_MALE = _words(
    """
Олександр Олексій Андрій Дмитро Сергій Юрій Микола Тарас Богдан Остап Назар Василь
Іван Петро Віктор Володимир Ігор Олег Максим Роман Євген Ярослав Степан Михайло Вадим Денис
Артем Орест Тимофій Святослав"""
)
_UA_FEMALE = _words(
    """
Олена Наталія Тетяна Ірина Юлія Ганна Оксана Мар'яна Соломія Христина Оксана
Людмила Галина Катерина Марія Софія Вікторія Анастасія Дарина Ольга Світлана Надія Лариса
Зоряна Богдана Уляна Інна Леся"""
)
# father's name : patronymic of a son : of a daughter
_RU_PATRONYMICS = _words(
    """
Александр:Александрович:Александровна Алексей:Алексеевич:Алексеевна
Андрей:Андреевич:Андреевна Борис:Борисович:Борисовна Василий:Васильевич:Васильевна
Виктор:Викторович:Викторовна Владимир:Владимирович:Владимировна Геннадий:Геннадьевич:Геннадьевна
Дмитрий:Дмитриевич:Дмитриевна Евгений:Евгеньевич:Евгеньевна Иван:Иванович:Ивановна
Игорь:Игоревич:Игоревна Михаил:Михайлович:Михайловна Николай:Николаевич:Николаевна
Олег:Олегович:Олеговна Павел:Павлович:Павловна Пётр:Петрович:Петровна Сергей:Сергеевич:Сергеевна
Юрий:Юрьевич:Юрьевна Анатолий:Анатольевич:Анатольевна Валерий:Валерьевич:Валерьевна
Константин:Константинович:Константиновна Григорий:Григорьевич:Григорьевна
Никита:Никитич:Никитична Илья:Ильич:Ильинична Фёдор:Фёдорович:Фёдоровна
Максим:Максимович:Максимовна Роман:Романович:Романовна Леонид:Леонидович:Леонидовна"""
)
_UA_PATRONYMICS = _words(
    """
Олександр:Олександрович:Олександрівна Іван:Іванович:Іванівна
Петро:Петрович:Петрівна Микола:Миколайович:Миколаївна Василь:Васильович:Васильївна
Сергій:Сергійович:Сергіївна Андрій:Андрійович:Андріївна Володимир:Володимирович:Володимирівна
Віктор:Вікторович:Вікторівна Юрій:Юрійович:Юріївна Михайло:Михайлович:Михайлівна
Богдан:Богданович:Богданівна Тарас:Тарасович:Тарасівна Степан:Степанович:Степанівна
Олег:Олегович:Олегівна Ігор:Ігорович:Ігорівна Дмитро:Дмитрович:Дмитрівна
Анатолій:Анатолійович:Анатоліївна Ярослав:Ярославович:Ярославівна"""
)


def _patronymic_table(entries: list[str]) -> dict[str, tuple[str, str]]:
    return {father: (son, daughter) for father, son, daughter in (e.split(":") for e in entries)}


_PATRONYMICS = {
    False: _patronymic_table(_RU_PATRONYMICS),
    True: _patronymic_table(_UA_PATRONYMICS),
}
_FIRST_NAMES = {
    (False, "m"): _RU_MALE,
    (False, "f"): _RU_FEMALE,
    (True, "m"): _UA_MALE,
    (True, "f"): _UA_FEMALE,
}

# --- places, phones, mail ----------------------------------------------------------------------
_CITIES = {
    "RU": "Москва Москва Москва Москва Санкт-Петербург Санкт-Петербург Казань Новосибирск "
    "Екатеринбург Самара Краснодар Ростов-на-Дону Нижний_Новгород Воронеж",
    "UA": "Київ Київ Київ Киев Харків Харьков Львів Одеса Одесса Дніпро Запоріжжя",
    "BY": "Минск Минск Мінськ Гомель Брест Гродно",
    "KZ": "Алматы Алматы Астана Караганда Шымкент",
}
# Mobile prefixes (after the country code) that phonenumbers accepts for the whole range; the
# national significant number has `length` digits. Shares: of clients, in per cent.
_PLANS: dict[str, tuple[str, int, tuple[str, ...], int]] = {
    "RU": (
        "7",
        10,
        tuple(
            _words(
                "900 901 902 903 904 905 906 908 909 910 911 912 913 914 915 916 917 "
                "918 919 920 921 922 925 926 927 928 929 950 951 952 953 960 961 962 "
                "963 964 965 966 967 968 977 978 980 981 985 987 988 989 991 999"
            )
        ),
        56,
    ),
    "UA": ("380", 9, tuple(_words("50 63 66 67 68 73 93 95 96 97 98 99")), 28),
    "BY": ("375", 9, tuple(_words("255 256 257 259 291 292 293 295 296 297 298 299 33 44")), 8),
    "KZ": ("7", 10, tuple(_words("700 701 702 705 706 707 708 747 771 775 776 777 778")), 8),
}
_DOMAINS = {
    "RU": "mail.ru mail.ru mail.ru yandex.ru yandex.ru gmail.com gmail.com bk.ru list.ru inbox.ru "
    "rambler.ru icloud.com",
    "UA": "ukr.net ukr.net gmail.com gmail.com i.ua meta.ua",
    "BY": "tut.by mail.ru gmail.com yandex.by",
    "KZ": "mail.ru mail.kz gmail.com yandex.kz",
}
_TYPOS = {  # domain -> addresses a hurried hand makes of it
    "mail.ru": ("mail.ry", "mial.ru", "mail.tu"),
    "gmail.com": ("gmial.com", "gmail.co", "gmai.com", "gmail.cm"),
    "yandex.ru": ("yandx.ru", "yandex.ry", "yadex.ru"),
    "ukr.net": ("ukr.nte", "ukr.ner", "urk.net"),
}
_TRANSLIT = str.maketrans(
    {
        **dict(zip("абвгдезийклмнопрстуфыэіґ", "abvgdeziyklmnoprstufyeig", strict=True)),
        **{"ё": "e", "ж": "zh", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch"},
        **{"ю": "yu", "я": "ya", "є": "ye", "ї": "yi", "ь": "", "ъ": "", "'": ""},
    }
)
_LOOK_ALIKES = {"о": "o", "е": "e", "а": "a", "с": "c", "р": "p", "х": "x"}


def _translit(text: str) -> str:
    """``Петров Иван`` → ``Petrov Ivan`` (the spelling staff use for a foreign passport)."""
    return " ".join(w.capitalize() for w in text.lower().translate(_TRANSLIT).split())


def _female_surname(surname: str) -> str:
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    if surname.endswith(("ский", "цкий")):
        return surname[:-2] + "ая"
    if surname.endswith(("ський", "цький")):
        return surname[:-2] + "а"
    return surname


# --- phones as staff type them -------------------------------------------------------------------
# X stands for the next digit of the national significant number; "#" marks a number pasted
# into a number cell. The first pattern is phonenumbers' INTERNATIONAL format (the clean one).
_PATTERNS = {
    "RU": "+7 XXX XXX-XX-XX|8 (XXX) XXX-XX-XX|+7 XXX XXXXXXX|8XXXXXXXXXX|+7XXXXXXXXXX"
    "|8-XXX-XXX-XX-XX|XXX XXX XX XX|#7XXXXXXXXXX|+7 (XXX) XXX-XX-XX",
    "KZ": "+7 XXX XXX XXXX|8 (XXX) XXX-XX-XX|8XXXXXXXXXX|+7XXXXXXXXXX|+7 XXX XXX-XX-XX"
    "|#7XXXXXXXXXX",
    "UA": "+380 XX XXX XXXX|0XX XXX XX XX|0XXXXXXXXX|+380XXXXXXXXX|+38 (0XX) XXX-XX-XX"
    "|(0XX) XXX-XX-XX|#380XXXXXXXXX",
    "BY": "+375 XX XXX-XX-XX|8 0XX XXX-XX-XX|80XXXXXXXXX|+375XXXXXXXXX|+375 (XX) XXX-XX-XX"
    "|#375XXXXXXXXX",
}
_FORMATS = {r: [p.replace("X", "{}") for p in s.split("|")] for r, s in _PATTERNS.items()}


def _international(region: str, national: str) -> str:
    return _FORMATS[region][0].format(*national)


def _as_staff_types(region: str, national: str, rng: random.Random) -> CellValue:
    """The number in one of the other ways staff type it."""
    pattern = rng.choice(_FORMATS[region][1:]).format(*national)
    return int(pattern[1:]) if pattern.startswith("#") else pattern


# Not a number in any of RU / UA / BY / KZ: too few digits, too many, words.
_INVALID_PHONES = (
    "8 912 345", "12345", "+7 912 345-67-8", "тел. уточнить", "067 123 45", "+380 67 123 456",
    "8 029 123-45", "+7 (912) 345-67-899", "нет", "911", "8 800",
)  # fmt: skip


# --- the result ----------------------------------------------------------------------------------
@dataclass
class DemoLabels:
    """The truth about a generated base; rows are 1-based clients-sheet rows (header = 1)."""

    problems: set[tuple[int, str]] = field(default_factory=set)  # (row, code) to be reported
    duplicate_groups: list[tuple[int, ...]] = field(default_factory=list)  # same person
    families: list[tuple[int, ...]] = field(default_factory=list)  # share a phone, not the same
    gender: dict[int, str] = field(default_factory=dict)  # row -> "m" / "f"


@dataclass
class DemoBase:
    clients: list[list[CellValue]]  # row 0 = header (sheet row 1)
    orders: list[list[CellValue]]
    interactions: list[list[CellValue]]
    labels: DemoLabels


@dataclass(frozen=True, slots=True)
class DemoRates:
    """Shares of client rows. A planted problem rate is a share of the rows of distinct people;
    each code with a non-zero rate is planted at least once in a base of 100 rows or more."""

    phone_fixed: float = 0.03  # a valid number typed in another format
    phone_invalid: float = 0.008
    email_invalid: float = 0.006
    email_suspect: float = 0.006
    email_fixed: float = 0.006
    name_fixed: float = 0.01
    name_mixed_scripts: float = 0.006
    name_missing: float = 0.004
    date_invalid: float = 0.005
    date_implausible: float = 0.004
    contact_missing: float = 0.004
    value_not_allowed: float = 0.005
    copied_rows: float = 0.004  # a row copied with its ID (id.duplicate, and a duplicate)
    empty_ids: float = 0.008  # rows whose ID nobody filled in (not a problem code)
    duplicate_rows: float = 0.03  # rows in groups of 2-3 entries of one person
    family_rows: float = 0.02  # rows in pairs of relatives sharing one phone
    no_email: float = 0.25  # clean rows without an email
    no_phone: float = 0.04  # clean rows with an email only
    added_days: int = 1000  # rows were added up to this many days before the demo's today


# (code, field it damages, needs an email to damage); contact.missing takes phone and email
_PLANTED: tuple[tuple[str, str, bool], ...] = (
    ("contact.missing", "contact", False),
    ("phone.invalid", "phone", False),
    ("phone.fixed", "phone", False),
    ("email.invalid", "email", True),
    ("email.suspect", "email", True),
    ("email.fixed", "email", True),
    ("name.missing", "name", False),
    ("name.mixed_scripts", "name", False),
    ("name.fixed", "name", False),
    ("date.invalid", "birthday", False),
    ("date.implausible", "birthday", False),
    ("value.not_allowed", "consent", False),
)
_NOT_ALLOWED = {"ru": ("может быть", "не знаю", "уточнить"), "uk": ("можливо", "не знаю")}
_NOT_ALLOWED_EN = ("maybe", "ask later")
_INVALID_DATES = ("31.02.1990", "abc", "30.02.1985", "32.01.2000", "15.13.1988", "1985-13-01")


def _quota(rate: float, rows: int) -> int:
    """How many rows get a feature: at least one in a base big enough to show it off."""
    return max(1 if rate > 0 and rows >= 100 else 0, round(rate * rows))


# --- people --------------------------------------------------------------------------------------
@dataclass(slots=True)
class _Person:
    gender: str
    ukrainian: bool
    surname: str
    first: str
    middle: str | None
    region: str
    national: str  # national significant number, digits
    email: str | None
    city: str | None
    birthday: dt.date | None

    @property
    def full(self) -> str:
        return " ".join(p for p in (self.surname, self.first, self.middle) if p)


@dataclass(slots=True)
class _Row:
    key: float  # position in the sheet, before sorting
    cells: list[CellValue]
    gender: str
    codes: list[str] = field(default_factory=list)
    group: int | None = None  # planted duplicate group
    family: int | None = None
    copy_of: _Row | None = None  # the row this one was copy-pasted from (same ID)
    has_id: bool = True


class _People:
    """Draws distinct people: no two share a name, a phone or an email by chance."""

    def __init__(self, rng: random.Random, as_of: dt.date, rates: DemoRates, strict: bool):
        self.rng, self.as_of, self.rates = rng, as_of, rates
        # a small base keeps (surname, first name) unique too, so that "Иванов Иван" without a
        # patronymic is never another person's duplicate; a huge one cannot, and needs not
        self.strict = strict
        self.names: set[str] = set()
        self.phones: set[str] = set()
        self.emails: set[str] = set()
        self.regions = [r for r, plan in _PLANS.items() for _ in range(plan[3])]
        self.cities = {r: [c.replace("_", " ") for c in s.split()] for r, s in _CITIES.items()}
        self.domains = {r: s.split() for r, s in _DOMAINS.items()}

    def phone(self, region: str) -> str:
        _, length, prefixes, _ = _PLANS[region]
        rng = self.rng
        while True:
            prefix = rng.choice(prefixes)
            national = prefix + str(rng.randrange(10 ** (length - len(prefix)))).zfill(
                length - len(prefix)
            )
            key = _PLANS[region][0] + national
            if key not in self.phones:
                self.phones.add(key)
                return national

    def email(self, person: _Person) -> str:
        rng = self.rng
        first, last = _translit(person.first).lower(), _translit(person.surname).lower()
        year = person.birthday.year if person.birthday else rng.randrange(1960, 2005)
        local = rng.choice(
            (f"{first}.{last}", f"{first[0]}.{last}", f"{last}{year % 100:02d}",
             f"{first}_{last}", f"{last}.{first[0]}", f"{first}{year}")
        )  # fmt: skip
        domain = rng.choice(self.domains[person.region])
        email = f"{local}@{domain}"
        while email in self.emails:
            email = f"{local}{rng.randrange(1, 1000)}@{domain}"
        self.emails.add(email)
        return email

    def _name(self, ukrainian: bool, gender: str, surname: str | None) -> tuple[str, str, str]:
        rng = self.rng
        base = surname or rng.choice(_UA_SURNAMES if ukrainian else _RU_SURNAMES)
        last = _female_surname(base) if gender == "f" else base
        first = rng.choice(_FIRST_NAMES[ukrainian, gender])
        father = rng.choice(list(_PATRONYMICS[ukrainian]))
        middle = _PATRONYMICS[ukrainian][father][0 if gender == "m" else 1]
        return last, first, middle

    def draw(self, gender: str | None = None, like: _Person | None = None) -> _Person:
        """A new person; ``like`` makes a relative (same surname, country and city)."""
        rng, as_of = self.rng, self.as_of
        gender = gender or rng.choice("mf")
        if like:
            region, ukrainian = like.region, like.ukrainian
        else:
            region = rng.choice(self.regions)
            ukrainian = rng.random() < (0.8 if region == "UA" else 0.05)
        surname = like.surname if like else None
        if surname and like and like.gender == "f":
            surname = _MALE_FORMS.get(surname, surname)
        for _ in range(1000):
            last, first, middle = self._name(ukrainian, gender, surname)
            with_middle = rng.random() < 0.75
            full = f"{last} {first} {middle}" if with_middle else f"{last} {first}"
            keys = {full, f"{last} {first}"} if self.strict else {full}
            if not keys & self.names and (not like or first != like.first):
                self.names.update(keys)
                break
        else:  # pragma: no cover - more people than the name lists can tell apart
            raise ValueError("too many clients for distinct names")
        age_days = rng.randrange(18 * 365, 80 * 365)
        birthday = as_of - dt.timedelta(days=age_days) if rng.random() < 0.85 else None
        city = rng.choice(self.cities[region]) if rng.random() < 0.9 else None
        if like:
            city = like.city
        person = _Person(gender, ukrainian, last, first, middle if with_middle else None,
                         region, self.phone(region), None, city, birthday)  # fmt: skip
        if rng.random() >= self.rates.no_email:
            person.email = self.email(person)
        return person


_MALE_FORMS = {_female_surname(s): s for s in _RU_SURNAMES + _UA_SURNAMES}


# --- planting ------------------------------------------------------------------------------------
ID, NAME, PHONE, EMAIL, CITY, BIRTHDAY, CONSENT, ADDED, VERIFIED = range(9)  # clients columns


def _typo(word: str, rng: random.Random) -> str:
    """One slip of the finger inside a word: a swapped, dropped or doubled letter."""
    for _ in range(20):
        i = rng.randrange(1, len(word) - 1)
        kind = rng.randrange(3)
        if kind == 0 and word[i] != word[i + 1]:
            return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        if kind == 1 and len(word) > 4:
            return word[:i] + word[i + 1 :]
        if kind == 2:
            return word[:i] + word[i] + word[i:]
    return word + word[-1]


def _mixed_scripts(person: _Person, rng: random.Random) -> str | None:
    """The name with one Latin look-alike letter inside a Cyrillic word (``Иванoв``)."""
    words = [person.surname, person.first] + ([person.middle] if person.middle else [])
    spots = [(w, i) for w, word in enumerate(words[:2]) for i, ch in enumerate(word)
             if i and ch in _LOOK_ALIKES]  # fmt: skip
    if not spots:
        return None
    w, i = rng.choice(spots)
    words[w] = words[w][:i] + _LOOK_ALIKES[words[w][i]] + words[w][i + 1 :]
    return " ".join(words)


def _plant(code: str, row: _Row, person: _Person, rng: random.Random, ctx: _Context) -> bool:
    """Damage one field of a clean row as staff would; False if this row cannot show it."""
    cells, email = row.cells, person.email or ""
    local, _, domain = email.partition("@")
    if code == "contact.missing":
        cells[PHONE] = cells[EMAIL] = None
    elif code == "phone.invalid":
        cells[PHONE] = rng.choice(_INVALID_PHONES)
    elif code == "phone.fixed":
        cells[PHONE] = _as_staff_types(person.region, person.national, rng)
    elif code == "email.invalid":
        cells[EMAIL] = rng.choice(
            (f"{local}@{domain.split('.')[0]}", f"{local}.{domain}", f"{local}@@{domain}",
             f"{local} {domain}")
        )  # fmt: skip
    elif code == "email.suspect":
        typos = _TYPOS.get(domain) or _TYPOS[rng.choice(("mail.ru", "gmail.com"))]
        cells[EMAIL] = f"{local}@{rng.choice(typos)}"
    elif code == "email.fixed":
        cells[EMAIL] = rng.choice((email.upper(), f"{local.capitalize()}@{domain} ", f" {email}"))
    elif code == "name.missing":
        cells[NAME] = None
    elif code == "name.mixed_scripts":
        cells[NAME] = _mixed_scripts(person, rng)
        return cells[NAME] is not None
    elif code == "name.fixed":
        full = person.full
        cells[NAME] = rng.choice(
            (full.lower(), full.upper(), full.replace(" ", "  ", 1), f"{full} ", f" {full}")
        )
    elif code == "date.invalid":
        cells[BIRTHDAY] = rng.choice(_INVALID_DATES)
    elif code == "date.implausible":
        # before 1900 Excel has no date serials: such a year can only be typed as text
        old = f"{rng.randrange(1, 29):02d}.{rng.randrange(1, 13):02d}.{rng.randrange(1880, 1900)}"
        future = ctx.as_of + dt.timedelta(days=rng.randrange(30, 700))
        cells[BIRTHDAY] = old if rng.random() < 0.5 else future
    elif code == "value.not_allowed":
        cells[CONSENT] = rng.choice(_NOT_ALLOWED.get(ctx.lang, _NOT_ALLOWED_EN))
    return True


@dataclass(slots=True)
class _Context:
    rng: random.Random
    as_of: dt.date
    lang: str
    rates: DemoRates
    pool: _People
    consent: tuple[str, ...]  # allowed values, "yes" first


def _clean_row(person: _Person, key: float, ctx: _Context) -> _Row:
    rng = ctx.rng
    phone: str | None = _international(person.region, person.national)
    if person.email and rng.random() < ctx.rates.no_phone:
        phone = None
    consent = rng.choices((ctx.consent[0], ctx.consent[1], None), (60, 25, 15))[0]
    added = ctx.as_of - dt.timedelta(days=rng.randrange(1, ctx.rates.added_days))
    # most rows were checked again at some call or visit since they were added; some never
    # (drawn apart from the base's own stream, which stays as it was before this column)
    dates = random.Random(f"verified:{key!r}")
    verified = (
        added + dt.timedelta(days=dates.randrange((ctx.as_of - added).days + 1))
        if dates.random() < 0.8
        else None
    )
    cells: list[CellValue] = [
        None, person.full, phone, person.email, person.city, person.birthday, consent, added,
        verified,
    ]  # fmt: skip
    return _Row(key, cells, person.gender)


def _later(row: _Row, ctx: _Context, end: float) -> tuple[float, dt.date]:
    """A sheet position and an 'added' date for a row entered after ``row``."""
    added = row.cells[ADDED]
    assert isinstance(added, dt.date)
    days = (ctx.as_of - added).days
    return ctx.rng.uniform(row.key, end), added + dt.timedelta(days=ctx.rng.randrange(days + 1))


def _duplicate_rows(
    origin: _Row, person: _Person, size: int, group: int, ctx: _Context, end: float
) -> list[_Row]:
    """The same person entered again, once or twice, each time a little differently."""
    rng = ctx.rng
    variants = ["format", "typo", "translit", "order"]
    variants += ["short"] if person.middle else []
    variants += ["email_case", "second_phone"] if person.email else []
    out = []
    for variant in rng.sample(variants, size - 1):
        key, added = _later(origin, ctx, end)
        cells = list(origin.cells)
        cells[ADDED], codes = added, []
        if variant == "format":
            cells[PHONE] = _as_staff_types(person.region, person.national, rng)
            codes.append("phone.fixed")
        elif variant == "typo":
            which = rng.randrange(2)
            words = [person.surname, person.first] + ([person.middle] if person.middle else [])
            words[which] = _typo(words[which], rng)
            cells[NAME] = " ".join(words)
        elif variant == "translit":
            cells[NAME] = _translit(f"{person.surname} {person.first}")
        elif variant == "order":  # "Иван Иванов", or "Иван Петрович Иванов"
            middle = person.middle if rng.random() < 0.5 else None
            cells[NAME] = " ".join(p for p in (person.first, middle, person.surname) if p)
        elif variant == "short":
            cells[NAME] = f"{person.surname} {person.first}"
        elif variant == "email_case":
            cells[EMAIL] = (person.email or "").upper()
            codes.append("email.fixed")
        else:  # a second phone only: the email and the name tell it is the same person
            cells[PHONE] = _international(person.region, ctx.pool.phone(person.region))
        if rng.random() < 0.3:
            cells[BIRTHDAY] = None
        out.append(_Row(key, cells, person.gender, codes, group=group))
    return out


def _relative_row(origin: _Row, person: _Person, family: int, ctx: _Context, end: float) -> _Row:
    """A spouse or a grown child on the same phone: a different person, never a duplicate."""
    rng = ctx.rng
    spouse = rng.random() < 0.6
    gender = ("f" if person.gender == "m" else "m") if spouse else rng.choice("mf")
    relative = ctx.pool.draw(gender, like=person)
    table = _PATRONYMICS[person.ukrainian]
    if not spouse and person.gender == "m" and person.first in table:
        middle = table[person.first][0 if gender == "m" else 1]
        full = f"{relative.surname} {relative.first} {middle}"
        if full not in ctx.pool.names:
            ctx.pool.names.add(full)
            relative.middle = middle
    if relative.email and rng.random() < 0.35:
        relative.email = None
    key, added = _later(origin, ctx, end) if rng.random() < 0.5 else (origin.key + 0.001, None)
    row = _clean_row(relative, key, ctx)
    row.cells[PHONE] = origin.cells[PHONE]
    row.cells[ADDED] = added or origin.cells[ADDED]
    row.family = family
    return row


# --- the base ------------------------------------------------------------------------------------
def generate_base(
    n_clients: int = 400,
    *,
    seed: int = 7,
    as_of: dt.date,
    lang: str = "ru",
    orders_per_client: float = 3.0,
    rates: DemoRates | None = None,
) -> DemoBase:
    """``n_clients`` client rows (duplicates, copies and families included), their orders and
    interactions, with headers, consent values and kinds in ``lang``, and the labels."""
    template = load_template()
    check_language(lang, template)
    rates = rates or DemoRates()
    rng = random.Random(seed)
    n = max(0, n_clients)
    # groups of two rows, 30 % of three
    sizes = [3 if rng.random() < 0.3 else 2 for _ in range(_quota(rates.duplicate_rows / 2.3, n))]
    n_groups, n_families = len(sizes), _quota(rates.family_rows / 2, n)
    n_copies = _quota(rates.copied_rows, n)
    n_people = max(0, n - sum(sizes) + n_groups - n_families - n_copies)
    consent = template.sheet("clients").column("consent").choices or {}
    ctx = _Context(rng, as_of, lang, rates, _People(rng, as_of, rates, n <= 3000),
                   tuple(consent.get(lang, ("yes", "no"))))  # fmt: skip
    people = [ctx.pool.draw() for _ in range(n_people)]
    rows = [_clean_row(p, float(i), ctx) for i, p in enumerate(people)]
    with_phone = [i for i, r in enumerate(rows) if r.cells[PHONE] is not None]
    special = rng.sample(with_phone, min(len(with_phone), n_groups + n_families + n_copies))
    extra: list[_Row] = []
    for number, i in enumerate(special, 1):
        if number <= n_groups:
            extra += _duplicate_rows(rows[i], people[i], sizes[number - 1], number, ctx, n_people)
            rows[i].group = number
        elif number <= n_groups + n_families:
            extra.append(_relative_row(rows[i], people[i], number, ctx, n_people))
            rows[i].family = number
        else:  # copy-pasted right below, or at the end when pasted "to keep it"
            key = rows[i].key + 0.001 if rng.random() < 0.7 else n_people + rng.random()
            extra.append(_Row(key, list(rows[i].cells), rows[i].gender, ["id.duplicate"],
                              group=number, copy_of=rows[i]))  # fmt: skip
            rows[i].codes.append("id.duplicate")
            rows[i].group = number
    _plant_problems(rows, people, set(special), ctx)
    rows = sorted(rows + extra, key=lambda r: r.key)
    labels = _assign_ids_and_label(rows)
    ids = [r.cells[ID] for r in rows if r.copy_of is None]
    added = [r.cells[ADDED] for r in rows if r.copy_of is None]
    orders, interactions = _activity(
        rng, [(i, a) for i, a in zip(ids, added, strict=True) if isinstance(i, str)],
        as_of, orders_per_client, template, lang,
    )  # fmt: skip
    header: list[CellValue] = [*template.sheet("clients").headers(lang)]
    return DemoBase([header] + [r.cells for r in rows], orders, interactions, labels)


def _plant_problems(
    rows: list[_Row], people: list[_Person], special: set[int], ctx: _Context
) -> None:
    """Each code on its quota of rows; at most one planted problem per field of a row."""
    rng, rates = ctx.rng, ctx.rates
    candidates = [i for i in range(len(rows)) if i not in special]
    taken: dict[int, set[str]] = {}
    for code, damaged, needs_email in _PLANTED:
        quota = _quota(getattr(rates, code.replace(".", "_")), len(rows))
        fields_hit = {"phone", "email"} if damaged == "contact" else {damaged}
        eligible = [
            i for i in candidates
            if not fields_hit & taken.get(i, set())
            and (not needs_email or rows[i].cells[EMAIL])
            and (damaged != "phone" or rows[i].cells[PHONE])
        ]  # fmt: skip
        for i in rng.sample(eligible, min(quota, len(eligible))):
            if _plant(code, rows[i], people[i], rng, ctx):
                rows[i].codes.append(code)
                taken.setdefault(i, set()).update(fields_hit)
    for i in rng.sample(candidates, min(len(candidates), _quota(rates.empty_ids, len(rows)))):
        rows[i].has_id = False


def _assign_ids_and_label(rows: list[_Row]) -> DemoLabels:
    """IDs ascend down the sheet (a copied row keeps its source's); labels use sheet rows."""
    labels = DemoLabels()
    groups: dict[int, list[int]] = {}
    families: dict[int, list[int]] = {}
    next_id = 1
    for sheet_row, row in enumerate(rows, 2):
        if row.copy_of is not None:
            row.cells[ID] = row.copy_of.cells[ID]
        elif row.has_id:
            row.cells[ID] = f"C{next_id:06d}"
            next_id += 1
        labels.gender[sheet_row] = row.gender
        labels.problems.update((sheet_row, code) for code in row.codes)
        if row.group is not None:
            groups.setdefault(row.group, []).append(sheet_row)
        if row.family is not None:
            families.setdefault(row.family, []).append(sheet_row)
    labels.duplicate_groups = [tuple(g) for g in groups.values() if len(g) > 1]
    labels.families = [tuple(f) for f in families.values() if len(f) > 1]
    labels.problems.update((r, "duplicate") for g in labels.duplicate_groups for r in g)
    return labels


# --- orders and interactions ---------------------------------------------------------------------
_BASE_ORDERS = 3.6  # mean orders per client of the rhythms below, before scaling
_ORDER_PREFIX = {"ru": "З-", "uk": "З-", "en": "O-"}


def _rhythm(rng: random.Random, start: dt.date, as_of: dt.date, scale: float) -> list[dt.date]:
    """Order dates of one client: never, once, now and then, monthly (some lapsed), or a whale
    buying every few weeks. ``scale`` stretches the counts (a busier or quieter business)."""
    span = max(1, (as_of - start).days)
    kind = rng.random()
    if kind < 0.2:
        return []
    if kind < 0.84:
        count = 1 if kind < 0.5 else rng.randint(2, 5)
        count = int(count * scale + rng.random())
        return [start + dt.timedelta(days=rng.randrange(span)) for _ in range(count)]
    gap = rng.randint(25, 60) if kind < 0.98 else rng.randint(8, 20)
    end = span if rng.random() < 0.7 else max(1, span - rng.randrange(90, 400))
    count = int(end / gap * scale + rng.random())
    step = end / max(1, count)
    return [start + dt.timedelta(days=min(end - 1, int(k * step + rng.random() * step)))
            for k in range(count)]  # fmt: skip


def _activity(
    rng: random.Random,
    clients: list[tuple[str, CellValue]],
    as_of: dt.date,
    orders_per_client: float,
    template: Template,
    lang: str,
) -> tuple[list[list[CellValue]], list[list[CellValue]]]:
    """Orders (sorted by date, numbered) and interactions of clients given as (ID, added)."""
    scale = orders_per_client / _BASE_ORDERS
    kinds = (template.sheet("interactions").column("kind").choices or {}).get(lang, ("call",))
    orders: list[tuple[dt.date, str, float]] = []
    contacts: list[tuple[dt.date, str, str]] = []
    for client_id, added in clients:
        start = added if isinstance(added, dt.date) else as_of - dt.timedelta(days=900)
        dates = _rhythm(rng, start, as_of, scale)
        price = rng.uniform(300, 2500) if rng.random() < 0.3 else rng.uniform(800, 6000)
        if len(dates) > 8 and rng.random() < 0.4:
            price *= rng.uniform(5, 15)  # a VIP-ish whale
        for day in dates:
            amount = price * rng.uniform(0.6, 1.6)
            orders.append((day, client_id, round(amount, -1) if amount > 100 else round(amount, 2)))
        if dates and rng.random() < 0.01:  # entered ahead of time
            orders.append((as_of + dt.timedelta(days=rng.randrange(1, 21)), client_id, price))
        last = max(dates, default=start)
        if rng.random() < 0.2:
            for _ in range(rng.randint(1, 3)):
                day = as_of - dt.timedelta(
                    days=rng.randrange(max(1, min(365, (as_of - start).days)))
                )
                contacts.append((day, client_id, rng.choice(kinds)))
        if rng.random() < 0.04 and (as_of - last).days > 1:  # a hot lead: contacted, no order yet
            days = rng.randrange(min(14, (as_of - last).days - 1))
            contacts.append((as_of - dt.timedelta(days=days), client_id, rng.choice(kinds)))
    orders.sort(key=lambda o: o[0])
    contacts.sort(key=lambda c: c[0])
    prefix = _ORDER_PREFIX.get(lang, "O-")
    order_rows: list[list[CellValue]] = [[*template.sheet("orders").headers(lang)]]
    order_rows += [[f"{prefix}{k:06d}", d, c, a] for k, (d, c, a) in enumerate(orders, 1)]
    contact_rows: list[list[CellValue]] = [[*template.sheet("interactions").headers(lang)]]
    contact_rows += [[d, c, k] for d, c, k in contacts]
    return order_rows, contact_rows


# --- the workbook --------------------------------------------------------------------------------
def write_demo_workbook(base: DemoBase, path: str | os.PathLike[str], lang: str = "ru") -> None:
    """The base as an .xlsx laid out like ``clientbase init``'s (openpyxl write-only mode:
    fast and small in memory); dates are real dates. An existing file is never overwritten."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    template = load_template()
    check_language(lang, template)
    target = Path(path)
    refuse_existing(target)
    wb = Workbook(write_only=True)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor=HEADER_FILL)
    for sheet, rows in zip(
        template.sheets, (base.clients, base.orders, base.interactions), strict=True
    ):
        ws = wb.create_sheet(sheet.name[lang])
        ws.freeze_panes = "A2"
        # One reusable cell per formatted column: a write-only sheet serialises each row as it
        # is appended, so the same cell can carry the next row's value (4x faster than new ones).
        formatted: list[tuple[int, Any]] = []
        for col, column in enumerate(sheet.columns, 1):
            letter = get_column_letter(col)
            ws.column_dimensions[letter].width = column.width
            if column.number_format:
                cell = WriteOnlyCell(ws)
                cell.number_format = column.number_format
                formatted.append((col - 1, cell))
            if column.choices:
                dv = DataValidation(type="list", formula1=f'"{",".join(column.choices[lang])}"',
                                    allow_blank=True)  # fmt: skip
                dv.add(f"{letter}2:{letter}{max(2, len(rows))}")
                ws.data_validations.append(dv)
        header = []
        for value in rows[0] if rows else sheet.headers(lang):
            cell = WriteOnlyCell(ws, value=cast(Any, value))
            cell.font, cell.fill = bold, fill
            header.append(cell)
        ws.append(header)
        for row in rows[1:]:
            out: list[Any] = list(row)
            for i, cell in formatted:
                value = row[i] if i < len(row) else None
                if isinstance(value, (dt.date, int, float)) and not isinstance(value, bool):
                    cell.value = value
                    out[i] = cell
            ws.append(out)
        ws.auto_filter.ref = f"A1:{get_column_letter(len(sheet.columns))}{max(1, len(rows))}"
    wb.save(target)
