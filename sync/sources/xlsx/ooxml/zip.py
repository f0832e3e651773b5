"""The zip container of an OOXML package: read parts, write a new package that keeps every
untouched entry as its original compressed bytes.

``zipfile`` can only recompress what it writes, so a 300 000-row orders sheet would cost a
full inflate + deflate on every sync. Here an untouched entry is copied verbatim — local header,
compressed data and data descriptor — and only the central directory is rebuilt (with the new
offsets). Entry order, compression method, timestamps and attributes are kept.
"""

from __future__ import annotations

import os
import struct
import zipfile
import zlib
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import BinaryIO

from sync.errors import SourceError

try:  # ISA-L's deflate: level 1 ~3x, inflate ~2x as fast as zlib's, and as small a result
    from isal import isal_zlib as _isal
except ImportError:  # pragma: no cover - a platform without its wheels: zlib, slower
    _isal = None  # type: ignore[assignment]

_LOCAL_SIG = b"PK\x03\x04"
_DESCRIPTOR_SIG = b"PK\x07\x08"
_UTF8_FLAG = 0x800
_DESCRIPTOR_FLAG = 0x08
_ZIP64_LIMIT = 0xFFFFFFFF
# Big parts (a 100 000-row sheet) dominate the write time; a lower level halves it for a few
# percent more bytes. Small parts get the usual level.
_BIG_PART = 4 << 20


@dataclass(slots=True)
class PartOut:
    """One entry of the package being written: the original bytes or new content."""

    name: str
    info: zipfile.ZipInfo | None  # the original entry (None: a new part)
    data: bytes | None  # new content; None: copy the original entry verbatim


# A zip entry as its central directory describes it: what inflated bytes read elsewhere (by
# another handle on the same file) must match to stand for the entry's content.
PartKey = tuple[int, int, int, int]  # CRC-32, compressed size, size, offset of the local header
Inflated = dict[str, tuple[PartKey, bytes]]


def part_key(info: zipfile.ZipInfo) -> PartKey:
    return (info.CRC, info.compress_size, info.file_size, info.header_offset)


class Package:
    """A read-only view of the source package; all errors become :class:`SourceError`.

    ``inflated``: parts already decompressed elsewhere (while the plan was made), used for
    the entries whose key they match."""

    def __init__(self, path: str | os.PathLike[str], inflated: Inflated | None = None) -> None:
        self.label = os.path.basename(os.fspath(path))
        self._path = os.fspath(path)
        try:
            self._fh: BinaryIO = open(path, "rb")  # noqa: SIM115 - closed in close()
        except OSError as exc:
            raise SourceError(f"{self.label}: cannot open ({exc.strerror})") from exc
        try:
            self._zip = zipfile.ZipFile(self._fh)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            self._fh.close()
            raise SourceError(f"{self.label}: not a valid xlsx package (damaged zip)") from exc
        self.infos = self._zip.infolist()
        self._by_name = {i.filename: i for i in self.infos}
        self._cache: dict[str, bytes] = {
            name: data
            for name, (key, data) in (inflated or {}).items()
            if name in self._by_name and part_key(self._by_name[name]) == key
        }
        self._pending: dict[str, Future[bytes]] = {}
        self._pool: ThreadPoolExecutor | None = None

    def prefetch(self, names: Iterable[str]) -> None:
        """Start decompressing ``names`` in a background thread (zlib releases the GIL, so a
        big sheet inflates while the caller edits another one)."""
        for name in names:
            if name in self._by_name and name not in self._cache and name not in self._pending:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(1, thread_name_prefix="clientbase-inflate")
                self._pending[name] = self._pool.submit(self._inflate, name)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self._zip.close()
        self._fh.close()

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def has(self, name: str) -> bool:
        return name in self._by_name

    def info(self, name: str) -> zipfile.ZipInfo:
        return self._by_name[name]

    def read(self, name: str) -> bytes:
        """The decompressed content of part ``name`` (no leading slash)."""
        if name not in self._by_name:
            raise SourceError(f"{self.label}: part '{name}' is missing")
        cached = self._cache.get(name)
        if cached is not None:
            return cached
        try:
            # cached: the writer compares what it produced with the original more than once
            pending = self._pending.pop(name, None)
            data = pending.result() if pending is not None else self._inflate(name)
            self._cache[name] = data
            return data
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
            raise SourceError(f"{self.label}: part '{name}' is damaged") from exc
        except NotImplementedError as exc:
            raise SourceError(
                f"{self.label}: part '{name}' uses an unsupported compression"
            ) from exc

    def _inflate(self, name: str) -> bytes:
        with open(self._path, "rb") as fh:  # its own handle: safe in a prefetch thread
            return inflate_entry(fh, self._by_name[name])

    def raw_entry(self, info: zipfile.ZipInfo) -> bytes:
        """Local header + compressed data (+ data descriptor) of an entry, as stored."""
        fh = self._fh
        try:
            fh.seek(info.header_offset)
            head = fh.read(30)
            if len(head) != 30 or head[:4] != _LOCAL_SIG:
                raise SourceError(f"{self.label}: part '{info.filename}' is damaged")
            name_len, extra_len = struct.unpack("<HH", head[26:30])
            body = fh.read(name_len + extra_len + info.compress_size)
            tail = b""
            if info.flag_bits & _DESCRIPTOR_FLAG:
                tail = fh.read(16)
                tail = tail if tail[:4] == _DESCRIPTOR_SIG else tail[:12]
        except OSError as exc:
            raise SourceError(f"{self.label}: cannot read part '{info.filename}'") from exc
        return head + body + tail


