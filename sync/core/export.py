"""Clean contact export (``clientbase export``): one row per person, normalised contacts."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TextIO

from sync.core.config import MAILABLE_REQUIREMENTS
from sync.core.labels import segment_label, temperature_label
from sync.core.marketing import unmet_requirements
from sync.core.messages import export_header, yes_no
from sync.core.model import ClientRecord, Outcome

EXPORT_COLUMNS = (
    "id",
    "name",
    "phone",
    "email",
    "consent",
    "rfm_segment",
    "abc",
    "xyz",
    "vip",
    "temperature",
    "revenue",
    "orders",
    "last_order",
    "duplicate_rows",
)


def _matches(rec: ClientRecord, segment: str) -> bool:
    wanted = segment.strip().casefold()
    labels = {
        rec.rfm_segment,
        rec.temperature,
        rec.abc,
        rec.xyz,
        (rec.abc or "") + (rec.xyz or ""),
        "vip" if rec.vip else None,
    }
    return wanted in {x.casefold() for x in labels if x}


def export_records(
    outcome: Outcome,
    *,
    segment: str | None = None,
    mailable: bool = False,
    requires: Sequence[str] = MAILABLE_REQUIREMENTS,
    excluded: Counter[str] | None = None,
) -> list[dict[str, object]]:
    """Rows for the export. A duplicate group is exported once, as its first (oldest) row,
    with a contact missing there taken from the other rows of the group. ``excluded`` counts
    the clients each mailable requirement left out (a client under every one it fails) and
    those the segment left out (``"segment"``)."""
    by_row = {r.row: r for r in outcome.records}
    merged_away: set[int] = set()
    fill_from: dict[int, list[ClientRecord]] = {}
    for group in outcome.duplicates:
        first, *rest = group.rows
        merged_away.update(rest)
        fill_from[first] = [by_row[r] for r in rest if r in by_row]
    out: list[dict[str, object]] = []
    for rec in outcome.records:
        if rec.row in merged_away:
            continue
        others = fill_from.get(rec.row, [])
        phone = rec.phone or next((o.phone for o in others if o.phone), None)
        email = rec.email or next((o.email for o in others if o.email), None)
        consent = rec.consent
        if consent is None:  # a consent date column gives consent too
            found = rec.extra.get("consent")
            consent = found if isinstance(found, bool) else None
        if consent is None:
            consent = next((o.consent for o in others if o.consent is not None), None)
        stale = bool(rec.extra.get("stale"))
        unmet = unmet_requirements(consent, bool(phone or email), stale, requires)
        if mailable and unmet:
            if excluded is not None:
                excluded.update(unmet)
            continue
        if segment and not _matches(rec, segment):
            if excluded is not None:
                excluded["segment"] += 1
            continue
        out.append(
            {
                "id": rec.id,
                "name": rec.name,
                "phone": phone,
                "email": email,
                "consent": "" if consent is None else ("yes" if consent else "no"),
                "rfm_segment": rec.rfm_segment,
                "abc": rec.abc,
                "xyz": rec.xyz,
                "vip": "yes" if rec.vip else "no",
                "temperature": rec.temperature,
                "revenue": round(rec.revenue, 2),
                "orders": rec.orders,
                "last_order": rec.last_order.isoformat() if rec.last_order else "",
                "duplicate_rows": " ".join(str(o.row) for o in others),
            }
        )
    return out


def default_delimiter(language: str) -> str:
    """What a spreadsheet of that locale splits a double-clicked CSV on: a Russian or
    Ukrainian Excel uses ``;`` (the comma is their decimal separator)."""
    return ";" if language in ("ru", "uk") else ","


def write_csv(
    rows: Iterable[dict[str, object]],
    out: TextIO,
    language: str | None = None,
    delimiter: str = ",",
) -> int:
    """The rows as CSV. With ``language``: the header and the values staff read (consent,
    VIP, segment, temperature) in that language; without: the column keys and codes."""
    header = [export_header(k, language) if language else k for k in EXPORT_COLUMNS]
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    n = 0
    for row in rows:
        shown = _localised(row, language) if language else row
        # A cell starting with = + - @ would be run as a formula by a spreadsheet that
        # opens the CSV; prefix it with an apostrophe (OWASP's CSV-injection advice).
        writer.writerow([_safe(shown.get(k)) for k in EXPORT_COLUMNS])
        n += 1
    return n


def _localised(row: dict[str, object], language: str) -> dict[str, object]:
    out = dict(row)
    if row.get("consent") in ("yes", "no"):
        out["consent"] = yes_no(row["consent"] == "yes", language)
    out["vip"] = yes_no(row.get("vip") == "yes", language)
    segment = row.get("rfm_segment")
    out["rfm_segment"] = segment_label(segment, language) if isinstance(segment, str) else segment
    temperature = row.get("temperature")
    if isinstance(temperature, str):
        out["temperature"] = temperature_label(temperature, language)
    revenue = row.get("revenue")
    if language in ("ru", "uk") and isinstance(revenue, float):
        # the decimal comma of those locales: "1234.5" would open as text there
        whole = revenue.is_integer()
        out["revenue"] = str(int(revenue)) if whole else f"{revenue:.2f}".replace(".", ",")
    return out


def _safe(value: object) -> object:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") and not _is_phone(value):
        return "'" + value
    return "" if value is None else value


def _is_phone(value: str) -> bool:
    return value.startswith("+") and value[1:].isdigit()
