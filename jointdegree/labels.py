"""Translated labels for the enumerations users see (roles, levels, credit systems, statuses)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from enum import Enum
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from jointdegree.auth.models import Role
from jointdegree.catalog.models import (
    CourseDelivery,
    CourseKind,
    CourseStatus,
    CreditSystem,
    DegreeLevel,
    PartnershipStatus,
)
from jointdegree.diplomas.models import BatchStatus, DiplomaStatus
from jointdegree.matching.models import Decision, EquivalenceStatus, Recommendation
from jointdegree.planning.models import Attempt, ExceptionKind, NameScript, PlanStatus, ResultStatus
from jointdegree.teaching.models import LectureMode, TeachingMode


class EnumLabels(Mapping[Enum, Any]):
    """Labels keyed by the member's type *and* value: string enums compare equal to their
    values, so in a plain dict ``PlanStatus.APPROVED`` and ``EquivalenceStatus.APPROVED`` would
    be one key and one of the two labels would be lost."""

    def __init__(self, pairs: list[tuple[Enum, Any]]) -> None:
        self._labels = {(type(member), member.value): text for member, text in pairs}
        self._members = [member for member, _text in pairs]

    def __getitem__(self, member: Enum) -> Any:
        return self._labels[(type(member), member.value)]

    def __iter__(self) -> Iterator[Enum]:
        return iter(self._members)

    def __len__(self) -> int:
        return len(self._members)

    def __contains__(self, member: object) -> bool:
        return isinstance(member, Enum) and (type(member), member.value) in self._labels


LABELS = EnumLabels([
    (Role.ADMIN, _l("Administrator")),
    (Role.REGISTRAR, _l("Registrar")),
    (Role.PROFESSOR, _l("Professor")),
    (Role.STUDENT, _l("Student")),
    (DegreeLevel.BACHELOR, _l("Bachelor (licence / 本科)")),
    (DegreeLevel.MASTER, _l("Master (master / 硕士)")),
    (DegreeLevel.DOCTORATE, _l("Doctorate (doctorat / 博士)")),
    (CreditSystem.ECTS, _l("ECTS credits")),
    (CreditSystem.CN, _l("Chinese credits (学分)")),
    (PartnershipStatus.DRAFT, _l("Draft")),
    (PartnershipStatus.ACTIVE, _l("Active")),
    (PartnershipStatus.CLOSED, _l("Closed")),
    (CourseDelivery.ON_CAMPUS, _l("On campus")),
    (CourseDelivery.REMOTE, _l("Remote (videoconference)")),
    (CourseDelivery.HYBRID, _l("Hybrid")),
    (CourseKind.LECTURE, _l("Lecture")),
    (CourseKind.LAB, _l("Lab / practical")),
    (CourseKind.THESIS, _l("Thesis")),
    (CourseKind.INTERNSHIP, _l("Internship")),
    (CourseStatus.ACTIVE, _l("Active")),
    (CourseStatus.RETIRED, _l("Retired")),
    (EquivalenceStatus.PROPOSED, _l("Proposed")),
    (EquivalenceStatus.APPROVED, _l("Approved")),
    (EquivalenceStatus.REJECTED, _l("Rejected")),
    (EquivalenceStatus.EXPIRED, _l("Expired")),
    (Decision.APPROVE, _l("approved")),
    (Decision.REJECT, _l("rejected")),
    (Recommendation.APPROVE, _l("Approve")),
    (Recommendation.REJECT, _l("Reject")),
    (Recommendation.REVISE, _l("Revise (change the courses or credits)")),
    (Attempt.FIRST, _l("First attempt (session 1 / 正考)")),
    (Attempt.RESIT, _l("Resit (session 2, rattrapage / 补考)")),
    (Attempt.RETAKE, _l("Course retaken (重修)")),
    (ResultStatus.PASSED, _l("Passed")),
    (ResultStatus.FAILED, _l("Failed")),
    (ResultStatus.COMPENSATED, _l("Validated by compensation")),
    (ResultStatus.RECOGNISED, _l("Recognised from the partner")),
    (ResultStatus.IN_PROGRESS, _l("In progress")),
    (PlanStatus.DRAFT, _l("Draft")),
    (PlanStatus.SUBMITTED, _l("Waiting for approval")),
    (PlanStatus.APPROVED, _l("Approved (learning agreement)")),
    (ExceptionKind.SUBSTITUTE, _l("Substitute")),
    (ExceptionKind.ALSO_ALLOW, _l("Also allow")),
    (ExceptionKind.APPLY_HERE, _l("Apply here")),
    (ExceptionKind.FORCE_COMPLETE, _l("Force complete")),
    (ExceptionKind.WAIVE, _l("Waive")),
    (NameScript.LATIN, _l("Latin script")),
    (NameScript.HAN, _l("Chinese characters")),
    (TeachingMode.HOME, _l("At home")),
    (TeachingMode.REMOTE, _l("Remotely, by videoconference from home")),
    (TeachingMode.VISITING, _l("Visiting, in person during a stay")),
    (LectureMode.REMOTE, _l("Remote (videoconference)")),
    (LectureMode.IN_PERSON, _l("In person")),
    (LectureMode.HYBRID, _l("Hybrid")),
    (DiplomaStatus.PENDING, _l("Waiting for both approvals")),
    (DiplomaStatus.ISSUED, _l("Issued")),
    (DiplomaStatus.REVOKED, _l("Revoked")),
    (BatchStatus.RUNNING, _l("Running")),
    (BatchStatus.FINISHED, _l("Finished")),
])


def label(value: Enum | None) -> str:
    if value is None:
        return ""
    return str(LABELS.get(value, value.value))


CREDIT_UNITS: dict[CreditSystem, Any] = {
    CreditSystem.ECTS: _l("ECTS"),
    # TRANSLATORS: unit of Chinese university credits (学分), after a number: "60 CN credits".
    CreditSystem.CN: _l("CN credits"),
}


def credit_unit(system: CreditSystem) -> str:
    return str(CREDIT_UNITS[system])


# Why a course is suggested (keys of jointdegree.matching.suggest.DETAILS), in the reader's
# language; parameters are those the ranking gives.
REASON_TEXT: dict[str, Any] = {
    "title_alike": _l("titles %(pct)s%% alike"),
    "outcomes_alike": _l("learning outcomes and descriptions %(pct)s%% alike"),
    "shared_words": _l("shared words: %(words)s"),
    "field_unknown": _l("field of study unknown"),
    "field_same": _l("same ISCED field %(x)s"),
    "field_narrow": _l("same ISCED narrow field %(prefix)s (%(x)s / %(y)s)"),
    "field_broad": _l("same ISCED broad field %(prefix)s (%(x)s / %(y)s)"),
    "field_different": _l("different ISCED fields (%(x)s / %(y)s)"),
    "cycle_same": _l("same level (%(x)s)"),
    "cycle_different": _l("different levels (%(x)s / %(y)s)"),
    "kind_same": _l("same kind of course (%(x)s)"),
    "kind_different": _l("different kinds of course (%(x)s / %(y)s)"),
    "kind_final": _l("both final works (%(x)s / %(y)s)"),
    "credits_unknown": _l("credits unknown"),
    "credits": _l("%(x)s ECTS / %(y)s ECTS"),
    "hours_total": _l("%(x)s h / %(y)s h of total workload"),
    "hours_contact": _l("%(x)s h / %(y)s h of contact hours"),
    "hours_unknown": _l("hours unknown"),
}

_VALUE_LABELS: dict[str, Enum] = {
    **{m.value: m for m in CourseKind}, **{m.value: m for m in DegreeLevel}}


def reason_text(key: str, params: Mapping[str, str]) -> str:
    """A suggestion reason in the reader's language (kinds and levels translated too)."""
    values = {k: (label(_VALUE_LABELS[v]) if k in ("x", "y") and v in _VALUE_LABELS else v)
              for k, v in params.items()}
    text = str(REASON_TEXT[key]) % values if key in REASON_TEXT else key
    if key.endswith("_alike") and params.get("words"):
        text += " · " + str(REASON_TEXT["shared_words"]) % values
    return text


