"""Fixtures shared by the tests: the local Sheets API emulator (Google Sheets tests), a
throwaway PostgreSQL cluster (the shared state store's tests), and a recorder of the forked
workers a run starts."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from sync.testing.sheets.emulator import SheetsEmulator

from . import pgcluster


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


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[pgcluster.Cluster]:
    """One PostgreSQL cluster for the session (a Unix socket in a temp folder)."""
    pgcluster.require()
    with pgcluster.cluster() as made:
        yield made


_DATABASES = itertools.count(1)


@pytest.fixture
def pg_url(pg_cluster: pgcluster.Cluster) -> str:
    """A fresh, empty database of the session's cluster."""
    return pg_cluster.create_database(f"test_{next(_DATABASES)}")


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


@pytest.fixture(params=["reference", "memory", "one-shot"])
def each_stages(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test module's ``run_pass`` on each set of stages (CPython's ``test_json`` runs
    every test on the Python and the C scanner the same way):

    - ``reference``: the plain stages of :mod:`sync.core.stages`;
    - ``memory``: the daemon's :class:`~sync.speed.memory.PassMemory`, answering a second pass
      over the same snapshot from what the first one left;
    - ``one-shot``: :class:`~sync.speed.one_shot.OneShot`, its history from a forked worker
      (whatever the size of the base).

    A test that hands its own ``stages`` keeps them."""
    from sync.core import engine
    from sync.speed import one_shot
    from sync.speed.memory import PassMemory

    kind = str(request.param)
    real = engine.run_pass
    monkeypatch.setattr(one_shot, "AHEAD_MIN_ROWS", 0)

    def run_pass(
        snapshot: Any, config: Any, as_of: Any, progress: Any = None, stages: Any = None
    ) -> Any:
        if stages is not None or kind == "reference":
            return real(snapshot, config, as_of, progress, stages or engine.REFERENCE)
        if kind == "memory":
            memory = PassMemory()
            real(snapshot, config, as_of, None, memory)
            return real(snapshot, config, as_of, progress, memory)
        return real(snapshot, config, as_of, progress, one_shot.OneShot())

    assert hasattr(request.module, "run_pass"), "the module must import run_pass"
    monkeypatch.setattr(request.module, "run_pass", run_pass)
    return kind
