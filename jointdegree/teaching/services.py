"""Lectures across Europe/Paris and Asia/Shanghai: campuses and their calendars from the
database, weekly lecture series checked on every save, the slot finder, closures and the
sessions they hit, and visiting stays.

The pure modules (``calendar.py``, ``recurrence.py``, ``slots.py``) do the time arithmetic;
this module reads and writes the rows and checks who may change what.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import g, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from jointdegree.audit.services import record, snapshot
from jointdegree.auth.models import Role, User
from jointdegree.auth.policy import authorize, is_admin, is_registrar_of, policy
from jointdegree.catalog.models import AcademicTerm, Course, Institution
from jointdegree.catalog.services import (
    _date,
    _Errors,
    check_version,
    commit_versioned,
    partner_institutions_of,
)
from jointdegree.db import session, utcnow
from jointdegree.errors import NotFound, ValidationFailed
from jointdegree.teaching import calendar as cal
from jointdegree.teaching import recurrence, slots
from jointdegree.teaching.models import (
    Closure,
    DayRule,
    LectureException,
    LectureMode,
    LectureSeries,
    ProfessorProfile,
    Stay,
    TeachingAssignment,
    TeachingWindow,
)

SERIES_FIELDS = ("zone", "first_date", "starts_at", "fold", "duration_minutes", "until", "mode",
                 "room", "video_link", "audience")
DEFAULT_WINDOW = (time(8), time(20))


# -- permissions ----------------------------------------------------------------------------------

@policy("teaching.manage")
def _teaching_manage(user: User, institution: Any) -> bool:
    """Teaching windows, closures, day rules and teaching assignments of an institution."""
    return is_admin(user) or is_registrar_of(user, getattr(institution, "id", None))


@policy("lecture.edit")
def _lecture_edit(user: User, assignment: Any) -> bool:
    """The offering's professor, and the registrar of the course's institution."""
    return (is_admin(user) or is_registrar_of(user, assignment.course.institution_id)
            or (user.role is Role.PROFESSOR and assignment.professor_id == user.id))


@policy("stay.edit")
def _stay_edit(user: User, professor: Any) -> bool:
    """A professor's own stays (and profile); registrars of either institution record them too:
    the professor's own, or one in a double degree with it (a stay is at the partner). A
    registrar of an unrelated institution may not."""
    if is_admin(user) or user.id == professor.id:
        return True
    if user.role is not Role.REGISTRAR or user.institution_id is None:
        return False
    if user.institution_id == professor.institution_id:
        return True
    return professor.institution_id is not None and user.institution_id in {
        i.id for i in partner_institutions_of(professor.institution_id)}


# -- campuses -------------------------------------------------------------------------------------

def calendar_of(institution: Institution) -> cal.TeachingCalendar:
    closures = session.scalars(select(Closure).where(Closure.institution_id == institution.id))
    rules = list(session.scalars(select(DayRule).where(DayRule.institution_id == institution.id)))
    return cal.TeachingCalendar(
        institution.country if institution.country in ("FR", "CN") else "FR",
        closures=[cal.Closure(c.starts_on, c.ends_on, c.name_en or c.name_fr or c.name_zh or "",
                              c.name_fr or "", c.name_zh or "") for c in closures],
        overrides=[cal.Override(r.day, r.teaching, r.note) for r in rules
                   if r.follows_weekday is None],
        follows=[cal.FollowsWeekday(r.day, r.follows_weekday, r.note) for r in rules
                 if r.follows_weekday is not None])


def window_of(institution: Institution) -> tuple[time, time]:
    row = session.get(TeachingWindow, institution.id)
    return (row.starts_at, row.ends_at) if row is not None else DEFAULT_WINDOW


def _memo() -> dict[tuple[str, int], Any]:
    """Campuses and partners read once per request (or CLI command): pages and feeds go through
    every lecture series, and each would otherwise re-read the same calendars (N+1). Changes to
    windows, closures and day rules forget them."""
    if not has_app_context():
        return {}
    return g.setdefault("_teaching_memo", {})


def _forget() -> None:
    if has_app_context():
        g.pop("_teaching_memo", None)


def campus_of(institution: Institution) -> slots.Campus:
    memo = _memo()
    found = memo.get(("campus", institution.id))
    if found is None:
        start, end = window_of(institution)
        found = memo[("campus", institution.id)] = slots.Campus(
            institution.code, institution.timezone, calendar_of(institution), start, end)
    return found


def partner_institutions(assignment: TeachingAssignment) -> list[Institution]:
    """The course's institution first, then its double-degree partners (the audience's)."""
    memo = _memo()
    key = ("partners", assignment.course.institution_id)
    if key not in memo:
        memo[key] = _partners(assignment.course.institution)
    return list(memo[key])


def _partners(home: Institution) -> list[Institution]:
    return [home, *partner_institutions_of(home.id)]


# -- reading lectures -----------------------------------------------------------------------------

def get_assignment(assignment_id: int) -> TeachingAssignment:
    row = session.get(TeachingAssignment, assignment_id)
    if row is None:
        raise NotFound(_l("No course offering #%(id)s.", id=assignment_id))
    return row


def offerings_for(user: User) -> list[TeachingAssignment]:
    """The course offerings a user's list shows: a professor's own, an institution's for its
    staff, all for admins; newest term first, with course, term and professor loaded."""
    statement = select(TeachingAssignment).join(Course).join(
        AcademicTerm, AcademicTerm.id == TeachingAssignment.term_id).options(
        selectinload(TeachingAssignment.course), selectinload(TeachingAssignment.term),
        selectinload(TeachingAssignment.professor)).order_by(
        AcademicTerm.starts_on.desc(), Course.code)
    if user.role is Role.PROFESSOR:
        statement = statement.where(TeachingAssignment.professor_id == user.id)
    elif user.role is not Role.ADMIN:
        statement = statement.where(Course.institution_id == user.institution_id)
    return list(session.scalars(statement))


def get_series(series_id: int) -> LectureSeries:
    row = session.get(LectureSeries, series_id)
    if row is None:
        raise NotFound(_l("No lecture series #%(id)s.", id=series_id))
    return row


def recurrence_of(series: LectureSeries) -> recurrence.WeeklyRecurrence:
    return recurrence.WeeklyRecurrence(
        start=datetime.combine(series.first_date, series.starts_at),
        duration=timedelta(minutes=series.duration_minutes), zone=series.zone,
        until=series.until, fold=series.fold,
        cancelled=frozenset(e.original_date for e in series.exceptions if e.cancelled),
        moved={e.original_date: recurrence.Move(e.moved_to, e.moved_fold)
               for e in series.exceptions if e.moved_to is not None and not e.cancelled})


@dataclass(frozen=True)
class Lecture:
    """One session as people see it: the series, its times in every campus, its state."""

    series: LectureSeries
    occurrence: recurrence.Occurrence | None  # None for a cancelled week
    original_date: date
    cancelled: bool
    start_utc: datetime
    end_utc: datetime
    local: Mapping[str, recurrence.LocalTimes]


def lectures_of(series: LectureSeries, zones: Sequence[str]) -> list[Lecture]:
    """Every week of a series, cancelled ones included (shown struck through, and in feeds as
    STATUS:CANCELLED)."""
    rule = recurrence_of(series)
    held = {o.original_date: o for o in rule.expand(zones)}
    full = recurrence.WeeklyRecurrence(rule.start, rule.duration, rule.zone, until=rule.until,
                                       fold=rule.fold)
    lectures = []
    for occurrence in full.expand(zones):
        kept = held.get(occurrence.original_date)
        shown = kept or occurrence
        lectures.append(Lecture(series, kept, occurrence.original_date, kept is None,
                                shown.start_utc, shown.end_utc, shown.local))
    return lectures


def zones_for(series: LectureSeries) -> list[str]:
    zones = [series.zone]
    for institution in partner_institutions(series.assignment):
        if institution.timezone not in zones:
            zones.append(institution.timezone)
    return zones


def series_of(assignment: TeachingAssignment) -> list[LectureSeries]:
    return list(session.scalars(select(LectureSeries).where(
        LectureSeries.assignment_id == assignment.id).options(
        selectinload(LectureSeries.exceptions)).order_by(LectureSeries.first_date)))


def lectures_between(series_rows: Iterable[LectureSeries], start: datetime, end: datetime,
                     zones: Sequence[str]) -> list[Lecture]:
    found = [lecture for s in series_rows for lecture in lectures_of(s, zones)
             if lecture.start_utc < end and lecture.end_utc > start]
    return sorted(found, key=lambda lecture: lecture.start_utc)


def series_for(user: User) -> list[LectureSeries]:
    """The lecture series a user's week view shows: a professor's own, a registrar's
    institution's, a student's planned courses' (all for admins)."""
    statement = select(LectureSeries).join(TeachingAssignment).options(
        selectinload(LectureSeries.exceptions),
        selectinload(LectureSeries.assignment).selectinload(TeachingAssignment.course)
        .selectinload(Course.institution))
    if user.role is Role.PROFESSOR:
        statement = statement.where(TeachingAssignment.professor_id == user.id)
    elif user.role is Role.REGISTRAR:
        statement = statement.join(Course, Course.id == TeachingAssignment.course_id).where(
            Course.institution_id == user.institution_id)
    elif user.role is Role.STUDENT:
        from jointdegree.planning.models import PlanCourse, PlanSemester, StudyPlan
        from jointdegree.planning.students import student_of

        own = student_of(user)
        if own is None:
            return []
        planned = select(PlanCourse.course_id).join(
            PlanSemester, PlanSemester.id == PlanCourse.semester_id).join(
            StudyPlan, StudyPlan.id == PlanSemester.plan_id).where(StudyPlan.student_id == own.id)
        statement = statement.where(TeachingAssignment.course_id.in_(planned))
    return list(session.scalars(statement))


