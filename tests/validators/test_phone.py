"""Phones as staff type them in RU / UA / BY / KZ."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from validators.phone import check_phones, format_phone, parse_phone

REGIONS = ("RU", "UA", "BY", "KZ")


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("8 (912) 345-67-89", "+79123456789"),
        ("+7 (912) 345-67-89", "+79123456789"),
        ("912 345 67 89", "+79123456789"),
        ("89123456789", "+79123456789"),
        ("79123456789", "+79123456789"),
        (79123456789, "+79123456789"),
        (79123456789.0, "+79123456789"),
        ("067 123 45 67", "+380671234567"),
        ("+380 67 123 4567", "+380671234567"),
        ("00380671234567", "+380671234567"),
        ("8 029 123-45-67", "+375291234567"),
        ("+375 29 123-45-67", "+375291234567"),
        ("8 701 123 45 67", "+77011234567"),
        ("+7 (495) 123-45-67", "+74951234567"),
    ],
)
def test_valid_numbers_in_any_configured_form(raw: object, e164: str) -> None:
    check = check_phones([raw], REGIONS)[0]
    assert check.normalized == e164
    shown = format_phone(e164, "international")
    if raw == shown:
        assert check.findings == ()
    else:
        assert [(f.code, f.suggestion) for f in check.findings] == [("phone.fixed", shown)]


def test_number_already_in_the_configured_format_is_clean() -> None:
    assert check_phones(["+7 912 345-67-89"])[0].findings == ()
    assert check_phones(["+79123456789"], fmt="e164")[0].findings == ()
    assert check_phones(["8 (912) 345-67-89"], fmt="national")[0].findings == ()


@pytest.mark.parametrize(
    "raw",
    [
        "12345",
        "8 912 345",
        "+7 912 345-67-8",
        "тел. уточнить",
        "8 912 345 67 89 доб. 12",
        "+1 000 000 0000",
        True,
        "x" * 30000,
    ],
)
def test_invalid_numbers(raw: object) -> None:
    check = check_phones([raw], REGIONS)[0]
    assert check.normalized is None
    assert [f.code for f in check.findings] == ["phone.invalid"]
    assert check.findings[0].severity == "error"


def test_empty_cells_are_not_problems() -> None:
    assert [c.findings for c in check_phones([None, "", "   "])] == [(), (), ()]


def test_several_numbers_in_one_cell_use_the_first() -> None:
    check = check_phones(["8 912 345-67-89, 8 913 111-22-33"])[0]
    assert check.normalized == "+79123456789"
    assert check.findings[0].code == "phone.multiple"


def test_region_order_decides_ambiguous_national_numbers() -> None:
    # "0 67 ..." is Ukrainian; a BY-first config reads "8 029" as Belarusian either way
    assert check_phones(["067 123 45 67"], ("UA",))[0].normalized == "+380671234567"
    assert check_phones(["067 123 45 67"], ("RU",))[0].normalized is None


def test_fast_path_agrees_with_a_full_parse_on_random_numbers() -> None:
    rng = random.Random(7)
    values = [
        rng.choice(["8", "+7", "7", "0", "+380", "+375", "8 0", "", "00380"])
        + "".join(str(rng.randrange(10)) for _ in range(rng.choice([9, 10, 11])))
        for _ in range(5000)
    ]
    checks = check_phones(values, REGIONS)
    for value, check in zip(values, checks, strict=True):
        assert check.normalized == parse_phone(value, REGIONS), value


@given(
    st.sampled_from(
        ["+79123456789", "+380671234567", "+375291234567", "+77011234567", "+74951234567"]
    ),
    st.sampled_from(["e164", "international", "national"]),
)
def test_normalising_a_normalised_number_changes_nothing(e164: str, fmt: str) -> None:
    shown = format_phone(e164, fmt)  # type: ignore[arg-type]
    again = check_phones([shown], REGIONS, fmt)[0]  # type: ignore[arg-type]
    assert again.normalized == e164 and again.findings == ()


@given(st.one_of(st.text(max_size=60), st.integers(), st.floats(), st.none()))
def test_no_input_raises(value: object) -> None:
    check = check_phones([value])[0]
    assert check.normalized is None or check.normalized.startswith("+")
