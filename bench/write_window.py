"""Land a staff save (Excel's way: temp file, then rename over) in every gap of the write
sequence of ``sync`` and ``undo``, with and without hard links, and count saves lost.

    .venv/bin/python bench/write_window.py [REPEATS]

Prints, per mode: the windows tried (a save landed), the outcomes, and saves lost (a save
whose bytes are neither at the workbook's path nor anywhere the tool reported).
"""

from __future__ import annotations

import datetime as dt
import errno
import sys
import tempfile
from collections import Counter
from pathlib import Path
from unittest import mock

import openpyxl

from sync import service
from sync.core.config import default_config
from sync.errors import ConflictError
from sync.sources.xlsx import swap
from sync.sources.xlsx.source import XlsxSource

AS_OF = dt.date(2026, 11, 1)


def _workbook(path: Path, rows: int) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Клиенты"
    ws.append(["ID", "ФИО", "Телефон", "Email"])
    for i in range(rows):
        ws.append([f"C{i + 1:06d}", f"Иванов Иван {i}", "12345", f"user{i}@mail.ru"])
    wb.save(path)
    return path


def _one(folder: Path, gap: str, undo: bool) -> str | None:
    path = _workbook(folder / "clients.xlsx", 30)
    if undo:
        service.sync(XlsxSource(path), default_config(), AS_OF)
    staff = _workbook(folder / "staff.xlsx", 31).read_bytes()
    landed: list[str] = []

    def hook(point: str) -> None:
        if point == gap:
            tmp = folder / "A1B2C3D4"
            tmp.write_bytes(staff)
            tmp.replace(path)
            landed.append(point)

    source = XlsxSource(path, write_hook=hook)
    if undo:
        try:
            source.undo()
            outcome = "restored"
        except ConflictError:
            outcome = "conflict"
    else:
        applied = service.sync(source, default_config(), AS_OF).applied
        assert applied is not None
        outcome = applied.status
    if not landed:
        return None
    return outcome if path.read_bytes() == staff else "LOST"


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    for mode in ("hard links", "no hard links"):
        patch = mock.patch.object(
            swap.os, "link", side_effect=OSError(errno.EPERM, "not permitted")
        )
        if mode == "no hard links":
            patch.start()
        for kind in ("sync", "undo"):
            outcomes: Counter[str] = Counter()
            for gap in swap.WRITE_POINTS:
                for _ in range(repeats):
                    with tempfile.TemporaryDirectory() as d:
                        result = _one(Path(d), gap, kind == "undo")
                    if result is not None:
                        outcomes[f"{gap}:{result}"] += 1
            tried = sum(outcomes.values())
            lost = sum(n for k, n in outcomes.items() if k.endswith("LOST"))
            print(
                f"{mode:14} {kind:5} windows tried {tried:3}  saves lost {lost}  {dict(outcomes)}"
            )
        if mode == "no hard links":
            patch.stop()


if __name__ == "__main__":
    main()
