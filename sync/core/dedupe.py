"""Duplicate customers: blocking, pair scoring, and clustering that cannot chain strangers.

1. **Blocking.** Candidate pairs come only from rows sharing a block key: a phone, an email,
   an ID number, and name keys that are transliteration-aware and word-order insensitive
   (``sync.core.translit.name_key``: ``Мария Иванова`` = ``Ivanova Mariya``). In a client base
   (phones or emails present) the name is combined with the birthday; a name alone pairs
   only rows that have no contact at all, because two rows that both carry contacts and share
   none of them need more than a common name to be one person. Person data without contacts
   (FEBRL) also gets surname/first-name prefixes with birth date or postcode.
   Blocks larger than ``MAX_BLOCK`` (an office phone typed on 500 rows) are not expanded into
   all pairs: the rows are sorted by name twice (surname-first and first-name-first words) and
   each row is compared with its ``WINDOW`` next neighbours — a sorted neighbourhood — so the
   same person typed twice on the office line is still found, for 2 * WINDOW pairs per row
   instead of hundreds. In a client base, a name shared by more than ``MAX_BLOCK`` rows is
   not a block at all: so common a name identifies nobody without a contact or birthday.
2. **Scoring.** Fellegi–Sunter style: each field adds an agreement weight (exact or close
   agreement, by rapidfuzz Jaro–Winkler on transliterated text) or a disagreement weight (in
   bits, log2 of m/u); a missing value is neutral. Weights are fixed per field kind from
   reasoning about how often the field agrees by chance (u) and for true duplicates (m) —
   no labelled training. A phone or email shared by many rows weighs less (term-frequency
   adjustment, as in Splink). The sum maps to 0..1 by a logistic curve (0.5 at
   ``_MIDPOINT`` bits). Another first name (not a typo, not Мария/Марья; two different
   common names such as Мария/Марина never count as a typo), another patronymic, or a gender
   flip (Александр/Александра) on one phone or mailbox means a family or a shared line,
   whatever else agrees: such a pair is capped far below ``LINK_FLOOR``; so does one name
   with birthdays a generation apart (a son named after his father). A short form of the
   first name (Таня/Татьяна, ``sync.core.translit.same_first_name``) agrees as a close match;
   an initial that fits (``П.`` / Пётр) is no evidence against and little for; a surname
   slip is also measured on the letters as typed.
3. **Clustering.** Pairs at or above the threshold are joined, strongest first, only while
   every two members of the group still score at least ``LINK_FLOOR`` (a complete-link check
   on the evidence *against*). An office phone shared by A and B and a name shared by B and C
   never puts A with C, because A and C disagree on the name. The floor is not the threshold
   itself: one person's third row (new phone, old email) may share nothing but the name with
   the first one, and that is no evidence against.
   ``DuplicateGroup.score`` is the minimum pair score inside the group.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Literal, cast

from rapidfuzz.distance import OSA, JaroWinkler

from sync.core.demographics import split_name
from sync.core.model import DuplicateGroup
from sync.core.translit import (
    COMMON_FIRST_NAMES,
    fold,
    gender_of,
    is_first_name,
    is_patronymic,
    name_key,
    same_first_name,
)
from sync.speed.incremental import RECENT_SLOTS, Recent, RowMemos, register, typed
from sync.speed.lifetime import leaving_to_exit

FieldKind = Literal[
    "full_name",
    "given_name",
    "surname",
    "middle_name",
    "phone",
    "email",
    "date",
    "street",
    "street_number",
    "locality",
    "postcode",
    "region",
    "id_number",
    "text",
]

MAX_BLOCK = 60  # rows; 60 rows are 1 770 pairs, the most one shared value may cost
WINDOW = 4  # sorted-neighbourhood width inside larger blocks

# kind -> (exact agreement, close agreement, disagreement) weights in bits
_WEIGHTS: dict[str, tuple[float, float, float]] = {
    "id_number": (10.0, 6.0, -5.0),
    "date": (7.0, 3.5, -5.0),
    "surname": (6.0, 3.5, -5.0),
    "given_name": (5.0, 3.0, -4.0),
    "middle_name": (3.0, 1.5, -7.0),
    "phone": (8.0, 0.0, -4.0),
    "email": (9.0, 4.0, -3.0),
    "postcode": (4.0, 1.5, -2.0),
    "street_number": (2.0, 0.0, -1.5),
    "street": (3.0, 1.5, -1.5),
    "locality": (3.0, 1.5, -1.5),
    "region": (0.5, 0.0, -1.0),
    "text": (1.0, 0.5, -0.5),
}
_NAME_KINDS = ("full_name", "surname", "given_name", "middle_name")
_CONTACT_KINDS = ("phone", "email", "id_number")
_REASON = {"date": "birthday"}  # the field names staff see in the sheet
_CLOSE = 0.88  # Jaro-Winkler similarity for "close" agreement
_NEAR, _NEAR_WEIGHT = 0.75, -4.0  # between near and close: penalised, but no veto
_SCALE, _MIDPOINT = 2.0, 8.0  # score = 1 / (1 + 2 ** -((weight - midpoint) / scale))
_FAMILY_CAP = 0.01  # well below LINK_FLOOR: relatives never join one group through others
_GENERATION = 12  # years between two birthdays that make a parent and a child


def _logistic(weight: float) -> float:
    return 1.0 / (1.0 + math.pow(2.0, -(weight - _MIDPOINT) / _SCALE))


# A pair inside a group may score below the threshold, but not below the score of zero
# evidence (log-likelihood ratio 0): below it the fields say "two people" (≈ 0.06).
LINK_FLOOR = _logistic(0.0)


@dataclass(frozen=True, slots=True)
class DedupeResult:
    groups: list[DuplicateGroup]  # numbered 1.. in order of their first row
    shared_phones: list[tuple[int, ...]]  # rows sharing a phone that are not one person
    pair_scores: dict[tuple[int, int], float]  # scored candidate pairs (row_a < row_b)


@dataclass(slots=True)
class _Person:
    """One row prepared for comparison."""

    row: int
    values: dict[str, object]
    surname: str | None
    given: str | None
    middle: str | None
    tokens: tuple[str, ...]
    initials: tuple[bool, bool] = (False, False)  # first name, patronymic typed as "П."
    letters: tuple[str, str] = ("", "")  # their first letters, folded (Олексій: o, not a)
    written: str | None = None  # the surname as typed, lower case: a slip is one letter
    first: str | None = None  # the first name as typed, for the note (Таня ≈ Татьяна)
    dated: frozenset[str] = frozenset()  # its fields of kind "date" that hold a date
    gender: str | None = None  # as the patronymic or the surname tells


_JOINED_INITIALS = re.compile(r"(\w)\.(?=\w)")  # "П.С." -> "П. С."


def _is_initial(word: str | None) -> bool:
    return word is not None and len(word.rstrip(".")) == 1 and word[0].isalpha()


def _split(text: str) -> tuple[str | None, str | None, str | None, tuple[bool, bool]]:
    """(surname, first name, patronymic) of a full name, and which of the last two are
    initials: ``Петров П. С.``, ``Петров П.С.`` and ``П. С. Петров`` are Петров, П, С."""
    last, first, middle = split_name(_JOINED_INITIALS.sub(r"\1. ", text))
    if _is_initial(last) and not _is_initial(middle if middle else first):
        if middle:
            last, first, middle = middle, last, first
        else:
            last, first = first, last
    if last and first and not middle and is_first_name(fold(last)) > is_first_name(fold(first)):
        # "Бондар Сергійко": the word that is a first name (or its short form) is the first
        # name, whatever the endings say
        last, first = first, last
    return last, first, middle, (_is_initial(first), _is_initial(middle))


# --------------------------------------------------------------------------- preparation


def _prepare(row: int, values: dict[str, object], kinds: Mapping[str, FieldKind]) -> _Person:
    surname = given = middle = None
    tokens: tuple[str, ...] = ()
    initials = (False, False)
    letters = ("", "")
    written = typed_first = None
    dated: set[str] = set()
    prepared: dict[str, object] = {}
    for name, kind in kinds.items():
        v = values.get(name)
        if v is None or (isinstance(v, str) and not v.strip()):
            continue
        if kind == "full_name":
            last, first, mid, initials = _split(str(v))
            letters = (fold(first[:1]) if first else "", fold(mid[:1]) if mid else "")
            written = last.casefold() if last else None
            typed_first = first
            surname = fold(last) if last else None
            given = fold(first) if first else None
            middle = fold(mid) if mid else None
            if given and middle and is_patronymic(given) and not is_patronymic(middle):
                # "Александр Леонидович Прокофьев": first name, patronymic, surname
                surname, given, middle = middle, surname, given
                initials, letters, written, typed_first = (False, False), ("", ""), None, None
            # split_name keeps every word, so the folded parts are the folded name
            tokens = tuple(sorted(" ".join(t for t in (surname, given, middle) if t).split()))
        elif kind == "surname":
            surname, written = fold(str(v)), str(v).casefold()
        elif kind == "given_name":
            given, typed_first = fold(str(v)), str(v)
        elif kind == "middle_name":
            middle = fold(str(v))
        elif kind == "date":
            prepared[name] = _day(v)
            dated.add(name)
        elif kind in ("phone", "email", "id_number", "postcode", "street_number"):
            prepared[name] = str(v).strip().lower()
        else:
            prepared[name] = fold(str(v))
    if not tokens:
        tokens = tuple(sorted(t for t in (surname, given, middle) if t))
    person = _Person(row, prepared, surname or None, given or None, middle or None, tokens)
    person.initials, person.letters, person.written = initials, letters, written
    person.first, person.dated = typed_first, frozenset(dated)
    person.gender = gender_of(surname, middle)
    return person


def _day(value: object) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value).strip()


# --------------------------------------------------------------------------- blocking


def _person_blocks(p: _Person, kinds: Mapping[str, FieldKind]) -> set[str]:
    """Block keys of a person record without phones or emails (registers, FEBRL)."""
    keys: set[str] = set()

    def first(kind: str) -> str | None:
        return next(
            (str(p.values[n]) for n, k in kinds.items() if k == kind and n in p.values), None
        )

    date, postcode = first("date"), first("postcode")
    for name, kind in kinds.items():
        v = p.values.get(name)
        if v is not None and kind in _CONTACT_KINDS:
            keys.add(f"{kind}:{v}")
    if len(p.tokens) >= 2:
        keys.add("n:" + " ".join(sorted(p.tokens[:3])))
    if p.surname and p.given:
        pair = f"{min(p.surname, p.given)}|{max(p.surname, p.given)}"
        keys.add(f"gs:{pair}")
        keys.add(f"sg:{p.surname[:4]}|{p.given[:4]}")
        if date:
            keys.add(f"gsd:{pair}|{date}")
    for label, part in (("s", p.surname), ("g", p.given)):
        if part and date:
            keys.add(f"d{label}:{date}|{part[:3]}")
        if part and postcode:
            keys.add(f"p{label}:{postcode}|{part[:3]}")
    if date and postcode:
        keys.add(f"dp:{date}|{postcode}")
    return keys


def _contact_blocks(
    rows: Sequence[int],
    columns: Mapping[str, Sequence[object]],
    kinds: Mapping[str, FieldKind],
) -> tuple[dict[str, list[int]], set[int], Counter[str], set[str]]:
    """Shared block keys of a client base, column by column (fast on 100 000 rows).

    Returns the blocks, the rows without any phone, email or ID, how often each key occurs
    and the name keys of those rows (their names alone make blocks).
    """
    keyed, contactless, lonely = _block_keys(rows, columns, kinds, None)
    # almost every key is unique to one row: count first, then list rows of shared keys only
    counts = Counter(k for keys in keyed for k in keys if k is not None)
    blocks: dict[str, list[int]] = defaultdict(list)
    for keys in keyed:
        for row, key in zip(rows, keys, strict=True):
            if key is not None and counts[key] > 1:
                blocks[key].append(row)
    return blocks, contactless, counts, lonely


def _block_keys(
    rows: Sequence[int],
    columns: Mapping[str, Sequence[object]],
    kinds: Mapping[str, FieldKind],
    lonely: set[str] | None,
) -> tuple[list[list[str | None]], set[int], set[str]]:
    """Each block column's key of each row (one list per column, aligned with ``rows``), the
    rows without contacts and the name keys that make blocks by themselves: ``lonely``, or
    (None) the names of these rows without contacts."""
    keyed: list[list[str | None]] = []
    names: Sequence[object] = ()
    dates: Sequence[object] = ()
    for field, kind in kinds.items():
        column = columns.get(field)
        if column is None:
            continue
        if kind in _CONTACT_KINDS:
            keyed.append(
                [None if v is None else f"{kind}:{str(v).strip().lower()}" for v in column]
            )
        elif kind == "date" and not dates:
            dates = column
        elif kind == "full_name" and not names:
            names = column
    contactless = set(rows)
    for keys in keyed:
        contactless.difference_update(r for r, k in zip(rows, keys, strict=True) if k is not None)
    if names:
        name_keys = [name_key(str(n)) if n else None for n in names]
        if dates:
            keyed.append(
                [
                    None if k is None or d is None else f"nd:{k}|{_day(d)}"
                    for k, d in zip(name_keys, dates, strict=True)
                ]
            )
        # a name alone: only for names that a row without contacts carries (no name is no
        # key: rows without a name are not one block)
        if lonely is None:
            lonely = {
                k
                for r, k in zip(rows, name_keys, strict=True)
                if r in contactless and k is not None
            }
        keyed.append([f"n:{k}" if k in lonely else None for k in name_keys])
    return keyed, contactless, lonely if lonely is not None else set()


def _neighbourhood(members: Sequence[int], people: _LazyPeople) -> Iterable[tuple[int, int]]:
    """Pairs of rows close to each other in two name orders (sorted-neighbourhood method)."""
    for reverse in (False, True):
        order = sorted(
            members, key=lambda r: (people[r].tokens[::-1] if reverse else people[r].tokens, r)
        )
        for i, a in enumerate(order):
            for b in order[i + 1 : i + 1 + WINDOW]:
                yield (a, b) if a < b else (b, a)


def _candidate_pairs(
    blocks: Mapping[str, list[int]], contactless: set[int], people: _LazyPeople
) -> set[tuple[int, int]]:
    candidates: set[tuple[int, int]] = set()
    for key, members in blocks.items():
        if key.startswith("n:") and contactless:
            # client base: a shared name pairs a row without contacts with the others
            if len(members) <= MAX_BLOCK:
                lonely = [r for r in members if r in contactless]
                candidates.update((min(a, b), max(a, b)) for a in lonely for b in members if a != b)
        elif len(members) <= MAX_BLOCK:
            candidates.update(combinations(members, 2))
        else:
            candidates.update(_neighbourhood(members, people))
    return candidates


# --------------------------------------------------------------------------- scoring


def _similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    return float(JaroWinkler.normalized_similarity(a, b))


def _level(weights: tuple[float, float, float], sim: float) -> float:
    exact, close, disagree = weights
    if sim >= 0.999:
        return exact
    if sim >= _CLOSE:
        return close
    if sim >= _NEAR:
        return max(disagree, _NEAR_WEIGHT)  # a bad typo rather than another word
    return disagree


def _gender_flip(a: str, b: str) -> bool:
    """Александр/Александра, Иванов/Иванова, Евгений/Евгения, Вишневский/Вишневская."""
    short, long = sorted((a, b), key=len)
    return long == short + "a" or (short.endswith("ski") and long == short + "aia")


def _same_first_name(a: str, b: str) -> bool:
    """One first name (or patronymic), allowing one slip of the finger (two in long names)
    but not another name that happens to look alike (Ирина/Марина, Юрий/Юлий, Нина/Инна)."""
    if a == b:
        return True
    if _gender_flip(a, b) or (a in COMMON_FIRST_NAMES and b in COMMON_FIRST_NAMES):
        return False  # Мария and Марина are two names, not a typo
    allowed = 1 if max(len(a), len(b)) <= 6 else 2
    return OSA.distance(a, b) <= allowed and _similarity(a, b) >= _CLOSE


def _crossed(a: str | None, b: str | None) -> float:
    """Similarity of a surname to a first name, for two-word names typed in the other order.

    Only a slip of one letter counts: ``Фёдоров Андрей`` / ``Андреев Фёдор`` are two people.
    """
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    return _similarity(a, b) if OSA.distance(a, b) <= 1 else 0.0


def _straight(x: str, y: str) -> float:
    if x == y:
        return 1.0
    return 0.0 if _gender_flip(x, y) else _similarity(x, y)


def _name_weight(a: _Person, b: _Person) -> tuple[float, bool]:
    """Weight of the name and whether the names agree.

    Surname and first name are compared straight, and also crossed (a two-word name typed
    in the other order in one row, which ``split_name`` cannot always tell).
    """
    if a.tokens and a.tokens == b.tokens:
        weight = _WEIGHTS["surname"][0] + _WEIGHTS["given_name"][0]
        return weight + (_WEIGHTS["middle_name"][0] if a.middle and b.middle else 0.0), True
    weight, agrees = 0.0, True
    if a.surname and b.surname:
        sim = max(_straight(a.surname, b.surname), _crossed(a.surname, b.given))
        if sim < _CLOSE and a.written and b.written and not a.written.isascii():
            sim = max(sim, _written_similarity(a, b))
        w = _level(_WEIGHTS["surname"], sim)
        weight += w
        agrees = w > 0
    if a.given and b.given:
        w = _given_weight(a, b)
        weight += w
        agrees &= w > 0
    else:
        agrees = False
    if a.middle and b.middle:
        if a.initials[1] or b.initials[1]:
            weight += _INITIAL_MIDDLE if _initial_fits(a, b, 1) else _WEIGHTS["middle_name"][2]
        else:
            weight += _level(_WEIGHTS["middle_name"], _similarity(a.middle, b.middle))
    return weight, agrees


# "П." fits Пётр, Павел, Полина …: it is no evidence against, and little for: a phone and a
# surname with it are not enough (a son on his father's phone), a second contact or the
# birthday are
_INITIAL_GIVEN, _INITIAL_MIDDLE = -3.5, 0.0


def _initial_fits(a: _Person, b: _Person, part: int) -> bool:
    """Whether an initial (first name: part 0, patronymic: 1) fits the other row's word."""
    x, y = a.letters[part], b.letters[part]
    return not x or not y or x == y


