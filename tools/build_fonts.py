"""Build the PDF fonts bundled in ``jointdegree/static/fonts/`` from Debian's Noto packages.

Maintainers run this by hand, never at install time: the output is committed, so every machine
prints the same glyphs whatever fonts it has. Run it again when the sources or the coverage
change, then commit the four ``*.subset.ttf`` files and update the README beside them::

    apt-get install fonts-noto-cjk fonts-noto-core
    .venv/bin/python tools/build_fonts.py            # about 30 seconds

The shape comes from measurements (figures in ``jointdegree/static/fonts/README.md``):

* WeasyPrint subsets every font it embeds, on every render. For a CFF (``.otf``) font fontTools
  re-parses every charstring of the file each time (seconds for a CJK font); for TrueType
  outlines (``glyf``) it only touches the glyphs used. So the CJK face is converted from cubic
  CFF to quadratic TrueType outlines (cu2qu, at most 1 unit of error on the 1000-unit em).
* The CJK font keeps no GSUB/GPOS/GDEF: their closure drags in ~6,500 Japanese, Korean and
  traditional variant glyphs (15,000 glyphs instead of 8,600, twice the size), and horizontal
  Simplified Chinese needs none of their features. Vertical metrics (vhea, vmtx, VORG) and BASE
  go too. Hinting is dropped from all fonts: a PDF is printed, not shown on a pixel grid.
* Noto Serif CJK lacks most of Latin Extended-A (Ą, Ł, Ő…) and thin and narrow no-break spaces
  (U+2009, U+202F, French typography), so a Latin font, Noto Serif (same Noto design family),
  comes first in the CSS font stack and the CJK font serves the rest.
* Real bold faces: WeasyPrint draws no synthetic bold, so headings without one print regular.

Both weights of a family get the same code points, so a character either prints in every weight
of the bundled fonts or in none; the run stops if a required code point is missing.
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "jointdegree" / "static" / "fonts"
STANDARD_CHARACTERS = ROOT / "jointdegree" / "diplomas" / "data" / "tgscc_8105.txt"
CJK_DIR = Path("/usr/share/fonts/opentype/noto")  # Debian: fonts-noto-cjk
LATIN_DIR = Path("/usr/share/fonts/truetype/noto")  # Debian: fonts-noto-core
CJK_FACE = "Noto Serif CJK SC"  # the face is found by this name, not by its index in the .ttc
MAX_CURVE_ERROR = 1.0  # font units (1000 per em): invisible at any printed size

# Tables the CJK font does without (see the module docstring).
CJK_DROPPED_TABLES = ("GSUB", "GPOS", "GDEF", "BASE", "JSTF", "vhea", "vmtx", "VORG")


def block(first: int, last: int) -> set[int]:
    return set(range(first, last + 1))


# What the CJK font must draw besides the standard characters.
CJK_BLOCKS = (block(0x3000, 0x303F)  # CJK Symbols and Punctuation: 。、「」《》〔〕…
              | block(0xFF00, 0xFFEF))  # Halfwidth and Fullwidth Forms: ，：（）！？…
# Also kept in the CJK font when the face has them: Latin and punctuation, so it stands on its
# own (the Latin font draws these first anyway), and the symbols of Chinese documents and course
# titles that Noto Serif lacks (≤ ∈ Ⅲ ① ■ ★).
CJK_ALSO = (block(0x0020, 0x007E) | block(0x00A0, 0x00FF) | block(0x2000, 0x206F)
            | block(0x2100, 0x22FF)  # Letterlike, Number Forms, Arrows, Mathematical Operators
            | block(0x2460, 0x24FF)  # Enclosed Alphanumerics: ① ⑵ ⒈
            | block(0x25A0, 0x25FF)  # Geometric Shapes: ■ □ ▲ ○ ●
            | block(0x2605, 0x2606))  # ★ ☆

# What the Latin font draws: the names of students of any nationality written in Latin letters,
# French typography, and the signs of course titles.
LATIN_BLOCKS = (
    block(0x0020, 0x007E)  # Basic Latin
    | block(0x00A0, 0x00FF)  # Latin-1 Supplement: é, «», €…
    | block(0x0100, 0x017F)  # Latin Extended-A: Œ œ Ł ő Ş…
    | block(0x0180, 0x024F)  # Latin Extended-B: pinyin ǎ ǐ ǒ ǔ ǘ, Romanian Ș ș Ț ț
    | block(0x02B0, 0x02FF)  # Spacing Modifier Letters: ʳ (1ʳᵉ), ˚
    | block(0x0300, 0x036F)  # Combining Diacritical Marks: text typed in decomposed form
    | block(0x0370, 0x03FF)  # Greek and Coptic: λ-calcul, α, Ω…
    | block(0x0400, 0x045F)  # Cyrillic (base)
    | block(0x1D00, 0x1DBF)  # Phonetic Extensions: ᵉ ᵐ ᵍ (2ᵉ, Mᵐᵉ, Mᵍʳ)
    | block(0x1E00, 0x1EFF)  # Latin Extended Additional: Vietnamese names (Nguyễn)
    | block(0x2000, 0x206F)  # General Punctuation: – — ’ “ ” … and U+2009, U+202F spaces
    | block(0x2070, 0x209F)  # Superscripts and Subscripts
    | block(0x20A0, 0x20CF)  # Currency Symbols: €
    | block(0x2100, 0x214F)  # Letterlike Symbols: №, ℃, ™
    | block(0x2150, 0x218F)  # Number Forms: ½, Ⅰ Ⅱ Ⅲ
    | block(0x2190, 0x21FF)  # Arrows
    | block(0x2200, 0x22FF)  # Mathematical Operators: − ≤ ≥ ≈ ∞ (what the font has)
    | block(0xFB00, 0xFB06)  # ﬁ ﬂ ligatures typed as characters
)

# Code points the build must cover (assigned ones only), checked on every output.
REQUIRED_BLOCKS = (block(0x0020, 0x007E) | block(0x00A0, 0x00FF) | block(0x0100, 0x017F)
                   | block(0x2000, 0x206F) | CJK_BLOCKS)


@dataclass(frozen=True)
class Output:
    name: str  # file written in OUT_DIR
    source: Path
    subfamily: str  # "Regular" or "Bold": checked against the source's name table
    cjk: bool


OUTPUTS = (
    Output("NotoSerif-Regular.subset.ttf", LATIN_DIR / "NotoSerif-Regular.ttf", "Regular", False),
    Output("NotoSerif-Bold.subset.ttf", LATIN_DIR / "NotoSerif-Bold.ttf", "Bold", False),
    Output("NotoSerifCJKsc-Regular.subset.ttf", CJK_DIR / "NotoSerifCJK-Regular.ttc", "Regular",
           True),
    Output("NotoSerifCJKsc-Bold.subset.ttf", CJK_DIR / "NotoSerifCJK-Bold.ttc", "Bold", True),
)


def standard_characters(path: Path = STANDARD_CHARACTERS) -> list[str]:
    """The 8,105 characters of the 通用规范汉字表, one per line, '#' lines are comments."""
    lines = path.read_text(encoding="utf-8").splitlines()
    characters = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    if len(characters) != 8105 or len(set(characters)) != 8105:
        raise SystemExit(f"{path}: expected 8,105 distinct characters, got {len(characters)}")
    return characters


def assigned(code_points: Iterable[int]) -> set[int]:
    """Leave out unassigned code points: no font can be asked to draw them."""
    return {cp for cp in code_points if unicodedata.category(chr(cp)) != "Cn"}


def load_face(output: Output) -> TTFont:
    """The source face: a .ttf, or the face of a .ttc named CJK_FACE (indices differ between
    releases of the collection, names do not)."""
    if output.source.suffix != ".ttc":
        font = TTFont(output.source)
    else:
        collection = TTCollection(output.source, lazy=True)
        indices = [i for i, face in enumerate(collection.fonts)
                   if face["name"].getDebugName(1) == CJK_FACE]
        if len(indices) != 1:
            raise SystemExit(f"{output.source}: {len(indices)} faces named {CJK_FACE!r}")
        font = TTFont(output.source, fontNumber=indices[0])
    subfamily = font["name"].getDebugName(2)
    if subfamily != output.subfamily:
        raise SystemExit(f"{output.source}: subfamily {subfamily!r}, not {output.subfamily!r}")
    font.recalcTimestamp = False  # keep the source's date: same inputs, same bytes
    return font


def subset_font(font: TTFont, unicodes: set[int], cjk: bool) -> None:
    options = subset.Options()
    options.name_IDs = ["*"]  # keep copyright, licence and trademark notices (OFL §2)
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.glyph_names = False
    options.drop_tables += list(CJK_DROPPED_TABLES) if cjk else []
    if cjk:
        options.layout_features = []
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)


def cff_to_glyf(font: TTFont) -> None:
    """Replace cubic CFF outlines by quadratic TrueType ones (what fontTools' otf2ttf does)."""
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        # TrueType winds outer contours clockwise, CFF counter-clockwise.
        glyph_set[name].draw(Cu2QuPen(pen, MAX_CURVE_ERROR, reverse_direction=True))
        glyf[name] = pen.glyph()
    # A TrueType rasterizer puts a glyph's xMin at its left side bearing, and xMin counts the
    # off-curve points, which can lie left of the CFF outline's extremes: without this every
    # such glyph would print shifted right (up to 5 units).
    hmtx = font["hmtx"]
    for name in order:
        glyph = glyf[name]
        glyph.recalcBounds(glyf)
        hmtx[name] = (hmtx[name][0], getattr(glyph, "xMin", 0))
    font["loca"] = newTable("loca")
    font["glyf"] = glyf
    for tag in ("CFF ", "VORG"):
        if tag in font:
            del font[tag]
    maxp = newTable("maxp")  # version 1.0; the glyph statistics are computed when saving
    maxp.tableVersion = 0x00010000
    maxp.numGlyphs = len(order)
    maxp.maxZones = 1
    for field in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                  "maxStackElements", "maxSizeOfInstructions", "maxComponentElements",
                  "maxComponentDepth", "maxPoints", "maxContours", "maxCompositePoints",
                  "maxCompositeContours"):
        setattr(maxp, field, 0)
    font["maxp"] = maxp
    font["head"].glyphDataFormat = 0
    font["post"].formatType = 3.0  # no glyph names: nothing reads them, they cost 100 kB
    font.sfntVersion = "\x00\x01\x00\x00"


