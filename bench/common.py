"""Shared helpers for the benchmarks: a generated base on disk, and timing of subprocesses."""

from __future__ import annotations

import datetime as dt
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
AS_OF = dt.date(2026, 11, 1)


def generated_workbook(n_clients: int, orders_per_client: float = 3.0, seed: int = 11) -> Path:
    """A demo base of ``n_clients`` clients (cached in bench/out/ between runs)."""
    from sync.demo import generate_base, write_demo_workbook

    OUT.mkdir(exist_ok=True)
    path = OUT / f"clients-{n_clients}-{orders_per_client:g}-{seed}.xlsx"
    if not path.exists():
        t0 = time.perf_counter()
        base = generate_base(n_clients, seed=seed, as_of=AS_OF, orders_per_client=orders_per_client)
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
