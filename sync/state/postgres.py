"""The state shared by several offices' daemons in one PostgreSQL database (psycopg 3).

Split by what must be shared. In PostgreSQL: the cross-workbook contact index (keyed hashes
only, rows named by office and that office's own path), which workbooks other offices' saves
made out of date (``rechecks``, announced by ``NOTIFY``), each office's daemon (host, version,
heartbeat, last pass) and a short pass history. In the office's own SQLite store
(:class:`SqliteStateStore`): the per-file versions, the run history and the audit log, whose
old and new values are personal data that never leave the office.

The link between offices may go down. Every shared operation then falls back at once to what
this daemon last read (the places of its workbooks' keys found elsewhere), and the daemon keeps
serving its own workbooks; index writes, passes and heartbeats are kept and sent when the
database is back (tried with a backoff up to a minute). Nothing personal is lost, nothing waits.

Work that must run once however many daemons start (schema migrations, pruning the shared
history) holds a session-level advisory lock on a dedicated connection: a transaction-scoped
lock, or one on a pooled connection, would be released or shared behind our back.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import socket
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import psycopg

from sync.core.model import AuditEntry
from sync.errors import ConfigError
from sync.state.key import key_check, load_or_create_key
from sync.state.model import DaemonInfo, Entries, FileState, OfficeInfo, Place, RunRecord
from sync.state.pg_schema import migrate
from sync.state.sqlite import SqliteStateStore

log = logging.getLogger("clientbase.watch")

T = TypeVar("T")
CHANNEL = "clientbase_rechecks"
LOCK_PRUNE = 0x636C_6202  # advisory lock key ("clb" + 2; 1 is the migrations')
MAX_BACKOFF = 60.0
POLL_FALLBACK = 30.0  # seconds: look for rechecks even without a notification (one may be lost)
CONNECT_TIMEOUT = 5

_DOWN = (psycopg.OperationalError, psycopg.InterfaceError)


def _safe_url(url: str) -> str:
    """The URL without a password, for messages."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    return f"{info.get('host', 'localhost')}/{info.get('dbname', '')}"


