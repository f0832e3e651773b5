"""A sheet's comments part edited as bytes: the daemon rewrites the tool's ~10^5 notes after
every save, and parsing the part into a tree, walking it and serialising it again took about
0.7 s per pass on a 100 000-row sheet.

:class:`CommentsBytes` does what :class:`ooxml_notes.CommentsPart` does (same interface, same
decisions: which notes are the tool's, which change, what the record keeps), but it finds the
``<comment>`` elements with regular expressions, reads a note's text only where it must, and
writes the part back with every comment it did not change byte for byte as it was. A part it
does not fully understand (a namespace prefix, CDATA, a DTD, an unknown entity, an encoding
other than UTF-8) is left to ``CommentsPart`` (:meth:`CommentsBytes.parse` returns None).
A property test checks both give the same notes, counts and record.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sync.core.model import column_letters
from sync.sources.xlsx.ooxml.notes import (
    Cell,
    CommentsPart,
    FreshComments,
    NoteStats,
    VmlPart,
    _cell,
    decide_notes,
    note_key,
    text_element,
)
from sync.sources.xlsx.xmltext import escape
from sync.speed import incremental
from sync.speed.incremental import RECENT_SLOTS

_DECL = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*(?:<\?xml\b[^>]*\?>)?\s*")
_ENCODING = re.compile(rb"""\bencoding\s*=\s*["']([^"']*)["']""")
_ROOT = re.compile(rb"<comments\b[^>]*>")
_AUTHORS = re.compile(rb"<authors\s*/>|<authors\b[^>]*>(.*?)</authors\s*>", re.S)
_AUTHOR = re.compile(rb"<author\s*/>|<author\b[^>]*>(.*?)</author\s*>", re.S)
_LIST = re.compile(rb"<commentList\s*/>|<commentList\b[^>]*>", re.S)
_LIST_END = b"</commentList>"
# the start tag as the tool and Excel write it: ref and authorId first, plain values
_USUAL = re.compile(rb' ref="([A-Z]{1,3}[0-9]{1,7})" authorId="([0-9]{1,4})"')
_ATTR = re.compile(rb"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_T = re.compile(rb"<t(?=[\s/>])[^>]*?(?:/>|>(.*?)</t\s*>)", re.S)
_ENTITY = re.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+|amp|lt|gt|quot|apos);")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
# what only a full XML parser handles: markup declarations, CDATA, comments, prefixed names
_UNSUPPORTED = re.compile(rb"<!|<\w+:(?:comment|t|text|author)\b")


def edit_comments(
    old: bytes | None,
    label: str,
    wanted: dict[tuple[int, int], str],
    keep: set[tuple[int, int]],
    author: str,
    recorded: frozenset[str],
) -> tuple[FreshComments | CommentsBytes | CommentsPart, NoteStats]:
    """A sheet's notes part (``old``; None: the sheet has none) with the tool's notes made
    exactly ``wanted``: its editor, to write it out, and what changed. The byte editor where
    it can; the tree editor for a part, or a note, only an XML parser reads right."""
    if old is None:
        fresh = FreshComments(label)
        return fresh, fresh.apply(wanted, keep, author, recorded)
    if not keep and incremental.remembering_rows():
        changed = _changed_cells_only(old, label, wanted, author, recorded)
        if changed is not None:
            return changed
    found = CommentsBytes.parse(old)
    if found is not None:
        try:
            return found, found.apply(wanted, keep, author, recorded)
        except UnsureText:
            pass
    tree = CommentsPart(old, label)
    return tree, tree.apply(wanted, keep, author, recorded)


@dataclass(frozen=True, slots=True)
class NotesDone:
    """A sheet's notes parts with the tool's notes made as planned (:func:`notes_parts`)."""

    tool_notes: frozenset[str]  # the record's keys of the tool's notes now in the part
    notes_set: int
    notes_removed: int
    notes_skipped: int
    comments: bytes | None  # the new comments part; None: it is left without comments
    vml: bytes | None  # the new VML drawing; None: it is left without shapes
    vml_changed: bool

    @property
    def changed(self) -> bool:
        return bool(self.notes_set or self.notes_removed)


def notes_parts(
    old_comments: bytes | None,
    old_vml: Callable[[], bytes | None],
    label: str,
    wanted: dict[tuple[int, int], str],
    keep: set[tuple[int, int]],
    author: str,
    recorded: frozenset[str],
    shapes: Callable[[], tuple[set[int], set[int]]],
) -> NotesDone:
    """A sheet's comments part and VML drawing (``old_comments``, ``old_vml()``; None: none
    yet) with the tool's notes exactly ``wanted``. ``shapes()`` gives the workbook's shape
    ids in use (the sets are updated with the ids given to new notes). Both are asked only
    when a note changes."""
    comments, stats = edit_comments(old_comments, label, wanted, keep, author, recorded)
    tool = comments.tool_notes(author)
    done = NotesDone(
        tool, stats.notes_set, stats.notes_removed, stats.notes_skipped, None, None, False
    )
    if not done.changed:
        _remember(label, old_comments, comments, wanted, keep, author, tool)
        return done
    vml = VmlPart(old_vml(), label)
    vml.remove_notes(stats.removed)
    used, blocks = shapes()
    vml.add_notes(stats.added, used, blocks)
    new_comments = None if comments.empty else comments.to_bytes()
    _remember(label, new_comments, comments, wanted, keep, author, tool)
    return NotesDone(
        tool,
        stats.notes_set,
        stats.notes_removed,
        stats.notes_skipped,
        new_comments,
        vml.data if vml.has_shapes else None,
        vml.changed,
    )


class UnsureText(Exception):
    """A note's text that only an XML parser can read (the caller uses ``CommentsPart``)."""