# -- changing lectures ----------------------------------------------------------------------------

def _https(link: str | None, errors: _Errors) -> str | None:
    text = (link or "").strip()
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme != "https" or not parts.netloc or len(text) > 500 or any(
            c.isspace() for c in text):
        errors.add("video_link", _l("Give the video link as an https:// address."))
    return text


def _validate_series(assignment: TeachingAssignment, data: Mapping[str, Any],
                     errors: _Errors) -> dict[str, Any]:
    term = assignment.term
    zone = str(data.get("zone") or assignment.course.institution.timezone)
    known_zones = {i.timezone for i in partner_institutions(assignment)}
    if zone not in known_zones:
        errors.add("zone", _l("Choose the time zone of one of the two campuses."))
    first = _date(data.get("first_date"), errors, "first_date", required=True)
    until = _date(data.get("until"), errors, "until") or term.ends_on
    if first is not None and not term.starts_on <= first <= term.ends_on:
        errors.add("first_date", _l("The first lecture must fall within the term (%(start)s – "
                                    "%(end)s).", start=term.starts_on, end=term.ends_on))
    if first is not None and until < first:
        errors.add("until", _l("The last date must come after the first lecture."))
    starts = _time(data.get("starts_at"), errors)
    duration = _whole(data.get("duration_minutes"), errors)
    try:
        mode = LectureMode(str(data.get("mode") or "remote"))
    except ValueError:
        errors.add("mode", _l("Choose remote, in person or hybrid."))
        mode = LectureMode.REMOTE
    link = _https(str(data.get("video_link") or ""), errors)
    if mode is not LectureMode.IN_PERSON and not link and not errors.fields.get("video_link"):
        errors.add("video_link", _l("A remote or hybrid lecture needs its video link."))
    room = (str(data.get("room") or "").strip() or None)
    if mode is not LectureMode.REMOTE and not room:
        errors.add("room", _l("An in-person or hybrid lecture needs a room."))
    audience = str(data.get("audience") or "").strip()[:100]
    if not audience:
        errors.add("audience", _l("Name the audience: a cohort or group."))
    if assignment.mode.value == "visiting" and first is not None and not errors.fields:
        host = assignment.course.institution
        if zone != host.timezone:
            errors.add("zone", _l("A visiting professor teaches in the host's time zone."))
        covering = session.scalar(select(Stay).where(
            Stay.professor_id == assignment.professor_id, Stay.host_institution_id == host.id,
            Stay.arrives_on <= first, Stay.departs_on >= min(until, term.ends_on)))
        if covering is None:
            errors.add("first_date", _l("No stay of the professor at %(host)s covers these "
                                        "dates: record the stay first, or teach remotely.",
                                        host=host.code))
    fold_text = str(data.get("fold") if data.get("fold") is not None else "").strip()
    fold = int(fold_text) if fold_text in ("0", "1") else None
    return {"zone": zone, "first_date": first, "until": until, "starts_at": starts,
            "duration_minutes": duration, "mode": mode, "video_link": link, "room": room,
            "audience": audience, "fold": fold}



