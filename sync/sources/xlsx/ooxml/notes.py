"""Legacy notes (``xl/commentsN.xml`` + the sheet's VML drawing) owned by the tool.

A note is the tool's when its author is the tool's author name; every other note (staff's,
and the placeholders Excel 365 keeps for threaded comments) is never changed. The VML drawing
may also hold form-control buttons: it is edited as text, removing only the note shapes of
cells whose tool note goes away and appending new ones, so every other shape keeps its bytes.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from lxml import etree

from sync.core.messages import is_problem_note
from sync.core.model import column_letters
from sync.errors import SourceError
from sync.sources.xlsx.ooxml.cells import column_number, excel_text
from sync.sources.xlsx.xmltext import escape
from sync.speed import incremental

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_Q = f"{{{NS}}}"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_VML_NS = {
    b"v": b"urn:schemas-microsoft-com:vml",
    b"o": b"urn:schemas-microsoft-com:office:office",
    b"x": b"urn:schemas-microsoft-com:office:excel",
}
_SHAPE = re.compile(rb"<v:shape\b.*?</v:shape>", re.S)
_SHAPE_ID = re.compile(rb"_x0000_s(\d+)")
_IDMAP = re.compile(rb'(<o:idmap\b[^>]*\bdata=")([^"]*)(")')
_ROW = re.compile(rb"<x:Row>\s*(\d+)\s*</x:Row>")
_COL = re.compile(rb"<x:Column>\s*(\d+)\s*</x:Column>")
_REF = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")
_BLOCK = 1024  # shape ids per <o:idmap> block

_SHAPETYPE = (
    b'<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202"'
    b' path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
    b'<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
)


@dataclass(slots=True)
class NoteStats:
    notes_set: int = 0
    notes_removed: int = 0
    notes_skipped: int = 0
    added: list[tuple[int, int]] = field(default_factory=list)  # 1-based (row, col)
    removed: set[tuple[int, int]] = field(default_factory=set)


Cell = tuple[int, int]
E = TypeVar("E")


@dataclass(slots=True)
class NoteDecisions(Generic[E]):
    """What making the tool's notes exactly as planned does to a comments part (decided by
    :func:`decide_notes` for both editors: the tree one and the byte one)."""

    remove: list[tuple[Cell, E]] = field(default_factory=list)
    rewrite: list[tuple[E, str]] = field(default_factory=list)  # the tool's author and text
    same: list[tuple[E, str]] = field(default_factory=list)  # already as planned
    add: list[tuple[Cell, str]] = field(default_factory=list)  # in cell order
    skipped: list[Cell] = field(default_factory=list)  # planned where staff keep a note

    def stats(self) -> NoteStats:
        return NoteStats(
            notes_set=len(self.rewrite) + len(self.add),
            notes_removed=len(self.remove),
            notes_skipped=len(self.skipped),
            added=[cell for cell, _ in self.add],
            removed={cell for cell, _ in self.remove},
        )


def decide_notes(
    comments: Iterable[tuple[Cell | None, E]],
    wanted: dict[Cell, str],
    keep: set[Cell],
    recorded: frozenset[str],
    by_tool: Callable[[E], bool],
    text_of: Callable[[E], str],
    has_text: Callable[[E, str], bool],
) -> NoteDecisions[E]:
    """Which notes go, change, stay and come (texts as planned: :func:`note_text`).

    A note is the tool's when ``by_tool`` (its author is the tool's), or when its cell and
    text match ``recorded`` (LibreOffice drops note authors on save), or when it is nothing
    but problem messages the tool writes (openpyxl drops the record too); every other note is
    staff's and is never changed. ``keep``: cells whose note stays as it is."""
    existing: dict[Cell, E] = {}
    staff: set[Cell] = set()
    for cell, el in comments:
        if cell is None:
            continue
        if (
            by_tool(el)
            or (recorded and note_key(cell, text_of(el)) in recorded)
            or is_problem_note(text_of(el))
        ):
            existing[cell] = el
        else:
            staff.add(cell)
    planned: dict[str, str] = {}
    out: NoteDecisions[E] = NoteDecisions()
    for cell, el in existing.items():
        if cell in keep:
            continue
        text = wanted.get(cell)
        if text is None or cell in staff:
            out.remove.append((cell, el))
            continue
        now = planned_text(text, planned)
        if has_text(el, now) and by_tool(el):
            out.same.append((el, now))
        else:
            out.rewrite.append((el, now))
    for cell in sorted(wanted):
        if cell in existing or cell in keep:
            continue
        if cell in staff:
            out.skipped.append(cell)
            continue
        out.add.append((cell, planned_text(wanted[cell], planned)))
    return out


