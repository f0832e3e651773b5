"""A1 notation for the Google Sheets emulator: parsing ranges and writing them the way Google does.

Google accepts ``'Клиенты'!A1:C5``, ``Sheet1!A:C`` (whole columns), ``Sheet1!2:5`` (whole rows),
``Sheet1!A2:C`` (open-ended), ``A1`` (first sheet) and a bare sheet name. Responses always name
the sheet and the range clamped to the grid, quoting the sheet name only when it needs quotes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CELL = re.compile(r"^([A-Za-z]*)(\d*)$")
# A sheet name that Google writes without quotes: an ASCII identifier that is not itself a cell.
_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LOOKS_LIKE_CELL = re.compile(r"^[A-Za-z]{1,3}\d+$|^[Rr]\d*[Cc]\d*$")


class RangeError(ValueError):
    """A range Google would answer with ``Unable to parse range``."""


@dataclass(frozen=True)
class A1Range:
    """A parsed range; ``None`` bounds are open (to the grid edge).

    Indexes are 0-based and end-exclusive, like a GridRange.
    """

    sheet: str | None
    start_row: int | None
    end_row: int | None
    start_col: int | None
    end_col: int | None

    @property
    def is_single_cell(self) -> bool:
        """True for ``B2``-style references, which Google echoes without ``:B2``."""
        return (
            self.start_row is not None
            and self.start_col is not None
            and self.end_row == self.start_row + 1
            and self.end_col == self.start_col + 1
        )


@dataclass(frozen=True)
class GridBox:
    """A concrete rectangle on one sheet: 0-based, end-exclusive."""

    start_row: int
    end_row: int
    start_col: int
    end_col: int

    @property
    def rows(self) -> int:
        """Number of rows in the box."""
        return self.end_row - self.start_row

    @property
    def cols(self) -> int:
        """Number of columns in the box."""
        return self.end_col - self.start_col


def column_letters(index: int) -> str:
    """0 -> ``A``, 25 -> ``Z``, 26 -> ``AA``."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """``A`` -> 0, ``AA`` -> 26."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - ord("A") + 1)
    return n - 1


def quote_sheet_name(title: str) -> str:
    """Quote a sheet name the way Google writes it in responses."""
    if _PLAIN_NAME.match(title) and not _LOOKS_LIKE_CELL.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def _split_sheet(text: str) -> tuple[str | None, str]:
    """Split ``'Sheet'!A1:B2`` into the sheet name and the cell part."""
    if text.startswith("'"):
        i = 1
        name = []
        while i < len(text):
            ch = text[i]
            if ch == "'":
                if i + 1 < len(text) and text[i + 1] == "'":
                    name.append("'")
                    i += 2
                    continue
                break
            name.append(ch)
            i += 1
        else:
            raise RangeError(text)
        rest = text[i + 1 :]
        if rest == "":
            return "".join(name), ""
        if not rest.startswith("!"):
            raise RangeError(text)
        return "".join(name), rest[1:]
    if "!" in text:
        sheet, cells = text.rsplit("!", 1)
        return sheet, cells
    return None, text


def _parse_ref(ref: str) -> tuple[int | None, int | None]:
    """``B2`` -> (row 1, col 1); ``B`` -> (None, 1); ``2`` -> (1, None)."""
    m = _CELL.match(ref)
    if not m or not (m.group(1) or m.group(2)):
        raise RangeError(ref)
    letters, digits = m.group(1), m.group(2)
    if len(letters) > 3:
        raise RangeError(ref)
    col = column_index(letters) if letters else None
    row = int(digits) - 1 if digits else None
    if row is not None and row < 0:
        raise RangeError(ref)
    return row, col


def _parse_cells(cells: str) -> tuple[int | None, int | None, int | None, int | None]:
    """Parse the part after ``!`` into (start_row, end_row, start_col, end_col)."""
    if ":" not in cells:
        row, col = _parse_ref(cells)
        if row is None or col is None:
            raise RangeError(cells)
        return row, row + 1, col, col + 1
    left, right = cells.split(":", 1)
    r0, c0 = _parse_ref(left)
    r1, c1 = _parse_ref(right)
    # `A:C` and `2:5` are whole columns / rows; `A2:C` and `A1:1` are open-ended. A bound may
    # be open only on the right-hand side.
    if (r0 is None and r1 is not None) or (c0 is None and c1 is not None):
        raise RangeError(cells)
    start_row = r0 or 0
    start_col = c0 or 0
    end_row = r1 + 1 if r1 is not None else None
    end_col = c1 + 1 if c1 is not None else None
    # Google accepts reversed corners (`C5:A1`) and normalises them.
    if end_row is not None and end_row <= start_row:
        start_row, end_row = end_row - 1, start_row + 1
    if end_col is not None and end_col <= start_col:
        start_col, end_col = end_col - 1, start_col + 1
    return start_row, end_row, start_col, end_col


def parse_a1(text: str, sheet_titles: list[str]) -> A1Range:
    """Parse a range; a bare word that names an existing sheet means the whole sheet."""
    if not text or text.strip() != text:
        raise RangeError(text)
    sheet, cells = _split_sheet(text)
    if sheet is None and text in sheet_titles:
        return A1Range(text, None, None, None, None)
    if sheet is not None and cells == "" and not text.endswith("!"):
        return A1Range(sheet, None, None, None, None)
    start_row, end_row, start_col, end_col = _parse_cells(cells)
    return A1Range(sheet, start_row, end_row, start_col, end_col)


def clamp(rng: A1Range, row_count: int, col_count: int) -> GridBox:
    """Close the open ends of a range at the grid edge."""
    return GridBox(
        start_row=rng.start_row or 0,
        end_row=rng.end_row if rng.end_row is not None else row_count,
        start_col=rng.start_col or 0,
        end_col=rng.end_col if rng.end_col is not None else col_count,
    )


def format_box(title: str, box: GridBox) -> str:
    """``Sheet1!A1:C5``; a single cell is written as ``Sheet1!B2``."""
    first = f"{column_letters(box.start_col)}{box.start_row + 1}"
    name = quote_sheet_name(title)
    if box.rows == 1 and box.cols == 1:
        return f"{name}!{first}"
    last = f"{column_letters(box.end_col - 1)}{box.end_row}"
    return f"{name}!{first}:{last}"
