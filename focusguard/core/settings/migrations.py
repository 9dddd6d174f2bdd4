"""Older settings files, upgraded as they are read.

A file says which layout it is written in: `version = 1` (a file without `version` is
version 1, as every file was before the key existed). When a later FocusGuard renames or
moves a setting it raises `CURRENT_VERSION` (schema.py) and adds the step that turns a
document of the previous version into the next one here, e.g.

    STEPS = {1: rename("holding.folder", "holding.held_folder")}

A file is upgraded step by step when it is read (validation.py) and written in the current
layout the next time it is saved, so nobody's file breaks because a setting got a better
name. A file from a newer FocusGuard is refused with the fix, never misread.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from focusguard.core.settings.schema import CURRENT_VERSION

Document = dict[str, Any]
Step = Callable[[Document], Document]

# version n -> the step that upgrades a document of version n to version n + 1
STEPS: dict[int, Step] = {}


def upgrade(
    document: Mapping[str, Any],
    version: int,
    *,
    steps: Mapping[int, Step] | None = None,
    current: int = CURRENT_VERSION,
) -> Document:
    """`document` (of `version`, 1 <= version <= current) in the current layout."""
    chain = STEPS if steps is None else steps
    doc: Document = dict(document)
    for v in range(version, current):
        doc = chain[v](doc)
    return doc


def rename(old: str, new: str) -> Step:
    """A step that moves the key `old` ("holding.folder", table and key) to `new`
    ("holding.held_folder"; another table is fine). A file that has both keeps the new one,
    and the old one stays where it is, for the unknown-key check to point out."""
    old_table, old_key = old.split(".")
    new_table, new_key = new.split(".")

    def step(doc: Document) -> Document:
        source = doc.get(old_table)
        if not isinstance(source, Mapping) or old_key not in source:
            return doc
        target = doc.get(new_table, {})
        if not isinstance(target, Mapping) or new_key in target:
            return doc
        out = dict(doc)
        rest = dict(source)
        value = rest.pop(old_key)
        out[old_table] = rest
        moved = dict(out.get(new_table, {}))
        moved[new_key] = value
        out[new_table] = moved
        return out

    return step
