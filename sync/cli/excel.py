"""``clientbase excel-setup`` and ``clientbase excel-serve``: the Excel buttons' two routes
(desktop RunPython, xlwings Server). Thin: the work is in :mod:`sync.buttons.setup` and
:mod:`sync.buttons.server`."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import click

from sync.cli.options import handle_errors
from sync.cli.options import load_config as _load


@click.command("excel-setup")
@click.argument("workbook", type=click.Path(dir_okay=False, exists=True))
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Config file (default: $CLIENTBASE_CONFIG, ./clientbase.toml, or next to the workbook).",
)
@click.option(
    "--lang",
    type=click.Choice(["ru", "uk", "en"]),
    default=None,
    help="Language of the instructions and of a new clientbase.toml (default: the config's).",
)
@click.option(
    "--python",
    "python",
    default=None,
    help="The Python the buttons run in, as Excel's computer sees it "
    "(default: this one on Windows and macOS; none on Linux, where Excel does not run).",
)
@click.option("--server", default=None, help="xlwings Server URL (writes ClientBaseRemote.bas).")
@click.option(
    "--token",
    default=None,
    help="The server's token (default: $CLIENTBASE_SERVER_TOKEN).",
)
@handle_errors
def excel_setup(
    workbook: str,
    config_path: str | None,
    lang: str | None,
    python: str | None,
    server: str | None,
    token: str | None,
) -> None:
    """Prepare WORKBOOK for the Excel buttons: an xlwings.conf sheet, ClientBase.bas and the
    instructions next to it."""
    import dataclasses

    from sync.buttons.setup import setup_workbook
    from sync.template import template_config_text

    config = _load(config_path, workbook)
    if lang in ("ru", "uk", "en"):
        config = dataclasses.replace(config, language=lang)  # type: ignore[arg-type]
    if python is None and sys.platform in ("win32", "darwin"):
        python = sys.executable
    result = setup_workbook(
        Path(workbook),
        config,
        python=python,
        config_text=template_config_text(config.language),
        server=server,
        token=token if token is not None else os.environ.get("CLIENTBASE_SERVER_TOKEN", ""),
    )
    for path in result.written:
        click.echo(f"Wrote {path}")
    for path in result.kept:
        click.echo(f"Kept {path} (already there)")
    click.echo("")
    click.echo(result.instructions, nl=False)


@click.command("excel-serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
@click.option(
    "--token",
    default=None,
    help="Required Authorization header (default: $CLIENTBASE_SERVER_TOKEN; none: open).",
)
@click.option(
    "--max-body-mb",
    type=click.IntRange(1, 4096),
    default=128,
    show_default=True,
    help="Largest request accepted (refused from its Content-Length, before reading).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(1, 600),
    default=30.0,
    show_default=True,
    help="Seconds a connection may stay silent before it is closed.",
)
@click.option("--lang", type=click.Choice(["ru", "uk", "en"]), default="ru", show_default=True)
@handle_errors
def excel_serve(
    host: str, port: int, token: str | None, max_body_mb: int, timeout: float, lang: str
) -> None:
    """Serve the Excel buttons to xlwings Server clients (RunServerPython / Office.js).
    Needs XLWINGS_LICENSE_KEY (xlwings PRO: 'noncommercial' or a paid key). Beyond loopback
    (--host other than 127.0.0.1 / localhost) it needs a token."""
    from sync.buttons.server import ButtonServer

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    server = ButtonServer(
        host,
        port,
        token or os.environ.get("CLIENTBASE_SERVER_TOKEN"),
        timeout=timeout,
        max_body=max_body_mb * 1024 * 1024,
        language=lang,
    )
    click.echo(f"clientbase buttons on http://{host}:{server.server_address[1]}/clientbase/")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
