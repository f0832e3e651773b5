"""Where the daemon's pass after a one-row edit spends its time: read, pass, plan, write, index.

The daemon's own pass (``daemon_pass.process_file``, with its memos on, as `clientbase watch`
runs it) over the generated base: a first pass, then RUNS passes each after one client row is
appended the way Excel saves (``watch_latency.append_row``). Prints each pass's phases (wall
seconds) and the median edit pass. The first edit pass meets rows the first write rewrote and
misses the writer's row memo; the median is of all edit passes. As in the daemon, another
thread runs meanwhile (its observers), so no pass forks a worker.

    python bench/daemon_phases.py [N_CLIENTS] [--runs 3] [--stages memory reference]
        [--mix tidy messy]

``--stages`` names the sets of stages to run, one after the other on fresh copies: ``memory``
(the daemon's own PassMemory) and ``reference`` (the plain stages, the sources' memos still
on); with both, the last line is the ratio of their median edit passes (the memory's gain).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import AS_OF, add_mix_option, generated_workbook
from watch_latency import append_row

from sync import service, state
from sync.config_load import find_config
from sync.core import writeback
from sync.core.engine import REFERENCE
from sync.core.stages import Stages
from sync.daemon import workbook_pass as daemon_pass
from sync.sources.xlsx import source as xlsx
from sync.speed import incremental, stages_for

SPENT: Counter[str] = Counter()


def timed(owner: Any, name: str, label: str) -> None:
    """Count the wall time of ``owner.name`` under ``label`` from now on."""
    real: Callable[..., Any] = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            SPENT[label] += time.perf_counter() - started

    setattr(owner, name, wrapper)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clients", nargs="?", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stages", nargs="+", choices=("memory", "reference"), default=["memory"])
    add_mix_option(parser)
    args = parser.parse_args()
    timed(xlsx.XlsxSource, "read", "read")
    timed(service, "run_pass", "pass")
    timed(service, "add_cross_file_duplicates", "other workbooks")
    timed(writeback, "plan_writeback", "plan")
    timed(xlsx.XlsxSource, "apply", "write")
    timed(daemon_pass, "index_entries", "index keys")
    timed(state.SqliteStateStore, "replace_contacts", "index update")
    timed(state.SqliteStateStore, "change_contacts", "index update")
    incremental.remember_rows()
    # the daemon's observer threads: forks are not safe next to them (sync.speed.forked)
    threading.Thread(target=threading.Event().wait, daemon=True).start()
    for mix in args.mix:
        medians = {}
        for kind in args.stages:
            print(f"-- mix: {mix}, stages: {kind}")
            incremental.clear()
            stages = stages_for(long_lived=True) if kind == "memory" else REFERENCE
            medians[kind] = run(args.clients, args.runs, stages, mix)
        if len(medians) == 2:
            ratio = medians["reference"] / medians["memory"]
            print(f"mix {mix}: median edit pass, reference / memory = {ratio:.2f}")


def run(clients: int, runs: int, stages: Stages, mix: str) -> float:
    """The median edit pass of ``runs`` one-row edits after a first pass (printing each)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "share"
        folder.mkdir()
        book = folder / "clients.xlsx"
        shutil.copyfile(generated_workbook(clients, mix=mix), book)
        book = book.resolve()
        store = state.SqliteStateStore(Path(tmp) / "state.sqlite")
        edits: list[tuple[float, dict[str, float]]] = []
        try:
            for i in range(runs + 1):
                if i:
                    row = [f"N{i:05d}", f"Новый Клиент {i}", "12-34", f"new{i}@mail.ru"]
                    append_row(book, row)
                SPENT.clear()
                started = time.perf_counter()
                report = daemon_pass.process_file(
                    book, store, lambda p: find_config(None, p.parent), 12.0, AS_OF, stages
                )
                total = time.perf_counter() - started
                phases = " | ".join(f"{k} {v:.2f}" for k, v in SPENT.items())
                print(f"{'edit' if i else 'first'} pass: {report.action}, {total:.2f} s: {phases}")
                if i:
                    edits.append((total, dict(SPENT)))
        finally:
            store.close()
    edits.sort(key=lambda e: e[0])
    total, median = edits[len(edits) // 2]
    print(f"median edit pass {total:.2f} s (of {[round(t, 2) for t, _ in edits]}):")
    for label, seconds in median.items():
        print(f"  {label:16} {seconds:6.2f} s")
    other = total - sum(median.values())
    print(f"  {'the rest':16} {other:6.2f} s  (state, the daemon's own steps)")
    return total


if __name__ == "__main__":
    main()
