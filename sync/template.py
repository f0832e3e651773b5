"""The workbook of ``clientbase init``, described by ``sheets_templates/<name>.toml``.

The template is data (sheets, localised names and headers, widths, number formats, dropdowns)
so that a new language or column is a TOML edit. Three things are built from it and must agree:
the new workbook, the commented ``clientbase.toml`` that maps its headers, and the demo base.

A brand-new workbook holds nothing of the staff's yet, so openpyxl may write it; an existing
file is never overwritten.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from sync.core.config import ROLE_FIELDS
from sync.errors import ConfigError, UsageError

LANGUAGES: tuple[str, ...] = ("ru", "uk", "en")
HEADER_FILL = "FFDDEBF7"  # Excel's pale blue "Accent 1, 80 %": a header, not a highlight
_LAST_ROW = 1_048_576  # dropdowns cover the whole column below the header


@dataclass(frozen=True, slots=True)
class TemplateColumn:
    """One column: the field it holds, its header per language, and how it looks."""

    field: str
    header: Mapping[str, str]  # language -> header
    width: float = 14.0
    number_format: str | None = None  # Excel number format of the whole column
    choices: Mapping[str, tuple[str, ...]] | None = None  # language -> dropdown values


@dataclass(frozen=True, slots=True)
class TemplateSheet:
    """One table of the workbook (``clients``, ``orders``, ``interactions``)."""

    role: str
    name: Mapping[str, str]  # language -> sheet name
    columns: tuple[TemplateColumn, ...]

    def headers(self, lang: str) -> list[str]:
        """The header row in ``lang``, column A first."""
        return [c.header[lang] for c in self.columns]

    def column(self, field: str) -> TemplateColumn:
        return next(c for c in self.columns if c.field == field)


@dataclass(frozen=True, slots=True)
class Template:
    name: str
    languages: tuple[str, ...]
    sheets: tuple[TemplateSheet, ...]

    def sheet(self, role: str) -> TemplateSheet:
        """The sheet of ``role``; ``KeyError`` when the template has none."""
        for sheet in self.sheets:
            if sheet.role == role:
                return sheet
        raise KeyError(role)


def load_template(name: str = "default") -> Template:
    """Read and check ``sheets_templates/<name>.toml`` (shipped inside the package)."""
    resource = resources.files("sheets_templates").joinpath(f"{name}.toml")
    if not resource.is_file():
        raise UsageError(f"no workbook template named '{name}'")
    where = f"sheets_templates/{name}.toml"
    try:
        data = tomllib.loads(resource.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", path=where) from exc
    languages = tuple(_get(data, "languages", list, where, "languages"))
    sheets = tuple(
        _parse_sheet(raw, languages, where, f"sheet[{i}]")
        for i, raw in enumerate(_get(data, "sheet", list, where, "sheet"))
    )
    return Template(name, languages, sheets)


def _get(data: Mapping[str, Any], key: str, kind: type, where: str, path: str) -> Any:
    value = data.get(key)
    if not isinstance(value, kind):
        raise ConfigError(f"expected a {kind.__name__}", path=where, key=path)
    return value


def _localised(
    data: Mapping[str, Any], key: str, languages: tuple[str, ...], where: str, path: str
) -> dict[str, Any]:
    """A per-language table; every language of the template must be present."""
    table = _get(data, key, dict, where, f"{path}.{key}")
    missing = [lang for lang in languages if lang not in table]
    if missing:
        raise ConfigError(f"no value for {', '.join(missing)}", path=where, key=f"{path}.{key}")
    return dict(table)


def _parse_sheet(
    raw: Mapping[str, Any], languages: tuple[str, ...], where: str, path: str
) -> TemplateSheet:
    role = _get(raw, "role", str, where, f"{path}.role")
    if role not in ROLE_FIELDS:
        raise ConfigError(f"unknown table role '{role}'", path=where, key=f"{path}.role")
    columns = []
    for j, col in enumerate(_get(raw, "columns", list, where, f"{path}.columns")):
        col_path = f"{path}.columns[{j}]"
        field = _get(col, "field", str, where, f"{col_path}.field")
        if field not in ROLE_FIELDS[role]:
            raise ConfigError(f"unknown {role} field '{field}'", path=where, key=col_path)
        choices = None
        if "choices" in col:
            table = _localised(col, "choices", languages, where, col_path)
            choices = {lang: tuple(str(v) for v in values) for lang, values in table.items()}
        columns.append(
            TemplateColumn(
                field=field,
                header=_localised(col, "header", languages, where, col_path),
                width=float(col.get("width", 14.0)),
                number_format=col.get("format"),
                choices=choices,
            )
        )
    name = _localised(raw, "name", languages, where, path)
    return TemplateSheet(role, name, tuple(columns))


def check_language(lang: str, template: Template | None = None) -> None:
    """``UsageError`` unless the template has sheet names and headers in ``lang``."""
    languages = template.languages if template else LANGUAGES
    if lang not in languages:
        raise UsageError(f"unknown language '{lang}'; use one of: {', '.join(languages)}")


def refuse_existing(path: Path) -> None:
    """Staff data may already be there: never overwrite a file."""
    if path.exists():
        raise UsageError(f"{path} already exists; not overwriting it")


def write_template_workbook(path: str | os.PathLike[str], lang: str = "ru") -> None:
    """A new workbook: bold frozen headers, widths, date/amount formats, dropdowns, filters."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    template = load_template()
    check_language(lang, template)
    target = Path(path)
    refuse_existing(target)
    wb = Workbook()
    default_sheet = wb.active
    if default_sheet is not None:
        wb.remove(default_sheet)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor=HEADER_FILL)
    for sheet in template.sheets:
        ws = wb.create_sheet(sheet.name[lang])
        for col, column in enumerate(sheet.columns, 1):
            letter = get_column_letter(col)
            cell = ws.cell(1, col, column.header[lang])
            cell.font, cell.fill = bold, fill
            dimension = ws.column_dimensions[letter]
            dimension.width = column.width
            if column.number_format:
                # a column style, not 1000 pre-formatted blank cells: Excel applies it to
                # every cell typed later, and the sheet keeps no phantom rows
                dimension.number_format = column.number_format
            if column.choices:
                options = ",".join(column.choices[lang])
                dv = DataValidation(type="list", formula1=f'"{options}"', allow_blank=True)
                dv.add(f"{letter}2:{letter}{_LAST_ROW}")
                ws.add_data_validation(dv)
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{get_column_letter(len(sheet.columns))}1"
    wb.save(target)


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


