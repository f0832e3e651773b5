"""The demo base: realistic, self-consistent, labelled truthfully, and readable back."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from pathlib import Path

import phonenumbers
import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from sync.core.model import CellValue
from sync.demo import DemoBase, DemoRates, generate_base, write_demo_workbook
from sync.errors import UsageError

AS_OF = dt.date(2026, 11, 1)
REGIONS = ("RU", "UA", "BY", "KZ")
ID, NAME, PHONE, EMAIL, CITY, BIRTHDAY, CONSENT, ADDED = range(8)
INTERNATIONAL = phonenumbers.PhoneNumberFormat.INTERNATIONAL
ALL_CODES = {
    "phone.invalid",
    "phone.fixed",
    "email.invalid",
    "email.suspect",
    "email.fixed",
    "name.fixed",
    "name.mixed_scripts",
    "name.missing",
    "date.invalid",
    "date.implausible",
    "contact.missing",
    "value.not_allowed",
    "id.duplicate",
    "duplicate",
}
FIELD_OF = {
    "phone.invalid": "phone",
    "phone.fixed": "phone",
    "email.invalid": "email",
    "email.suspect": "email",
    "email.fixed": "email",
    "name.fixed": "name",
    "name.mixed_scripts": "name",
    "name.missing": "name",
    "date.invalid": "birthday",
    "date.implausible": "birthday",
    "value.not_allowed": "consent",
}


@pytest.fixture(scope="module")
def base() -> DemoBase:
    return generate_base(3000, seed=9, as_of=AS_OF)


@pytest.fixture(scope="module")
def demo400() -> DemoBase:
    return generate_base(400, as_of=AS_OF)


def codes_by_row(base: DemoBase) -> dict[int, set[str]]:
    codes: dict[int, set[str]] = defaultdict(set)
    for row, code in base.labels.problems:
        codes[row].add(code)
    return codes


def parse_phone(value: CellValue) -> phonenumbers.PhoneNumber | None:
    """The number as a checker trying RU, UA, BY, KZ in turn reads it."""
    for region in REGIONS:
        try:
            number = phonenumbers.parse(str(value), region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return number
    return None


def e164(value: CellValue) -> str | None:
    number = parse_phone(value) if value is not None else None
    return (
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) if number else None
    )


def email_ok(value: str) -> bool:
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def special_rows(base: DemoBase) -> set[int]:
    return {r for g in base.labels.duplicate_groups + base.labels.families for r in g}


# --- determinism and shape -----------------------------------------------------------------------


def test_the_same_seed_gives_the_same_base_and_another_seed_another() -> None:
    a, b = generate_base(300, seed=4, as_of=AS_OF), generate_base(300, seed=4, as_of=AS_OF)
    assert (a.clients, a.orders, a.interactions) == (b.clients, b.orders, b.interactions)
    assert a.labels == b.labels
    assert generate_base(300, seed=5, as_of=AS_OF).clients != a.clients


@settings(max_examples=25, deadline=None)
@given(n=st.integers(0, 400), seed=st.integers(0, 10_000))
def test_any_size_and_seed_gives_that_many_rows_and_consistent_labels(n: int, seed: int) -> None:
    base = generate_base(n, seed=seed, as_of=AS_OF)
    labels = base.labels
    assert len(base.clients) == n + 1 and all(len(row) == 9 for row in base.clients)
    rows = range(2, n + 2)
    assert set(labels.gender) == set(rows)
    assert all(row in rows for row, _ in labels.problems)
    grouped = [r for g in labels.duplicate_groups for r in g]
    assert len(grouped) == len(set(grouped))  # groups are disjoint
    assert all(2 <= len(g) <= 3 for g in labels.duplicate_groups)
    assert not set(grouped) & {r for f in labels.families for r in f}
    assert {r for r, c in labels.problems if c == "duplicate"} == set(grouped)
    fields = Counter((r, FIELD_OF[c]) for r, c in labels.problems if c in FIELD_OF)
    assert all(count == 1 for count in fields.values())  # one planted problem per field


def test_the_default_demo_shows_every_problem_at_realistic_rates(demo400: DemoBase) -> None:
    labels = demo400.labels
    assert {code for _, code in labels.problems} == ALL_CODES
    with_problems = {r for r, c in labels.problems if c not in {"duplicate", "id.duplicate"}}
    assert 0.05 <= len(with_problems) / 400 <= 0.12
    in_groups = sum(len(g) for g in labels.duplicate_groups)
    assert 0.02 <= in_groups / 400 <= 0.06
    assert 0.01 <= sum(len(f) for f in labels.families) / 400 <= 0.03
    assert sum(row[ID] is None for row in demo400.clients[1:]) >= 1  # IDs nobody filled in


def test_rates_are_parameters() -> None:
    shares = (k for k in DemoRates.__dataclass_fields__ if k != "added_days")  # (not a share)
    quiet = DemoRates(**dict.fromkeys(shares, 0.0))
    base = generate_base(500, seed=1, as_of=AS_OF, rates=quiet)
    assert not base.labels.problems and not base.labels.families
    assert all(row[ID] and row[PHONE] and row[EMAIL] for row in base.clients[1:])


# --- clean rows are truly clean ------------------------------------------------------------------


def test_clean_phones_are_valid_and_in_international_format(base: DemoBase) -> None:
    codes = codes_by_row(base)
    regions: Counter[str] = Counter()
    for row, cells in enumerate(base.clients[1:], 2):
        phone = cells[PHONE]
        if phone is None or codes[row] & {"phone.fixed", "phone.invalid"}:
            continue
        number = phonenumbers.parse(str(phone))
        assert phonenumbers.is_valid_number(number), (row, phone)
        assert phone == phonenumbers.format_number(number, INTERNATIONAL)
        regions[str(phonenumbers.region_code_for_number(number))] += 1
    assert set(regions) == set(REGIONS) and sum(regions.values()) > 2500


def test_fixed_phones_are_the_same_valid_number_typed_otherwise(base: DemoBase) -> None:
    fixed = [(r, base.clients[r - 1][PHONE]) for r, c in base.labels.problems if c == "phone.fixed"]
    assert len(fixed) > 50
    assert any(isinstance(phone, int) for _, phone in fixed)  # a number cell
    for row, phone in fixed:
        number = parse_phone(phone)
        assert number is not None, (row, phone)
        assert phone != phonenumbers.format_number(number, INTERNATIONAL)


def test_invalid_phones_are_invalid_in_every_region(base: DemoBase) -> None:
    invalid = [base.clients[r - 1][PHONE] for r, c in base.labels.problems if c == "phone.invalid"]
    assert invalid
    for phone in invalid:
        assert parse_phone(phone) is None, phone


def test_emails_clean_valid_and_planted_invalid_rejected(base: DemoBase) -> None:
    codes = codes_by_row(base)
    clean = 0
    for row, cells in enumerate(base.clients[1:], 2):
        email = cells[EMAIL]
        if not isinstance(email, str):
            continue
        if "email.invalid" in codes[row]:
            assert not email_ok(email), email
        elif "email.fixed" in codes[row]:
            assert email != email.strip().lower() and email_ok(email.strip().lower())
        elif "email.suspect" in codes[row]:
            assert email_ok(email) and email.split("@")[1] not in {"mail.ru", "gmail.com"}
        else:
            assert email == email.strip().lower() and email_ok(email), email
            clean += 1
    assert clean > 1500


def test_clean_names_are_tidy_cyrillic_with_correct_gender_forms(base: DemoBase) -> None:
    codes, grouped = codes_by_row(base), special_rows(base)
    tidy = re.compile(r"^[А-ЯЁІЇЄҐ][а-яёіїєґ']+(?: [А-ЯЁІЇЄҐ][а-яёіїєґ']+){1,2}$")
    checked = 0
    for row, cells in enumerate(base.clients[1:], 2):
        name = cells[NAME]
        if codes[row] & {"name.fixed", "name.mixed_scripts", "name.missing"} or row in grouped:
            continue
        assert isinstance(name, str) and tidy.match(name), (row, name)
        words = name.split()
        gender = base.labels.gender[row]
        if len(words) == 3:
            assert words[2].endswith(("вич", "ич") if gender == "m" else ("вна", "ична"))
        if words[0].endswith(("ов", "ев", "ин", "ский")):
            assert gender == "m", name
        checked += 1
    assert checked > 2500


def test_planted_name_problems_look_like_what_staff_type(base: DemoBase) -> None:
    for row, code in base.labels.problems:
        name = base.clients[row - 1][NAME]
        if code == "name.mixed_scripts":
            assert isinstance(name, str)
            assert re.search("[a-z]", name) and re.search("[а-я]", name), name
        elif code == "name.fixed":
            assert isinstance(name, str) and name != " ".join(w.capitalize() for w in name.split())
        elif code == "name.missing":
            cells = base.clients[row - 1]
            assert name is None and (cells[PHONE] or cells[EMAIL])


def test_no_accidental_duplicates(base: DemoBase) -> None:
    """Rows share a phone, an email or a name only where a duplicate or family is planted."""
    together = {r: i for i, g in enumerate(base.labels.duplicate_groups) for r in g}
    together |= {r: -1 - i for i, f in enumerate(base.labels.families) for r in f}
    keys: dict[tuple[str, str], set[int]] = defaultdict(set)
    for row, cells in enumerate(base.clients[1:], 2):
        phone = e164(cells[PHONE])
        if phone is not None:
            keys["phone", phone].add(row)
        email, name = cells[EMAIL], cells[NAME]
        if isinstance(email, str):
            keys["email", email.strip().lower()].add(row)
        if isinstance(name, str):
            keys["name", " ".join(name.lower().split())].add(row)
    for key, rows in keys.items():
        if len(rows) > 1:
            assert len({together.get(r, r) for r in rows}) == 1, (key[0], sorted(rows))


def test_duplicates_and_families_are_what_they_claim(base: DemoBase) -> None:
    clients, codes = base.clients, codes_by_row(base)
    for group in base.labels.duplicate_groups:
        cells = [clients[r - 1] for r in group]
        phones = {e164(c[PHONE]) for c in cells if c[PHONE] is not None}
        emails = {str(c[EMAIL]).strip().lower() for c in cells if c[EMAIL]}
        assert len(phones) < len(cells) or len(emails) < len(cells), cells  # a shared contact
        assert len({base.labels.gender[r] for r in group}) == 1
        if all("id.duplicate" in codes[r] for r in group):
            assert cells[0] == cells[1]  # a copied row
    for a, b in base.labels.families:
        first, second = clients[a - 1], clients[b - 1]
        assert first[PHONE] == second[PHONE] and first[ID] != second[ID]
        assert first[NAME] != second[NAME] and (first[EMAIL] != second[EMAIL] or not first[EMAIL])
    ids = Counter(row[ID] for row in clients[1:] if row[ID])
    assert {r for r, c in base.labels.problems if c == "id.duplicate"} == {
        r for r, row in enumerate(clients[1:], 2) if row[ID] and ids[row[ID]] > 1
    }


def test_dates_are_real_except_planted_ones(base: DemoBase) -> None:
    codes = codes_by_row(base)
    for row, cells in enumerate(base.clients[1:], 2):
        birthday, added = cells[BIRTHDAY], cells[ADDED]
        assert isinstance(added, dt.date) and added <= AS_OF
        if "date.invalid" in codes[row]:
            assert isinstance(birthday, str)
        elif "date.implausible" in codes[row]:
            if isinstance(birthday, str):  # typed as text: Excel has no dates before 1900
                assert int(birthday[-4:]) < 1900
            else:
                assert isinstance(birthday, dt.date) and birthday > AS_OF
        elif birthday is not None:
            assert isinstance(birthday, dt.date)
            assert 18 <= (AS_OF - birthday).days / 365.25 <= 81


# --- orders and interactions ---------------------------------------------------------------------


def test_orders_have_rhythms_whales_and_a_few_future_dates(base: DemoBase) -> None:
    ids = {row[ID] for row in base.clients[1:] if row[ID]}
    orders = base.orders[1:]
    assert base.orders[0] == ["Номер заказа", "Дата", "ID клиента", "Сумма"]
    assert all(o[2] in ids for o in orders)
    dates = [o[1] for o in orders]
    assert all(isinstance(d, dt.date) for d in dates) and dates == sorted(dates)  # type: ignore[type-var]
    future = [d for d in dates if d > AS_OF]  # type: ignore[operator]
    assert 0 < len(future) < 0.01 * len(orders)
    assert min(dates) >= AS_OF - dt.timedelta(days=3 * 366)  # type: ignore[type-var, operator]
    assert 2.5 <= len(orders) / len(ids) <= 3.5
    revenue: defaultdict[object, float] = defaultdict(float)
    for o in orders:
        assert isinstance(o[3], float) and o[3] > 0
        revenue[o[2]] += o[3]
    assert len(revenue) < 0.9 * len(ids)  # some clients never bought
    mean = sum(revenue.values()) / len(revenue)
    assert max(revenue.values()) > 5 * mean  # whales
    counts = Counter(o[2] for o in orders)
    assert sum(1 for n in counts.values() if n == 1) > 0.2 * len(counts)  # one-time buyers
    assert sum(1 for n in counts.values() if n >= 12) > 0.02 * len(counts)  # regulars


def test_orders_per_client_is_a_parameter() -> None:
    busy = generate_base(1000, seed=2, as_of=AS_OF, orders_per_client=6.0)
    ids = {row[ID] for row in busy.clients[1:] if row[ID]}
    assert 5.0 <= (len(busy.orders) - 1) / len(ids) <= 7.0


def test_interactions_include_hot_leads(base: DemoBase) -> None:
    kinds = {row[2] for row in base.interactions[1:]}
    assert kinds == {"звонок", "встреча", "письмо", "сообщение"}
    last_order: dict[object, dt.date] = {}
    for _, day, client, _ in base.orders[1:]:
        assert isinstance(day, dt.date)
        if day <= AS_OF:
            last_order[client] = max(day, last_order.get(client, day))
    hot = {
        client
        for day, client, _ in base.interactions[1:]
        if isinstance(day, dt.date)
        and 0 <= (AS_OF - day).days <= 14
        and (client not in last_order or last_order[client] < day)
    }
    assert len(hot) > 30


@pytest.mark.parametrize(
    ("lang", "header", "consent", "kinds"),
    [
        ("uk", "ПІБ", {"так", "ні"}, {"дзвінок", "зустріч", "лист", "повідомлення"}),
        ("en", "Full name", {"yes", "no"}, {"call", "meeting", "email", "message"}),
    ],
)
def test_other_languages(lang: str, header: str, consent: set[str], kinds: set[str]) -> None:
    base = generate_base(400, seed=3, as_of=AS_OF, lang=lang)
    assert base.clients[0][NAME] == header
    codes = codes_by_row(base)
    values = {row[CONSENT] for r, row in enumerate(base.clients[1:], 2) if not codes[r]}
    assert values - {None} == consent
    assert {row[2] for row in base.interactions[1:]} == kinds


def test_unknown_language_is_refused() -> None:
    with pytest.raises(UsageError):
        generate_base(10, as_of=AS_OF, lang="de")


# --- the workbook --------------------------------------------------------------------------------


def test_written_workbook_reads_back_with_real_dates(demo400: DemoBase, tmp_path: Path) -> None:
    path = tmp_path / "demo.xlsx"
    write_demo_workbook(demo400, path)
    book = CalamineWorkbook.from_path(str(path))
    assert book.sheet_names == ["Клиенты", "Заказы", "Контакты"]
    clients = book.get_sheet_by_name("Клиенты").to_python(skip_empty_area=False)
    assert clients[0] == demo400.clients[0]
    assert len(clients) == len(demo400.clients)
    for got, want in zip(clients[1:], demo400.clients[1:], strict=True):
        assert got[NAME] == (want[NAME] or "")
        assert got[ADDED] == want[ADDED]
        if isinstance(want[BIRTHDAY], dt.date | str):
            assert got[BIRTHDAY] == want[BIRTHDAY]  # dates as dates, "31.02.1990" as text
        if isinstance(want[PHONE], int):
            assert got[PHONE] == want[PHONE]  # still a number cell
    orders = book.get_sheet_by_name("Заказы").to_python()
    assert orders[1:] == demo400.orders[1:]
    contacts = book.get_sheet_by_name("Контакты").to_python()
    assert contacts[1:] == demo400.interactions[1:]


def test_written_workbook_in_ukrainian(tmp_path: Path) -> None:
    path = tmp_path / "demo.xlsx"
    write_demo_workbook(generate_base(50, seed=2, as_of=AS_OF, lang="uk"), path, "uk")
    book = CalamineWorkbook.from_path(str(path))
    assert book.sheet_names == ["Клієнти", "Замовлення", "Контакти"]


def test_an_existing_file_is_never_overwritten(demo400: DemoBase, tmp_path: Path) -> None:
    path = tmp_path / "clients.xlsx"
    path.write_bytes(b"real clients")
    with pytest.raises(UsageError, match=r"clients\.xlsx"):
        write_demo_workbook(demo400, path)
    assert path.read_bytes() == b"real clients"
