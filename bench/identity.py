"""Hashes of what `clientbase sync` writes, to show a refactoring changed no byte of output.

Syncs copies of the real workbooks in ``tests/files`` (with the built-in defaults) and of demo
bases in ru, uk and en (fixed seed and date), twice each (the second pass must write nothing),
and prints one line per file: the CLI's exit code and the workbook's SHA-256 after each pass.
Run it before and after a change and compare the two outputs with ``diff``:

    python bench/identity.py > before.txt   # on the old commit
    python bench/identity.py > after.txt    # on the new one
    diff before.txt after.txt
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
FILES = HERE / "tests" / "files"
AS_OF = "2026-11-01"


def _sha(path: Path) -> str:
    """Every part's name and bytes, but the file's creation time that openpyxl stamps into the
    demo workbooks (``docProps/core.xml``), so two runs of one commit agree."""
    digest = hashlib.sha256()
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            if info.filename != "docProps/core.xml":
                digest.update(info.filename.encode() + b"\0" + z.read(info) + b"\0")
    return digest.hexdigest()[:16]


def _sync(book: Path, config: Path | None) -> int:
    """Exit code of one sync; without a config, the built-in defaults (no config file found)."""
    argv = [sys.executable, "-m", "sync", "sync", str(book), "--as-of", AS_OF]
    if config is not None:
        argv += ["--config", str(config)]
    env = {k: v for k, v in os.environ.items() if k != "CLIENTBASE_CONFIG"}
    done = subprocess.run(argv, capture_output=True, check=False, cwd=book.parent, env=env)
    return done.returncode


def _demo(folder: Path, lang: str, clients: int) -> tuple[Path, Path]:
    import datetime as dt

    from sync.demo import generate_base, write_demo_workbook
    from sync.template import template_config_text

    book, config = folder / f"demo-{lang}.xlsx", folder / f"demo-{lang}.toml"
    base = generate_base(clients, seed=7, as_of=dt.date.fromisoformat(AS_OF), lang=lang)
    write_demo_workbook(base, book, lang=lang)
    config.write_text(template_config_text(lang), "utf-8")
    return book, config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "real").mkdir()
        cases: list[tuple[str, Path, Path | None]] = []
        for real in sorted(FILES.glob("*.xls[xm]")):
            copy = folder / "real" / real.name
            shutil.copy(real, copy)
            cases.append((real.name, copy, None))
        for lang in ("ru", "uk", "en"):
            book, config = _demo(folder, lang, args.clients)
            cases.append((book.name, book, config))
        for name, book, config in cases:
            first = _sync(book, config)
            after_first = _sha(book)
            second = _sync(book, config)
            print(f"{name}\t{first} {after_first}\t{second} {_sha(book)}")


if __name__ == "__main__":
    main()
