"""What the marketer asks for beyond RFM / ABC / XYZ: age and gender, canonical city, birthdays,
stale contact data, lapsed regulars, interaction history, the reasons behind every flag, and the
marketer's own rules. Pure: it enriches the records of a pass.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from sync.core.config import SegmentsConfig
from sync.core.demographics import (
    age_group,
    age_on,
    gender_from_surname,
    infer_gender,
    next_birthday,
    split_name,
    staff_gender,
)
from sync.core.geo import canonical_city, phone_place
from sync.core.lapsed import ContactHistory, Lapse, interaction_history, lapsed_regulars
from sync.core.model import ClientRecord
from sync.core.rules import CompiledRule, Type, compile_rule

if TYPE_CHECKING:  # pandas is imported where frames are made (not by a pass's parent process)
    import pandas as pd


@dataclass(frozen=True, slots=True)
class RuleConfig:
    """``[[segments.rules]]``: when ``when`` holds, ``value`` (or the flag ``name``) goes to
    the tool column ``column``."""

    name: str
    when: str
    column: str = "segment_rules"
    value: str | None = None


# The fields a rule may use, and their types (checked before any data is seen).
RULE_FIELDS: dict[str, Type] = {
    "revenue": "number",
    "orders": "number",
    "last_order": "date",
    "days_since_last_order": "number",
    "r": "number",
    "f": "number",
    "m": "number",
    "rfm_segment": "string",
    "abc": "string",
    "xyz": "string",
    "vip": "bool",
    "temperature": "string",
    "flags": "list",
    "city": "string",
    "age": "number",
    "age_group": "string",
    "gender": "string",
    "birthday": "date",
    "consent": "bool",
    "consent_date": "date",
    "interactions": "number",
    "last_contact": "date",
    "days_since_last_contact": "number",
    "today": "date",
    "stale": "bool",
    "lapsed": "bool",
    "mailable": "bool",
    "country": "string",
    "region": "string",
}


def compile_rules(rules: Sequence[RuleConfig]) -> list[CompiledRule]:
    """Compile in order; a rule may use the names of the rules before it as true/false."""
    schema = dict(RULE_FIELDS)
    compiled = []
    for rule in rules:
        compiled.append(compile_rule(rule.name, rule.when, schema))
        schema[rule.name] = "bool"
    return compiled


@dataclass(frozen=True, slots=True)
class ClientFacts:
    """What the engine knows of each client row, in the records' order."""

    names: Sequence[object]
    birthdays: Sequence[object]
    cities: Sequence[object]
    staff_genders: Sequence[object]
    consents: Sequence[object]
    verified: Sequence[object]  # "last verified" dates, else the date added
    consent_dates: Sequence[object] = ()  # empty: no consent-date column


def enrich(
    records: list[ClientRecord],
    facts: ClientFacts,
    orders: pd.DataFrame,
    interactions: pd.DataFrame,
    cfg: SegmentsConfig,
    as_of: dt.date,
    rules: Sequence[RuleConfig] = (),
    language: str = "ru",
) -> None:
    """Add demographics, geography, birthdays, stale, lapsed, history and rule flags."""
    lapses, history = client_rhythm(orders, interactions, cfg, as_of)
    enrich_rows(records, facts, lapses, history, cfg, as_of, rules, language)


RhythmByID = tuple[dict[str, Lapse], dict[str, ContactHistory]]


def client_rhythm(
    orders: pd.DataFrame, interactions: pd.DataFrame, cfg: SegmentsConfig, as_of: dt.date
) -> RhythmByID:
    """Lapsed regulars and interaction history by client ID: what :func:`enrich_rows` needs
    of the orders and interactions."""
    lapses = lapsed_regulars(
        orders, as_of, min_orders=cfg.lapsed_min_orders, factor=cfg.lapsed_factor
    )
    return lapses, interaction_history(interactions, as_of)


