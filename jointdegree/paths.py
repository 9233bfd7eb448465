"""Where the top-level resource folders are: the checkout, or ``<prefix>/share/jointdegree``.

The card keeps ``templates/``, ``translations/`` and ``migrations/`` beside the package rather
than inside it. From a checkout (``pip install -e .``, the two make commands) they are found
next to the package; a wheel installs them as data files under ``share/jointdegree``.
"""

from __future__ import annotations

import sysconfig
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _root() -> Path:
    checkout = PACKAGE_DIR.parent
    if (checkout / "templates").is_dir() and (checkout / "migrations").is_dir():
        return checkout
    return Path(sysconfig.get_path("data")) / "share" / "jointdegree"


ROOT = _root()
TEMPLATES = ROOT / "templates"
TRANSLATIONS = ROOT / "translations"
MIGRATIONS = ROOT / "migrations"
