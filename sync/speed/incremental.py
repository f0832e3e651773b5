"""What earlier passes computed, kept in memory so that the next pass over a mostly unchanged
workbook recomputes only what changed (the daemon's case: staff edit a row or two and save).

Every memo is keyed by the *content* its result was computed from, so a pass that uses it
returns exactly what a pass from scratch would (the property tests in
``tests/test_incremental.py`` check that):

- orders / interactions tables: the validated frame and its problems, keyed by the table's
  cells (values *and* their types: ``1``, ``1.0`` and ``True`` are equal in Python but are not
  the same cell), its layout, the config and the date. An edit on the clients sheet reuses them.
- segments (revenue, RFM, ABC, XYZ, VIP, temperature): per client ID, keyed by the order and
  interaction frames (the very objects the memo above handed out), the segment settings, the
  date, and the set of the workbook's IDs that appear in orders or interactions. A new or
  edited client row whose ID has no orders changes nobody else's scores, so the other IDs'
  values are reused; anything that can move a score (an order, an ID that gains orders)
  recomputes them all.
- the marketer's per-row enrichment (demographics, city, stale, lapsed, rules): per row
  content, within the same orders, interactions, settings and date.
- (in ``sync.core.engine``) the client records of a workbook's last pass: a record is made anew
  only where its row's cells (by identity, else value and type), row number, segments tuple
  or duplicate group changed, within the same config, date and order frames; and the orders
  naming unknown clients, by the distinct IDs the orders frame names.
- (in ``sync.core.crossfile`` and the daemon) each record's entries in the contact index: only the
  rows whose records changed go to the store, while it holds what this process wrote.
- (in ``sync.sources.xlsx.read``) the parsed sheets of a workbook, by the CRC-32 and size of
  the zip parts they were parsed from: an unchanged sheet comes back as the very same
  ``SheetGrid``, so the content checks above find it by identity at once. When only a sheet's
  own part changed, its row elements that kept their bytes keep their parsed rows (the very
  lists), and calamine parses only the others (``sync.sources.xlsx.delta``).
- (in ``sync.core.dedupe``) the duplicates, by the exact input; and when a few rows changed and
  none of them shares a block key with another row (before or after), the last result again
  (the block keys' counts are kept for that).
- (in ``sync.sources.xlsx.ooxml.comments``) each comments part as the tool's last write left it:
  the next write of that very part decides only the cells whose planned note changed.
- (in ``sync.sources.xlsx.ooxml.toolsheet``) the rows of the tool sheets, by their values (with
  types): their text for the digest, and their renders per date system and marks, numbered
  anew where they moved; a render is reused only when its cells' styles resolve to the very
  attributes they had.
- (in ``sync.sources.xlsx.delta``) a sheet's row elements, compared where they stand.

Plain in-process memory (no I/O): the engine stays a pure function of its input. The table
and segment memos cost little and are on in every process that may pass again (the daemon,
the buttons' server, tests); a one-shot CLI command (:mod:`sync.speed.lifetime`) does not build the
keys of the table and duplicate memos (the orders' cell types alone took ~0.09 s). The per-row
memos cost a one-shot CLI pass about a second per 100 000 rows to fill, so only a long-lived
process turns them on (:func:`remember_rows`; the daemon does). Sizes are bounded; a memo
that outgrows its bound starts afresh. :func:`clear` forgets everything.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

RECENT_SLOTS = 4  # workbooks whose tables / segments are remembered (the daemon serves several)
ROW_MEMO_LIMIT = 400_000  # rows remembered per context before that memo starts afresh


class Recent(Generic[K, V]):
    """The last few (key, value) pairs, found by ``==`` on the key (keys need not hash)."""

    def __init__(self, size: int = RECENT_SLOTS) -> None:
        self._size = size
        self._items: list[tuple[K, V]] = []
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            for i, (k, v) in enumerate(self._items):
                if k == key:
                    if i:
                        self._items.insert(0, self._items.pop(i))
                    return v
        return None

    def put(self, key: K, value: V) -> V:
        """Remember ``value`` (and return it)."""
        with self._lock:  # (after a miss on ``key``: no entry equal to it to replace)
            self._items.insert(0, (key, value))
            del self._items[self._size :]
        return value

    def replace(self, key: K, value: V) -> V:
        """Remember ``value`` in place of any entry of ``key`` (one entry per key, for keys
        cheap to compare: a workbook's path)."""
        with self._lock:
            self._items = [(key, value), *((k, v) for k, v in self._items if k != key)]
            del self._items[self._size :]
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


class _Switch:
    rows = False


def remember_rows(on: bool = True) -> None:
    """Turn the per-row memos on (a long-lived process: the daemon) or off.

    The same switch keeps the last parse of each workbook sheet (``sync.sources.xlsx.read``):
    worth it only to a process that reads the same workbook again."""
    _Switch.rows = on
    if not on:
        clear()


def remembering_rows() -> bool:
    """True while the per-row memos are on (see :func:`remember_rows`)."""
    return _Switch.rows


class RowMemos:
    """One dict per context (row content -> result), for the last few contexts."""

    def __init__(self, size: int = RECENT_SLOTS, limit: int = ROW_MEMO_LIMIT) -> None:
        self._memos: Recent[Hashable, dict[Hashable, object]] = Recent(size)
        self._limit = limit

    def memo(self, context: Hashable) -> dict[Hashable, object] | None:
        """The memo of ``context``; ``None`` while per-row memos are off."""
        if not _Switch.rows:
            return None
        found = self._memos.get(context)
        if found is None:
            found = self._memos.put(context, {})
        elif len(found) > self._limit:
            found.clear()  # start afresh (in place: no second, stale entry for the context)
        return found

    def clear(self) -> None:
        self._memos.clear()


class Same:
    """Wraps an object so that it compares equal only to itself (a key part by identity).

    The memo entry holding the key keeps the object alive, so its identity cannot be reused.
    """

    __slots__ = ("obj",)

    def __init__(self, obj: object) -> None:
        self.obj = obj

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Same) and other.obj is self.obj

    def __hash__(self) -> int:
        return id(self.obj)


def typed(values: list[object]) -> list[type]:
    """The type of each value: what ``==`` on the values does not see."""
    return list(map(type, values))


_CLEARERS: list[Callable[[], None]] = []


def register(clear_fn: Callable[[], None]) -> None:
    """Have :func:`clear` also clear a memo kept elsewhere."""
    _CLEARERS.append(clear_fn)


def clear() -> None:
    """Forget every earlier pass (the next pass computes everything from scratch)."""
    for fn in _CLEARERS:
        fn()
