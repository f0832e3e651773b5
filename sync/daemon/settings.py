"""Settings of ``clientbase watch``: the ``[watch]`` table of ``clientbase.toml``.

Kept apart from :mod:`sync.daemon.runner` so that the config loader can validate the table without
importing the daemon (and through it the whole engine).

    [watch]
    quiet_period = 2.0          # seconds a saved file must stay unchanged before it is read
    poll = "auto"               # auto | always | never: scan folders instead of change events
    poll_interval = 5.0         # seconds between scans when polling
    reconcile_interval = 300.0  # seconds between full re-checks of every file
    stale_lock_hours = 12.0     # report a lock file older than this as probably stale
    lock_retry_interval = 5.0   # seconds between looks at a workbook a person has open
    state_path = "clientbase-state.sqlite"  # relative to the config file's folder
    state = "postgresql://clientbase@db.example/clientbase"  # shared by several offices;
                                # a plain path is a SQLite file (as state_path)
    office = "Казань"           # the name other offices see (default: the host name)
    index_key_file = "clientbase-index.key"  # the secret keying the index (PostgreSQL:
                                # the same file in every office; default next to the state)
    history_days = 90           # run history retention
    audit_days = 365            # audit log (old and new values) retention
    heartbeat_interval = 10.0   # seconds between the daemon's "alive" marks for `status`
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sync.errors import ConfigError

PollMode = Literal["auto", "always", "never"]


@dataclass(frozen=True, slots=True)
class WatchConfig:
    """The ``[watch]`` table of ``clientbase.toml`` (all keys optional)."""

    quiet_period: float = 2.0  # seconds without changes before a saved file is read
    poll: PollMode = "auto"  # auto: poll only folders on network shares (SMB/NFS)
    poll_interval: float = 5.0  # seconds between directory scans when polling
    reconcile_interval: float = 300.0  # full re-check of every file, in case an event was lost
    stale_lock_hours: float = 12.0  # a lock file older than this is reported as probably stale
    lock_retry_interval: float = 5.0  # how often to look whether a person closed the file
    state_path: str | None = None  # None: clientbase-state.sqlite next to the config
    state: str | None = None  # postgresql://… (shared) or a SQLite path (as state_path)
    office: str | None = None  # None: the host name
    index_key_file: str | None = None  # None: next to the SQLite state (required with a URL)
    history_days: int = 90  # run history kept this long
    audit_days: int = 365  # audit log (old and new values) kept this long
    heartbeat_interval: float = 10.0


def _positive(key: str, value: Any, path: str | None, integer: bool = False) -> float:
    ok_type = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, ok_type) or value <= 0:
        kind = "a positive whole number" if integer else "a positive number of seconds"
        raise ConfigError(f"expected {kind}, got {value!r}", path=path, key=f"watch.{key}")
    return float(value)


def watch_config_from_mapping(data: Mapping[str, Any], path: str | None = None) -> WatchConfig:
    """Validate a ``[watch]`` table; unknown keys and wrong values raise :class:`ConfigError`."""
    known = {f.name for f in dataclasses.fields(WatchConfig)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise ConfigError(
                f"unknown key; known keys: {', '.join(sorted(known))}",
                path=path,
                key=f"watch.{key}",
            )
        if key == "poll":
            if value not in ("auto", "always", "never"):
                raise ConfigError(
                    f"expected auto, always or never, got {value!r}", path=path, key="watch.poll"
                )
            values[key] = value
        elif key in ("state_path", "state", "index_key_file", "office"):
            if not isinstance(value, str) or not value.strip():
                what = "a name" if key == "office" else "a file path or URL"
                raise ConfigError(f"expected {what}", path=path, key=f"watch.{key}")
            values[key] = value.strip()
        elif key in ("history_days", "audit_days"):
            values[key] = int(_positive(key, value, path, integer=True))
        else:
            values[key] = _positive(key, value, path)
    return WatchConfig(**values)


def load_watch_config(config_path: str | None) -> WatchConfig:
    """The ``[watch]`` table of the config file (defaults when there is no file or table).

    A relative ``state_path``, ``state`` (a file) or ``index_key_file`` is taken relative to
    the config file's folder.
    """
    if not config_path:
        return WatchConfig()
    try:
        data = tomllib.loads(Path(config_path).read_text("utf-8-sig"))
    except FileNotFoundError as exc:
        raise ConfigError("config file not found", path=config_path) from exc
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read the config ({exc})", path=config_path) from exc
    table = data.get("watch", {})
    if not isinstance(table, dict):
        raise ConfigError("expected a table [watch]", path=config_path, key="watch")
    watch = watch_config_from_mapping(table, config_path)
    here = Path(config_path).resolve().parent

    def resolved(value: str | None) -> str | None:
        if value and "://" not in value and not Path(value).is_absolute():
            return str(here / value)
        return value

    return dataclasses.replace(
        watch,
        state_path=resolved(watch.state_path),
        state=resolved(watch.state),
        index_key_file=resolved(watch.index_key_file),
    )
