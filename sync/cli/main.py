"""The ``clientbase`` command: parse input, call the library, print. Nothing else lives here."""

from __future__ import annotations

import datetime as dt
import gc
import logging
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from sync import service
from sync.cli.options import AS_OF, SOURCE, handle_errors, pass_options
from sync.cli.options import load_config as _load
from sync.config_load import find_config
from sync.core.config import Config, default_config
from sync.core.engine import REFERENCE
from sync.core.messages import notice
from sync.core.model import Outcome
from sync.core.report import dumps_report, summary_lines
from sync.core.stages import Stages
from sync.speed import lifetime, stages_for


class _Progress:
    """A progress bar over the steps of a pass, on stderr; silent when stderr is not a terminal
    (cron, the daemon's log, pipes)."""

    STEPS = ("reading", "validating clients", "finding duplicates", "computing segments")

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Any = None

    def __call__(self, step: str) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            self.bar = click.progressbar(
                length=len(self.STEPS),
                label="clientbase",
                file=sys.stderr,
                show_eta=False,
                item_show_func=lambda s: s,
            )
            self.bar.__enter__()
        self.bar.update(0 if step == self.STEPS[0] else 1, step)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.update(1, "done")
            self.bar.__exit__(None, None, None)
            self.bar = None


def _check(source: str, config: Config, as_of: dt.date | None) -> Outcome:
    """One pass over ``source`` (nothing written), with progress on a terminal."""
    src = service.open_source(source, config)
    progress = _Progress(sys.stderr.isatty())
    try:
        return service.check(src, config, as_of, progress, stages=_Process.stages)[1]
    finally:
        progress.close()
        src.close()


# Commands that keep running (and so need the cyclic garbage collector).
LONG_LIVED = frozenset({"watch", "excel-serve"})


class _Process:
    one_shot = False  # set by main(): this process runs one command and ends
    stages: Stages = REFERENCE  # a one-shot process's own (see cli())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="clientbase")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """clientbase: keep a customer base clean in the spreadsheets staff already use."""
    if _Process.one_shot and ctx.invoked_subcommand not in LONG_LIVED:
        # One command, then the process ends: the collector would only re-scan the millions
        # of objects a pass leaves when it is switched back on after the pass. Reference
        # counting still frees everything, and what a pass hands to lifetime.keep is left
        # for the process's end.
        gc.disable()
        lifetime.leave_to_exit()
        _Process.stages = stages_for(long_lived=False)


@cli.command()
@click.argument("source", type=SOURCE)
@pass_options
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the JSON report here.",
)
@click.option("--strict", is_flag=True, help="Exit with code 1 when errors are found.")
@handle_errors
def check(
    source: str,
    config_path: str | None,
    as_of: dt.date | None,
    report_path: str | None,
    strict: bool,
) -> None:
    """Run one pass over SOURCE and print a summary; writes nothing to SOURCE."""
    outcome = _check(source, _load(config_path, source), as_of)
    for line in summary_lines(outcome):
        click.echo(line)
    if report_path:
        with service.without_gc():
            Path(report_path).write_text(dumps_report(outcome), "utf-8")
        click.echo(f"Report: {report_path}")
    if strict and any(p.severity == "error" for p in outcome.problems):
        sys.exit(1)


@cli.command()
@click.argument("source", type=SOURCE)
@pass_options
@click.option("--dry-run", is_flag=True, help="Show what would be written; write nothing.")
@handle_errors
def sync(source: str, config_path: str | None, as_of: dt.date | None, dry_run: bool) -> None:
    """Run one pass over SOURCE, then write highlights, notes and segment columns back."""
    config = _load(config_path, source)
    src = service.open_source(source, config)
    progress = _Progress(sys.stderr.isatty())
    try:
        result = service.sync(
            src, config, as_of, dry_run=dry_run, progress=progress, stages=_Process.stages
        )
    finally:
        progress.close()
        src.close()
    # the pass's records and the plan (millions of small objects): freed with the process,
    # not one by one here
    lifetime.keep(result)
    for line in summary_lines(result.outcome):
        click.echo(line)
    if result.applied is None:
        edits = sum(len(e.cells) for e in result.plan.edits)
        click.echo(f"Dry run: {edits} cells planned; nothing written.")
        return
    detail = f" ({result.applied.detail})" if result.applied.detail else ""
    click.echo(f"Write-back: {result.applied.status}{detail}")
    if result.applied.recovered:
        sheets = ", ".join(f"'{name}'" for name in result.applied.recovered)
        click.echo(notice("write.recovered", config.language, {"sheets": sheets}))
    if result.applied.status in ("conflict", "locked"):
        sys.exit(3)


