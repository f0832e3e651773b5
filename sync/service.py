"""Library entry points behind the CLI, the daemon and the buttons: open a source, run a pass,
write back. Thin glue between the sources (I/O) and the pure core."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sync.config import Config
from sync.crossfile import Lookup, add_cross_file_duplicates
from sync.engine import ProgressFn, run_pass
from sync.errors import UsageError
from sync.model import ApplyResult, Outcome, Snapshot, WritePlan
from sync.sources.base import Source

GSHEET_PREFIX = "gsheet:"


def open_source(spec: str, config: Config) -> Source:
    """A source for ``SOURCE`` as written on the command line (a path or ``gsheet:ID``)."""
    if spec.startswith(GSHEET_PREFIX):
        raise UsageError(f"{spec}: Google Sheets sources are not available in this version yet")
    from sync.sources.xlsx import BackupSettings, XlsxSource

    return XlsxSource(Path(spec), BackupSettings(config.backup.dir, config.backup.keep))


def configured_sheets(config: Config) -> list[str]:
    return [s.name for s in config.sheets.values()]


@contextlib.contextmanager
def without_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector during a pass.

    A pass allocates millions of small acyclic objects (cells, verdicts); CPython's collector
    keeps re-scanning them and took 40 % of a 100 000-client check. Reference counting still
    frees everything; the collector runs again afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def check(
    source: Source, config: Config, as_of: dt.date | None = None, progress: ProgressFn | None = None
) -> tuple[Snapshot, Outcome]:
    """Read and run one pass; writes nothing."""
    if progress:
        progress("reading")
    with without_gc():
        snapshot = source.read(configured_sheets(config))
        outcome = run_pass(snapshot, config, as_of or dt.date.today(), progress)
    return snapshot, outcome


@dataclass(frozen=True, slots=True)
class SyncResult:
    outcome: Outcome
    plan: WritePlan
    applied: ApplyResult | None  # None on --dry-run


def sync(
    source: Source,
    config: Config,
    as_of: dt.date | None = None,
    *,
    dry_run: bool = False,
    progress: ProgressFn | None = None,
    elsewhere: Lookup | None = None,
) -> SyncResult:
    """One pass, then write the plan back (unless ``dry_run``). ``elsewhere`` looks up
    contact keys in other workbooks (the daemon's index) to flag clients entered twice."""
    from sync.writeback import plan_writeback

    snapshot, outcome = check(source, config, as_of, progress)
    if elsewhere is not None:
        outcome = add_cross_file_duplicates(outcome, elsewhere)
    if progress:
        progress("planning")
    with without_gc():
        plan = plan_writeback(outcome, snapshot, config)
        if dry_run:
            return SyncResult(outcome, plan, None)
        if progress:
            progress("writing")
        return SyncResult(outcome, plan, source.apply(plan, snapshot.version))
