"""Fast, typed reading of ``.xlsx`` / ``.xlsm`` sheets (python-calamine) into :class:`SheetGrid`.

calamine reads values with their types (dates from date-formatted numbers, numbers, strings,
booleans) several times faster than openpyxl, but turns error cells (``#N/A``) into empty
strings. Staff must be told about an error cell rather than have it pass as empty, so error
cells are recovered from the sheet XML, which we only scan when it holds any (``t="e"``).
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import re
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sync.core.config import LimitsConfig
from sync.core.messages import notice
from sync.core.model import CellValue, ExcelError, SheetGrid
from sync.errors import SourceError
from sync.sources.xlsx.delta import Rows, kept_rows, reparse, split_rows
from sync.sources.xlsx.guard import NotWellFormed, check_package, check_xml, diagnose
from sync.sources.xlsx.ooxml.zip import inflate_entry
from sync.speed.incremental import RECENT_SLOTS, register, remembering_rows

_ZIP_MAGIC = b"PK\x03\x04"
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE: legacy .xls or an encrypted OOXML package

_ERROR_CELL = re.compile(rb"<c\b([^>]*\bt=\"e\"[^>]*)>(.*?)</c>", re.DOTALL)
_REF_ATTR = re.compile(rb"\br=\"([A-Z]+)(\d+)\"")
_VALUE = re.compile(rb"<v>([^<]*)</v>")


def sniff_package(path: Path, language: str = "en") -> None:
    """Raise a clear :class:`SourceError` (in ``language``) when the file is not a readable
    xlsx package."""
    name = {"file": path.name}
    try:
        with path.open("rb") as fh:
            head = fh.read(512)
    except FileNotFoundError as exc:
        raise SourceError(notice("file.not_found", language, name)) from exc
    except OSError as exc:
        reason = {**name, "reason": exc.strerror or ""}
        raise SourceError(notice("file.cannot_open", language, reason)) from exc
    if not head:
        raise SourceError(notice("file.empty", language, name))
    if head.startswith(_CFB_MAGIC):
        raise SourceError(notice("file.protected_or_xls", language, name))
    if not head.startswith(_ZIP_MAGIC):
        code = "file.text" if _looks_like_text(head) else "file.not_zip"
        raise SourceError(notice(code, language, name))
    if not zipfile.is_zipfile(path):
        raise SourceError(notice("file.incomplete_zip", language, name))


def _looks_like_text(head: bytes) -> bool:
    """Text in any encoding a CSV export comes in (UTF-8, even with a letter cut at the end
    of ``head``, or a one-byte Cyrillic code page): no control bytes but tab / CR / LF."""
    return all(b >= 32 or b in (9, 10, 13) for b in head)


def _open(path: Path, package: io.BytesIO | None = None) -> Any:
    """calamine's workbook of ``path`` (or of ``package``, made from it)."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        if package is not None:
            return CalamineWorkbook.from_filelike(package)
        return CalamineWorkbook.from_path(str(path))
    except CalamineError as exc:  # ZipError, XmlError, PasswordError are subclasses
        raise _Unreadable(path.name) from exc
    except Exception as exc:  # calamine raises plain errors for some damaged packages
        raise _Unreadable(path.name) from exc


class _Unreadable(SourceError):
    """A parser refused the package; :func:`read_grids` says which part and why."""


def _read_sheet(path: Path, name: str, package: io.BytesIO | None = None) -> SheetGrid:
    workbook = _open(path, package)
    try:
        raw = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except Exception as exc:
        raise _Unreadable(path.name) from exc
    finally:
        workbook.close()
    return SheetGrid(name, [_clean_row(r) for r in raw])


