"""``.xlsx`` / ``.xlsm`` files on disk: fast typed reads, and atomic, conflict-safe write-back.

Writing follows the data-safety rules of DESIGN.md: never while a person has the file open,
never over a file that changed since it was read; a temp file in the same folder is written,
fsynced and verified, the source is re-checked, the previous version goes to a backup, and
only then the temp file is renamed over the original.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import shutil
import stat
import threading
import zipfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from sync.core.config import Config, LimitsConfig
from sync.core.messages import notice
from sync.core.model import ApplyResult, Snapshot, ToolSheet, WritePlan
from sync.errors import ConflictError, SourceError, SourceLockedError, WriteError
from sync.sources.xlsx.ooxml.ahead import PreparedToolSheets
from sync.sources.xlsx.ooxml.zip import Inflated, inflate_entry, part_key
from sync.sources.xlsx.read import read_grids, sheet_parts, sniff_package
from sync.sources.xlsx.swap import (
    TEMP_PREFIX,
    WriteHook,
    conflict_copy_path,
    file_version,
    hide,
    place_without_replace,
    recover,
    remove_stale_temps,
    swap_in,
    temp_path,
)

__all__ = ["TEMP_PREFIX", "BackupSettings", "XlsxSource", "file_version", "lock_files"]

INDEX_SUFFIX = ".clientbase.json"


def open_workbook(spec: str, config: Config) -> XlsxSource:
    """The source for a workbook's path, with the config's backup settings and language."""
    backup = BackupSettings(config.backup.dir, config.backup.keep, config.backup.keep_days)
    return XlsxSource(Path(spec), backup, config.language, limits=config.limits)


def _owner_only(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)


def _content_hash(version: str) -> str:
    return version.rsplit(":", 1)[-1]


def lock_files(path: Path) -> list[Path]:
    """Lock files that say a person has the workbook open (Excel and LibreOffice)."""
    candidates = [path.with_name("~$" + path.name), path.with_name(f".~lock.{path.name}#")]
    # Excel shortens long names: ~$ replaces the first two characters.
    if len(path.name) > 2:
        candidates.append(path.with_name("~$" + path.name[2:]))
    return [p for p in candidates if p.exists()]


@dataclass(frozen=True, slots=True)
class BackupSettings:
    dir: str = ".clientbase-backups"
    keep: int = 20
    keep_days: int = 30  # older backups go too (the newest is always kept, for undo)


class XlsxSource:
    """A workbook file. ``read`` never locks or changes it; ``apply`` is atomic."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        backup: BackupSettings | None = None,
        language: str = "en",
        write_hook: WriteHook | None = None,
        limits: LimitsConfig | None = None,
    ) -> None:
        self.path = Path(path)
        self.backup = backup or BackupSettings()
        self.language = language
        self.limits = limits or LimitsConfig()
        # called at each named point of a write (``swap.WRITE_POINTS``): tests land a
        # staff save in every gap of the sequence
        self.write_hook = write_hook
        self._inflating: _Inflating | None = None
        self._rendering: PreparedToolSheets | None = None
        if self.path.suffix.lower() not in (".xlsx", ".xlsm"):
            raise SourceError(f"{self.path.name}: only .xlsx and .xlsm workbooks are supported")

    @property
    def name(self) -> str:
        return self.path.name

    def read(self, sheets: Sequence[str]) -> Snapshot:
        recover(self.path)  # a write killed while the file was moved aside
        version = file_version(self.path)

        def settle() -> None:  # before a parse is remembered, and before it is used
            if file_version(self.path) != version:
                raise ConflictError(f"{self.path.name}: the file changed while it was being read")

        grids, missing, present = read_grids(self.path, sheets, settle, self.limits, self.language)
        return Snapshot(self.path.name, grids, version, missing, present)

    def prepare_read_parts(self, snapshot: Snapshot) -> None:
        """Once the pass is done (its worker collected), while a single core plans: inflate
        the snapshot's sheets, which the writer rewrites, in a background thread."""
        if self._inflating is None:
            self._inflating = _Inflating(self.path, list(snapshot.sheets))

    def prepare_write(self, snapshot: Snapshot, tool_sheets: tuple[ToolSheet, ...]) -> None:
        """While the plan's cells are made, on the core that leaves idle: render the tool
        sheets in a forked worker, and inflate the sheets (unless that began already). A fork
        needs a process without threads: an inflating thread is finished first (started with
        the plan, it is done by now), a new one started after."""
        if self._rendering is None:
            if self._inflating is not None and threading.active_count() <= 2:
                self._inflating.result()  # the only other thread (in a daemon, forks are off)
            self._rendering = PreparedToolSheets.start(self.path, tool_sheets)
        self.prepare_read_parts(snapshot)

    def apply(self, plan: WritePlan, expected_version: str) -> ApplyResult:
        # joined before anything else: the writer may fork workers, only from a lone thread
        inflated = self._inflating.result() if self._inflating is not None else {}
        self._inflating = None
        rendering, self._rendering = self._rendering, None
        try:
            return self._apply(plan, expected_version, inflated, rendering)
        finally:
            if rendering is not None:
                rendering.cancel()  # (a no-op once the writer collected it)

    def rehearse(self, plan: WritePlan) -> None:
        """Make the write in memory and drop it: raises what :meth:`apply` would raise for
        this workbook (a sheet name that is not the tool's, a damaged part), writes nothing."""
        from sync.sources.xlsx.ooxml.writer import write_plan

        if not plan.is_empty:
            write_plan(self.path, plan, io.BytesIO())

    def _apply(
        self,
        plan: WritePlan,
        expected_version: str,
        inflated: Inflated,
        rendering: PreparedToolSheets | None,
    ) -> ApplyResult:
        from sync.sources.xlsx.ooxml.writer import write_plan

        locks = lock_files(self.path)
        if locks:
            return ApplyResult(
                "locked", f"{self.path.name} is open ({locks[0].name} exists); nothing was written"
            )
        if file_version(self.path) != expected_version:
            return ApplyResult(
                "conflict", f"{self.path.name} changed since it was read; nothing was written"
            )
        if plan.is_empty:
            return ApplyResult("unchanged", new_version=expected_version)
        remove_stale_temps(self.path.parent)
        tmp = temp_path(self.path, "new")
        try:
            with tmp.open("wb") as fh:
                hide(tmp)
                stats = write_plan(self.path, plan, fh, inflated=inflated, tool_sheets=rendering)
                if stats is None:
                    fh.close()
                    tmp.unlink()
                    return ApplyResult("unchanged", new_version=expected_version)
                fh.flush()
                os.fsync(fh.fileno())
            _verify(tmp, self.path.name, stats.parts_rewritten)
            shutil.copymode(self.path, tmp)
            if lock_files(self.path):
                tmp.unlink()
                return ApplyResult("locked", notice("write.opened", self.language, self._p()))
            try:
                swapped = swap_in(self.path, tmp, expected_version, self.write_hook)
            except OSError as exc:  # e.g. Windows: another program holds the file open
                raise WriteError(
                    f"{self.path.name}: cannot replace the file ({exc.strerror}); "
                    "nothing was written"
                ) from exc
            if swapped.status == "conflict":
                copy = conflict_copy_path(self.path)
                place_without_replace(tmp, copy)
                _fsync_dir(self.path.parent)
                return ApplyResult(
                    "conflict",
                    notice("write.conflict_copy", self.language, self._p(copy=copy.name)),
                )
            _fsync_dir(self.path.parent)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        assert swapped.replaced is not None and swapped.new_version is not None
        backup_path = self._keep_as_backup(swapped.replaced)
        self._record_write(backup_path, swapped.new_version)
        detail = (
            f"{stats.cells_changed} cells, {stats.fills_set} highlights, {stats.notes_set} notes"
        )
        return ApplyResult("applied", detail, swapped.new_version, stats.recovered)

    def _p(self, **more: str) -> dict[str, str]:
        return {"file": self.path.name, **more}

    def close(self) -> None:
        if self._inflating is not None:
            self._inflating.result()
            self._inflating = None
        if self._rendering is not None:
            self._rendering.cancel()
            self._rendering = None

    # ------------------------------------------------------------------ backups and undo

    @property
    def backup_dir(self) -> Path:
        d = Path(self.backup.dir)
        return d if d.is_absolute() else self.path.parent / d

    @property
    def _index_path(self) -> Path:
        return self.backup_dir / (self.path.name + INDEX_SUFFIX)

    def _load_index(self) -> list[dict[str, str]]:
        try:
            data = json.loads(self._index_path.read_text("utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            raise SourceError(f"{self._index_path}: backup index unreadable") from exc
        return list(data.get("writes", []))

    def _save_index(self, writes: list[dict[str, str]]) -> None:
        tmp = self._index_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"writes": writes}, indent=1), "utf-8")
        _owner_only(tmp)
        os.replace(tmp, self._index_path)

    def _backup_name(self, tag: str = "") -> Path:
        self.backup_dir.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            self.backup_dir.chmod(stat.S_IRWXU)  # backups hold personal data: owner only
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        return self.backup_dir / f"{self.path.stem}.{stamp}{tag}{self.path.suffix}"

    def _keep_as_backup(self, replaced: Path, tag: str = "") -> Path:
        """The version a write replaced (a link beside the workbook) becomes the backup:
        moved when the backup folder is on the same volume, else copied."""
        dest = self._backup_name(tag)
        try:
            os.replace(replaced, dest)
        except OSError:
            shutil.copy2(replaced, dest)
            with contextlib.suppress(OSError):
                replaced.unlink()
        _owner_only(dest)  # the whole customer base: not the workbook's own (shared) mode
        return dest

    def _record_write(self, backup_path: Path, new_version: str) -> None:
        writes = self._load_index()
        writes.append(
            {
                "backup": backup_path.name,
                "written": _content_hash(new_version),
                "at": dt.datetime.now().isoformat(timespec="seconds"),
            }
        )
        # by count and by age; the newest always stays (undo needs it). "at" stamps are
        # local ISO times of one format: they sort as text.
        cutoff = dt.datetime.now() - dt.timedelta(days=max(1, self.backup.keep_days))
        young = [w for w in writes if w["at"] >= cutoff.isoformat(timespec="seconds")]
        kept = (young or writes[-1:])[-max(1, self.backup.keep) :]
        for old in writes:
            if old not in kept:
                with contextlib.suppress(OSError):
                    (self.backup_dir / old["backup"]).unlink()
        self._save_index(kept)

    def undo(self, force: bool = False) -> str:
        """Restore the version before the tool's last write; return the backup's name."""
        writes = self._load_index()
        if not writes:
            raise SourceError(f"{self.path.name}: no write by clientbase to undo")
        if lock_files(self.path):
            raise SourceLockedError(f"{self.path.name} is open; close it and try again")
        last = writes[-1]
        current = file_version(self.path)
        edited = _content_hash(current) != last["written"]
        if edited and not force:
            raise ConflictError(
                f"{self.path.name} was edited after clientbase's last write; undo would "
                "lose those edits (use --force: the current file is backed up first)"
            )
        source = self.backup_dir / last["backup"]
        if not source.exists():
            raise SourceError(f"{self.path.name}: backup {source.name} is missing")
        tmp = temp_path(self.path, "undo")
        try:
            shutil.copy2(source, tmp)
            hide(tmp)
            with tmp.open("rb") as fh:
                os.fsync(fh.fileno())
            swapped = swap_in(self.path, tmp, current, self.write_hook)
            _fsync_dir(self.path.parent)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise WriteError(f"{self.path.name}: undo failed ({exc.strerror})") from exc
        if swapped.status == "conflict":
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise ConflictError(notice("undo.conflict", self.language, self._p()))
        assert swapped.replaced is not None
        if edited:  # the staff's edits that undo replaced
            self._keep_as_backup(swapped.replaced, tag="-before-undo")
        else:  # the tool's own write: it can be made again
            with contextlib.suppress(OSError):
                swapped.replaced.unlink()
        self._save_index(writes[:-1])
        return source.name


