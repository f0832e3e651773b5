"""The state in one SQLite file: the default store, and each office's own beside PostgreSQL.

The database holds personal data (the audit log keeps old and new values), so the file is
created readable by its owner only. WAL mode lets ``clientbase status`` read while the daemon
writes, and keeps the database intact when the daemon is killed mid-transaction.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import stat
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from sync.core.model import AuditEntry, now_text
from sync.errors import ConfigError
from sync.state.key import key_check, load_or_create_key
from sync.state.model import DaemonInfo, Entries, FileState, OfficeInfo, Place, RunRecord

KEY_SUFFIX = ".index-key"  # the index key file: the database's name and this
# 2: the contact index's digests are keyed (HMAC); version 1's plain SHA-256 rows are dropped
SCHEMA_VERSION = 2


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    seen_version TEXT,
    written_version TEXT,
    last_pass_at TEXT,
    last_error TEXT,
    error_version TEXT,
    locked_since TEXT,
    lock_name TEXT,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    path TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    problems INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS runs_started ON runs (started_at);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    path TEXT NOT NULL,
    sheet TEXT NOT NULL,
    row INTEGER NOT NULL,
    row_id TEXT,
    column_name TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT
);
CREATE INDEX IF NOT EXISTS audit_path ON audit (path, at);
CREATE TABLE IF NOT EXISTS contacts (
    path TEXT NOT NULL,
    row INTEGER NOT NULL,
    digest TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS contacts_digest ON contacts (digest);
CREATE INDEX IF NOT EXISTS contacts_path ON contacts (path);
CREATE TABLE IF NOT EXISTS daemon (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    pid INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    heartbeat_at TEXT NOT NULL,
    folders TEXT NOT NULL,
    observer TEXT NOT NULL
);
"""

_FILE_COLUMNS = (
    "path",
    "status",
    "seen_version",
    "written_version",
    "last_pass_at",
    "last_error",
    "error_version",
    "locked_since",
    "lock_name",
    "updated_at",
)


