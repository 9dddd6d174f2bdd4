"""Texts generated from the schema (schema.py): the commented defaults file (what `focusguard
config init` writes, resources/default-config.toml) and the summary table of
docs/configuration.md. tests/core/test_settings_reference.py fails when a committed copy is
out of date; `python tools/settings_reference.py` writes both.
"""

from __future__ import annotations

from typing import Any

import tomli_w

from focusguard.core.settings.schema import TABLES, UNSET, VERSION, Key, toml_value

DOCS_BEGIN = "<!-- generated from focusguard/core/settings/schema.py: begin -->"
DOCS_END = "<!-- generated from focusguard/core/settings/schema.py: end -->"
COMMENT_COLUMN = 32
RULE = "# " + "-" * 93

FILE_HEADER = (
    "# FocusGuard settings.",
    "#",
    "# Every key is optional: a missing key takes the default shown here. Unknown keys are errors",
    "# (a typo must not quietly change what FocusGuard does). Check the file with",
    "#     focusguard config check",
    "# Full reference: docs/configuration.md",
    "#",
    "# Passwords never go in this file: FocusGuard keeps them in the system keyring.",
)


def literal(value: Any) -> str:
    """A value as TOML writes it on one line: `"ews"`, `false`, `["09:30", "13:00"]`."""
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    text = tomli_w.dumps({"x": value})
    return text.split(" = ", 1)[1].strip()


# -- the defaults file ------------------------------------------------------------------------
def default_file() -> str:
    """The commented settings file of every default (the account and a few keys commented out,
    with example values)."""
    lines = [*FILE_HEADER, "", *_key_lines(VERSION, "")]
    for table in TABLES:
        lines += ["", RULE, *(f"# {line}" for line in table.intro), RULE]
        prefix = "# " if table.optional else ""
        lines.append(prefix + table.header)
        for key in table.keys:
            lines += _key_lines(key, prefix)
    return "\n".join(lines) + "\n"


def _key_lines(key: Key, prefix: str) -> list[str]:
    shown = key.example if key.example is not UNSET else key.default
    if prefix == "" and key.example is not UNSET:
        prefix = "# "  # a key to fill in (or one whose default is this computer's)
    line = f"{prefix}{key.name} = {literal(toml_value(shown))}"
    column = max(COMMENT_COLUMN, len(line) + 2)
    out = []
    for n, comment in enumerate(key.comment):
        lead = line if n == 0 else ("#" if prefix else "")
        out.append(f"{lead.ljust(column)}# {comment}")
    return (out or [line]) + list(key.after)


# -- the docs table ---------------------------------------------------------------------------
def docs_table() -> str:
    """The summary table of docs/configuration.md: every key, its type and its default."""
    rows = ["| Key | Type | Default |", "|-----|------|---------|", _row("", VERSION)]
    for table in TABLES:
        rows += [_row(table.name, key) for key in table.keys]
    return "\n".join(rows) + "\n"


def _row(table: str, key: Key) -> str:
    name = f"{table}.{key.name}" if table else key.name
    if key.default_doc is not None:
        default = key.default_doc
    else:
        default = f"`{literal(toml_value(key.default))}`"
    return f"| `{name}` | {key.type_doc} | {default} |"


def docs_with_table(text: str) -> str:
    """docs/configuration.md with its generated table replaced by the current one."""
    begin = text.index(DOCS_BEGIN) + len(DOCS_BEGIN)
    end = text.index(DOCS_END)
    return text[:begin] + "\n" + docs_table() + text[end:]