def _given_weight(a: _Person, b: _Person) -> float:
    """Weight of two first names: an initial that fits, a short form of the same name
    (Таня / Татьяна, Саша / Александра), or the names compared as text."""
    assert a.given and b.given
    _, close, disagree = _WEIGHTS["given_name"]
    if a.initials[0] or b.initials[0]:
        return _INITIAL_GIVEN if _initial_fits(a, b, 0) else disagree
    if a.given != b.given and _same_name(a, b):
        return close
    sim = max(_straight(a.given, b.given), _crossed(a.given, b.surname))
    return _level(_WEIGHTS["given_name"], sim)


def _same_name(a: _Person, b: _Person) -> bool:
    """One first name in two forms: a diminutive and its full name (for the gender the row
    shows), or the Ukrainian and the Russian form."""
    assert a.given and b.given
    return same_first_name(a.given, b.given, a.gender, b.gender)


def _written_similarity(a: _Person, b: _Person) -> float:
    """Similarity of two surnames as typed, letter by letter: one letter missed in
    ``Князева`` is one edit, not the two of its folded ``ia``."""
    assert a.surname and b.surname and a.written and b.written
    if b.written.isascii() or _gender_flip(a.surname, b.surname):
        return 0.0
    return _similarity(a.written, b.written)


def _date_similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    # one transposed or mistyped digit, or day and month swapped
    if len(a) == len(b) and OSA.distance(a, b) <= 1:
        return 0.9
    pa, pb = a.split("-"), b.split("-")
    if len(pa) == 3 and len(pb) == 3 and pa[0] == pb[0] and pa[1] == pb[2] and pa[2] == pb[1]:
        return 0.9
    return 0.0


