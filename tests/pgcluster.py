"""A throwaway PostgreSQL cluster for tests: initdb + pg_ctl, listening on a Unix socket only.

PostgreSQL refuses to run as root (CI runs as root), so as root the server runs as an
unprivileged user: ``clientbase-test`` (``.ci/run`` creates it), else the ``postgres`` user the
Debian package made. Skipped, with the reason, only when the server binaries are absent.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SUPERUSER = "clientbase"
USERS = ("clientbase-test", "postgres")


def bin_dir() -> Path | None:
    """Where initdb and pg_ctl are (the newest Debian cluster version first, then PATH)."""
    for found in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True):
        return Path(found).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def require() -> None:
    """Skip the calling test when the server binaries are absent; in CI (which installs them)
    their absence is a failure, so the suite never passes by skipping."""
    if bin_dir() is not None:
        return
    if os.environ.get("CI"):
        pytest.fail("PostgreSQL server binaries missing in CI: .ci/run installs them")
    pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")


def _run_as() -> list[str]:
    if os.name != "posix" or os.geteuid() != 0:
        return []
    import pwd  # (POSIX only)

    for user in USERS:
        with contextlib.suppress(KeyError):
            pwd.getpwnam(user)
            return ["runuser", "-u", user, "--"]
    raise RuntimeError("running as root and no unprivileged user for PostgreSQL: run .ci/run")


@dataclass
class Cluster:
    folder: Path
    bindir: Path
    prefix: list[str]

    @property
    def socket_dir(self) -> str:
        return str(self.folder)

    def url(self, db: str = "postgres", user: str = SUPERUSER) -> str:
        return f"postgresql://{user}@/{db}?host={self.socket_dir}&port=5432"

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            [*self.prefix, str(self.bindir / "pg_ctl"), "-D", str(self.folder / "data"), *args],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def start(self) -> None:
        options = f"-k {self.folder} -c listen_addresses='' -c fsync=off -c max_connections=50"
        self._ctl("start", "-w", "-l", str(self.folder / "log"), "-o", options)

    def stop(self) -> None:
        self._ctl("stop", "-w", "-m", "fast")

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@contextlib.contextmanager
def cluster() -> Iterator[Cluster]:
    bindir = bin_dir()
    assert bindir is not None
    prefix = _run_as()
    folder = Path(tempfile.mkdtemp(prefix="clientbase-pg-"))
    if prefix:
        import pwd

        owner = pwd.getpwnam(prefix[2])
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    made = Cluster(folder, bindir, prefix)
    subprocess.run(
        [
            *prefix,
            str(bindir / "initdb"),
            "-D",
            str(folder / "data"),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    made.start()
    try:
        yield made
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            made._ctl("stop", "-w", "-m", "immediate")
        shutil.rmtree(folder, ignore_errors=True)
