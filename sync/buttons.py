"""The Excel buttons: each runs clientbase on the workbook open in Excel (``RunPython`` from
``macros/ClientBase.bas``, or xlwings Server) and paints the result at once.

Thin: the same pass and write-back planning as ``clientbase sync``, applied through
:class:`~sync.sources.excel_live.ExcelLiveSource`. The config is the file named by
``CLIENTBASE_CONFIG``, else ``clientbase.toml`` next to the workbook, else the defaults.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from sync import service
from sync.config import Config, default_config
from sync.config_load import load_config
from sync.errors import UsageError
from sync.model import ApplyResult, WritePlan
from sync.sources.excel_live import ExcelLiveSource


def _book(book: Any | None) -> Any:
    if book is not None:
        return book
    import xlwings as xw  # only where Excel calls us

    return xw.Book.caller()


def _config(book: Any) -> Config:
    named = os.environ.get("CLIENTBASE_CONFIG")
    if named:
        return load_config(named)
    full = str(getattr(book, "fullname", "") or "")
    if full and not full.startswith(("http://", "https://")):
        beside = Path(full).parent / "clientbase.toml"
        if beside.is_file():
            return load_config(beside)
    return default_config()


def check_now(book: Any | None = None, as_of: dt.date | None = None) -> ApplyResult | None:
    """Validate, find duplicates, compute segments; paint problems, fill the tool's columns,
    rewrite the Problems and Summary sheets."""
    book = _book(book)
    result = service.sync(ExcelLiveSource(book), _config(book), as_of)
    return result.applied


# Finding duplicates and recomputing segments are parts of the same pass: the buttons exist
# because staff look for them by name, and they paint exactly what `check_now` paints.
find_duplicates = check_now
recompute_segments = check_now


def merge_selected_duplicates(
    book: Any | None = None, as_of: dt.date | None = None
) -> service.MergeResult:
    """Merge the duplicate group of the selected rows into its oldest row (the others go to the
    archive sheet, their orders and contacts are re-pointed; see ``clientbase merge``)."""
    book = _book(book)
    config = _config(book)
    source = ExcelLiveSource(book)
    _, outcome = service.check(source, config, as_of)
    selected = _selected_client_rows(book, outcome.tables["clients"].sheet)
    groups = [g for g in outcome.duplicates if selected & set(g.rows)]
    if len(groups) != 1:
        found = "no duplicate group" if not groups else f"{len(groups)} duplicate groups"
        raise UsageError(
            f"the selected rows {min(selected)}–{max(selected)} touch {found}; "
            "select rows of exactly one group (the Дубль column shows #N)"
        )
    return service.merge(source, config, groups[0].group, as_of)


def _selected_client_rows(book: Any, clients_sheet: str) -> set[int]:
    """Rows of the clients sheet the person selected — there, or as rows of the Problems
    sheet (its first two columns are the sheet and the row)."""
    selection = book.selection
    rows = range(selection.row, selection.row + selection.rows.count)
    if selection.sheet.name == clients_sheet:
        return set(rows)
    sheet = selection.sheet
    out = set()
    for row in rows:
        where, number = sheet.range((row, 1)).value, sheet.range((row, 2)).value
        if where == clients_sheet and isinstance(number, int | float):
            out.add(int(number))
    return out


def clear_highlights(book: Any | None = None) -> ApplyResult:
    """Remove every fill and note the tool painted (staff's own colours and notes stay)."""
    book = _book(book)
    source = ExcelLiveSource(book)
    snapshot = source.read(service.configured_sheets(_config(book)))
    return source.apply(WritePlan(()), snapshot.version)
