"""The Excel buttons on a 10 000-client workbook, through xlwings' remote engine (the JSON Excel's
client sends): time of each button and the actions it sends back, by kind.

    XLWINGS_LICENSE_KEY=noncommercial python bench/buttons.py [N_CLIENTS]

(The remote engine is xlwings PRO, free for noncommercial use; the key is needed to run this.)
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import xlwings as xw
from common import AS_OF

from sync import buttons
from sync.demo import generate_base


def _json(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return dt.datetime(value.year, value.month, value.day).isoformat() + ".000Z"
    return "" if value is None else value


def book_json(n: int) -> dict[str, Any]:
    base = generate_base(n, seed=11, as_of=AS_OF, orders_per_client=3.0)
    sheets = []
    for name, rows in (
        ("Клиенты", base.clients),
        ("Заказы", base.orders),
        ("Контакты", base.interactions),
    ):
        width = max(len(r) for r in rows)
        values = [[_json(v) for v in (*r, *([None] * (width - len(r))))] for r in rows]
        sheets.append({"name": name, "values": values, "pictures": [], "tables": [], "notes": []})
    return {
        "version": xw.__version__,
        "client": "Office.js",
        "book": {"name": "clients.xlsx", "active_sheet_index": 0, "selection": "A2"},
        "names": [],
        "sheets": sheets,
    }


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    api = book_json(n)
    print(f"clients: {n}, orders: {len(api['sheets'][1]['values']) - 1}")
    for name, button in (
        ("check_now", buttons.check_now),
        ("clear_highlights", buttons.clear_highlights),
    ):
        times = []
        for i in range(3):
            fresh = copy.deepcopy(api)  # a fresh workbook each time (books are known by name)
            fresh["book"]["name"] = f"clients-{name}-{i}.xlsx"
            book = xw.Book(json=fresh)
            t0 = time.perf_counter()
            button(book) if name != "check_now" else button(book, AS_OF)
            times.append(time.perf_counter() - t0)
            if i == 0:
                actions = Counter(a["func"] for a in book.json()["actions"])
        print(
            f"{name}: median {statistics.median(times):.2f} s; actions {sum(actions.values())} "
            + ", ".join(f"{k} {v}" for k, v in actions.most_common())
        )


if __name__ == "__main__":
    main()
