"""What the state stores hold and the Protocol every store implements (:class:`StateStore`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from sync.core.model import AuditEntry, now_text

FileStatus = Literal["pending", "ok", "locked", "error", "deleted"]


@dataclass(slots=True)
class FileState:
    """What the daemon knows about one workbook (``path`` is absolute)."""

    path: str
    status: FileStatus = "pending"
    seen_version: str | None = None  # version after the last complete pass ("size:mtime:sha")
    written_version: str | None = None  # version the daemon itself last wrote
    last_pass_at: str | None = None
    last_error: str | None = None  # message naming the file/sheet, never personal data
    error_version: str | None = None  # the version that failed: not retried until it changes
    locked_since: str | None = None
    lock_name: str | None = None
    updated_at: str = field(default_factory=now_text)


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One pass over one file. ``status`` is ``running`` until it finishes (or the process dies)."""

    id: int
    path: str
    started_at: str
    finished_at: str | None
    status: str
    detail: str
    problems: int


@dataclass(frozen=True, slots=True)
class DaemonInfo:
    """The running daemon, as last reported by its heartbeat."""

    pid: int
    started_at: str
    heartbeat_at: str
    folders: tuple[str, ...]
    observer: str  # "native" | "polling" (per folder, comma separated)


@dataclass(frozen=True, slots=True)
class OfficeInfo:
    """One office's daemon as the shared database knows it (PostgreSQL only)."""

    office: str
    host: str
    pid: int | None  # None: stopped cleanly
    version: str
    started_at: str | None
    heartbeat_at: str | None
    last_pass_at: str | None
    last_pass_file: str | None
    last_pass_status: str | None
    last_pass_problems: int | None
    heartbeat_age: float | None  # seconds, by the database's clock


Entries = set[tuple[int, str]]  # (row, digest) entries of the contact index
# where a contact key is found elsewhere: (workbook path, row, office; None for this office)
Place = tuple[str, int, str | None]


class StateStore(Protocol):
    """Everything the daemon and ``clientbase status`` need from the state."""

    def get_file(self, path: str) -> FileState | None: ...

    def put_file(self, state: FileState) -> None: ...

    def list_files(self) -> list[FileState]: ...

    def start_run(self, path: str) -> int: ...

    def finish_run(self, run_id: int, status: str, detail: str = "", problems: int = 0) -> None: ...

    def recent_runs(self, limit: int = 20) -> list[RunRecord]: ...

    def close_interrupted_runs(self) -> int: ...

    def add_audit(self, entries: Sequence[AuditEntry]) -> None: ...

    def audit_log(self, path: str | None = None, limit: int = 100) -> list[AuditEntry]: ...

    def set_daemon(self, info: DaemonInfo | None) -> None: ...

    def daemon(self) -> DaemonInfo | None: ...

    def prune(self, history_days: int, audit_days: int) -> int: ...

    def index_key(self) -> bytes: ...

    def contacts_elsewhere(self, path: str, digests: Sequence[str]) -> dict[str, list[Place]]: ...

    def others_indexed(self, path: str) -> bool: ...

    def replace_contacts(self, path: str, keys: Sequence[tuple[int, str]]) -> set[str]: ...

    def change_contacts(
        self, path: str, since: str, added: Entries, removed: Entries
    ) -> set[str] | None: ...

    def contacts_generation(self, path: str) -> str: ...

    def take_rechecks(self) -> list[str]: ...

    def offices(self) -> list[OfficeInfo]: ...

    def close(self) -> None: ...
