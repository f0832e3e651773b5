"""The forked worker (``sync.speed.forked.Ahead``): results of any size come back whole, failures
come back as None (the caller then computes the thing itself), and no worker is left over."""

from __future__ import annotations

import os
import time

import pytest

from sync.speed import forked

pytestmark = pytest.mark.skipif(
    not forked.fork_usable(), reason="workers are only forked on Linux, single-threaded"
)


def _children() -> set[int]:
    """PIDs of this process's children, zombies included (Linux /proc)."""
    me = str(os.getpid())
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[1] == me:
                found.add(int(entry))
    return found


def test_a_big_result_comes_back_whole() -> None:
    payload = {"sheet": os.urandom(24 << 20), "rows": list(range(200_000))}  # 24 MB and more
    worker = forked.Ahead.start(lambda: payload, lambda found: isinstance(found, dict))
    assert worker is not None
    assert worker.result() == payload
    assert worker.result() is None  # collected once


def test_failures_come_back_as_none_and_leave_no_worker() -> None:
    before = _children()

    def boom() -> object:
        raise RuntimeError("the worker failed")

    for fn, accept in (
        (boom, lambda found: True),
        (lambda: os._exit(3), lambda found: True),  # dies without an answer
        (lambda: ["a list"], lambda found: isinstance(found, dict)),  # not the expected shape
    ):
        worker = forked.Ahead.start(fn, accept)
        assert worker is not None
        assert worker.result() is None
    sleeper = forked.Ahead.start(lambda: time.sleep(60), lambda found: True)
    assert sleeper is not None
    sleeper.cancel()  # stopped and reaped at once
    assert sleeper.result() is None
    # workers that answered are reaped without waiting for them: by the next start at latest
    done = forked.Ahead.start(lambda: 1, lambda found: found == 1)
    assert done is not None and done.result() == 1
    deadline = time.monotonic() + 10
    while _children() - before and time.monotonic() < deadline:
        time.sleep(0.05)
        forked._reap()
    assert _children() - before == set()
