"""Email addresses: syntax (email-validator, no DNS by default), typos of common domains,
unknown top-level domains, and case / space normalisation."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources

from email_validator import EmailNotValidError, validate_email
from rapidfuzz.distance import DamerauLevenshtein

from validators.base import EMPTY, FieldCheck, Finding, map_cached

_MAX_LEN = 254  # RFC 5321 path limit


def _data_lines(name: str) -> list[str]:
    text = resources.files("validators").joinpath("data", name).read_text("utf-8")
    return [s.strip().lower() for s in text.splitlines() if s.strip() and not s.startswith("#")]


@lru_cache(maxsize=1)
def known_tlds() -> frozenset[str]:
    return frozenset(_data_lines("tlds.txt"))


@lru_cache(maxsize=1)
def common_domains() -> tuple[str, ...]:
    return tuple(_data_lines("common_domains.txt"))


def _domain_suggestion(domain: str, extra: frozenset[str]) -> str | None:
    """A common domain that ``domain`` is almost surely a typo of, or ``None``."""
    domains = common_domains()
    if domain in domains or domain in extra:
        return None
    # one edit for short domains (bk.ru vs mk.ru would be too eager), two for longer ones
    limit = 1 if len(domain) <= 7 else 2
    best, best_distance = None, limit + 1
    for candidate in domains:
        distance = DamerauLevenshtein.distance(domain, candidate, score_cutoff=limit)
        if distance < best_distance:
            best, best_distance = candidate, distance
    if best is None:
        return None
    if len(domain) <= 7 and domain.rsplit(".", maxsplit=1)[-1] == best.split(".")[-1]:
        # same TLD, one letter off in a short name (mk.ru, ok.ru) is likely a real site
        head, best_head = domain.split(".", maxsplit=1)[0], best.split(".")[0]
        if len(head) <= 3 and head != best_head:
            return None
    return best


def _tidy(text: str) -> str:
    """What staff meant: no spaces, no trailing dot, lower case.

    The local part is lower-cased too: providers our users use (mail.ru, gmail, ukr.net …)
    treat it case-insensitively, and matching duplicates needs one spelling.
    """
    return re.sub(r"\s+", "", text).rstrip(".,;").lower()


# The plain ASCII address (letters, digits, . _ % + - in the local part; dotted LDH labels
# in the domain) is what nearly every client has. Such an address is valid by RFC 5322 / 1035
# without the full parser, which is 20x slower; everything else goes to email-validator.
_SIMPLE = re.compile(
    r"^(?=.{1,64}@)[a-z0-9_%+\-]+(?:\.[a-z0-9_%+\-]+)*"
    r"@(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)


def _split_valid(address: str, check_dns: bool) -> tuple[str, str] | None:
    """(local part, domain) of a valid address, else ``None``."""
    if not check_dns and _SIMPLE.match(address):
        local, domain = address.rsplit("@", 1)
        return local, domain
    try:
        result = validate_email(address, check_deliverability=check_dns)
    except EmailNotValidError:
        return None
    except Exception:  # never let an odd string stop a pass
        return None
    return result.local_part.lower(), result.domain.lower()


def _check_one(value: object, check_dns: bool, extra: frozenset[str]) -> FieldCheck:
    if value is None:
        return EMPTY
    if not isinstance(value, str):
        return FieldCheck(None, None, (Finding("email.invalid", "error"),))
    raw = value
    if not raw.strip():
        return EMPTY
    if len(raw) > _MAX_LEN or "@" not in raw:
        return FieldCheck(None, None, (Finding("email.invalid", "error"),))
    tidy = _tidy(raw)
    tidy = tidy.replace(",", ".")  # "ivan@mail,ru"
    parts = _split_valid(tidy, check_dns)
    if parts is None:
        return FieldCheck(None, None, (Finding("email.invalid", "error"),))
    local, domain = parts
    normalized = f"{local}@{domain}"
    tld = domain.rsplit(".", 1)[-1]
    suggestion_domain = _domain_suggestion(domain, extra)
    if suggestion_domain is not None:
        fixed = f"{local}@{suggestion_domain}"
        return FieldCheck(normalized, None, (Finding("email.suspect", "warning", fixed),))
    if tld not in known_tlds() and tld.encode("ascii", "ignore").decode() not in known_tlds():
        return FieldCheck(
            normalized, None, (Finding("email.suspect", "warning", None, (("tld", tld),)),)
        )
    if raw != normalized:
        return FieldCheck(normalized, normalized, (Finding("email.fixed", "info", normalized),))
    return FieldCheck(normalized)


def check_emails(
    values: Sequence[object], extra_domains: Sequence[str] = (), check_dns: bool = False
) -> list[FieldCheck]:
    """One verdict per value: ``email.invalid``, ``email.suspect`` (with the likely fix) or
    ``email.fixed`` (case / spaces)."""
    extra = frozenset(d.lower() for d in extra_domains)
    return map_cached(values, lambda v: _check_one(v, check_dns, extra))