@dataclass(slots=True)
class _Comment:
    start: int  # span of the element in the part
    end: int
    attrs: bytes  # the start tag's attribute text
    body: bytes | None  # None: <comment/>
    cell: tuple[int, int] | None
    author_id: str | None


class CommentsBytes:
    """A comments part, edited in place (see the module docstring)."""

    def __init__(
        self,
        data: bytes,
        authors: list[str],
        authors_span: tuple[int, int, bool],
        list_span: tuple[int, int, bool],
        comments: list[_Comment],
    ) -> None:
        self.data = data
        self.authors = authors
        self._authors_span = authors_span  # (start, end, self-closing) of <authors>
        self._list_span = list_span  # (start of content, end of content, self-closing)
        self.comments = comments
        self._new_authors: list[str] = []
        self._replaced: dict[int, bytes] = {}  # index in comments -> new bytes (b"": removed)
        self._added: list[bytes] = []
        self._keys: frozenset[str] | None = None
        self._bodies: dict[str, bytes] = {}  # planned text -> its <text> element
        # comments in the whole part (``comments`` may be some of them: :func:`_changed_cells_only`)
        self.total = len(comments)
        self.skipped: frozenset[Cell] = frozenset()  # after apply(): planned cells staff keep

    @classmethod
    def parse(cls, data: bytes) -> CommentsBytes | None:
        """The part, or None when only an XML parser can be trusted with it."""
        return cls._parse(data, None)

    @classmethod
    def parse_cells(cls, data: bytes, cells: Iterable[Cell]) -> CommentsBytes | None:
        """The part with only the comments on ``cells`` in :attr:`comments` (found by their
        ``ref``, which must then come first in every comment); None as for :meth:`parse`."""
        return cls._parse(data, cells)

    @classmethod
    def _parse(cls, data: bytes, cells: Iterable[Cell] | None) -> CommentsBytes | None:
        head = _DECL.match(data)
        assert head is not None  # the pattern matches the empty string
        enc = _ENCODING.search(head.group(0))
        if enc is not None and enc.group(1).lower().replace(b"-", b"") != b"utf8":
            return None
        if _UNSUPPORTED.search(data) or data.count(b"xmlns=") > 1:
            return None  # (a second default namespace: a <t> there is not the sheet's)
        root = _ROOT.match(data, head.end())
        if root is None:
            return None
        authors_m = _AUTHORS.search(data, root.end())
        list_m = _LIST.search(data, root.end())
        if authors_m is None or list_m is None:
            return None
        authors: list[str] = []
        if authors_m.group(1) is not None:
            for a in _AUTHOR.finditer(authors_m.group(1)):
                text = _text(a.group(1) or b"")
                if text is None:
                    return None
                authors.append(text)
            inner_start, inner_end = authors_m.start(1), authors_m.end(1)
            authors_span = (inner_start, inner_end, False)
        else:
            authors_span = (authors_m.start(), authors_m.end(), True)
        comments: list[_Comment] | None = []
        if list_m.group(0).endswith(b"/>"):
            list_span = (list_m.start(), list_m.end(), True)
        else:
            end = data.find(_LIST_END, list_m.end())
            if end < 0:
                return None
            list_span = (list_m.end(), end, False)
            if cells is None:
                comments = _comments(data, list_m.end(), end)
            else:
                comments = _comments_on(data, list_m.end(), end, cells)
        if comments is None:
            return None
        return cls(data, authors, authors_span, list_span, comments)

    # ----------------------------------------------------------------- as CommentsPart

    def _author_id(self, author: str, create: bool) -> int | None:
        for i, name in enumerate([*self.authors, *self._new_authors]):
            if name == author:
                return i
        if not create:
            return None
        self._new_authors.append(author)
        return len(self.authors) + len(self._new_authors) - 1

    def apply(
        self,
        wanted: dict[tuple[int, int], str],
        keep: set[tuple[int, int]],
        author: str,
        recorded: frozenset[str] = frozenset(),
    ) -> NoteStats:
        """Make the tool's notes exactly ``wanted`` (plus ``keep``; see :func:`decide_notes`)."""
        tool_id = self._author_id(author, create=False)
        tool = str(tool_id)
        comments = self.comments
        texts: dict[int, str] = {}  # comment index -> its text, where it was read or is known

        def text_of(i: int) -> str:
            found = texts.get(i)
            if found is None:
                found = texts[i] = self._text_of(comments[i])
            return found

        decided = decide_notes(
            [(c.cell, i) for i, c in enumerate(comments)],
            wanted,
            keep,
            recorded,
            lambda i: tool_id is not None and comments[i].author_id == tool,
            text_of,
            lambda i, text: self._has_text(comments[i], text, texts.get(i)),
        )
        self.skipped = frozenset(decided.skipped)
        self.total += len(decided.add) - len(decided.remove)
        for _, i in decided.remove:
            self._replaced[i] = b""
        for i, text in decided.same:
            texts[i] = text
        for i, text in decided.rewrite:
            aid = self._author_id(author, create=True)
            self._replaced[i] = _rebuilt(comments[i], str(aid), self._body(text))
            texts[i] = text
        keys = []
        for cell, text in decided.add:
            aid = self._author_id(author, create=True)
            ref = f"{column_letters(cell[1])}{cell[0]}"
            start = f'<comment ref="{ref}" authorId="{aid}">'.encode()
            self._added.append(start + self._body(text) + _COMMENT_END)
            keys.append(note_key(cell, text))
        # the record's keys: every comment of the tool's author once the part is written
        final_id = self._author_id(author, create=False)
        if final_id is None:
            self._keys = frozenset()
            return decided.stats()
        final = str(final_id)
        rebuilt = {i for i, _ in decided.rewrite}
        for i, c in enumerate(comments):
            if c.cell is None or self._replaced.get(i) == b"":
                continue
            if i in rebuilt or c.author_id == final:
                keys.append(note_key(c.cell, text_of(i)))
        self._keys = frozenset(keys)
        return decided.stats()

    def tool_notes(self, author: str) -> frozenset[str]:
        """Keys of the tool's notes after :meth:`apply` (for the record)."""
        assert self._keys is not None, "apply() first"
        return self._keys

    @property
    def one_per_cell(self) -> bool:
        """No two of :attr:`comments` are on the same cell."""
        cells = [c.cell for c in self.comments if c.cell is not None]
        return len(set(cells)) == len(cells)

    @property
    def new_authors(self) -> bool:
        """Whether :meth:`apply` added an author to the part."""
        return bool(self._new_authors)

    def tool_notes_after(self, keys: frozenset[str]) -> None:
        """Set the keys of the whole part's tool notes (when :attr:`comments` are some)."""
        self._keys = keys

    @property
    def empty(self) -> bool:
        """No comment left after :meth:`apply`."""
        return self.total == 0

    def to_bytes(self) -> bytes:
        data = self.data
        edits: list[tuple[int, int, bytes]] = []
        if self._new_authors:
            names = b"".join(
                b"<author>" + escape(a).encode() + b"</author>" for a in self._new_authors
            )
            start, end, closed = self._authors_span
            if closed:
                edits.append((start, end, b"<authors>" + names + b"</authors>"))
            else:
                edits.append((end, end, names))
        for i, new in sorted(self._replaced.items()):
            c = self.comments[i]
            edits.append((c.start, c.end, new))
        if self._added:
            start, end, closed = self._list_span
            added = b"".join(self._added)
            if closed:
                edits.append((start, end, b"<commentList>" + added + _LIST_END))
            else:
                edits.append((end, end, added))
        edits.sort(key=lambda e: (e[0], e[1]))
        pieces: list[bytes] = []
        last = 0
        for start, end, new in edits:
            pieces += (data[last:start], new)
            last = end
        pieces.append(data[last:])
        return b"".join(pieces)

    # ----------------------------------------------------------------- texts

    def _body(self, text: str) -> bytes:
        """The ``<text>`` element of ``text`` as the tool writes it (built once per text)."""
        found = self._bodies.get(text)
        if found is None:
            found = self._bodies[text] = text_element(text).encode()
        return found

    def _text_of(self, c: _Comment) -> str:
        if c.body is None:
            return ""
        parts = [_text(m.group(1) or b"") for m in _T.finditer(c.body)]
        if any(p is None for p in parts):
            raise UnsureText(c.start)
        return "".join(p or "" for p in parts)

    def _has_text(self, c: _Comment, planned: str, known: str | None) -> bool:
        """Whether the comment's text is ``planned``: first by its bytes as the tool writes
        them (no text to decode), else by reading it."""
        if known is None and c.body is not None and c.body == self._body(planned):
            return True
        return (known if known is not None else self._text_of(c)) == planned