@cli.command()
@click.argument("source", type=SOURCE)
@pass_options
@click.option(
    "--field",
    "fields",
    type=click.Choice(sorted(service.FIX_FIELDS)),
    multiple=True,
    help="Only this field's values (repeat for several); default: phone, email and name.",
)
@click.option("--dry-run", is_flag=True, help="Count what would be written; write nothing.")
@handle_errors
def fix(
    source: str,
    config_path: str | None,
    as_of: dt.date | None,
    fields: tuple[str, ...],
    dry_run: bool,
) -> None:
    """Write the standard form of valid phones, emails and names into SOURCE's cells.

    The values the Problems sheet suggests (phone.fixed, email.fixed, name.fixed) replace what
    was typed; the originals go to the audit log, and `clientbase undo` restores the file."""
    from sync.core.messages import field_counts, notice
    from sync.daemon.workbook_pass import audit_entries

    config = _load(config_path, source)
    lang = config.language
    wanted = [f for key in (fields or sorted(service.FIX_FIELDS)) for f in service.FIX_FIELDS[key]]
    src = service.open_source(source, config)
    progress = _Progress(sys.stderr.isatty())
    try:
        result = service.sync(
            src, config, as_of, dry_run=dry_run, progress=progress, fix_fields=wanted
        )
    finally:
        progress.close()
        src.close()
    lifetime.keep(result)
    by_key = {f: key for key, names in service.FIX_FIELDS.items() for f in names}
    counts: dict[str, int] = {}
    for f in result.plan.rewrites:
        counts[by_key[f.field]] = counts.get(by_key[f.field], 0) + 1
    if not counts:
        click.echo(notice("fix.nothing", lang))
        return
    if result.applied is None:
        click.echo(notice("fix.planned", lang, {"counts": field_counts(counts, lang)}))
        return
    if result.applied.status not in ("applied", "unchanged"):
        click.echo(notice("fix.not_written", lang, {"status": result.applied.status}), err=True)
        sys.exit(3)
    click.echo(notice("fix.written", lang, {"counts": field_counts(counts, lang)}))
    gsheet = source.startswith(service.GSHEET_PREFIX)
    folder = Path.cwd() if gsheet else Path(source).resolve().parent
    where = Path(source) if gsheet else Path(source).resolve()
    entries = audit_entries(where, result.outcome, result.plan)
    log = service.record_audit(entries, config, folder)
    click.echo(notice("fix.audit", lang, {"log": log}))
    click.echo(notice("fix.undo_sheet" if gsheet else "fix.undo_file", lang, {"source": source}))


@cli.command()
@click.argument("source", type=SOURCE)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Config file (for the backup folder).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Undo even if the file was edited since; the current file is backed up first.",
)
@handle_errors
def undo(source: str, config_path: str | None, force: bool) -> None:
    """Restore SOURCE to the version before clientbase's last write."""
    from sync.sources.xlsx.source import BackupSettings, XlsxSource

    if source.startswith(service.GSHEET_PREFIX):
        raise click.UsageError("undo works on workbook files; use the sheet's version history")
    config = _load(config_path, source)
    backup = BackupSettings(config.backup.dir, config.backup.keep, config.backup.keep_days)
    restored = XlsxSource(source, backup, config.language).undo(force)
    click.echo(f"Restored {Path(source).name} from backup {restored}.")


