"""Outcome → WritePlan: what the tool writes into the workbook (pure, backend neutral).

The plan is *declarative* for the tool's marks: it lists every cell that should carry a tool
highlight or note after the write; the source removes the tool's own marks everywhere else.
Values are only planned where they differ from what the sheet holds, so a second pass over an
unchanged workbook produces a plan that changes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from sync.core.config import Config
from sync.core.labels import (
    FLAG_LABELS,
    GENDERS,
    RULE_PREFIX,
    YES,
    column_header,
    pick,
    problems_headers,
    segment_label,
    sheet_title,
    temperature_label,
)
from sync.core.messages import column_note
from sync.core.model import (
    KEEP,
    CellEdit,
    CellValue,
    ClientRecord,
    Fix,
    Outcome,
    Problem,
    SheetEdits,
    SheetGrid,
    Snapshot,
    TableInfo,
    ToolSheet,
    WritePlan,
    column_letters,
)
from sync.core.severity import worst
from sync.core.summary import build_summary_sheet

_FIX_CODES = frozenset({"phone.fixed", "email.fixed", "name.fixed"})


def plan_writeback(
    outcome: Outcome,
    snapshot: Snapshot,
    config: Config,
    tool_sheets_known: Callable[[tuple[ToolSheet, ...]], None] | None = None,
) -> WritePlan:
    """Everything the tool should write after this pass.

    ``tool_sheets_known`` is told the plan's tool sheets as soon as they are planned, before
    the staff sheets' cells are (a source may start rendering them meanwhile)."""
    lang = config.language
    colors = config.output.colors
    tool_fills = (colors.error, colors.warning, colors.info)
    clients = outcome.tables["clients"]
    grid = snapshot.sheets[clients.sheet]
    rewrite = config.fix == "rewrite"

    # per sheet: cell -> [value, fill, note]; KEEP / None are "leave" / "not ours". A cell is
    # keyed row << 14 | col (columns end at 16 384 = 2 ** 14): an int hashes and sorts several
    # times faster than a (row, col) tuple, and a write plans ~400 000 cells.
    cells: dict[str, dict[int, list[Any]]] = defaultdict(dict)
    client_cells = cells[clients.sheet]

    def spec(by_cell: dict[int, list[Any]], row: int, col: int) -> list[Any]:
        key = row << _COL_BITS | col
        found = by_cell.get(key)
        if found is None:
            found = by_cell[key] = [KEEP, None, None]
        return found

    columns = _tool_columns(clients, config)
    for (row, col), value in _header_edits(clients, grid, columns, config).items():
        spec(client_cells, row, col)[0] = value
    if config.output.notes:
        # what ABC, XYZ, RFM, VIP and the temperature mean, with this office's bounds
        for key, col in columns.items():
            note = _column_note(key, config)
            if note:
                spec(client_cells, clients.header_row, col)[2] = note
    ids = _assign_ids(outcome, clients, grid)
    if ids:
        # the Summary lists clients by ID: show the IDs this write gives them, or the next
        # pass would rewrite the Summary once more
        outcome = dataclasses.replace(
            outcome,
            records=[
                dataclasses.replace(r, id=ids[r.row]) if r.row in ids and not r.id else r
                for r in outcome.records
            ],
        )
    rewrites: list[Fix] = []
    if rewrite:
        for fix in outcome.fixes:
            if _differs(snapshot.sheets[fix.sheet].cell(fix.row, fix.col_index), fix.new):
                spec(cells[fix.sheet], fix.row, fix.col_index)[0] = fix.new
                rewrites.append(fix)
    rewritten = {(f.sheet, f.row, f.col_index) for f in rewrites}
    if rewritten:
        # a rewritten value is in its standard form after this write: its "could be written
        # as" finding is gone (the next pass would not find it, and would rewrite the sheets)
        outcome = dataclasses.replace(
            outcome,
            problems=[
                p
                for p in outcome.problems
                if not (p.code in _FIX_CODES and (p.sheet, p.row, p.col_index) in rewritten)
            ],
        )
    tool_sheets = (
        _problems_sheet(outcome, config),
        build_summary_sheet(outcome, config),
    )
    if tool_sheets_known is not None:
        tool_sheets_known(tool_sheets)
    id_col = clients.field_columns.get("id") or columns.get("id")
    if id_col is not None:
        for row, new_id in ids.items():
            spec(client_cells, row, id_col)[0] = new_id
    group_rows = {g.group: g.rows for g in outcome.duplicates}
    grid_rows = grid.rows
    n_rows = len(grid_rows)
    records = outcome.records
    lines = [grid_rows[rec.row - 1] if rec.row <= n_rows else () for rec in records]
    for key, col in columns.items():
        if key == "id":
            continue
        i = col - 1
        values = _column_values(records, key, lang, group_rows)
        currents = [line[i] if i < len(line) else None for line in lines]
        if key in _NEVER_BLANK:
            # equal cells need nothing (for values that are never blank text, == implies
            # "not _differs"); a later pass finds most of them equal
            todo: Iterable[int] = [
                k for k, (c, v) in enumerate(zip(currents, values, strict=True)) if c != v
            ]
        else:
            todo = range(len(values))
        for k in todo:
            current, value = currents[k], values[k]
            if current is None:
                if value is None:
                    continue
            elif not _differs(current, value):
                continue
            cell = records[k].row << _COL_BITS | col
            found = client_cells.get(cell)
            if found is None:
                client_cells[cell] = [value, None, None]
            else:
                found[0] = value
    explain_col = columns.get("segment") or columns.get("vip")
    if config.output.notes and outcome.explain and explain_col:
        # why the client has this segment / VIP / temperature, as the tool cell's note
        # only for what staff act on — a note on every row would bury the problem notes
        for rec in outcome.records:
            if not (rec.vip or rec.temperature == "hot" or rec.extra.get("lapsed")):
                continue
            why = outcome.explain(rec)
            if why:
                spec(client_cells, rec.row, explain_col)[2] = "\n".join(why)

    fill_of = {"error": colors.error, "warning": colors.warning, "info": colors.info}
    marked = frozenset(config.output.mark)
    for (sheet, row, col), found in _problems_by_cell(outcome.problems, marked).items():
        mark = spec(cells[sheet], row, col)
        mark[1] = fill_of[worst([p.severity for p in found])]
        if config.output.notes:
            mark[2] = "\n".join([_bulleted(p.message) for p in found])

    edits = tuple(SheetEdits(sheet, _cell_edits(by_cell)) for sheet, by_cell in cells.items())
    # Sheets that had tool marks before but have no problems now still need clearing:
    # an empty SheetEdits for every configured sheet makes the declarative rule apply.
    present = {e.sheet for e in edits}
    edits += tuple(
        SheetEdits(t.sheet, ()) for t in outcome.tables.values() if t.sheet not in present
    )
    owned = tuple((clients.sheet, col) for key, col in columns.items() if key != "id")
    return WritePlan(edits, tool_sheets, tool_fills, tuple(rewrites), owned)


