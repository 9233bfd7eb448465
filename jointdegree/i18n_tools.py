"""Message extraction and catalog update: one definition for ``make`` and the staleness test.

Usage: ``python -m jointdegree.i18n_tools extract [OUTPUT]`` or ``... update``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from babel.messages.frontend import CommandLineInterface

from jointdegree import paths

KEYWORDS = ("_l", "lazy_gettext", "lazy_ngettext:1,2", "_ln:1,2", "lazy_pgettext:1c,2")


def extract(output: str | None = None) -> None:
    """Write the template; run from the project root so locations are relative paths."""
    args = ["pybabel", "-q", "extract", "-F", "babel.cfg", "--no-wrap", "--sort-output",
            "--add-comments=TRANSLATORS:", "--project=jointdegree",
            "--copyright-holder=jointdegree team"]
    for keyword in KEYWORDS:
        args += ["-k", keyword]
    args += ["-o", str(Path(output).resolve()) if output else "translations/messages.pot", "."]
    previous = Path.cwd()
    os.chdir(paths.ROOT)
    try:
        CommandLineInterface().run(args)
    finally:
        os.chdir(previous)


def update() -> None:
    CommandLineInterface().run(["pybabel", "-q", "update", "--no-wrap", "--ignore-obsolete",
                                "-i", str(paths.TRANSLATIONS / "messages.pot"),
                                "-d", str(paths.TRANSLATIONS)])


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "extract":
        extract(sys.argv[2] if len(sys.argv) > 2 else None)
    elif command == "update":
        extract()
        update()
    else:
        sys.exit("usage: python -m jointdegree.i18n_tools extract [OUTPUT] | update")