COLUMN_HELP: dict[str, Any] = {
    "code": _l("Course code, unique within the institution (letters, digits, . - _ space)"),
    "title_fr": _l("Title in French"), "title_zh": _l("Title in Chinese"),
    "title_en": _l("Title in English"),
    "description_fr": _l("Description in French"), "description_zh": _l("Description in Chinese"),
    "description_en": _l("Description in English"),
    "outcomes_fr": _l("Learning outcomes in French"),
    "outcomes_zh": _l("Learning outcomes in Chinese"),
    "outcomes_en": _l("Learning outcomes in English"),
    "credits": _l("Credits in the institution's own system (ECTS or 学分), e.g. 6 or 2.5"),
    "contact_hours": _l("Hours of teaching (lectures, classes, labs)"),
    "self_study_hours": _l("Hours of personal work expected"),
    "level": _l("licence, master, doctorat, 本科, 研究生 (硕士), 博士 — or "
                "bachelor/master/doctorate"),
    "isced": _l("ISCED-F 2013 field code, 4 digits, e.g. 0613"),
    "languages": _l("Languages of instruction, ISO 639-1 codes separated by ; e.g. fr;en"),
    "terms": _l("Codes of the academic terms when it is offered, separated by ; e.g. 2026-S1"),
    "delivery": _l("on_campus, remote (videoconference) or hybrid"),
    "kind": _l("lecture, lab (practical), thesis or internship"),
    "prerequisites": _l("Codes of courses of the same institution, separated by ;"),
    "status": _l("active or retired"),
}


