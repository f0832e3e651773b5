"""`clientbase sync` of an earlier commit and of this tree, alternately, in the same minutes.

On a shared machine the speed drifts by 20-30 % within minutes, so two figures taken at
different times say little about a change. This runs the sync of commit REV (from a temporary
git worktree, with this environment's packages) and of this tree one after the other, ROUNDS
times (each first by turns), on copies of the same generated base, and prints each wall time,
the medians and their ratio, and the median of the rounds' own ratios (the two runs of a round
are closest in time, so this one is the least swayed by drift).

    python bench/ab.py REV [--rounds 3] [--clients 100000] [--mix tidy|messy]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import AS_OF, MIXES, OUT, generated_workbook

HERE = Path(__file__).resolve().parent.parent


def timed_sync(tree: Path, book: Path) -> float:
    """Wall seconds of one `clientbase sync` run by the code in ``tree``."""
    # the entry point of either layout (sync/cli.py before the packages, sync/cli/main.py)
    code = (
        "import importlib, sys\n"
        "try:\n    c = importlib.import_module('sync.cli.main')\n"
        "except ImportError:\n    c = importlib.import_module('sync.cli')\n"
        f"assert c.__file__.startswith({str(tree)!r}), c.__file__\nc.main()"
    )
    argv = [sys.executable, "-c", code, "sync", str(book), "--as-of", AS_OF.isoformat()]
    started = time.perf_counter()
    done = subprocess.run(
        argv, cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)}, check=False,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"sync in {tree} failed:\n{done.stderr.decode(errors='replace')}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev", help="the commit to compare with (e.g. HEAD~3)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--mix", choices=MIXES, default="tidy")
    args = parser.parse_args()
    source = generated_workbook(args.clients, mix=args.mix)
    with tempfile.TemporaryDirectory(prefix="clientbase-ab-") as tmp:
        other = Path(tmp) / "tree"
        subprocess.run(
            ["git", "-C", str(HERE), "worktree", "add", "--detach", "-q", str(other), args.rev],
            check=True,
        )
        try:
            times: dict[str, list[float]] = {args.rev: [], "this tree": []}
            for n in range(args.rounds):
                pair = [(args.rev, other), ("this tree", HERE)]
                for label, tree in pair if n % 2 == 0 else pair[::-1]:  # each goes first by turns
                    book = OUT / "ab-work.xlsx"
                    shutil.copyfile(source, book)
                    shutil.rmtree(OUT / ".clientbase-backups", ignore_errors=True)
                    times[label].append(timed_sync(tree, book))
                    print(f"round {n + 1}: {label:>12} {times[label][-1]:6.2f} s", flush=True)
        finally:
            subprocess.run(
                ["git", "-C", str(HERE), "worktree", "remove", "--force", str(other)], check=False
            )
    old, new = (statistics.median(t) for t in times.values())
    print(f"median: {args.rev} {old:.2f} s, this tree {new:.2f} s; ratio {old / new:.2f}x")
    # the two runs of a round are minutes closer than the rounds are to each other: the
    # median of the rounds' own ratios is less swayed by the machine's drift
    paired = statistics.median(o / n for o, n in zip(*times.values(), strict=True))
    print(f"median of the rounds' ratios ({args.rev} / this tree): {paired:.2f}x")


if __name__ == "__main__":
    main()
