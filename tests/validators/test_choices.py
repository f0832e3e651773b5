"""Consent, configured choices and money amounts."""

from __future__ import annotations

import pytest

from validators.choices import check_amounts, check_choices, check_consent


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("да", True),
        ("Нет", False),
        ("так", True),
        ("ні", False),
        ("yes", True),
        ("NO", False),
        (1, True),
        (0, False),
        ("✓", True),
        (True, True),
        ("  Да ", True),
        ("согласен", True),
    ],
)
def test_consent_answers(raw: object, value: bool) -> None:
    check = check_consent([raw])[0]
    assert check.normalized is value and check.findings == ()


@pytest.mark.parametrize("raw", ["может быть", "?", 2, "не знаю"])
def test_unclear_consent_is_not_allowed(raw: object) -> None:
    assert check_consent([raw])[0].findings[0].code == "value.not_allowed"


def test_choices_match_case_insensitively_and_suggest_the_closest() -> None:
    ok, typo, other = check_choices(["Звонок ", "звонак", "телепатия"], ["звонок", "встреча"])
    assert ok.normalized == "звонок" and ok.findings == ()
    assert typo.findings[0].code == "value.not_allowed" and typo.findings[0].suggestion == "звонок"
    assert other.findings[0].suggestion is None


@pytest.mark.parametrize(
    ("raw", "amount"),
    [
        ("1 200,50", 1200.5),
        ("1200.5 ₽", 1200.5),
        ("1 200 грн", 1200.0),
        (5, 5.0),
        ("-300", -300.0),
        ("1,200.50", 1200.5),
        ("1\u00a0200", 1200.0),
    ],
)
def test_amounts(raw: object, amount: float) -> None:
    assert check_amounts([raw])[0].normalized == amount


@pytest.mark.parametrize("raw", ["abc", "12 руб 50 коп", True])
def test_not_amounts(raw: object) -> None:
    assert check_amounts([raw])[0].findings[0].code == "number.invalid"