def _field_similarity(kind: str, x: object, y: object) -> float:
    if kind == "date":
        return _date_similarity(str(x), str(y))
    if kind in ("phone", "email", "street_number"):
        return 1.0 if x == y else 0.0
    return _similarity(str(x), str(y))


class _Scorer:
    """Scores pairs of rows in 0..1, with the fields that agreed.

    ``sharing`` counts the rows carrying each phone and email: an office line on 100 rows
    says less about who is who than a phone on two rows (Splink's term-frequency
    adjustment), so its agreement weight falls by a bit each time the count doubles.
    """

    def __init__(self, kinds: Mapping[str, FieldKind], sharing: Mapping[str, int]) -> None:
        self.fields = [
            (name, kind, _WEIGHTS.get(kind, _WEIGHTS["text"]))
            for name, kind in kinds.items()
            if kind not in _NAME_KINDS
        ]
        self.sharing = sharing

    def generation_apart(self, a: _Person, b: _Person) -> bool:
        """Whether two birthdays, neither a slip of the other, are a generation apart."""
        for name in a.dated & b.dated:
            x, y = str(a.values[name]), str(b.values[name])
            if _date_similarity(x, y) == 0.0 and x[:4].isdigit() and y[:4].isdigit():
                return abs(int(x[:4]) - int(y[:4])) >= _GENERATION
        return False

    def __call__(self, a: _Person, b: _Person) -> tuple[float, list[str]]:
        weight, name_agrees = _name_weight(a, b)
        reasons = ["name"] if name_agrees else []
        for name, kind, weights in self.fields:
            x, y = a.values.get(name), b.values.get(name)
            if x is None or y is None:
                continue
            w = _level(weights, _field_similarity(kind, x, y))
            if w > 0 and kind in ("phone", "email"):
                shared_by = self.sharing.get(f"{kind}:{x}", 2)
                w = max(1.0, w - math.log2(max(shared_by, 2) / 2))
            weight += w
            if w > 0 and kind in ("phone", "email", "date", "id_number"):
                reasons.append(_REASON.get(kind, kind))
        score = _logistic(weight)
        if ("phone" in reasons or "email" in reasons) and (
            _named_apart(a, b) or self.generation_apart(a, b)
        ):
            # One phone (or mailbox) and two first names or patronymics: a family or a
            # shared line, however much else agrees (twins share surname, birthday and
            # patronymic). Or one name and birthdays a generation apart: a son named after
            # his father (Иванов Иван Иванович twice), not a typo of the year.
            score = min(score, _FAMILY_CAP)
        return score, reasons


