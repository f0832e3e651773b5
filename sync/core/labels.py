"""Localised names of the tool's columns, sheets and segment values (ru / uk / en)."""

from __future__ import annotations

from sync.core.config import Config

_LANGS = ("ru", "uk", "en")

COLUMN_HEADERS: dict[str, tuple[str, str, str]] = {
    "id": ("ID", "ID", "ID"),
    "segment": ("Сегмент", "Сегмент", "Segment"),
    "rfm": ("RFM", "RFM", "RFM"),
    "abc": ("ABC", "ABC", "ABC"),
    "xyz": ("XYZ", "XYZ", "XYZ"),
    "vip": ("VIP", "VIP", "VIP"),
    "temperature": ("Температура", "Температура", "Temperature"),
    "duplicate": ("Дубль", "Дубль", "Duplicate"),
    "revenue": ("Выручка", "Виручка", "Revenue"),
    "orders": ("Заказов", "Замовлень", "Orders"),
    "last_order": ("Последний заказ", "Останнє замовлення", "Last order"),
    "flags": ("Флаги", "Прапорці", "Flags"),
    "gender": ("Пол по ФИО", "Стать за ПІБ", "Gender by name"),
    "age": ("Полных лет", "Повних років", "Age, years"),
    "age_group": ("Возрастная группа", "Вікова група", "Age group"),
    "city": ("Город (единое написание)", "Місто (єдине написання)", "City (canonical)"),
    "country": ("Страна по телефону", "Країна за телефоном", "Country by phone"),
    "region": ("Регион по телефону", "Регіон за телефоном", "Region (from phone)"),
    "interactions": ("Контактов всего", "Контактів усього", "Contacts total"),
    "contacts": ("Контакты по типам", "Контакти за типами", "Contacts by kind"),
    "last_contact": (
        "Последний контакт по журналу",
        "Останній контакт за журналом",
        "Last logged contact",
    ),
    "mailable": ("Можно писать", "Можна писати", "Mailable"),
    "segment_rules": ("Свои сегменты", "Власні сегменти", "Own segments"),
}

# Flags shown in the "flags" column (VIP and temperature have columns of their own).
FLAG_LABELS: dict[str, tuple[str, str, str]] = {
    "birthday": ("день рождения скоро", "день народження скоро", "birthday soon"),
    "stale": ("данные устарели", "дані застаріли", "data stale"),
    "lapsed": ("перестал покупать", "перестав купувати", "lapsed"),
}

GENDERS: dict[str, tuple[str, str, str]] = {
    "m": ("м", "ч", "m"),
    "f": ("ж", "ж", "f"),
}

YES: tuple[str, str, str] = ("да", "так", "yes")

SHEET_TITLES: dict[str, tuple[str, str, str]] = {
    "problems": ("Проблемы", "Проблеми", "Problems"),
    "summary": ("Сводка", "Зведення", "Summary"),
}

RFM_SEGMENTS: dict[str, tuple[str, str, str]] = {
    "champions": ("Чемпионы", "Чемпіони", "Champions"),
    "loyal": ("Лояльные", "Лояльні", "Loyal"),
    "potential_loyalists": ("Потенциально лояльные", "Потенційно лояльні", "Potential loyalists"),
    "new": ("Новые", "Нові", "New"),
    "promising": ("Перспективные", "Перспективні", "Promising"),
    "need_attention": ("Требуют внимания", "Потребують уваги", "Need attention"),
    "about_to_sleep": ("Засыпающие", "Засинають", "About to sleep"),
    "at_risk": ("В зоне риска", "Під загрозою", "At risk"),
    "cant_lose": ("Нельзя потерять", "Не можна втратити", "Can't lose"),
    "hibernating": ("Спящие", "Сплячі", "Hibernating"),
}

TEMPERATURES: dict[str, tuple[str, str, str]] = {
    "hot": ("горячий", "гарячий", "hot"),
    "warm": ("тёплый", "теплий", "warm"),
    "cold": ("холодный", "холодний", "cold"),
}

PROBLEMS_HEADERS: tuple[tuple[str, str, str], ...] = (
    ("Лист", "Аркуш", "Sheet"),
    ("Строка", "Рядок", "Row"),
    ("Столбец", "Стовпець", "Column"),
    ("Код", "Код", "Code"),
    ("Важность", "Важливість", "Severity"),
    ("Что не так", "Що не так", "Message"),
    ("Предложение", "Пропозиція", "Suggestion"),
    ("Ячейка", "Клітинка", "Cell"),
)


def pick(entry: tuple[str, str, str], lang: str) -> str:
    return entry[_LANGS.index(lang)] if lang in _LANGS else entry[2]


RULE_PREFIX = "rule:"


def column_header(key: str, config: Config) -> str:
    """The header of a tool-owned column: the config's override, else the localised default.

    A rule column (``rule:NAME``, from ``[[segments.rules]] column``) is headed by its name, or
    the localised "own segments" for the default ``segment_rules``."""
    if key.startswith(RULE_PREFIX):
        key = key[len(RULE_PREFIX) :]
        if key not in COLUMN_HEADERS:
            return key
    override = config.output.headers.get(key)
    return override if override else pick(COLUMN_HEADERS[key], config.language)


def sheet_title(kind: str, config: Config) -> str:
    name = config.output.problems_sheet if kind == "problems" else config.output.summary_sheet
    return name or pick(SHEET_TITLES[kind], config.language)


def segment_label(segment: str | None, lang: str) -> str | None:
    return pick(RFM_SEGMENTS[segment], lang) if segment in RFM_SEGMENTS else segment


def temperature_label(temperature: str, lang: str) -> str:
    return pick(TEMPERATURES[temperature], lang) if temperature in TEMPERATURES else temperature


def problems_headers(lang: str) -> list[str]:
    return [pick(h, lang) for h in PROBLEMS_HEADERS]
