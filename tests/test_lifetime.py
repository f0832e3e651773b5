"""A one-shot process leaves a pass's big structures to its end; any other frees them."""

from __future__ import annotations

import subprocess
import sys
import weakref

from sync.speed import lifetime

PROBE = """
import gc, weakref
from sync.speed import lifetime
class Rows(list): pass
{setup}
rows = Rows([[1, 2]] * 3)
ref = weakref.ref(rows)
lifetime.keep(rows)
del rows
gc.collect()
print(ref() is not None, lifetime.leaving_to_exit())
"""


def _probe(setup: str) -> str:
    code = PROBE.format(setup=setup)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_a_one_shot_process_keeps_what_it_is_given_to_its_end() -> None:
    assert _probe("lifetime.leave_to_exit()") == "True True"


def test_a_long_lived_process_frees_as_usual() -> None:
    assert _probe("") == "False False"

    # and this test process (long-lived) keeps nothing either
    class Grid(list[int]):
        pass

    grid = Grid([1])
    ref = weakref.ref(grid)
    lifetime.keep(grid)
    del grid
    assert ref() is None
    assert not lifetime.leaving_to_exit()


PASS = """
import datetime as dt, hashlib, sys
from sync.speed import lifetime
from sync.core.config import default_config
from sync.core.engine import run_pass
from sync.core.report import dumps_report
from sync.sources.memory import MemorySource
if sys.argv[1] == "one-shot":
    lifetime.leave_to_exit()
day = dt.date(2026, 10, 1)
sheets = {
    "Клиенты": [
        ["ID", "ФИО", "Телефон", "Email", "Дата рождения"],
        ["C000001", "Иванов Иван", "+7 912 345-67-89", "ivan@mail.ru", dt.date(1980, 1, 2)],
        ["C000002", "Иванов Иван Петрович", "8 912 345 67 89", None, None],
        ["C000003", "Петрова Анна", "067 123 45 67", "anna@mail", None],
    ],
    "Заказы": [
        ["Дата", "ID клиента", "Сумма"],
        [day, "C000001", 1200.0],
        ["32.13.2026", "C000003", "много"],
        [day, "C000099", 500.0],
    ],
}
config = default_config()
snapshot = MemorySource(sheets).read([s.name for s in config.sheets.values()])
outcome = run_pass(snapshot, config, dt.date(2026, 11, 1))
assert any(p.sheet == "Заказы" for p in outcome.problems) and outcome.duplicates
print(hashlib.sha256(dumps_report(outcome).encode()).hexdigest())
"""


def test_a_one_shot_pass_without_memo_keys_finds_what_any_pass_finds() -> None:
    def report(mode: str) -> str:
        return subprocess.run(
            [sys.executable, "-c", PASS, mode], capture_output=True, text=True, check=True
        ).stdout.strip()

    assert report("one-shot") == report("long-lived")