def _time(value: Any, errors: _Errors) -> time | None:
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(str(value or "").strip())
    except ValueError:
        errors.add("starts_at", _l("Enter a time as HH:MM."))
        return None


def _whole(value: Any, errors: _Errors) -> int | None:
    try:
        minutes = int(str(value).strip())
    except ValueError:
        minutes = None
    if minutes is None or not 15 <= minutes <= 480:
        errors.add("duration_minutes", _l("Between 15 and 480 minutes."))
        return None
    return minutes


@dataclass(frozen=True)
class Clash:
    """Why one week of a lecture cannot be held as planned."""

    original_date: date
    reasons: tuple[cal.Reason, ...]


def campuses_for(series: LectureSeries) -> list[slots.Campus]:
    """Whose calendar and window a lecture must respect: a remote or hybrid lecture reaches both
    campuses; an in-person one happens at the course's own campus only."""
    institutions = partner_institutions(series.assignment)
    if series.mode is LectureMode.IN_PERSON:
        institutions = institutions[:1]
    return [campus_of(i) for i in institutions]


def check_lectures(series: LectureSeries, lectures: Sequence[Lecture],
                   with_busy: bool = True) -> list[Clash]:
    """Every held week against the calendars and windows of the campuses it reaches, the
    professor's other lectures and the audience's other lectures: what the slot finder checks,
    on every save."""
    campuses = campuses_for(series)
    others: list[LectureSeries] = []
    if with_busy:
        others = list(session.scalars(select(LectureSeries).join(TeachingAssignment).where(
            LectureSeries.id != series.id, or_(
                TeachingAssignment.professor_id == series.assignment.professor_id,
                LectureSeries.audience == series.audience)).options(
            selectinload(LectureSeries.exceptions),
            selectinload(LectureSeries.assignment).selectinload(TeachingAssignment.course))))
    busy: list[tuple[Lecture, str]] = []
    for other in others:
        who = "professor" if other.assignment.professor_id == series.assignment.professor_id \
            else "audience"
        busy += [(lecture, who) for lecture in lectures_of(other, [other.zone])
                 if not lecture.cancelled]
    clashes = []
    for lecture in lectures:
        if lecture.cancelled:
            continue
        reasons: list[cal.Reason] = []
        for campus in campuses:
            local_start = lecture.start_utc.astimezone(recurrence.zone_of(campus.zone))
            local_end = lecture.end_utc.astimezone(recurrence.zone_of(campus.zone))
            day = campus.calendar.day(local_start.date())
            if not day.teaching:
                reasons += [cal.Reason(r.key, {**r.params, "campus": campus.name})
                            for r in day.reasons]
            if (local_start.time() < campus.window_start or local_end.time() > campus.window_end
                    or local_end.date() != local_start.date()):
                reasons.append(cal.Reason("outside_window", {
                    "campus": campus.name, "time": f"{local_start:%H:%M}",
                    "window": campus.window_text, "count": "1", "weeks": "1"}))
        for other, who in busy:
            if other.start_utc < lecture.end_utc and lecture.start_utc < other.end_utc:
                reasons.append(cal.Reason(f"{who}_busy", {
                    "label": other.series.assignment.course.code,
                    "time": f"{other.local[other.series.zone].start:%H:%M}",
                    "dates": lecture.original_date.isoformat()}))
        if reasons:
            clashes.append(Clash(lecture.original_date, tuple(reasons)))
    return clashes


