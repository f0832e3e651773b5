"""The backends, one package per kind of source, behind the Protocol in :mod:`sync.sources.base`.

The registry below is the one place that says which backend serves a ``SOURCE`` as written on
the command line (tablib's ``formats`` registry is the model): each backend is named by dotted
path and imported only when used, so ``clientbase check file.xlsx`` never imports gspread, and
a backend whose library is missing says which package to install.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from importlib.util import find_spec
from typing import TYPE_CHECKING, cast

from sync.core.messages import notice
from sync.errors import ConfigError

if TYPE_CHECKING:
    from sync.core.config import Config
    from sync.sources.base import Source

GSHEET_PREFIX = "gsheet:"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


@dataclass(frozen=True)
class Backend:
    """One kind of source: how its ``SOURCE`` is written, and where its code lives."""

    name: str
    claims: Callable[[str], bool]
    opener: str  # "module:function", the function taking (spec, config)
    needs: tuple[str, ...]  # the import names of the libraries it cannot work without
    install: str  # what to install when one of them is missing

    def open(self, spec: str, config: Config) -> Source:
        missing = [lib for lib in self.needs if find_spec(lib) is None]
        if missing:
            params = {"source": spec, "backend": self.name, "missing": ", ".join(missing),
                      "install": self.install}  # fmt: skip
            raise ConfigError(notice("source.library_missing", config.language, params))
        module, function = self.opener.split(":")
        return cast("Source", getattr(importlib.import_module(module), function)(spec, config))


BACKENDS: tuple[Backend, ...] = (
    Backend(
        "Google Sheets",
        lambda spec: spec.startswith(GSHEET_PREFIX),
        "sync.sources.gsheets.source:open_gsheet",
        ("gspread",),
        "gspread",
    ),
    Backend(
        "xlsx",
        lambda spec: spec.lower().endswith(WORKBOOK_SUFFIXES),
        "sync.sources.xlsx.source:open_workbook",
        ("python_calamine", "lxml"),
        "python-calamine lxml",
    ),
)


def backend_for(spec: str) -> Backend | None:
    """The backend that serves ``spec``, or None when no backend claims it."""
    return next((b for b in BACKENDS if b.claims(spec)), None)


def open_source(spec: str, config: Config) -> Source:
    """A source for ``SOURCE`` as written on the command line (a path or ``gsheet:ID``)."""
    backend = backend_for(spec)
    if backend is None:
        raise ConfigError(notice("source.unknown", config.language, {"source": spec}))
    return backend.open(spec, config)
