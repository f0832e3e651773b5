"""Library entry points behind the CLI, the daemon and the buttons: open a source, run a pass,
write back. Thin glue between the sources (I/O) and the pure core."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import gc
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from sync import sources
from sync.core.config import Config
from sync.core.crossfile import Lookup, add_cross_file_duplicates
from sync.core.engine import REFERENCE, ProgressFn, run_pass
from sync.core.merge import MergePlan
from sync.core.model import (
    ApplyResult,
    AuditEntry,
    CellValue,
    Outcome,
    SheetGrid,
    Snapshot,
    WritePlan,
)
from sync.core.stages import Stages
from sync.sources.base import PreparesWrite, Rehearses, Source
from sync.speed.lifetime import keep

GSHEET_PREFIX = sources.GSHEET_PREFIX
open_source = sources.open_source

# `clientbase fix --field F`: the fields whose values F names
FIX_FIELDS: dict[str, tuple[str, ...]] = {
    "phone": ("phone", "phone2"),
    "email": ("email",),
    "name": ("name", "last_name", "first_name", "middle_name"),
}


def configured_sheets(config: Config) -> list[str]:
    return [s.name for s in config.sheets.values()]


@contextlib.contextmanager
def without_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector during a pass.

    A pass allocates millions of small acyclic objects (cells, verdicts); CPython's collector
    keeps re-scanning them to find no cycle. Reference counting still frees everything; the
    collector runs again afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def check(
    source: Source,
    config: Config,
    as_of: dt.date | None = None,
    progress: ProgressFn | None = None,
    snapshot: Snapshot | None = None,
    stages: Stages = REFERENCE,
) -> tuple[Snapshot, Outcome]:
    """Read (unless ``snapshot`` was just read from ``source``) and run one pass; writes
    nothing. ``stages``: the pass's stages (:func:`sync.speed.stages_for`)."""
    if progress:
        progress("reading")
    with without_gc():
        if snapshot is None:
            snapshot = source.read(configured_sheets(config))
        outcome = run_pass(snapshot, config, as_of or dt.date.today(), progress, stages)
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
    index_key: bytes = b"",
    snapshot: Snapshot | None = None,
    stages: Stages = REFERENCE,
    fix_fields: Collection[str] | None = None,
) -> SyncResult:
    """One pass, then write the plan back (unless ``dry_run``). ``elsewhere`` looks up
    contact keys in other workbooks (the daemon's index, whose hashes ``index_key`` keys) to
    flag clients entered twice.
    ``fix_fields`` (``clientbase fix``): write the standard form of the valid values of these
    fields into their cells, whatever the config's ``fix`` says (the plan's ``rewrites``)."""
    from sync.core.writeback import plan_writeback

    # One pause of the collector over the whole sync: re-enabled between the pass and the
    # plan, it would scan the millions of objects the read and the pass left, for nothing.
    with without_gc():
        snapshot, outcome = check(source, config, as_of, progress, snapshot, stages)
        if elsewhere is not None:
            outcome = add_cross_file_duplicates(outcome, elsewhere, index_key)
        if fix_fields is not None:
            config = dataclasses.replace(config, fix="rewrite")
            wanted = frozenset(fix_fields)
            outcome = dataclasses.replace(
                outcome, fixes=[f for f in outcome.fixes if f.field in wanted]
            )
        if progress:
            progress("planning")
        # a source that can, gets ready for the write while the cells are planned
        ready = None
        if not dry_run and isinstance(source, PreparesWrite):
            source.prepare_read_parts(snapshot)
            ready = functools.partial(source.prepare_write, snapshot)
        plan = plan_writeback(outcome, snapshot, config, ready)
        keep(snapshot)  # the grids (millions of cells): to the process's end when it is one-shot
        if dry_run:
            if isinstance(source, Rehearses):  # a dry run refuses what the real run would
                source.rehearse(plan)
            return SyncResult(outcome, plan, None)
        if progress:
            progress("writing")
        return SyncResult(outcome, plan, source.apply(plan, snapshot.version))


@dataclass(frozen=True, slots=True)
class MergeResult:
    plan: MergePlan
    applied: ApplyResult | None  # None on --dry-run
    audit: tuple[AuditEntry, ...] = ()  # every cell the merge changed (see record_audit)


