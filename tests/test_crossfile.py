"""Cross-workbook duplicates, the pure part: keys, and the problem a match becomes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import pytest

from sync.config_load import parse_config
from sync.core.config import default_config
from sync.core.crossfile import Elsewhere, add_cross_file_duplicates, contact_keys
from sync.core.engine import run_pass
from sync.core.model import CellValue, Outcome
from sync.sources.memory import MemorySource

# every test here runs on the reference stages and on each accelerator (conftest)
pytestmark = pytest.mark.usefixtures("each_stages")

AS_OF = dt.date(2026, 11, 1)
KEY = bytes(range(32))


def _outcome(language: str = "ru") -> Outcome:
    rows: list[list[CellValue]] = [
        ["ФИО", "Телефон", "Email", "Дата рождения"],
        ["Иванов Иван", "8 912 345 67 89", None, None],
        ["Петрова Анна", None, "Anna@Mail.ru", dt.date(1990, 5, 1)],
        ["Сидоров Олег", None, None, dt.date(1985, 1, 2)],
    ]
    config = (
        default_config() if language == "ru" else parse_config(f'language = "{language}"', "c.toml")
    )
    return run_pass(MemorySource({"Клиенты": rows}).read(["Клиенты"]), config, AS_OF)


def test_keys_are_hashed_and_name_needs_a_birthday() -> None:
    keys = contact_keys(_outcome().records, KEY)
    assert [(k.row, k.kind) for k in keys] == [(2, "phone"), (3, "email"), (3, "name"), (4, "name")]
    assert all(len(k.digest) == 24 and set(k.digest) <= set("0123456789abcdef") for k in keys)
    assert len({k.digest for k in keys}) == len(keys)
    # same person, typed differently, gives the same keys
    again = run_pass(
        MemorySource(
            {"Клиенты": [["ФИО", "Телефон", "Email"], ["ИВАНОВ  иван", "+7 (912) 345-67-89", None]]}
        ).read(["Клиенты"]),
        default_config(),
        AS_OF,
    )
    assert contact_keys(again.records, KEY)[0].digest == keys[0].digest


def test_keys_asked_twice_about_one_list_are_made_once_and_another_list_gets_its_own() -> None:
    records = _outcome().records
    first = contact_keys(records, KEY)
    second = contact_keys(records, KEY)
    assert second == first and second is not first  # a list of the caller's own
    second.clear()
    assert contact_keys(records, KEY) == first
    other = [r for r in records if r.row != 2]  # equal records, another list
    assert [k.row for k in contact_keys(other, KEY)] == [3, 3, 4]
    assert contact_keys(records, KEY) == first


def test_a_match_elsewhere_becomes_a_warning_on_the_matching_cell() -> None:
    outcome = _outcome("uk")
    keys = {(k.row, k.kind): k.digest for k in contact_keys(outcome.records, KEY)}
    places = [Elsewhere(f"branch{i}.xlsx", 10 + i) for i in range(5)]

    def lookup(digests: Sequence[str]) -> Mapping[str, Sequence[Elsewhere]]:
        return {keys[(3, "email")]: places, "unrelated": [Elsewhere("x.xlsx", 2)]}

    result = add_cross_file_duplicates(outcome, lookup, KEY)
    added = [p for p in result.problems if p.code == "duplicate.other_file"]
    assert [(p.row, p.column, p.severity) for p in added] == [(3, "Email", "warning")]
    assert added[0].message == (
        "Цей клієнт є і в іншій таблиці: branch0.xlsx, рядок 10; branch1.xlsx, рядок 11; "
        "branch2.xlsx, рядок 12 …"
    )
    assert len(result.problems) == len(outcome.problems) + 1


def test_no_match_leaves_the_outcome_alone() -> None:
    outcome = _outcome()
    assert add_cross_file_duplicates(outcome, lambda digests: {}, KEY) is outcome


def test_keys_are_keyed_hashes_no_plain_sha256_and_another_secret_gives_others() -> None:
    import hashlib

    records = _outcome().records
    phone = next(r.phone for r in records if r.phone)
    assert phone is not None
    plain = hashlib.sha256(f"phone\x00{phone}".encode()).hexdigest()[:24]
    mine = contact_keys(records, KEY)
    theirs = contact_keys(records, bytes(32))
    assert plain not in {k.digest for k in mine}
    assert [(k.row, k.kind) for k in theirs] == [(k.row, k.kind) for k in mine]
    assert not {k.digest for k in theirs} & {k.digest for k in mine}
    assert contact_keys(records, KEY) == mine


def test_another_offices_row_is_named_with_the_office() -> None:
    outcome = _outcome()
    keys = {(k.row, k.kind): k.digest for k in contact_keys(outcome.records, KEY)}

    def lookup(digests: Sequence[str]) -> Mapping[str, Sequence[Elsewhere]]:
        return {keys[(2, "phone")]: [Elsewhere("clients.xlsx", 14, "Москва")]}

    added = [
        p
        for p in add_cross_file_duplicates(outcome, lookup, KEY).problems
        if p.code == "duplicate.other_file"
    ]
    assert [p.message for p in added] == [
        "Этот клиент есть и в другой таблице: Москва, clients.xlsx, строка 14"
    ]