def course_kind_label(kind: str) -> str:
    return label(CourseKind(kind))


# Catalog-file problems (keys of jointdegree.catalog.records.ROW_REASONS), for the web pages.
ROW_REASON_TEXT: dict[str, Any] = {
    "required": _l("required"),
    "number": _l("must be a positive number with at most %(decimals)s decimal(s) "
                 "(up to %(max)s)"),
    "code": _l("required: 1 to 32 letters, digits, spaces, dots, dashes"),
    "title_missing": _l("give a title in at least one language"),
    "too_long": _l("at most %(max)s characters"),
    "level": _l("unknown level: licence, master, doctorat, 本科, 研究生, 博士"),
    "isced": _l("an ISCED-F 2013 code has 4 digits"),
    "language": _l("unknown language: use ISO 639-1 codes such as fr, zh, en"),
    "term": _l("unknown term"),
    "choice": _l("must be one of: %(allowed)s"),
    "self_prerequisite": _l("a course cannot require itself"),
    "duplicate": _l("duplicated code in the file (also on line %(first)s)"),
    "no_course": _l("no course with this code"),
    "unknown_column": _l("unknown column"),
    "missing_column": _l("missing column"),
    "column_twice": _l("column given twice"),
    "not_utf8": _l("the file is not UTF-8 text (byte %(byte)s); save it as CSV UTF-8"),
    "empty_file": _l("the file is empty"),
    "extra_cells": _l("more cells than columns in the header"),
    "not_xlsx": _l("the file is not a readable .xlsx workbook"),
    "empty_sheet": _l("the sheet is empty"),
    "no_student": _l("no student with this number at the institution"),
    "recorded": _l("this attempt is already recorded: correct it on the student's page"),
    "control": _l("contains an invisible control character (%(char)s): retype the text"),
}


def row_error_text(error: Any) -> str:
    """A catalog- or results-file problem in the reader's language."""
    if error.key == "message":  # already worded by a service check, in the reader's language
        return str(error.params["message"])
    template = ROW_REASON_TEXT.get(error.key)
    return str(template) % dict(error.params) if template is not None else error.reason