def merge(
    source: Source,
    config: Config,
    group: int,
    as_of: dt.date | None = None,
    *,
    dry_run: bool = False,
    stages: Stages = REFERENCE,
) -> MergeResult:
    """Merge duplicate group ``group`` into its oldest row, then write the merged state with a
    fresh pass (highlights, tool columns, Problems, Summary) and the archive — in one write."""
    from sync.core.labels import column_header
    from sync.core.merge import (
        ARCHIVE_TITLES,
        archive_header,
        audit_entries,
        conflict_note,
        plan_merge,
    )
    from sync.core.model import KEEP, CellEdit, SheetEdits, ToolSheet
    from sync.core.writeback import plan_writeback

    today = as_of or dt.date.today()
    archive_name = ARCHIVE_TITLES.get(config.language, ARCHIVE_TITLES["en"])
    with without_gc():
        snapshot = source.read([*configured_sheets(config), archive_name])
        outcome = run_pass(snapshot, config, today, stages=stages)
        tool_headers = {column_header(k, config) for k in config.output.columns}
        plan = plan_merge(snapshot, outcome, group, today, tool_headers)
        # the merged state, in memory: the new pass sees what the workbook will hold
        sheets = {n: SheetGrid(n, [list(r) for r in g.rows]) for n, g in snapshot.sheets.items()}
        values: dict[tuple[str, int, int], CellValue] = {}
        for col, value in plan.fill.items():
            values[(plan.sheet, plan.keep_row, col)] = value
        for row, cols in plan.cleared.items():
            for col in cols:
                values[(plan.sheet, row, col)] = None
        values.update(plan.repoint)
        for (sheet, row, col), value in values.items():
            line = sheets[sheet].rows[row - 1]
            while len(line) < col:
                line.append(None)
            line[col - 1] = value
        merged = Snapshot(
            snapshot.source,
            sheets,
            snapshot.version,
            snapshot.missing_sheets,
            snapshot.sheet_names,
        )
        after = run_pass(merged, config, today, stages=stages)
        write = plan_writeback(after, merged, config)
    note = conflict_note(plan, config.language)
    edits: list[SheetEdits] = []
    for sheet_edits in write.edits:
        cells = {(e.row, e.col): e for e in sheet_edits.cells}
        for (sheet, row, col), value in values.items():
            if sheet == sheet_edits.sheet:
                old = cells.get((row, col))
                fill = old.fill if old else None
                old_note = old.note if old else None
                cells[(row, col)] = CellEdit(row, col, value, fill, old_note)
        if note and sheet_edits.sheet == plan.sheet:
            key = (plan.keep_row, plan.note_col)
            old = cells.get(key)
            text = f"{old.note}\n{note}" if old and isinstance(old.note, str) else note
            kept_value = old.value if old else KEEP
            cells[key] = CellEdit(key[0], key[1], kept_value, old.fill if old else None, text)
        edits.append(SheetEdits(sheet_edits.sheet, tuple(cells[k] for k in sorted(cells))))
    previous = snapshot.sheets.get(archive_name)
    table = outcome.tables["clients"]
    head = archive_header(outcome, table.headers)
    kept = [tuple(r) for r in previous.rows[1:]] if previous and previous.rows else []
    rows = (head, *kept, *plan.archive_rows)
    archive = ToolSheet(archive_name, rows)
    full = WritePlan(tuple(edits), (*write.tool_sheets, archive), write.tool_fills, write.rewrites)
    if dry_run:
        return MergeResult(plan, None)
    where = str(getattr(source, "path", source.name))
    return MergeResult(
        plan, source.apply(full, snapshot.version), tuple(audit_entries(where, plan, outcome))
    )


def record_audit(entries: Sequence[AuditEntry], config: Config, folder: Path) -> Path:
    """Add entries to the audit log of the state database the daemon uses for ``folder``
    (``clientbase-state.sqlite`` next to the config, else in the folder)."""
    from sync.state import SqliteStateStore, default_state_path

    path = default_state_path(config.path, [folder])
    store = SqliteStateStore(path)
    try:
        store.add_audit(entries)
    finally:
        store.close()
    return path
