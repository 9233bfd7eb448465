"""Lectures and the slot finder in the JSON API: every time is ISO 8601 with its UTC offset,
beside both campuses' local times."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from pydantic import Field

from jointdegree.api.registry import endpoint
from jointdegree.api.schemas import Schema
from jointdegree.auth.models import User
from jointdegree.db import MAX_ID
from jointdegree.errors import ValidationFailed
from jointdegree.labels import teaching_reason
from jointdegree.teaching import feeds, services

WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 415)


class LocalTime(Schema):
    zone: str
    start: datetime = Field(description="Local start, ISO 8601 with the zone's UTC offset")
    end: datetime


class LectureOut(Schema):
    series: int
    offering: int
    course: str
    original_date: date = Field(description="The week's date in the series' reference zone")
    starts_at: datetime = Field(description="ISO 8601 with its UTC offset")
    duration_minutes: int
    status: Literal["scheduled", "moved", "cancelled"]
    mode: Literal["remote", "in_person", "hybrid"]
    video_link: str | None
    room: str | None
    local: list[LocalTime] = Field(description="The same lecture in each campus's zone")


class LectureList(Schema):
    items: list[LectureOut]


class LectureQuery(Schema):
    offering: int | None = Field(None, ge=1, le=MAX_ID,
                                 description="Course offering (teaching assignment) id")
    # bounded: the period is widened by hours and days, which must stay inside datetime's years
    start: date | None = Field(None, alias="from", ge=date(1900, 1, 1), le=date(2999, 12, 31),
                               description="First day (default: today)")
    days: int = Field(7, ge=1, le=400, description="How many days from the first")


class LectureIn(Schema):
    offering: int = Field(ge=1, le=MAX_ID)
    zone: str = Field(description="Reference zone: the wall-clock time stays fixed in it")
    first_date: date
    starts_at: time = Field(description="Local wall-clock time in `zone`")
    fold: Literal[0, 1] | None = Field(None, description="Only for a time that happens twice")
    duration_minutes: int = Field(90, ge=15, le=480)
    until: date | None = None
    mode: Literal["remote", "in_person", "hybrid"] = "remote"
    video_link: str | None = Field(None, description="https only")
    room: str | None = None
    audience: str = Field(min_length=1, max_length=100)
    skip_clashes: bool = Field(False, description="Cancel clashing weeks instead of refusing")


class SeriesOut(Schema):
    id: int
    offering: int
    sequence: int
    cancelled_weeks: list[date]
    lectures: list[LectureOut]


class SlotQuery(Schema):
    offering: int = Field(ge=1, le=MAX_ID)
    duration_minutes: int = Field(90, ge=15, le=480)
    audience: str = Field("", max_length=100)


class SlotOut(Schema):
    weekday: int = Field(description="0 = Monday, in the reference zone")
    starts_at: datetime = Field(description="The first session, ISO 8601 with its UTC offset")
    duration_minutes: int
    local: list[LocalTime]
    sessions: int
    weeks: int
    lost: list[str] = Field(description="Weeks lost, with why, in the request's language")


class SlotsOut(Schema):
    offering: int
    reference_zone: str
    proposals: list[SlotOut]
    rejected: int


def _lecture(lecture: services.Lecture) -> LectureOut:
    series = lecture.series
    status = "cancelled" if lecture.cancelled else (
        "moved" if lecture.occurrence is not None and lecture.occurrence.moved else "scheduled")
    return LectureOut(
        series=series.id, offering=series.assignment_id, course=series.assignment.course.code,
        original_date=lecture.original_date,
        starts_at=lecture.local[series.zone].start, duration_minutes=series.duration_minutes,
        status=status, mode=series.mode.value, video_link=series.video_link, room=series.room,
        local=[LocalTime(zone=z, start=t.start, end=t.end) for z, t in lecture.local.items()])


@endpoint("GET", "/lectures", summary="Lectures in a period", tag="teaching",
          query=LectureQuery, response=LectureList, errors=(400, 401, 404))
def list_lectures(user: User, query: LectureQuery) -> LectureList:
    """The caller's lectures (a professor's own, a registrar's institution's, a student's
    planned courses), or one offering's, from ``from`` for ``days`` days."""
    first = query.start or datetime.now(UTC).date()
    start = datetime.combine(first, time(0), UTC) - timedelta(hours=14)
    end = start + timedelta(days=query.days, hours=28)
    if query.offering is not None:
        rows = services.series_of(services.get_assignment(query.offering))
    else:
        rows = services.series_for(user)
    lectures = [lecture for series in rows
                for lecture in services.lectures_between([series], start, end,
                                                         services.zones_for(series))]
    return LectureList(items=[_lecture(lecture) for lecture in sorted(
        lectures, key=lambda lecture: lecture.start_utc)])


