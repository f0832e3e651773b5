"""Issue 7, geography and the marketer's rules end to end: country / region from the phone,
the tool columns the marketer asks for, and the five example rules counted in the Summary."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import phonenumbers
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from phonenumbers import geocoder

from sync import service
from sync.config_load import load_config, parse_config
from sync.core.config import default_config
from sync.core.engine import run_pass
from sync.core.export import export_records
from sync.core.geo import phone_place
from sync.core.model import CellValue
from sync.core.report import build_report
from sync.demo import generate_base, write_demo_workbook
from sync.errors import ConfigError
from sync.sources.memory import MemorySource
from sync.sources.xlsx.source import BackupSettings, XlsxSource

# every test here runs on the reference stages and on each accelerator (conftest)
pytestmark = pytest.mark.usefixtures("each_stages")

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2026, 11, 1)
NATIONAL_DIGITS = {"7": 10, "380": 9, "375": 9}


def _geocoder(e164: str, lang: str) -> tuple[str | None, str | None]:
    """What phonenumbers' own geocoder says, the slow way (full parse of every number)."""
    number = phonenumbers.parse(e164, None)
    description = geocoder.description_for_number(number, lang) or None
    country_name = geocoder.country_name_for_number(number, lang) or None
    region = None if description == country_name else description
    return phonenumbers.region_code_for_number(number), region


# Two-digit starts of national numbers of which at least 30 % are valid (area codes, mobile
# operators; +7 7x is Kazakhstan). Random digits alone are mostly invalid numbers (93 % for
# Belarus), and filtering that many out fails Hypothesis's health check now and then.
LIKELY_STARTS = {
    "7": "34 38 39 41 42 47 48 49 70 76 77 80 81 83 84 85 86 87 90 91 92 93 94 95 96 97 98 99",
    "380": "31 32 33 34 35 36 37 38 39 41 43 44 45 46 47 48 50 51 52 53 54 55 56 57 61 62 63 64 "
    "65 66 67 68 69 71 72 73 75 77 89 91 92 93 94 95 96 97 98 99",
    "375": "15 16 17 21 22 23 25 29 33 44",
}


@st.composite
def phone_numbers(draw: st.DrawFn) -> str:
    code = draw(st.sampled_from(sorted(NATIONAL_DIGITS)))
    start = draw(st.one_of(st.sampled_from(LIKELY_STARTS[code].split()), st.just("")))
    rest = draw(st.text("0123456789", min_size=10, max_size=10))
    return f"+{code}{(start + rest)[: NATIONAL_DIGITS[code]]}"


@settings(max_examples=400, deadline=None)
@given(e164=phone_numbers(), lang=st.sampled_from(["ru", "uk", "en"]))
def test_region_from_the_phone_is_what_the_geocoder_says(e164: str, lang: str) -> None:
    assume(phonenumbers.is_valid_number(phonenumbers.parse(e164, None)))
    assert phone_place(e164, lang) == _geocoder(e164, lang)


@pytest.mark.parametrize(
    ("e164", "lang", "expected"),
    [
        ("+78123456789", "en", ("RU", "St Petersburg")),
        ("+380441234567", "uk", ("UA", "м. Київ")),
        ("+79123456789", "ru", ("RU", None)),  # mobile: the country only
        ("+380671234567", "uk", ("UA", None)),
        ("+375171234567", "ru", ("BY", "Минск")),
    ],
)
def test_known_places(e164: str, lang: str, expected: tuple[str, str | None]) -> None:
    assert phone_place(e164, lang) == expected


