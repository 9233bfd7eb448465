"""Lay out the bilingual documents — the transcript and the combined-diploma record — as HTML
and as A4 PDF (WeasyPrint, with the bundled fonts embedded).

The HTML and the PDF come from the same template, and both from the pure
:class:`~jointdegree.diplomas.transcript.Transcript`; nothing is computed here but layout.
Before anything is printed, every character is checked against the bundled fonts: a name the
fonts cannot draw is refused with the character named, never printed as an empty box.
"""

from __future__ import annotations

import atexit
import functools
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import segno
from flask import Response, current_app, render_template
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from jointdegree.diplomas.transcript import Transcript
from jointdegree.diplomas.wording import document_words, honours_glosses, languages_of
from jointdegree.errors import ValidationFailed

STATIC = Path(__file__).resolve().parent.parent / "static"
UNITS = {"ects": "ECTS", "cn": "学分"}


def num(value: Decimal | int | None) -> str:
    """A number as the documents print it: no exponent, no trailing zeros ("6.0" → "6",
    "4.50" → "4.5")."""
    if value is None:
        return ""
    value = Decimal(value)
    if value == value.to_integral_value():
        return format(value.quantize(Decimal(1)), "f")
    return format(value.normalize(), "f")


@dataclass(frozen=True)
class Bar:
    """One grade's bar of an ECTS grading table's histogram, in the SVG's units."""

    grade: str
    count: int
    x: float
    y: float
    width: float
    height: float
    labelled: bool  # the grade is written under the bar (first, middle and last)

    @property
    def middle(self) -> float:
        return round(self.x + self.width / 2, 2)


# The histogram's frame (viewBox 0 0 240 78): bars stand on a baseline at y = 60, at most 52
# high, spread over 230 units from x = 5; each bar fills 80% of its slot.
HISTOGRAM_LEFT, HISTOGRAM_SPAN, BASELINE, TALLEST = 5, 230, 60, 52


