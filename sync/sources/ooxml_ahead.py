"""Build the tool sheets (Problems, Summary) in a forked worker while the writer edits the
staff sheets: the two are independent but for style indexes, so the worker renders with
placeholder styles (:func:`build_tool_sheet_unstyled`) and the writer resolves them afterwards
in the order a sequential build would have created them — the package is byte-identical.

Only where ``fork`` is cheap and safe: Linux, a process with a single thread (the CLI; not the
daemon, whose other threads may hold locks), and tool sheets big enough to be worth it. The
worker touches no file: it only reads memory it inherited and writes one pickle to a pipe.
Any failure of the worker means the writer builds the sheets itself, as without it.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Sequence

from sync.model import ToolSheet
from sync.sources.ooxml_toolsheet import StyleKey, build_tool_sheet_unstyled

# Below this many rows in all tool sheets together a fork costs more than it saves.
MIN_ROWS = 20_000

# (digest, None, []) for a sheet to skip; (digest, xml with placeholders, style keys)
Built = tuple[str, bytes | None, list[StyleKey]]


def fork_usable() -> bool:
    return (
        sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1
    )


class ToolSheetsAhead:
    """A worker building tool sheets; :meth:`result` collects them (None: build them here)."""

    def __init__(self, pid: int, fd: int) -> None:
        self._pid = pid
        self._fd = fd
        self._done = False

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
        if sum(len(s.rows) for s in sheets) < MIN_ROWS or not fork_usable():
            return None
        try:
            read_fd, write_fd = os.pipe()
        except OSError:
            return None
        try:
            pid = os.fork()
        except OSError:
            os.close(read_fd)
            os.close(write_fd)
            return None
        if pid == 0:  # the worker: never returns
            os.close(read_fd)
            _work(write_fd, sheets, date1904, digest, unchanged)
        os.close(write_fd)
        return cls(pid, read_fd)

    def result(self) -> list[Built] | None:
        """The worker's sheets, in order; None when it failed."""
        if self._done:
            return None
        self._done = True
        data = b""
        try:
            with os.fdopen(self._fd, "rb") as fh:
                data = fh.read()
        except OSError:
            pass
        _, status = os.waitpid(self._pid, 0)
        if status != 0 or not data:
            return None
        try:
            found = pickle.loads(data)
        except Exception:
            return None
        return found if isinstance(found, list) else None

    def cancel(self) -> None:
        """Stop and reap the worker (the writer failed, or did not need it)."""
        if self._done:
            return
        self._done = True
        with contextlib.suppress(OSError):
            os.close(self._fd)
        with contextlib.suppress(OSError):
            os.kill(self._pid, signal.SIGKILL)  # it holds no file and no lock of ours
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self._pid, 0)


def _work(
    fd: int,
    sheets: Sequence[ToolSheet],
    date1904: bool,
    digest: Callable[[ToolSheet], str],
    unchanged: Callable[[ToolSheet, str], bool],
) -> None:
    code = 1
    try:
        out: list[Built] = []
        for sheet in sheets:
            d = digest(sheet)
            if unchanged(sheet, d):
                out.append((d, None, []))
            else:
                xml, keys = build_tool_sheet_unstyled(sheet, date1904)
                out.append((d, xml, keys))
        payload = memoryview(pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL))
        while payload:
            payload = payload[os.write(fd, payload) :]
        code = 0
    finally:
        os._exit(code)