def _comments(data: bytes, start: int, end: int) -> list[_Comment] | None:
    """The ``<comment>`` elements between ``start`` and ``end`` (found by plain search: a
    comment holds no other ``<comment``, and ``<`` is escaped in text); None when anything
    else stands between them."""
    out: list[_Comment] = []
    pos = start
    find = data.find
    while True:
        at = find(b"<comment", pos, end)
        if at < 0:
            break
        if data[pos:at].strip():
            return None
        found = _comment_at(data, at, end)
        if found is None:
            return None
        out.append(found)
        pos = found.end
    if data[pos:end].strip():
        return None
    return out


def _comment_at(data: bytes, at: int, end: int) -> _Comment | None:
    """The ``<comment>`` element starting at ``at`` (and ending before ``end``)."""
    find = data.find
    tag_end = find(b">", at, end)
    if tag_end < 0 or data[at + 8 : at + 9] not in _AFTER_NAME:
        return None
    if data[tag_end - 1 : tag_end] == b"/":
        head, body, close = data[at + 8 : tag_end - 1], None, tag_end + 1
    else:
        stop = find(_COMMENT_END, tag_end, end)
        if stop < 0:
            return None
        head, body, close = (
            data[at + 8 : tag_end],
            data[tag_end + 1 : stop],
            stop + len(_COMMENT_END),
        )
    usual = _USUAL.match(head)
    if usual is not None:
        ref, author_id = usual.group(1).decode(), usual.group(2).decode()
    else:
        attrs = dict(_attrs(head))
        ref, author_id = attrs.get("ref", ""), attrs.get("authorId")
    return _Comment(at, close, head, body, _cell(ref), author_id)