def save_series(assignment: TeachingAssignment, data: Mapping[str, Any], actor: User | None,
                series: LectureSeries | None = None, skip_clashes: bool = False,
                expected_version: int | None = None) -> tuple[LectureSeries, list[Clash]]:
    """Create or change a weekly series. Times that do not exist or happen twice in the zone
    are refused unless a fold is chosen; weeks that clash (holiday, closure, window, the
    professor's or audience's other lectures) are refused — or, with ``skip_clashes``,
    cancelled with the reason. Each change bumps the iCalendar SEQUENCE."""
    if actor is not None:
        authorize("lecture.edit", assignment, user=actor)
    if series is not None:
        check_version(series, expected_version)
    errors = _Errors()
    values = _validate_series(assignment, data, errors)
    errors.raise_if_any()
    before = snapshot(series, SERIES_FIELDS) if series is not None else None
    if series is None:
        series = LectureSeries(assignment_id=assignment.id, assignment=assignment)
        session.add(series)
    for key, value in values.items():
        setattr(series, key, value)
    session.flush()  # an id, so that the clash check leaves this series out
    try:
        lectures = lectures_of(series, zones_for(series))
    except recurrence.WallClockError as exc:
        session.rollback()
        if exc.key == "nonexistent_time":
            message = _l("%(time)s does not exist on %(date)s in %(zone)s (the clocks go "
                         "forward): choose another time.", **exc.params)
        else:
            message = _l("%(time)s happens twice on %(date)s in %(zone)s (the clocks go back): "
                         "say whether you mean the first or the second.", **exc.params)
        raise ValidationFailed(message, code=exc.key, fields={"starts_at": message}) from None
    clashes = check_lectures(series, lectures)
    if clashes and not skip_clashes:
        session.rollback()
        raise ValidationFailed(_l("Some weeks clash: cancel them, or choose another slot."),
                               code="lecture_clash", fields={"clashes": clashes})
    for clash in clashes:
        series.exceptions.append(LectureException(
            original_date=clash.original_date, cancelled=True,
            reason="; ".join(r.message(slots.MESSAGES) for r in clash.reasons)[:300]))
    series.sequence = (series.sequence or 0) + 1
    series.updated_at = utcnow()
    session.flush()
    record("lecture.save", series, actor=actor, before=before,
           after=snapshot(series, SERIES_FIELDS) | {"cancelled": len(clashes)},
           institution_id=assignment.course.institution_id)
    commit_versioned()
    return series, clashes