def _named_apart(a: _Person, b: _Person) -> bool:
    """Whether the names say two people: another first name or another patronymic."""
    if a.tokens and a.tokens == b.tokens:
        return False
    if a.middle and b.middle:
        if a.initials[1] or b.initials[1]:
            if not _initial_fits(a, b, 1):
                return True
        elif not _same_first_name(a.middle, b.middle):
            return True
    if not a.given or not b.given:
        return False
    if a.initials[0] or b.initials[0]:
        return not _initial_fits(a, b, 0)
    if _same_first_name(a.given, b.given) or _same_name(a, b):
        return False
    # a two-word name split the other way round in one row ("Ivanova Maria" / "Мария Иванова");
    # not when both have a patronymic, which places the words (Кириллов Дмитрий / Кирилл)
    return (a.middle is not None and b.middle is not None) or not (
        _crossed(a.surname, b.given) or _crossed(a.given, b.surname)
    )


# --------------------------------------------------------------------------- clustering


class _Clusters:
    """Greedy complete-link clustering over scored pairs."""

    def __init__(
        self, score_of: dict[tuple[int, int], float], score_fn: Callable[[int, int], float]
    ) -> None:
        self.score_of = score_of
        self.score_fn = score_fn
        self.group_of: dict[int, int] = {}
        self.members: dict[int, list[int]] = {}

    def score(self, x: int, y: int) -> float:
        key = (x, y) if x < y else (y, x)
        s = self.score_of.get(key)
        if s is None:
            s = self.score_of[key] = self.score_fn(*key)
        return s

    def try_join(self, a: int, b: int) -> None:
        ga, gb = self.group_of.get(a, a), self.group_of.get(b, b)
        if ga == gb:
            return
        ma, mb = self.members.get(ga, [a]), self.members.get(gb, [b])
        if any(self.score(x, y) < LINK_FLOOR for x in ma for y in mb):
            return
        merged = ma + mb
        self.members[ga] = merged
        self.members.pop(gb, None)
        for x in merged:
            self.group_of[x] = ga


