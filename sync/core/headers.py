"""Finding a table in a sheet: the header row, and which column holds which field.

Configured headers are matched exactly (after normalisation); other fields are recognised by
common Russian, Ukrainian and English names, and — conservatively — through a one-letter typo.
Normalisation ignores case, spaces, punctuation, apostrophes, ё/е, Latin look-alike letters
inside Cyrillic words and a unit suffix ("Сумма, руб.", "Телефон (моб.)").
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Literal

from rapidfuzz.distance import OSA

from sync.core.config import ROLE_FIELDS, SheetConfig
from sync.core.labels import COLUMN_HEADERS
from sync.core.model import CellValue, SheetGrid, TableInfo
from sync.errors import ConfigError, SourceError

# How orders and interactions name the column that points at a client.
_CLIENT_REF = (
    "ID клиента",
    "Код клиента",
    "Клиент ID",
    "Client ID",
    "Customer ID",
    "ID клієнта",
    "Код клієнта",
    "Клієнт ID",
    "Клиент",
    "Клієнт",
    "Номер клиента",
    "Номер клієнта",
    "Client",
    "Customer",
)

_SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "clients": {
        "id": (
            "ID",
            "Код",
            "Код клиента",
            "Код клієнта",
            "№ клиента",
            "№ клієнта",
            "Номер клиента",
            "Номер клієнта",
            "Client ID",
            "Customer ID",
            "ID клиента",
            "ID клієнта",
        ),
        "name": (
            "ФИО",
            "Клиент",
            "Имя клиента",
            "ПІБ",
            "Клієнт",
            "Ім'я клієнта",
            "Full name",
            "Name",
            "Customer",
            "Client",
            "Customer name",
            "Client name",
            "Фамилия Имя Отчество",
            "Фамилия Имя",
            "Фамилия и имя",
            "Прізвище ім'я по батькові",
            "Прізвище та ім'я",
            "Прізвище ім'я",
            "Контакт",
            "Контактное лицо",
            "Контактна особа",
            "Покупатель",
            "Покупець",
        ),
        "last_name": ("Фамилия", "Прізвище", "Last name", "Surname", "Family name"),
        "first_name": ("Имя", "Ім'я", "First name", "Given name"),
        "middle_name": ("Отчество", "По батькові", "Middle name", "Patronymic"),
        "phone": (
            "Телефон",
            "Тел",
            "Моб. телефон",
            "Мобильный",
            "Мобильный телефон",
            "Номер телефона",
            "Телефон клиента",
            "Phone",
            "Phone number",
            "Mobile",
            "Mobile phone",
            "Tel",
            "Telephone",
            "Мобільний",
            "Мобільний телефон",
            "Номер телефону",
            "Телефон клієнта",
            "Сотовый",
            "Моб",
            "Контактный телефон",
            "Контактний телефон",
        ),
        "phone2": (
            "Доп. телефон",
            "Второй телефон",
            "Дополнительный телефон",
            "Рабочий телефон",
            "Домашний телефон",
            "Other phone",
            "Second phone",
            "Work phone",
            "Home phone",
            "Додатковий телефон",
            "Другий телефон",
            "Робочий телефон",
            "Домашній телефон",
        ),
        "email": (
            "Email",
            "E-mail",
            "Эл. почта",
            "Электронная почта",
            "Почта",
            "Ел. пошта",
            "Електронна пошта",
            "Пошта",
            "Mail",
            "Email address",
            "Емейл",
            "Имейл",
            "Адрес электронной почты",
        ),
        "city": ("Город", "Місто", "City", "Населенный пункт", "Населений пункт", "Town"),
        "birthday": (
            "Дата рождения",
            "ДР",
            "День рождения",
            "Дата народження",
            "День народження",
            "Birthday",
            "DOB",
            "Date of birth",
            "Birth date",
        ),
        "consent": (
            "Согласие на рассылку",
            "Согласие",
            "Згода на розсилку",
            "Згода",
            "Consent",
            "Consent to mailing",
            "Mailing consent",
            "Subscribed",
            "Рассылка",
            "Розсилка",
            "Подписка",
            "Підписка",
        ),
        "consent_date": ("Дата согласия", "Дата згоди", "Consent date"),
        "gender": ("Пол", "Стать", "Gender", "Sex"),
        "added": (
            "Дата добавления",
            "Добавлен",
            "Дата регистрации",
            "Дата додавання",
            "Додано",
            "Дата реєстрації",
            "Added",
            "Created",
            "Date added",
        ),
        "verified": (
            "Проверено",
            "Дата проверки",
            "Актуализировано",
            "Дата актуализации",
            "Перевірено",
            "Дата перевірки",
            "Verified",
            "Last verified",
        ),
        "comment": (
            "Комментарий",
            "Примечание",
            "Коментар",
            "Примітка",
            "Comment",
            "Notes",
            "Note",
        ),
    },
    "orders": {
        "id": (
            "Номер заказа",
            "№ заказа",
            "Order ID",
            "Order no",
            "Order number",
            "Номер замовлення",
            "№ замовлення",
            "№",
            "Номер",
        ),
        "date": ("Дата", "Дата заказа", "Дата замовлення", "Order date", "Date"),
        "client_id": _CLIENT_REF,
        "amount": (
            "Сумма",
            "Сума",
            "Amount",
            "Total",
            "Итого",
            "Разом",
            "Сумма заказа",
            "Сума замовлення",
            "Order total",
        ),
    },
    "interactions": {
        "date": ("Дата", "Дата контакта", "Дата контакту", "Date"),
        "client_id": _CLIENT_REF,
        "kind": (
            "Тип",
            "Канал",
            "Вид",
            "Kind",
            "Type",
            "Channel",
            "Тип контакта",
            "Тип контакту",
        ),
    },
}

# Latin letters that look like Cyrillic ones: staff type "Тeлефон" with a Latin "e".
_LOOK_ALIKES = str.maketrans("aeopcxyikmhtb", "аеорсхуікмнтв")
_CYRILLIC = re.compile(r"[а-яіїєґ]")
_UNIT = re.compile(r"\s*[,(\[].*$", re.S)  # "Сумма, руб." / "Телефон (моб.)" / "Цена [грн]"
_APOSTROPHES = re.compile(r"['’ʼ`′‘]")
_NOT_WORD = re.compile(r"[\W_]+")
_TRAILING_NUMBER = re.compile(r"^(.*\D)([1-9])$")
MAX_HEADER_SCAN = 20


def normalise_header(text: object) -> str:
    """The comparison key of a header: lower case, letters and digits only, no spaces.

    ``"Ф.И.О."``, ``"ф и о"`` and ``"ФИО "`` all become ``"фио"``.
    """
    if not isinstance(text, str):
        return ""
    s = text.casefold().replace("ё", "е").replace("№", " номер ")
    s = _APOSTROPHES.sub("", s)
    words = _NOT_WORD.sub(" ", s).split()
    # Look-alike letters are only repaired inside a word that is Cyrillic already.
    return "".join(w.translate(_LOOK_ALIKES) if _CYRILLIC.search(w) else w for w in words)


def _without_unit(text: object) -> str:
    return normalise_header(_UNIT.sub("", text)) if isinstance(text, str) else ""


@cache
def _lookup(role: str) -> Mapping[str, str]:
    table: dict[str, str] = {}
    for field, names in _SYNONYMS[role].items():
        for name in names:
            table.setdefault(normalise_header(name), field)
    return table


# The tool's own column headers in every language ("Сегмент", "ABC", "VIP"...): never data.
_TOOL_HEADERS = frozenset(
    normalise_header(h) for key, names in COLUMN_HEADERS.items() if key != "id" for h in names
) | {normalise_header("Сегмент RFM")}

HowFound = Literal["config", "synonym", "typo"]


@dataclass(frozen=True, slots=True)
class HeaderMatch:
    """A column the detector assigned to a field, and how it recognised the header."""

    field: str
    column: int  # 1-based
    header: str
    how: HowFound


@dataclass(frozen=True, slots=True)
class IgnoredHeader:
    """A second column that looks like ``field`` too; ``used_column`` holds it instead."""

    field: str
    column: int
    header: str
    used_column: int


@dataclass(frozen=True, slots=True)
class DetectedTable:
    """The table, plus what a person may want to know about how it was read."""

    table: TableInfo
    matches: tuple[HeaderMatch, ...]
    ignored: tuple[IgnoredHeader, ...]


class _Recogniser:
    """Which field a header names, for one table role (synonyms, numbering, typos)."""

    def __init__(self, role: str, tool_headers: Iterable[str]) -> None:
        self.lookup = _lookup(role)
        self.known = ROLE_FIELDS[role]
        self.tool = _TOOL_HEADERS | {normalise_header(h) for h in tool_headers}

    def exact(self, header: CellValue) -> str | None:
        key = normalise_header(header)
        if not key or key in self.tool:
            return None
        for candidate in (key, _without_unit(header)):
            field = self.lookup.get(candidate) or self._numbered(candidate)
            if field in self.known:
                return field
        return None

    def _numbered(self, key: str) -> str | None:
        # "Телефон 1" is the phone; "Телефон 2" / "Тел.3" the second phone.
        m = _TRAILING_NUMBER.match(key)
        if not m:
            return None
        field = self.lookup.get(m.group(1))
        if field == "phone" and m.group(2) != "1":
            return "phone2"
        return field if m.group(2) == "1" else None

    def typo(self, header: CellValue) -> str | None:
        """A field whose synonym is one slip away; None unless that is unambiguous."""
        key = _without_unit(header)
        if len(key) < 5 or key in self.tool or normalise_header(header) in self.tool:
            return None
        # Longer words tolerate two slips; "Дата отказа" must never become "Дата заказа".
        limit = 1 if len(key) < 12 else 2
        if any(OSA.distance(key, t, score_cutoff=1) <= 1 for t in self.tool):
            return None
        best: dict[str, int] = {}
        for synonym, field in self.lookup.items():
            if (
                abs(len(synonym) - len(key)) > limit
                or synonym[0] != key[0]
                or _digits(synonym) != _digits(key)
            ):
                continue
            distance = OSA.distance(key, synonym, score_cutoff=limit)
            if distance <= limit:
                best[field] = min(distance, best.get(field, limit))
        if not best:
            return None
        closest = min(best.values())
        fields = [f for f, d in best.items() if d == closest]
        return fields[0] if len(fields) == 1 and fields[0] in self.known else None


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _is_blank(value: CellValue) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _configured_key(header: CellValue, configured: Mapping[str, str]) -> str | None:
    """The field configured for this header; a unit added later ("Сумма, руб.") still matches."""
    return configured.get(normalise_header(header)) or configured.get(_without_unit(header))


def _find_header_row(
    grid: SheetGrid, recognise: _Recogniser, configured: Mapping[str, str]
) -> int | None:
    # Typos are a second chance: a title row must not pass for headers through them.
    for forgive_typos in (False, True):
        for number, row in enumerate(grid.rows[:MAX_HEADER_SCAN], 1):
            fields = {_configured_key(v, configured) or recognise.exact(v) for v in row}
            if forgive_typos:
                fields |= {recognise.typo(v) for v in row if not _is_blank(v)}
            fields.discard(None)
            if len(fields) >= 2 or (configured and set(configured.values()) <= fields):
                return number
    return None


def _missing_header(
    grid: SheetGrid, sheet_cfg: SheetConfig, field: str, row: int, raw: list[CellValue], source: str
) -> ConfigError:
    wanted = sheet_cfg.columns[field]
    present = [str(h) for h in raw if not _is_blank(h)]
    # repr() shows what staff cannot see on screen: "Телефон " with a trailing space.
    shown = ", ".join(repr(h) for h in present) or "none"
    close = difflib.get_close_matches(wanted, present, n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return ConfigError(
        f"sheet '{grid.name}', row {row}: no column headed {wanted!r}{hint} "
        f"(headers there: {shown})",
        path=source,
        key=f"sheets.{sheet_cfg.role}.columns.{field}",
    )


def detect_table(
    grid: SheetGrid,
    sheet_cfg: SheetConfig,
    *,
    source: str,
    tool_headers: Iterable[str] = (),
) -> DetectedTable:
    """Locate the table described by ``sheet_cfg`` in ``grid`` and say how it was read.

    ``tool_headers`` are extra headers of the tool's own columns (the config's
    ``[output.headers]``); like the built-in ones they are never taken for data.
    """
    role = sheet_cfg.role
    recognise = _Recogniser(role, tool_headers)
    configured = {normalise_header(h): f for f, h in sheet_cfg.columns.items()}
    header_row = sheet_cfg.header_row or _find_header_row(grid, recognise, configured)
    if header_row is None:
        examples = ", ".join(repr(n[0]) for n in list(_SYNONYMS[role].values())[:3])
        raise SourceError(
            f"{source}: sheet '{grid.name}': no header row found in the first "
            f"{MAX_HEADER_SCAN} rows (expected headers like {examples})"
        )
    raw = list(grid.rows[header_row - 1]) if header_row <= len(grid.rows) else []
    matches: dict[str, HeaderMatch] = {}
    ignored: list[IgnoredHeader] = []

    def assign(field: str, col: int, how: HowFound) -> None:
        header = str(raw[col - 1]).strip()
        if field in matches:
            if field == "phone" and "phone2" not in matches:
                field = "phone2"  # two phone columns: the second is the other number
            else:
                ignored.append(IgnoredHeader(field, col, header, matches[field].column))
                return
        matches[field] = HeaderMatch(field, col, header, how)

    for col, value in enumerate(raw, 1):
        field = _configured_key(value, configured)
        if field:
            assign(field, col, "config")
    for field in sheet_cfg.columns:
        if field not in matches:
            raise _missing_header(grid, sheet_cfg, field, header_row, raw, source)
    taken = {m.column for m in matches.values()} | {i.column for i in ignored}
    passes: tuple[tuple[HowFound, Callable[[CellValue], str | None]], ...] = (
        ("synonym", recognise.exact),
        ("typo", recognise.typo),  # only for columns no synonym claimed
    )
    for how, recognised in passes:
        for col, value in enumerate(raw, 1):
            if col in taken or _is_blank(value):
                continue
            field = recognised(value)
            if field is not None:
                assign(field, col, how)
                taken.add(col)
    _lone_first_name_is_full_name(matches)
    table = TableInfo(
        role=role,
        sheet=grid.name,
        header_row=header_row,
        headers=tuple(None if _is_blank(h) else str(h).strip() for h in raw),
        field_columns={f: m.column for f, m in sorted(matches.items(), key=lambda i: i[1].column)},
        first_data_row=header_row + 1,
        last_data_row=_last_data_row(grid, header_row),
    )
    return DetectedTable(table, tuple(matches.values()), tuple(ignored))


def _lone_first_name_is_full_name(matches: dict[str, HeaderMatch]) -> None:
    # An office with one "Имя" / "Ім'я" / "Name" column types the whole name in it; only beside
    # a surname column is it just the first name.
    first = matches.get("first_name")
    others = ("name", "last_name", "middle_name")
    if first is not None and first.how != "config" and not any(f in matches for f in others):
        del matches["first_name"]
        matches["name"] = HeaderMatch("name", first.column, first.header, first.how)


def _last_data_row(grid: SheetGrid, header_row: int) -> int:
    last = len(grid.rows)
    while last > header_row and all(_is_blank(v) for v in grid.rows[last - 1]):
        last -= 1
    return max(last, header_row)


def resolve_table(
    grid: SheetGrid, sheet_cfg: SheetConfig, *, source: str, tool_headers: Iterable[str] = ()
) -> TableInfo:
    """Locate the table described by ``sheet_cfg`` in ``grid`` (see :func:`detect_table`)."""
    return detect_table(grid, sheet_cfg, source=source, tool_headers=tool_headers).table
