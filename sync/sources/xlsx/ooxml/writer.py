"""The surgical xlsx writer: apply a :class:`WritePlan` to a package, changing only what it must.

openpyxl's load/save drops what it does not model (shapes, form buttons, slicers, extensions),
so it is never the writer of record. This writer copies every zip entry it does not need to
change as its original compressed bytes, rewrites only the rows of a sheet that change, and
derives highlight styles from each cell's own style. Parts it may change: the edited sheets,
``xl/styles.xml``, the edited sheets' comments / VML / rels, its record part, and — only when a
tool sheet is added — ``workbook.xml``, its rels, ``[Content_Types].xml`` and
``docProps/app.xml``.

    write_plan(src, plan, dst) -> PackageWriteStats | None     (None: nothing to change)

Module map: ``ooxml_zip`` (container), ``ooxml_parts`` (rels, content types),
``ooxml_styles`` (highlight clones), ``ooxml_sheet`` (row rewriting), ``ooxml_notes``
(comments + VML), ``ooxml_toolsheet`` (Problems / Summary), ``ooxml_record`` (what is ours).
"""

from __future__ import annotations

import io
import os
import re
import zlib
from dataclasses import dataclass
from typing import BinaryIO

from lxml import etree

from sync.core.model import KEEP, CellEdit, SheetEdits, ToolSheet, WritePlan
from sync.errors import SheetNotFoundError, SourceError
from sync.sources.xlsx.ooxml.ahead import (
    Built,
    NotesAhead,
    NotesJob,
    PreparedToolSheets,
    ToolSheetsAhead,
    fork_usable,
)
from sync.sources.xlsx.ooxml.comments import NotesDone, notes_parts
from sync.sources.xlsx.ooxml.notes import (
    used_shape_space,
    wanted_keys,
)
from sync.sources.xlsx.ooxml.parts import (
    CT_COMMENTS,
    CT_CUSTOM_XML_PROPS,
    CT_VML,
    CT_WORKSHEET,
    REL_COMMENTS,
    REL_CUSTOM_XML,
    REL_CUSTOM_XML_PROPS,
    REL_SHARED,
    REL_STYLES,
    REL_VML,
    REL_WORKSHEET,
    ContentTypes,
    Rel,
    Rels,
    attrs_of,
    free_name,
    relative,
    rels_name,
    resolve,
    uses_date1904,
)
from sync.sources.xlsx.ooxml.record import Record, item_props_xml, parse_record, record_xml
from sync.sources.xlsx.ooxml.sheet import CellContext, SheetPart, SheetStats
from sync.sources.xlsx.ooxml.styles import StyleBook
from sync.sources.xlsx.ooxml.toolsheet import (
    add_app_title,
    add_sheet_entry,
    build_tool_sheet,
    check_sheet_name,
    edits_digest,
    resolve_styles,
    tool_sheet_digest,
)
from sync.sources.xlsx.ooxml.zip import Deflater, Inflated, Package, PartOut, write_package
from sync.sources.xlsx.xmltext import escape

__all__ = ["PackageWriteStats", "write_plan"]

_OFFICE_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b([^>]*?)/?>")
_MAX_ROW, _MAX_COL = 1_048_576, 16_384
_RECORD_PART = re.compile(r"customXml/item\d+\.xml")
_DEFLATE_AHEAD = 1 << 20  # parts this big are compressed in the background once final


@dataclass(frozen=True, slots=True)
class _NotesInput:
    """What editing a sheet's notes starts from (see :meth:`_Writer._notes_input`)."""

    rels_part: str
    rels: Rels  # the sheet's relationships, changed in place when parts are added / dropped
    found: list[Rel]  # its comments relationships
    comments_part: str | None
    wanted: dict[tuple[int, int], str]
    keep: set[tuple[int, int]]
    recorded: frozenset[str]