class _LazyPeople:
    """Rows prepared for comparison only when a candidate pair needs them (most never do)."""

    def __init__(
        self,
        rows: Sequence[int],
        columns: Mapping[str, Sequence[object]],
        kinds: Mapping[str, FieldKind],
    ) -> None:
        self.position = {row: i for i, row in enumerate(rows)}
        self.columns = columns
        self.kinds = kinds
        self.prepared: dict[int, _Person] = {}

    def __getitem__(self, row: int) -> _Person:
        p = self.prepared.get(row)
        if p is None:
            i = self.position[row]
            values = {n: c[i] for n, c in self.columns.items()}
            p = self.prepared[row] = _prepare(row, values, self.kinds)
        return p


class _RememberedScorer:
    """Scores pairs of rows, re-using the scores of earlier passes (sync.speed.incremental).

    A pair's score depends on the two rows' values and on how many rows share the first
    row's phone / email (the sharing counts): that content is the key, so after an edit only
    pairs with a changed row, or whose shared contact gained or lost a row, are compared
    again. Off (scoring every pair) unless the process remembers rows (the daemon).
    """

    def __init__(self, scorer: _Scorer, people: _LazyPeople, sharing: Mapping[str, int]) -> None:
        self.scorer, self.people, self.sharing = scorer, people, sharing
        self.names = list(people.columns)
        self.contacts = [(n, k) for n, k in people.kinds.items() if k in ("phone", "email")]
        self.memo = _PAIRS.memo(tuple(people.kinds.items()))
        self.content: dict[int, tuple[object, ...]] = {}

    def _content(self, row: int) -> tuple[object, ...]:
        found = self.content.get(row)
        if found is None:
            i = self.people.position[row]
            values = [self.people.columns[n][i] for n in self.names]
            found = tuple(x for v in values for x in (type(v), v))
            self.content[row] = found
        return found

    def _shared(self, row: int) -> tuple[int | None, ...]:
        i = self.people.position[row]
        out: list[int | None] = []
        for name, kind in self.contacts:
            v = self.people.columns[name][i]
            out.append(None if v is None else self.sharing.get(f"{kind}:{str(v).strip().lower()}"))
        return tuple(out)

    def __call__(self, a: int, b: int) -> tuple[float, list[str]]:
        if self.memo is None:
            return self.scorer(self.people[a], self.people[b])
        key = (self._content(a), self._content(b), self._shared(a))
        found = cast(tuple[float, tuple[str, ...]] | None, self.memo.get(key))
        if found is None:
            score, reasons = self.scorer(self.people[a], self.people[b])
            found = self.memo[key] = (score, tuple(reasons))
        return found[0], list(found[1])


