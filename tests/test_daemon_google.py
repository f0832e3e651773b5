"""The daemon's Google Sheets side: version polling, own-write recognition, failures isolated,
and the real `clientbase watch` process serving a sheet on the local emulator."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sync.config_load import load_config
from sync.core.config import GoogleSheetConfig, default_config
from sync.daemon.google import GooglePoller, poll_sheet
from sync.demo import generate_base
from sync.state import SqliteStateStore
from sync.testing.sheets.emulator import SheetsEmulator

AS_OF = dt.date(2026, 11, 1)


def new_sheet(emu: SheetsEmulator, n: int = 200) -> str:
    base = generate_base(n, as_of=AS_OF)
    return emu.create_spreadsheet(
        "База", {"Клиенты": base.clients, "Заказы": base.orders, "Контакты": base.interactions}
    )


def test_poll_runs_a_pass_only_when_someone_else_changed_the_sheet(
    emulator: SheetsEmulator, tmp_path: Path
) -> None:
    sid = new_sheet(emulator)
    entry = GoogleSheetConfig(sid, endpoint=emulator.base_url)
    cfg = default_config()
    store = SqliteStateStore(tmp_path / "state.sqlite")

    def look() -> tuple[str, int]:
        emulator.reset_counts()
        action = poll_sheet(entry, cfg, store, as_of=AS_OF).action
        return action, len(emulator.request_log)

    assert look() == ("applied", 7)  # version check + the six calls of a pass
    assert look() == ("own", 3)  # the version moved by the tool's own write: read, no pass
    assert look() == ("unchanged", 1)  # one cheap call per interval
    emulator.set_values(sid, "'Клиенты'!C2", [["8 (912) 345-67-89"]])  # staff type
    action, n = look()
    assert action == "applied" and n <= 7
    state = store.get_file(f"gsheet:{sid}")
    assert state is not None and state.status == "ok"
    assert [r.status for r in store.recent_runs()][:2] == ["applied", "applied"]


def test_a_broken_sheet_does_not_stop_the_others(emulator: SheetsEmulator, tmp_path: Path) -> None:
    good = new_sheet(emulator)
    conf = tmp_path / "clientbase.toml"
    conf.write_text(
        f'[[google]]\nspreadsheet = "1MissingSheet000000000000"\nendpoint = "{emulator.base_url}"\n'
        f'[[google]]\nspreadsheet = "{good}"\nendpoint = "{emulator.base_url}"\n',
        "utf-8",
    )
    store = SqliteStateStore(tmp_path / "state.sqlite")
    poller = GooglePoller(lambda: load_config(conf), store, as_of=AS_OF)
    results = poller.step()
    assert [r.action for r in results] == ["error", "applied"]
    assert "not found" in results[0].detail
    broken = store.get_file("gsheet:1MissingSheet000000000000")
    assert broken is not None and broken.status == "error"
    assert poller.step() == []  # not due again before its interval


def test_watch_process_serves_a_google_sheet(emulator: SheetsEmulator, tmp_path: Path) -> None:
    sid = new_sheet(emulator, 300)
    conf = tmp_path / "clientbase.toml"
    conf.write_text(
        f'[[google]]\nspreadsheet = "{sid}"\nendpoint = "{emulator.base_url}"\npoll_interval = 1\n',
        "utf-8",
    )
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sync", "watch", str(tmp_path), "--config", str(conf)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        header: list[object] = []
        while time.monotonic() < deadline:
            header = emulator.get_values(sid, "'Клиенты'!1:1")[0]
            if "Сегмент" in header:
                break
            time.sleep(0.2)
        assert "Сегмент" in header
        emulator.set_values(sid, "'Клиенты'!D2", [["ivan@gmial.com"]])  # a typo, typed now
        while time.monotonic() < deadline:
            if emulator.cell(sid, "'Клиенты'!D2").get("note"):
                break
            time.sleep(0.2)
        assert "gmail.com" in emulator.cell(sid, "'Клиенты'!D2").get("note", "")
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    assert f"gsheet:{sid}: updated" in out
    assert "ivan" not in out  # no personal data in the log
