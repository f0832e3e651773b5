"""One pass over a snapshot: validate every field, find duplicates, compute segments.

``run_pass`` is pure: it takes the data a source read and returns an :class:`Outcome`. The
same function serves ``check``, ``sync``, the daemon and the Excel buttons. It is a plain
sequence of stages (:mod:`sync.core.stages`):

1. tables: each configured sheet found and its header resolved (:mod:`sync.core.tables`);
2. validation of every client field (:mod:`sync.core.validation`) and the rules over whole
   rows (:mod:`sync.core.row_rules`);
3. duplicate groups (:mod:`sync.core.dedupe`);
4. the history: orders and interactions, segments, rhythm (:mod:`sync.core.history`);
5. client records with their enrichment, and their city and stale problems
   (:mod:`sync.core.records`);
6. the reasons behind VIP / hot / lapsed (:mod:`sync.core.explain`).

A caller may hand another set of stages with the same signatures (:mod:`sync.speed`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sync.core.config import Config
from sync.core.messages import notice
from sync.core.model import Fix, Outcome, Problem, Snapshot
from sync.core.records import client_facts
from sync.core.row_rules import row_rules
from sync.core.stages import Stages
from sync.core.tables import Table, normalise_ids
from sync.errors import SheetNotFoundError

ProgressFn = Callable[[str], None]

REFERENCE = Stages()


def run_pass(
    snapshot: Snapshot,
    config: Config,
    as_of: dt.date,
    progress: ProgressFn | None = None,
    stages: Stages = REFERENCE,
) -> Outcome:
    """Validate, deduplicate and segment the client base in ``snapshot``."""
    say = progress or (lambda _step: None)
    tables = _resolve_tables(snapshot, config, stages)
    problems: list[Problem] = []
    fixes: list[Fix] = []
    lang = config.language

    clients = tables["clients"]
    ids = normalise_ids(clients.raw.get("id"), len(clients.rows))
    # the history needs only the clients' IDs: a set of stages may compute it meanwhile
    pending = stages.begin_history(tables, ids, config, as_of)
    try:
        say("validating clients")
        checks = stages.validate_clients(clients, config, as_of, problems, fixes, snapshot.source)
        facts = client_facts(clients, checks, len(ids), config.segments.stale_from_added)
        row_rules(clients, checks, ids, config, problems, lang)

        say("finding duplicates")
        duplicates = stages.duplicates(clients, checks, config, problems)

        say("computing segments")
        history = pending.result(checks, facts)
    finally:
        pending.cancel()
    problems.extend(history.problems)
    records = stages.client_records(
        snapshot.source, clients, ids, history, duplicates, checks, facts, config, as_of
    )
    problems.extend(stages.record_problems(snapshot.source, clients, facts, records, config))
    explain = stages.explainer(records, config)

    problems.sort(
        key=lambda p: (p.sheet != clients.info.sheet, p.sheet, p.row, p.col_index or 0, p.code)
    )
    stages.release(tables, checks, facts, history)
    return Outcome(
        source=snapshot.source,
        as_of=as_of,
        language=lang,
        tables={role: t.info for role, t in tables.items()},
        problems=problems,
        duplicates=duplicates,
        records=records,
        fixes=fixes,
        rows_without_id=[r for r, i in zip(clients.rows, ids, strict=True) if i is None],
        referenced_ids=history.referenced,
        explain=explain,
    )


def _resolve_tables(snapshot: Snapshot, config: Config, stages: Stages) -> dict[str, Table]:
    tables: dict[str, Table] = {}
    for role, sheet_cfg in config.sheets.items():
        grid = snapshot.sheets.get(sheet_cfg.name)
        if grid is None:
            if role == "clients":
                every = snapshot.sheet_names or tuple(snapshot.sheets)
                params = {
                    "file": snapshot.source,
                    "sheet": sheet_cfg.name,
                    "key": "sheets.clients.name",
                    "sheets": ", ".join(f"'{n}'" for n in every) or "-",
                }
                raise SheetNotFoundError(notice("sheet.missing", config.language, params))
            continue
        tables[role] = stages.extract(grid, sheet_cfg, snapshot.source)
    return tables