def enrich_rows(
    records: list[ClientRecord],
    facts: ClientFacts,
    lapses: Mapping[str, Lapse],
    history: Mapping[str, ContactHistory],
    cfg: SegmentsConfig,
    as_of: dt.date,
    rules: Sequence[RuleConfig] = (),
    language: str = "ru",
    personal: Sequence[PersonalRow] | None = None,
) -> None:
    """:func:`enrich` given the client rhythm; each record depends only on its own row of
    ``facts``, its own fields and the rhythm of its ID. ``personal``: :func:`personal_row`
    of every row, when it was computed beforehand (by a forked worker)."""
    compiled = compile_rules(rules)
    for i, rec in enumerate(records):
        x = rec.extra
        gender, inferred, age, group, birthday, city, days_to_birthday = (
            personal[i]
            if personal is not None
            else personal_row(
                facts.names[i],
                facts.birthdays[i],
                facts.cities[i],
                facts.staff_genders[i],
                cfg.age_groups,
                as_of,
            )
        )
        x["gender"] = gender
        x["gender_inferred"] = inferred
        x["age"] = age
        x["age_group"] = group
        x["birthday"] = birthday
        x["city"] = city
        raw_checked = facts.verified[i]
        country, region = phone_place(rec.phone, language) if rec.phone else (None, None)
        x["country"] = country
        # the geocoder's "г. Санкт-Петербург" / "м. Київ" as the city synonyms spell them
        x["region"] = (canonical_city(region) or region) if region else None
        flags: list[str] = []
        if rec.vip:
            flags.append("VIP")
        flags.append(rec.temperature)
        if days_to_birthday is not None:
            x["days_to_birthday"] = days_to_birthday
            if days_to_birthday <= cfg.birthday_days:
                flags.append("birthday")
        checked = raw_checked if isinstance(raw_checked, dt.date) else None
        stale = checked is not None and (as_of - checked).days > cfg.stale_days
        x["stale"] = stale
        if stale:
            flags.append("stale")
        lapse = lapses.get(rec.id or "")
        x["lapsed"] = lapse is not None
        if lapse:
            flags.append("lapsed")
            x["lapse_expected_days"] = round(lapse.expected_gap)
            x["lapse_actual_days"] = lapse.actual_gap
        contacts = history.get(rec.id or "")
        x["interactions"] = sum(contacts.counts.values()) if contacts else 0
        x["interaction_counts"] = dict(contacts.counts) if contacts else {}
        x["last_contact"] = contacts.last_contact if contacts else None
        if contacts and contacts.last_contact:
            x["days_since_contact"] = (as_of - contacts.last_contact).days
        consent = facts.consents[i]
        consent_date = facts.consent_dates[i] if facts.consent_dates else None
        consent_date = consent_date if isinstance(consent_date, dt.date) else None
        x["consent_date"] = consent_date
        if not isinstance(consent, bool):
            # a consent date without a yes/no column: consent given on that day
            consent = True if consent_date is not None and consent_date <= as_of else None
        x["consent"] = consent
        x["mailable"] = is_mailable(consent, bool(rec.phone or rec.email), stale, cfg.mailable)
        x["flags"] = flags
        if compiled:
            _apply_rules(rec, compiled, rules, as_of)


class PersonalRow(NamedTuple):
    """What a client row says of the person (see :func:`personal_row`)."""

    gender: str | None
    gender_inferred: bool
    age: int | None
    age_group: str | None
    birthday: dt.date | None
    city: str | None
    days_to_birthday: int | None


