"""Two offices, one PostgreSQL: save-to-note latency across offices, and a 30 s outage.

Starts a throwaway PostgreSQL cluster (as the tests do: ``tests/pgcluster.py``) and two real
daemons (``Казань`` and ``Москва``) on two folders. Kazan's ``clients.xlsx`` holds one client;
Moscow saves a workbook with the same client typed differently, and the clock runs from that
save until the "этот клиент есть и в другой таблице" note is in *both* workbooks (median of
``--runs``; each run moves the client to another phone number first).

Then the outage: the server is stopped for ``--outage`` seconds; meanwhile Moscow saves a new
duplicate (its own checks are still written) and the figures say when Moscow's workbook was
served, and, after the server is back, when the note reached both workbooks.

    python bench/offices.py [--runs 5] [--outage 30]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE))

from tests import pgcluster  # noqa: E402
from tests.offices import Office, note, wait_for, write_clients  # noqa: E402

SEEN = "другой таблице"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--outage", type=float, default=30.0)
    args = parser.parse_args()
    if pgcluster.bin_dir() is None:
        sys.exit("PostgreSQL server binaries are not installed")
    with pgcluster.cluster() as server, tempfile.TemporaryDirectory() as tmp:
        url = server.create_database("bench")
        root = Path(tmp)
        kazan = Office(root, "Казань", url, root / "index.key")
        moscow = Office(root, "Москва", url, root / "index.key")
        in_kazan, in_moscow = kazan.folder / "clients.xlsx", moscow.folder / "clients.xlsx"
        try:
            kazan.start()
            assert wait_for(lambda: "workbook(s) found" in kazan.log)
            moscow.start()
            assert wait_for(lambda: "workbook(s) found" in moscow.log)
            times = []
            for run in range(args.runs):
                phone = f"8 (912) 345-67-{run:02d}"
                write_clients(in_kazan, [["K1", "Иванов Иван", phone, None]])
                write_clients(in_moscow, [["M1", "Петрова Анна", "+7 903 111 22 33", None]])
                assert wait_for(lambda: SEEN not in note(in_kazan, "C2"))
                time.sleep(1.5)  # both passes done
                start = time.monotonic()
                write_clients(
                    in_moscow,
                    [
                        ["M1", "Петрова Анна", "+7 903 111 22 33", None],
                        ["M2", "Иванов И.", phone, None],
                    ],
                )
                ok = wait_for(
                    lambda: (
                        "Казань, clients.xlsx" in note(in_moscow, "C3")
                        and "Москва, clients.xlsx, строка 3" in note(in_kazan, "C2")
                    )
                )
                assert ok, kazan.log + moscow.log
                times.append(time.monotonic() - start)
            print(
                f"save in Moscow -> note in both workbooks: median {statistics.median(times):.2f} s"
                f" (runs: {', '.join(f'{t:.2f}' for t in times)}; quiet period 0.3 s)"
            )

            # outage: a new duplicate typed in Moscow while the server is down
            server.stop()
            down = time.monotonic()
            write_clients(
                in_moscow,
                [
                    ["M1", "Петрова Анна", "12345", None],
                    ["M3", "Сидоров Олег", "8 917 555 44 33", None],
                ],
            )
            write_clients(
                in_kazan,
                [
                    ["K1", "Иванов Иван", "8 912 000 00 00", None],
                    ["K2", "Сидоров О.", "+7 917 555 44 33", None],
                ],
            )
            served = wait_for(lambda: "FFFFC7CE" in _fills(in_moscow), timeout=args.outage)
            served_at = time.monotonic() - down
            print(
                f"outage: Moscow's own check (bad phone highlighted) written "
                f"{served_at:.1f} s after the stop"
                if served
                else "outage: not served"
            )
            time.sleep(max(0.0, args.outage - (time.monotonic() - down)))
            server.start()
            back = time.monotonic()
            ok = wait_for(
                lambda: (
                    "Казань, clients.xlsx" in note(in_moscow, "C3")
                    and "Москва, clients.xlsx, строка 3" in note(in_kazan, "C3")
                ),
                timeout=180,
            )
            print(
                f"outage of {args.outage:.0f} s: note in both workbooks "
                f"{time.monotonic() - back:.1f} s after the server came back"
                if ok
                else "outage: the note never reached both workbooks"
            )
            lost = [line for line in (kazan.log + moscow.log).splitlines() if "Traceback" in line]
            print(f"tracebacks in the daemons' logs: {len(lost)}")
        finally:
            kazan.stop()
            moscow.stop()


def _fills(path: Path) -> str:
    import openpyxl

    try:
        ws = openpyxl.load_workbook(path)["Клиенты"]
    except Exception:
        return ""
    return " ".join(str(c.fill.fgColor.rgb) for row in ws.iter_rows() for c in row if c.fill)


if __name__ == "__main__":
    main()