def planned_text(text: str, seen: dict[str, str]) -> str:
    """:func:`note_text` of a planned note, each text converted once per part (tens of
    thousands of notes share a few hundred texts)."""
    found = seen.get(text)
    if found is None:
        found = seen[text] = note_text(text)
    return found


def _parse_cell(ref: str) -> tuple[int, int] | None:
    m = _REF.match(ref)
    return (int(m.group(2)), column_number(m.group(1))) if m else None


def _cell(ref: str) -> tuple[int, int] | None:
    if not incremental.remembering_rows():
        return _parse_cell(ref)
    found = _CELLS.get(ref, _CELLS)
    if found is _CELLS:
        if len(_CELLS) > _MEMO_LIMIT:
            _CELLS.clear()
        found = _CELLS[ref] = _parse_cell(ref)
    return found  # type: ignore[return-value]


def _note_key(cell: tuple[int, int], text: str) -> str:
    return f"{_letters(cell[1])}{cell[0]}:{_text_digest(text)}"


@functools.lru_cache(maxsize=65536)  # tens of thousands of notes share a few hundred texts
def _text_digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()[:8]


@functools.lru_cache(maxsize=4096)
def _letters(col: int) -> str:
    return column_letters(col)


# Pure functions remembered while per-row memos are on (the daemon writes the same ~10^5 notes
# again after each edit): (cell, text) -> key, and planned text -> Excel's text.
_KEYS: dict[tuple[tuple[int, int], str], str] = {}
_TEXTS: dict[str, str] = {}
_CELLS: dict[str, object] = {}  # a comment's ref -> (row, col) or None
_MEMO_LIMIT = 400_000


def _clear_memos() -> None:
    _KEYS.clear()
    _TEXTS.clear()
    _CELLS.clear()


incremental.register(_clear_memos)


def note_key(cell: tuple[int, int], text: str) -> str:
    """``C5:1a2b3c4d`` — a tool note's cell and a hash of its text, as kept in the record."""
    if not incremental.remembering_rows():
        return _note_key(cell, text)
    found = _KEYS.get((cell, text))
    if found is None:
        if len(_KEYS) > _MEMO_LIMIT:
            _KEYS.clear()
        found = _KEYS[(cell, text)] = _note_key(cell, text)
    return found


def note_text(text: str) -> str:
    """:func:`excel_text` of a planned note (remembered like :func:`note_key`)."""
    if not incremental.remembering_rows():
        return excel_text(text)
    found = _TEXTS.get(text)
    if found is None:
        if len(_TEXTS) > _MEMO_LIMIT:
            _TEXTS.clear()
        found = _TEXTS[text] = excel_text(text)
    return found


_CR = {"\r": "&#13;"}


def text_element(text: str) -> str:
    """A note's ``<text>`` as the tool writes it: a carriage return as a reference (as lxml
    writes it), or a parser would read it back as a line feed."""
    return f'<text><t xml:space="preserve">{escape(text, _CR)}</t></text>'


def wanted_keys(wanted: dict[tuple[int, int], str]) -> set[str]:
    """The record's keys of the notes ``wanted`` (cell -> planned text)."""
    if not incremental.remembering_rows():
        return {_note_key(cell, excel_text(text)) for cell, text in wanted.items()}
    return {note_key(cell, note_text(text)) for cell, text in wanted.items()}


def _text_of(comment: etree._Element) -> str:
    return "".join(t.text or "" for t in comment.iter(f"{_Q}t"))


class FreshComments:
    """A new comments part for a sheet that has none: built as text, as a first pass on a big
    sheet adds tens of thousands of notes (same interface as :class:`CommentsPart`)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self._author = ""
        self._notes: dict[tuple[int, int], str] = {}

    def apply(
        self,
        wanted: dict[tuple[int, int], str],
        keep: set[tuple[int, int]],
        author: str,
        recorded: frozenset[str] = frozenset(),
    ) -> NoteStats:
        self._author = author
        planned: dict[str, str] = {}
        self._notes = {cell: planned_text(wanted[cell], planned) for cell in sorted(wanted)}
        return NoteStats(notes_set=len(self._notes), added=list(self._notes))

    def tool_notes(self, author: str) -> frozenset[str]:
        return frozenset(note_key(cell, text) for cell, text in self._notes.items())

    @property
    def notes(self) -> dict[tuple[int, int], str]:
        """The part's notes after :meth:`apply` (cell -> text as Excel keeps it)."""
        return self._notes

    @property
    def empty(self) -> bool:
        return not self._notes

    def to_bytes(self) -> bytes:
        escaped: dict[str, str] = {}
        parts = []
        for (r, c), text in self._notes.items():
            body = escaped.get(text)
            if body is None:
                body = escaped[text] = text_element(text)
            parts.append(f'<comment ref="{_letters(c)}{r}" authorId="0">{body}</comment>')
        comments = "".join(parts)
        return (
            "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
            f'<comments xmlns="{NS}"><authors><author>{escape(self._author)}</author></authors>'
            f"<commentList>{comments}</commentList></comments>"
        ).encode()


