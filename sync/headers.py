"""Finding a table in a sheet: the header row, and which column holds which field.

Configured headers are matched exactly (after normalisation); other fields are recognised by
common Russian, Ukrainian and English names. Normalisation ignores case, spaces, punctuation,
ё/е and a unit suffix ("Сумма, руб.", "Телефон (моб.)").
"""

from __future__ import annotations

import re

from sync.config import ROLE_FIELDS, SheetConfig
from sync.errors import ConfigError, SourceError
from sync.model import SheetGrid, TableInfo

# how orders and interactions name the column that points at a client
_CLIENT_REF = (
    "id клиента",
    "код клиента",
    "клиент id",
    "client id",
    "customer id",
    "id клієнта",
    "код клієнта",
    "клиент",
    "клієнт",
)

_SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "clients": {
        "id": (
            "id",
            "код",
            "код клиента",
            "код клієнта",
            "№ клиента",
            "номер клиента",
            "client id",
            "customer id",
            "id клиента",
            "id клієнта",
        ),
        "name": (
            "фио",
            "ф и о",
            "клиент",
            "имя клиента",
            "пиб",
            "піб",
            "п і б",
            "клієнт",
            "full name",
            "name",
            "customer",
            "client",
            "ім'я клієнта",
            "фамилия имя отчество",
            "фамилия имя",
            "прізвище ім'я",
            "контакт",
            "контактное лицо",
        ),
        "last_name": ("фамилия", "прізвище", "last name", "surname"),
        "first_name": ("имя", "ім'я", "імя", "first name", "given name"),
        "middle_name": ("отчество", "по батькові", "middle name", "patronymic"),
        "phone": (
            "телефон",
            "тел",
            "моб телефон",
            "мобильный",
            "мобильный телефон",
            "номер телефона",
            "телефон клиента",
            "phone",
            "mobile",
            "tel",
            "мобільний",
            "номер телефону",
            "телефон клієнта",
            "сотовый",
            "моб",
        ),
        "phone2": (
            "телефон 2",
            "доп телефон",
            "второй телефон",
            "дополнительный телефон",
            "phone 2",
            "other phone",
            "додатковий телефон",
        ),
        "email": (
            "email",
            "e mail",
            "эл почта",
            "электронная почта",
            "почта",
            "ел пошта",
            "електронна пошта",
            "пошта",
            "mail",
            "e-mail",
            "емейл",
            "имейл",
        ),
        "city": ("город", "місто", "city", "населенный пункт", "населений пункт", "town"),
        "birthday": (
            "дата рождения",
            "др",
            "день рождения",
            "дата народження",
            "день народження",
            "birthday",
            "dob",
            "date of birth",
            "birth date",
        ),
        "consent": (
            "согласие на рассылку",
            "согласие",
            "згода на розсилку",
            "згода",
            "consent",
            "subscribed",
            "рассылка",
            "розсилка",
        ),
        "consent_date": ("дата согласия", "дата згоди", "consent date"),
        "gender": ("пол", "стать", "gender", "sex"),
        "added": (
            "дата добавления",
            "добавлен",
            "дата регистрации",
            "дата додавання",
            "додано",
            "added",
            "created",
            "date added",
        ),
        "verified": (
            "проверено",
            "дата проверки",
            "актуализировано",
            "перевірено",
            "дата перевірки",
            "verified",
            "last verified",
        ),
        "comment": ("комментарий", "примечание", "коментар", "примітка", "comment", "notes"),
    },
    "orders": {
        "id": (
            "номер заказа",
            "№ заказа",
            "order id",
            "номер замовлення",
            "№ замовлення",
            "№",
            "номер",
        ),
        "date": ("дата", "дата заказа", "дата замовлення", "order date", "date"),
        "client_id": _CLIENT_REF,
        "amount": ("сумма", "сума", "amount", "total", "итого", "разом", "сумма заказа"),
    },
    "interactions": {
        "date": ("дата", "дата контакта", "дата контакту", "date"),
        "client_id": _CLIENT_REF,
        "kind": ("тип", "канал", "вид", "kind", "type", "channel", "тип контакта", "тип контакту"),
    },
}

