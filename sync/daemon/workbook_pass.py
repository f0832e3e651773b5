"""One daemon pass over one workbook: decide whether it needs work, run ``service.sync``, record it.

Runs only on the daemon's worker thread. Returns what the scheduler should do next with the
file (nothing, retry later, re-queue after a quiet period); never raises for a bad file, so one
broken workbook cannot stop the others from being served. Log lines name the file and counts,
never cell values.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sync import service
from sync.core.config import Config
from sync.core.crossfile import Elsewhere, Lookup, Pairs, index_changes, index_entries
from sync.core.engine import REFERENCE
from sync.core.messages import notice
from sync.core.model import AuditEntry, Outcome, WritePlan, audit_text, now_text
from sync.core.stages import Stages
from sync.errors import ClientbaseError, ConfigError, ConflictError, SourceLockedError
from sync.sources.xlsx.source import file_version, lock_files
from sync.state import FileState, StateStore

log = logging.getLogger("clientbase.watch")

ConfigLoader = Callable[[Path], Config]
Action = Literal[
    "skipped", "applied", "unchanged", "locked", "requeue", "error", "retry", "deleted"
]


@dataclass(frozen=True, slots=True)
class PassReport:
    """What happened, and what the scheduler should do next.

    ``requeue``: the file changed under us; look again after a quiet period.
    ``locked`` / ``retry``: look again after the lock retry interval / a backoff.
    Everything else: nothing until the next event or reconcile.
    """

    action: Action
    detail: str = ""
    # other workbooks whose "also in another workbook" notes this pass made out of date
    also: tuple[str, ...] = ()


def content_hash(version: str | None) -> str | None:
    """The sha256 part of a ``size:mtime_ns:sha256`` version (mtime alone is not trusted)."""
    return version.rsplit(":", 1)[-1] if version else None


def _lock_age_hours(lock: Path) -> float:
    try:
        mtime = lock.stat().st_mtime
    except OSError:
        return 0.0
    return max(0.0, (dt.datetime.now().timestamp() - mtime) / 3600)


def handle_lock(path: Path, state: FileState, store: StateStore, stale_hours: float) -> bool:
    """Record that a person has ``path`` open; True when a lock file exists.

    A lock older than ``stale_hours`` is reported as probably stale (Excel crashed and left
    it) but never deleted: the person may really still have the file open.
    """
    locks = lock_files(path)
    if not locks:
        return False
    lock = locks[0]
    if state.status != "locked" or state.lock_name != lock.name:
        log.info("%s: open by a person (%s); waiting to write", path.name, lock.name)
        state.locked_since = now_text()
    else:
        log.debug("%s: still open (%s)", path.name, lock.name)
    age = _lock_age_hours(lock)
    stale_note = f"lock {lock.name} is {age:.0f} h old: probably stale"
    if age >= stale_hours and state.last_error != stale_note:
        log.warning(
            "%s: %s (left by a crashed Excel/LibreOffice?); delete it if nobody has the "
            "file open. Nothing is written while it exists.",
            path.name,
            stale_note,
        )
        state.last_error = stale_note
    state.status = "locked"
    state.lock_name = lock.name
    store.put_file(state)
    return True


def needs_pass(state: FileState, version: str, today: dt.date | None) -> bool:
    """False when this exact content was already handled (or already failed) today.

    ``today`` is ``None`` when the pass date is pinned (``as_of``): no day roll-over then.
    """
    if state.status == "error" and content_hash(state.error_version) == content_hash(version):
        return False
    if state.status != "ok" or content_hash(state.seen_version) != content_hash(version):
        return True
    # Segments depend on the date (recency): a new day deserves a new pass.
    return today is not None and (state.last_pass_at or "")[:10] != today.isoformat()


def audit_entries(path: Path, outcome: Outcome, plan: WritePlan) -> list[AuditEntry]:
    """Every staff value the write replaced: normalised values and newly assigned IDs."""
    ids = {rec.row: rec.id for rec in outcome.records}
    entries = [
        AuditEntry(
            str(path),
            f.sheet,
            f.row,
            ids.get(f.row),
            outcome.header_of(f.sheet, f.col_index),
            audit_text(f.old),
            f.new,
        )
        for f in plan.rewrites
    ]
    entries += _id_assignments(path, outcome, plan)
    return entries


def _id_assignments(path: Path, outcome: Outcome, plan: WritePlan) -> list[AuditEntry]:
    clients = outcome.tables.get("clients")
    id_col = clients.field_columns.get("id") if clients else None
    if clients is None or id_col is None or not outcome.rows_without_id:
        return []
    wanted = set(outcome.rows_without_id)
    out = []
    for sheet_edits in plan.edits:
        if sheet_edits.sheet != clients.sheet:
            continue
        for edit in sheet_edits.cells:
            if edit.col == id_col and edit.row in wanted and isinstance(edit.value, str):
                out.append(
                    AuditEntry(
                        str(path),
                        clients.sheet,
                        edit.row,
                        edit.value,
                        outcome.header_of(clients.sheet, id_col),
                        None,
                        edit.value,
                    )
                )
    return out


def _problem_counts(outcome: Outcome) -> str:
    errors = sum(p.severity == "error" for p in outcome.problems)
    groups = len(outcome.duplicates)
    return f"{len(outcome.problems)} problems ({errors} errors), {groups} duplicate groups"


def _fail(store: StateStore, state: FileState, version: str | None, message: str) -> PassReport:
    log.error("%s", message)
    state.status = "error"
    state.last_error = message
    state.error_version = version
    store.put_file(state)
    return PassReport("error", message)


def _bug_summary(exc: BaseException) -> str:
    """Where an unexpected exception came from, without its message (it may quote a cell)."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return f"{type(exc).__name__}{where}"


