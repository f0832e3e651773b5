"""The ``clientbase`` command line: thin click commands over the library (``main`` is the entry
point; ``daemon`` adds ``watch`` / ``status``, ``excel`` the Excel set-up and server)."""