def histogram(distribution: Sequence[tuple[str, int]]) -> tuple[list[Bar], int]:
    """Bars from the worst passing grade on the left to the best on the right (the table lists
    the best first), heights proportional to the counts; and the highest count (its scale)."""
    rows = list(reversed(distribution))
    if not rows:
        return [], 0
    top = max(count for _grade, count in rows) or 1
    slot = HISTOGRAM_SPAN / len(rows)
    bars = []
    for index, (grade, count) in enumerate(rows):
        height = TALLEST * count / top
        bars.append(Bar(grade, count, round(HISTOGRAM_LEFT + index * slot, 2),
                        round(BASELINE - height, 2), round(slot * 0.8, 2), round(height, 2),
                        index in (0, len(rows) - 1, len(rows) // 2)))
    return bars, top


def verify_url(code: str) -> str:
    return f"{current_app.config['BASE_URL'].rstrip('/')}/verify/{code}"


def qr_svg(url: str, label: str) -> Markup:
    """A QR code of ``url`` as inline SVG (no image file, no script: allowed by the CSP)."""
    svg = segno.make(url, error="m").svg_inline(scale=2.2, border=2, title=label,
                                                 svgclass="qr", lineclass=None)
    return Markup(svg.replace("<svg ", '<svg role="img" aria-label="QR" ', 1))  # noqa: S704 - segno's own SVG


def refuse_undrawable(text: str) -> None:
    """Refuse to print a document whose text the bundled fonts cannot draw."""
    from jointdegree.diplomas import fonts

    missing = fonts.missing_characters(text)
    if missing:
        shown = ", ".join(f"{c} (U+{ord(c):04X})" for c in missing[:10])
        message = _l("The documents cannot print these characters: %(chars)s. Correct the "
                     "record or ask an administrator to extend the fonts.", chars=shown)
        raise ValidationFailed(message, code="undrawable_character")


_LANG_ATTRIBUTE = {"zh": "zh-Hans"}  # the documents' Chinese is in simplified characters


class Bilingual:
    """The documents' two writing helpers: a fixed word (``w``) or a record's name (``names``)
    in every language of the document, side by side, each marked with its language.

    Plain functions rather than Jinja macros: a transcript calls them some 300 times, and a
    word's markup is built once per document."""

    def __init__(self, words: Mapping[str, Mapping[str, str]], languages: Sequence[str]) -> None:
        self.words, self.languages = words, languages
        self._built: dict[str, Markup] = {}

    def _spans(self, texts: Mapping[str, str], languages: Sequence[str]) -> Markup:
        # (escape() and f-strings: Markup.format goes through string.Formatter, five times
        # slower, and this runs for every cell of the transcript)
        inner = "".join(f'<span lang="{_LANG_ATTRIBUTE.get(lang, lang)}">{escape(texts[lang])}'
                        "</span>" for lang in languages)
        return Markup(f'<span class="bi">{inner}</span>')  # noqa: S704 (every text escaped)

    def w(self, key: str) -> Markup:
        built = self._built.get(key)
        if built is None:
            built = self._built[key] = self._spans(self.words[key], self.languages)
        return built

    def names(self, names: Any) -> Markup:
        """A :class:`Names` or a ``{lang: name}`` mapping: the document's languages it has,
        else whatever single name it holds (a partner known by one name only)."""
        texts = names.as_dict() if hasattr(names, "as_dict") else names
        present = [lang for lang in self.languages if texts.get(lang)]
        if present:
            return self._spans(texts, present)
        first = next(iter(texts.values()), None)
        inner = f"<span>{escape(first)}</span>" if first is not None else ""
        return Markup(f'<span class="bi">{inner}</span>')  # noqa: S704 (escaped)


def _context(english: bool) -> dict[str, Any]:
    languages = languages_of(english)
    words = document_words(languages)
    write = Bilingual(words, languages)
    return {"words": words, "doc_langs": languages, "num": num, "unit": UNITS,
            "honours_gloss": honours_glosses(words, languages), "histogram": histogram,
            "w": write.w, "names": write.names}


def transcript_context(transcript: Transcript, english: bool = False) -> dict[str, Any]:
    context = _context(english)
    context["transcript"] = transcript
    if transcript.verification_code:
        url = verify_url(transcript.verification_code)
        context.update(qr_svg=qr_svg(url, transcript.verification_code), verify_url=url)
    return context


def transcript_html(transcript: Transcript, english: bool = False) -> str:
    """The standalone document the PDF is made of."""
    return render_template("diplomas/transcript_print.html",
                           **transcript_context(transcript, english))


def transcript_pdf(transcript: Transcript, english: bool = False) -> bytes:
    refuse_undrawable(transcript.text())
    return to_pdf(transcript_html(transcript, english))


def transcript_file(document: Transcript, format: str, english: bool = False
                    ) -> tuple[bytes, str, str]:
    """The transcript as a file (body, media type, file name): pdf, elmo or json. The page, the
    API and the CLI all download it through here."""
    stem = document.number
    if format == "pdf":
        return transcript_pdf(document, english), "application/pdf", f"{stem}.pdf"
    if format == "elmo":
        from datetime import UTC, datetime

        from jointdegree.diplomas.elmo import elmo_document

        return (elmo_document(document, datetime.now(UTC)), "application/xml",
                f"{stem}.elmo.xml")
    import json

    from jointdegree.diplomas.transcript import to_data

    body = json.dumps(to_data(document), ensure_ascii=False, indent=2).encode()
    return body, "application/json", f"{stem}.json"


def attachment(body: bytes, mimetype: str, filename: str) -> Response:
    """A document as a download (the pages and the API)."""
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename={filename}"})


def transcript_download(document: Transcript, format: str, english: bool = False) -> Response:
    return attachment(*transcript_file(document, format, english))


def diploma_context(content: Mapping[str, Any], status: str, code: str | None,
                    english: bool = False) -> dict[str, Any]:
    context = _context(english)
    context.update(record=content, status=status, code=code)
    if code:
        url = verify_url(code)
        context.update(qr_svg=qr_svg(url, code), verify_url=url)
    return context


def diploma_pdf(content: Mapping[str, Any], status: str, code: str | None,
                english: bool = False) -> bytes:
    refuse_undrawable(record_text(content))
    html = render_template("diplomas/diploma_print.html",
                           **diploma_context(content, status, code, english))
    return to_pdf(html)


def record_text(content: Mapping[str, Any]) -> str:
    """Every string of a record (nested), for the font check."""
    parts: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, Mapping):
            for item in value.values():
                walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)

    walk(content)
    return "\n".join(parts)


@functools.cache
def _stylesheets() -> tuple[Any, ...]:
    """Parsed once per process: the fonts' @font-face rules and the document stylesheet."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    from jointdegree.diplomas import fonts

    configuration = FontConfiguration()
    css = (CSS(string=fonts.font_face_css(), font_config=configuration),
           CSS(filename=str(STATIC / "css" / "document.css"), font_config=configuration))
    return configuration, css


# Drop the cached font configuration before the interpreter tears modules down (its finaliser
# needs them).
atexit.register(_stylesheets.cache_clear)


_RENDERING = threading.Lock()


def to_pdf(html: str) -> bytes:
    """One render at a time per process: the shared font configuration is not known to be
    thread-safe, and rendering holds the GIL anyway (processes, not threads, use the cores)."""
    from weasyprint import HTML

    from jointdegree.diplomas import fonts

    configuration, stylesheets = _stylesheets()
    with _RENDERING:
        return HTML(string=html, base_url=str(STATIC)).write_pdf(
            stylesheets=list(stylesheets), font_config=configuration, **fonts.PDF_OPTIONS)