def test_records_and_report_carry_country_region_and_rules_can_use_them() -> None:
    config = parse_config(
        """
        [[segments.rules]]
        name = "piter_landline"
        when = 'region == "Санкт-Петербург" and country == "RU"'
        """,
        "rules.toml",
    )
    rows = [
        ["ФИО", "Телефон"],
        ["Иванов Иван Петрович", "8 (812) 345-67-89"],
        ["Петрова Анна Сергеевна", "8 912 345 67 89"],
        ["Шевченко Оксана Іванівна", "067 123 45 67"],
    ]
    snapshot = MemorySource({"Клиенты": rows}).read(["Клиенты"])
    outcome = run_pass(snapshot, config, AS_OF)
    places = [(r.extra["country"], r.extra["region"]) for r in outcome.records]
    assert places == [("RU", "Санкт-Петербург"), ("RU", None), ("UA", None)]
    report = build_report(outcome)
    assert [(r["country"], r["region"]) for r in report["records"]] == places
    assert ["piter_landline" in r["flags"] for r in report["records"]] == [True, False, False]


def test_marketer_columns_are_written_with_localised_values() -> None:
    rows: list[list[CellValue]] = [
        ["ПІБ", "Телефон", "Дата народження", "Згода на розсилку"],
        ["Шевченко Оксана Іванівна", "044 123 45 67", dt.date(1990, 11, 10), "так"],
        ["Коваленко Тарас Олегович", "067 123 45 68", dt.date(2001, 3, 1), "ні"],
    ]
    source = MemorySource({"Клієнти": rows})
    config = parse_config(
        """
        language = "uk"
        [sheets.clients]
        name = "Клієнти"
        [output]
        columns = ["segment", "flags", "gender", "age", "age_group", "region", "mailable"]
        """,
        "cols.toml",
    )
    result = service.sync(source, config, AS_OF)
    assert result.applied is not None and result.applied.status == "applied"
    sheet = source.sheets["Клієнти"]
    header = sheet[0]
    col = {h: header.index(h) for h in header if h}

    def cell(row: int, header: str) -> object:
        values = sheet[row]
        return values[col[header]] if col[header] < len(values) else None

    assert cell(1, "Стать за ПІБ") == "ж" and cell(2, "Стать за ПІБ") == "ч"
    assert cell(1, "Повних років") == 35 and cell(2, "Повних років") == 25
    assert cell(1, "Прапорці") == "день народження скоро" and cell(2, "Прапорці") is None
    assert cell(1, "Регіон за телефоном") == "Київ"  # the geocoder's "м. Київ", canonical
    assert cell(2, "Регіон за телефоном") is None  # a mobile number tells only the country
    assert cell(1, "Можна писати") == "так" and cell(2, "Можна писати") is None
    assert {"Вікова група"} <= set(col)


def _expected_rule_hits(rec: dict[str, object]) -> set[str]:
    """The five rules of config.example.toml, re-stated in Python over the report's record."""
    flags = set(rec["flags"])  # type: ignore[call-overload]
    last_order = rec["last_order"]
    since_order = (AS_OF - dt.date.fromisoformat(last_order)).days if last_order else None  # type: ignore[arg-type]
    last_contact = rec["last_contact"]
    since_contact = (
        (AS_OF - dt.date.fromisoformat(last_contact)).days if last_contact else None  # type: ignore[arg-type]
    )
    age = rec["age"]
    hits = set()
    if (
        rec["city"] == "Москва"
        and rec["gender"] == "f"
        and isinstance(age, int)
        and 30 <= age <= 45
        and rec["orders"] >= 2  # type: ignore[operator]
        and since_order is not None
        and since_order > 120
    ):
        hits.add("moscow_women_30_45")
    if "birthday" in flags and rec["mailable"]:
        hits.add("birthday_greeting")
    if "lapsed" in flags and rec["revenue"] >= 10000:  # type: ignore[operator]
        hits.add("win_back")
    if (
        rec["vip"]
        and "win_back" not in hits
        and ((since_contact is not None and since_contact > 60) or rec["interactions"] == 0)
    ):
        hits.add("vip_no_call")
    if "stale" in flags and rec["orders"] >= 1:  # type: ignore[operator]
        hits.add("reverify")
    return hits


