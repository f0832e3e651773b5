"""Emails: syntax, typos of common domains, unknown TLDs, case and spaces."""

from __future__ import annotations

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given
from hypothesis import strategies as st

from validators.email import check_emails


@pytest.mark.parametrize(
    "raw",
    [
        "ivan@mail.ru",
        "i.petrov-77@yandex.ru",
        "olena@ukr.net",
        "user@i.ua",
        "a_b+tag@bk.ru",
        "info@romashka.ru",
        "иван@почта.рф",
        "ivan@mk.ru",
    ],
)
def test_valid_addresses_are_clean(raw: str) -> None:
    check = check_emails([raw])[0]
    assert check.findings == () and check.normalized == raw


@pytest.mark.parametrize(
    ("raw", "suggestion"),
    [
        ("ivan@gmial.com", "ivan@gmail.com"),
        ("ivan@yandx.ru", "ivan@yandex.ru"),
        ("ivan@mail.ry", "ivan@mail.ru"),
        ("ivan@gmail.co", "ivan@gmail.com"),
        ("ivan@ukr.nte", "ivan@ukr.net"),
        ("ivan@mial.ru", "ivan@mail.ru"),
    ],
)
def test_typos_of_common_domains_are_suspect_with_the_fix(raw: str, suggestion: str) -> None:
    check = check_emails([raw])[0]
    assert [(f.code, f.severity, f.suggestion) for f in check.findings] == [
        ("email.suspect", "warning", suggestion)
    ]


def test_unknown_top_level_domain_is_suspect() -> None:
    assert check_emails(["ivan@romashka.rj"])[0].findings[0].code == "email.suspect"


def test_a_local_domain_can_be_whitelisted() -> None:
    assert check_emails(["ivan@gmaill.com"], extra_domains=["gmaill.com"])[0].findings == ()


@pytest.mark.parametrize(
    "raw",
    [
        "ivan@",
        "ivan.mail.ru",
        "ivan@@mail.ru",
        "a@b@c.ru",
        "ivan@mail",
        "@mail.ru",
        "ivan..p@mail.ru",
        42,
        "x" * 300 + "@mail.ru",
    ],
)
def test_invalid_syntax(raw: object) -> None:
    check = check_emails([raw])[0]
    assert [(f.code, f.severity) for f in check.findings] == [("email.invalid", "error")]


@pytest.mark.parametrize(
    ("raw", "fixed"),
    [
        ("Ivan@Mail.RU ", "ivan@mail.ru"),
        (" ivan@mail.ru", "ivan@mail.ru"),
        ("ivan@mail,ru", "ivan@mail.ru"),
    ],
)
def test_case_and_spaces_are_fixed(raw: str, fixed: str) -> None:
    check = check_emails([raw])[0]
    assert check.normalized == fixed and check.display == fixed
    assert check.findings[0].code == "email.fixed"


@given(st.emails())
def test_normalising_a_normalised_address_changes_nothing(address: str) -> None:
    first = check_emails([address])[0]
    if first.normalized is None:
        return
    again = check_emails([first.normalized])[0]
    assert again.normalized == first.normalized
    assert not [f for f in again.findings if f.code == "email.fixed"]


@given(st.from_regex(r"[a-z0-9._%+-]{1,20}@[a-z0-9.-]{1,20}\.[a-z]{2,6}", fullmatch=True))
def test_fast_path_never_accepts_what_the_full_parser_rejects(address: str) -> None:
    check = check_emails([address])[0]
    if check.normalized is not None:
        try:
            validate_email(address, check_deliverability=False)
        except EmailNotValidError:
            pytest.fail(f"accepted an invalid address {address!r}")


@given(st.text(max_size=80))
def test_no_input_raises(text: str) -> None:
    check_emails([text])