@cli.command()
@click.argument("source", type=SOURCE)
@click.option("--group", "group", type=int, required=True, help="Duplicate group number (#N).")
@pass_options
@click.option("--dry-run", is_flag=True, help="Say what would change; write nothing.")
@handle_errors
def merge(
    source: str, group: int, config_path: str | None, as_of: dt.date | None, dry_run: bool
) -> None:
    """Merge duplicate group N into its oldest row; the other rows go to the archive sheet."""
    config = _load(config_path, source)
    src = service.open_source(source, config)
    try:
        result = service.merge(src, config, group, as_of, dry_run=dry_run, stages=_Process.stages)
    finally:
        src.close()
    plan = result.plan
    click.echo(
        f"Group {plan.group}: keep row {plan.keep_row}"
        + (f" ({plan.kept_id})" if plan.kept_id else "")
        + f", archive rows {', '.join(str(r) for r in plan.merged_rows)}; "
        f"{len(plan.fill)} empty cells filled, {len(plan.conflicts)} conflicting values noted, "
        f"{len(plan.repoint)} orders/contacts re-pointed."
    )
    if result.applied is None:
        for line in plan.conflicts:  # what the kept row's note would hold
            click.echo(f"  {line}")
        click.echo("Dry run: nothing written.")
        return
    click.echo(f"Write-back: {result.applied.status} {result.applied.detail}".rstrip())
    if result.applied.status in ("conflict", "locked"):
        sys.exit(3)
    if result.applied.status == "applied" and not source.startswith(service.GSHEET_PREFIX):
        log = service.record_audit(result.audit, config, Path(source).resolve().parent)
        click.echo(f"Audit log: {len(result.audit)} changed cells in {log}")


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False), default=".")
@click.option(
    "--lang",
    type=click.Choice(["ru", "uk", "en"]),
    default="ru",
    show_default=True,
    help="Language of sheet names, headers and messages.",
)
@handle_errors
def init(directory: str, lang: str) -> None:
    """Write a ready client workbook and a commented clientbase.toml into DIRECTORY."""
    from sync.template import template_config_text, write_template_workbook

    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    workbook, config_file = folder / "clients.xlsx", folder / "clientbase.toml"
    for existing in (workbook, config_file):
        if existing.exists():
            raise click.UsageError(f"{existing} already exists; not overwriting it")
    write_template_workbook(workbook, lang)
    config_file.write_text(template_config_text(lang), "utf-8")
    click.echo(f"Created {workbook} and {config_file}.")
    click.echo(f"Next: clientbase sync {workbook} --config {config_file}")


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False), default="clientbase-demo")
@click.option(
    "--clients",
    "n_clients",
    type=click.IntRange(10, 200_000),
    default=400,
    show_default=True,
    help="How many clients to generate.",
)
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--as-of", type=AS_OF, default=None, help="The demo's today (default: today).")
@click.option(
    "--replace",
    is_flag=True,
    help="Replace a demo made earlier in DIRECTORY (clients.xlsx, clientbase.toml).",
)
@click.option(
    "--google",
    is_flag=True,
    help="Google Sheets mode, offline: put the base in a local Sheets API emulator and sync it "
    "through the real gspread client (no credentials, no network).",
)
@handle_errors
def demo(
    directory: str,
    n_clients: int,
    seed: int,
    as_of: dt.date | None,
    replace: bool,
    google: bool,
) -> None:
    """Generate a realistic messy sample base in DIRECTORY and run a pass over it."""
    from sync.demo import generate_base, write_demo_workbook
    from sync.template import template_config_text

    today = as_of or dt.date.today()
    if google:
        _google_demo(Path(directory), n_clients, seed, today)
        return
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    workbook, config_file = folder / "clients.xlsx", folder / "clientbase.toml"
    for existing in (workbook, config_file):
        if existing.exists():
            if not replace:
                raise click.UsageError(
                    f"{existing} already exists; use another folder or --replace"
                )
            existing.unlink()
    write_demo_workbook(generate_base(n_clients, seed=seed, as_of=today), workbook)
    config_file.write_text(template_config_text("ru"), "utf-8")
    click.echo(f"Generated {n_clients} clients in {workbook}")
    outcome = _check(str(workbook), find_config(str(config_file), str(workbook)), today)
    for line in summary_lines(outcome):
        click.echo(line)
    report = folder / "report.json"
    report.write_text(dumps_report(outcome), "utf-8")
    click.echo(f"Report: {report}")