# Problems in an uploaded calendar (.ics): the keys and parameters of
# jointdegree.teaching.ical.MESSAGES, in the reader's language.
ICS_PROBLEM_TEXT: dict[str, Any] = {
    "not_icalendar": _l("not an iCalendar (.ics) file: it must begin with BEGIN:VCALENDAR"),
    "not_utf8": _l("line %(line)s: not UTF-8 text (export the calendar again, as UTF-8)"),
    "bad_line": _l("line %(line)s: not an iCalendar line: %(text)s"),
    "unmatched_end": _l("line %(line)s: END:%(name)s without a matching BEGIN:%(name)s"),
    "unclosed": _l("line %(line)s: BEGIN:%(name)s is never closed by END:%(name)s"),
    "outside_calendar": _l("line %(line)s: %(name)s is outside BEGIN:VCALENDAR … END:VCALENDAR"),
    "no_dtstart": _l("line %(line)s: the event “%(event)s” has no start (DTSTART)"),
    "duplicate_property": _l("line %(line)s: the event “%(event)s” has %(name)s more than once"),
    "bad_value": _l("line %(line)s: %(name)s of the event “%(event)s” cannot be read: "
                    "%(value)s"),
    "unknown_tzid": _l("line %(line)s: unknown time zone “%(tzid)s” in %(name)s of the event "
                       "“%(event)s” (an IANA name such as Europe/Paris is expected)"),
    "floating_time": _l("line %(line)s: %(name)s of the event “%(event)s” is a time without a "
                        "time zone (%(value)s): export the calendar with time zones or in UTC"),
    "mixed_value_types": _l("line %(line)s: %(name)s of the event “%(event)s” is a %(kind)s "
                            "value but its DTSTART is a %(start_kind)s value"),
    "end_and_duration": _l("line %(line)s: the event “%(event)s” has both DTEND and DURATION"),
    "end_before_start": _l("line %(line)s: the event “%(event)s” ends (%(end)s) before it "
                           "starts (%(start)s)"),
    "unsupported": _l("line %(line)s: %(what)s in the event “%(event)s” is not supported"),
    "duplicate_uid": _l("line %(line)s: the event “%(event)s” repeats UID %(uid)s of the event "
                        "at line %(first)s"),
    "too_many_occurrences": _l("line %(line)s: the event “%(event)s” repeats more than "
                               "%(limit)s times up to the end of the window"),
}


# Problems in a requirements document (keys of jointdegree.planning.requirements.PROBLEMS).
REQUIREMENT_PROBLEM_TEXT: dict[str, Any] = {
    "not_an_object": _l("must be an object (key: value pairs)"),
    "not_a_list": _l("must be a list"),
    "not_a_string": _l("must be text"),
    "not_a_boolean": _l("must be true or false"),
    "not_a_number": _l("must be a number, not %(value)s"),
    "float_refused": _l("write %(value)s as text (\"%(value)s\"): decimal numbers must be "
                        "exact"),
    "not_an_integer": _l("must be a whole number, not %(value)s"),
    "out_of_range": _l("must be between %(min)s and %(max)s, not %(value)s"),
    "required": _l("is required"),
    "unknown_key": _l("unknown key %(key)s (expected one of: %(allowed)s)"),
    "empty": _l("must not be empty"),
    "invalid_choice": _l("%(value)s is not one of: %(choices)s"),
    "invalid_id": _l("%(value)s is not a valid id (1 to 40 of a-z, 0-9, _ and -, starting with "
                     "a letter or digit)"),
    "duplicate_id": _l("the id %(value)s is already used at %(first)s"),
    "duplicate_value": _l("%(value)s is listed twice"),
    "generated_id_clash": _l("%(value)s gives the same rule id %(id)s as an earlier course"),
    "invalid_code": _l("%(value)s is not a course code (1 to 40 characters, no surrounding "
                       "spaces)"),
    "invalid_isced": _l("%(value)s is not an ISCED-F prefix (2 to 4 digits)"),
    "invalid_level": _l("%(value)s is not a level of %(exams)s"),
    "mixed_level_scales": _l("%(exams)s do not share a level scale: list CEFR exams or HSK, not "
                             "both"),
    "credits_needs_minimum": _l("give min_credits, min_courses or both"),
    "floor_above_threshold": _l("the floor %(floor)s is above the threshold %(threshold)s"),
    "second_partner_cap": _l("only one partner_cap rule is allowed (the first is at %(first)s)"),
}


def requirement_problem_text(problem: Any) -> str:
    """A requirements-document problem in the reader's language."""
    template = REQUIREMENT_PROBLEM_TEXT.get(problem.key)
    return str(template) % dict(problem.params) if template is not None else problem.english()


