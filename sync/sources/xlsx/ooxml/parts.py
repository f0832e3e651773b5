"""Package plumbing: relationship parts, ``[Content_Types].xml``, part names.

These parts are small; they are edited as text (insert before the closing tag) so an unchanged
part stays byte-identical and a changed one differs only where it must.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from sync.errors import SourceError
from sync.sources.xlsx.ooxml.cells import unescape
from sync.sources.xlsx.xmltext import escape, quoteattr

REL_BASE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL_WORKSHEET = f"{REL_BASE}/worksheet"
REL_COMMENTS = f"{REL_BASE}/comments"
REL_VML = f"{REL_BASE}/vmlDrawing"
REL_STYLES = f"{REL_BASE}/styles"
REL_SHARED = f"{REL_BASE}/sharedStrings"
REL_CUSTOM_XML = f"{REL_BASE}/customXml"
REL_CUSTOM_XML_PROPS = f"{REL_BASE}/customXmlProps"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
CT_CUSTOM_XML_PROPS = "application/vnd.openxmlformats-officedocument.customXmlProperties+xml"

_REL = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*?)/?>")
_ATTR = re.compile(rb'([\w:]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')


_DATE1904 = re.compile(rb'<(?:\w+:)?workbookPr\b[^>]*\bdate1904="(?:1|true)"')


def uses_date1904(workbook_xml: bytes) -> bool:
    """Whether a workbook part counts dates from 1904 (Mac Excel's date system)."""
    return _DATE1904.search(workbook_xml) is not None


def attrs_of(tag: bytes) -> dict[str, str]:
    """Attributes of a start tag, unescaped (either quote style)."""
    return {
        m.group(1).decode(): unescape(m.group(2) if m.group(2) is not None else m.group(3))
        for m in _ATTR.finditer(tag)
    }


def rels_name(part: str) -> str:
    """``xl/worksheets/sheet1.xml`` → ``xl/worksheets/_rels/sheet1.xml.rels``."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def resolve(source_part: str, target: str) -> str:
    """Zip name of a relationship target (relative to the source part, or absolute)."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_part), target))


def relative(source_part: str, target_part: str) -> str:
    return posixpath.relpath(target_part, posixpath.dirname(source_part) or ".")


@dataclass(frozen=True, slots=True)
class Rel:
    id: str
    type: str
    target: str  # as written
    external: bool


class Rels:
    """A ``.rels`` part being edited."""

    def __init__(self, data: bytes | None, label: str) -> None:
        self.data = data or (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b"</Relationships>"
        )
        self.original = data
        self.label = label
        self.items: list[Rel] = []
        for m in _REL.finditer(self.data):
            a = attrs_of(m.group(1))
            if "Id" not in a or "Target" not in a:
                raise SourceError(f"{label}: a relationship lacks Id or Target")
            external = a.get("TargetMode", "") == "External"
            self.items.append(Rel(a["Id"], a.get("Type", ""), a["Target"], external))

    @property
    def changed(self) -> bool:
        return self.data != self.original

    def by_type(self, rel_type: str) -> list[Rel]:
        return [r for r in self.items if r.type == rel_type and not r.external]

    def by_id(self, rel_id: str) -> Rel | None:
        return next((r for r in self.items if r.id == rel_id), None)

    def add(self, rel_type: str, target: str) -> str:
        used = {r.id for r in self.items}
        n = len(used) + 1
        while f"rId{n}" in used:
            n += 1
        rel_id = f"rId{n}"
        el = f"<Relationship Id={quoteattr(rel_id)} Type={quoteattr(rel_type)} "
        el += f"Target={quoteattr(target)}/>"
        at = self.data.rfind(b"</")
        if at < 0:  # <Relationships/>
            self.data = re.sub(rb"/>\s*$", b">" + el.encode() + b"</Relationships>", self.data)
        else:
            self.data = self.data[:at] + el.encode() + self.data[at:]
        self.items.append(Rel(rel_id, rel_type, target, False))
        return rel_id

    def remove(self, rel_id: str) -> None:
        for m in _REL.finditer(self.data):
            if attrs_of(m.group(1)).get("Id") == rel_id:
                self.data = self.data[: m.start()] + self.data[m.end() :]
                break
        self.items = [r for r in self.items if r.id != rel_id]


class ContentTypes:
    """``[Content_Types].xml`` being edited."""

    NAME = "[Content_Types].xml"

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.original = data
        self.defaults = {
            a.get("Extension", "").lower(): a.get("ContentType", "")
            for a in (attrs_of(m.group(1)) for m in re.finditer(rb"<Default\b([^>]*)>", data))
        }
        self.overrides = {
            a.get("PartName", ""): a.get("ContentType", "")
            for a in (attrs_of(m.group(1)) for m in re.finditer(rb"<Override\b([^>]*)>", data))
        }

    @property
    def changed(self) -> bool:
        return self.data != self.original

    def type_of(self, part: str) -> str | None:
        found = self.overrides.get("/" + part)
        if found is None:
            ext = posixpath.splitext(part)[1].lstrip(".").lower()
            found = self.defaults.get(ext)
        return found

    def _insert(self, el: str) -> None:
        at = self.data.rfind(b"</Types>")
        if at < 0:
            raise SourceError("[Content_Types].xml is not a content-types part")
        self.data = self.data[:at] + el.encode() + self.data[at:]

    def ensure(self, part: str, content_type: str) -> None:
        """Declare ``part`` (an Override unless a Default already gives that type)."""
        if self.type_of(part) == content_type:
            return
        self._insert(
            f"<Override PartName={quoteattr('/' + part)} ContentType={quoteattr(content_type)}/>"
        )
        self.overrides["/" + part] = content_type

    def ensure_default(self, ext: str, content_type: str) -> None:
        if ext in self.defaults:
            return
        self._insert(f"<Default Extension={quoteattr(ext)} ContentType={quoteattr(content_type)}/>")
        self.defaults[ext] = content_type

    def drop(self, part: str) -> None:
        for m in re.finditer(rb"<Override\b([^>]*)>", self.data):
            if attrs_of(m.group(1)).get("PartName") == "/" + part:
                self.data = self.data[: m.start()] + self.data[m.end() :]
                self.overrides.pop("/" + part, None)
                return


def free_name(taken: set[str], pattern: str) -> str:
    """First ``pattern.format(n)`` (n = 1, 2, …) not in ``taken``."""
    n = 1
    while pattern.format(n) in taken:
        n += 1
    return pattern.format(n)


def text_el(tag: str, text: str) -> str:
    return f"<{tag}>{escape(text)}</{tag}>"
