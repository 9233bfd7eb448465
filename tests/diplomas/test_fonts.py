"""The bundled PDF fonts: what they can draw, what they refuse, and that WeasyPrint embeds them
(and nothing from the machine) in a bilingual document whose text survives the round trip."""

from __future__ import annotations

import io
import unicodedata

import pytest
from fontTools.ttLib import TTFont

from jointdegree.diplomas import fonts


def assigned(first: int, last: int) -> str:
    """The assigned, visible characters of a Unicode block."""
    return "".join(chr(cp) for cp in range(first, last + 1)
                   if unicodedata.category(chr(cp)) not in ("Cn", "Cc", "Cs", "Co"))


def test_standard_characters_are_the_8105_of_the_2013_table() -> None:
    table = fonts.standard_characters()
    assert len(table) == 8105
    assert len(set(table)) == 8105
    assert all(len(char) == 1 for char in table)
    # The table's order: level 1 is 一…矗, level 2 乂…齉, level 3 亍…蠼.
    assert (table[0], table[3499], table[3500], table[6499], table[6500], table[-1]) == (
        "一", "矗", "乂", "齉", "亍", "蠼")
    assert {"喆", "堃", "𬌗"} <= set(table[6500:])  # level 3; 𬌗 is outside the BMP


def test_every_standard_character_is_drawable() -> None:
    assert fonts.missing_characters("".join(fonts.standard_characters())) == []


@pytest.mark.parametrize("name", ["张喆", "王堃", "陶喆", "欧阳娜娜", "司马懿"])
def test_chinese_names_are_drawable(name: str) -> None:
    assert fonts.missing_characters(name) == []


@pytest.mark.parametrize("text", [
    "Élève Zoë, mention « très bien » – 1ʳᵉ année, 2ᵉ session",
    "Mᵐᵉ Françoise L’Hôpital, Mˡˡᵉ Œdipe-Nœud, Mᵍʳ Ÿves : n° 42, № 7, 1 200,50 €",
    "Systèmes distribués\u202f; « Bases de données »\u202f! — p. 3…",  # narrow no-break spaces
    "Łukasz Wąsowski, Ștefan Țurcanu, Nguyễn Thị Ánh, Antonín Dvořák, Kurt Gödel, Lǚ Xiǎomíng",
    "λ-calcul, α ≤ β, x ∈ ℝ, 20 °C, ½, Ⅲ, ‰, “quoted”, ‘single’, ‹ › ‐ ‑ ‒ ― †",
])
def test_latin_typography_is_drawable(text: str) -> None:
    assert fonts.missing_characters(text) == []


@pytest.mark.parametrize(("first", "last"), [
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x00FF),  # Latin-1 Supplement
    (0x0100, 0x017F),  # Latin Extended-A
    (0x2000, 0x206F),  # General Punctuation
    (0x3000, 0x303F),  # CJK Symbols and Punctuation
    (0xFF00, 0xFFEF),  # Halfwidth and Fullwidth Forms
])
def test_required_blocks_are_drawable(first: int, last: int) -> None:
    assert fonts.missing_characters(assigned(first, last)) == []


def test_characters_outside_the_fonts_are_named_once_in_order() -> None:
    # U+20000 (CJK Extension B, not in the table), an emoji, a Tangut character.
    text = "张𠀀喆😀 Zoë 𗀀😀𠀀"
    assert fonts.missing_characters(text) == ["𠀀", "😀", "𗀀"]
    assert fonts.describe("𠀀") == "U+20000 𠀀 (CJK UNIFIED IDEOGRAPH-20000)"


def test_spaces_and_controls_are_never_missing() -> None:
    assert fonts.missing_characters("a\nb\tc\r\u00a0d\u202fe\u3000f\u2009g\x0b") == []


def test_every_weight_of_a_family_draws_the_same_characters() -> None:
    by_family: dict[str, list[frozenset[int]]] = {}
    for font in fonts.BUNDLED_FONTS:
        with TTFont(font.path, lazy=True) as ttfont:
            by_family.setdefault(font.family, []).append(frozenset(ttfont.getBestCmap()))
    assert set(by_family) == {fonts.LATIN_FAMILY, fonts.CJK_FAMILY}
    for cmaps in by_family.values():
        assert len(cmaps) == 2
        assert cmaps[0] == cmaps[1]


def test_fonts_ship_with_their_licence() -> None:
    for font in fonts.BUNDLED_FONTS:
        assert font.path.is_file()
        assert font.path.parent == fonts.LICENSE_FILE.parent
    licence = fonts.LICENSE_FILE.read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    assert "Adobe" in licence and "Google" in licence  # the copyright holders of both sources
    assert (fonts.FONTS_DIR / "README.md").is_file()


def embedded_fonts(pdf: bytes) -> dict[str, bytes]:
    """BaseFont name → embedded font program, for every font of every page."""
    from pypdf import PdfReader

    found = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            program = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
            found[str(font["/BaseFont"])] = program.get_object().get_data()
    return found


def test_bilingual_document_renders_with_the_bundled_fonts_only() -> None:
    from pypdf import PdfReader
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    html = """<html lang="fr"><body>
      <h1>Relevé de notes — 成绩单</h1>
      <p>Étudiant : 张喆</p>
      <p>Systèmes distribués</p>
      <p lang="zh-Hans">数据库系统</p>
      <p>Mention « très bien » – 1ʳᵉ année, Łukasz Wąsowski</p>
    </body></html>"""
    configuration = FontConfiguration()
    stylesheet = CSS(string=fonts.font_face_css(), font_config=configuration)
    pdf = HTML(string=html).write_pdf(stylesheets=[stylesheet], font_config=configuration,
                                      **fonts.PDF_OPTIONS)

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for expected in ("Systèmes distribués", "数据库系统", "张喆", "成绩单", "très bien",
                     "Łukasz Wąsowski"):
        assert expected in text

    embedded = embedded_fonts(pdf)
    # Regular and bold (the heading) of both families, and nothing the machine has.
    families = {name.split("+", 1)[1] for name in embedded}
    assert families == {"JointDegree-Noto-Serif", "JointDegree-Noto-Serif-Bold",
                        "JointDegree-Noto-Serif-CJK-SC", "JointDegree-Noto-Serif-CJK-SC-Bold"}
    for program in embedded.values():
        # A subset of a bundled file: TrueType outlines, the source's family name kept.
        font = TTFont(io.BytesIO(program))
        assert "glyf" in font
        assert font["name"].getDebugName(1) in ("Noto Serif", "Noto Serif CJK SC")
