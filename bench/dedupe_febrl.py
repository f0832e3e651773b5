"""Duplicate detection on the FEBRL datasets (no labelled training): pairwise precision,
recall, F1 and time. Target on dataset3: F1 >= 0.99.

    python bench/dedupe_febrl.py [CSV ...]   (default: ../shared/fixtures/febrl/dataset{3,1}.csv)
"""

from __future__ import annotations

import csv
import sys
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path

from sync.core.dedupe import FieldKind, find_duplicates

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = [ROOT.parent / "shared" / "fixtures" / "febrl" / f"dataset{n}.csv" for n in (3, 1)]

KINDS: dict[str, FieldKind] = {
    "given_name": "given_name",
    "surname": "surname",
    "street_number": "street_number",
    "address_1": "street",
    "address_2": "text",
    "suburb": "locality",
    "postcode": "postcode",
    "state": "region",
    "date_of_birth": "date",
    "soc_sec_id": "id_number",
}


def load(path: Path) -> tuple[list[int], dict[str, list[object]], list[str]]:
    with path.open(encoding="utf-8") as fh:
        reader = csv.DictReader(fh, skipinitialspace=True)
        records = [{k.strip(): (v or "").strip() for k, v in r.items()} for r in reader]
    rows = list(range(2, len(records) + 2))
    fields: dict[str, list[object]] = {k: [r[k] or None for r in records] for k in KINDS}
    truth = ["-".join(r["rec_id"].split("-")[:2]) for r in records]
    return rows, fields, truth


def pairs_of(groups: list[list[int]]) -> set[tuple[int, int]]:
    return {(a, b) for g in groups for a, b in combinations(sorted(g), 2)}


def evaluate(path: Path) -> tuple[float, float, float, float]:
    rows, fields, truth = load(path)
    t0 = time.perf_counter()
    result = find_duplicates(rows, fields, KINDS)
    elapsed = time.perf_counter() - t0
    true_groups: dict[str, list[int]] = defaultdict(list)
    for row, key in zip(rows, truth, strict=True):
        true_groups[key].append(row)
    truth_pairs = pairs_of(list(true_groups.values()))
    found = pairs_of([list(g.rows) for g in result.groups])
    tp = len(found & truth_pairs)
    precision = tp / len(found) if found else 0.0
    recall = tp / len(truth_pairs) if truth_pairs else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, elapsed


def main() -> None:
    paths = [Path(p) for p in sys.argv[1:]] or DEFAULT
    for path in paths:
        precision, recall, f1, elapsed = evaluate(path)
        print(f"{path.name}: records {sum(1 for _ in path.open()) - 1}")
        print(f"  precision {precision:.4f}")
        print(f"  recall    {recall:.4f}")
        print(f"  F1        {f1:.4f}")
        print(f"  time      {elapsed:.2f} s")


if __name__ == "__main__":
    main()
