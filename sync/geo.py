"""Geography: canonical city names from the ways staff type them, and country / region from
the phone number (phonenumbers' geocoder, in the sheet's language). Pure."""

from __future__ import annotations

import re
from functools import lru_cache

# canonical name -> the spellings staff use (compared case-, dot-, dash- and ё-insensitively)
_CITY_SYNONYMS: dict[str, tuple[str, ...]] = {
    "Москва": ("мск", "москва", "г. москва", "moscow", "moskva", "масква"),
    "Санкт-Петербург": (
        "спб",
        "питер",
        "с.-петербург",
        "с-петербург",
        "санкт петербург",
        "ст. петербург",
        "петербург",
        "ленинград",
        "saint petersburg",
        "st. petersburg",
        "st petersburg",
        "sankt-peterburg",
        "spb",
        "санкт-петербург",
    ),
    "Екатеринбург": ("екб", "ебург", "екатеринбург", "ekaterinburg", "yekaterinburg"),
    "Новосибирск": ("нск", "новосиб", "новосибирск", "novosibirsk"),
    "Нижний Новгород": (
        "нн",
        "нижний",
        "н. новгород",
        "н.новгород",
        "нижний новгород",
        "nizhny novgorod",
    ),
    "Ростов-на-Дону": ("ростов", "ростов-на-дону", "ростов на дону", "rostov-on-don"),
    "Казань": ("казань", "kazan"),
    "Краснодар": ("краснодар", "krasnodar"),
    "Самара": ("самара", "samara"),
    "Челябинск": ("челябинск", "челяба", "chelyabinsk"),
    "Уфа": ("уфа", "ufa"),
    "Пермь": ("пермь", "perm"),
    "Воронеж": ("воронеж", "voronezh"),
    "Красноярск": ("красноярск", "krasnoyarsk"),
    "Владивосток": ("владик", "владивосток", "vladivostok"),
    "Київ": ("киев", "київ", "kyiv", "kiev", "м. київ", "г. киев", "кієв"),
    "Харків": ("харьков", "харків", "kharkiv", "kharkov"),
    "Одеса": ("одесса", "одеса", "odesa", "odessa"),
    "Дніпро": ("днепр", "дніпро", "днепропетровск", "дніпропетровськ", "dnipro"),
    "Львів": ("львов", "львів", "lviv", "lvov"),
    "Запоріжжя": ("запорожье", "запоріжжя", "zaporizhzhia"),
    "Вінниця": ("винница", "вінниця", "vinnytsia"),
    "Мінськ": ("минск", "мінськ", "minsk"),
    "Алматы": ("алматы", "алма-ата", "алмата", "almaty"),
    "Астана": ("астана", "нур-султан", "нурсултан", "astana"),
}

_NOISE = re.compile(r"[\s.\-–—_]+")


def _key(text: str) -> str:
    return _NOISE.sub(" ", text.casefold().replace("ё", "е")).strip()


@lru_cache(maxsize=1)
def _lookup() -> dict[str, str]:
    table: dict[str, str] = {}
    for canonical, spellings in _CITY_SYNONYMS.items():
        for s in (canonical, *spellings):
            table[_key(s)] = canonical
            # "г. Москва" / "м. Київ" / "город Москва": the prefix is not part of the name
    return table


_PREFIX = re.compile(r"^(?:г|гор|город|м|місто|city|c)\s+")


@lru_cache(maxsize=65536)
def canonical_city(raw: str | None) -> str | None:
    """The canonical name for a city as typed, or ``None`` when it is not a known synonym."""
    if not raw or not raw.strip():
        return None
    key = _key(raw)
    table = _lookup()
    return table.get(key) or table.get(_PREFIX.sub("", key))


_GEO_LANG = {"ru": "ru", "uk": "uk", "en": "en"}


@lru_cache(maxsize=65536)
def phone_place(e164: str, language: str) -> tuple[str | None, str | None]:
    """(country code like ``"RU"``, region or city name) for a normalised number.

    The region is what phonenumbers' geocoder knows for the number's prefix; mobile numbers
    in Russia and Ukraine often give only the country, and then the region is ``None``.
    """
    import phonenumbers
    from phonenumbers import geocoder

    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return None, None
    country = phonenumbers.region_code_for_number(number)
    lang = _GEO_LANG.get(language, "en")
    description = geocoder.description_for_number(number, lang) or None
    country_name = geocoder.country_name_for_number(number, lang) or None
    if description and description == country_name:
        description = None
    return country, description