def cancel_week(series: LectureSeries, original_date: date, reason: str, actor: User | None
                ) -> None:
    if actor is not None:
        authorize("lecture.edit", series.assignment, user=actor)
    if original_date not in {lecture.original_date for lecture in lectures_of(series,
                                                                             [series.zone])}:
        raise NotFound(_l("The series has no lecture on %(date)s.", date=original_date))
    row = next((e for e in series.exceptions if e.original_date == original_date), None)
    if row is None:
        row = LectureException(original_date=original_date)
        series.exceptions.append(row)
    row.cancelled, row.moved_to, row.reason = True, None, (reason or "").strip()[:300] or None
    series.sequence += 1
    session.flush()
    record("lecture.cancel", series, actor=actor, after={"date": original_date.isoformat(),
                                                         "reason": row.reason},
           institution_id=series.assignment.course.institution_id)
    commit_versioned()


def move_week(series: LectureSeries, original_date: date, new_start: datetime,
              actor: User | None, fold: int | None = None) -> list[Clash]:
    """Move one week to another wall-clock start in the series' zone; checked like a save."""
    if actor is not None:
        authorize("lecture.edit", series.assignment, user=actor)
    if recurrence.wall_clock_status(new_start, recurrence.zone_of(series.zone)) != "ok" \
            and fold is None:
        message = _l("This time does not exist or happens twice in %(zone)s: choose another.",
                     zone=series.zone)
        raise ValidationFailed(message, code="wall_clock", fields={"moved_to": message})
    row = next((e for e in series.exceptions if e.original_date == original_date), None)
    if row is None:
        row = LectureException(original_date=original_date)
        series.exceptions.append(row)
    row.cancelled, row.moved_to, row.moved_fold = False, new_start, fold
    session.flush()
    moved = [lecture for lecture in lectures_of(series, zones_for(series))
             if lecture.original_date == original_date]
    clashes = check_lectures(series, moved)
    if clashes:
        session.rollback()
        raise ValidationFailed(_l("The new time clashes."), code="lecture_clash",
                               fields={"clashes": clashes})
    series.sequence += 1
    record("lecture.move", series, actor=actor,
           after={"date": original_date.isoformat(), "to": new_start.isoformat()},
           institution_id=series.assignment.course.institution_id)
    commit_versioned()
    return clashes


