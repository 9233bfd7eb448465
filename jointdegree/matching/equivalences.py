"""Equivalences: propose, approve on both sides, reject, expire, review after catalog changes,
and ask a professor for a recommendation. Every transition is audited and the other side is told
through the inbox."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select, update
from sqlalchemy.orm import selectinload

from jointdegree.audit.services import record as audit
from jointdegree.auth.models import Role, User
from jointdegree.auth.policy import authorize, policy
from jointdegree.catalog.courses import COURSE_CHANGE_HOOKS
from jointdegree.catalog.models import Course, CourseStatus, Partnership, Programme
from jointdegree.catalog.services import (
    academic_year_start,
    check_version,
    commit_versioned,
    partnership_ids_of,
)
from jointdegree.db import session, utcnow
from jointdegree.errors import Conflict, NotFound, ValidationFailed
from jointdegree.labels import label
from jointdegree.matching import rules as rule_service
from jointdegree.matching.credits import Conversion, RuleSet, workload_difference
from jointdegree.matching.models import (
    Decision,
    Equivalence,
    EquivalenceDecision,
    EquivalenceStatus,
    FacultyReview,
    Recommendation,
)
from jointdegree.notifications.services import notify, register_kind

register_kind("equivalence.proposed",
              _l("%(by)s proposed equivalence #%(id)s (%(summary)s): your approval is needed."))
register_kind("equivalence.approved", _l("Equivalence #%(id)s (%(summary)s) is approved by "
                                         "both institutions."))
register_kind("equivalence.approved_by", _l("%(by)s approved equivalence #%(id)s "
                                            "(%(summary)s); your side's approval is needed."))
register_kind("equivalence.rejected", _l("%(by)s rejected equivalence #%(id)s (%(summary)s): "
                                         "%(reason)s"))
register_kind("equivalence.review_needed", _l("Equivalence #%(id)s (%(summary)s) needs a "
                                              "review: %(reason)s"))
register_kind("review.requested", _l("%(by)s asks for your recommendation on equivalence "
                                     "#%(id)s (%(summary)s)."))
register_kind("review.answered", _l("%(by)s answered your review request on equivalence "
                                    "#%(id)s: %(recommendation)s."))


# -- permissions ----------------------------------------------------------------------------------

def _partner_registrar(user: User, partnership: Partnership) -> bool:
    return user.role is Role.REGISTRAR and user.institution_id in partnership.institution_ids()


@policy("equivalence.propose")
def _propose(user: User, partnership: Any) -> bool:
    return user.role is Role.ADMIN or _partner_registrar(user, partnership)


@policy("equivalence.decide")
def _decide(user: User, equivalence: Any) -> bool:
    """Only a registrar decides, for their own institution (an admin cannot stand in)."""
    return _partner_registrar(user, equivalence.partnership)


@policy("equivalence.review")
def _review(user: User, review: Any) -> bool:
    return user.role is Role.PROFESSOR and review.professor_id == user.id


# -- reading --------------------------------------------------------------------------------------

current_academic_year = academic_year_start


def expire_due(today: date | None = None) -> int:
    """Approved equivalences whose last academic year has ended become expired.

    Run daily (``jointdegree equivalences expire``, e.g. from cron) and before each decision; a
    GET never writes.
    """
    year = current_academic_year(today)
    result = session.execute(update(Equivalence).where(
        Equivalence.status == EquivalenceStatus.APPROVED, Equivalence.last_year.is_not(None),
        Equivalence.last_year < year).values(status=EquivalenceStatus.EXPIRED,
                                             version=Equivalence.version + 1))
    if result.rowcount:
        session.commit()
    return result.rowcount or 0


LOAD = (selectinload(Equivalence.courses).selectinload(Course.institution),
        selectinload(Equivalence.decisions).selectinload(EquivalenceDecision.user),
        selectinload(Equivalence.decisions).selectinload(EquivalenceDecision.institution),
        selectinload(Equivalence.partnership).selectinload(Partnership.programme_a)
        .selectinload(Programme.institution),
        selectinload(Equivalence.partnership).selectinload(Partnership.programme_b)
        .selectinload(Programme.institution))


def get_equivalence(equivalence_id: int) -> Equivalence:
    equivalence = session.get(Equivalence, equivalence_id, options=LOAD)
    if equivalence is None:
        raise NotFound(_l("No such equivalence."))
    return equivalence


def list_equivalences(partnership: Partnership | None = None, status: str | None = None,
                      course: Course | None = None) -> list[Equivalence]:
    statement = select(Equivalence).options(*LOAD).order_by(Equivalence.id)
    if partnership is not None:
        statement = statement.where(Equivalence.partnership_id == partnership.id)
    if status:
        statement = statement.where(Equivalence.status == status)
    if course is not None:
        statement = statement.where(Equivalence.courses.any(Course.id == course.id))
    return list(session.scalars(statement))


def summary(equivalence: Equivalence) -> str:
    """"UCA M1-BDA + … ≡ HAINANU CS5101" — the short name used in notices."""
    parts = []
    for programme in equivalence.partnership.programmes:
        codes = [c.code for c in equivalence.side(programme.institution_id)]
        parts.append(f"{programme.institution.code} {' + '.join(codes)}")
    return " ≡ ".join(parts)


@dataclass
class Side:
    institution: Any
    courses: list[Course]
    native_total: Decimal
    ects: list[Conversion | None]
    ects_total: Decimal | None
    hours: Decimal | None


@dataclass
class Comparison:
    sides: list[Side]
    difference: Decimal | None  # relative, on ECTS
    workload_difference: Decimal | None
    warning: bool
    tolerance: Decimal


def compare(equivalence_or_courses: Equivalence | Sequence[Course], partnership: Partnership,
            rules: RuleSet | None = None) -> Comparison:
    """Both sides' credits in one unit (ECTS), their workload, and whether they differ by more
    than the partnership's tolerance."""
    rules = rules or rule_service.rule_set(partnership)
    courses = (equivalence_or_courses.courses if isinstance(equivalence_or_courses, Equivalence)
               else list(equivalence_or_courses))
    sides = []
    for programme in partnership.programmes:
        own = [c for c in courses if c.institution_id == programme.institution_id]
        conversions: list[Conversion | None] = []
        for course in own:
            try:
                conversions.append(rule_service.to_ects(course, rules))
            except ValueError:
                conversions.append(None)
        known = [c.amount for c in conversions if c is not None]
        hours = [rule_service.total_hours(c) for c in own]
        sides.append(Side(programme.institution, own,
                          sum((c.credits for c in own), Decimal(0)), conversions,
                          sum(known, Decimal(0)) if len(known) == len(own) and own else None,
                          sum(hours, Decimal(0)) if own and None not in hours else None))
    a, b = sides[0].ects_total, sides[1].ects_total
    difference = abs(a - b) / max(a, b) if a and b else None
    tolerance = partnership.tolerance
    return Comparison(sides, difference, workload_difference(sides[0].hours, sides[1].hours),
                      bool(difference is not None and difference > tolerance), tolerance)


