"""Parse again only the rows of a sheet that changed since its last parse (the daemon's case).

When staff edit a row or two of a 100 000-row sheet and save, every other ``<row>`` element
of the sheet part comes back byte for byte as it was. Such an element gives the same cells as
before, as long as what gives cells their values is unchanged too (shared strings, styles, the
date system: :class:`sync.sources.xlsx.read._SheetKey` checks those). So a long-lived process
that kept the row elements of its last parse (:class:`Rows`) needs calamine only for the new
or changed ones. They are parsed by calamine itself, in a small package made of the
workbook's own parts and a sheet of just those rows: the values cannot differ from a parse of
the whole sheet, because the same parser makes them from the same bytes.

A row element holds its own number (``r="12"``), so equal bytes mean the same row at the same
place. Anything this does not handle exactly (a row element without ``r`` first, a prefixed
namespace, an edit of the sheet's last row, most of the sheet changed) declines, and the
caller parses the whole sheet as before. ``tests/sources/test_xlsx_delta.py`` checks, for
random sheets and edits, that the result equals a parse of the whole sheet.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import compress, pairwise

from sync.core.model import CellValue

_SHEET_DATA = b"<sheetData>"
_SHEET_DATA_END = b"</sheetData>"
_ROW = b'<row r="'  # a row element's start when its number is its first attribute
# a cell's reference, whose row number a small sheet gives anew (``<c r="B12"`` → ``<c r="B3"``)
_END = b"</sheetData></worksheet>"
_CELL_REF = re.compile(rb'(<c\b[^>]*?\br="\$?[A-Za-z]{1,3}\$?)\d+"')

# Parsing again beats a delta when this share of the rows changed (a first write by the tool
# rewrites half of them: the next read takes the plain parse).
MOST_ROWS = 0.25


@dataclass(frozen=True, slots=True)
class Rows:
    """The row elements of a sheet part as it was parsed (in the part's order), the one that
    gave the parse its last row (``None``: no element did, e.g. a sheet without rows), and
    whether their numbers go strictly up (as every writer saves them)."""

    elements: list[bytes]
    last: bytes | None
    ordered: bool


@dataclass(frozen=True, slots=True)
class Split:
    """A sheet part cut into its ``<row>`` elements (each without its ``<row r="`` opening,
    so each starts with its number)."""

    head: bytes  # the part up to and including ``<sheetData>``
    rows: list[bytes]


def split_rows(xml: bytes) -> Split | None:
    """The row elements of sheet part ``xml``; ``None`` when they cannot be told apart safely:
    a prefixed namespace, a row element whose first attribute is not its number, anything
    but white space between rows."""
    start = xml.find(_SHEET_DATA)
    if start < 0:
        return Split(xml, []) if b"<sheetData/>" in xml and b"<row" not in xml else None
    start += len(_SHEET_DATA)
    end = xml.find(_SHEET_DATA_END, start)
    if end < 0:
        return None
    body = xml[start:end]
    pieces = body.split(_ROW)
    rows = pieces[1:]
    if pieces[0].strip() or body.count(b"<row") != len(rows):
        # text before the first row, or a row element this cannot cut (``<row>``, a row
        # element whose first attribute is not its number)
        return None
    return Split(xml[:start], rows)


def row_number(element: bytes) -> int:
    """The ``r`` of a row element of a :class:`Split`."""
    return int(element[: element.index(b'"')])


def _increasing(elements: Sequence[bytes]) -> bool:
    numbers = list(map(row_number, elements))
    return all(map(operator.lt, numbers, numbers[1:]))


def kept_rows(split: Split, n_rows: int) -> Rows:
    """What to keep of a sheet part whose parse has ``n_rows`` rows."""
    last = None
    for element in reversed(split.rows if n_rows else ()):
        number = row_number(element)
        if number == n_rows:
            last = element
        if number <= n_rows:
            break
    return Rows(split.rows, last, _increasing(split.rows))


ParseSheet = Callable[[bytes], list[list[CellValue]]]


@dataclass(frozen=True, slots=True)
class Delta:
    rows: list[list[CellValue]]  # the sheet's rows: those of the last parse where unchanged
    changed: frozenset[int]  # 1-based numbers of the rows made anew (for error cells)
    kept: Rows


def reparse(
    before: Rows, old_rows: list[list[CellValue]], split: Split, parse_sheet: ParseSheet
) -> Delta | None:
    """The rows of the sheet in ``split``, made from ``old_rows`` (the last parse, whose row
    elements ``before`` holds) and a parse of the changed row elements alone.

    ``parse_sheet`` parses a sheet part (calamine, in a package of the workbook's own parts)
    and returns its rows as the whole sheet's parse would give them (cleaned the same way).
    ``None``: not done this way (the caller parses the whole sheet).
    """
    n_old = len(old_rows)
    if n_old == 0:
        return None
    changes = _in_place(before, split.rows) or _by_content(before, split.rows)
    fresh, gone_elements, last_kept, ordered = changes
    gone = [row_number(row) for row in gone_elements]
    if len(fresh) + len(gone) > len(split.rows) * MOST_ROWS:
        return None
    numbers = [row_number(row) for row in fresh]
    if any(a >= b for a, b in pairwise(numbers)):
        return None  # rows out of order (or twice): the small sheet's end says nothing
    parsed = parse_sheet(split.head + _renumbered(fresh) + _END) if fresh else []
    # the small sheet's row i is row element i; those past its end hold no value
    end = numbers[len(parsed) - 1] if parsed else 0
    last = before.last if last_kept else None
    if last is None and end < n_old:
        # The element that held the sheet's last value changed or went: the sheet now ends
        # at a new element's row if that is at least as far; otherwise it is not known where.
        return None
    rows = old_rows[:]  # unchanged row elements: the very lists of the last parse
    for number in gone:
        if number <= n_old:
            rows[number - 1] = []
    if end > n_old:
        rows.extend([] for _ in range(end - n_old))
    for i, number in enumerate(numbers):
        if number <= len(rows):
            rows[number - 1] = parsed[i] if i < len(parsed) else []
    if last is None or end > n_old:
        last = fresh[len(parsed) - 1]
    return Delta(rows, frozenset(numbers), Rows(split.rows, last, ordered))


# (new elements not among the old, old elements not among the new, whether the old last one
# is among the new, whether the new ones' numbers go strictly up)
_Changes = tuple[list[bytes], list[bytes], bool, bool]


def _in_place(before: Rows, now: list[bytes]) -> _Changes | None:
    """The changes found by comparing the elements at each position: rows edited in place,
    added or cut at the end (the daemon's case; no hashing of 20 MB of rows). Exact when no
    two elements have one number (checked: the numbers go strictly up, before and, where
    elements changed, after): an element then sits at one place only, so one that moved is
    new where it is now and gone from where it was. None when the numbers do not go up, or
    too many positions differ (rows inserted or deleted between others)."""
    old = before.elements
    if not before.ordered:
        return None
    common = min(len(old), len(now))
    at = list(compress(range(common), map(operator.ne, old, now)))
    if len(at) + abs(len(now) - len(old)) > len(now) * MOST_ROWS:
        return None
    fresh_at = [*at, *range(common, len(now))]
    fresh = [now[i] for i in fresh_at]
    numbers = list(map(row_number, fresh))
    for i, number in zip(fresh_at, numbers, strict=True):
        if (i and row_number(now[i - 1]) >= number) or (
            i + 1 < len(now) and number >= row_number(now[i + 1])
        ):
            return None  # out of order now: ask every element
    gone = [old[i] for i in at] + old[common:]
    last = before.last
    if last is None:
        return fresh, gone, False, True
    i = _place(old, last)
    return fresh, gone, (i < common and now[i] == last) or last in fresh, True


def _place(elements: list[bytes], element: bytes) -> int:
    """Where ``element`` is in ``elements`` (once at most: the numbers go up), looked for from
    the end (the last row's element is the last one but for empty rows after it); past the
    end when it is not there."""
    for i in range(len(elements) - 1, -1, -1):
        if elements[i] == element:
            return i
    return len(elements)


def _by_content(before: Rows, now: list[bytes]) -> _Changes:
    """The changes found by set membership (any order, any shift)."""
    then, present = frozenset(before.elements), frozenset(now)
    fresh = [row for row in now if row not in then]
    gone = [row for row in before.elements if row not in present]
    return fresh, gone, before.last in present, _increasing(now)


def _renumbered(elements: list[bytes]) -> bytes:
    """The row elements as rows 1, 2, 3… of a small sheet (their cells' references too)."""
    out = []
    for i, element in enumerate(elements, 1):
        number = str(i).encode()
        tail = element[element.index(b'"') :]
        out.append(_ROW + number + _CELL_REF.sub(rb"\g<1>" + number + b'"', tail))
    return b"".join(out)