def _name_bytes(info: zipfile.ZipInfo) -> tuple[bytes, int]:
    if info.flag_bits & _UTF8_FLAG:
        return info.filename.encode("utf-8"), _UTF8_FLAG
    try:
        return info.filename.encode("ascii"), 0
    except UnicodeEncodeError:
        return info.filename.encode("utf-8"), _UTF8_FLAG


def _dos_time(date_time: tuple[int, int, int, int, int, int]) -> tuple[int, int]:
    y, mo, d, h, mi, s = date_time
    return (h << 11) | (mi << 5) | (s // 2), (max(y, 1980) - 1980) << 9 | (mo << 5) | d


def _strip_zip64(extra: bytes) -> bytes:
    """Extra fields without the zip64 record (this writer never needs zip64)."""
    out, i = bytearray(), 0
    while i + 4 <= len(extra):
        tag, size = struct.unpack("<HH", extra[i : i + 4])
        if tag != 0x0001:
            out += extra[i : i + 4 + size]
        i += 4 + size
    return bytes(out)


def _compress(data: bytes, method: int) -> bytes:
    if method == zipfile.ZIP_STORED:
        return data
    if len(data) > _BIG_PART and _isal is not None:
        fast = _isal.compressobj(1, _isal.DEFLATED, -15)
        return fast.compress(data) + fast.flush()
    level = 1 if len(data) > _BIG_PART else 6
    comp = zlib.compressobj(level, zlib.DEFLATED, -15)
    return comp.compress(data) + comp.flush()


def crc32(data: bytes) -> int:
    return _isal.crc32(data) if _isal is not None else zlib.crc32(data)


def inflate_entry(fh: BinaryIO, info: zipfile.ZipInfo) -> bytes:
    """The content of zip entry ``info``, read through ``fh`` (a handle of the caller's own:
    it is moved), checked against the entry's size and CRC-32 like ``ZipFile.read`` does.

    Raises ``zipfile.BadZipFile`` for a damaged entry, ``NotImplementedError`` for one that
    is encrypted or compressed otherwise than stored / deflated."""
    if info.flag_bits & 0x1:
        raise NotImplementedError("an encrypted zip entry")
    fh.seek(info.header_offset)
    head = fh.read(30)
    if len(head) != 30 or head[:4] != _LOCAL_SIG:
        raise zipfile.BadZipFile(f"bad local header for {info.filename!r}")
    name_len, extra_len = struct.unpack("<HH", head[26:30])
    fh.seek(name_len + extra_len, os.SEEK_CUR)
    comp = fh.read(info.compress_size)
    if len(comp) != info.compress_size:
        raise zipfile.BadZipFile(f"truncated entry {info.filename!r}")
    if info.compress_type == zipfile.ZIP_STORED:
        data = comp
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        try:
            data = (
                _isal.decompress(comp, -15, max(info.file_size, 1))
                if _isal is not None
                else zlib.decompress(comp, -15, max(info.file_size, 1))
            )
        except Exception as exc:  # zlib.error, or ISA-L's own error class
            raise zipfile.BadZipFile(f"bad compressed data in {info.filename!r}") from exc
    else:
        raise NotImplementedError(f"compression method {info.compress_type}")
    if len(data) != info.file_size or crc32(data) != info.CRC:
        raise zipfile.BadZipFile(f"Bad CRC-32 for file {info.filename!r}")
    return data


class Deflater:
    """Compresses finished parts (and takes their CRC-32) in background threads while the
    writer builds the next ones (zlib releases the GIL); :func:`write_package` picks the
    results up."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(2, thread_name_prefix="clientbase-deflate")
        self._jobs: dict[str, tuple[bytes, Future[int], Future[bytes]]] = {}

    def submit(self, name: str, data: bytes) -> None:
        job = self._jobs.get(name)
        if job is not None and job[0] is data:
            return
        crc = self._pool.submit(crc32, data)
        comp = self._pool.submit(_compress, data, zipfile.ZIP_DEFLATED)
        self._jobs[name] = (data, crc, comp)

    def compressed(self, name: str, data: bytes, method: int) -> bytes:
        job = self._jobs.get(name)
        if job is not None and job[0] is data and method == zipfile.ZIP_DEFLATED:
            return job[2].result()
        return _compress(data, method)

    def crc(self, name: str, data: bytes) -> int:
        """CRC-32 of ``data`` (from the background job when ``data`` was submitted)."""
        job = self._jobs.get(name)
        if job is not None and job[0] is data:
            return job[1].result()
        return crc32(data)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Deflater:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_package(
    dst: BinaryIO, parts: Iterable[PartOut], pkg: Package, deflater: Deflater | None = None
) -> None:
    """Write ``parts`` in order as a complete zip to ``dst``."""
    central = bytearray()
    count = 0
    offset = 0
    template: zipfile.ZipInfo | None = pkg.infos[0] if pkg.infos else None
    for part in parts:
        info = part.info
        if info is None:
            info = zipfile.ZipInfo(
                part.name, template.date_time if template else (1980, 1, 1, 0, 0, 0)
            )
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0
        name, utf8 = _name_bytes(info)
        if part.data is None:
            blob = pkg.raw_entry(info)
            flags, method = info.flag_bits, info.compress_type
            crc, csize, usize = info.CRC, info.compress_size, info.file_size
        else:
            method = info.compress_type if info.compress_type in (0, 8) else zipfile.ZIP_DEFLATED
            if deflater is not None:
                comp = deflater.compressed(part.name, part.data, method)
                crc = deflater.crc(part.name, part.data)
            else:
                comp = _compress(part.data, method)
                crc = crc32(part.data)
            flags = utf8 | (info.flag_bits & _UTF8_FLAG)
            csize, usize = len(comp), len(part.data)
            t, d = _dos_time(info.date_time)
            head = struct.pack(
                "<4sHHHHHIIIHH",
                _LOCAL_SIG,
                20,
                flags,
                method,
                t,
                d,
                crc,
                csize,
                usize,
                len(name),
                0,
            )
            blob = head + name + comp
        if offset > _ZIP64_LIMIT or csize > _ZIP64_LIMIT or usize > _ZIP64_LIMIT:
            raise SourceError(f"{pkg.label}: the workbook is too large (over 4 GB)")
        t, d = _dos_time(info.date_time)
        extra = _strip_zip64(info.extra) if part.data is None else b""
        comment = info.comment or b""
        central += struct.pack(
            "<4sBBHHHHHIIIHHHHHII",
            b"PK\x01\x02",
            info.create_version if part.data is None else 20,
            info.create_system,
            info.extract_version if part.data is None else 20,
            flags,
            method,
            t,
            d,
            crc,
            csize,
            usize,
            len(name),
            len(extra),
            len(comment),
            0,
            info.internal_attr,
            info.external_attr,
            offset,
        )
        central += name + extra + comment
        dst.write(blob)
        offset += len(blob)
        count += 1
    if count > 0xFFFF:
        raise SourceError(f"{pkg.label}: too many parts in the workbook")
    dst.write(central)
    dst.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, count, count, len(central), offset, 0))
