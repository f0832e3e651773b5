"""Fixtures shared by the tests: the local Sheets API emulator (Google Sheets tests), and a
recorder of the forked workers a run starts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from sync.testing.sheets.emulator import SheetsEmulator


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


@pytest.fixture
def record_starts(monkeypatch: pytest.MonkeyPatch) -> Callable[[Any], list[object]]:
    """``record_starts(Cls)``: from now on, what each ``Cls.start(...)`` returned (a worker, or
    None when it was not started) is appended to the returned list."""

    def install(owner: Any) -> list[object]:
        started: list[object] = []
        real_start = owner.start

        def recording(*args: Any) -> object:
            found = real_start(*args)
            started.append(found)
            return found

        monkeypatch.setattr(owner, "start", recording)
        return started

    return install
