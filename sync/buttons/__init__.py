"""The Excel buttons: each runs clientbase on the workbook open in Excel (``RunPython`` from
``macros/ClientBase.bas``, or xlwings Server) and paints the result at once.

Thin: the same pass and write-back planning as ``clientbase sync``, applied through
:class:`~sync.sources.excel.live.ExcelLiveSource`. The config is the file named by
``CLIENTBASE_CONFIG``, else ``clientbase.toml`` next to the workbook, else the workbook's own
``clientbase.conf`` sheet (a TOML line per row in column A, or keys in A and values in B — the
only way with xlwings Server, where the workbook has no folder), else the defaults.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sync import service
from sync.config_load import CONFIG_NAME, CONFIG_SHEET, load_config, parse_config_sheet
from sync.core.config import Config, default_config
from sync.core.labels import sheet_title
from sync.core.messages import message
from sync.core.model import ApplyResult, WritePlan
from sync.errors import ClientbaseError, UsageError
from sync.sources.excel.live import ExcelLiveSource


def _book(book: Any | None) -> Any:
    if book is not None:
        return book
    import xlwings as xw  # only where Excel calls us

    return xw.Book.caller()


def _folder(book: Any) -> Path | None:
    """The workbook's folder, when it is a local file (not new, not on a server)."""
    full = str(getattr(book, "fullname", "") or "")
    if not full or not Path(full).is_absolute() or not Path(full).parent.is_dir():
        return None
    return Path(full).parent


def _config(book: Any) -> Config:
    named = os.environ.get("CLIENTBASE_CONFIG")
    if named:
        return load_config(named)
    folder = _folder(book)
    if folder is not None and (folder / CONFIG_NAME).is_file():
        return load_config(folder / CONFIG_NAME)
    if CONFIG_SHEET in [s.name for s in book.sheets]:
        values = book.sheets[CONFIG_SHEET].used_range.options(ndim=2).value or []
        return parse_config_sheet(values, str(book.name))
    return default_config()


F = TypeVar("F", bound=Callable[..., Any])

# What a person pressing a button reads when it cannot do what was asked (ru / uk / en).
_NOT_ONE_GROUP = (
    "Выделенные строки {rows} не относятся к одной группе дублей ({found}). Выделите строки "
    "одной группы — её номер #N в колонке «Дубль» — или её строку на листе проблем.",
    "Виділені рядки {rows} не належать до однієї групи дублів ({found}). Виділіть рядки "
    "однієї групи — її номер #N у колонці «Дубль» — або її рядок на аркуші проблем.",
    "The selected rows {rows} are not in one duplicate group ({found}). Select the rows of one "
    "group — its #N in the Duplicate column — or its row on the Problems sheet.",
)
_FOUND = (("ни одной", "жодної", "none"), ("групп: {n}", "груп: {n}", "{n} groups"))


def button(fn: F) -> F:
    """A button: a clientbase error (a broken config, a wrong selection) is shown to the person
    in an Excel message box, not as a Python traceback; the workbook is left as it was."""

    @functools.wraps(fn)
    def run(book: Any | None = None, *args: Any, **kwargs: Any) -> Any:
        book = _book(book)
        try:
            return fn(book, *args, **kwargs)
        except ClientbaseError as exc:
            book.app.alert(str(exc), title="clientbase")
            return None

    return run  # type: ignore[return-value]


@button
def check_now(book: Any | None = None, as_of: dt.date | None = None) -> ApplyResult | None:
    """Validate, find duplicates, compute segments; paint problems, fill the tool's columns,
    rewrite the Problems and Summary sheets."""
    config = _config(book)
    source = ExcelLiveSource(book)
    result = service.sync(source, config, as_of)
    _tell_unnoted(book, source, config)
    return result.applied


def _tell_unnoted(book: Any, source: ExcelLiveSource, config: Config) -> None:
    """A client that cannot write notes (xlwings' VBA client, Office.js before ExcelApi 1.18):
    one message box says where the messages are instead."""
    if source.unnoted:
        params = {"count": str(source.unnoted), "sheet": sheet_title("problems", config)}
        book.app.alert(message("notice.notes_unavailable", config.language, params), "clientbase")


# Finding duplicates and recomputing segments are parts of the same pass: the buttons exist
# because staff look for them by name, and they paint exactly what `check_now` paints.
find_duplicates = check_now
recompute_segments = check_now


@button
def fix_formats(book: Any | None = None, as_of: dt.date | None = None) -> ApplyResult | None:
    """Write the standard form of valid phones, emails and names into their cells (what the
    Problems sheet suggests; ``clientbase fix``), the originals to the audit log."""
    from sync.daemon.workbook_pass import audit_entries

    config = _config(book)
    fields = [f for names in service.FIX_FIELDS.values() for f in names]
    result = service.sync(ExcelLiveSource(book), config, as_of, fix_fields=fields)
    folder = _folder(book)
    applied = result.applied
    if folder is not None and applied is not None and applied.status == "applied":
        where = Path(str(getattr(book, "fullname", "")))
        service.record_audit(audit_entries(where, result.outcome, result.plan), config, folder)
    return applied


@button
def merge_selected_duplicates(
    book: Any | None = None, as_of: dt.date | None = None
) -> service.MergeResult | None:
    """Merge the duplicate group of the selected rows into its oldest row (the others go to the
    archive sheet, their orders and contacts are re-pointed; see ``clientbase merge``)."""
    config = _config(book)
    source = ExcelLiveSource(book)
    _, outcome = service.check(source, config, as_of)
    selected = _selected_client_rows(book, outcome.tables["clients"].sheet)
    groups = [g for g in outcome.duplicates if selected & set(g.rows)]
    if len(groups) != 1:
        lang = ("ru", "uk", "en").index(config.language)
        found = _FOUND[bool(groups)][lang].format(n=len(groups))
        rows = f"{min(selected)}–{max(selected)}" if selected else "—"
        raise UsageError(_NOT_ONE_GROUP[lang].format(rows=rows, found=found))
    result = service.merge(source, config, groups[0].group, as_of)
    _tell_unnoted(book, source, config)
    folder = _folder(book)
    if folder is not None and result.applied is not None and result.applied.status == "applied":
        service.record_audit(result.audit, config, folder)
    return result


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


@button
def clear_highlights(book: Any | None = None) -> ApplyResult | None:
    """Remove every fill and note the tool painted (staff's own colours and notes stay)."""
    source = ExcelLiveSource(book)
    snapshot = source.read(service.configured_sheets(_config(book)))
    return source.apply(WritePlan(()), snapshot.version)
