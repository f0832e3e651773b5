"""The rules, pure: tables, validation, row rules, duplicates, history and segments, marketing,
client records and write-back planning over plain dataclasses (``model``). Nothing here does I/O;
the accelerators for long-lived and big passes live beside it in :mod:`sync.speed`."""
