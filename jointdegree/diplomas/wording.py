"""The fixed wording of the bilingual documents, in every language they print at once.

A transcript or a diploma states its headings in French and Chinese side by side (English on
request), whatever the reader's interface language. The words are ordinary catalog messages, so
the translators keep one vocabulary; here each is rendered in every language of the document.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from jointdegree.labels import AUDIT_WORDS, HONOURS_MEANING, LABELS
from jointdegree.matching.grade_views import METHOD_LABELS
from jointdegree.planning.models import Attempt, ResultStatus

LOCALES = {"fr": "fr", "zh": "zh_Hans", "en": "en"}
DOCUMENT_LANGUAGES = ("fr", "zh")  # always printed; English is an option

WORDS: dict[str, Any] = {
    "transcript": _l("Transcript of records"),
    "double_degree": _l("Double degree"),
    "document_number": _l("Document number"),
    "issued_on": _l("Issued on"),
    "student": _l("Student"),
    "name": _l("Name"),
    "name_han": _l("Name in Chinese characters"),
    "birth_date": _l("Date of birth"),
    "nationality": _l("Nationality"),
    "student_number": _l("Student number"),
    "programme": _l("Double-degree programme"),
    "awarding": _l("Awarding institution"),
    # "mention" in its first French sense: the field of study in the degree's title.
    "degree_title": _l("Degree title (field of study)"),
    "level": _l("Level"),
    "documents": _l("Documents awarded"),
    "audit": _l("Degree audit"),
    "credits_earned": _l("Credits earned / required"),
    "average": _l("Weighted average"),
    # "mention" in its second French sense: the honours of the diploma average.
    "honours": _l("Honours (diploma average)"),
    "no_honours": _l("no honours in this system"),
    "term": _l("Term"),
    # Short forms for the transcript's narrow column (the long labels explain them elsewhere).
    "sitting_first": _l("First sitting"),
    "sitting_resit": _l("Resit"),
    "sitting_retake": _l("Retaken course"),
    "code": _l("Code"),
    "course": _l("Course"),
    "session": _l("Session"),
    "result": _l("Result"),
    "credits": _l("Credits"),
    "grade": _l("Grade"),
    "converted": _l("Converted"),
    "method": _l("Conversion method"),
    "term_total": _l("Term total"),
    "year_totals": _l("Totals per academic year"),
    "academic_year": _l("Academic year"),
    "all_courses": _l("All courses, both institutions"),
    "legend": _l("Grading scales and conversions"),
    "scale": _l("Scale"),
    "pass_mark": _l("Pass mark"),
    "bands": _l("Grades"),
    "distribution": _l("ECTS grading table: passing grades given"),
    "reference_group": _l("Reference group"),
    "results_count": _l("Results"),
    "not_convertible": _l("not credited on the other side by the partnership's rule"),
    "no_rule": _l("no conversion rule"),
    "verify": _l("Verify this document"),
    "verification_code": _l("Verification code"),
    "diploma_serial": _l("Diploma serial number"),
    "conversion_note": _l("Each result is shown as awarded by its institution, then converted "
                          "for the partner by the rules both institutions agreed; the method is "
                          "named beside it."),
    "combined_diploma": _l("Combined double-diploma record"),
    "conferred_on": _l("Conferred on"),
    "overall_grade": _l("Overall grade"),
    "total_credits": _l("Total credits"),
    "signatories": _l("Signatories"),
    "replaces": _l("Replaces record"),
    "verify_at": _l("Check it at"),
    "ects": _l("ECTS credits"),
    "cn": _l("Chinese credits (学分)"),
}

_ENUM_WORDS: dict[str, Any] = {
    **{f"attempt_{a.value}": LABELS[a] for a in Attempt},
    **{f"status_{s.value}": LABELS[s] for s in ResultStatus},
    **{f"audit_{key}": AUDIT_WORDS[key] for key in ("satisfied", "not_yet", "impossible",
                                                     "waived")},
    **{f"method_{key}": text for key, text in METHOD_LABELS.items()},
    **{f"honours_{value}": text for value, text in HONOURS_MEANING.items()},
}


def document_words(languages: Sequence[str]) -> Mapping[str, Mapping[str, str]]:
    """Every word of the documents, as ``{key: {lang: text}}`` for ``languages``.

    The translations are loaded once per process, so the words are too: worked out on a
    process's first document in those languages (one locale switch per language), then reused
    (it was a twentieth of a transcript page)."""
    return _words_in(tuple(languages))


@functools.cache
def _words_in(languages: tuple[str, ...]) -> Mapping[str, Mapping[str, str]]:
    words: dict[str, dict[str, str]] = {key: {} for key in (*WORDS, *_ENUM_WORDS)}
    for lang in languages:
        with force_locale(LOCALES[lang]):
            for key, text in (*WORDS.items(), *_ENUM_WORDS.items()):
                words[key][lang] = str(text)
    return MappingProxyType({key: MappingProxyType(texts) for key, texts in words.items()})


def languages_of(english: bool) -> tuple[str, ...]:
    return (*DOCUMENT_LANGUAGES, "en") if english else DOCUMENT_LANGUAGES


def pick(names: Mapping[str, str], lang: str) -> str:
    return names.get(lang) or ""


def honours_glosses(words: Mapping[str, Mapping[str, str]], languages: Sequence[str]
                    ) -> dict[str, str]:
    """French honours → their meaning in the document's other languages ("很好", or
    "很好 · very good" with English): the French word itself is printed as awarded."""
    return {value: " · ".join(words[f"honours_{value}"][lang] for lang in languages
                              if lang != "fr")
            for value in HONOURS_MEANING}
