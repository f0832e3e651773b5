"""The marketer's rule language: precedence, types, empty values, and every error message."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.core.rules import RuleError, Type, compile_rule
from sync.errors import ConfigError

SCHEMA: dict[str, Type] = {
    "revenue": "number",
    "orders": "number",
    "age": "number",
    "city": "string",
    "gender": "string",
    "flags": "list",
    "last_order": "date",
    "birthday": "date",
    "days_since_last_order": "number",
    "vip": "bool",
}


def ok(text: str, **record: object) -> bool:
    return compile_rule("r", text, SCHEMA).matches(record)


@pytest.mark.parametrize(
    ("text", "record", "expected"),
    [
        (
            'revenue >= 50000 and city == "Москва" and age between 30 and 45',
            {"revenue": 50000.0, "city": "москва", "age": 45},
            True,
        ),
        (
            'revenue >= 50000 and city == "Москва" and age between 30 and 45',
            {"revenue": 50000.0, "city": "Москва", "age": 46},
            False,
        ),
        (
            "orders >= 2 and days_since_last_order > 120",
            {"orders": 2, "days_since_last_order": 121},
            True,
        ),
        ('"VIP" in flags', {"flags": ["vip", "hot"]}, True),
        ('"VIP" not in flags', {"flags": ["hot"]}, True),
        ('city in ["Киев", "Київ"]', {"city": "Київ"}, True),
        ('last_order < date("2026-06-01")', {"last_order": dt.date(2026, 5, 31)}, True),
        ('last_order + 30 >= date("2026-06-01")', {"last_order": dt.date(2026, 5, 2)}, True),
        ("revenue / orders > 1000", {"revenue": 3000.0, "orders": 2}, True),
        ("revenue / orders > 1000", {"revenue": 3000.0, "orders": 0}, False),
        ("vip", {"vip": True}, True),
    ],
)
def test_rules_mean_what_a_marketer_expects(
    text: str, record: dict[str, object], expected: bool
) -> None:
    assert ok(text, **record) is expected


def test_precedence_and_binds_tighter_than_or_and_arithmetic_before_comparison() -> None:
    # true or (false and false) -> true; (true or false) and false would be false
    assert ok("orders == 1 or orders == 2 and orders == 3", orders=1)
    assert ok("revenue - 10 * 2 == 80", revenue=100.0)
    assert ok("not orders > 5 and orders > 1", orders=3)
    assert ok("-orders < 0", orders=1)
    assert ok("(orders == 1 or orders == 2) and revenue > 0", orders=2, revenue=1.0)


def test_empty_values_never_match_a_comparison() -> None:
    assert not ok("age between 30 and 45", age=None)
    assert not ok("age >= 30", age=None)
    assert ok("age == null", age=None)
    assert not ok('city == "Москва"')


@pytest.mark.parametrize(
    ("text", "position", "fragment"),
    [
        ("revnue > 1", 1, "unknown field 'revnue'; did you mean 'revenue'?"),
        ("revenue >", 10, "expected a value"),
        ('revenue > "a"', 9, "cannot compare a number with a string"),
        ("age between 1 45", 15, "expected 'and' after the lower bound"),
        ('last_order < date("2026-13-01")', 19, 'expected a date as "YYYY-MM-DD"'),
        ("revenue + 1", 1, "expected a condition"),
        ("1 +* 2", 4, "expected a value"),
        ('city = "x"', 6, "use '==' to compare"),
        ("orders > 1)", 11, "or the end"),
        ("(orders > 1", 12, "expected ')'"),
        ("foo(1)", 1, "unknown function 'foo'"),
        ("date(1) < last_order", 6, "expected a string for date()"),
        ("orders in 5", 11, "expected a list, a text or 'flags' after 'in'"),
        ("city * 2 > 1", 1, "expected a number before '*'"),
        ("", 1, "the expression is empty"),
        ("revenue > 1 $", 13, "unexpected character '$'"),
    ],
)
def test_every_error_names_the_rule_the_position_and_what_was_expected(
    text: str, position: int, fragment: str
) -> None:
    with pytest.raises(RuleError) as err:
        compile_rule("москвички", text, SCHEMA)
    assert err.value.position == position
    assert "rule 'москвички'" in str(err.value)
    assert f"position {position}" in str(err.value)
    assert fragment in str(err.value)
    assert isinstance(err.value, ConfigError)  # exit code 2, like any config mistake


@given(st.text(max_size=40))
def test_any_text_either_compiles_or_raises_a_rule_error(text: str) -> None:
    try:
        rule = compile_rule("r", text, SCHEMA)
    except RuleError:
        return
    rule.matches({})  # a compiled rule never crashes on an empty record


@given(st.integers(-(10**6), 10**6), st.integers(-(10**6), 10**6), st.integers(-(10**6), 10**6))
def test_between_is_inclusive_on_both_ends(v: int, lo: int, hi: int) -> None:
    assert ok(
        f"orders between {lo} and {hi}".replace("between -", "between 0 - ").replace(
            "and -", "and 0 - "
        ),
        orders=v,
    ) == (lo <= v <= hi)
