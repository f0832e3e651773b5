"""`clientbase check` end to end on 100 000 clients + 300 000 orders.

Prints the median of 3 runs and the peak memory, and — in the same run — the time of the
obvious pandas + openpyxl script that does only phone and email validation, and the ratio.
Targets (issue: the engine): ≤ 8 s and ≤ 1 GB, and faster than the naive script.

    python bench/check_speed.py [N_CLIENTS]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import AS_OF, generated_workbook, median_of

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
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    path = generated_workbook(n, orders_per_client=3.0)
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
        f"targets: <= 8 s {'OK' if ours <= 8 else 'MISSED'}, "
        f"<= 1024 MB {'OK' if ours_mem <= 1024 else 'MISSED'}, "
        f"faster than naive {'OK' if ours < naive else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
