"""Duplicates people really make, and people who only look alike: a generated RU/UA base.

Each kind of duplicate is planted on its own pairs (one person typed twice), next to hard
negatives that must stay apart: families on one home phone (spouses, a grown child with the
father's name as patronymic), five colleagues on one office line with their extensions, and
twins (one surname, birthday, patronymic and phone, two first names), and a son named
after his father on the family phone. Cells go through the
real validators, as in a pass, then through ``find_duplicates``. No labelled training.

Prints per-kind recall, pairwise precision / recall / F1, and the hard-negative pairs merged.
Target: F1 >= 0.99 and no hard negative merged.

    python bench/dedupe_messy.py [PEOPLE] [SEED] [-v]   (-v: list false and missed pairs)
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from itertools import combinations

from sync.core.dedupe import FieldKind, find_duplicates
from sync.demo import (
    _FIRST_NAMES,
    _PATRONYMICS,
    _RU_SURNAMES,
    _UA_SURNAMES,
    _female_surname,
)
from validators.email import check_emails
from validators.name import check_names
from validators.phone import check_phones

KINDS: dict[str, FieldKind] = {"name": "full_name", "phone": "phone", "email": "email",
                               "birthday": "date"}  # fmt: skip
REGIONS = ("RU", "UA", "BY", "KZ")

# Diminutives as staff type them (the bench's own list, not the tool's table)
_SHORT = {
    "Александр": ["Саша", "Шура", "Саня"], "Александра": ["Саша", "Шура"],
    "Алексей": ["Алёша", "Лёша"], "Анастасия": ["Настя", "Стася"], "Анна": ["Аня"],
    "Валентина": ["Валя"], "Виктория": ["Вика"], "Владимир": ["Володя", "Вова"],
    "Галина": ["Галя"], "Дарья": ["Даша"], "Дмитрий": ["Дима"], "Евгений": ["Женя"],
    "Евгения": ["Женя"], "Екатерина": ["Катя"], "Елена": ["Лена"], "Иван": ["Ваня"],
    "Ирина": ["Ира"], "Константин": ["Костя"], "Ксения": ["Ксюша"], "Людмила": ["Люда"],
    "Мария": ["Маша"], "Михаил": ["Миша"], "Надежда": ["Надя"], "Наталья": ["Наташа"],
    "Николай": ["Коля"], "Ольга": ["Оля"], "Павел": ["Паша"], "Светлана": ["Света"],
    "Сергей": ["Серёжа"], "Татьяна": ["Таня"], "Юлия": ["Юля"], "Юрий": ["Юра"],
    "Олександр": ["Сашко", "Олесь"], "Олексій": ["Льоша"], "Тетяна": ["Таня"],
    "Наталія": ["Наталка"], "Катерина": ["Катя"], "Микола": ["Коля"], "Ганна": ["Ганя"],
    "Марія": ["Маруся"], "Дмитро": ["Діма"], "Петро": ["Петрик"],
    "Сергій": ["Сергійко"], "Юлія": ["Юля"],
}  # fmt: skip
_LATIN_LOOK = {"а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x"}
_CYR_IN_EMAIL = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "y": "у", "x": "х",
                 "k": "к", "m": "м", "t": "т", "h": "н"}  # fmt: skip
# Transliterations: passport (ICAO 9303 as Russian passports use), GOST 7.79 system B,
# Ukrainian national (2010)
_COMMON = dict(zip("абвгдезиклмнопрстуф", "abvgdeziklmnoprstuf", strict=True))
_ICAO = {**_COMMON, "ё": "e", "ж": "zh", "й": "i", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
         "щ": "shch", "ъ": "ie", "ы": "y", "ь": "", "э": "e", "ю": "iu", "я": "ia"}  # fmt: skip
_GOST_B = {**_COMMON, "ё": "yo", "ж": "zh", "й": "j", "х": "x", "ц": "cz", "ч": "ch", "ш": "sh",
           "щ": "shh", "ъ": "``", "ы": "y`", "ь": "`", "э": "e`", "ю": "yu", "я": "ya"}  # fmt: skip
_UA_2010 = {**_COMMON, "г": "h", "ґ": "g", "и": "y", "і": "i", "ї": "i", "є": "ie", "ж": "zh",
            "й": "i", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ю": "iu",
            "я": "ia", "'": ""}  # fmt: skip
_UA_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
_EMAIL_LATIN = {**_ICAO, "і": "i", "ї": "i", "є": "e", "ґ": "g", "'": "", "ъ": ""}


def translit(text: str, table: dict[str, str], initial: dict[str, str] | None = None) -> str:
    out = []
    for word in text.split():
        low = word.lower()
        letters = [initial[ch] if i == 0 and initial and ch in initial else table.get(ch, ch)
                   for i, ch in enumerate(low)]  # fmt: skip
        out.append("".join(letters).capitalize())
    return " ".join(out)


Row = dict[str, object]


class Base:
    """Rows, and who is who: one true person id per row; hard-negative pairs by kind."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.rows: list[Row] = []
        self.person: list[int] = []
        self.kind_pairs: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.negatives: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.phones: set[str] = set()
        self.emails: set[str] = set()
        self.next_person = 0
        self.names: set[tuple[str, str]] = set()  # (surname, first name): no namesakes

    def phone(self) -> str:
        while True:
            national = "9" + "".join(self.rng.choice("0123456789") for _ in range(9))
            if national not in self.phones and national[1:3] not in ("00", "07"):
                self.phones.add(national)
                return f"+7 {national[:3]} {national[3:6]}-{national[6:8]}-{national[8:]}"

    def email(self, first: str, surname: str) -> str:
        f, s = translit(first, _EMAIL_LATIN).lower(), translit(surname, _EMAIL_LATIN).lower()
        domain = self.rng.choice(("mail.ru", "yandex.ru", "gmail.com", "ukr.net", "bk.ru"))
        local = self.rng.choice((f"{f}.{s}", f"{s}.{f[0]}", f"{f}_{s}", f"{s}{f}"))
        while f"{local}@{domain}" in self.emails:
            local += str(self.rng.randrange(10))
        self.emails.add(f"{local}@{domain}")
        return f"{local}@{domain}"

    def add(self, row: Row, person: int) -> int:
        self.rows.append(row)
        self.person.append(person)
        return len(self.rows) - 1

    def new_person(self, gender: str | None = None, ukrainian: bool | None = None,
                   surname: str | None = None, middle: str | None = None,
                   birthday: dt.date | None = None) -> dict[str, object]:  # fmt: skip
        rng = self.rng
        gender = gender or rng.choice("mf")
        ua = rng.random() < 0.3 if ukrainian is None else ukrainian
        for _ in range(1000):
            base = surname or rng.choice(_UA_SURNAMES if ua else _RU_SURNAMES)
            last = _female_surname(base) if gender == "f" and not surname else base
            first = rng.choice(_FIRST_NAMES[ua, gender])
            # the female form of the surname too: a wife must not be her husband's namesake
            if (_female_surname(last), first) not in self.names:
                break
        self.names.add((_female_surname(last), first))
        if middle is None:
            father = rng.choice(list(_PATRONYMICS[ua]))
            middle = _PATRONYMICS[ua][father][0 if gender == "m" else 1]
        born = birthday or dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20000))
        self.next_person += 1
        return {"id": self.next_person, "g": gender, "ua": ua, "last": last, "first": first,
                "middle": middle, "birthday": born}  # fmt: skip


