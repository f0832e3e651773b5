"""Which file-system events concern a workbook, and which observer a folder gets."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from watchdog.events import (
    DirCreatedEvent,
    FileClosedNoWriteEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
)

from sync.daemon.watcher import (
    MOVE_PAIRING_DELAY,
    NETWORK_FS_TYPES,
    filesystem_type,
    is_workbook_name,
    list_workbooks,
    lock_matches,
    make_handler,
    start_observer,
    wants_polling,
    workbook_of_lock,
)
from sync.sources.xlsx.source import TEMP_PREFIX


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("clients.xlsx", True),
        ("Клиенты 2026.XLSX", True),
        ("база с кнопками.xlsm", True),
        ("~$clients.xlsx", False),  # Excel's owner file while open
        (".~lock.clients.xlsx#", False),  # LibreOffice's lock
        (f"{TEMP_PREFIX}4242-clients.xlsx", False),  # our own temp file
        ("clients (clientbase conflict 2026-12-08 10-15).xlsx", False),  # our conflict copy
        ("A1B2C3D4", False),  # Excel's temp name while saving
        ("~WRL0001.tmp", False),
        ("lu20261101abc.tmp", False),  # LibreOffice's temp name while saving
        ("clients.xls", False),
        ("clients.csv", False),
        ("clientbase-state.sqlite", False),
        (".~clients.xlsx", False),
    ],
)
def test_only_staff_workbooks_are_served(name: str, expected: bool) -> None:
    assert is_workbook_name(name) is expected


@pytest.mark.parametrize(
    ("lock", "workbook"),
    [
        ("~$clients.xlsx", "clients.xlsx"),
        (".~lock.clients.xlsx#", "clients.xlsx"),
        (".~lock.Клиенты 2026.xlsm#", "Клиенты 2026.xlsm"),
        ("~$ients-long-name.xlsx", "clients-long-name.xlsx"),  # Excel's shortened owner file
    ],
)
def test_a_lock_file_names_its_workbook(lock: str, workbook: str) -> None:
    target = workbook_of_lock(lock)
    assert target is not None
    assert lock_matches(target, workbook)
    assert not lock_matches(target, "unrelated.xlsx")


@pytest.mark.parametrize("name", ["clients.xlsx", "~$notes.docx", ".~lock.a.ods#", "A1B2C3D4"])
def test_other_files_are_not_locks_of_workbooks(name: str) -> None:
    assert workbook_of_lock(name) is None


def test_listing_skips_locks_temps_and_subfolders(tmp_path: Path) -> None:
    for name in ("a.xlsx", "b.xlsm", "~$a.xlsx", f"{TEMP_PREFIX}1-a.xlsx", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    backups = tmp_path / ".clientbase-backups"
    backups.mkdir()
    (backups / "a.20261101.xlsx").write_bytes(b"x")
    assert [p.name for p in list_workbooks(tmp_path)] == ["a.xlsx", "b.xlsm"]


MOUNTS = """\
/dev/vda / ext4 rw,relatime 0 0
//fileserver/share /srv/share cifs rw,vers=3.0 0 0
fs:/export /srv/nfs nfs4 rw 0 0
/dev/vdb /srv/share/local ext4 rw 0 0
//nas/Office\\040Docs /mnt/office\\040docs cifs rw 0 0
"""


@pytest.mark.parametrize(
    ("folder", "fs_type", "polls"),
    [
        ("/srv/share/clients", "cifs", True),
        ("/srv/nfs", "nfs4", True),
        ("/srv/share/local/x", "ext4", False),  # a local disk mounted inside the share
        ("/srv/shared", "ext4", False),  # a prefix of the mount name is not inside it
        ("/mnt/office docs/база", "cifs", True),
        ("/home/admin", "ext4", False),
    ],
)
def test_network_shares_are_detected_from_mounts(folder: str, fs_type: str, polls: bool) -> None:
    found = filesystem_type(Path(folder), MOUNTS)
    assert found == fs_type
    assert (found in NETWORK_FS_TYPES) is polls


def test_poll_mode_overrides_detection(tmp_path: Path) -> None:
    assert wants_polling(tmp_path, "always")
    assert not wants_polling(tmp_path, "never")
    if filesystem_type(tmp_path) in ("ext4", "tmpfs", "overlay", "xfs", "btrfs"):
        assert not wants_polling(tmp_path, "auto")


class Recorder:
    def __init__(self) -> None:
        self.workbooks: list[str] = []
        self.unlocked: list[str] = []
        self.changed = threading.Event()

    def workbook(self, path: Path) -> None:
        self.workbooks.append(path.name)
        self.changed.set()

    def lock_gone(self, path: Path) -> None:
        self.unlocked.append(path.name)
        self.changed.set()


def test_handler_reports_workbooks_of_excel_and_libreoffice_saves(tmp_path: Path) -> None:
    rec = Recorder()
    handler = make_handler(rec.workbook, rec.lock_gone)
    d = str(tmp_path)
    events = [
        FileCreatedEvent(f"{d}/A1B2C3D4"),  # Excel writes its temp file
        FileMovedEvent(f"{d}/clients.xlsx", f"{d}/B2C3D4E5.tmp"),  # moves the original away
        FileMovedEvent(f"{d}/A1B2C3D4", f"{d}/clients.xlsx"),  # and the temp into place
        FileDeletedEvent(f"{d}/B2C3D4E5.tmp"),
        FileCreatedEvent(f"{d}/lu1234.tmp"),  # LibreOffice
        FileMovedEvent(f"{d}/lu1234.tmp", f"{d}/other.xlsx"),
        FileModifiedEvent(f"{d}/{TEMP_PREFIX}7-clients.xlsx"),  # our own temp file
        FileClosedNoWriteEvent(f"{d}/clients.xlsx"),  # somebody only read it
        DirCreatedEvent(f"{d}/folder.xlsx"),
        FileDeletedEvent(f"{d}/gone.xlsx"),
    ]
    for event in events:
        handler.dispatch(event)
    assert rec.workbooks == ["clients.xlsx", "clients.xlsx", "other.xlsx", "gone.xlsx"]
    assert rec.unlocked == []


def test_handler_reports_when_a_lock_goes_away(tmp_path: Path) -> None:
    rec = Recorder()
    handler = make_handler(rec.workbook, rec.lock_gone)
    d = str(tmp_path)
    handler.dispatch(FileCreatedEvent(f"{d}/~$clients.xlsx"))
    handler.dispatch(FileDeletedEvent(f"{d}/~$clients.xlsx"))
    handler.dispatch(FileDeletedEvent(f"{d}/.~lock.other.xlsx#"))
    assert rec.unlocked == ["clients.xlsx", "other.xlsx"]
    assert rec.workbooks == []


def _wait(cond: Callable[[], bool], timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


@pytest.mark.parametrize("poll", ["never", "always"])
def test_real_observer_sees_an_excel_style_save(tmp_path: Path, poll: str) -> None:
    rec = Recorder()
    handler = make_handler(rec.workbook, rec.lock_gone)
    observers, kinds = start_observer([tmp_path], handler, poll, 0.2)  # type: ignore[arg-type]
    try:
        assert kinds == ["polling" if poll == "always" else "native"]
        # A polling observer only notices changes after its first snapshot, taken on its own
        # thread: repeat the save (bounded) instead of guessing how long that takes.
        for attempt in range(20):
            tmp = tmp_path / "A1B2C3D4"
            tmp.write_bytes(b"PK\x03\x04 new content" + bytes([attempt]))
            os.replace(tmp, tmp_path / "clients.xlsx")
            if _wait(lambda: "clients.xlsx" in rec.workbooks, timeout=3):
                break
        assert "clients.xlsx" in rec.workbooks
        lock = tmp_path / ".~lock.clients.xlsx#"
        for attempt in range(20):
            lock.write_text("user")
            time.sleep(0.1 * (attempt + 1))  # exists across at least one poll
            lock.unlink()
            if _wait(lambda: "clients.xlsx" in rec.unlocked, timeout=3):
                break
        assert rec.unlocked and set(rec.unlocked) == {"clients.xlsx"}
    finally:
        for observer in observers:
            observer.stop()
            observer.join(timeout=10)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify")
def test_a_rename_is_still_reported_as_one_move_with_the_shorter_pairing(tmp_path: Path) -> None:
    """watchdog's wait for the second half of a rename is cut from 0.5 s (each Excel-style
    save reached the daemon that much later); the two halves are still paired."""
    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers.inotify_move_event_grouper import InotifyMoveEventGrouper

    seen: list[tuple[str, str, str]] = []

    class Events(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            dest = os.fsdecode(getattr(event, "dest_path", "") or "")
            seen.append((event.event_type, Path(os.fsdecode(event.src_path)).name, Path(dest).name))

    observers, _ = start_observer([tmp_path], Events(), "never", 0.2)
    try:
        assert InotifyMoveEventGrouper.delay == MOVE_PAIRING_DELAY
        tmp = tmp_path / "A1B2C3D4"
        tmp.write_bytes(b"PK\x03\x04 saved")
        os.replace(tmp, tmp_path / "clients.xlsx")
        assert _wait(lambda: any(e[0] == "moved" for e in seen), timeout=5)
        assert ("moved", "A1B2C3D4", "clients.xlsx") in seen
    finally:
        for observer in observers:
            observer.stop()
            observer.join(timeout=10)