class _Digests:
    """The marks digest (``edits_digest``) of each staff sheet in the plan, made when first
    asked for: the first write of a sheet asks only at the end, and by then a notes worker
    may have made it."""

    def __init__(self, edits: tuple[SheetEdits, ...]) -> None:
        self._edits = {e.sheet: e for e in edits}
        self._made: dict[str, str] = {}

    def __getitem__(self, sheet: str) -> str:
        found = self._made.get(sheet)
        if found is None:
            found = self._made[sheet] = edits_digest(self._edits[sheet])
        return found

    def sheets(self) -> list[str]:
        return list(self._edits)

    def missing(self) -> list[SheetEdits]:
        return [e for sheet, e in self._edits.items() if sheet not in self._made]

    def adopt(self, made: dict[str, str]) -> None:
        for sheet, digest in made.items():
            if sheet in self._edits:
                self._made.setdefault(sheet, digest)


_PANDAS_UNNAMED = re.compile(r"Unnamed: \d+")


@dataclass(frozen=True, slots=True)
class PackageWriteStats:
    cells_changed: int
    fills_set: int
    fills_removed: int
    notes_set: int
    notes_removed: int
    parts_rewritten: tuple[str, ...]  # zip part names whose bytes changed / were added / removed
    notes_skipped: int = 0  # cells where a staff note already sits (ours is not added)
    # tool sheets known again by their header row: another program's save dropped the record
    recovered: tuple[str, ...] = ()


def write_plan(
    src: str | os.PathLike[str],
    plan: WritePlan,
    dst: BinaryIO,
    *,
    author: str = "clientbase",
    inflated: Inflated | None = None,
    tool_sheets: PreparedToolSheets | None = None,
) -> PackageWriteStats | None:
    """Apply ``plan`` to the workbook ``src`` and write the new package to ``dst``.

    Returns None, writing nothing, when the plan would change nothing. Raises SourceError
    (naming the file and the sheet or part) for a damaged or unsupported package.
    ``inflated``: parts of ``src`` decompressed beforehand (used where they still match);
    ``tool_sheets``: the plan's tool sheets being rendered already (used if they match).
    """
    with Package(src, inflated) as pkg:
        try:
            return _Writer(pkg, plan, author, tool_sheets).run(dst)
        except (etree.Error, UnicodeDecodeError, ValueError, IndexError, KeyError) as exc:
            if isinstance(exc, SourceError):
                raise
            raise SourceError(f"{pkg.label}: the workbook cannot be updated ({exc})") from exc


