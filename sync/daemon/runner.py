"""The daemon behind ``clientbase watch``: keeps every workbook in some folders up to date.

Threads: watchdog observers only call :meth:`Daemon.notify`; one worker thread processes files
one at a time (:func:`sync.daemon.workbook_pass.process_file`, which calls the same
``service.sync`` as ``clientbase sync``); the main thread waits for a signal and does the
periodic chores (full reconcile, heartbeat, history retention).

Per file, in memory::

    notify ─► waiting (quiet period; every new event restarts it)
                 │ due, and size+mtime unchanged since the last event (else wait again)
                 ▼
              processing ─► done (forgotten)     applied / up to date / error / deleted
                          ├► waiting             changed between read and write (re-queued)
                          ├► waiting (lock retry) a person has it open
                          └► waiting (backoff)   transient I/O error

An event that arrives while a file is being processed marks it dirty: it is looked at again
after the pass. Files that failed are not retried until their content changes (the state DB
remembers the failed version), so a corrupt file is reported once, not in a loop.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from sync.core.model import now_text
from sync.daemon.settings import WatchConfig, load_watch_config, watch_config_from_mapping
from sync.daemon.watcher import list_workbooks, lock_matches, make_handler, start_observer
from sync.daemon.workbook_pass import ConfigLoader, PassReport, process_file, requeue
from sync.sources.xlsx.swap import remove_stale_temps
from sync.speed import incremental, stages_for
from sync.state import DaemonInfo, StateStore

log = logging.getLogger("clientbase.watch")

MAX_BACKOFF = 300.0

__all__ = ["Daemon", "WatchConfig", "load_watch_config", "watch_config_from_mapping"]


class Phase(Enum):
    WAITING = "waiting"
    PROCESSING = "processing"


@dataclass(slots=True)
class _Entry:
    path: Path
    due: float
    stat: tuple[int, int] | None
    phase: Phase = Phase.WAITING
    dirty: bool = False  # an event arrived while processing
    failures: int = 0  # consecutive transient failures, for backoff


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


class Daemon:
    """Watches ``folders`` and keeps their workbooks processed. See the module docstring."""

    def __init__(
        self,
        folders: Sequence[Path],
        watch: WatchConfig,
        store: StateStore,
        load_config: ConfigLoader,
        *,
        as_of: dt.date | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.folders = [Path(f).resolve() for f in folders]
        self.watch = watch
        self.store = store
        self.load_config = load_config
        self.as_of = as_of
        self.clock = clock
        self._entries: dict[Path, _Entry] = {}
        self._cond = threading.Condition()
        self._stopping = False
        self._observers: list[Any] = []
        self.observer_kinds: list[str] = []
        # a long-lived process: remember earlier passes row by row, so that a save that
        # changed a few rows re-checks only those (the stages' memory, and the sources' and
        # dedupe's memos behind the switch of sync.speed.incremental)
        self.memory = stages_for(long_lived=True)
        incremental.remember_rows()

    # ------------------------------------------------------------------ queue (any thread)

    def notify(self, path: Path, *, restart_quiet: bool = True) -> None:
        """Look at ``path`` after the quiet period; a later event restarts the period."""
        path = Path(path).resolve()
        stat = _stat(path)
        with self._cond:
            entry = self._entries.get(path)
            due = self.clock() + self.watch.quiet_period
            if entry is None:
                self._entries[path] = _Entry(path, due, stat)
            elif entry.phase is Phase.PROCESSING:
                entry.dirty = True
            elif restart_quiet:
                entry.due, entry.stat = due, stat
            self._cond.notify_all()

    def _lock_gone(self, named: Path) -> None:
        """A lock file went away: the workbook it stood for may be written now."""
        for workbook in list_workbooks(named.parent):
            if lock_matches(named.name, workbook.name):
                self.notify(workbook)

    def reconcile(self) -> int:
        """Queue every workbook in the folders, and every known one that disappeared.

        Unchanged files are skipped cheaply by their content hash; this catches events the
        observer lost (network shares, a daemon restart, a full event queue).
        """
        paths = {p.resolve() for folder in self.folders for p in list_workbooks(folder)}
        for known in self.store.list_files():
            p = Path(known.path)
            if p.parent in self.folders and known.status != "deleted":
                paths.add(p)
        for p in sorted(paths):
            self.notify(p, restart_quiet=False)
        return len(paths)

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()

    # ------------------------------------------------------------------ worker

    def _next_due(self) -> tuple[_Entry | None, float]:
        """The earliest waiting entry that is due, else how long to wait (caller holds lock)."""
        now = self.clock()
        waiting = [e for e in self._entries.values() if e.phase is Phase.WAITING]
        if not waiting:
            return None, 1.0
        entry = min(waiting, key=lambda e: e.due)
        if entry.due > now:
            return None, min(entry.due - now, 1.0)
        return entry, 0.0

    def _claim(self, block: bool) -> _Entry | None:
        """A due file whose size and mtime held still, marked processing (waits up to 1 s)."""
        with self._cond:
            if self._stopping:
                return None
            entry, wait = self._next_due()
            if entry is None:
                if block:
                    self._cond.wait(wait)
                return None
            current = _stat(entry.path)
            if current != entry.stat:
                # Still being written (or changed without an event): wait for it to settle.
                entry.stat, entry.due = current, self.clock() + self.watch.quiet_period
                return None
            entry.phase = Phase.PROCESSING
            return entry

    def _reschedule(self, entry: _Entry, report: PassReport) -> None:
        now = self.clock()
        with self._cond:
            entry.phase = Phase.WAITING
            entry.stat = _stat(entry.path)
            if report.action == "locked":
                entry.due = now + self.watch.lock_retry_interval
            elif report.action == "retry":
                entry.failures += 1
                backoff = self.watch.quiet_period * 2**entry.failures
                entry.due = now + min(MAX_BACKOFF, backoff)
            elif report.action == "requeue" or entry.dirty:
                entry.due = now + self.watch.quiet_period
            else:
                del self._entries[entry.path]
            entry.dirty = False
            if report.action != "retry":
                entry.failures = 0

    def step(self, *, block: bool = True) -> PassReport | None:
        """Process at most one due file; ``None`` when nothing was due (waits up to 1 s if
        ``block``)."""
        entry = self._claim(block)
        if entry is None:
            return None
        try:
            report = process_file(
                entry.path,
                self.store,
                self.load_config,
                self.watch.stale_lock_hours,
                self.as_of,
                self.memory,
            )
        except Exception as exc:  # the state DB failed (disk full?): keep serving, retry later
            log.error("%s: pass failed (%s); will retry", entry.path.name, type(exc).__name__)
            report = PassReport("retry", type(exc).__name__)
        self._reschedule(entry, report)
        for other in report.also:
            self.notify(Path(other), restart_quiet=False)
        return report

    def run_worker(self) -> None:
        while True:
            with self._cond:
                if self._stopping:
                    return
            self.step()

    # ------------------------------------------------------------------ whole daemon

    def _heartbeat(self, started: str) -> None:
        self.store.set_daemon(
            DaemonInfo(
                os.getpid(),
                started,
                now_text(),
                tuple(str(f) for f in self.folders),
                ",".join(self.observer_kinds),
            )
        )

    def serve(self, stop: threading.Event) -> None:
        """Run until ``stop`` is set, then finish the current file and return."""
        started = now_text()
        closed = self.store.close_interrupted_runs()
        if closed:
            log.info("%d pass(es) were interrupted by the previous shutdown", closed)
        self.store.prune(self.watch.history_days, self.watch.audit_days)
        handler = make_handler(self.notify, self._lock_gone)
        self._observers, self.observer_kinds = start_observer(
            self.folders, handler, self.watch.poll, self.watch.poll_interval
        )
        for folder, kind in zip(self.folders, self.observer_kinds, strict=True):
            log.info("watching %s (%s events)", folder, kind)
            if removed := remove_stale_temps(folder):
                log.info("%s: removed %d temp file(s) of interrupted writes", folder, removed)
        n = self.reconcile()
        log.info("%d workbook(s) found; state in %s", n, getattr(self.store, "path", "?"))
        worker = threading.Thread(target=self.run_worker, name="clientbase-worker", daemon=True)
        worker.start()
        self._heartbeat(started)
        try:
            self._chores(stop, started)
        finally:
            self._shutdown(worker)

    def _chores(self, stop: threading.Event, started: str) -> None:
        now = self.clock()
        next_beat, next_reconcile = now, now + self.watch.reconcile_interval
        next_prune = now + 86_400
        while not stop.wait(min(1.0, self.watch.heartbeat_interval)):
            now = self.clock()
            if now >= next_beat:
                self._heartbeat(started)
                next_beat = now + self.watch.heartbeat_interval
            if now >= next_reconcile:
                self.reconcile()
                next_reconcile = now + self.watch.reconcile_interval
            # other offices' saves that changed this office's "also in another workbook" notes
            for other in requeue(self.store, set(self.store.take_rechecks())):
                self.notify(Path(other), restart_quiet=False)
            if now >= next_prune:
                self.store.prune(self.watch.history_days, self.watch.audit_days)
                next_prune = now + 86_400

    def _shutdown(self, worker: threading.Thread) -> None:
        log.info("stopping: finishing the current file")
        for observer in self._observers:
            observer.stop()
        self.stop()
        worker.join()
        for observer in self._observers:
            observer.join(timeout=10)
        self.store.set_daemon(None)
        log.info("stopped")
