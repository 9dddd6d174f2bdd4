"""Write the texts generated from the settings schema (focusguard/core/settings/schema.py):
resources/default-config.toml (what `focusguard config init` writes) and the summary table
in docs/configuration.md. Run it after changing a key:

    .venv/bin/python tools/settings_reference.py

tests/core/test_settings_reference.py fails until the committed copies match the schema.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from focusguard.core.settings import reference  # noqa: E402 - after the path is set

DEFAULTS = REPO / "resources" / "default-config.toml"
DOCS = REPO / "docs" / "configuration.md"


def main() -> int:
    DEFAULTS.write_text(reference.default_file(), encoding="utf-8")
    DOCS.write_text(reference.docs_with_table(DOCS.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote {DEFAULTS.relative_to(REPO)} and the table in {DOCS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
