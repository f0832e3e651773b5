"""``clientbase excel-setup`` on real workbooks, and ``clientbase excel-serve`` answering real
HTTP requests the way xlwings' RunServerPython sends them."""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from sync import buttons
from sync.buttons.server import BUTTONS, ButtonServer
from sync.cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
FILES = ROOT / "tests" / "files"
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # the remote engine, tests only


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.delenv("CLIENTBASE_CONFIG", raising=False)
    monkeypatch.delenv("CLIENTBASE_SERVER_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i.filename) for i in z.infolist()}


@pytest.mark.parametrize("name", ["quickstart_standalone.xlsm", "libreoffice.xlsx"])
def test_setup_adds_the_conf_sheet_and_the_companion_files(
    runner: CliRunner, tmp_path: Path, name: str
) -> None:
    book = tmp_path / name
    shutil.copy(FILES / name, book)
    before = _parts(book)
    result = runner.invoke(
        cli, ["excel-setup", str(book), "--python", r"C:\Python312\python.exe", "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(book)
    conf = {r[0]: r[1] for r in wb["xlwings.conf"].iter_rows(values_only=True)}
    assert conf["Interpreter_Win"] == r"C:\Python312\python.exe"
    # the VBA project, the staff's sheets and styles of the original are all still there
    after = _parts(book)
    for part in ("xl/vbaProject.bin", "xl/worksheets/sheet1.xml", "xl/styles.xml"):
        if part in before:
            assert after[part] == before[part], part
    bas = (tmp_path / "ClientBase.bas").read_bytes()
    assert b"RunPython" in bas and b"\r\n" in bas
    assert (tmp_path / "clientbase.toml").is_file()
    guide = (tmp_path / "clientbase-excel-en.txt").read_text("utf-8")
    assert "File › Import File… › ClientBase.bas" in guide
    saved_as = "Save the workbook." if name.endswith(".xlsm") else "Macro-Enabled"
    assert saved_as in guide and saved_as in result.output
    # again: the sheet is the same, the workbook is not rewritten; the staff's config stays
    (tmp_path / "clientbase.toml").write_text('language = "en"\n', "utf-8")
    stamp = book.stat().st_mtime_ns, book.read_bytes()
    again = runner.invoke(
        cli, ["excel-setup", str(book), "--python", r"C:\Python312\python.exe", "--lang", "en"]
    )
    assert again.exit_code == 0, again.output
    assert (book.stat().st_mtime_ns, book.read_bytes()) == stamp
    assert (tmp_path / "clientbase.toml").read_text("utf-8") == 'language = "en"\n'
    assert "Kept" in again.output


def test_setup_refuses_an_open_workbook_and_names_it(runner: CliRunner, tmp_path: Path) -> None:
    book = tmp_path / "libreoffice.xlsx"
    shutil.copy(FILES / book.name, book)
    (tmp_path / ".~lock.libreoffice.xlsx#").write_text("someone,PC,1", "utf-8")
    before = book.read_bytes()
    result = runner.invoke(cli, ["excel-setup", str(book)])
    assert result.exit_code != 0
    assert "libreoffice.xlsx is open" in result.output
    assert book.read_bytes() == before


def test_setup_with_a_server_writes_the_remote_module(runner: CliRunner, tmp_path: Path) -> None:
    book = tmp_path / "button.xlsm"
    shutil.copy(FILES / book.name, book)
    result = runner.invoke(
        cli, ["excel-setup", str(book), "--server", "https://cb.shop.lan/", "--token", "t0k"]
    )
    assert result.exit_code == 0, result.output
    text = (tmp_path / "ClientBaseRemote.bas").read_text("utf-8")
    assert 'SERVER_URL As String = "https://cb.shop.lan/clientbase/"' in text
    assert 'SERVER_TOKEN As String = "t0k"' in text
    assert "ClientBaseRemote.bas" in (tmp_path / "clientbase-excel-ru.txt").read_text("utf-8")


@pytest.mark.parametrize("module", ["ClientBase.bas", "ClientBaseRemote.bas"])
def test_the_vba_modules_are_ascii_and_name_real_buttons(module: str) -> None:
    raw = (ROOT / "macros" / module).read_bytes()
    raw.decode("ascii")  # the VBA editor imports in the system code page: ASCII is safe
    text = raw.decode("ascii")
    called = re.findall(r'SERVER_URL & "(\w+)"', text) or re.findall(
        r"sync\.buttons\.(\w+)\(\)", text
    )
    assert len(called) == 6
    for name in called:
        assert callable(getattr(buttons, name)) and name in BUTTONS
    subs = re.findall(r"^Sub (\w+)\(\)", text, re.M)
    assert subs == [
        "ClientBaseCheckNow",
        "ClientBaseFindDuplicates",
        "ClientBaseRecomputeSegments",
        "ClientBaseMergeSelectedDuplicates",
        "ClientBaseClearHighlights",
        "ClientBaseFixFormats",
    ]


# --------------------------------------------------------------------------- xlwings Server


@pytest.fixture
def server() -> Iterator[str]:
    srv = ButtonServer("127.0.0.1", 0, token="s3cret")
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}/clientbase/"
    finally:
        srv.shutdown()
        srv.server_close()


def _post(url: str, body: bytes, auth: str | None = "s3cret") -> tuple[int, dict[str, Any]]:
    headers = {"Content-Type": "application/json"}
    if auth is not None:
        headers["Authorization"] = auth
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _book_json() -> bytes:
    import xlwings as xw

    clients = [
        ["ID", "ФИО", "Телефон", "Email"],
        ["C1", "Иванов Иван Петрович", "+7 912 345-67-89", "ivanov@mail.ru"],
        ["C2", "Петрова Анна Сергеевна", "12345", "petrova@gmial.com"],
    ]
    sheet = {"name": "Клиенты", "values": clients, "pictures": [], "tables": [], "notes": []}
    api = {
        "version": xw.__version__,
        "client": "Office.js",
        "book": {"name": "clients.xlsx", "active_sheet_index": 0, "selection": "A1"},
        "names": [],
        "sheets": [sheet],
    }
    return json.dumps(api, ensure_ascii=False).encode("utf-8")


def test_the_server_runs_a_button_on_the_workbook_excel_sends(server: str) -> None:
    status, reply = _post(server + "check_now", _book_json())
    assert status == 200
    actions = reply["actions"]
    notes = {a["args"][0]: a["args"][1] for a in actions if a["func"] == "addNote"}
    assert "$C$3" in notes and "gmail.com" in notes["$D$3"]
    assert any(a["func"] == "setRangeColors" for a in actions)
    # the same request again gives the same answer: nothing is kept between requests
    assert _post(server + "check_now", _book_json())[1] == reply


def test_the_server_refuses_what_it_should(server: str) -> None:
    assert _post(server + "check_now", _book_json(), auth=None)[0] == 401
    assert _post(server + "check_now", _book_json(), auth="guess")[0] == 401
    assert _post(server + "format_disk", _book_json())[0] == 404
    assert _post(server + "check_now", b"{not json")[0] == 400
    request = urllib.request.Request(server, headers={"Authorization": "s3cret"})
    with urllib.request.urlopen(request, timeout=10) as reply:
        assert json.loads(reply.read())["buttons"] == sorted(BUTTONS)
