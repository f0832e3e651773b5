"""``.xlsx`` / ``.xlsm`` files on disk: ``read`` (typed reads with calamine), ``delta`` (re-reading
only changed rows), ``source`` (the atomic, conflict-safe write-back) and ``ooxml`` (the surgical
writer that changes only the parts and cells it must)."""
