"""Forked workers for the writer, while it rewrites the staff sheets' rows:

- :class:`ToolSheetsAhead` builds the tool sheets (Problems, Summary). They are independent of
  the staff sheets but for style indexes, so the worker renders with placeholder styles
  (:func:`build_tool_sheet_unstyled`) and the writer resolves them afterwards in the order a
  sequential build would have created them;
- :class:`PreparedToolSheets` does the same earlier, forked when the plan's tool sheets are
  known and its cells not yet (``XlsxSource.prepare_write``): it renders every tool sheet, and
  the writer skips those unchanged since its last write;
- :class:`NotesAhead` makes the staff sheets' comments parts and VML drawings
  (:func:`notes_parts`) — for sheets without a VML drawing yet, so that which drawing a sheet's
  notes go to does not depend on the rows being rewritten.

Either way the package is byte-identical to a sequential write.

The worker is a :class:`sync.speed.forked.Ahead` (Linux, single-threaded processes only: the CLI,
not the daemon), started only for tool sheets big enough to be worth it. Any failure of the
worker means the writer builds the sheets itself, as without it.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sync.core.model import SheetEdits, ToolSheet
from sync.sources.xlsx.ooxml.comments import NotesDone, notes_parts
from sync.sources.xlsx.ooxml.parts import uses_date1904
from sync.sources.xlsx.ooxml.toolsheet import (
    StyleKey,
    build_tool_sheet_unstyled,
    edits_digest,
    tool_sheet_digest,
)
from sync.speed.forked import Ahead, fork_usable

__all__ = [
    "MIN_NOTES",
    "MIN_ROWS",
    "Built",
    "NotesAhead",
    "NotesJob",
    "PreparedToolSheets",
    "ToolSheetsAhead",
    "fork_usable",
]

# Below this many rows in all tool sheets together a fork costs more than it saves.
MIN_ROWS = 20_000

# (digest, None, []) for a sheet to skip; (digest, xml with placeholders, style keys)
Built = tuple[str, bytes | None, list[StyleKey]]


class ToolSheetsAhead:
    """A worker building tool sheets; :meth:`result` collects them (None: build them here)."""

    def __init__(self, worker: Ahead[list[Built]]) -> None:
        self._worker = worker

    @classmethod
    def start(
        cls,
        sheets: Sequence[ToolSheet],
        date1904: bool,
        digest: Callable[[ToolSheet], str],
        unchanged: Callable[[ToolSheet, str], bool],
    ) -> ToolSheetsAhead | None:
        """Fork a worker for ``sheets``; None when not worth it or not possible here.

        ``digest`` and ``unchanged`` run in the worker: they may only read memory."""
        if sum(len(s.rows) for s in sheets) < MIN_ROWS:
            return None

        def build() -> list[Built]:
            out: list[Built] = []
            for sheet in sheets:
                d = digest(sheet)
                if unchanged(sheet, d):
                    out.append((d, None, []))
                else:
                    xml, keys = build_tool_sheet_unstyled(sheet, date1904)
                    out.append((d, xml, keys))
            return out

        worker = Ahead.start(build, lambda found: isinstance(found, list))
        return cls(worker) if worker is not None else None

    def result(self) -> list[Built] | None:
        """The worker's sheets, in order; None when it failed."""
        return self._worker.result()

    def cancel(self) -> None:
        """Stop and reap the worker (the writer failed, or did not need it)."""
        self._worker.cancel()


# Below this many planned notes in all sheets together a fork costs more than it saves.
MIN_NOTES = 10_000


@dataclass(frozen=True, slots=True)
class NotesJob:
    """The inputs of :func:`notes_parts` for one sheet that has no VML drawing yet."""

    sheet: str
    label: str
    old_comments: bytes | None
    wanted: dict[tuple[int, int], str]
    keep: set[tuple[int, int]]
    recorded: frozenset[str]


