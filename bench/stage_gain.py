"""What the one-shot stages gain: `clientbase check` on :class:`sync.speed.one_shot.OneShot`
(the CLI's: a forked history worker, intermediates left to the process's end) against the
reference stages, as whole processes, alternately, in the same minutes.

Each run is a fresh process that does what ``clientbase check`` does (collector off, what a
pass releases left to the exit) with one set of stages or the other; prints each wall time,
the medians and the median of the rounds' ratios, per base size.

    python bench/stage_gain.py [--clients 20000 100000] [--rounds 3] [--mix tidy messy]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import AS_OF, add_mix_option, generated_workbook

RUN = """
import datetime as dt, gc, os, sys
from sync import service
from sync.config_load import find_config
from sync.core.engine import REFERENCE
from sync.speed import lifetime, stages_for
gc.disable()
lifetime.leave_to_exit()
book = sys.argv[1]
stages = stages_for(long_lived=False) if sys.argv[2] == "one-shot" else REFERENCE
config = find_config(None, book)
service.check(service.open_source(book, config), config, dt.date.fromisoformat(sys.argv[3]),
              stages=stages)
sys.stdout.flush()
os._exit(0)
"""


def timed(book: Path, kind: str) -> float:
    started = time.perf_counter()
    argv = [sys.executable, "-c", RUN, str(book), kind, AS_OF.isoformat()]
    subprocess.run(argv, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--rounds", type=int, default=3)
    add_mix_option(parser)
    args = parser.parse_args()
    for mix, clients in ((m, c) for m in args.mix for c in args.clients):
        book = generated_workbook(clients, mix=mix)
        times: dict[str, list[float]] = {"reference": [], "one-shot": []}
        ratios = []
        for i in range(args.rounds):
            kinds = ["reference", "one-shot"] if i % 2 == 0 else ["one-shot", "reference"]
            got = {kind: timed(book, kind) for kind in kinds}
            for kind, seconds in got.items():
                times[kind].append(seconds)
            ratios.append(got["reference"] / got["one-shot"])
        ref, fast = (statistics.median(times[k]) for k in ("reference", "one-shot"))
        slow = [round(t, 2) for t in times["reference"]]
        quick = [round(t, 2) for t in times["one-shot"]]
        print(
            f"{mix}, {clients} clients: reference {ref:.2f} s {slow}"
            f", one-shot {fast:.2f} s {quick}; "
            f"median ratio reference / one-shot {statistics.median(ratios):.2f}"
        )


if __name__ == "__main__":
    main()
