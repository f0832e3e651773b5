"""Escaping text for XML, as ``xml.sax.saxutils`` does it (``escape``, ``quoteattr``), without
importing that module: it pulls in ``urllib.request`` and ``http.client`` (~30 ms at every
start of the CLI) for parts of SAX the writer never uses."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["escape", "quoteattr"]

_ATTR_ENTITIES = {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}


def escape(data: str, entities: Mapping[str, str] | None = None) -> str:
    """``&``, ``<`` and ``>`` as entities, then each key of ``entities`` as its value."""
    data = data.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
    if entities:
        for chars, entity in entities.items():
            data = data.replace(chars, entity)
    return data


def quoteattr(data: str, entities: Mapping[str, str] | None = None) -> str:
    """``data`` escaped as an attribute value, with its quotes (line breaks and tabs as
    character references, which an XML parser would otherwise turn into spaces)."""
    data = escape(data, {**(entities or {}), **_ATTR_ENTITIES})
    if '"' in data:
        if "'" in data:
            return '"{}"'.format(data.replace('"', "&quot;"))
        return f"'{data}'"
    return f'"{data}"'
