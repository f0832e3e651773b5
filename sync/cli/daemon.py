"""``clientbase watch`` and ``clientbase status``: thin click commands over the daemon
(:mod:`sync.daemon.runner`).

Registered in :mod:`sync.cli.main` with ``cli.add_command(watch)`` / ``cli.add_command(status)``;
``python -m sync.cli.daemon watch ...`` runs them stand-alone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

import click

from sync.config_load import CONFIG_ENV, CONFIG_NAME, find_config, load_config
from sync.daemon.runner import Daemon, WatchConfig, load_watch_config
from sync.errors import ClientbaseError, ConfigError
from sync.state import FileState, OfficeInfo, StateStore, default_state_path, open_state

HEARTBEAT_STALE_SECONDS = 60
LOG_FORMAT = "%(asctime)s %(levelname)s %(message)s"


def _config_file(explicit: str | None, folders: tuple[str, ...] = ()) -> str | None:
    """The file the daemon's own settings come from: ``--config``, ``$CLIENTBASE_CONFIG``,
    ./clientbase.toml, else clientbase.toml in the first watched folder. (Each workbook's pass
    settings are looked up per workbook, as ``clientbase sync`` would.)"""
    if explicit:
        return explicit
    env = os.environ.get(CONFIG_ENV)
    if env:
        return env
    for folder in (Path.cwd(), *(Path(f) for f in folders[:1])):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return str(candidate)
    return None


def _state_path(watch: WatchConfig, config_path: str | None, folders: list[Path]) -> Path:
    """This office's own SQLite store (the whole state, or beside a shared database)."""
    if watch.state and "://" not in watch.state:
        return Path(watch.state)
    if watch.state_path:
        return Path(watch.state_path)
    return default_state_path(config_path, folders)


def _open_store(
    watch: WatchConfig, config_path: str | None, folders: list[Path], read_only: bool = False
) -> StateStore:
    import importlib.metadata
    import socket

    local = _state_path(watch, config_path, folders)
    shared = watch.state if watch.state and "://" in watch.state else None
    if read_only and not local.is_file():
        raise ConfigError("no state database here; has `clientbase watch` run?", path=str(local))
    key_file = watch.index_key_file
    if shared and not key_file:
        key_file = str(
            (Path(config_path).resolve().parent if config_path else Path.cwd())
            / "clientbase-index.key"
        )
    return open_state(
        shared or str(local),
        local,
        office=watch.office or socket.gethostname(),
        index_key_file=key_file,
        version=importlib.metadata.version("clientbase"),
        read_only=read_only,
    )


def _fail(exc: ClientbaseError) -> None:
    click.echo(f"Error: {exc}", err=True)
    sys.exit(exc.exit_code)


def _install_signals(stop: threading.Event) -> None:
    """First SIGTERM / Ctrl-C: finish the current file and exit. Second: abandon it now.

    Abandoning is safe: a write goes to a temp file that is renamed over the workbook only
    when complete, so the workbook is either the old or the new version, never half-written.
    """
    log = logging.getLogger("clientbase.watch")

    def handler(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            log.warning("second signal: abandoning the current file (the workbook is untouched)")
            logging.shutdown()
            os._exit(128 + signum)
        log.info("signal %s received: shutting down", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
    if hasattr(signal, "SIGBREAK"):  # Ctrl-Break on Windows consoles
        signal.signal(signal.SIGBREAK, handler)


@click.command()
@click.argument("folders", nargs=-1, type=click.Path(exists=True, file_okay=False))
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Config file (default: $CLIENTBASE_CONFIG, ./clientbase.toml, or clientbase.toml "
    "next to each workbook).",
)
@click.option(
    "--quiet-period",
    type=click.FloatRange(min=0.0, min_open=True),
    default=None,
    help="Seconds a file must stay unchanged before it is read [watch.quiet_period, 2].",
)
@click.option(
    "--poll",
    type=click.Choice(["auto", "always", "never"]),
    default=None,
    help="Scan folders instead of relying on change events; auto = on network shares.",
)
@click.option("--poll-interval", type=click.FloatRange(min=0.1), default=None, help="Seconds.")
@click.option(
    "--reconcile-interval",
    type=click.FloatRange(min=0.5),
    default=None,
    help="Seconds between full re-checks of every file [watch.reconcile_interval, 300].",
)
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="State database: a SQLite file (default: clientbase-state.sqlite next to the "
    "config) or a postgresql:// URL shared by several offices [watch.state].",
)
@click.option("-v", "--verbose", is_flag=True, help="Also log debug details.")
def watch(
    folders: tuple[str, ...],
    config_path: str | None,
    quiet_period: float | None,
    poll: str | None,
    poll_interval: float | None,
    reconcile_interval: float | None,
    state_path: str | None,
    verbose: bool,
) -> None:
    """Keep every workbook in FOLDER(s) checked and highlighted, seconds after each save.

    Without FOLDER, the config file's folder (or the current folder) is watched. Runs until
    SIGTERM or Ctrl-C; the current file is finished first.
    """
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO, format=LOG_FORMAT, stream=sys.stderr
    )
    try:
        config_file = _config_file(config_path, folders)
        settings = load_watch_config(config_file)
        overrides: dict[str, Any] = {
            "quiet_period": quiet_period,
            "poll": poll,
            "poll_interval": poll_interval,
            "reconcile_interval": reconcile_interval,
            "state": state_path,
        }
        settings = dataclasses.replace(
            settings, **{k: v for k, v in overrides.items() if v is not None}
        )
        paths = [Path(f) for f in folders] or [
            Path(config_file).resolve().parent if config_file else Path.cwd()
        ]
        # Fail at start-up, not per file, when the config itself is broken.
        if config_file:
            load_config(config_file)
        store = _open_store(settings, config_file, paths)
    except ClientbaseError as exc:
        _fail(exc)
        return
    daemon = Daemon(paths, settings, store, lambda p: find_config(config_path, str(p)))
    stop = threading.Event()
    _install_signals(stop)
    google = _google_thread(config_file, store, stop)
    try:
        daemon.serve(stop)
    finally:
        stop.set()
        if google is not None:
            google.join(timeout=120)
        store.close()


