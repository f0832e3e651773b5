"""Loading and validating ``clientbase.toml``.

Every mistake is a :class:`ConfigError` naming the file, the full dotted key and its line:
``clientbase.toml:7, key 'phone.regoins': unknown key; did you mean 'regions'?``.

The schema is declarative: each section is a :class:`Section` (the dataclass it builds and a
check per key), so a new key or a new ``[table]`` is added in one place — :data:`SCHEMA`.
tomllib reports no positions for values, so :func:`key_lines` finds the line of every dotted
key by reading the text itself.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sync.core.config import (
    MAILABLE_REQUIREMENTS,
    ROLE_FIELDS,
    SEVERITIES,
    TOOL_COLUMNS,
    BackupConfig,
    ColorsConfig,
    Config,
    DedupeConfig,
    EmailConfig,
    LimitsConfig,
    OutputConfig,
    PhoneConfig,
    SegmentsConfig,
    SheetConfig,
    default_config,
)
from sync.core.headers import normalise_header
from sync.errors import ConfigError

CONFIG_ENV = "CLIENTBASE_CONFIG"
CONFIG_NAME = "clientbase.toml"
CONFIG_SHEET = "clientbase.conf"  # the config inside a workbook (the Excel buttons read it)

# --------------------------------------------------------------------------- key locator

_PART = r"""(?:[A-Za-z0-9_\-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_DOTTED = rf"{_PART}(?:\s*\.\s*{_PART})*"
_TABLE = re.compile(rf"^\s*(\[\[?)\s*({_DOTTED})\s*\]\]?\s*(?:#.*)?$")
_ASSIGN = re.compile(rf"\s*({_DOTTED})\s*=\s*")
_PARTS = re.compile(_PART)


def _split_key(dotted: str) -> list[str]:
    return [p[1:-1] if p[0] in "\"'" else p for p in _PARTS.findall(dotted)]


def key_lines(text: str) -> dict[str, int]:
    """Dotted key → 1-based line of its first appearance.

    Understands ``[table]`` and ``[[array]]`` headers (the n-th array entry is ``key[n]``,
    1-based), dotted and quoted keys, inline tables (also nested), and skips the inside of
    multi-line strings and arrays so that text in them is never taken for a key.
    """
    found: dict[str, int] = {}
    arrays: dict[str, int] = {}
    table: list[str] = []
    skip_until: str | None = None  # closing quotes of a multi-line string
    depth = 0  # open brackets of a multi-line array
    for number, line in enumerate(text.splitlines(), 1):
        if skip_until is not None:
            if skip_until in line:
                skip_until = None
            continue
        if depth > 0:
            depth = max(0, depth + _bracket_balance(line))
            continue
        if m := _TABLE.match(line):
            parts = _split_key(m.group(2))
            name = ".".join(parts)
            if m.group(1) == "[[":
                arrays[name] = arrays.get(name, 0) + 1
                found.setdefault(name, number)
                parts = [*parts[:-1], f"{parts[-1]}[{arrays[name]}]"]
            table = _resolve_arrays(parts, arrays)
            found.setdefault(".".join(table), number)
            continue
        if m := _ASSIGN.match(line):
            _record(found, table, m.group(1), line[m.end() :], number)
            rest = _strip_strings(line[m.end() :])
            for quotes in ('"""', "'''"):
                if line[m.end() :].lstrip().startswith(quotes) and line.count(quotes) == 1:
                    skip_until = quotes
            depth = max(0, _bracket_balance(rest))
    return found


def _resolve_arrays(parts: list[str], arrays: Mapping[str, int]) -> list[str]:
    # [segments.rules.extra] under [[segments.rules]] belongs to the latest rules entry.
    out: list[str] = []
    for part in parts:
        plain = ".".join([*(p.split("[")[0] for p in out), part])
        out.append(f"{part}[{arrays[plain]}]" if plain in arrays and "[" not in part else part)
    return out


def _record(found: dict[str, int], table: list[str], key: str, value: str, number: int) -> None:
    full = [*table, *_split_key(key)]
    found.setdefault(".".join(full), number)
    value = _strip_strings(value)
    # Inline tables: a stack of the key paths of the braces that are open.
    stack: list[list[str]] = []
    pending = full  # the path a "{" opened next belongs to
    pos = 0
    while pos < len(value):
        ch = value[pos]
        if ch == "{":
            stack.append(pending)
        elif ch == "}" and stack:
            stack.pop()
        elif ch in ",[" and stack:
            pending = stack[-1]  # an inline table inside an array: its key is the array's
        elif stack and (m := _ASSIGN.match(value, pos)):
            pending = [*stack[-1], *_split_key(m.group(1))]
            found.setdefault(".".join(pending), number)
            pos = m.end()
            continue
        pos += 1


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'')


def _strip_strings(text: str) -> str:
    """The text with string contents blanked and the comment dropped (brackets in strings)."""
    text = _STRING.sub('""', text)
    return text.split("#", 1)[0]


def _bracket_balance(text: str) -> int:
    text = _strip_strings(text)
    return text.count("[") - text.count("]")


class _Ctx:
    """The file being validated, and where its keys are."""

    def __init__(self, text: str, path: str) -> None:
        self.path = path
        self.lines = key_lines(text)

    def line_of(self, key: str) -> int | None:
        """The key's line, else its nearest enclosing table's (an item in a list)."""
        probe = key
        while probe not in self.lines and "." in probe:
            probe = probe.rsplit(".", 1)[0]
        return self.lines.get(probe)

    def fail(self, key: str, message: str) -> ConfigError:
        return ConfigError(message, path=self.path, key=key, line=self.line_of(key))


# --------------------------------------------------------------------------- value checks

Check = Callable[[_Ctx, str, Any], Any]


def _show(value: Any) -> str:
    shown = f"{value!r}"
    return f"{_TOML_TYPES.get(type(value), type(value).__name__)} {shown[:60]}"


_TOML_TYPES = {str: "text", int: "integer", float: "number", bool: "boolean", list: "list"}
_TOML_TYPES[dict] = "table"


def _hint(value: str, options: Any, aliases: Mapping[str, str] | None = None) -> str:
    if aliases and value.casefold() in aliases:
        return f"; did you mean '{aliases[value.casefold()]}'?"
    close = difflib.get_close_matches(value, [str(o) for o in options], n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def _text(ctx: _Ctx, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ctx.fail(key, f"expected non-empty text in quotes, got {_show(value)}")
    return value


def _flag(ctx: _Ctx, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ctx.fail(key, f"expected true or false, got {_show(value)}")
    return value


def _choice(*options: str, aliases: Mapping[str, str] | None = None) -> Check:
    def check(ctx: _Ctx, key: str, value: Any) -> str:
        if not isinstance(value, str) or value not in options:
            hint = _hint(value, options, aliases) if isinstance(value, str) else ""
            raise ctx.fail(key, f"expected one of {', '.join(options)}; got {value!r}{hint}")
        return value

    return check


def _number(low: float, high: float, *, integer: bool = False) -> Check:
    def check(ctx: _Ctx, key: str, value: Any) -> int | float:
        wrong_type = not isinstance(value, int | float) or (integer and isinstance(value, float))
        if isinstance(value, bool) or wrong_type:
            kind = "a whole number" if integer else "a number"
            quoted = " (without quotes)" if isinstance(value, str) else ""
            raise ctx.fail(key, f"expected {kind}{quoted}, got {_show(value)}")
        if not low <= value <= high:
            raise ctx.fail(key, f"expected a value between {low:g} and {high:g}, got {value}")
        return int(value) if integer else float(value)

    return check


def _texts(options: tuple[str, ...] | None = None, *, upper: bool = False) -> Check:
    def check(ctx: _Ctx, key: str, value: Any) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ctx.fail(key, f'expected a list of texts like ["a", "b"], got {_show(value)}')
        items = tuple(v.strip().upper() if upper else v for v in value)
        for item in items:
            if options is not None and item not in options:
                raise ctx.fail(key, f"unknown value {item!r}{_hint(item, options)}")
        return items

    return check


def _severities(ctx: _Ctx, key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]  # mark = "info" means the one severity
    items = _texts()(ctx, key, value)
    lowered = tuple(dict.fromkeys(item.strip().casefold() for item in items))
    for item in lowered:
        if item not in SEVERITIES:
            hint = _hint(item, SEVERITIES) or f" (use {', '.join(SEVERITIES)})"
            raise ctx.fail(key, f"unknown severity {item!r}{hint}")
    return lowered


def _bounds(*, shares: bool) -> Check:
    def check(ctx: _Ctx, key: str, value: Any) -> tuple[float, float]:
        if (
            not isinstance(value, list)
            or len(value) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        ):
            raise ctx.fail(key, f"expected two numbers like [0.80, 0.95], got {_show(value)}")
        a, b = float(value[0]), float(value[1])
        if not 0 < a < b:
            raise ctx.fail(key, f"expected two increasing positive numbers, got {value}")
        if shares and b > 1:
            raise ctx.fail(key, f"expected shares in (0, 1], got {value}")
        return a, b

    return check


# Mistakes that difflib cannot guess: "UK" is Ukraine to most people, GB to phonenumbers.
_REGION_ALIASES = {"uk": "UA", "ukr": "UA", "rus": "RU", "blr": "BY", "kaz": "KZ"}
_LANGUAGE_ALIASES = {"ua": "uk", "ukr": "uk", "rus": "ru", "eng": "en"}


def _regions(ctx: _Ctx, key: str, value: Any) -> tuple[str, ...]:
    import phonenumbers  # only configs that name regions pay for the metadata

    items: tuple[str, ...] = _texts(upper=True)(ctx, key, value)
    if not items:
        raise ctx.fail(key, "expected at least one country code")
    known = phonenumbers.SUPPORTED_REGIONS
    for item in items:
        if item not in known:
            hint = _hint(item, (), _REGION_ALIASES) or " (use RU, UA, BY, KZ, ...)"
            raise ctx.fail(key, f"{item!r} is not a country code{hint}")
    return items


def _age_groups(ctx: _Ctx, key: str, value: Any) -> tuple[int, ...]:
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(v, int) and not isinstance(v, bool) and 0 < v < 130 for v in value)
        or sorted(set(value)) != value
    ):
        raise ctx.fail(key, f"expected increasing whole ages like [18, 25, 35], got {value!r}")
    return tuple(value)


_ARGB = re.compile(r"^(?:[0-9A-Fa-f]{6}|[0-9A-Fa-f]{8})$")


def _color(ctx: _Ctx, key: str, value: Any) -> str:
    text = value.strip().lstrip("#") if isinstance(value, str) else ""
    if not _ARGB.match(text):
        raise ctx.fail(key, f'expected a colour like "FFC7CE" or "FFFFC7CE", got {value!r}')
    return text.upper() if len(text) == 8 else "FF" + text.upper()


def _text_map(ctx: _Ctx, key: str, value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ctx.fail(key, f"expected a table, got {_show(value)}")
    return {k: _text(ctx, f"{key}.{k}", v) for k, v in value.items()}


def _tool_headers(ctx: _Ctx, key: str, value: Any) -> dict[str, str]:
    headers = _text_map(ctx, key, value)
    _reject_unknown(ctx, key, headers, (*TOOL_COLUMNS, "id"))
    return headers


# --------------------------------------------------------------------------- sections


@dataclass(frozen=True, slots=True)
class Section:
    """A ``[table]``: the dataclass it becomes and one check per key (all keys optional)."""

    build: Callable[..., Any]
    keys: Mapping[str, Check | Section]


def _reject_unknown(ctx: _Ctx, key: str, data: Iterable[str], known: Any) -> None:
    for name in data:
        if name not in known:
            where = f"{key}.{name}" if key else name
            raise ctx.fail(where, f"unknown key{_hint(name, known)}")


def _section(ctx: _Ctx, key: str, data: Any, section: Section) -> Any:
    if not isinstance(data, dict):
        raise ctx.fail(key, f"expected a table [{key}], got {_show(data)}")
    _reject_unknown(ctx, key, data, section.keys)
    values = {}
    for name, value in data.items():
        check = section.keys[name]
        where = f"{key}.{name}" if key else name
        if isinstance(check, Section):
            values[name] = _section(ctx, where, value, check)
        else:
            values[name] = check(ctx, where, value)
    return section.build(**values)


def _rules(ctx: _Ctx, key: str, value: Any) -> tuple[Any, ...]:
    from sync.core.marketing import RuleConfig, compile_rules
    from sync.core.rules import RuleError

    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ctx.fail(key, "expected [[segments.rules]] tables")
    rule_keys: dict[str, Check] = {"name": _text, "when": _text, "column": _text, "value": _text}
    rules = []
    for i, table in enumerate(value, 1):
        where = f"{key}[{i}]"
        for required in ("name", "when"):
            if required not in table:
                raise ctx.fail(where, f"every rule needs a '{required}'")
        rules.append(_section(ctx, where, table, Section(RuleConfig, rule_keys)))
    names = [r.name for r in rules]
    for i, name in enumerate(names, 1):
        if names.index(name) != i - 1:
            raise ctx.fail(f"{key}[{i}].name", f"two rules are named {name!r}")
    try:
        compile_rules(rules)
    except RuleError as exc:
        i = names.index(exc.rule) + 1
        detail = str(exc).split(": ", 1)[-1]
        raise ConfigError(
            detail, path=ctx.path, key=f"{key}[{i}].when", line=ctx.line_of(f"{key}[{i}].when")
        ) from exc
    return tuple(rules)


def _url(ctx: _Ctx, key: str, value: Any) -> str:
    text = _text(ctx, key, value)
    if not re.match(r"^https?://[^/\s]+", text):
        raise ctx.fail(key, f"expected an http(s) URL, got {_show(value)}")
    return text.rstrip("/")


def _google(ctx: _Ctx, key: str, value: Any) -> tuple[Any, ...]:
    from sync.core.config import GoogleSheetConfig

    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ctx.fail(key, "expected [[google]] tables, one per spreadsheet")
    keys: dict[str, Check] = {
        "spreadsheet": _text,
        "credentials": _text,
        "endpoint": _url,
        "poll_interval": _number(1.0, 86_400.0),
    }
    entries = []
    for i, table in enumerate(value, 1):
        where = f"{key}[{i}]"
        if "spreadsheet" not in table:
            raise ctx.fail(
                where, "every [[google]] entry needs a 'spreadsheet' (the ID in its URL)"
            )
        entry = _section(ctx, where, table, Section(GoogleSheetConfig, keys))
        ident = entry.spreadsheet.strip()
        m = re.search(r"/spreadsheets/d/([A-Za-z0-9_-]+)", ident)
        ident = m.group(1) if m else ident.removeprefix("gsheet:")
        if not re.fullmatch(r"[A-Za-z0-9_-]{10,}", ident):
            raise ctx.fail(
                f"{where}.spreadsheet",
                f"not a spreadsheet ID: {_show(value[i - 1]['spreadsheet'])}",
            )
        credentials = entry.credentials
        if credentials and not Path(credentials).is_absolute() and ctx.path:
            credentials = str(Path(ctx.path).resolve().parent / credentials)
        entries.append(dataclasses.replace(entry, spreadsheet=ident, credentials=credentials))
    return tuple(entries)


_SHEET_KEYS: dict[str, Check] = {
    "name": _text,
    "columns": _text_map,
    "header_row": _number(1, 1000, integer=True),
    "required": _texts(),
    "allowed": _text_map,  # replaced per role in _sheet: values are lists there
}


def _sheet(ctx: _Ctx, role: str, data: Any, default: SheetConfig | None) -> SheetConfig:
    key = f"sheets.{role}"
    if not isinstance(data, dict):
        raise ctx.fail(key, f"expected a table [{key}], got {_show(data)}")
    _reject_unknown(ctx, key, data, _SHEET_KEYS)
    known = ROLE_FIELDS[role]
    values: dict[str, Any] = {
        k: _SHEET_KEYS[k](ctx, f"{key}.{k}", v) for k, v in data.items() if k != "allowed"
    }
    columns: dict[str, str] = values.get("columns", {})
    _reject_unknown(ctx, f"{key}.columns", columns, known)
    seen: dict[str, str] = {}
    for field, header in columns.items():
        folded = normalise_header(header)  # the same key resolve_table compares
        if folded in seen:
            raise ctx.fail(f"{key}.columns.{field}", f"same header {header!r} as '{seen[folded]}'")
        seen[folded] = field
    for field in values.get("required", ()):
        _reject_unknown(ctx, f"{key}.required", [field], known)
    allowed = data.get("allowed", {})
    if not isinstance(allowed, dict):
        raise ctx.fail(f"{key}.allowed", f"expected a table, got {_show(allowed)}")
    _reject_unknown(ctx, f"{key}.allowed", allowed, known)
    values["allowed"] = {f: _texts()(ctx, f"{key}.allowed.{f}", v) for f, v in allowed.items()}
    if "name" not in values:
        if default is None:
            raise ctx.fail(key, "missing key 'name': the name of the sheet")
        values["name"] = default.name
    return SheetConfig(role=role, **values)


def _sheets(ctx: _Ctx, key: str, value: Any) -> dict[str, SheetConfig]:
    """Roles in the file replace the defaults' roles; the others keep the default sheets."""
    if not isinstance(value, dict):
        raise ctx.fail(key, "expected tables like [sheets.clients]")
    _reject_unknown(ctx, key, value, ROLE_FIELDS)
    base = default_config().sheets
    return {
        **base,
        **{role: _sheet(ctx, role, table, base.get(role)) for role, table in value.items()},
    }


def _delegated(owner: str) -> Check:
    """A table validated by another module (its own loader re-reads it)."""

    def check(ctx: _Ctx, key: str, value: Any) -> None:
        if not isinstance(value, dict):
            raise ctx.fail(key, f"expected a table [{key}] (read by {owner}), got {_show(value)}")

    return check


# The whole file. Add a key or a [table] here; nothing else needs to change.
SCHEMA = Section(
    Config,
    {
        "language": _choice("ru", "uk", "en", aliases=_LANGUAGE_ALIASES),
        "fix": _choice("rewrite", "suggest"),
        "phone": Section(
            PhoneConfig,
            {"regions": _regions, "format": _choice("e164", "international", "national")},
        ),
        "email": Section(EmailConfig, {"check_dns": _flag, "extra_domains": _texts()}),
        "sheets": _sheets,
        "segments": Section(
            SegmentsConfig,
            {
                "abc": _bounds(shares=True),
                "xyz": _bounds(shares=False),
                "vip_revenue_multiple": _number(0.0, 1000.0),
                "vip_orders_365": _number(1, 100_000, integer=True),
                "hot_days": _number(0, 3650, integer=True),
                "birthday_days": _number(0, 366, integer=True),
                "stale_days": _number(1, 36_500, integer=True),
                "stale_from_added": _flag,
                "lapsed_min_orders": _number(2, 100_000, integer=True),
                "lapsed_factor": _number(1.0, 100.0),
                "age_groups": _age_groups,
                "mailable": _texts(MAILABLE_REQUIREMENTS),
                "rules": _rules,
            },
        ),
        "dedupe": Section(DedupeConfig, {"enabled": _flag, "threshold": _number(0.0, 1.0)}),
        "output": Section(
            OutputConfig,
            {
                "columns": _texts(TOOL_COLUMNS),
                "headers": _tool_headers,
                "problems_sheet": _text,
                "summary_sheet": _text,
                "notes": _flag,
                "mark": _severities,
                "colors": Section(
                    ColorsConfig, {"error": _color, "warning": _color, "info": _color}
                ),
            },
        ),
        "backup": Section(
            BackupConfig,
            {
                "dir": _text,
                "keep": _number(1, 10_000, integer=True),
                "keep_days": _number(1, 36_500, integer=True),
            },
        ),
        "limits": Section(
            LimitsConfig,
            {
                "max_part_mb": _number(1, 65_536, integer=True),
                "max_unpacked_mb": _number(1, 65_536, integer=True),
                "max_ratio": _number(10, 100_000, integer=True),
            },
        ),
        "watch": _delegated("the daemon, sync.daemon.runner.load_watch_config"),
        "google": _google,
    },
)


# --------------------------------------------------------------------------- entry points


def parse_config(text: str, path: str = CONFIG_NAME) -> Config:
    """Validate TOML text and return the config (defaults for everything omitted)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ConfigError(
            f"not valid TOML: {exc}", path=path, line=int(m.group(1)) if m else None
        ) from exc
    ctx = _Ctx(text, path)
    config: Config = _section(ctx, "", data, _with_defaults(SCHEMA))
    return dataclasses.replace(config, path=path)


def _with_defaults(schema: Section) -> Section:
    def build(**values: Any) -> Config:
        values.pop("watch", None)  # not part of Config: the daemon reads it itself
        return dataclasses.replace(default_config(), **values)

    return Section(build, schema.keys)


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read and validate a config file (UTF-8, with or without a byte-order mark)."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError as exc:
        raise ConfigError("config file not found", path=str(p)) from exc
    except OSError as exc:
        raise ConfigError(f"cannot read the config ({type(exc).__name__})", path=str(p)) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # Notepad on a Russian Windows saves in cp1251: say so rather than "invalid byte".
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            "the file is not UTF-8 text; save it again choosing the UTF-8 encoding",
            path=str(p),
            line=line,
        ) from exc
    return parse_config(text, str(p))


def _toml_value(value: Any) -> str:
    """A cell of the key/value form as a TOML value: typed cells as they are, text that is
    already TOML (an array, a quoted string, a table) as written, other text as a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel sends every number as a float: 21.0 is the integer 21
    if isinstance(value, int | float):
        return repr(value)
    text = str(value).strip()
    if text[:1] in ("[", "{", '"', "'") or text in ("true", "false"):
        return text
    try:
        float(text)
    except ValueError:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def parse_config_sheet(rows: Iterable[Iterable[Any]], where: str) -> Config:
    """The config written in a workbook's ``clientbase.conf`` sheet: either the TOML file's
    lines, one per row in column A, or two columns — a dotted key (``sheets.clients.name``) and
    its value. A mistake names the workbook, the sheet and the cell."""
    table = [list(r) for r in rows]
    pairs = any(len(r) > 1 and r[1] not in (None, "") for r in table)
    lines = []
    for r in table:
        first = r[0] if r else None
        if first in (None, ""):
            lines.append("")
        elif pairs:
            value = r[1] if len(r) > 1 else None
            lines.append("" if value in (None, "") else f"{first} = {_toml_value(value)}")
        else:
            lines.append(str(first))
    try:
        return parse_config("\n".join(lines), f"{where}, sheet {CONFIG_SHEET}")
    except ConfigError as exc:
        column = "B" if pairs and "unknown key" not in str(exc) else "A"
        cell = f", cell {column}{exc.line}" if exc.line else ""
        raise ConfigError(
            exc.message, path=f"{where}, sheet {CONFIG_SHEET}{cell}", key=exc.key
        ) from exc


def find_config(explicit: str | None, source_path: str | None) -> Config:
    """``--config``, else ``$CLIENTBASE_CONFIG``, else ./clientbase.toml, else next to the
    workbook, else the built-in defaults. A file that is named but missing is an error."""
    if explicit:
        return load_config(explicit)
    env = os.environ.get(CONFIG_ENV)
    if env:
        return load_config(env)
    here = Path.cwd() / CONFIG_NAME
    if here.is_file():
        return load_config(here)
    if source_path:
        beside = Path(source_path).resolve().parent / CONFIG_NAME
        if beside.is_file():
            return load_config(beside)
    return default_config()