class _Writer:
    def __init__(
        self,
        pkg: Package,
        plan: WritePlan,
        author: str,
        prepared: PreparedToolSheets | None = None,
    ) -> None:
        self.prepared = prepared
        self.pkg = pkg
        self.plan = plan
        self.author = author
        self.out: dict[str, bytes] = {}  # part name -> new content
        self.removed: set[str] = set()
        self.stats = SheetStats()
        self.recovered: list[str] = []
        self.notes = [0, 0, 0]  # set, removed, skipped
        self.ct = ContentTypes(pkg.read(ContentTypes.NAME))
        self.workbook = self._workbook_part()
        self.wb_xml = pkg.read(self.workbook)
        self.wb_rels = Rels(self._maybe(rels_name(self.workbook)), f"{pkg.label}, workbook rels")
        self.sheets = self._sheets()
        self.date1904 = uses_date1904(self.wb_xml)
        styles = self._related(REL_STYLES)
        if styles is None:
            raise SourceError(f"{pkg.label}: the workbook has no styles part (unsupported writer)")
        self.styles_part = styles
        self.styles = StyleBook(pkg.read(styles), pkg.label)
        self.record_part, old_record = self._find_record()
        self.old_record_bytes = pkg.read(self.record_part) if self.record_part else None
        self.record = old_record or Record()
        # No record and no note of ours anywhere: the tool never wrote here, so nothing is ours
        # (a staff fill in a tool colour must not be taken for a highlight). Record lost (a
        # program that drops custom XML) or stale: recognise highlights by colour.
        clones = old_record.clones if old_record else (None if self._has_our_notes() else [])
        self.styles.load_record(clones, plan.tool_fills)
        info = pkg.info(styles)
        # what a row's rewrite depends on in the styles (``ooxml_rowmemo``)
        self.style_context = (styles, info.CRC, info.file_size, tuple(self.styles.records()))
        self._sst: list[str] | None = None
        self._shape_space: tuple[set[int], set[int]] | None = None
        self._deflater: Deflater | None = None
        # per sheet: its notes' input (None: nothing to do), made once
        self._note_inputs: dict[str, _NotesInput | None] = {}
        self._notes_ahead: NotesAhead | None = None

    # ----------------------------------------------------------------- reading the package

    def _maybe(self, name: str) -> bytes | None:
        return self.pkg.read(name) if self.pkg.has(name) else None

    def _workbook_part(self) -> str:
        root = Rels(self._maybe("_rels/.rels"), f"{self.pkg.label}, package rels")
        found = root.by_type(_OFFICE_DOC)
        if not found:
            raise SourceError(f"{self.pkg.label}: no workbook part in the package")
        return resolve("", found[0].target)

    def _sheets(self) -> dict[str, tuple[str, str]]:
        """Sheet name -> (part name, relationship type), in tab order."""
        out: dict[str, tuple[str, str]] = {}
        for m in _SHEET_TAG.finditer(self.wb_xml):
            a = attrs_of(m.group(1))
            rid = next((v for k, v in a.items() if k.endswith(":id")), None)
            rel = self.wb_rels.by_id(rid) if rid else None
            if "name" in a and rel is not None:
                out[a["name"]] = (resolve(self.workbook, rel.target), rel.type)
        return out

    def _related(self, rel_type: str) -> str | None:
        found = self.wb_rels.by_type(rel_type)
        return resolve(self.workbook, found[0].target) if found else None

    def _find_record(self) -> tuple[str | None, Record | None]:
        # By part name, not by relationship: LibreOffice keeps the part on save but moves its
        # relationship from the workbook to the package root.
        for info in self.pkg.infos:
            if _RECORD_PART.fullmatch(info.filename):
                record = parse_record(self.pkg.read(info.filename))
                if record is not None:
                    return info.filename, record
        return None, None

    def _has_our_notes(self) -> bool:
        needle = f"<author>{escape(self.author)}</author>".encode()
        return any(
            needle in self.pkg.read(i.filename)
            for i in self.pkg.infos
            if i.filename.startswith("xl/") and "comment" in i.filename.rsplit("/", 1)[-1]
        )

    def _shared(self, index: int) -> str | None:
        if self._sst is None:
            self._sst = []
            part = self._related(REL_SHARED)
            if part and self.pkg.has(part):
                ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
                root = etree.fromstring(self.pkg.read(part), etree.XMLParser(huge_tree=True))
                for si in root.iter(f"{ns}si"):
                    # phonetic runs (<rPh>) are not part of the value
                    texts = [t.text or "" for t in si.iter(f"{ns}t") if t.getparent() is si]
                    texts += [t.text or "" for r in si.iter(f"{ns}r") for t in r.iter(f"{ns}t")]
                    self._sst.append("".join(texts))
        return self._sst[index] if 0 <= index < len(self._sst) else None

    # ----------------------------------------------------------------- the pass

    def run(self, dst: BinaryIO) -> PackageWriteStats | None:
        with Deflater() as deflater:
            self._deflater = deflater
            return self._run(dst, deflater)

    def _run(self, dst: BinaryIO, deflater: Deflater) -> PackageWriteStats | None:
        self._check_tool_sheets()
        digests = _Digests(self.plan.edits)
        todo = [e for e in self.plan.edits if not self._unchanged_since_our_write(e, digests)]
        # before any thread of ours starts (prefetch, deflate): a forked worker may build the
        # tool sheets meanwhile, unless one forked before the write does already
        ahead: ToolSheetsAhead | PreparedToolSheets | None = None
        prepared = self.prepared
        if prepared is not None and prepared.matches(self.plan.tool_sheets, self.date1904):
            ahead = prepared
        elif prepared is not None:
            prepared.cancel()
        if ahead is None:
            ahead = ToolSheetsAhead.start(
                self.plan.tool_sheets,
                self.date1904,
                lambda sheet: tool_sheet_digest(sheet, self.date1904),
                self._tool_sheet_unchanged,
            )
        self._notes_ahead = self._start_notes(todo, digests)
        try:
            self.pkg.prefetch(self.sheets[e.sheet][0] for e in todo if e.sheet in self.sheets)
            for edits in todo:
                self._edit_sheet(edits)
                self._deflate_ahead(deflater)
            built = ahead.result() if ahead is not None else None
            if built is not None and len(built) != len(self.plan.tool_sheets):
                built = None
            for i, sheet in enumerate(self.plan.tool_sheets):
                self._write_tool_sheet(sheet, built[i] if built is not None else None)
                self._deflate_ahead(deflater)
        finally:
            if ahead is not None:
                ahead.cancel()
            if self._notes_ahead is not None:
                self._notes_ahead.cancel()
        if self.styles.dirty:
            self.out[self.styles_part] = self.styles.to_bytes()
        if self.ct.changed:
            self.out[ContentTypes.NAME] = self.ct.data
        if self.wb_rels.changed:
            self.out[rels_name(self.workbook)] = self.wb_rels.data
        changed = {n for n, d in self.out.items() if not self.pkg.has(n) or self.pkg.read(n) != d}
        self.out = {n: d for n, d in self.out.items() if n in changed}
        if not self.out and not self.removed:
            return None
        # Every package we write carries a record, even an empty one: "no record" then means
        # "never written by the tool" (or written and then stripped by another program).
        if self._notes_ahead is not None:
            digests.adopt(self._notes_ahead.digests())
        self._write_record(digests)
        if self.ct.changed:
            self.out[ContentTypes.NAME] = self.ct.data
        if self.wb_rels.changed:
            self.out[rels_name(self.workbook)] = self.wb_rels.data
        parts = [
            PartOut(i.filename, i, self.out.get(i.filename))
            for i in self.pkg.infos
            if i.filename not in self.removed
        ]
        parts += [PartOut(n, None, d) for n, d in self.out.items() if not self.pkg.has(n)]
        for name, data in self.out.items():
            deflater.submit(name, data)
        write_package(dst, parts, self.pkg, deflater)
        return PackageWriteStats(
            cells_changed=self.stats.cells_changed,
            fills_set=self.stats.fills_set,
            fills_removed=self.stats.fills_removed,
            notes_set=self.notes[0],
            notes_removed=self.notes[1],
            parts_rewritten=tuple(sorted(set(self.out) | self.removed)),
            notes_skipped=self.notes[2],
            recovered=tuple(self.recovered),
        )

    def _deflate_ahead(self, deflater: Deflater) -> None:
        """Big parts are final once written here: compress them while the rest is built."""
        for name, data in self.out.items():
            if len(data) > _DEFLATE_AHEAD:
                deflater.submit(name, data)

    def _check_tool_sheets(self) -> None:
        for sheet in self.plan.tool_sheets:
            check_sheet_name(sheet.name, self.pkg.label)
            if sheet.name in self.sheets and sheet.name not in self.record.tool_sheets:
                # openpyxl, pandas and LibreOffice's .xlsx export drop the tool's record (a
                # custom XML part): a sheet whose header row is the one the tool writes there
                # is the tool's, and staff typed nothing above it
                if not self._header_is_ours(sheet):
                    raise SourceError(
                        f"{self.pkg.label}: a sheet named '{sheet.name}' exists and is not the "
                        "tool's; rename it, or choose another name for the tool's sheet"
                    )
                self.record.tool_sheets.add(sheet.name)
                self.recovered.append(sheet.name)

    def _header_is_ours(self, sheet: ToolSheet) -> bool:
        """The sheet's first row holds exactly the texts of the tool's first row for it."""
        part, _ = self.sheets[sheet.name]
        if not sheet.rows or not self.pkg.has(part):
            return False
        ours = [str(v) for v in sheet.rows[0] if v is not None]
        # pandas writes its own names for the columns of an empty header cell back
        theirs = [t for t in self._first_row_texts(part) if not _PANDAS_UNNAMED.fullmatch(t)]
        return bool(ours) and theirs == ours

    def _first_row_texts(self, part: str) -> list[str]:
        """The non-empty cells of a sheet part's first row, as text (shared strings looked
        up), in column order; the part is parsed only up to that row."""
        ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
        texts: list[str] = []
        for _, row in etree.iterparse(io.BytesIO(self.pkg.read(part)), tag=f"{ns}row"):
            for c in row.iter(f"{ns}c"):
                kind, value = c.get("t"), c.find(f"{ns}v")
                if kind == "inlineStr":
                    text: str | None = "".join(t.text or "" for t in c.iter(f"{ns}t"))
                elif value is None or value.text is None:
                    text = None
                elif kind == "s":
                    text = self._shared(int(value.text))
                else:
                    text = value.text
                if text:
                    texts.append(text)
            break
        return texts

    def _edit_sheet(self, edits: SheetEdits) -> None:
        found = self.sheets.get(edits.sheet)
        if found is None:
            if edits.cells:
                raise SheetNotFoundError(f"{self.pkg.label}: no sheet named '{edits.sheet}'")
            return
        part, rel_type = found
        label = f"{self.pkg.label}, sheet '{edits.sheet}'"
        if rel_type != REL_WORKSHEET:
            raise SourceError(f"{label}: not a worksheet (a chart or dialog sheet)")
        by_row: dict[int, dict[int, CellEdit]] = {}
        for e in edits.cells:
            if not (1 <= e.row <= _MAX_ROW and 1 <= e.col <= _MAX_COL):
                raise SourceError(f"{label}: cell ({e.row}, {e.col}) is outside the sheet")
            by_row.setdefault(e.row, {})[e.col] = e
        original = self.pkg.read(part)
        sheet = SheetPart(original, label)
        ctx = CellContext(self.styles, self.date1904, self._shared, label, SheetStats())
        sheet.apply(by_row, ctx, (part, self.style_context, self.date1904))
        sheet.widen_dimension(ctx.stats)
        notes = self._notes_input(edits, part, label)
        if (
            self._deflater
            and sheet.data is not original
            and len(sheet.data) > _DEFLATE_AHEAD
            and not (notes and notes.wanted and sheet.legacy_drawing_id() is None)
        ):
            # compressed while the notes are edited. Not when the notes will give the sheet
            # its legacy drawing: the sheet's final bytes are compressed once they are known.
            self._deflater.submit(part, sheet.data)
        for name in ("cells_changed", "fills_set", "fills_removed"):
            setattr(self.stats, name, getattr(self.stats, name) + getattr(ctx.stats, name))
        self._edit_notes(edits, part, sheet, label)
        if sheet.data != self.pkg.read(part):
            self.out[part] = sheet.data

    def _notes_input(self, edits: SheetEdits, part: str, label: str) -> _NotesInput | None:
        """What editing ``part``'s notes starts from; None when there is nothing to do."""
        if edits.sheet in self._note_inputs:
            return self._note_inputs[edits.sheet]
        self._note_inputs[edits.sheet] = found = self._new_notes_input(edits, part, label)
        return found

    def _new_notes_input(self, edits: SheetEdits, part: str, label: str) -> _NotesInput | None:
        wanted = {(e.row, e.col): e.note for e in edits.cells if isinstance(e.note, str)}
        rels_part = rels_name(part)
        rels = Rels(self._maybe(rels_part), f"{label} rels")
        found = rels.by_type(REL_COMMENTS)
        comments_part = resolve(part, found[0].target) if found else None
        # notes to leave as they are matter only where notes exist
        keep = {(e.row, e.col) for e in edits.cells if e.note is KEEP} if comments_part else set()
        if comments_part is None and not wanted:
            self.record.notes.pop(edits.sheet, None)
            return None  # no notes there and none wanted: nothing to do
        recorded = self.record.notes.get(edits.sheet, frozenset())
        if (
            comments_part
            and not keep
            and len(wanted) == len(recorded)  # (a note more or fewer: no keys to make)
            and self._notes_as_we_left_them(edits.sheet, part, rels)
            and wanted_keys(wanted) == recorded
        ):
            return None  # the same notes as our last write, in parts nobody touched since
        return _NotesInput(rels_part, rels, found, comments_part, wanted, keep, recorded)

    def _start_notes(self, todo: list[SheetEdits], digests: _Digests) -> NotesAhead | None:
        """A worker making the notes parts while the rows are rewritten — only when every
        sheet whose notes change has no VML drawing yet (the first write of notes). It makes
        the digests not made yet too."""
        if not fork_usable():
            return None
        jobs = []
        for edits in todo:
            found = self.sheets.get(edits.sheet)
            if found is None or found[1] != REL_WORKSHEET:
                continue
            label = f"{self.pkg.label}, sheet '{edits.sheet}'"
            notes = self._notes_input(edits, found[0], label)
            if notes is None:
                continue
            if notes.rels.by_type(REL_VML):
                return None
            old = self._maybe(notes.comments_part) if notes.comments_part else None
            jobs.append(NotesJob(edits.sheet, label, old, notes.wanted, notes.keep, notes.recorded))
        if not jobs:
            return None
        return NotesAhead.start(jobs, self.author, self._shapes(), digests.missing())

    def _edit_notes(self, edits: SheetEdits, part: str, sheet: SheetPart, label: str) -> None:
        notes = self._notes_input(edits, part, label)
        if notes is None:
            return
        rels = notes.rels
        vml_rid = sheet.legacy_drawing_id()
        vml_rel = rels.by_id(vml_rid) if vml_rid else None
        vml_part = resolve(part, vml_rel.target) if vml_rel else None
        ahead = self._notes_ahead
        done = ahead.result(edits.sheet) if ahead is not None else None
        if done is None and ahead is not None and not ahead.failed():
            raise SourceError(f"{label}: the notes were not made")  # a bug, not bad input
        if done is None:
            old = self._maybe(notes.comments_part) if notes.comments_part else None
            done = notes_parts(
                old,
                lambda: self._maybe(vml_part) if vml_part else None,
                label,
                notes.wanted,
                notes.keep,
                self.author,
                notes.recorded,
                self._shapes,
            )
        self._put_notes(edits.sheet, part, sheet, notes, done, vml_rid, vml_part)

    def _put_notes(
        self,
        sheet_name: str,
        part: str,
        sheet: SheetPart,
        notes: _NotesInput,
        done: NotesDone,
        vml_rid: str | None,
        vml_part: str | None,
    ) -> None:
        """Put a sheet's new notes parts in the package (and drop emptied ones)."""
        self.record.notes[sheet_name] = done.tool_notes
        self.notes[2] += done.notes_skipped
        if not done.changed:
            return
        self.notes[0] += done.notes_set
        self.notes[1] += done.notes_removed
        rels, comments_part, found = notes.rels, notes.comments_part, notes.found
        # comments part
        if done.comments is None:
            if comments_part and found:
                self._drop(comments_part, rels, found[0].id)
        else:
            if comments_part is None:
                comments_part = free_name(self._names(), "xl/comments{}.xml")
                rels.add(REL_COMMENTS, relative(part, comments_part))
                self.ct.ensure(comments_part, CT_COMMENTS)
            self.out[comments_part] = done.comments
        # VML drawing
        if done.vml is None:
            if vml_part and vml_rid:
                self._drop(vml_part, rels, vml_rid)
                sheet.set_legacy_drawing(None)
        elif vml_part is None:
            vml_part = free_name(self._names(), "xl/drawings/vmlDrawing{}.vml")
            rid = rels.add(REL_VML, relative(part, vml_part))
            self.ct.ensure_default("vml", CT_VML)
            sheet.set_legacy_drawing(rid)
            self.out[vml_part] = done.vml
        elif done.vml_changed:
            self.out[vml_part] = done.vml
        if rels.changed:
            self.out[notes.rels_part] = rels.data

    def _drop(self, name: str, rels: Rels, rel_id: str) -> None:
        rels.remove(rel_id)
        self.ct.drop(name)
        self.out.pop(name, None)
        if self.pkg.has(name):
            self.removed.add(name)

    def _names(self) -> set[str]:
        return {i.filename for i in self.pkg.infos} | set(self.out)

    def _shapes(self) -> tuple[set[int], set[int]]:
        if self._shape_space is None:
            vml = [self.pkg.read(i.filename) for i in self.pkg.infos if i.filename.endswith(".vml")]
            self._shape_space = used_shape_space(vml)
        return self._shape_space

    # ----------------------------------------------------------------- tool sheets, record

    def _tool_sheet_unchanged(self, sheet: ToolSheet, digest: str) -> bool:
        """Same content as our last write, and nobody touched the part (reads memory only:
        also called in the worker of :class:`ToolSheetsAhead`)."""
        found = self.sheets.get(sheet.name)
        if found is None or not self.pkg.has(found[0]):
            return False
        unchanged = f"{digest}:{self.pkg.info(found[0]).CRC:08x}"
        return self.record.sheet_digests.get(sheet.name) == unchanged

    def _write_tool_sheet(self, sheet: ToolSheet, built: Built | None = None) -> None:
        """Write a tool sheet unless it is as our last write left it; ``built``: rendered by
        a worker (without XML: the worker found it unchanged)."""
        digest, unstyled, keys = built or (tool_sheet_digest(sheet, self.date1904), None, [])
        if (built is not None and unstyled is None) or self._tool_sheet_unchanged(sheet, digest):
            return
        xml = (
            resolve_styles(unstyled, keys, self.styles)
            if unstyled is not None
            else build_tool_sheet(sheet, self.styles, self.date1904)
        )
        self.record.sheet_digests[sheet.name] = f"{digest}:{zlib.crc32(xml):08x}"
        if sheet.name in self.sheets:
            part, _ = self.sheets[sheet.name]
            self.out[part] = xml
            return
        part = free_name(self._names(), "xl/worksheets/sheet{}.xml")
        rid = self.wb_rels.add(REL_WORKSHEET, relative(self.workbook, part))
        self.wb_xml = add_sheet_entry(self.wb_xml, sheet.name, rid, self.pkg.label)
        self.out[self.workbook] = self.wb_xml
        self.ct.ensure(part, CT_WORKSHEET)
        self.out[part] = xml
        self.sheets[sheet.name] = (part, REL_WORKSHEET)
        self.record.tool_sheets.add(sheet.name)
        app = self._maybe("docProps/app.xml")
        new_app = add_app_title(app, sheet.name) if app else None
        if new_app is not None:
            self.out["docProps/app.xml"] = new_app

    # ----------------------------------------------------------------- the no-op fast path

    def _crc(self, name: str | None, after: bool) -> str:
        if name is None:
            return "-"
        if after and name in self.out:
            data = self.out[name]
            crc = self._deflater.crc(name, data) if self._deflater else zlib.crc32(data)
            return f"{crc:08x}"
        if (after and name in self.removed) or not self.pkg.has(name):
            return "-"
        return f"{self.pkg.info(name).CRC:08x}"

    def _state(self, part: str, after: bool) -> str:
        """CRC-32s of everything the result of editing ``part`` depends on besides the plan:
        the sheet, its relationships, notes and drawing, styles, shared strings, workbook."""
        rels_part = rels_name(part)
        data = self.out.get(rels_part) if after else None
        if data is None and self.pkg.has(rels_part) and not (after and rels_part in self.removed):
            data = self.pkg.read(rels_part)
        rels = Rels(data, "state")
        related = sorted(
            resolve(part, r.target) for t in (REL_COMMENTS, REL_VML) for r in rels.by_type(t)
        )
        names = [part, rels_part, self.styles_part, self._related(REL_SHARED), self.workbook]
        return ".".join(self._crc(n, after) for n in [*names, *related])

    def _note_state(self, part: str, rels: Rels, after: bool) -> str | None:
        """CRCs of a sheet's comments part and VML drawing (None without a comments part)."""
        comments = [resolve(part, r.target) for r in rels.by_type(REL_COMMENTS)]
        if not comments:
            return None
        vml = [resolve(part, r.target) for r in rels.by_type(REL_VML)]
        return f"{self._crc(comments[0], after)}:{self._crc(vml[0] if vml else None, after)}"

    def _notes_as_we_left_them(self, sheet: str, part: str, rels: Rels) -> bool:
        recorded = self.record.note_parts.get(sheet)
        return recorded is not None and recorded == self._note_state(part, rels, after=False)

    def _unchanged_since_our_write(self, edits: SheetEdits, digests: _Digests) -> bool:
        """The same plan as our last write, over parts nobody touched since: the result would
        be what is already there, so the sheet is not even decompressed."""
        found = self.sheets.get(edits.sheet)
        recorded = self.record.staff_digests.get(edits.sheet)
        if found is None or recorded is None:
            return False
        if any(e.value is not KEEP for e in edits.cells):
            return False  # a value to write: never skipped
        return recorded == f"{digests[edits.sheet]}:{self._state(found[0], after=False)}"

    def _write_record(self, digests: _Digests) -> None:
        staff = {
            sheet: f"{digests[sheet]}:{self._state(self.sheets[sheet][0], after=True)}"
            for sheet in digests.sheets()
            if sheet in self.sheets
        }
        tool = {k: v for k, v in self.record.sheet_digests.items() if k in self.record.tool_sheets}
        note_parts: dict[str, str] = {}
        for sheet in digests.sheets():
            if sheet not in self.sheets:
                continue
            part = self.sheets[sheet][0]
            rels_part = rels_name(part)
            data = self.out.get(rels_part)
            if data is None and self.pkg.has(rels_part) and rels_part not in self.removed:
                data = self.pkg.read(rels_part)
            state = self._note_state(part, Rels(data, "state"), after=True)
            if state is not None:
                note_parts[sheet] = state
        record = Record(
            self.styles.records(),
            self.record.tool_sheets,
            self.record.notes,
            tool,
            staff,
            note_parts,
        )
        data = record_xml(record)
        if data == self.old_record_bytes:
            return
        if self.record_part is None:
            names = self._names()
            n = 1
            while f"customXml/item{n}.xml" in names or f"customXml/itemProps{n}.xml" in names:
                n += 1
            self.record_part = f"customXml/item{n}.xml"
            props = f"customXml/itemProps{n}.xml"
            self.wb_rels.add(REL_CUSTOM_XML, relative(self.workbook, self.record_part))
            self.ct.ensure(self.record_part, "application/xml")
            self.ct.ensure(props, CT_CUSTOM_XML_PROPS)
            item_rels = Rels(None, "record rels")
            item_rels.add(REL_CUSTOM_XML_PROPS, relative(self.record_part, props))
            self.out[props] = item_props_xml()
            self.out[rels_name(self.record_part)] = item_rels.data
        self.out[self.record_part] = data
