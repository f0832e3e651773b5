"""The daemon: in-process tests of its scheduling and passes, and the real daemon as a subprocess.

Subprocess tests wait for what a user would see (a highlight in the workbook, a line in the
log, a row in the state DB) with generous bounded timeouts, and always kill the daemon.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import operator
import os
import random
import re
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl
import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from sync import service
from sync.cli.daemon import status
from sync.core.config import Config, default_config
from sync.daemon.runner import Daemon, WatchConfig, load_watch_config, watch_config_from_mapping
from sync.errors import ConfigError
from sync.sources.xlsx import read as xlsx_read
from sync.sources.xlsx import source as xlsx_source
from sync.speed import incremental
from sync.state import STATE_FILE_NAME, SqliteStateStore

from .hostile_zips import bomb

AS_OF = dt.date(2026, 11, 1)
ERROR_FILL = "FFFFC7CE"
HEADER = ["ID", "ФИО", "Телефон", "Email"]
ROWS: list[list[object]] = [
    ["C000001", "Иванов Иван Иванович", "8 (912) 345-67-89", "ivanov@mail.ru"],
    ["C000002", "Петрова Анна Сергеевна", "12345", "petrova@yandex.ru"],  # bad phone: C3
    ["C000003", "Сидоренко Олег", "067 123 45 67", "oleg.s@ukr.net"],
]
PERSONAL = ["Иванов", "Петрова", "Сидоренко", "345-67-89", "12345", "ivanov@", "petrova@"]
PYTEST_TIMEOUT = 60.0


# --------------------------------------------------------------------------- workbooks


def write_clients(path: Path, rows: Sequence[Sequence[object]]) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Клиенты"
    for row in [HEADER, *rows]:
        ws.append(list(row))
    wb.save(path)


def save_excel_way(path: Path, write: Callable[[Path], None]) -> None:
    """Excel: write a temp file, move the original away, move the temp file in, delete."""
    tag = os.urandom(4).hex().upper()
    tmp, old = path.with_name(tag), path.with_name(f"~WRL{tag[:4]}.tmp")
    write(tmp)
    if path.exists():
        os.replace(path, old)
    os.replace(tmp, path)
    old.unlink(missing_ok=True)


def save_libreoffice_way(path: Path, write: Callable[[Path], None]) -> None:
    tmp = path.with_name(f"lu{os.getpid()}{os.urandom(3).hex()}.tmp")
    write(tmp)
    os.replace(tmp, path)


def staff_append(path: Path, row: list[object], name: str = "xl/worksheets/sheet1.xml") -> None:
    """A person adds a row (a client: to the first sheet) to the (tool-written) workbook and
    saves it the Excel way.

    Edits the sheet XML in place, as Excel would, keeping every other part (openpyxl would
    drop the tool's custom XML record, which Excel keeps).
    """
    with zipfile.ZipFile(path) as zf:
        parts = [(info, zf.read(info)) for info in zf.infolist()]
    xml = dict((i.filename, d) for i, d in parts)[name].decode("utf-8")
    n = max(int(r) for r in re.findall(r'<row\b[^>]*?\br="(\d+)"', xml)) + 1
    cells = "".join(
        f'<c r="{col}{n}" t="inlineStr"><is><t>{escape(str(v))}</t></is></c>'
        for col, v in zip("ABCD", row, strict=True)
        if v is not None
    )
    xml = xml.replace("</sheetData>", f'<row r="{n}">{cells}</row></sheetData>', 1)
    xml = re.sub(r'(<dimension ref="A1:[A-Z]+)\d+"', rf'\g<1>{n}"', xml, count=1)

    def write(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
            for info, data in parts:
                out.writestr(info, xml.encode("utf-8") if info.filename == name else data)

    save_excel_way(path, write)


def fill(path: Path, cell: str) -> str | None:
    ws = openpyxl.load_workbook(path)["Клиенты"]
    f = ws[cell].fill
    return str(f.fgColor.rgb) if f is not None and f.fill_type == "solid" else None


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def wait_for(cond: Callable[[], bool], timeout: float = PYTEST_TIMEOUT) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if cond():
                return True
        except (OSError, KeyError, ValueError, zipfile.BadZipFile):
            pass  # the file is being replaced, or the state DB set up, right now: look again
        time.sleep(0.1)
    return cond()


# --------------------------------------------------------------------------- in-process


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclasses.dataclass
class Harness:
    folder: Path
    store: SqliteStateStore
    clock: FakeClock
    daemon: Daemon

    def settle(self) -> list[str]:
        """Let every quiet period pass and process everything due; the actions taken."""
        actions: list[str] = []
        for _ in range(20):
            self.clock.now += 10
            report = self.daemon.step(block=False)
            if report is None:
                break
            actions.append(report.action)
        return actions


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    folder = tmp_path / "share"
    folder.mkdir()
    store = SqliteStateStore(tmp_path / STATE_FILE_NAME)
    clock = FakeClock()
    config = default_config()
    daemon = Daemon(
        [folder], WatchConfig(quiet_period=2.0), store, lambda _: config, as_of=AS_OF, clock=clock
    )
    yield Harness(folder, store, clock, daemon)
    store.close()
    incremental.remember_rows(False)  # the daemon turned its per-row memory on


def test_events_are_debounced_until_the_file_is_quiet(harness: Harness) -> None:
    book = harness.folder / "clients.xlsx"
    write_clients(book, ROWS)
    harness.daemon.notify(book)
    harness.clock.now += 1.5
    assert harness.daemon.step(block=False) is None  # still inside the quiet period
    harness.daemon.notify(book)  # saved again: the period restarts
    harness.clock.now += 1.5
    assert harness.daemon.step(block=False) is None
    harness.clock.now += 0.6
    report = harness.daemon.step(block=False)
    assert report is not None and report.action == "applied"
    assert fill(book, "C3") == ERROR_FILL


def test_a_file_still_growing_is_not_read(harness: Harness) -> None:
    book = harness.folder / "clients.xlsx"
    write_clients(book, ROWS)
    data = book.read_bytes()
    book.write_bytes(data[: len(data) // 2])  # the copy from a laptop is half done
    harness.daemon.notify(book)
    book.write_bytes(data)  # ... and finishes without an event reaching us
    harness.clock.now += 2.5
    assert harness.daemon.step(block=False) is None  # size changed: wait another quiet period
    assert harness.store.recent_runs() == []
    assert harness.settle() == ["applied"]


def test_own_write_and_unchanged_files_are_not_processed_again(harness: Harness) -> None:
    book = harness.folder / "clients.xlsx"
    write_clients(book, ROWS)
    harness.daemon.reconcile()
    assert harness.settle() == ["applied"]
    written = sha(book)
    harness.daemon.notify(book)  # the event of our own rename
    harness.daemon.reconcile()
    assert harness.settle() == ["skipped"]
    assert sha(book) == written
    assert len(harness.store.recent_runs()) == 1


def test_reconcile_catches_a_change_whose_event_was_lost(harness: Harness) -> None:
    book = harness.folder / "clients.xlsx"
    write_clients(book, ROWS)
    harness.daemon.reconcile()
    assert harness.settle() == ["applied"]
    staff_append(book, ["C000004", "Новикова Ирина", "abc", "irina@mail.ru"])
    assert harness.settle() == []  # no event arrived
    harness.daemon.reconcile()
    assert harness.settle() == ["applied"]
    assert fill(book, "C5") == ERROR_FILL


def test_file_replaced_between_read_and_write_is_requeued_not_overwritten(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = harness.folder / "clients.xlsx"
    write_clients(book, ROWS)
    staff_rows: list[list[object]] = [
        *ROWS,
        ["C000004", "Новикова Ирина", "не помню", "irina@mail.ru"],
    ]
    original_read = xlsx_source.XlsxSource.read
    replaced: list[str] = []

    def read_then_staff_saves(self: xlsx_source.XlsxSource, sheets: list[str]) -> object:
        snapshot = original_read(self, sheets)
        if not replaced:
            save_excel_way(book, lambda p: write_clients(p, staff_rows))
            replaced.append(sha(book))
        return snapshot

    monkeypatch.setattr(xlsx_source.XlsxSource, "read", read_then_staff_saves)
    harness.daemon.notify(book)
    harness.clock.now += 2.5
    report = harness.daemon.step(block=False)
    assert report is not None and report.action == "requeue"
    assert sha(book) == replaced[0]  # the staff's version is intact
    assert harness.settle() == ["applied"]
    assert fill(book, "C5") == ERROR_FILL  # the new content was processed
    ws = openpyxl.load_workbook(book)["Клиенты"]
    assert ws["B5"].value == "Новикова Ирина"


def test_broken_file_is_reported_once_and_retried_only_after_it_changes(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    book = harness.folder / "clients.xlsx"
    book.write_bytes(b"")
    harness.daemon.notify(book)
    with caplog.at_level(logging.ERROR, "clientbase.watch"):
        assert harness.settle() == ["error"]
        harness.daemon.reconcile()
        assert harness.settle() == ["skipped"]
    assert [r.getMessage() for r in caplog.records] == ["clients.xlsx: файл пустой (0 байт)"]
    save_excel_way(book, lambda p: write_clients(p, ROWS))
    harness.daemon.notify(book)
    assert harness.settle() == ["applied"]
    state = harness.store.get_file(str(book.resolve()))
    assert state is not None and state.status == "ok" and state.last_error is None


def test_stale_lock_is_reported_but_kept_and_nothing_written(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    book = harness.folder / "clients.xlsx"
    write_clients(book, ROWS)
    before = sha(book)
    lock = harness.folder / "~$clients.xlsx"
    lock.write_bytes(b"\x08admin")
    day_ago = time.time() - 24 * 3600
    os.utime(lock, (day_ago, day_ago))
    harness.daemon.notify(book)
    with caplog.at_level(logging.INFO, "clientbase.watch"):
        assert harness.settle()[:2] == ["locked", "locked"]  # retried, still waiting
    assert lock.exists() and sha(book) == before
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "probably stale" in warnings[0]
    lock.unlink()
    harness.daemon.notify(book)
    assert "applied" in harness.settle()


def test_audit_log_records_every_replaced_staff_value(tmp_path: Path) -> None:
    folder = tmp_path / "share"
    folder.mkdir()
    book = folder / "clients.xlsx"
    write_clients(book, [*ROWS, [None, "Коваленко Мария", "+380 67 123 4567", "m.k@ukr.net"]])
    store = SqliteStateStore(tmp_path / STATE_FILE_NAME)
    config = dataclasses.replace(default_config(), fix="rewrite")
    clock = FakeClock()
    daemon = Daemon([folder], WatchConfig(), store, lambda _: config, as_of=AS_OF, clock=clock)
    try:
        daemon.notify(book)
        assert Harness(folder, store, clock, daemon).settle() == ["applied"]
        entries = {(e.row, e.column): e for e in store.audit_log(str(book.resolve()))}
    finally:
        store.close()
    phone = entries[(2, "Телефон")]
    assert (phone.sheet, phone.row_id, phone.old) == ("Клиенты", "C000001", "8 (912) 345-67-89")
    assert phone.new is not None and phone.new.startswith("+7 912")
    new_id = entries[(5, "ID")]
    assert new_id.old is None and new_id.new == new_id.row_id == "C000004"
    ws = openpyxl.load_workbook(book)["Клиенты"]
    assert ws["C2"].value == phone.new and ws["A5"].value == "C000004"


def test_logs_name_files_and_counts_never_personal_data(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    book = harness.folder / "clients.xlsx"
    write_clients(book, ROWS)
    harness.daemon.notify(book)
    with caplog.at_level(logging.DEBUG):
        assert harness.settle() == ["applied"]
    text = caplog.text
    assert "clients.xlsx" in text
    assert not [p for p in PERSONAL if p in text]


def test_config_error_for_one_file_does_not_stop_the_others(tmp_path: Path) -> None:
    folder = tmp_path / "share"
    folder.mkdir()
    good, bad = folder / "good.xlsx", folder / "bad.xlsx"
    write_clients(good, ROWS)
    write_clients(bad, ROWS)
    config = default_config()

    def load(path: Path) -> Config:
        if path.name == "bad.xlsx":
            raise ConfigError("unknown key; did you mean 'regions'?", key="phone.regoins")
        return config

    store = SqliteStateStore(tmp_path / STATE_FILE_NAME)
    clock = FakeClock()
    daemon = Daemon([folder], WatchConfig(), store, load, as_of=AS_OF, clock=clock)
    try:
        daemon.reconcile()
        assert sorted(Harness(folder, store, clock, daemon).settle()) == ["applied", "error"]
        state = store.get_file(str(bad.resolve()))
        assert state is not None and "phone.regoins" in (state.last_error or "")
    finally:
        store.close()
    assert fill(good, "C3") == ERROR_FILL


def test_watch_settings_are_validated(tmp_path: Path) -> None:
    assert watch_config_from_mapping({"quiet_period": 0.5, "poll": "always"}) == WatchConfig(
        quiet_period=0.5, poll="always"
    )
    for bad in ({"quiet_period": 0}, {"poll": "sometimes"}, {"quiet": 1}, {"audit_days": 1.5}):
        with pytest.raises(ConfigError, match=r"watch\."):
            watch_config_from_mapping(bad, "clientbase.toml")
    cfg = tmp_path / "clientbase.toml"
    cfg.write_text('[watch]\nstate_path = "state/db.sqlite"\nstale_lock_hours = 2\n', "utf-8")
    loaded = load_watch_config(str(cfg))
    assert loaded.state_path == str(tmp_path.resolve() / "state" / "db.sqlite")
    assert loaded.stale_lock_hours == 2.0


# --------------------------------------------------------------------------- subprocess


class DaemonProcess:
    """``clientbase watch`` in its own process, logging to a file."""

    def __init__(self, folder: Path, workdir: Path, *extra: str) -> None:
        self.state = workdir / "state.sqlite"
        self.log_path = workdir / f"daemon-{time.monotonic_ns()}.log"
        env = {k: v for k, v in os.environ.items() if k != "CLIENTBASE_CONFIG"}
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "sync",  # the console script's own entry point (and its exit path)
                    "watch",
                    str(folder),
                    "--quiet-period",
                    "0.3",
                    "--state",
                    str(self.state),
                    *extra,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=workdir,
                env=env,
            )

    @property
    def log(self) -> str:
        return self.log_path.read_text("utf-8", errors="replace")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=30)

    def terminate(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=60)


@pytest.fixture
def run_daemon(tmp_path: Path) -> Iterator[Callable[..., DaemonProcess]]:
    started: list[DaemonProcess] = []

    def start(folder: Path, *extra: str) -> DaemonProcess:
        started.append(DaemonProcess(folder, tmp_path, *extra))
        return started[-1]

    yield start
    for daemon in started:
        daemon.kill()


posix_only = pytest.mark.skipif(os.name != "posix", reason="signals and inotify semantics")


@posix_only
@pytest.mark.parametrize(
    ("save", "poll"),
    [(save_excel_way, "never"), (save_libreoffice_way, "never"), (save_excel_way, "always")],
    ids=["excel", "libreoffice", "excel-polling"],
)
def test_saved_workbook_gets_highlights(
    tmp_path: Path,
    run_daemon: Callable[..., DaemonProcess],
    save: Callable[[Path, Callable[[Path], None]], None],
    poll: str,
) -> None:
    share = tmp_path / "share"
    share.mkdir()
    daemon = run_daemon(share, "--poll", poll, "--poll-interval", "0.3")
    assert wait_for(lambda: "workbook(s) found" in daemon.log)
    book = share / "clients.xlsx"
    save(book, lambda p: write_clients(p, ROWS))
    assert wait_for(lambda: fill(book, "C3") == ERROR_FILL), daemon.log
    ws = openpyxl.load_workbook(book)["Клиенты"]
    assert [c.value for c in ws[3]][:4] == ROWS[1]  # what staff typed is all still there


@posix_only
def test_nothing_is_written_while_the_workbook_is_open(
    tmp_path: Path, run_daemon: Callable[..., DaemonProcess]
) -> None:
    share = tmp_path / "share"
    share.mkdir()
    lock = share / ".~lock.clients.xlsx#"
    lock.write_text("Мария,office-pc,2026-11-01", "utf-8")
    book = share / "clients.xlsx"
    write_clients(book, ROWS)
    # the daemon's settings come from clientbase.toml in the watched folder
    (share / "clientbase.toml").write_text("[watch]\nlock_retry_interval = 0.5\n", "utf-8")
    daemon = run_daemon(share, "-v")
    assert wait_for(lambda: "clients.xlsx: open by a person" in daemon.log), daemon.log
    save_excel_way(book, lambda p: write_clients(p, [*ROWS, ["C000004", "Новикова", "0", None]]))
    saved = sha(book)
    assert wait_for(lambda: daemon.log.count("clients.xlsx: still open") >= 2), daemon.log
    assert sha(book) == saved and fill(book, "C3") is None
    lock.unlink()
    assert wait_for(lambda: fill(book, "C5") == ERROR_FILL), daemon.log
    assert openpyxl.load_workbook(book)["Клиенты"]["B5"].value == "Новикова"


@posix_only
def test_broken_files_get_clear_errors_while_others_are_served(
    tmp_path: Path, run_daemon: Callable[..., DaemonProcess]
) -> None:
    share = tmp_path / "share"
    share.mkdir()
    write_clients(share / "good.xlsx", ROWS)
    whole = (share / "good.xlsx").read_bytes()
    (share / "corrupt.xlsx").write_bytes(whole[: len(whole) // 2])
    (share / "empty.xlsx").write_bytes(b"")
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # what Excel writes for an encrypted workbook
    (share / "protected.xlsx").write_bytes(ole + bytes(4088))
    (share / "export.xlsx").write_text("ID;ФИО;Телефон\nC1;Иванов;89123456789\n", "utf-8")
    daemon = run_daemon(share)
    assert wait_for(lambda: fill(share / "good.xlsx", "C3") == ERROR_FILL), daemon.log
    expected = {
        "corrupt.xlsx": "повреждена",
        "empty.xlsx": "пустой",
        "protected.xlsx": "защищена паролем",
        "export.xlsx": "не книга Excel",
    }
    assert wait_for(lambda: all(f"ERROR {n}" in daemon.log for n in expected)), daemon.log
    # still serving: a workbook saved afterwards is processed
    save_excel_way(share / "later.xlsx", lambda p: write_clients(p, ROWS))
    assert wait_for(lambda: fill(share / "later.xlsx", "C3") == ERROR_FILL), daemon.log
    # later.xlsx holds the same clients as good.xlsx: good.xlsx is re-checked for its notes
    assert wait_for(lambda: "later.xlsx, строка 2" in _note(share / "good.xlsx", "C2"))

    def status_lines() -> tuple[str, dict[str, str]]:
        result = CliRunner().invoke(status, ["--state", str(daemon.state)], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        lines = result.output.splitlines()[2:]
        return result.output, {line.split()[0]: line for line in lines if line.startswith("  ")}

    assert wait_for(lambda: " ok " in status_lines()[1]["good.xlsx"])
    output, lines = status_lines()
    for name, word in expected.items():
        assert "error" in lines[name] and word in lines[name], output
    assert " ok " in lines["later.xlsx"] and "Daemon: running" in output


@posix_only
def test_a_zip_bomb_in_the_folder_is_refused_and_the_next_workbook_served(
    tmp_path: Path, run_daemon: Callable[..., DaemonProcess]
) -> None:
    share = tmp_path / "share"
    share.mkdir()
    bomb(share / "bomb.xlsx", lambda p: write_clients(p, ROWS))  # 2 MB, a 2 GB sheet
    daemon = run_daemon(share)
    assert wait_for(lambda: "ERROR bomb.xlsx" in daemon.log), daemon.log
    assert "xl/worksheets/sheet1.xml" in daemon.log and "limits.max_part_mb" in daemon.log
    save_excel_way(share / "good.xlsx", lambda p: write_clients(p, ROWS))
    assert wait_for(lambda: fill(share / "good.xlsx", "C3") == ERROR_FILL), daemon.log
    assert daemon.proc.poll() is None  # still running


@posix_only
def test_a_burst_of_twenty_saves_is_all_processed(
    tmp_path: Path, run_daemon: Callable[..., DaemonProcess]
) -> None:
    share = tmp_path / "share"
    share.mkdir()
    daemon = run_daemon(share)
    assert wait_for(lambda: "workbook(s) found" in daemon.log)
    books = [share / f"filial-{i:02d}.xlsx" for i in range(20)]
    for book in books:
        save_excel_way(book, lambda p: write_clients(p, ROWS))
    assert wait_for(lambda: all(fill(b, "C3") == ERROR_FILL for b in books), 120), daemon.log


@posix_only
def test_sigterm_finishes_cleanly_and_status_shows_it(
    tmp_path: Path, run_daemon: Callable[..., DaemonProcess]
) -> None:
    share = tmp_path / "share"
    share.mkdir()
    write_clients(share / "clients.xlsx", ROWS)
    daemon = run_daemon(share)
    assert wait_for(lambda: fill(share / "clients.xlsx", "C3") == ERROR_FILL), daemon.log
    assert daemon.terminate() == 0
    assert "stopped" in daemon.log
    result = CliRunner().invoke(status, ["--state", str(daemon.state)], catch_exceptions=False)
    assert "Daemon: not running" in result.output
    assert "clients.xlsx" in result.output and "applied" in result.output


def _big_rows(n: int) -> list[list[object]]:
    return [
        [
            f"C{i:06d}",
            f"Клиентов Клиент {i}",
            f"8 (912) {i % 1000:03d}-{i % 100:02d}-{i * 7 % 100:02d}" if i % 10 else "12345",
            f"client{i}@mail.ru",
        ]
        for i in range(1, n + 1)
    ]


def _names_in(book: Path) -> list[str]:
    """Column B of the clients sheet, read with calamine (fails on a corrupt package)."""
    with zipfile.ZipFile(book) as zf:
        assert zf.testzip() is None
    wb = CalamineWorkbook.from_path(str(book))
    rows = wb.get_sheet_by_name("Клиенты").to_python()
    return [str(r[1]) for r in rows[1:]]


@posix_only
def test_sigkill_during_passes_never_loses_a_file_or_a_staff_edit(
    tmp_path: Path, run_daemon: Callable[..., DaemonProcess]
) -> None:
    iterations = int(os.environ.get("CLIENTBASE_KILL_ITERATIONS", "20"))
    rng = random.Random(4)
    share = tmp_path / "share"
    share.mkdir()
    book = share / "clients.xlsx"
    write_clients(book, _big_rows(600))  # big enough that a pass takes a noticeable time
    expected = [str(r[1]) for r in _big_rows(600)]
    for i in range(iterations):
        staff_row: list[object] = [None, f"Правка {i}", "8 912 000 00 00" if i % 2 else "x", None]
        staff_append(book, staff_row)
        expected.append(f"Правка {i}")
        daemon = run_daemon(share, "-v")
        if i % 2:  # anywhere: start-up, reading, checking, writing, idle
            time.sleep(rng.uniform(0.2, 2.5))
        else:  # inside the write: temp file, fsync, verify, backup, rename
            wait_for(lambda: "clients.xlsx: writing" in daemon.log, 30)  # noqa: B023
            time.sleep(rng.uniform(0.0, 0.25))
        daemon.kill()
        assert _names_in(book) == expected, f"iteration {i}"
    final = run_daemon(share)
    assert wait_for(lambda: _up_to_date(final.state, book)), final.log
    assert _names_in(book) == expected
    last_bad = max(i for i in range(iterations) if i % 2 == 0)
    assert fill(book, "C11") == ERROR_FILL
    assert fill(book, f"C{602 + last_bad}") == ERROR_FILL  # the staff's last bad phone


def _up_to_date(db: Path, book: Path) -> bool:
    """The daemon finished a pass over exactly the content the file has now."""
    store = SqliteStateStore(db, read_only=True)
    try:
        state = store.get_file(str(book.resolve()))
    finally:
        store.close()
    return (
        state is not None
        and state.status == "ok"
        and (state.seen_version or "").endswith(sha(book))
    )


def test_status_without_a_state_database_says_so(tmp_path: Path) -> None:
    result = CliRunner().invoke(status, ["--state", str(tmp_path / "none.sqlite")])
    assert result.exit_code == 2
    assert "no state database" in result.output and "clientbase watch" in result.output


def _note(path: Path, cell: str) -> str:
    comment = openpyxl.load_workbook(path)["Клиенты"][cell].comment
    return comment.text if comment is not None else ""


def test_a_client_in_two_branch_workbooks_is_flagged_in_both(harness: Harness) -> None:
    branch1, branch2 = harness.folder / "branch1.xlsx", harness.folder / "branch2.xlsx"
    write_clients(branch1, ROWS)
    # the same Ivanov typed differently in the other branch (row 3 there), plus a stranger
    write_clients(
        branch2,
        [
            ["B000001", "Коваленко Мария", "+380 67 765 4321", "m.k@ukr.net"],
            ["B000002", "Иванов И. И.", "+7 912 345 67 89", None],
        ],
    )
    harness.daemon.notify(branch1)
    assert harness.settle() == ["applied"]
    assert "другой таблице" not in _note(branch1, "C2")  # branch2 not seen yet

    harness.daemon.notify(branch2)
    actions = harness.settle()
    # branch2 is flagged at once; branch1 is re-checked because it now shares a client
    assert actions == ["applied", "applied"]
    assert "branch1.xlsx, строка 2" in _note(branch2, "C3")
    assert "branch2.xlsx, строка 3" in _note(branch1, "C2")
    assert fill(branch1, "C2") == "FFFFEB9C"  # a warning
    assert "другой таблице" not in _note(branch2, "C2")  # the stranger is left alone
    assert harness.settle() == []  # and it settles: no endless re-checking

    # the second branch fixes the phone of its row: branch1's note goes away
    write_clients(
        branch2,
        [
            ["B000001", "Коваленко Мария", "+380 67 765 4321", "m.k@ukr.net"],
            ["B000002", "Иванов И. И.", "+7 912 000 00 01", None],
        ],
    )
    harness.daemon.notify(branch2)
    assert harness.settle() == ["applied", "applied"]
    assert "другой таблице" not in _note(branch1, "C2")
    # the index holds hashes, never the phones themselves
    dump = "\n".join(harness.store._db.iterdump())
    assert not any(s in dump for s in ("+7912", "79123456789", "ivanov@", "Иванов"))


def _seen_by_staff(path: Path) -> list[object]:
    """Every sheet's values, and the clients sheet's fills and notes, as staff would see them."""
    wb = openpyxl.load_workbook(path)
    out: list[object] = []
    for ws in wb.worksheets:
        out.append((ws.title, [[c.value for c in row] for row in ws.iter_rows()]))
    clients = wb["Клиенты"]
    for row in clients.iter_rows():
        for c in row:
            solid = c.fill is not None and c.fill.fill_type == "solid"
            out.append((c.coordinate, c.fill.fgColor.rgb if solid else None,
                        c.comment.text if c.comment else None))  # fmt: skip
    return out


def test_repeat_passes_after_staff_edits_write_what_a_pass_from_scratch_writes(
    harness: Harness, tmp_path: Path
) -> None:
    """The daemon remembers its earlier passes and re-checks only what changed: what it
    writes is still exactly what ``clientbase sync`` from scratch writes for that content.

    The daemon's passes follow one another with all their memory (as in the field); the
    passes from scratch run afterwards on copies of what it read. A sheet the staff did not
    touch is not parsed again, and its remembered grid still holds what the file says after
    the pass and the write (nothing downstream changed it in place)."""
    from sync.demo import generate_base, write_demo_workbook

    book = harness.folder / "clients.xlsx"
    write_demo_workbook(generate_base(300, seed=4, as_of=AS_OF), book)
    harness.daemon.notify(book)
    assert harness.settle() == ["applied"]
    clients, orders = "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"
    edits: list[tuple[str, list[object]]] = [
        (clients, ["N000001", "Новикова Ольга", "12-34", "olga@mail.ru"]),  # a bad phone
        (clients, ["N000002", "Новикова Ольга", "+7 912 555-01-02", "olga@mail.ru"]),  # twin
        (orders, ["З-900001", "20.10.2026", "C000005", "1500"]),  # only the orders sheet
        (clients, ["C000005", "Копия Строки", None, None]),  # a copied ID, no contact
    ]
    where = str(book.absolute())
    parts = {"Заказы": orders, "Контакты": "xl/worksheets/sheet3.xml"}
    read: list[Path] = []
    written: list[Path] = []
    for i, (part, row) in enumerate(edits):
        before = xlsx_read._PARSED.get(where)
        staff_append(book, row, part)
        read.append(tmp_path / f"read{i}.xlsx")
        read[-1].write_bytes(book.read_bytes())  # what the daemon is about to read
        harness.daemon.notify(book)
        assert harness.settle() == ["applied"]
        written.append(tmp_path / f"written{i}.xlsx")
        written[-1].write_bytes(book.read_bytes())
        after = xlsx_read._PARSED.get(where)
        assert before is not None and after is not None
        for name, sheet_part in parts.items():
            same = after[name].grid is before[name].grid
            assert same == (after[name].key == before[name].key), name
            if i:  # (the first write added the highlight styles: every sheet was read afresh)
                assert same == (part != sheet_part), name
        if i:
            # the edited sheet: only its changed rows were parsed (sync.sources.xlsx.delta);
            # the others are the very lists of the last parse
            edited = "Заказы" if part == orders else "Клиенты"
            old_rows, new_rows = before[edited].grid.rows, after[edited].grid.rows
            assert sum(map(operator.is_, old_rows, new_rows)) > len(new_rows) // 2
        for name, parsed in after.items():
            fresh = xlsx_read._read_sheet(read[-1], name)
            with zipfile.ZipFile(read[-1]) as zf:
                found, _ = xlsx_read._scan_errors(read[-1], xlsx_read.sheet_parts(zf)[name])
            assert parsed.grid == xlsx_read._with_errors(fresh, found), name
    for i in range(len(edits)):
        incremental.clear()
        scratch = service.sync(
            service.open_source(str(read[i]), default_config()), default_config(), AS_OF
        )
        assert scratch.applied is not None and scratch.applied.status == "applied"
        assert _seen_by_staff(written[i]) == _seen_by_staff(read[i])
    last = openpyxl.load_workbook(written[0])["Клиенты"].max_row
    assert fill(written[0], f"C{last}") == ERROR_FILL  # the new row's bad phone
