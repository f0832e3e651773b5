"""Google's errors are translated once, at the Google Sheets source's boundary: every exception
gspread defines (and requests' connection errors) leaves the source as one of the product's
errors, naming the spreadsheet, never as a gspread or requests class (httpx's
``map_httpcore_exceptions`` is the model)."""

from __future__ import annotations

import inspect
import json

import gspread.exceptions
import pytest
import requests

from sync.errors import ClientbaseError, SourceError, WriteError
from sync.sources.gsheets.source import upstream_error

NAME = "gsheet:1AbC"


def _response(status: int, message: str = "quota") -> requests.Response:
    response = requests.Response()
    response.status_code = status
    body = {"error": {"code": status, "message": message, "status": "X"}}
    response._content = json.dumps(body).encode()
    return response


def _instance(cls: type[Exception]) -> Exception:
    if issubclass(cls, gspread.exceptions.APIError):
        return cls(_response(500))
    return cls("details")


GSPREAD_ERRORS = sorted(
    (c for _, c in inspect.getmembers(gspread.exceptions, inspect.isclass)
     if issubclass(c, Exception) and c.__module__ == gspread.exceptions.__name__),
    key=lambda c: c.__name__,
)  # fmt: skip


@pytest.mark.parametrize("cls", GSPREAD_ERRORS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("what", ["read the spreadsheet", "write the changes"])
def test_every_gspread_exception_has_a_translation(cls: type[Exception], what: str) -> None:
    found = upstream_error(NAME, what, _instance(cls))
    assert isinstance(found, ClientbaseError)
    assert NAME in str(found)
    assert "Traceback" not in str(found)


@pytest.mark.parametrize(
    "exc", [requests.ConnectionError("reset"), requests.Timeout("slow"), requests.HTTPError("x")]
)
def test_a_dropped_connection_is_a_source_error_when_reading(exc: Exception) -> None:
    found = upstream_error(NAME, "read the spreadsheet", exc)
    assert type(found) is SourceError and "no answer from Google" in str(found)
    assert type(upstream_error(NAME, "write the changes", exc)) is WriteError


@pytest.mark.parametrize(
    ("status", "words"),
    [(404, "not found"), (403, "no permission"), (401, "no permission"), (400, "HTTP 400 quota")],
)
def test_google_statuses_say_what_to_do(status: int, words: str) -> None:
    exc = gspread.exceptions.APIError(_response(status))
    assert words in str(upstream_error(NAME, "read the spreadsheet", exc))
