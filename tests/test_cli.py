"""The command line, as a user runs it (click's CliRunner, real files in tmp_path)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from sync.cli.main import cli

ROOT = Path(__file__).resolve().parents[1]


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
    ws.append(["ID", "ФИО", "Телефон", "Email", "Согласие на рассылку"])
    ws.append(["C000001", "Иванов Иван Петрович", "+7 912 345-67-89", "ivan@mail.ru", "да"])
    ws.append(["C000002", "Петрова Анна", "12345", "anna@gmial.com", "нет"])
    ws.append(["C000003", "Ivanov Ivan", "8 912 345 67 89", None, None])
    orders = wb.create_sheet("Заказы")
    orders.append(["Дата", "ID клиента", "Сумма"])
    orders.append([dt.datetime(2026, 10, 1), "C000001", 5000])
    wb.save(path)
    return path


def test_every_command_has_help_and_is_in_the_readme(runner: CliRunner) -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    for name, command in cli.commands.items():
        assert command.help, name
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0, name
        assert f"clientbase {name}" in readme, name


def test_check_prints_a_summary_and_writes_the_report(runner: CliRunner, tmp_path: Path) -> None:
    path = _workbook(tmp_path / "clients.xlsx")
    before = path.read_bytes()
    result = runner.invoke(
        cli,
        ["check", str(path), "--as-of", "2026-11-01", "--report", "r.json"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "phone.invalid" in result.output and "email.suspect" in result.output
    report = json.loads((tmp_path / "r.json").read_text("utf-8"))
    assert report["source"] == "clients.xlsx" and report["as_of"] == "2026-11-01"
    assert {p["code"] for p in report["problems"]} >= {"phone.invalid", "email.suspect"}
    assert path.read_bytes() == before  # check writes nothing to the source


def test_strict_exit_code_when_errors_are_found(runner: CliRunner, tmp_path: Path) -> None:
    path = _workbook(tmp_path / "clients.xlsx")
    result = runner.invoke(cli, ["check", str(path), "--strict"])
    assert result.exit_code == 1


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (["check", "nope.xlsx"], 3, "nope.xlsx"),
        (["check", "clients.csv"], 2, ".xlsx"),
        (["check", "x.xlsx", "--as-of", "01.11.2026"], 2, "YYYY-MM-DD"),
        (["check", "x.xlsx", "--config", "missing.toml"], 2, "missing.toml"),
    ],
)
def test_errors_map_to_the_contract_exit_codes(
    runner: CliRunner, args: list[str], code: int, text: str
) -> None:
    result = runner.invoke(cli, args)
    assert result.exit_code == code, result.output
    assert text in result.output


def test_bad_config_key_names_the_key_and_line(runner: CliRunner, tmp_path: Path) -> None:
    path = _workbook(tmp_path / "clients.xlsx")
    (tmp_path / "clientbase.toml").write_text(
        'language = "ru"\n[phone]\nregoins = ["RU"]\n', "utf-8"
    )
    result = runner.invoke(cli, ["check", str(path)])
    assert result.exit_code == 2
    assert "phone.regoins" in result.output and ":3" in result.output


def test_init_writes_a_workbook_that_checks_clean(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["init", "office", "--lang", "uk"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    workbook = tmp_path / "office" / "clients.xlsx"
    assert "Клієнти" in openpyxl.load_workbook(workbook).sheetnames
    result = runner.invoke(
        cli, ["check", str(workbook), "--config", str(tmp_path / "office" / "clientbase.toml")]
    )
    assert result.exit_code == 0, result.output
    again = runner.invoke(cli, ["init", "office"])
    assert again.exit_code == 2 and "already exists" in again.output


def test_demo_runs_without_credentials(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        cli, ["demo", "d", "--clients", "150", "--as-of", "2026-11-01"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "Duplicate groups:" in result.output
    report = json.loads((tmp_path / "d" / "report.json").read_text("utf-8"))
    assert len(report["records"]) >= 150 and report["duplicates"]


def test_export_mailable_keeps_consented_contacts_once(runner: CliRunner, tmp_path: Path) -> None:
    path = _workbook(tmp_path / "clients.xlsx")
    result = runner.invoke(
        cli,
        ["export", str(path), "--out", "out.csv", "--mailable", "--as-of", "2026-11-01"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    # Russian: ";"-separated UTF-8 with a BOM, header and values in Russian
    raw = (tmp_path / "out.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with open(tmp_path / "out.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    assert [r["ID"] for r in rows] == ["C000001"]
    assert rows[0]["Телефон"] == "+79123456789" and rows[0]["Email"] == "ivan@mail.ru"
    assert rows[0]["Согласие на рассылку"] == "да" and rows[0]["Температура"] == "тёплый"
    # why the others are not in it, counted per requirement
    assert "Не вошли в выгрузку: без согласия на рассылку 1." in result.output  # C2

    # for scripts: codes, and the separator asked for
    coded = runner.invoke(
        cli,
        [
            "export",
            str(path),
            "--out",
            "c.csv",
            "--codes",
            "--delimiter",
            ",",
            "--as-of",
            "2026-11-01",
        ],
    )
    assert coded.exit_code == 0, coded.output
    with open(tmp_path / "c.csv", encoding="utf-8-sig", newline="") as fh:
        coded_rows = list(csv.DictReader(fh))
    assert coded_rows[0]["id"] == "C000001" and coded_rows[0]["consent"] == "yes"
    assert coded_rows[1]["temperature"] == "cold"
