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
        ("8 727 250 12 34", "+77272501234"),  # Almaty landline: +7 7xx is Kazakhstan
        ("+7 701 123 45 67", "+77011234567"),
        ("8 017 123-45-67", "+375171234567"),  # Minsk landline
        ("0 44 123 45 67", "+380441234567"),  # Kyiv landline
        ("380671234567", "+380671234567"),
        ("375291234567", "+375291234567"),
        ("7.9123456789E+10", "+79123456789"),  # a number cell exported as text
        ("79123456789.0", "+79123456789"),
        (7.9123456789e10, "+79123456789"),
        ("8\u00a0912\u00a0345\u201167\u201189", "+79123456789"),  # no-break spaces, dashes
        ("8 – 912 – 345 – 67 – 89", "+79123456789"),  # en dashes from Word
        ("８ ９１２ ３４５ ６７ ８９", "+79123456789"),  # full-width digits
        ("0671234567", "+380671234567"),  # the leading zero is kept
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
        "8 912 345 доб. 12",  # the number before the extension must be valid
        "+1 000 000 0000",
        "доб. 12",
        "тел 8 912 345-67-89",
        "8 9I2 345 67 89",  # Latin I for 1
        "79123456789.5",
        79123456789.5,
        float("nan"),
        True,
        "x" * 30000,
    ],
)
def test_invalid_numbers(raw: object) -> None:
    check = check_phones([raw], REGIONS)[0]
    assert check.normalized is None
    assert [f.code for f in check.findings] == ["phone.invalid"]
    assert check.findings[0].severity == "error"


@pytest.mark.parametrize(
    "raw",
    [
        "8 (912) 345-67-89 доб. 53",
        "8 912 345 67 89, доб. 53",
        "+7 912 345-67-89 ext. 53",
        "8 912 345-67-89 вн. 53",
        "8 912 345-67-89 внутр. 53",
        "8 912 345-67-89 #53",
        "8 912 345-67-89 x53",
        "8\u00a0912\u00a0345-67-89 Доб.53",
    ],
)
def test_a_number_with_an_extension_is_valid_and_keeps_it(raw: str) -> None:
    check = check_phones([raw], REGIONS)[0]
    assert check.normalized == "+79123456789"  # the line itself, for matching
    assert check.display == "+7 912 345-67-89 доб. 53"
    assert [f.code for f in check.findings] == ["phone.fixed"]
    assert check_phones([check.display], REGIONS)[0].findings == ()  # and it stays so


def test_the_extension_marker_follows_the_language() -> None:
    check = check_phones(["067 123 45 67 доб. 5"], ("UA",), lang="uk")[0]
    assert (check.normalized, check.display) == ("+380671234567", "+380 67 123 4567 дод. 5")
    english = check_phones(["8 (777) 907-80-62 доб. 53"], ("KZ",), lang="en")[0]
    assert english.display == "+7 777 907 8062 ext. 53"


def test_empty_cells_are_not_problems() -> None:
    assert [c.findings for c in check_phones([None, "", "   "])] == [(), (), ()]


@pytest.mark.parametrize(
    "raw",
    [
        "8 912 345-67-89, 8 913 111-22-33",
        "8 912 345-67-89; 067 123 45 67",
        "8 912 345-67-89\n+7 913 111 22 33",
        "8 912 345-67-89 или 8 913 111-22-33",
        "8 912 345-67-89, 8 495 123-45-67 доб. 5",  # an office number among them
    ],
)
def test_several_numbers_in_one_cell_keep_the_cell_and_use_the_first(raw: str) -> None:
    check = check_phones([raw], REGIONS)[0]
    assert check.normalized == "+79123456789"
    assert check.display is None  # the second number is not thrown away
    assert [(f.code, f.severity, f.suggestion) for f in check.findings] == [
        ("phone.multiple", "warning", "+7 912 345-67-89")
    ]


