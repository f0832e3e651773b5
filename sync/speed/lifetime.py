"""What a one-shot process leaves to its end.

A pass over 100 000 clients builds millions of small objects (cells, verdicts, intermediate
columns). In a process that runs one command and then ends (``os._exit`` in
:func:`sync.cli.main.main`), freeing them one by one as each step returns is work on the critical
path that buys nothing: the operating system takes the whole heap back at once. Steps that
drop a large structure hand it to :func:`keep` first; in a long-lived process (the daemon, the
buttons' server) that is a no-op and everything is freed as usual.

No I/O and no effect on any result: only on when memory is given back.
"""

from __future__ import annotations


class _Kept:
    objects: list[object] | None = None  # None: free as usual


def leave_to_exit() -> None:
    """This process runs one command and ends: keep what :func:`keep` is given until then."""
    if _Kept.objects is None:
        _Kept.objects = []


def keep(*objects: object) -> None:
    """Leave ``objects`` alive to the process's end (one-shot processes only)."""
    if _Kept.objects is not None:
        _Kept.objects.extend(objects)


def leaving_to_exit() -> bool:
    return _Kept.objects is not None
