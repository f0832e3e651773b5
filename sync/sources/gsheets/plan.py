"""Pure helpers of the Google Sheets source: values, colours, the tool's record, what changed.

Nothing here talks HTTP. :mod:`sync.sources.gsheets.source` reads a spreadsheet, asks this
module what a :class:`~sync.core.model.WritePlan` changes compared with what it read and with the
tool's record of its own marks, and turns the answer into Sheets API requests.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import math
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sync.core.model import KEEP, CellValue, WritePlan, _Keep

RECORD_SHEET = "_clientbase"  # hidden sheet: the tool's record of the marks it owns
RECORD_FORMAT = 1
CELL_CHARS = 45_000  # a Sheets cell holds at most 50 000 characters
# Sheets counts days from 1899-12-30 (serial 1 = 1899-12-31, 61 = 1900-03-01): unlike Excel it
# has no fake 1900-02-29, so one epoch is right for every date.
SHEETS_EPOCH = dt.datetime(1899, 12, 30)


# --------------------------------------------------------------------------- values


def serial_to_date(serial: float) -> dt.date | dt.datetime | None:
    """A Sheets serial number as a date (a datetime when it has a time of day)."""
    if math.isnan(serial) or not -657_434 <= serial <= 2_958_465:  # years 1..9999
        return None
    moment = SHEETS_EPOCH + dt.timedelta(days=serial)
    moment = moment.replace(microsecond=0) if moment.microsecond < 500_000 else moment
    if moment.time() == dt.time():
        return moment.date()
    return moment


def date_to_serial(value: dt.date) -> float:
    """The serial number Sheets stores for a date or datetime."""
    moment = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
    delta = moment.replace(tzinfo=None) - SHEETS_EPOCH
    serial = delta.days + delta.seconds / 86_400
    return float(int(serial)) if serial.is_integer() else serial


def from_api(value: object) -> CellValue:
    """A value of ``values:batchGet`` (UNFORMATTED_VALUE): ``""`` is an empty cell."""
    if value == "" or value is None:
        return None
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        return int(value) if isinstance(value, float) and value.is_integer() else value
    return str(value)


def effective(cell: Mapping[str, object]) -> CellValue:
    """A CellData's ``effectiveValue`` in the same terms as :func:`from_api`."""
    value = cell.get("effectiveValue")
    if not isinstance(value, Mapping):
        return None
    if "numberValue" in value:
        return from_api(value["numberValue"])
    if "stringValue" in value:
        return from_api(value["stringValue"])
    if "boolValue" in value:
        return bool(value["boolValue"])
    if "errorValue" in value:
        return "#ERROR"
    return None


def same(a: CellValue, b: CellValue) -> bool:
    """Do two cell values mean the same (numbers loosely, blanks alike, errors alike)?"""
    if isinstance(a, str) and not a.strip():
        a = None
    if isinstance(b, str) and not b.strip():
        b = None
    if a is None or b is None:
        return a is b
    if isinstance(a, dt.date):
        a = date_to_serial(a)
    if isinstance(b, dt.date):
        b = date_to_serial(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)))
    if isinstance(a, str) and isinstance(b, str) and a.startswith("#") and b == "#ERROR":
        return True
    return a == b


def to_api(value: CellValue) -> object:
    """A value for a RAW ``values:batchUpdate``: strings stay text, dates become serials."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return date_to_serial(value)
    return value


def cell_data(value: CellValue) -> dict[str, object]:
    """``userEnteredValue`` of a CellData: a ``stringValue`` is never parsed as a formula."""
    if value is None:
        return {}
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int | float):
        return {"numberValue": value}
    if isinstance(value, dt.date):
        return {"numberValue": date_to_serial(value)}
    return {"stringValue": str(value)}


def _digest_value(value: CellValue) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    if isinstance(value, bool):
        return "b" + str(value)
    if isinstance(value, dt.date):
        return "n" + repr(date_to_serial(value))
    if isinstance(value, int | float):
        return "n" + repr(float(value))
    return "s" + str(value)


def content_digest(grids: Mapping[str, Sequence[Sequence[CellValue]]]) -> str:
    """A hash of the sheets' values that does not depend on how a number or date is typed."""
    h = hashlib.sha256()
    for name in sorted(grids):
        h.update(b"\x00sheet\x00" + name.encode())
        for row in grids[name]:
            cells = [_digest_value(v) for v in row]
            while cells and not cells[-1]:
                cells.pop()
            h.update(("\x1f".join(cells) + "\x1e").encode("utf-8", "surrogatepass"))
        h.update(b"\x1d")
    return h.hexdigest()[:32]


# --------------------------------------------------------------------------- colours


def argb_to_color(argb: str) -> dict[str, float]:
    """``"FFFFC7CE"`` as a Sheets Color (channels 0..1)."""
    rgb = argb[-6:]
    return {
        "red": round(int(rgb[0:2], 16) / 255, 4),
        "green": round(int(rgb[2:4], 16) / 255, 4),
        "blue": round(int(rgb[4:6], 16) / 255, 4),
    }


def color_to_argb(color: object) -> str | None:
    """A Sheets Color as ARGB; ``None`` for no colour. White counts as no colour."""
    if not isinstance(color, Mapping) or not color:
        return None

    def channel(name: str) -> int:
        value = color.get(name, 0.0)
        return max(0, min(255, round(float(value) * 255))) if isinstance(value, int | float) else 0

    argb = f"FF{channel('red'):02X}{channel('green'):02X}{channel('blue'):02X}"
    return None if argb == "FFFFFFFF" else argb


def note_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()[:16]


