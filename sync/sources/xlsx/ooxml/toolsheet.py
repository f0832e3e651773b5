"""The tool's own sheets (Problems, Summary): built whole, and registered in the workbook.

Nothing of the staff's lives in these sheets, so they are generated from scratch; the output
is deterministic (same plan, same styles → same bytes) so that an unchanged pass writes nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import cast

from lxml import etree

from sync.core.model import CellValue, SheetEdits, ToolSheet, column_letters
from sync.errors import SourceError
from sync.sources.xlsx.ooxml.cells import encode_value
from sync.sources.xlsx.ooxml.styles import StyleBook
from sync.sources.xlsx.xmltext import escape, quoteattr
from sync.speed.incremental import RowMemos, register

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_BAD_NAME = re.compile(r"[\[\]:*?/\\]")
_VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
_EP = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"


def check_sheet_name(name: str, label: str) -> None:
    if not name or len(name) > 31 or _BAD_NAME.search(name) or name.strip("'") != name:
        raise SourceError(f"{label}: '{name}' cannot be a sheet name")


# Bump when the writer's output changes, so that sheets written before are redone.
_BUILDER_VERSION = 1


def tool_sheet_digest(sheet: ToolSheet, date1904: bool) -> str:
    """A fingerprint of everything :func:`build_tool_sheet` makes the sheet from."""
    rest = (
        sorted(sheet.links.items()),
        sorted(sheet.fills.items()),
        sheet.bold_rows,
        sheet.column_widths,
        sheet.autofilter,
    )
    # repr, not pickle: pickle's output depends on which equal strings share an object
    known = _known_rows(sheet)
    if known is None:
        text = repr((_BUILDER_VERSION, date1904, sheet.rows, *rest))
    else:  # the same text, the rows' parts remembered
        rows = ", ".join(row.text for row in known) + ("," if len(known) == 1 else "")
        tail = ", ".join(map(repr, rest))
        text = f"({_BUILDER_VERSION!r}, {date1904!r}, ({rows}), {tail})"
    digest = hashlib.sha1(text.encode("utf-8", "surrogatepass"), usedforsecurity=False)
    return digest.hexdigest()[:16]


def edits_digest(edits: SheetEdits) -> str:
    """A fingerprint of the marks (fills, notes) a staff sheet's part of the plan asks for.

    Values are left out: after a write they are in the sheet, and a plan that changes a value
    is never skipped anyway."""
    marks = [
        (e.row, e.col, e.fill, e.note)
        for e in edits.cells
        if e.fill is not None or e.note is not None
    ]
    text = repr((_BUILDER_VERSION, edits.sheet, marks)).encode("utf-8", "surrogatepass")
    return hashlib.sha1(text, usedforsecurity=False).hexdigest()[:16]


StyleKey = tuple[bool, int | None, str | None]  # (bold, number format, fill)


def style_for(styles: StyleBook, key: StyleKey) -> int:
    """The style index of a tool-sheet cell (created in ``styles`` on first use)."""
    bold, number_format, fill = key
    style = styles.bold() if bold else 0
    if number_format is not None:
        style = styles.with_number_format(style, number_format)
    if fill is not None:
        style = styles.clone(style, fill)
    return style


def build_tool_sheet(sheet: ToolSheet, styles: StyleBook, date1904: bool) -> bytes:
    """The worksheet XML of a tool sheet: values, bold header rows, fills, links, widths,
    first row frozen."""
    styled: dict[StyleKey, str] = {}

    def style_attr(key: StyleKey) -> str:
        found = styled.get(key)
        if found is None:
            style = style_for(styles, key)
            found = styled[key] = f' s="{style}"' if style else ""
        return found

    return _render(sheet, date1904, style_attr)


_PLACEHOLDER = re.compile(rb'(<c r="[A-Z]{1,3}\d+") s="#(\d+)"')


def build_tool_sheet_unstyled(sheet: ToolSheet, date1904: bool) -> tuple[bytes, list[StyleKey]]:
    """:func:`build_tool_sheet` without a :class:`StyleBook` (for a worker process): style
    attributes are placeholders ``s="#i"`` for ``keys[i]``, keys in order of first use;
    :func:`resolve_styles` turns the result into exactly what :func:`build_tool_sheet` makes."""
    keys: dict[StyleKey, str] = {}

    def style_attr(key: StyleKey) -> str:
        found = keys.get(key)
        if found is None:
            found = keys[key] = f' s="#{len(keys)}"'
        return found

    return _render(sheet, date1904, style_attr), list(keys)


def resolve_styles(xml: bytes, keys: list[StyleKey], styles: StyleBook) -> bytes:
    """Placeholders of :func:`build_tool_sheet_unstyled` replaced by real style indexes,
    created in ``styles`` in the order :func:`build_tool_sheet` would create them. Only a
    cell's start tag can match (``<`` is escaped in text)."""
    if not keys:
        return xml
    attrs = []
    for key in keys:
        style = style_for(styles, key)
        attrs.append(f' s="{style}"'.encode() if style else b"")
    return _PLACEHOLDER.sub(lambda m: m.group(1) + attrs[int(m.group(2))], xml)