def test_example_rules_run_on_a_generated_base_and_are_counted_in_the_summary(
    tmp_path: Path,
) -> None:
    config = load_config(ROOT / "config.example.toml")
    names = [r.name for r in config.segments.rules]
    assert len(names) == 5
    path = tmp_path / "clients.xlsx"
    write_demo_workbook(generate_base(3000, seed=21, as_of=AS_OF), path)
    source = XlsxSource(path, BackupSettings(keep=1))
    result = service.sync(source, config, AS_OF)
    assert result.applied is not None and result.applied.status == "applied"
    report = build_report(result.outcome)
    expected = {n: 0 for n in names}
    by_row: dict[int, set[str]] = {}
    for rec in report["records"]:
        hits = _expected_rule_hits(rec)
        assert hits == set(rec["flags"]) & set(names), rec["row"]
        by_row[rec["row"]] = hits
        for n in hits:
            expected[n] += 1
    assert all(count > 0 for count in expected.values()), expected

    book = openpyxl.load_workbook(path, read_only=True)
    summary = [r for r in book[book.sheetnames[-1]].iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(summary) if r[0] == "Свои сегменты (клиентов)")
    counted = {r[0]: r[1] for r in summary[start + 1 : start + 6]}
    assert counted == expected

    clients = list(book["Клиенты"].iter_rows(values_only=True))
    header = list(clients[0])
    own, check = header.index("Свои сегменты"), header.index("Проверить контакты")
    values = {r.value for r in config.segments.rules if r.column == "segment_rules"}
    for row_number, short in enumerate(clients[1:], start=2):
        row = (*short, *([None] * (len(header) - len(short))))
        hits = by_row.get(row_number, set())
        written = set(str(row[own]).split(", ")) if row[own] else set()
        assert written <= values
        assert ("Поздравить с ДР" in written) == ("birthday_greeting" in hits), row_number
        assert (row[check] == "да") == ("reverify" in hits), row_number
    book.close()


def test_default_config_writes_no_rule_columns() -> None:
    snapshot = MemorySource({"Клиенты": [["ФИО", "Телефон"], ["Иванов Иван", "89123456789"]]})
    result = service.sync(snapshot, default_config(), AS_OF)
    assert "Свои сегменты" not in snapshot.sheets["Клиенты"][0]
    assert result.applied is not None


def _consent_base() -> MemorySource:
    rows: list[list[CellValue]] = [
        ["ФИО", "Телефон", "Дата согласия", "Дата проверки"],
        ["Иванов Иван Петрович", "89123456780", dt.date(2025, 3, 1), dt.date(2026, 1, 1)],
        ["Петрова Анна Сергеевна", "89123456781", None, dt.date(2026, 1, 1)],
        ["Сидоров Олег Ильич", "89123456782", dt.date(2027, 1, 1), dt.date(2026, 1, 1)],
        ["Орлова Вера Павловна", "89123456783", dt.date(2020, 5, 5), dt.date(2019, 1, 1)],
    ]
    return MemorySource({"Клиенты": rows})


def test_a_consent_date_means_consent_and_mailable_is_configurable() -> None:
    snapshot = _consent_base().read(["Клиенты"])
    outcome = run_pass(snapshot, default_config(), AS_OF)
    consent = [r.extra["consent"] for r in outcome.records]
    # a date in the future is not a consent given yet
    assert consent == [True, None, None, True]
    # the last one consented, but her contact data was last verified in 2019: stale
    assert [r.extra["mailable"] for r in outcome.records] == [True, False, False, False]

    lenient = parse_config('[segments]\nmailable = ["consent", "contact"]', "m.toml")
    outcome = run_pass(snapshot, lenient, AS_OF)
    assert [r.extra["mailable"] for r in outcome.records] == [True, False, False, True]
    exported = export_records(outcome, mailable=True, requires=lenient.segments.mailable)
    assert [r["name"] for r in exported] == ["Иванов Иван Петрович", "Орлова Вера Павловна"]
    strict_rows = export_records(run_pass(snapshot, default_config(), AS_OF), mailable=True)
    assert [r["name"] for r in strict_rows] == ["Иванов Иван Петрович"]


def test_unknown_mailable_requirement_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"segments\.mailable"):
        parse_config('[segments]\nmailable = ["consent", "opt_in"]', "m.toml")
