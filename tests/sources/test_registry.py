"""The source registry: which backend serves a SOURCE, and what a missing library says."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync import sources
from sync.core.config import default_config
from sync.errors import ConfigError
from sync.sources.xlsx.source import XlsxSource


@pytest.mark.parametrize(
    ("spec", "backend"),
    [
        ("clients.xlsx", "xlsx"),
        ("Клиенты.XLSM", "xlsx"),
        ("gsheet:1AbC", "Google Sheets"),
        ("clients.csv", None),
        ("clients", None),
    ],
)
def test_each_source_spelling_has_its_backend(spec: str, backend: str | None) -> None:
    found = sources.backend_for(spec)
    assert (found.name if found else None) == backend


def test_a_workbook_path_opens_the_xlsx_source(tmp_path: Path) -> None:
    source = sources.open_source(str(tmp_path / "clients.xlsx"), default_config())
    assert isinstance(source, XlsxSource)
    source.close()


def test_a_missing_library_names_the_package_to_install() -> None:
    backend = sources.Backend(
        "probe", lambda s: True, "sync.sources.xlsx.source:open_workbook",
        ("no_such_library_here",), "no-such-library",
    )  # fmt: skip
    with pytest.raises(ConfigError, match="pip install no-such-library"):
        backend.open("clients.xlsx", default_config())


def test_an_unknown_source_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"clients\.csv"):
        sources.open_source("clients.csv", default_config())
