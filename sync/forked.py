"""Compute something in a forked worker while this process does other work (two cores, one
pass): the worker inherits memory, runs one function, and sends its result back as one pickle
through a pipe. It touches no file and takes no lock.

Only where ``fork`` is cheap and safe: Linux, and a process with a single thread (the one-shot
CLI; not the daemon, whose other threads may hold locks at the moment of the fork). Every
failure of the worker — it crashed, was killed, sent nothing or something else — makes
:meth:`Ahead.result` return None, and the caller computes the thing itself, as without it.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


def fork_usable() -> bool:
    return (
        sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1
    )


class Ahead(Generic[T]):
    """A worker computing ``fn()``; :meth:`result` collects it, :meth:`cancel` stops it."""

    def __init__(self, pid: int, fd: int, accept: Callable[[object], bool]) -> None:
        self._pid = pid
        self._fd = fd
        self._accept = accept
        self._done = False

    @classmethod
    def start(cls, fn: Callable[[], T], accept: Callable[[object], bool]) -> Ahead[T] | None:
        """Fork a worker for ``fn``; None when forking is not possible here. ``accept`` tells a
        result of the right shape (anything else counts as a failure)."""
        if not fork_usable():
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
            _work(write_fd, fn)
        os.close(write_fd)
        return cls(pid, read_fd, accept)

    def result(self) -> T | None:
        """The worker's result; None when it failed (or was collected or cancelled before)."""
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
        return found if self._accept(found) else None

    def cancel(self) -> None:
        """Stop and reap the worker (the caller failed, or did not need it)."""
        if self._done:
            return
        self._done = True
        with contextlib.suppress(OSError):
            os.close(self._fd)
        with contextlib.suppress(OSError):
            os.kill(self._pid, signal.SIGKILL)  # it holds no file and no lock of ours
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self._pid, 0)


def _work(fd: int, fn: Callable[[], object]) -> None:
    code = 1
    try:
        payload = memoryview(pickle.dumps(fn(), protocol=pickle.HIGHEST_PROTOCOL))
        while payload:
            payload = payload[os.write(fd, payload) :]
        code = 0
    finally:
        os._exit(code)
