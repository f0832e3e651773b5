"""Compute something in a forked worker while this process does other work (two cores, one
pass): the worker inherits memory, runs one function, and sends its result back as one pickle
in an anonymous memory file (``memfd``), then one byte through a pipe to say it is done. It
touches no file of ours and takes no lock.

The memory file, rather than the pipe itself, because results can be tens of megabytes (a
sheet's notes and drawing): through a 64 KiB pipe they cost the parent ~0.2 s of reading in
small pieces. The parent reads the result as soon as the byte arrives, and reaps the worker
later, without waiting for its (big, copy-on-write) memory to be torn down.

Only where ``fork`` is cheap and safe: Linux, and a process with a single thread (the one-shot
CLI; not the daemon, whose other threads may hold locks at the moment of the fork). Every
failure of the worker — it crashed, was killed, sent nothing or something else — makes
:meth:`Ahead.result` return None, and the caller computes the thing itself, as without it.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from typing import Generic, TypeVar, cast

T = TypeVar("T")


def fork_usable() -> bool:
    return (
        sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1
    )


class Ahead(Generic[T]):
    """A worker computing ``fn()``; :meth:`result` collects it, :meth:`cancel` stops it."""

    def __init__(
        self, pid: int, done_fd: int, data_fd: int, accept: Callable[[object], bool]
    ) -> None:
        self._pid = pid
        self._done_fd = done_fd
        self._data_fd = data_fd
        self._accept = accept
        self._done = False

    @classmethod
    def start(cls, fn: Callable[[], T], accept: Callable[[object], bool]) -> Ahead[T] | None:
        """Fork a worker for ``fn``; None when forking is not possible here. ``accept`` tells a
        result of the right shape (anything else counts as a failure)."""
        if not fork_usable() or not hasattr(os, "memfd_create"):
            return None
        _reap()
        try:
            data_fd = os.memfd_create("clientbase-ahead", os.MFD_CLOEXEC)
        except OSError:
            return None
        try:
            read_fd, write_fd = os.pipe()
        except OSError:
            os.close(data_fd)
            return None
        try:
            pid = os.fork()
        except OSError:
            for fd in (read_fd, write_fd, data_fd):
                os.close(fd)
            return None
        if pid == 0:  # the worker: never returns
            os.close(read_fd)
            _work(write_fd, data_fd, fn)
        os.close(write_fd)
        return cls(pid, read_fd, data_fd, accept)

    def result(self) -> T | None:
        """The worker's result; None when it failed (or was collected or cancelled before)."""
        if self._done:
            return None
        self._done = True
        try:
            ok = _read_byte(self._done_fd) == _DONE
            found = _unpickled(self._data_fd) if ok else None
        finally:
            os.close(self._done_fd)
            os.close(self._data_fd)
        if not ok:
            self._wait()
            return None
        _LEFT.append(self._pid)  # it is exiting: reaped later, without waiting here
        _reap()
        return cast(T, found) if found is not None and self._accept(found) else None

    def cancel(self) -> None:
        """Stop and reap the worker (the caller failed, or did not need it)."""
        if self._done:
            return
        self._done = True
        for fd in (self._done_fd, self._data_fd):
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(OSError):
            os.kill(self._pid, signal.SIGKILL)  # it holds no file and no lock of ours
        self._wait()

    def _wait(self) -> None:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self._pid, 0)


_DONE = b"1"
_LEFT: list[int] = []  # workers that sent their result and are exiting, not yet reaped


def _reap() -> None:
    """Reap the workers in :data:`_LEFT` that have exited (never waits)."""
    for pid in list(_LEFT):
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            _LEFT.remove(pid)


def _read_byte(fd: int) -> bytes:
    while True:
        try:
            return os.read(fd, 1)
        except InterruptedError:  # pragma: no cover - retried by Python itself since 3.5
            continue


def _unpickled(fd: int) -> object:
    """The pickle in memory file ``fd``; None when it is empty or unreadable."""
    try:
        size = os.fstat(fd).st_size
        if not size:
            return None
        with mmap.mmap(fd, size, access=mmap.ACCESS_READ) as view:
            return pickle.loads(view)
    except Exception:
        return None


def _work(done_fd: int, data_fd: int, fn: Callable[[], object]) -> None:
    code = 1
    try:
        payload = memoryview(pickle.dumps(fn(), protocol=pickle.HIGHEST_PROTOCOL))
        while payload:
            payload = payload[os.write(data_fd, payload) :]
        os.write(done_fd, _DONE)
        code = 0
    finally:
        os._exit(code)
