"""Calendar feeds at secret, revocable addresses (a professor's lectures, a course offering's, a
student's planned courses), and professors' availability imported from their own calendar.

A feed's secret is shown once; only its SHA-256 is kept, like API tokens. Anyone holding the
address can read the feed — that is what subscribing from a calendar app needs — so the owner can
revoke it and make a new one at any time.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from jointdegree.audit.services import record
from jointdegree.auth.models import Role, User
from jointdegree.auth.tokens import hash_token
from jointdegree.catalog.models import Course
from jointdegree.db import session, utcnow
from jointdegree.errors import NotFound, ValidationFailed
from jointdegree.files import services as files
from jointdegree.files.models import Upload
from jointdegree.i18n import pick_text
from jointdegree.teaching import ical, services, slots
from jointdegree.teaching.models import CalendarFeed, LectureSeries, TeachingAssignment

KINDS = ("professor", "offering", "student")
FEED_PREFIX = "cal_"
DOMAIN = "jointdegree"


def create_feed(owner: User, kind: str, target_id: int) -> tuple[CalendarFeed, str]:
    """A new feed address for ``owner``; returns the row and the secret (shown once)."""
    if kind not in KINDS:
        raise ValidationFailed(_l("Unknown kind of calendar."))
    if kind == "professor" and (owner.role is not Role.PROFESSOR or target_id != owner.id):
        raise ValidationFailed(_l("A professor can subscribe only to their own lectures."))
    if kind == "student":
        from jointdegree.planning.students import student_of

        own = student_of(owner)
        if own is None or own.id != target_id:
            raise ValidationFailed(_l("A student can subscribe only to their own courses."))
    if kind == "offering":
        services.get_assignment(target_id)  # any logged-in user may follow a course's lectures
    secret = FEED_PREFIX + secrets.token_urlsafe(24)
    feed = CalendarFeed(owner_id=owner.id, kind=kind, target_id=target_id,
                        token_hash=hash_token(secret))
    session.add(feed)
    session.flush()
    record("feed.create", feed, actor=owner, after={"kind": kind, "target": target_id})
    session.commit()
    return feed, secret


def feeds_of(owner: User) -> list[CalendarFeed]:
    return list(session.scalars(select(CalendarFeed).where(
        CalendarFeed.owner_id == owner.id, CalendarFeed.revoked_at.is_(None))
        .order_by(CalendarFeed.created_at)))


def revoke(feed: CalendarFeed, actor: User) -> None:
    if feed.owner_id != actor.id:
        raise NotFound(_l("No such calendar."))
    feed.revoked_at = utcnow()
    record("feed.revoke", feed, actor=actor, after={"kind": feed.kind})
    session.commit()


def find(secret: str) -> CalendarFeed:
    feed = session.scalar(select(CalendarFeed).where(
        CalendarFeed.token_hash == hash_token(secret), CalendarFeed.revoked_at.is_(None)))
    if feed is None:
        raise NotFound(_l("No such calendar (the address may have been revoked)."))
    return feed


def _series(feed: CalendarFeed) -> list[LectureSeries]:
    statement = select(LectureSeries).join(TeachingAssignment).options(
        selectinload(LectureSeries.exceptions),
        selectinload(LectureSeries.assignment).selectinload(TeachingAssignment.course)
        .selectinload(Course.institution))
    if feed.kind == "professor":
        statement = statement.where(TeachingAssignment.professor_id == feed.target_id)
    elif feed.kind == "offering":
        statement = statement.where(TeachingAssignment.id == feed.target_id)
    else:
        owner = session.get(User, feed.owner_id)
        return services.series_for(owner) if owner is not None else []
    return list(session.scalars(statement))


def render(feed: CalendarFeed, now: datetime | None = None) -> bytes:
    """The feed's iCalendar: every week of every series, cancelled ones as STATUS:CANCELLED,
    each with both campuses' local times and the video link in its description."""
    now = now or datetime.now(UTC)
    events = []
    for series in _series(feed):
        zones = services.zones_for(series)
        course = series.assignment.course
        title = pick_text({"en": course.title_en, "fr": course.title_fr, "zh": course.title_zh})
        for lecture in services.lectures_of(series, zones):
            times = "\n".join(
                f"{zone}: {lt.start:%Y-%m-%d %H:%M}–{lt.end:%H:%M} (UTC{lt.start:%z})"
                for zone, lt in lecture.local.items())
            where = series.room or "Videoconference"
            description = f"{course.code} {title}\n{times}"
            if series.video_link:
                description += f"\n{series.video_link}"
            events.append(ical.FeedEvent(
                uid=ical.occurrence_uid(series.id, lecture.original_date, domain=DOMAIN),
                sequence=series.sequence, start_utc=lecture.start_utc, end_utc=lecture.end_utc,
                summary=f"{course.code} {title}", description=description, location=where,
                last_modified=series.updated_at, url=series.video_link,
                status="CANCELLED" if lecture.cancelled else "CONFIRMED"))
    names = {"professor": "Lectures", "offering": "Course lectures", "student": "My courses"}
    return ical.feed(f"jointdegree — {names[feed.kind]}", events, now=now)


# -- availability ---------------------------------------------------------------------------------

def import_availability(professor: User, data: bytes, filename: str, actor: User) -> Upload:
    """Check a professor's .ics (busy times) completely, then keep it: the slot finder reads
    the latest one. A file with any broken line is refused whole, every problem listed."""
    if actor.id != professor.id and actor.role not in (Role.ADMIN, Role.REGISTRAR):
        raise NotFound(_l("No such professor."))
    try:
        busy_from(data)
    except ical.IcsError as error:
        from jointdegree.labels import ICS_PROBLEM_TEXT

        # keyed by position (a line may have several problems); each message names its line
        problems = {f"line {p.line}" if p.line else f"problem {i}": p.message(ICS_PROBLEM_TEXT)
                    for i, p in enumerate(error.problems, start=1)}
        raise ValidationFailed(lazy_ngettext("The calendar file has %(num)d problem; nothing "
                                             "was imported.", "The calendar file has %(num)d "
                                             "problems; nothing was imported.", len(problems)),
                               code="invalid_ics",
                               fields=problems) from None
    upload = files.store("availability", filename, data, professor)
    record("availability.import", upload, actor=actor, after={"file": filename})
    session.commit()
    return upload


def busy_from(data: bytes, zone: str = "Europe/Paris") -> list[slots.Busy]:
    now = datetime.now(UTC)
    return ical.busy_times(data, window_start=now - timedelta(days=31),
                           window_end=now + timedelta(days=400), default_zone=zone)


def availability_of(professor: User) -> list[slots.Busy]:
    upload = session.scalar(select(Upload).where(
        Upload.owner_id == professor.id, Upload.purpose == "availability")
        .order_by(Upload.id.desc()))
    if upload is None:
        return []
    zone = professor.institution.timezone if professor.institution else "Europe/Paris"
    try:
        return busy_from(upload.data, zone)
    except ical.IcsError:
        return []  # checked when imported; a later package change must not break the page


def describe(feed: CalendarFeed) -> dict[str, Any]:
    return {"id": feed.id, "kind": feed.kind, "target": feed.target_id,
            "created_at": feed.created_at}