def _google_demo(folder: Path, n_clients: int, seed: int, today: dt.date) -> None:
    """The demo base in a Google Sheet served by the local emulator: one sync, then a second
    one that finds nothing to write; the API calls of each are counted by the emulator."""
    from sync.demo import generate_base
    from sync.sources.gsheets.source import GSheetSource
    from sync.testing.gspread_local import local_client
    from sync.testing.sheets.emulator import SheetsEmulator

    config = default_config()
    base = generate_base(n_clients, seed=seed, as_of=today)
    names = [t.name for t in config.sheets.values()]
    with SheetsEmulator() as emu:
        sid = emu.create_spreadsheet(
            "clientbase demo",
            dict(zip(names, (base.clients, base.orders, base.interactions), strict=True)),
        )
        click.echo(f"Generated {n_clients} clients in gsheet:{sid} (local emulator {emu.base_url})")
        for attempt in ("first sync", "second sync"):
            emu.reset_counts()
            source = GSheetSource(sid, local_client(emu.base_url), config)
            result = service.sync(source, config, today)
            log = emu.request_log
            writes = sum(r.method == "POST" for r in log)
            status = result.applied.status if result.applied else "dry run"
            click.echo(f"{attempt}: {status}, {len(log)} API calls ({writes} writes)")
            if attempt == "first sync":
                for line in summary_lines(result.outcome):
                    click.echo(line)
        marked = sum(
            1
            for row in range(2, len(base.clients) + 1)
            if emu.cell(sid, f"'{names[0]}'!C{row}").get("note")
        )
        click.echo(f"Phone cells with a note in the sheet: {marked}")
    folder.mkdir(parents=True, exist_ok=True)
    report = folder / "report-google.json"
    report.write_text(dumps_report(result.outcome), "utf-8")
    click.echo(f"Report: {report}")


@cli.command()
@click.argument("source", type=SOURCE)
@pass_options
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False),
    required=True,
    help="CSV file to write (UTF-8 with BOM, opens correctly in Excel).",
)
@click.option(
    "--segment",
    default=None,
    help="Only clients in this segment: an RFM segment (champions, loyal, ...), "
    "vip, hot/warm/cold, or an ABC/XYZ class (A, AX, ...).",
)
@click.option(
    "--mailable", is_flag=True, help="Only clients who consented and have a valid phone or email."
)
@click.option(
    "--delimiter",
    type=click.Choice([";", ",", "tab"]),
    default=None,
    help="Column separator (default: ';' for ru/uk, which Excel in those locales opens as "
    "columns on a double click; ',' for en).",
)
@click.option(
    "--codes",
    is_flag=True,
    help="Header and values as codes (id, phone, champions, yes) for scripts, "
    "not in the config's language.",
)
@handle_errors
def export(
    source: str,
    config_path: str | None,
    as_of: dt.date | None,
    out_path: str,
    segment: str | None,
    mailable: bool,
    delimiter: str | None,
    codes: bool,
) -> None:
    """Export one row per client (duplicates once) with normalised phone (E.164) and email."""
    from collections import Counter

    from sync.core.export import default_delimiter, export_records, write_csv
    from sync.core.messages import excluded_counts, notice

    config = _load(config_path, source)
    outcome = _check(source, config, as_of)
    excluded: Counter[str] = Counter()
    rows = export_records(
        outcome,
        segment=segment,
        mailable=mailable,
        requires=config.segments.mailable,
        excluded=excluded,
    )
    sep = {"tab": "\t"}.get(delimiter or "", delimiter) or default_delimiter(config.language)
    with open(out_path, "w", encoding="utf-8-sig", newline="") as fh:
        n = write_csv(rows, fh, None if codes else config.language, sep)
    click.echo(f"Exported {n} clients to {out_path}.")
    if excluded:
        order = [*config.segments.mailable, "segment"]
        ordered = {k: excluded[k] for k in order if excluded[k]}
        click.echo(
            notice(
                "export.excluded",
                config.language,
                {"counts": excluded_counts(ordered, config.language)},
            )
        )


def main() -> None:
    """Console-script entry point.

    A pass over 100 000 clients leaves millions of small objects; freeing them one by one at
    interpreter exit took ~0.9 s after the work was done. Everything the commands write is
    closed (and fsync'ed) by then, so the process ends right after flushing its output.
    """
    _Process.one_shot = True
    try:
        code = cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted!", err=True)
        code = 1
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    except SystemExit as exc:  # a command's own exit (sys.exit in a wrapper)
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    _fast_exit(code if isinstance(code, int) else 0)


def _fast_exit(code: int) -> NoReturn:
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _register_daemon_commands() -> None:
    from sync.cli.daemon import status, watch
    from sync.cli.excel import excel_serve, excel_setup

    cli.add_command(watch)
    cli.add_command(status)
    cli.add_command(excel_setup)
    cli.add_command(excel_serve)


_register_daemon_commands()