# A problem's message as a line of a note, made once per message: a pass plans ~50 000 notes
# of a few thousand distinct messages (and the same note is then the very same string).
_BULLETED: dict[str, str] = {}


def _bulleted(message: str) -> str:
    found = _BULLETED.get(message)
    if found is None:
        if len(_BULLETED) >= 100_000:
            _BULLETED.clear()
        found = _BULLETED[message] = f"• {message}"
    return found


_COL_BITS = 14
_COL_MASK = (1 << _COL_BITS) - 1


def _cell_edits(by_cell: dict[int, list[Any]]) -> tuple[CellEdit, ...]:
    """The planned cells in sheet order (by row, then column)."""
    new = tuple.__new__  # CellEdit's own constructor, without its Python-level wrapper
    keys = sorted(by_cell)
    return tuple(
        [
            new(CellEdit, (key >> _COL_BITS, key & _COL_MASK, value, fill, note))
            for key, (value, fill, note) in zip(keys, map(by_cell.__getitem__, keys), strict=True)
        ]
    )


# --------------------------------------------------------------------------- tool columns


def _tool_columns(table: TableInfo, config: Config) -> dict[str, int]:
    """Column (1-based) of each tool-owned column, found by header or appended at the right."""
    wanted = list(config.output.columns)
    for rule in config.segments.rules:
        key = RULE_PREFIX + rule.column
        if key not in wanted:
            wanted.append(key)
    if "id" not in table.field_columns:
        wanted.insert(0, "id")  # orders need IDs; the tool adds the column when there is none
    found: dict[str, int] = {}
    normal = {(h or "").strip().casefold(): i + 1 for i, h in enumerate(table.headers) if h}
    next_free = len(table.headers) + 1
    while next_free > 1 and not table.headers[next_free - 2]:
        next_free -= 1
    for key in wanted:
        header = column_header(key, config)
        col = normal.get(header.strip().casefold())
        if col is None:
            col = next_free
            next_free += 1
        found[key] = col
    return found


