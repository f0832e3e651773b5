"""Every problem code has a message in Russian, Ukrainian and English."""

from __future__ import annotations

import re

import pytest

from sync.core.messages import known_codes, message, notice, notice_codes

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


@pytest.mark.parametrize("lang", ["ru", "uk", "en"])
def test_a_note_of_the_tools_problem_messages_is_known_as_the_tools(lang: str) -> None:
    from sync.core.messages import is_problem_note, message

    ours = "\n".join(
        [
            "• " + message("phone.invalid", lang),
            "• " + message("duplicate", lang, {"rows": "5, 17", "group": "3", "why": "x"}),
            "• " + message("duplicate", lang, {"rows": "5", "group": "4", "why": "x"}),
            "• " + message("id.duplicate", lang, {"rows": "5, 17"}),
        ]
    )
    assert is_problem_note(ours)
    assert is_problem_note(ours.replace("\n", "\r\n"))  # as some programs save line ends
    assert not is_problem_note("Позвонить после 18:00")  # a staff note
    assert not is_problem_note(ours + "\nПозвонить после 18:00")  # staff added a line
    assert not is_problem_note(message("phone.invalid", lang))  # no bullet: not how we write
    assert not is_problem_note("")
    # a note an earlier version wrote is still known as the tool's
    earlier = {"ru": "• Возможный дубль клиента: строки 5 (группа 3, совпадает: телефон)",
               "uk": "• Можливий дубль клієнта: рядки 5 (група 3, збігається: телефон)",
               "en": "• Possible duplicate client: rows 5 (group 3, matching: phone)"}  # fmt: skip
    assert is_problem_note(earlier[lang])


@pytest.mark.parametrize("language", ["ru", "uk", "en"])
def test_every_file_notice_is_written_in_each_language(language: str) -> None:
    params = dict.fromkeys(
        (
            "file",
            "copy",
            "part",
            "reason",
            "sheet",
            "sheets",
            "key",
            "size",
            "limit",
            "ratio",
            "backend",
            "missing",
            "install",
            "counts",
            "log",
            "source",
            "status",
        ),
        "X",
    )
    for code in notice_codes():
        text = notice(code, language, params)
        assert text != code and "{" not in text
        cyrillic = re.search("[а-яіїєґ]", text, re.IGNORECASE) is not None
        assert cyrillic == (language != "en"), (code, text)


@pytest.mark.parametrize(
    ("code", "one", "several"),
    [
        ("duplicate", "строка 10 ", "строки 10, 14 "),
        ("phone.shared", "(строка 10)", "(строки 10, 14)"),
        ("id.duplicate", "в строке 10 ", "в строках 10, 14 "),
    ],
)
def test_rows_are_named_in_the_grammar_of_their_number(code: str, one: str, several: str) -> None:
    params = {"group": "3", "why": "тот же телефон"}
    assert one in message(code, "ru", {"rows": "10", **params})
    assert several in message(code, "ru", {"rows": "10, 14", **params})
    uk = message(code, "uk", {"rows": "10", **params})
    assert "рядок 10" in uk or "рядку 10" in uk
    assert "row 10" in message(code, "en", {"rows": "10", **params})
    assert "rows 10, 14" in message(code, "en", {"rows": "10, 14", **params})


def test_every_command_text_is_in_three_languages() -> None:
    from sync.core import messages

    params = {"counts": "1", "log": "l", "source": "s", "status": "x"}
    for key in (
        k for k in messages.notice_codes() if k.startswith(("fix.", "export.", "summary."))
    ):
        texts = [messages.notice(key, lang, params) for lang in ("ru", "uk", "en")]
        assert all(texts) and texts[0] != texts[2], key  # (ru and uk may agree: "Телефон")
