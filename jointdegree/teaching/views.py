"""Teaching pages: the week timetable in both campuses' times, course offerings with their
weekly lectures and the slot finder, each institution's teaching calendar, and stays."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from jointdegree.auth.models import Role, User
from jointdegree.auth.policy import authorize, can
from jointdegree.catalog import services as catalog
from jointdegree.catalog.models import AcademicTerm, Course
from jointdegree.db import as_id, session
from jointdegree.errors import Conflict, ValidationFailed
from jointdegree.forms import apply_errors
from jointdegree.i18n import content_language, localized
from jointdegree.teaching import feeds, services, slots
from jointdegree.teaching.forms import (
    AssignmentForm,
    AvailabilityForm,
    CancelForm,
    ClosureForm,
    DayRuleForm,
    FeedForm,
    ProfileForm,
    SeriesForm,
    StayForm,
    WindowForm,
)
from jointdegree.teaching.models import TeachingAssignment
from jointdegree.web import NAVIGATION

bp = Blueprint("teaching", __name__)
NAVIGATION.append(("teaching.timetable", _l("Timetable"), frozenset(Role)))

ZONES = ("Europe/Paris", "Asia/Shanghai")


def _monday(value: str | None) -> date:
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        day = datetime.now(UTC).date()
    return day - timedelta(days=day.weekday())


@bp.route("/timetable")
@login_required
def timetable() -> str:
    """The week's lectures, each in both campuses' local times and the viewer's own zone."""
    monday = _monday(request.args.get("week"))
    start = datetime.combine(monday, time(0), UTC) - timedelta(hours=14)
    end = start + timedelta(days=7, hours=28)
    viewer_zone = current_user.timezone if current_user.timezone not in (None, *ZONES) else None
    zones = [*ZONES, *([viewer_zone] if viewer_zone else [])]
    lectures = services.lectures_between(services.series_for(current_user), start, end, zones)
    days: dict[date, list[Any]] = {monday + timedelta(days=i): [] for i in range(7)}
    for lecture in lectures:
        day = lecture.local[ZONES[0]].start.date()
        if day in days:
            days[day].append(lecture)
    return render_template("teaching/timetable.html", monday=monday, days=days, zones=zones,
                           previous=monday - timedelta(days=7), next=monday + timedelta(days=7),
                           own_feeds=feeds.feeds_of(current_user), feed_form=FeedForm(),
                           own_kind=_own_feed_kind(current_user))


def _own_feed_kind(user: User) -> tuple[str, int] | None:
    """What "subscribe to my lectures" means for this user (None: nothing of their own)."""
    if user.role is Role.PROFESSOR:
        return "professor", user.id
    if user.role is Role.STUDENT:
        from jointdegree.planning.students import student_of

        own = student_of(user)
        return ("student", own.id) if own is not None else None
    return None


@bp.route("/calendar/<secret>.ics")
def calendar_feed(secret: str) -> Response:
    """A subscribed calendar: no login (calendar apps cannot log in), the secret is the key."""
    if not secret.startswith(feeds.FEED_PREFIX) or len(secret) > 80:
        abort(404)
    data = feeds.render(feeds.find(secret))
    return Response(data, mimetype="text/calendar", headers={
        "Content-Disposition": "inline; filename=jointdegree.ics",
        "Cache-Control": "private, max-age=900"})


@bp.route("/teaching/feeds", methods=["POST"])
@login_required
def create_feed() -> Response:
    form = FeedForm()
    target = as_id(form.target.data)  # not int(): "²".isdigit() is true
    if not form.validate_on_submit() or target is None:
        abort(400)
    try:
        _feed, secret = feeds.create_feed(current_user, form.kind.data or "", target)
    except ValidationFailed as exc:
        flash(str(exc.message), "error")
    else:
        address = url_for("teaching.calendar_feed", secret=secret, _external=True)
        flash(_("Your calendar address (shown once — copy it into your calendar app): "
                "%(address)s", address=address), "success")
    return redirect(request.referrer if request.referrer and request.referrer.startswith(
        request.host_url) else url_for("teaching.timetable"))


