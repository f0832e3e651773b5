"""The daemon's state database: what it remembers across restarts, and who may read it."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.core.model import AuditEntry
from sync.errors import ConfigError
from sync.state import (
    STATE_FILE_NAME,
    DaemonInfo,
    FileState,
    SqliteStateStore,
    default_state_path,
)

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStateStore]:
    s = SqliteStateStore(tmp_path / STATE_FILE_NAME)
    yield s
    s.close()


def test_file_state_survives_a_restart(tmp_path: Path) -> None:
    db = tmp_path / STATE_FILE_NAME
    first = SqliteStateStore(db)
    state = FileState("/srv/share/clients.xlsx", status="ok", seen_version="10:20:abc")
    state.written_version = "10:20:abc"
    state.last_pass_at = "2026-11-01T10:00:00+03:00"
    first.put_file(state)
    first.close()

    again = SqliteStateStore(db)
    try:
        loaded = again.get_file("/srv/share/clients.xlsx")
        assert loaded is not None
        assert (loaded.status, loaded.seen_version, loaded.written_version) == (
            "ok",
            "10:20:abc",
            "10:20:abc",
        )
        assert again.get_file("/srv/share/other.xlsx") is None
    finally:
        again.close()


def test_put_file_replaces_the_previous_state(store: SqliteStateStore) -> None:
    store.put_file(FileState("/a/b.xlsx", status="locked", lock_name="~$b.xlsx"))
    store.put_file(FileState("/a/b.xlsx", status="ok"))
    files = store.list_files()
    assert [(f.path, f.status, f.lock_name) for f in files] == [("/a/b.xlsx", "ok", None)]


@settings(max_examples=40, deadline=None)
@given(
    path=st.text(min_size=1, max_size=60),
    error=st.none() | st.text(max_size=200),
    version=st.none() | st.text(max_size=80),
)
def test_any_text_round_trips(
    tmp_path_factory: pytest.TempPathFactory, path: str, error: str | None, version: str | None
) -> None:
    folder = tmp_path_factory.mktemp("state")
    s = SqliteStateStore(folder / STATE_FILE_NAME)
    try:
        s.put_file(FileState(path, status="error", last_error=error, error_version=version))
        loaded = s.get_file(path)
        assert loaded is not None
        assert (loaded.last_error, loaded.error_version) == (error, version)
    finally:
        s.close()


def test_run_history_and_interrupted_runs(store: SqliteStateStore) -> None:
    done = store.start_run("/a/clients.xlsx")
    store.finish_run(done, "applied", "3 cells, 1 highlights, 1 notes", problems=4)
    store.start_run("/a/other.xlsx")  # the daemon is killed here
    assert store.close_interrupted_runs() == 1
    runs = store.recent_runs()
    assert [(r.path, r.status) for r in runs] == [
        ("/a/other.xlsx", "interrupted"),
        ("/a/clients.xlsx", "applied"),
    ]
    assert runs[1].problems == 4 and runs[1].finished_at is not None
    assert store.close_interrupted_runs() == 0


def test_audit_log_keeps_old_and_new_values_per_file(store: SqliteStateStore) -> None:
    store.add_audit(
        [
            AuditEntry(
                "/a/c.xlsx",
                "Клиенты",
                5,
                "C000004",
                "Телефон",
                "8 (912) 345-67-89",
                "+7 912 345-67-89",
            ),
            AuditEntry("/a/d.xlsx", "Клиенты", 2, None, "ID", None, "C000001"),
        ]
    )
    only_c = store.audit_log("/a/c.xlsx")
    assert [(e.sheet, e.row, e.row_id, e.column, e.old, e.new) for e in only_c] == [
        ("Клиенты", 5, "C000004", "Телефон", "8 (912) 345-67-89", "+7 912 345-67-89")
    ]
    assert len(store.audit_log()) == 2


def test_prune_forgets_only_old_history(store: SqliteStateStore) -> None:
    store.add_audit([AuditEntry("/a/c.xlsx", "S", 2, None, "Email", "x", "y", at="2001-01-01")])
    store.add_audit([AuditEntry("/a/c.xlsx", "S", 3, None, "Email", "x", "y")])
    old_run = store.start_run("/a/c.xlsx")
    store.finish_run(old_run, "applied")
    with sqlite3.connect(store.path) as db:
        db.execute("UPDATE runs SET started_at = '2001-01-01T00:00:00+00:00'")
    store.finish_run(store.start_run("/a/c.xlsx"), "unchanged")
    assert store.prune(history_days=90, audit_days=365) == 2
    assert [e.row for e in store.audit_log()] == [3]
    assert [r.status for r in store.recent_runs()] == ["unchanged"]


def test_daemon_heartbeat_is_replaced_and_cleared(store: SqliteStateStore) -> None:
    assert store.daemon() is None
    info = DaemonInfo(
        123,
        "2026-11-01T09:00:00+03:00",
        "2026-11-01T09:00:10+03:00",
        ("/srv/share", "/srv/other"),
        "native,polling",
    )
    store.set_daemon(info)
    store.set_daemon(info)
    assert store.daemon() == info
    store.set_daemon(None)
    assert store.daemon() is None


@posix_only
def test_database_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    db = tmp_path / "nested" / STATE_FILE_NAME
    s = SqliteStateStore(db)
    s.put_file(FileState("/a/b.xlsx"))  # forces the WAL file into existence
    try:
        for path in [db, *tmp_path.joinpath("nested").glob(STATE_FILE_NAME + "-*")]:
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    finally:
        s.close()


@posix_only
def test_existing_world_readable_database_is_tightened(tmp_path: Path) -> None:
    db = tmp_path / STATE_FILE_NAME
    SqliteStateStore(db).close()
    db.chmod(0o644)
    SqliteStateStore(db).close()
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


def test_read_only_store_cannot_change_state(store: SqliteStateStore) -> None:
    store.put_file(FileState("/a/b.xlsx", status="ok"))
    reader = SqliteStateStore(store.path, read_only=True)
    try:
        assert reader.get_file("/a/b.xlsx") is not None
        with pytest.raises(sqlite3.OperationalError):
            reader.put_file(FileState("/a/b.xlsx", status="error"))
    finally:
        reader.close()


def test_unusable_location_is_a_clear_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ConfigError, match="state database"):
        SqliteStateStore(blocker / STATE_FILE_NAME)


def test_threads_share_one_store(store: SqliteStateStore) -> None:
    def write(n: int) -> None:
        for i in range(25):
            store.finish_run(store.start_run(f"/a/{n}.xlsx"), "unchanged", problems=i)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(store.recent_runs(limit=1000)) == 100


def test_default_location_is_next_to_the_config_else_in_the_folder(tmp_path: Path) -> None:
    cfg = tmp_path / "etc" / "clientbase.toml"
    share = tmp_path / "share"
    assert default_state_path(str(cfg), [share]) == cfg.resolve().parent / STATE_FILE_NAME
    assert default_state_path(None, [share]) == share.resolve() / STATE_FILE_NAME


def test_contact_index_finds_other_workbooks_and_none_when_alone(tmp_path: Path) -> None:
    store = SqliteStateStore(tmp_path / STATE_FILE_NAME)
    store.replace_contacts("/srv/a.xlsx", [(2, "k1"), (3, "k2")])
    assert store.contacts_elsewhere("/srv/a.xlsx", ["k1", "k2"]) == {}
    assert not store.others_indexed("/srv/a.xlsx") and store.others_indexed("/srv/b.xlsx")
    assert store.replace_contacts("/srv/b.xlsx", [(7, "k2"), (8, "k3")]) == {"/srv/a.xlsx"}
    assert store.others_indexed("/srv/a.xlsx") and store.others_indexed("/srv/b.xlsx")
    assert store.contacts_elsewhere("/srv/a.xlsx", ["k1", "k2"]) == {
        "k2": [("/srv/b.xlsx", 7, None)]
    }
    assert store.contacts_elsewhere("/srv/b.xlsx", ["k2", "k3"]) == {
        "k2": [("/srv/a.xlsx", 3, None)]
    }
    store.close()


@settings(max_examples=25, deadline=None)
@given(
    passes=st.lists(
        st.tuples(st.booleans(), st.sets(st.tuples(st.integers(2, 9), st.sampled_from("abcd")))),
        min_size=1,
        max_size=5,
    )
)
def test_contact_index_holds_exactly_the_last_keys_whoever_wrote_them(
    passes: list[tuple[bool, set[tuple[int, str]]]],
) -> None:
    """The daemon's store remembers what it wrote; another process (an earlier daemon, a
    restarted one) writing the same workbook's entries in between must not leave stale keys."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / STATE_FILE_NAME
        daemon, other = SqliteStateStore(db), SqliteStateStore(db)
        for by_other, keys in passes:
            (other if by_other else daemon).replace_contacts("/srv/a.xlsx", sorted(keys))
            with sqlite3.connect(db) as raw:
                held = set(
                    raw.execute("SELECT row, digest FROM contacts WHERE path = ?", ("/srv/a.xlsx",))
                )
            assert held == keys
        daemon.close()
        other.close()


