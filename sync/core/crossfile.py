"""Duplicates across workbooks: a client entered in two branch workbooks is flagged in both.

Pure: the caller (the daemon) keeps an index of every served workbook's contact keys and asks
it which other workbooks hold the keys of this one. Keys are keyed hashes (HMAC-SHA256 with the
installation's secret, :mod:`sync.state.key`) before they leave this module, so the index holds
no phone, email or name in clear, and cannot be reversed by hashing every possible phone.
"""

from __future__ import annotations

import hmac
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import compress

from sync.core.messages import message, place
from sync.core.model import ClientRecord, Outcome, Problem

CODE = "duplicate.other_file"
MAX_LISTED = 3  # places named in one note ("also in a.xlsx, row 4; b.xlsx, row 9 …")


@dataclass(frozen=True, slots=True)
class ContactKey:
    """One hashed contact key of one client row."""

    row: int
    kind: str  # "phone" | "email" | "name"
    digest: str


@dataclass(frozen=True, slots=True)
class Elsewhere:
    """A row of another workbook holding the same key."""

    file: str  # the workbook's file name (no folder: it goes into a note staff read)
    row: int
    office: str | None = None  # another office's name; None: a workbook of this office


def _digest(kind: str, value: str, key: bytes) -> str:
    return hmac.digest(key, f"{kind}\x00{value}".encode(), "sha256").hex()[:24]


def _name_key(rec: ClientRecord) -> str | None:
    """Name and birthday together: a name alone is too common to call two rows one person."""
    birthday = rec.extra.get("birthday")
    if not rec.name or birthday is None:
        return None
    words = sorted(rec.name.casefold().replace("ё", "е").split())
    return " ".join(words) + f"|{birthday}"


# (row, phone, email, name, birthday) -> that row's keys, kept for the life of the process:
# the daemon's next pass over a workbook hashes only the rows staff changed (once for the
# lookup and once for the index, every row's keys would be hashed again).
_KEYS_SEEN: dict[tuple[object, ...], tuple[ContactKey, ...]] = {}
KEYS_SEEN_LIMIT = 400_000  # distinct rows; then the memo starts afresh


def _row_keys(rec: ClientRecord, key: bytes) -> tuple[ContactKey, ...]:
    birthday = rec.extra.get("birthday")
    memo = (key, rec.row, rec.phone, rec.email, rec.name, type(birthday), birthday)
    found = _KEYS_SEEN.get(memo)
    if found is not None:
        return found
    keys: list[ContactKey] = []
    if rec.phone:
        keys.append(ContactKey(rec.row, "phone", _digest("phone", rec.phone, key)))
    if rec.email:
        keys.append(ContactKey(rec.row, "email", _digest("email", rec.email.casefold(), key)))
    name = _name_key(rec)
    if name:
        keys.append(ContactKey(rec.row, "name", _digest("name", name, key)))
    if len(_KEYS_SEEN) >= KEYS_SEEN_LIMIT:
        _KEYS_SEEN.clear()
    found = _KEYS_SEEN[memo] = tuple(keys)
    return found


Keys = tuple[ContactKey, ...]  # a row's keys
Pairs = tuple[tuple[int, str], ...]  # a row's (row, digest) entries in the index


class _PerRecord:
    """The last records asked about, each one's keys and its entries in the index. A
    daemon's pass asks twice about the very same list (for the lookup in other workbooks,
    then for its own index), and its next pass over the workbook keeps most records (the
    very objects; a record never changes once made): their keys and entries are the very
    tuples again, and :func:`index_changes` finds the few that are not without a set of
    300 000 entries."""

    last: tuple[bytes, Sequence[ClientRecord], list[Keys], list[Pairs]] = (b"", (), [], [])


def _per_record(records: Sequence[ClientRecord], key: bytes) -> tuple[list[Keys], list[Pairs]]:
    secret, before, keys, entries = _PerRecord.last
    if secret != key:
        before, keys, entries = (), [], []
    elif records is before:
        return keys, entries
    common = min(len(records), len(before))
    keys, entries = keys[:common], entries[:common]
    for i in compress(range(common), map(operator.is_not, records, before)):
        keys[i] = _row_keys(records[i], key)
        entries[i] = tuple((k.row, k.digest) for k in keys[i])
    for rec in records[common:]:
        keys.append(_row_keys(rec, key))
        entries.append(tuple((k.row, k.digest) for k in keys[-1]))
    _PerRecord.last = (key, records, keys, entries)
    return keys, entries


def contact_keys(records: Sequence[ClientRecord], key: bytes) -> list[ContactKey]:
    """The phone, email and name+birthday keys of every client row, hashed with ``key``."""
    return [k for row in _per_record(records, key)[0] for k in row]


def index_entries(records: Sequence[ClientRecord], key: bytes) -> list[Pairs]:
    """Each record's entries in the contact index: (row, digest) of each of its keys."""
    return _per_record(records, key)[1]


def index_changes(
    before: Sequence[Pairs], now: Sequence[Pairs]
) -> tuple[set[tuple[int, str]], set[tuple[int, str]]]:
    """The entries to add and to remove to go from ``before`` to ``now`` (each a list of the
    rows' entries, as :func:`index_entries` gives them): compared row by row, by identity
    first. An entry in both sets stays (a row made anew with the same keys)."""
    common = min(len(before), len(now))
    added: set[tuple[int, str]] = set()
    removed: set[tuple[int, str]] = set()
    for i in compress(range(common), map(operator.is_not, now, before)):
        added.update(now[i])
        removed.update(before[i])
    for row in now[common:]:
        added.update(row)
    for row in before[common:]:
        removed.update(row)
    return added, removed


Lookup = Callable[[Sequence[str]], Mapping[str, Sequence[Elsewhere]]]


def add_cross_file_duplicates(outcome: Outcome, lookup: Lookup, key: bytes) -> Outcome:
    """``outcome`` with a ``duplicate.other_file`` problem on each client row whose phone,
    email or name+birthday is also in another workbook (``lookup`` maps key digests, made
    with the secret ``key``, to the rows of other workbooks holding them)."""
    keys = contact_keys(outcome.records, key)
    found = lookup(sorted({k.digest for k in keys}))
    if not found:
        return outcome
    table = outcome.tables.get("clients")
    if table is None:
        return outcome
    by_row: dict[int, dict[str, list[Elsewhere]]] = {}
    for k in keys:
        for other in found.get(k.digest, ()):
            kinds = by_row.setdefault(k.row, {})
            places = kinds.setdefault(k.kind, [])
            if other not in places:
                places.append(other)
    problems: list[Problem] = []
    for row, kinds in sorted(by_row.items()):
        kind = next(k for k in ("phone", "email", "name") if k in kinds)
        field = {"phone": "phone", "email": "email", "name": "name"}[kind]
        col = table.field_columns.get(field) or (
            table.field_columns.get("last_name") if field == "name" else None
        )
        places = sorted(
            {p for ps in kinds.values() for p in ps}, key=lambda p: (p.office or "", p.file, p.row)
        )
        listed = "; ".join(
            place(p.file, p.row, outcome.language, p.office) for p in places[:MAX_LISTED]
        )
        if len(places) > MAX_LISTED:
            listed += " …"
        problems.append(
            Problem(
                table.sheet,
                row,
                table.headers[col - 1] if col else None,
                field if col else None,
                CODE,
                "warning",
                message(CODE, outcome.language, {"places": listed}),
                None,
                col,
            )
        )
    return replace(outcome, problems=[*outcome.problems, *problems])