# Explanations of the degree audit (keys of jointdegree.planning.audit.MESSAGES).
AUDIT_MESSAGE_TEXT: dict[str, Any] = {
    "credits_short": _l("%(credits)s more credits needed"),
    "credits_unplanned": _l("%(credits)s of them are not planned yet"),
    "course_missing_here": _l("%(code)s is needed"),
    "course_missing": _l("%(code)s is needed (or at the partner: %(options)s)"),
    "course_failed": _l("%(item)s was failed"),
    "average_short": _l("the average %(average)s is below %(min)s"),
    "average_unknown": _l("no graded course completed yet (%(min)s needed)"),
    "certification_missing": _l("a certificate %(exams)s at level %(level)s or above is needed"),
    "certification_used": _l("certificate %(exam)s %(level)s (%(date)s)"),
    "rules_short": _l("%(count)s more of these %(required)s requirements must be met"),
    "beyond_cap": _l("%(credits)s partner credits (%(expected)s with the plan) are beyond "
              "the cap of %(max)s and do not count toward the total"),
    "forced": _l("marked complete by exception %(id)s"),
    "waived": _l("waived by exception %(id)s"),
    "compensated": _l("failed but compensated: the %(term)s average is %(average)s (threshold"
              " %(threshold)s)"),
    "not_compensated_average": _l("not compensated: the %(term)s average is %(average)s, below "
              "%(threshold)s"),
    "not_compensated_floor": _l("not compensated: the grade %(grade)s is below the floor "
                                "%(floor)s"),
    "chosen_rule": _l("counts toward %(rule)s (it could also count toward "
                      "%(alternatives)s)"),
    "not_needed": _l("not needed by %(rules)s, which are met without it"),
    "exception_unknown_rule": _l("exception %(id)s names no rule of this degree (%(rule)s)"),
    "exception_unknown_item": _l("exception %(id)s names no course of this student (%(item)s)"),
    "exception_not_countable": _l("exception %(id)s names %(item)s, which does not count (failed)"),
    "exception_wrong_rule": _l("exception %(id)s: %(rule)s does not take courses"),
    "exception_not_used": _l("exception %(id)s was not needed"),
}


AUDIT_WORDS: dict[str, Any] = {
    # rule and degree statuses
    "satisfied": _l("Satisfied"), "not_yet": _l("Not yet"),
    "impossible": _l("Impossible in this plan"), "waived": _l("Waived"),
    # how a course counted
    "passed": _l("passed"), "recognised": _l("recognised"), "compensated": _l("compensated"),
    "in_progress": _l("in progress"), "planned": _l("planned"), "failed": _l("failed"),
    "itself": _l("itself"), "equivalence": _l("through an equivalence"),
    "substitute": _l("as a substitute"), "also_allow": _l("also allowed"),
    "apply_here": _l("applied here"),
}


def audit_count_text(key: str, params: dict[str, Any]) -> str | None:
    """Audit messages whose wording depends on a number, with the language's plural forms."""
    from flask_babel import ngettext

    if key == "courses_short":
        return ngettext("%(num)d more course needed", "%(num)d more courses needed",
                        int(params["count"]))
    if key == "courses_unplanned":
        return ngettext("%(num)d of them is not planned yet", "%(num)d of them are not planned "
                        "yet", int(params["count"]))
    if key == "assignment_search":
        return ngettext("%(num)d course could count toward several rules: all %(ways)s ways "
                        "were weighed", "%(num)d courses could count toward several rules: all "
                        "%(ways)s ways were weighed", int(params["units"]),
                        ways=params["combinations"])
    if key == "assignment_greedy":
        return ngettext("%(num)d course could count toward several rules: %(ways)s ways are more "
                        "than %(limit)s, so the most constrained rules chose first",
                        "%(num)d courses could count toward several rules: %(ways)s ways are "
                        "more than %(limit)s, so the most constrained rules chose first",
                        int(params["units"]), ways=params["combinations"], limit=params["limit"])
    return None


def audit_word(value: str) -> str:
    """A status or way of counting of the degree audit, in the reader's language."""
    return str(AUDIT_WORDS.get(value, value))


