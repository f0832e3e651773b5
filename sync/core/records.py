"""The client records of a pass: one per client row, with its segments, duplicate group,
contacts and what enrichment adds (demographics, city, stale, lapsed, rules, flags); and the
city and stale problems staff read about them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sync.core.config import Config
from sync.core.history import History
from sync.core.marketing import ClientFacts, enrich_rows
from sync.core.messages import message
from sync.core.model import ClientRecord, DuplicateGroup, Problem, SegmentRow
from sync.core.row_rules import PHONE_FIELDS
from sync.core.tables import Table
from validators.base import FieldCheck


def client_records(
    clients: Table,
    ids: list[str | None],
    history: History,
    duplicates: list[DuplicateGroup],
    checks: dict[str, list[FieldCheck]],
    facts: ClientFacts,
    config: Config,
    as_of: dt.date,
) -> list[ClientRecord]:
    """A record per client row: segments, duplicate group, contacts, enrichment."""
    records = make_records(clients.rows, ids, history.segments, duplicate_of(clients, duplicates))
    attach_contacts(records, checks)
    enrich(records, facts, history, config, as_of)
    return records


def duplicate_of(clients: Table, duplicates: list[DuplicateGroup]) -> list[int | None]:
    """Each client row's duplicate group number (None: in no group)."""
    group_of = {row: g.group for g in duplicates for row in g.rows}
    return list(map(group_of.get, clients.rows))


def enrich(
    records: list[ClientRecord],
    facts: ClientFacts,
    history: History,
    config: Config,
    as_of: dt.date,
) -> None:
    """``marketing.enrich_rows`` with the history's rhythm (and its personal rows, if made)."""
    lapses, contacts = history.rhythm
    cfg = config.segments
    enrich_rows(
        records, facts, lapses, contacts, cfg, as_of, cfg.rules, config.language, history.personal
    )


def record_problems(
    table: Table,
    facts: ClientFacts,
    records: list[ClientRecord],
    config: Config,
    positions: Iterable[int],
) -> dict[int, list[Problem]]:
    """The city and stale problems of the records at ``positions`` (those with any)."""
    lang = config.language
    info = table.info
    # the note goes on the "verified" cell (where staff type the date they checked), else on
    # the added date the config measures from
    stale_from = ("verified", "added") if config.segments.stale_from_added else ("verified",)
    stale_field = next((f for f in stale_from if f in info.field_columns), None)
    city_col = info.field_columns.get("city")
    stale_days = str(config.segments.stale_days)
    out: dict[int, list[Problem]] = {}
    for i in positions:
        rec, raw_city = records[i], facts.cities[i]
        found = []
        if stale_field and rec.extra.get("stale"):
            col = info.field_columns[stale_field]
            found.append(
                Problem(
                    info.sheet,
                    rec.row,
                    info.headers[col - 1],
                    stale_field,
                    "stale",
                    "info",
                    message("stale", lang, {"days": stale_days}),
                    None,
                    col,
                )
            )
        canonical = rec.extra.get("city")
        if city_col and isinstance(raw_city, str) and canonical and raw_city != canonical:
            found.append(
                Problem(
                    info.sheet,
                    rec.row,
                    info.headers[city_col - 1],
                    "city",
                    "city.fixed",
                    "info",
                    message("city.fixed", lang, {"suggestion": str(canonical)}),
                    str(canonical),
                    city_col,
                )
            )
        if found:
            out[i] = found
    return out


def make_records(
    rows: list[int],
    ids: list[str | None],
    segments: list[SegmentRow],
    groups: list[int | None],
) -> list[ClientRecord]:
    """The records of the client rows at ``rows``, before contacts and enrichment."""
    return [
        ClientRecord(
            row=row,
            id=id_,
            revenue=seg.revenue,
            orders=seg.orders,
            last_order=seg.last_order,
            r=seg.r,
            f=seg.f,
            m=seg.m,
            rfm_segment=seg.rfm_segment,
            abc=seg.abc,
            xyz=seg.xyz,
            vip=seg.vip,
            temperature=seg.temperature,
            duplicate_group=group,
            extra={
                "recency_days": seg.recency_days,
                "xyz_cv": seg.xyz_cv,
                "orders_365": seg.orders_365,
            },
        )
        for row, id_, group, seg in zip(rows, ids, groups, segments, strict=True)
    ]


def client_facts(
    table: Table, checks: dict[str, list[FieldCheck]], n: int, from_added: bool = False
) -> ClientFacts:
    """The client rows' facts as enrichment reads them (normalised values where checked).
    A row's contact data was last checked on its "verified" date; on the date it was added
    only where ``from_added`` (``[segments] stale_from_added``) says so: being added long
    ago says nothing about whether the phone still works."""

    def column(field: str) -> list[object]:
        return normalized(checks, field, n)

    names = column("name")
    if "name" not in checks:
        parts = [column(f) for f in ("last_name", "first_name", "middle_name")]
        names = [" ".join(str(p) for p in row if p) or None for row in zip(*parts, strict=True)]
    verified = column("verified")
    if from_added:
        verified = [v or a for v, a in zip(verified, column("added"), strict=True)]
    return ClientFacts(
        names,
        column("birthday"),
        table.raw.get("city", [None] * n),
        table.raw.get("gender", [None] * n),
        column("consent"),
        verified,
        column("consent_date") if "consent_date" in checks else (),
    )


def facts_at(facts: ClientFacts, positions: list[int]) -> ClientFacts:
    """The facts of the rows at ``positions``, in that order."""

    def some(values: Sequence[object]) -> list[object]:
        return [values[i] for i in positions] if values else []  # (no consent dates: ())

    return ClientFacts(
        some(facts.names),
        some(facts.birthdays),
        some(facts.cities),
        some(facts.staff_genders),
        some(facts.consents),
        some(facts.verified),
        some(facts.consent_dates),
    )


def normalized(checks: dict[str, list[FieldCheck]], field: str, n: int) -> list[object]:
    """The normalised value of ``field`` per row (``None`` throughout without that field)."""
    return [c.normalized for c in checks[field]] if field in checks else [None] * n


def client_phones(checks: dict[str, list[FieldCheck]], n: int) -> list[object]:
    """Each row's phone: the first phone column's number, else the second's."""
    first, second = (normalized(checks, f, n) for f in PHONE_FIELDS)
    return [p or p2 for p, p2 in zip(first, second, strict=True)]


def attach_contacts(records: list[ClientRecord], checks: dict[str, list[FieldCheck]]) -> None:
    n = len(records)
    names, emails, consents = (normalized(checks, f, n) for f in ("name", "email", "consent"))
    phones = client_phones(checks, n)
    for rec, name, phone, email, consent in zip(
        records, names, phones, emails, consents, strict=True
    ):
        rec.name = name if isinstance(name, str) else None
        rec.phone = phone if isinstance(phone, str) else None
        rec.email = email if isinstance(email, str) else None
        rec.consent = consent if isinstance(consent, bool) else None