_PAIRS = RowMemos()
register(_PAIRS.clear)


# --------------------------------------------------------------------------- entry point


def find_duplicates(
    rows: Sequence[int],
    fields: Mapping[str, Sequence[object]],
    kinds: Mapping[str, FieldKind],
    *,
    threshold: float = 0.80,
) -> DedupeResult:
    """Group rows that are the same person; list phones shared by different people.

    ``rows`` are sheet row numbers; ``fields[name][i]`` is the normalised value for
    ``rows[i]`` (``None`` when empty or invalid); ``kinds`` says what each field holds.
    """
    columns = {name: fields[name] for name in kinds if name in fields}
    if leaving_to_exit():  # a one-shot process never asks again: no memo key to build
        return _find(rows, columns, kinds, threshold)[0]
    key = _Input(
        threshold,
        tuple(kinds.items()),
        list(rows),
        {n: list(c) for n, c in columns.items()},
        {n: typed(list(c)) for n, c in columns.items()},
    )
    known = _RESULTS.get(key)
    if known is None:
        known = _changed_rows_only(key, kinds)
        if known is None:
            known, blocks = _find(rows, columns, kinds, threshold)
            if blocks is not None:
                _BLOCKS.insert(0, _Blocks(key, *blocks, known))
                del _BLOCKS[RECENT_SLOTS:]
        _RESULTS.put(key, known)
    return DedupeResult(list(known.groups), list(known.shared_phones), dict(known.pair_scores))


