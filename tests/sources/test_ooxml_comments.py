"""The comments part edited as bytes decides exactly what the tree-based editor decides.

For random parts (the tool's notes and staff's, plain and rich text, entities, line ends,
several authors, self-closing comments, LibreOffice's missing authors) and random plans, both
editors must report the same counts and cells, keep the same record, and write parts that an
XML parser reads as the same notes; comments the byte editor did not change keep their bytes.
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from unittest.mock import patch
from xml.sax.saxutils import escape, quoteattr

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from sync.core.model import column_letters
from sync.sources.xlsx.ooxml import comments as ooxml_comments
from sync.sources.xlsx.ooxml.comments import CommentsBytes, NotesDone, notes_parts
from sync.sources.xlsx.ooxml.notes import NS, CommentsPart, _text_of, note_key, note_text
from sync.speed import incremental

TOOL = "clientbase"
XR = "http://schemas.microsoft.com/office/spreadsheetml/2014/revision"
CELLS = st.tuples(st.integers(1, 6), st.integers(1, 4))
TEXTS = st.text(alphabet="ab• &<>\"'\r\n\tяЁ_x", max_size=12)


def _t(text: str, style: str) -> str:
    if style == "plain":  # as the tool writes it
        return f'<text><t xml:space="preserve">{escape(text, {chr(13): "&#13;"})}</t></text>'
    if style == "raw":  # line ends as typed: a parser reads CR LF and CR as LF
        return f"<text><t>{escape(text)}</t></text>"
    half = len(text) // 2
    first, second = (escape(p, {"\r": "&#xD;"}) for p in (text[:half], text[half:]))
    return (
        f"<text><r><rPr><b/><sz val='9'/></rPr><t>{first}</t></r>"
        f'<r><t xml:space="preserve">{second}</t></r></text>'
    )


@st.composite
def parts(draw: st.DrawFn) -> tuple[bytes, list[tuple[tuple[int, int], str]]]:
    authors = draw(st.lists(st.sampled_from([TOOL, "Staff", "Иван & Co"]), unique=True))
    notes = draw(
        st.lists(
            st.tuples(
                CELLS,
                st.integers(-1, 3),
                TEXTS,
                st.sampled_from(["plain", "raw", "rich"]),
                st.booleans(),
            ),
            max_size=10,
        )
    )
    body = []
    truth = []
    for (row, col), author, text, style, extra in notes:
        ref = f"{column_letters(col)}{row}"
        attrs = f"ref={quoteattr(ref)}"
        if author >= 0:
            attrs += f' authorId="{author}"'
        if extra:
            attrs += ' shapeId="0" xr:uid="{00000000-0001-0000-0000-000000000000}"'
        if not text and style == "plain" and extra:
            body.append(f"<comment {attrs}/>")
        else:
            body.append(f"<comment {attrs}>{_t(text, style)}</comment>")
        truth.append(((row, col), text))
    sep = draw(st.sampled_from(["", "\n", "\r\n  "]))
    names = "".join(f"<author>{escape(a)}</author>" for a in authors)
    head = draw(
        st.sampled_from(
            [
                "",
                "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n",
                '<?xml version="1.0"?>',
            ]
        )
    )
    xml = (
        f'{head}<comments xmlns="{NS}" xmlns:xr="{XR}">'
        + (f"<authors>{names}</authors>" if authors else "<authors/>")
        + (f"<commentList>{sep}{sep.join(body)}{sep}</commentList>" if body else "<commentList/>")
        + "</comments>"
    )
    return xml.encode(), truth


def _read(data: bytes) -> tuple[list[str], list[tuple[str | None, str | None, str]]]:
    root = etree.fromstring(data)
    authors = [a.text or "" for a in root.iter(f"{{{NS}}}author")]
    clist = root.find(f"{{{NS}}}commentList")
    assert clist is not None
    notes = [(c.get("ref"), c.get("authorId"), _text_of(c)) for c in clist]
    return authors, notes


@settings(max_examples=300, deadline=None)
@given(
    parts(),
    st.dictionaries(CELLS, TEXTS, max_size=8),
    st.sets(CELLS, max_size=3),
    st.data(),
)
def test_bytes_editor_decides_as_the_tree_editor(
    part: tuple[bytes, list[tuple[tuple[int, int], str]]],
    wanted: dict[tuple[int, int], str],
    keep: set[tuple[int, int]],
    data: st.DataObject,
) -> None:
    xml, truth = part
    # the record may know some of the notes (LibreOffice dropped their author), and junk
    known = [note_key(cell, text.replace("\r\n", "\n").replace("\r", "\n")) for cell, text in truth]
    known += [note_key(cell, text) for cell, text in truth]
    recorded = frozenset(data.draw(st.lists(st.sampled_from(known), max_size=4)) if known else [])
    tree = CommentsPart(xml, "x")
    found = CommentsBytes.parse(xml)
    assert found is not None
    a = tree.apply(wanted, keep, TOOL, recorded)
    b = found.apply(wanted, keep, TOOL, recorded)
    assert (a.notes_set, a.notes_removed, a.notes_skipped) == (
        b.notes_set,
        b.notes_removed,
        b.notes_skipped,
    )
    assert a.added == b.added and a.removed == b.removed
    assert tree.tool_notes(TOOL) == found.tool_notes(TOOL)
    assert tree.empty == found.empty
    written = found.to_bytes()
    assert _read(tree.to_bytes()) == _read(written)
    # nothing to change: the very same bytes
    if not (b.notes_set or b.notes_removed):
        assert written == xml


def test_a_second_apply_of_the_same_notes_changes_nothing() -> None:
    wanted = {(2, 3): "• Неверный номер\r\nпроверьте", (5, 1): "a & b < c"}
    first = CommentsBytes.parse(
        f'<comments xmlns="{NS}"><authors/><commentList/></comments>'.encode()
    )
    assert first is not None
    stats = first.apply(wanted, set(), TOOL)
    assert stats.notes_set == 2 and stats.added == [(2, 3), (5, 1)]
    again = CommentsBytes.parse(first.to_bytes())
    assert again is not None
    stats = again.apply(wanted, set(), TOOL, first.tool_notes(TOOL))
    assert (stats.notes_set, stats.notes_removed) == (0, 0)
    assert again.to_bytes() == first.to_bytes()
    assert {text for _, _, text in _read(again.to_bytes())[1]} == {
        note_text(t) for t in wanted.values()
    }


def test_what_only_a_parser_reads_is_left_to_the_tree_editor() -> None:
    for odd in (
        f'<comments xmlns="{NS}"><authors/><commentList><comment ref="A1" authorId="0">'
        "<text><t><![CDATA[x]]></t></text></comment></commentList></comments>",
        f'<x:comments xmlns:x="{NS}"><x:authors/><x:commentList/></x:comments>',
        f'<?xml version="1.0" encoding="windows-1251"?><comments xmlns="{NS}"/>',
        f'<comments xmlns="{NS}"><authors/><commentList><comment ref="A1" authorId="0">'
        '<text><x xmlns="urn:other"><t>not a note</t></x></text></comment></commentList>'
        "</comments>",
    ):
        assert CommentsBytes.parse(odd.encode()) is None


# --------------------------------------------------------------------------- the daemon's case


def _notes(
    old: bytes | None, wanted: dict[tuple[int, int], str], recorded: frozenset[str]
) -> NotesDone:
    return notes_parts(
        old,
        lambda: None,
        "book.xlsx, sheet 'x'",
        wanted,
        set(),
        TOOL,
        recorded,
        lambda: (set(), set()),
    )


def _after(old: bytes | None, done: NotesDone) -> bytes | None:
    """The comments part in the file once ``done`` is written."""
    return done.comments if done.changed else old


CHANGED: Counter[str] = Counter()  # how the property test's second writes went (to look at)


@settings(max_examples=400, deadline=None)
@given(parts(), st.dictionaries(CELLS, TEXTS, max_size=8), st.data())
def test_a_write_after_the_tools_own_reads_only_the_changed_cells(
    part: tuple[bytes, list[tuple[tuple[int, int], str]]],
    wanted: dict[tuple[int, int], str],
    data: st.DataObject,
) -> None:
    """The daemon's next write of a part its last write left as it is: deciding only the
    cells whose planned note changed writes the very bytes, notes, counts and record that
    deciding every cell writes (staff's notes, LibreOffice's missing authors included)."""
    xml: bytes | None
    xml, truth = part
    known = [note_key(cell, text.replace("\r\n", "\n").replace("\r", "\n")) for cell, text in truth]
    recorded = frozenset(data.draw(st.lists(st.sampled_from(known), max_size=4)) if known else [])
    if data.draw(st.booleans()):
        xml, recorded = None, frozenset()  # the sheet had no notes: the first write makes them
    later = dict(wanted)
    for cell in data.draw(st.lists(CELLS, max_size=4)):
        text = data.draw(st.none() | TEXTS)
        if text is None:
            later.pop(cell, None)
        else:
            later[cell] = text
    incremental.remember_rows()
    try:
        incremental.clear()
        first = _notes(xml, wanted, recorded)
        now = _after(xml, first)
        with patch.object(ooxml_comments, "_changed_cells_only", _counted):
            changed = _notes(now, later, first.tool_notes)
        incremental.clear()
        whole = _notes(now, later, first.tool_notes)
    finally:
        incremental.remember_rows(False)
    assert changed == whole


def _counted(*args: Any) -> Any:
    found = _CHANGED_ONLY(*args)
    CHANGED["changed cells" if found is not None else "whole part"] += 1
    return found


_CHANGED_ONLY = ooxml_comments._changed_cells_only


def test_the_daemons_next_write_decides_the_changed_cells_alone() -> None:
    """200 tool notes and a staff note; one note changes, one goes, one comes: only those
    three cells' comments are read, and the part is what reading every comment gives."""
    wanted = {(row, 2): f"• Неверный телефон {row % 7}" for row in range(2, 202)}
    staff = '<comment ref="C5" authorId="1"><text><t>звонить утром</t></text></comment>'
    xml = (
        f'<comments xmlns="{NS}"><authors><author>{TOOL}</author><author>Staff</author>'
        f"</authors><commentList>{staff}</commentList></comments>"
    ).encode()
    incremental.remember_rows()
    try:
        incremental.clear()
        first = _notes(xml, wanted, frozenset())
        assert first.notes_set == 200
        now = first.comments
        assert now is not None
        later = dict(wanted)
        later[(7, 2)] = "• Неверный email"
        del later[(9, 2)]
        later[(300, 2)] = "• Нет телефона"
        later[(5, 3)] = "• на заметке сотрудника"  # staff keep theirs: skipped
        read: list[list[tuple[int, int]]] = []
        real = ooxml_comments.CommentsBytes.parse_cells

        def spy(data: bytes, cells: Any) -> Any:
            read.append(list(cells))
            return real(data, cells)

        with patch.object(ooxml_comments.CommentsBytes, "parse_cells", staticmethod(spy)):
            changed = _notes(now, later, first.tool_notes)
        assert read == [[(5, 3), (7, 2), (9, 2), (300, 2)]]
        assert (changed.notes_set, changed.notes_removed, changed.notes_skipped) == (2, 1, 1)
        incremental.clear()
        assert _notes(now, later, first.tool_notes) == changed
        assert changed.comments is not None and staff.encode() in changed.comments
    finally:
        incremental.remember_rows(False)


def test_the_notes_a_first_write_made_can_all_go_in_the_next() -> None:
    """A sheet without notes gets two (a new part); the next write plans none: the part goes,
    as when every comment is read."""
    wanted = {(2, 3): "• Неверный номер", (4, 1): "• Нет email"}
    incremental.remember_rows()
    try:
        incremental.clear()
        first = _notes(None, wanted, frozenset())
        assert first.comments is not None and first.notes_set == 2
        with patch.object(ooxml_comments, "_changed_cells_only", _counted):
            CHANGED.clear()
            emptied = _notes(first.comments, {}, first.tool_notes)
        assert CHANGED == {"changed cells": 1}
        assert (emptied.comments, emptied.notes_removed, emptied.tool_notes) == (
            None,
            2,
            frozenset(),
        )
        incremental.clear()
        assert _notes(first.comments, {}, first.tool_notes) == emptied
    finally:
        incremental.remember_rows(False)
