"""Names: spaces, capitals, and Latin look-alike letters in Cyrillic words."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from validators.name import check_names


@pytest.mark.parametrize(
    "raw",
    [
        "Иванов Иван Петрович",
        "Шевченко Оксана Іванівна",
        "Мар'яна Шевчук",
        "Римский-Корсаков Николай",
        "Anna Smith",
        "Ivanov Ivan",
        "Анна Smith",
        "МакДональд Пётр",
    ],
)
def test_tidy_names_are_clean(raw: str) -> None:
    assert check_names([raw])[0].findings == ()


@pytest.mark.parametrize(
    ("raw", "tidy"),
    [
        ("иванов  иван", "Иванов Иван"),
        ("ИВАНОВ ИВАН", "Иванов Иван"),
        (" петрова анна ", "Петрова Анна"),
        ("римский-корсаков", "Римский-Корсаков"),
    ],
)
def test_spaces_and_capitals_are_fixed(raw: str, tidy: str) -> None:
    check = check_names([raw])[0]
    assert [(f.code, f.suggestion) for f in check.findings] == [("name.fixed", tidy)]


@pytest.mark.parametrize(
    ("raw", "repaired"),
    [
        ("Иванoв Иван", "Иванов Иван"),  # Latin o
        ("Пeтров Пётр", "Петров Пётр"),  # Latin e
        ("CЕРГЕЙ", "Сергей"),  # Latin C, all caps
        ("Олeксій", "Олексій"),  # Ukrainian word
        ("Ivаnov", "Ivanov"),  # Cyrillic а in a Latin word
    ],
)
def test_look_alike_letters_are_found_and_repaired(raw: str, repaired: str) -> None:
    check = check_names([raw])[0]
    assert [(f.code, f.severity, f.suggestion) for f in check.findings] == [
        ("name.mixed_scripts", "warning", repaired)
    ]
    assert check.normalized == repaired


@pytest.mark.parametrize("raw", ["Иван123", "???", "Иван 😀", 5])
def test_digits_and_symbols(raw: object) -> None:
    assert check_names([raw])[0].findings[0].code == "name.invalid"


@given(
    st.text(
        alphabet="абвгдеёжзиклмнопрстуфхцчшщыэюяАБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЩЭЮЯ -'",
        min_size=1,
        max_size=40,
    )
)
def test_normalising_a_normalised_name_changes_nothing(text: str) -> None:
    first = check_names([text])[0]
    if not isinstance(first.normalized, str) or any(
        f.code == "name.invalid" for f in first.findings
    ):
        return
    again = check_names([first.normalized])[0]
    assert again.normalized == first.normalized and again.findings == ()
