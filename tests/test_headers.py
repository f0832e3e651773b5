"""Finding the table: header row, configured headers, and RU / UK / EN synonyms."""

from __future__ import annotations

import pytest

from sync.config import SheetConfig
from sync.errors import ConfigError, SourceError
from sync.headers import resolve_table
from sync.model import CellValue, SheetGrid


def _resolve(rows: list[list[CellValue]], **cfg: object) -> dict[str, int]:
    sheet = SheetConfig(role="clients", name="Клиенты", **cfg)  # type: ignore[arg-type]
    return resolve_table(SheetGrid("Клиенты", rows), sheet, source="c.xlsx").field_columns


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (["ID", "ФИО", "Телефон", "Email"], {"id": 1, "name": 2, "phone": 3, "email": 4}),
        (
            ["Код клієнта", "ПІБ", "Номер телефону", "Ел. пошта", "Дата народження"],
            {"id": 1, "name": 2, "phone": 3, "email": 4, "birthday": 5},
        ),
        (
            ["Client ID", "Full name", "Mobile", "E-mail", "Consent"],
            {"id": 1, "name": 2, "phone": 3, "email": 4, "consent": 5},
        ),
        (
            ["  тел. ", "ф.и.о.", "Телефон (моб.)", "ЭЛ. ПОЧТА"],
            {"phone": 1, "name": 2, "phone2": 3, "email": 4},
        ),
        (
            ["Фамилия", "Имя", "Отчество", "Телефон"],
            {"last_name": 1, "first_name": 2, "middle_name": 3, "phone": 4},
        ),
        (["ФИО", "Телефон", "Сегмент", "VIP", "Дубль"], {"name": 1, "phone": 2}),
    ],
)
def test_headers_are_recognised_by_synonyms(
    headers: list[CellValue], expected: dict[str, int]
) -> None:
    assert _resolve([headers, ["x"] * len(headers)]) == expected


def test_header_row_below_a_title() -> None:
    rows: list[list[CellValue]] = [
        ["База клиентов ООО «Ромашка»"],
        [],
        ["№", "ФИО", "Телефон"],
        [1, "Иванов", "+7 912 345-67-89"],
    ]
    sheet = SheetConfig(role="clients", name="Клиенты")
    info = resolve_table(SheetGrid("Клиенты", rows), sheet, source="c.xlsx")
    assert info.header_row == 3 and info.first_data_row == 4 and info.last_data_row == 4


def test_configured_header_wins_over_synonyms() -> None:
    columns = _resolve(
        [["Телефон", "Мобильный для СМС"], []], columns={"phone": "Мобильный для СМС"}
    )
    assert columns["phone"] == 2


def test_missing_configured_header_names_key_sheet_and_headers_present() -> None:
    with pytest.raises(ConfigError) as err:
        _resolve([["ФИО", "Телефон "], []], columns={"phone": "Тел. моб"})
    message = str(err.value)
    assert "sheets.clients.columns.phone" in message and "'Клиенты'" in message
    assert "'Телефон'" in message and "Тел. моб" in message


def test_no_header_row_is_a_clear_error() -> None:
    with pytest.raises(SourceError, match="no header row"):
        _resolve([["a", "b"], [1, 2]])
