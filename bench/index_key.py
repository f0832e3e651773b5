"""Seconds to recover one phone number from one cross-workbook index key, before and after keying.

Before: the index held ``sha256("phone\\0" + E.164)[:24]``; anyone with a copy of the state
database hashes every possible number until one matches. After: the digest is an HMAC-SHA256
under a 256-bit secret kept outside the database, so without the secret there is nothing to
hash against (the key space, 2^256, is what must be searched); with the secret stolen too, the
search is as fast as before, which is why the key file is owner-only and not in PostgreSQL.

Rates are measured on one core of this machine with Python's hashlib/hmac (OpenSSL): a GPU
cracker is some 10^3-10^4 times faster, which the figures also show. The space is the Russian
mobile plan's estimate: +7 9XX XXX XX XX, 10^10 numbers (an upper bound; real ranges are fewer).

    python bench/index_key.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import secrets
import time

SPACE = 10**10  # +7 9XX XXX XX XX
GPU_FACTOR = 10**4  # a modern GPU's SHA-256 rate over one CPU core's, roughly


def _rate(make: object, seconds: float) -> float:
    assert callable(make)
    n, start = 0, time.perf_counter()
    deadline = start + seconds
    number = 79_000_000_000
    while True:
        for _ in range(10_000):
            make(f"phone\x00+{number}".encode())
            number += 1
        n += 10_000
        now = time.perf_counter()
        if now >= deadline:
            return n / (now - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds per measurement")
    args = parser.parse_args()
    key = secrets.token_bytes(32)
    sha_rate = _rate(lambda m: hashlib.sha256(m).hexdigest()[:24], args.seconds)
    hmac_rate = _rate(lambda m: hmac.digest(key, m, "sha256").hex()[:24], args.seconds)
    before = SPACE / sha_rate
    print(f"SHA-256 guesses/s (one core): {sha_rate:,.0f}")
    print(f"HMAC-SHA256 guesses/s (one core, key known): {hmac_rate:,.0f}")
    print(f"before: {before:,.0f} s ({before / 3600:.1f} h) for the whole 10^10 space, one core;")
    print(f"  {before / 2:,.0f} s on average for one key; {before / GPU_FACTOR:,.1f} s on a GPU")
    after = 2**256 / hmac_rate / 2
    print(f"after, without the key file: {after:.2e} s on average (2^256 keys to try)")
    print(f"after, with the key file stolen too: {SPACE / hmac_rate / 2:,.0f} s on average")


if __name__ == "__main__":
    main()
