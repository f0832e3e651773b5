"""Google Sheets mode end to end: the real gspread client → the local Sheets emulator.

Calls are counted by the emulator (its request log), not by the source.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from sync import service
from sync.core.config import Config, default_config
from sync.core.model import CellEdit, SheetEdits, WritePlan
from sync.demo import DemoBase, generate_base
from sync.sources.gsheets.plan import RECORD_SHEET, argb_to_color, color_to_argb
from sync.sources.gsheets.source import GSheetSource
from sync.testing.gspread_local import local_client
from sync.testing.sheets.emulator import SheetsEmulator

AS_OF = dt.date(2026, 11, 1)
ERROR, WARNING = "FFFFC7CE", "FFFFEB9C"
STAFF_GREEN = "FF9BC2E6"  # a staff colour (blue), none of the tool's


@pytest.fixture(scope="module")
def base_5000() -> DemoBase:
    return generate_base(5000, as_of=AS_OF)


def new_book(emu: SheetsEmulator, base: DemoBase) -> str:
    return emu.create_spreadsheet(
        "База", {"Клиенты": base.clients, "Заказы": base.orders, "Контакты": base.interactions}
    )


def source(emu: SheetsEmulator, sid: str, config: Config | None = None, **kw: Any) -> GSheetSource:
    return GSheetSource(sid, local_client(emu.base_url), config or default_config(), **kw)


def calls(emu: SheetsEmulator) -> list[tuple[str, str]]:
    return [(r.method, r.path.rsplit("/", 1)[-1]) for r in emu.request_log]


def bg(emu: SheetsEmulator, sid: str, a1: str) -> str | None:
    fmt = emu.cell(sid, a1).get("userEnteredFormat", {})
    return color_to_argb(fmt.get("backgroundColor"))


def paint(emu: SheetsEmulator, sid: str, sheet_id: int, row: int, col: int, argb: str) -> None:
    """Staff colour a cell (a direct request to the emulator, as the Sheets UI would)."""
    client = local_client(emu.base_url)
    client.http_client.batch_update(
        sid,
        {
            "requests": [
                {
                    "repeatCell": {
                        "range": {
                            "sheetId": sheet_id,
                            "startRowIndex": row - 1,
                            "endRowIndex": row,
                            "startColumnIndex": col - 1,
                            "endColumnIndex": col,
                        },
                        "cell": {"userEnteredFormat": {"backgroundColor": argb_to_color(argb)}},
                        "fields": "userEnteredFormat.backgroundColor",
                    }
                }
            ]
        },
    )


def problem_cells(result: service.SyncResult, code: str) -> list[tuple[int, int]]:
    return [
        (p.row, p.col_index)
        for p in result.outcome.problems
        if p.code == code and p.sheet == "Клиенты" and p.col_index
    ]


def a1(row: int, col: int) -> str:
    from sync.core.model import column_letters

    return f"'Клиенты'!{column_letters(col)}{row}"


# ------------------------------------------------------------------ one pass, end to end


def test_pass_on_5000_rows_in_six_calls_and_second_pass_writes_nothing(
    emu: SheetsEmulator, base_5000: DemoBase
) -> None:
    sid = new_book(emu, base_5000)
    emu.reset_counts()
    result = service.sync(source(emu, sid), default_config(), AS_OF)
    assert result.applied is not None and result.applied.status == "applied"
    log = calls(emu)
    assert len(log) <= 6, log
    assert [m for m, _ in log].count("POST") == 2  # one format batch, one RAW values batch

    # the highlights and notes are there, in the colour of the problem's severity
    invalid = problem_cells(result, "phone.invalid")
    assert invalid
    row, col = invalid[0]
    assert bg(emu, sid, a1(row, col)) == ERROR
    assert "•" in emu.cell(sid, a1(row, col)).get("note", "")
    # the tool's columns, and its sheets
    header = emu.get_values(sid, "'Клиенты'!1:1")[0]
    assert "Сегмент" in header and "Температура" in header
    problems = emu.get_values(sid, "'Проблемы'!A1:H3")
    assert len(problems) == 3
    assert "Сводка" in [s for s in _titles(emu, sid)]
    record = _titles(emu, sid, hidden=True)
    assert RECORD_SHEET in record

    version = emu.drive_version(sid)
    emu.reset_counts()
    again = service.sync(source(emu, sid), default_config(), AS_OF)
    assert again.applied is not None and again.applied.status == "unchanged"
    assert [m for m, _ in calls(emu)] == ["GET", "GET"]  # metadata and read, nothing else
    assert emu.drive_version(sid) == version


def _titles(emu: SheetsEmulator, sid: str, hidden: bool = False) -> list[str]:
    client = local_client(emu.base_url)
    meta = client.http_client.fetch_sheet_metadata(sid, params={"fields": "sheets.properties"})
    return [
        s["properties"]["title"]
        for s in meta["sheets"]
        if not hidden or s["properties"].get("hidden")
    ]


def test_call_count_does_not_grow_with_rows(emu: SheetsEmulator, base_5000: DemoBase) -> None:
    """5 000 and 50 000 rows: the same calls. (The demo's "verified" dates make a quarter of
    its rows stale, a note on each: 50 000 rows of those notes pass Google's 10 MB body limit
    and split the format write in two; here staleness is judged over ten years.)"""
    cfg = default_config()
    cfg = dataclasses.replace(cfg, segments=dataclasses.replace(cfg.segments, stale_days=3650))
    counts = []
    for base in (base_5000, generate_base(50_000, as_of=AS_OF, orders_per_client=1.0)):
        sid = new_book(emu, base)
        emu.reset_counts()
        result = service.sync(source(emu, sid), cfg, AS_OF)
        assert result.applied is not None and result.applied.status == "applied"
        counts.append([(r.method, r.path.replace(sid, "ID")) for r in emu.request_log])
    assert counts[0] == counts[1]
    assert len(counts[0]) == 6


def test_sync_from_the_cli_reads_the_endpoint_from_the_config(
    emu: SheetsEmulator, tmp_path: Any
) -> None:
    from click.testing import CliRunner

    from sync.cli.main import cli

    sid = new_book(emu, generate_base(200, as_of=AS_OF))
    conf = tmp_path / "clientbase.toml"
    conf.write_text(f'[[google]]\nspreadsheet = "{sid}"\nendpoint = "{emu.base_url}"\n', "utf-8")
    run = CliRunner().invoke(
        cli, ["sync", f"gsheet:{sid}", "--config", str(conf), "--as-of", "2026-11-01"]
    )
    assert run.exit_code == 0, run.output
    assert "Сегмент" in emu.get_values(sid, "'Клиенты'!1:1")[0]
    for command in (["check"], ["export", "--out", str(tmp_path / "out.csv")]):
        run = CliRunner().invoke(
            cli, [*command, f"gsheet:{sid}", "--config", str(conf), "--as-of", "2026-11-01"]
        )
        assert run.exit_code == 0, run.output
    assert (tmp_path / "out.csv").read_text("utf-8-sig").count("\n") > 100


# ------------------------------------------------------------------ staff's work is kept


def test_staff_fills_and_notes_survive_and_come_back(emu: SheetsEmulator) -> None:
    base = generate_base(300, as_of=AS_OF)
    sid = new_book(emu, base)
    cfg = default_config()
    first = service.check(source(emu, sid), cfg, AS_OF)[1]
    bad = [(p.row, p.col_index) for p in first.problems if p.code == "phone.invalid"]
    assert len(bad) >= 2
    (r1, c1), (r2, c2) = bad[0], bad[1]
    paint(emu, sid, 0, r1, c1, STAFF_GREEN)  # staff coloured a problem cell
    paint(emu, sid, 0, 2, 2, STAFF_GREEN)  # ... and an unrelated one
    emu.set_note(sid, a1(r2, c2), "перезвонить вечером")  # a staff note on a problem cell

    service.sync(source(emu, sid), cfg, AS_OF)
    assert bg(emu, sid, a1(r1, c1)) == ERROR
    assert bg(emu, sid, a1(2, 2)) == STAFF_GREEN
    assert emu.cell(sid, a1(r2, c2))["note"] == "перезвонить вечером"
    assert bg(emu, sid, a1(r2, c2)) == ERROR

    # staff fix both numbers: the tool's highlights go, the staff's colour comes back
    emu.set_values(sid, a1(r1, c1), [["+7 912 345-67-89"]])
    emu.set_values(sid, a1(r2, c2), [["+7 912 345-67-88"]])
    service.sync(source(emu, sid), cfg, AS_OF)
    assert bg(emu, sid, a1(r1, c1)) == STAFF_GREEN
    assert "note" not in emu.cell(sid, a1(r1, c1))
    assert bg(emu, sid, a1(r2, c2)) is None
    assert emu.cell(sid, a1(r2, c2))["note"] == "перезвонить вечером"
    assert bg(emu, sid, a1(2, 2)) == STAFF_GREEN


def test_edit_between_read_and_write_is_not_overwritten(emu: SheetsEmulator) -> None:
    """Staff type into a row while the pass computes: that row is left for the next pass."""
    base = generate_base(300, as_of=AS_OF)
    sid = new_book(emu, base)
    cfg = default_config()
    src = source(emu, sid)
    snapshot, outcome = service.check(src, cfg, AS_OF)
    from sync.core.writeback import plan_writeback

    plan = plan_writeback(outcome, snapshot, cfg)
    bad = [(p.row, p.col_index) for p in outcome.problems if p.code == "phone.invalid"]
    row, col = bad[0]
    other_row, other_col = bad[1]
    emu.set_values(sid, a1(row, col), [["8 912 000-11-22"]])  # typed by a person just now
    result = src.apply(plan, snapshot.version)
    assert result.status == "applied" and "1 rows changed" in result.detail
    assert emu.get_values(sid, a1(row, col)) == [["8 912 000-11-22"]]
    assert bg(emu, sid, a1(row, col)) is None  # not highlighted for the old, wrong value
    assert bg(emu, sid, a1(other_row, other_col)) == ERROR  # the other rows were written
    segment_col = emu.get_values(sid, "'Клиенты'!1:1")[0].index("Температура") + 1
    assert emu.get_values(sid, a1(row, segment_col)) == []  # the row's tool cells wait

    # the next pass processes the edited row
    service.sync(source(emu, sid), cfg, AS_OF)
    assert emu.get_values(sid, a1(row, segment_col)) != []


def test_rows_moved_by_staff_keep_their_marks(emu: SheetsEmulator) -> None:
    base = generate_base(300, as_of=AS_OF)
    sid = new_book(emu, base)
    cfg = default_config()
    first = service.sync(source(emu, sid), cfg, AS_OF)
    row, col = problem_cells(first, "phone.invalid")[0]
    client = local_client(emu.base_url)
    insert = {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 1, "endIndex": 3}}
    client.http_client.batch_update(sid, {"requests": [{"insertDimension": insert}]})
    service.sync(source(emu, sid), cfg, AS_OF)
    assert bg(emu, sid, a1(row + 2, col)) == ERROR  # still highlighted, where the row went
    assert "•" in emu.cell(sid, a1(row + 2, col)).get("note", "")


# ------------------------------------------------------------------ faults and safety


def test_429_is_retried_honouring_retry_after(emu: SheetsEmulator) -> None:
    sid = new_book(emu, generate_base(200, as_of=AS_OF))
    waits: list[float] = []
    src = source(emu, sid, sleep=waits.append)
    emu.inject_errors(429, count=2, retry_after=7)
    result = service.sync(src, default_config(), AS_OF)
    assert result.applied is not None and result.applied.status == "applied"
    assert waits == [7.0, 7.0]
    assert src.retries == 2


def test_failed_write_leaves_the_sheet_as_it_was(emu: SheetsEmulator) -> None:
    from sync.errors import SourceError

    sid = new_book(emu, generate_base(200, as_of=AS_OF))
    before = emu.get_values(sid, "'Клиенты'")
    src = source(emu, sid, sleep=lambda s: None, attempts=3)
    snapshot, outcome = service.check(src, default_config(), AS_OF)
    from sync.core.writeback import plan_writeback

    plan = plan_writeback(outcome, snapshot, default_config())
    emu.inject_errors(503, count=10)
    with pytest.raises(SourceError, match="HTTP 503"):
        src.apply(plan, snapshot.version)
    emu.clear_faults()
    assert emu.get_values(sid, "'Клиенты'") == before
    assert "Проблемы" not in _titles(emu, sid)


def test_tool_text_starting_with_equals_is_stored_as_text(emu: SheetsEmulator) -> None:
    sid = emu.create_spreadsheet("t", {"Клиенты": [["ID", "ФИО"], ["C1", "Иванов Иван"]]})
    src = source(emu, sid)
    snapshot = src.read(["Клиенты"])
    link = '=HYPERLINK("http://evil.example","жми")'
    plan = WritePlan((SheetEdits("Клиенты", (CellEdit(2, 2, link),)),))
    assert src.apply(plan, snapshot.version).status == "applied"
    assert emu.cell(sid, "'Клиенты'!B2")["userEnteredValue"] == {"stringValue": link}


def test_staff_formula_text_copied_by_a_merge_stays_text(emu: SheetsEmulator) -> None:
    """Staff typed '=HYPERLINK(...)' as text in a comment; merging the duplicate copies it into
    the kept row: it is written as text, never as a live formula."""
    link = '=HYPERLINK("http://evil.example";"жми")'
    clients = [
        ["ID", "ФИО", "Телефон", "Email", "Комментарий"],
        ["C000001", "Иванов Иван Петрович", "+7 912 345-67-89", "ivanov@mail.ru"],
        ["C000002", "Иванов Иван Петрович", "8 (912) 345-67-89", "ivanov@mail.ru", link],
    ]
    sid = emu.create_spreadsheet("t", {"Клиенты": clients, "Заказы": [["Дата", "ID клиента"]]})
    result = service.merge(source(emu, sid), default_config(), 1, AS_OF)
    assert result.applied is not None and result.applied.status == "applied"
    entered = emu.cell(sid, "'Клиенты'!E2")["userEnteredValue"]
    assert entered == {"stringValue": link}
    assert emu.get_values(sid, "'Клиенты'!A3:E3") in ([], [[""] * 5], [["", "", "", "", ""]])


def test_missing_spreadsheet_is_a_clear_error(emu: SheetsEmulator) -> None:
    from sync.errors import SourceError

    with pytest.raises(SourceError, match="not found"):
        source(emu, "1NoSuchSpreadsheet0000000000").read(["Клиенты"])


def test_dates_come_back_as_dates(emu: SheetsEmulator) -> None:
    base = generate_base(50, as_of=AS_OF)
    sid = emu.create_spreadsheet("t", {"Клиенты": base.clients, "Заказы": base.orders})
    snap = source(emu, sid).read(["Клиенты", "Заказы"])
    orders = snap.sheets["Заказы"].rows
    assert isinstance(orders[1][1], dt.date) and orders[1][1] == base.orders[1][1]
