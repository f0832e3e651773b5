"""Remembered row rewrites for a long-lived process (the daemon): a row that came out of the
writer unchanged is not rebuilt again while its bytes, its row number and its planned cells are
the same.

After a one-row edit of a 100 000-client workbook the plan touches ~50 000 rows, each already
exactly as planned; rebuilding them cell by cell is most of the write. :meth:`RowMemo.rewrite`
answers such a row from memory instead, with exactly the statistics the rebuild would give.

A row's rewrite is a pure function of

- the row's bytes, its number and its planned cells (value *with its type*: ``1 == 1.0 ==
  True`` are different cells; fill) — the key, compared exactly;
- the styles part as read (its CRC-32 and size, the tool's clones adopted from the record),
  the workbook's date system, the sheet's namespace prefix and column styles — the context,
  one memo per context;
- the shared strings, and styles this write added — read by some rows only. A row that
  consulted the shared strings, touched a style this write added (``StyleBook.fresh``), or
  names a style index beyond the styles part as read, is not remembered (it is rebuilt each
  time). So is every row while highlights are recognised by colour (no valid record: the
  originals of those styles are found lazily, in row order).

Only rows that came out unchanged are remembered; a memo keeps just the rows met in the
sheet's last write, so it stays as big as the sheet. On only while
``incremental.remembering_rows()`` (the daemon turns it on; a one-shot CLI run would only pay
for filling it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable

from sync.core.model import CellEdit
from sync.sources.xlsx.ooxml.rows import CellContext, RowWriter, SheetStats
from sync.speed import incremental

__all__ = ["RowMemo", "clear", "row_memo"]

_S_ATTR = re.compile(rb'\ss="(\d+)"')
# Key -> (planned cells, (cells_changed, fills_set, fills_removed, min_col, max_col)).
_Sig = dict[int, tuple[type, CellEdit]]
_Delta = tuple[int, int, int, int, int]
_Entry = tuple[_Sig, _Delta]

_MEMOS = incremental.RowMemos(size=8)
incremental.register(_MEMOS.clear)


def clear() -> None:
    """Forget every remembered row."""
    _MEMOS.clear()


def row_memo(context: Hashable, ctx: CellContext) -> RowMemo | None:
    """The memo for rewriting rows of a sheet in ``context`` (see the module docstring), or
    None while per-row memos are off or highlights are recognised by colour."""
    if ctx.styles.by_colour:
        return None
    memo = _MEMOS.memo(context)
    if memo is None:
        return None
    return RowMemo(memo, ctx)


class RowMemo:
    """Answers :meth:`RowWriter.rewrite` from memory where it can; :meth:`done` keeps the
    rows met in this write for the next one."""

    def __init__(self, memo: dict[Hashable, object], ctx: CellContext) -> None:
        self._memo = memo
        self._new: dict[Hashable, object] = {}
        self._ctx = ctx
        self._shared_reads = 0
        self._read_shared: Callable[[int], str | None] = ctx.shared
        ctx.shared = self._shared
        self.hits = 0

    def _shared(self, index: int) -> str | None:
        self._shared_reads += 1
        return self._read_shared(index)

    def rewrite(
        self, writer: RowWriter, row: bytes, num: int, edits: dict[int, CellEdit]
    ) -> bytes | None:
        ctx = self._ctx
        key = (num, row)
        sig = {c: (type(e.value), e) for c, e in edits.items()}
        found = self._memo.get(key)
        if found is not None:
            entry: _Entry = found  # type: ignore[assignment]
            if entry[0] == sig:
                self._new[key] = entry
                self._replay(entry[1], num)
                self.hits += 1
                return None
        outer = ctx.stats
        ctx.stats = SheetStats()
        fresh, reads = ctx.styles.fresh, self._shared_reads
        try:
            new = writer.rewrite(row, num, edits)
            stats = ctx.stats
        finally:
            ctx.stats = outer
        delta = (
            stats.cells_changed,
            stats.fills_set,
            stats.fills_removed,
            stats.min_col,
            stats.max_col if stats.max_row else 0,
        )
        self._replay(delta, num)
        if (
            new is None
            and ctx.styles.fresh == fresh
            and self._shared_reads == reads
            and self._known_styles(row)
        ):
            self._new[key] = (sig, delta)
        return new

    def _known_styles(self, row: bytes) -> bool:
        base = self._ctx.styles.base
        return all(int(m.group(1)) < base for m in _S_ATTR.finditer(row))

    def _replay(self, delta: _Delta, num: int) -> None:
        stats = self._ctx.stats
        stats.cells_changed += delta[0]
        stats.fills_set += delta[1]
        stats.fills_removed += delta[2]
        if delta[4]:
            stats.touch(num, delta[3])
            stats.touch(num, delta[4])

    def done(self) -> None:
        """The sheet is rewritten: keep exactly the rows met in this write."""
        self._ctx.shared = self._read_shared
        self._memo.clear()
        self._memo.update(self._new)
        self._new = {}