def process_file(
    path: Path,
    store: StateStore,
    load_config: ConfigLoader,
    stale_lock_hours: float,
    as_of: dt.date | None = None,
    stages: Stages = REFERENCE,
) -> PassReport:
    """Bring ``path`` up to date, unless it is open, unchanged, or already known to be broken
    (``stages``: the daemon's own, which remember its earlier passes)."""
    key = str(path)
    known = store.get_file(key)
    state = known or FileState(key)
    if not path.exists():
        if known is not None and known.status != "deleted":
            log.info("%s: removed from the folder", path.name)
            state.status = "deleted"
            store.put_file(state)
            return PassReport("deleted", also=requeue(store, store.replace_contacts(key, [])))
        return PassReport("deleted")
    if handle_lock(path, state, store, stale_lock_hours):
        return PassReport("locked", state.lock_name or "")
    try:
        version = file_version(path)
    except ClientbaseError as exc:
        return _fail(store, state, None, str(exc))
    if not needs_pass(state, version, None if as_of else dt.date.today()):
        return PassReport("skipped")
    try:
        config = load_config(path)
    except ConfigError as exc:
        # Not tied to this file's content: reconcile retries once the config is fixed.
        return _fail(store, state, None, f"{path.name}: config error: {exc}")
    # The collector paused for the whole pass, bookkeeping included: with a 100 000-client
    # snapshot, an outcome and the daemon's memory of earlier passes alive, each collection
    # it starts re-scans millions of objects (1 s for 300 000 index keys). Reference
    # counting frees everything as usual.
    with service.without_gc():
        return _run(path, version, state, store, config, as_of or dt.date.today(), stages)