@dataclass(slots=True)
class _Input:
    """What a result is computed from, compared with ``==`` (the values' types included)."""

    threshold: float
    kinds: tuple[tuple[str, FieldKind], ...]
    rows: list[int]
    columns: dict[str, list[object]]
    types: dict[str, list[type]]


# the last results, for a pass whose clients' names and contacts did not change at all
_RESULTS: Recent[_Input, DedupeResult] = Recent()
register(_RESULTS.clear)


@dataclass(slots=True)
class _Blocks:
    """A result and the block keys it was found from: how often each key occurs, and the
    name keys that make blocks alone (names of rows without contacts)."""

    input: _Input
    counts: Counter[str]
    lonely: set[str]
    result: DedupeResult


# the last few, for a pass where a few rows changed (the daemon's, after an edit)
_BLOCKS: list[_Blocks] = []
register(_BLOCKS.clear)
CHANGED_ROWS_LIMIT = 1_000


def _changed_rows_only(new: _Input, kinds: Mapping[str, FieldKind]) -> DedupeResult | None:
    """The last result again, when the rows that changed since (edited, added at the end,
    gone from the end) share no block key with any other row, before or after, and none of
    them is without contacts: then no block, candidate pair or group changed. None: not so
    (or not known), the caller finds the duplicates afresh."""
    for last in _BLOCKS:
        old = last.input
        if (old.threshold, old.kinds, old.columns.keys()) != (
            new.threshold,
            new.kinds,
            new.columns.keys(),
        ):
            continue
        changed = _changed_positions(old, new)
        if changed is None:
            continue
        before = _keys_by_row(old, [i for i in changed if i < len(old.rows)], kinds, last.lonely)
        after = _keys_by_row(new, [i for i in changed if i < len(new.rows)], kinds, last.lonely)
        if before is None or after is None:
            continue
        counts = last.counts
        if any(counts[k] != n for row in before for k, n in row.items()):
            continue  # an old value shared a key with another row
        delta: Counter[str] = Counter()
        for row in before:
            delta.subtract(row)
        for row in after:
            delta.update(row)
        if any(counts[k] + delta[k] != n for row in after for k, n in row.items()):
            continue  # a new value shares a key with another row
        counts.update(delta)  # (adds negative counts too)
        for k in delta:
            if not counts[k]:
                del counts[k]
        last.input = new
        _BLOCKS.remove(last)
        _BLOCKS.insert(0, last)
        return last.result
    return None


def _changed_positions(old: _Input, new: _Input) -> list[int] | None:
    """Positions whose row, value or value's type differs (rows added or gone at the end
    included); None when the rows before them moved, or too many changed."""
    n_old, n_new = len(old.rows), len(new.rows)
    m = min(n_old, n_new)
    if abs(n_old - n_new) > CHANGED_ROWS_LIMIT or old.rows[:m] != new.rows[:m]:
        return None
    changed = set(range(m, max(n_old, n_new)))
    for name, column in new.columns.items():
        was, was_types, types = old.columns[name], old.types[name], new.types[name]
        if column[:m] == was[:m] and types[:m] == was_types[:m]:
            continue
        changed.update(i for i in range(m) if types[i] is not was_types[i] or column[i] != was[i])
        if len(changed) > CHANGED_ROWS_LIMIT:
            return None
    return sorted(changed)


def _keys_by_row(
    data: _Input, positions: list[int], kinds: Mapping[str, FieldKind], lonely: set[str]
) -> list[Counter[str]] | None:
    """The block keys of the rows at ``positions``, each row's counted; None when one of them
    has no contact (its name alone would make blocks)."""
    rows = [data.rows[i] for i in positions]
    columns = {n: [c[i] for i in positions] for n, c in data.columns.items()}
    keyed, contactless, _ = _block_keys(rows, columns, kinds, lonely)
    if contactless:
        return None
    return [Counter(k for keys in keyed if (k := keys[j]) is not None) for j in range(len(rows))]


