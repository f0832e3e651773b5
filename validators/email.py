"""Email addresses: syntax (email-validator, no DNS by default), typos of common domains,
unknown top-level domains, and case / space normalisation."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from email_validator import EmailNotValidError, validate_email
from rapidfuzz.distance import DamerauLevenshtein

from validators.base import EMPTY, FieldCheck, Finding, map_cached, verdict_cache

_MAX_LEN = 254  # RFC 5321 path limit


def _data_lines(name: str) -> list[str]:
    # next to this module, not via importlib.resources("validators"): that name can resolve to
    # another distribution's or a namespace package (see the README on the PyPI "validators")
    text = (Path(__file__).parent / "data" / name).read_text("utf-8")
    return [s.strip().lower() for s in text.splitlines() if s.strip() and not s.startswith("#")]


@lru_cache(maxsize=1)
def known_tlds() -> frozenset[str]:
    return frozenset(_data_lines("tlds.txt"))


@lru_cache(maxsize=1)
def common_domains() -> tuple[str, ...]:
    return tuple(_data_lines("common_domains.txt"))


@lru_cache(maxsize=4096)  # a client base has few distinct domains
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
    name, _, tld = domain.rpartition(".")
    best_name, _, best_tld = best.rpartition(".")
    if name == best_name and best_distance > 1 and tld in known_tlds():
        # the provider's name is right and the TLD is a real, different one: inbox.lv,
        # rambler.ua, mail.by are real services, not typos of inbox.ru / mail.ru
        return None
    # same TLD, one letter off in a short name (mk.ru, ok.ru): likely a real site
    short_real_site = len(domain) <= 7 and tld == best_tld and len(name) <= 3
    return None if short_real_site and name != best_name else best


def _tidy(text: str) -> str:
    """The address as it should be stored: trimmed, no trailing dot, lower case.

    The local part is lower-cased too: providers our users use (mail.ru, gmail, ukr.net …)
    treat it case-insensitively, and matching duplicates needs one spelling.
    """
    return text.strip().rstrip(".,;").lower()


# The plain ASCII address (letters, digits, . _ % + - in the local part; dotted LDH labels
# in the domain) is what nearly every client has. Such an address is valid by RFC 5322 / 1035
# without the full parser, which is 20x slower; everything else goes to email-validator.
_SIMPLE = re.compile(
    r"^(?=.{1,64}@)[a-z0-9_%+\-]+(?:\.[a-z0-9_%+\-]+)*"
    r"@(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)


def _split_valid(address: str, check_dns: bool) -> tuple[str, str] | None:
    """(local part, domain) of a valid address, else ``None``."""
    if check_dns:
        return _validate(address, check_dns=True)
    if _SIMPLE.match(address):
        local, domain = address.rsplit("@", 1)
        return local, domain
    if len(address) > _MAX_LEN:
        return None
    # The two halves are checked apart so that each distinct domain is parsed once: IDNA
    # processing of "почта.рф" costs more than all the rest, and a client base has few domains.
    local, _, domain = address.rpartition("@")
    valid_domain = _valid_domain(domain)
    valid_local = _validate(f"{local}@example.com", check_dns=False) if valid_domain else None
    if valid_domain is None or valid_local is None:
        return None
    return valid_local[0], valid_domain


@lru_cache(maxsize=4096)
def _valid_domain(domain: str) -> str | None:
    parts = _validate(f"x@{domain}", check_dns=False)
    return None if parts is None else parts[1]


def _validate(address: str, check_dns: bool) -> tuple[str, str] | None:
    try:
        result = validate_email(address, check_deliverability=check_dns)
    except EmailNotValidError:
        return None
    except Exception:  # never let an odd string stop a pass
        return None
    return result.local_part.lower(), result.domain.lower()


def _typing_repair(text: str, check_dns: bool) -> str | None:
    """What staff most likely meant by an invalid address, when there is one clear guess.

    ``ivan @mail.ru`` (a space), ``ivan@mail,ru`` (comma for dot), ``ivan.mail.ru`` (the @
    forgotten before a well-known domain).
    """
    guess = re.sub(r"\s+", "", text).replace(",", ".")
    if "@" not in guess:
        for domain in sorted(common_domains(), key=len, reverse=True):
            if guess.endswith("." + domain) and len(guess) > len(domain) + 1:
                guess = f"{guess[: -len(domain) - 1]}@{domain}"
                break
    if guess == text or guess.count("@") != 1:
        return None
    parts = _split_valid(guess, check_dns)
    return None if parts is None else "@".join(parts)


# Letters of one script that look like a letter of the other in a lower-case address, both
# ways. Wider than a name's table: in an address "к", "м", "т", "н", "в" (typed as capitals
# К М Т Н В, then lower-cased) are slips of a keyboard layout too, and so are their Latin
# twins inside a Cyrillic word.
_CYR_TO_LAT = str.maketrans("аеорсухкмтнвіјѕ", "aeopcyxkmthbijs")
_LAT_TO_CYR = str.maketrans("aeopcyxkmthbi", "аеорсухкмтнві")
_WORDS = re.compile(r"([._%+\-@])")  # the parts of an address a word cannot cross


def _is_cyrillic(ch: str) -> bool:
    return "\u0400" <= ch <= "\u04ff"


def _one_word(word: str) -> str:
    """A word mixing the two scripts written in the one most of its letters are in (Latin
    when even): look-alikes of the other script are replaced, other letters kept."""
    cyr = sum(1 for ch in word if _is_cyrillic(ch))
    lat = sum(1 for ch in word if "a" <= ch <= "z")
    if not cyr or not lat:
        return word
    return word.translate(_CYR_TO_LAT if lat >= cyr else _LAT_TO_CYR)


def _one_script(address: str) -> str:
    """The address with look-alike letters of the other script replaced inside each word.

    A Russian keyboard layout left on gives ``ivаn@mаil.ru`` with Cyrillic ``а``, or
    ``oleg.кhokhlov@yandex.ru``: it looks right and bounces. ``иван@почта.рф`` or
    ``ivan.petrov@почта.рф`` (one script per word) is fine.
    """
    if address.isascii():  # nearly every address: nothing to mix
        return address
    local, _, domain = address.rpartition("@")
    words = _WORDS.split(local)
    if _has_latin(local) and all(_latin_twins_only(w) for w in words):
        # "vorontsov.м": a word of look-alikes only, in an otherwise Latin local part
        words = [w.translate(_CYR_TO_LAT) for w in words]
    fixed = "".join(_one_word(w) for w in words)
    return f"{fixed}@{'.'.join(_one_word(label) for label in domain.split('.'))}"


def _has_latin(text: str) -> bool:
    return any("a" <= ch <= "z" for ch in text)


def _latin_twins_only(word: str) -> bool:
    """Whether every Cyrillic letter of ``word`` has a Latin twin."""
    return all(not _is_cyrillic(ch) or ch.translate(_CYR_TO_LAT) != ch for ch in word)


def _invalid(suggestion: str | None = None) -> FieldCheck:
    return FieldCheck(None, None, (Finding("email.invalid", "error", suggestion),))


def _check_one(value: object, check_dns: bool, extra: frozenset[str]) -> FieldCheck:
    if value is None:
        return EMPTY
    if not isinstance(value, str):
        return _invalid()
    if not value.strip():
        return EMPTY
    if len(value) > _MAX_LEN + 10:
        return _invalid()
    tidy = _tidy(value)
    if len(tidy) > _MAX_LEN:
        return _invalid()
    parts = _split_valid(tidy, check_dns) if "@" in tidy else None
    if parts is None:
        return _invalid(_typing_repair(tidy, check_dns))
    normalized = "@".join(parts)
    return _verdict(value, normalized, extra)


def _verdict(raw: str, normalized: str, extra: frozenset[str]) -> FieldCheck:
    """Suspect (with the fix), fixed (case / spaces) or clean, for a valid address."""
    one_script = _one_script(normalized)
    if one_script != normalized:
        # the repaired address is the one to match on: the client's other rows have it
        return FieldCheck(one_script, None, (Finding("email.suspect", "warning", one_script),))
    local, _, domain = normalized.rpartition("@")
    suggestion_domain = _domain_suggestion(domain, extra)
    if suggestion_domain is not None:
        fixed = f"{local}@{suggestion_domain}"
        return FieldCheck(normalized, None, (Finding("email.suspect", "warning", fixed),))
    tld = domain.rsplit(".", 1)[-1]
    if tld not in known_tlds() and domain not in extra:
        finding = Finding("email.suspect", "warning", None, (("tld", tld),))
        return FieldCheck(normalized, None, (finding,))
    if raw != normalized:
        return FieldCheck(normalized, normalized, (Finding("email.fixed", "info", normalized),))
    return FieldCheck(normalized)


def check_emails(
    values: Sequence[object], extra_domains: Sequence[str] = (), check_dns: bool = False
) -> list[FieldCheck]:
    """One verdict per value: ``email.invalid``, ``email.suspect`` (with the likely fix) or
    ``email.fixed`` (case / spaces)."""
    extra = frozenset(d.lower() for d in extra_domains)
    # DNS answers change over time: only offline verdicts outlive the pass
    cache = None if check_dns else verdict_cache("email", tuple(sorted(extra)))
    return map_cached(values, lambda v: _check_one(v, check_dns, extra), cache)
