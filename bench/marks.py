"""What `[output] mark` changes on a realistic base: marked cells, notes and workbook size.

Syncs the demo base (Russian, ``clientbase demo``'s generator) twice from the same file: once
marking every severity (what versions before `[output] mark` did), once with the default
(errors and warnings), then once more with the default over the first result (an upgrade).

    python bench/marks.py [N_CLIENTS]
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import sys
import time
import zipfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import AS_OF, OUT, generated_workbook

from sync import service
from sync.core.config import Config, default_config
from sync.sources import open_source

_XF = re.compile(rb"<xf [^>]*?fillId=\"(\d+)\"")
_FILL = re.compile(rb"<fill>(.*?)</fill>", re.S)
_STYLE = re.compile(rb"<c [^>]*?s=\"(\d+)\"")


def marks(path: Path, sheet_part: str = "xl/worksheets/sheet1.xml") -> tuple[Counter[str], int]:
    """(tool-coloured cells by colour, notes) on the clients sheet."""
    tool = {"FFFFC7CE": "error", "FFFFEB9C": "warning", "FFC6EFCE": "info"}
    with zipfile.ZipFile(path) as z:
        styles = z.read("xl/styles.xml")
        cell_xfs = styles.split(b"<cellXfs", 1)[1].split(b"</cellXfs>", 1)[0]
        fills = _FILL.findall(styles)
        colour_of_fill = {}
        for i, fill in enumerate(fills):
            m = re.search(rb'fgColor rgb="([0-9A-Fa-f]{8})"', fill)
            if m and m.group(1).decode().upper() in tool:
                colour_of_fill[i] = tool[m.group(1).decode().upper()]
        kind_of_xf = {
            i: colour_of_fill[int(f)]
            for i, f in enumerate(_XF.findall(cell_xfs))
            if int(f) in colour_of_fill
        }
        counts: Counter[str] = Counter()
        for s in _STYLE.findall(z.read(sheet_part)):
            kind = kind_of_xf.get(int(s))
            if kind:
                counts[kind] += 1
        notes = sum(
            z.read(n).count(b"<comment ")
            for n in z.namelist()
            if n.startswith("xl/comments") and n.endswith(".xml")
        )
    return counts, notes


def run(path: Path, config: Config) -> float:
    t0 = time.perf_counter()
    result = service.sync(open_source(str(path), config), config, AS_OF)
    assert result.applied is not None and result.applied.status in ("applied", "unchanged")
    return time.perf_counter() - t0


def show(label: str, path: Path, seconds: float) -> None:
    counts, notes = marks(path)
    print(
        f"{label:<34} marked cells {sum(counts.values()):>6} "
        f"(error {counts['error']}, warning {counts['warning']}, info {counts['info']}), "
        f"notes {notes:>6}, file {path.stat().st_size / 1e6:.2f} MB, sync {seconds:.2f} s"
    )


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    source = generated_workbook(n, orders_per_client=3.0)
    print(f"clients: {n}, source file {source.stat().st_size / 1e6:.2f} MB")
    every = default_config()
    every = dataclasses.replace(
        every, output=dataclasses.replace(every.output, mark=("error", "warning", "info"))
    )
    old, new = OUT / "marks-every.xlsx", OUT / "marks-default.xlsx"
    for target, config, label in (
        (old, every, 'mark = ["error","warning","info"]'),
        (new, default_config(), "mark = default (error, warning)"),
    ):
        shutil.copyfile(source, target)
        shutil.rmtree(OUT / ".clientbase-backups", ignore_errors=True)
        show(label, target, run(target, config))
    upgraded = OUT / "marks-upgraded.xlsx"
    shutil.copyfile(old, upgraded)
    show("upgrade: default over the first", upgraded, run(upgraded, default_config()))


if __name__ == "__main__":
    main()
