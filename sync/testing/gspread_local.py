"""The real gspread client, pointed at a local Sheets emulator instead of Google.

gspread builds absolute URLs from ``gspread.urls`` (``https://sheets.googleapis.com/v4/...``
and ``https://www.googleapis.com/drive/v3/...``). A :class:`LocalHTTPClient` rewrites those
hosts to the emulator's base URL and sends no credentials, so everything above the HTTP layer
(payloads, retries, error mapping to ``gspread.exceptions.APIError``) is gspread's own code.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

import gspread
import requests
from google.auth.credentials import AnonymousCredentials, Credentials
from gspread.http_client import BackOffHTTPClient, FileType, HTTPClient, ParamsType

GOOGLE_HOSTS = ("https://sheets.googleapis.com", "https://www.googleapis.com")


class LocalHTTPClient(HTTPClient):
    """gspread's HTTP client with Google's hosts replaced by :attr:`base_url`."""

    base_url: str = ""

    def __init__(self, auth: Credentials, session: requests.Session | None = None) -> None:
        # A plain session: no token is fetched or sent.
        super().__init__(auth, session or requests.Session())
        self.auth = auth

    def rewrite(self, endpoint: str) -> str:
        """Map a Google URL onto the emulator; other URLs are left alone."""
        for host in GOOGLE_HOSTS:
            if endpoint.startswith(host + "/"):
                return self.base_url + endpoint[len(host) :]
        return endpoint

    def request(
        self,
        method: str,
        endpoint: str,
        params: ParamsType | None = None,
        data: bytes | None = None,
        json: Mapping[str, Any] | None = None,
        files: FileType = None,
        headers: MutableMapping[str, str] | None = None,
    ) -> requests.Response:
        """Send the request to the emulator instead of Google."""
        return super().request(
            method,
            self.rewrite(endpoint),
            params=params,
            data=data,
            json=json,
            files=files,
            headers=headers,
        )


def local_client(base_url: str, *, backoff: bool = False) -> gspread.Client:
    """A gspread client talking to the emulator at ``base_url``, with anonymous credentials.

    ``backoff=True`` uses gspread's ``BackOffHTTPClient``, which retries 429/5xx answers
    (sleeping between attempts, as it would against Google).
    """
    bases: tuple[type[HTTPClient], ...] = (LocalHTTPClient,)
    if backoff:
        bases = (LocalHTTPClient, BackOffHTTPClient)
    bound = type("BoundLocalHTTPClient", bases, {"base_url": base_url.rstrip("/")})
    # google-auth leaves AnonymousCredentials.__init__ unannotated.
    anonymous: Credentials = AnonymousCredentials()  # type: ignore[no-untyped-call]
    return gspread.Client(auth=anonymous, http_client=bound)
