"""The secret that keys the cross-workbook index's hashes (HMAC-SHA256).

Unkeyed SHA-256 of a phone number is no protection: Russian mobile numbers are some 10^10
values, which one core runs through in hours (``bench/index_key.py``). With a 256-bit secret
kept outside the database, the index alone gives nothing to guess against.

The secret is a file of 64 hex digits, readable by its owner only, created on first use. With
SQLite it sits next to the database; with PostgreSQL every office's daemon must hold the same
secret (else their keys never match), so it is configured (``[watch] index_key_file``) and
copied to each office by the operator, never stored in the shared database. The database keeps
only a check value of the key, so that a daemon with another secret is told at start-up.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

from sync.errors import ConfigError

KEY_BYTES = 32
_CHECK_MESSAGE = b"clientbase index key check"


def key_check(key: bytes) -> str:
    """A value that tells whether two daemons hold the same secret, and reveals nothing of it."""
    return hmac.new(key, _CHECK_MESSAGE, hashlib.sha256).hexdigest()[:16]


def load_or_create_key(path: Path, *, create: bool = True) -> bytes:
    """The secret in ``path``; a new random one written there (mode 0600) when it is absent
    and ``create``. A key file others can read is tightened."""
    try:
        text = path.read_text("ascii").strip()
    except FileNotFoundError:
        if not create:
            raise ConfigError(
                "the index key file is missing (copy it from the office that made it)",
                path=str(path),
            ) from None
        return _create(path)
    except (OSError, UnicodeDecodeError) as exc:
        reason = f"cannot read the index key ({type(exc).__name__})"
        raise ConfigError(reason, path=str(path)) from exc
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise ConfigError(f"the index key must be {2 * KEY_BYTES} hex digits", path=str(path))
    if os.name == "posix" and stat.S_IMODE(path.stat().st_mode) & 0o077:
        with contextlib.suppress(OSError):
            path.chmod(0o600)
    return key


def _create(path: Path) -> bytes:
    key = secrets.token_bytes(KEY_BYTES)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:  # another process made it meanwhile: use theirs
        return load_or_create_key(path, create=False)
    except OSError as exc:
        reason = f"cannot create the index key ({type(exc).__name__})"
        raise ConfigError(reason, path=str(path)) from exc
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key.hex() + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return key
