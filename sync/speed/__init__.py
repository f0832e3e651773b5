"""Accelerators beside the rules of :mod:`sync.core`, with the signatures of the stages they
replace (:class:`sync.core.stages.Stages`):

- :class:`sync.speed.memory.PassMemory`: a long-lived process's memory of its earlier passes
  (the daemon owns one), so that the next pass over a workbook redoes only what changed;
- :class:`sync.speed.one_shot.OneShot`: a one-shot pass on two cores (a forked history worker,
  :mod:`sync.speed.forked`) that leaves its intermediates to the process's end
  (:mod:`sync.speed.lifetime`);
- :mod:`sync.speed.incremental`: the bounded memos they (and the sources) are made of.

:func:`stages_for` is the one place that picks them; each gives what the reference gives,
which the tests check on every engine test.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sync.core.stages import Stages


def stages_for(long_lived: bool) -> Stages:
    """The stages for a process that passes again and again (the daemon, the buttons' server)
    or for one that runs one command and ends."""
    if long_lived:
        from sync.speed.memory import PassMemory

        return PassMemory()
    from sync.speed.one_shot import OneShot

    return OneShot()
