"""Names: spaces, capitals, and Latin look-alike letters in Cyrillic words."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from validators.name import check_names, split_full_name


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
        "Мар’яна Шевчук",
        "В'ячеслав Ковальчук",
        "О'Коннор Патрик",
        "Иванов И.П.",
        "Иванов И. П.",
        "Їжакевич Ґанна Євгенівна",
        "Алёна Сёмина",
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
        ("иванов  пётр", "Иванов Пётр"),
        ("МАР'ЯНА", "Мар'яна"),
        ("в'ячеслав", "В'ячеслав"),
        ("о'коннор", "О'Коннор"),
        ("иванов и.п.", "Иванов И.П."),
        ("ШЕВЧЕНКО ТАРАС ГРИГОРОВИЧ", "Шевченко Тарас Григорович"),
        ("Иванов\u00a0Иван", "Иванов Иван"),  # no-break space from a web form
        ("Йоган".replace("Й", "И\u0306"), "Йоган"),  # й as и + combining breve (macOS)
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
        ("Василь Петрiв", "Василь Петрів"),  # Latin i in a Ukrainian word → і
        ("Рыбiн", "Рыбин"),  # ... but и in a word that only Russian spells with ы / э / ё
        ("иванoв иван", "Иванов Иван"),  # repaired and tidied at once
        ("Аnna Smith", "Anna Smith"),  # Cyrillic А at the start of a Latin name
    ],
)
def test_look_alike_letters_are_found_and_repaired(raw: str, repaired: str) -> None:
    check = check_names([raw])[0]
    assert [(f.code, f.severity, f.suggestion) for f in check.findings] == [
        ("name.mixed_scripts", "warning", repaired)
    ]
    assert check.normalized == repaired


@pytest.mark.parametrize(
    "raw", ["Иван123", "???", "Иван 😀", "Петров (VIP)", "Иван\x00", "=HYPERLINK()", 5, True]
)
def test_digits_and_symbols(raw: object) -> None:
    check = check_names([raw])[0]
    assert [(f.code, f.severity) for f in check.findings] == [("name.invalid", "warning")]


@pytest.mark.parametrize(
    ("raw", "parts"),
    [
        ("Иванов Иван Петрович", ("Иванов", "Иван", "Петрович")),
        ("шевченко оксана іванівна", ("Шевченко", "Оксана", "Іванівна")),
        ("Петрова Анна Ильинична", ("Петрова", "Анна", "Ильинична")),
        ("Иван Петрович Сидоров", ("Сидоров", "Иван", "Петрович")),
        ("Мамедов Ильхам Гейдар оглы", ("Мамедов", "Ильхам", "Гейдар Оглы")),
        ("Иван Петров", ("Петров", "Иван", None)),
        ("Петров Иван", ("Петров", "Иван", None)),
        ("Петрова Ирина", ("Петрова", "Ирина", None)),
        ("Ирина Пушкина", ("Пушкина", "Ирина", None)),
        ("Оксана Шевчук", ("Шевчук", "Оксана", None)),
        ("Anna Smith", ("Smith", "Anna", None)),
        ("Иван Ильич", (None, "Иван", "Ильич")),
        ("Анна", (None, "Анна", None)),
        ("Коваленко", ("Коваленко", None, None)),
        ("  ", (None, None, None)),
    ],
)
def test_split_full_name(raw: str, parts: tuple[str | None, ...]) -> None:
    assert split_full_name(raw) == parts


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


@given(st.text(alphabet="аеорсхуіaeopcxyiАВЕКМНОРСТХAEKMHOPCTXIЫё '-", min_size=1, max_size=30))
def test_repaired_names_are_clean_on_the_next_pass(text: str) -> None:
    first = check_names([text])[0]
    if not isinstance(first.normalized, str):
        return
    again = check_names([first.normalized])[0]
    assert again.normalized == first.normalized
    assert [f.code for f in again.findings if f.code != "name.mixed_scripts"] == []


@given(
    st.lists(
        st.text(
            alphabet="иванпетрсоїґ'’-.ИВАНПЕТРСОЇaeopcxyiAEKMHOPCTXIЫё Ddl\u0306\u00a0\t1",
            max_size=12,
        ),
        max_size=4,
    ).map(" ".join)
)
def test_verdicts_from_remembered_words_are_the_full_checks(text: str) -> None:
    """The per-word shortcut gives exactly the verdict of the full check, on any text and
    whichever words an earlier value left in memory."""
    from validators.name import _check_one, _check_plain

    assert _check_one(text) == _check_plain(text)
    assert _check_one(text) == _check_plain(text)  # the second time from remembered words