def read_grids(
    path: Path,
    sheets: Sequence[str],
    settle: Callable[[], None] | None = None,
    limits: LimitsConfig | None = None,
    language: str = "en",
) -> tuple[dict[str, SheetGrid], tuple[str, ...], tuple[str, ...]]:
    """Read the named sheets; return the grids, the names that the workbook lacks and every
    sheet it has.

    The package is checked first (:mod:`sync.sources.xlsx.guard`: sizes, ratios, names,
    CRCs): no parser sees a zip bomb or a damaged part, and a refusal names the part.

    Sheets are parsed in parallel threads: calamine parses outside the GIL, and the orders
    sheet is usually the biggest part of the file. The scan for error cells runs in the same
    pool (zlib inflates outside the GIL too), so it costs no extra wall time.

    ``settle`` is called once the sheets are read; it raises when the file changed meanwhile
    (the caller compares versions). While a long-lived process remembers rows
    (:func:`sync.speed.incremental.remember_rows`: the daemon), a sheet whose parts are unchanged
    since the last read of ``path`` comes back as the very same :class:`SheetGrid` (see
    :class:`_SheetKey`); a grid handed out is never modified afterwards, here or downstream.
    """
    sniff_package(path, language)
    check_package(path, limits or LimitsConfig(), language)
    try:
        workbook = _open(path)
        try:
            present = tuple(workbook.sheet_names)
        finally:
            workbook.close()
        grids, missing = _read_grids(path, sheets, present, settle)
    except (_Unreadable, NotWellFormed) as exc:
        try:
            with zipfile.ZipFile(path) as zf:
                parts = sheet_parts(zf)
        except (zipfile.BadZipFile, OSError, KeyError):
            parts = {}
        if isinstance(exc, NotWellFormed):
            sheet = next((n for n, p in parts.items() if p == exc.part), "?")
            params = {"file": path.name, "part": exc.part, "sheet": sheet}
            raise SourceError(notice("package.bad_xml", language, params)) from None
        raise SourceError(diagnose(path, parts, language)) from exc
    return grids, missing, present


def _read_grids(
    path: Path,
    sheets: Sequence[str],
    present: tuple[str, ...],
    settle: Callable[[], None] | None,
) -> tuple[dict[str, SheetGrid], tuple[str, ...]]:
    wanted = list(dict.fromkeys(n for n in sheets if n in present))
    missing = tuple(n for n in sheets if n not in present)
    if not wanted:
        if settle is not None:
            settle()
        return {}, missing
    try:
        with zipfile.ZipFile(path) as zf:
            parts, keys = _package(zf, wanted)
    except (zipfile.BadZipFile, OSError, KeyError) as exc:
        raise _Unreadable(path.name) from exc
    remember = remembering_rows()
    where = str(path.absolute())
    known = _PARSED.get(where) if remember else None
    grids: dict[str, SheetGrid] = {}
    kept: dict[str, _Parsed] = {}
    for name in wanted:
        hit = known.get(name) if known is not None else None
        if hit is not None and keys[name] is not None and hit.key == keys[name]:
            grids[name] = hit.grid
            kept[name] = hit
    todo = [n for n in wanted if n not in grids]
    # a sheet whose own part alone changed (its shared strings at most grew): only its new or
    # changed rows are parsed
    strings = _StringsNow(path) if remember else None
    deltas: dict[str, tuple[_Parsed, _SheetKey]] = {}
    for name in todo:
        hit = known.get(name) if known is not None else None
        key = keys[name]
        if hit is None or hit.rows is None or key is None:
            continue
        changed = hit.key.shared_changes(key)
        if changed == [] or (
            changed is not None
            and len(changed) == 1
            and _is_shared_strings(changed[0])
            and strings is not None
            and strings.grew_from(changed[0], hit.strings)
        ):
            deltas[name] = (hit, key)
    texts: dict[str, bytes | None] = {}
    if todo:
        with ThreadPoolExecutor(max_workers=max(1, min(4, 2 * len(todo)))) as pool:

            def parse(names: list[str]) -> None:
                reads = [pool.submit(_read_sheet, path, n) for n in names]
                scans = [pool.submit(_scan_errors, path, parts.get(n), remember) for n in names]
                for name, read, scan in zip(names, reads, scans, strict=True):
                    found, texts[name] = scan.result()
                    grids[name] = _with_errors(read.result(), found)

            tries = {n: pool.submit(_delta, path, n, hit) for n, (hit, _) in deltas.items()}
            parse([n for n in todo if n not in deltas])
            declined = []
            for name, tried in tries.items():
                done = tried.result()
                if done is None:
                    declined.append(name)
                else:
                    grid, elements = done
                    grids[name] = grid
                    new_key = deltas[name][1]
                    kept[name] = _Parsed(
                        new_key, grid, _cells(grid), elements, _strings_of(new_key, strings)
                    )
            parse(declined)
    if settle is not None:
        settle()
    if remember:
        for name in todo:
            if (key := keys[name]) is not None and name not in kept:
                text = texts.get(name)
                split = split_rows(text) if text is not None else None
                known_rows = kept_rows(split, len(grids[name].rows)) if split else None
                kept[name] = _Parsed(
                    key, grids[name], _cells(grids[name]), known_rows, _strings_of(key, strings)
                )
        _PARSED.put(where, kept)
    return {n: grids[n] for n in wanted}, missing


