"""Types shared by the validators, and the per-distinct-value cache."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem code found in one value.

    ``params`` carries non-personal details for the message template (e.g. ``year``);
    ``suggestion`` is the repaired value to propose to staff, if any.
    """

    code: str
    severity: Severity
    suggestion: str | None = None
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class FieldCheck:
    """The verdict on one raw value.

    ``normalized``: the canonical value for matching and metrics (E.164 phone, lower-case
    email, tidy name, ``datetime.date``, ``bool`` for consent), ``None`` when empty or invalid.
    ``display``: the value as the tool would write it into the cell when it differs from
    what staff typed (``None`` = nothing to rewrite).
    """

    normalized: object | None
    display: str | None = None
    findings: tuple[Finding, ...] = ()

    @property
    def empty(self) -> bool:
        return self.normalized is None and not self.findings


EMPTY = FieldCheck(None)

T = TypeVar("T")


# Verdicts kept for the life of the process, per validator and settings: the daemon's next pass
# over a workbook re-validates only the values it has not seen (the ones staff just typed).
_VERDICTS: dict[Hashable, dict[tuple[type, object], Any]] = {}
VERDICT_CACHE_LIMIT = 400_000  # distinct values per validator; then the cache starts afresh


def verdict_cache(*key: Hashable) -> dict[tuple[type, object], Any]:
    """The process-wide verdict cache for a validator with these settings (``key``); only for
    verdicts that depend on nothing but the value and the settings."""
    cache = _VERDICTS.get(key)
    if cache is None or len(cache) > VERDICT_CACHE_LIMIT:
        cache = _VERDICTS[key] = {}
    return cache


def map_cached(
    values: Sequence[object],
    fn: Callable[[object], T],
    cache: dict[tuple[type, object], Any] | None = None,
) -> list[T]:
    """Apply ``fn`` to each value, computing each distinct (hashable) value only once.

    Customer columns repeat a lot (cities, consent, empty cells), and phone / email parsing
    is the expensive part of a pass, so the cache is what makes the validators fast. With
    ``cache`` (see :func:`verdict_cache`), values seen by earlier passes are not recomputed.
    """
    if cache is None:
        cache = {}
    out: list[T] = []
    empty: list[T] = []  # None is the most common value of all: no key, no hashing
    for v in values:
        if v is None:
            if not empty:
                empty.append(fn(None))
            out.append(empty[0])
            continue
        key = (type(v), v)  # the type is in the key: 1 == 1.0 == True must not share a verdict
        try:
            result = cache[key]
        except KeyError:
            result = cache[key] = fn(v)
        except TypeError:  # unhashable value: no caching
            result = fn(v)
        out.append(result)
    return out


def clean_checks(clean: Sequence[object], others: Sequence[FieldCheck]) -> list[FieldCheck]:
    """``FieldCheck(value)`` where ``clean`` holds a value (not None), else the verdict from
    ``others`` at the same place.

    For columns of clean values of one type (dates, amounts), which an orders sheet repeats:
    one verdict per distinct value (verdicts are immutable). Zero is made each time: -0.0 and
    0.0 are equal keys but not the same amount."""
    made: dict[object, FieldCheck] = {}
    return [
        other
        if v is None
        else (made.get(v) or made.setdefault(v, FieldCheck(v)) if v else FieldCheck(v))
        for v, other in zip(clean, others, strict=True)
    ]