# -- the slot finder ------------------------------------------------------------------------------

def busy_of(assignment: TeachingAssignment, audience: str, exclude: int | None = None
            ) -> tuple[tuple[slots.Busy, ...], tuple[slots.Busy, ...]]:
    """The professor's and the audience's other lectures, as busy intervals."""
    professor: list[slots.Busy] = []
    group: list[slots.Busy] = []
    for other in session.scalars(select(LectureSeries).join(TeachingAssignment).where(or_(
            TeachingAssignment.professor_id == assignment.professor_id,
            LectureSeries.audience == audience)).options(
            selectinload(LectureSeries.exceptions),
            selectinload(LectureSeries.assignment).selectinload(TeachingAssignment.course))):
        if other.id == exclude:
            continue
        for lecture in lectures_of(other, [other.zone]):
            if lecture.cancelled:
                continue
            busy = slots.Busy(lecture.start_utc, lecture.end_utc,
                              other.assignment.course.code)
            if other.assignment.professor_id == assignment.professor_id:
                professor.append(busy)
            if other.audience == audience:
                group.append(busy)
    return tuple(professor), tuple(group)


def propose_slots(assignment: TeachingAssignment, duration_minutes: int = 90,
                  zone: str | None = None, audience: str = "",
                  extra_busy: Sequence[slots.Busy] = ()) -> slots.SlotSearch:
    institutions = partner_institutions(assignment)
    professor, group = busy_of(assignment, audience)
    term = assignment.term
    return slots.find_slots(slots.SlotQuery(
        campuses=tuple(campus_of(i) for i in institutions), term_start=term.starts_on,
        term_end=term.ends_on, duration=timedelta(minutes=duration_minutes),
        reference_zone=zone or institutions[0].timezone,
        professor_busy=professor + tuple(extra_busy), audience_busy=group))


# -- closures and day rules -----------------------------------------------------------------------

