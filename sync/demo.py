"""A realistic, messy RU/UA client base for ``clientbase demo``, tests and benchmarks.

Deterministic by seed. Every planted problem is labelled with the code a correct checker must
report, so tests can measure precision and recall; duplicate groups and families (different
people sharing a phone) are labelled too.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from dataclasses import dataclass, field
from typing import Any, cast

import phonenumbers

from sync.model import CellValue

_SURNAMES_RU = [
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
    "Орлов",
    "Андреев",
    "Макаров",
    "Никитин",
    "Захаров",
    "Зайцев",
    "Соловьёв",
    "Борисов",
    "Яковлев",
    "Григорьев",
    "Романов",
    "Воробьёв",
    "Сергеев",
    "Кузьмин",
    "Фролов",
    "Александров",
    "Дмитриев",
    "Королёв",
    "Гусев",
    "Киселёв",
    "Ильин",
    "Максимов",
    "Поляков",
    "Сорокин",
    "Виноградов",
    "Ковалёв",
    "Белов",
    "Медведев",
    "Антонов",
    "Тарасов",
    "Жуков",
    "Баранов",
    "Филиппов",
    "Комаров",
    "Давыдов",
    "Беляев",
    "Герасимов",
    "Богданов",
    "Осипов",
    "Сидоров",
    "Матвеев",
    "Титов",
    "Марков",
    "Миронов",
    "Крылов",
    "Куликов",
    "Карпов",
    "Власов",
    "Мельников",
    "Денисов",
    "Гаврилов",
    "Тихонов",
    "Казаков",
    "Афанасьев",
    "Данилов",
    "Савельев",
    "Тимофеев",
    "Фомин",
    "Чернов",
    "Абрамов",
    "Мартынов",
    "Ефимов",
    "Федотов",
    "Щербаков",
    "Назаров",
    "Калинин",
    "Исаев",
    "Чернышёв",
    "Быков",
    "Маслов",
]
_SURNAMES_UA = [
    "Шевченко",
    "Коваленко",
    "Бондаренко",
    "Ткаченко",
    "Кравченко",
    "Олійник",
    "Шевчук",
    "Коваль",
    "Поліщук",
    "Бойко",
    "Ткачук",
    "Мельник",
    "Лисенко",
    "Марченко",
    "Руденко",
    "Савченко",
    "Петренко",
    "Мороз",
    "Кравчук",
    "Клименко",
    "Павленко",
    "Левченко",
    "Гончаренко",
    "Козак",
    "Пономаренко",
    "Харченко",
    "Швець",
    "Литвиненко",
    "Костенко",
    "Кузьменко",
    "Присяжнюк",
    "Карпенко",
    "Тимошенко",
    "Гнатюк",
    "Мельничук",
    "Дячук",
]
_MALE = [
    "Александр",
    "Алексей",
    "Андрей",
    "Антон",
    "Артём",
    "Борис",
    "Вадим",
    "Валерий",
    "Василий",
    "Виктор",
    "Виталий",
    "Владимир",
    "Владислав",
    "Геннадий",
    "Георгий",
    "Григорий",
    "Денис",
    "Дмитрий",
    "Евгений",
    "Егор",
    "Иван",
    "Игорь",
    "Кирилл",
    "Константин",
    "Леонид",
    "Максим",
    "Михаил",
    "Николай",
    "Олег",
    "Павел",
    "Пётр",
    "Роман",
    "Руслан",
    "Сергей",
    "Станислав",
    "Степан",
    "Тимур",
    "Фёдор",
    "Юрий",
    "Ярослав",
    "Тарас",
    "Богдан",
    "Олександр",
    "Андрій",
    "Олексій",
    "Дмитро",
    "Сергій",
    "Юрій",
    "Микола",
    "Назар",
    "Остап",
]
_FEMALE = [
    "Александра",
    "Алина",
    "Алла",
    "Анастасия",
    "Анна",
    "Валентина",
    "Валерия",
    "Вера",
    "Виктория",
    "Галина",
    "Дарья",
    "Екатерина",
    "Елена",
    "Елизавета",
    "Жанна",
    "Зоя",
    "Инна",
    "Ирина",
    "Карина",
    "Кристина",
    "Ксения",
    "Лариса",
    "Лидия",
    "Любовь",
    "Людмила",
    "Маргарита",
    "Марина",
    "Мария",
    "Надежда",
    "Наталья",
    "Нина",
    "Оксана",
    "Ольга",
    "Полина",
    "Светлана",
    "София",
    "Тамара",
    "Татьяна",
    "Юлия",
    "Яна",
    "Олена",
    "Наталія",
    "Тетяна",
    "Ірина",
    "Юлія",
    "Ганна",
    "Оксана",
    "Мар'яна",
    "Соломія",
    "Христина",
]
_FATHERS = [
    "Александр",
    "Алексей",
    "Андрей",
    "Борис",
    "Василий",
    "Виктор",
    "Владимир",
    "Геннадий",
    "Дмитрий",
    "Евгений",
    "Иван",
    "Игорь",
    "Михаил",
    "Николай",
    "Олег",
    "Павел",
    "Пётр",
    "Сергей",
    "Юрий",
    "Анатолий",
]
_CITIES = [
    "Москва",
    "Москва",
    "Москва",
    "Санкт-Петербург",
    "Санкт-Петербург",
    "Казань",
    "Новосибирск",
    "Екатеринбург",
    "Самара",
    "Краснодар",
    "Київ",
    "Київ",
    "Харків",
    "Львів",
    "Одеса",
    "Мінськ",
    "Алматы",
]
_DOMAINS = [
    "mail.ru",
    "mail.ru",
    "yandex.ru",
    "gmail.com",
    "gmail.com",
    "bk.ru",
    "inbox.ru",
    "list.ru",
    "rambler.ru",
    "ukr.net",
    "i.ua",
    "meta.ua",
    "tut.by",
    "mail.kz",
    "icloud.com",
    "outlook.com",
]
_TYPO_DOMAINS = ("gmial.com", "yandx.ru", "mail.ry", "gmail.co", "ukr.nte", "mial.ru")
_KINDS = ("звонок", "встреча", "письмо", "сообщение")
# (region, country code, national prefixes of mobile numbers, share of clients)
_PHONE_PLANS = (
    ("RU", "7", ("903", "905", "912", "915", "916", "917", "921", "926", "977", "985", "999"), 60),
    ("UA", "380", ("50", "63", "66", "67", "68", "73", "93", "95", "97", "98"), 25),
    ("BY", "375", ("25", "29", "33", "44"), 8),
    ("KZ", "7", ("701", "702", "705", "707", "747", "771", "775", "777", "778"), 7),
)
_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяієїґ'",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "",
            "y",
            "",
            "e",
            "yu",
            "ya",
            "i",
            "ye",
            "yi",
            "g",
            "",
        ],
        strict=True,
    )
)
_LOOKALIKE = {"о": "o", "е": "e", "а": "a", "с": "c", "р": "p", "х": "x", "у": "y"}

HEADERS_RU = {
    "clients": [
        "ID",
        "ФИО",
        "Телефон",
        "Email",
        "Город",
        "Дата рождения",
        "Согласие на рассылку",
        "Дата добавления",
    ],
    "orders": ["Номер заказа", "Дата", "ID клиента", "Сумма"],
    "interactions": ["Дата", "ID клиента", "Тип"],
}


@dataclass
class DemoLabels:
    problems: set[tuple[int, str]] = field(default_factory=set)
    duplicate_groups: list[tuple[int, ...]] = field(default_factory=list)
    families: list[tuple[int, ...]] = field(default_factory=list)
    gender: dict[int, str] = field(default_factory=dict)


@dataclass
class DemoBase:
    clients: list[list[CellValue]]
    orders: list[list[CellValue]]
    interactions: list[list[CellValue]]
    labels: DemoLabels


def translit(text: str) -> str:
    out = "".join(
        _TRANSLIT.get(ch.lower(), ch.lower()) if ch.isalpha() or ch == "'" else ch for ch in text
    )
    return " ".join(w.capitalize() for w in out.split())


@dataclass
class _Person:
    gender: str
    surname: str
    first: str
    middle: str | None
    e164: str
    region: str
    email: str | None
    city: str
    birthday: dt.date

    @property
    def full(self) -> str:
        return " ".join(p for p in (self.surname, self.first, self.middle) if p)


def _female_surname(surname: str) -> str:
    if surname.endswith(("ов", "ев", "ёв", "ин")):
        return surname + "а"
    if surname.endswith("ий"):
        return surname[:-2] + "ая"
    return surname


def _male_surname(surname: str) -> str:
    if surname.endswith(("ова", "ева", "ёва", "ина")):
        return surname[:-1]
    if surname.endswith("ая"):
        return surname[:-2] + "ий"
    return surname


def _patronymic(father: str, gender: str) -> str:
    base = {"Пётр": "Петр", "Павел": "Павл", "Лев": "Льв"}.get(father, father)
    if base.endswith("й"):
        stem, male, female = base[:-1], "евич", "евна"
    elif base.endswith("ий"):
        stem, male, female = base[:-2], "ьевич", "ьевна"
    elif base.endswith("а"):
        stem, male, female = base[:-1], "ич", "ична"
    else:
        stem, male, female = base, "ович", "овна"
    return stem + (male if gender == "m" else female)


class _Generator:
    def __init__(self, seed: int, as_of: dt.date) -> None:
        self.rng = random.Random(seed)
        self.as_of = as_of
        self.used_phones: set[str] = set()
        self.used_emails: set[str] = set()

    def phone(self) -> tuple[str, str]:
        regions = [p for p in _PHONE_PLANS for _ in range(p[3])]
        while True:
            region, cc, prefixes, _ = self.rng.choice(regions)
            prefix = self.rng.choice(prefixes)
            rest_len = (10 if cc == "7" else 9) - len(prefix)
            national = prefix + "".join(str(self.rng.randrange(10)) for _ in range(rest_len))
            e164 = f"+{cc}{national}"
            if e164 in self.used_phones:
                continue
            if not phonenumbers.is_valid_number(phonenumbers.parse(e164)):
                continue
            self.used_phones.add(e164)
            return e164, region

    def email_for(self, surname: str, first: str) -> str:
        while True:
            local = f"{translit(first)[:1]}.{translit(surname)}".lower().replace(" ", "") + str(
                self.rng.randrange(1, 999)
            )
            local = "".join(ch for ch in local if ch.isalnum() or ch in "._")
            email = f"{local}@{self.rng.choice(_DOMAINS)}"
            if email not in self.used_emails:
                self.used_emails.add(email)
                return email

    def person(self, gender: str | None = None, surname: str | None = None) -> _Person:
        rng = self.rng
        gender = gender or rng.choice("mf")
        ukrainian = rng.random() < 0.3
        base = surname or rng.choice(_SURNAMES_UA if ukrainian else _SURNAMES_RU)
        last = _female_surname(base) if gender == "f" else base
        first = rng.choice(_MALE if gender == "m" else _FEMALE)
        middle = _patronymic(rng.choice(_FATHERS), gender) if rng.random() < 0.7 else None
        e164, region = self.phone()
        email = self.email_for(last, first) if rng.random() < 0.8 else None
        birthday = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 20000))
        return _Person(
            gender, last, first, middle, e164, region, email, rng.choice(_CITIES), birthday
        )


def _shown(e164: str, style: str) -> CellValue:
    """The number as staff type it; ``clean`` is the configured (international) format."""
    number = phonenumbers.parse(e164)
    intl = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    if style == "clean":
        return str(intl)
    national = str(phonenumbers.national_significant_number(number))
    cc = str(number.country_code)
    if style == "national":
        return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL))
    if style == "eight" and cc == "7":
        return f"8 ({national[:3]}) {national[3:6]}-{national[6:8]}-{national[8:]}"
    if style == "digits":
        return cc + national
    if style == "number" and cc == "7":
        return int(cc + national)
    return f"+{cc}{national}"


def generate_base(
    n_clients: int = 400,
    *,
    seed: int = 7,
    as_of: dt.date,
    lang: str = "ru",
    orders_per_client: float = 3.0,
) -> DemoBase:
    """``n_clients`` client rows (duplicates and families included) with orders and contacts."""
    gen = _Generator(seed, as_of)
    rng = gen.rng
    labels = DemoLabels()
    clients: list[list[CellValue]] = [list(HEADERS_RU["clients"])]
    people: dict[int, _Person] = {}
    ids: dict[int, str | None] = {}

    def add(row: list[CellValue], person: _Person, codes: list[str]) -> int:
        clients.append(row)
        sheet_row = len(clients)
        people[sheet_row] = person
        labels.gender[sheet_row] = person.gender
        for code in codes:
            labels.problems.add((sheet_row, code))
        return sheet_row

    next_id = 1
    while len(clients) - 1 < n_clients:
        p = gen.person()
        roll = rng.random()
        codes: list[str] = []
        name: CellValue = p.full
        phone: CellValue = _shown(p.e164, "clean")
        email: CellValue = p.email
        birthday: CellValue = p.birthday if rng.random() < 0.8 else p.birthday.strftime("%d.%m.%Y")
        consent: CellValue = rng.choice(("да", "да", "нет"))
        if rng.random() < 0.15:
            phone = _shown(p.e164, rng.choice(("national", "eight", "digits", "plus", "number")))
            codes.append("phone.fixed")
        if roll < 0.02:
            phone = rng.choice(("8 912 345", "12345", "+7 912 345-67-8", "тел. уточнить"))
            codes = [c for c in codes if not c.startswith("phone")] + ["phone.invalid"]
        elif roll < 0.035 and p.email:
            email = rng.choice(
                (
                    p.email.split("@")[0] + "@mail",
                    p.email.replace("@", "@@"),
                    p.email.replace("@", "."),
                )
            )
            codes.append("email.invalid")
        elif roll < 0.05 and p.email:
            email = p.email.split("@")[0] + "@" + rng.choice(_TYPO_DOMAINS)
            codes.append("email.suspect")
        elif roll < 0.07 and p.email:
            email = p.email.capitalize() + " "
            codes.append("email.fixed")
        elif roll < 0.09:
            name = rng.choice((p.full.lower(), p.full.upper(), p.full.replace(" ", "  ", 1)))
            codes.append("name.fixed")
        elif roll < 0.105:
            letters = [i for i, ch in enumerate(p.surname) if ch in _LOOKALIKE]
            if letters:
                i = rng.choice(letters)
                surname = p.surname[:i] + _LOOKALIKE[p.surname[i]] + p.surname[i + 1 :]
                name = " ".join(x for x in (surname, p.first, p.middle) if x)
                codes.append("name.mixed_scripts")
        elif roll < 0.11:
            name = None
            codes.append("name.missing")
        elif roll < 0.12:
            birthday = rng.choice(("31.02.1990", "abc", "32.01.2000", "1985-13-01"))
            codes.append("date.invalid")
        elif roll < 0.125:
            birthday = rng.choice((dt.date(1890, 5, 5), as_of + dt.timedelta(days=400)))
            codes.append("date.implausible")
        elif roll < 0.135:
            phone, email = None, None
            codes = [c for c in codes if not c.startswith("phone")] + ["contact.missing"]
        elif roll < 0.145:
            consent = rng.choice(("может быть", "?", "не знаю"))
            codes.append("value.not_allowed")
        client_id: str | None = f"C{next_id:06d}"
        next_id += 1
        if rng.random() < 0.01:
            client_id = None
        added = as_of - dt.timedelta(days=rng.randrange(30, 900))
        row = add([client_id, name, phone, email, p.city, birthday, consent, added], p, codes)
        ids[row] = client_id
        extra = rng.random()
        if (
            extra < 0.015
            and len(clients) - 1 < n_clients
            and phone is not None
            and name
            and "phone.invalid" not in codes
        ):
            # duplicate: the same person typed again
            dup_codes: list[str] = []
            variant = rng.choice(("format", "typo", "translit", "order", "short", "email"))
            dup_name: CellValue = p.full
            dup_phone: CellValue = phone
            dup_email: CellValue = email
            dup_e164 = p.e164
            if variant == "format":
                dup_phone = _shown(p.e164, "eight" if p.e164.startswith("+7") else "national")
            elif variant == "typo":
                vowels = [i for i, ch in enumerate(p.first) if ch in "аеиоуя" and i > 1]
                if vowels:
                    i = vowels[0]
                    repl = "е" if p.first[i] != "е" else "и"
                    dup_name = " ".join(
                        x for x in (p.surname, p.first[:i] + repl + p.first[i + 1 :], p.middle) if x
                    )
            elif variant == "translit":
                dup_name = f"{translit(p.surname)} {translit(p.first)}"
            elif variant == "order":
                dup_name = f"{p.first} {p.surname}"
            elif variant == "short":
                dup_name = f"{p.surname} {p.first}"
            elif variant == "email" and p.email:
                dup_e164 = gen.phone()[0]
                dup_phone = _shown(dup_e164, "clean")
                dup_email = p.email.upper()
            if dup_phone != _shown(dup_e164, "clean"):
                dup_codes.append("phone.fixed")
            if isinstance(dup_email, str) and dup_email != p.email:
                if dup_email == email:
                    dup_codes += [c for c in codes if c.startswith("email")]
                else:
                    dup_codes.append("email.fixed")
            dup_row = add(
                [
                    f"C{next_id:06d}",
                    dup_name,
                    dup_phone,
                    dup_email,
                    p.city,
                    p.birthday,
                    "да",
                    as_of - dt.timedelta(days=rng.randrange(1, 29)),
                ],
                p,
                dup_codes,
            )
            ids[dup_row] = f"C{next_id:06d}"
            next_id += 1
            labels.duplicate_groups.append((row, dup_row))
        elif extra < 0.02 and len(clients) - 1 < n_clients and not codes and p.email:
            # a copied row: same ID and values (a copy-paste accident)
            copy_row = add(list(clients[row - 1]), p, [])
            ids[copy_row] = client_id
            labels.problems.update({(copy_row, "id.duplicate"), (row, "id.duplicate")})
            labels.duplicate_groups.append((row, copy_row))
        elif extra < 0.035 and len(clients) - 1 < n_clients and not codes:
            # family: another person on the same phone
            relative = gen.person(
                gender="f" if p.gender == "m" else "m", surname=_male_surname(p.surname)
            )
            fam_row = add(
                [
                    f"C{next_id:06d}",
                    relative.full,
                    phone,
                    relative.email,
                    p.city,
                    relative.birthday,
                    "да",
                    added,
                ],
                relative,
                [],
            )
            ids[fam_row] = f"C{next_id:06d}"
            next_id += 1
            labels.families.append((row, fam_row))
    for group in labels.duplicate_groups:
        for r in group:
            labels.problems.add((r, "duplicate"))
    orders, interactions = _activity(rng, ids, as_of, orders_per_client)
    del lang  # headers are Russian; the config names them
    return DemoBase(clients, orders, interactions, labels)


def _activity(
    rng: random.Random, ids: dict[int, str | None], as_of: dt.date, orders_per_client: float
) -> tuple[list[list[CellValue]], list[list[CellValue]]]:
    orders: list[list[CellValue]] = [list(HEADERS_RU["orders"])]
    interactions: list[list[CellValue]] = [list(HEADERS_RU["interactions"])]
    order_no = 1
    unique = sorted({i for i in ids.values() if i})
    for cid in unique:
        kind = rng.random()
        if kind < 0.2:
            n, gap, amount = 0, 0, 0.0  # never bought
        elif kind < 0.5:
            n, gap, amount = 1, 0, rng.uniform(500, 5000)
        elif kind < 0.8:
            n, gap, amount = rng.randint(2, 4), rng.randint(60, 200), rng.uniform(800, 6000)
        elif kind < 0.97:
            n, gap, amount = rng.randint(5, 12), rng.randint(20, 45), rng.uniform(1000, 8000)
        else:
            n, gap, amount = rng.randint(6, 15), rng.randint(15, 40), rng.uniform(20000, 90000)
        n = round(n * orders_per_client / 3.0)
        day = as_of - dt.timedelta(days=rng.randrange(0, 1000))
        for _ in range(n):
            orders.append([f"З-{order_no:07d}", day, cid, round(amount * rng.uniform(0.5, 1.5), 2)])
            order_no += 1
            day -= dt.timedelta(days=max(1, int(gap * rng.uniform(0.6, 1.4))))
        if rng.random() < 0.01:
            orders.append([f"З-{order_no:07d}", as_of + dt.timedelta(days=5), cid, 1000.0])
            order_no += 1
        if rng.random() < 0.3:
            for _ in range(rng.randint(1, 3)):
                interactions.append(
                    [as_of - dt.timedelta(days=rng.randrange(0, 400)), cid, rng.choice(_KINDS)]
                )
    return orders, interactions


def write_demo_workbook(base: DemoBase, path: str | os.PathLike[str]) -> None:
    """Write the base as an .xlsx (openpyxl, write-only mode: fast and small in memory)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, rows in (
        ("Клиенты", base.clients),
        ("Заказы", base.orders),
        ("Контакты", base.interactions),
    ):
        ws = wb.create_sheet(title)
        ws.freeze_panes = "A2"
        for i, row in enumerate(rows):
            if i == 0:
                cells = []
                for value in row:
                    cell = WriteOnlyCell(ws, value=cast(Any, value))
                    cell.font = bold
                    cells.append(cell)
                ws.append(cells)
            else:
                ws.append([_dated(ws, v) for v in row])
    wb.save(path)


def _dated(ws: object, value: CellValue) -> object:
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, dt.date):
        cell = WriteOnlyCell(ws, value=value)  # type: ignore[arg-type]
        cell.number_format = "DD.MM.YYYY"
        return cell
    return value
