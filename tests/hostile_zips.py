"""Workbook packages a hostile or broken writer makes: hand-written zips, and a zip bomb."""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SHEET = "xl/worksheets/sheet1.xml"
BOMB_SIZE = 2 << 30  # the sheet inflates to 2 GB


@dataclass
class Entry:
    name: str
    data: bytes = b""  # the part's bytes (deflated here) ...
    raw: bytes | None = None  # ... or its deflated bytes as they are
    size: int | None = None  # declared size (default: the real one)
    crc: int | None = None  # declared CRC-32 (default: the real one)


def entries_of(path: Path) -> list[Entry]:
    with zipfile.ZipFile(path) as zf:
        return [Entry(i.filename, zf.read(i)) for i in zf.infolist()]


def write_zip(path: Path, entries: list[Entry]) -> Path:
    """A zip written by hand: what a hostile or broken writer can put in one."""
    out = bytearray()
    central = bytearray()
    for e in entries:
        if e.raw is None:
            packer = zlib.compressobj(6, zlib.DEFLATED, -15)
            raw = packer.compress(e.data) + packer.flush()
            size, crc = len(e.data), zlib.crc32(e.data)
        else:
            raw, size, crc = e.raw, e.size or 0, e.crc or 0
        size = e.size if e.size is not None else size
        crc = e.crc if e.crc is not None else crc
        name = e.name.encode()
        offset = len(out)
        fields = (20, 0x800, 8, 0, 0x21, crc, len(raw), size, len(name), 0)
        out += b"PK\x03\x04" + struct.pack("<HHHHHIIIHH", *fields) + name + raw
        central += (
            b"PK\x01\x02"
            + struct.pack(
                "<HHHHHHIIIHHHHHII",
                20,
                20,
                0x800,
                8,
                0,
                0x21,
                crc,
                len(raw),
                size,
                len(name),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + name
        )
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), len(out), 0
    )
    path.write_bytes(bytes(out + central + end))
    return path


def _bomb_part() -> tuple[bytes, int]:
    """A sheet of 2 GB (of blanks, as in the bombs that go round) deflated to ~2 MB, made in a
    blink: 1 MB deflated once after a full flush (so the block stands alone), repeated."""
    chunk = b" " * (1 << 20)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    packer.compress(b"")
    block = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    tail = packer.flush(zlib.Z_FINISH)
    count = BOMB_SIZE // len(chunk)
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(chunk, crc)
    return block * count + tail, crc


def bomb(path: Path, make: Callable[[Path], object], declared: int = BOMB_SIZE) -> Path:
    """A workbook made by ``make(path)`` whose first sheet is a zip bomb."""
    raw, crc = _bomb_part()
    make(path)
    entries = [e for e in entries_of(path) if e.name != SHEET]
    return write_zip(path, [*entries, Entry(SHEET, raw=raw, size=declared, crc=crc)])
