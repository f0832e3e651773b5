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
    "Минск": ("минск", "мінськ", "мінск", "minsk"),  # Russian is official in Belarus too
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


# Numbers of one "shape" (calling code and first national digits, same length) have the same
# type (fixed line / mobile) and country: the type is what decides whether the geocoder may
# name a region. So one full parse per shape serves every number of it.
_SHAPE_DIGITS = 4  # national digits after the calling code
_shapes: dict[tuple[str, int, str], tuple[str | None, bool, str | None]] = {}


@lru_cache(maxsize=2048)
def _code_length(head: str) -> int:
    """Length of the calling code that ``head`` (the first three digits) starts with."""
    from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

    for size in (1, 2, 3):
        if head[:size].isdigit() and int(head[:size]) in COUNTRY_CODE_TO_REGION_CODE:
            return size
    return 3


def _shape(e164: str, language: str) -> tuple[str | None, bool, str | None]:
    """(country code, geographical number type, country name) for numbers shaped like this."""
    key = (e164[: 1 + _code_length(e164[1:4]) + _SHAPE_DIGITS], len(e164), language)
    found = _shapes.get(key)
    if found is not None:
        return found
    import phonenumbers
    from phonenumbers import geocoder

    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        found = (None, False, None)
    else:
        ntype = phonenumbers.number_type(number)
        code = number.country_code or 0
        geographical = ntype != phonenumbers.PhoneNumberType.UNKNOWN and (
            phonenumbers.is_number_type_geographical(ntype, code)
            and not phonenumbers.country_mobile_token(code)
        )
        found = (
            phonenumbers.region_code_for_number(number),
            geographical,
            geocoder.country_name_for_number(number, language) or None,
        )
    if len(_shapes) > 100_000:
        _shapes.clear()
    _shapes[key] = found
    return found


PLACES_REMEMBERED = 262_144  # numbers whose place is remembered (a big base, and then some)


@lru_cache(maxsize=1)
def _geodata() -> tuple[dict[str, dict[str, str]], int]:
    from phonenumbers.geodata import GEOCODE_DATA, GEOCODE_LONGEST_PREFIX

    return GEOCODE_DATA, GEOCODE_LONGEST_PREFIX


def phone_place(e164: str, language: str) -> tuple[str | None, str | None]:
    """(country code like ``"RU"``, region or city name) for a normalised number.

    The region is what phonenumbers' geocoder knows for the number's prefix (the longest
    prefix in its data, as the geocoder itself looks it up); mobile numbers in Russia and
    Ukraine are not geographical, so they give only the country and the region is ``None``:
    that answer comes from the number's shape alone. A geographical number's place is
    remembered per number: a pass looks the places up while it waits for its worker
    (``engine.run_pass``), and enrichment then finds them.
    """
    lang = _GEO_LANG.get(language, "en")
    country, geographical, country_name = _shape(e164, lang)
    if country is None or not geographical:
        return country, None
    return _region(e164, lang, country, country_name)


@lru_cache(maxsize=PLACES_REMEMBERED)
def _region(
    e164: str, lang: str, country: str, country_name: str | None
) -> tuple[str | None, str | None]:
    data, longest = _geodata()
    digits = e164[1:]
    for size in range(min(longest, len(digits)), 0, -1):
        names = data.get(digits[:size])
        if names is not None:
            name = names.get(lang) or names.get("en")
            if name:
                return country, None if name == country_name else name
    return country, None
