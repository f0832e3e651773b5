"""Hostile and damaged packages get a clear refusal naming the file and the part, in the
configured language, before any parser sees them; none is ever written back."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import zlib
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from sync import service
from sync.cli.main import cli
from sync.core.config import LimitsConfig, default_config
from sync.errors import SheetNotFoundError, SourceError
from sync.sources.xlsx.source import XlsxSource

from ..hostile_zips import SHEET, Entry, bomb, entries_of, write_zip

AS_OF = dt.date(2026, 11, 1)


def _workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Клиенты"
    ws.append(["ID", "ФИО", "Телефон", "Email"])
    ws.append(["C000001", "Иванов Иван", "12345", "ivan@mail.ru"])
    other = wb.create_sheet("Заказы")
    other.append(["Дата", "ID клиента", "Сумма"])
    wb.save(path)
    return path


def _read(path: Path, language: str = "en") -> str:
    with pytest.raises(SourceError) as err:
        XlsxSource(path, language=language).read(["Клиенты"])
    return str(err.value)


def test_a_zip_bomb_is_refused_by_its_declared_size(tmp_path: Path) -> None:
    path = bomb(tmp_path / "bomb.xlsx", _workbook)
    assert path.stat().st_size < 3 << 20
    message = _read(path)
    assert "bomb.xlsx" in message and SHEET in message and "2048 MB" in message
    assert "open it in Excel and save it again" in message


def test_a_zip_bomb_lying_about_its_size_is_refused_before_it_inflates(tmp_path: Path) -> None:
    path = bomb(tmp_path / "liar.xlsx", _workbook, declared=4000)
    message = _read(path)
    assert SHEET in message and "more bytes than it declares" in message


def test_a_part_compressed_beyond_the_ratio_limit_is_refused(tmp_path: Path) -> None:
    path = bomb(tmp_path / "bomb.xlsx", _workbook)
    limits = LimitsConfig(max_part_mb=4096, max_unpacked_mb=4096, max_ratio=100)
    with pytest.raises(SourceError, match=r"compressed \d+ times.*max_ratio"):
        XlsxSource(path, limits=limits).read(["Клиенты"])


def _variant(tmp_path: Path, kind: str) -> Path:
    path = _workbook(tmp_path / f"{kind}.xlsx")
    entries = entries_of(path)
    sheet = next(e for e in entries if e.name == SHEET)
    if kind == "duplicate":
        entries.append(Entry(SHEET, sheet.data.replace(b"12345", b"99999")))
    elif kind == "dotdot":
        entries.append(Entry("xl/../../evil.xml", b"<x/>"))
    elif kind == "absolute":
        entries.append(Entry("/etc/evil.xml", b"<x/>"))
    elif kind == "crc":
        sheet.crc = zlib.crc32(sheet.data) ^ 1
    elif kind == "xml":
        sheet.data = sheet.data.replace(b"</sheetData>", b"<row></sheetData>")
    return write_zip(path, entries)


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("duplicate", "two parts named xl/worksheets/sheet1.xml"),
        ("dotdot", "part name xl/../../evil.xml points outside the package"),
        ("absolute", "part name /etc/evil.xml points outside the package"),
        ("crc", "part xl/worksheets/sheet1.xml is damaged (its checksum"),
        ("xml", "sheet 'Клиенты' (part xl/worksheets/sheet1.xml) is not valid XML"),
    ],
)
def test_damaged_packages_are_refused_naming_the_part(
    tmp_path: Path, kind: str, words: str
) -> None:
    message = _read(_variant(tmp_path, kind))
    assert f"{kind}.xlsx" in message and words in message, message
    assert "open it in Excel and save it again" in message
    assert "Error" not in message  # no parser class (XmlError, BadZipFile, ...)


@pytest.mark.parametrize(
    ("language", "words"),
    [("ru", "сохраните его заново"), ("uk", "збережіть його знову"), ("en", "save it again")],
)
def test_refusals_are_in_the_configured_language(tmp_path: Path, language: str, words: str) -> None:
    assert words in _read(_variant(tmp_path, "xml"), language)


@pytest.mark.parametrize("kind", ["bomb", "duplicate", "crc", "xml"])
def test_cli_refuses_with_exit_3_and_never_writes(tmp_path: Path, kind: str) -> None:
    path = bomb(tmp_path / "bomb.xlsx", _workbook) if kind == "bomb" else _variant(tmp_path, kind)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    (tmp_path / "clientbase.toml").write_text('language = "en"\n', "utf-8")
    for command in ("check", "sync"):
        result = CliRunner().invoke(cli, [command, str(path)], catch_exceptions=False)
        assert result.exit_code == 3, result.output
        assert path.name in result.output and "save it again" in result.output
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert not (tmp_path / ".clientbase-backups").exists()


def test_a_missing_sheet_names_every_sheet_the_workbook_has(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "book.xlsx")
    config = default_config()
    clients = config.sheets["clients"]
    renamed = dataclasses.replace(clients, name="Покупатели")
    config = dataclasses.replace(config, sheets={**config.sheets, "clients": renamed})
    with pytest.raises(SheetNotFoundError) as err:
        service.check(XlsxSource(path), config, AS_OF)
    message = str(err.value)
    assert "«Покупатели»" in message and "'Клиенты', 'Заказы'" in message
