"""Replay real Google Sheets traffic (vcrpy cassettes recorded by gspread) against the emulator.

Each recorded request is sent, in order, to the emulator with the same method, path, query and
body, after mapping the ids Google generated (spreadsheet ids, sheetIds, protectedRangeIds) to
the ids the emulator generated, learned from earlier responses. Status codes and JSON bodies
must then equal Google's answers, except for the short list of volatile fields below.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from sync.testing.sheets.emulator import SheetsEmulator

ROOT = Path(__file__).resolve().parent.parent.parent
RECORDINGS = Path(
    os.environ.get("CLIENTBASE_RECORDINGS")
    or ROOT / ".." / "shared" / "fixtures" / "google-sheets-recordings"
).resolve()
GOOGLE_HOSTS = ("https://sheets.googleapis.com", "https://www.googleapis.com")

# Keys whose values Google generates; the replay maps recorded values to the emulator's.
ID_KEYS = frozenset({"id", "spreadsheetId", "sheetId", "protectedRangeId"})

# The only fields compared loosely. Drive's createdTime / modifiedTime are wall-clock
# timestamps of the recording session; they must still be present and be RFC 3339 UTC
# timestamps with milliseconds, but their value cannot match.
VOLATILE_TIMESTAMPS = frozenset({"createdTime", "modifiedTime"})
RFC3339_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")

# The recordings were made by this service account; protected ranges list their creator as an
# editor, so the emulator plays the same caller.
RECORDED_ACCOUNT = "telegram-budgeter@telegram-budgeter.iam.gserviceaccount.com"


def _cassettes() -> list[Any]:
    if not RECORDINGS.is_dir():
        reason = f"recordings directory not found: {RECORDINGS} (set CLIENTBASE_RECORDINGS)"
        return [pytest.param(None, marks=pytest.mark.skip(reason=reason), id="no-recordings")]
    return [pytest.param(p, id=p.stem) for p in sorted(RECORDINGS.glob("*.json"))]


class IdMap:
    """Recorded id -> emulator id, learned by walking recorded and actual responses together."""

    def __init__(self) -> None:
        self.ids: dict[object, object] = {}

    def learn(self, recorded: Any, actual: Any) -> None:
        """Pair up id fields found at the same place in both bodies."""
        if isinstance(recorded, dict) and isinstance(actual, dict):
            for key, value in recorded.items():
                if key not in actual:
                    continue
                if key in ID_KEYS and type(value) is type(actual[key]):
                    known = self.ids.setdefault(value, actual[key])
                    assert known == actual[key], f"recorded id {value!r} maps to two ids"
                self.learn(value, actual[key])
        elif isinstance(recorded, list) and isinstance(actual, list):
            for rec, act in zip(recorded, actual, strict=False):
                self.learn(rec, act)

    def text(self, value: str) -> str:
        """Replace every known string id inside a URL or text."""
        for old, new in self.ids.items():
            if isinstance(old, str) and isinstance(new, str) and old != new:
                value = value.replace(old, new)
        return value

    def translate(self, value: Any, key: str = "") -> Any:
        """A recorded JSON body with recorded ids replaced by the emulator's."""
        if isinstance(value, dict):
            return {k: self.translate(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.translate(v, key) for v in value]
        if key in ID_KEYS and value in self.ids and type(self.ids[value]) is type(value):
            return self.ids[value]
        if isinstance(value, str):
            return self.text(value)
        return value


def _settle_volatile(value: Any) -> Any:
    """Replace well-formed volatile timestamps by a marker (a malformed one stays and fails)."""
    if isinstance(value, dict):
        return {
            k: "<timestamp>"
            if k in VOLATILE_TIMESTAMPS and isinstance(v, str) and RFC3339_MS.match(v)
            else _settle_volatile(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_settle_volatile(v) for v in value]
    return value


def _interactions(path: Path) -> Iterator[tuple[int, dict[str, Any], dict[str, Any]]]:
    cassette = json.loads(path.read_text(encoding="utf-8"))
    for i, interaction in enumerate(cassette["interactions"]):
        yield i, interaction["request"], interaction["response"]


def _local_url(uri: str, base_url: str) -> str:
    for host in GOOGLE_HOSTS:
        if uri.startswith(host + "/"):
            return base_url + uri[len(host) :]
    raise AssertionError(f"unexpected host in {uri}")


@pytest.mark.parametrize("cassette", _cassettes())
def test_recording_replays_like_google(cassette: Path) -> None:
    ids = IdMap()
    session = requests.Session()
    with SheetsEmulator(user_email=RECORDED_ACCOUNT) as emu:
        for i, request, response in _interactions(cassette):
            url = _local_url(ids.text(request["uri"]), emu.base_url)
            body = None
            if request["body"]:
                body = json.dumps(ids.translate(json.loads(request["body"]))).encode()
            headers = {"Content-Type": "application/json"} if body is not None else {}
            answer = session.request(request["method"], url, data=body, headers=headers)
            raw = response["body"]["string"]
            recorded = json.loads(raw) if raw.strip() else None
            actual = answer.json() if answer.content else None
            ids.learn(recorded, actual)
            where = f"interaction {i}: {request['method']} {request['uri']}"
            assert answer.status_code == response["status"]["code"], f"{where}\n{actual}"
            expected = _settle_volatile(ids.translate(recorded))
            assert _settle_volatile(actual) == expected, where
    session.close()


def test_id_map_translates_only_id_fields() -> None:
    ids = IdMap()
    ids.learn({"sheetId": 111, "index": 1}, {"sheetId": 222, "index": 1})
    body = {"deleteSheet": {"sheetId": 111}, "rowCount": 111}
    assert ids.translate(body) == {"deleteSheet": {"sheetId": 222}, "rowCount": 111}


def test_volatile_timestamps_must_still_be_well_formed() -> None:
    good = {"modifiedTime": "2023-08-17T10:52:55.234Z"}
    bad = {"modifiedTime": "yesterday"}
    assert _settle_volatile(good) == {"modifiedTime": "<timestamp>"}
    assert _settle_volatile(bad) != _settle_volatile(good)
