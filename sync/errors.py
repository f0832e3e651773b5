"""The one error tree of clientbase.

    ClientbaseError                      base; carries the CLI exit code
    ├── ConfigError (ValueError)         bad config file / key / value           exit 2
    ├── UsageError (ValueError)          bad command-line input                  exit 2
    ├── SourceError (OSError)            a workbook or sheet cannot be read       exit 3
    │   ├── SourceLockedError            a person has the file open              exit 3
    │   └── SheetNotFoundError (KeyError)  a configured sheet is missing         exit 3
    ├── ConflictError                    the source changed since it was read     exit 3
    └── WriteError (OSError)             writing back failed; nothing written     exit 3

Upstream exceptions (zipfile, openpyxl, calamine, gspread, xlwings) are translated at the
source boundary with ``raise ... from exc`` so the CLI and the daemon handle one tree.
Messages name the file, key, sheet and cell, never personal data.
"""

from __future__ import annotations


class ClientbaseError(Exception):
    """Base of every error clientbase raises on purpose."""

    exit_code = 1


class ConfigError(ClientbaseError, ValueError):
    """The config file, a key in it, or a value is wrong."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        key: str | None = None,
        line: int | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.key = key
        self.line = line
        where = []
        if path:
            where.append(f"{path}:{line}" if line else path)
        if key:
            where.append(f"key '{key}'")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class UsageError(ClientbaseError, ValueError):
    """Command-line input is wrong."""

    exit_code = 2


class SourceError(ClientbaseError, OSError):
    """A workbook or sheet cannot be read."""

    exit_code = 3


class SourceLockedError(SourceError):
    """A person has the workbook open (a lock file is present); nothing is written."""


class SheetNotFoundError(SourceError, KeyError):
    """A configured sheet does not exist in the workbook."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ConflictError(ClientbaseError):
    """The source changed between read and write; nothing was written."""

    exit_code = 3


class WriteError(ClientbaseError, OSError):
    """Writing back failed; the source is unchanged."""

    exit_code = 3