# A row as the text between the places its number goes, the style keys its cells asked for
# with the attributes they got, and its last column.
_Rendered = tuple[tuple[str, ...], tuple[tuple[StyleKey, str], ...], int]


class _Row:
    """A tool sheet's row of values as the daemon remembers it: its repr (for the digest)
    and its renders, per date system, bold and fills."""

    __slots__ = ("renders", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.renders: dict[tuple[bool, bool, tuple[tuple[int, str], ...]], _Rendered] = {}


# The rows of the last few sheets, by their values with the values' types (1, 1.0 and True
# are equal keys, not equal cells): the daemon's case, a tool sheet that changes by a row or
# two between passes (the Problems sheet of a 100 000-client base has ~50 000 rows).
_ROWS = RowMemos()
_QUOTED = RowMemos()  # a link's location as an attribute value
register(_ROWS.clear)
register(_QUOTED.clear)


class _Last:
    """The last sheet whose rows were looked up, and its rows: the digest looks them up and
    the render that follows uses them."""

    known: tuple[ToolSheet | None, list[_Row]] = (None, [])  # replaced in one assignment


def _known_rows(sheet: ToolSheet) -> list[_Row] | None:
    """Each row of ``sheet`` as remembered (found or added); None while memos are off."""
    last, rows = _Last.known
    if last is sheet:
        return rows
    memo = _ROWS.memo(None)
    if memo is None:
        return None
    rows = []
    for values in sheet.rows:
        key = (values, tuple(map(type, values)))
        found = cast(_Row | None, memo.get(key))
        if found is None:
            found = memo[key] = _Row(repr(values))
        rows.append(found)
    _Last.known = (sheet, rows)
    return rows


def _render(sheet: ToolSheet, date1904: bool, style_attr: Callable[[StyleKey], str]) -> bytes:
    bold_rows = set(sheet.bold_rows)
    fills = sheet.fills
    rows_xml: list[str] = []
    max_col = 0

    # value -> (number format, the cell's XML after its style attribute); values repeat a lot
    encoded: dict[tuple[type, object], tuple[int | None, str]] = {}

    def encode(value: object) -> tuple[int | None, str]:
        key = (type(value), value)
        found = encoded.get(key)
        if found is None:
            try:
                enc = encode_value(value, date1904)  # type: ignore[arg-type]
            except ValueError:
                enc = encode_value(str(value), date1904)
            t = f' t="{enc.t}"' if enc.t else ""
            inner = enc.inner.decode()
            found = (enc.number_format, f"{t}>{inner}</c>" if inner else f"{t}/>")
            if len(encoded) < 200_000:
                encoded[key] = found
        return found

    letters = [
        column_letters(c) for c in range(1, 1 + max((len(v) for v in sheet.rows), default=0))
    ]

    def render_row(r: int, values: tuple[CellValue, ...], bold: bool) -> _Rendered:
        parts = ['<row r="']
        text = '">'
        asked: list[tuple[StyleKey, str]] = []
        last = 0
        for c, value in enumerate(values, start=1):
            fill = fills.get((r, c)) if fills else None
            if value is None and fill is None and not bold:
                continue
            number_format, tail = encode(value)
            style = ""
            if bold or fill is not None or number_format is not None:
                key = (bold, number_format, fill)
                style = style_attr(key)
                asked.append((key, style))
            parts.append(f'{text}<c r="{letters[c - 1]}')
            text = f'"{style}{tail}'
            last = c
        parts.append(f"{text}</row>")
        return (tuple(parts) if last else (), tuple(asked), last)

    known = _known_rows(sheet)
    by_row: dict[int, list[tuple[int, str]]] = {}
    if known is not None:
        for (r, c), fill in fills.items():
            by_row.setdefault(r, []).append((c, fill))  # (in any order: a key, not a cell)
    for r, values in enumerate(sheet.rows, start=1):
        bold = r in bold_rows
        if known is None:
            parts, _, last = render_row(r, values, bold)
        else:
            renders = known[r - 1].renders
            key = (date1904, bold, tuple(by_row.get(r, ())))
            found = renders.get(key)
            # the very style attributes again (asking also creates a style in first use
            # order, as rendering the row would)
            if found is not None:
                for k, a in found[1]:
                    if style_attr(k) != a:
                        found = None
                        break
            if found is None:
                found = renders[key] = render_row(r, values, bold)
            parts, _, last = found
        if parts:
            rows_xml.append(str(r).join(parts))
            max_col = max(max_col, last)
    corner = f"{column_letters(max(max_col, 1))}{max(len(sheet.rows), 1)}"
    out = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n',
        f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">',
        f'<dimension ref="A1:{corner}"/>',
        '<sheetViews><sheetView workbookViewId="0">',
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>',
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>',
        '<sheetFormatPr defaultRowHeight="15"/>',
    ]
    if sheet.column_widths:
        cols = "".join(
            f'<col min="{i}" max="{i}" width="{w:g}" customWidth="1"/>'
            for i, w in enumerate(sheet.column_widths, start=1)
        )
        out.append(f"<cols>{cols}</cols>")
    out.append(f"<sheetData>{''.join(rows_xml)}</sheetData>")
    if sheet.autofilter and sheet.rows:
        width = max(len(r) for r in sheet.rows[:1]) or 1
        out.append(f'<autoFilter ref="A1:{column_letters(width)}{len(sheet.rows)}"/>')
    links = sorted(sheet.links.items())
    if links:
        quoted = _QUOTED.memo(None)
        out.append("<hyperlinks>")
        for (r, c), location in links:
            q = quoted.get(location) if quoted is not None else None
            if q is None:
                q = quoteattr(location)
                if quoted is not None:
                    quoted[location] = q
            # (a cell reference needs no escaping)
            out.append(f'<hyperlink ref="{column_letters(c)}{r}" location={q}/>')
        out.append("</hyperlinks>")
    out.append('<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3"')
    out.append(' footer="0.3"/></worksheet>')
    return "".join(out).encode("utf-8")


