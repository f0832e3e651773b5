"""Duplicate customers: blocking, pair scoring, and clustering that cannot chain strangers.

1. **Blocking.** Candidate pairs come only from rows sharing a block key: a phone, an email,
   an ID number, a transliteration-aware, order-insensitive name key, and (for person data
   with dates and addresses) combinations such as birth date + surname prefix. Blocks larger
   than ``MAX_BLOCK`` (an office phone typed on 500 rows) are not expanded into pairs: such a
   key says nothing about who is who, and the other keys still find the real duplicates.
2. **Scoring.** Fellegi–Sunter style: each field adds an agreement weight (exact or close
   agreement, by rapidfuzz Jaro–Winkler on transliterated text) or a disagreement weight; a
   missing value is neutral. Weights are fixed per field kind from reasoning about how often
   the field agrees by chance (u) and for true duplicates (m) — no labelled training.
   Different first names are strong evidence of different people (family on one phone).
3. **Clustering.** Pairs above the threshold are joined only while every member of a group
   still scores at least ``LINK_FLOOR`` with every other member (complete-link check), so an
   office phone shared by A and B and a name shared by B and C never puts A with C.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Literal

from rapidfuzz.distance import JaroWinkler, Levenshtein

from sync.demographics import split_name
from sync.model import DuplicateGroup
from sync.translit import fold, name_tokens

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

MAX_BLOCK = 60
LINK_FLOOR = 0.15

# kind -> (exact agreement, close agreement, disagreement) weights in bits
_WEIGHTS: dict[str, tuple[float, float, float]] = {
    "id_number": (10.0, 6.0, -5.0),
    "date": (7.0, 3.5, -4.0),
    "surname": (6.0, 3.5, -4.0),
    "given_name": (5.0, 3.0, -4.0),
    "middle_name": (3.0, 1.5, -3.0),
    "phone": (8.0, 0.0, -4.0),
    "email": (9.0, 4.0, -3.0),
    "postcode": (4.0, 1.5, -2.0),
    "street_number": (2.0, 0.0, -1.5),
    "street": (3.0, 1.5, -1.5),
    "locality": (3.0, 1.5, -1.5),
    "region": (0.5, 0.0, -1.0),
    "text": (1.0, 0.5, -0.5),
}
_CLOSE = 0.88  # Jaro-Winkler similarity for "close" agreement
_NEAR, _NEAR_WEIGHT = 0.75, -4.0  # between near and close: penalised, but no veto
_SCALE, _MIDPOINT = 2.0, 8.0
_FAMILY_CAP = 0.3  # score = logistic((weight - midpoint) / scale)


@dataclass(frozen=True, slots=True)
class DedupeResult:
    groups: list[DuplicateGroup]
    shared_phones: list[tuple[int, ...]]
    pair_scores: dict[tuple[int, int], float]


@dataclass(slots=True)
class _Person:
    """One row prepared for comparison."""

    row: int
    values: dict[str, object]
    surname: str | None
    given: str | None
    middle: str | None
    tokens: tuple[str, ...]


def _prepare(row: int, values: dict[str, object], kinds: Mapping[str, FieldKind]) -> _Person:
    surname = given = middle = None
    tokens: tuple[str, ...] = ()
    prepared: dict[str, object] = {}
    for name, kind in kinds.items():
        v = values.get(name)
        if v is None or (isinstance(v, str) and not v.strip()):
            continue
        if kind == "full_name":
            last, first, mid = split_name(str(v))
            surname, given = (fold(last) if last else None), (fold(first) if first else None)
            middle = fold(mid) if mid else None
            tokens = name_tokens(str(v))
        elif kind == "surname":
            surname = fold(str(v))
        elif kind == "given_name":
            given = fold(str(v))
        elif kind == "middle_name":
            middle = fold(str(v))
        elif kind == "date":
            prepared[name] = v.isoformat() if isinstance(v, dt.date) else str(v).strip()
        elif kind in ("phone", "email", "id_number", "postcode", "street_number"):
            prepared[name] = str(v).strip().lower()
        else:
            prepared[name] = fold(str(v))
    if not tokens:
        tokens = tuple(sorted(t for t in (surname, given, middle) if t))
    return _Person(row, prepared, surname or None, given or None, middle or None, tokens)


def _block_keys(p: _Person, kinds: Mapping[str, FieldKind], has_contacts: bool) -> set[str]:
    keys: set[str] = set()
    date = next((str(p.values[n]) for n, k in kinds.items() if k == "date" and n in p.values), None)
    for name, kind in kinds.items():
        v = p.values.get(name)
        if v is not None and kind in ("phone", "email", "id_number"):
            keys.add(f"{kind}:{v}")
    if p.surname and p.given and date:
        keys.add(f"gsd:{min(p.surname, p.given)}|{max(p.surname, p.given)}|{date}")
    if has_contacts:
        # A client base: the same person typed twice shares a phone or an email with the
        # first entry (or a name and a birthday). Blocks on names alone would compare every
        # "Иванов Иван" with every other and find nothing those keys do not find.
        return keys
    postcode = next(
        (str(p.values[n]) for n, k in kinds.items() if k == "postcode" and n in p.values), None
    )
    if len(p.tokens) >= 2:
        keys.add("n:" + " ".join(sorted(p.tokens[:3])))
    if p.surname and p.given:
        keys.add(f"sg:{p.surname[:4]}|{p.given[:4]}")
        keys.add(f"gs:{min(p.surname, p.given)}|{max(p.surname, p.given)}")
    for label, part in (("s", p.surname), ("g", p.given)):
        if not part:
            continue
        if date:
            keys.add(f"d{label}:{date}|{part[:3]}")
        if postcode:
            keys.add(f"p{label}:{postcode}|{part[:3]}")
    if date and postcode:
        keys.add(f"dp:{date}|{postcode}")
    return keys


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


def _date_similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    # one transposed or mistyped digit, or day and month swapped
    if len(a) == len(b) and Levenshtein.distance(a, b) <= 1:
        return 0.9
    pa, pb = a.split("-"), b.split("-")
    if len(pa) == 3 and len(pb) == 3 and pa[0] == pb[0] and pa[1] == pb[2] and pa[2] == pb[1]:
        return 0.9
    return 0.0


def _score(a: _Person, b: _Person, kinds: Mapping[str, FieldKind]) -> tuple[float, list[str]]:
    weight = 0.0
    reasons: list[str] = []
    # names
    if a.tokens and b.tokens and a.tokens == b.tokens:
        weight += _WEIGHTS["surname"][0] + _WEIGHTS["given_name"][0]
        reasons.append("name")
    else:
        name_agrees = True
        for part, kind in (("surname", "surname"), ("given", "given_name")):
            x, y = getattr(a, part), getattr(b, part)
            if x and y:
                sim = max(_similarity(x, y), _swapped_similarity(a, b, part))
                w = _level(_WEIGHTS[kind], sim)
                weight += w
                name_agrees &= w > 0
        if a.given and b.given and name_agrees:
            reasons.append("name")
    if a.middle and b.middle:
        weight += _level(_WEIGHTS["middle_name"], _similarity(a.middle, b.middle))
    # everything else
    for name, kind in kinds.items():
        if kind in ("full_name", "surname", "given_name", "middle_name"):
            continue
        x, y = a.values.get(name), b.values.get(name)
        if x is None or y is None:
            continue
        if kind == "date":
            sim = _date_similarity(str(x), str(y))
        elif kind in ("phone", "email", "street_number"):
            sim = 1.0 if x == y else 0.0
        else:
            sim = _similarity(str(x), str(y))
        w = _level(_WEIGHTS.get(kind, _WEIGHTS["text"]), sim)
        weight += w
        if w > 0 and kind in ("phone", "email", "date", "id_number"):
            reasons.append({"date": "birthday"}.get(kind, kind) if kind != "phone" else "phone")
    score = 1.0 / (1.0 + math.pow(2.0, -(weight - _MIDPOINT) / _SCALE))
    if ("phone" in reasons or "email" in reasons) and _different_first_names(a, b):
        # One phone (or mailbox) and two first names: a family or a shared line, however
        # much else agrees (twins share surname, birthday and patronymic).
        score = min(score, _FAMILY_CAP)
    return score, sorted(set(reasons))


def _different_first_names(a: _Person, b: _Person) -> bool:
    if not a.given or not b.given or a.tokens == b.tokens:
        return False  # the same words in another order ("Иван Романович Поляков") are one name
    return max(_similarity(a.given, b.given), _swapped_similarity(a, b, "given")) < _NEAR


def _swapped_similarity(a: _Person, b: _Person, part: str) -> float:
    """Surname and first name typed in the other order in one of the rows."""
    other = "given" if part == "surname" else "surname"
    x, y = getattr(a, part), getattr(b, other)
    return _similarity(x, y) if x and y else 0.0


class _Clusters:
    """Greedy complete-link clustering over scored pairs."""

    def __init__(self, score_of: dict[tuple[int, int], float]) -> None:
        self.score_of = score_of
        self.group_of: dict[int, int] = {}
        self.members: dict[int, list[int]] = {}

    def try_join(self, a: int, b: int, score_fn: object) -> None:
        ga, gb = self.group_of.get(a, a), self.group_of.get(b, b)
        if ga == gb:
            return
        ma, mb = self.members.get(ga, [a]), self.members.get(gb, [b])
        for x in ma:
            for y in mb:
                key = (x, y) if x < y else (y, x)
                s = self.score_of.get(key)
                if s is None:
                    s = score_fn(x, y)  # type: ignore[operator]
                    self.score_of[key] = s
                if s < LINK_FLOOR:
                    return
        merged = ma + mb
        self.members[ga] = merged
        self.members.pop(gb, None)
        for x in merged:
            self.group_of[x] = ga


class _LazyPeople:
    """Rows prepared for comparison only when a candidate pair needs them (most never do)."""

    def __init__(self, position: dict[int, int], person: Callable[[int], _Person]) -> None:
        self.position = position
        self.person = person

    def __getitem__(self, row: int) -> _Person:
        return self.person(self.position[row])


def _contact_blocks(
    rows: Sequence[int],
    columns: Mapping[str, Sequence[object]],
    kinds: Mapping[str, FieldKind],
    blocks: dict[str, list[int]],
) -> None:
    """Block keys of a client base, column by column: phone, email, ID, name + birthday."""
    name_col = date_col = None
    for field, kind in kinds.items():
        column = columns.get(field)
        if column is None:
            continue
        if kind in ("phone", "email", "id_number"):
            for row, v in zip(rows, column, strict=True):
                if v is not None:
                    blocks[f"{kind}:{str(v).strip().lower()}"].append(row)
        elif kind == "date":
            date_col = column
        elif kind == "full_name":
            name_col = column
    if name_col is None or date_col is None:
        return
    for row, name, date in zip(rows, name_col, date_col, strict=True):
        if name is None or date is None:
            continue
        words = sorted(str(name).casefold().replace("ё", "е").split()[:2])
        day = date.isoformat() if isinstance(date, dt.date) else str(date).strip()
        blocks[f"nd:{'|'.join(words)}|{day}"].append(row)


def find_duplicates(
    rows: Sequence[int],
    fields: Mapping[str, Sequence[object]],
    kinds: Mapping[str, FieldKind],
    *,
    threshold: float = 0.80,
) -> DedupeResult:
    """Group rows that are the same person; list phones shared by different people."""
    columns = {name: fields[name] for name in kinds if name in fields}
    prepared: dict[int, _Person] = {}

    def person(i: int) -> _Person:
        p = prepared.get(i)
        if p is None:
            p = prepared[i] = _prepare(rows[i], {n: c[i] for n, c in columns.items()}, kinds)
        return p

    blocks: dict[str, list[int]] = defaultdict(list)
    has_contacts = any(k in ("phone", "email") for k in kinds.values())
    if has_contacts:
        _contact_blocks(rows, columns, kinds, blocks)
    else:
        for i, row in enumerate(rows):
            for key in _block_keys(person(i), kinds, has_contacts):
                blocks[key].append(row)
    position = {row: i for i, row in enumerate(rows)}
    by_row = _LazyPeople(position, person)
    # almost every key is unique to one row; only shared keys matter from here on (a row
    # can reach one block twice, through phone and phone2)
    blocks = {key: sorted(set(members)) for key, members in blocks.items() if len(members) > 1}
    blocks = {key: members for key, members in blocks.items() if len(members) > 1}
    candidates: set[tuple[int, int]] = set()
    for members in blocks.values():
        if len(members) <= MAX_BLOCK:
            candidates.update(combinations(members, 2))
    pair_scores: dict[tuple[int, int], float] = {}
    pair_reasons: dict[tuple[int, int], list[str]] = {}
    for a, b in candidates:
        pair_scores[(a, b)], pair_reasons[(a, b)] = _score(by_row[a], by_row[b], kinds)

    def score_fn(x: int, y: int) -> float:
        return _score(by_row[x], by_row[y], kinds)[0]

    clusters = _Clusters(dict(pair_scores))
    for (a, b), s in sorted(pair_scores.items(), key=lambda kv: (-kv[1], kv[0])):
        if s >= threshold:
            clusters.try_join(a, b, score_fn)
    groups: list[DuplicateGroup] = []
    for members in sorted(
        (sorted(m) for m in clusters.members.values() if len(m) > 1), key=lambda m: m[0]
    ):
        pairs = list(combinations(members, 2))
        scores = [clusters.score_of[p] for p in pairs]
        reasons: set[str] = set()
        for pair in pairs:
            if pair in pair_reasons and pair_scores[pair] >= threshold:
                reasons.update(pair_reasons[pair])
        groups.append(
            DuplicateGroup(len(groups) + 1, tuple(members), min(scores), tuple(sorted(reasons)))
        )
    group_of = {row: g.group for g in groups for row in g.rows}
    shared: list[tuple[int, ...]] = []
    for key, members in sorted(blocks.items()):
        if not key.startswith("phone:"):
            continue
        people_on_line = {group_of.get(r, -r) for r in members}
        if len(people_on_line) > 1:
            shared.append(tuple(members))
    return DedupeResult(groups, sorted(set(shared)), pair_scores)
