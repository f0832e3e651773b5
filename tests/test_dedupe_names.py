"""Duplicates people really make with Russian and Ukrainian names, and the people who only
look alike: diminutives, initials, look-alike letters, transliteration, a married name, an
office line with extensions; families, colleagues and twins stay apart."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest

from sync.core.dedupe import DedupeResult, FieldKind, find_duplicates
from sync.core.messages import duplicate_why
from sync.core.translit import fold, gender_of, name_forms, same_first_name
from validators.email import check_emails
from validators.name import check_names
from validators.phone import check_phones

KINDS: dict[str, FieldKind] = {"name": "full_name", "phone": "phone", "email": "email",
                               "birthday": "date"}  # fmt: skip
Client = tuple[str | None, str | None, str | None, dt.date | None]
P1, P2 = "+7 912 345-67-89", "+7 916 111-22-33"
DAY, OTHER_DAY = dt.date(1985, 3, 14), dt.date(1961, 7, 2)


def run(people: Sequence[Client]) -> DedupeResult:
    """As a pass does it: each column through its validator, the normalised values to the
    duplicate search."""
    regions = ("RU", "UA", "BY", "KZ")
    fields: dict[str, list[object]] = {
        "name": [c.normalized for c in check_names([p[0] for p in people])],
        "phone": [c.normalized for c in check_phones([p[1] for p in people], regions)],
        "email": [c.normalized for c in check_emails([p[2] for p in people])],
        "birthday": [p[3] for p in people],
    }
    return find_duplicates(list(range(2, len(people) + 2)), fields, KINDS)


def groups(people: Sequence[Client]) -> list[tuple[int, ...]]:
    return [g.rows for g in run(people).groups]


@pytest.mark.parametrize(
    ("full", "short"),
    [
        ("Иванова Татьяна Петровна", "Иванова Таня"),
        ("Иванова Александра Петровна", "Иванова Саша"),
        ("Иванов Александр Петрович", "Иванов Саша"),
        ("Иванова Анастасия Петровна", "Настя Иванова"),
        ("Иванова Ольга Петровна", "Иванова Оля"),
        ("Иванов Евгений Петрович", "Иванов Женя"),
        ("Иванова Евгения Петровна", "Иванова Женя"),
        ("Шевченко Олександр Петрович", "Шевченко Олесь"),
        ("Шевченко Олександр Петрович", "Шевченко Сашко"),
        ("Шевченко Тетяна Петрівна", "Шевченко Таня"),
        ("Шевченко Тетяна Петрівна", "Шевченко Татьяна"),  # Ukrainian and Russian form
    ],
)
def test_a_short_form_of_the_first_name_is_the_same_person(full: str, short: str) -> None:
    assert groups([(full, P1, None, DAY), (short, P1, None, None)]) == [(2, 3)]


def test_a_short_form_is_read_for_the_gender_the_row_shows() -> None:
    """Саша is Александр or Александра; next to Петров it is Александр, Пётр's son, and not
    his daughter Александра on the same home phone."""
    assert name_forms(fold("Саша")) == {fold("Александр"), fold("Александра")}
    assert name_forms(fold("Саша"), gender_of(fold("Петров"), None)) == {fold("Александр")}
    assert not same_first_name(fold("Александр"), fold("Александра"), None, None)
    people: list[Client] = [("Петрова Александра Петровна", P1, None, DAY),
                            ("Петров Саша", P1, None, None)]  # fmt: skip
    assert groups(people) == []
    assert run(people).shared_phones == [(2, 3)]


def test_twins_stay_apart_even_when_one_is_typed_short() -> None:
    """One surname, patronymic, birthday and phone; Таня is Татьяна, never her sister."""
    people: list[Client] = [
        ("Иванова Татьяна Петровна", P1, None, DAY),
        ("Иванова Анастасия Петровна", P1, None, DAY),
        ("Иванова Таня", P1, None, DAY),
        ("Иванов Александр Петрович", P1, None, DAY),
        ("Иванова Александра Петровна", P1, None, DAY),
    ]
    assert groups(people) == [(2, 4)]


def test_initials_with_the_same_phone_and_email_are_the_same_person() -> None:
    for short in ("Петров П. С.", "Петров П.С.", "П. С. Петров"):
        people: list[Client] = [("Петров Пётр Сергеевич", P1, "petrov@mail.ru", None),
                                (short, P1, "petrov@mail.ru", None)]  # fmt: skip
        assert groups(people) == [(2, 3)], short


def test_initials_that_do_not_fit_or_a_phone_alone_keep_people_apart() -> None:
    assert groups([("Петров Пётр Сергеевич", P1, "petrov@mail.ru", None),
                   ("Петров А. С.", P1, "petrov@mail.ru", None)]) == []  # fmt: skip
    assert groups([("Петров Пётр Сергеевич", P1, None, None),
                   ("Петров П. И.", P1, None, None)]) == []  # fmt: skip
    # a son on his father's phone could be "Петров П." too: a phone alone is not enough
    assert groups([("Петров Пётр Сергеевич", P1, None, None), ("Петров П.", P1, None, None)]) == []


def test_latin_look_alike_letters_in_a_name_match_its_clean_spelling() -> None:
    people: list[Client] = [("Емельянова Лариса", P1, "larisa.e@mail.ru", DAY),
                            ("Емельянoва Лapиca", P1, "larisa.e@mail.ru", DAY)]  # fmt: skip
    assert groups(people) == [(2, 3)]
    raw: dict[str, list[object]] = {
        "name": [p[0] for p in people], "phone": [P1, P1], "email": [None, None],
        "birthday": [DAY, DAY],
    }  # fmt: skip
    assert [g.rows for g in find_duplicates([2, 3], raw, KINDS).groups] == [(2, 3)]


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [
        ("Мельник Ольга Юріївна", "Melnyk Olha"),  # Ukrainian national table (2010)
        ("Бондаренко Ігор Анатолійович", "Bondarenko Ihor"),
        ("Шевченко Григорій Іванович", "Shevchenko Hryhorii"),
        ("Громов Михаил Николаевич", "Gromov Mixail"),  # GOST 7.79 B
        ("Щукин Юрий Петрович", "Shhukin Yurij"),
        ("Цветков Юрий Петрович", "Czvetkov Yurij"),
        ("Щукин Юрий Петрович", "Shchukin Iurii"),  # passport (ICAO)
    ],
)
def test_a_transliterated_name_is_the_same_person(cyrillic: str, latin: str) -> None:
    assert groups([(cyrillic, P1, None, DAY), (latin, P1, None, None)]) == [(2, 3)]


def test_a_married_name_with_the_same_first_name_patronymic_birthday_and_email() -> None:
    people: list[Client] = [("Иванова Мария Петровна", P1, "maria.i@mail.ru", DAY),
                            ("Сидорова Мария Петровна", P2, "maria.i@mail.ru", DAY)]  # fmt: skip
    assert groups(people) == [(2, 3)]


def test_a_mother_and_daughter_in_law_of_one_name_on_one_phone_stay_apart() -> None:
    people: list[Client] = [("Иванова Мария Петровна", P1, None, DAY),
                            ("Сидорова Мария Петровна", P1, None, OTHER_DAY)]  # fmt: skip
    assert groups(people) == []


def test_a_new_phone_with_the_same_email_is_the_same_person() -> None:
    people: list[Client] = [("Иванова Мария Петровна", P1, "maria.i@mail.ru", DAY),
                            ("Иванова Мария", P2, "MARIA.I@mail.ru", None)]  # fmt: skip
    assert groups(people) == [(2, 3)]


def test_a_number_with_an_extension_is_shared_with_its_duplicate() -> None:
    people: list[Client] = [("Иванова Мария Петровна", "8 (777) 907-80-62 доб. 53", None, DAY),
                            ("Иванова Мария", "+7 777 907 8062 доб. 53", None, None)]  # fmt: skip
    assert groups(people) == [(2, 3)]


def test_colleagues_on_one_office_line_are_shared_never_duplicates() -> None:
    office = "+7 495 123-45-67"
    people: list[Client] = [
        ("Иванова Мария Петровна", f"{office} доб. 101", None, None),
        ("Петров Сергей Иванович", f"{office} ext. 102", None, None),
        ("Сидоров Сергей Олегович", f"{office} вн. 103", None, None),
        ("Кузнецова Ольга", f"{office} #104", None, None),
        ("Смирнов Андрей", office, None, None),
    ]
    result = run(people)
    assert result.groups == []
    assert result.shared_phones == [(2, 3, 4, 5, 6)]


def test_a_look_alike_letter_in_an_email_still_links_the_rows() -> None:
    people: list[Client] = [("Хохлов Олег Петрович", P1, "oleg.khokhlov@yandex.ru", DAY),
                            ("Хохлов Олег", P2, "oleg.кhokhlov@yandex.ru", None)]  # fmt: skip
    assert groups(people) == [(2, 3)]


def test_the_note_says_why_in_plain_words_in_the_configured_language() -> None:
    people: list[Client] = [("Иванова Таня", P1, "tania.i@mail.ru", DAY),
                            ("Иванова Татьяна Петровна", P1, "tania.i@mail.ru", DAY)]  # fmt: skip
    (group,) = run(people).groups
    assert duplicate_why(group.reasons, group.why, "ru") == (
        "тот же телефон и email; Таня ≈ Татьяна; дата рождения совпадает; "
        "другой человек, если отличается отчество"
    )
    assert duplicate_why(group.reasons, group.why, "en") == (
        "same phone and email; Таня ≈ Татьяна; same birthday; "
        "a different person if the patronymic differs"
    )
    married: list[Client] = [("Иванова Мария Петровна", P1, "maria.i@mail.ru", DAY),
                             ("Сидорова Мария Петровна", P2, "maria.i@mail.ru", DAY)]  # fmt: skip
    (group,) = run(married).groups
    assert duplicate_why(group.reasons, group.why, "uk") == (
        "той самий email; прізвище інше (змінилося після шлюбу?); дата народження збігається"
    )
    initials: list[Client] = [("Петров Пётр Сергеевич", P1, "petrov@mail.ru", None),
                              ("Петров П. С.", P1, "petrov@mail.ru", None)]  # fmt: skip
    (group,) = run(initials).groups
    assert duplicate_why(group.reasons, group.why, "ru") == (
        "тот же телефон и email; инициалы подходят к имени и отчеству; "
        "другой человек, если отличается дата рождения"
    )


def test_a_son_named_after_his_father_on_the_family_phone_is_another_person() -> None:
    people: list[Client] = [("Иванов Иван Иванович", P1, None, dt.date(1961, 7, 2)),
                            ("Иванов Иван Иванович", P1, None, dt.date(1988, 2, 11))]  # fmt: skip
    assert groups(people) == []
    assert run(people).shared_phones == [(2, 3)]


def test_a_slip_in_the_birth_year_is_still_the_same_person() -> None:
    for typed in (dt.date(1958, 7, 2), dt.date(1985, 2, 7), dt.date(1986, 7, 2)):
        people: list[Client] = [("Иванов Иван Иванович", P1, None, dt.date(1985, 7, 2)),
                                ("Иванов Иван Иванович", P1, None, typed)]  # fmt: skip
        assert groups(people) == [(2, 3)], typed


def test_twins_whose_surname_looks_like_a_first_name_stay_apart() -> None:
    """Кириллов Кирилл is not "Кириллов Дмитрий typed the other way round": both rows have
    a patronymic, which places the words."""
    people: list[Client] = [("Кириллов Дмитрий Александрович", P1, None, DAY),
                            ("Кириллов Кирилл Александрович", P1, None, DAY)]  # fmt: skip
    assert groups(people) == []
