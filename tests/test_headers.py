"""Finding the table: header row, configured headers, RU / UK / EN synonyms, typos, ambiguity."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.core.config import SheetConfig
from sync.core.headers import _SYNONYMS, _lookup, detect_table, normalise_header, resolve_table
from sync.core.model import CellValue, SheetGrid
from sync.errors import ConfigError, SourceError

ROOT = Path(__file__).resolve().parents[1]


def _fields(headers: list[CellValue], role: str = "clients", **cfg: object) -> dict[str, int]:
    sheet = SheetConfig(role=role, name="Лист", **cfg)  # type: ignore[arg-type]
    grid = SheetGrid("Лист", [headers, ["x"] * len(headers)])
    return resolve_table(grid, sheet, source="c.xlsx").field_columns


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (["ID", "ФИО", "Телефон", "Email"], {"id": 1, "name": 2, "phone": 3, "email": 4}),
        (
            ["Код клієнта", "ПІБ", "Номер телефону", "Ел. пошта", "Дата народження"],
            {"id": 1, "name": 2, "phone": 3, "email": 4, "birthday": 5},
        ),
        (
            ["Client ID", "Full name", "Mobile", "E-mail", "Consent", "DOB"],
            {"id": 1, "name": 2, "phone": 3, "email": 4, "consent": 5, "birthday": 6},
        ),
        (
            ["  тел. ", "ф.и.о.", "Телефон (моб.)", "ЭЛ.ПОЧТА", "Пол", "Стать"],
            {"phone": 1, "name": 2, "phone2": 3, "email": 4, "gender": 5},
        ),
        (
            ["Фамилия", "Имя", "Отчество", "Моб. телефон", "Дата рождения"],
            {"last_name": 1, "first_name": 2, "middle_name": 3, "phone": 4, "birthday": 5},
        ),
        (["Прізвище", "Ім’я", "По батькові"], {"last_name": 1, "first_name": 2, "middle_name": 3}),
        (["№ клиента", "П.І.Б.", "Мобільний"], {"id": 1, "name": 2, "phone": 3}),
        (["Город", "Згода на розсилку", "Перевірено"], {"city": 1, "consent": 2, "verified": 3}),
        # Latin "e" and "o" typed inside Cyrillic words
        (["Тeлeфoн", "ФИO"], {"phone": 1, "name": 2}),
        # the tool's own columns are never data, even "Заказов" or "Сегмент"
        (["ФИО", "Телефон", "Сегмент", "VIP", "Дубль", "Заказов"], {"name": 1, "phone": 2}),
        (["Телефон 1", "Телефон 2", "Email"], {"phone": 1, "phone2": 2, "email": 3}),
    ],
)
def test_client_headers_are_recognised(headers: list[CellValue], expected: dict[str, int]) -> None:
    assert _fields(headers) == expected


@pytest.mark.parametrize(
    ("role", "headers", "expected"),
    [
        (
            "orders",
            ["№", "Дата", "ID клиента", "Сумма, руб."],
            ["id", "date", "client_id", "amount"],
        ),
        ("orders", ["Номер замовлення", "Дата замовлення", "ID клієнта", "Сума, грн"], None),
        ("orders", ["Order ID", "Order date", "Customer ID", "Total"], None),
        ("orders", ["№ заказа", "Дата заказа", "Клиент", "Итого"], None),
        ("interactions", ["Дата", "Код клиента", "Канал"], ["date", "client_id", "kind"]),
        ("interactions", ["Date", "Client ID", "Channel"], ["date", "client_id", "kind"]),
    ],
)
def test_order_and_interaction_headers(
    role: str, headers: list[CellValue], expected: list[str] | None
) -> None:
    fields = expected or ["id", "date", "client_id", "amount"]
    assert _fields(headers, role) == {f: i for i, f in enumerate(fields, 1)}


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Телфон", "phone"),
        ("Emial", "email"),
        ("Дата рожденя", "birthday"),
        ("Коментарий", "comment"),
    ],
)
def test_a_one_letter_typo_is_forgiven(header: str, field: str) -> None:
    info = detect_table(
        SheetGrid("Лист", [["ФИО", header]]),
        SheetConfig(role="clients", name="Лист"),
        source="c.xlsx",
    )
    assert info.table.field_columns == {"name": 1, field: 2}
    assert info.matches[-1].how == "typo"


@pytest.mark.parametrize(
    ("role", "header"),
    [
        ("orders", "Дата отказа"),  # two letters from "Дата заказа": another meaning
        ("orders", "Скидка"),
        ("clients", "Статус"),  # not "Стать"
        ("clients", "Сегменты"),  # one letter from the tool's "Сегмент"
        ("clients", "Менеджер"),
        ("clients", "Дата обновления"),
    ],
)
def test_unrelated_headers_are_not_guessed(role: str, header: str) -> None:
    base: list[CellValue] = ["Дата", "Сумма"] if role == "orders" else ["ФИО", "Телефон"]
    assert len(_fields([*base, header], role)) == 2


def test_config_output_headers_are_not_data() -> None:
    grid = SheetGrid("Лист", [["ФИО", "Телефон", "Клиент"]])
    sheet = SheetConfig(role="clients", name="Лист")
    info = resolve_table(grid, sheet, source="c.xlsx", tool_headers=["Клиент"])
    assert info.field_columns == {"name": 1, "phone": 2}


def test_two_phone_columns_and_a_third_is_reported() -> None:
    grid = SheetGrid("Лист", [["ФИО", "Телефон", "Мобильный", "Тел.", "Email", "Почта"]])
    info = detect_table(grid, SheetConfig(role="clients", name="Лист"), source="c.xlsx")
    assert info.table.field_columns == {"name": 1, "phone": 2, "phone2": 3, "email": 5}
    ignored = {(i.field, i.column, i.used_column) for i in info.ignored}
    assert ignored == {("phone", 4, 2), ("email", 6, 5)}


def test_lone_first_name_column_holds_the_whole_name() -> None:
    assert _fields(["Ім'я", "Телефон"]) == {"name": 1, "phone": 2}
    assert _fields(["Name", "Phone"]) == {"name": 1, "phone": 2}
    assert _fields(["Имя", "Фамилия", "Телефон"]) == {"first_name": 1, "last_name": 2, "phone": 3}


def test_header_row_below_a_title_and_rows_after_the_data() -> None:
    rows: list[list[CellValue]] = [
        ["База клиентов ООО «Ромашка»"],
        [],
        [None, "№", "Клиенты", None],
        [None, "№ п/п", "ФИО", "Телефон"],
        [None, 1, "Иванов Иван", "+7 912 345-67-89"],
        [None, None, "", None],
        [None, 2, "Петров Пётр", "8 (912) 345-67-80"],
        ["", None, "   "],
        [],
    ]
    info = resolve_table(
        SheetGrid("Клиенты", rows), SheetConfig(role="clients", name="Клиенты"), source="c.xlsx"
    )
    assert (info.header_row, info.first_data_row, info.last_data_row) == (4, 5, 7)
    assert info.field_columns == {"name": 3, "phone": 4}
    assert info.headers == (None, "№ п/п", "ФИО", "Телефон")


def test_an_empty_table_has_no_data_rows() -> None:
    info = resolve_table(
        SheetGrid("Заказы", [["Дата", "Сумма"], [None, ""]]),
        SheetConfig(role="orders", name="Заказы"),
        source="c.xlsx",
    )
    assert info.first_data_row == 2 and info.last_data_row == 1


def test_configured_header_wins_over_synonyms() -> None:
    columns = _fields(["Телефон", "Мобильный для СМС"], columns={"phone": "Мобильный для СМС"})
    assert columns == {"phone": 2, "phone2": 1}


def test_configured_header_matches_despite_case_spaces_and_a_unit() -> None:
    columns = _fields(
        ["Клиент", " сумма  ПОКУПОК, руб."], "orders", columns={"amount": "Сумма покупок"}
    )
    assert columns == {"client_id": 1, "amount": 2}


def test_configured_header_alone_finds_the_header_row() -> None:
    rows: list[list[CellValue]] = [["Отчёт"], ["Покупатель №", "Сколько"], ["C1", 5]]
    sheet = SheetConfig(
        role="orders", name="Заказы", columns={"client_id": "Покупатель №", "amount": "Сколько"}
    )
    info = resolve_table(SheetGrid("Заказы", rows), sheet, source="c.xlsx")
    assert info.header_row == 2 and info.field_columns == {"client_id": 1, "amount": 2}


def test_missing_configured_header_names_key_sheet_and_headers_present() -> None:
    with pytest.raises(ConfigError) as err:
        _fields(["ФИО", "Телефон ", "Город"], columns={"phone": "Телефон клиента", "city": "Город"})
    message = str(err.value)
    assert err.value.key == "sheets.clients.columns.phone" and err.value.path == "c.xlsx"
    assert "sheet 'Лист'" in message and "'Телефон клиента'" in message
    # the headers really there, with the trailing space staff cannot see
    assert "'ФИО', 'Телефон ', 'Город'" in message and "did you mean 'Телефон '" in message


def test_no_header_row_names_the_sheet() -> None:
    with pytest.raises(SourceError, match=r"c\.xlsx: sheet 'Лист': no header row"):
        _fields(["a", "b"])


def test_headers_of_the_init_template_are_recognised_in_every_language() -> None:
    template = tomllib.loads((ROOT / "sheets_templates" / "default.toml").read_text("utf-8"))
    for sheet in template["sheet"]:
        for lang in ("ru", "uk", "en"):
            headers: list[CellValue] = [c["header"][lang] for c in sheet["columns"]]
            expected = {c["field"]: i for i, c in enumerate(sheet["columns"], 1)}
            assert _fields(headers, sheet["role"]) == expected, (sheet["role"], lang)


_DECORATIONS = st.tuples(
    st.sampled_from([str.upper, str.lower, str.title, str.strip]),
    st.sampled_from(["", " ", "  ", "\u00a0"]),
    st.sampled_from(["", ":", ".", ", руб.", " (осн.)", " *"]),
)
_ALL_SYNONYMS = [
    (role, name, field)
    for role, by_field in _SYNONYMS.items()
    for field, names in by_field.items()
    for name in names
]
# a second header of another field, so that the row counts as a header row
_OTHER = {"clients": ("Город", "ФИО"), "orders": ("Сумма", "Дата"), "interactions": ("Тип", "Дата")}


@given(st.sampled_from(_ALL_SYNONYMS), _DECORATIONS)
def test_any_synonym_survives_case_spacing_and_suffixes(
    entry: tuple[str, str, str], decoration: tuple[Callable[[str], str], str, str]
) -> None:
    role, name, field = entry
    case, pad, suffix = decoration
    other, fallback = _OTHER[role]
    second: CellValue = fallback if _lookup(role)[normalise_header(other)] == field else other
    expected = _fields([name, second], role)
    assert 1 in expected.values()
    assert _fields([f"{pad}{case(name)}{suffix}{pad}", second], role) == expected