class CommentsPart:
    """A sheet's comments part (or a new, empty one)."""

    def __init__(self, data: bytes | None, label: str) -> None:
        self.label = label
        if data is None:
            self.root = etree.fromstring(f'<comments xmlns="{NS}"/>'.encode())
            etree.SubElement(self.root, f"{_Q}authors")
            etree.SubElement(self.root, f"{_Q}commentList")
        else:
            try:
                self.root = etree.fromstring(data, etree.XMLParser(huge_tree=True))
            except etree.XMLSyntaxError as exc:
                raise SourceError(f"{label}: the comments part is not valid XML") from exc
        authors = self.root.find(f"{_Q}authors")
        clist = self.root.find(f"{_Q}commentList")
        if authors is None or clist is None:
            raise SourceError(f"{label}: the comments part lacks authors or commentList")
        self.authors, self.clist = authors, clist
        # text of comments :meth:`apply` read or wrote (the elements are held here, so
        # iterating the list again yields these same objects)
        self._texts: dict[etree._Element, str] = {}

    def _author_id(self, author: str, create: bool) -> int | None:
        for i, el in enumerate(self.authors):
            if (el.text or "") == author:
                return i
        if not create:
            return None
        etree.SubElement(self.authors, f"{_Q}author").text = author
        return len(self.authors) - 1

    def apply(
        self,
        wanted: dict[tuple[int, int], str],
        keep: set[tuple[int, int]],
        author: str,
        recorded: frozenset[str] = frozenset(),
    ) -> NoteStats:
        """Make the tool's notes exactly ``wanted`` (plus ``keep``: cells to leave as they are;
        see :func:`decide_notes`)."""
        tool_id = self._author_id(author, create=False)
        tool = str(tool_id)
        decided = decide_notes(
            [(_cell(el.get("ref", "")), el) for el in self.clist],
            wanted,
            keep,
            recorded,
            lambda el: tool_id is not None and el.get("authorId") == tool,
            _text_of,
            lambda el, text: _text_of(el) == text,
        )
        for _, el in decided.remove:
            self.clist.remove(el)
        for el, text in decided.same:
            self._texts[el] = text
        for el, text in decided.rewrite:
            el.set("authorId", str(self._author_id(author, create=True)))
            self._set_text(el, text)
        for cell, text in decided.add:
            aid = self._author_id(author, create=True)
            el = etree.SubElement(
                self.clist, f"{_Q}comment", ref=f"{column_letters(cell[1])}{cell[0]}"
            )
            el.set("authorId", str(aid))
            self._set_text(el, text)
        return decided.stats()

    def tool_notes(self, author: str) -> frozenset[str]:
        """Keys of the tool's notes now in the part (for the record)."""
        tool_id = self._author_id(author, create=False)
        if tool_id is None:
            return frozenset()
        texts = self._texts
        return frozenset(
            note_key(cell, texts.get(el) or _text_of(el))
            for el in self.clist
            if el.get("authorId") == str(tool_id) and (cell := _cell(el.get("ref", "")))
        )

    def _set_text(self, el: etree._Element, text: str) -> None:
        """``el`` holds ``text`` (as planned: already :func:`note_text`) and nothing else."""
        for child in list(el):
            el.remove(child)
        t = etree.SubElement(etree.SubElement(el, f"{_Q}text"), f"{_Q}t")
        t.text = text
        t.set(_XML_SPACE, "preserve")
        self._texts[el] = text

    @property
    def empty(self) -> bool:
        return len(self.clist) == 0

    def to_bytes(self) -> bytes:
        return etree.tostring(self.root, xml_declaration=True, encoding="UTF-8", standalone=True)


