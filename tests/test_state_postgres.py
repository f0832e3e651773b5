"""What only the shared PostgreSQL store does: offices, their notifications, the versioned
schema, the secret every office must share, work done once, and an outage of the link."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from sync.errors import ConfigError
from sync.state import DaemonInfo, SqliteStateStore, open_state
from sync.state.pg_schema import SCHEMA_VERSION
from sync.state.postgres import LOCK_PRUNE, PostgresStateStore

from . import pgcluster


def _office(url: str, tmp: Path, office: str, key: Path | None = None) -> PostgresStateStore:
    store = open_state(
        url, tmp / f"{office}.sqlite", office=office, index_key_file=key or tmp / "index.key"
    )
    assert isinstance(store, PostgresStateStore)
    return store


@pytest.fixture
def two(pg_url: str, tmp_path: Path) -> Iterator[tuple[PostgresStateStore, PostgresStateStore]]:
    kazan, moscow = _office(pg_url, tmp_path, "Казань"), _office(pg_url, tmp_path, "Москва")
    yield kazan, moscow
    kazan.close()
    moscow.close()


def _rechecks(store: PostgresStateStore, wait: float = 5.0) -> list[str]:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        found = store.take_rechecks()
        if found:
            return found
    return []


def test_offices_keep_their_own_paths_and_see_each_other(
    two: tuple[PostgresStateStore, ...],
) -> None:
    kazan, moscow = two
    kazan.replace_contacts("/srv/clients.xlsx", [(14, "k1")])
    # the same path in another office is another workbook
    assert moscow.replace_contacts("/srv/clients.xlsx", [(3, "k1"), (4, "k2")]) == set()
    assert moscow.contacts_elsewhere("/srv/clients.xlsx", ["k1", "k2"]) == {
        "k1": [("/srv/clients.xlsx", 14, "Казань")]
    }
    assert kazan.contacts_elsewhere("/srv/clients.xlsx", ["k1"]) == {
        "k1": [("/srv/clients.xlsx", 3, "Москва")]
    }


def test_a_change_in_one_office_is_announced_to_the_other(
    two: tuple[PostgresStateStore, ...],
) -> None:
    kazan, moscow = two
    assert kazan.take_rechecks() == [] and moscow.take_rechecks() == []
    kazan.replace_contacts("/srv/kazan.xlsx", [(2, "k1")])
    moscow.replace_contacts("/srv/moscow.xlsx", [(5, "k1")])
    assert _rechecks(kazan) == ["/srv/kazan.xlsx"]  # by NOTIFY, not by the fallback poll
    assert moscow.take_rechecks() == []  # its own change: it knows
    moscow.replace_contacts("/srv/moscow.xlsx", [])  # corrected
    assert _rechecks(kazan) == ["/srv/kazan.xlsx"]
    assert kazan.take_rechecks() == []


def test_daemons_announce_themselves(two: tuple[PostgresStateStore, ...]) -> None:
    kazan, moscow = two
    kazan.set_daemon(DaemonInfo(11, "2026-12-08T10:00:00+03:00", "x", ("/srv",), "native"))
    moscow.set_daemon(DaemonInfo(22, "2026-12-08T10:00:05+03:00", "x", ("/srv",), "polling"))
    moscow.finish_run(moscow.start_run("/srv/moscow.xlsx"), "applied", "2 cells", 3)
    moscow.set_daemon(None)
    offices = {o.office: o for o in kazan.offices()}
    assert set(offices) == {"Казань", "Москва"}
    assert offices["Казань"].pid == 11 and offices["Москва"].pid is None  # stopped
    assert (offices["Москва"].last_pass_file, offices["Москва"].last_pass_status) == (
        "moscow.xlsx",
        "applied",
    )
    assert offices["Казань"].heartbeat_age is not None and offices["Казань"].heartbeat_age < 60


def test_the_schema_is_versioned_and_a_newer_one_is_refused(pg_url: str, tmp_path: Path) -> None:
    _office(pg_url, tmp_path, "Казань").close()
    with psycopg.connect(pg_url) as conn:
        assert conn.execute(
            "SELECT value FROM clientbase_meta WHERE key = 'schema'"
        ).fetchone() == (str(SCHEMA_VERSION),)
        conn.execute("UPDATE clientbase_meta SET value = '99' WHERE key = 'schema'")
    with pytest.raises(ConfigError, match="newer than this clientbase"):
        _office(pg_url, tmp_path, "Москва")


def test_every_office_must_hold_the_same_index_key(pg_url: str, tmp_path: Path) -> None:
    _office(pg_url, tmp_path, "Казань").close()
    with pytest.raises(ConfigError, match="missing"):  # not made anew: it would never match
        _office(pg_url, tmp_path, "Москва", tmp_path / "moscow.key")
    (tmp_path / "other.key").write_text("ab" * 32)
    with pytest.raises(ConfigError, match="differs"):
        _office(pg_url, tmp_path, "Москва", tmp_path / "other.key")


def test_the_shared_history_is_pruned_by_one_daemon_at_a_time(
    two: tuple[PostgresStateStore, ...], pg_url: str
) -> None:
    kazan, _ = two
    kazan.finish_run(kazan.start_run("/srv/a.xlsx"), "applied")
    with psycopg.connect(pg_url, autocommit=True) as other:
        other.execute("UPDATE passes SET finished_at = now() - interval '200 days'")
        other.execute("SELECT pg_advisory_lock(%s)", (LOCK_PRUNE,))  # another daemon prunes
        kazan.prune(90, 365)
        assert other.execute("SELECT count(*) FROM passes").fetchone() == (1,)
        other.execute("SELECT pg_advisory_unlock(%s)", (LOCK_PRUNE,))
        kazan.prune(90, 365)
        assert other.execute("SELECT count(*) FROM passes").fetchone() == (0,)


def test_an_outage_loses_nothing_and_is_caught_up(tmp_path: Path) -> None:
    """The server stops: every call answers at once from what was last read, index writes
    and passes are kept; once it is back, they are sent and the other office is told."""
    pgcluster.require()
    with pgcluster.cluster() as server:
        url = server.create_database("outage")
        kazan, moscow = _office(url, tmp_path, "Казань"), _office(url, tmp_path, "Москва")
        try:
            kazan.replace_contacts("/srv/kazan.xlsx", [(2, "k1"), (3, "k3")])
            moscow.replace_contacts("/srv/moscow.xlsx", [(5, "k1")])
            k1 = {"k1": [("/srv/kazan.xlsx", 2, "Казань")]}
            assert moscow.contacts_elsewhere("/srv/moscow.xlsx", ["k1"]) == k1
            assert _rechecks(kazan) == ["/srv/kazan.xlsx"]
            server.stop()
            started = time.monotonic()
            moscow.replace_contacts("/srv/moscow.xlsx", [(5, "k1"), (6, "k3")])  # kept
            assert moscow.contacts_elsewhere("/srv/moscow.xlsx", ["k1", "k3"]) == k1  # last read
            assert moscow.others_indexed("/srv/moscow.xlsx")
            moscow.finish_run(moscow.start_run("/srv/moscow.xlsx"), "applied")
            assert moscow.take_rechecks() == [] and kazan.take_rechecks() == []
            assert moscow.get_file("/srv/moscow.xlsx") is None  # local state still served
            assert time.monotonic() - started < 10  # nothing waits for the link
            down = dt.datetime.now().astimezone()
            server.start()
            moscow._retry_at = kazan._retry_at = 0.0  # do not wait out the backoff
            # the chores thread reconnects: the index kept is sent, and the workbook passed
            # again to see the other offices
            assert moscow.take_rechecks() == ["/srv/moscow.xlsx"] and moscow.online
            assert _rechecks(kazan) == ["/srv/kazan.xlsx"]
            assert moscow.contacts_elsewhere("/srv/moscow.xlsx", ["k3"]) == {
                "k3": [("/srv/kazan.xlsx", 3, "Казань")]
            }
            with psycopg.connect(url) as conn:
                assert conn.execute(
                    "SELECT file, status, finished_at < %s FROM passes WHERE office = 'Москва'",
                    (down,),
                ).fetchall() == [("moscow.xlsx", "applied", True)]  # at its own time
        finally:
            kazan.close()
            moscow.close()


def test_the_audit_log_stays_in_the_offices_own_store(pg_url: str, tmp_path: Path) -> None:
    from sync.core.model import AuditEntry

    store = _office(pg_url, tmp_path, "Казань")
    store.add_audit(
        [AuditEntry("/srv/a.xlsx", "Клиенты", 2, "C1", "Телефон", "8912", "+79123456789")]
    )
    store.close()
    # one secret only, the chain's: the office's own store makes none of its own
    assert sorted(p.name for p in tmp_path.glob("*key*")) == ["index.key"]
    local = SqliteStateStore(tmp_path / "Казань.sqlite", keyed=False)
    assert [e.new for e in local.audit_log()] == ["+79123456789"]
    local.close()
    with psycopg.connect(pg_url) as conn:
        tables = [
            r[0]
            for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ]
        for table in tables:
            dump = str(conn.execute(f"SELECT * FROM {table}").fetchall())
            assert "79123456789" not in dump


def test_status_lists_every_office_and_its_last_pass(pg_url: str, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from sync.cli.daemon import status
    from sync.core.model import now_text

    for office in ("Казань", "Москва"):
        folder = tmp_path / office
        folder.mkdir()
        (folder / "clientbase.toml").write_text(
            f'[watch]\nstate = "{pg_url}"\noffice = "{office}"\nindex_key_file = "../index.key"\n',
            "utf-8",
        )
        store = open_state(
            pg_url,
            folder / "clientbase-state.sqlite",
            office=office,
            index_key_file=tmp_path / "index.key",
        )
        store.set_daemon(DaemonInfo(7, now_text(), now_text(), (str(folder),), "native"))
        store.finish_run(store.start_run(str(folder / "clients.xlsx")), "applied", "", 2)
        store.close()
    result = CliRunner().invoke(status, ["--config", str(tmp_path / "Москва" / "clientbase.toml")])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "clients.xlsx applied" in line]
    assert [line.split()[0] for line in lines] == ["Казань", "Москва"]
    assert all("running" in line and "2 problems" in line for line in lines)


def test_the_daemons_everyday_role_needs_no_more_than_the_recipe_grants(
    pg_url: str, tmp_path: Path
) -> None:
    """deploy/chain.md: an owner role creates and migrates the schema (at an upgrade); the
    branches' login role may only read and write rows, and a daemon runs with it."""
    _office(pg_url, tmp_path, "Казань").close()  # schema made by the owner (superuser here)
    grants = (Path(__file__).resolve().parent.parent / "deploy" / "chain-grants.sql").read_text()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE ROLE clientbase_branch LOGIN")
        conn.execute(grants)
    branch_url = pg_url.replace("//clientbase@", "//clientbase_branch@")
    store = _office(branch_url, tmp_path, "Москва")
    try:
        store.replace_contacts("/srv/clients.xlsx", [(3, "k1")])
        store.set_daemon(DaemonInfo(5, "2026-12-08T10:00:00+03:00", "x", ("/srv",), "native"))
        store.finish_run(store.start_run("/srv/clients.xlsx"), "applied")
        store.prune(1, 1)
        assert store.online and store.contacts_elsewhere("/srv/other.xlsx", ["k1"]) == {
            "k1": [("/srv/clients.xlsx", 3, None)]
        }
        with (
            psycopg.connect(branch_url) as conn,
            pytest.raises(psycopg.errors.InsufficientPrivilege),
        ):
            conn.execute("CREATE TABLE intruder (x int)")
    finally:
        store.close()


