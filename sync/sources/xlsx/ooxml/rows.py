"""Rebuild one ``<row>`` of a worksheet: planned cells get their values and styles, stray tool
highlights get the staff's style back, every other cell keeps its bytes.

This runs for every data row on a first pass (the tool's columns are filled on each row), so
the common cases take shortcuts: cells appended after the last one, cells found directly by
their ``r`` reference, encoded values cached (tool values repeat: segments, ABC, flags), and a
cell that already holds exactly the bytes we would write compared as bytes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from sync.core.model import CellEdit, CellValue, _Keep, column_letters
from sync.errors import SourceError
from sync.sources.xlsx.ooxml.cells import (
    Encoded,
    cell_attrs,
    column_number,
    current_key,
    encode_value,
)
from sync.sources.xlsx.ooxml.styles import StyleBook

_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_S_ATTR = re.compile(rb'\ss="(\d+)"')
_SPANS = re.compile(rb'\sspans="(\d+):(\d+)"')
_DROP_ON_WRITE = frozenset({b"r", b"s", b"t", b"cm", b"vm"})
_CACHE_LIMIT = 200_000


@dataclass(slots=True)
class SheetStats:
    cells_changed: int = 0
    fills_set: int = 0
    fills_removed: int = 0
    # bounds of the cells given content, for <dimension>
    min_row: int = 0
    min_col: int = 0
    max_row: int = 0
    max_col: int = 0

    def touch(self, row: int, col: int) -> None:
        if not self.max_row:
            self.min_row, self.min_col, self.max_row, self.max_col = row, col, row, col
            return
        if row > self.max_row:
            self.max_row = row
        elif row < self.min_row:
            self.min_row = row
        if col > self.max_col:
            self.max_col = col
        elif col < self.min_col:
            self.min_col = col


@dataclass(slots=True)
class CellContext:
    """What rebuilding a cell needs besides the cell itself."""

    styles: StyleBook
    date1904: bool
    shared: Callable[[int], str | None]
    label: str  # "file.xlsx, sheet 'Клиенты'" for errors
    stats: SheetStats


class RowWriter:
    """Rebuilds rows of one sheet (``p`` is the sheet's namespace prefix, usually empty)."""

    def __init__(self, p: bytes, ctx: CellContext, col_styles: list[tuple[int, int, int]]) -> None:
        self.p = p
        self.ctx = ctx
        self.col_styles = col_styles
        self.cell_re = re.compile(
            rb"<" + re.escape(p) + rb"c\b([^>]*?)(?:/>|>(.*?)</" + re.escape(p) + rb"c>)", re.S
        )
        self.close_row = b"</" + p + b"row>"
        self.cell_open = b"<" + p + b"c "
        self._enc: dict[tuple[type, CellValue], tuple[Encoded, bytes]] = {}
        self._letters: dict[int, bytes] = {}
        self._s_attrs: dict[int, bytes] = {}
        self._c_open = b"<" + p + b'c r="'
        self._ref_first = re.compile(re.escape(self._c_open) + rb'([A-Z]{1,3})(\d+)"')
        self._row_num = 0
        self._row_text = b""
        self._tool = ctx.styles.tool_set
        # A ``<c`` can only start a real cell tag (``<`` is escaped in text), and ``[^>]*``
        # stays inside that tag: the substitution cannot touch anything but a style index.
        ids = sorted(ctx.styles.tool_indexes)
        self._tool_re = (
            re.compile(
                rb"(<"
                + re.escape(p)
                + rb'c\b[^>]*?)\ss="('
                + b"|".join(str(i).encode() for i in ids)
                + rb')"'
            )
            if ids
            else None
        )

    # ----------------------------------------------------------------- rows

    def rewrite(self, row: bytes, num: int, edits: dict[int, CellEdit]) -> bytes | None:
        """The new row, or None when nothing in it changes."""
        tag_end = row.find(b">") + 1
        if row[tag_end - 2 : tag_end] == b"/>":
            cells = self._new_cells(num, edits, sorted(edits), _row_style(row[:tag_end]))
            if not cells:
                return None
            head = _widen_spans(row[: tag_end - 2].rstrip() + b">", cells[-1][0])
            return head + b"".join(c for _, c in cells) + self.close_row
        body_end = len(row) - len(self.close_row)
        direct = self._direct(row, num, edits, tag_end, body_end)
        if direct is None or isinstance(direct, bytes):
            return direct
        return self._scan(row, num, edits, tag_end, body_end, _row_style(row[:tag_end]))

    def new_row(self, num: int, edits: dict[int, CellEdit]) -> bytes | None:
        cells = self._new_cells(num, edits, sorted(edits), 0)
        if not cells:
            return None
        body = b"".join(c for _, c in cells)
        return b"<" + self.p + b'row r="' + str(num).encode() + b'">' + body + self.close_row

    def _new_cells(
        self, num: int, edits: dict[int, CellEdit], cols: list[int], row_style: int
    ) -> list[tuple[int, bytes]]:
        out = []
        for c in cols:
            new = self.cell(None, num, c, edits[c], self._default(row_style, c))
            if new:
                out.append((c, new))
        return out

    def _direct(
        self,
        row: bytes,
        num: int,
        edits: dict[int, CellEdit],
        tag_end: int,
        body_end: int,
    ) -> bytes | bool | None:
        """Edits found by reference or appended at the end, stray tool highlights restored by
        one substitution; False when the row needs a scan (a cell to insert between others,
        or cells without ``r``)."""
        last = row.rfind(self.cell_open, tag_end, body_end)
        last_col = 0
        if last >= 0:
            ref = self._ref_first.match(row, last)  # r= first, as every writer puts it
            if ref is None:
                ref = _REF.search(row, last, row.find(b">", last))
            if ref is None:
                return False
            last_col = column_number(ref.group(1))
        found: list[tuple[int, re.Match[bytes]]] = []
        cols = sorted(edits)
        tail_from = len(cols)
        suffix = str(num).encode()
        for i, c in enumerate(cols):
            if c > last_col:
                tail_from = i
                break
            at = row.find(b' r="' + self._col(c) + suffix + b'"', tag_end, body_end)
            if at < 0:
                edit = edits[c]
                empty = edit.value is None or isinstance(edit.value, _Keep)
                if empty and not isinstance(edit.fill, str):
                    continue  # an absent cell that stays empty and plain
                return False
            m = self.cell_re.match(row, row.rfind(b"<", tag_end, at))
            if m is None or not m.start(1) <= at < m.end(1):
                return False
            found.append((c, m))
        pieces: list[bytes] = [b""]  # [0]: the row's start tag
        pos = tag_end
        for c, m in found:
            new = self.cell(m, num, c, edits[c], 0)
            pieces += (self._restore_all(row[pos : m.start()]), m.group(0) if new is None else new)
            pos = m.end()
        pieces.append(self._restore_all(row[pos:body_end]))
        if tail_from < len(cols):
            row_style = _row_style(row[:tag_end])
            tail = self._new_cells(num, edits, cols[tail_from:], row_style)
            if tail:
                pieces[0] = _widen_spans(row[:tag_end], tail[-1][0])
                pieces += [c for _, c in tail]
                pieces.append(self.close_row)
                return b"".join(pieces)
        pieces[0] = row[:tag_end]
        pieces.append(self.close_row)
        new_row = b"".join(pieces)
        return None if new_row == row else new_row

    def _restore_all(self, segment: bytes) -> bytes:
        """Give every tool-highlighted cell in ``segment`` its own style back."""
        if self._tool_re is None or b' s="' not in segment:
            return segment
        new, n = self._tool_re.subn(self._restore_match, segment)
        self.ctx.stats.fills_removed += n
        return new

    def _restore_match(self, m: re.Match[bytes]) -> bytes:
        original = self.ctx.styles.original(int(m.group(2)))
        return m.group(1) + (b' s="' + str(original).encode() + b'"' if original else b"")

    def _scan(
        self,
        row: bytes,
        num: int,
        edits: dict[int, CellEdit],
        tag_end: int,
        body_end: int,
        row_style: int,
    ) -> bytes | None:
        """Walk every cell: planned ones are rebuilt, tool highlights elsewhere restored."""
        out: list[bytes] = []
        pending = sorted(edits)
        pi = 0
        last = tag_end
        col = 0
        for m in self.cell_re.finditer(row, tag_end, body_end):
            ref = _REF.search(m.group(1))
            col = column_number(ref.group(1)) if ref else col + 1
            while pi < len(pending) and pending[pi] < col:
                c = pending[pi]
                new = self.cell(None, num, c, edits[c], self._default(row_style, c))
                if new:
                    out += (row[last : m.start()], new)
                    last = m.start()
                pi += 1
            edit = edits.get(col)
            if edit is not None:
                pi += 1
                new = self.cell(m, num, col, edit, 0)
            elif b' s="' in m.group(1):
                new = self._restore(m)
            else:
                continue
            if new is not None:
                out += (row[last : m.start()], new)
                last = m.end()
        tail = self._new_cells(num, edits, pending[pi:], row_style)
        if not out and not tail:
            return None
        head = _widen_spans(row[:tag_end], tail[-1][0]) if tail else row[:tag_end]
        out.append(row[last:body_end])
        out += [c for _, c in tail]
        return head + b"".join(out) + self.close_row

    # ----------------------------------------------------------------- cells

    def _col(self, col: int) -> bytes:
        letters = self._letters.get(col)
        if letters is None:
            letters = self._letters[col] = column_letters(col).encode()
        return letters

    def _default(self, row_style: int, col: int) -> int:
        """The style Excel gives a new cell: the row's, else the column's."""
        if row_style:
            return row_style
        for lo, hi, style in self.col_styles:
            if lo <= col <= hi:
                return style
        return 0

    def _encode(self, value: CellValue, where: tuple[int, int]) -> tuple[Encoded, bytes]:
        """The encoding of a value and the cell bytes after its ``s`` attribute (cached)."""
        key = (type(value), value)
        found = self._enc.get(key)
        if found is not None:
            return found
        try:
            enc = encode_value(value, self.ctx.date1904)
        except ValueError as exc:
            ref = f"{column_letters(where[1])}{where[0]}"
            raise SourceError(f"{self.ctx.label}: cell {ref}: {exc}") from exc
        inner = enc.inner
        if self.p and inner:  # inner XML is built unprefixed
            inner = re.sub(rb"<(/?)(\w)", rb"<\1" + self.p + rb"\2", inner)
        t = b' t="' + enc.t.encode() + b'"' if enc.t else b""
        rest = t + (b">" + inner + b"</" + self.p + b"c>" if inner else b"/>")
        if len(self._enc) > _CACHE_LIMIT:
            self._enc.clear()
        self._enc[key] = (enc, rest)
        return enc, rest

    def _restore(self, m: re.Match[bytes]) -> bytes | None:
        """A cell outside the plan that carries a tool highlight gets its own style back."""
        styles = self.ctx.styles
        s_match = _S_ATTR.search(m.group(1))
        if s_match is None or not styles.is_tool(int(s_match.group(1))):
            return None
        self.ctx.stats.fills_removed += 1
        return _set_style(m.group(0), styles.original(int(s_match.group(1))))

    def cell(
        self, m: re.Match[bytes] | None, row: int, col: int, edit: CellEdit, default_style: int
    ) -> bytes | None:
        """The rebuilt cell (``b""`` drops it), or None when it stays as it is."""
        styles = self.ctx.styles
        tool = self._tool
        value = edit.value
        if m is None and not isinstance(edit.fill, str) and default_style not in tool:
            # the common case on a first pass: a new plain cell in a tool column
            if value is None or isinstance(value, _Keep):
                return None
            plain, rest = self._encode(value, (row, col))
            s = default_style
            if plain.number_format is not None and not styles.is_date_style(s):
                s = styles.with_number_format(s, plain.number_format)
            self.ctx.stats.cells_changed += 1
            self.ctx.stats.touch(row, col)
            return self._build(row, col, s, rest)
        if m is not None:
            s_match = _S_ATTR.search(m.group(1))
            cur_s = int(s_match.group(1)) if s_match else 0
        else:
            cur_s = default_style
        base = styles.original(cur_s) if cur_s in tool else cur_s
        enc: Encoded | None = None
        rest = b""
        if not isinstance(value, _Keep):
            enc, rest = self._encode(value, (row, col))
            if enc.number_format is not None and not styles.is_date_style(base):
                base = styles.with_number_format(base, enc.number_format)
        fill = edit.fill
        if isinstance(fill, str):
            new_s = styles.clone(base, fill)
        elif isinstance(fill, _Keep) and cur_s in tool:
            same = base == styles.original(cur_s)
            new_s = cur_s if same else styles.clone(base, styles.tool_colour(cur_s))
        else:
            new_s = base
        if enc is None:
            if new_s == cur_s:
                return None
            value_changed = False
        elif m is None:
            if enc.key is None and new_s == cur_s:
                return None
            value_changed = enc.key is not None
        else:
            built = self._build(row, col, new_s, rest)
            if built == m.group(0):
                return None
            inner = m.group(2) or b""
            value_changed = current_key(cell_attrs(m.group(1)), inner, self.ctx.shared) != enc.key
            if not value_changed and new_s == cur_s:
                return None
        self._count(cur_s, new_s, value_changed)
        if enc is None or not value_changed:
            if m is not None:
                return _set_style(m.group(0), new_s)
            self.ctx.stats.touch(row, col)
            return self._build(row, col, new_s, b"/>")
        assert enc is not None
        self.ctx.stats.touch(row, col)
        if m is None:
            return self._build(row, col, new_s, rest)
        inner = m.group(2) or b""
        if b"shared" in inner and b"ref=" in inner and b"<" in inner:
            ref = f"{column_letters(col)}{row}"
            raise SourceError(
                f"{self.ctx.label}: cell {ref} holds a shared formula; it is not overwritten"
            )
        attrs = cell_attrs(m.group(1))
        extra = {k: v for k, v in attrs.items() if k not in _DROP_ON_WRITE}
        if enc.key is None and new_s == 0 and not extra:
            return b""
        if extra:
            kept = b"".join(b" " + k + b'="' + v + b'"' for k, v in extra.items())
            return self._build(row, col, new_s, kept + rest)
        return self._build(row, col, new_s, rest)

    def _build(self, row: int, col: int, s: int, rest: bytes) -> bytes:
        s_attr = self._s_attrs.get(s)
        if s_attr is None:
            s_attr = self._s_attrs[s] = b' s="' + str(s).encode() + b'"' if s else b""
        if row != self._row_num:
            self._row_num, self._row_text = row, str(row).encode() + b'"'
        return b"".join((self._c_open, self._col(col), self._row_text, s_attr, rest))

    def _count(self, cur: int, new: int, value: bool) -> None:
        stats = self.ctx.stats
        tool = self._tool
        stats.cells_changed += value
        if new in tool and new != cur:
            stats.fills_set += 1
        elif cur in tool and new not in tool:
            stats.fills_removed += 1


def _row_style(tag: bytes) -> int:
    """A row's own style applies to new cells only when the row says customFormat."""
    if b'customFormat="1"' not in tag and b'customFormat="true"' not in tag:
        return 0
    return int(cell_attrs(tag).get(b"s", b"0"))


def _set_style(cell: bytes, s: int) -> bytes:
    tag_end = cell.find(b">")
    if cell[tag_end - 1 : tag_end] == b"/":
        tag_end -= 1
    tag, rest = cell[:tag_end], cell[tag_end:]
    tag = _S_ATTR.sub(b"", tag)
    if s:
        tag += b' s="' + str(s).encode() + b'"'
    return tag + rest


def _widen_spans(tag: bytes, max_col: int) -> bytes:
    m = _SPANS.search(tag)
    if m is None or max_col <= int(m.group(2)):
        return tag
    return tag[: m.start()] + f' spans="{m.group(1).decode()}:{max_col}"'.encode() + tag[m.end() :]
