"""Transliteration keys: the spellings of one name that staff and clients type give one key."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.core.translit import fold, is_patronymic, name_key, name_tokens


@pytest.mark.parametrize(
    "spellings",
    [
        pytest.param(["Иванов", "Ivanov", "IVANOV"], id="plain"),
        pytest.param(["Щербаков", "Shcherbakov", "Scherbakov", "Sherbakov"], id="shch"),
        pytest.param(["Олексій", "Oleksii", "Oleksiy", "Oleksij"], id="ukrainian-i"),
        pytest.param(["Олексій", "Алексей", "Aleksei", "Alexey"], id="ukrainian-form"),
        pytest.param(["Олена", "Елена", "Olena", "Elena"], id="olena"),
        pytest.param(["Микола", "Николай", "Mykola", "Nikolay"], id="mykola"),
        pytest.param(["Алёна", "Алена", "Alena", "Alyona"], id="yo"),
        pytest.param(["Дмитрий", "Dmitriy", "Dmitrii", "Dmitry"], id="final-y"),
        pytest.param(["Юлия", "Yulia", "Yuliya", "Julia", "Iuliia"], id="yu-ya"),
        pytest.param(["Хомяков", "Khomyakov", "Homiakov"], id="kh"),
        pytest.param(["Цветкова", "Tsvetkova", "Cvetkova"], id="ts"),
        pytest.param(["Мария", "Марья", "Maria", "Mariya"], id="soft-sign"),
        pytest.param(["Наталья", "Наталия", "Natalia", "Nataliya"], id="natalia"),
        pytest.param(["Григорьев", "Grigoriev", "Grigor'ev", "Grigorjev"], id="apostrophe"),
        pytest.param(["Иванoв", "Иванов"], id="latin-o-inside-cyrillic"),
        pytest.param(["Анна", "Ana", "Anna"], id="doubled-letters"),
    ],
)
def test_spellings_of_one_name_share_a_key(spellings: list[str]) -> None:
    assert len({fold(s) for s in spellings}) == 1, [fold(s) for s in spellings]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Иванов", "Иванова"),  # the key keeps gender: relatives must stay apart
        ("Ирина", "Марина"),
        ("Алексей", "Александр"),
        ("Юрий", "Юлий"),
    ],
)
def test_different_names_keep_different_keys(a: str, b: str) -> None:
    assert fold(a) != fold(b)


@pytest.mark.parametrize(
    "names",
    [
        ["Иванова Мария Петровна", "Мария Иванова", "Ivanova Mariya", "Maria Ivanova"],
        ["Ткаченко Олексій Іванович", "Oleksii Tkachenko", "Ткаченко Олексій"],
        ["Петров-Водкин Кузьма Сергеевич", "Кузьма Петров-Водкин"],
    ],
)
def test_name_key_ignores_order_and_patronymic(names: list[str]) -> None:
    assert len({name_key(n) for n in names}) == 1


def test_name_tokens_are_word_order_insensitive() -> None:
    assert name_tokens("Иванов Иван") == name_tokens("Ivan Ivanov") == ("ivan", "ivanov")


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("Петрович", True),
        ("Петровна", True),
        ("Олексіївна", True),
        ("Ильинична", True),
        ("Ильич", True),
        ("Иванова", False),
        ("Мария", False),
    ],
)
def test_patronymics_are_recognised_after_folding(word: str, expected: bool) -> None:
    assert is_patronymic(fold(word)) is expected


_NAME_TEXT = st.text(
    alphabet=st.sampled_from(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяієїґ'’- abcdefghijklmnopqrstuvwxyzАБЯ"
    ),
    max_size=30,
)


@given(_NAME_TEXT)
def test_fold_is_a_plain_latin_key_and_idempotent(text: str) -> None:
    key = fold(text)
    assert all(ch == " " or "a" <= ch <= "z" for ch in key)
    assert fold(key) == key
    assert key == key.strip() and "  " not in key


@given(st.lists(_NAME_TEXT.filter(lambda w: w.strip() != ""), min_size=1, max_size=4), st.randoms())
def test_name_key_does_not_depend_on_word_order(words: list[str], rnd: object) -> None:
    shuffled = list(words)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert name_key(" ".join(words)) == name_key(" ".join(shuffled))
