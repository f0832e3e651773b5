"""Types shared by the validators, and the per-distinct-value cache."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

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


def map_cached(values: Sequence[object], fn: Callable[[object], T]) -> list[T]:
    """Apply ``fn`` to each value, computing each distinct (hashable) value only once.

    Customer columns repeat a lot (cities, consent, empty cells), and phone / email parsing
    is the expensive part of a pass, so the cache is what makes the validators fast.
    """
    cache: dict[tuple[type, object], T] = {}
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
