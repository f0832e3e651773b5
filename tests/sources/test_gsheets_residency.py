"""The warning that a Google Sheet keeps personal data abroad (152-FZ as amended by 23-FZ)."""

from __future__ import annotations

import dataclasses
import logging

import pytest

from sync.core.config import Config, GoogleSheetConfig, Language, PhoneConfig, default_config
from sync.errors import ConfigError
from sync.sources.gsheets import residency
from sync.sources.gsheets.source import open_gsheet

SHEET = "1AbCdEfGhIjKlMnOpQrStUv"


@pytest.fixture(autouse=True)
def _fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(residency, "_warned", set())
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.delenv("CLIENTBASE_SHEETS_ENDPOINT", raising=False)


def _config(language: Language, regions: tuple[str, ...]) -> Config:
    return dataclasses.replace(
        default_config(),
        language=language,
        phone=PhoneConfig(regions=regions),
        google=(GoogleSheetConfig(SHEET),),
    )


def test_a_russian_config_is_warned_once_per_process_in_russian(
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = _config("ru", ("RU",))
    with caplog.at_level(logging.WARNING), pytest.raises(ConfigError):
        open_gsheet(f"gsheet:{SHEET}", config)
    with caplog.at_level(logging.WARNING), pytest.raises(ConfigError):
        open_gsheet(f"gsheet:{SHEET}", config)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "152-ФЗ" in warnings[0] and "23-ФЗ" in warnings[0] and "1 июля 2025" in warnings[0]


def test_phone_regions_with_ru_warn_in_the_configs_language(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        assert residency.warn_data_abroad(_config("uk", ("UA", "RU")), SHEET)
        assert not residency.warn_data_abroad(_config("uk", ("UA", "RU")), SHEET)
    (record,) = caplog.records
    assert "З 1 липня 2025" in record.getMessage() and "152-ФЗ" in record.getMessage()


def test_an_office_without_russian_data_is_not_warned(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert not residency.warn_data_abroad(_config("uk", ("UA", "PL")), SHEET)
        assert not residency.warn_data_abroad(_config("en", ("UA",)), SHEET)
    assert not caplog.records


def test_the_local_emulator_is_not_google(caplog: pytest.LogCaptureFixture) -> None:
    config = dataclasses.replace(
        default_config(), google=(GoogleSheetConfig(SHEET, endpoint="http://127.0.0.1:9"),)
    )
    with caplog.at_level(logging.WARNING):
        open_gsheet(f"gsheet:{SHEET}", config)
    assert not [r for r in caplog.records if r.name == "clientbase.google"]
