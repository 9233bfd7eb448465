"""The double-degree transcript as an EMREX ELMO document (schema release v1.7.0, namespace
``…/elmo-schemas/tree/v1``), the transcript format EMREX and the EWP ToR API exchange.

Pure (no Flask, no database): :func:`elmo_document` lays out a
:class:`~jointdegree.diplomas.transcript.Transcript` and returns UTF-8 XML bytes; the same
transcript and time give the same bytes. The tests validate it against the upstream XSD with
:func:`jointdegree.xsd.validate`; the running app needs no XSD.

How the transcript maps onto ELMO, and the choices the schema forced or left open:

* Reports. ELMO says data from several institutions MUST go in separate ``report`` elements:
  one per partner (French first), its ``issuer`` being the awarding institution, holding only
  the courses taken there. ``issuer`` requires an identifier and a URL: the identifier is the
  SCHAC code (``hei_id``, ``type="schac"``) and the URL, which the transcript does not hold, is
  ``https://www.<hei_id>`` unless the caller passes ``urls`` — the schema's own "best guess
  from the web domain" advice. An institution without ``hei_id`` cannot be exported.
* Learner. Names as the transcript holds them (Latin script); ``citizenship`` only when it is
  an ISO alpha-2 code (the schema's Europass list). Student numbers are per institution, so
  their identifier type is the custom ``studentNumber:<hei_id>``: ELMO predefines only national
  ids and the ESI, and the ESI is a European scheme a Chinese university number is not part of.
* Degrees. Each partner's degree is a ``learningOpportunitySpecification`` of type
  ``Degree Programme`` whose ``hasPart`` children are that partner's courses (the tree the
  schema describes and its example uses). Its instance carries the audit as ``status``
  (satisfied / waived → ``passed``; not yet / impossible → ``in-progress``: "impossible" means
  the plan must change, not a final failure, and ``failed`` may never change again), the
  average as ``resultLabel``, ``date`` only once passed, the EQF ``level`` and, when the scale
  has one, the ECTS grading table as ``resultDistribution``. It carries no ``credit``: ELMO
  forbids counting credits on a node whose descendants already carry them. Level, audit,
  credits completed/required, honours (the *other* French "mention") and the documents awarded
  are its ``description``.
* Courses. One specification per transcript line (``specifies`` holds exactly one instance,
  so a failed attempt and its resit are two specifications of the same course, sharing the
  course's ``local`` and ``ewp-los-id`` identifiers; the instance carries ``ewp-loi-id``, both
  as :mod:`jointdegree.catalog.ewp` computes them, so a partner can match the Courses API).
  ``status`` has three values: passed, compensated and recognised are ``passed``; failed is
  ``failed``; in progress is ``in-progress``. ``resultLabel`` is the grade as recorded, on the
  ``gradingSchemeLocalId`` scale; a recognised line without a grade has neither.
* Credits. ``credit/scheme`` is an open token: ``ects`` (the only predefined value) first, then
  ``cn-xuefen`` for 学分 — the custom scheme the EWP exports already use
  (:data:`~jointdegree.catalog.ewp.CREDIT_SCHEMES`). Each course states both, native and
  converted. ELMO's ``credit`` is what the learner *acquired*, so failed and in-progress
  attempts state ``0``. The deprecated ``credit/level`` is not written.
* Grading schemes. Every scale a report uses is a ``gradingScheme`` whose ``localId`` is the
  scale code and whose ``description`` (English, French, Chinese) gives range, pass mark, bands
  and the ECTS grading table. ``shortenedGrading`` is not written: it compares the learner with
  the same *course's* students, which the transcript does not know.
* Hours. ``engagementHours`` is documented as the hours spent attending classes: the course's
  contact hours (not the total workload, which adds self-study).
* Terms. Each course instance has its ``academicTerm`` (titles, start, end) and ``start`` /
  ``date`` (the term's first and last days: the transcript has no exam dates; no ``date`` while
  in progress); the terms are
  also the ``groups`` of the document (one ``groupType``), which each instance's ``grouping``
  refers to, so a client can list courses semester by semester.
* Languages. ``xml:lang`` is BCP 47: Chinese text is ``zh-Hans``; ``languageOfInstruction``
  is a single ISO 639-1 code and is left out for a course taught in several languages.
* What ELMO v1 has no element for goes in ``extension`` elements in :data:`EXTENSION_NS`
  (which clients ignore when they do not know it): the learner's name in Chinese characters,
  the transcript number and partnership, and per course the attempt, the exact result status
  and the converted grade.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal

from lxml import etree

from jointdegree.catalog.ewp import CREDIT_SCHEMES, EwpInstitution, loi_id, los_id
from jointdegree.decimals import plain
from jointdegree.diplomas.transcript import (
    Degree,
    InstitutionPart,
    Line,
    Names,
    ScaleLegend,
    Term,
    Transcript,
)
from jointdegree.xsd import xml_text

ELMO_NS = "https://github.com/emrex-eu/elmo-schemas/tree/v1"
ELMO_VERSION = "1.7.0"
XML_NS = "http://www.w3.org/XML/1998/namespace"
XML_LANG = f"{{{XML_NS}}}lang"
EXTENSION_NS = "urn:jointdegree:elmo:1"
"""Our own ``extension`` content; ELMO allows any namespace but its own there."""

LANGS = ("en", "fr", "zh")  # ELMO asks for English first, then the original language
TEXT_LANGS: dict[str, str] = {"en": "en", "fr": "fr", "zh": "zh-Hans"}
STATUSES: dict[str, str] = {"passed": "passed", "compensated": "passed", "recognised": "passed",
                            "failed": "failed", "in_progress": "in-progress"}
DEGREE_STATUSES: dict[str, str] = {"satisfied": "passed", "waived": "passed",
                                   "not_yet": "in-progress", "impossible": "in-progress"}
EQF_LEVELS: dict[str, str] = {"bachelor": "6", "master": "7", "doctorate": "8"}
TERM_GROUPS = "terms"  # the groupType id of the terms

_COUNTRY = re.compile(r"^[A-Z]{2}$")

# Sentences per language; numbers are filled in already written (plain decimals).
_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "range": "{name}: grades from {low} to {high}.", "bands_only": "{name}: grade bands.",
        "pass": "Pass mark: {mark}.", "fail": " (fail)", "sep": " ", "list": ", ",
        "band": "{label}: {span}",
        "table": "ECTS grading table — passing results of {group} (grade: number): {counts}.",
        "table_short": "ECTS grading table — passing results (grade: number): {counts}.",
        "distribution": "ECTS grading table: how often each passing grade was given{group}; "
                        "failed results are not counted.",
        "group": " to {group}", "term_group": "Academic terms",
        "level": {"bachelor": "Bachelor's degree", "master": "Master's degree",
                  "doctorate": "Doctorate"},
        "audit": {"satisfied": "Degree requirements met.",
                  "waived": "Degree requirements waived.",
                  "not_yet": "Degree requirements not yet met.",
                  "impossible": "Degree requirements not met by the current study plan."},
        "credits": "{done} of {required} {system} credits completed.",
        "average": "Average: {average} ({scale}).",
        "honours": "Honours: {honours}.", "documents": "Awarded documents: {documents}.",
        "system": {"ects": "ECTS", "cn": "Chinese (学分)"},
        "mentions": {"passable": "Pass (passable)", "assez_bien": "Fairly good (assez bien)",
                     "bien": "Good (bien)", "tres_bien": "Very good (très bien)"},
    },
    "fr": {
        "range": "{name} : notes de {low} à {high}.", "bands_only": "{name} : notes par niveaux.",
        "pass": "Seuil de réussite : {mark}.", "fail": " (échec)", "sep": " ", "list": ", ",
        "band": "{label} : {span}",
        "table": "Table de notation ECTS — résultats admis de {group} (note : effectif) : "
                 "{counts}.",
        "table_short": "Table de notation ECTS — résultats admis (note : effectif) : {counts}.",
        "distribution": "Table de notation ECTS : fréquence de chaque note de réussite{group} ; "
                        "les échecs ne sont pas comptés.",
        "group": " ({group})", "term_group": "Semestres",
        "level": {"bachelor": "Licence", "master": "Master", "doctorate": "Doctorat"},
        "audit": {"satisfied": "Conditions d'obtention remplies.",
                  "waived": "Conditions d'obtention levées.",
                  "not_yet": "Conditions d'obtention pas encore remplies.",
                  "impossible": "Conditions d'obtention non atteignables par le parcours actuel."},
        "credits": "{done} crédits {system} obtenus sur {required}.",
        "average": "Moyenne : {average} ({scale}).",
        "honours": "Mention : {honours}.", "documents": "Documents délivrés : {documents}.",
        "system": {"ects": "ECTS", "cn": "chinois (学分)"},
        "mentions": {"passable": "passable", "assez_bien": "assez bien", "bien": "bien",
                     "tres_bien": "très bien"},
    },
    "zh": {
        "range": "{name}：成绩范围 {low}–{high}。", "bands_only": "{name}：等级制成绩。",
        "pass": "及格线：{mark}。", "fail": "（不及格）", "sep": "", "list": "、",
        "band": "{label}：{span}",
        "table": "ECTS 成绩分布表——{group}的及格成绩（成绩：人次）：{counts}。",
        "table_short": "ECTS 成绩分布表——及格成绩（成绩：人次）：{counts}。",
        "distribution": "ECTS 成绩分布表{group}：各及格成绩的人次；不及格成绩不计入。",
        "group": "（{group}）", "term_group": "学期",
        "level": {"bachelor": "学士", "master": "硕士", "doctorate": "博士"},
        "audit": {"satisfied": "已满足学位要求。", "waived": "学位要求已豁免。",
                  "not_yet": "尚未满足学位要求。",
                  "impossible": "按现有学习计划无法满足学位要求。"},
        "credits": "已获 {done} / {required} {system}学分。",
        "average": "平均成绩：{average}（{scale}）。",
        "honours": "法国学位评语（mention）：{honours}。", "documents": "授予证书：{documents}。",
        "system": {"ects": "ECTS ", "cn": ""},
        "mentions": {"passable": "passable（及格）", "assez_bien": "assez bien（中等）",
                     "bien": "bien（良好）", "tres_bien": "très bien（优秀）"},
    },
}


def elmo_document(transcript: Transcript, generated: datetime, *,
                  urls: Mapping[str, str] | None = None) -> bytes:
    """The transcript as an ELMO ``elmo`` document generated at ``generated`` (an aware datetime,
    written in UTC), as pretty-printed UTF-8 bytes with an XML declaration.

    ``urls`` maps institution codes to their web site when ``https://www.<hei_id>`` is not it.
    Raises ``ValueError`` for a naive ``generated``, an institution without ``hei_id`` or a
    result status ELMO cannot state.
    """
    if generated.tzinfo is None or generated.utcoffset() is None:
        raise ValueError("generated must be an aware datetime")
    stamp = generated.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    root = etree.Element(_e("elmo"), nsmap={None: ELMO_NS, "jd": EXTENSION_NS})
    _sub(root, "generatedDate", stamp)
    root.append(_learner(transcript))
    for institution in transcript.institutions:
        root.append(_report(transcript, institution, stamp, (urls or {}).get(institution.code)))
    root.append(_groups(transcript.terms))
    root.append(_document_extension(transcript))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# -- learner --------------------------------------------------------------------------------------

def _learner(transcript: Transcript) -> etree._Element:
    student = transcript.student
    learner = etree.Element(_e("learner"))
    citizenship = (student.nationality or "").strip().upper()
    if _COUNTRY.match(citizenship):
        _sub(learner, "citizenship", citizenship)
    for institution in transcript.institutions:
        number = student.numbers.get(institution.code)
        if number and number.strip():
            _sub(learner, "identifier", number,
                 type=f"studentNumber:{institution.hei_id or institution.code}")
    # Both required, even empty. A student known only by a Han name (the database allows it)
    # gets it whole as family name: splitting 欧阳娜娜-like names by rule would be a guess.
    given, family = student.given_names or "", student.family_name or ""
    if not (given or family) and student.name_han:
        family = student.name_han
    _sub(learner, "givenNames", given)
    _sub(learner, "familyName", family)
    if student.birth_date is not None:
        _sub(learner, "bday", student.birth_date.isoformat())
    return learner


# -- reports --------------------------------------------------------------------------------------

def _report(transcript: Transcript, institution: InstitutionPart, stamp: str,
            url: str | None) -> etree._Element:
    report = etree.Element(_e("report"))
    report.append(_issuer(institution, url))
    courses = [_course(institution, term, line)
               for term in transcript.terms_of(institution.code) for line in term.lines
               if line.institution == institution.code]
    degree = transcript.degree_of(institution.code)
    if degree is None:
        report.extend(courses)
    else:
        report.append(_degree(transcript, degree, courses))
    _sub(report, "issueDate", stamp)
    legends = {legend.code: legend for legend in transcript.scales}
    used = dict.fromkeys(element.text or "" for element in report.iter(_e("gradingSchemeLocalId")))
    for code in used:  # the scales this report refers to, in first-use order
        report.append(_grading_scheme(code, legends.get(code)))
    return report


def _issuer(institution: InstitutionPart, url: str | None) -> etree._Element:
    hei_id = (institution.hei_id or "").strip().lower()
    if not hei_id:
        raise ValueError(f"{institution.code}: ELMO needs the institution's SCHAC id (hei_id)")
    issuer = etree.Element(_e("issuer"))
    country = institution.country.strip().upper()
    if _COUNTRY.match(country):
        _sub(issuer, "country", country)
    _sub(issuer, "identifier", hei_id, type="schac")
    _titles(issuer, institution.names, fallback=institution.code)
    _sub(issuer, "url", url or f"https://www.{hei_id.removeprefix('www.')}")
    return issuer


def _grading_scheme(code: str, legend: ScaleLegend | None) -> etree._Element:
    scheme = etree.Element(_e("gradingScheme"), localId=xml_text(code))
    if legend is not None:
        for lang in LANGS:
            _sub(scheme, "description", _scale_text(legend, lang), lang=TEXT_LANGS[lang])
    return scheme


def _scale_text(legend: ScaleLegend, lang: str) -> str:
    """The scale explained in ``lang``: range, pass mark, one line per band, the ECTS table."""
    text = _TEXT[lang]
    name = legend.names.first(lang) or legend.code
    if legend.minimum is not None and legend.maximum is not None:
        head = text["range"].format(name=name, low=plain(legend.minimum),
                                    high=plain(legend.maximum))
    else:
        head = text["bands_only"].format(name=name)
    if legend.pass_mark is not None:
        head += text["sep"] + text["pass"].format(mark=plain(legend.pass_mark))
    lines = [head]
    for band in legend.bands:
        label = band.labels.first(lang) or band.code
        span = _span(band.low, band.high)
        line = text["band"].format(label=label, span=span) if span else label
        marked = text["fail"].strip(" ()（）").lower() in label.lower()  # "Fail", "不及格"
        lines.append(line if band.passing or marked else line + text["fail"])
    if legend.distribution:
        counts = ", ".join(f"{grade}: {count}" for grade, count in legend.distribution)
        key = "table" if legend.group else "table_short"
        lines.append(text[key].format(group=legend.group or "", counts=counts))
    return "\n".join(lines)


# -- degrees --------------------------------------------------------------------------------------

def _degree(transcript: Transcript, degree: Degree,
            courses: Sequence[etree._Element]) -> etree._Element:
    institution = degree.institution
    los = etree.Element(_e("learningOpportunitySpecification"))
    _sub(los, "identifier", degree.programme_code, type="local")
    _titles(los, degree.titles, fallback=degree.programme_code)
    _sub(los, "type", "Degree Programme")
    for lang in LANGS:
        _sub(los, "description", _degree_text(degree, lang), lang=TEXT_LANGS[lang])
    loi = etree.SubElement(etree.SubElement(los, _e("specifies")),
                           _e("learningOpportunityInstance"))
    if degree.audit_status not in DEGREE_STATUSES:
        raise ValueError(f"{degree.programme_code}: audit status {degree.audit_status!r}")
    status = DEGREE_STATUSES[degree.audit_status]
    terms = transcript.terms_of(institution.code)
    if terms:
        _sub(loi, "start", min(term.starts_on for term in terms).isoformat())
        if status == "passed":  # "date on which the student finished": only once finished
            _sub(loi, "date", max(term.ends_on for term in terms).isoformat())
    _sub(loi, "status", status)
    legend = next((s for s in transcript.scales if s.code == institution.grading_scale), None)
    table = legend is not None and bool(legend.distribution)
    if degree.average is not None or table:
        _sub(loi, "gradingSchemeLocalId", institution.grading_scale)
    if degree.average is not None:
        _sub(loi, "resultLabel", _number(degree.average))
    if legend is not None and table:
        loi.append(_distribution(legend))
    if degree.level in EQF_LEVELS:
        level = etree.SubElement(loi, _e("level"))
        _sub(level, "type", "EQF")
        _sub(level, "description", "European Qualifications Framework", lang="en")
        _sub(level, "value", EQF_LEVELS[degree.level])
    for course in courses:
        etree.SubElement(los, _e("hasPart")).append(course)
    return los


def _degree_text(degree: Degree, lang: str) -> str:
    text = _TEXT[lang]
    institution = degree.institution
    lines = [f"{text['level'].get(degree.level, degree.level)} — "
             f"{institution.names.first(lang) or institution.code}",
             text["audit"].get(degree.audit_status, degree.audit_status)]
    lines.append(text["credits"].format(
        done=plain(degree.credits_completed), required=plain(degree.credits_required),
        system=text["system"].get(institution.credit_system, institution.credit_system)))
    if degree.average is not None:
        lines.append(text["average"].format(average=_number(degree.average),
                                            scale=institution.grading_scale))
    if degree.honours:
        lines.append(text["honours"].format(
            honours=text["mentions"].get(degree.honours, degree.honours)))
    if degree.documents:
        lines.append(text["documents"].format(documents=text["list"].join(degree.documents)))
    return "\n".join(lines)


def _distribution(legend: ScaleLegend) -> etree._Element:
    element = etree.Element(_e("resultDistribution"))
    for grade, count in legend.distribution:
        if count < 0:
            raise ValueError(f"{legend.code}: {count} results for {grade}")
        etree.SubElement(element, _e("category"), label=xml_text(grade), count=str(count))
    for lang in LANGS:
        group = _TEXT[lang]["group"].format(group=legend.group) if legend.group else ""
        _sub(element, "description", _TEXT[lang]["distribution"].format(group=group),
             lang=TEXT_LANGS[lang])
    return element


# -- courses --------------------------------------------------------------------------------------

def _course(institution: InstitutionPart, term: Term, line: Line) -> etree._Element:
    ewp = _ewp_institution(institution)
    los = etree.Element(_e("learningOpportunitySpecification"))
    _sub(los, "identifier", line.course_code, type="local")
    if ewp is not None:
        _sub(los, "identifier", los_id(ewp, line.course_code), type="ewp-los-id")
    _titles(los, line.titles, fallback=line.course_code)
    _sub(los, "type", "Course")
    if line.isced:
        _sub(los, "iscedCode", line.isced)
    loi = etree.SubElement(etree.SubElement(los, _e("specifies")),
                           _e("learningOpportunityInstance"))
    if ewp is not None:
        _sub(loi, "identifier", loi_id(ewp, line.course_code, term.code), type="ewp-loi-id")
    if line.status not in STATUSES:
        raise ValueError(f"{line.course_code}: result status {line.status!r}")
    status = STATUSES[line.status]
    _sub(loi, "start", term.starts_on.isoformat())
    if status != "in-progress":  # the day it finished: not yet known while in progress
        _sub(loi, "date", term.ends_on.isoformat())
    loi.append(_academic_term(term))
    _sub(loi, "status", status)
    if line.grade is not None and xml_text(line.grade):
        _sub(loi, "gradingSchemeLocalId", line.scale)
        _sub(loi, "resultLabel", line.grade)
    for system, scheme in CREDIT_SCHEMES.items():  # ects first
        amount = line.credits_in(system)
        if amount is None:
            continue
        if not amount.is_finite() or amount < 0:
            raise ValueError(f"{line.course_code}: {amount} {system} credits")
        credit = etree.SubElement(loi, _e("credit"))
        _sub(credit, "scheme", scheme)
        _sub(credit, "value", plain(amount) if line.counted else "0")
    if len(line.languages) == 1:
        _sub(loi, "languageOfInstruction", line.languages[0].split("-")[0].lower())
    if line.contact_hours is not None and line.contact_hours.is_finite():
        _sub(loi, "engagementHours", plain(line.contact_hours))
    etree.SubElement(loi, _e("grouping"), typeref=TERM_GROUPS, idref=_term_key(term))
    loi.append(_course_extension(line))
    return los


def _academic_term(term: Term) -> etree._Element:
    element = etree.Element(_e("academicTerm"))
    _titles(element, term.names, fallback=f"{term.code} {term.academic_year}")
    _sub(element, "start", term.starts_on.isoformat())
    _sub(element, "end", term.ends_on.isoformat())
    return element


def _ewp_institution(institution: InstitutionPart) -> EwpInstitution | None:
    if not institution.hei_id or institution.credit_system not in CREDIT_SCHEMES:
        return None
    return EwpInstitution(hei_id=institution.hei_id, code=institution.code,
                          credit_system=institution.credit_system)


def _course_extension(line: Line) -> etree._Element:
    extension = etree.Element(_e("extension"))
    etree.SubElement(extension, _x("attempt")).text = xml_text(line.attempt)
    etree.SubElement(extension, _x("status")).text = xml_text(line.status)
    if line.converted_grade is not None:
        converted = etree.SubElement(extension, _x("convertedGrade"),
                                     scale=xml_text(line.converted_scale))
        if line.grade_method:
            converted.set("method", xml_text(line.grade_method))
        converted.text = xml_text(line.converted_grade)
    return extension


# -- document-wide --------------------------------------------------------------------------------

def _groups(terms: Iterable[Term]) -> etree._Element:
    groups = etree.Element(_e("groups"))
    group_type = etree.SubElement(groups, _e("groupType"), id=TERM_GROUPS)
    for lang in LANGS:
        _sub(group_type, "title", _TEXT[lang]["term_group"], lang=TEXT_LANGS[lang])
    for index, term in enumerate(terms, start=1):
        group = etree.SubElement(group_type, _e("group"), id=_term_key(term),
                                 sortingKey=f"{index:03d}")
        _titles(group, term.names, fallback=f"{term.code} {term.academic_year}")
    return groups


def _document_extension(transcript: Transcript) -> etree._Element:
    extension = etree.Element(_e("extension"))
    document = etree.SubElement(extension, _x("transcript"), number=xml_text(transcript.number),
                                issued=transcript.issued_on.isoformat())
    if transcript.student.name_han:
        name = etree.SubElement(document, _x("learnerName"))
        name.text = xml_text(transcript.student.name_han)
        name.set(XML_LANG, TEXT_LANGS["zh"])
    partnership = etree.SubElement(document, _x("partnership"),
                                   code=xml_text(transcript.partnership_code))
    for lang, value in _by_language(transcript.partnership_names):
        title = etree.SubElement(partnership, _x("title"))
        title.text = value
        title.set(XML_LANG, lang)
    if transcript.diploma_serial:
        etree.SubElement(document, _x("diplomaSerial")).text = xml_text(
            transcript.diploma_serial)
    if transcript.verification_code:
        etree.SubElement(document, _x("verificationCode")).text = xml_text(
            transcript.verification_code)
    return extension


# -- helpers --------------------------------------------------------------------------------------

def _by_language(names: Names) -> list[tuple[str, str]]:
    """Non-empty names in :data:`LANGS` order, with their ``xml:lang`` value."""
    return [(TEXT_LANGS[lang], text) for lang in LANGS
            if (text := xml_text(names.get(lang) or ""))]


def _titles(parent: etree._Element, names: Names, fallback: str) -> None:
    """One ``title`` per language present; ELMO wants one at least, so ``fallback`` if none."""
    titles = _by_language(names)
    if not titles:
        _sub(parent, "title", fallback)
    for lang, text in titles:
        _sub(parent, "title", text, lang=lang)


def _span(low: Decimal | None, high: Decimal | None) -> str:
    if low is not None and high is not None:
        return f"{plain(low)}–{plain(high)}"
    if low is not None:
        return f"≥ {plain(low)}"
    return f"≤ {plain(high)}" if high is not None else ""


def _number(value: Decimal) -> str:
    """A decimal as the audit computed it (``14.20`` stays ``14.20``), never in exponent form."""
    if not value.is_finite():
        raise ValueError(f"not a number: {value}")
    return format(value, "f")


def _term_key(term: Term) -> str:
    return f"{term.institution}/{term.code}"


def _e(name: str) -> str:
    return f"{{{ELMO_NS}}}{name}"


def _x(name: str) -> str:
    return f"{{{EXTENSION_NS}}}{name}"


def _sub(parent: etree._Element, name: str, text: str, lang: str | None = None,
         **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, _e(name), {k: xml_text(v) for k, v in attributes.items()})
    element.text = xml_text(text)
    if lang is not None:
        element.set(XML_LANG, lang)
    return element