def _verify(tmp: Path, shown_name: str, written: Sequence[str]) -> None:
    """The temp file must be a complete package that calamine can open, and every part the
    writer produced (``written``) must inflate to its checksum. Parts copied verbatim from the
    source are the source's bytes; checking them again would only cost time."""
    from python_calamine import CalamineWorkbook

    def check(info: zipfile.ZipInfo) -> None:
        with tmp.open("rb") as fh:
            inflate_entry(fh, info)  # checks size and CRC-32

    try:
        sniff_package(tmp)
        with zipfile.ZipFile(tmp) as zf:
            infos = [zf.NameToInfo[n] for n in written if n in zf.NameToInfo]  # else removed
        # the big sheets in two threads: inflating runs outside the GIL
        infos.sort(key=lambda i: i.file_size, reverse=True)
        with ThreadPoolExecutor(max_workers=2) as pool:
            for done in [pool.submit(check, info) for info in infos]:
                done.result()
        workbook = CalamineWorkbook.from_path(str(tmp))
        workbook.close()
    except WriteError:
        raise
    except zipfile.BadZipFile as exc:
        raise WriteError(
            f"{shown_name}: a written part is corrupt ({exc}); nothing written"
        ) from exc
    except Exception as exc:
        raise WriteError(
            f"{shown_name}: the written file does not read back; nothing was written"
        ) from exc


class _Inflating:
    """Sheets' parts being inflated by a background thread (see ``prepare_write``). What it
    cannot read (a damaged or changing file) is simply missing: the writer reads it itself,
    and says what is wrong."""

    def __init__(self, path: Path, sheets: list[str]) -> None:
        self._found: Inflated = {}
        self._thread = threading.Thread(
            target=self._inflate, args=(path, sheets), name="clientbase-prepare", daemon=True
        )
        self._thread.start()

    def _inflate(self, path: Path, sheets: list[str]) -> None:
        with contextlib.suppress(Exception), zipfile.ZipFile(path) as zf, path.open("rb") as fh:
            parts = sheet_parts(zf)
            for sheet in sheets:
                part = parts.get(sheet)
                if part is not None and part in zf.NameToInfo:
                    info = zf.NameToInfo[part]
                    self._found[part] = (part_key(info), inflate_entry(fh, info))

    def result(self) -> Inflated:
        self._thread.join()
        return self._found


def _fsync_dir(folder: Path) -> None:
    # The rename is durable only once the directory entry is on disk (POSIX).
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