def add_closure(institution: Institution, data: Mapping[str, Any], actor: User | None
                ) -> tuple[Closure, list[tuple[LectureSeries, Clash]]]:
    """A break of the institution; returns the existing lectures that now fall on it, for the
    registrar to cancel or move (nothing is changed behind their back)."""
    _forget()
    if actor is not None:
        authorize("teaching.manage", institution, user=actor)
    errors = _Errors()
    start = _date(data.get("starts_on"), errors, "starts_on")
    end = _date(data.get("ends_on"), errors, "ends_on") or start
    if start is None:
        errors.add("starts_on", _l("This field is required."))
    elif end is not None and end < start:
        errors.add("ends_on", _l("The last day must come after the first."))
    names = {f"name_{s}": (str(data.get(f"name_{s}") or "").strip() or None)
             for s in ("fr", "zh", "en")}
    if not any(names.values()):
        errors.add("name_en", _l("Give a name in at least one language."))
    errors.raise_if_any()
    closure = Closure(institution_id=institution.id, starts_on=start, ends_on=end, **names)
    session.add(closure)
    session.flush()
    record("closure.add", institution, actor=actor, after={
        "from": start.isoformat(), "to": end.isoformat(), **names},
        institution_id=institution.id)
    session.commit()
    return closure, clashing_lectures(institution)


def set_day_rule(institution: Institution, data: Mapping[str, Any], actor: User | None
                 ) -> DayRule:
    """Teaching or not on one date, or following another weekday's timetable (调休)."""
    _forget()
    if actor is not None:
        authorize("teaching.manage", institution, user=actor)
    errors = _Errors()
    day = _date(data.get("day"), errors, "day")
    if day is None:
        errors.add("day", _l("This field is required."))
    weekday_text = str(data.get("follows_weekday") if data.get("follows_weekday") is not None
                       else "").strip()
    follows = int(weekday_text) if weekday_text in {str(n) for n in range(7)} else None
    if weekday_text and follows is None:
        errors.add("follows_weekday", _l("Choose a weekday."))
    note = str(data.get("note") or "").strip()[:300]
    if not note:
        errors.add("note", _l("Say why (the notice or decision)."))
    errors.raise_if_any()
    row = session.scalar(select(DayRule).where(DayRule.institution_id == institution.id,
                                               DayRule.day == day))
    if row is None:
        row = DayRule(institution_id=institution.id, day=day)
        session.add(row)
    row.teaching = follows is not None or bool(data.get("teaching"))
    row.follows_weekday, row.note = follows, note
    session.flush()
    record("day_rule.set", institution, actor=actor, after={
        "day": day.isoformat(), "teaching": row.teaching, "follows_weekday": follows,
        "note": note}, institution_id=institution.id)
    session.commit()
    return row


def set_window(institution: Institution, starts_at: time, ends_at: time, actor: User | None
               ) -> TeachingWindow:
    _forget()
    if actor is not None:
        authorize("teaching.manage", institution, user=actor)
    if not starts_at < ends_at:
        message = _l("The window must start before it ends.")
        raise ValidationFailed(message, fields={"ends_at": message})
    row = session.get(TeachingWindow, institution.id) or TeachingWindow(
        institution_id=institution.id)
    row.starts_at, row.ends_at = starts_at, ends_at
    session.add(row)
    record("window.set", institution, actor=actor, after={
        "from": starts_at.isoformat(), "to": ends_at.isoformat()}, institution_id=institution.id)
    session.commit()
    return row


def clashing_lectures(institution: Institution) -> list[tuple[LectureSeries, Clash]]:
    """Lectures (of courses at this institution or taught to its students) that fall on a
    day the calendars no longer allow: what a registrar resolves after adding a holiday."""
    found = []
    series_rows = session.scalars(select(LectureSeries).options(
        selectinload(LectureSeries.exceptions),
        selectinload(LectureSeries.assignment).selectinload(TeachingAssignment.course)))
    today = datetime.now(UTC)
    for series in series_rows:
        if institution.id not in {i.id for i in partner_institutions(series.assignment)}:
            continue
        upcoming = [lecture for lecture in lectures_of(series, zones_for(series))
                    if lecture.end_utc > today]
        # Calendars and windows only: clashes between lectures were refused when saved.
        found += [(series, clash) for clash in check_lectures(series, upcoming, with_busy=False)]
    return found