class PostgresStateStore:
    """:class:`StateStore` over a shared PostgreSQL database and this office's SQLite store."""

    def __init__(
        self,
        url: str,
        office: str,
        local: SqliteStateStore,
        *,
        index_key_file: Path | None = None,
        version: str = "",
        read_only: bool = False,
    ) -> None:
        self.url, self.office, self.local = url, office, local
        self.path = _safe_url(url)  # for the daemon's start-up line
        self.host = socket.gethostname()
        self.version = version
        self._lock = threading.RLock()  # the main connection (worker, chores, Google threads)
        self._aside_lock = threading.Lock()  # the dedicated one: advisory locks and LISTEN
        self._conn: psycopg.Connection[Any] | None = None
        self._aside: psycopg.Connection[Any] | None = None
        self._retry_at = 0.0
        self._backoff = 1.0
        self._down_since: float | None = None
        self._next_poll = 0.0
        # what was last read or written, to serve and to catch up from while the link is down
        self._found: dict[str, dict[str, list[Place]]] = {}
        self._unsent_index: dict[str, set[tuple[int, str]]] = {}
        self._unsent_passes: list[tuple[str, str, int, dt.datetime]] = []
        self._daemon: DaemonInfo | None = None
        self._local_rechecks: set[str] = set()
        self._written: dict[str, tuple[int, set[tuple[int, str]]]] = {}
        self._key = b""
        self._key_file, self._read_only = index_key_file, read_only
        if not read_only:
            self._resend_after_restart()
        try:
            self._conn, self._aside = self._open_connections()
            self._down_since = None
        except _DOWN as exc:
            if read_only or index_key_file is None:
                raise ConfigError(
                    f"cannot reach the shared state database ({type(exc).__name__})",
                    path=self.path,
                ) from exc
            # Start all the same and serve this office's workbooks; the key must be here
            # already (a new one would not match the other offices').
            self._key = load_or_create_key(index_key_file, create=False)
            self._went_down(exc)

    def _resend_after_restart(self) -> None:
        """Workbooks whose index entries an earlier run could not send get a pass (which
        sends them): their content may not have changed since."""
        for path in self.local.unsent():
            state = self.local.get_file(path)
            if state is not None and state.status == "ok":
                state.status = "pending"
                self.local.put_file(state)

    # ------------------------------------------------------------------ connection

    def _open_connections(self) -> tuple[psycopg.Connection[Any], psycopg.Connection[Any]]:
        """Both connections, the schema migrated and this office's key checked. Holds no
        lock: a connect to an unreachable host may take the connect timeout."""
        conn = psycopg.connect(self.url, connect_timeout=CONNECT_TIMEOUT)
        try:
            aside = psycopg.connect(self.url, connect_timeout=CONNECT_TIMEOUT, autocommit=True)
        except BaseException:
            conn.close()
            raise
        try:
            if not self._read_only:
                migrate(aside)
                self._key = self._office_key(conn, self._key_file)
            aside.execute(f"LISTEN {CHANNEL}")
        except BaseException:
            conn.close()
            aside.close()
            raise
        return conn, aside

    def _reconnect(self) -> None:
        """After an outage, when the backoff allows: connect again and catch up. Only the
        chores thread calls it (through :meth:`take_rechecks`), so no pass ever waits on a
        connect; meanwhile every shared call answers from what was last read."""
        with self._lock:
            if self.online or time.monotonic() < self._retry_at:
                return
        try:
            conn, aside = self._open_connections()
        except _DOWN as exc:
            with self._lock:
                self._went_down(exc)
            return
        except ConfigError as exc:  # e.g. another office's key: write nothing shared
            log.error("the shared state database refused this office: %s", exc)
            with self._lock:
                self._retry_at = time.monotonic() + MAX_BACKOFF
            return
        with self._lock:
            self._conn, self._aside = conn, aside
            self._next_poll = 0.0
            if self._down_since is not None:
                log.info(
                    "the shared state database is back after %.0f s; catching up",
                    time.monotonic() - self._down_since,
                )
            self._down_since, self._backoff = None, 1.0
            try:
                self._catch_up()
            except _DOWN as exc:
                self._went_down(exc)

    def _went_down(self, exc: BaseException) -> None:
        if self._down_since is None:
            self._down_since = time.monotonic()
            log.warning(
                "the shared state database is unreachable (%s); serving this office's "
                "workbooks from what was last read, retrying",
                type(exc).__name__,
            )
        self._close_connections()
        self._retry_at = time.monotonic() + self._backoff
        self._backoff = min(MAX_BACKOFF, self._backoff * 2)

    def _shared(self, op: Callable[[psycopg.Connection[Any]], T], fallback: Callable[[], T]) -> T:
        """``op`` in one transaction on the shared database, else ``fallback()`` at once."""
        with self._lock:
            conn = self._conn if self.online else None
            if conn is None:
                return fallback()
            try:
                with conn.transaction():
                    return op(conn)
            except _DOWN as exc:
                self._went_down(exc)
                return fallback()

    @property
    def online(self) -> bool:
        return self._conn is not None and not self._conn.closed

    def _catch_up(self) -> None:
        """After an outage: send the index, passes and heartbeat kept meanwhile (caller holds
        the lock; a failure here is an outage again)."""
        conn = self._conn
        assert conn is not None
        for path, keys in list(self._unsent_index.items()):
            with conn.transaction():
                self._local_rechecks |= self._replace(conn, path, keys)
            del self._unsent_index[path]
            self.local.mark_unsent(path, False)
            # its pass during the outage saw other offices only as last read: look again
            self._local_rechecks.add(path)
        with conn.transaction():
            for done in self._unsent_passes:
                self._record_pass(conn, *done)
        self._unsent_passes.clear()
        if self._daemon is not None:
            with conn.transaction():
                self._announce(conn, self._daemon)

    # ------------------------------------------------------------------ index key

    def _office_key(self, conn: psycopg.Connection[Any], key_file: Path | None) -> bytes:
        """This office's copy of the installation's secret; it must match the other offices'
        (the database holds its check value). The first office to start makes it."""
        if key_file is None:
            raise ConfigError("a shared state database needs [watch] index_key_file")
        with conn.transaction():
            found = conn.execute(
                "SELECT value FROM clientbase_meta WHERE key = 'index_key_check' FOR UPDATE"
            ).fetchone()
            key = load_or_create_key(key_file, create=found is None)
            if found is None:
                conn.execute(
                    "INSERT INTO clientbase_meta VALUES ('index_key_check', %s) "
                    "ON CONFLICT (key) DO NOTHING",
                    (key_check(key),),
                )
            elif found[0] != key_check(key):
                raise ConfigError(
                    "this office's index key differs from the other offices' (copy the key "
                    "file from an office already connected)",
                    path=str(key_file),
                )
        return key

    def index_key(self) -> bytes:
        if not self._key:
            raise ConfigError("a read-only state store has no index key", path=self.path)
        return self._key

    # ------------------------------------------------------------------ this office's own

    def get_file(self, path: str) -> FileState | None:
        return self.local.get_file(path)

    def put_file(self, state: FileState) -> None:
        self.local.put_file(state)

    def list_files(self) -> list[FileState]:
        return self.local.list_files()

    def start_run(self, path: str) -> int:
        return self.local.start_run(path)

    def finish_run(self, run_id: int, status: str, detail: str = "", problems: int = 0) -> None:
        self.local.finish_run(run_id, status, detail, problems)
        run = next((r for r in self.local.recent_runs(5) if r.id == run_id), None)
        if run is None:
            return
        done = (Path(run.path).name, status, problems, dt.datetime.now().astimezone())

        def keep() -> None:  # sent with its own time once the link is back
            self._unsent_passes.append(done)
            del self._unsent_passes[:-1000]

        self._shared(lambda c: self._record_pass(c, *done), keep)

    def _record_pass(
        self, conn: psycopg.Connection[Any], file: str, status: str, n: int, at: dt.datetime
    ) -> None:
        conn.execute(
            "INSERT INTO passes (office, file, status, problems, finished_at)"
            " VALUES (%s, %s, %s, %s, %s)",
            (self.office, file, status, n, at),
        )
        conn.execute(
            "UPDATE offices SET last_pass_at = %s, last_pass_file = %s, last_pass_status = %s,"
            " last_pass_problems = %s WHERE office = %s",
            (at.isoformat(timespec="seconds"), file, status, n, self.office),
        )

    def recent_runs(self, limit: int = 20) -> list[RunRecord]:
        return self.local.recent_runs(limit)

    def close_interrupted_runs(self) -> int:
        return self.local.close_interrupted_runs()

    def add_audit(self, entries: Sequence[AuditEntry]) -> None:
        self.local.add_audit(entries)  # personal data: stays in the office

    def audit_log(self, path: str | None = None, limit: int = 100) -> list[AuditEntry]:
        return self.local.audit_log(path, limit)

    # ------------------------------------------------------------------ offices

    def set_daemon(self, info: DaemonInfo | None) -> None:
        self.local.set_daemon(info)
        self._daemon = info
        if info is None:
            self._shared(
                lambda c: c.execute(
                    "UPDATE offices SET pid = NULL, heartbeat_at = now() WHERE office = %s",
                    (self.office,),
                ),
                lambda: None,
            )
        else:
            self._shared(lambda c: self._announce(c, info), lambda: None)

    def _announce(self, conn: psycopg.Connection[Any], info: DaemonInfo) -> None:
        conn.execute(
            "INSERT INTO offices (office, host, pid, version, started_at, heartbeat_at, folders)"
            " VALUES (%s, %s, %s, %s, %s, now(), %s) ON CONFLICT (office) DO UPDATE SET"
            " host = excluded.host, pid = excluded.pid, version = excluded.version,"
            " started_at = excluded.started_at, heartbeat_at = now(),"
            " folders = excluded.folders",
            (
                self.office,
                self.host,
                info.pid,
                self.version,
                info.started_at,
                "\n".join(info.folders),
            ),
        )

    def daemon(self) -> DaemonInfo | None:
        return self.local.daemon()

    def offices(self) -> list[OfficeInfo]:
        def read(conn: psycopg.Connection[Any]) -> list[OfficeInfo]:
            rows = conn.execute(
                "SELECT office, host, pid, version, started_at, heartbeat_at, last_pass_at,"
                " last_pass_file, last_pass_status, last_pass_problems,"
                " extract(epoch FROM now() - heartbeat_at) FROM offices ORDER BY office"
            ).fetchall()
            return [
                OfficeInfo(
                    r[0],
                    r[1],
                    r[2],
                    r[3],
                    r[4],
                    r[5].isoformat(timespec="seconds") if r[5] else None,
                    r[6],
                    r[7],
                    r[8],
                    r[9],
                    float(r[10]) if r[10] is not None else None,
                )
                for r in rows
            ]

        return self._shared(read, list)

    # ------------------------------------------------------------------ retention

    def prune(self, history_days: int, audit_days: int) -> int:
        """This office's history and audit log, and (by one daemon at a time) the shared
        pass history."""
        n = self.local.prune(history_days, audit_days)
        with self._aside_lock, self._lock:
            aside = self._aside if self.online else None
            if aside is None:
                return n
            try:
                got = aside.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_PRUNE,)).fetchone()
                if not got or not got[0]:
                    return n  # another office's daemon is pruning right now
                try:
                    cur = aside.execute(
                        "DELETE FROM passes WHERE finished_at < now() - make_interval(days => %s)",
                        (history_days,),
                    )
                    n += cur.rowcount
                finally:
                    aside.execute("SELECT pg_advisory_unlock(%s)", (LOCK_PRUNE,))
            except _DOWN as exc:
                self._went_down(exc)
        return n

    # ------------------------------------------------------------------ cross-office index

    def contacts_elsewhere(self, path: str, digests: Sequence[str]) -> dict[str, list[Place]]:
        def read(conn: psycopg.Connection[Any]) -> dict[str, list[Place]]:
            out: dict[str, list[Place]] = {}
            for digest, office, other, row in conn.execute(
                "SELECT digest, office, path, row FROM contacts WHERE digest = ANY(%s)"
                " AND NOT (office = %s AND path = %s) ORDER BY office, path, row",
                (list(digests), self.office, path),
            ):
                out.setdefault(digest, []).append(
                    (other, row, None if office == self.office else office)
                )
            self._found[path] = out
            return out

        def last_read() -> dict[str, list[Place]]:
            known = self._found.get(path, {})
            return {d: known[d] for d in digests if d in known}

        return self._shared(read, last_read)

    def others_indexed(self, path: str) -> bool:
        def read(conn: psycopg.Connection[Any]) -> bool:
            probes = (
                ("office < %s", (self.office,)),
                ("office > %s", (self.office,)),
                ("office = %s AND path < %s", (self.office, path)),
                ("office = %s AND path > %s", (self.office, path)),
            )
            return any(
                conn.execute(f"SELECT 1 FROM contacts WHERE {where} LIMIT 1", args).fetchone()
                for where, args in probes
            )

        return self._shared(read, lambda: bool(self._found.get(path)))

    def replace_contacts(self, path: str, keys: Sequence[tuple[int, str]]) -> set[str]:
        new = set(keys)

        def keep() -> set[str]:
            self._unsent_index[path] = new
            self.local.mark_unsent(path)
            return set()

        def send(conn: psycopg.Connection[Any]) -> set[str]:
            others = self._replace(conn, path, new)
            self._unsent_index.pop(path, None)
            self.local.mark_unsent(path, False)  # (also one an earlier run left)
            return others

        return self._shared(send, keep)

    def change_contacts(
        self, path: str, since: str, added: Entries, removed: Entries
    ) -> set[str] | None:
        def change(conn: psycopg.Connection[Any]) -> set[str] | None:
            generation = self._generation(conn, path, lock=True)
            written = self._written.get(path)
            if str(generation) != since or written is None or written[0] != generation:
                return None
            entries = written[1]
            gone = (removed - added) & entries
            new = added - entries
            if not gone and not new:
                return set()
            others = self._write(conn, path, generation, new, gone)
            self._written[path] = (generation + 1, (entries - gone) | new)
            return others

        # while the link is down: None makes the caller replace, which is kept for later
        return self._shared(change, lambda: None)

    def contacts_generation(self, path: str) -> str:
        return self._shared(lambda c: str(self._generation(c, path)), lambda: "unsent")

    def _generation(self, conn: psycopg.Connection[Any], path: str, *, lock: bool = False) -> int:
        row = conn.execute(
            "SELECT generation FROM generations WHERE office = %s AND path = %s"
            + (" FOR UPDATE" if lock else ""),
            (self.office, path),
        ).fetchone()
        return int(row[0]) if row else 0

    def _replace(
        self, conn: psycopg.Connection[Any], path: str, new: set[tuple[int, str]]
    ) -> set[str]:
        generation = self._generation(conn, path, lock=True)
        written = self._written.get(path)
        if written is not None and written[0] == generation:
            old = written[1]
        else:
            old = {
                (int(r), str(d))
                for r, d in conn.execute(
                    "SELECT row, digest FROM contacts WHERE office = %s AND path = %s",
                    (self.office, path),
                )
            }
        added, removed = new - old, old - new
        if not added and not removed:
            self._written[path] = (generation, old)
            return set()
        others = self._write(conn, path, generation, added, removed)
        self._written[path] = (generation + 1, new)
        return others

    def _write(
        self,
        conn: psycopg.Connection[Any],
        path: str,
        generation: int,
        added: Entries,
        removed: Entries,
    ) -> set[str]:
        """Write a change (in the caller's transaction); return this office's other workbooks
        sharing a changed key, and tell the other offices which of theirs."""
        conn.execute(
            "INSERT INTO generations VALUES (%s, %s, %s) ON CONFLICT (office, path)"
            " DO UPDATE SET generation = excluded.generation",
            (self.office, path, generation + 1),
        )
        with conn.cursor() as cur:
            if removed:
                cur.executemany(
                    "DELETE FROM contacts WHERE office = %s AND path = %s AND row = %s"
                    " AND digest = %s",
                    [(self.office, path, r, d) for r, d in removed],
                )
            if added:
                with cur.copy("COPY contacts (office, path, row, digest) FROM STDIN") as copy:
                    for r, d in added:
                        copy.write_row((self.office, path, r, d))
        changed = sorted({d for _, d in added | removed})
        touched = conn.execute(
            "SELECT DISTINCT office, path FROM contacts WHERE digest = ANY(%s)"
            " AND NOT (office = %s AND path = %s)",
            (changed, self.office, path),
        ).fetchall()
        mine = {p for o, p in touched if o == self.office}
        theirs = [(o, p) for o, p in touched if o != self.office]
        if theirs:
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO rechecks VALUES (%s, %s) ON CONFLICT DO NOTHING", theirs
                )
            for office in sorted({o for o, _ in theirs}):
                conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, office))
        return mine

    def take_rechecks(self) -> list[str]:
        """This office's workbooks whose notes another office's change made out of date (and,
        after an outage, this office's own ones that the catch-up found)."""
        self._reconnect()
        told = False
        with self._aside_lock:
            with self._lock:
                aside = self._aside if self.online else None
            if aside is not None:
                try:  # waited for outside the main lock: the worker's passes go on meanwhile
                    told = any(n.payload == self.office for n in aside.notifies(timeout=0.05))
                except _DOWN as exc:
                    with self._lock:
                        self._went_down(exc)
                    aside = None
        if aside is not None and (told or time.monotonic() >= self._next_poll):
            self._next_poll = time.monotonic() + POLL_FALLBACK
            rows = self._shared(
                lambda c: c.execute(
                    "DELETE FROM rechecks WHERE office = %s RETURNING path", (self.office,)
                ).fetchall(),
                list,
            )
            with self._lock:
                self._local_rechecks |= {str(r[0]) for r in rows}
        with self._lock:
            found, self._local_rechecks = sorted(self._local_rechecks), set()
        return found

    def _close_connections(self) -> None:
        for conn in (self._conn, self._aside):
            if conn is not None:
                with contextlib.suppress(Exception):
                    conn.close()
        self._conn = self._aside = None

    def close(self) -> None:
        with self._lock:
            self._close_connections()
        self.local.close()
