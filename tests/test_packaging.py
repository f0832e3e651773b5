"""The installed package is this project's, and the layout DESIGN.md fixes is there."""

from __future__ import annotations

from pathlib import Path

import validators

ROOT = Path(__file__).resolve().parents[1]


def test_validators_is_this_projects_package() -> None:
    # The PyPI package `validators` has the same name; ours must win in our environment.
    assert Path(validators.__file__).resolve().parent == ROOT / "validators"
    assert hasattr(validators, "FieldCheck")


def test_layout_of_the_product_card() -> None:
    for name in (
        "sync",
        "validators",
        "sheets_templates",
        "macros",
        "tests",
        "bench",
        "config.example.toml",
        "pyproject.toml",
        "README.md",
    ):
        assert (ROOT / name).exists(), name
