"""Google Sheets mode on a big sheet: the real gspread client against the local emulator.

    python bench/gsheets_pass.py [N_CLIENTS]      (default 100 000)

For a first pass (every row gets the tool's columns) and a second, unchanged one: the API calls
by kind (counted by the emulator), bytes sent in request bodies, and time end to end, split
into the time spent waiting on API calls (here: the emulator, in this process, building and
applying Google's JSON) and the client's own time (reading the answer, the pass, planning).
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import AS_OF

from sync import service
from sync.core.config import default_config
from sync.demo import generate_base
from sync.sources.gsheets.source import GSheetSource
from sync.testing.gspread_local import local_client
from sync.testing.sheets.emulator import SheetsEmulator


def kind(method: str, path: str, sid: str) -> str:
    tail = path.replace(sid, "ID").split("?")[0]
    return f"{method} {tail}"


def time_calls(source: GSheetSource) -> list[float]:
    """Accumulate the time the source spends inside API calls (retries and waits included)."""
    waited = [0.0]
    call = source._call

    def timed(what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return call(what, fn, *args, **kwargs)
        finally:
            waited[0] += time.perf_counter() - t

    source._call = timed  # type: ignore[method-assign]
    return waited


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    config = default_config()
    t0 = time.perf_counter()
    base = generate_base(n, as_of=AS_OF, orders_per_client=3.0)
    took = time.perf_counter() - t0
    print(f"# generated {n} clients, {len(base.orders) - 1} orders in {took:.1f} s")
    with SheetsEmulator() as emu:
        sid = emu.create_spreadsheet(
            "bench",
            {"Клиенты": base.clients, "Заказы": base.orders, "Контакты": base.interactions},
        )
        for label in ("first pass", "second pass (unchanged)"):
            emu.reset_counts()
            source = GSheetSource(sid, local_client(emu.base_url), config)
            waited = time_calls(source)
            start = time.perf_counter()
            result = service.sync(source, config, AS_OF)
            total = time.perf_counter() - start
            log = emu.request_log
            kinds = Counter(kind(r.method, r.path, sid) for r in log)
            status = result.applied.status if result.applied else "-"
            sent = sum(r.body_size for r in log) / 1e6
            api = waited[0]
            print(
                f"{label}: {status}; {len(log)} API calls; {sent:.2f} MB sent; {total:.2f} s "
                f"({api:.2f} s in API calls, {total - api:.2f} s client)"
            )
            for k, count in sorted(kinds.items()):
                print(f"    {count} x {k}")
            print(f"    retries: {source.retries}; problems: {len(result.outcome.problems)}")


if __name__ == "__main__":
    main()