# -- changes --------------------------------------------------------------------------------------

def _registrars(institution_ids: set[int]) -> list[User]:
    return list(session.scalars(select(User).where(
        User.role == Role.REGISTRAR, User.institution_id.in_(institution_ids),
        User.active.is_(True))))


def _link(equivalence: Equivalence) -> str:
    return f"/equivalences/{equivalence.id}"


def _params(equivalence: Equivalence, actor: User | None, **extra: Any) -> dict[str, Any]:
    return {"id": equivalence.id, "summary": summary(equivalence),
            "by": actor.display_name if actor else "jointdegree", **extra}


def propose(partnership: Partnership, course_ids: Sequence[int], first_year: int,
            last_year: int | None, note: str | None, actor: User | None) -> Equivalence:
    """Courses at one institution ≡ courses at the other (1:1, 1:n, n:m)."""
    expire_due()
    if actor is not None:
        authorize("equivalence.propose", partnership, user=actor)
    errors: dict[str, Any] = {}
    courses = list(session.scalars(select(Course).where(Course.id.in_(set(course_ids)))
                                   .options(selectinload(Course.institution))))
    partners = partnership.institution_ids()
    if len(courses) != len(set(course_ids)):
        errors["courses"] = _l("Some courses do not exist.")
    elif any(c.institution_id not in partners for c in courses):
        errors["courses"] = _l("Every course must belong to one of the two partners.")
    elif {c.institution_id for c in courses} != partners:
        errors["courses"] = _l("Choose at least one course at each institution.")
    if any(c.status is CourseStatus.RETIRED for c in courses):
        errors.setdefault("courses", _l("A retired course cannot enter a new equivalence."))
    if not 1990 <= first_year <= 2100:
        errors["first_year"] = _l("Enter a year such as 2026.")
    if last_year is not None and last_year < first_year:
        errors["last_year"] = _l("The last year cannot come before the first.")
    if errors:
        raise ValidationFailed(_l("Please correct the highlighted fields."), fields=errors)
    equivalence = Equivalence(partnership=partnership, courses=courses, first_year=first_year,
                              last_year=last_year, note=(note or "").strip() or None,
                              proposed_by_id=getattr(actor, "id", None),
                              updated_by_id=getattr(actor, "id", None))
    session.add(equivalence)
    session.flush()
    audit("equivalence.propose", equivalence, actor=actor,
          after={"courses": sorted(c.code for c in courses), "first_year": first_year,
                 "last_year": last_year, "note": equivalence.note},
          institution_id=getattr(actor, "institution_id", None))
    # The proposer's own side counts as approving.
    if actor is not None and actor.role is Role.REGISTRAR:
        session.add(EquivalenceDecision(equivalence=equivalence, user_id=actor.id,
                                        institution_id=actor.institution_id,
                                        decision=Decision.APPROVE, reason=None))
    others = partners - {getattr(actor, "institution_id", None)}
    notify(_registrars(others), "equivalence.proposed", _params(equivalence, actor),
           _link(equivalence))
    session.commit()
    return equivalence


