"""Save-to-highlight latency of ``clientbase watch`` after a one-row edit (median of 5).

For each size, a workbook is put in a temp folder and the real daemon is started on it; once
its first pass is done, a person's edit is simulated five times: one client row with a bad
phone is appended to the sheet XML (as Excel would save it, keeping every other part) and the
file is saved the Excel way (temp file, rename). The clock runs from the rename until the
daemon has written a version whose pass covered exactly that content; the new row's highlight
is then checked outside the timing.

    python bench/watch_latency.py [--sizes 1000,100000] [--quiet-period 2.0] [--runs 5]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

CLIENTS = "Клиенты"


def plain_workbook(path: Path, n: int) -> None:
    """``n`` clients, one in ten with a bad phone (used when sync.demo is not available)."""
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(CLIENTS)
    ws.append(["ID", "ФИО", "Телефон", "Email"])
    for i in range(1, n + 1):
        phone = f"8 (912) {i % 1000:03d}-{i // 1000 % 100:02d}-{i % 97:02d}" if i % 10 else "1234"
        ws.append([f"C{i:06d}", f"Клиентов Клиент {i}", phone, f"client{i}@mail.ru"])
    wb.save(path)


def make_workbook(path: Path, n: int) -> str:
    try:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from common import generated_workbook

        shutil.copy(generated_workbook(n), path)
        return "demo base with orders"
    except Exception as exc:  # the demo generator is optional for this benchmark
        print(f"# sync.demo unavailable ({type(exc).__name__}); plain clients sheet", flush=True)
        plain_workbook(path, n)
        return "clients sheet only"


def sheet_part(parts: dict[str, bytes], sheet: str) -> str:
    """The zip part holding ``sheet`` (via workbook.xml and its relationships)."""
    workbook = parts["xl/workbook.xml"].decode("utf-8")
    rels = parts["xl/_rels/workbook.xml.rels"].decode("utf-8")
    for m in re.finditer(r"<(?:\w+:)?sheet\b[^>]*>", workbook):
        tag = m.group(0)
        name = re.search(r'\bname="([^"]*)"', tag)
        rid = re.search(r'\br:id="([^"]*)"', tag) or re.search(r'\bid="([^"]*)"', tag)
        if name and rid and name.group(1) == sheet:
            rel = re.search(rf'<Relationship\b[^>]*\bId="{rid.group(1)}"[^>]*>', rels)
            assert rel is not None
            target = re.search(r'\bTarget="([^"]*)"', rel.group(0))
            assert target is not None
            t = target.group(1)
            return t.lstrip("/") if t.startswith("/") else "xl/" + t
    raise SystemExit(f"no sheet {sheet}")


def append_row(path: Path, values: list[str]) -> None:
    """Append a row to the clients sheet and save the Excel way (temp file, then rename)."""
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        parts = {i.filename: zf.read(i) for i in infos}
    name = sheet_part(parts, CLIENTS)
    xml = parts[name].decode("utf-8")
    n = max(int(r) for r in re.findall(r'<row\b[^>]*?\br="(\d+)"', xml)) + 1
    cells = "".join(
        f'<c r="{col}{n}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'
        for col, v in zip("ABCD", values, strict=True)
    )
    xml = xml.replace("</sheetData>", f'<row r="{n}">{cells}</row></sheetData>', 1)
    xml = re.sub(r'(<dimension ref="A1:[A-Z]+)\d+"', rf"\g<1>{n}\"", xml, count=1)
    tmp = path.with_name(os.urandom(4).hex().upper())
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
        for info in infos:
            out.writestr(
                info, xml.encode("utf-8") if info.filename == name else parts[info.filename]
            )
    os.replace(tmp, path)


_HASHED: dict[tuple[int, int, int], str] = {}


def content_hash(book: Path) -> str:
    """The file's SHA-256, computed again only when its size, mtime or inode changed: the
    bench polls every 20 ms, and hashing 20 MB each time would take a core from the daemon
    it measures (two cores in all)."""
    st = book.stat()
    key = (st.st_ino, st.st_size, st.st_mtime_ns)
    found = _HASHED.get(key)
    if found is None:
        found = hashlib.sha256(book.read_bytes()).hexdigest()
        again = book.stat()
        if (again.st_ino, again.st_size, again.st_mtime_ns) == key:  # not replaced meanwhile
            _HASHED.clear()
            _HASHED[key] = found
    return found


def up_to_date(state_db: Path, book: Path, not_hash: str | None) -> bool:
    """The daemon finished a pass over the file's current content (and wrote since)."""
    from sync.state import SqliteStateStore

    if not state_db.exists():
        return False
    current = content_hash(book)
    if current == not_hash:
        return False
    store = SqliteStateStore(state_db, read_only=True)
    try:
        state = store.get_file(str(book.resolve()))
    finally:
        store.close()
    return (
        state is not None and state.status == "ok" and (state.seen_version or "").endswith(current)
    )


def wait(cond: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if cond():  # type: ignore[operator]
                return
        except (OSError, ValueError, zipfile.BadZipFile):
            pass  # the file is being replaced, or the state DB is being set up
        time.sleep(0.02)
    raise SystemExit("timed out waiting for the daemon")


def measure(n: int, quiet: float, runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "share"
        folder.mkdir()
        book = folder / "clients.xlsx"
        kind = make_workbook(book, n)
        state = Path(tmp) / "state.sqlite"
        log = (Path(tmp) / "daemon.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "sync.cli.daemon", "watch", str(folder),
             "--quiet-period", str(quiet), "--state", str(state)],
            stdout=log, stderr=subprocess.STDOUT, cwd=tmp,
        )  # fmt: skip
        try:
            t0 = time.perf_counter()
            wait(lambda: up_to_date(state, book, None), 600)
            first = time.perf_counter() - t0
            latencies = []
            for i in range(runs):
                append_row(book, [f"N{i:05d}", f"Новый Клиент {i}", "12-34", f"new{i}@mail.ru"])
                saved = content_hash(book)
                t0 = time.perf_counter()
                wait(lambda s=saved: up_to_date(state, book, s), 600)
                latencies.append(time.perf_counter() - t0)
            _check_highlight(book, runs)
        finally:
            proc.terminate()
            proc.wait(timeout=60)
            log.close()
        med = statistics.median(latencies)
        print(
            f"{n:>7} rows ({kind}, {book.stat().st_size / 1e6:.1f} MB): first pass "
            f"{first:.2f} s; save→highlighted median {med:.2f} s "
            f"(quiet period {quiet:g} s + {med - quiet:.2f} s work) "
            f"[{', '.join(f'{x:.2f}' for x in latencies)}]",
            flush=True,
        )


def _check_highlight(book: Path, runs: int) -> None:
    """The last appended row's phone cell carries a tool highlight (read-only, fast)."""
    import openpyxl

    wb = openpyxl.load_workbook(book, read_only=True)
    try:
        last: tuple[object, ...] = ()
        for last in wb[CLIENTS].iter_rows():  # noqa: B007
            pass  # the sheet has no stored dimension: walk to its end
        name, phone = last[1], last[2]
        assert str(name.value) == f"Новый Клиент {runs - 1}"  # type: ignore[attr-defined]
        fill = phone.fill  # type: ignore[attr-defined]
        assert fill is not None and fill.fill_type == "solid", "no highlight"
    finally:
        wb.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--quiet-period", type=float, default=2.0)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for n in (int(s) for s in args.sizes.split(",")):
        measure(n, args.quiet_period, args.runs)


if __name__ == "__main__":
    main()
