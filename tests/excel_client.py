"""What Excel's client does with the actions an xlwings remote call sends back, for the
actions the buttons use — so a test (or the bench) can press a button a second time on the
workbook as Excel would send it then. Fills are not part of the payload Excel sends; they are
kept beside it, per sheet, to be looked at."""

from __future__ import annotations

import copy
import re
from typing import Any

Fills = dict[str, dict[tuple[int, int], str]]


def _cell(address: str) -> tuple[int, int]:
    m = re.fullmatch(r"\$?([A-Z]+)\$?(\d+)", address)
    assert m, address
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


def cells_of(address: str) -> list[tuple[int, int]]:
    """(row, column) of each cell of a multi-area address such as ``C3:C9,E7``."""
    out = []
    for area in address.split(","):
        first, _, last = area.partition(":")
        (r1, c1), (r2, c2) = _cell(first), _cell(last or first)
        out += [(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]
    return out


def replay(api: dict[str, Any], actions: list[dict[str, Any]], fills: Fills) -> dict[str, Any]:
    """The payload Excel would send after applying ``actions`` to ``api``; ``fills`` updated."""
    out = copy.deepcopy(api)
    sheets = out["sheets"]
    for a in actions:
        func = a["func"]
        if func == "addSheet":
            index, name = a["args"]
            new = {"name": name, "values": [[]], "pictures": [], "tables": []}
            if "notes" in sheets[0]:  # the client's shape: notes only where it sends them
                new.update(
                    {k: copy.deepcopy(sheets[0][k]) for k in ("notes_supported",) if k in sheets[0]}
                )
                new["notes"] = []
            sheets.insert(index, new)
            continue
        if func in ("alert", "runMacro") and a["sheet_position"] is None:
            sheet = sheets[0]  # book-level actions
        else:
            sheet = sheets[a["sheet_position"]] if a["sheet_position"] is not None else None
        assert sheet is not None, a
        colours = fills.setdefault(sheet["name"], {})
        if func == "setValues":
            values = sheet["values"]
            top, left = a["start_row"], a["start_column"]
            for i, row in enumerate(a["values"]):
                while len(values) <= top + i:
                    values.append([])
                line = values[top + i]
                line.extend([""] * (left + len(row) - len(line)))
                line[left : left + len(row)] = ["" if v is None else v for v in row]
            width = max(len(r) for r in values)
            for line in values:
                line.extend([""] * (width - len(line)))
        elif func == "sheetClearContents":
            sheet["values"] = [[]]
        elif func == "addNote":
            assert "notes" in sheet, "a client that sent no notes cannot add one"
            sheet["notes"].append({"address": a["args"][0]})
        elif func == "deleteNote":
            key = _cell(a["args"][0])
            sheet["notes"] = [n for n in sheet["notes"] if _cell(n["address"]) != key]
        elif func == "setRangeColors":
            for i, row in enumerate(a["args"][0]):
                for j, colour in enumerate(row):
                    where = (a["start_row"] + 1 + i, a["start_column"] + 1 + j)
                    if colour is None:
                        colours.pop(where, None)
                    elif colour != "keep":
                        colours[where] = colour
        elif func == "setRangeColor":
            for i in range(a["row_count"]):
                for j in range(a["column_count"]):
                    where = (a["start_row"] + 1 + i, a["start_column"] + 1 + j)
                    if a["args"][0] is None:
                        colours.pop(where, None)
                    else:
                        colours[where] = a["args"][0]
        elif func == "sheetClear":
            sheet["values"] = [[]]
            colours.clear()
        elif func == "runMacro" and a["args"][0].endswith(
            ("!ClientBasePaint", "!ClientBaseClearFill")
        ):
            # the VBA module's helpers: a multi-area address painted, or its fills removed
            name, address, *colour = a["args"][1:]
            target = fills.setdefault(name, {})
            for cell in cells_of(address):
                if colour:
                    target[cell] = colour[0]
                else:
                    target.pop(cell, None)
        elif func in ("setNoteText", "setSheetVisibility", "addHyperlink", "alert", "runMacro"):
            pass  # not part of the payload Excel sends back
        else:
            raise AssertionError(f"the client model does not know {func}")
    out["book"]["name"] = out["book"]["name"]  # same workbook
    return out
