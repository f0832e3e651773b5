"""What a workbook package must pass before any parser sees it.

calamine (Rust) aborts the whole process, uncatchably, when a part inflates past the memory
it can get, and zipfile / calamine disagree on duplicate entry names. So before a read:

* the central directory is checked: every part name relative and inside the package, no name
  twice (OPC names are case-insensitive), declared sizes and ratios within ``[limits]``;
* every part is inflated in bounded chunks, never past what it declares nor past the limits,
  and its CRC-32 compared: a lying size or damaged data is refused before calamine inflates it.

When calamine still fails, :func:`diagnose` names the part: each XML part is parsed by expat
(streamed, no DTD) until one is not well-formed.

Parts whose compressed bytes were checked before are not inflated again (the daemon re-reads a
workbook after each save; most of its parts are unchanged).
"""

from __future__ import annotations

import hashlib
import os
import re
import struct
import threading
import types
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

from sync.core.config import LimitsConfig
from sync.core.messages import notice
from sync.errors import SourceError

_inflate_lib: types.ModuleType = zlib
try:  # ISA-L inflates twice as fast as zlib, with the same interface
    from isal import isal_zlib

    _inflate_lib = isal_zlib
except ImportError:  # pragma: no cover - isal is a dependency; zlib is the fallback
    pass

MB = 1 << 20
_RATIO_FLOOR = MB  # parts smaller than this may compress as well as they like
_CHUNK = 1 << 20
_LOCAL_SIG = b"PK\x03\x04"
_DRIVE = re.compile(r"^[A-Za-z]:")


class _Refusal(Exception):
    def __init__(self, code: str, **params: str) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class _Checked:
    """Digests of compressed entries that inflated to their declared size and CRC."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._keys: OrderedDict[bytes, None] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, key: bytes) -> bool:
        with self._lock:
            return key in self._keys

    def add(self, key: bytes) -> None:
        with self._lock:
            self._keys[key] = None
            while len(self._keys) > self._size:
                self._keys.popitem(last=False)


_CHECKED = _Checked()


def check_package(path: Path, limits: LimitsConfig, language: str) -> None:
    """Raise :class:`SourceError` (in ``language``) unless the package at ``path`` is safe to
    hand to a parser; ``sniff_package`` has passed."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
        _check_directory(infos, limits)
        with ThreadPoolExecutor(max_workers=2) as pool:  # zlib inflates outside the GIL
            big_first = sorted(infos, key=lambda i: i.compress_size, reverse=True)
            for done in [pool.submit(_check_entry, path, i, limits) for i in big_first]:
                done.result()
    except _Refusal as refusal:
        raise SourceError(
            notice(refusal.code, language, {"file": path.name, **refusal.params})
        ) from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise SourceError(
            notice(
                "package.damaged",
                language,
                {"file": path.name, "part": "(zip)", "reason": _reason(exc)},
            )
        ) from exc


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return "the zip directory is damaged"


