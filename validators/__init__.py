"""Field validators of clientbase: phone, email, name, dates, choices/consent, required.

Pure functions over raw cell values (no I/O). Each ``check_*`` function takes a sequence
of raw values and returns one :class:`FieldCheck` per value, computing each distinct raw
value once (see :func:`validators.base.map_cached`).
"""

from validators.base import FieldCheck, Finding, map_cached

__all__ = ["FieldCheck", "Finding", "map_cached"]