def _find(
    rows: Sequence[int],
    columns: Mapping[str, Sequence[object]],
    kinds: Mapping[str, FieldKind],
    threshold: float,
) -> tuple[DedupeResult, tuple[Counter[str], set[str]] | None]:
    """The duplicates, and the block keys' counts and lonely names they were found from
    (None without phone or email columns: then blocks are made per person)."""
    people = _LazyPeople(rows, columns, kinds)
    kept: tuple[Counter[str], set[str]] | None = None
    if any(k in ("phone", "email") for k in kinds.values()):
        raw, contactless, counts, lonely = _contact_blocks(rows, columns, kinds)
        kept = (counts, lonely)
    else:
        raw, contactless = defaultdict(list), set()
        for row in rows:
            for key in _person_blocks(people[row], kinds):
                raw[key].append(row)
    # almost every key is unique to one row; only shared keys matter from here on (a row
    # can reach one block twice, through phone and phone2)
    blocks = {key: sorted(set(members)) for key, members in raw.items() if len(members) > 1}
    blocks = {key: members for key, members in blocks.items() if len(members) > 1}
    sharing = {key: len(members) for key, members in blocks.items()}
    pair_scores: dict[tuple[int, int], float] = {}
    pair_reasons: dict[tuple[int, int], list[str]] = {}
    score = _RememberedScorer(_Scorer(kinds, sharing), people, sharing)
    for a, b in _candidate_pairs(blocks, contactless, people):
        pair_scores[(a, b)], pair_reasons[(a, b)] = score(a, b)
    clusters = _Clusters(dict(pair_scores), lambda x, y: score(x, y)[0])
    for (a, b), s in sorted(pair_scores.items(), key=lambda kv: (-kv[1], kv[0])):
        if s >= threshold:
            clusters.try_join(a, b)
    groups = _numbered_groups(
        clusters, pair_scores, pair_reasons, threshold, lambda a, b: _why(people[a], people[b])
    )
    return DedupeResult(groups, _shared_phones(blocks, groups), pair_scores), kept


def _numbered_groups(
    clusters: _Clusters,
    pair_scores: Mapping[tuple[int, int], float],
    pair_reasons: Mapping[tuple[int, int], list[str]],
    threshold: float,
    why_of: Callable[[int, int], list[str]],
) -> list[DuplicateGroup]:
    """Groups numbered by their first row; score = the weakest pair inside the group."""
    groups: list[DuplicateGroup] = []
    found = (sorted(m) for m in clusters.members.values() if len(m) > 1)
    for members in sorted(found, key=lambda m: m[0]):
        pairs = list(combinations(members, 2))
        reasons: set[str] = set()
        why: dict[str, None] = {}  # in order of the pairs
        for pair in pairs:
            if pair_scores.get(pair, 0.0) >= threshold:
                reasons.update(pair_reasons[pair])
                why.update(dict.fromkeys(why_of(*pair)))
        score = min(clusters.score(a, b) for a, b in pairs)
        groups.append(
            DuplicateGroup(
                len(groups) + 1, tuple(members), score, tuple(sorted(reasons)), tuple(why)
            )
        )
    return groups


def _why(a: _Person, b: _Person) -> list[str]:
    """What the note on a pair says beyond the fields that agreed (see DuplicateGroup.why)."""
    why: list[str] = []
    if a.given and b.given:
        if a.initials[0] or b.initials[0]:
            why.append("initials")
        elif a.given != b.given and a.first and b.first and _same_name(a, b):
            why.append(f"form:{a.first}|{b.first}")
    if a.written and b.written and a.written.isascii() != b.written.isascii():
        why.append("translit")
    elif (
        a.surname
        and b.surname
        and _straight(a.surname, b.surname) < _NEAR
        and not _gender_flip(a.surname, b.surname)
    ):
        why.append("surname")
    if not a.dated & b.dated:
        why.append("?birthday")
    if not (a.middle and b.middle) and (a.given or b.given):
        why.append("?middle")
    return why


def _shared_phones(
    blocks: Mapping[str, list[int]], groups: Sequence[DuplicateGroup]
) -> list[tuple[int, ...]]:
    """One tuple of rows per phone typed on rows of two or more different people."""
    group_of = {row: g.group for g in groups for row in g.rows}
    shared: set[tuple[int, ...]] = set()
    for key, members in blocks.items():
        if key.startswith("phone:") and len({group_of.get(r, -r) for r in members}) > 1:
            shared.add(tuple(members))
    return sorted(shared)