def _google_thread(
    config_file: str | None, store: StateStore, stop: threading.Event
) -> threading.Thread | None:
    """Poll the config's [[google]] sheets on a thread of their own (slow networks do not
    hold up the folders)."""
    if not config_file or not load_config(config_file).google:
        return None
    from sync.daemon.google import GooglePoller

    poller = GooglePoller(lambda: load_config(config_file), store)
    sheets = len(load_config(config_file).google)
    logging.getLogger("clientbase.watch").info("watching %d Google Sheet(s)", sheets)
    thread = threading.Thread(target=poller.run, args=(stop,), name="clientbase-google")
    thread.start()
    return thread


# ---------------------------------------------------------------------- status


def _ago(stamp: str | None) -> str:
    if not stamp:
        return "never"
    try:
        then = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    seconds = int((dt.datetime.now().astimezone() - then).total_seconds())
    if seconds < 120:
        return f"{seconds} s ago"
    if seconds < 7200:
        return f"{seconds // 60} min ago"
    if seconds < 172_800:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86_400} days ago"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _daemon_line(store: StateStore) -> str:
    info = store.daemon()
    if info is None:
        return "Daemon: not running"
    beat = dt.datetime.fromisoformat(info.heartbeat_at)
    age = (dt.datetime.now().astimezone() - beat).total_seconds()
    alive = age < HEARTBEAT_STALE_SECONDS and (os.name != "posix" or _pid_alive(info.pid))
    if not alive:
        return f"Daemon: not running (pid {info.pid} last seen {_ago(info.heartbeat_at)})"
    folders = ", ".join(info.folders)
    return (
        f"Daemon: running, pid {info.pid}, since {info.started_at}; "
        f"watching {folders} ({info.observer})"
    )


def _file_line(state: FileState) -> str:
    name = Path(state.path).name
    if state.status == "locked":
        extra = f"open by a person since {state.locked_since} ({state.lock_name})"
        if state.last_error:
            extra += f"; {state.last_error}"
    elif state.status == "error":
        extra = state.last_error or ""
    else:
        extra = f"last pass {_ago(state.last_pass_at)}"
    return f"  {name:<32} {state.status:<8} {extra}"


@click.command()
@click.argument("folder", required=False, type=click.Path(exists=True, file_okay=False))
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None)
@click.option("--state", "state_path", type=click.Path(dir_okay=False), default=None)
@click.option("--runs", "n_runs", type=click.IntRange(0, 1000), default=5, show_default=True)
def status(
    folder: str | None, config_path: str | None, state_path: str | None, n_runs: int
) -> None:
    """Show what the daemon watches, its last passes, files waiting on a lock, and errors."""
    try:
        config_file = _config_file(config_path, (folder,) if folder else ())
        settings = load_watch_config(config_file)
        if state_path:
            settings = dataclasses.replace(settings, state=state_path)
        folders = [Path(folder)] if folder else []
        if not folders and not config_file:
            folders = [Path.cwd()]
        store = _open_store(settings, config_file, folders, read_only=True)
    except ClientbaseError as exc:
        _fail(exc)
        return
    try:
        _print_status(store, n_runs)
    finally:
        store.close()


def _office_line(office: OfficeInfo) -> str:
    alive = office.pid is not None and (office.heartbeat_age or 1e9) < HEARTBEAT_STALE_SECONDS
    state = "running" if alive else f"not running (last seen {_ago(office.heartbeat_at)})"
    last = "no pass yet"
    if office.last_pass_at:
        last = (
            f"last pass {_ago(office.last_pass_at)}: {office.last_pass_file} "
            f"{office.last_pass_status}, {office.last_pass_problems} problems"
        )
    return f"  {office.office:<16} {office.host} v{office.version}, {state}; {last}"


def _print_status(store: StateStore, n_runs: int) -> None:
    click.echo(_daemon_line(store))
    offices = store.offices()
    if offices:
        click.echo(f"Offices sharing the client base: {len(offices)}")
        for office in offices:
            click.echo(_office_line(office))
    files = [f for f in store.list_files() if f.status != "deleted"]
    click.echo(f"Files: {len(files)} watched")
    for state in files:
        click.echo(_file_line(state))
    locked = [f for f in files if f.status == "locked"]
    errors = [f for f in files if f.status == "error"]
    click.echo(f"Waiting for a person to close: {len(locked)}; with errors: {len(errors)}")
    runs = store.recent_runs(n_runs)
    if runs:
        click.echo("Last passes:")
        for run in runs:
            detail = f" ({run.detail})" if run.detail else ""
            click.echo(
                f"  {run.started_at}  {Path(run.path).name}  {run.status}{detail}, "
                f"{run.problems} problems"
            )


if __name__ == "__main__":  # pragma: no cover - stand-alone use until registered in sync.cli.main
    click.Group(commands=[watch, status])()