def _require_open(equivalence: Equivalence) -> None:
    if equivalence.status is not EquivalenceStatus.PROPOSED:
        raise Conflict(_l("This equivalence is no longer waiting for decisions (%(status)s).",
                          status=label(equivalence.status)), code="not_pending")


def approve(equivalence: Equivalence, actor: User, expected_version: int | None = None
            ) -> Equivalence:
    """Record the actor's institution's approval; both institutions → approved."""
    authorize("equivalence.decide", equivalence, user=actor)
    check_version(equivalence, expected_version)
    _require_open(equivalence)
    if any(d.institution_id == actor.institution_id and d.decision is Decision.APPROVE
           for d in equivalence.decisions):
        raise Conflict(_l("Your institution has already approved it."), code="already_decided")
    equivalence.decisions.append(EquivalenceDecision(
        user_id=actor.id, institution_id=actor.institution_id, decision=Decision.APPROVE))
    approved = {d.institution_id for d in equivalence.decisions
                if d.decision is Decision.APPROVE}
    partners = equivalence.partnership.institution_ids()
    equivalence.updated_at, equivalence.updated_by_id = utcnow(), actor.id
    if approved >= partners:
        equivalence.status = EquivalenceStatus.APPROVED
        equivalence.decided_at = utcnow()
        notify(_registrars(partners - {actor.institution_id}), "equivalence.approved",
               _params(equivalence, actor), _link(equivalence))
    else:
        notify(_registrars(partners - {actor.institution_id}), "equivalence.approved_by",
               _params(equivalence, actor), _link(equivalence))
    audit("equivalence.approve", equivalence, actor=actor,
          after={"status": equivalence.status.value,
                 "approved_by": sorted(approved)}, institution_id=actor.institution_id)
    commit_versioned()
    return equivalence


def reject(equivalence: Equivalence, actor: User, reason: str,
           expected_version: int | None = None) -> Equivalence:
    authorize("equivalence.decide", equivalence, user=actor)
    check_version(equivalence, expected_version)
    _require_open(equivalence)
    reason = (reason or "").strip()
    if not reason:
        message = _l("Say why it is rejected: the other side will read it.")
        raise ValidationFailed(message, fields={"reason": message})
    equivalence.decisions.append(EquivalenceDecision(
        user_id=actor.id, institution_id=actor.institution_id, decision=Decision.REJECT,
        reason=reason))
    equivalence.status = EquivalenceStatus.REJECTED
    equivalence.decided_at = equivalence.updated_at = utcnow()
    equivalence.updated_by_id = actor.id
    partners = equivalence.partnership.institution_ids()
    notify(_registrars(partners - {actor.institution_id}), "equivalence.rejected",
           _params(equivalence, actor, reason=reason), _link(equivalence))
    audit("equivalence.reject", equivalence, actor=actor,
          after={"status": "rejected", "reason": reason}, institution_id=actor.institution_id)
    commit_versioned()
    return equivalence


# -- catalog changes ------------------------------------------------------------------------------

def flag_changed_courses(course_ids: Sequence[int], reason: str) -> int:
    """Approved (or pending) equivalences using these courses need a registrar's review."""
    if not course_ids:
        return 0
    affected = list(session.scalars(select(Equivalence).options(*LOAD).where(
        Equivalence.status.in_([EquivalenceStatus.APPROVED, EquivalenceStatus.PROPOSED]),
        Equivalence.courses.any(Course.id.in_(course_ids)))))
    for equivalence in affected:
        equivalence.review_needed = True
        equivalence.review_reason = reason
        notify(_registrars(equivalence.partnership.institution_ids()),
               "equivalence.review_needed", _params(equivalence, None, reason=reason),
               _link(equivalence))
        audit("equivalence.review_needed", equivalence, actor=None, after={"reason": reason})
    return len(affected)


COURSE_CHANGE_HOOKS.append(flag_changed_courses)


def confirm_review(equivalence: Equivalence, actor: User, note: str | None = None
                   ) -> Equivalence:
    """A registrar of either side has looked at the changed course and keeps the equivalence."""
    authorize("equivalence.decide", equivalence, user=actor)
    if not equivalence.review_needed:
        return equivalence
    before = {"review_reason": equivalence.review_reason}
    equivalence.review_needed = False
    equivalence.review_reason = None
    equivalence.updated_at, equivalence.updated_by_id = utcnow(), actor.id
    audit("equivalence.review_confirmed", equivalence, actor=actor, before=before,
          after={"note": (note or "").strip() or None}, institution_id=actor.institution_id)
    commit_versioned()
    return equivalence