def _create_private(path: Path) -> None:
    """Create the database file with owner-only permissions before SQLite opens it.

    SQLite gives its -wal and -shm files the permissions of the database file, so they are
    private too. An existing file with looser permissions is tightened.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        if os.name == "posix" and stat.S_IMODE(path.stat().st_mode) & 0o077:
            path.chmod(0o600)
        return
    os.close(fd)


class SqliteStateStore:
    """:class:`StateStore` in one SQLite file. Safe to share between threads of one process."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        read_only: bool = False,
        index_key_file: str | os.PathLike[str] | None = None,
        keyed: bool = True,
    ) -> None:
        """``keyed``: this store holds the contact index (and so its key); False for an
        office's own store beside a shared PostgreSQL database, which holds the index."""
        self.path = Path(path)
        self.key_path = Path(index_key_file) if index_key_file else key_path_for(self.path)
        self._key = b""
        self._lock = threading.Lock()
        # each workbook's entries as this process last wrote them, and the generation they
        # were written in (see replace_contacts)
        self._contacts_written: dict[str, tuple[str, set[tuple[int, str]]]] = {}
        try:
            if read_only:
                uri = f"{self.path.resolve().as_uri()}?mode=ro"
                self._db = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=10)
                if not self._db.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'files'"
                ).fetchone():
                    self._db.close()
                    raise ConfigError("the state database is not set up yet", path=str(path))
            else:
                _create_private(self.path)
                self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
                self._db.executescript(_SCHEMA)
                if keyed:
                    self._key = load_or_create_key(self.key_path)
                with self._db:
                    self._migrate(self._db)
        except (sqlite3.Error, OSError) as exc:
            raise ConfigError(
                f"cannot open the state database ({type(exc).__name__}: {exc})",
                path=str(self.path),
            ) from exc

    def _migrate(self, db: sqlite3.Connection) -> None:
        """Bring an older database to :data:`SCHEMA_VERSION`, in the caller's transaction.

        Version 1's index holds unkeyed SHA-256 digests, which cannot be re-keyed without the
        phones they came from: its rows are dropped, and every workbook gets a pass at start-up
        that indexes it anew (a new or replaced key file is handled the same way).
        """
        found = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        check = db.execute("SELECT value FROM meta WHERE key = 'index_key_check'").fetchone()
        mine = key_check(self._key) if self._key else None
        old_digests = found is not None and int(found[0]) < 2
        if old_digests or (check is not None and mine is not None and check[0] != mine):
            drop_index(db)
        db.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', ?)", (str(SCHEMA_VERSION),)
        )
        if mine is not None:
            db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('index_key_check', ?)", (mine,)
            )

    def index_key(self) -> bytes:
        """The secret the contact index's digests are made with (see :mod:`sync.state.key`)."""
        if not self._key:
            raise ConfigError("this state store holds no index key", path=str(self.path))
        return self._key

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock, self._db:
            yield self._db

    # ------------------------------------------------------------------ files

    def get_file(self, path: str) -> FileState | None:
        with self._tx() as db:
            row = db.execute(
                f"SELECT {', '.join(_FILE_COLUMNS)} FROM files WHERE path = ?", (path,)
            ).fetchone()
        return FileState(*row) if row else None

    def put_file(self, state: FileState) -> None:
        state.updated_at = now_text()
        values = tuple(getattr(state, c) for c in _FILE_COLUMNS)
        marks = ", ".join("?" for _ in _FILE_COLUMNS)
        with self._tx() as db:
            db.execute(
                f"INSERT OR REPLACE INTO files ({', '.join(_FILE_COLUMNS)}) VALUES ({marks})",
                values,
            )

    def list_files(self) -> list[FileState]:
        with self._tx() as db:
            rows = db.execute(
                f"SELECT {', '.join(_FILE_COLUMNS)} FROM files ORDER BY path"
            ).fetchall()
        return [FileState(*r) for r in rows]

    # ------------------------------------------------------------------ runs

    def start_run(self, path: str) -> int:
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO runs (path, started_at, status) VALUES (?, ?, 'running')",
                (path, now_text()),
            )
            return int(cur.lastrowid or 0)

    def finish_run(self, run_id: int, status: str, detail: str = "", problems: int = 0) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE runs SET finished_at = ?, status = ?, detail = ?, problems = ? "
                "WHERE id = ?",
                (now_text(), status, detail, problems, run_id),
            )

    def close_interrupted_runs(self) -> int:
        """Mark runs a killed daemon left ``running`` as ``interrupted``; return how many."""
        with self._tx() as db:
            return db.execute(
                "UPDATE runs SET status = 'interrupted', finished_at = ? WHERE status = 'running'",
                (now_text(),),
            ).rowcount

    def recent_runs(self, limit: int = 20) -> list[RunRecord]:
        with self._tx() as db:
            rows = db.execute(
                "SELECT id, path, started_at, finished_at, status, detail, problems FROM runs "
                "ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [RunRecord(*r) for r in rows]

    # ------------------------------------------------------------------ audit

    def add_audit(self, entries: Sequence[AuditEntry]) -> None:
        if not entries:
            return
        with self._tx() as db:
            db.executemany(
                "INSERT INTO audit (at, path, sheet, row, row_id, column_name, old_value, "
                "new_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(e.at, e.path, e.sheet, e.row, e.row_id, e.column, e.old, e.new) for e in entries],
            )

    def audit_log(self, path: str | None = None, limit: int = 100) -> list[AuditEntry]:
        query = "SELECT path, sheet, row, row_id, column_name, old_value, new_value, at FROM audit"
        args: tuple[object, ...] = ()
        if path is not None:
            query += " WHERE path = ?"
            args = (path,)
        with self._tx() as db:
            rows = db.execute(query + " ORDER BY id DESC LIMIT ?", (*args, limit)).fetchall()
        return [AuditEntry(*r) for r in rows]

    # ------------------------------------------------------------------ daemon

    def set_daemon(self, info: DaemonInfo | None) -> None:
        with self._tx() as db:
            if info is None:
                db.execute("DELETE FROM daemon")
                return
            db.execute(
                "INSERT OR REPLACE INTO daemon (one, pid, started_at, heartbeat_at, folders, "
                "observer) VALUES (1, ?, ?, ?, ?, ?)",
                (
                    info.pid,
                    info.started_at,
                    info.heartbeat_at,
                    "\n".join(info.folders),
                    info.observer,
                ),
            )

    def daemon(self) -> DaemonInfo | None:
        with self._tx() as db:
            row = db.execute(
                "SELECT pid, started_at, heartbeat_at, folders, observer FROM daemon"
            ).fetchone()
        if row is None:
            return None
        pid, started, beat, folders, observer = row
        return DaemonInfo(pid, started, beat, tuple(folders.split("\n")), observer)

    # ------------------------------------------------------------------ retention

    def prune(self, history_days: int, audit_days: int) -> int:
        """Forget runs and audit entries older than the configured retention; return how many."""
        now = dt.datetime.now().astimezone()
        runs_before = (now - dt.timedelta(days=history_days)).isoformat(timespec="seconds")
        audit_before = (now - dt.timedelta(days=audit_days)).isoformat(timespec="seconds")
        with self._tx() as db:
            n = db.execute(
                "DELETE FROM runs WHERE started_at < ? AND status != 'running'", (runs_before,)
            ).rowcount
            n += db.execute("DELETE FROM audit WHERE at < ?", (audit_before,)).rowcount
        return n

    # ------------------------------------------------------------------ cross-workbook index

    def contacts_elsewhere(self, path: str, digests: Sequence[str]) -> dict[str, list[Place]]:
        """For each hashed contact key, the (workbook, row, office) places of *other*
        workbooks that hold it (office None: all are this office's here)."""
        out: dict[str, list[Place]] = {}
        with self._tx() as db:
            # one workbook served (the usual case): nothing to look up, and no 300 000 keys
            # to send to a temp table on every pass
            if not self._others_indexed(db, path):
                return out
            db.execute("CREATE TEMP TABLE IF NOT EXISTS wanted (digest TEXT PRIMARY KEY)")
            db.execute("DELETE FROM wanted")
            db.executemany("INSERT OR IGNORE INTO wanted VALUES (?)", ((d,) for d in digests))
            rows = db.execute(
                "SELECT c.digest, c.path, c.row FROM contacts c JOIN wanted w USING (digest)"
                " WHERE c.path != ? ORDER BY c.path, c.row",
                (path,),
            ).fetchall()
            db.execute("DELETE FROM wanted")
        for digest, other, row in rows:
            out.setdefault(digest, []).append((other, row, None))
        return out

    def others_indexed(self, path: str) -> bool:
        """Whether the contact index holds any workbook but ``path`` (else a lookup of
        ``path``'s contacts elsewhere finds nothing, and its keys need not be made)."""
        with self._tx() as db:
            return self._others_indexed(db, path)

    @staticmethod
    def _others_indexed(db: sqlite3.Connection, path: str) -> bool:
        return any(
            db.execute(f"SELECT 1 FROM contacts WHERE path {op} ? LIMIT 1", (path,)).fetchone()
            for op in ("<", ">")  # two index probes
        )

    def replace_contacts(self, path: str, keys: Sequence[tuple[int, str]]) -> set[str]:
        """Make ``path``'s entries exactly ``keys`` ((row, digest) pairs); return the other
        workbooks sharing a key that was added or removed (their notes are now out of date)."""
        new = set(keys)
        gen_key = f"contacts:{path}"
        with self._tx() as db:
            # Every write of a workbook's entries bumps its generation; when it is still the
            # one this process wrote, the entries are what it wrote (reading 300 000 of them
            # back took half a second of every daemon pass), else they are read.
            generation = self._generation(db, gen_key)
            remembered = self._contacts_written.get(path)
            if remembered is not None and remembered[0] == generation:
                old = remembered[1]
            else:
                old = set(db.execute("SELECT row, digest FROM contacts WHERE path = ?", (path,)))
            added, removed = new - old, old - new
            if not added and not removed:
                self._contacts_written[path] = (generation, old)
                return set()
            generation, others = self._write_contacts(db, path, generation, added, removed)
        self._contacts_written[path] = (generation, new)  # committed
        return others

    def change_contacts(
        self, path: str, since: str, added: Entries, removed: Entries
    ) -> set[str] | None:
        """:meth:`replace_contacts` given how the entries change: ``added`` and ``removed``
        from the entries this process wrote in generation ``since`` (the daemon's next pass
        over a workbook knows which rows changed; 300 000 entries need no set of their own).
        None, changing nothing, when the entries are not those: the caller replaces them."""
        gen_key = f"contacts:{path}"
        with self._tx() as db:
            generation = self._generation(db, gen_key)
            remembered = self._contacts_written.get(path)
            if generation != since or remembered is None or remembered[0] != generation:
                return None
            entries = remembered[1]
            removed = (removed - added) & entries
            added = added - entries
            if not added and not removed:
                return set()
            generation, others = self._write_contacts(db, path, generation, added, removed)
        entries -= removed  # committed
        entries |= added
        self._contacts_written[path] = (generation, entries)
        return others

    def contacts_generation(self, path: str) -> str:
        """The generation of ``path``'s entries (bumped by every change of them)."""
        with self._tx() as db:
            return self._generation(db, f"contacts:{path}")

    @staticmethod
    def _generation(db: sqlite3.Connection, gen_key: str) -> str:
        found = db.execute("SELECT value FROM meta WHERE key = ?", (gen_key,)).fetchone()
        return str(found[0]) if found else "0"

    @staticmethod
    def _write_contacts(
        db: sqlite3.Connection, path: str, generation: str, added: Entries, removed: Entries
    ) -> tuple[str, set[str]]:
        """Write the change (in the caller's transaction); the new generation, and the other
        workbooks sharing a key that was added or removed."""
        generation = str(int(generation) + 1)
        db.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
            (f"contacts:{path}", generation),
        )
        db.executemany(
            "DELETE FROM contacts WHERE path = ? AND row = ? AND digest = ?",
            ((path, r, d) for r, d in removed),
        )
        db.executemany(
            "INSERT INTO contacts (path, row, digest) VALUES (?, ?, ?)",
            ((path, r, d) for r, d in added),
        )
        changed = {d for _, d in added | removed}
        db.execute("CREATE TEMP TABLE IF NOT EXISTS touched (digest TEXT PRIMARY KEY)")
        db.execute("DELETE FROM touched")
        db.executemany("INSERT OR IGNORE INTO touched VALUES (?)", ((d,) for d in changed))
        others = {
            p
            for (p,) in db.execute(
                "SELECT DISTINCT c.path FROM contacts c JOIN touched t USING (digest)"
                " WHERE c.path != ?",
                (path,),
            )
        }
        db.execute("DELETE FROM touched")
        return generation, others

    def mark_unsent(self, path: str, unsent: bool = True) -> None:
        """Remember (across a restart) that ``path``'s index entries still have to go to a
        shared database that could not be reached."""
        with self._tx() as db:
            if unsent:
                db.execute("INSERT OR REPLACE INTO meta VALUES (?, '1')", (f"unsent:{path}",))
            else:
                db.execute("DELETE FROM meta WHERE key = ?", (f"unsent:{path}",))

    def unsent(self) -> list[str]:
        with self._tx() as db:
            rows = db.execute("SELECT key FROM meta WHERE key LIKE 'unsent:%' ORDER BY key")
            return [str(k).removeprefix("unsent:") for (k,) in rows]

    def take_rechecks(self) -> list[str]:
        """Workbooks whose notes changed in another process (none: one daemon per database,
        which learns of its own workbooks' changes from the index writes)."""
        return []

    def offices(self) -> list[OfficeInfo]:
        """Every office's daemon (none here: one office, shown by :meth:`daemon`)."""
        return []

    def close(self) -> None:
        with self._lock:
            self._db.close()


def key_path_for(db_path: Path) -> Path:
    """The index key file kept with a SQLite state database."""
    return db_path.with_name(db_path.name + KEY_SUFFIX)


def drop_index(db: sqlite3.Connection) -> None:
    """Forget the whole contact index, and have every workbook passed (so re-indexed) anew."""
    db.execute("DELETE FROM contacts")
    db.execute("DELETE FROM meta WHERE key LIKE 'contacts:%'")
    db.execute("UPDATE files SET status = 'pending' WHERE status = 'ok'")