def _with_errors(grid: SheetGrid, found: list[tuple[int, int, str]] | None) -> SheetGrid:
    """``grid`` (just parsed, not yet handed out) with its error cells put back."""
    if found is None:
        return grid  # no part to scan: unknown
    if not found:
        return SheetGrid(grid.name, grid.rows, has_errors=False)
    _put_errors(grid.rows, found)
    return grid


def _put_errors(
    rows: list[list[CellValue]],
    found: list[tuple[int, int, str]],
    only: frozenset[int] | None = None,
) -> None:
    """Put the error cells ``found`` into ``rows`` (those of the rows in ``only``, if given:
    the lists of the others are a last parse's, which has them already)."""
    for row, col, code in found:
        if only is not None and row not in only:
            continue
        while len(rows) < row:
            rows.append([])
        cells = rows[row - 1]
        while len(cells) < col:
            cells.append(None)
        cells[col - 1] = ExcelError(code)


# ------------------------------------------------------------------ the daemon's last parses


@dataclass(frozen=True, slots=True)
class _SheetKey:
    """What calamine's parse of one sheet is made from, as the zip's central directory tells
    it (CRC-32 and size, nothing inflated): the sheet's part; the workbook-wide parts that
    give cells their values (shared strings; styles: which numbers are dates; the
    relationships that locate them); and the ``<workbookPr>`` tag of workbook.xml (date1904).
    The rest of workbook.xml (the active tab, defined names) does not change a sheet's cells.
    """

    name: str
    part: str
    sheet: tuple[int, int]
    shared: tuple[tuple[str, int, int], ...]
    book: bytes

    def shared_changes(self, other: _SheetKey) -> list[str] | None:
        """The workbook-wide parts that differ between two keys of the same sheet, whatever its
        own part (``[]``: its unchanged row elements give the same cells, see
        :mod:`sync.sources.xlsx.delta`); None when the sheet, its part, the parts' set or the
        date system differ."""
        if (self.name, self.part, self.book) != (other.name, other.part, other.book):
            return None
        mine = {n: rest for n, *rest in self.shared}
        theirs = {n: rest for n, *rest in other.shared}
        if mine.keys() != theirs.keys():
            return None
        return [n for n in mine if mine[n] != theirs[n]]


@dataclass(frozen=True, slots=True)
class _Parsed:
    key: _SheetKey
    grid: SheetGrid  # the very object handed out: never modified
    cells: int
    rows: Rows | None = None  # its part's row elements (None: not known)
    strings: _Strings | None = None  # the shared strings it was parsed with (None: none)


@dataclass(frozen=True, slots=True)
class _Strings:
    """A shared strings part's list of strings (the bytes after its start tag, whose counts
    change with every string added), by length and SHA-1."""

    length: int
    digest: bytes


_SST_START = re.compile(rb"<(?:\w+:)?sst\b[^>]*>")