def _full(p: dict[str, object], first: str | None = None, last: str | None = None) -> str:
    return f"{last or p['last']} {first or p['first']} {p['middle']}"


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)
    return rng.choice((word[:i] + word[i + 1 :], word[:i] + word[i] + word[i:],
                       word[:i] + word[i + 1] + word[i] + word[i + 2 :]))  # fmt: skip


def _look_alikes(text: str, rng: random.Random) -> str:
    spots = [i for i, ch in enumerate(text) if ch in _LATIN_LOOK and i and text[i - 1] != " "]
    chars = list(text)
    for i in rng.sample(spots, min(len(spots), rng.choice((1, 2, 3)))):
        chars[i] = _LATIN_LOOK[chars[i]]
    return "".join(chars)


def _cyrillic_in_email(email: str, rng: random.Random) -> str:
    local, _, domain = email.partition("@")
    spots = [i for i, ch in enumerate(local) if ch in _CYR_IN_EMAIL and i]
    if not spots:
        return email
    i = rng.choice(spots)
    return f"{local[:i]}{_CYR_IN_EMAIL[local[i]]}{local[i + 1 :]}@{domain}"


def _initials(p: dict[str, object]) -> str:
    return f"{p['last']} {str(p['first'])[0]}. {str(p['middle'])[0]}."


