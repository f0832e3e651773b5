"""The one small interface every backend implements (xlsx files, Google Sheets, live Excel, memory).

The engine never sees a backend type: a source turns its storage into a :class:`Snapshot` and
applies a :class:`WritePlan`, refusing (``conflict``) when the storage changed since it was read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol, TypeVar, runtime_checkable

from sync.core.model import ApplyResult, CellValue, Snapshot, ToolSheet, WritePlan

T = TypeVar("T")


class Source(Protocol):
    """A place where a client base lives."""

    @property
    def name(self) -> str:
        """A short, non-personal name for messages and logs (the file name, ``gsheet:ID``)."""
        ...

    def read(self, sheets: Sequence[str]) -> Snapshot:
        """Read the named sheets (missing ones are listed in ``Snapshot.missing_sheets``)."""
        ...

    def apply(self, plan: WritePlan, expected_version: str) -> ApplyResult:
        """Write the plan unless the source changed since ``expected_version`` was read."""
        ...

    def close(self) -> None:
        """Release handles; the source must not be used afterwards."""
        ...


@runtime_checkable
class PreparesWrite(Protocol):
    """A source that can get ready for a write while the plan is being made."""

    def prepare_read_parts(self, snapshot: Snapshot) -> None:
        """Start decompressing what :meth:`Source.apply` rewrites (in the background), as soon
        as the pass is done; optional."""
        ...

    def prepare_write(self, snapshot: Snapshot, tool_sheets: tuple[ToolSheet, ...]) -> None:
        """Start what :meth:`Source.apply` will need anyway (in the background), once the
        plan's tool sheets are known and before its cells are planned; optional."""
        ...


@runtime_checkable
class Rehearses(Protocol):
    """A source that can tell, without writing, whether :meth:`Source.apply` would refuse."""

    def rehearse(self, plan: WritePlan) -> None:
        """Raise what ``apply`` would raise for ``plan``; write nothing (``--dry-run``)."""
        ...


def trimmed(rows: Iterable[Iterable[CellValue]]) -> list[list[CellValue]]:
    """Rows without trailing empty cells, and without trailing empty rows (what a sheet's used
    range holds, as the engine expects it)."""
    out = []
    for row in rows:
        cells = list(row)
        while cells and cells[-1] is None:
            cells.pop()
        out.append(cells)
    while out and not out[-1]:
        out.pop()
    return out


def row_runs(by_row: Mapping[int, T]) -> list[tuple[int, list[T]]]:
    """Contiguous runs of rows: (first row, the values of its run, in order)."""
    out: list[tuple[int, list[T]]] = []
    for row in sorted(by_row):
        if out and out[-1][0] + len(out[-1][1]) == row:
            out[-1][1].append(by_row[row])
        else:
            out.append((row, [by_row[row]]))
    return out
