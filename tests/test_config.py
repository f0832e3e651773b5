"""Config: defaults, every kind of mistake named by key and line, and where it is found."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.config_load import find_config, key_lines, load_config, parse_config, parse_config_sheet
from sync.core.config import Config
from sync.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def test_example_config_parses_and_documents_every_key() -> None:
    config = load_config(ROOT / "config.example.toml")
    assert config.phone.regions == ("RU", "UA", "BY", "KZ")
    text = (ROOT / "config.example.toml").read_text("utf-8")

    def keys(obj: object) -> set[str]:
        out: set[str] = set()
        for f in dataclasses.fields(obj):  # type: ignore[arg-type]
            if f.name in ("path", "sheets", "role"):
                continue
            out.add(f.name)
            value = getattr(obj, f.name)
            if dataclasses.is_dataclass(value):
                out |= keys(value)
        return out

    for key in keys(Config()):
        pattern = rf"^\s*#?\s*{key}\s*=|^\[(?:.*\.)?{key}\]|^#?\s*\[\[(?:.*\.)?{key}\]\]"
        assert re.search(pattern, text, re.M), key


def test_defaults_without_a_file() -> None:
    config = parse_config("", "empty.toml")
    assert config.language == "ru" and config.fix == "suggest"
    assert config.sheets["clients"].name == "Клиенты"
    assert config.segments.abc == (0.8, 0.95) and config.segments.hot_days == 14


@pytest.mark.parametrize(
    ("text", "key", "line", "fragment"),
    [
        ('language = "de"', "language", 1, "ru, uk, en"),
        ('[phone]\nregoins = ["RU"]', "phone.regoins", 2, "did you mean 'regions'"),
        ('[phone]\nregions = ["RU", "XX"]', "phone.regions", 2, "'XX' is not a country"),
        ('[phone]\nformat = "pretty"', "phone.format", 2, "e164, international, national"),
        ('\n\n[segments]\nhot_days = "14"', "segments.hot_days", 4, "expected a whole number"),
        ("[segments]\nabc = [0.95, 0.80]", "segments.abc", 2, "increasing"),
        ("[segments]\nabc = [0.5, 1.5]", "segments.abc", 2, "(0, 1]"),
        (
            '[sheets.clients]\nname = "К"\n[sheets.clients.columns]\nemial = "Email"',
            "sheets.clients.columns.emial",
            4,
            "did you mean 'email'",
        ),
        (
            '[sheets.clients]\nrequired = ["phonee"]',
            "sheets.clients.required.phonee",
            2,
            "did you mean 'phone'",
        ),
        ('[sheets.clents]\nname = "x"', "sheets.clents", 1, "did you mean 'clients'"),
        ('[output.colors]\nerror = "red"', "output.colors.error", 2, "expected a colour"),
        ('[output]\ncolumns = ["segment", "vipp"]', "output.columns", 2, "did you mean 'vip'"),
        ("[backup]\nkeep = 0", "backup.keep", 2, "between 1"),
        ("fix = true", "fix", 1, "rewrite, suggest"),
        ("[dedupe]\nenabled = 1", "dedupe.enabled", 2, "true or false"),
        ("[dedupe]\nthreshold = 1.5", "dedupe.threshold", 2, "between 0 and 1"),
        ('language = "ua"', "language", 1, "did you mean 'uk'"),
        ('# comment\n[phone]\nregions = ["UK"]', "phone.regions", 3, "did you mean 'UA'"),
        ('languge = "ru"', "languge", 1, "did you mean 'language'"),
        ('[output]\nproblems_sheet = ""', "output.problems_sheet", 2, "non-empty"),
        ('[output]\nnotes = "yes"', "output.notes", 2, "true or false"),
        ('[output]\nmark = ["error", "infos"]', "output.mark", 2, "did you mean 'info'"),
        ("[output]\nmark = true", "output.mark", 2, "list of texts"),
        ('[output.headers]\nvipp = "VIP"', "output.headers.vipp", 2, "did you mean 'vip'"),
        ("[segments]\nage_groups = [25, 18]", "segments.age_groups", 2, "increasing"),
        ("[segments]\nvip_revenue_multiple = '3'", "segments.vip_revenue_multiple", 2, "quotes"),
        ("[segments]\nhot_days = 14.5", "segments.hot_days", 2, "whole number"),
        (
            '[sheets.orders]\nname = "З"\nallowed = { sum = ["1"] }',
            "sheets.orders.allowed.sum",
            3,
            "unknown key",
        ),
        (
            '[sheets.clients.columns]\nphone = "Телефон"\nphone2 = " телефон"',
            "sheets.clients.columns.phone2",
            3,
            "same header",
        ),
        (
            '[sheets]\nclients = { name = "К", columns = { emial = "Почта" } }',
            "sheets.clients.columns.emial",
            2,
            "did you mean 'email'",
        ),
        (
            "[sheets.interactions]\nheader_row = 0",
            "sheets.interactions.header_row",
            2,
            "between 1",
        ),
        ("watch = 5", "watch", 1, "expected a table"),
    ],
)
def test_mistakes_name_the_file_key_and_line(text: str, key: str, line: int, fragment: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(text, "office.toml")
    message = str(err.value)
    assert err.value.key == key and err.value.line == line, message
    assert f"office.toml:{line}" in message and key in message
    assert fragment in message


def test_toml_syntax_error_names_the_line() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config('language = "ru"\n[phone\n', "bad.toml")
    assert err.value.line == 2 and "bad.toml:2" in str(err.value)


def test_marked_severities_are_read_in_any_case_and_default_to_errors_and_warnings() -> None:
    assert parse_config("").output.mark == ("error", "warning")
    assert parse_config('[output]\nmark = ["Error", "INFO"]').output.mark == ("error", "info")
    assert parse_config('[output]\nmark = "warning"').output.mark == ("warning",)
    assert parse_config("[output]\nmark = []").output.mark == ()


def test_colours_are_normalised() -> None:
    config = parse_config('[output.colors]\nerror = "#ffc7ce"')
    assert config.output.colors.error == "FFFFC7CE"


def test_find_config_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    workdir, share = tmp_path / "work", tmp_path / "share"
    workdir.mkdir()
    share.mkdir()
    monkeypatch.chdir(workdir)
    monkeypatch.delenv("CLIENTBASE_CONFIG", raising=False)
    book = share / "clients.xlsx"
    assert find_config(None, str(book)).path is None  # built-in defaults
    (share / "clientbase.toml").write_text('language = "uk"', "utf-8")
    assert find_config(None, str(book)).language == "uk"
    (workdir / "clientbase.toml").write_text('language = "en"', "utf-8")
    assert find_config(None, str(book)).language == "en"
    env = tmp_path / "env.toml"
    env.write_text('language = "ru"\nfix = "rewrite"', "utf-8")
    monkeypatch.setenv("CLIENTBASE_CONFIG", str(env))
    assert find_config(None, str(book)).fix == "rewrite"
    explicit = tmp_path / "explicit.toml"
    explicit.write_text('language = "uk"', "utf-8")
    assert find_config(str(explicit), str(book)).path == str(explicit)
    with pytest.raises(ConfigError, match="not found"):
        find_config(str(tmp_path / "nope.toml"), None)


_RULES = """\
[segments]
hot_days = 7

