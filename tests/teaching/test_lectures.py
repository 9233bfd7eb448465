"""Weekly lectures on the demo: both campuses' times across the clock change, checks on every
save, closures added later, stays, and who may change what."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import select

from jointdegree.auth.models import User
from jointdegree.auth.policy import NotAllowed
from jointdegree.catalog.models import AcademicTerm, Course, Institution
from jointdegree.db import session
from jointdegree.demo import DEMO_PASSWORD
from jointdegree.errors import ValidationFailed
from jointdegree.teaching import services
from jointdegree.teaching.models import LectureSeries, TeachingAssignment
from tests.support import csrf_token, login


@pytest.fixture(autouse=True)
def _rolled_back(db) -> None:
    """Every test here changes the shared demo database inside a transaction rolled back."""


def user(email: str) -> User:
    return session.scalar(select(User).where(User.email == email))


def offering(code: str) -> TeachingAssignment:
    return session.scalar(select(TeachingAssignment).join(Course).where(Course.code == code))


def institution(code: str) -> Institution:
    return session.scalar(select(Institution).where(Institution.code == code))


def test_a_paris_lecture_moves_an_hour_in_shanghai_when_europe_changes_its_clocks(
        app) -> None:
    with app.test_request_context():
        series = services.series_of(offering("CS5211"))[0]  # Tuesdays 09:00 Paris
        weeks = {w.original_date: w for w in services.lectures_of(
            series, ["Europe/Paris", "Asia/Shanghai"])}
        before, after = weeks[date(2026, 10, 20)], weeks[date(2026, 10, 27)]
        for lecture in (before, after):
            assert lecture.local["Europe/Paris"].start.time() == time(9, 0)
        assert before.local["Asia/Shanghai"].start.time() == time(15, 0)
        assert after.local["Asia/Shanghai"].start.time() == time(16, 0)
        # China's National Day week: the week of 6 October was cancelled, with its reason.
        assert weeks[date(2026, 10, 6)].cancelled
        cancelled = next(e for e in series.exceptions if e.original_date == date(2026, 10, 6))
        assert "调休" in cancelled.reason or "National Day" in cancelled.reason


def test_every_save_is_checked_and_nothing_is_guessed(app) -> None:
    with app.test_request_context():
        compilers = offering("CS5105")  # Prof. Lambert, Thursdays 08:30 Paris
        base = {"zone": "Europe/Paris", "first_date": "2026-09-08", "starts_at": "09:00",
                "duration_minutes": 90, "mode": "remote", "audience": "other group",
                "video_link": "https://visio.example.org/x"}
        with pytest.raises(ValidationFailed) as caught:
            services.save_series(compilers, base | {"video_link": "http://visio.example.org"},
                                 user("professor2.nice@example.org"))
        assert "video_link" in caught.value.fields
        with pytest.raises(ValidationFailed) as caught:  # her own Thursday lecture
            services.save_series(compilers, base | {"first_date": "2026-09-10",
                                                    "starts_at": "08:00"},
                                 user("professor2.nice@example.org"))
        assert caught.value.code == "lecture_clash"
        clash_dates = {c.original_date for c in caught.value.fields["clashes"]}
        assert date(2026, 9, 10) in clash_dates
        with pytest.raises(ValidationFailed) as caught:  # 21:00 in Haikou
            services.save_series(compilers, base | {"starts_at": "14:00"},
                                 user("professor2.nice@example.org"))
        reasons = {r.key for c in caught.value.fields["clashes"] for r in c.reasons}
        assert "outside_window" in reasons
        with pytest.raises(NotAllowed):  # another professor's course
            services.save_series(compilers, base, user("professor.nice@example.org"))
        series, cancelled = services.save_series(compilers, base,
                                                 user("professor2.nice@example.org"),
                                                 skip_clashes=True)
        assert series.sequence == 1
        assert {c.original_date for c in cancelled} >= {date(2026, 10, 6)}  # 调休 day off


def test_a_time_that_does_not_exist_is_refused(app) -> None:
    with app.test_request_context():
        spring = session.scalar(select(AcademicTerm).join(Institution).where(
            AcademicTerm.code == "2026-S2", Institution.code == "UCA"))
        course = session.scalar(select(Course).where(Course.code == "M1-INF-03"))
        row = services.assign(course, spring, user("professor.nice@example.org"), "home",
                              user("registrar.nice@example.org"))
        with pytest.raises(ValidationFailed) as caught:
            services.save_series(row, {
                "zone": "Europe/Paris", "first_date": "2027-03-21", "starts_at": "02:30",
                "duration_minutes": 60, "mode": "in_person", "room": "B12",
                "audience": "M1"}, None)
        assert caught.value.code == "nonexistent_time"  # 28 March 2027, clocks go forward


def test_a_closure_added_later_lists_the_lectures_it_hits(app) -> None:
    with app.test_request_context():
        haikou = institution("HAINANU")
        hits = services.clashing_lectures(haikou)  # the demo's sports meeting
        assert any(series.assignment.course.code == "CS5211" for series, _clash in hits)
        _closure, hits = services.add_closure(haikou, {
            "starts_on": "2026-12-16", "name_zh": "考试周"}, user("registrar.haikou@example.org"))
        assert date(2026, 12, 16) in {c.original_date for _s, c in hits}  # CS5201, Wednesday
        with pytest.raises(NotAllowed):
            services.add_closure(haikou, {"starts_on": "2026-12-17", "name_en": "x"},
                                 user("registrar.nice@example.org"))


def test_stays_do_not_overlap(app) -> None:
    with app.test_request_context():
        visitor, nice = user("professor2.haikou@example.org"), institution("UCA")
        with pytest.raises(ValidationFailed) as caught:
            services.add_stay(visitor, nice, {"arrives_on": "2026-12-01",
                                              "departs_on": "2027-01-10"}, visitor)
        assert "arrives_on" in caught.value.fields
        stay = services.add_stay(visitor, nice, {"arrives_on": "2027-03-01",
                                                 "departs_on": "2027-03-20"}, visitor)
        assert stay.host_institution_id == nice.id


def test_the_pages_show_both_campuses_and_the_slot_finder(app, client) -> None:
    with app.test_request_context():
        assignment_id = offering("CS5211").id
    login(client, "professor.nice@example.org", DEMO_PASSWORD)
    week = client.get("/timetable?week=2026-10-26").get_data(as_text=True)
    assert "09:00–10:30" in week and "16:00–17:30" in week
    page = client.get(f"/teaching/offerings/{assignment_id}").get_data(as_text=True)
    assert "Use this slot" in page or "Utiliser ce créneau" in page or "weekday=" in page
    url = f"/teaching/offerings/{assignment_id}"
    token = csrf_token(client, url)
    refused = client.post(url, data={"csrf_token": token, "zone": "Europe/Paris",
                                     "first_date": "2026-09-08", "starts_at": "09:00",
                                     "duration_minutes": "90", "mode": "remote",
                                     "video_link": "ftp://x", "audience": "G"})
    assert refused.status_code == 400 and 'value="ftp://x"' in refused.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "student@example.org", DEMO_PASSWORD)
    assert client.post(url, data={"csrf_token": csrf_token(client, "/timetable")}
                       ).status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "registrar.haikou@example.org", DEMO_PASSWORD)
    calendar = client.get("/institutions/HAINANU/teaching-calendar").get_data(as_text=True)
    assert "CS5211" in calendar and "<svg" in calendar and "15:00–20:00" in calendar


def test_a_lecture_series_keeps_its_audit_trail(app) -> None:
    with app.test_request_context():
        series = session.scalar(select(LectureSeries).join(TeachingAssignment).join(Course).where(
            Course.code == "CS5201"))
        sequence = series.sequence
        services.cancel_week(series, date(2026, 11, 11), "conference", user(
            "professor.haikou@example.org"))
        assert series.sequence == sequence + 1
        assert any(e.original_date == date(2026, 11, 11) and e.cancelled
                   for e in series.exceptions)


def test_a_calendar_feed_is_secret_revocable_and_carries_both_times(app, client) -> None:
    import re as regex

    from icalendar import Calendar

    login(client, "professor.nice@example.org", DEMO_PASSWORD)
    token = csrf_token(client, "/timetable")
    with app.test_request_context():
        me = user("professor.nice@example.org").id
    answer = client.post("/teaching/feeds", data={"csrf_token": token, "kind": "professor",
                                                  "target": str(me)}, follow_redirects=True)
    address = regex.search(r"(http://[^\s<]+\.ics)", answer.get_data(as_text=True)).group(1)
    path = address.split("localhost", 1)[1]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    feed = client.get(path)  # no login: calendar apps cannot log in
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    events = [e for e in Calendar.from_ical(feed.data).walk("VEVENT")]
    assert {str(e["STATUS"]) for e in events} == {"CONFIRMED", "CANCELLED"}
    october = next(e for e in events if e["DTSTART"].dt.date() == date(2026, 10, 27)
                   and "CS5211" in str(e["SUMMARY"]))
    assert "Asia/Shanghai: 2026-10-27 16:00" in str(october["DESCRIPTION"])
    assert client.get(path.replace("cal_", "cal_x")).status_code == 404
    login(client, "professor.nice@example.org", DEMO_PASSWORD)
    with app.test_request_context():
        from jointdegree.teaching.feeds import feeds_of

        feed_id = feeds_of(user("professor.nice@example.org"))[0].id
    client.post(f"/teaching/feeds/{feed_id}/revoke",
                data={"csrf_token": csrf_token(client, "/timetable")})
    assert client.get(path).status_code == 404


def test_availability_from_an_ics_file_is_all_or_nothing(app, client) -> None:
    import io

    with app.test_request_context():
        assignment_id = offering("CS5211").id
    login(client, "professor.nice@example.org", DEMO_PASSWORD)
    url = f"/teaching/offerings/{assignment_id}/availability"
    token = csrf_token(client, f"/teaching/offerings/{assignment_id}")
    broken = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a\r\nSUMMARY:x\r\n"
              b"END:VEVENT\r\nEND:VCALENDAR\r\n")
    page = client.post(url, data={"csrf_token": token, "file": (io.BytesIO(broken), "me.ics")},
                       content_type="multipart/form-data", follow_redirects=True)
    assert "DTSTART" in page.get_data(as_text=True)
    from datetime import UTC, datetime, timedelta

    soon = (datetime.now(UTC) + timedelta(days=20)).strftime("%Y%m%d")  # inside the window read
    busy = (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:b\r\nSUMMARY:Jury\r\n"
            f"DTSTART:{soon}T070000Z\r\nDTEND:{soon}T090000Z\r\nEND:VEVENT\r\n"
            f"END:VCALENDAR\r\n").encode()
    client.post(url, data={"csrf_token": token, "file": (io.BytesIO(busy), "me.ics")},
                content_type="multipart/form-data")
    with app.test_request_context():
        from jointdegree.teaching.feeds import availability_of

        kept = availability_of(user("professor.nice@example.org"))
        assert [(b.start.hour, b.label) for b in kept] == [(7, "Jury")]


def test_the_lectures_api_gives_both_local_times_and_slots(app, client) -> None:
    from jointdegree.auth.tokens import create_token

    with app.test_request_context():
        secret = create_token(user("professor.nice@example.org"), "t").secret
        assignment_id = offering("CS5211").id
    headers = {"Authorization": f"Bearer {secret}"}
    listed = client.get("/api/v1/lectures?from=2026-10-26&days=7", headers=headers)
    assert listed.status_code == 200, listed.json
    tuesday = next(item for item in listed.json["items"] if item["course"] == "CS5211")
    assert tuesday["starts_at"] == "2026-10-27T09:00:00+01:00"
    assert {t["zone"]: t["start"] for t in tuesday["local"]}["Asia/Shanghai"] == \
        "2026-10-27T16:00:00+08:00"
    slots = client.get(f"/api/v1/lectures/slots?offering={assignment_id}", headers=headers)
    assert slots.status_code == 200 and slots.json["proposals"]
    first = slots.json["proposals"][0]
    assert first["starts_at"].endswith("+08:00") and len(first["local"]) == 2
    refused = client.post("/api/v1/lectures", headers=headers, json={
        "offering": assignment_id, "zone": "Europe/Paris", "first_date": "2026-09-08",
        "starts_at": "09:00:00", "audience": "NICE-HAIKOU-CS 2026",
        "video_link": "https://visio.example.org/x"})
    assert refused.status_code == 400 and refused.json["error"]["code"] == "lecture_clash"
    assert "2026-09-08" in refused.json["error"]["fields"]["clashes"]


def test_a_week_moves_to_another_time_and_a_clash_is_refused(app) -> None:
    from datetime import datetime

    with app.test_request_context():
        series = services.series_of(offering("CS5211"))[0]
        professor = user("professor.nice@example.org")
        services.move_week(series, date(2026, 11, 17), datetime(2026, 11, 18, 9, 0), professor)
        moved = next(w for w in services.lectures_of(series, ["Europe/Paris", "Asia/Shanghai"])
                     if w.original_date == date(2026, 11, 17))
        assert moved.local["Asia/Shanghai"].start == datetime(
            2026, 11, 18, 16, 0, tzinfo=moved.local["Asia/Shanghai"].start.tzinfo)
        with pytest.raises(ValidationFailed):  # 22:00 in Haikou: outside its window
            services.move_week(series, date(2026, 11, 24), datetime(2026, 11, 24, 15, 0),
                               professor)


def test_a_visiting_professor_teaches_during_a_stay_in_the_hosts_zone(app) -> None:
    with app.test_request_context():
        spring = session.scalar(select(AcademicTerm).join(Institution).where(
            AcademicTerm.code == "2026-S2", Institution.code == "UCA"))
        course = session.scalar(select(Course).where(Course.code == "M1-INF-11"))
        visitor = user("professor2.haikou@example.org")
        row = services.assign(course, spring, visitor, "visiting",
                              user("registrar.nice@example.org"))
        data = {"zone": "Europe/Paris", "first_date": "2027-02-01", "starts_at": "10:00",
                "until": "2027-03-15", "duration_minutes": 90, "mode": "in_person",
                "room": "B12", "audience": "M1 HCI"}
        with pytest.raises(ValidationFailed) as caught:  # no stay in spring yet
            services.save_series(row, data, visitor)
        assert "first_date" in caught.value.fields
        services.add_stay(visitor, institution("UCA"), {"arrives_on": "2027-01-25",
                                                        "departs_on": "2027-03-20"}, visitor)
        with pytest.raises(ValidationFailed) as caught:
            services.save_series(row, data | {"zone": "Asia/Shanghai"}, visitor)
        assert "zone" in caught.value.fields
        series, _cancelled = services.save_series(row, data, visitor, skip_clashes=True)
        assert series.zone == "Europe/Paris"
        profile = services.save_profile(visitor, {"name_fr": "Lin Fang", "name_zh": "林芳",
                                                  "subjects": "HCI; Chinese"}, visitor)
        assert profile.name_zh == "林芳"


def test_the_teaching_calendar_page_costs_the_same_queries_with_more_lectures(
        app, client, query_counter) -> None:
    login(client, "registrar.haikou@example.org", DEMO_PASSWORD)
    url = "/institutions/HAINANU/teaching-calendar"
    client.get(url)  # warm: the first request of a client also reads its session and locale
    query_counter.clear()
    assert client.get(url).status_code == 200
    before = len(query_counter)
    with app.test_request_context():
        autumn = session.scalar(select(AcademicTerm).join(Institution).where(
            AcademicTerm.code == "2026-AUT", Institution.code == "HAINANU"))
        for code, weekday in (("CS5203", "2026-09-07"), ("CS5204", "2026-09-08")):
            course = session.scalar(select(Course).where(Course.code == code))
            row = services.assign(course, autumn, user("professor.haikou@example.org"), "home",
                                  None)
            services.save_series(row, {"zone": "Asia/Shanghai", "first_date": weekday,
                                       "starts_at": "10:00", "duration_minutes": 90,
                                       "mode": "in_person", "room": "301", "audience": code},
                                 None, skip_clashes=True)
    query_counter.clear()
    assert client.get(url).status_code == 200
    assert len(query_counter) == before, (before, len(query_counter))
