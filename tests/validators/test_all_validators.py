"""Rules every validator keeps, whatever staff put into a cell."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.core.model import ExcelError
from validators.base import EMPTY, FieldCheck
from validators.choices import check_amounts, check_choices, check_consent
from validators.dates import check_dates
from validators.email import check_emails
from validators.name import check_names
from validators.phone import check_phones

AS_OF = dt.date(2026, 11, 1)
Check = Callable[[Sequence[object]], list[FieldCheck]]

CHECKS: dict[str, Check] = {
    "phone": check_phones,
    "phone_national": lambda vs: check_phones(vs, ("UA", "RU"), "national"),
    "email": check_emails,
    "name": check_names,
    "birthday": lambda vs: check_dates(vs, as_of=AS_OF, kind="birthday"),
    "date": lambda vs: check_dates(vs, as_of=AS_OF),
    "consent": check_consent,
    "choice": lambda vs: check_choices(vs, ["Звонок", "Встреча", "Письмо"]),
    "amount": check_amounts,
}

# Cells as the sources deliver them: text of every kind, numbers, dates, bools, error cells.
cells = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.text(alphabet="0123456789 +-()8", max_size=20),
    st.sampled_from(["😀", "Иван 😀", "\x00\x07\t", "\u200b", "  ", "ivan@mail.ru", "да"]),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.builds(ExcelError, st.sampled_from(["#N/A", "#DIV/0!", "#REF!", "#VALUE!"])),
)


@pytest.mark.parametrize("name", CHECKS)
@settings(max_examples=60, deadline=None)
@given(values=st.lists(cells, max_size=12))
def test_cached_batch_equals_one_by_one_and_never_raises(name: str, values: list[object]) -> None:
    check = CHECKS[name]
    batch = check(values)
    assert len(batch) == len(values)
    assert batch == [check([v])[0] for v in values]


@pytest.mark.parametrize("name", CHECKS)
@pytest.mark.parametrize("value", [None, "", "   ", "\t\n"])
def test_empty_cells_are_empty_not_problems(name: str, value: object) -> None:
    assert CHECKS[name]([value]) == [EMPTY]


@pytest.mark.parametrize("name", CHECKS)
@pytest.mark.parametrize(
    "value",
    [ExcelError("#N/A"), "x" * 30_000, "8" * 30_000, "😀" * 5_000, "\x00" * 100, 10**400],
)
def test_error_cells_and_huge_values_give_a_finding(name: str, value: object) -> None:
    (result,) = CHECKS[name]([value])
    assert result.normalized is None
    assert len(result.findings) == 1
    assert result.findings[0].severity in ("error", "warning")
