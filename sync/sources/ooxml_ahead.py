"""Build the tool sheets (Problems, Summary) in a forked worker while the writer edits the
staff sheets: the two are independent but for style indexes, so the worker renders with
placeholder styles (:func:`build_tool_sheet_unstyled`) and the writer resolves them afterwards
in the order a sequential build would have created them — the package is byte-identical.

The worker is a :class:`sync.forked.Ahead` (Linux, single-threaded processes only: the CLI,
not the daemon), started only for tool sheets big enough to be worth it. Any failure of the
worker means the writer builds the sheets itself, as without it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sync.forked import Ahead, fork_usable
from sync.model import ToolSheet
from sync.sources.ooxml_toolsheet import StyleKey, build_tool_sheet_unstyled

__all__ = ["MIN_ROWS", "Built", "ToolSheetsAhead", "fork_usable"]

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
