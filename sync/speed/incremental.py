"""The bounded in-memory memos that let a long-lived process redo only what changed since its
last pass over a workbook (the daemon's case: staff edit a row or two and save), and the
process switch that still turns some of them on.

Building blocks: :class:`Recent` (the last few (key, value) pairs, found by ``==``),
:class:`RowMemos` (one dict per context), :class:`Same` (a key part compared by identity) and
:func:`typed` (the cells' types: ``1``, ``1.0`` and ``True`` are equal in Python but are not the
same cell). Every memo is keyed by the content its result is computed from, so a pass that uses
it returns exactly what a pass from scratch would.

Who uses them:

- :class:`sync.speed.memory.PassMemory`, the daemon's own object: tables, the clients'
  validation, order / interaction frames, unknown clients, segments, rhythm, client records,
  enrichment, city / stale problems and reasons (``tests/test_incremental.py`` and the
  ``each_stages`` fixture compare them with the reference stages);
- behind the process switch :func:`remember_rows` (the daemon turns it on; a one-shot command
  would only pay to fill them), not yet moved into ``PassMemory``: the parsed sheets of a
  workbook and the re-parse of only its changed rows (``sync.sources.xlsx.read`` and
  ``delta``), the comments part as the tool's last write left it (``ooxml.comments``), the tool
  sheets' rendered rows (``ooxml.toolsheet``), the writer's row memo (``ooxml.rowmemo``) and the
  duplicates (``sync.core.dedupe``, whose memo a one-shot process does not build either).

(Pure functions of one value keep plain bounded caches of their own, as ``validators``'
``map_cached`` does: a row's contact keys in ``sync.core.crossfile``, a message's text in
``sync.core.messages``.)

Sizes are bounded; a memo that outgrows its bound starts afresh. :func:`clear` forgets
everything the switch governs.
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

    def get_or_make(self, key: K, make: Callable[[], V]) -> V:
        """The value of ``key``, made (and remembered) on a miss."""
        found = self.get(key)
        return self.put(key, make()) if found is None else found

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