_CONFIG_HEAD = """\
# clientbase config for the workbook made by `clientbase init`.
# Every key is documented in config.example.toml; omitted keys keep their defaults.

# Language of notes, the Problems / Summary sheets and the tool's own columns: ru | uk | en
language = {lang}
# "suggest": highlight a value typed in another form and put the standard form in the note;
# "rewrite": write the standard form into the cell (the original goes to the audit log)
fix = "suggest"

[phone]
# Countries whose national numbers staff type, tried in this order
regions = ["RU", "UA", "BY", "KZ"]
# How normalised numbers are written: e164 | international (+7 912 345-67-89) | national
format = "international"

# Tables: `name` is the sheet's name; [sheets.X.columns] maps a field to its header.
# If you rename a sheet or a header in the workbook, rename it here too.
"""

_CONFIG_TAIL = """
[segments]
abc = [0.80, 0.95]            # cumulative revenue share bounds for A and B
xyz = [0.10, 0.25]            # coefficient-of-variation bounds for X and Y
vip_revenue_multiple = 3.0    # VIP if revenue >= this x mean revenue of buying clients ...
vip_orders_365 = 6            # ... or at least this many orders in the last 365 days
hot_days = 14                 # hot: an interaction within this many days and no order since
"""


def template_config_text(lang: str = "ru") -> str:
    """A commented ``clientbase.toml`` naming the template workbook's sheets and headers."""
    template = load_template()
    check_language(lang, template)
    lines = [_CONFIG_HEAD.format(lang=_toml_string(lang))]
    for sheet in template.sheets:
        lines += [
            f"[sheets.{sheet.role}]",
            f"name = {_toml_string(sheet.name[lang])}",
            f"[sheets.{sheet.role}.columns]",
        ]
        lines += [f"{c.field} = {_toml_string(c.header[lang])}" for c in sheet.columns]
        lines.append("")
    return "\n".join(lines) + _CONFIG_TAIL
