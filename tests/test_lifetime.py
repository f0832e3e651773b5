"""A one-shot process leaves a pass's big structures to its end; any other frees them."""

from __future__ import annotations

import subprocess
import sys
import weakref

from sync import lifetime

PROBE = """
import gc, weakref
from sync import lifetime
class Rows(list): pass
{setup}
rows = Rows([[1, 2]] * 3)
ref = weakref.ref(rows)
lifetime.keep(rows)
del rows
gc.collect()
print(ref() is not None, lifetime.leaving_to_exit())
"""


def _probe(setup: str) -> str:
    code = PROBE.format(setup=setup)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_a_one_shot_process_keeps_what_it_is_given_to_its_end() -> None:
    assert _probe("lifetime.leave_to_exit()") == "True True"


def test_a_long_lived_process_frees_as_usual() -> None:
    assert _probe("") == "False False"

    # and this test process (long-lived) keeps nothing either
    class Grid(list[int]):
        pass

    grid = Grid([1])
    ref = weakref.ref(grid)
    lifetime.keep(grid)
    del grid
    assert ref() is None
    assert not lifetime.leaving_to_exit()
