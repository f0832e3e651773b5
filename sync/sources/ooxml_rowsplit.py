"""Rebuild a big sheet's rows on two cores: a forked worker rebuilds the later rows while this
process rebuilds the earlier ones, and the two pieces are joined into the bytes one process
would have written.

The rows' rewrites are independent of each other but for the styles: a highlight on a style
met for the first time adds a cell format (``StyleBook.clone``, ``with_number_format``), and
formats are numbered in the order they are added. So the worker

- notes every call that answered with a format added after the fork, in order, and
- writes such a format's number as ``s="\\0N\\0"`` (NUL cannot occur in XML, so the mark is
  unambiguous).

This process, once its own rows are done, makes the noted calls itself — exactly the calls, in
exactly the order, one process would have made for those rows — and puts its numbers in place
of the marks. The worker's rows are then the bytes this process would have written itself.

Only where forking is usable (:mod:`sync.forked`: Linux, a single-threaded process — the
one-shot CLI, never the daemon) and the sheet is big. A worker that fails for any reason means
this process rebuilds the worker's rows itself, with the same result; so does a part whose
cells name a style number this write added (beyond the styles part as read: invalid, but it
would be taken for the write's own).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from sync.forked import Ahead, fork_usable
from sync.sources.ooxml_rows import CellContext, RowWriter, SheetStats
from sync.sources.ooxml_styles import StyleBook

__all__ = ["MIN_ROWS", "Half", "RowsAhead"]

# Rows to rebuild before a worker pays off (forking a process of ~1 GB costs ~0.05 s).
MIN_ROWS = 20_000

# ("clone" | "format", base, colour or number format, the answer) — the worker's style calls
# that answered with a format added after the fork
_Call = tuple[str, int, str | int, int]
_Stats = tuple[int, int, int, int, int, int, int]
_MARK = re.compile(b"\0(\\d+)\0")
_SPACE = frozenset(b" \t\r\n")


@dataclass(frozen=True, slots=True)
class Half:
    """The worker's rows: ``body`` replaces the sheet's bytes ``[start, end)``."""

    start: int
    end: int
    body: bytes
    calls: tuple[_Call, ...]
    stats: _Stats


class RowsAhead:
    """A worker rebuilding the rows of a sheet from some byte offset on."""

    def __init__(self, worker: Ahead[Half], base: int) -> None:
        self._worker = worker
        self._base = base  # the number of cell formats at the fork

    @classmethod
    def start(
        cls,
        rebuild: Callable[[], tuple[list[bytes], int]],
        start: int,
        writer: RowWriter,
    ) -> RowsAhead | None:
        """Fork a worker for ``rebuild`` — ``writer`` rebuilding the later rows from byte
        ``start`` on, returning (pieces, end): the pieces replace the part's ``[start, end)``."""
        ctx = writer.ctx
        if not fork_usable() or ctx.styles.by_colour:
            return None

        def work() -> Half:
            calls = _record_calls(ctx.styles)
            writer.mark_styles_from(len(ctx.styles.xfs))
            ctx.stats = SheetStats()
            pieces, end = rebuild()
            s = ctx.stats
            stats = (s.cells_changed, s.fills_set, s.fills_removed, *_bounds(s))
            return Half(start, end, b"".join(pieces), tuple(calls), stats)

        worker = Ahead.start(work, lambda found: isinstance(found, Half) and found.start == start)
        return cls(worker, len(ctx.styles.xfs)) if worker is not None else None

    def result(self, data: bytes, ctx: CellContext) -> Half | None:
        """The worker's rows as this process would have written them, collected after the
        rows before them are done here (their new formats come first); None when it failed."""
        half = self._worker.result()
        if half is None:
            return None
        ours = _replay(ctx.styles, half.calls)
        added = range(self._base, len(ctx.styles.xfs))
        if added:
            numbers = b"|".join(str(n).encode() for n in added)
            # literal first: the search skips ahead quickly; the space before is checked after
            named = re.compile(b's="(?:' + numbers + b')"')
            for m in named.finditer(data, half.start, half.end):
                if data[m.start() - 1] in _SPACE:
                    return None
        body = half.body
        if any(theirs != found for theirs, found in ours.items()):
            table = {str(theirs).encode(): str(found).encode() for theirs, found in ours.items()}
            body = _MARK.sub(lambda m: table[m.group(1)], body)
        elif ours:
            body = body.replace(b"\0", b"")
        _merge(ctx.stats, half.stats)
        return Half(half.start, half.end, body, half.calls, half.stats)

    def cancel(self) -> None:
        self._worker.cancel()


def _record_calls(styles: StyleBook) -> list[_Call]:
    """In the worker: wrap ``styles``' format-adding calls to note those answering with a
    format added after the fork."""
    base = len(styles.xfs)
    calls: list[_Call] = []
    clone, with_format = styles.clone, styles.with_number_format

    def noted_clone(s: int, colour: str) -> int:
        found = clone(s, colour)
        if found >= base:
            calls.append(("clone", s, colour, found))
        return found

    def noted_format(s: int, num_fmt: int) -> int:
        found = with_format(s, num_fmt)
        if found >= base:
            calls.append(("format", s, num_fmt, found))
        return found

    # the worker's own copy of the book: wrapped for the rest of its (short) life
    styles.clone = noted_clone  # type: ignore[method-assign,assignment]
    styles.with_number_format = noted_format  # type: ignore[method-assign,assignment]
    return calls


def _replay(styles: StyleBook, calls: tuple[_Call, ...]) -> dict[int, int]:
    """Make the worker's calls here, in order: its new formats' numbers -> ours."""
    ours: dict[int, int] = {}
    for kind, s, arg, theirs in calls:
        base = ours.get(s, s)
        if kind == "clone":
            found = styles.clone(base, str(arg))
        else:
            found = styles.with_number_format(base, int(arg))
        ours[theirs] = found
    return ours


def _bounds(s: SheetStats) -> tuple[int, int, int, int]:
    return (s.min_row, s.min_col, s.max_row, s.max_col)


def _merge(stats: SheetStats, theirs: _Stats) -> None:
    stats.cells_changed += theirs[0]
    stats.fills_set += theirs[1]
    stats.fills_removed += theirs[2]
    min_row, min_col, max_row, max_col = theirs[3:]
    if max_row:
        stats.touch(min_row, min_col)
        stats.touch(max_row, max_col)
