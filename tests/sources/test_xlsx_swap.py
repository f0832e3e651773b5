"""A staff save landing in any gap of a write is never lost (``sync.sources.xlsx.swap``)."""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from sync import service
from sync.core.config import default_config
from sync.errors import ConflictError, WriteError
from sync.sources.xlsx import swap as xlsx_swap
from sync.sources.xlsx.source import XlsxSource
from sync.sources.xlsx.swap import (
    CONFLICT_MARK,
    STALE_TEMP_AGE,
    TEMP_PREFIX,
    WRITE_POINTS,
    conflict_copy_path,
    recover,
    remove_stale_temps,
    temp_path,
)

AS_OF = dt.date(2026, 11, 1)


def _workbook(path: Path, rows: int = 30) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Клиенты"
    ws.append(["ID", "ФИО", "Телефон", "Email"])
    for i in range(rows):
        phone = "12345" if i % 7 == 0 else f"+7 912 {i:03d}-45-67"
        ws.append([f"C{i + 1:06d}", f"Иванов Иван {i}", phone, f"user{i}@mail.ru"])
    wb.save(path)
    return path


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _excel_save(path: Path, data: bytes) -> None:
    """Excel's way: a temp file in the folder, then renamed over the workbook."""
    staging = path.with_name("A1B2C3D4")
    staging.write_bytes(data)
    os.replace(staging, path)