def _comments_on(data: bytes, start: int, end: int, cells: Iterable[Cell]) -> list[_Comment] | None:
    """The ``<comment>`` elements on ``cells`` between ``start`` and ``end``, in the part's
    order; None unless every comment of the part starts ``<comment ref="`` (then a search by
    ``ref`` finds them all)."""
    if data.count(b"<comment", start, end) != data.count(b'<comment ref="', start, end):
        return None
    out: list[_Comment] = []
    for row, col in cells:
        mark = f'<comment ref="{column_letters(col)}{row}"'.encode()
        at = data.find(mark, start, end)
        while at >= 0:
            found = _comment_at(data, at, end)
            if found is None:
                return None
            out.append(found)
            at = data.find(mark, found.end, end)
    out.sort(key=lambda c: c.start)
    return out


_COMMENT_END = b"</comment>"
_AFTER_NAME = (b" ", b"\t", b"\n", b"\r", b">", b"/")


def _attrs(text: bytes) -> list[tuple[str, str]]:
    out = []
    for m in _ATTR.finditer(text):
        raw = m.group(2) if m.group(2) is not None else m.group(3)
        out.append((m.group(1).decode("utf-8", "replace"), _text(raw) or ""))
    return out


def _text(raw: bytes) -> str | None:
    """Character data as an XML parser reports it (entities, line ends); None: not sure."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "<" in text:
        return None  # markup inside (a run we do not read this way)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "&" not in text:
        return text
    out = _ENTITY.sub(_entity, text)
    return None if "&" in _ENTITY.sub("", text) else out


def _entity(m: re.Match[str]) -> str:
    name = m.group(1)
    if name.startswith("#x"):
        return chr(int(name[2:], 16))
    if name.startswith("#"):
        return chr(int(name[1:]))
    return _NAMED[name]


_AUTHOR_ID = re.compile(rb"""(\sauthorId\s*=\s*)(?:"[^"]*"|'[^']*')""")


