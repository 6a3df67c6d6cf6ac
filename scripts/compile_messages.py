"""Compile every locale/*/LC_MESSAGES/*.po into its .mo with Babel.

Django's ``compilemessages`` needs GNU gettext's msgfmt, which a fresh machine may
lack; Babel is a pinned dependency, so the bootstrap compiles with it instead.
A .mo is rewritten only when its .po is newer.
"""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    """Compile the catalogues that changed since their last compilation."""
    catalogues = [
        *ROOT.glob("locale/*/LC_MESSAGES/*.po"),
        *ROOT.glob("*/locale/*/LC_MESSAGES/*.po"),
    ]
    for po_path in sorted(catalogues):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parts[-3])
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog, use_fuzzy=False)
        print(f"compiled {mo_path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
