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
        ("згоден", True),
        ("Так.", True),
        ("✔", True),
        ("+", True),
        ("-", False),
        ("TRUE", True),
        ("false", False),
        ("y", True),
        ("N", False),
        ("д", True),
        ("н", False),
        (1.0, True),
        (0.0, False),
        (False, False),
    ],
)
def test_consent_answers(raw: object, value: bool) -> None:
    check = check_consent([raw])[0]
    assert check.normalized is value and check.findings == ()


@pytest.mark.parametrize("raw", ["может быть", "?", 2, "не знаю", 0.5, float("nan")])
def test_unclear_consent_is_not_allowed(raw: object) -> None:
    assert check_consent([raw])[0].findings[0].code == "value.not_allowed"


def test_choices_match_case_insensitively_and_suggest_the_closest() -> None:
    allowed = ["Звонок", "Встреча", "Письмо"]
    ok, spaced, typo, other = check_choices(
        ["звонок", "  ВСТРЕЧА ", "звонак", "телепатия"], allowed
    )
    assert (ok.normalized, ok.findings) == ("Звонок", ())  # the canonical spelling, no finding
    assert (spaced.normalized, spaced.findings) == ("Встреча", ())
    assert [(f.code, f.severity, f.suggestion) for f in typo.findings] == [
        ("value.not_allowed", "warning", "Звонок")
    ]
    assert other.normalized is None and other.findings[0].suggestion is None


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
        ("1\u202f200,50\u00a0₽", 1200.5),
        ("1.200,50", 1200.5),  # European style
        ("1,200,000", 1200000.0),
        ("−300 грн", -300.0),  # a Unicode minus: a return
        (-300, -300.0),
        ("$15.99", 15.99),
        ("1500 руб.", 1500.0),
        (1200.5, 1200.5),
    ],
)
def test_amounts(raw: object, amount: float) -> None:
    assert check_amounts([raw])[0].normalized == amount


@pytest.mark.parametrize(
    "raw", ["abc", "12 руб 50 коп", True, "12,5,5", "1.2.3", "1e5", float("inf"), "-"]
)
def test_not_amounts(raw: object) -> None:
    assert check_amounts([raw])[0].findings[0].code == "number.invalid"


def test_repeated_amounts_share_a_verdict_but_keep_their_own_sign_and_type() -> None:
    import math

    from validators.choices import check_amounts

    checks = check_amounts([1500.0, -0.0, 0.0, 1500.0, 1500, -1500.0, float("inf")])
    values = [c.normalized for c in checks]
    assert values[:6] == [1500.0, 0.0, 0.0, 1500.0, 1500.0, -1500.0]
    assert all(type(v) is float for v in values[:6])
    assert math.copysign(1, values[1]) == -1 and math.copysign(1, values[2]) == 1
    assert checks[0] is checks[3]  # one verdict object for a repeated price
    assert values[6] is None and checks[6].findings[0].code == "number.invalid"
