"""Every problem code has a message in Russian, Ukrainian and English."""

from __future__ import annotations

import re

import pytest

from sync.core.messages import known_codes, message

DESIGN_CODES = {
    "phone.invalid",
    "phone.fixed",
    "phone.shared",
    "email.invalid",
    "email.suspect",
    "email.fixed",
    "name.missing",
    "name.mixed_scripts",
    "name.fixed",
    "date.invalid",
    "date.implausible",
    "contact.missing",
    "required.missing",
    "value.not_allowed",
    "id.duplicate",
    "duplicate",
    "stale",
}


def test_every_design_code_has_a_message() -> None:
    assert known_codes() >= DESIGN_CODES


@pytest.mark.parametrize("code", sorted(known_codes()))
def test_messages_differ_per_language_and_fill_parameters(code: str) -> None:
    params = {
        "suggestion": "+7 912 345-67-89",
        "rows": "5, 17",
        "allowed": "yes/no",
        "year": "1890",
        "error": "#N/A",
        "group": "3",
        "reasons": "phone",
        "days": "730",
    }
    texts = {lang: message(code, lang, params) for lang in ("ru", "uk", "en")}
    assert all(texts.values())
    assert not any("{" in t for t in texts.values())
    assert re.search("[а-яё]", texts["ru"], re.IGNORECASE)
    assert re.search("[a-z]", texts["en"]) and not re.search("[а-яіїєґ]", texts["en"], re.I)
    assert texts["ru"] != texts["uk"] or code in {"number.invalid"}