def add_sheet_entry(workbook: bytes, name: str, rel_id: str, label: str) -> bytes:
    """``workbook.xml`` with a new ``<sheet>`` at the end of the tab order."""
    ids = [int(x) for x in re.findall(rb'<(?:\w+:)?sheet\b[^>]*?\bsheetId="(\d+)"', workbook)]
    sheet_id = max(ids, default=0) + 1
    m = re.search(rb"</((?:\w+:)?)sheets>", workbook)
    if m is None:
        raise SourceError(f"{label}: workbook.xml has no <sheets>")
    prefix = m.group(1).decode()
    root = re.search(rb"<(?:\w+:)?workbook\b[^>]*>", workbook)
    root_tag = root.group(0) if root else b""
    # only a declaration on the root is in scope here (openpyxl declares r: on each <sheet>)
    r = re.search(rb'xmlns:(\w+)="' + re.escape(_REL.encode()) + rb'"', root_tag)
    id_attr = f"{r.group(1).decode()}:id" if r else "cbr:id"
    decl = "" if r else f' xmlns:cbr="{_REL}"'
    el = f'<{prefix}sheet name={quoteattr(name)} sheetId="{sheet_id}"{decl} {id_attr}="{rel_id}"/>'
    return workbook[: m.start()] + el.encode("utf-8") + workbook[m.start() :]


def add_app_title(app: bytes, name: str) -> bytes | None:
    """``docProps/app.xml`` listing the new sheet, or None when it has no sheet list to keep
    consistent (the list is optional metadata)."""
    try:
        root = etree.fromstring(app)
    except etree.XMLSyntaxError:
        return None
    pairs = root.find(f"{{{_EP}}}HeadingPairs/{{{_VT}}}vector")
    titles = root.find(f"{{{_EP}}}TitlesOfParts/{{{_VT}}}vector")
    if pairs is None or titles is None:
        return None
    variants = list(pairs)
    offset = 0
    for i in range(0, len(variants) - 1, 2):
        label = variants[i].find(f"{{{_VT}}}lpstr")
        count = variants[i + 1].find(f"{{{_VT}}}i4")
        if label is None or count is None or not (count.text or "").strip().isdigit():
            return None
        n = int((count.text or "0").strip())
        if (label.text or "") in ("Worksheets", "Листы", "Аркуші"):
            count.text = str(n + 1)
            new = etree.Element(f"{{{_VT}}}lpstr")
            new.text = name
            titles.insert(offset + n, new)
            titles.set("size", str(len(titles)))
            return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        offset += n
    return None


def escape_text(text: str) -> str:
    return escape(text)
