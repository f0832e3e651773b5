"""The daemon's memory: per-file versions, run history, the audit log, the cross-workbook
index and the daemon's heartbeat.

Behind one small Protocol (:class:`StateStore`, in :mod:`sync.state.model`) because several
daemons in several offices may share one PostgreSQL database (:mod:`sync.state.postgres`);
SQLite next to the config (:mod:`sync.state.sqlite`) is the default backend.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from sync.errors import ConfigError
from sync.state.model import (
    DaemonInfo,
    Entries,
    FileState,
    FileStatus,
    OfficeInfo,
    Place,
    RunRecord,
    StateStore,
)
from sync.state.sqlite import SCHEMA_VERSION, SqliteStateStore, drop_index, key_path_for

__all__ = [
    "SCHEMA_VERSION",
    "STATE_FILE_NAME",
    "DaemonInfo",
    "Entries",
    "FileState",
    "FileStatus",
    "OfficeInfo",
    "Place",
    "RunRecord",
    "SqliteStateStore",
    "StateStore",
    "default_state_path",
    "drop_index",
    "is_postgres_url",
    "key_path_for",
    "open_state",
]

STATE_FILE_NAME = "clientbase-state.sqlite"


def is_postgres_url(text: str) -> bool:
    return text.startswith(("postgresql://", "postgres://"))


def open_state(
    state: str,
    local_path: Path,
    *,
    office: str,
    index_key_file: str | os.PathLike[str] | None = None,
    version: str = "",
    read_only: bool = False,
) -> StateStore:
    """The store ``[watch] state`` names: a ``postgresql://`` URL (shared by the offices, with
    this office's own SQLite store at ``local_path``), else the SQLite file ``state``."""
    if not is_postgres_url(state):
        return SqliteStateStore(state, read_only=read_only, index_key_file=index_key_file)
    try:
        from sync.state.postgres import PostgresStateStore
    except ImportError as exc:  # pragma: no cover - the optional extra is not installed
        raise ConfigError("PostgreSQL state needs `pip install clientbase[postgres]`") from exc
    local = SqliteStateStore(local_path, read_only=read_only, keyed=False)
    try:
        return PostgresStateStore(
            state,
            office,
            local,
            index_key_file=Path(index_key_file) if index_key_file else None,
            version=version,
            read_only=read_only,
        )
    except BaseException:
        local.close()
        raise


def default_state_path(config_path: str | None, folders: Sequence[str | os.PathLike[str]]) -> Path:
    """``clientbase-state.sqlite`` next to the config, else in the first watched folder."""
    if config_path:
        return Path(config_path).resolve().parent / STATE_FILE_NAME
    if folders:
        return Path(folders[0]).resolve() / STATE_FILE_NAME
    return Path.cwd() / STATE_FILE_NAME