def used_shape_space(vml_parts: list[bytes]) -> tuple[set[int], set[int]]:
    """Shape ids and idmap blocks already used anywhere in the workbook."""
    ids: set[int] = set()
    blocks: set[int] = set()
    for data in vml_parts:
        ids.update(int(x) for x in _SHAPE_ID.findall(data))
        for m in _IDMAP.finditer(data):
            blocks.update(int(b) for b in re.findall(rb"\d+", m.group(2)))
    blocks.update(i // _BLOCK for i in ids)
    return ids, blocks


class VmlPart:
    """A legacy VML drawing edited as text."""

    def __init__(self, data: bytes | None, label: str) -> None:
        self.label = label
        if data is None:
            ns = b" ".join(b"xmlns:" + k + b'="' + v + b'"' for k, v in _VML_NS.items())
            data = (
                b"<xml " + ns + b'>\n <o:shapelayout v:ext="edit">'
                b'<o:idmap v:ext="edit" data=""/></o:shapelayout>' + _SHAPETYPE + b"\n</xml>"
            )
        self.data = data
        self.original = data
        if self.data.rfind(b"</xml>") < 0:
            raise SourceError(f"{label}: the VML drawing is not closed")

    def remove_notes(self, cells: set[tuple[int, int]]) -> None:
        if not cells:
            return
        zero_based = {(r - 1, c - 1) for r, c in cells}

        def keep(m: re.Match[bytes]) -> bytes:
            shape = m.group(0)
            if b'ObjectType="Note"' not in shape:
                return shape
            row, col = _ROW.search(shape), _COL.search(shape)
            if row and col and (int(row.group(1)), int(col.group(1))) in zero_based:
                return b""
            return shape

        self.data = _SHAPE.sub(keep, self.data)

    def add_notes(self, cells: list[tuple[int, int]], used: set[int], blocks: set[int]) -> None:
        """Append a hidden note shape per cell, with ids unique in the workbook."""
        if not cells:
            return
        self._declare_namespaces()
        if b'id="_x0000_t202"' not in self.data:
            at = self._after_layout()
            self.data = self.data[:at] + _SHAPETYPE + self.data[at:]
        free = self._free_ids(self._blocks(), used, blocks)
        ids = [next(free) for _ in cells]
        shapes = b"".join(_note_shape(i, r, c) for i, (r, c) in zip(ids, cells, strict=True))
        at = self.data.rfind(b"</xml>")
        self.data = self.data[:at] + shapes + b"\n" + self.data[at:]

    def _free_ids(self, mine: list[int], used: set[int], blocks: set[int]) -> Iterator[int]:
        """Unused shape ids, ascending: first in this drawing's idmap blocks, then in new
        blocks claimed for it (ids are unique across the workbook)."""
        for block in list(mine):
            for i in range(block * _BLOCK + 1, (block + 1) * _BLOCK):
                if i not in used:
                    used.add(i)
                    yield i
        while True:
            block = 1
            while block in blocks:
                block += 1
            blocks.add(block)
            mine.append(block)
            self._set_blocks(mine)
            for i in range(block * _BLOCK + 1, (block + 1) * _BLOCK):
                if i not in used:
                    used.add(i)
                    yield i

    def _blocks(self) -> list[int]:
        m = _IDMAP.search(self.data)
        return [int(b) for b in re.findall(rb"\d+", m.group(2))] if m else []

    def _set_blocks(self, blocks: list[int]) -> None:
        value = ",".join(str(b) for b in blocks).encode()
        m = _IDMAP.search(self.data)
        if m is not None:
            self.data = self.data[: m.start(2)] + value + self.data[m.end(2) :]
            return
        layout = b'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="' + value + b'"/>'
        layout += b"</o:shapelayout>"
        at = self.data.find(b">", self.data.find(b"<xml")) + 1
        self.data = self.data[:at] + layout + self.data[at:]

    def _after_layout(self) -> int:
        end = self.data.find(b"</o:shapelayout>")
        if end >= 0:
            return end + len(b"</o:shapelayout>")
        return self.data.find(b">", self.data.find(b"<xml")) + 1

    def _declare_namespaces(self) -> None:
        start = self.data.find(b"<xml")
        end = self.data.find(b">", start)
        root = self.data[start:end]
        extra = b"".join(
            b" xmlns:" + k + b'="' + v + b'"'
            for k, v in _VML_NS.items()
            if b"xmlns:" + k not in root
        )
        if extra:
            self.data = self.data[:end] + extra + self.data[end:]

    @property
    def has_shapes(self) -> bool:
        return b"<v:shape " in self.data or b"<v:shape>" in self.data

    @property
    def changed(self) -> bool:
        return self.data != self.original


def _note_shape(shape_id: int, row: int, col: int) -> bytes:
    r, c = row - 1, col - 1
    anchor = f"{c + 1}, 15, {max(r - 1, 0)}, 10, {c + 3}, 15, {max(r - 1, 0) + 4}, 4"
    return (
        f'\n<v:shape id="_x0000_s{shape_id}" type="#_x0000_t202" style="position:absolute;'
        "margin-left:59.25pt;margin-top:1.5pt;width:180pt;height:80pt;z-index:1;"
        'visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto">'
        '<v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/>'
        '<v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto">'
        '<div style="text-align:left"></div></v:textbox>'
        '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
        f"<x:Anchor>{anchor}</x:Anchor><x:AutoFill>False</x:AutoFill>"
        f"<x:Row>{r}</x:Row><x:Column>{c}</x:Column></x:ClientData></v:shape>"
    ).encode()