class _StringsNow:
    """The shared strings of the workbook being read, inflated once when first asked for."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lists: dict[str, bytes | None] = {}

    def _list(self, part: str) -> bytes | None:
        if part not in self._lists:
            data = _inflated(self._path, part)
            start = _SST_START.search(data) if data is not None else None
            self._lists[part] = None if data is None or start is None else data[start.end() :]
        return self._lists[part]

    def grew_from(self, part: str, before: _Strings | None) -> bool:
        """Whether the strings of ``part`` begin with the strings ``before`` had: then every
        index in an unchanged row element still names the same string."""
        now = self._list(part)
        return (
            before is not None
            and now is not None
            and len(now) >= before.length
            and hashlib.sha1(now[: before.length], usedforsecurity=False).digest() == before.digest
            and now[before.length :].lstrip().startswith((b"<si>", b"<si ", b"</"))
        )

    def of(self, part: str) -> _Strings | None:
        now = self._list(part)
        if now is None:
            return None
        end = now.rfind(b"</")  # the end tag of the list: what grows is before it
        body = now[:end] if end >= 0 else now
        return _Strings(len(body), hashlib.sha1(body, usedforsecurity=False).digest())


def _strings_of(key: _SheetKey, strings: _StringsNow | None) -> _Strings | None:
    """The shared strings a sheet read with ``key`` was parsed with (None: the workbook has
    none, or they are not kept)."""
    if strings is None:
        return None
    part = next((n for n, _c, _s in key.shared if _is_shared_strings(n)), None)
    return strings.of(part) if part is not None else None


PARSED_CELL_LIMIT = 3_000_000  # cells kept over all workbooks (~400 MB: one 100 000-client base)


class _LastParses:
    """The last parse of each sheet of the few most recently read workbooks (by path), within
    a budget of cells; the least recently read workbook goes first."""

    def __init__(self, size: int = RECENT_SLOTS, cell_limit: int = PARSED_CELL_LIMIT) -> None:
        self._size = size
        self._cell_limit = cell_limit
        self._books: OrderedDict[str, dict[str, _Parsed]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, where: str) -> dict[str, _Parsed] | None:
        with self._lock:
            return self._books.get(where)

    def put(self, where: str, sheets: dict[str, _Parsed]) -> None:
        with self._lock:
            self._books[where] = sheets
            self._books.move_to_end(where, last=False)
            total = 0
            for i, (book, parsed) in enumerate(list(self._books.items())):
                total += sum(p.cells for p in parsed.values())
                if i >= self._size or (i and total > self._cell_limit):
                    del self._books[book]

    def clear(self) -> None:
        with self._lock:
            self._books.clear()

    def __len__(self) -> int:
        return len(self._books)


_PARSED = _LastParses()
register(_PARSED.clear)


def _cells(grid: SheetGrid) -> int:
    return sum(map(len, grid.rows))


_SHARED_STRINGS = "sharedstrings.xml"
_SHARED_PARTS = (_SHARED_STRINGS, "styles.xml")  # by base name, wherever they are


def _is_shared_strings(part: str) -> bool:
    return posixpath.basename(part).lower() == _SHARED_STRINGS


_WORKBOOK_PR = re.compile(rb"<(?:\w+:)?workbookPr\b[^>]*>")
_RELS = "xl/_rels/workbook.xml.rels"


def _package(
    zf: zipfile.ZipFile, wanted: Sequence[str]
) -> tuple[dict[str, str], dict[str, _SheetKey | None]]:
    """The sheets' parts, and what each sheet's parse is made from (None: not known)."""
    workbook = zf.read("xl/workbook.xml")
    parts = _sheet_parts(workbook, zf.read(_RELS))
    infos = zf.NameToInfo
    shared = tuple(
        sorted(
            (i.filename, i.CRC, i.file_size)
            for i in zf.infolist()
            if i.filename == _RELS or posixpath.basename(i.filename).lower() in _SHARED_PARTS
        )
    )
    pr = _WORKBOOK_PR.search(workbook)
    book = pr.group(0) if pr else b""
    keys: dict[str, _SheetKey | None] = {}
    for name in wanted:
        part = parts.get(name)
        info = infos.get(part) if part is not None else None
        keys[name] = (
            None
            if part is None or info is None
            else _SheetKey(name, part, (info.CRC, info.file_size), shared, book)
        )
    return parts, keys


def _clean_row(row: list[object]) -> list[CellValue]:
    # calamine gives "" for an empty cell; the core wants None so "" never passes as a value.
    # Most rows of a long sheet (an orders sheet: all of them) have no empty cell: the scan
    # for "" runs in C and such a row, a fresh list from calamine, is kept as it is (7x faster).
    out = [None if v == "" else v for v in row] if "" in row else row
    while out and out[-1] is None:
        out.pop()
    return out  # type: ignore[return-value]  # calamine yields only CellValue types


_ERROR_MARK = b't="e"'


def _scan_errors(
    path: Path, part: str | None, keep_text: bool = False
) -> tuple[list[tuple[int, int, str]] | None, bytes | None]:
    """The error cells of sheet part ``part`` (none: the usual case; None without a part), and
    the part's text when ``keep_text`` (the daemon remembers its row elements).

    The part is inflated (ISA-L's inflate, twice as fast as zlib's) and only searched for
    ``t="e"``; it is parsed for error cells only when it holds that mark."""
    if part is None:
        return None, None
    data = _inflated(path, part)
    if data is None:
        return None, None
    check_xml(data, part)  # calamine passes some broken parts, which the writer would keep
    return (_error_cells(data) if _ERROR_MARK in data else []), (data if keep_text else None)


def _inflated(path: Path, part: str) -> bytes | None:
    try:
        with zipfile.ZipFile(path) as zf, path.open("rb") as fh:
            info = zf.NameToInfo.get(part)
            return None if info is None else inflate_entry(fh, info)
    except (zipfile.BadZipFile, OSError, NotImplementedError) as exc:
        raise _Unreadable(path.name) from exc


# ------------------------------------------------------------------ only the changed rows


def _delta(path: Path, name: str, hit: _Parsed) -> tuple[SheetGrid, Rows] | None:
    """Sheet ``name`` made from its last parse ``hit`` and a parse of its changed rows alone
    (:mod:`sync.sources.xlsx.delta`); None when that cannot be done exactly."""
    assert hit.rows is not None
    data = _inflated(path, hit.key.part)
    if data is not None:
        check_xml(data, hit.key.part)
    split = split_rows(data) if data is not None else None
    if data is None or split is None:
        return None

    def parse_sheet(sheet_xml: bytes) -> list[list[CellValue]]:
        return _parse_alone(path, name, hit.key, sheet_xml)

    delta = reparse(hit.rows, hit.grid.rows, split, parse_sheet)
    if delta is None:
        return None
    found = _error_cells(data) if _ERROR_MARK in data else []
    _put_errors(delta.rows, found, delta.changed)
    return SheetGrid(name, delta.rows, has_errors=None if found else False), delta.kept


def _parse_alone(path: Path, name: str, key: _SheetKey, sheet_xml: bytes) -> list[list[CellValue]]:
    """calamine's rows of ``sheet_xml`` as sheet ``name`` of the workbook at ``path``: in a
    small package of the workbook's parts that give cells their values, and this sheet."""
    small = io.BytesIO()
    try:
        with zipfile.ZipFile(path) as zf, zipfile.ZipFile(small, "w") as out:
            names = ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml"]
            names += [part for part, _crc, _size in key.shared]
            for part in names:
                if part in zf.NameToInfo:
                    out.writestr(part, zf.read(part))
            out.writestr(key.part, sheet_xml)
    except (zipfile.BadZipFile, OSError, KeyError) as exc:
        raise _Unreadable(path.name) from exc
    small.seek(0)
    return _read_sheet(path, name, small).rows


