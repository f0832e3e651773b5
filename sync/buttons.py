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


def clear_highlights(book: Any | None = None) -> ApplyResult:
    """Remove every fill and note the tool painted (staff's own colours and notes stay)."""
    book = _book(book)
    source = ExcelLiveSource(book)
    snapshot = source.read(service.configured_sheets(_config(book)))
    return source.apply(WritePlan(()), snapshot.version)
