"""The tool's record inside the package: which styles are its highlights, which sheets are its own.

Stored as a custom XML data part (``customXml/itemN.xml`` + ``itemPropsN.xml``, related from
the workbook). That is the place ECMA-376 gives add-ins for their own data: Excel keeps custom
XML parts on save and shows nothing of them, LibreOffice opens such files without complaint.
A docProps custom property was the alternative, but it is visible (and editable) in
File › Properties, is limited to 255 characters in Excel's UI, and shares a part with the
staff's own properties. Whatever a re-save does to the record, the fingerprints in it tell
whether it still describes ``styles.xml``; when it does not, tool highlights are recognised by
colour (see ``ooxml_styles``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from lxml import etree

from sync.sources.xlsx.ooxml.styles import CloneRecord
from sync.sources.xlsx.xmltext import quoteattr

RECORD_NS = "urn:clientbase:workbook-record:1"
_Q = f"{{{RECORD_NS}}}"
# A fixed item id: the part is recognised by its root element, the id only has to be a GUID.
_ITEM_ID = "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, RECORD_NS)).upper() + "}"


@dataclass(slots=True)
class Record:
    clones: list[CloneRecord] = field(default_factory=list)
    tool_sheets: set[str] = field(default_factory=set)
    notes: dict[str, frozenset[str]] = field(default_factory=dict)  # sheet -> note keys
    # tool sheet -> "content digest:CRC-32 of the part as written" (an unchanged plan over an
    # untouched part is not rebuilt)
    sheet_digests: dict[str, str] = field(default_factory=dict)
    # staff sheet -> "plan digest:CRC-32s of the parts its result depends on", after our write
    staff_digests: dict[str, str] = field(default_factory=dict)
    # staff sheet -> "CRC of its comments part:CRC of its VML drawing" as the tool wrote them
    note_parts: dict[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.clones and not self.tool_sheets and not any(self.notes.values())


def parse_record(data: bytes) -> Record | None:
    """The record in a custom XML part, or None when the part is someone else's (or broken)."""
    try:
        root = etree.fromstring(data)
    except etree.XMLSyntaxError:
        return None
    if root.tag != f"{_Q}record":
        return None
    record = Record()
    for el in root.iter(f"{_Q}highlight"):
        try:
            record.clones.append(
                CloneRecord(
                    int(el.get("xf", "")),
                    int(el.get("original", "")),
                    el.get("colour", "").upper(),
                    el.get("fingerprint", ""),
                )
            )
        except ValueError:
            return Record()  # unreadable entries: treat as stale, fall back to colours
    for el in root.iter(f"{_Q}notes"):
        record.notes[el.get("sheet", "")] = frozenset((el.text or "").split())
    for el in root.iter(f"{_Q}noteParts"):
        name, crc = el.get("sheet"), el.get("crc")
        if name and crc:
            record.note_parts[name] = crc
    for el in root.iter(f"{_Q}staffSheet"):
        name, digest = el.get("name"), el.get("digest")
        if name and digest:
            record.staff_digests[name] = digest
    for el in root.iter(f"{_Q}toolSheet"):
        name = el.get("name")
        if name:
            record.tool_sheets.add(name)
            digest = el.get("digest")
            if digest:
                record.sheet_digests[name] = digest
    return record


def record_xml(record: Record) -> bytes:
    lines = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
        f'<record xmlns="{RECORD_NS}">',
    ]
    lines += [
        f'<highlight xf="{c.index}" original="{c.original}" colour="{c.colour}"'
        f' fingerprint="{c.fingerprint}"/>'
        for c in sorted(record.clones, key=lambda c: c.index)
    ]
    lines += [
        f"<toolSheet name={quoteattr(n)}"
        + (f" digest={quoteattr(record.sheet_digests[n])}" if n in record.sheet_digests else "")
        + "/>"
        for n in sorted(record.tool_sheets)
    ]
    lines += [
        f"<staffSheet name={quoteattr(n)} digest={quoteattr(d)}/>"
        for n, d in sorted(record.staff_digests.items())
    ]
    lines += [
        f"<noteParts sheet={quoteattr(n)} crc={quoteattr(c)}/>"
        for n, c in sorted(record.note_parts.items())
    ]
    # tool notes by cell and text hash: LibreOffice drops note authors on save
    lines += [
        f"<notes sheet={quoteattr(sheet)}>{' '.join(sorted(keys))}</notes>"
        for sheet, keys in sorted(record.notes.items())
        if keys
    ]
    lines.append("</record>")
    return "\n".join(lines).encode("utf-8")


def item_props_xml() -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
        f'<ds:datastoreItem ds:itemID="{_ITEM_ID}" xmlns:ds='
        '"http://schemas.openxmlformats.org/officeDocument/2006/customXml">'
        "<ds:schemaRefs/></ds:datastoreItem>"
    ).encode()
