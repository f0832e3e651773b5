"""One suite for every :class:`StateStore`: SQLite, and PostgreSQL on a throwaway cluster.

Each test opens the stores of one or two offices on one backing database through ``stores``
(for SQLite, two handles on one file; for PostgreSQL, two offices with their own local SQLite
stores and one shared key file).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sync.core.model import AuditEntry
from sync.state import DaemonInfo, FileState, StateStore, open_state

Opener = Callable[..., StateStore]

_N = itertools.count()


@pytest.fixture(params=["sqlite", "postgresql"])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    opened: list[StateStore] = []
    if request.param == "sqlite":
        state = str(tmp_path / "state.sqlite")
    else:
        state = request.getfixturevalue("pg_url")

    def open_store(office: str = "Казань") -> StateStore:
        local = tmp_path / f"{office}-{next(_N)}.sqlite"
        store = open_state(state, local, office=office, index_key_file=tmp_path / "index.key")
        opened.append(store)
        return store

    yield open_store
    for store in opened:
        store.close()


def test_file_state_round_trips(stores: Opener) -> None:
    store = stores()
    state = FileState("/srv/clients.xlsx", status="ok", seen_version="1:2:abc")
    store.put_file(state)
    store.put_file(FileState("/srv/b.xlsx", status="locked", lock_name="~$b.xlsx"))
    got = store.get_file("/srv/clients.xlsx")
    assert got is not None and (got.status, got.seen_version) == ("ok", "1:2:abc")
    assert [f.path for f in store.list_files()] == ["/srv/b.xlsx", "/srv/clients.xlsx"]
    assert store.get_file("/srv/none.xlsx") is None


def test_runs_and_interrupted_runs(stores: Opener) -> None:
    store = stores()
    done = store.start_run("/srv/a.xlsx")
    store.finish_run(done, "applied", "3 cells", 4)
    store.start_run("/srv/b.xlsx")
    assert store.close_interrupted_runs() == 1
    runs = store.recent_runs(5)
    assert [(r.path, r.status, r.problems) for r in runs] == [
        ("/srv/b.xlsx", "interrupted", 0),
        ("/srv/a.xlsx", "applied", 4),
    ]


def test_audit_log_per_file(stores: Opener) -> None:
    store = stores()
    store.add_audit([AuditEntry("/srv/a.xlsx", "Клиенты", 2, "C1", "Телефон", "8912", "+7912")])
    store.add_audit([AuditEntry("/srv/b.xlsx", "Клиенты", 3, None, "Email", "x", "y")])
    assert [e.new for e in store.audit_log("/srv/a.xlsx")] == ["+7912"]
    assert len(store.audit_log()) == 2


def test_daemon_heartbeat(stores: Opener) -> None:
    store = stores()
    store.set_daemon(
        DaemonInfo(
            42, "2026-12-01T10:00:00+03:00", "2026-12-01T10:00:10+03:00", ("/srv",), "native"
        )
    )
    info = store.daemon()
    assert info is not None and info.pid == 42 and info.folders == ("/srv",)
    store.set_daemon(None)
    assert store.daemon() is None


def test_prune_keeps_recent_history(stores: Opener) -> None:
    store = stores()
    store.finish_run(store.start_run("/srv/a.xlsx"), "applied")
    store.prune(90, 365)
    assert len(store.recent_runs()) == 1


def test_index_key_is_one_secret_for_all_and_kept(stores: Opener) -> None:
    first = stores("Казань")
    second = stores("Москва")
    assert len(first.index_key()) == 32 and first.index_key() == second.index_key()


def test_contact_index_finds_other_workbooks_and_none_when_alone(stores: Opener) -> None:
    store = stores()
    assert store.replace_contacts("/srv/a.xlsx", [(2, "k1"), (3, "k2")]) == set()
    assert store.contacts_elsewhere("/srv/a.xlsx", ["k1", "k2"]) == {}
    assert not store.others_indexed("/srv/a.xlsx") and store.others_indexed("/srv/b.xlsx")
    assert store.replace_contacts("/srv/b.xlsx", [(7, "k2"), (8, "k3")]) == {"/srv/a.xlsx"}
    assert store.contacts_elsewhere("/srv/a.xlsx", ["k1", "k2"]) == {
        "k2": [("/srv/b.xlsx", 7, None)]
    }
    # corrected: the other workbook's notes are out of date again
    assert store.replace_contacts("/srv/b.xlsx", [(8, "k3")]) == {"/srv/a.xlsx"}
    assert store.contacts_elsewhere("/srv/a.xlsx", ["k1", "k2"]) == {}
    assert store.replace_contacts("/srv/b.xlsx", []) == set()
    assert not store.others_indexed("/srv/a.xlsx")


def test_the_daemons_index_changes_leave_exactly_the_rows_keys(stores: Opener) -> None:
    from sync.daemon.workbook_pass import _index

    daemon, other = stores(), stores()
    before: list[tuple[tuple[int, str], ...]] = [((2, "a"),), ((3, "b"), (3, "c"))]
    _index(daemon, "/srv/a.xlsx", before)
    now = [before[0], ((3, "c"),), ((4, "d"),)]  # row 3 edited, row 4 added
    _index(daemon, "/srv/a.xlsx", now)
    other.replace_contacts("/srv/a.xlsx", [(9, "z")])  # another process wrote them meanwhile
    _index(daemon, "/srv/a.xlsx", now)
    probe = stores()
    found = probe.contacts_elsewhere("/srv/b.xlsx", list("abcdz"))
    assert sorted((d, r) for d, places in found.items() for _, r, _ in places) == [
        ("a", 2),
        ("c", 3),
        ("d", 4),
    ]