def test_a_daemon_starting_while_the_link_is_down_serves_and_catches_up(tmp_path: Path) -> None:
    pgcluster.require()
    with pgcluster.cluster() as server:
        url = server.create_database("late")
        _office(url, tmp_path, "Казань").close()  # the key exists; the office knows it
        server.stop()
        moscow = _office(url, tmp_path, "Москва")
        try:
            assert not moscow.online and len(moscow.index_key()) == 32
            moscow.replace_contacts("/srv/clients.xlsx", [(3, "k1")])
            server.start()
            moscow._retry_at = 0.0
            # back: the entries are sent, and the workbook passed again to see the others
            assert moscow.take_rechecks() == ["/srv/clients.xlsx"] and moscow.online
            assert moscow.contacts_elsewhere("/srv/other.xlsx", ["k1"]) == {
                "k1": [("/srv/clients.xlsx", 3, None)]
            }
        finally:
            moscow.close()


def test_index_entries_unsent_when_the_daemon_stopped_are_sent_after_a_restart(
    tmp_path: Path,
) -> None:
    from sync.state import FileState

    pgcluster.require()
    with pgcluster.cluster() as server:
        url = server.create_database("restart")
        moscow = _office(url, tmp_path, "Москва")
        moscow.put_file(FileState("/srv/clients.xlsx", status="ok", seen_version="1:2:abc"))
        server.stop()
        moscow.replace_contacts("/srv/clients.xlsx", [(3, "k1")])  # kept, then the daemon stops
        moscow.close()
        server.start()
        again = _office(url, tmp_path, "Москва")
        try:
            state = again.get_file("/srv/clients.xlsx")
            assert state is not None and state.status == "pending"  # the daemon passes it
            again.replace_contacts("/srv/clients.xlsx", [(3, "k1")])  # ... which sends them
            assert again.local.unsent() == []
            assert again.others_indexed("/srv/other.xlsx")
        finally:
            again.close()
