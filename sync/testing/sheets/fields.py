"""Field masks for the Google Sheets emulator: partial responses and ``fields`` in update requests.

Google's mask syntax: comma-separated paths, ``.`` or ``/`` between segments, parentheses for
sub-selections (``sheets(properties(title,sheetId))``), ``*`` for everything.
"""

from __future__ import annotations

import copy
from typing import Any

MaskTree = dict[str, "MaskTree | None"]  # None: take the whole value under this key


class MaskError(ValueError):
    """A malformed field mask."""


def parse_mask(text: str) -> MaskTree:
    """Parse ``a.b,c(d,e/f)`` into a tree; a leaf is ``None``."""
    tree: MaskTree = {}
    pos = _parse_list(text.replace(" ", ""), 0, tree)
    if pos != len(text.replace(" ", "")):
        raise MaskError(text)
    return tree


def _parse_list(text: str, pos: int, tree: MaskTree) -> int:
    while pos < len(text):
        pos = _parse_path(text, pos, tree)
        if pos < len(text) and text[pos] == ",":
            pos += 1
            continue
        break
    return pos


def _parse_path(text: str, pos: int, tree: MaskTree) -> int:
    start = pos
    while pos < len(text) and text[pos] not in ",()":
        pos += 1
    segments = [s for s in text[start:pos].replace("/", ".").split(".")]
    if not segments or any(not s for s in segments):
        raise MaskError(text)
    node = tree
    for seg in segments[:-1]:
        child = node.get(seg, {})
        if child is None:  # already selected whole; a narrower path adds nothing
            return _skip_group(text, pos)
        node[seg] = child
        node = child
    last = segments[-1]
    if pos < len(text) and text[pos] == "(":
        existing = node.get(last, {})
        sub: MaskTree = {} if existing is None else existing
        pos = _parse_list(text, pos + 1, sub)
        if pos >= len(text) or text[pos] != ")":
            raise MaskError(text)
        if existing is not None:
            node[last] = sub
        return pos + 1
    node[last] = None
    return pos


def _skip_group(text: str, pos: int) -> int:
    if pos < len(text) and text[pos] == "(":
        depth = 0
        while pos < len(text):
            depth += {"(": 1, ")": -1}.get(text[pos], 0)
            pos += 1
            if depth == 0:
                break
    return pos


def apply_mask(value: Any, tree: MaskTree | None) -> Any:
    """Keep only the masked fields; lists are masked element by element."""
    if tree is None or "*" in tree:
        return value
    if isinstance(value, list):
        return [apply_mask(item, tree) for item in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, sub in tree.items():
        if key in value:
            out[key] = apply_mask(value[key], sub)
    return out


def mask_mentions(tree: MaskTree, *path: str) -> bool:
    """True when the mask selects anything at or below ``path``."""
    node: MaskTree | None = tree
    for seg in path:
        if node is None or "*" in node:
            return True
        if seg not in node:
            return False
        node = node[seg]
    return True


def update_with_mask(target: dict[str, Any], source: dict[str, Any], tree: MaskTree) -> None:
    """Copy the masked fields from ``source`` into ``target``; a masked field absent in
    ``source`` is cleared (that is how ``fields`` masks erase, e.g. ``note`` with no note)."""
    for key, sub in tree.items():
        if key == "*":
            target.clear()
            target.update(copy.deepcopy(source))
            return
        if sub is None:
            if key in source and source[key] not in (None, "", {}):
                target[key] = copy.deepcopy(source[key])
            else:
                target.pop(key, None)
            continue
        child_src = source.get(key)
        child_dst = target.get(key)
        if not isinstance(child_dst, dict):
            child_dst = {}
        update_with_mask(child_dst, child_src if isinstance(child_src, dict) else {}, sub)
        if child_dst:
            target[key] = child_dst
        else:
            target.pop(key, None)


def prune(value: Any) -> Any:
    """Drop ``None`` and empty lists, as Google's JSON never carries them."""
    if isinstance(value, dict):
        return {k: prune(v) for k, v in value.items() if v is not None and v != []}
    if isinstance(value, list):
        return [prune(v) for v in value]
    return value
