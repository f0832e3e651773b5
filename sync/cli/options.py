"""What the commands share: the ``SOURCE`` and ``--as-of`` value types, the options of every
command that runs a pass, the config lookup, and library errors turned into exit codes."""

from __future__ import annotations

import datetime as dt
import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from sync import service
from sync.config_load import find_config
from sync.core.config import Config
from sync.errors import ClientbaseError
from sync.sources import backend_for

F = TypeVar("F", bound=Callable[..., Any])


class SourceType(click.ParamType[str]):
    """``SOURCE``: a path to an .xlsx/.xlsm workbook, or ``gsheet:SPREADSHEET_ID``."""

    name = "source"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        if text.startswith(service.GSHEET_PREFIX):
            if len(text) == len(service.GSHEET_PREFIX):
                self.fail("gsheet: needs a spreadsheet ID (gsheet:1AbC...)", param, ctx)
            return text
        if backend_for(text) is None:
            self.fail(f"{text}: expected an .xlsx or .xlsm workbook or gsheet:ID", param, ctx)
        return text


class AsOfType(click.ParamType[dt.date]):
    name = "YYYY-MM-DD"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a date in the form YYYY-MM-DD", param, ctx)


SOURCE = SourceType()
AS_OF = AsOfType()


def pass_options(fn: F) -> F:
    """Options every command that runs a pass shares."""
    fn = click.option(
        "--as-of",
        type=AS_OF,
        default=None,
        help="The day counted as today (YYYY-MM-DD); default: today.",
    )(fn)
    fn = click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False),
        default=None,
        help="Config file (default: $CLIENTBASE_CONFIG, "
        "./clientbase.toml, or clientbase.toml next to the workbook).",
    )(fn)
    return fn


def handle_errors(fn: F) -> F:
    """Turn library errors into a one-line message and the contract's exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ClientbaseError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(exc.exit_code)

    return wrapper  # type: ignore[return-value]


def load_config(config_path: str | None, source: str | None) -> Config:
    local = None if source is None or source.startswith(service.GSHEET_PREFIX) else source
    return find_config(config_path, local)
