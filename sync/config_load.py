"""Loading and validating ``clientbase.toml``.

Every mistake is a :class:`ConfigError` naming the file, the full dotted key and its line:
``clientbase.toml:7, key 'phone.regoins': unknown key; did you mean 'regions'?``. The schema is
declarative (one table per section) so that new keys are added in one place.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, cast

from sync.config import (
    ROLE_FIELDS,
    TOOL_COLUMNS,
    BackupConfig,
    ColorsConfig,
    Config,
    DedupeConfig,
    EmailConfig,
    OutputConfig,
    PhoneConfig,
    SegmentsConfig,
    SheetConfig,
    default_config,
)
from sync.errors import ConfigError

CONFIG_ENV = "CLIENTBASE_CONFIG"
CONFIG_NAME = "clientbase.toml"


class _Ctx:
    """The file being validated, and a locator of keys' lines in it."""

    def __init__(self, text: str, path: str) -> None:
        self.path = path
        self.text = text
        self.lines = _key_lines(text)

    def fail(self, key: str, message: str) -> ConfigError:
        line = self.lines.get(key)
        probe = key
        while line is None and "." in probe:
            probe = probe.rsplit(".", 1)[0]
            line = self.lines.get(probe)
        return ConfigError(message, path=self.path, key=key, line=line)


_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_ASSIGN = re.compile(r"^\s*([A-Za-z0-9_\-\"'. ]+?)\s*=")
_INLINE_KEY = re.compile(r"([A-Za-z0-9_\-]+|\"[^\"]*\"|'[^']*')\s*=")


def _unquote(part: str) -> str:
    part = part.strip()
    return part[1:-1] if len(part) >= 2 and part[0] == part[-1] and part[0] in "\"'" else part


def _key_lines(text: str) -> dict[str, int]:
    """Dotted key → 1-based line, for tables, keys and keys inside inline tables."""
    found: dict[str, int] = {}
    table = ""
    for number, line in enumerate(text.splitlines(), 1):
        if m := _HEADER.match(line):
            table = ".".join(_unquote(p) for p in m.group(1).split("."))
            found.setdefault(table, number)
            continue
        if m := _ASSIGN.match(line):
            key = ".".join(_unquote(p) for p in m.group(1).split("."))
            full = f"{table}.{key}" if table else key
            found.setdefault(full, number)
            rest = line[m.end() :]
            if "{" in rest:
                for inner in _INLINE_KEY.finditer(rest):
                    found.setdefault(f"{full}.{_unquote(inner.group(1))}", number)
    return found


# --------------------------------------------------------------------------- value checks

Check = Callable[[_Ctx, str, Any], Any]


def _type(expected: type | tuple[type, ...], name: str) -> Check:
    def check(ctx: _Ctx, key: str, value: Any) -> Any:
        if isinstance(value, bool) and bool not in (
            expected if isinstance(expected, tuple) else (expected,)
        ):
            raise ctx.fail(key, f"expected {name}, got {value!r}")
        if not isinstance(value, expected):
            raise ctx.fail(key, f"expected {name}, got {_show(value)}")
        return value

    return check


def _show(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"[:80]


def _choice(*options: str) -> Check:
    def check(ctx: _Ctx, key: str, value: Any) -> Any:
        if value not in options:
            raise ctx.fail(key, f"expected one of {', '.join(options)}; got {value!r}")
        return value

    return check


def _number(low: float | None = None, high: float | None = None, integer: bool = False) -> Check:
    def check(ctx: _Ctx, key: str, value: Any) -> Any:
        ok_types: tuple[type, ...] = (int,) if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, ok_types):
            raise ctx.fail(
                key, f"expected {'an integer' if integer else 'a number'}, got {_show(value)}"
            )
        number = float(cast(float, value))
        if (low is not None and number < low) or (high is not None and number > high):
            raise ctx.fail(key, f"expected a value between {low} and {high}, got {value}")
        return value

    return check


def _str_list(options: tuple[str, ...] | None = None, upper: bool = False) -> Check:
    def check(ctx: _Ctx, key: str, value: Any) -> Any:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ctx.fail(key, f"expected a list of strings, got {_show(value)}")
        items = [v.upper() if upper else v for v in value]
        if options is not None:
            for item in items:
                if item not in options:
                    close = difflib.get_close_matches(item, options, n=1)
                    hint = f"; did you mean '{close[0]}'?" if close else ""
                    raise ctx.fail(key, f"unknown value {item!r}{hint}")
        return tuple(items)

    return check


def _bounds(ctx: _Ctx, key: str, value: Any) -> tuple[float, float]:
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    ):
        raise ctx.fail(key, f"expected two numbers like [0.8, 0.95], got {_show(value)}")
    a, b = float(value[0]), float(value[1])
    if not 0 < a < b:
        raise ctx.fail(key, f"expected two increasing positive numbers, got {value}")
    return a, b