# Headers of the tool's own columns in every language; never taken for data fields.
_TOOL_HEADERS = frozenset(
    {
        "сегмент",
        "segment",
        "rfm",
        "abc",
        "xyz",
        "vip",
        "температура",
        "temperature",
        "дубль",
        "duplicate",
        "выручка",
        "виручка",
        "revenue",
        "заказов",
        "замовлень",
        "orders",
        "последний заказ",
        "останнє замовлення",
        "last order",
    }
)

_UNIT = re.compile(r"\s*(?:,|\().*$")
_PUNCT = re.compile(r"[\s._:;/\\\-–—№#\"«»]+")
_MAX_HEADER_SCAN = 20


def normalise_header(text: object) -> str:
    if not isinstance(text, str):
        return ""
    s = text.casefold().replace("ё", "е").replace("’", "'").replace("ʼ", "'")
    return _PUNCT.sub(" ", s).strip()


def _without_unit(text: object) -> str:
    return normalise_header(_UNIT.sub("", text)) if isinstance(text, str) else ""


def _lookup(role: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for field, names in _SYNONYMS[role].items():
        for name in names:
            table.setdefault(normalise_header(name), field)
    return table


def _field_for(header: object, lookup: dict[str, str]) -> str | None:
    key = normalise_header(header)
    if not key or key in _TOOL_HEADERS:
        return None
    return lookup.get(key) or lookup.get(_without_unit(header))


def _find_header_row(grid: SheetGrid, lookup: dict[str, str], configured: set[str]) -> int | None:
    for i, row in enumerate(grid.rows[:_MAX_HEADER_SCAN], 1):
        hits = sum(1 for v in row if _field_for(v, lookup) or normalise_header(v) in configured)
        if hits >= 2:
            return i
    return None


def resolve_table(grid: SheetGrid, sheet_cfg: SheetConfig, *, source: str) -> TableInfo:
    """Locate the table described by ``sheet_cfg`` in ``grid``."""
    role = sheet_cfg.role
    lookup = _lookup(role)
    configured = {normalise_header(h): f for f, h in sheet_cfg.columns.items()}
    header_row = sheet_cfg.header_row or _find_header_row(grid, lookup, set(configured))
    if header_row is None:
        raise SourceError(
            f"{source}: sheet '{grid.name}': no header row found in the first "
            f"{_MAX_HEADER_SCAN} rows (expected headers like "
            f"{', '.join(repr(n[0]) for n in list(_SYNONYMS[role].values())[:3])})"
        )
    headers_raw = grid.rows[header_row - 1] if header_row <= len(grid.rows) else []
    headers = tuple(
        h.strip() if isinstance(h, str) and h.strip() else (str(h) if h is not None else None)
        for h in headers_raw
    )
    field_columns: dict[str, int] = {}
    for col, header in enumerate(headers, 1):
        field = configured.get(normalise_header(header))
        if field and field not in field_columns:
            field_columns[field] = col
    for field, wanted in sheet_cfg.columns.items():
        if field not in field_columns:
            present = ", ".join(f"'{h}'" for h in headers if h) or "none"
            raise ConfigError(
                f"sheet '{grid.name}', row {header_row}: no column headed '{wanted}' "
                f"(headers there: {present})",
                path=source,
                key=f"sheets.{role}.columns.{field}",
            )
    known = ROLE_FIELDS[role]
    for col, header in enumerate(headers, 1):
        if col in field_columns.values():
            continue
        field = _field_for(header, lookup)
        if field is None or field not in known:
            continue
        if field in field_columns:
            if field == "phone" and "phone2" not in field_columns:
                field_columns["phone2"] = col  # a second phone column
            continue
        field_columns[field] = col
    last = len(grid.rows)
    while last > header_row and not any(
        v is not None and not (isinstance(v, str) and not v.strip()) for v in grid.rows[last - 1]
    ):
        last -= 1
    return TableInfo(
        role=role,
        sheet=grid.name,
        header_row=header_row,
        headers=headers,
        field_columns=field_columns,
        first_data_row=header_row + 1,
        last_data_row=last,
    )
