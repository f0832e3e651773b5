"""Fixtures shared by the Google Sheets tests: the local Sheets API emulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sync.sources.gsheets_emulator import SheetsEmulator


@pytest.fixture(scope="module")
def emulator() -> Iterator[SheetsEmulator]:
    """One emulator (HTTP on 127.0.0.1) per test module."""
    with SheetsEmulator() as emu:
        yield emu


@pytest.fixture
def emu(emulator: SheetsEmulator) -> SheetsEmulator:
    """The module's emulator with an empty request log."""
    emulator.reset_counts()
    return emulator