def test_foreign_numbers_need_their_plus() -> None:
    with_plus, without = check_phones(["+44 20 7946 0958", "442079460958"], REGIONS)
    assert with_plus.normalized == "+442079460958"
    # without the plus, digits are only read as a configured country's code
    assert without.normalized is None


def test_region_order_decides_ambiguous_national_numbers() -> None:
    # "0 67 ..." is Ukrainian; a BY-first config reads "8 029" as Belarusian either way
    assert check_phones(["067 123 45 67"], ("UA",))[0].normalized == "+380671234567"
    assert check_phones(["067 123 45 67"], ("RU",))[0].normalized is None


def test_fast_path_agrees_with_a_full_parse_on_random_numbers() -> None:
    rng = random.Random(7)
    values = [
        rng.choice(["8", "+7", "7", "0", "+380", "380", "+375", "375", "8 0", "", "00380", "87"])
        + "".join(str(rng.randrange(10)) for _ in range(rng.choice([7, 8, 9, 10, 11])))
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


@given(
    st.sampled_from(["8", "+7 ", "7", "", "(8", "+7-"]),
    st.integers(min_value=900_000_0000, max_value=999_999_9999),
    st.sampled_from(["e164", "international", "national"]),
)
def test_any_typed_mobile_number_reaches_a_fixed_point(prefix: str, rest: int, fmt: str) -> None:
    first = check_phones([f"{prefix}{rest}"], REGIONS, fmt)[0]  # type: ignore[arg-type]
    if first.normalized is None:
        return
    written = first.display or f"{prefix}{rest}"
    again = check_phones([written], REGIONS, fmt)[0]  # type: ignore[arg-type]
    assert again.normalized == first.normalized and again.findings == ()


@given(st.one_of(st.text(max_size=60), st.integers(), st.floats(), st.none()))
def test_a_valid_verdict_is_always_e164(value: object) -> None:
    check = check_phones([value])[0]
    assert check.normalized is None or str(check.normalized).startswith("+")


@given(st.text(alphabet="0123456789 ()+-.\u00a0\u2013\u2212\t\n\uff17e,аб", max_size=24))
def test_plain_cells_skip_normalising_and_read_the_same(text: str) -> None:
    """A cell of digits, spaces and ( ) + - . takes a shortcut past the normalisation; any
    text reads as the full normalisation (full-width digits, odd spaces and dashes) reads it."""
    import re
    import unicodedata

    from validators.phone import _digits_text

    def normalised(value: str) -> str | None:
        t = unicodedata.normalize("NFKC", value) if not value.isascii() else value
        t = re.sub(r"[\u2010-\u2015\u2212]", "-", re.sub(r"[^\S\n]", " ", t)).strip()
        if re.match(r"^[0-9]+\.0+$|^[0-9](?:[.,][0-9]+)?[eE]\+?[0-9]{1,2}$", t):
            number = float(t.replace(",", "."))
            if number.is_integer() and number < 1e16:
                return str(int(number))
        return t

    assert _digits_text(text) == normalised(text)


@given(
    st.sampled_from(["8 (912) ", "+7 912 ", "8912", "+7 (912) "]),
    st.integers(0, 9_999_999),
    st.sampled_from(["доб.", "доб", "ext.", "вн.", "внутр.", "#", "x", ", доб."]),
    st.integers(1, 99_999),
    st.sampled_from(["ru", "uk", "en"]),
)
def test_any_number_with_an_extension_reaches_a_fixed_point(
    prefix: str, rest: int, mark: str, ext: int, lang: str
) -> None:
    check = check_phones([f"{prefix}{rest:07d} {mark} {ext}"], REGIONS, lang=lang)[0]
    assert check.normalized == f"+7912{rest:07d}"  # the line itself, without the extension
    assert check.display is not None and check.display.endswith(f" {ext}")
    assert check_phones([check.display], REGIONS, lang=lang)[0].findings == ()
