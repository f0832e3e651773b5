"""The workbook of ``clientbase init`` and the config written next to it."""

from __future__ import annotations

import tomllib
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook

from sync.config_load import parse_config
from sync.errors import UsageError
from sync.template import LANGUAGES, load_template, template_config_text, write_template_workbook

RUSSIAN_HEADERS = {
    "Клиенты": [
        "ID",
        "ФИО",
        "Телефон",
        "Email",
        "Город",
        "Дата рождения",
        "Согласие на рассылку",
        "Дата добавления",
        "Проверено",
    ],
    "Заказы": ["Номер заказа", "Дата", "ID клиента", "Сумма"],
    "Контакты": ["Дата", "ID клиента", "Тип"],
}
SHEET_NAMES = {
    "ru": ["Клиенты", "Заказы", "Контакты"],
    "uk": ["Клієнти", "Замовлення", "Контакти"],
    "en": ["Clients", "Orders", "Interactions"],
}
CONSENT = {"ru": '"да,нет"', "uk": '"так,ні"', "en": '"yes,no"'}


@pytest.fixture(scope="module", params=LANGUAGES)
def workbook(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp(request.param) / "clients.xlsx"
    write_template_workbook(path, request.param)
    return path


def _lang(path: Path) -> str:
    return path.parent.name.rstrip("0123456789")


def test_russian_sheets_and_headers_are_exactly_as_staff_know_them(tmp_path: Path) -> None:
    path = tmp_path / "clients.xlsx"
    write_template_workbook(path, "ru")
    book = CalamineWorkbook.from_path(str(path))
    assert book.sheet_names == list(RUSSIAN_HEADERS)
    for name, headers in RUSSIAN_HEADERS.items():
        assert book.get_sheet_by_name(name).to_python()[0] == headers


def test_workbook_has_the_languages_sheets_and_reads_with_calamine(workbook: Path) -> None:
    lang = _lang(workbook)
    book = CalamineWorkbook.from_path(str(workbook))
    assert book.sheet_names == SHEET_NAMES[lang]
    template = load_template()
    for sheet in template.sheets:
        rows = book.get_sheet_by_name(sheet.name[lang]).to_python()
        assert rows[0] == sheet.headers(lang)
        assert len(rows) == 1  # no phantom blank rows under the header


def test_headers_are_bold_frozen_filtered_and_sized(workbook: Path) -> None:
    lang = _lang(workbook)
    wb = openpyxl.load_workbook(workbook)
    for sheet in load_template().sheets:
        ws = wb[sheet.name[lang]]
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
        for col, column in enumerate(sheet.columns, 1):
            assert ws.cell(1, col).font.bold
            letter = get_column_letter(col)
            assert ws.column_dimensions[letter].width == pytest.approx(column.width)


def test_date_and_amount_columns_carry_number_formats(workbook: Path) -> None:
    lang = _lang(workbook)
    wb = openpyxl.load_workbook(workbook)
    clients, orders = wb[SHEET_NAMES[lang][0]], wb[SHEET_NAMES[lang][1]]
    assert clients.column_dimensions["F"].number_format == "DD.MM.YYYY"  # birthday
    assert clients.column_dimensions["H"].number_format == "DD.MM.YYYY"  # added
    assert orders.column_dimensions["B"].number_format == "DD.MM.YYYY"
    assert orders.column_dimensions["D"].number_format == "#,##0.00"


def test_consent_and_kind_have_localised_dropdowns(workbook: Path) -> None:
    lang = _lang(workbook)
    wb = openpyxl.load_workbook(workbook)
    consent = wb[SHEET_NAMES[lang][0]].data_validations.dataValidation
    assert [(dv.type, dv.formula1) for dv in consent] == [("list", CONSENT[lang])]
    assert str(consent[0].sqref).startswith("G2:G")
    kinds = wb[SHEET_NAMES[lang][2]].data_validations.dataValidation
    expected = load_template().sheet("interactions").column("kind").choices
    assert expected is not None
    assert kinds[0].formula1 == '"' + ",".join(expected[lang]) + '"'
    assert len(expected[lang]) == 4


@pytest.mark.parametrize("lang", LANGUAGES)
def test_config_text_names_the_same_sheets_and_headers(lang: str, tmp_path: Path) -> None:
    path = tmp_path / "clients.xlsx"
    write_template_workbook(path, lang)
    book = CalamineWorkbook.from_path(str(path))
    data = tomllib.loads(template_config_text(lang))
    assert data["language"] == lang
    config = parse_config(template_config_text(lang), "clientbase.toml")
    for role, sheet in config.sheets.items():
        headers = book.get_sheet_by_name(sheet.name).to_python()[0]
        assert list(sheet.columns.values()) == headers, role
    assert set(config.sheets) == {"clients", "orders", "interactions"}


def test_config_text_is_commented_and_keeps_design_defaults() -> None:
    text = template_config_text("ru")
    assert sum(line.startswith("#") for line in text.splitlines()) >= 5
    data = tomllib.loads(text)
    assert data["phone"] == {"regions": ["RU", "UA", "BY", "KZ"], "format": "international"}
    assert data["segments"]["abc"] == [0.80, 0.95] and data["segments"]["hot_days"] == 14
    assert data["sheets"]["clients"]["columns"]["consent"] == "Согласие на рассылку"


def test_an_existing_workbook_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "clients.xlsx"
    path.write_bytes(b"staff data")
    with pytest.raises(UsageError, match=r"clients\.xlsx"):
        write_template_workbook(path, "ru")
    assert path.read_bytes() == b"staff data"


@pytest.mark.parametrize("lang", ["de", "RU", ""])
def test_unknown_language_is_a_usage_error(lang: str, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="language"):
        write_template_workbook(tmp_path / "x.xlsx", lang)
    with pytest.raises(UsageError):
        template_config_text(lang)
    assert not (tmp_path / "x.xlsx").exists()


def test_unknown_template_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="no-such"):
        load_template("no-such")


def test_template_fields_are_known_to_the_config() -> None:
    template = load_template()
    assert template.languages == LANGUAGES
    fields = {s.role: [c.field for c in s.columns] for s in template.sheets}
    assert fields == {
        "clients": [
            "id",
            "name",
            "phone",
            "email",
            "city",
            "birthday",
            "consent",
            "added",
            "verified",
        ],
        "orders": ["id", "date", "client_id", "amount"],
        "interactions": ["date", "client_id", "kind"],
    }
    with pytest.raises(KeyError):
        template.sheet("archive")