def _check_directory(infos: list[zipfile.ZipInfo], limits: LimitsConfig) -> None:
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        segments = re.split(r"[/\\]", name)
        if name.startswith(("/", "\\")) or _DRIVE.match(name) or ".." in segments:
            raise _Refusal("package.bad_name", part=name)
        key = name.lower()
        if key in seen:
            raise _Refusal("package.duplicate", part=name)
        seen.add(key)
        if info.flag_bits & 0x1:
            raise _Refusal("package.damaged", part=name, reason="encrypted")
        if info.file_size > limits.max_part_mb * MB:
            raise _Refusal(
                "package.part_too_big",
                part=name,
                size=str(info.file_size // MB),
                limit=str(limits.max_part_mb),
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _RATIO_FLOOR and ratio > limits.max_ratio:
            raise _Refusal(
                "package.ratio", part=name, ratio=str(int(ratio)), limit=str(limits.max_ratio)
            )
        total += info.file_size
    if total > limits.max_unpacked_mb * MB:
        raise _Refusal("package.too_big", size=str(total // MB), limit=str(limits.max_unpacked_mb))


def _check_entry(path: Path, info: zipfile.ZipInfo, limits: LimitsConfig) -> None:
    if info.is_dir() and info.file_size == 0:
        return
    with path.open("rb") as fh:
        comp = _compressed(fh, info)
    key = hashlib.sha1(comp, usedforsecurity=False).digest() + struct.pack(
        "<QQI", info.file_size, info.compress_type, info.CRC
    )
    if key in _CHECKED:
        return
    cap = min(info.file_size, limits.max_part_mb * MB)
    if info.compress_type == zipfile.ZIP_STORED:
        size, crc = len(comp), zlib.crc32(comp)
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        size, crc = _inflate_bounded(comp, cap, info.filename)
    else:
        raise _Refusal(
            "package.damaged", part=info.filename, reason=f"compression {info.compress_type}"
        )
    if size > cap:
        raise _Refusal("package.size_lie", part=info.filename)
    if size != info.file_size or crc != info.CRC:
        raise _Refusal("package.crc", part=info.filename)
    _CHECKED.add(key)


def _compressed(fh: BinaryIO, info: zipfile.ZipInfo) -> bytes:
    fh.seek(info.header_offset)
    head = fh.read(30)
    if len(head) != 30 or head[:4] != _LOCAL_SIG:
        raise _Refusal("package.damaged", part=info.filename, reason="bad local header")
    name_len, extra_len = struct.unpack("<HH", head[26:30])
    fh.seek(name_len + extra_len, os.SEEK_CUR)
    comp = fh.read(info.compress_size)
    if len(comp) != info.compress_size:
        raise _Refusal("package.damaged", part=info.filename, reason="truncated")
    return comp


def _inflate_bounded(comp: bytes, cap: int, name: str) -> tuple[int, int]:
    """Size and CRC-32 of ``comp`` inflated, stopping once past ``cap`` bytes (memory stays a
    few MB whatever the part claims)."""
    inflater = _inflate_lib.decompressobj(-15)
    size = crc = 0
    data = memoryview(comp)
    pending: bytes | memoryview = data
    try:
        while pending:
            out = inflater.decompress(pending, _CHUNK)
            pending = inflater.unconsumed_tail
            size += len(out)
            if size > cap:
                return size, crc
            crc = _inflate_lib.crc32(out, crc)
            if not out and not pending:
                break
        while not inflater.eof:  # data left buffered inside the inflater
            out = inflater.decompress(b"", _CHUNK)
            if not out:
                break
            size += len(out)
            if size > cap:
                return size, crc
            crc = _inflate_lib.crc32(out, crc)
    except Exception:  # zlib.error, or ISA-L's own error class
        raise _Refusal("package.crc", part=name) from None
    if not inflater.eof:
        raise _Refusal("package.damaged", part=name, reason="truncated")
    return size, crc


# ------------------------------------------------------------------ naming the culprit


def diagnose(path: Path, sheets: dict[str, str], language: str) -> str:
    """A message naming the XML part that is not well-formed (and its sheet), or a general
    one; for when calamine refused a package that :func:`check_package` passed."""
    by_part = {part: sheet for sheet, part in sheets.items()}
    try:
        with zipfile.ZipFile(path) as zf:
            names = [i.filename for i in zf.infolist() if i.filename.endswith((".xml", ".rels"))]
            names.sort(key=lambda n: (n not in by_part, n))  # sheets first
            for name in names:
                reason = _xml_error(zf, name)
                if reason is None:
                    continue
                if name in by_part:
                    params = {"file": path.name, "part": name, "sheet": by_part[name]}
                    return notice("package.bad_xml", language, params)
                params = {"file": path.name, "part": name, "reason": reason}
                return notice("package.damaged", language, params)
    except (zipfile.BadZipFile, OSError):
        pass
    return notice("package.unreadable", language, {"file": path.name})


class NotWellFormed(Exception):
    """A sheet's part is not well-formed XML (calamine reads some such parts leniently, and
    the writer would write them back)."""

    def __init__(self, part: str, reason: str) -> None:
        super().__init__(part)
        self.part = part
        self.reason = reason


def check_xml(data: bytes, part: str) -> None:
    """Raise :class:`NotWellFormed` unless ``data`` is well-formed XML without a DTD."""
    reason = _expat_error([data])
    if reason is not None:
        raise NotWellFormed(part, reason)


def _xml_error(zf: zipfile.ZipFile, name: str) -> str | None:
    """Why part ``name`` is not well-formed XML (expat's words and the line), or None."""
    try:
        with zf.open(name) as fh:
            return _expat_error(iter(lambda: fh.read(_CHUNK), b""))
    except (zipfile.BadZipFile, OSError, EOFError):
        return "damaged"


def _expat_error(chunks: Iterable[bytes]) -> str | None:
    from xml.parsers.expat import ErrorString, ExpatError, ParserCreate

    parser = ParserCreate()

    def no_dtd(*_args: object) -> None:  # never expand entities of a hostile file
        raise ExpatError("a DTD in a part")

    parser.StartDoctypeDeclHandler = no_dtd
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except ExpatError as exc:
        code = getattr(exc, "code", None)
        what = ErrorString(code) if isinstance(code, int) else "a DTD"
        return f"{what}, line {getattr(exc, 'lineno', '?')}"
    return None
