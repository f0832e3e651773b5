"""The export opens as columns where staff open it: a Russian-locale spreadsheet import
(LibreOffice headless: ';' separator, UTF-8, Russian locale 1049, as Excel in that locale
reads a double-clicked CSV)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from sync.cli.main import cli
from sync.core.export import EXPORT_COLUMNS
from sync.demo import generate_base, write_demo_workbook

pytestmark = pytest.mark.slow


def test_a_russian_export_opens_as_columns_with_numbers_and_cyrillic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is not installed")
    monkeypatch.delenv("CLIENTBASE_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    book = tmp_path / "clients.xlsx"
    write_demo_workbook(generate_base(200, as_of=dt.date(2026, 11, 1)), book)
    result = CliRunner().invoke(
        cli, ["export", str(book), "--out", "out.csv", "--as-of", "2026-11-01"]
    )
    assert result.exit_code == 0, result.output
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--infilter=CSV:59,34,76,1,,1049",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(tmp_path / "opened"),
            str(tmp_path / "out.csv"),
        ],
        capture_output=True,
        timeout=300,
        check=True,
    )
    ws = openpyxl.load_workbook(tmp_path / "opened" / "out.xlsx").active
    assert ws is not None
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("ID", "ФИО", "Телефон")
    assert all(len(r) == len(EXPORT_COLUMNS) for r in rows)  # every line split into columns
    assert len(rows) > 150
    revenue = [r[10] for r in rows[1:] if r[10] not in (None, "", 0)]
    assert revenue and all(isinstance(v, int | float) for v in revenue)  # numbers, not text
    assert {r[4] for r in rows[1:]} <= {"да", "нет", None}
    assert any(isinstance(r[1], str) and any("а" <= ch <= "я" for ch in r[1]) for r in rows[1:])
