"""Segments exactly as DESIGN.md defines them, checked by hand and against a naive version."""

from __future__ import annotations

import datetime as dt
import math
import random
import statistics

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.core.config import SegmentsConfig
from sync.core.segments import compute_segments, rfm_score

AS_OF = dt.date(2026, 11, 1)
CFG = SegmentsConfig()


def _orders(rows: list[tuple[str, dt.date, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "client_id": pd.Series([r[0] for r in rows], dtype=object),
            "date": pd.Series([r[1] for r in rows], dtype=object),
            "amount": pd.Series([r[2] for r in rows], dtype=float),
        }
    )


def _contacts(rows: list[tuple[str, dt.date]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "client_id": pd.Series([r[0] for r in rows], dtype=object),
            "date": pd.Series([r[1] for r in rows], dtype=object),
        }
    )


def test_revenue_orders_last_order_and_abc_by_hand() -> None:
    # revenue: a 700, b 200, c 100, d 0 (no orders); total 1000
    orders = _orders(
        [
            ("a", dt.date(2026, 10, 1), 500),
            ("a", dt.date(2026, 9, 1), 200),
            ("b", dt.date(2026, 8, 1), 200),
            ("c", dt.date(2026, 7, 1), 100),
        ]
    )
    out = compute_segments(["a", "b", "c", "d", None], orders, _contacts([]), CFG, AS_OF)
    assert out["revenue"].tolist() == [700.0, 200.0, 100.0, 0.0, 0.0]
    assert out["orders"].tolist() == [2, 1, 1, 0, 0]
    assert out["last_order"][0] == dt.date(2026, 10, 1) and out["last_order"][3] is None
    # share before: a 0 -> A; b 0.7 -> A; c 0.9 -> B (< 0.95); d none
    assert out["abc"].tolist() == ["A", "A", "B", None, None]


def test_rfm_scores_share_ties_and_map_to_segments() -> None:
    assert rfm_score(pd.Series([1.0, 1.0, 2.0, 3.0]).to_numpy()).tolist() == [1, 1, 3, 4]
    # N = 2: x scores 1 + floor(5*count(<x)/2)
    orders = _orders(
        [("new", dt.date(2026, 10, 31), 100)]
        + [("old", dt.date(2024, 1, d), 50) for d in range(1, 6)]
    )
    out = compute_segments(["new", "old"], orders, _contacts([]), CFG, AS_OF).set_index(
        pd.Index(["new", "old"])
    )
    # R on -days: new (-1) has 1 client below -> 1 + floor(5*1/2) = 3; old -> 1
    # F: new 1 order -> 1; old 5 orders -> 3.  M: new 100 > old 250? no: new 1, old 3
    assert (out.loc["new", "r"], out.loc["new", "f"], out.loc["new", "m"]) == (3, 1, 1)
    assert (out.loc["old", "r"], out.loc["old", "f"], out.loc["old", "m"]) == (1, 3, 3)
    assert out.loc["new", "rfm_segment"] == "about_to_sleep"  # (3, 1)
    assert out.loc["old", "rfm_segment"] == "at_risk"  # (1, 3)


def test_xyz_window_is_the_12_full_months_before_the_as_of_month() -> None:
    steady = [("x", dt.date(2025, 11, 15) + pd.DateOffset(months=i), 100.0) for i in range(12)]
    orders = _orders(
        [(c, d.date() if hasattr(d, "date") else d, a) for c, d, a in steady]
        + [
            ("y", dt.date(2026, 11, 1), 500.0),  # in the as_of month: outside
            ("z", dt.date(2025, 10, 31), 500.0),
        ]
    )  # before the window
    for as_of in (dt.date(2026, 11, 1), dt.date(2026, 11, 15)):
        out = compute_segments(["x", "y", "z"], orders, _contacts([]), CFG, as_of)
        assert out["xyz"].tolist() == ["X", None, None]
        assert out["xyz_cv"][0] == 0.0


def test_xyz_cv_is_population_std_over_mean_with_zero_months() -> None:
    orders = _orders([("a", dt.date(2026, 1, 10), 1200.0)])  # one month of twelve
    out = compute_segments(["a"], orders, _contacts([]), CFG, AS_OF)
    monthly = [1200.0] + [0.0] * 11
    assert math.isclose(out["xyz_cv"][0], statistics.pstdev(monthly) / statistics.mean(monthly))
    assert out["xyz"][0] == "Z"


def test_vip_by_revenue_multiple_or_recent_orders() -> None:
    # mean revenue of buyers = (1000 + 100*9) / 10 = 190; 3x = 570 -> a is VIP
    rows = [("a", dt.date(2026, 5, 1), 1000.0)] + [
        (f"b{i}", dt.date(2026, 5, 1), 100.0) for i in range(9)
    ]
    # c: 6 orders within 365 days (as_of - date in [0, 365)); d: one of them 365 days ago
    rows += [("c", AS_OF - dt.timedelta(days=d), 1.0) for d in (0, 10, 20, 30, 40, 364)]
    rows += [("d", AS_OF - dt.timedelta(days=d), 1.0) for d in (0, 10, 20, 30, 40, 365)]
    ids = ["a", *[f"b{i}" for i in range(9)], "c", "d"]
    out = compute_segments(ids, _orders(rows), _contacts([]), CFG, AS_OF)
    vip = dict(zip(ids, out["vip"], strict=True))
    assert vip["a"] and vip["c"] and not vip["d"] and not vip["b0"]


def test_temperature_hot_warm_cold() -> None:
    orders = _orders(
        [
            ("warm", dt.date(2026, 1, 1), 10),
            ("bought_after", dt.date(2026, 10, 30), 10),
            ("same_day", dt.date(2026, 10, 25), 10),
        ]
    )
    contacts = _contacts(
        [
            ("hot", dt.date(2026, 10, 18)),  # 14 days: still hot
            ("stale", dt.date(2026, 10, 17)),  # 15 days
            ("bought_after", dt.date(2026, 10, 29)),
            ("same_day", dt.date(2026, 10, 25)),
            ("future", dt.date(2026, 11, 2)),
        ]
    )
    ids = ["hot", "stale", "bought_after", "same_day", "future", "warm"]
    out = compute_segments(ids, orders, contacts, CFG, AS_OF)
    assert out["temperature"].tolist() == ["hot", "cold", "warm", "hot", "cold", "warm"]


def test_orders_after_as_of_and_copied_ids() -> None:
    orders = _orders([("a", dt.date(2026, 10, 1), 100.0), ("a", dt.date(2026, 12, 1), 900.0)])
    out = compute_segments(["a", "a"], orders, _contacts([]), CFG, AS_OF)
    assert out["revenue"].tolist() == [100.0, 100.0] and out["abc"].tolist() == ["A", "A"]


def _naive(ids: list[str], rows: list[tuple[str, dt.date, float]]) -> dict[str, tuple]:
    per: dict[str, list[tuple[dt.date, float]]] = {}
    for cid, day, amount in rows:
        if day <= AS_OF:
            per.setdefault(cid, []).append((day, amount))
    buyers = sorted(per)
    n = len(buyers)
    rec = {c: (AS_OF - max(d for d, _ in per[c])).days for c in buyers}
    freq = {c: len(per[c]) for c in buyers}
    mon = {c: sum(a for _, a in per[c]) for c in buyers}

    def score(values: dict[str, float], x: float) -> int:
        return 1 + (5 * sum(1 for v in values.values() if v < x)) // n

    neg = {c: -r for c, r in rec.items()}
    total = sum(v for v in mon.values() if v > 0)
    order = sorted((c for c in buyers if mon[c] > 0), key=lambda c: (-mon[c], c))
    abc, cum = {}, 0.0
    for c in order:
        share = cum / total
        abc[c] = "A" if share < 0.8 else "B" if share < 0.95 else "C"
        cum += mon[c]
    return {
        c: (score(neg, neg[c]), score(freq, freq[c]), score(mon, mon[c]), abc.get(c))
        for c in buyers
    }


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from("abcdefgh"), st.integers(0, 900), st.integers(1, 5000)),
        min_size=1,
        max_size=60,
    )
)
def test_matches_a_naive_implementation(raw: list[tuple[str, int, int]]) -> None:
    rows = [(c, AS_OF - dt.timedelta(days=d), float(a)) for c, d, a in raw]
    ids = list("abcdefgh")
    out = compute_segments(ids, _orders(rows), _contacts([]), CFG, AS_OF)
    expected = _naive(ids, rows)
    for i, cid in enumerate(ids):
        if cid in expected:
            got = (out["r"][i], out["f"][i], out["m"][i], out["abc"][i])
            assert got == expected[cid], cid
            assert 1 <= got[0] <= 5 and 1 <= got[1] <= 5
        else:
            assert out["orders"][i] == 0 and out["abc"][i] is None


def test_speed_scale_input_runs() -> None:
    rng = random.Random(1)
    ids = [f"C{i}" for i in range(3000)]
    rows = [
        (
            rng.choice(ids),
            AS_OF - dt.timedelta(days=rng.randrange(1000)),
            float(rng.randrange(100, 9000)),
        )
        for _ in range(9000)
    ]
    out = compute_segments(ids, _orders(rows), _contacts([]), CFG, AS_OF)
    assert len(out) == 3000 and set(out["abc"].dropna()) <= {"A", "B", "C"}
