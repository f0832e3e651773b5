"""Fixtures for the surgical xlsx writer tests: the real workbooks in tests/files and helpers."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import openpyxl
import pytest

from sync.core.model import WritePlan
from sync.sources.xlsx.ooxml.writer import PackageWriteStats, write_plan

FILES = Path(__file__).resolve().parent.parent / "files"
TOOL_FILLS = ("FFFFC7CE", "FFFFEB9C", "FFDDEBF7")

# file -> the staff sheet the tests edit
REAL_FILES = {
    "staff_openpyxl.xlsx": "Клиенты",
    "date1904.xlsx": "Клиенты",
    "libreoffice.xlsx": "Клиенты",
    "quickstart_standalone.xlsm": "Sheet1",
    "button.xlsm": "Sheet1",
}


@pytest.fixture(params=sorted(REAL_FILES))
def real_file(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, str]:
    """A copy of one real workbook and the name of its staff sheet."""
    name = str(request.param)
    dest = tmp_path / name
    shutil.copy(FILES / name, dest)
    return dest, REAL_FILES[name]


def apply(src: Path, plan: WritePlan, dst: Path) -> PackageWriteStats | None:
    """Run the writer; the output file exists only when something was written."""
    buf = io.BytesIO()
    stats = write_plan(src, plan, buf)
    if stats is None:
        assert buf.getvalue() == b"", "nothing may be written when nothing changes"
    else:
        dst.write_bytes(buf.getvalue())
    return stats


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i.filename) for i in z.infolist()}


def cell_xml(path: Path, sheet_part: str, ref: str) -> bytes:
    import re

    data = parts(path)[sheet_part]
    m = re.search(rb'<c r="' + ref.encode() + rb'"[^>]*?(?:/>|>.*?</c>)', data, re.S)
    assert m is not None, ref
    return m.group(0)


def sheet_part(path: Path, sheet: str) -> str:
    """Zip name of a sheet's part, read the way the writer must (workbook.xml + rels)."""
    wb = openpyxl.load_workbook(path, read_only=True)
    index = wb.sheetnames.index(sheet)
    wb.close()
    with zipfile.ZipFile(path) as z:
        from lxml import etree

        book = etree.fromstring(z.read("xl/workbook.xml"))
        rels = etree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    rid_attr = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    rid = book.findall("m:sheets/m:sheet", ns)[index].get(rid_attr)
    target = next(r.get("Target") for r in rels if r.get("Id") == rid)
    return target.lstrip("/") if target.startswith("/") else "xl/" + target


def snapshot(path: Path) -> dict[tuple[str, str], tuple[Any, ...]]:
    """Every cell's value and look, as openpyxl sees them (for before/after comparisons)."""
    wb = openpyxl.load_workbook(path)
    out: dict[tuple[str, str], tuple[Any, ...]] = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                comment = (c.comment.text, c.comment.author) if c.comment else None
                out[(ws.title, c.coordinate)] = (
                    c.value,
                    c.number_format,
                    repr(c.font),
                    repr(c.border),
                    repr(c.fill),
                    repr(c.alignment),
                    comment,
                )
    return out


def soffice_convert(path: Path, fmt: str, outdir: Path) -> list[Path]:
    """Convert with LibreOffice headless; every sheet to CSV when fmt is csv."""
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is not installed")
    convert = fmt
    if fmt == "csv":  # UTF-8, all sheets (one file each)
        convert = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    result = subprocess.run(
        ["soffice", "--headless", "--convert-to", convert, "--outdir", str(outdir), str(path)],
        capture_output=True,
        timeout=180,
        check=False,
    )
    produced = sorted(outdir.glob(f"{path.stem}*.{fmt.split(':', maxsplit=1)[0]}"))
    assert result.returncode == 0 and produced, result.stderr.decode(errors="replace")
    return produced


@pytest.fixture
def ox() -> SimpleNamespace:
    """The helpers above, for test modules (conftest modules cannot be imported)."""
    return SimpleNamespace(
        apply=apply,
        parts=parts,
        cell_xml=cell_xml,
        sheet_part=sheet_part,
        snapshot=snapshot,
        soffice_convert=soffice_convert,
        tool_fills=TOOL_FILLS,
        files=FILES,
    )