class NotesAhead:
    """A worker making the notes parts of some sheets; :meth:`result` collects them. On the
    way it also makes the plan's marks digests (``edits_digest``) the writer's record needs
    at the end, which would otherwise cost this process ~0.15 s on 100 000 clients."""

    def __init__(self, worker: Ahead[tuple[dict[str, NotesDone], dict[str, str]]]) -> None:
        self._worker = worker
        self._done: dict[str, NotesDone] | None = None
        self._digests: dict[str, str] = {}
        self._collected = False

    @classmethod
    def start(
        cls,
        jobs: Sequence[NotesJob],
        author: str,
        shapes: tuple[set[int], set[int]],
        digest: Sequence[SheetEdits] = (),
    ) -> NotesAhead | None:
        """Fork a worker for ``jobs`` (in sheet order: new notes take shape ids in that order
        from ``shapes``, the workbook's ids in use) and the digests of ``digest``; None when
        not worth it or not possible."""
        if sum(len(job.wanted) for job in jobs) < MIN_NOTES:
            return None

        def build() -> tuple[dict[str, NotesDone], dict[str, str]]:
            notes = {
                job.sheet: notes_parts(
                    job.old_comments,
                    lambda: None,
                    job.label,
                    job.wanted,
                    job.keep,
                    author,
                    job.recorded,
                    lambda: shapes,
                )
                for job in jobs
            }
            return notes, {edits.sheet: edits_digest(edits) for edits in digest}

        worker = Ahead.start(build, _is_notes_answer)
        return cls(worker) if worker is not None else None

    def result(self, sheet: str) -> NotesDone | None:
        """The notes of ``sheet`` as the worker made them; None when it failed (then the
        writer makes every sheet's notes itself, so shape ids are given out in one place)."""
        if not self._collected:
            self._collected = True
            found = self._worker.result()
            if found is not None:
                self._done, self._digests = found
        return self._done.get(sheet) if self._done is not None else None

    def digests(self) -> dict[str, str]:
        """The digests the worker made, once its answer was collected (else none)."""
        return dict(self._digests)

    def failed(self) -> bool:
        """Collected, and the worker gave nothing."""
        return self._collected and self._done is None

    def cancel(self) -> None:
        self._worker.cancel()


def _is_notes_answer(found: object) -> bool:
    return (
        isinstance(found, tuple)
        and len(found) == 2
        and isinstance(found[0], dict)
        and isinstance(found[1], dict)
    )


class PreparedToolSheets:
    """The tool sheets of a plan rendered by a worker forked before the write began."""

    def __init__(
        self, sheets: tuple[ToolSheet, ...], date1904: bool, worker: ToolSheetsAhead
    ) -> None:
        self._sheets = sheets
        self._date1904 = date1904
        self._worker = worker

    @classmethod
    def start(cls, path: Path, sheets: tuple[ToolSheet, ...]) -> PreparedToolSheets | None:
        """Fork a worker rendering ``sheets`` for the workbook at ``path``; None when not
        worth it, not possible here, or the workbook cannot be read (the writer says why)."""
        try:
            with zipfile.ZipFile(path) as zf:
                date1904 = uses_date1904(zf.read("xl/workbook.xml"))
        except (OSError, KeyError, zipfile.BadZipFile, ValueError):
            return None
        worker = ToolSheetsAhead.start(
            sheets,
            date1904,
            lambda sheet: tool_sheet_digest(sheet, date1904),
            lambda sheet, digest: False,  # every sheet: the writer knows what it wrote
        )
        return cls(sheets, date1904, worker) if worker is not None else None

    def matches(self, sheets: tuple[ToolSheet, ...], date1904: bool) -> bool:
        """Rendered for these very sheets, with the date system the writer found."""
        return sheets is self._sheets and date1904 == self._date1904

    def result(self) -> list[Built] | None:
        return self._worker.result()

    def cancel(self) -> None:
        self._worker.cancel()
