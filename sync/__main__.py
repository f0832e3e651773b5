"""``python -m sync`` is the ``clientbase`` command."""

from sync.cli import main

main()
