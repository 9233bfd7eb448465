"""The fonts bundled for PDF documents, and the check that a text can be printed with them.

WeasyPrint draws a character the given fonts lack with whatever font the machine has, or as an
empty box: the same record would then print differently from one server to another. So the
documents use only the fonts in ``static/fonts`` (built by ``tools/build_fonts.py``; coverage,
sources and licence in the README there), and a text holding a character they cannot draw is
refused before anything is issued, naming the character.

Pure module: no Flask, no database. fontTools reads the fonts' character maps, once per process.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from fontTools.ttLib import TTFont

PACKAGE_DIR = Path(__file__).resolve().parent.parent
FONTS_DIR = PACKAGE_DIR / "static" / "fonts"
LICENSE_FILE = FONTS_DIR / "OFL.txt"
STANDARD_CHARACTERS_FILE = Path(__file__).resolve().parent / "data" / "tgscc_8105.txt"

# CSS family names of our own, so that a Noto font installed on the machine can never be taken
# for the bundled one (fontconfig would pick either).
LATIN_FAMILY = "JointDegree Noto Serif"
CJK_FAMILY = "JointDegree Noto Serif CJK SC"
# The CSS font-family value the documents use. Latin first: Noto Serif CJK lacks most of Latin
# Extended-A and the thin spaces of French typography; the CJK font draws what Latin lacks.
FONT_FAMILY = f'"{LATIN_FAMILY}", "{CJK_FAMILY}"'

# Options for WeasyPrint's write_pdf. Subsetting (full_fonts off) keeps a two-page transcript
# near 50 kB where embedding whole fonts makes it 4 MB and slower; hints are useless on paper.
PDF_OPTIONS = MappingProxyType({"full_fonts": False, "hinting": False})


@dataclass(frozen=True)
class BundledFont:
    family: str  # CSS font-family
    weight: int  # CSS font-weight
    path: Path


BUNDLED_FONTS: tuple[BundledFont, ...] = (
    BundledFont(LATIN_FAMILY, 400, FONTS_DIR / "NotoSerif-Regular.subset.ttf"),
    BundledFont(LATIN_FAMILY, 700, FONTS_DIR / "NotoSerif-Bold.subset.ttf"),
    BundledFont(CJK_FAMILY, 400, FONTS_DIR / "NotoSerifCJKsc-Regular.subset.ttf"),
    BundledFont(CJK_FAMILY, 700, FONTS_DIR / "NotoSerifCJKsc-Bold.subset.ttf"),
)


def font_face_css() -> str:
    """The @font-face rules of the bundled fonts (file: URLs), and ``html { font-family }`` with
    :data:`FONT_FAMILY`, so a document stylesheet that sets no family prints with them only."""
    rules = [
        f'@font-face {{ font-family: "{font.family}"; src: url("{font.path.as_uri()}"); '
        f"font-weight: {font.weight}; font-style: normal; }}"
        for font in BUNDLED_FONTS
    ]
    rules.append(f"html {{ font-family: {FONT_FAMILY}; }}")
    return "\n".join(rules)


@functools.cache
def drawable() -> frozenset[int]:
    """Code points some bundled font has a glyph for (the union of their character maps).
    Every weight of a family covers the same code points (the build checks it), so what is
    drawable prints in bold too."""
    code_points: set[int] = set()
    for font in BUNDLED_FONTS:
        ttfont = TTFont(font.path, lazy=True)
        try:
            code_points.update(ttfont.getBestCmap())
        finally:
            ttfont.close()
    return frozenset(code_points)


def _blank(char: str) -> bool:
    """Spaces (U+00A0 and U+202F too: str.isspace) and controls (line breaks, tabs): never
    drawn, so never missing."""
    return char.isspace() or unicodedata.category(char) == "Cc"


def missing_characters(text: str) -> list[str]:
    """The distinct characters of ``text``, in order of first appearance, that no bundled font
    can draw: what to name when refusing to issue the document. Spaces (including no-break
    ones) and control characters are not drawn, so never missing."""
    can_draw = drawable()
    missing: dict[str, None] = {}
    for char in text:
        if char not in missing and ord(char) not in can_draw and not _blank(char):
            missing[char] = None
    return list(missing)


def describe(char: str) -> str:
    """How to name a character in a refusal: ``U+20000 𠀀 (CJK UNIFIED IDEOGRAPH-20000)``, as
    a name the reader cannot see (a box, nothing) still has a code and a Unicode name."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X} {char}" + (f" ({name})" if name else "")


@functools.cache
def standard_characters() -> tuple[str, ...]:
    """The 8,105 characters of the Table of General Standard Chinese Characters (通用规范汉字表,
    2013) in the table's order: the coverage the CJK font is built and tested for."""
    lines = STANDARD_CHARACTERS_FILE.read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))