def _share_bounds(ctx: _Ctx, key: str, value: Any) -> tuple[float, float]:
    a, b = _bounds(ctx, key, value)
    if b > 1:
        raise ctx.fail(key, f"expected shares in (0, 1], got {value}")
    return a, b


def _regions(ctx: _Ctx, key: str, value: Any) -> tuple[str, ...]:
    import phonenumbers

    items: tuple[str, ...] = _str_list(upper=True)(ctx, key, value)
    known = phonenumbers.SUPPORTED_REGIONS
    for item in items:
        if item not in known:
            raise ctx.fail(key, f"{item!r} is not a country code (use RU, UA, BY, KZ, ...)")
    if not items:
        raise ctx.fail(key, "expected at least one country code")
    return items


def _age_groups(ctx: _Ctx, key: str, value: Any) -> tuple[int, ...]:
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        or sorted(set(value)) != value
    ):
        raise ctx.fail(key, f"expected increasing whole ages like [18, 25, 35], got {value!r}")
    return tuple(value)


_RULE_KEYS = ("name", "when", "column", "value")


def _rules(ctx: _Ctx, key: str, value: Any) -> tuple[Any, ...]:
    from sync.marketing import RuleConfig, compile_rules
    from sync.rules import RuleError

    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ctx.fail(key, "expected [[segments.rules]] tables")
    rules = []
    for i, table in enumerate(value):
        where = f"{key}[{i + 1}]"
        _unknown(ctx, f"{where}.", list(table), _RULE_KEYS)
        for required in ("name", "when"):
            if not isinstance(table.get(required), str) or not table[required].strip():
                raise ctx.fail(where, f"every rule needs a '{required}' (text)")
        for optional in ("column", "value"):
            if optional in table and not isinstance(table[optional], str):
                raise ctx.fail(f"{where}.{optional}", "expected text")
        rules.append(RuleConfig(**table))
    names = [r.name for r in rules]
    if len(set(names)) != len(names):
        raise ctx.fail(key, "two rules have the same name")
    try:
        compile_rules(rules)
    except RuleError as exc:
        rule = next(r for r in rules if r.name == exc.rule)
        line = next(
            (n for n, text in enumerate(ctx.text.splitlines(), 1) if rule.when in text), None
        )
        raise ConfigError(
            str(exc).split(": ", 1)[-1], path=ctx.path, key=f"{key}.{exc.rule}", line=line
        ) from exc
    return tuple(rules)


_ARGB = re.compile(r"^(?:[0-9A-Fa-f]{6}|[0-9A-Fa-f]{8})$")


def _color(ctx: _Ctx, key: str, value: Any) -> str:
    if not isinstance(value, str) or not _ARGB.match(value.lstrip("#")):
        raise ctx.fail(key, f'expected a colour like "FFC7CE" or "FFFFC7CE", got {value!r}')
    text = value.lstrip("#").upper()
    return text if len(text) == 8 else "FF" + text