@bp.route("/teaching/feeds/<id:feed_id>/revoke", methods=["POST"])
@login_required
def revoke_feed(feed_id: int) -> Response:
    from jointdegree.teaching.models import CalendarFeed

    form = FeedForm()
    feed = session.get(CalendarFeed, feed_id)
    if feed is None or not form.validate_on_submit():
        abort(404 if feed is None else 400)
    feeds.revoke(feed, current_user)
    flash(_("Calendar address revoked: apps subscribed to it stop receiving updates."),
          "success")
    return redirect(url_for("teaching.timetable"))


@bp.route("/teaching/offerings/<id:assignment_id>/availability", methods=["POST"])
@login_required
def import_availability(assignment_id: int) -> Response:
    """The professor's busy times from their own calendar (.ics), for the slot finder."""
    assignment = services.get_assignment(assignment_id)
    authorize("lecture.edit", assignment)
    form = AvailabilityForm()
    if not form.validate_on_submit():
        flash(_("Choose an .ics file."), "error")
    else:
        try:
            feeds.import_availability(assignment.professor, form.file.data.read(),
                                      form.file.data.filename or "availability.ics",
                                      current_user)
        except ValidationFailed as exc:
            flash(str(exc.message), "error")
            for where, message in list(exc.fields.items())[:20]:
                flash(f"{where}: {message}", "error")
        else:
            flash(_("Availability imported: the slot finder now avoids these busy times."),
                  "success")
    return redirect(url_for("teaching.offering", assignment_id=assignment.id))


@bp.route("/teaching", methods=["GET", "POST"])
@login_required
def offerings() -> str | Response | tuple[str, int]:
    """Course offerings and who teaches them; registrars assign professors here."""
    rows = services.offerings_for(current_user)
    form = None
    status = 200
    institution = current_user.institution
    if institution is not None and can(current_user, "teaching.manage", institution):
        form = AssignmentForm()
        form.course.choices = [(str(c.id), f"{c.code} — {localized(c, 'title')}") for c in
                               session.scalars(select(Course).where(
                                   Course.institution_id == institution.id).order_by(Course.code))]
        form.term.choices = [(str(t.id), t.code) for t in institution.terms]
        form.professor.choices = [(str(u.id), u.display_name) for u in session.scalars(
            select(User).where(User.role == Role.PROFESSOR).order_by(User.display_name))]
        if form.validate_on_submit():
            try:
                services.assign(session.get(Course, int(form.course.data)),
                                session.get(AcademicTerm, int(form.term.data)),
                                session.get(User, int(form.professor.data)),
                                form.mode.data or "home", current_user)
            except ValidationFailed as exc:
                apply_errors(form, exc)
                status = 400
            else:
                flash(_("Professor assigned."), "success")
                return redirect(url_for("teaching.offerings"))
    return render_template("teaching/offerings.html", rows=rows, form=form), status


def _series_data(form: SeriesForm) -> dict[str, Any]:
    return {"zone": form.zone.data, "first_date": form.first_date.data,
            "starts_at": form.starts_at.data, "fold": form.fold.data,
            "duration_minutes": form.duration_minutes.data, "until": form.until.data,
            "mode": form.mode.data, "video_link": form.video_link.data, "room": form.room.data,
            "audience": form.audience.data}


@bp.route("/teaching/offerings/<id:assignment_id>", methods=["GET", "POST"])
@login_required
def offering(assignment_id: int) -> str | Response | tuple[str, int]:
    assignment = services.get_assignment(assignment_id)
    editable = can(current_user, "lecture.edit", assignment)
    institutions = services.partner_institutions(assignment)
    zones = [i.timezone for i in institutions]
    form = SeriesForm()
    form.zone.choices = [(i.timezone, f"{i.timezone} ({i.code})") for i in institutions]
    clashes: list[services.Clash] = []
    status = 200
    if request.method == "GET":
        form.first_date.data = assignment.term.starts_on
        form.audience.data = _default_audience(assignment)
        weekday = request.args.get("weekday", "")
        if weekday in ("0", "1", "2", "3", "4", "5", "6") and request.args.get("start"):
            _prefill_from_slot(form, assignment, int(request.args["weekday"]),
                               request.args["start"], request.args.get("zone"))
    elif editable and form.validate_on_submit():
        try:
            _series, cancelled = services.save_series(
                assignment, _series_data(form), current_user,
                skip_clashes=bool(form.skip_clashes.data))
        except ValidationFailed as exc:
            clashes = list(exc.fields.pop("clashes", []))
            apply_errors(form, exc)
            status = 400
        else:
            flash(ngettext_weeks(len(cancelled)), "success")
            return redirect(url_for("teaching.offering", assignment_id=assignment.id))
    elif request.method == "POST":
        if not editable:
            abort(403)
        status = 400
    series_rows = services.series_of(assignment)
    weeks = {s.id: services.lectures_of(s, zones) for s in series_rows}
    search = services.propose_slots(
        assignment, audience=form.audience.data or _default_audience(assignment),
        extra_busy=feeds.availability_of(assignment.professor)) if editable else None
    return render_template("teaching/offering.html", assignment=assignment, form=form,
                           editable=editable, series_rows=series_rows, weeks=weeks,
                           zones=zones, search=search, clashes=clashes,
                           cancel_form=CancelForm(formdata=None),
                           availability_form=AvailabilityForm(formdata=None)), status


