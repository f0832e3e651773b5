"""Two offices' real daemons (``clientbase watch`` processes) sharing one PostgreSQL database:
used by the end-to-end test and by ``bench/offices.py``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import openpyxl

HEADER = ["ID", "ФИО", "Телефон", "Email"]


class Office:
    """One office: a folder of workbooks, its config, and its daemon."""

    def __init__(self, root: Path, name: str, url: str, key_file: Path) -> None:
        self.name = name
        self.folder = root / name
        self.folder.mkdir(parents=True)
        self.config = root / f"{name}.toml"
        self.config.write_text(
            "[watch]\n"
            f'state = "{url}"\n'
            f'office = "{name}"\n'
            f'index_key_file = "{key_file}"\n'
            f'state_path = "{root / (name + ".sqlite")}"\n'
            "quiet_period = 0.3\n",
            "utf-8",
        )
        self.log_path = root / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if k != "CLIENTBASE_CONFIG"}
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "sync",
                    "watch",
                    str(self.folder),
                    "--config",
                    str(self.config),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
            )

    @property
    def log(self) -> str:
        return self.log_path.read_text("utf-8", errors="replace")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def write_clients(path: Path, rows: Sequence[Sequence[object]]) -> None:
    """A staff save (the Excel way: a temp file renamed over the workbook)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Клиенты"
    for row in [HEADER, *rows]:
        ws.append(list(row))
    tmp = path.with_name(f"~{os.urandom(4).hex()}.tmp")
    wb.save(tmp)
    os.replace(tmp, path)


def note(path: Path, cell: str) -> str:
    try:
        comment = openpyxl.load_workbook(path)["Клиенты"][cell].comment
    except Exception:  # being replaced right now: look again
        return ""
    return comment.text if comment is not None else ""


def wait_for(cond: Callable[[], bool], timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return cond()
