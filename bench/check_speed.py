"""`clientbase check` end to end on 100 000 clients + 300 000 orders.

Prints the median of 3 runs and the peak memory, and — in the same run — the time of the
obvious pandas + openpyxl script that does only phone and email validation, and the ratio; on
each mix of data (``--mix``, both by default). Target on the messy mix: ≥ 3× the naive script,
peak ≤ 1 GB.

    python bench/check_speed.py [N_CLIENTS] [--mix tidy messy]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import AS_OF, add_mix_option, generated_workbook, median_of

NAIVE = r"""
import sys
import pandas as pd, phonenumbers
from email_validator import validate_email, EmailNotValidError
df = pd.read_excel(sys.argv[1], sheet_name="Клиенты", engine="openpyxl")
bad = 0
for phone in df["Телефон"]:
    ok = False
    for region in ("RU", "UA", "BY", "KZ"):
        try:
            ok = phonenumbers.is_valid_number(phonenumbers.parse(str(phone), region))
        except phonenumbers.NumberParseException:
            ok = False
        if ok:
            break
    bad += not ok
for email in df["Email"].dropna():
    try:
        validate_email(str(email), check_deliverability=False)
    except EmailNotValidError:
        bad += 1
print(bad)
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
    path = generated_workbook(n, orders_per_client=3.0, mix=mix)
    clientbase = str(Path(sys.executable).with_name("clientbase"))
    args = [clientbase, "check", str(path), "--as-of", AS_OF.isoformat()]
    ours, ours_mem = median_of(3, args)
    reported, reported_mem = median_of(3, [*args, "--report", str(path) + ".report.json"])
    naive, naive_mem = median_of(3, [sys.executable, "-c", NAIVE, str(path)])
    print(f"clients: {n}, orders: ~{3 * n}, file: {path.stat().st_size / 1e6:.1f} MB")
    print(f"clientbase check (median of 3): {ours:.2f} s, peak memory {ours_mem:.0f} MB")
    print(
        f"clientbase check --report (median of 3): {reported:.2f} s, "
        f"peak memory {reported_mem:.0f} MB"
    )
    print(
        f"naive pandas+openpyxl phone/email only (median of 3): {naive:.2f} s, "
        f"peak memory {naive_mem:.0f} MB"
    )
    print(f"ratio naive/clientbase: {naive / ours:.2f}x")
    print(
        f"targets (messy mix): >= 3x the naive script {'OK' if naive / ours >= 3 else 'MISSED'}, "
        f"<= 1024 MB {'OK' if ours_mem <= 1024 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
