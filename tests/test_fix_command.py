"""`clientbase fix`: the standard forms the Problems sheet suggests, written into the cells in
one go, the originals in the audit log, and `undo` putting them back (real files, the CLI)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from sync.cli.main import cli
from sync.state import SqliteStateStore


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.delenv("CLIENTBASE_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def _workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Клиенты"
    ws.append(["ID", "ФИО", "Телефон", "Email"])
    ws.append(["C000001", "Иванов Иван Петрович", "8 912 345 67 89", " Ivan@Mail.ru"])
    ws.append(["C000002", "петрова  анна", "12345", "anna@mail.ru"])
    ws.append(["C000003", "Сидоров Пётр", "+7 (916) 123 45 67", "petr@mail.ru"])
    orders = wb.create_sheet("Заказы")
    orders.append(["Дата", "ID клиента", "Сумма"])
    orders.append([dt.datetime(2026, 10, 1), "C000001", 5000])
    wb.save(path)
    return path


def _values(path: Path) -> list[tuple[object, ...]]:
    ws = openpyxl.load_workbook(path)["Клиенты"]
    return [tuple(r[:4]) for r in ws.iter_rows(min_row=2, max_row=4, values_only=True)]


def test_suggestions_then_fix_of_phones_only_then_undo(runner: CliRunner, tmp_path: Path) -> None:
    path = _workbook(tmp_path / "clients.xlsx")
    typed = _values(path)
    # with fix = "suggest" (the default), sync only suggests: the Problems sheet holds the forms
    assert runner.invoke(cli, ["sync", str(path), "--as-of", "2026-11-01"]).exit_code == 0
    assert _values(path) == typed
    problems = openpyxl.load_workbook(path)["Проблемы"]
    suggested = {
        (r[1], r[3]): r[6] for r in problems.iter_rows(min_row=2, values_only=True) if r[3]
    }
    assert suggested[(2, "phone.fixed")] == "+7 912 345-67-89"
    assert suggested[(4, "phone.fixed")] == "+7 916 123-45-67"
    assert suggested[(2, "email.fixed")] == "ivan@mail.ru"

    dry = runner.invoke(cli, ["fix", str(path), "--field", "phone", "--dry-run"])
    assert dry.exit_code == 0 and "телефонов 2" in dry.output and _values(path) == typed

    result = runner.invoke(
        cli, ["fix", str(path), "--field", "phone", "--as-of", "2026-11-01"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "телефонов 2" in result.output and "clientbase undo" in result.output
    fixed = _values(path)
    assert fixed[0][2] == "+7 912 345-67-89" and fixed[2][2] == "+7 916 123-45-67"
    assert fixed[1][2] == "12345"  # an invalid number is not "fixed"
    assert fixed[0][3] == " Ivan@Mail.ru"  # --field phone leaves emails alone
    store = SqliteStateStore(tmp_path / "clientbase-state.sqlite")
    try:
        olds = {(e.row, e.old, e.new) for e in store.audit_log(str(path.resolve()))}
    finally:
        store.close()
    assert (2, "8 912 345 67 89", "+7 912 345-67-89") in olds
    assert (4, "+7 (916) 123 45 67", "+7 916 123-45-67") in olds

    again = runner.invoke(cli, ["fix", str(path), "--field", "phone", "--as-of", "2026-11-01"])
    assert again.exit_code == 0 and "менять нечего" in again.output

    # the second fix wrote nothing (the first left no finding behind): undo restores the typing
    assert runner.invoke(cli, ["undo", str(path)]).exit_code == 0
    assert _values(path) == typed


def test_fix_without_a_field_writes_phones_emails_and_names(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = _workbook(tmp_path / "clients.xlsx")
    result = runner.invoke(cli, ["fix", str(path), "--as-of", "2026-11-01"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    fixed = _values(path)
    assert fixed[0][3] == "ivan@mail.ru" and fixed[0][2] == "+7 912 345-67-89"
    assert fixed[1][1] == "Петрова Анна"
