"""The demo base and the init template: realistic, self-consistent, readable back."""

from __future__ import annotations

import contextlib
import datetime as dt
import tomllib
from pathlib import Path

import openpyxl
import phonenumbers
from email_validator import EmailNotValidError, validate_email
from python_calamine import CalamineWorkbook

from sync.config_load import parse_config
from sync.demo import generate_base, write_demo_workbook
from sync.template import template_config_text, write_template_workbook

AS_OF = dt.date(2026, 11, 1)


def test_generation_is_deterministic_by_seed() -> None:
    a, b = generate_base(200, seed=4, as_of=AS_OF), generate_base(200, seed=4, as_of=AS_OF)
    assert a.clients == b.clients and a.orders == b.orders
    assert generate_base(200, seed=5, as_of=AS_OF).clients != a.clients


def test_labels_are_consistent_with_the_data() -> None:
    base = generate_base(3000, seed=9, as_of=AS_OF)
    labels = base.labels
    n_rows = len(base.clients)
    assert all(2 <= row <= n_rows for row, _ in labels.problems)
    in_groups = [r for g in labels.duplicate_groups for r in g]
    assert len(in_groups) == len(set(in_groups))  # groups are disjoint
    family_rows = {r for f in labels.families for r in f}
    assert not {frozenset(f) for f in labels.families} & {
        frozenset(g) for g in labels.duplicate_groups
    }
    assert family_rows
    clean_phone = 0
    for row in range(2, n_rows + 1):
        cells = base.clients[row - 1]
        codes = {c for r, c in labels.problems if r == row}
        phone, email = cells[2], cells[3]
        if isinstance(phone, str) and not codes & {"phone.fixed", "phone.invalid"}:
            number = phonenumbers.parse(phone)
            assert phonenumbers.is_valid_number(number), row
            assert phone == phonenumbers.format_number(
                number, phonenumbers.PhoneNumberFormat.INTERNATIONAL
            )
            clean_phone += 1
        if "phone.invalid" in codes:
            for region in ("RU", "UA", "BY", "KZ"):
                with contextlib.suppress(phonenumbers.NumberParseException):
                    assert not phonenumbers.is_valid_number(phonenumbers.parse(str(phone), region))
        if isinstance(email, str) and "email.invalid" in codes:
            try:
                validate_email(email.strip(), check_deliverability=False)
                raise AssertionError(f"row {row}: planted invalid email is valid")
            except EmailNotValidError:
                pass
        elif isinstance(email, str) and not codes & {"email.suspect", "email.fixed"}:
            validate_email(email, check_deliverability=False)
    assert clean_phone > 2000
    codes = {c for _, c in labels.problems}
    assert {
        "phone.invalid",
        "phone.fixed",
        "email.invalid",
        "email.suspect",
        "email.fixed",
        "name.fixed",
        "name.mixed_scripts",
        "name.missing",
        "date.invalid",
        "date.implausible",
        "contact.missing",
        "value.not_allowed",
        "id.duplicate",
        "duplicate",
    } <= codes
    assert set(labels.gender.values()) == {"m", "f"}


def test_written_workbook_reads_back_with_real_dates(tmp_path: Path) -> None:
    base = generate_base(120, seed=1, as_of=AS_OF)
    path = tmp_path / "demo.xlsx"
    write_demo_workbook(base, path)
    book = CalamineWorkbook.from_path(str(path))
    assert book.sheet_names == ["Клиенты", "Заказы", "Контакты"]
    orders = book.get_sheet_by_name("Заказы").to_python()
    assert orders[0] == ["Номер заказа", "Дата", "ID клиента", "Сумма"]
    assert isinstance(orders[1][1], dt.date)
    assert len(orders) == len(base.orders)


def test_template_workbook_for_each_language(tmp_path: Path) -> None:
    expected = {"ru": ("Клиенты", "ФИО"), "uk": ("Клієнти", "ПІБ"), "en": ("Clients", "Full name")}
    for lang, (sheet, header) in expected.items():
        path = tmp_path / f"{lang}.xlsx"
        write_template_workbook(path, lang)
        wb = openpyxl.load_workbook(path)
        ws = wb[sheet]
        assert ws["B1"].value == header and ws["B1"].font.bold
        assert ws.freeze_panes == "A2"
        assert ws.data_validations.dataValidation  # consent dropdown
        assert len(wb.sheetnames) == 3
        CalamineWorkbook.from_path(str(path)).close()
        text = template_config_text(lang)
        data = tomllib.loads(text)
        assert data["sheets"]["clients"]["name"] == sheet
        assert data["sheets"]["clients"]["columns"]["name"] == header
        parse_config(text, f"{lang}.toml")