def _str_map(ctx: _Ctx, key: str, value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ctx.fail(key, f"expected a table, got {_show(value)}")
    for k, v in value.items():
        if not isinstance(v, str) or not v.strip():
            raise ctx.fail(f"{key}.{k}", f"expected a non-empty string, got {_show(v)}")
    return dict(value)


_STR = _type(str, "a string")
_BOOL = _type(bool, "true or false")

Schema = Mapping[str, Check]

_SCHEMAS: dict[str, tuple[type, Schema]] = {
    "phone": (
        PhoneConfig,
        {"regions": _regions, "format": _choice("e164", "international", "national")},
    ),
    "email": (EmailConfig, {"check_dns": _BOOL, "extra_domains": _str_list()}),
    "segments": (
        SegmentsConfig,
        {
            "abc": _share_bounds,
            "xyz": _bounds,
            "vip_revenue_multiple": _number(0.0, 1000.0),
            "vip_orders_365": _number(1, 100000, integer=True),
            "hot_days": _number(0, 3650, integer=True),
            "birthday_days": _number(0, 366, integer=True),
            "stale_days": _number(1, 36500, integer=True),
            "lapsed_min_orders": _number(2, 100000, integer=True),
            "lapsed_factor": _number(1.0, 100.0),
            "age_groups": _age_groups,
            "rules": _rules,
        },
    ),
    "dedupe": (DedupeConfig, {"enabled": _BOOL, "threshold": _number(0.0, 1.0)}),
    "backup": (BackupConfig, {"dir": _STR, "keep": _number(1, 10000, integer=True)}),
}
_OUTPUT: Schema = {
    "columns": _str_list(TOOL_COLUMNS),
    "headers": _str_map,
    "problems_sheet": _STR,
    "summary_sheet": _STR,
    "notes": _BOOL,
    "colors": _type(dict, "a table"),
}
_COLORS: Schema = {"error": _color, "warning": _color, "info": _color}
_SHEET: Schema = {
    "name": _STR,
    "columns": _str_map,
    "header_row": _number(1, 1000, integer=True),
    "required": _str_list(),
    "allowed": _type(dict, "a table"),
}
_TOP = ("language", "fix", "phone", "email", "sheets", "segments", "dedupe", "output", "backup")


def _unknown(ctx: _Ctx, prefix: str, keys: list[str], known: Any) -> None:
    for k in keys:
        if k not in known:
            close = difflib.get_close_matches(k, list(known), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ctx.fail(f"{prefix}{k}", f"unknown key{hint}")


def _section(ctx: _Ctx, name: str, data: Any, cls: type, schema: Schema) -> Any:
    if not isinstance(data, dict):
        raise ctx.fail(name, f"expected a table [{name}], got {_show(data)}")
    _unknown(ctx, f"{name}.", list(data), schema)
    values = {k: schema[k](ctx, f"{name}.{k}", v) for k, v in data.items()}
    return cls(**values)


def _sheet(ctx: _Ctx, role: str, data: Any, default: SheetConfig | None) -> SheetConfig:
    key = f"sheets.{role}"
    if not isinstance(data, dict):
        raise ctx.fail(key, f"expected a table [{key}], got {_show(data)}")
    _unknown(ctx, f"{key}.", list(data), _SHEET)
    values = {k: _SHEET[k](ctx, f"{key}.{k}", v) for k, v in data.items()}
    known = ROLE_FIELDS[role]
    for field in values.get("columns", {}):
        if field not in known:
            _unknown(ctx, f"{key}.columns.", [field], known)
    for field in values.get("required", ()):
        if field not in known:
            _unknown(ctx, f"{key}.required.", [field], known)
    allowed: dict[str, tuple[str, ...]] = {}
    for field, options in values.get("allowed", {}).items():
        if field not in known:
            _unknown(ctx, f"{key}.allowed.", [field], known)
        allowed[field] = _str_list()(ctx, f"{key}.allowed.{field}", options)
    values["allowed"] = allowed
    if "name" not in values:
        if default is None:
            raise ctx.fail(f"{key}.name", "missing: the name of the sheet")
        values["name"] = default.name
    return SheetConfig(role=role, **values)


def parse_config(text: str, path: str = "clientbase.toml") -> Config:
    """Validate TOML text and return the config (defaults for everything omitted)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ConfigError(
            f"not valid TOML: {exc}", path=path, line=int(m.group(1)) if m else None
        ) from exc
    ctx = _Ctx(text, path)
    _unknown(ctx, "", list(data), _TOP)
    base = default_config()
    kwargs: dict[str, Any] = {"path": path}
    if "language" in data:
        kwargs["language"] = _choice("ru", "uk", "en")(ctx, "language", data["language"])
    if "fix" in data:
        kwargs["fix"] = _choice("rewrite", "suggest")(ctx, "fix", data["fix"])
    for name, (cls, schema) in _SCHEMAS.items():
        if name in data:
            kwargs[name] = _section(ctx, name, data[name], cls, schema)
    if "output" in data:
        out = data["output"]
        if not isinstance(out, dict):
            raise ctx.fail("output", f"expected a table [output], got {_show(out)}")
        _unknown(ctx, "output.", list(out), _OUTPUT)
        values = {k: _OUTPUT[k](ctx, f"output.{k}", v) for k, v in out.items() if k != "colors"}
        for k in values.get("headers", {}):
            if k not in (*TOOL_COLUMNS, "id"):
                _unknown(ctx, "output.headers.", [k], TOOL_COLUMNS)
        if "colors" in out:
            values["colors"] = _section(ctx, "output.colors", out["colors"], ColorsConfig, _COLORS)
        kwargs["output"] = OutputConfig(**values)
    sheets = dict(base.sheets)
    if "sheets" in data:
        if not isinstance(data["sheets"], dict):
            raise ctx.fail("sheets", "expected tables like [sheets.clients]")
        _unknown(ctx, "sheets.", list(data["sheets"]), ROLE_FIELDS)
        for role, table in data["sheets"].items():
            sheets[role] = _sheet(ctx, role, table, base.sheets.get(role))
    kwargs["sheets"] = sheets
    return dataclasses.replace(base, **kwargs)


def load_config(path: str | os.PathLike[str]) -> Config:
    p = Path(path)
    try:
        text = p.read_text("utf-8-sig")
    except FileNotFoundError as exc:
        raise ConfigError("config file not found", path=str(p)) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the config ({type(exc).__name__})", path=str(p)) from exc
    return parse_config(text, str(p))


def find_config(explicit: str | None, source_path: str | None) -> Config:
    """``--config``, else ``$CLIENTBASE_CONFIG``, else ./clientbase.toml, else next to the
    workbook, else the built-in defaults."""
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