def build(output: Output, unicodes: set[int], out_dir: Path) -> set[int]:
    font = load_face(output)
    available = set(font.getBestCmap())
    subset_font(font, unicodes & available, output.cjk)
    if output.cjk:
        cff_to_glyf(font)
    path = out_dir / output.name
    font.save(path)
    saved = TTFont(path)
    covered = set(saved.getBestCmap())
    print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: "
          f"{saved['maxp'].numGlyphs} glyphs, {len(covered)} code points, "
          f"{path.stat().st_size / 1e6:.2f} MB", flush=True)
    return covered


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="folder to write (%(default)s)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    hanzi = {ord(c) for c in standard_characters()}
    wanted = {False: LATIN_BLOCKS, True: hanzi | CJK_BLOCKS | CJK_ALSO}
    covered: dict[str, set[int]] = {}
    for output in OUTPUTS:
        covered[output.name] = build(output, wanted[output.cjk], args.out)

    problems = []
    for cjk in (False, True):
        weights = [covered[o.name] for o in OUTPUTS if o.cjk == cjk]
        if any(w != weights[0] for w in weights):
            problems.append(f"{'CJK' if cjk else 'Latin'} weights cover different code points")
    everything = set().union(*covered.values())
    missing = sorted((hanzi | assigned(REQUIRED_BLOCKS)) - everything)
    if missing:
        problems.append("not covered: " + " ".join(f"U+{cp:04X}" for cp in missing[:40]))
    for problem in problems:
        print(problem, file=sys.stderr)
    total = sum((args.out / o.name).stat().st_size for o in OUTPUTS)
    print(f"total {total / 1e6:.2f} MB; {len(everything)} code points drawable")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
