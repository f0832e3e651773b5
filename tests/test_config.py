"""Config: defaults, every kind of mistake named by key and line, and where it is found."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from sync.config import Config
from sync.config_load import find_config, load_config, parse_config
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
        ('\n\n[segments]\nhot_days = "14"', "segments.hot_days", 4, "expected an integer"),
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
