"""``clientbase watch`` for Google Sheets: poll each ``[[google]]`` sheet, pass when it changed.

Per sheet and interval one cheap call, Drive ``files.get(fields=version,modifiedTime)``. When
the version moved, the sheet is read (two calls); if what it holds is exactly what the tool's
own last write left there, the change was the tool's and nothing runs. Otherwise the same
``service.sync`` as ``clientbase sync gsheet:ID`` runs. A failing sheet is logged (its ID, never
cell values) and retried at the next interval; the other sheets and the folders keep being
served. State lives in the same SQLite database as the workbooks', under ``gsheet:ID``.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sync import service
from sync.core.config import Config, GoogleSheetConfig
from sync.core.model import now_text
from sync.daemon.workbook_pass import audit_entries
from sync.errors import ClientbaseError
from sync.sources import GSHEET_PREFIX
from sync.sources.gsheets.residency import warn_data_abroad
from sync.sources.gsheets.source import GSheetSource, client_for
from sync.state import FileState, StateStore

log = logging.getLogger("clientbase.watch")

SourceFactory = Callable[[GoogleSheetConfig, Config], GSheetSource]


def default_source(entry: GoogleSheetConfig, config: Config) -> GSheetSource:
    return GSheetSource(entry.spreadsheet, client_for(entry), config)


@dataclass(frozen=True, slots=True)
class GooglePass:
    """What one look at a sheet did: ``unchanged`` (version still), ``own`` (the version moved
    by the tool's own write), ``applied`` / ``up to date`` (a pass ran), ``error``."""

    action: str
    detail: str = ""


def poll_sheet(
    entry: GoogleSheetConfig,
    config: Config,
    store: StateStore,
    *,
    as_of: dt.date | None = None,
    make_source: SourceFactory = default_source,
) -> GooglePass:
    """One look at one sheet; never raises for a sheet's own trouble."""
    key = GSHEET_PREFIX + entry.spreadsheet
    state = store.get_file(key) or FileState(key)
    today = as_of or dt.date.today()
    try:
        source = make_source(entry, config)
        version, _modified = source.version_info()
        same_day = (state.last_pass_at or "")[:10] == today.isoformat() or as_of is not None
        if state.status == "ok" and state.seen_version == version and same_day:
            return GooglePass("unchanged")
        names = [s.name for s in config.sheets.values()]
        snapshot = source.read(names)
        if state.status == "ok" and same_day and snapshot.version == state.written_version:
            state.seen_version = version  # the tool's own write moved the version
            store.put_file(state)
            return GooglePass("own")
        run_id = store.start_run(key)
        result = service.sync(source, config, today, snapshot=snapshot)
    except ClientbaseError as exc:
        state.status = "error"
        state.last_error = str(exc)
        store.put_file(state)
        log.error("%s", exc)
        return GooglePass("error", str(exc))
    except Exception as exc:  # a bug must not stop the other sheets
        detail = f"{key}: internal error ({type(exc).__name__}); retried at the next interval"
        state.status = "error"
        state.last_error = detail
        store.put_file(state)
        log.error("%s", detail)
        return GooglePass("error", detail)
    applied = result.applied
    assert applied is not None
    problems = len(result.outcome.problems)
    store.finish_run(run_id, applied.status, applied.detail, problems)
    if applied.status == "applied":
        store.add_audit(audit_entries(Path(key), result.outcome, result.plan))
        state.written_version = applied.new_version
        note = f" ({applied.detail})" if applied.detail else ""
        log.info("%s: updated%s; %d problems", key, note, problems)
    else:
        state.written_version = snapshot.version
        log.info("%s: up to date; %d problems", key, problems)
    # a write moves the version again; the next look recognises it by content
    state.seen_version = version if applied.status != "applied" else None
    state.status = "ok"
    state.last_pass_at = now_text()
    state.last_error = None
    store.put_file(state)
    return GooglePass("applied" if applied.status == "applied" else "up to date", applied.detail)


class GooglePoller:
    """A thread that looks at every ``[[google]]`` sheet at its own interval."""

    def __init__(
        self,
        load_config: Callable[[], Config],
        store: StateStore,
        *,
        as_of: dt.date | None = None,
        make_source: SourceFactory = default_source,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.load_config = load_config
        self.store = store
        self.as_of = as_of
        self.make_source = make_source
        self.clock = clock
        self._due: dict[str, float] = {}

    def step(self) -> list[GooglePass]:
        """Look at the sheets that are due."""
        try:
            config = self.load_config()
        except ClientbaseError as exc:
            log.error("config error: %s", exc)
            return []
        now = self.clock()
        out = []
        for entry in config.google:
            if self._due.get(entry.spreadsheet, 0.0) > now:
                continue
            if not entry.endpoint:  # Google itself, not the local emulator
                warn_data_abroad(config, entry.spreadsheet)
            self._due[entry.spreadsheet] = now + entry.poll_interval
            out.append(
                poll_sheet(
                    entry, config, self.store, as_of=self.as_of, make_source=self.make_source
                )
            )
        return out

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.step()
            stop.wait(1.0)
