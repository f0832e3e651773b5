"""Where a `sync` spends its time: read, pass, plan, write — one run, wall and CPU seconds.

python bench/phases.py [WORKBOOK]   (default: the generated 100 000-client base)

The pass runs on the stages of a one-shot `clientbase sync` (:func:`sync.speed.stages_for`).
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import AS_OF, OUT, generated_workbook

from sync import service
from sync.config_load import find_config
from sync.core.engine import run_pass
from sync.core.writeback import plan_writeback
from sync.speed import stages_for


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else generated_workbook(100_000, 3.0)
    work = OUT / "phases-work.xlsx"
    shutil.copyfile(source, work)
    config = find_config(None, work.parent)
    src = service.open_source(str(work), config)
    marks: list[tuple[str, float, float]] = []
    t0, c0 = time.perf_counter(), time.process_time()

    def mark(name: str) -> None:
        nonlocal t0, c0
        t1, c1 = time.perf_counter(), time.process_time()
        marks.append((name, t1 - t0, c1 - c0))
        t0, c0 = t1, c1

    with service.without_gc():
        snapshot = src.read(service.configured_sheets(config))
        mark("read")
        outcome = run_pass(snapshot, config, AS_OF, stages=stages_for(long_lived=False))
        mark("pass")
        plan = plan_writeback(outcome, snapshot, config)
        mark("plan")
        result = src.apply(plan, snapshot.version)
        mark("write")
    for name, wall, cpu in marks:
        print(f"{name:6} wall {wall:6.2f} s  cpu {cpu:6.2f} s")
    print(f"total  wall {sum(m[1] for m in marks):6.2f} s  ({result.status})")


if __name__ == "__main__":
    main()
