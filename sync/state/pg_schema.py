"""The shared PostgreSQL database's schema, versioned, and its migration under an advisory lock."""

from __future__ import annotations

from typing import Any

import psycopg

from sync.errors import ConfigError

LOCK_MIGRATE = 0x636C_6201  # advisory lock key: "clb" + 1

# Each entry brings the schema from the previous version to its own (index + 1).
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE offices (
        office TEXT PRIMARY KEY,
        host TEXT NOT NULL,
        pid INTEGER,
        version TEXT NOT NULL,
        started_at TEXT,
        heartbeat_at TIMESTAMPTZ,
        folders TEXT NOT NULL DEFAULT '',
        last_pass_at TEXT,
        last_pass_file TEXT,
        last_pass_status TEXT,
        last_pass_problems INTEGER
    );
    CREATE TABLE contacts (
        office TEXT NOT NULL,
        path TEXT NOT NULL,
        row INTEGER NOT NULL,
        digest TEXT NOT NULL
    );
    CREATE INDEX contacts_digest ON contacts (digest);
    CREATE INDEX contacts_place ON contacts (office, path);
    CREATE TABLE generations (
        office TEXT NOT NULL,
        path TEXT NOT NULL,
        generation BIGINT NOT NULL,
        PRIMARY KEY (office, path)
    );
    CREATE TABLE rechecks (office TEXT NOT NULL, path TEXT NOT NULL, PRIMARY KEY (office, path));
    CREATE TABLE passes (
        id BIGSERIAL PRIMARY KEY,
        office TEXT NOT NULL,
        file TEXT NOT NULL,
        finished_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        status TEXT NOT NULL,
        problems INTEGER NOT NULL
    );
    CREATE INDEX passes_finished ON passes (finished_at);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: psycopg.Connection[Any]) -> int:
    """Create or bring the schema up to date under the migration lock; the version found."""
    conn.execute("SELECT pg_advisory_lock(%s)", (LOCK_MIGRATE,))
    try:
        with conn.transaction():
            # nothing created when the schema is current: the daemons' everyday role needs
            # no CREATE privilege (deploy/chain.md)
            made = conn.execute("SELECT to_regclass('clientbase_meta')").fetchone()
            if not made or made[0] is None:
                conn.execute("CREATE TABLE clientbase_meta (key TEXT PRIMARY KEY, value TEXT)")
            row = conn.execute("SELECT value FROM clientbase_meta WHERE key = 'schema'").fetchone()
            found = int(row[0]) if row else 0
            if found > SCHEMA_VERSION:
                raise ConfigError(
                    f"the shared database has schema {found}, newer than this clientbase "
                    f"({SCHEMA_VERSION}): update clientbase in this office"
                )
            if found < SCHEMA_VERSION:
                for sql in MIGRATIONS[found:]:
                    conn.execute(sql)
                conn.execute(
                    "INSERT INTO clientbase_meta VALUES ('schema', %s) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (str(SCHEMA_VERSION),),
                )
        return found
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_MIGRATE,))