def _header_edits(
    table: TableInfo, grid: SheetGrid, columns: dict[str, int], config: Config
) -> dict[tuple[int, int], CellValue]:
    """Header cells of tool columns that are missing (a new column) or were retyped."""
    out: dict[tuple[int, int], CellValue] = {}
    for key, col in columns.items():
        header = column_header(key, config)
        current = grid.cell(table.header_row, col)
        if not (isinstance(current, str) and current.strip().casefold() == header.casefold()):
            out[(table.header_row, col)] = header
    return out


def _column_note(key: str, config: Config) -> str | None:
    seg = config.segments
    return column_note(
        key,
        config.language,
        a=f"{seg.abc[0] * 100:g}",
        b=f"{seg.abc[1] * 100:g}",
        x=f"{seg.xyz[0]:g}",
        y=f"{seg.xyz[1]:g}",
        multiple=f"{seg.vip_revenue_multiple:g}",
        orders=seg.vip_orders_365,
        hot=seg.hot_days,
    )


def _duplicate_link(
    rec: ClientRecord, group_rows: dict[int, tuple[int, ...]], by_row: dict[int, ClientRecord]
) -> CellValue:
    """``#12: C000123 Петров П. С.`` — the group number and the other records of the same
    person by ID and short name (row numbers change when staff sort the sheet; an ID does
    not), the row where a record has neither."""
    if rec.duplicate_group is None:
        return None
    others = []
    for r in group_rows.get(rec.duplicate_group, ()):
        other = by_row.get(r)
        if r == rec.row:
            continue
        parts = [other.id or "", short_name(other.name)] if other is not None else []
        others.append(" ".join(p for p in parts if p) or str(r))
    return f"#{rec.duplicate_group}: {', '.join(others)}"


def short_name(name: str | None) -> str:
    """``Петров П. С.`` for ``Петров Пётр Сергеевич``: the first word and initials."""
    words = (name or "").split()
    if not words:
        return ""
    return " ".join([words[0], *(f"{w[0]}." for w in words[1:] if w[0].isalpha())])


# tool columns whose values are None or non-blank text (labels, letters, links)
_NEVER_BLANK = frozenset(("duplicate", "segment", "temperature", "abc", "xyz", "vip"))


def _column_values(
    records: list[ClientRecord], key: str, lang: str, group_rows: dict[int, tuple[int, ...]]
) -> list[CellValue]:
    """Each record's value in tool column ``key``; the default columns are made a column at
    a time (labels looked up once per distinct value: a first write plans ~600 000 cells),
    the others by :func:`_value_of`."""
    if key == "duplicate":
        grouped = {rec.row: rec for rec in records if rec.duplicate_group is not None}
        return [
            None if rec.duplicate_group is None else _duplicate_link(rec, group_rows, grouped)
            for rec in records
        ]
    if key == "segment":
        segments = {s: segment_label(s, lang) for s in {rec.rfm_segment for rec in records}}
        return [segments[rec.rfm_segment] for rec in records]
    if key == "temperature":
        labels = {t: temperature_label(t, lang) for t in {rec.temperature for rec in records}}
        return [labels[rec.temperature] for rec in records]
    if key == "abc":
        return [rec.abc for rec in records]
    if key == "xyz":
        return [rec.xyz for rec in records]
    if key == "vip":
        return ["VIP" if rec.vip else None for rec in records]
    return [_value_of(rec, key, lang) for rec in records]


def _value_of(rec: ClientRecord, key: str, lang: str) -> CellValue:
    """One record's value in a tool column other than those :func:`_column_values` makes a
    column at a time."""
    if key == "rfm":
        return f"{rec.r}{rec.f}{rec.m}" if rec.r is not None else None
    if key == "revenue":
        return round(rec.revenue, 2) if rec.orders else None
    if key == "orders":
        return rec.orders or None
    if key == "last_order":
        return rec.last_order
    x = rec.extra
    if key.startswith(RULE_PREFIX):
        hits = x.get("rule_columns", {}).get(key[len(RULE_PREFIX) :])  # type: ignore[attr-defined]
        return ", ".join(hits) if hits else None
    if key == "flags":
        flags = [pick(FLAG_LABELS[f], lang) for f in x.get("flags", ()) if f in FLAG_LABELS]  # type: ignore[attr-defined]
        return ", ".join(flags) or None
    if key == "gender":
        gender = x.get("gender")
        return (
            pick(GENDERS[gender], lang) if isinstance(gender, str) and gender in GENDERS else None
        )
    if key == "mailable":
        return pick(YES, lang) if x.get("mailable") else None
    if key == "interactions":
        return x.get("interactions") or None  # type: ignore[return-value]
    if key == "contacts":
        counts = x.get("interaction_counts") or {}
        return ", ".join(f"{k} {n}" for k, n in sorted(counts.items())) or None  # type: ignore[attr-defined]
    if key in ("age", "age_group", "city", "country", "region", "last_contact"):
        return x.get(key)  # type: ignore[return-value]
    raise ValueError(f"unknown tool column {key!r}")


