"""The workbook of ``clientbase init``: built from ``sheets_templates/default.toml``.

A brand-new workbook contains nothing of the staff's yet, so openpyxl may write it.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from sync.errors import UsageError


@dataclass(frozen=True, slots=True)
class TemplateColumn:
    field: str
    header: dict[str, str]
    width: float = 14
    format: str | None = None
    choices: dict[str, list[str]] | None = None


@dataclass(frozen=True, slots=True)
class TemplateSheet:
    role: str
    name: dict[str, str]
    columns: tuple[TemplateColumn, ...]


def load_template(name: str = "default") -> tuple[TemplateSheet, ...]:
    text = resources.files("sheets_templates").joinpath(f"{name}.toml").read_text("utf-8")
    data = tomllib.loads(text)
    return tuple(
        TemplateSheet(s["role"], s["name"], tuple(TemplateColumn(**c) for c in s["columns"]))
        for s in data["sheet"]
    )


def write_template_workbook(path: str | os.PathLike[str], lang: str = "ru") -> None:
    """A ready workbook: bold frozen headers, widths, date formats, dropdowns, filters."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    target = Path(path)
    if target.exists():
        raise UsageError(f"{target} already exists; not overwriting it")
    wb = Workbook()
    default = wb.active
    if default is not None:
        wb.remove(default)
    for sheet in load_template():
        ws = wb.create_sheet(sheet.name[lang])
        for col, column in enumerate(sheet.columns, 1):
            letter = get_column_letter(col)
            cell = ws.cell(1, col, column.header[lang])
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="FFDDEBF7")
            ws.column_dimensions[letter].width = column.width
            if column.format:
                for row in range(2, 1001):
                    ws.cell(row, col).number_format = column.format
            if column.choices:
                options = ",".join(column.choices[lang])
                dv = DataValidation(type="list", formula1=f'"{options}"', allow_blank=True)
                dv.add(f"{letter}2:{letter}10000")
                ws.add_data_validation(dv)
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{get_column_letter(len(sheet.columns))}1"
    wb.save(target)


def template_config_text(lang: str = "ru") -> str:
    """A commented ``clientbase.toml`` matching the template workbook's sheets and headers."""
    lines = [
        "# clientbase config for the workbook made by `clientbase init`.",
        "# Every key is documented in config.example.toml.",
        f'language = "{lang}"',
        'fix = "suggest"          # "rewrite" replaces values by their normalised form',
        "",
        "[phone]",
        'regions = ["RU", "UA", "BY", "KZ"]',
        'format = "international"',
    ]
    for sheet in load_template():
        lines += [
            "",
            f"[sheets.{sheet.role}]",
            f'name = "{sheet.name[lang]}"',
            f"[sheets.{sheet.role}.columns]",
        ]
        lines += [f'{c.field} = "{c.header[lang]}"' for c in sheet.columns]
    lines += [
        "",
        "[segments]",
        "abc = [0.80, 0.95]",
        "xyz = [0.10, 0.25]",
        "vip_revenue_multiple = 3.0",
        "vip_orders_365 = 6",
        "hot_days = 14",
        "",
    ]
    return "\n".join(lines)