[[segments.rules]]
name = "big"
when = 'revenue > 1000'

[[segments.rules]]
name = "moscow"
when = 'city == "Москва" and and big'
"""


def test_a_wrong_rule_names_its_entry_and_line() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(_RULES, "rules.toml")
    assert err.value.key == "segments.rules[2].when" and err.value.line == 10


def test_an_unknown_key_in_the_second_rule_points_at_it() -> None:
    text = _RULES.replace("'revenue > 1000'", "'revenue > 1000'\ncolour = \"x\"")
    text = text.replace("and and big", "and big")
    with pytest.raises(ConfigError) as err:
        parse_config(text, "rules.toml")
    assert err.value.key == "segments.rules[1].colour" and err.value.line == 7
    assert "did you mean 'column'" in str(err.value)


def test_text_inside_strings_and_arrays_is_not_taken_for_keys() -> None:
    text = '[email]\nextra_domains = [\n  "a.ru",  # hot_days = 1\n  "b.ru",\n]\nchek_dns = true\n'
    with pytest.raises(ConfigError) as err:
        parse_config(text, "c.toml")
    assert err.value.key == "email.chek_dns" and err.value.line == 6


def test_roles_missing_from_the_file_keep_the_default_sheets() -> None:
    config = parse_config('[sheets.clients]\nname = "База"\n[sheets.clients.columns]\nid = "Код"')
    assert config.sheets["clients"].name == "База"
    assert config.sheets["clients"].columns == {"id": "Код"}
    assert config.sheets["orders"].name == "Заказы"
    assert config.sheets["interactions"].name == "Контакты"


def test_values_are_normalised() -> None:
    config = parse_config(
        '[phone]\nregions = ["ua", " ru"]\n[segments]\nvip_revenue_multiple = 3\n'
        '[sheets.clients.allowed]\ncity = ["Киев", "Львов"]'
    )
    assert config.phone.regions == ("UA", "RU")
    assert config.segments.vip_revenue_multiple == 3.0
    assert config.sheets["clients"].allowed == {"city": ("Киев", "Львов")}


def test_the_daemons_watch_table_is_accepted() -> None:
    config = parse_config('language = "en"\n[watch]\nquiet_period = 5\n')
    assert config.language == "en"


def test_a_file_saved_in_cp1251_gets_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "clientbase.toml"
    path.write_bytes('language = "ru"\n[sheets.clients]\nname = "Клиенты"\n'.encode("cp1251"))
    with pytest.raises(ConfigError, match="not UTF-8") as err:
        load_config(path)
    assert err.value.line == 3


def test_a_byte_order_mark_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "clientbase.toml"
    path.write_text('language = "uk"\n', "utf-8-sig")
    assert load_config(path).language == "uk"


def test_env_naming_a_missing_file_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "clientbase.toml").write_text('language = "en"', "utf-8")
    monkeypatch.setenv("CLIENTBASE_CONFIG", str(tmp_path / "gone.toml"))
    with pytest.raises(ConfigError, match="not found"):
        find_config(None, None)


_KEY = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)
_LEAF = st.one_of(st.integers(-5, 5), st.booleans(), st.text("абв xyz=[]{}#'", max_size=6))
_TREE = st.recursive(
    st.dictionaries(_KEY, _LEAF, min_size=1, max_size=3),
    lambda inner: st.dictionaries(_KEY, st.one_of(_LEAF, inner), min_size=1, max_size=3),
    max_leaves=12,
)


def _emit(
    tree: dict[str, object], prefix: list[str], style: list[int], out: list[str]
) -> dict[str, int]:
    """TOML for ``tree``, each sub-table as a [header], a dotted key or an inline table;
    returns the line where each dotted key is written."""
    import json

    lines: dict[str, int] = {}
    subtables = []
    for key, value in tree.items():
        path = ".".join([*prefix, key])
        if not isinstance(value, dict):
            out.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
            lines[path] = len(out)
            continue
        how = style[len(out) % len(style)]
        if how == 0 or not all(not isinstance(v, dict) for v in value.values()):
            subtables.append((key, value))
            continue
        if how == 1:
            for k, v in value.items():
                out.append(f"{key}.{k} = {json.dumps(v, ensure_ascii=False)}")
                lines[f"{path}.{k}"] = len(out)
        else:
            body = ", ".join(f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in value.items())
            out.append(f"{key} = {{ {body} }}")
            lines[path] = len(out)
            lines.update({f"{path}.{k}": len(out) for k in value})
    for key, value in subtables:
        out.append(f"[{'.'.join([*prefix, key])}]")
        lines.update(_emit(value, [*prefix, key], style, out))
    return lines


@given(_TREE, st.lists(st.integers(0, 2), min_size=1, max_size=4))
def test_key_locator_finds_every_key_of_any_layout(
    tree: dict[str, object], style: list[int]
) -> None:
    out: list[str] = []
    expected = _emit(tree, [], style, out)
    text = "\n".join(out)
    assert tomllib.loads(text) == tree  # the layout is real TOML for the same data
    found = key_lines(text)
    assert {k: found.get(k) for k in expected} == expected


def test_a_config_sheet_of_keys_and_typed_values() -> None:
    config = parse_config_sheet(
        [
            ["# the shop's settings", None],
            ["language", "en"],
            ["segments.abc", "[0.7, 0.9]"],
            ["segments.hot_days", 21.0],  # Excel sends numbers as floats
            ["dedupe.enabled", False],
            ["sheets.clients.columns.phone", 'Тел. "моб"'],
        ],
        "shop.xlsm",
    )
    assert config.language == "en"
    assert config.segments.abc == (0.7, 0.9) and config.segments.hot_days == 21
    assert config.dedupe.enabled is False
    assert config.sheets["clients"].columns["phone"] == 'Тел. "моб"'


def test_a_wrong_value_in_a_config_sheet_names_the_cell() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config_sheet([["language", "en"], ["segments.hot_days", "soon"]], "shop.xlsm")
    assert str(caught.value).startswith("shop.xlsm, sheet clientbase.conf, cell B2, key")
