"""Writing back to a workbook file: atomic, conflict-safe, never while open, undoable."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import random
import signal
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from sync import service
from sync.core.config import default_config
from sync.core.model import ToolSheet
from sync.errors import ConflictError
from sync.sources.xlsx.source import BackupSettings, XlsxSource
from sync.sources.xlsx.swap import recover

AS_OF = dt.date(2026, 11, 1)


def _workbook(path: Path, rows: int = 30) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Клиенты"
    ws.append(["ID", "ФИО", "Телефон", "Email"])
    for i in range(rows):
        phone = "12345" if i % 7 == 0 else f"+7 912 {i:03d}-45-67"
        ws.append([f"C{i + 1:06d}", f"Иванов{'аеиоу'[i % 5]}в Иван", phone, f"user{i}@mail.ru"])
    wb.save(path)
    return path


def _sync(path: Path) -> service.SyncResult:
    config = default_config()
    return service.sync(XlsxSource(path), config, AS_OF)


def _copies(book: Path, tmp_path: Path, *names: str) -> dict[str, Path]:
    """A copy of ``book`` per name, each in a folder of its own (own backups)."""
    copies = {}
    for name in names:
        (tmp_path / name).mkdir()
        copies[name] = tmp_path / name / book.name
        copies[name].write_bytes(book.read_bytes())
    return copies


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_sync_writes_then_a_second_sync_writes_nothing(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "clients.xlsx")
    first = _sync(path)
    assert first.applied is not None and first.applied.status == "applied"
    written = path.read_bytes()
    second = _sync(path)
    assert second.applied is not None and second.applied.status == "unchanged"
    assert path.read_bytes() == written
    ws = openpyxl.load_workbook(path)["Клиенты"]
    assert ws["C2"].fill.fgColor.rgb == "FFFFC7CE"  # row 2 has the invalid phone
    assert ws["C2"].comment is not None


@pytest.mark.parametrize("lock_name", ["~$clients.xlsx", ".~lock.clients.xlsx#"])
def test_nothing_is_written_while_a_person_has_the_file_open(
    tmp_path: Path, lock_name: str
) -> None:
    path = _workbook(tmp_path / "clients.xlsx")
    before = _sha(path)
    (tmp_path / lock_name).write_text("someone")
    result = _sync(path)
    assert result.applied is not None and result.applied.status == "locked"
    assert lock_name in result.applied.detail
    assert _sha(path) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".~clientbase-")]


def test_a_file_changed_after_reading_is_not_overwritten(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "clients.xlsx")
    source = XlsxSource(path)
    config = default_config()
    snapshot = source.read([s.name for s in config.sheets.values()])
    from sync.core.engine import run_pass
    from sync.core.writeback import plan_writeback

    plan = plan_writeback(run_pass(snapshot, config, AS_OF), snapshot, config)
    _workbook(path, rows=31)  # staff saved a new version in between
    staff_version = _sha(path)
    assert source.apply(plan, snapshot.version).status == "conflict"
    assert _sha(path) == staff_version


def test_undo_restores_the_version_before_the_last_write(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "clients.xlsx")
    original = _sha(path)
    _sync(path)
    assert _sha(path) != original
    XlsxSource(path).undo()
    assert _sha(path) == original


def test_undo_refuses_after_staff_edits_unless_forced(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "clients.xlsx")
    original = _sha(path)
    _sync(path)
    with zipfile.ZipFile(path, "a") as zf:  # any later save by staff
        zf.writestr("docProps/staff-edit.txt", "edit")
    edited = _sha(path)
    with pytest.raises(ConflictError, match="edited"):
        XlsxSource(path).undo()
    assert _sha(path) == edited
    XlsxSource(path).undo(force=True)
    assert _sha(path) == original
    backups = list((tmp_path / ".clientbase-backups").glob("*-before-undo.xlsx"))
    assert backups and _sha(backups[0]) == edited


def test_backups_are_kept_up_to_the_configured_number(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "clients.xlsx")
    source = XlsxSource(path, BackupSettings(keep=2))
    config = default_config()
    for i in range(4):
        _workbook(path, rows=20 + i)
        service.sync(source, config, AS_OF)
    kept = list((tmp_path / ".clientbase-backups").glob("clients.*.xlsx"))
    assert len(kept) == 2
    assert oct((tmp_path / ".clientbase-backups").stat().st_mode & 0o777) == "0o700"


def _opens(path: Path) -> bool:
    from python_calamine import CalamineWorkbook

    try:
        CalamineWorkbook.from_path(str(path)).close()
        with zipfile.ZipFile(path) as zf:
            return zf.testzip() is None
    except Exception:
        return False


@pytest.mark.slow
def test_killed_at_random_moments_the_file_is_always_old_or_new(tmp_path: Path) -> None:
    """SIGKILL during sync, 200 times: the file is always the old or the new version."""
    runs = int(os.environ.get("CLIENTBASE_KILL_RUNS", "200"))
    pristine = _workbook(tmp_path / "pristine.xlsx", rows=400)
    path = tmp_path / "clients.xlsx"
    path.write_bytes(pristine.read_bytes())
    t0 = time.perf_counter()
    _sync(path)
    full = time.perf_counter() - t0
    new_hash, old_hash = _sha(path), _sha(pristine)
    rng = random.Random(20261122)
    outcomes = {"old": 0, "new": 0}
    for _ in range(runs):
        path.write_bytes(pristine.read_bytes())
        pid = os.fork()
        if pid == 0:  # child: the same library call the CLI and the daemon make
            try:
                _sync(path)
            finally:
                os._exit(0)
        # the forked child runs slower than the measured pass: a window of 2x the pass
        # makes both outcomes (killed before / after the rename) likely
        time.sleep(rng.uniform(0, full * 2))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        recover(path)  # killed while the file was moved aside: the next read puts it back
        digest = _sha(path)
        assert digest in (old_hash, new_hash)
        assert _opens(path)
        outcomes["old" if digest == old_hash else "new"] += 1
    assert outcomes["old"] and outcomes["new"], outcomes
    # temp files of killed writers are removed by the next write
    path.write_bytes(pristine.read_bytes())
    _sync(path)
    assert not list(tmp_path.glob(".~clientbase-*"))


def _rezip(path: Path, name: str, edit: Callable[[bytes], bytes]) -> None:
    """Rewrite one part of the package the way another program would (everything else kept)."""
    with zipfile.ZipFile(path) as z:
        parts = [(i, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in parts:
            z.writestr(info, edit(data) if info.filename == name else data)


def test_tool_sheets_are_rebuilt_only_when_their_content_or_part_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sync.sources.xlsx.ooxml import writer as ooxml

    built: list[str] = []
    real = ooxml.build_tool_sheet  # type: ignore[attr-defined]

    def counting(sheet: ToolSheet, *args: Any) -> bytes:
        built.append(sheet.name)
        return real(sheet, *args)

    monkeypatch.setattr(ooxml, "build_tool_sheet", counting)
    path = _workbook(tmp_path / "clients.xlsx")
    _sync(path)
    assert sorted(built) == ["Проблемы", "Сводка"]

    built.clear()
    again = _sync(path).applied
    assert again is not None and again.status == "unchanged"
    assert built == []  # same plan, untouched parts: nothing rebuilt

    # someone types over a message in the Problems sheet: the next sync puts it back
    problems = openpyxl.load_workbook(path)["Проблемы"]
    message = problems["F2"].value
    with zipfile.ZipFile(path) as z:
        part = next(
            n
            for n in z.namelist()
            if n.startswith("xl/worksheets/") and message in z.read(n).decode()
        )
    _rezip(path, part, lambda data: data.replace(message.encode(), "стёрто".encode()))
    assert openpyxl.load_workbook(path)["Проблемы"]["F2"].value == "стёрто"
    built.clear()
    assert _sync(path).applied.status == "applied"  # type: ignore[union-attr]
    assert built == ["Проблемы"]
    assert openpyxl.load_workbook(path)["Проблемы"]["F2"].value == message


def _shop(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Клиенты"
    ws.append(["ID", "ФИО", "Телефон"])
    ws.append(["C1", "Иванов Иван", "+7 912 345-67-89"])
    ws.append(["C2", "Петрова Анна", "12345"])
    orders = wb.create_sheet("Заказы")
    orders.append(["Номер заказа", "Дата", "ID клиента", "Сумма"])
    orders.append(["Z1", dt.datetime(2026, 10, 1), "C1", 1234])
    orders.append(["Z2", dt.datetime(2026, 10, 2), "C2", 777])
    wb.save(path)
    return path


def test_unchanged_sheets_are_skipped_but_values_from_other_sheets_still_arrive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sync.config_load import parse_config
    from sync.sources.xlsx.ooxml import writer as ooxml

    edited: list[str] = []
    real = ooxml._Writer._edit_sheet

    def spy(self: Any, edits: Any) -> None:
        edited.append(edits.sheet)
        real(self, edits)

    monkeypatch.setattr(ooxml._Writer, "_edit_sheet", spy)
    config = parse_config('[output]\ncolumns = ["revenue", "abc"]', "c.toml")
    path = _shop(tmp_path / "shop.xlsx")

    def sync() -> str:
        result = service.sync(XlsxSource(path), config, AS_OF).applied
        assert result is not None
        return result.status

    def revenue() -> list[object]:
        ws = openpyxl.load_workbook(path)["Клиенты"]
        col = [c.value for c in ws[1]].index("Выручка") + 1
        return [ws.cell(r, col).value for r in (2, 3)]

    assert sync() == "applied" and revenue() == [1234, 777]
    edited.clear()
    written = path.read_bytes()
    assert sync() == "unchanged" and path.read_bytes() == written
    assert edited == []  # nothing changed since our write: no sheet is even decompressed

    # an order amount is corrected in the orders sheet only (the clients part is untouched)
    part = "xl/worksheets/sheet2.xml"  # openpyxl's name for the second sheet, Заказы
    with zipfile.ZipFile(path) as z:
        assert b"<v>1234</v>" in z.read(part)
    _rezip(path, part, lambda data: data.replace(b"<v>1234</v>", b"<v>5000</v>"))
    edited.clear()
    assert sync() == "applied"
    assert "Клиенты" in edited and revenue() == [5000, 777]
    # and the highlight on the bad phone survived all of it
    assert openpyxl.load_workbook(path)["Клиенты"]["C3"].fill.fgColor.rgb == "FFFFC7CE"


def test_a_write_that_does_not_read_back_is_never_put_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sync.errors import WriteError
    from sync.sources.xlsx.ooxml import zip as ooxml_zip

    path = _workbook(tmp_path / "clients.xlsx")
    before = path.read_bytes()
    real = ooxml_zip._compress

    def flipped(data: bytes, method: int) -> bytes:
        out = bytearray(real(data, method))
        if len(data) > 2000:  # the clients sheet: one bit flipped in its deflate stream
            out[len(out) // 2] ^= 0x10
        return bytes(out)

    monkeypatch.setattr(ooxml_zip, "_compress", flipped)
    with pytest.raises(WriteError, match="nothing written"):
        _sync(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["clients.xlsx"]  # no temp file left


def test_notes_are_not_reparsed_when_an_edit_leaves_them_as_they_were(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sync.sources.xlsx.ooxml import comments as ooxml_comments

    parsed: list[str] = []
    real = ooxml_comments.CommentsPart

    class Counting(real):  # type: ignore[misc, valid-type]
        def __init__(self, data: bytes | None, label: str) -> None:
            parsed.append(label)
            super().__init__(data, label)

    monkeypatch.setattr(ooxml_comments, "CommentsPart", Counting)
    real_parse = ooxml_comments.CommentsBytes.parse

    def counting_parse(data: bytes) -> Any:
        parsed.append("bytes")
        return real_parse(data)

    monkeypatch.setattr(ooxml_comments.CommentsBytes, "parse", counting_parse)
    path = _workbook(tmp_path / "clients.xlsx")
    assert _sync(path).applied.status == "applied"  # type: ignore[union-attr]
    sheet = "xl/worksheets/sheet1.xml"  # openpyxl's name for Клиенты
    notes_before = {c.coordinate: c.comment.text for c in _commented(path)}
    assert notes_before  # the invalid phones carry notes

    # a person corrects an email (no problem there before or after): notes stay as they are
    _rezip(path, sheet, lambda data: data.replace(b"user3@mail.ru", b"user33@mail.ru"))
    assert openpyxl.load_workbook(path)["Клиенты"]["D5"].value == "user33@mail.ru"
    parsed.clear()
    _sync(path)
    assert parsed == []
    assert {c.coordinate: c.comment.text for c in _commented(path)} == notes_before

    # a person breaks a phone: now the notes part is edited and the new note is there
    _rezip(path, sheet, lambda data: data.replace(b"+7 912 003-45-67", b"003-45"))
    assert openpyxl.load_workbook(path)["Клиенты"]["C5"].value == "003-45"
    parsed.clear()
    assert _sync(path).applied.status == "applied"  # type: ignore[union-attr]
    assert len(parsed) == 1
    assert set({c.coordinate for c in _commented(path)}) == set(notes_before) | {"C5"}


def _commented(path: Path) -> list[Any]:
    ws = openpyxl.load_workbook(path)["Клиенты"]
    return [c for row in ws.iter_rows() for c in row if c.comment is not None]


def test_tool_sheets_rendered_by_forked_workers_give_the_same_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, record_starts: Callable[[Any], list[object]]
) -> None:
    """Rendered here, by the writer's worker, or by one forked while the cells were planned
    (``prepare_write``): the same bytes."""
    from sync.core.engine import run_pass
    from sync.core.writeback import plan_writeback
    from sync.sources.xlsx.ooxml import ahead as ooxml_ahead

    if not ooxml_ahead.fork_usable():
        pytest.skip("the worker is only forked on Linux from a single-threaded process")
    (tmp_path / "here").mkdir()
    here = _workbook(tmp_path / "here" / "clients.xlsx", rows=300)
    copies = _copies(here, tmp_path, "writer", "prepared")
    workers = record_starts(ooxml_ahead.ToolSheetsAhead)
    prepared = record_starts(ooxml_ahead.PreparedToolSheets)
    monkeypatch.setattr(ooxml_ahead, "MIN_ROWS", 10**9)  # rendered here
    first = _sync(here).applied
    assert prepared == [None] and not any(workers)
    assert first is not None and first.status == "applied"
    monkeypatch.setattr(ooxml_ahead, "MIN_ROWS", 0)
    # a write that was not prepared: the writer forks its own worker
    config = default_config()
    src = XlsxSource(copies["writer"])
    snapshot = src.read([s.name for s in config.sheets.values()])
    plan = plan_writeback(run_pass(snapshot, config, AS_OF), snapshot, config)
    by_writer = src.apply(plan, snapshot.version)
    assert workers[-1] is not None and len(prepared) == 1
    # service.sync prepares the write: the worker renders while the cells are planned
    by_prepared = _sync(copies["prepared"]).applied
    assert prepared[-1] is not None
    assert by_prepared is not None
    for result in (by_writer, by_prepared):
        assert (result.status, result.detail) == (first.status, first.detail)
    for copy in copies.values():
        assert copy.read_bytes() == here.read_bytes()
    # and the next sync skips both sheets, as the writer would
    again = _sync(copies["prepared"]).applied
    assert again is not None and again.status == "unchanged"
    assert copies["prepared"].read_bytes() == here.read_bytes()


def test_notes_made_by_a_forked_worker_give_the_same_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, record_starts: Callable[[Any], list[object]]
) -> None:
    from sync.sources.xlsx.ooxml import ahead as ooxml_ahead
    from sync.speed import forked

    if not ooxml_ahead.fork_usable():
        pytest.skip("the worker is only forked on Linux from a single-threaded process")
    here = _workbook(tmp_path / "clients.xlsx", rows=300)
    copies = _copies(here, tmp_path, "forked", "crashed")
    started = record_starts(ooxml_ahead.NotesAhead)
    monkeypatch.setattr(ooxml_ahead, "MIN_NOTES", 10**9)  # made here
    first = _sync(here).applied
    assert started == [None]
    assert first is not None and first.status == "applied" and _commented(here)
    monkeypatch.setattr(ooxml_ahead, "MIN_NOTES", 0)  # made by a worker
    second = _sync(copies["forked"]).applied
    assert started[1] is not None
    assert second is not None and (second.status, second.detail) == (first.status, first.detail)
    assert copies["forked"].read_bytes() == here.read_bytes()
    # a worker that dies without an answer: the writer makes the notes itself
    real_ahead = forked.Ahead.start

    def crashing(fn: Any, accept: Any) -> Any:
        return real_ahead(lambda: os._exit(3), accept)

    monkeypatch.setattr(forked.Ahead, "start", crashing)
    third = _sync(copies["crashed"]).applied
    assert started[2] is not None
    assert third is not None and (third.status, third.detail) == (first.status, first.detail)
    assert copies["crashed"].read_bytes() == here.read_bytes()
    # nothing changed since: the next sync writes nothing
    monkeypatch.setattr(forked.Ahead, "start", real_ahead)
    again = _sync(copies["forked"]).applied
    assert again is not None and again.status == "unchanged"


def test_sheets_inflated_while_the_plan_is_made_give_the_same_package(tmp_path: Path) -> None:
    from sync.core.engine import run_pass
    from sync.core.writeback import plan_writeback

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    plain = _workbook(tmp_path / "a" / "clients.xlsx", rows=120)
    prepared = tmp_path / "b" / "clients.xlsx"
    prepared.write_bytes(plain.read_bytes())
    config = default_config()
    src = XlsxSource(plain)  # read, plan, apply: nothing inflated beforehand
    snapshot = src.read([s.name for s in config.sheets.values()])
    outcome = run_pass(snapshot, config, AS_OF)
    applied = src.apply(plan_writeback(outcome, snapshot, config), snapshot.version)
    assert applied.status == "applied"
    again = _sync(prepared).applied  # service.sync prepares the write
    assert again is not None and (again.status, again.detail) == (applied.status, applied.detail)
    assert prepared.read_bytes() == plain.read_bytes()


def test_inflated_parts_stand_for_an_entry_only_when_they_match_it(tmp_path: Path) -> None:
    from sync.sources.xlsx.ooxml.zip import Package, part_key

    path = _workbook(tmp_path / "clients.xlsx")
    name = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(path) as zf:
        real, info = zf.read(name), zf.getinfo(name)
    stale = (part_key(info)[0] ^ 1, *part_key(info)[1:])  # another content's CRC
    with Package(path, {name: (stale, b"<stale/>")}) as pkg:
        assert pkg.read(name) == real
    with Package(path, {name: (part_key(info), b"<as read beforehand/>")}) as pkg:
        assert pkg.read(name) == b"<as read beforehand/>"


def test_entries_inflate_as_zipfile_reads_them_and_damage_is_caught(tmp_path: Path) -> None:
    from sync.sources.xlsx.ooxml.zip import inflate_entry

    path = _workbook(tmp_path / "clients.xlsx", rows=200)
    stored = tmp_path / "stored.zip"  # an entry kept uncompressed, as some writers do
    with zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as out:
        out.writestr("xl/sharedStrings.xml", b"<sst/>")
    for where in (path, stored):
        with zipfile.ZipFile(where) as zf, where.open("rb") as fh:
            for info in zf.infolist():
                assert inflate_entry(fh, info) == zf.read(info.filename)
    name = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(name)
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF  # one byte flipped inside the deflate stream
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(bytes(data))
    with damaged.open("rb") as fh, pytest.raises(zipfile.BadZipFile):
        inflate_entry(fh, info)


def test_backups_are_private_and_kept_no_longer_than_the_configured_days(tmp_path: Path) -> None:
    import json

    path = _workbook(tmp_path / "clients.xlsx")
    path.chmod(0o644)  # a shared workbook
    source = XlsxSource(path, BackupSettings(keep=10, keep_days=30))
    config = default_config()
    for i in range(3):
        _workbook(path, rows=20 + i)
        service.sync(source, config, AS_OF)
    folder = tmp_path / ".clientbase-backups"
    index = folder / "clients.xlsx.clientbase.json"
    assert {oct(p.stat().st_mode & 0o777) for p in folder.iterdir()} == {"0o600"}
    # the two oldest writes were 40 days ago: their backups go at the next write
    writes = json.loads(index.read_text())["writes"]
    for w in writes[:2]:
        w["at"] = "2000-01-01T00:00:00"
    index.write_text(json.dumps({"writes": writes}))
    _workbook(path, rows=30)
    service.sync(source, config, AS_OF)
    kept = sorted(p.name for p in folder.glob("clients.*.xlsx"))
    assert len(kept) == 2 and writes[0]["backup"] not in kept and writes[1]["backup"] not in kept
    # all too old: the newest still stays, for undo
    writes = json.loads(index.read_text())["writes"]
    index.write_text(json.dumps({"writes": [{**w, "at": "2000-01-01T00:00:00"} for w in writes]}))
    _workbook(path, rows=31)
    service.sync(source, config, AS_OF)
    assert len(list(folder.glob("clients.*.xlsx"))) == 1
