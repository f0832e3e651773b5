"""Another program's save never blocks the workbook (DESIGN.md, data-safety rule 4).

openpyxl (and so pandas and many scripts) and LibreOffice's export to .xlsx drop the tool's
record (a custom XML part). After such a re-save and a staff edit, ``sync`` recognises its own
sheets by their header rows, keeps what staff typed, writes one copy of each tool sheet, unmarks
the cell staff fixed, and a further ``sync`` writes nothing. A sheet of the staff's that merely
has the tool sheet's name is refused — by ``--dry-run`` exactly as by the real run.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from sync.cli.main import cli
from sync.demo import generate_base, write_demo_workbook
from sync.template import template_config_text

AS_OF = dt.date(2026, 11, 1)
TOOL_SHEETS = ("Проблемы", "Сводка")


@pytest.fixture
def synced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A demo base (ru) synced once by the tool, with its config beside it."""
    monkeypatch.delenv("CLIENTBASE_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    book = tmp_path / "clients.xlsx"
    write_demo_workbook(generate_base(150, seed=3, as_of=AS_OF), book)
    (tmp_path / "clientbase.toml").write_text(template_config_text("ru"), "utf-8")
    assert _sync(book).exit_code == 0
    return book


def _sync(book: Path, *extra: str) -> object:
    result = CliRunner().invoke(
        cli, ["sync", str(book), "--as-of", AS_OF.isoformat(), *extra], catch_exceptions=False
    )
    return result


def _invalid_phone_cell(book: Path) -> str:
    """The first cell the tool marked as an invalid phone (from its Problems sheet)."""
    wb = openpyxl.load_workbook(book, read_only=True)
    rows = list(wb["Проблемы"].iter_rows(values_only=True))
    wb.close()
    header = list(rows[0])
    code, cell = header.index("Код"), header.index("Ячейка")
    return next(str(r[cell]) for r in rows[1:] if r[code] == "phone.invalid")


def _staff_edit(book: Path, ref: str, text: str) -> None:
    """Type ``text`` into ``ref`` of the clients sheet as Excel saves it: that cell's XML
    changes (an inline string, its style kept), every other part keeps its bytes."""
    with zipfile.ZipFile(book) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    name = "xl/worksheets/sheet1.xml"
    xml = parts[name].decode("utf-8")
    cell = re.compile(rf'<c r="{ref}"([^>]*?)(?:/>|>.*?</c>)', re.S)
    match = cell.search(xml)
    assert match is not None, ref
    attrs = re.sub(r'\s+t="[^"]*"', "", match.group(1))
    new = f'<c r="{ref}"{attrs} t="inlineStr"><is><t>{text}</t></is></c>'
    parts[name] = (xml[: match.start()] + new + xml[match.end() :]).encode("utf-8")
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as z:
        for part, data in parts.items():
            z.writestr(part, data)


def _openpyxl_resave(book: Path, tmp: Path) -> None:
    wb = openpyxl.load_workbook(book)
    wb.save(book)


def _pandas_resave(book: Path, tmp: Path) -> None:
    sheets = pd.read_excel(book, sheet_name=None, engine="openpyxl")
    with pd.ExcelWriter(book, engine="openpyxl") as out:
        for name, frame in sheets.items():
            frame.to_excel(out, sheet_name=name, index=False)


def _libreoffice_resave(book: Path, tmp: Path) -> None:
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is not installed")
    out = tmp / "lo"
    done = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp / 'lo-profile'}",
            "--headless",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out),
            str(book),
        ],
        capture_output=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    shutil.copyfile(out / book.name, book)


RESAVES: dict[str, Callable[[Path, Path], None]] = {
    "openpyxl": _openpyxl_resave,
    "pandas": _pandas_resave,
    "libreoffice": _libreoffice_resave,
}


@pytest.mark.parametrize("resave", sorted(RESAVES))
def test_a_resaved_workbook_syncs_keeps_staff_values_and_unmarks_the_fixed_cell(
    synced: Path, tmp_path: Path, resave: str
) -> None:
    cell = _invalid_phone_cell(synced)
    RESAVES[resave](synced, tmp_path)
    _staff_edit(synced, cell, "+7 912 345-67-89")  # staff fix the phone the tool flagged
    wb = openpyxl.load_workbook(synced)
    ws = wb["Клиенты"]
    typed = {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}

    assert _sync(synced, "--dry-run").exit_code == 0
    result = _sync(synced)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    if resave != "libreoffice":  # (LibreOffice keeps the record: nothing to recover)
        assert "листы 'Проблемы', 'Сводка' узнаны" in result.output  # type: ignore[attr-defined]

    wb = openpyxl.load_workbook(synced)
    assert [n for n in wb.sheetnames if n.startswith(TOOL_SHEETS)] == list(TOOL_SHEETS)
    ws = wb["Клиенты"]
    fixed = ws[cell]
    assert fixed.value == "+7 912 345-67-89"
    assert fixed.comment is None or "телефон" not in fixed.comment.text.lower()
    assert fixed.fill.fgColor.rgb in (None, "00000000", "FFFFFFFF") or fixed.fill.fill_type is None
    for ref, value in typed.items():  # nothing staff typed is lost (the tool's columns aside)
        if ws[ref].value != value:
            header = ws.cell(1, ws[ref].column).value
            assert header in _tool_headers(), (ref, value, ws[ref].value)
    before = synced.read_bytes()
    again = _sync(synced)
    assert "unchanged" in again.output  # type: ignore[attr-defined]
    assert synced.read_bytes() == before


def _tool_headers() -> set[str]:
    from sync.core.config import default_config
    from sync.core.labels import column_header

    config = default_config()
    return {column_header(k, config) for k in config.output.columns}


def test_a_staff_sheet_with_the_tool_sheets_name_is_refused_by_a_dry_run_too(
    synced: Path,
) -> None:
    wb = openpyxl.load_workbook(synced)
    del wb["Проблемы"]
    staff = wb.create_sheet("Проблемы")
    staff.append(["Что сломалось", "Кто чинит"])
    staff.append(["Принтер", "Олег"])
    wb.save(synced)
    dry = _sync(synced, "--dry-run")
    real = _sync(synced)
    assert dry.exit_code == real.exit_code == 3  # type: ignore[attr-defined]
    assert "Проблемы" in dry.output and "Проблемы" in real.output  # type: ignore[attr-defined]
    wb = openpyxl.load_workbook(synced)
    assert wb["Проблемы"]["B2"].value == "Олег"  # the staff's sheet is left alone
