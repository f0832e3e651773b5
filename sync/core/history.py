"""What the orders and interactions say: their sheets validated into frames, the rows naming
no client or one the clients sheet lacks, and per client the segments (revenue, RFM, ABC,
XYZ, VIP, temperature) and rhythm (lapses, contact history).

Only this part of a pass uses pandas, so it is imported here, where frames are made.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sync.core.config import Config
from sync.core.marketing import PersonalRow, RhythmByID
from sync.core.messages import message
from sync.core.model import Problem, SegmentRow
from sync.core.tables import Table, normalise_id, normalise_ids
from sync.core.validation import validate_table
from validators.base import FieldCheck

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True, slots=True)
class History:
    """What the pass needs of the orders and interactions."""

    problems: list[Problem]  # of the orders and interactions sheets
    segments: list[SegmentRow]  # per client row
    rhythm: RhythmByID  # lapses and contact history per client ID
    referenced: frozenset[str]  # client IDs that orders or interactions name
    # the frames themselves (None where they were made in another process)
    frames: tuple[pd.DataFrame, pd.DataFrame] | None
    # what each client row says of the person (marketing.personal_row), when it was computed
    # beforehand; None: enrichment computes it
    personal: list[PersonalRow] | None = None


@dataclass(frozen=True, slots=True)
class Frame:
    """An orders / interactions sheet as a frame, the problems of its own cells, and each
    row's client ID."""

    frame: pd.DataFrame  # never modified once made: it may be shared
    problems: tuple[Problem, ...]
    ids: list[str | None]


def _validated(
    table: Table, config: Config, as_of: dt.date, lang: str
) -> tuple[list[Problem], dict[str, list[FieldCheck]], list[str | None], list[object]]:
    """An orders / interactions table's problems, checks, client IDs and dates."""
    found: list[Problem] = []
    checks = validate_table(table, config, as_of, found, [], lang)
    ids = normalise_ids(table.raw["client_id"], len(table.rows))
    dates: list[object] = (
        [c.normalized for c in checks["date"]] if "date" in checks else [None] * len(ids)
    )
    return found, checks, ids, dates


def has_client_ids(table: Table | None) -> bool:
    return table is not None and "client_id" in table.raw


def orders_frame(table: Table | None, config: Config, as_of: dt.date, lang: str) -> Frame:
    """The orders as a frame: client ID, date, amount and the date as datetime64."""
    import pandas as pd

    if table is None or not has_client_ids(table):
        empty = {
            "client_id": pd.Series([], dtype=object),
            "date": pd.Series([], dtype=object),
            "amount": pd.Series([], dtype=float),
        }
        return Frame(pd.DataFrame(empty), (), [])
    found, checks, ids, dates = _validated(table, config, as_of, lang)
    amounts = (
        [c.normalized if c.normalized is not None else math.nan for c in checks["amount"]]
        if "amount" in checks
        else [math.nan] * len(ids)
    )
    frame = pd.DataFrame(
        {
            "client_id": pd.Series(ids, dtype=object),
            "date": pd.Series(dates, dtype=object),
            "amount": pd.Series(amounts, dtype=float),
            # the same dates as datetime64, converted once for segments and lapsed regulars
            "day": pd.to_datetime(pd.Series(dates, dtype=object)),
        }
    )
    return Frame(frame, tuple(found), ids)


def interactions_frame(table: Table | None, config: Config, as_of: dt.date, lang: str) -> Frame:
    """The interactions as a frame: client ID, date and, where the sheet has it, the kind."""
    import pandas as pd

    if table is None or not has_client_ids(table):
        empty = {"client_id": pd.Series([], dtype=object), "date": pd.Series([], dtype=object)}
        return Frame(pd.DataFrame(empty), (), [])
    found, _, ids, dates = _validated(table, config, as_of, lang)
    frame = pd.DataFrame(
        {"client_id": pd.Series(ids, dtype=object), "date": pd.Series(dates, dtype=object)}
    )
    if "kind" in table.raw:
        frame["kind"] = pd.Series([normalise_id(k) for k in table.raw["kind"]], dtype=object)
    return Frame(frame, tuple(found), ids)


def unknown_rows(
    table: Table, ids: list[str | None], known_ids: set[str], lang: str
) -> list[Problem]:
    """Rows of ``table`` (orders, whose client IDs are ``ids``) without a client ID, or naming
    one the clients sheet lacks."""
    problems: list[Problem] = []
    info = table.info
    col = info.field_columns["client_id"]
    header = info.headers[col - 1]
    for row, id_ in zip(table.rows, ids, strict=True):
        if id_ is None:
            code, severity = "required.missing", "error"
        elif id_ not in known_ids:
            code, severity = "order.unknown_client", "warning"
        else:
            continue
        problems.append(
            Problem(
                info.sheet,
                row,
                header,
                "client_id",
                code,
                severity,  # type: ignore[arg-type]
                message(code, lang),
                None,
                col,
            )
        )
    return problems


def referenced_ids(orders: pd.DataFrame, interactions: pd.DataFrame) -> frozenset[str]:
    """The client IDs that orders or interactions name."""
    return frozenset(filter(None, [*orders["client_id"], *interactions["client_id"]]))