def _differs(current: CellValue, wanted: CellValue) -> bool:
    if isinstance(current, str) and not current.strip():
        current = None
    if current is None or wanted is None:
        return current is not wanted
    if isinstance(wanted, dt.date) and isinstance(current, dt.datetime):
        return current.date() != wanted or current.time() != dt.time()
    if isinstance(wanted, int | float) and isinstance(current, int | float):
        return abs(float(current) - float(wanted)) > 1e-9
    return bool(current != wanted)


# --------------------------------------------------------------------------- IDs


_ID_PATTERN = re.compile(r"^(.*?)(\d+)$")
_ASCII_DIGITS = "0123456789"


def _split_id(text: str) -> tuple[str, str] | None:
    """``("C", "000123")`` for ``"C000123"``: what ``_ID_PATTERN`` matches, without the regex
    for the usual ASCII digits (an ID ending in other decimal digits, or with a line break,
    which ``.`` and ``$`` treat apart, takes the regex)."""
    head = text.rstrip(_ASCII_DIGITS)
    if (head and head[-1].isdecimal()) or "\n" in text:
        m = _ID_PATTERN.match(text)
        return (m.group(1), m.group(2)) if m else None
    return (head, text[len(head) :]) if len(head) < len(text) else None


def _assign_ids(outcome: Outcome, table: TableInfo, grid: SheetGrid) -> dict[int, str]:
    """New IDs for rows without one, continuing the sheet's own pattern (``C000123`` → next)."""
    if not outcome.rows_without_id:
        return {}
    prefix, width, top = "C", 6, 0
    used = {rec.id for rec in outcome.records if rec.id} | set(outcome.referenced_ids)
    # each distinct ID split once into (prefix, number)
    split: dict[str, tuple[str, str]] = {}
    for existing in used:
        found = _split_id(existing)
        if found is not None:
            split[existing] = found
    counts: dict[tuple[str, int], int] = defaultdict(int)
    for rec in outcome.records:
        found = split.get(rec.id) if rec.id else None
        if found:
            counts[(found[0], len(found[1]))] += 1
    if counts:
        prefix, width = max(counts, key=counts.__getitem__)
    top = max((int(n) for p, n in split.values() if p == prefix), default=0)
    out: dict[int, str] = {}
    for row in outcome.rows_without_id:
        top += 1
        candidate = f"{prefix}{top:0{width}d}"
        while candidate in used:
            top += 1
            candidate = f"{prefix}{top:0{width}d}"
        used.add(candidate)
        out[row] = candidate
    return out


# --------------------------------------------------------------------------- marks


def _problems_by_cell(
    problems: list[Problem], marked: frozenset[str]
) -> dict[tuple[str, int, int], list[Problem]]:
    """The problems that mark each staff cell: those of a severity the config marks (the
    others are on the Problems sheet only; the plan being declarative, a cell a previous
    version or setting marked for them loses the tool's mark and nothing else)."""
    by_cell: dict[tuple[str, int, int], list[Problem]] = defaultdict(list)
    for p in problems:
        if p.col_index is None or p.severity not in marked:
            continue
        by_cell[(p.sheet, p.row, p.col_index)].append(p)
    return by_cell


# --------------------------------------------------------------------------- Problems sheet


def _problems_sheet(outcome: Outcome, config: Config) -> ToolSheet:
    lang = config.language
    rows: list[tuple[CellValue, ...]] = [tuple(problems_headers(lang))]
    links: dict[tuple[int, int], str] = {}
    fills: dict[tuple[int, int], str] = {}
    colors = {
        "error": config.output.colors.error,
        "warning": config.output.colors.warning,
        "info": config.output.colors.info,
    }
    for p in outcome.problems:
        ref = f"{column_letters(p.col_index)}{p.row}" if p.col_index else f"A{p.row}"
        rows.append((p.sheet, p.row, p.column, p.code, p.severity, p.message, p.suggestion, ref))
        out_row = len(rows)
        links[(out_row, 8)] = f"'{p.sheet.replace(chr(39), chr(39) * 2)}'!{ref}"
        fills[(out_row, 5)] = colors[p.severity]
    return ToolSheet(
        name=sheet_title("problems", config),
        rows=tuple(rows),
        links=links,
        fills=fills,
        bold_rows=(1,),
        column_widths=(14, 8, 18, 20, 10, 60, 28, 10),
        autofilter=True,
    )