def _plant_duplicate(base: Base, kind: str) -> bool:
    """One person typed twice, the second time with the mess of ``kind``."""
    rng = base.rng
    p = base.new_person()
    first, last = str(p["first"]), str(p["last"])
    phone, email = base.phone(), base.email(first, last)
    row: Row = {"name": _full(p), "phone": phone, "email": email, "birthday": p["birthday"]}
    second = dict(row)
    keep_birthday = False
    if kind == "diminutive":
        shorts = _SHORT.get(first)
        if not shorts:
            return False
        second["name"] = f"{last} {rng.choice(shorts)}"
        second["email"] = None if rng.random() < 0.5 else email
        if second["email"] and rng.random() < 0.5:
            second["phone"] = base.phone()  # the address is the link
        elif rng.random() < 0.2:
            second["phone"] = base.phone()  # a new phone, no email: name and birthday
            keep_birthday = True
        if rng.random() < 0.3 and not keep_birthday:
            second["birthday"] = None
    elif kind == "marriage":
        if p["g"] != "f":
            return False
        second["name"] = _full(p, last=_female_surname(rng.choice(_RU_SURNAMES)))
        second["phone"] = base.phone() if rng.random() < 0.5 else phone
    elif kind == "new_phone_same_email":
        second["phone"] = base.phone()
        if rng.random() < 0.3:
            second["birthday"] = None
        if rng.random() < 0.3:
            second["name"] = f"{last} {first}"
    elif kind == "surname_typo":
        second["name"] = _full(p, last=_typo(last, rng))
        if rng.random() < 0.5:
            second["name"] = str(second["name"]).rsplit(" ", 1)[0]  # and no patronymic
        second["email"] = None
        if rng.random() < 0.5:
            second["birthday"] = None
    elif kind == "translit":
        table, initial = ((_UA_2010, _UA_INITIAL) if p["ua"] else
                          rng.choice(((_ICAO, None), (_GOST_B, None))))  # fmt: skip
        second["name"] = translit(f"{last} {first}", table, initial)
        second["email"] = None if rng.random() < 0.5 else email
        if rng.random() < 0.3:
            second["birthday"] = None
    elif kind == "initials":
        second["name"] = _initials(p)
    elif kind == "look_alike_name":
        second["name"] = _look_alikes(_full(p), rng)
    elif kind == "look_alike_email":
        second["email"] = _cyrillic_in_email(email, rng)
        second["phone"], second["birthday"] = base.phone(), None  # the address is the link
        if second["email"] == email:
            return False
    elif kind == "extension":
        ext = str(rng.randrange(10, 999))
        row["phone"] = f"{phone} доб. {ext}"
        second["phone"] = rng.choice(
            (
                f"8 ({phone[3:6]}) {phone[7:]} доб. {ext}",
                f"{phone} ext. {ext}",
                f"{phone} вн. {ext}",
            )
        )
        second["email"] = second["birthday"] = None  # the line is the link
    a, b = base.add(row, int(str(p["id"]))), base.add(second, int(str(p["id"])))
    base.kind_pairs[kind].append((a, b))
    return True


