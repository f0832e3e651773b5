"""`clientbase merge`: a duplicate group becomes one row; nothing typed is lost."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from sync import service
from sync.cli.main import cli
from sync.core.config import default_config
from sync.sources.xlsx.source import XlsxSource
from sync.state import SqliteStateStore

AS_OF = dt.date(2026, 11, 1)


def _shop(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Клиенты"
    ws.append(["ID", "ФИО", "Телефон", "Email", "Город", "Дата добавления"])
    ws.append(
        ["C1", "Иванов Иван Петрович", "+7 912 345-67-89", None, "Москва", dt.date(2023, 1, 10)]
    )
    ws.append(
        [
            "C2",
            "Петрова Анна Сергеевна",
            "+7 903 111-22-33",
            "anna@mail.ru",
            "Казань",
            dt.date(2023, 2, 1),
        ]
    )
    ws.append(
        [
            "C3",
            "Иванов Иван Петрович",
            "8 (912) 345-67-89",
            "ivanov@mail.ru",
            "Санкт-Петербург",
            dt.date(2024, 5, 1),
        ]
    )
    orders = wb.create_sheet("Заказы")
    orders.append(["Номер заказа", "Дата", "ID клиента", "Сумма"])
    orders.append(["Z1", dt.date(2026, 9, 1), "C1", 1000])
    orders.append(["Z2", dt.date(2026, 10, 1), "C3", 500])
    orders.append(["Z3", dt.date(2026, 10, 2), "C2", 700])
    wb.save(path)
    return path


def _group_of(path: Path, rows: tuple[int, ...]) -> int:
    _, outcome = service.check(XlsxSource(path), default_config(), AS_OF)
    return next(g.group for g in outcome.duplicates if g.rows == rows)


def test_merge_keeps_the_oldest_row_fills_gaps_notes_conflicts_and_archives(tmp_path: Path) -> None:
    path = _shop(tmp_path / "shop.xlsx")
    group = _group_of(path, (2, 4))
    args = ["merge", str(path), "--group", str(group), "--as-of", AS_OF.isoformat()]
    dry = CliRunner().invoke(cli, [*args, "--dry-run"], catch_exceptions=False)
    assert dry.exit_code == 0, dry.output
    assert "keep row 2 (C1), archive rows 4" in dry.output and "nothing written" in dry.output
    before = path.read_bytes()
    assert path.read_bytes() == before

    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (
        "1 empty cells filled, 1 conflicting values noted, 1 orders/contacts re-pointed"
        in result.output
    )
    book = openpyxl.load_workbook(path)
    clients = book["Клиенты"]
    # the kept row took the email it lacked; its own city stays, the other one is in a note
    assert [c.value for c in clients[2][:5]] == [
        "C1",
        "Иванов Иван Петрович",
        "+7 912 345-67-89",
        "ivanov@mail.ru",
        "Москва",
    ]
    note = clients["B2"].comment
    assert note is not None and "Санкт-Петербург" in note.text
    # the merged-away row is empty, and nothing of it is lost: it is in the archive
    assert all(c.value is None for c in clients[4][:6])
    archive = book["Архив дублей"]
    head = [c.value for c in archive[1]]
    row = [c.value for c in archive[2]]
    assert head[:5] == ["Дата", "Причина", "Была строка", "Оставлена строка", "ID оставленной"]
    assert row[2:5] == [4, 2, "C1"] and "группа" in str(row[1])
    assert row[5:10] == [
        "C3",
        "Иванов Иван Петрович",
        "8 (912) 345-67-89",
        "ivanov@mail.ru",
        "Санкт-Петербург",
    ]
    # the order of the merged-away client now belongs to the kept one
    assert [c.value for c in book["Заказы"]["C"][1:]] == ["C1", "C1", "C2"]
    # and the pass after the merge finds no duplicate any more, nor a row without an ID
    _, outcome = service.check(XlsxSource(path), default_config(), AS_OF)
    assert outcome.duplicates == [] and outcome.rows_without_id == []
    kept = next(r for r in outcome.records if r.row == 2)
    assert kept.orders == 2 and kept.revenue == 1500

    # the audit log next to the workbook lists every changed cell, with the old value
    assert "Audit log: " in result.output
    store = SqliteStateStore(tmp_path / "clientbase-state.sqlite", read_only=True)
    log = {(e.sheet, e.row, e.column): (e.old, e.new, e.row_id) for e in store.audit_log()}
    store.close()
    assert log[("Клиенты", 2, "Email")] == (None, "ivanov@mail.ru", "C1")
    assert log[("Клиенты", 4, "Город")] == ("Санкт-Петербург", None, "C3")
    assert log[("Заказы", 3, "ID клиента")] == ("C3", "C1", None)
    assert len(log) == 1 + 6 + 1  # filled, emptied (six cells of row 4), re-pointed

    # a second merge adds to the archive instead of replacing it
    path2 = _shop(tmp_path / "again.xlsx")
    service.merge(XlsxSource(path2), default_config(), _group_of(path2, (2, 4)), AS_OF)
    book2 = openpyxl.load_workbook(path2)
    assert book2["Архив дублей"].max_row == 2


def test_an_unknown_group_is_a_usage_error(tmp_path: Path) -> None:
    path = _shop(tmp_path / "shop.xlsx")
    result = CliRunner().invoke(cli, ["merge", str(path), "--group", "99"])
    assert result.exit_code == 2
    assert "no duplicate group 99" in result.output


def test_merge_keeps_the_better_value_and_numeric_ids_keep_their_type(tmp_path: Path) -> None:
    """The oldest row has initials and a mistyped email domain, the next one an invalid phone:
    the merged client gets the full name, the valid phone and the valid email; the others go
    into the note. Its number ID 1 stays the number 1 in the archive and in the re-pointed
    orders."""
    path = tmp_path / "numbers.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Клиенты"
    ws.append(["ID", "ФИО", "Телефон", "Email", "Дата рождения", "Дата добавления"])
    born, phone = dt.date(1980, 4, 1), "+7 912 345-67-89"
    ws.append([1, "Петров П. С.", phone, "petrov@gmial.com", born, dt.date(2023, 1, 10)])
    ws.append([2, "Петров Пётр Сергеевич", "8 912 345", "petrov@gmail.com", born,
               dt.date(2024, 5, 1)])  # fmt: skip
    ws.append([3, "Петров Пётр Сергеевич", phone, "petrov@gmail.com", born, dt.date(2024, 6, 1)])
    orders = wb.create_sheet("Заказы")
    orders.append(["Номер заказа", "Дата", "ID клиента", "Сумма"])
    orders.append(["Z1", dt.date(2026, 9, 1), 1, 1000])
    orders.append(["Z2", dt.date(2026, 10, 1), 2, 500])
    orders.append(["Z3", dt.date(2026, 10, 2), 3, 700])
    wb.save(path)
    _, outcome = service.check(XlsxSource(path), default_config(), AS_OF)
    (group,) = outcome.duplicates
    args = ["merge", str(path), "--group", str(group.group), "--as-of", AS_OF.isoformat()]
    dry = CliRunner().invoke(cli, [*args, "--dry-run"], catch_exceptions=False)
    assert "keep row 2 (1)," in dry.output  # not "(1.0)"
    assert "  ФИО: Петров Пётр Сергеевич / Петров П. С." in dry.output  # each noted value
    assert "  Телефон: +7 912 345-67-89 / 8 912 345" in dry.output
    assert "  Email: petrov@gmail.com / petrov@gmial.com" in dry.output

    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(path)
    clients = book["Клиенты"]
    assert [c.value for c in clients[2][:4]] == [
        1, "Петров Пётр Сергеевич", "+7 912 345-67-89", "petrov@gmail.com"
    ]  # fmt: skip
    note = clients["B2"].comment
    assert note is not None
    assert "Петров П. С." in note.text and "8 912 345" in note.text and "gmial" in note.text
    archive = book["Архив дублей"]
    assert [c.value for c in archive[2]][4] == 1  # "ID оставленной": the number, not "1.0"
    assert [c.value for c in book["Заказы"]["C"][1:]] == [1, 1, 1]
