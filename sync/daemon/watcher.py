"""Folder watching: which file-system events concern a workbook, and which observer to use.

Observer threads only translate events into "look at this workbook soon" calls; the daemon's
worker does everything else. Office applications never write a workbook in place:

* Excel writes a temp file (``A1B2C3D4`` or ``~WRL0001.tmp``), deletes or renames the original,
  then renames the temp file to the workbook's name, and keeps ``~$name.xlsx`` while it is open;
* LibreOffice writes ``lu12345abcd.tmp`` and renames it, and keeps ``.~lock.name.xlsx#``.

So a workbook is touched by "moved to" as often as by "modified", and a lock file going away is
the moment a file becomes writable again.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sync.daemon.settings import PollMode
from sync.sources.xlsx.swap import CONFLICT_MARK, TEMP_PREFIX

log = logging.getLogger("clientbase.watch")

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
EXCEL_LOCK_PREFIX = "~$"
LIBREOFFICE_LOCK_PREFIX = ".~lock."

# File systems on which inotify / FSEvents do not see changes made by other machines.
NETWORK_FS_TYPES = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb3",
        "smbfs",
        "9p",
        "afs",
        "ceph",
        "glusterfs",
        "davfs",
        "fuse.sshfs",
        "fuse.davfs2",
        "fuse.rclone",
        "fuse.glusterfs",
        "fuse.s3fs",
        "vboxsf",
        "vmhgfs",
        "fuse.vmhgfs-fuse",
        "drvfs",  # WSL's view of Windows drives: no inotify for Windows-side writes
    }
)


def is_workbook_name(name: str) -> bool:
    """True for a staff workbook; False for lock files, temp files and our own writes."""
    lower = name.lower()
    if not lower.endswith(WORKBOOK_SUFFIXES):
        return False
    if CONFLICT_MARK in name:  # the tool's result kept beside a staff save: not synced
        return False
    return not name.startswith((EXCEL_LOCK_PREFIX, LIBREOFFICE_LOCK_PREFIX, TEMP_PREFIX, ".~"))


def workbook_of_lock(name: str) -> str | None:
    """The workbook name a lock file stands for (``~$clients.xlsx`` → ``clients.xlsx``).

    Excel replaces the first two characters of long names with ``~$``; the daemon checks
    both forms when it decides whether a file is open, so the shortened name is returned here
    and matched by suffix in :func:`lock_matches`.
    """
    if name.startswith(LIBREOFFICE_LOCK_PREFIX) and name.endswith("#"):
        inner = name[len(LIBREOFFICE_LOCK_PREFIX) : -1]
    elif name.startswith(EXCEL_LOCK_PREFIX):
        inner = name[len(EXCEL_LOCK_PREFIX) :]
    else:
        return None
    return inner if inner.lower().endswith(WORKBOOK_SUFFIXES) else None


def lock_matches(lock_target: str, workbook: str) -> bool:
    """Whether a lock file's target names ``workbook`` (exactly, or Excel's shortened form)."""
    return lock_target == workbook or (len(workbook) > 2 and lock_target == workbook[2:])


def list_workbooks(folder: Path) -> list[Path]:
    """Workbooks directly inside ``folder`` (sub-folders such as the backups are not served)."""
    try:
        entries = list(os.scandir(folder))
    except OSError as exc:
        log.error("%s: cannot list the folder (%s)", folder, exc.strerror)
        return []
    found = []
    for entry in entries:
        try:
            if is_workbook_name(entry.name) and entry.is_file():
                found.append(Path(entry.path))
        except OSError:
            continue
    return sorted(found)


def filesystem_type(folder: Path, mounts: str | None = None) -> str | None:
    """The mount type holding ``folder`` (from Linux ``/proc/mounts``), or ``None`` if unknown."""
    if mounts is None:
        try:
            mounts = Path("/proc/mounts").read_text("utf-8", errors="replace")
        except OSError:
            return None
    text = mounts
    target = str(folder.resolve())
    best, best_type = "", None
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        mount = parts[1].replace("\\040", " ")
        inside = target == mount or target.startswith(mount.rstrip("/") + "/")
        if inside and len(mount) >= len(best):
            best, best_type = mount, parts[2]
    return best_type


def _windows_remote(folder: Path) -> bool:
    text = str(folder.resolve())
    if text.startswith("\\\\"):  # UNC path: \\server\share
        return True
    import ctypes

    drive = os.path.splitdrive(text)[0] + "\\"
    windll: Any = getattr(ctypes, "windll", None)
    drive_remote = 4  # GetDriveTypeW's DRIVE_REMOTE
    return windll is not None and bool(windll.kernel32.GetDriveTypeW(drive) == drive_remote)


def is_network_folder(folder: Path) -> bool:
    """Whether ``folder`` sits on a network share where native events are unreliable."""
    if os.name == "nt":
        return _windows_remote(folder)
    fs_type = filesystem_type(folder)
    return fs_type is not None and fs_type.lower() in NETWORK_FS_TYPES


def wants_polling(folder: Path, mode: PollMode) -> bool:
    if mode == "always":
        return True
    if mode == "never":
        return False
    return is_network_folder(folder)


def make_handler(on_workbook: Callable[[Path], None], on_lock_gone: Callable[[Path], None]) -> Any:
    """A watchdog event handler that reports workbook paths; nothing else happens on its thread.

    ``on_workbook`` gets every workbook that was created, modified, moved to or from, or
    deleted; ``on_lock_gone`` the workbook whose lock file disappeared.
    """
    from watchdog.events import FileSystemEvent, FileSystemEventHandler

    def paths(event: FileSystemEvent) -> list[Path]:
        found = [Path(os.fsdecode(event.src_path))]
        dest = getattr(event, "dest_path", "")
        if dest:
            found.append(Path(os.fsdecode(dest)))
        return found

    class WorkbookEvents(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            if event.is_directory or event.event_type in ("opened", "closed_no_write"):
                return
            for path in paths(event):
                if is_workbook_name(path.name):
                    on_workbook(path)
                    continue
                target = workbook_of_lock(path.name)
                gone = event.event_type in ("deleted", "moved") and path == Path(
                    os.fsdecode(event.src_path)
                )
                if target is not None and gone:
                    on_lock_gone(path.with_name(target))

    return WorkbookEvents()


# watchdog holds back a rename's IN_MOVED_FROM event to pair it with its IN_MOVED_TO, and its
# reader thread then sleeps the whole delay (0.5 s) even when the pair came in the same read
# from the kernel: every save the Excel way (a temp file, then a rename) reached the daemon
# half a second late. The pair is never that far apart; an unpaired half is still reported
# (as a deletion and a creation), which the handler treats like a move.
MOVE_PAIRING_DELAY = 0.05
_MOVE_GROUPERS = (
    ("watchdog.observers.inotify_move_event_grouper", "InotifyMoveEventGrouper"),  # >= 5
    ("watchdog.observers.inotify_buffer", "InotifyBuffer"),  # 4.x
)


def _shorten_move_pairing() -> None:
    for module, name in _MOVE_GROUPERS:
        try:
            grouper = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
        delay = getattr(grouper, "delay", None)
        if isinstance(delay, int | float) and delay > MOVE_PAIRING_DELAY:
            grouper.delay = MOVE_PAIRING_DELAY


def start_observer(
    folders: list[Path],
    handler: Any,
    poll_mode: PollMode,
    poll_interval: float,
) -> tuple[Any, list[str]]:
    """Start one observer per kind needed; return the started observers and a kind per folder.

    Native observers (inotify, FSEvents, ReadDirectoryChangesW) are used where they work;
    a polling observer, which compares directory snapshots every ``poll_interval`` seconds,
    for network shares.
    """
    from watchdog.observers import Observer
    from watchdog.observers.polling import PollingObserver

    _shorten_move_pairing()

    native: Any = None
    polling: Any = None
    kinds = []
    for folder in folders:
        if not wants_polling(folder, poll_mode):
            native = native or Observer()
            try:
                native.schedule(handler, str(folder), recursive=False)
            except OSError as exc:  # e.g. the inotify watch limit is reached
                log.warning("%s: change events unavailable (%s); polling", folder, exc.strerror)
            else:
                kinds.append("native")
                continue
        polling = polling or PollingObserver(timeout=poll_interval)
        polling.schedule(handler, str(folder), recursive=False)
        kinds.append("polling")
    observers = [o for o in (native, polling) if o is not None and o.emitters]
    for observer in observers:
        observer.daemon = True
        observer.start()
    return observers, kinds