@pytest.fixture(params=["hard links", "no hard links"])
def links(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "no hard links":  # an SMB or FAT volume

        def refuse(*_args: object, **_kwargs: object) -> None:
            raise OSError(errno.EPERM, "Operation not permitted")

        monkeypatch.setattr(xlsx_swap.os, "link", refuse)
    return str(request.param)


def _staff_version(tmp_path: Path) -> bytes:
    """Another version of the workbook, made elsewhere (a staff edit)."""
    (tmp_path / "elsewhere").mkdir(exist_ok=True)
    return _workbook(tmp_path / "elsewhere" / "staff.xlsx", rows=31).read_bytes()


@pytest.mark.parametrize("gap", WRITE_POINTS)
def test_a_save_in_any_gap_of_a_sync_is_never_lost(tmp_path: Path, gap: str, links: str) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    path = _workbook(folder / "clients.xlsx")
    original = path.read_bytes()
    staff = _staff_version(tmp_path)
    seen: list[str] = []

    def land_a_save(point: str) -> None:
        seen.append(point)
        if point == gap:
            _excel_save(path, staff)

    source = XlsxSource(path, language="en", write_hook=land_a_save)
    result = service.sync(source, default_config(), AS_OF)
    assert result.applied is not None
    if gap not in seen:  # no such moment without hard links
        assert links == "no hard links" and gap in ("held", "verified")
        return
    assert path.read_bytes() == staff  # the staff's save is at the path, whatever happened
    copies = list(folder.glob(f"*{CONFLICT_MARK}*"))
    backups = list((folder / ".clientbase-backups").glob("clients.*.xlsx"))
    if gap == "placed":  # landed after the write: a later save, as in Excel
        assert result.applied.status == "applied" and not copies
        assert [b.read_bytes() for b in backups] == [original]
        with pytest.raises(ConflictError, match="edited"):
            XlsxSource(path).undo()  # undo would lose the staff's save
        assert path.read_bytes() == staff
    else:
        assert result.applied.status == "conflict"
        assert len(copies) == 1 and copies[0].name in result.applied.detail
        assert openpyxl.load_workbook(copies[0])["Клиенты"]["C2"].comment is not None
        assert not backups  # nothing was replaced
    assert not list(folder.glob(f"{TEMP_PREFIX}*"))
    # the next sync writes over the staff's save as usual, and undo gives it back
    source.write_hook = None
    again = service.sync(source, default_config(), AS_OF)
    assert again.applied is not None and again.applied.status == "applied"
    XlsxSource(path).undo()
    assert path.read_bytes() == staff


@pytest.mark.parametrize("gap", WRITE_POINTS)
def test_a_save_in_any_gap_of_an_undo_is_never_lost(tmp_path: Path, gap: str, links: str) -> None:
    path = _workbook(tmp_path / "clients.xlsx")
    original = path.read_bytes()
    service.sync(XlsxSource(path), default_config(), AS_OF)
    staff = _staff_version(tmp_path)
    seen: list[str] = []

    def land_a_save(point: str) -> None:
        seen.append(point)
        if point == gap:
            _excel_save(path, staff)

    source = XlsxSource(path, write_hook=land_a_save)
    try:
        source.undo()
        restored = True
    except ConflictError:
        restored = False
    if gap not in seen:
        assert links == "no hard links" and restored and path.read_bytes() == original
        return
    assert path.read_bytes() == staff
    assert restored == (gap == "placed")
    assert not list(tmp_path.glob(f"{TEMP_PREFIX}*"))


def test_a_writer_killed_while_the_file_is_aside_is_put_back_at_the_next_read(
    tmp_path: Path,
) -> None:
    path = _workbook(tmp_path / "clients.xlsx")
    original = path.read_bytes()
    code = (
        "import os, sys\n"
        "from sync.sources.xlsx.swap import temp_path\n"
        "from pathlib import Path\n"
        "p = Path(sys.argv[1]); os.link(p, temp_path(p, 'held')); "
        "os.rename(p, temp_path(p, 'aside'))\n"
    )
    subprocess.run([sys.executable, "-c", code, str(path)], check=True)  # then "killed"
    assert not path.exists()
    snapshot = XlsxSource(path).read(["Клиенты"])
    assert path.read_bytes() == original and "Клиенты" in snapshot.sheets
    assert remove_stale_temps(tmp_path) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clients.xlsx"]
    assert not recover(path)


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.mark.skipif(os.name != "posix", reason="pid liveness via signals")
def test_only_this_hosts_dead_writers_temps_go_at_once(tmp_path: Path) -> None:
    workbook = tmp_path / "clients.xlsx"
    mine = temp_path(workbook, "new")
    dead, alive = _dead_pid(), os.getpid()
    host = mine.name[len(TEMP_PREFIX) :].split("@")[1]
    names = {
        "dead here": f"{TEMP_PREFIX}{dead}@{host}@new-clients.xlsx",
        "alive here": f"{TEMP_PREFIX}{alive}@{host}@new-clients.xlsx",
        "other host, young": f"{TEMP_PREFIX}{dead}@elsewhere@new-clients.xlsx",
        "other host, old": f"{TEMP_PREFIX}{dead}@elsewhere@new-other.xlsx",
        "old name, young": f"{TEMP_PREFIX}{dead}-clients.xlsx",
        "old name, old": f"{TEMP_PREFIX}{dead}-other.xlsx",
    }
    for name in [*names.values(), workbook.name]:
        (tmp_path / name).write_bytes(b"PK\x03\x04")
    long_ago = time.time() - STALE_TEMP_AGE - 60
    for key in ("other host, old", "old name, old"):
        os.utime(tmp_path / names[key], (long_ago, long_ago))
    assert remove_stale_temps(tmp_path) == 3
    left = {p.name for p in tmp_path.iterdir()}
    assert left == {
        workbook.name,
        names["alive here"],
        names["other host, young"],
        names["old name, young"],
    }


def test_conflict_copies_are_named_like_sync_clients_do_and_never_reused(tmp_path: Path) -> None:
    path = tmp_path / "clients.xlsx"
    at = dt.datetime(2026, 12, 8, 10, 15, 30)
    first = conflict_copy_path(path, at)
    assert first.name == "clients (clientbase conflict 2026-12-08 10-15).xlsx"
    first.write_bytes(b"x")
    second = conflict_copy_path(path, at)
    assert second.name == "clients (clientbase conflict 2026-12-08 10-15-30).xlsx"
    second.write_bytes(b"x")
    assert conflict_copy_path(path, at).name.endswith("10-15-30 2).xlsx")


@pytest.mark.parametrize("language", ["ru", "uk", "en"])
def test_the_conflict_is_told_in_the_configured_language(tmp_path: Path, language: str) -> None:
    path = _workbook(tmp_path / "clients.xlsx")
    staff = _staff_version(tmp_path)

    def land_a_save(point: str) -> None:
        if point == "aside":
            _excel_save(path, staff)

    config = default_config()
    source = XlsxSource(path, language=language, write_hook=land_a_save)
    applied = service.sync(source, config, AS_OF).applied
    assert applied is not None and applied.status == "conflict"
    word = {"ru": "сохранили", "uk": "зберегли", "en": "was saved"}[language]
    assert word in applied.detail and "clientbase conflict" in applied.detail


def test_a_file_that_cannot_be_moved_aside_is_a_write_error_and_stays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _workbook(tmp_path / "clients.xlsx")
    original = path.read_bytes()

    def held_open(*_args: object) -> None:  # Windows, while another program has it open
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(xlsx_swap.os, "rename", held_open)
    with pytest.raises(WriteError, match="nothing was written"):
        service.sync(XlsxSource(path), default_config(), AS_OF)
    assert path.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clients.xlsx"]
