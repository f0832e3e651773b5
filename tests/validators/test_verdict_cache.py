"""Verdicts outlive a pass: the daemon's next pass validates only what staff typed since."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from validators import dates, email, phone
from validators.base import FieldCheck


def _counting(monkeypatch: pytest.MonkeyPatch, module: Any) -> list[object]:
    seen: list[object] = []
    real = module._check_one

    def spy(value: object, *args: Any) -> FieldCheck:
        seen.append(value)
        result: FieldCheck = real(value, *args)
        return result

    monkeypatch.setattr(module, "_check_one", spy)
    return seen


def test_a_second_pass_validates_only_new_phones(monkeypatch: pytest.MonkeyPatch) -> None:
    column = [f"8 (912) 345-{i // 100:02d}-{i % 100:02d}" for i in range(500)] + ["12345"]
    first = phone.check_phones(column, ("RU", "UA"))
    seen = _counting(monkeypatch, phone)
    edited = [*column[:-1], "067 123 45 67"]  # staff fixed the last number
    second = phone.check_phones(edited, ("RU", "UA"))
    assert seen == ["067 123 45 67"]
    assert second[:-1] == first[:-1] and second[-1].normalized == "+380671234567"
    # other settings are another cache: nothing is taken from the RU/UA verdicts
    phone.check_phones(column[:3], ("UA",))
    assert seen[1:] == column[:3]


def test_email_verdicts_are_cached_offline_only(monkeypatch: pytest.MonkeyPatch) -> None:
    column = ["anna@mail.ru", "ivan@gmial.com"]
    first = email.check_emails(column)
    assert first[1].findings[0].suggestion == "ivan@gmail.com"
    seen = _counting(monkeypatch, email)
    assert email.check_emails(column) == first
    assert seen == []
    email.check_emails(column, extra_domains=["romashka.ru"])
    assert seen == column  # other settings


def test_date_verdicts_depend_on_the_day(monkeypatch: pytest.MonkeyPatch) -> None:
    column = ["31.12.2026"]
    today, later = dt.date(2026, 11, 1), dt.date(2027, 1, 5)
    assert dates.check_dates(column, as_of=today, kind="birthday")[0].findings  # in the future
    seen = _counting(monkeypatch, dates)
    assert not dates.check_dates(column, as_of=later, kind="birthday")[0].findings
    assert seen == column