def personal_row(
    raw_name: object,
    raw_birthday: object,
    raw_city: object,
    raw_gender: object,
    age_groups: Sequence[int],
    as_of: dt.date,
) -> PersonalRow:
    """What a client row says of the person (name, birthday, city, typed gender), as
    :func:`enrich_rows` adds it: nothing here depends on orders, contacts or other rows."""
    name = raw_name if isinstance(raw_name, str) else None
    last, first, middle = split_name(name) if name else (None, None, None)
    typed = staff_gender(raw_gender)
    inferred = None if typed else (infer_gender(first, middle) or gender_from_surname(last))
    birthday = raw_birthday if isinstance(raw_birthday, dt.date) else None
    age = age_on(birthday, as_of)
    city = raw_city if isinstance(raw_city, str) else None
    return PersonalRow(
        typed or inferred,
        typed is None and inferred is not None,
        age,
        age_group(age, age_groups),
        birthday,
        canonical_city(city) or (city.strip() if city else None),
        (next_birthday(birthday, as_of) - as_of).days if birthday else None,
    )


def personal_rows(
    facts: ClientFacts, age_groups: Sequence[int], as_of: dt.date, start: int = 0
) -> list[PersonalRow]:
    """:func:`personal_row` of the rows of ``facts`` from ``start`` on."""
    return [
        personal_row(name, birthday, city, gender, age_groups, as_of)
        for name, birthday, city, gender in zip(
            facts.names[start:],
            facts.birthdays[start:],
            facts.cities[start:],
            facts.staff_genders[start:],
            strict=True,
        )
    ]


def is_mailable(
    consent: bool | None, has_contact: bool, stale: bool, requires: Sequence[str]
) -> bool:
    """May the client be written to: what ``[segments] mailable`` requires, all of it."""
    return not unmet_requirements(consent, has_contact, stale, requires)


def unmet_requirements(
    consent: bool | None, has_contact: bool, stale: bool, requires: Sequence[str]
) -> list[str]:
    """The requirements of ``[segments] mailable`` the client does not meet."""
    checks = {"consent": consent is True, "contact": has_contact, "fresh": not stale}
    return [r for r in requires if not checks[r]]


def _apply_rules(
    rec: ClientRecord, compiled: Sequence[CompiledRule], rules: Sequence[RuleConfig], as_of: dt.date
) -> None:
    x = rec.extra
    fields: dict[str, object] = {
        "revenue": rec.revenue,
        "orders": rec.orders,
        "last_order": rec.last_order,
        "days_since_last_order": x.get("recency_days"),
        "r": rec.r,
        "f": rec.f,
        "m": rec.m,
        "rfm_segment": rec.rfm_segment,
        "abc": rec.abc,
        "xyz": rec.xyz,
        "vip": rec.vip,
        "temperature": rec.temperature,
        "today": as_of,
        "days_since_last_contact": (as_of - x["last_contact"]).days  # type: ignore[operator]
        if x.get("last_contact")
        else None,
    }
    for key in (
        "flags",
        "city",
        "age",
        "age_group",
        "gender",
        "birthday",
        "consent",
        "consent_date",
        "interactions",
        "last_contact",
        "stale",
        "lapsed",
        "mailable",
        "country",
        "region",
    ):
        fields[key] = x.get(key)
    columns: dict[str, list[str]] = x.setdefault("rule_columns", {})  # type: ignore[assignment]
    for rule, config in zip(compiled, rules, strict=True):
        hit = rule.matches(fields)
        fields[rule.name] = hit
        if hit:
            columns.setdefault(config.column, []).append(config.value or config.name)
            x["flags"].append(config.name)  # type: ignore[attr-defined]


def rule_counts(records: Sequence[ClientRecord], rules: Sequence[RuleConfig]) -> dict[str, int]:
    """How many clients each rule matched (for the Summary sheet)."""
    return {r.name: sum(r.name in _flags(rec) for rec in records) for r in rules}


def _flags(rec: ClientRecord) -> list[str]:
    flags = rec.extra.get("flags")
    return flags if isinstance(flags, list) else []


def mean_buyer_revenue(records: Sequence[ClientRecord]) -> float:
    """Mean revenue of clients with orders (each ID once), as the VIP rule uses it."""
    seen: dict[str, float] = {}
    for rec in records:
        if rec.orders and rec.id and rec.id not in seen:
            seen[rec.id] = rec.revenue
    return sum(seen.values()) / len(seen) if seen else 0.0
