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
        "ivan@ok.ru",
        "ivan@пошта.укр",
        "ivan@почта.рф",
        "ivan@inbox.lv",  # a real provider, two letters from inbox.ru
        "ivan@rambler.ua",
        "ivan@mail.com",
        "ivan@yandex.by",
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
        ("ivan@gmail.con", "ivan@gmail.com"),
        ("ivan@gamil.com", "ivan@gmail.com"),
        ("ivan@yandex.ry", "ivan@yandex.ru"),
        ("ivan@rambler.tu", "ivan@rambler.ru"),
        ("ivan@ukr.nett", "ivan@ukr.net"),
        ("ivаn@mail.ru", "ivan@mail.ru"),  # Cyrillic а typed with the Russian layout on
        ("ivan@mаil.ru", "ivan@mail.ru"),
    ],
)
def test_typos_of_common_domains_are_suspect_with_the_fix(raw: str, suggestion: str) -> None:
    check = check_emails([raw])[0]
    assert [(f.code, f.severity, f.suggestion) for f in check.findings] == [
        ("email.suspect", "warning", suggestion)
    ]


def test_unknown_top_level_domain_is_suspect() -> None:
    check = check_emails(["ivan@romashka.rj"])[0]
    assert check.normalized == "ivan@romashka.rj"
    assert [(f.code, f.severity, f.params) for f in check.findings] == [
        ("email.suspect", "warning", (("tld", "rj"),))
    ]


@pytest.mark.parametrize(
    ("raw", "suggestion"),
    [
        ("ivan @mail.ru", "ivan@mail.ru"),
        ("ivan@mail,ru", "ivan@mail.ru"),
        ("ivan.mail.ru", "ivan@mail.ru"),  # the @ forgotten before a well-known provider
        ("ivan.petrov.gmail.com", "ivan.petrov@gmail.com"),
        ("ivan@", None),
        ("a@mail.ru, b@mail.ru", None),  # two addresses: staff must decide, no guess
    ],
)
def test_invalid_addresses_carry_a_fix_when_the_typo_is_clear(
    raw: str, suggestion: str | None
) -> None:
    check = check_emails([raw])[0]
    assert check.normalized is None and check.display is None
    assert [(f.code, f.suggestion) for f in check.findings] == [("email.invalid", suggestion)]


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
        ("ivan@mail.ru.", "ivan@mail.ru"),
        ("ivan@mail.ru,", "ivan@mail.ru"),
        ("\u00a0Olena.K@UKR.NET", "olena.k@ukr.net"),
        ("ivan@xn--80a1acny.xn--p1ai", "ivan@почта.рф"),  # punycode shown as staff read it
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


@given(
    st.text(alphabet="aбz0._-+@ ", min_size=1, max_size=12),
    st.sampled_from(
        ["mail.ru", "почта.рф", "пошта.укр", "xn--80a1acny.xn--p1ai", "a-.ru", "-a.ru"]
    ),
)
def test_verdict_on_syntax_matches_email_validator(local: str, domain: str) -> None:
    address = f"{local.strip()}@{domain}"  # outer spaces are tidied, not errors
    try:
        validate_email(address, check_deliverability=False)
        expected_valid = True
    except EmailNotValidError:
        expected_valid = False
    assert (check_emails([address])[0].normalized is not None) == expected_valid


@given(st.emails())
def test_every_valid_address_is_accepted(address: str) -> None:
    check = check_emails([address])[0]
    assert check.normalized is not None
    assert "email.invalid" not in [f.code for f in check.findings]


@pytest.mark.parametrize(
    ("raw", "repaired"),
    [
        ("oleg.кhokhlov@yandex.ru", "oleg.khokhlov@yandex.ru"),
        ("ivаn@mаil.ru", "ivan@mail.ru"),
        ("OLEG.КHОКHLOV@YANDEX.RU", "oleg.khokhlov@yandex.ru"),
        ("ivan@пoчтa.рф", "ivan@почта.рф"),  # Latin look-alikes in a Cyrillic domain
        ("vorontsov.м@yandex.ru", "vorontsov.m@yandex.ru"),  # a word of one look-alike
        *((f"ma{ch}ria@mail.ru", "ma" + latin + "ria@mail.ru") for ch, latin in (
            ("а", "a"), ("е", "e"), ("о", "o"), ("р", "p"), ("с", "c"), ("у", "y"),
            ("х", "x"), ("к", "k"), ("м", "m"), ("т", "t"), ("н", "h"), ("в", "b"),
            ("К", "k"), ("М", "m"), ("Т", "t"), ("Н", "h"), ("В", "b"),
        )),
    ],
)  # fmt: skip
def test_every_look_alike_of_the_other_script_is_found_and_repaired(
    raw: str, repaired: str
) -> None:
    check = check_emails([raw])[0]
    assert [(f.code, f.suggestion) for f in check.findings] == [("email.suspect", repaired)]
    assert check.normalized == repaired  # what matching compares with the client's other rows
    assert check_emails([repaired])[0].findings == ()


@pytest.mark.parametrize(
    "raw", ["иван@почта.рф", "ivan.petrov@почта.рф", "олег@mail.ru", "иван.м@mail.ru"]
)
def test_one_script_per_word_is_not_a_look_alike(raw: str) -> None:
    assert check_emails([raw])[0].findings == ()


@given(
    st.text(alphabet="abcdekmnoptxyабвгеклмнопрстухи.", min_size=1, max_size=16),
    st.sampled_from(["mail.ru", "gmail.com", "почта.рф", "yandex.ru"]),
)
def test_a_repaired_address_is_clean_of_look_alikes(local: str, domain: str) -> None:
    """Whatever mix of scripts is typed, the repaired address is the suggestion and the
    normalised value (what the duplicate search compares), and needs no second repair."""
    raw = f"{local}@{domain}"
    check = check_emails([raw])[0]
    if check.normalized is None or check.normalized == raw:
        return  # invalid, or nothing to repair
    assert [f.suggestion for f in check.findings] == [check.normalized]
    again = check_emails([check.normalized])[0]
    assert again.normalized == check.normalized