def ngettext_weeks(cancelled: int) -> str:
    from flask_babel import ngettext

    if not cancelled:
        return _("Lectures scheduled.")
    return ngettext("Lectures scheduled; %(num)d week that clashed is cancelled.",
                    "Lectures scheduled; %(num)d weeks that clashed are cancelled.", cancelled)


def _default_audience(assignment: TeachingAssignment) -> str:
    return f"{assignment.course.code} {assignment.term.code}"


def _prefill_from_slot(form: SeriesForm, assignment: TeachingAssignment, weekday: int,
                       start: str, zone: str | None) -> None:
    """"Use this slot": the first date of the term on that weekday, at that time."""
    try:
        form.starts_at.data = time.fromisoformat(start)
    except ValueError:
        return
    first = assignment.term.starts_on
    form.first_date.data = first + timedelta(days=(weekday - first.weekday()) % 7)
    if zone in dict(form.zone.choices):
        form.zone.data = zone


@bp.route("/teaching/series/<id:series_id>/cancel", methods=["POST"])
@login_required
def cancel_week(series_id: int) -> Response:
    series = services.get_series(series_id)
    authorize("lecture.edit", series.assignment)
    form = CancelForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.cancel_week(series, date.fromisoformat(form.original_date.data or ""),
                             form.reason.data or "", current_user)
    except ValueError:
        abort(400)
    flash(_("The week is cancelled; calendars that subscribe show it as cancelled."), "success")
    return redirect(url_for("teaching.offering", assignment_id=series.assignment_id))


@bp.route("/teaching/series/<id:series_id>/move", methods=["POST"])
@login_required
def move_week(series_id: int) -> Response:
    """One week at another time (local time in the series' zone), checked like a save."""
    series = services.get_series(series_id)
    authorize("lecture.edit", series.assignment)
    form = CancelForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        original = date.fromisoformat(form.original_date.data or "")
        moved = datetime.fromisoformat((request.form.get("moved_to") or "")[:16])
    except ValueError:
        flash(_("Give the new date and time."), "error")
        return redirect(url_for("teaching.offering", assignment_id=series.assignment_id))
    try:
        services.move_week(series, original, moved, current_user)
    except ValidationFailed as exc:
        flash(str(exc.message), "error")
        for clash in exc.fields.get("clashes", []):
            from jointdegree.labels import teaching_reason

            flash("; ".join(teaching_reason(r) for r in clash.reasons), "error")
    else:
        flash(_("The week is moved."), "success")
    return redirect(url_for("teaching.offering", assignment_id=series.assignment_id))