@endpoint("POST", "/lectures", summary="Schedule a weekly lecture", tag="teaching",
          body=LectureIn, response=SeriesOut, status=201, errors=WRITE_ERRORS)
def create_lectures(user: User, body: LectureIn) -> Any:
    """The offering's professor or its institution's registrar. Every week is checked against
    both campuses' windows and calendars and the professor's and audience's other lectures; a
    clash answers 400 ``lecture_clash`` listing the weeks, unless ``skip_clashes``."""
    assignment = services.get_assignment(body.offering)
    data = body.model_dump(exclude={"offering", "skip_clashes"})
    data["fold"] = "" if body.fold is None else str(body.fold)
    try:
        series, cancelled = services.save_series(assignment, data, user,
                                                  skip_clashes=body.skip_clashes)
    except ValidationFailed as exc:
        clashes = exc.fields.pop("clashes", None)
        if clashes:
            exc.fields["clashes"] = {c.original_date.isoformat(): "; ".join(
                teaching_reason(r) for r in c.reasons) for c in clashes}
        raise
    lectures = services.lectures_of(series, services.zones_for(series))
    return SeriesOut(id=series.id, offering=assignment.id, sequence=series.sequence,
                     cancelled_weeks=[c.original_date for c in cancelled],
                     lectures=[_lecture(lecture) for lecture in lectures]), {
        "Location": f"/api/v1/lectures?offering={assignment.id}"}


@endpoint("GET", "/lectures/slots", summary="Weekly slots that suit both campuses",
          tag="teaching", query=SlotQuery, response=SlotsOut, errors=(400, 401, 403, 404))
def lecture_slots(user: User, query: SlotQuery) -> SlotsOut:
    """Ranked proposals (fewest lost weeks, then the most comfortable hours) for the offering's
    term, inside both campuses' teaching windows, around both countries' holidays and the
    professor's and audience's other lectures."""
    from jointdegree.auth.policy import authorize

    assignment = services.get_assignment(query.offering)
    authorize("lecture.edit", assignment, user=user)
    zones = [i.timezone for i in services.partner_institutions(assignment)]
    search = services.propose_slots(assignment, query.duration_minutes,
                                    audience=query.audience,
                                    extra_busy=feeds.availability_of(assignment.professor))
    proposals = []
    for proposal in search.proposals[:20]:
        first = proposal.sessions[0]
        proposals.append(SlotOut(
            weekday=proposal.slot.weekday,
            starts_at=first.start_utc.astimezone(services.recurrence.zone_of(zones[0])),
            duration_minutes=query.duration_minutes,
            local=[LocalTime(zone=z, start=first.start_utc.astimezone(
                services.recurrence.zone_of(z)), end=first.end_utc.astimezone(
                services.recurrence.zone_of(z))) for z in zones],
            sessions=len(proposal.sessions), weeks=proposal.weeks,
            lost=[teaching_reason(w.reasons[0]) for w in proposal.lost]))
    return SlotsOut(offering=assignment.id, reference_zone=zones[0], proposals=proposals,
                    rejected=len(search.rejections))