@settings(max_examples=60, deadline=None)
@given(
    passes=st.lists(
        st.tuples(
            st.sampled_from(["daemon", "daemon", "other", "new daemon"]),
            st.lists(st.tuples(st.booleans(), st.sets(st.sampled_from("abc"))), max_size=6),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_the_daemons_index_changes_leave_exactly_the_rows_keys(
    passes: list[tuple[str, list[tuple[bool, set[str]]]]],
) -> None:
    """The daemon writes only what changed since its last write of a workbook's entries (rows
    kept from its last pass are the very tuples); after another process wrote them, or with
    another store, it writes them all. Either way the index holds exactly each row's keys."""
    import tempfile

    from sync.daemon.workbook_pass import _index

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / STATE_FILE_NAME
        daemon, other = SqliteStateStore(db), SqliteStateStore(db)
        before: list[tuple[tuple[int, str], ...]] = []
        for who, rows in passes:
            entries = [
                before[i] if keep and i < len(before) else tuple((i + 2, d) for d in sorted(keys))
                for i, (keep, keys) in enumerate(rows)
            ]
            if who == "other":
                other.replace_contacts("/srv/a.xlsx", [p for row in entries for p in row])
            else:
                if who == "new daemon":  # restarted: a store that wrote nothing yet
                    daemon.close()
                    daemon = SqliteStateStore(db)
                _index(daemon, "/srv/a.xlsx", entries)
            with sqlite3.connect(db) as raw:
                held = raw.execute(
                    "SELECT row, digest FROM contacts WHERE path = ?", ("/srv/a.xlsx",)
                ).fetchall()
            assert sorted(held) == sorted(p for row in entries for p in row)  # each once
            before = entries
        daemon.close()
        other.close()


@posix_only
def test_index_key_is_made_once_private_and_kept_across_restarts(tmp_path: Path) -> None:
    from sync.state import key_path_for

    db = tmp_path / STATE_FILE_NAME
    first = SqliteStateStore(db)
    key = first.index_key()
    first.close()
    key_file = key_path_for(db)
    assert len(key) == 32 and key_file.read_text().strip() == key.hex()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    again = SqliteStateStore(db)
    assert again.index_key() == key
    again.close()
    key_file.write_text("not a key\n")
    with pytest.raises(ConfigError, match="hex digits"):
        SqliteStateStore(db)


def test_an_index_of_unkeyed_digests_is_dropped_and_every_workbook_passed_anew(
    tmp_path: Path,
) -> None:
    """Version 1 stored plain SHA-256 digests: they cannot be re-keyed (the phones are not
    there), so they go, and every workbook's next pass indexes it with the key."""
    db = tmp_path / STATE_FILE_NAME
    store = SqliteStateStore(db)
    store.put_file(FileState("/srv/a.xlsx", status="ok", seen_version="1:2:abc"))
    store.put_file(FileState("/srv/b.xlsx", status="error", error_version="1:2:def"))
    store.replace_contacts("/srv/a.xlsx", [(2, "plain-sha256")])
    store.close()
    with sqlite3.connect(db) as raw:
        raw.execute("UPDATE meta SET value = '1' WHERE key = 'schema'")
        raw.execute("DELETE FROM meta WHERE key = 'index_key_check'")
    migrated = SqliteStateStore(db)
    try:
        assert not migrated.others_indexed("/srv/b.xlsx")  # no row of a.xlsx left
        a, b = migrated.get_file("/srv/a.xlsx"), migrated.get_file("/srv/b.xlsx")
        assert a is not None and a.status == "pending"  # so the daemon passes it at start
        assert b is not None and b.status == "error"  # a broken file stays reported
    finally:
        migrated.close()
    with sqlite3.connect(db) as raw:
        assert raw.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() == ("2",)


def test_a_replaced_index_key_drops_the_index_it_cannot_match(tmp_path: Path) -> None:
    from sync.state import key_path_for

    db = tmp_path / STATE_FILE_NAME
    store = SqliteStateStore(db)
    store.replace_contacts("/srv/a.xlsx", [(2, "k1")])
    store.close()
    key_path_for(db).unlink()  # lost: a new one is made, and the old digests mean nothing
    again = SqliteStateStore(db)
    assert not again.others_indexed("/srv/b.xlsx")
    again.close()


def test_watch_settings_name_the_shared_state_office_and_key(tmp_path: Path) -> None:
    from sync.daemon.settings import load_watch_config

    cfg = tmp_path / "clientbase.toml"
    cfg.write_text(
        '[watch]\nstate = "postgresql://branch@db.example/clientbase?sslmode=verify-full"\n'
        'office = "Казань"\nindex_key_file = "keys/index.key"\n',
        "utf-8",
    )
    watch = load_watch_config(str(cfg))
    assert watch.state == "postgresql://branch@db.example/clientbase?sslmode=verify-full"
    assert (watch.office, watch.index_key_file) == ("Казань", str(tmp_path / "keys/index.key"))
    cfg.write_text('[watch]\nstate = "local.sqlite"\n', "utf-8")
    assert load_watch_config(str(cfg)).state == str(tmp_path / "local.sqlite")
    cfg.write_text('[watch]\noffice = " "\n', "utf-8")
    with pytest.raises(ConfigError, match="expected a name"):
        load_watch_config(str(cfg))