def _error_cells(sheet_xml: bytes) -> list[tuple[int, int, str]]:
    found = []
    for m in _ERROR_CELL.finditer(sheet_xml):
        ref = _REF_ATTR.search(m.group(1))
        value = _VALUE.search(m.group(2))
        if ref is None or value is None:
            continue  # writers that omit r= never write error cells in practice
        found.append(
            (
                int(ref.group(2)),
                column_index(ref.group(1).decode()),
                value.group(1).decode("utf-8", "replace"),
            )
        )
    return found


def column_index(letters: str) -> int:
    """``"A"`` → 1, ``"AB"`` → 28."""
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_ATTR = re.compile(rb"([\w:]+)=\"([^\"]*)\"")
_REL_TAG = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Map sheet name → zip part name, from workbook.xml and its relationships."""
    return _sheet_parts(zf.read("xl/workbook.xml"), zf.read(_RELS))


def _sheet_parts(workbook: bytes, rels: bytes) -> dict[str, str]:
    import html

    targets: dict[str, str] = {}
    for tag in _REL_TAG.findall(rels):
        attrs = dict(_ATTR.findall(tag))
        rid, target = attrs.get(b"Id"), attrs.get(b"Target")
        if rid and target:
            t = html.unescape(target.decode())
            targets[rid.decode()] = (
                t.lstrip("/") if t.startswith("/") else posixpath.normpath(posixpath.join("xl", t))
            )
    parts: dict[str, str] = {}
    for tag in _SHEET_TAG.findall(workbook):
        pairs = _ATTR.findall(tag)
        name = next((v for k, v in pairs if k == b"name"), None)
        rid = next((v for k, v in pairs if k.endswith(b":id")), None)
        if name is None or rid is None:
            continue
        target = targets.get(rid.decode())
        if target:
            parts[html.unescape(name.decode())] = target
    return parts
