"""An approved study plan as an EWP learning agreement (``omobility-las`` get-response).

The sending institution is where the plan's first semester takes place; the mobility is the
plan's semesters at the other partner in that academic year. Components studied there (table A)
face the components recognised at home (table B): the home side of an approved equivalence when
the plan holds its whole partner side, otherwise the studied course itself with its credits
converted to ECTS by the partnership's rule.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from jointdegree.audit.models import AuditLogEntry
from jointdegree.auth.models import Role, User
from jointdegree.catalog.models import AcademicTerm, Course, CreditSystem, Institution
from jointdegree.db import session
from jointdegree.errors import Conflict
from jointdegree.i18n import pick_text
from jointdegree.planning import learning_agreement as la
from jointdegree.planning.auditing import Shared
from jointdegree.planning.languages import CEFR_EXAMS, CEFR_LEVELS, level_rank
from jointdegree.planning.models import PlanApproval, Student, StudyPlan

EQF = {"bachelor": 6, "master": 7, "doctorate": 8}
# Hanban (2010) aligned HSK 1–6 with CEFR A1–C2; the 2021 levels 7–9 are above HSK 6.
HSK_TO_CEFR = ("A1", "A2", "B1", "B2", "C1", "C2", "C2", "C2", "C2")
LANGUAGE_OF_COUNTRY = {"FR": "fr", "CN": "zh"}


def _refuse(message: object) -> Conflict:
    return Conflict(message, code="learning_agreement_incomplete")


def _person(user: User | None, institution: Institution) -> la.ContactPerson:
    user = user or session.scalar(select(User).where(
        User.role == Role.REGISTRAR, User.institution_id == institution.id).order_by(User.id))
    if user is None:
        raise _refuse(_l("%(name)s has no registrar to name as contact.",
                         name=institution.code))
    given, _sep, family = user.display_name.partition(" ")
    return la.ContactPerson(given_names=given or user.display_name,
                            family_name=family or user.display_name, email=user.email)


def _student(student: Student, sending: Institution) -> la.Student:
    if student.birth_date is None:
        raise _refuse(_l("Record the student's date of birth first."))
    number = student.number_at(sending.id)
    if number is None or not sending.hei_id:
        raise _refuse(_l("The student needs a number at %(name)s, and %(name)s an EWP id.",
                         name=sending.code))
    given = student.given_names or (student.name_han or "")[1:] or "-"
    family = student.family_name or (student.name_han or "")[:1]
    return la.Student(given_names=given, family_name=family,
                      global_id=la.european_student_identifier(sending.hei_id, number),
                      birth_date=student.birth_date, citizenship=student.nationality,
                      gender=la.Gender.NOT_KNOWN, email=student.email)


def _language_skill(student: Student, host: Institution) -> la.LanguageSkill:
    """The host country's language at the student's best certified level (a student of the
    host's own nationality is taken as a native speaker: C2)."""
    language = LANGUAGE_OF_COUNTRY.get(host.country, "en")
    best: int | None = CEFR_LEVELS.index("C2") if student.nationality == host.country else None
    for cert in student.certifications:
        rank = level_rank(cert.exam, cert.level)
        if rank is None:
            continue
        if language == "fr" and cert.exam in CEFR_EXAMS:
            cefr = rank
        elif language == "zh" and cert.exam == "HSK":
            cefr = CEFR_LEVELS.index(HSK_TO_CEFR[rank])
        else:
            continue
        best = cefr if best is None else max(best, cefr)
    if best is None:
        raise _refuse(_l("Record the student's certificate in the host's language first."))
    return la.LanguageSkill(language=language, cefr_level=CEFR_LEVELS[best])


def _signature(approval: PlanApproval | None) -> la.Signature | None:
    if approval is None:
        return None
    user = approval.user
    return la.Signature(timestamp=approval.at, signer_name=user.display_name if user else None,
                        signer_position="Registrar", signer_email=user.email if user else None,
                        signer_app="jointdegree")


def _term_id(term: AcademicTerm) -> la.TermId:
    year = list(session.scalars(select(AcademicTerm).where(
        AcademicTerm.institution_id == term.institution_id,
        AcademicTerm.academic_year == term.academic_year).order_by(AcademicTerm.starts_on)))
    return la.TermId(term_number=[t.id for t in year].index(term.id) + 1, total_terms=len(year))


def _title(course: Course) -> str:
    return pick_text({"en": course.title_en, "fr": course.title_fr, "zh": course.title_zh}, "en")


def _ects(shared: Shared, course: Course) -> Decimal | None:
    """ECTS credits, or None where the partnership's rule credits nothing for this kind of
    course (EWP: "credit evaluation does not apply")."""
    if course.institution.credit_system is CreditSystem.ECTS:
        return course.credits
    try:
        return shared.credits_in(course, course.credits, "ects").amount
    except ValueError:
        return None


def learning_agreement(plan: StudyPlan) -> la.LearningAgreement:
    if not plan.semesters:
        raise _refuse(_l("The plan has no semester."))
    student = plan.student
    sending = plan.semesters[0].term.institution
    abroad = [s for s in plan.semesters if s.term.institution_id != sending.id]
    if not abroad:
        raise _refuse(_l("The plan has no semester at the partner: there is no mobility."))
    year = abroad[0].term.academic_year
    abroad = [s for s in abroad if s.term.academic_year == year]
    host = abroad[0].term.institution
    shared = Shared.load(student.partnership)
    studied_courses = [(s.term, c) for s in abroad for c in s.courses]
    studied = [la.Component(title=_title(c), term=_term_id(t), ects=_ects(shared, c),
                            los_code=c.code, other_credits={"cn-xuefen": c.credits}
                            if c.institution.credit_system is CreditSystem.CN else {})
               for t, c in studied_courses]
    recognized = _recognized(shared, studied_courses, sending, plan)
    approvals = {a.institution_id: a for a in plan.approvals if a.revision == plan.revision}
    sending_signature = _signature(approvals.get(sending.id))
    if sending_signature is None:
        raise _refuse(_l("%(name)s has not approved this revision yet.", name=sending.code))
    submitted = session.scalar(select(AuditLogEntry.at).where(
        AuditLogEntry.entity_type == "study_plans", AuditLogEntry.entity_id == str(plan.id),
        AuditLogEntry.action == "plan.submit").order_by(AuditLogEntry.at.desc()))
    student_signature = la.Signature(timestamp=submitted or sending_signature.timestamp)
    receiving_signature = _signature(approvals.get(host.id))
    snapshot_args = {"student_signature": student_signature,
                     "sending_hei_signature": sending_signature, "studied": studied,
                     "recognized": recognized}
    programme = next(p for p in student.partnership.programmes
                     if p.institution_id == sending.id)
    fields = Counter(c.isced for _t, c in studied_courses if c.isced)
    return la.LearningAgreement(
        omobility_id=f"jointdegree-{student.id}-{plan.id}",
        sending_hei=la.MobilityInstitution(
            hei_id=sending.hei_id or sending.code,
            contact=_person(approvals[sending.id].user, sending),
            ounit_name=pick_text({"en": programme.name_en, "fr": programme.name_fr,
                                  "zh": programme.name_zh}, "en")),
        receiving_hei=la.MobilityInstitution(
            hei_id=host.hei_id or host.code,
            contact=_person(approvals[host.id].user if host.id in approvals else None, host)),
        receiving_academic_year=year, student=_student(student, sending),
        start_date=abroad[0].term.starts_on, end_date=abroad[-1].term.ends_on,
        eqf_level_at_departure=EQF[programme.level.value],
        isced_f_code=fields.most_common(1)[0][0] if fields else "0613",
        language_skill=_language_skill(student, host),
        first_version=la.Snapshot(receiving_hei_signature=receiving_signature, **snapshot_args)
        if receiving_signature is not None else None,
        changes_proposal=None if receiving_signature is not None else la.ChangesProposal(
            **snapshot_args))


def _recognized(shared: Shared, studied: list[tuple[AcademicTerm, Course]],
                sending: Institution, plan: StudyPlan) -> list[la.Component]:
    planned = {c.id for _t, c in studied}
    home_term = la.TermId(term_number=1, total_terms=2)
    components: list[la.Component] = []
    covered: set[int] = set()
    for equivalence in shared.equivalences:
        theirs = [c for c in equivalence.courses if c.institution_id != sending.id]
        ours = [c for c in equivalence.courses if c.institution_id == sending.id]
        if ours and theirs and all(c.id in planned for c in theirs) \
                and not covered & {c.id for c in theirs}:
            covered.update(c.id for c in theirs)
            components += [la.Component(
                title=_title(c), term=home_term, ects=_ects(shared, c), los_code=c.code,
                recognition_conditions=f"Equivalence #{equivalence.id}: "
                + " + ".join(t.code for t in theirs)) for c in ours]
    for _term, course in studied:
        if course.id not in covered:
            components.append(la.Component(
                title=_title(course), term=home_term, ects=_ects(shared, course),
                los_code=course.code, recognition_conditions="Recognised as an elective "
                "with credits converted by the partnership's rule"))
    return components


def learning_agreement_xml(plan: StudyPlan) -> bytes:
    try:
        return la.omobility_las_get_response([learning_agreement(plan)])
    except ValueError as exc:  # the exporter's own checks: a field the schema refuses
        raise _refuse(str(exc)) from None
