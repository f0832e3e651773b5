"""Putting a new version of a workbook in place without ever overwriting a save that lands
meanwhile.

A plain ``os.replace(tmp, path)`` after a last "changed since read?" check overwrites a staff
save that lands between the check and the rename (Excel saves by writing a temp file and
renaming it over the workbook). Here nothing is ever renamed *over* the workbook's name:

1. ``held``: a hard link to the file at the path; its bytes are compared with the version
   that was read (size, mtime and SHA-256: :func:`file_version`). Another version: a save
   landed before, it stays at the path, nothing was moved.
2. ``aside``: the path is renamed aside (atomic); ``aside`` must be the very inode ``held``
   is, with the size and mtime it had when it was hashed. Another file: a save landed between
   1 and 2; it is linked back to the free path.
3. The new file is linked to the free path: ``os.link`` never replaces, so a save that landed
   between 2 and 3 makes it fail, and that save stays.
4. ``held`` is the replaced version: it becomes the backup.

From 2 to 3 (one ``stat`` and one ``link``) the path is empty; a writer killed exactly there
leaves the old version under ``aside``, which :func:`recover` links back at the next read.
Where hard links are not supported (some SMB and FAT volumes), 1 is skipped, 2 hashes the
file moved aside, and 3 uses ``os.rename`` on Windows (it never replaces) or an exclusive
create and copy elsewhere; see the README's data-safety section.

Temp names carry the host and the process (``.~clientbase-<pid>@<host>@<tag>-<name>``), so
that on a folder shared by several machines only a dead writer's own leftovers are removed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import os
import re
import shutil
import socket
import stat
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sync.errors import SourceError

TEMP_PREFIX = ".~clientbase-"
CONFLICT_MARK = " (clientbase conflict "
STALE_TEMP_AGE = 24 * 3600.0  # a temp of another machine's writer: removed only this old

# The named moments of a write, for tests that land a save in each gap (``WriteHook``).
WRITE_POINTS = ("temp-ready", "held", "verified", "aside", "placed")
WriteHook = Callable[[str], None]

_NO_LINKS = {errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOSYS, errno.EOPNOTSUPP}
_NO_LINKS.add(getattr(errno, "ENOTSUP", errno.EOPNOTSUPP))


def file_version(path: Path) -> str:
    """``size:mtime_ns:sha256`` — cheap to compare, and exact thanks to the hash."""
    try:
        with path.open("rb") as fh:
            st = os.fstat(fh.fileno())
            digest = hashlib.sha256()
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    except FileNotFoundError as exc:
        raise SourceError(f"{path.name}: file not found") from exc
    except OSError as exc:
        raise SourceError(f"{path.name}: cannot read ({exc.strerror})") from exc
    return f"{st.st_size}:{st.st_mtime_ns}:{digest.hexdigest()}"


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9.-]", "_", socket.gethostname())[:40] or "host"


def temp_path(path: Path, tag: str) -> Path:
    """A temp name beside ``path`` for this process; hidden (dot name, and on Windows the
    hidden attribute once :func:`hide` is called)."""
    return path.with_name(f"{TEMP_PREFIX}{os.getpid()}@{_host()}@{tag}-{path.name}")


def hide(path: Path) -> None:
    if sys.platform == "win32":  # a dot name hides nothing in Explorer
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.windll.kernel32.SetFileAttributesW(str(path), 0x02)


@dataclass(frozen=True, slots=True)
class TempName:
    pid: int | None
    host: str | None
    tag: str
    target: str


def parse_temp(name: str) -> TempName | None:
    """The parts of a temp name (also the older ``.~clientbase-<pid>-<name>``)."""
    if not name.startswith(TEMP_PREFIX):
        return None
    rest = name[len(TEMP_PREFIX) :]
    parts = rest.split("@", 2)
    if len(parts) == 3 and parts[0].isdigit() and "-" in parts[2]:
        tag, target = parts[2].split("-", 1)
        return TempName(int(parts[0]), parts[1], tag, target)
    pid, _, target = rest.partition("-")
    return TempName(int(pid) if pid.isdigit() else None, None, "", target)


def process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: alive, owned by someone else
        return True
    return True


def remove_stale_temps(folder: Path, now: float | None = None) -> int:
    """Delete temp files of writers killed mid-write; return how many. A temp is stale when
    its writer ran on this host and is gone, or (another machine's, or an older name) when it
    is older than :data:`STALE_TEMP_AGE`. An ``aside`` whose workbook is missing is linked
    back first (:func:`recover`)."""
    removed = 0
    now = time.time() if now is None else now
    try:
        entries = [e for e in os.scandir(folder) if e.name.startswith(TEMP_PREFIX)]
    except OSError:
        return 0
    host = _host()
    for entry in entries:
        temp = parse_temp(entry.name)
        if temp is None:
            continue
        try:
            mine_dead = temp.host == host and temp.pid is not None and not process_alive(temp.pid)
            if not mine_dead and now - entry.stat().st_mtime < STALE_TEMP_AGE:
                continue
            if temp.tag in ("aside", "held"):
                recover(folder / temp.target)
            os.unlink(entry.path)
            removed += 1
        except OSError:
            continue
    return removed


def recover(path: Path) -> bool:
    """Put back the version a killed writer had moved aside, if the path is empty."""
    if path.exists():
        return False
    for tag in ("aside", "held"):
        for entry in sorted(path.parent.glob(f"{TEMP_PREFIX}*@{tag}-{path.name}")):
            temp = parse_temp(entry.name)
            if temp is None or temp.target != path.name:
                continue
            if temp.pid is not None and temp.host == _host() and process_alive(temp.pid):
                continue  # a live writer here: its own sequence puts the file back
            with contextlib.suppress(FileExistsError):
                place_without_replace(entry, path, keep_source=True)
                return True
    return False


def place_without_replace(src: Path, dst: Path, keep_source: bool = False) -> None:
    """Give ``src``'s file the name ``dst``; :class:`FileExistsError` if ``dst`` exists (it
    is then untouched). ``src`` is unlinked unless ``keep_source``."""
    try:
        os.link(src, dst)
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in _NO_LINKS:
            raise
        _place_without_links(src, dst, keep_source)
        return
    if not keep_source:
        os.unlink(src)


def _place_without_links(src: Path, dst: Path, keep_source: bool) -> None:
    if os.name == "nt" and not keep_source:
        os.rename(src, dst)  # Windows' rename fails when the target exists
        return
    # An exclusive create never replaces; a save renamed over the half-copied file wins,
    # and the copy then goes into the file that save unlinked. Everything after the create
    # goes through the descriptor: the name may be a staff save's by then.
    fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    ours = os.fstat(fd)
    try:
        with os.fdopen(fd, "wb") as out, src.open("rb") as fh:
            shutil.copyfileobj(fh, out, 1 << 20)
            out.flush()
            st = os.fstat(fh.fileno())
            if hasattr(os, "fchmod"):
                os.fchmod(out.fileno(), stat.S_IMODE(st.st_mode))
            if os.utime in os.supports_fd:  # the same mtime: the same version token
                os.utime(out.fileno(), ns=(st.st_atime_ns, st.st_mtime_ns))
            os.fsync(out.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            now = os.stat(dst)
            if (now.st_dev, now.st_ino) == (ours.st_dev, ours.st_ino):
                os.unlink(dst)
        raise
    if not keep_source:
        os.unlink(src)


def links_supported(error: OSError) -> bool:
    return error.errno not in _NO_LINKS


def conflict_copy_path(path: Path, now: dt.datetime | None = None) -> Path:
    """``clients (clientbase conflict 2026-12-08 10-15).xlsx``, unused."""
    now = now or dt.datetime.now()
    for stamp in (now.strftime("%Y-%m-%d %H-%M"), now.strftime("%Y-%m-%d %H-%M-%S")):
        candidate = path.with_name(f"{path.stem}{CONFLICT_MARK}{stamp}){path.suffix}")
        if not candidate.exists():
            return candidate
    n = 2
    while True:
        candidate = path.with_name(f"{path.stem}{CONFLICT_MARK}{stamp} {n}){path.suffix}")
        if not candidate.exists():
            return candidate
        n += 1


@dataclass(frozen=True, slots=True)
class Swapped:
    """What :func:`swap_in` did. ``placed``: the new file is at the path and ``replaced`` is
    the version it replaced (the caller's to keep as the backup or delete), ``new_version``
    the new file's token. ``conflict``: the path holds another save, untouched; the new file
    is still at its temp name."""

    status: Literal["placed", "conflict"]
    replaced: Path | None = None
    new_version: str | None = None


def swap_in(path: Path, new: Path, expected_version: str, hook: WriteHook | None = None) -> Swapped:
    """Put ``new`` (a complete, fsynced file in the same folder) at ``path`` if what is there
    is still ``expected_version``; never replace anything else (module docstring)."""
    point = hook or (lambda _name: None)
    new_version = file_version(new)
    point("temp-ready")
    held = temp_path(path, "held")
    aside = temp_path(path, "aside")
    try:
        os.link(path, held)
        linked = True
    except FileNotFoundError:
        return Swapped("conflict")
    except OSError as exc:
        if links_supported(exc):
            raise
        linked = False
    moved = placed = False
    try:
        if linked:
            hide(held)
            point("held")
            if _version_of(held) != expected_version:
                return Swapped("conflict")
            seen = os.stat(held)
            point("verified")
        os.rename(path, aside)
        moved = True
        point("aside")
        if linked:
            now = os.stat(aside)
            same = (now.st_dev, now.st_ino, now.st_size, now.st_mtime_ns) == (
                seen.st_dev,
                seen.st_ino,
                seen.st_size,
                seen.st_mtime_ns,
            )
        else:
            same = _version_of(aside) == expected_version
        if not same:  # a save landed just before the rename: it goes back at once
            moved = False
            _put_back(aside, path)
            return Swapped("conflict")
        try:
            place_without_replace(new, path)
        except FileExistsError:  # a save landed on the empty path: it stays
            return Swapped("conflict")
        placed = True
        point("placed")
    finally:
        if moved and not placed and not path.exists():
            with contextlib.suppress(OSError):  # an error after the rename: the old file back
                place_without_replace(aside, path, keep_source=True)
        doomed = [aside] if linked or not placed else []  # unlinked mode: aside is the backup
        if linked and not placed:
            doomed.append(held)
        for name in doomed:
            with contextlib.suppress(OSError):
                name.unlink()
    return Swapped("placed", held if linked else aside, new_version)


def _version_of(path: Path) -> str | None:
    try:
        return file_version(path)
    except SourceError:
        return None


def _put_back(aside: Path, path: Path) -> None:
    """``aside`` holds a staff save that was moved by mistake: back to its name, or, if yet
    another save took the name meanwhile (a later save supersedes it, as in Excel), kept as
    a conflict copy of its own."""
    try:
        place_without_replace(aside, path)
    except FileExistsError:
        place_without_replace(aside, conflict_copy_path(path))