@bp.route("/institutions/<code>/teaching-calendar", methods=["GET", "POST"])
@login_required
def teaching_calendar(code: str) -> str | Response | tuple[str, int]:
    institution = catalog.get_institution(code)
    editable = can(current_user, "teaching.manage", institution)
    window = services.window_of(institution)
    window_form = WindowForm(prefix="w", formdata=request.form if "w-submit" in request.form
                             else None, starts_at=window[0], ends_at=window[1])
    closure_form = ClosureForm(prefix="c", formdata=request.form if "c-submit" in request.form
                               else None)
    day_form = DayRuleForm(prefix="d", formdata=request.form if "d-submit" in request.form
                           else None)
    status = 200
    if request.method == "POST":
        authorize("teaching.manage", institution)
        try:
            if "w-submit" in request.form and window_form.validate():
                services.set_window(institution, window_form.starts_at.data,
                                    window_form.ends_at.data, current_user)
                flash(_("Teaching window saved."), "success")
            elif "c-submit" in request.form and closure_form.validate():
                _closure, hit = services.add_closure(institution, closure_form.data,
                                                     current_user)
                flash(_("Closure added.") if not hit else _(
                    "Closure added. Some lectures now fall on closed days: see the list below."),
                    "success" if not hit else "error")
            elif "d-submit" in request.form and day_form.validate():
                services.set_day_rule(institution, day_form.data, current_user)
                flash(_("Day saved."), "success")
            else:
                status = 400
        except ValidationFailed as exc:
            for form in (window_form, closure_form, day_form):
                if form.is_submitted() and f"{form._prefix}submit" in request.form:
                    apply_errors(form, exc)
            status = 400
        if status == 200:
            return redirect(url_for("teaching.teaching_calendar", code=institution.code))
    calendar = services.calendar_of(institution)
    year = catalog.academic_year_start()
    lang = content_language()
    holidays = [(h, getattr(h, f"name_{lang}", "") or h.name_en)
                for h in calendar.holidays_between(date(year, 9, 1), date(year + 1, 8, 31))]
    partners = [institution, *catalog.partner_institutions_of(institution.id)]
    campuses = [services.campus_of(i) for i in partners]
    charts = slots.seasonal_charts(campuses, year + 1, institution.timezone) \
        if len(campuses) > 1 else ()
    from jointdegree.teaching.models import Closure, DayRule

    return render_template(
        "teaching/calendar.html", institution=institution, editable=editable,
        window_form=window_form, closure_form=closure_form, day_form=day_form,
        holidays=holidays, provisional=calendar.is_provisional(year + 1),
        closures=list(session.scalars(select(Closure).where(
            Closure.institution_id == institution.id).order_by(Closure.starts_on))),
        day_rules=list(session.scalars(select(DayRule).where(
            DayRule.institution_id == institution.id).order_by(DayRule.day))),
        clashes=services.clashing_lectures(institution) if editable else [],
        charts=charts, year=year), status


@bp.route("/professors/<id:user_id>", methods=["GET", "POST"])
@login_required
def professor(user_id: int) -> str | Response | tuple[str, int]:
    person = session.get(User, user_id)
    if person is None or person.role is not Role.PROFESSOR:
        abort(404)
    editable = can(current_user, "stay.edit", person)
    from jointdegree.teaching.models import ProfessorProfile

    profile = session.get(ProfessorProfile, person.id)
    profile_form = ProfileForm(prefix="p", obj=profile if request.method == "GET" else None)
    if editable and "p-submit" in request.form and profile_form.validate_on_submit():
        services.save_profile(person, profile_form.data, current_user)
        flash(_("Profile saved."), "success")
        return redirect(url_for("teaching.professor", user_id=person.id))
    form = StayForm()
    form.host.choices = [(i.code, localized(i, "name")) for i in catalog.list_institutions()
                         if i.id != person.institution_id]
    status = 200
    if editable and "p-submit" not in request.form and form.validate_on_submit():
        try:
            services.add_stay(person, catalog.get_institution(form.host.data or ""), {
                "arrives_on": form.arrives_on.data, "departs_on": form.departs_on.data,
                "host_contact": form.host_contact.data}, current_user)
        except ValidationFailed as exc:
            apply_errors(form, exc)
            status = 400
        except Conflict as exc:
            form.form_errors.append(str(exc.message))
            status = 409
        else:
            flash(_("Stay added."), "success")
            return redirect(url_for("teaching.professor", user_id=person.id))
    elif request.method == "POST":
        status = 400 if editable else 403
    assignments = list(session.scalars(select(TeachingAssignment).where(
        TeachingAssignment.professor_id == person.id)))
    return render_template("teaching/professor.html", person=person, form=form,
                           editable=editable, stays=services.stays_of(person),
                           assignments=assignments, profile=profile,
                           profile_form=profile_form), status
