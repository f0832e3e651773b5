"""``xl/styles.xml``: derive highlight styles from a cell's own style, and know which are ours.

A highlight must not cost the cell its font, border, alignment or number format, so a tool
highlight is a *clone* of the cell's current ``<xf>`` with only the fill changed; one clone per
(original xf, colour) pair. Which xf indexes are clones, and of which original, is persisted in
the package (see ``ooxml_record``); each entry carries a fingerprint of both xfs so that a file
re-saved by Excel or LibreOffice (which renumber styles) is detected, and then the tool's
highlights are recognised by colour instead.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Container
from dataclasses import dataclass

from lxml import etree

from sync.errors import SourceError

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_Q = f"{{{NS}}}"
_DATE_BUILTINS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.')
# Top-level children of <styleSheet> in schema order (to create a missing collection).
_SHEET_ORDER = (
    "numFmts",
    "fonts",
    "fills",
    "borders",
    "cellStyleXfs",
    "cellXfs",
    "cellStyles",
    "dxfs",
    "tableStyles",
    "colors",
    "extLst",
)


@dataclass(frozen=True, slots=True)
class CloneRecord:
    """One tool highlight style: xf ``index`` is ``original`` with a solid ``colour`` fill."""

    index: int
    original: int
    colour: str
    fingerprint: str  # of both xfs, to detect a renumbered styles part


def _sig(el: etree._Element) -> bytes:
    """Content of an element, independent of attribute order, namespace declarations and
    formatting whitespace (so a deep copy, a new element and a re-parsed one compare equal)."""
    attrs = ";".join(f"{k!s}={v!s}" for k, v in sorted(el.attrib.items()))
    text = (el.text or "").strip()
    inner = b",".join(_sig(child) for child in el if isinstance(child.tag, str))
    return f"<{el.tag!s} {attrs}>{text}".encode() + b"[" + inner + b"]"


def is_date_code(code: str) -> bool:
    """Does a custom number format show a date or time?"""
    bare = _QUOTED.sub("", code.split(";", maxsplit=1)[0]).lower()
    return any(ch in bare for ch in "dmyhs") and "general" not in bare


class StyleBook:
    """The cell styles of a workbook, with the tool's clones."""

    def __init__(self, xml: bytes, label: str) -> None:
        try:
            self.root = etree.fromstring(xml, etree.XMLParser(huge_tree=True))
        except etree.XMLSyntaxError as exc:
            raise SourceError(f"{label}: part 'xl/styles.xml' is not valid XML") from exc
        if self.root.tag != f"{_Q}styleSheet":
            raise SourceError(f"{label}: part 'xl/styles.xml' is not a SpreadsheetML style sheet")
        self.dirty = False
        self.xfs = self._collection("cellXfs")
        if len(self.xfs) == 0:
            self.xfs.append(etree.Element(f"{_Q}xf", numFmtId="0", fontId="0", fillId="0"))
            self._touch(self.xfs)
        self.fills = self._collection("fills")
        self.fonts = self._collection("fonts")
        num_fmts = self.root.find(f"{_Q}numFmts")
        self.custom_formats: dict[int, str] = {}
        if num_fmts is not None:
            for nf in num_fmts:
                fid = nf.get("numFmtId")
                if fid is not None and fid.isdigit():
                    self.custom_formats[int(fid)] = nf.get("formatCode", "")
        self._xf_index: dict[bytes, int] | None = None
        self._fill_for: dict[str, int] = {}
        self._clones: dict[tuple[int, str], int] = {}
        self._tool: dict[int, int | None] = {}  # clone index -> original (None: derive lazily)
        self._tool_colour: dict[int, str] = {}
        self._is_date: dict[int, bool] = {}
        # What a row rewrite may depend on besides the package's bytes (``ooxml_rowmemo``):
        # xfs from ``base`` on were added by this write; ``fresh`` counts each addition and
        # each answer that is such an index.
        self.base = len(self.xfs)
        self.fresh = 0
        self.by_colour = False  # clones recognised by colour: their originals found lazily

    # ----------------------------------------------------------------- collections

    def _collection(self, name: str) -> etree._Element:
        el = self.root.find(f"{_Q}{name}")
        if el is not None:
            return el
        el = etree.Element(f"{_Q}{name}", count="0")
        later = _SHEET_ORDER[_SHEET_ORDER.index(name) + 1 :]
        for i, child in enumerate(self.root):
            if etree.QName(child).localname in later:
                self.root.insert(i, el)
                break
        else:
            self.root.append(el)
        if name == "fills":  # Excel reserves fills 0 and 1
            for pattern in ("none", "gray125"):
                fill = etree.SubElement(el, f"{_Q}fill")
                etree.SubElement(fill, f"{_Q}patternFill", patternType=pattern)
        self._touch(el)
        return el

    def _touch(self, collection: etree._Element) -> None:
        collection.set("count", str(len(collection)))
        self.dirty = True

    def _append(self, collection: etree._Element, el: etree._Element) -> int:
        self.fresh += 1
        collection.append(el)
        self._touch(collection)
        return len(collection) - 1

    def _xf(self, index: int) -> etree._Element:
        return self.xfs[index] if 0 <= index < len(self.xfs) else self.xfs[0]

    def find_or_add_xf(self, xf: etree._Element) -> int:
        """Index of an xf equal to ``xf`` (reused), or of ``xf`` appended."""
        if self._xf_index is None:
            self._xf_index = {}
            for i, el in enumerate(self.xfs):
                if i not in self._tool:
                    self._xf_index.setdefault(_sig(el), i)
        key = _sig(xf)
        found = self._xf_index.get(key)
        if found is None:
            found = self._append(self.xfs, xf)
            self._xf_index[key] = found
        elif found >= self.base:
            self.fresh += 1
        return found

    # ----------------------------------------------------------------- fills

    def fill_colour(self, fill_id: int) -> str | None:
        """ARGB of a solid fill, else None."""
        if not 0 <= fill_id < len(self.fills):
            return None
        pattern = self.fills[fill_id].find(f"{_Q}patternFill")
        if pattern is None or pattern.get("patternType") != "solid":
            return None
        fg = pattern.find(f"{_Q}fgColor")
        rgb = fg.get("rgb") if fg is not None else None
        return rgb.upper() if rgb else None

    def solid_fill(self, colour: str) -> int:
        colour = colour.upper()
        if colour in self._fill_for:
            return self._fill_for[colour]
        fill = etree.Element(f"{_Q}fill")
        pattern = etree.SubElement(fill, f"{_Q}patternFill", patternType="solid")
        etree.SubElement(pattern, f"{_Q}fgColor", rgb=colour)
        etree.SubElement(pattern, f"{_Q}bgColor", indexed="64")
        wanted = _sig(fill)
        for i, el in enumerate(self.fills):
            if i > 1 and _sig(el) == wanted:
                self._fill_for[colour] = i
                return i
        self._fill_for[colour] = self._append(self.fills, fill)
        return self._fill_for[colour]

    # ----------------------------------------------------------------- the tool's clones

    def fingerprint(self, index: int, original: int) -> str:
        data = _sig(self._xf(index)) + b"#" + _sig(self._xf(original))
        return hashlib.sha1(data, usedforsecurity=False).hexdigest()[:16]

    def load_record(self, records: list[CloneRecord] | None, tool_fills: tuple[str, ...]) -> bool:
        """Adopt the persisted clones; when there is no record, or it does not match this
        styles part (re-saved by another program), recognise tool highlights by colour.
        True if the record was valid."""
        n = len(self.xfs)
        valid = records is not None and all(
            r.index < n
            and r.original < n
            and self.fingerprint(r.index, r.original) == r.fingerprint
            for r in records
        )
        if records is not None and valid:
            for r in records:
                self._register(r.index, r.original, r.colour.upper())
            return True
        colours = {c.upper() for c in tool_fills}
        for i, xf in enumerate(self.xfs):
            fill_id = int(xf.get("fillId", "0") or 0)
            colour = self.fill_colour(fill_id)
            if fill_id > 1 and colour in colours:
                self._tool[i] = None
                self._tool_colour[i] = colour
                self.by_colour = True
        return False

    def _register(self, index: int, original: int, colour: str) -> None:
        self._tool[index] = original
        self._tool_colour[index] = colour
        self._clones[(original, colour)] = index

    @property
    def tool_set(self) -> Container[int]:
        """Live view of the tool's clone indexes (fast membership test)."""
        return self._tool.keys()

    @property
    def tool_indexes(self) -> frozenset[int]:
        return frozenset(self._tool)

    def tool_colour(self, s: int) -> str:
        return self._tool_colour[s]

    def is_tool(self, s: int) -> bool:
        return s in self._tool

    def original(self, s: int) -> int:
        """The staff's style under a tool highlight (``s`` itself when it is no clone)."""
        if s not in self._tool:
            return s
        orig = self._tool[s]
        if orig is None:  # recognised by colour: the same style without a fill
            bare = copy.deepcopy(self._xf(s))
            bare.set("fillId", "0")
            if "applyFill" in bare.attrib:
                del bare.attrib["applyFill"]
            orig = self.find_or_add_xf(bare)
            self._register(s, orig, self._tool_colour[s])
            self.fresh += 1  # a registration: later answers depend on it
        elif orig >= self.base:
            self.fresh += 1
        return orig

    def clone(self, base: int, colour: str) -> int:
        """The highlight style of ``base`` in ``colour`` (created once, then reused)."""
        base = self.original(base)
        colour = colour.upper()
        found = self._clones.get((base, colour))
        if found is not None:
            if found >= self.base:
                self.fresh += 1
            return found
        xf = copy.deepcopy(self._xf(base))
        xf.set("fillId", str(self.solid_fill(colour)))
        xf.set("applyFill", "1")
        # Always a new xf, never an equal existing one: a staff style that happens to look the
        # same must not become "ours" (it would be stripped), and two originals that differ only
        # in their fill must not share a clone (restoring would pick the wrong one).
        index = self._append(self.xfs, xf)
        self._register(index, base, colour)
        return index

    def records(self) -> list[CloneRecord]:
        """The clones whose original is known, for the record part."""
        return [
            CloneRecord(i, o, self._tool_colour[i], self.fingerprint(i, o))
            for i, o in sorted(self._tool.items())
            if o is not None
        ]

    # ----------------------------------------------------------------- formats and fonts

    def is_date_style(self, s: int) -> bool:
        found = self._is_date.get(s)
        if found is None:
            fmt = int(self._xf(s).get("numFmtId", "0") or 0)
            code = self.custom_formats.get(fmt)
            found = fmt in _DATE_BUILTINS or (code is not None and is_date_code(code))
            self._is_date[s] = found
        return found

    def with_number_format(self, base: int, num_fmt: int) -> int:
        """``base`` showing a date/time: kept when it already does, else a derived style."""
        if self.is_date_style(base):
            return base
        xf = copy.deepcopy(self._xf(base))
        xf.set("numFmtId", str(num_fmt))
        xf.set("applyNumberFormat", "1")
        return self.find_or_add_xf(xf)

    def bold(self, base: int = 0) -> int:
        """``base`` with a bold font (for the tool sheets' header rows)."""
        xf = copy.deepcopy(self._xf(base))
        font_id = int(xf.get("fontId", "0") or 0)
        if len(self.fonts) == 0:
            default = etree.SubElement(self.fonts, f"{_Q}font")
            etree.SubElement(default, f"{_Q}sz", val="11")
            etree.SubElement(default, f"{_Q}name", val="Calibri")
            self._touch(self.fonts)
        font = copy.deepcopy(self.fonts[font_id] if font_id < len(self.fonts) else self.fonts[0])
        # <b/> comes first among a font's children in the schema order
        if font.find(f"{_Q}b") is None:
            font.insert(0, etree.Element(f"{_Q}b"))
        wanted = _sig(font)
        bold_id = next((i for i, f in enumerate(self.fonts) if _sig(f) == wanted), None)
        if bold_id is None:
            bold_id = self._append(self.fonts, font)
        xf.set("fontId", str(bold_id))
        xf.set("applyFont", "1")
        return self.find_or_add_xf(xf)

    def to_bytes(self) -> bytes:
        return etree.tostring(self.root, xml_declaration=True, encoding="UTF-8", standalone=True)
