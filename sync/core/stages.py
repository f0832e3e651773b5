"""The stages of a pass, as plain functions: the readable reference of every rule.

:func:`sync.core.engine.run_pass` calls each stage through a :class:`Stages` object. This class
is the reference: every method computes its answer from its arguments alone. The accelerators
in :mod:`sync.speed` subclass it and override stages with the same signatures (a long-lived
process's memory of earlier passes, a one-shot pass's second core); the tests run the engine
on each set and compare the outcomes. Nothing here knows that they exist.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from sync.core import history as hist
from sync.core import records as rec
from sync.core.config import Config, SegmentsConfig, SheetConfig
from sync.core.explain import explainer
from sync.core.marketing import ClientFacts, RhythmByID, client_rhythm, mean_buyer_revenue
from sync.core.model import ClientRecord, DuplicateGroup, Fix, Problem, SegmentRow, SheetGrid
from sync.core.row_rules import duplicate_groups
from sync.core.segments import segment_rows
from sync.core.tables import Table, extract_table
from sync.core.validation import validate_table
from validators.base import FieldCheck

if TYPE_CHECKING:
    import pandas as pd


class PendingHistory(Protocol):
    """The history of a pass, asked for before the clients are validated and taken after."""

    def result(self, checks: dict[str, list[FieldCheck]], facts: ClientFacts) -> hist.History:
        """The history (``checks`` and ``facts``: the clients' validation, for a stage that
        can use the wait)."""
        ...

    def cancel(self) -> None:
        """Give up on it (the pass failed)."""
        ...


class _Deferred:
    """The reference's pending history: computed when it is taken."""

    def __init__(self, stages: Stages, tables: dict[str, Table], ids: list[str | None],
                 config: Config, as_of: dt.date) -> None:  # fmt: skip
        self._args = (tables, ids, config, as_of)
        self._stages = stages

    def result(self, checks: dict[str, list[FieldCheck]], facts: ClientFacts) -> hist.History:
        return self._stages.history(*self._args)

    def cancel(self) -> None:
        pass


class Stages:
    """The reference stages (see the module's docstring)."""

    # ------------------------------------------------------------------ tables and validation

    def extract(self, grid: SheetGrid, sheet_cfg: SheetConfig, source: str) -> Table:
        """The table of a configured sheet."""
        return extract_table(grid, sheet_cfg, source)

    def validate_clients(
        self,
        table: Table,
        config: Config,
        as_of: dt.date,
        problems: list[Problem],
        fixes: list[Fix],
        source: str,
    ) -> dict[str, list[FieldCheck]]:
        """The clients' validation (problems and fixes recorded), by field."""
        return validate_table(table, config, as_of, problems, fixes, config.language)

    def duplicates(
        self, table: Table, checks: dict[str, list[FieldCheck]], config: Config,
        problems: list[Problem],
    ) -> list[DuplicateGroup]:  # fmt: skip
        """The duplicate groups among the clients (their problems recorded)."""
        return duplicate_groups(table, checks, config, problems, config.language)

    # ------------------------------------------------------------------ history and segments

    def begin_history(
        self, tables: dict[str, Table], ids: list[str | None], config: Config, as_of: dt.date
    ) -> PendingHistory:
        """The history of the orders and interactions, to be taken after the clients'
        validation (it needs only their IDs)."""
        return _Deferred(self, tables, ids, config, as_of)

    def history(
        self, tables: dict[str, Table], ids: list[str | None], config: Config, as_of: dt.date
    ) -> hist.History:
        """Orders, interactions, segments and rhythm."""
        lang = config.language
        found: list[Problem] = []
        orders_table = tables.get("orders")
        orders = self.orders_frame(orders_table, config, as_of)
        found.extend(orders.problems)
        if orders_table is not None and hist.has_client_ids(orders_table):
            known = set(filter(None, ids))
            found.extend(self.unknown_clients(orders_table, orders.ids, known, lang))
        interactions = self.interactions_frame(tables.get("interactions"), config, as_of)
        found.extend(interactions.problems)
        o, i = orders.frame, interactions.frame
        return hist.History(
            found,
            self.segments(ids, o, i, config.segments, as_of),
            self.rhythm(o, i, config.segments, as_of),
            self.referenced(o, i),
            (o, i),
        )

    def orders_frame(self, table: Table | None, config: Config, as_of: dt.date) -> hist.Frame:
        return hist.orders_frame(table, config, as_of, config.language)

    def interactions_frame(self, table: Table | None, config: Config, as_of: dt.date) -> hist.Frame:
        return hist.interactions_frame(table, config, as_of, config.language)

    def unknown_clients(
        self, table: Table, ids: list[str | None], known_ids: set[str], lang: str
    ) -> list[Problem]:
        """Orders naming no client, or one the clients sheet lacks."""
        return hist.unknown_rows(table, ids, known_ids, lang)

    def segments(
        self,
        ids: list[str | None],
        orders: pd.DataFrame,
        interactions: pd.DataFrame,
        cfg: SegmentsConfig,
        as_of: dt.date,
    ) -> list[SegmentRow]:
        return segment_rows(ids, orders, interactions, cfg, as_of)

    def rhythm(
        self, orders: pd.DataFrame, interactions: pd.DataFrame, cfg: SegmentsConfig,
        as_of: dt.date,
    ) -> RhythmByID:  # fmt: skip
        return client_rhythm(orders, interactions, cfg, as_of)

    def referenced(self, orders: pd.DataFrame, interactions: pd.DataFrame) -> frozenset[str]:
        return hist.referenced_ids(orders, interactions)

    # ------------------------------------------------------------------ records

    def client_records(
        self,
        source: str,
        clients: Table,
        ids: list[str | None],
        history: hist.History,
        duplicates: list[DuplicateGroup],
        checks: dict[str, list[FieldCheck]],
        facts: ClientFacts,
        config: Config,
        as_of: dt.date,
    ) -> list[ClientRecord]:
        return rec.client_records(clients, ids, history, duplicates, checks, facts, config, as_of)

    def record_problems(
        self,
        source: str,
        table: Table,
        facts: ClientFacts,
        records: list[ClientRecord],
        config: Config,
    ) -> list[Problem]:
        """The records' city and stale problems, in row order."""
        found = rec.record_problems(table, facts, records, config, range(len(records)))
        return [p for i in sorted(found) for p in found[i]]

    def explainer(
        self, records: list[ClientRecord], config: Config
    ) -> Callable[[ClientRecord], list[str]]:
        """The reasons behind each record's flags (VIP, hot, lapsed), for its notes."""
        return explainer(mean_buyer_revenue(records), config.segments, config.language)

    # ------------------------------------------------------------------ the end of a pass

    def release(self, *objects: object) -> None:
        """The pass is done with ``objects`` (its intermediates): they are freed as usual."""
