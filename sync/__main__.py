"""``python -m sync`` is the ``clientbase`` command."""

from sync.cli.main import main

main()
