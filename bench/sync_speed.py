"""`clientbase sync` end to end (read, pass, write) on 100 000 clients + 300 000 orders.

Prints the median of 3 runs (each on a fresh copy of the workbook) and peak memory and, in the
same run, an openpyxl ``load_workbook`` + ``save`` of the same file applying the same highlights
and segment values, and the ratio; on each mix of data (``--mix``, both by default). Targets on
the messy mix: ≤ 8 s end to end, ≥ 8× the openpyxl round trip, peak ≤ 1 GB, a no-op second
sync ≤ 3 s.

    python bench/sync_speed.py [N_CLIENTS] [--mix tidy messy]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import AS_OF, OUT, add_mix_option, generated_workbook, run_measured

OPENPYXL_ROUND_TRIP = r"""
import json, sys
import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
path, report_path = sys.argv[1], sys.argv[2]
report = json.load(open(report_path, encoding="utf-8"))
wb = openpyxl.load_workbook(path)
ws = wb["Клиенты"]
fills = {s: PatternFill("solid", fgColor=c) for s, c in
         (("error", "FFFFC7CE"), ("warning", "FFFFEB9C"), ("info", "FFC6EFCE"))}
headers = [c.value for c in ws[1]]
for p in report["problems"]:
    if p["sheet"] != "Клиенты" or p["column"] not in headers:
        continue
    cell = ws.cell(p["row"], headers.index(p["column"]) + 1)
    cell.fill = fills[p["severity"]]
    cell.comment = Comment(p["message"], "clientbase")
base = len(headers)
for i, key in enumerate(("rfm_segment", "abc", "xyz", "vip", "temperature")):
    ws.cell(1, base + 1 + i, key)
    for rec in report["records"]:
        value = rec[key]
        if isinstance(value, bool):
            value = "VIP" if value else None
        ws.cell(rec["row"], base + 1 + i, value)
wb.save(path)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clients", nargs="?", type=int, default=100_000)
    add_mix_option(parser)
    args = parser.parse_args()
    for mix in args.mix:
        print(f"-- mix: {mix}")
        run(args.clients, mix)


def run(n: int, mix: str) -> None:
    source = generated_workbook(n, orders_per_client=3.0, mix=mix)
    clientbase = str(Path(sys.executable).with_name("clientbase"))
    work = OUT / "sync-work.xlsx"
    report = OUT / "sync-report.json"

    ours_t, ours_m = [], []
    for _ in range(3):
        shutil.copyfile(source, work)
        t, m = run_measured([clientbase, "sync", str(work), "--as-of", AS_OF.isoformat()])
        ours_t.append(t)
        ours_m.append(m)
    # second sync on the written file: must be a no-op
    again, _ = run_measured([clientbase, "sync", str(work), "--as-of", AS_OF.isoformat()])

    shutil.copyfile(source, work)
    run_measured(
        [clientbase, "check", str(work), "--as-of", AS_OF.isoformat(), "--report", str(report)]
    )
    problems = len(json.loads(report.read_text("utf-8"))["problems"])
    theirs_t, theirs_m = [], []
    for _ in range(3):
        shutil.copyfile(source, work)
        t, m = run_measured([sys.executable, "-c", OPENPYXL_ROUND_TRIP, str(work), str(report)])
        theirs_t.append(t)
        theirs_m.append(m)

    ours, theirs = statistics.median(ours_t), statistics.median(theirs_t)
    print(
        f"clients: {n}, orders: ~{3 * n}, problems: {problems}, "
        f"file: {source.stat().st_size / 1e6:.1f} MB"
    )
    print(f"clientbase sync (median of 3): {ours:.2f} s, peak memory {max(ours_m):.0f} MB")
    print(f"second sync on the written file (no-op): {again:.2f} s")
    print(
        f"openpyxl load+highlight+save (median of 3): {theirs:.2f} s, "
        f"peak memory {max(theirs_m):.0f} MB"
    )
    print(f"ratio openpyxl/clientbase: {theirs / ours:.2f}x")
    print(
        f"targets (messy mix): <= 8 s {'OK' if ours <= 8 else 'MISSED'}, "
        f">= 8x {'OK' if theirs / ours >= 8 else 'MISSED'}, "
        f"peak <= 1 GB {'OK' if max(ours_m) <= 1024 else 'MISSED'}, "
        f"no-op <= 3 s {'OK' if again <= 3 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
