"""Severity ordering shared by the report, the summary and the write-back colours."""

from __future__ import annotations

from sync.core.model import Severity

SEVERITY_ORDER: dict[Severity, int] = {"error": 0, "warning": 1, "info": 2}


def worst(severities: list[Severity]) -> Severity:
    """The most serious of several severities (``error`` beats ``warning`` beats ``info``)."""
    return min(severities, key=SEVERITY_ORDER.__getitem__)
