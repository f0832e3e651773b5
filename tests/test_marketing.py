"""What the marketer asks for: gender, age, city, birthdays, stale, lapsed, rules, reasons."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.config_load import parse_config
from sync.core.config import SegmentsConfig, default_config
from sync.core.demographics import age_on, infer_gender, next_birthday, split_name
from sync.core.engine import run_pass
from sync.core.explain import reasons
from sync.core.geo import canonical_city
from sync.core.lapsed import lapsed_regulars
from sync.core.marketing import mean_buyer_revenue
from sync.core.model import CellValue, ClientRecord
from sync.core.report import build_report
from sync.demo import generate_base
from sync.sources.memory import MemorySource
from sync.speed.memory import PassMemory

# every test here runs on the reference stages and on each accelerator (conftest)
pytestmark = pytest.mark.usefixtures("each_stages")

AS_OF = dt.date(2026, 11, 1)


@pytest.mark.parametrize(
    ("full", "gender"),
    [
        ("Иванов Иван Петрович", "m"),
        ("Петрова Анна Сергеевна", "f"),
        ("Шевченко Оксана Іванівна", "f"),
        ("Коваленко Тарас Олегович", "m"),
        ("Мамедов Эльдар Рафик оглы", "m"),
        ("Кузьмина Ольга Ильинична", "f"),
        ("Никита Сидоров", "m"),
        ("Коваленко Микола", "m"),
        ("Орлова Любовь", "f"),
        ("Игорь Ким", "m"),
        ("Ivanova Maria", "f"),
        ("Олег Шевчук", "m"),
    ],
)
def test_gender_from_patronymic_or_first_name(full: str, gender: str) -> None:
    _last, first, middle = split_name(full)
    assert infer_gender(first, middle) == gender


def test_inferred_gender_agrees_with_the_generators_truth() -> None:
    base = generate_base(2000, seed=8, as_of=AS_OF)
    config = default_config()
    snapshot = MemorySource({"Клиенты": base.clients}).read(["Клиенты"])
    outcome = run_pass(snapshot, config, AS_OF)
    named = [r for r in outcome.records if r.name]
    agree = sum(r.extra["gender"] == base.labels.gender[r.row] for r in named)
    assert agree / len(named) >= 0.98, agree / len(named)


def test_staff_gender_is_never_overridden() -> None:
    snapshot = MemorySource(
        {"Клиенты": [["ФИО", "Пол", "Телефон"], ["Иванов Иван Петрович", "ж", "+7 912 345-67-89"]]}
    ).read(["Клиенты"])
    record = run_pass(snapshot, default_config(), AS_OF).records[0]
    assert record.extra["gender"] == "f" and record.extra["gender_inferred"] is False


@pytest.mark.parametrize(
    ("born", "today", "expected"),
    [
        (dt.date(1990, 1, 3), dt.date(2026, 12, 28), dt.date(2027, 1, 3)),  # across the year end
        (dt.date(1992, 2, 29), dt.date(2027, 2, 20), dt.date(2027, 2, 28)),  # leap day, common year
        (dt.date(1992, 2, 29), dt.date(2028, 2, 20), dt.date(2028, 2, 29)),  # leap year
        (dt.date(1990, 11, 1), dt.date(2026, 11, 1), dt.date(2026, 11, 1)),  # today
    ],
)
def test_next_birthday(born: dt.date, today: dt.date, expected: dt.date) -> None:
    assert next_birthday(born, today) == expected


def test_age_counts_full_years() -> None:
    assert age_on(dt.date(1990, 11, 2), AS_OF) == 35
    assert age_on(dt.date(1990, 11, 1), AS_OF) == 36
    assert age_on(dt.date(2030, 1, 1), AS_OF) is None


@pytest.mark.parametrize(
    ("typed", "city"),
    [
        ("СПб", "Санкт-Петербург"),
        ("Питер", "Санкт-Петербург"),
        ("С.-Петербург", "Санкт-Петербург"),
        ("г. Москва", "Москва"),
        ("Киев", "Київ"),
        ("Київ", "Київ"),
        ("Урюпинск", None),
    ],
)
def test_city_synonyms(typed: str, city: str | None) -> None:
    assert canonical_city(typed) == city


def _orders(rows: list[tuple[str, dt.date]]) -> pd.DataFrame:
    return pd.DataFrame({"client_id": [r[0] for r in rows], "date": [r[1] for r in rows]})


def test_lapsed_regulars_use_their_own_rhythm() -> None:
    monthly = [("m", dt.date(2025, 1, 1) + dt.timedelta(days=30 * k)) for k in range(10)]
    weekly = [("w", dt.date(2026, 9, 1) + dt.timedelta(days=7 * k)) for k in range(6)]
    irregular = [
        ("i", d)
        for d in (
            dt.date(2025, 1, 1),
            dt.date(2025, 1, 5),
            dt.date(2025, 6, 1),
            dt.date(2026, 6, 1),
            dt.date(2026, 9, 1),
        )
    ]
    few = [("f", dt.date(2024, 1, 1)), ("f", dt.date(2024, 2, 1))]
    lapses = lapsed_regulars(_orders(monthly + weekly + irregular + few), AS_OF)
    assert set(lapses) == {"m", "w"}
    assert lapses["m"].expected_gap == 30 and lapses["m"].actual_gap > 60
    # w bought weekly until 6 Oct: 26 days of silence > 2 x 7


def test_rules_from_the_config_flag_clients_and_explain() -> None:
    config = parse_config("""
