"""Locate and compile Microsoft's EWS schema (messages.xsd) for strict mode.

The schema files are reference data outside the repository (``<repo>/../shared/ews-schema``);
they are never copied in. ``FOCUSGUARD_EWS_SCHEMA_DIR`` overrides the location.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from lxml import etree

ENV_VAR = "FOCUSGUARD_EWS_SCHEMA_DIR"
_lock = threading.Lock()
_cache: dict[Path, etree.XMLSchema] = {}


def find_schema_dir() -> Path | None:
    """The directory holding messages.xsd, or None when strict mode cannot run."""
    env = os.environ.get(ENV_VAR)
    if env:
        path = Path(env)
        return path if (path / "messages.xsd").is_file() else None
    # Walk up from this package: at the repository root, the schema is ../shared/ews-schema.
    for parent in Path(__file__).resolve().parents:
        candidate = parent.parent / "shared" / "ews-schema"
        if (candidate / "messages.xsd").is_file():
            return candidate
    return None


def load_schema(schema_dir: Path | None = None) -> etree.XMLSchema | None:
    """Compile messages.xsd once per directory (compiling takes ~0.2 s)."""
    directory = schema_dir or find_schema_dir()
    if directory is None:
        return None
    directory = directory.resolve()
    with _lock:
        schema = _cache.get(directory)
        if schema is None:
            schema = etree.XMLSchema(etree.parse(str(directory / "messages.xsd")))
            _cache[directory] = schema
        return schema


def validate(schema: etree.XMLSchema, element: etree._Element) -> str | None:
    """Validate one body element; return a readable violation or None when valid.

    The element is re-parsed standalone so the verdict doesn't depend on the envelope around it.
    lxml's XMLSchema objects are not documented as thread-safe, hence the lock.
    """
    doc = etree.fromstring(etree.tostring(element))
    with _lock:
        if schema.validate(doc):
            return None
        errors = [f"line {e.line}: {e.message}" for e in schema.error_log]
    return "; ".join(errors) or "schema validation failed"