def _plant_family(base: Base) -> None:
    """A couple and a grown child on one home phone (sometimes one family mailbox)."""
    rng = base.rng
    father = base.new_person("m", ukrainian=False)
    father["first"] = rng.choice(list(_PATRONYMICS[False]))  # his children's patronymic
    surname = str(father["last"])
    wife = base.new_person("f", ukrainian=False, surname=_female_surname(surname))
    first = str(father["first"])
    table = _PATRONYMICS[False]
    child = base.new_person(rng.choice("mf"), ukrainian=False, middle=table[first][0])
    while child["first"] == first:
        child["first"] = rng.choice(_FIRST_NAMES[False, str(child["g"])])
    if child["g"] == "f" and rng.random() < 0.3:
        # named after her mother: the patronymic (or, if the same, the birthday) tells apart
        child["first"] = wife["first"]
    born = wife["birthday"]
    assert isinstance(born, dt.date)
    child["birthday"] = born + dt.timedelta(days=rng.randrange(20 * 365, 35 * 365))
    if child["g"] == "f":
        child["last"] = _female_surname(surname)
        child["middle"] = table[first][1]
    else:
        child["last"] = surname
    phone = base.phone()
    mailbox = base.email(first, surname) if rng.random() < 0.3 else None
    rows = []
    for p in (father, wife, child):
        email = mailbox or (base.email(str(p["first"]), str(p["last"]))
                            if rng.random() < 0.6 else None)  # fmt: skip
        rows.append(base.add({"name": _full(p), "phone": phone, "email": email,
                              "birthday": p["birthday"]}, int(str(p["id"]))))  # fmt: skip
    base.negatives["family"] += list(combinations(rows, 2))


def _plant_office(base: Base) -> None:
    """Five colleagues on one office line, each with an extension (and one without)."""
    rng = base.rng
    phone = base.phone()
    rows = []
    for n in range(5):
        p = base.new_person()
        line = phone if n == 4 else f"{phone} {rng.choice(('доб.', 'ext.', 'вн.'))} {100 + n}"
        email = base.email(str(p["first"]), str(p["last"])) if rng.random() < 0.7 else None
        rows.append(base.add({"name": _full(p) if rng.random() < 0.7 else
                              f"{p['last']} {p['first']}", "phone": line, "email": email,
                              "birthday": p["birthday"] if rng.random() < 0.5 else None},
                             int(str(p["id"]))))  # fmt: skip
    base.negatives["office"] += list(combinations(rows, 2))


def _plant_twins(base: Base) -> None:
    """Twins: one surname, birthday, patronymic and phone; two first names (one may be a
    diminutive of the right name, never of the sibling's)."""
    rng = base.rng
    one = base.new_person()
    gender = rng.choice("mf")
    born = one["birthday"]
    assert isinstance(born, dt.date)
    other = base.new_person(gender, ukrainian=bool(one["ua"]), birthday=born)
    surname = str(one["last"]).removesuffix("а") if one["g"] == "f" else str(one["last"])
    for p in (one, other):
        table = _PATRONYMICS[bool(one["ua"])]
        father = next(iter(table))
        p["middle"] = table[father][0 if p["g"] == "m" else 1]
        p["last"] = _female_surname(surname) if p["g"] == "f" else surname
    if one["first"] == other["first"]:
        return
    phone = base.phone()
    rows = []
    for p in (one, other):
        first = str(p["first"])
        shorts = _SHORT.get(first)
        name = f"{p['last']} {rng.choice(shorts)}" if shorts and rng.random() < 0.3 else _full(p)
        rows.append(base.add({"name": name, "phone": phone, "email": None,
                              "birthday": p["birthday"]}, int(str(p["id"]))))  # fmt: skip
    base.negatives["twins"].append((rows[0], rows[1]))


def _plant_namesake_son(base: Base) -> None:
    """A son named after his father (Иванов Иван Иванович twice) on the family phone: only
    the birthdays, a generation apart, tell them apart."""
    rng = base.rng
    father = base.new_person("m", ukrainian=False)
    table = _PATRONYMICS[False]
    first = rng.choice(list(table))
    phone = base.phone()
    born = father["birthday"]
    assert isinstance(born, dt.date)
    rows = []
    for years in (0, rng.randrange(20, 35)):
        name = f"{father['last']} {first} {table[first][0]}"
        day = born + dt.timedelta(days=365 * years + rng.randrange(300))
        rows.append(base.add({"name": name, "phone": phone, "email": None, "birthday": day},
                             -(int(str(father["id"])) * 1000 + years)))  # fmt: skip
    base.negatives["namesake_son"].append((rows[0], rows[1]))


DUPLICATE_KINDS = ("diminutive", "marriage", "new_phone_same_email", "surname_typo",
                   "translit", "initials", "look_alike_name", "look_alike_email",
                   "extension")  # fmt: skip