# --------------------------------------------------------------------------- the record


@dataclass(slots=True)
class Mark:
    """What the tool put on one cell: its fill (ARGB), a hash of its note, and the cell's
    background before the tool painted it (restored when the problem goes away)."""

    fill: str | None = None
    note: str | None = None  # note_hash of the tool's note
    original_fill: str | None = None
    row_id: str | None = None  # the client ID of the row, to follow rows staff moved

    @property
    def empty(self) -> bool:
        return self.fill is None and self.note is None


Key = tuple[str, int, int]  # (sheet, row, col), 1-based
Record = dict[Key, Mark]


def encode_record(record: Mapping[Key, Mark]) -> list[str]:
    """The record as a few cells of text (compressed JSON, split below the cell limit)."""
    marks = [
        [s, r, c, m.fill, m.note, m.original_fill, m.row_id]
        for (s, r, c), m in sorted(record.items())
        if not m.empty
    ]
    payload = json.dumps({"format": RECORD_FORMAT, "marks": marks}, ensure_ascii=False)
    text = base64.b64encode(zlib.compress(payload.encode("utf-8"), 6)).decode("ascii")
    return [text[i : i + CELL_CHARS] for i in range(0, len(text), CELL_CHARS)] or [""]


def decode_record(cells: Iterable[object]) -> Record:
    """The record written by :func:`encode_record`; an unreadable one counts as empty (the
    tool then owns no marks: it never clears what it cannot prove is its own)."""
    text = "".join(c for c in cells if isinstance(c, str))
    if not text:
        return {}
    try:
        data = json.loads(zlib.decompress(base64.b64decode(text)).decode("utf-8"))
        if data.get("format") != RECORD_FORMAT:
            return {}
        out: Record = {}
        for sheet, row, col, fill, note, original, row_id in data["marks"]:
            out[(str(sheet), int(row), int(col))] = Mark(fill, note, original, row_id)
        return out
    except (ValueError, TypeError, KeyError, zlib.error):
        return {}


def follow_rows(record: Record, sheet: str, id_at: Mapping[int, str]) -> Record:
    """Move marks of ``sheet`` to the row that now holds their client ID (staff inserted or
    deleted rows above; Sheets moved the formatting with the row, so the record follows)."""
    row_of: dict[str, int] = {}
    for row, ident in id_at.items():
        row_of.setdefault(ident, row)
    out: Record = {}
    for (s, row, col), mark in record.items():
        at = row
        if s == sheet and mark.row_id and id_at.get(row) != mark.row_id:
            at = row_of.get(mark.row_id, row)
        out.setdefault((s, at, col), mark)
    return out


# --------------------------------------------------------------------------- what changes


@dataclass(slots=True)
class Change:
    """One cell to touch. ``value`` KEEP: leave it; ``fill`` / ``note``: the tool's wanted
    mark (``None``: the tool's mark should go), KEEP: leave the mark as it is."""

    value: CellValue | _Keep = KEEP
    fill: str | _Keep | None = KEEP
    note: str | _Keep | None = KEEP


def changes(
    plan: WritePlan, grids: Mapping[str, Sequence[Sequence[CellValue]]], record: Record
) -> dict[str, dict[tuple[int, int], Change]]:
    """Per staff sheet, the cells whose value or tool mark must change; empty when the sheet
    already shows what the plan wants (so a second pass writes nothing)."""
    out: dict[str, dict[tuple[int, int], Change]] = {}
    for sheet_edits in plan.edits:
        sheet = sheet_edits.sheet
        rows = grids.get(sheet, ())
        found: dict[tuple[int, int], Change] = {}
        planned: set[tuple[int, int]] = set()
        for edit in sheet_edits.cells:
            key = (edit.row, edit.col)
            planned.add(key)
            change = Change()
            if not isinstance(edit.value, _Keep):
                line = rows[edit.row - 1] if edit.row <= len(rows) else ()
                current = line[edit.col - 1] if edit.col <= len(line) else None
                if not same(current, edit.value) or (
                    # a text the tool writes must be text (a number typed there is not)
                    isinstance(edit.value, str) and not isinstance(current, str)
                ):
                    change.value = edit.value
            mark = record.get((sheet, edit.row, edit.col), Mark())
            if not isinstance(edit.fill, _Keep) and edit.fill != mark.fill:
                change.fill = edit.fill
            if not isinstance(edit.note, _Keep):
                wanted = note_hash(edit.note) if isinstance(edit.note, str) else None
                if wanted != mark.note:
                    change.note = edit.note
            if not (
                isinstance(change.value, _Keep)
                and isinstance(change.fill, _Keep)
                and isinstance(change.note, _Keep)
            ):
                found[key] = change
        for (s, row, col), mark in record.items():
            if s != sheet or (row, col) in planned or mark.empty:
                continue
            found[(row, col)] = Change(
                fill=None if mark.fill else KEEP, note=None if mark.note else KEEP
            )
        if found:
            out[sheet] = found
    return out


def row_bands(rows: Iterable[int], max_bands: int = 120) -> list[tuple[int, int]]:
    """Contiguous (first, last) row bands covering ``rows``; gaps are bridged until there are
    at most ``max_bands`` (a request names each band, and its URL must stay short)."""
    ordered = sorted(set(rows))
    gap = 1
    while True:
        bands: list[tuple[int, int]] = []
        for row in ordered:
            if bands and row - bands[-1][1] <= gap:
                bands[-1] = (bands[-1][0], row)
            else:
                bands.append((row, row))
        if len(bands) <= max_bands:
            return bands
        gap *= 2