[segments]
vip_revenue_multiple = 2.0
[[segments.rules]]
name = "big_moscow"
when = 'revenue >= 1000 and city == "Москва"'
[[segments.rules]]
name = "winback"
when = 'orders >= 2 and days_since_last_order > 120 and not big_moscow'
""")
    clients: list[list[CellValue]] = [
        ["ID", "ФИО", "Телефон", "Город", "Дата рождения"],
        ["C1", "Иванова Анна Петровна", "+7 912 345-67-89", "мск", dt.date(1990, 11, 10)],
        ["C2", "Петров Олег", "+7 913 345-67-89", "Казань", None],
        ["C3", "Сидоров Пётр", "+7 914 345-67-89", "Москва", None],
    ]
    orders: list[list[CellValue]] = [
        ["Дата", "ID клиента", "Сумма"],
        [dt.date(2026, 10, 1), "C1", 5000.0],
        [dt.date(2026, 1, 1), "C2", 100.0],
        [dt.date(2026, 2, 1), "C2", 100.0],
        [dt.date(2026, 10, 1), "C3", 10.0],
    ]
    snapshot = MemorySource({"Клиенты": clients, "Заказы": orders}).read(
        ["Клиенты", "Заказы", "Контакты"]
    )
    outcome = run_pass(snapshot, config, AS_OF)
    by_id = {r.id: r for r in outcome.records}
    assert "big_moscow" in by_id["C1"].extra["flags"]  # "мск" is Москва
    assert "winback" in by_id["C2"].extra["flags"]
    assert "big_moscow" not in by_id["C3"].extra["flags"]
    assert "birthday" in by_id["C1"].extra["flags"]  # 9 days away
    record = build_report(outcome)["records"][0]
    assert record["gender"] == "f" and record["gender_inferred"] is True and record["age"] == 35
    assert any(r.startswith("VIP: выручка 5") for r in record["reasons"])
    assert {(p.row, p.code, p.suggestion) for p in outcome.problems if p.code == "city.fixed"} == {
        (2, "city.fixed", "Москва")
    }


def test_stale_contact_data_is_reported() -> None:
    config = default_config()
    clients: list[list[CellValue]] = [
        ["ФИО", "Телефон", "Проверено"],
        ["Иванов Иван", "+7 912 345-67-89", dt.date(2023, 1, 1)],
        ["Петров Пётр", "+7 913 345-67-89", dt.date(2026, 1, 1)],
    ]
    outcome = run_pass(MemorySource({"Клиенты": clients}).read(["Клиенты"]), config, AS_OF)
    assert [(p.row, p.code) for p in outcome.problems if p.code == "stale"] == [(2, "stale")]
    assert SegmentsConfig().stale_days == 730


def test_stale_counts_from_the_added_date_only_where_the_config_says_so() -> None:
    clients: list[list[CellValue]] = [
        ["ФИО", "Телефон", "Дата добавления", "Проверено"],
        ["Иванов Иван", "+7 912 345-67-89", dt.date(2020, 1, 1), dt.date(2026, 1, 1)],
        ["Петров Пётр", "+7 913 345-67-89", dt.date(2020, 1, 1), None],
        ["Сидоров Олег", "+7 914 345-67-89", dt.date(2026, 5, 1), None],
    ]
    snapshot = MemorySource({"Клиенты": clients}).read(["Клиенты"])
    outcome = run_pass(snapshot, default_config(), AS_OF)
    # added in 2020 says nothing about whether the number still works: nobody is stale
    assert [r.extra["stale"] for r in outcome.records] == [False, False, False]
    assert not [p for p in outcome.problems if p.code == "stale"]
    assert all(r.extra["mailable"] is False for r in outcome.records)  # (no consent column)

    config = parse_config("[segments]\nstale_from_added = true", "s.toml")
    outcome = run_pass(snapshot, config, AS_OF)
    assert [r.extra["stale"] for r in outcome.records] == [False, True, False]
    stale = [p for p in outcome.problems if p.code == "stale"]
    assert [(p.row, p.column) for p in stale] == [(3, "Проверено")]  # where to type the date
    assert "stale" in outcome.records[1].extra["flags"]  # type: ignore[operator]


# --------------------------------------------------------------------------- reasons, remembered

_SMALL = st.sampled_from([None, 0, 1, 1.0, True, 7, 40])  # equal values of other types too
_EXTRA_VALUES = {
    "orders_365": _SMALL,
    "days_since_contact": _SMALL,
    "recency_days": _SMALL,
    "xyz_cv": st.sampled_from([None, 0.5, 1.25, 1]),
    "lapsed": st.booleans(),
    "lapse_expected_days": _SMALL,
    "lapse_actual_days": _SMALL,
    "stale": st.booleans(),
    "flags": st.sampled_from([[], ["birthday"], ["vip"]]),
    "days_to_birthday": _SMALL,
}
_FIELD_VALUES = {
    "revenue": st.sampled_from([0.0, 100.0, 100, 5000.0, 12345.6]),
    "orders": st.sampled_from([0, 1, 3, True]),
    "r": st.sampled_from([None, 1, 5]),
    "f": st.sampled_from([None, 2, 2.0]),
    "m": st.sampled_from([None, 3, 3.0]),
    "xyz": st.sampled_from([None, "X", "Z"]),
    "vip": st.booleans(),
    "temperature": st.sampled_from(["hot", "warm", "cold"]),
    "row": st.integers(2, 5),
    "id": st.sampled_from(["C1", None]),
}
_RECORDS = st.builds(
    ClientRecord,
    **_FIELD_VALUES,
    extra=st.fixed_dictionaries({}, optional=_EXTRA_VALUES),
)


@settings(max_examples=300, deadline=None)
@given(_RECORDS, st.data())
def test_remembered_reasons_are_the_reasons_of_each_record(
    base: ClientRecord, data: st.DataObject
) -> None:
    """The daemon formats each distinct input once: records that differ from another in one
    value the reasons read (or only in its type, or by an extra it lacks) each get their own
    reasons, in every language."""
    records = [base]
    for _ in range(data.draw(st.integers(1, 8))):
        if data.draw(st.booleans()):
            name = data.draw(st.sampled_from(sorted(_FIELD_VALUES)))
            records.append(dataclasses.replace(base, **{name: data.draw(_FIELD_VALUES[name])}))
        else:
            key = data.draw(st.sampled_from(sorted(_EXTRA_VALUES)))
            extra = dict(base.extra)
            if data.draw(st.booleans()):
                extra.pop(key, None)
            else:
                extra[key] = data.draw(_EXTRA_VALUES[key])
            records.append(dataclasses.replace(base, extra=extra))
    memory = PassMemory()
    mean = mean_buyer_revenue(records)
    for lang in ("ru", "uk", "en"):
        config = dataclasses.replace(default_config(), language=lang)
        explain = memory.explainer(records, config)
        for rec in [*records, *records]:
            assert explain(rec) == reasons(rec, mean, config.segments, lang)
