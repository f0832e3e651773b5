"""The Excel buttons on a 10 000-client workbook, through xlwings' remote engine (the JSON Excel's
client sends): time of each button (median of 3) and the actions it sends back, by kind — on the
fresh workbook, then again on the workbook as Excel sends it after applying the first press —
for each client: Office.js with notes (ExcelApi 1.18), Office.js without, and VBA
(``RunServerPython``, which sends no notes and runs one action at a time).

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
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import xlwings as xw
from common import AS_OF
from excel_client import replay

from sync import buttons
from sync.demo import generate_base


def _json(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return dt.datetime(value.year, value.month, value.day).isoformat() + ".000Z"
    return "" if value is None else value


CLIENTS = {
    "Office.js (ExcelApi 1.18)": ("Office.js", {"notes": []}),
    "Office.js (no notes)": ("Office.js", {"notes": [], "notes_supported": False}),
    "VBA": ("VBA", {}),
}


def book_json(n: int, client: str = "Office.js (ExcelApi 1.18)") -> dict[str, Any]:
    name, extra = CLIENTS[client]
    base = generate_base(n, seed=11, as_of=AS_OF, orders_per_client=3.0)
    sheets = []
    for sheet_name, rows in (
        ("Клиенты", base.clients),
        ("Заказы", base.orders),
        ("Контакты", base.interactions),
    ):
        width = max(len(r) for r in rows)
        values = [[_json(v) for v in (*r, *([None] * (width - len(r))))] for r in rows]
        sheet = {"name": sheet_name, "values": values, "pictures": [], "tables": []}
        sheets.append({**sheet, **copy.deepcopy(extra)})
    return {
        "version": xw.__version__,
        "client": name,
        "book": {"name": "clients.xlsx", "active_sheet_index": 0, "selection": "A2"},
        "names": [],
        "sheets": sheets,
    }


def press(button: Any, api: dict[str, Any], name: str) -> tuple[float, list[dict[str, Any]]]:
    api = {**api, "book": {**api["book"], "name": name}}  # books are known by name
    book = xw.Book(json=copy.deepcopy(api))  # xlwings updates the payload it is given
    t0 = time.perf_counter()
    button(book) if button is buttons.clear_highlights else button(book, AS_OF)
    return time.perf_counter() - t0, list(book.json()["actions"])


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    for client in CLIENTS:
        api = book_json(n, client)
        print(f"{client} — clients: {n}, orders: {len(api['sheets'][1]['values']) - 1}")
        # Excel applies the first press's actions; the second press and the clearing run on that
        painted = replay(api, press(buttons.check_now, api, f"{client}-warm-up.xlsx")[1], {})
        for label, button, book in (
            ("check_now (first press)", buttons.check_now, api),
            ("check_now (again, nothing changed)", buttons.check_now, painted),
            ("clear_highlights (painted workbook)", buttons.clear_highlights, painted),
        ):
            runs = [press(button, book, f"{client}-{label}-{i}.xlsx") for i in range(3)]
            actions = Counter(a["func"] for a in runs[0][1])
            print(
                f"  {label}: median {statistics.median(t for t, _ in runs):.2f} s; "
                f"actions {sum(actions.values())}: "
                + ", ".join(f"{k} {v}" for k, v in actions.most_common())
            )


if __name__ == "__main__":
    main()