def generate(people: int, seed: int) -> Base:
    rng = random.Random(seed)
    base = Base(rng)
    planters: list[Callable[[], object]] = [
        *(lambda k=k: _plant_duplicate(base, k) for k in DUPLICATE_KINDS),
        lambda: _plant_family(base), lambda: _plant_office(base), lambda: _plant_twins(base),
        lambda: _plant_namesake_son(base),
    ]  # fmt: skip
    per_kind = max(20, people // 40)
    for planter in planters:
        for _ in range(per_kind):
            planter()
    while len(base.rows) < people:  # everyone else: one clean row each
        p = base.new_person()
        email = base.email(str(p["first"]), str(p["last"])) if rng.random() < 0.7 else None
        base.add({"name": _full(p), "phone": base.phone(), "email": email,
                  "birthday": p["birthday"]}, int(str(p["id"])))  # fmt: skip
    order = list(range(len(base.rows)))
    rng.shuffle(order)  # duplicates are not typed one below the other
    position = {old: new for new, old in enumerate(order)}
    base.rows = [base.rows[i] for i in order]
    base.person = [base.person[i] for i in order]
    for pairs in (*base.kind_pairs.values(), *base.negatives.values()):
        pairs[:] = [tuple(sorted((position[a], position[b]))) for a, b in pairs]  # type: ignore[misc]
    return base


def normalised(base: Base) -> dict[str, list[object]]:
    """The values a pass hands to the duplicate search: each validator's normalised value."""
    column = {k: [r[k] for r in base.rows] for k in KINDS}
    return {
        "name": [c.normalized for c in check_names(column["name"])],
        "phone": [c.normalized for c in check_phones(column["phone"], REGIONS)],
        "email": [c.normalized for c in check_emails(column["email"])],
        "birthday": column["birthday"],
    }


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "-v"]
    people = int(args[0]) if args else 8_000
    seed = int(args[1]) if len(args) > 1 else 5
    base = generate(people, seed)
    fields = normalised(base)
    rows = list(range(2, len(base.rows) + 2))
    t0 = time.perf_counter()
    result = find_duplicates(rows, fields, KINDS)
    elapsed = time.perf_counter() - t0
    group_of = {r - 2: g.group for g in result.groups for r in g.rows}

    def together(a: int, b: int) -> bool:
        return a in group_of and group_of.get(a) == group_of.get(b)

    print(f"rows {len(rows)}, groups found {len(result.groups)}, time {elapsed:.2f} s")
    print("recall by kind of duplicate:")
    for kind in DUPLICATE_KINDS:
        pairs = base.kind_pairs[kind]
        found = sum(together(a, b) for a, b in pairs)
        print(f"  {kind:<22} {found:>4} / {len(pairs)}")
    by_person: dict[int, list[int]] = defaultdict(list)
    for i, person in enumerate(base.person):
        by_person[person].append(i)
    truth = {p for g in by_person.values() for p in combinations(sorted(g), 2)}
    found_pairs = {(a - 2, b - 2) for g in result.groups for a, b in combinations(g.rows, 2)}
    tp = len(found_pairs & truth)
    precision = tp / len(found_pairs) if found_pairs else 0.0
    recall = tp / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(f"pairwise: precision {precision:.4f}  recall {recall:.4f}  F1 {f1:.4f}")
    print("hard negatives merged (pairs):")
    for kind, pairs in base.negatives.items():
        merged = sum(together(a, b) for a, b in pairs)
        print(f"  {kind:<22} {merged:>4} of {len(pairs)}")
    if "-v" in sys.argv:
        for a, b in sorted(found_pairs - truth)[:30]:
            print("  false pair:", base.rows[a], "|", base.rows[b])
        for kind in DUPLICATE_KINDS:
            for a, b in [p for p in base.kind_pairs[kind] if not together(*p)][:4]:
                print(f"  missed {kind}:", base.rows[a], "|", base.rows[b])
        for kind, pairs in base.negatives.items():
            for a, b in [p for p in pairs if together(*p)][:4]:
                print(f"  merged {kind}:", base.rows[a], "|", base.rows[b])
    shared = {r - 2 for rows_ in result.shared_phones for r in rows_}
    office = {r for pair in base.negatives["office"] for r in pair}
    print(f"office rows flagged phone.shared: {len(office & shared)} / {len(office)}")


if __name__ == "__main__":
    main()