# -- stays ----------------------------------------------------------------------------------------

def add_stay(professor: User, host: Institution, data: Mapping[str, Any], actor: User | None
             ) -> Stay:
    """A visiting stay at the partner; one professor's stays never overlap."""
    if actor is not None:
        authorize("stay.edit", professor, user=actor)
    errors = _Errors()
    arrives = _date(data.get("arrives_on"), errors, "arrives_on")
    departs = _date(data.get("departs_on"), errors, "departs_on")
    if arrives is None:
        errors.add("arrives_on", _l("This field is required."))
    if departs is None:
        errors.add("departs_on", _l("This field is required."))
    if arrives and departs and departs < arrives:
        errors.add("departs_on", _l("The departure must come after the arrival."))
    if host.id == professor.institution_id:
        errors.add("host", _l("A stay is at the partner institution, not at home."))
    if arrives and departs and not errors.fields:
        overlapping = session.scalar(select(Stay).where(
            Stay.professor_id == professor.id, Stay.arrives_on <= departs,
            Stay.departs_on >= arrives))
        if overlapping is not None:
            errors.add("arrives_on", _l("This stay overlaps the stay of %(start)s – %(end)s.",
                                        start=overlapping.arrives_on,
                                        end=overlapping.departs_on))
    errors.raise_if_any()
    stay = Stay(professor_id=professor.id, host_institution_id=host.id, arrives_on=arrives,
                departs_on=departs, host_contact=(str(data.get("host_contact") or "").strip()
                                                  or None))
    session.add(stay)
    session.flush()
    record("stay.add", stay, actor=actor, after={"host": host.code,
                                                 "from": arrives.isoformat(),
                                                 "to": departs.isoformat()})
    session.commit()
    return stay


def save_profile(professor: User, data: Mapping[str, Any], actor: User | None
                 ) -> ProfessorProfile:
    """A professor's names in the three languages and subjects (their own, or a registrar's)."""
    if actor is not None:
        authorize("stay.edit", professor, user=actor)
    row = session.get(ProfessorProfile, professor.id) or ProfessorProfile(user_id=professor.id)
    for field in ("name_fr", "name_zh", "name_en"):
        setattr(row, field, (str(data.get(field) or "").strip()[:200] or None))
    row.subjects = str(data.get("subjects") or "").strip()[:2000] or None
    session.add(row)
    record("professor.profile", professor, actor=actor, after={
        "name_fr": row.name_fr, "name_zh": row.name_zh, "name_en": row.name_en,
        "subjects": row.subjects})
    session.commit()
    return row


def stays_of(professor: User) -> list[Stay]:
    return list(session.scalars(select(Stay).where(Stay.professor_id == professor.id)
                                .order_by(Stay.arrives_on)))


def assign(course: Course, term: AcademicTerm, professor: User, mode: str, actor: User | None
           ) -> TeachingAssignment:
    """Who teaches a course offering (home, remote from home, or visiting)."""
    if actor is not None:
        authorize("teaching.manage", course.institution, user=actor)
    errors = _Errors()
    if professor.role is not Role.PROFESSOR:
        errors.add("professor", _l("Choose a professor."))
    if term.institution_id != course.institution_id:
        errors.add("term", _l("The term must belong to the course's institution."))
    from jointdegree.teaching.models import TeachingMode

    try:
        teaching_mode = TeachingMode(mode)
    except ValueError:
        errors.add("mode", _l("Choose home, remote or visiting."))
        teaching_mode = TeachingMode.HOME
    errors.raise_if_any()
    row = TeachingAssignment(course_id=course.id, term_id=term.id, professor_id=professor.id,
                             mode=teaching_mode)
    session.add(row)
    session.flush()
    record("assignment.add", row, actor=actor, after={"course": course.code, "term": term.code,
                                                      "professor": professor.email},
           institution_id=course.institution_id)
    session.commit()
    return row