def _run(
    path: Path,
    version: str,
    state: FileState,
    store: StateStore,
    config: Config,
    today: dt.date,
    stages: Stages,
) -> PassReport:
    run_id = store.start_run(str(path))
    try:
        source = service.open_source(str(path), config)
        try:
            result = service.sync(
                source,
                config,
                today,
                progress=lambda step: log.debug("%s: %s", path.name, step),
                # no other workbook indexed: nothing to find, no keys to make for the lookup
                elsewhere=_lookup(store, path) if store.others_indexed(str(path)) else None,
                stages=stages,
                index_key=store.index_key(),
            )
        finally:
            source.close()
    except ConflictError as exc:
        store.finish_run(run_id, "requeued", "changed while being read")
        return PassReport("requeue", str(exc))
    except SourceLockedError as exc:
        store.finish_run(run_id, "locked", str(exc))
        return PassReport("locked", str(exc))
    except ClientbaseError as exc:
        store.finish_run(run_id, "error", str(exc))
        return _fail(store, state, version, str(exc))
    except OSError as exc:
        # Network share hiccup, a file held open exclusively on Windows: worth a retry.
        detail = f"{path.name}: cannot access ({type(exc).__name__}: {exc.strerror})"
        store.finish_run(run_id, "retry", detail)
        log.warning("%s; retrying", detail)
        return PassReport("retry", detail)
    except Exception as exc:
        detail = f"{path.name}: internal error ({_bug_summary(exc)}); file skipped until it changes"
        store.finish_run(run_id, "error", detail)
        return _fail(store, state, version, detail)
    applied = result.applied
    assert applied is not None  # not a dry run
    problems = len(result.outcome.problems)
    store.finish_run(run_id, applied.status, applied.detail, problems)
    if applied.status == "conflict":
        # the detail says whether the result was kept as a conflict copy beside the save
        log.info("%s: changed between read and write; re-queued (%s)", path.name, applied.detail)
        return PassReport("requeue", applied.detail)
    if applied.status == "locked":
        log.info("%s: opened by a person during the pass; nothing written", path.name)
        return PassReport("locked", applied.detail)
    if applied.status == "applied":
        store.add_audit(audit_entries(path, result.outcome, result.plan))
        state.written_version = applied.new_version
        log.info("%s: updated (%s); %s", path.name, applied.detail, _problem_counts(result.outcome))
        if applied.recovered:  # sheet names only: no personal data
            sheets = {"sheets": ", ".join(applied.recovered)}
            log.info("%s: %s", path.name, notice("write.recovered", config.language, sheets))
    else:
        log.info("%s: up to date; %s", path.name, _problem_counts(result.outcome))
    entries = index_entries(result.outcome.records, store.index_key())
    also = requeue(store, _index(store, str(path), entries))
    state.status = "ok"
    state.seen_version = applied.new_version or version
    state.last_pass_at = now_text()
    state.last_error = None
    state.error_version = None
    state.locked_since = None
    state.lock_name = None
    store.put_file(state)
    action: Action = "applied" if applied.status == "applied" else "unchanged"
    return PassReport(action, applied.detail, also)


# Per store, each workbook's entries in the contact index as this process last wrote them
# (per record), and the generation they were written in.
_INDEXED: weakref.WeakKeyDictionary[StateStore, dict[str, tuple[str, list[Pairs]]]] = (
    weakref.WeakKeyDictionary()
)


def _index(store: StateStore, path: str, entries: list[Pairs]) -> set[str]:
    """Make ``path``'s entries in the contact index ``entries`` (per client row): only the
    changes when the store still holds what this process last wrote; return the other
    workbooks sharing a key that was added or removed."""
    written = _INDEXED.setdefault(store, {})
    last = written.pop(path, None)  # (back only once the store took the new entries)
    found = None
    if last is not None:
        found = store.change_contacts(path, last[0], *index_changes(last[1], entries))
    if found is None:
        found = store.replace_contacts(path, [pair for row in entries for pair in row])
    written[path] = (store.contacts_generation(path), entries)
    return found


def _lookup(store: StateStore, path: Path) -> Lookup:
    def lookup(digests: Sequence[str]) -> dict[str, list[Elsewhere]]:
        found = store.contacts_elsewhere(str(path), digests)
        return {
            d: [Elsewhere(Path(p).name, row, office) for p, row, office in places]
            for d, places in found.items()
        }

    return lookup


def requeue(store: StateStore, paths: set[str]) -> tuple[str, ...]:
    """Workbooks whose cross-workbook notes changed get a pass although their content did not."""
    out = []
    for other in sorted(paths):
        state = store.get_file(other)
        if state is None or state.status in ("deleted", "error"):
            continue
        if state.status == "ok":
            state.status = "pending"
            store.put_file(state)
        out.append(other)
    if out:
        log.info("%d other workbook(s) share clients with this one; re-checking them", len(out))
    return tuple(out)
