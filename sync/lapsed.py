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

import numpy as np
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
    frame = orders[["client_id", "date"]].dropna()
    if frame.empty:
        return {}
    days = pd.to_datetime(frame["date"])
    cutoff = pd.Timestamp(as_of)
    frame = pd.DataFrame({"client_id": frame["client_id"].to_numpy(), "day": days})
    frame = frame[frame["day"] <= cutoff].drop_duplicates().sort_values(["client_id", "day"])
    if frame.empty:
        return {}
    frame["gap"] = frame.groupby("client_id")["day"].diff().dt.days
    stats = frame.groupby("client_id").agg(
        visits=("day", "size"), last=("day", "max"), median_gap=("gap", "median")
    )
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
    frame = interactions.dropna(subset=["client_id", "date"])
    frame = frame[np.array([d <= as_of for d in frame["date"]], dtype=bool)]
    if frame.empty:
        return {}
    kinds = frame["kind"].fillna("—") if "kind" in frame else pd.Series("—", index=frame.index)
    counts = pd.crosstab(frame["client_id"], kinds.astype(str).str.strip().str.lower())
    last = frame.groupby("client_id")["date"].max()
    out: dict[str, ContactHistory] = {}
    for cid, row in counts.iterrows():
        out[str(cid)] = ContactHistory({str(k): int(v) for k, v in row.items() if v}, last.get(cid))
    return out
