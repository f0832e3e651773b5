"""Per-client purchase rhythm: lapsed regulars and interaction history (pure, vectorised).

A *lapsed regular* bought at least ``min_orders`` times and the time since the last order
exceeds ``factor`` × their own median interval between orders — the client who came every
month for a year and then vanished. Using the client's own median (not the shop's) is what
makes the flag right for both weekly and quarterly buyers; the median (not the mean) keeps one
long holiday gap from hiding the pattern.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where frames are used: a pass's parent process never needs it
    import pandas as pd


@dataclass(frozen=True, slots=True)
class Lapse:
    expected_gap: float  # the client's median days between orders
    actual_gap: int  # days since the last order


def lapsed_regulars(
    orders: pd.DataFrame, as_of: dt.date, *, min_orders: int = 4, factor: float = 2.0
) -> dict[str, Lapse]:
    """Client ID → lapse, for clients whose silence is unusually long for them.

    ``orders`` has ``client_id`` and ``date`` (``datetime.date``); orders after ``as_of`` and
    without a date are ignored. Several orders on one day count as one visit.
    """
    import pandas as pd

    frame = orders[["client_id", "date", *(["day"] if "day" in orders else [])]].dropna()
    # only clients with enough orders can be regulars: drop the rest before any date work
    counts = frame["client_id"].value_counts()
    frame = frame[frame["client_id"].isin(counts.index[counts >= min_orders])]
    if frame.empty:
        return {}
    days = frame["day"] if "day" in frame else pd.to_datetime(frame["date"])
    cutoff = pd.Timestamp(as_of)
    frame = pd.DataFrame({"client_id": frame["client_id"].to_numpy(), "day": days})
    frame = frame[frame["day"] <= cutoff]
    if frame.empty:
        return {}
    # each client as an integer code: deduplicating, sorting and grouping 10^5 string keys
    # was most of the time; a code stands for exactly one client
    frame = frame.assign(code=pd.factorize(frame["client_id"])[0])
    frame = frame.drop_duplicates(["code", "day"]).sort_values(["code", "day"])
    frame["gap"] = frame.groupby("code", sort=False)["day"].diff().dt.days
    stats = frame.groupby("code", sort=False).agg(
        client_id=("client_id", "first"),
        visits=("day", "size"),
        last=("day", "max"),
        median_gap=("gap", "median"),
    )
    stats = stats.set_index("client_id")
    stats = stats[stats["visits"] >= min_orders]
    since = (cutoff - stats["last"]).dt.days
    hit = stats[(stats["median_gap"] > 0) & (since > factor * stats["median_gap"])]
    return {
        str(cid): Lapse(float(row.median_gap), int(gap))
        for cid, row, gap in zip(hit.index, hit.itertuples(), since[hit.index], strict=True)
    }


@dataclass(frozen=True, slots=True)
class ContactHistory:
    counts: dict[str, int]  # interaction kind -> count
    last_contact: dt.date | None


def interaction_history(interactions: pd.DataFrame, as_of: dt.date) -> dict[str, ContactHistory]:
    """Client ID → counts per interaction kind and the date of the last contact."""
    if interactions.empty or "client_id" not in interactions:
        return {}
    # A plain loop: tens of thousands of rows of Python dates, where pandas would fall back
    # to per-group Python code anyway.
    kinds = interactions["kind"].tolist() if "kind" in interactions else [None] * len(interactions)
    counts: dict[str, dict[str, int]] = {}
    last: dict[str, dt.date] = {}
    for cid, day, kind in zip(
        interactions["client_id"].tolist(), interactions["date"].tolist(), kinds, strict=True
    ):
        if cid is None or not isinstance(day, dt.date) or day > as_of:
            continue
        key = str(kind).strip().lower() if kind is not None else "—"
        per = counts.setdefault(cid, {})
        per[key] = per.get(key, 0) + 1
        if cid not in last or day > last[cid]:
            last[cid] = day
    return {cid: ContactHistory(per, last.get(cid)) for cid, per in counts.items()}