# -- faculty review -------------------------------------------------------------------------------

def request_review(equivalence: Equivalence, professor: User, question: str | None,
                   actor: User) -> FacultyReview:
    authorize("equivalence.decide", equivalence, user=actor)
    if professor.role is not Role.PROFESSOR or (
            professor.institution_id not in equivalence.partnership.institution_ids()):
        message = _l("Choose a professor of one of the two institutions.")
        raise ValidationFailed(message, fields={"professor": message})
    review = FacultyReview(equivalence=equivalence, professor_id=professor.id,
                           requested_by_id=actor.id, question=(question or "").strip() or None)
    session.add(review)
    session.flush()
    notify([professor], "review.requested", _params(equivalence, actor),
           f"/reviews/{review.id}")
    audit("review.request", review, actor=actor, after={"professor": professor.email},
          institution_id=actor.institution_id)
    session.commit()
    return review


def answer_review(review: FacultyReview, actor: User, recommendation: str,
                  comment: str | None) -> FacultyReview:
    authorize("equivalence.review", review, user=actor)
    try:
        choice = Recommendation(recommendation)
    except ValueError:
        message = _l("Choose approve, reject or revise.")
        raise ValidationFailed(message, fields={"recommendation": message}) from None
    review.recommendation = choice
    review.comment = (comment or "").strip() or None
    review.answered_at = utcnow()
    if review.requested_by is not None:
        notify([review.requested_by], "review.answered",
               _params(review.equivalence, actor, recommendation=choice.value),  # see labels
               _link(review.equivalence))
    audit("review.answer", review, actor=actor,
          after={"recommendation": choice.value, "comment": review.comment})
    session.commit()
    return review


REVIEW_LOAD = (selectinload(FacultyReview.professor), selectinload(FacultyReview.requested_by))


def reviews_of(equivalence: Equivalence) -> list[FacultyReview]:
    return list(session.scalars(select(FacultyReview).where(
        FacultyReview.equivalence_id == equivalence.id).options(*REVIEW_LOAD)
        .order_by(FacultyReview.requested_at)))


def reviews_for(professor: User) -> list[FacultyReview]:
    return list(session.scalars(select(FacultyReview).where(
        FacultyReview.professor_id == professor.id).options(
        *REVIEW_LOAD, selectinload(FacultyReview.equivalence).options(*LOAD)).order_by(
        FacultyReview.answered_at.is_not(None), FacultyReview.requested_at.desc())))


def get_review(review_id: int) -> FacultyReview:
    review = session.get(FacultyReview, review_id)
    if review is None:
        raise NotFound(_l("No such review request."))
    return review


def pending_for(user: User) -> list[Equivalence]:
    """Proposed equivalences waiting for this registrar's institution."""
    if user.role is not Role.REGISTRAR:
        return []
    decided = exists().where(EquivalenceDecision.equivalence_id == Equivalence.id,
                             EquivalenceDecision.institution_id == user.institution_id)
    return list(session.scalars(select(Equivalence).options(*LOAD).where(
        Equivalence.status == EquivalenceStatus.PROPOSED,
        Equivalence.partnership_id.in_(partnership_ids_of(user.institution_id)), ~decided)
        .order_by(Equivalence.id)))


def needing_review(user: User) -> list[Equivalence]:
    """Equivalences of the registrar's double degrees flagged for review (a course changed)."""
    if user.role is not Role.REGISTRAR:
        return []
    return list(session.scalars(select(Equivalence).options(*LOAD).where(
        Equivalence.review_needed.is_(True),
        Equivalence.partnership_id.in_(partnership_ids_of(user.institution_id)))
        .order_by(Equivalence.id)))


# -- suggestions ----------------------------------------------------------------------------------

def suggestions(course: Course, partnership: Partnership, limit: int = 5) -> list[Any]:
    """The partner's courses most likely equivalent to ``course``, each with its reasons."""
    from jointdegree.catalog.courses import institution_courses, to_record
    from jointdegree.matching.suggest import Candidate, suggest

    rules = rule_service.rule_set(partnership)
    partner_id = next(iter(partnership.institution_ids() - {course.institution_id}), None)
    partner = next((p.institution for p in partnership.programmes
                    if p.institution_id == partner_id), None)
    if partner is None:
        return []

    def candidate(item: Course) -> Candidate:
        try:
            ects = rule_service.to_ects(item, rules).amount
        except ValueError:
            ects = None
        return Candidate(record=to_record(item), ects=ects, key=item)

    return suggest(candidate(course), [candidate(c) for c in institution_courses(partner)],
                   limit=limit)