# Teaching calendars, lecture times and the slot finder (keys of jointdegree.teaching.slots).
TEACHING_REASON_TEXT: dict[str, Any] = {
    "weekend": _l("%(date)s: %(weekday_name)s, not a teaching day"),
    "holiday": _l("%(date)s: %(name)s"),
    "swapped_day_off": _l("%(date)s: day off in exchange for working on %(workday)s (调休)"),
    "adjusted_workday": _l("%(date)s: adjusted working day (调休上班), follows "
                           "%(weekday_name)s's timetable"),
    "closure": _l("%(date)s: %(name)s (closed %(start)s to %(end)s)"),
    "override_teaching": _l("%(date)s: teaching day by decision of the registrar (%(note)s)"),
    "override_no_teaching": _l("%(date)s: no teaching by decision of the registrar "
                               "(%(note)s)"),
    "follows_weekday": _l("%(date)s: follows %(weekday_name)s's timetable (%(note)s)"),
    "provisional": _l("%(date)s: provisional — the official %(year)s public holidays and "
                      "adjusted working days are not known yet (China publishes them each "
                      "November)"),
    "nonexistent_time": _l("%(date)s %(time)s does not exist in %(zone)s (the clocks go "
                           "forward)"),
    "ambiguous_time": _l("%(date)s %(time)s happens twice in %(zone)s (the clocks go back)"),
    "outside_window": _l("%(campus)s: %(time)s, outside the teaching window %(window)s "
                         "(%(count)s of %(weeks)s weeks)"),
    "lost_week": _l("%(date)s: %(names)s"),
    "professor_busy": _l("professor busy: %(label)s, %(time)s, on %(dates)s"),
    "audience_busy": _l("audience busy: %(label)s, %(time)s, on %(dates)s"),
    "too_many_lost": _l("loses %(lost)s of %(weeks)s weeks (at most %(limit)s)"),
    "no_session": _l("no week of the term can hold this slot"),
    "provisional_term": _l("%(campus)s: sessions in %(years)s rely on provisional public "
                           "holidays (China publishes each year's schedule in November)"),
}

WEEKDAY_NAMES: dict[str, Any] = {
    "Monday": _l("Monday"), "Tuesday": _l("Tuesday"), "Wednesday": _l("Wednesday"),
    "Thursday": _l("Thursday"), "Friday": _l("Friday"), "Saturday": _l("Saturday"),
    "Sunday": _l("Sunday"),
}


def teaching_reason(reason: Any) -> str:
    """A calendar or scheduling reason in the reader's language (holiday names too)."""
    from jointdegree.i18n import content_language

    lang = content_language()
    params = dict(reason.params)
    if params.get(f"name_{lang}"):
        params["name"] = params[f"name_{lang}"]
    if params.get("weekday_name") in WEEKDAY_NAMES:
        params["weekday_name"] = str(WEEKDAY_NAMES[params["weekday_name"]])
    template = TEACHING_REASON_TEXT.get(reason.key)
    try:
        return str(template) % params if template is not None else reason.message()
    except (KeyError, TypeError, ValueError):
        return reason.message()


def weekday_label(number: int) -> str:
    """Monday = 0, in the reader's language."""
    return str(list(WEEKDAY_NAMES.values())[number])


# What each French honours means, to gloss the French word (a diploma keeps "très bien" as
# awarded and explains it to readers of the other languages). Not the Chinese five-level grade
# words (优秀, 良好, 及格…): those are grades, honours are not — hence a context of their own for
# the translators. The pages (honours_text) and the bilingual documents (diplomas.wording) both
# gloss with these.
HONOURS_MEANING: dict[str, Any] = {
    "très bien": lazy_pgettext("honours gloss", "very good"),
    "bien": lazy_pgettext("honours gloss", "good"),
    "assez bien": lazy_pgettext("honours gloss", "fairly good"),
    "passable": lazy_pgettext("honours gloss", "pass"),
}


def honours_text(value: str | None) -> str:
    """French honours in the reader's language: the French word, glossed unless the reader
    reads French ("bien (good)", "bien（好）", "bien")."""
    from jointdegree.i18n import current_locale_code

    meaning = HONOURS_MEANING.get(value or "")
    if meaning is None or current_locale_code() == "fr":
        return value or ""
    return str(_l("%(honours)s (%(meaning)s)", honours=value, meaning=meaning))
