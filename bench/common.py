"""Shared helpers for the benchmarks: a generated base on disk, and timing of subprocesses."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sync.demo import DemoRates

OUT = Path(__file__).resolve().parent / "out"
AS_OF = dt.date(2026, 11, 1)


MIXES = ("tidy", "messy")


def mix_rates(mix: str) -> DemoRates:
    """The demo generator's shares for a mix of data.

    ``tidy``: the demo's own base (most cells already in the standard form). ``messy``: a base
    typed the way offices type: most phones in national formats with spaces, brackets and
    dashes, a quarter of the emails with capitals or spaces, more typos, invalid values and
    missing names, ~9 000 duplicate groups per 100 000 rows, more families on one phone, half
    the clients added more than two years ago."""
    from sync.demo import DemoRates

    if mix == "tidy":
        return DemoRates()
    if mix != "messy":
        raise SystemExit(f"unknown mix {mix!r}: one of {', '.join(MIXES)}")
    return DemoRates(
        phone_fixed=0.75,
        phone_invalid=0.02,
        email_invalid=0.01,
        email_suspect=0.02,
        email_fixed=0.25,
        name_fixed=0.08,
        name_mixed_scripts=0.01,
        name_missing=0.02,
        date_invalid=0.01,
        date_implausible=0.01,
        contact_missing=0.01,
        value_not_allowed=0.02,
        copied_rows=0.005,
        empty_ids=0.02,
        duplicate_rows=0.2,
        family_rows=0.03,
        added_days=4 * 365,  # half the clients added more than two years ago
    )


def add_mix_option(parser: argparse.ArgumentParser) -> None:
    """``--mix tidy messy`` (both by default): the bench runs on each and prints each."""
    parser.add_argument("--mix", nargs="+", choices=MIXES, default=list(MIXES))


def generated_workbook(
    n_clients: int, orders_per_client: float = 3.0, seed: int = 11, mix: str = "tidy"
) -> Path:
    """A demo base of ``n_clients`` clients of ``mix`` (cached in bench/out/ between runs)."""
    from sync.demo import generate_base, write_demo_workbook

    OUT.mkdir(exist_ok=True)
    name = f"clients-{n_clients}-{orders_per_client:g}-{seed}"
    path = OUT / (f"{name}.xlsx" if mix == "tidy" else f"{name}-{mix}.xlsx")
    if not path.exists():
        t0 = time.perf_counter()
        base = generate_base(
            n_clients,
            seed=seed,
            as_of=AS_OF,
            orders_per_client=orders_per_client,
            rates=mix_rates(mix),
        )
        write_demo_workbook(base, path)
        print(
            f"# generated {path.name} in {time.perf_counter() - t0:.1f} s "
            f"({path.stat().st_size / 1e6:.1f} MB)",
            flush=True,
        )
    return path


def run_measured(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run a child process; return (wall seconds, peak RSS of that child in MB)."""
    wrapper = (
        "import resource, subprocess, sys, json;"
        "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL);"
        "r = resource.getrusage(resource.RUSAGE_CHILDREN);"
        "print(json.dumps([p.returncode, r.ru_maxrss]))"
    )
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", wrapper, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=True,
    )
    elapsed = time.perf_counter() - t0
    import json

    code, maxrss_kb = json.loads(out.stdout.strip().splitlines()[-1])
    if code not in (0, 1):
        raise SystemExit(f"{args[0]} failed with exit code {code}")
    return elapsed, maxrss_kb / 1024


def median_of(runs: int, args: list[str]) -> tuple[float, float]:
    """Median wall time and max peak memory over ``runs`` runs."""
    times, peaks = [], []
    for _ in range(runs):
        t, m = run_measured(args)
        times.append(t)
        peaks.append(m)
    return statistics.median(times), max(peaks)


def self_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