def _rebuilt(c: _Comment, author_id: str, body: bytes) -> bytes:
    """The comment with the tool's author and ``body`` (its ``<text>``), its other attributes
    kept."""
    attrs, n = _AUTHOR_ID.subn(
        lambda m: m.group(1) + b'"' + author_id.encode() + b'"', c.attrs, count=1
    )
    if not n:
        attrs = attrs.rstrip() + b' authorId="' + author_id.encode() + b'"'
    return b"<comment" + attrs.rstrip() + b">" + body + _COMMENT_END


# ------------------------------------------------------------------ the daemon's next write


@dataclass(frozen=True, slots=True)
class _Written:
    """A comments part as the tool's last write of it left it, and what that write made."""

    data: bytes
    wanted: dict[Cell, str]
    author: str
    tool_notes: frozenset[str]  # = the record's keys for the sheet after that write
    skipped: frozenset[Cell]
    total: int


_WRITTEN: dict[str, _Written] = {}  # by the sheet's label (workbook and sheet)
WRITTEN_LIMIT = 4 * RECENT_SLOTS  # sheets remembered; then the memo starts afresh
CHANGED_LIMIT = 2_000  # cells whose planned note changed; past that, the whole part is read


def _remember(
    label: str,
    data: bytes | None,
    editor: object,
    wanted: dict[Cell, str],
    keep: set[Cell],
    author: str,
    tool: frozenset[str],
) -> None:
    """Keep what this write made of a comments part, while per-row memos are on."""
    if not incremental.remembering_rows():
        return
    if isinstance(editor, FreshComments) and data is not None and not keep:
        # a new part (the first write of notes): the tool's notes alone, one per cell
        written = _Written(data, wanted, author, tool, frozenset(), len(editor.notes))
    elif (
        data is None
        or keep
        or not isinstance(editor, CommentsBytes)
        or editor.new_authors
        or not editor.one_per_cell
    ):
        # The next pass decides every cell. (A new author may be the one a dangling authorId
        # names, and of two notes on one cell a pass removes one: in both cases the next pass
        # finds notes to change on cells whose plan did not change.)
        _WRITTEN.pop(label, None)
        return
    else:
        written = _Written(data, wanted, author, tool, editor.skipped, editor.total)
    if len(_WRITTEN) >= WRITTEN_LIMIT and label not in _WRITTEN:
        _WRITTEN.clear()
    _WRITTEN[label] = written


incremental.register(_WRITTEN.clear)


def _changed_cells_only(
    old: bytes,
    label: str,
    wanted: dict[Cell, str],
    author: str,
    recorded: frozenset[str],
) -> tuple[CommentsBytes, NoteStats] | None:
    """The daemon's case: ``old`` is the part exactly as the tool's last write left it, and a
    few cells' planned notes changed since. Only the comments on those cells are read and
    decided; every other cell's note is already as planned (that write made it so, and
    nobody changed the part since). None when this does not apply."""
    last = _WRITTEN.get(label)
    if last is None or last.author != author or last.tool_notes != recorded or last.data != old:
        return None
    cells = {cell for cell, _ in wanted.items() ^ last.wanted.items()}
    if len(cells) > CHANGED_LIMIT:
        return None
    part = CommentsBytes.parse_cells(old, sorted(cells))
    if part is None or author not in part.authors:
        return None
    part.total = last.total
    try:
        stats = part.apply({c: wanted[c] for c in cells if c in wanted}, set(), author, recorded)
    except UnsureText:
        return None
    refs = {f"{column_letters(col)}{row}:" for row, col in cells}
    kept = {key for key in last.tool_notes if key[: key.index(":") + 1] not in refs}
    part.tool_notes_after(frozenset(kept | part.tool_notes(author)))
    part.skipped = (last.skipped - cells) | part.skipped
    stats.notes_skipped = len(part.skipped)
    return part, stats
