"""iCalendar out (the subscribable lecture feed) and in (a professor's busy times), RFC 5545."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar

from jointdegree.teaching.ical import (
    MESSAGES,
    PRODID,
    FeedEvent,
    IcsError,
    IcsProblem,
    busy_times,
    feed,
    occurrence_uid,
)
from jointdegree.teaching.recurrence import Move, Occurrence, WeeklyRecurrence
from jointdegree.teaching.slots import Busy

PARIS, SHANGHAI = "Europe/Paris", "Asia/Shanghai"
NOW = datetime(2026, 9, 1, 6, 30, tzinfo=UTC)
EDITED = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
TITLE = "数学分析 Analyse mathématique"
DOMAIN = "jointdegree.example.org"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --------------------------------------------------------------------------------- the feed


def series(**kwargs: object) -> WeeklyRecurrence:
    """Tuesdays 17:00 Paris, 90 minutes, 13 Oct – 10 Nov 2026 (Wednesdays 00:00 in Shanghai
    after the October change)."""
    return WeeklyRecurrence(datetime(2026, 10, 13, 17, 0), timedelta(minutes=90), PARIS, (1,),
                            until=date(2026, 11, 10), **kwargs)


def description(o: Occurrence) -> str:
    times = "\n".join(f"{lt.zone}: {lt.start:%Y-%m-%d %H:%M}–{lt.end:%H:%M}"
                      for lt in o.local.values())
    return f"{times}\n视频会议 / visioconférence : https://visio.example.org/ma101"


def session(o: Occurrence, sequence: int, status: str = "CONFIRMED",
            modified: datetime = NOW) -> FeedEvent:
    return FeedEvent.from_occurrence(
        o, uid=occurrence_uid("ma101", o.original_date, domain=DOMAIN), sequence=sequence,
        summary=TITLE, description=description(o), location="Videoconference",
        last_modified=modified, url="https://visio.example.org/ma101", status=status,
        categories=("Lecture", "课程"))


def parse(data: bytes) -> tuple[Calendar, dict[str, object]]:
    cal = Calendar.from_ical(data)
    return cal, {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_feed_round_trips_with_utc_times_chinese_text_crlf_and_folding() -> None:
    data = feed("MA101 — 数学分析 (Nice–Haikou)",
                [session(o, 0) for o in series().expand([SHANGHAI])], now=NOW)

    assert data.count(b"\n") == data.count(b"\r\n") and data.endswith(b"\r\n")
    lines = data.split(b"\r\n")
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)  # the long descriptions were folded
    assert b"VTIMEZONE" not in data and b"TZID" not in data
    assert b"DTSTART:20261013T150000Z" in data and b"DTSTART:20261027T160000Z" in data
    data.decode("utf-8")  # UTF-8 throughout, folds never split a character

    cal, events = parse(data)
    assert str(cal["PRODID"]) == PRODID
    assert (str(cal["VERSION"]), str(cal["CALSCALE"]), str(cal["METHOD"])) == (
        "2.0", "GREGORIAN", "PUBLISH")
    assert str(cal["X-WR-CALNAME"]) == "MA101 — 数学分析 (Nice–Haikou)"
    assert str(cal["X-PUBLISHED-TTL"]) == "PT1H"
    assert cal["REFRESH-INTERVAL"].dt == timedelta(hours=1)
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H" in data
    assert sorted(events) == [f"lecture-ma101-2026{md}@{DOMAIN}"
                              for md in ("1013", "1020", "1027", "1103", "1110")]
    before = events[f"lecture-ma101-20261020@{DOMAIN}"]
    after = events[f"lecture-ma101-20261027@{DOMAIN}"]
    # 17:00 Paris: 15:00Z in summer time, 16:00Z after Sunday 25 October.
    assert (before["DTSTART"].dt, before["DTEND"].dt) == (utc(2026, 10, 20, 15), utc(2026, 10, 20,
                                                                                     16, 30))
    assert (after["DTSTART"].dt, after["DTEND"].dt) == (utc(2026, 10, 27, 16), utc(2026, 10, 27,
                                                                                   17, 30))
    assert after["DTSTART"].dt.utcoffset() == timedelta(0)
    assert after["DTSTAMP"].dt == NOW and after["LAST-MODIFIED"].dt == NOW
    assert int(after["SEQUENCE"]) == 0 and str(after["STATUS"]) == "CONFIRMED"
    assert str(after["SUMMARY"]) == TITLE
    assert str(after["LOCATION"]) == "Videoconference"
    assert str(after["URL"]) == "https://visio.example.org/ma101"
    assert list(after["CATEGORIES"].cats) == ["Lecture", "课程"]
    assert str(after["DESCRIPTION"]) == (
        "Europe/Paris: 2026-10-27 17:00–18:30\nAsia/Shanghai: 2026-10-28 00:00–01:30\n"
        "视频会议 / visioconférence : https://visio.example.org/ma101")


def test_an_edited_series_keeps_its_uids_with_a_higher_sequence_and_cancels_in_place() -> None:
    first = {o.original_date: o for o in series().expand([SHANGHAI])}
    edited = series(moved={date(2026, 10, 20): Move(datetime(2026, 10, 22, 17, 0))},
                    cancelled=frozenset({date(2026, 11, 3)}))
    published = [session(o, 1 if o.moved else 0, modified=EDITED if o.moved else NOW)
                 for o in edited.expand([SHANGHAI])]
    published.append(session(first[date(2026, 11, 3)], 1, "CANCELLED", EDITED))
    _, old = parse(feed("MA101", [session(o, 0) for o in first.values()], now=NOW))
    _, new = parse(feed("MA101", published, now=EDITED))

    assert sorted(new) == sorted(old)  # same UIDs: apps update in place, nothing duplicated
    moved, cancelled = (f"lecture-ma101-{d}@{DOMAIN}" for d in ("20261020", "20261103"))
    assert int(new[moved]["SEQUENCE"]) > int(old[moved]["SEQUENCE"])
    assert new[moved]["DTSTART"].dt == utc(2026, 10, 22, 15)  # Thursday 17:00 Paris
    assert str(new[cancelled]["STATUS"]) == "CANCELLED"
    assert int(new[cancelled]["SEQUENCE"]) > int(old[cancelled]["SEQUENCE"])
    assert new[cancelled]["DTSTART"].dt == utc(2026, 11, 3, 16)
    assert new[cancelled]["DTSTAMP"].dt == EDITED
    assert all(str(new[uid]["STATUS"]) == "CONFIRMED" for uid in new if uid != cancelled)


def test_feed_event_is_checked_and_kept_in_utc() -> None:
    o = series().expand()[0]
    event = session(o, 0)
    shifted = replace(event, start_utc=o.local[PARIS].start, end_utc=o.local[PARIS].end)
    assert shifted.start_utc == event.start_utc and shifted.start_utc.tzinfo is UTC
    with pytest.raises(ValueError, match="aware"):
        replace(event, start_utc=datetime(2026, 10, 13, 15))
    with pytest.raises(ValueError, match="status"):
        replace(event, status="TENTATIVE")
    with pytest.raises(ValueError, match="end after"):
        replace(event, end_utc=event.start_utc)
    with pytest.raises(ValueError, match="share a UID"):
        feed("MA101", [event, replace(event, sequence=1)], now=NOW)
    with pytest.raises(ValueError, match="aware"):
        feed("MA101", [event], now=datetime(2026, 9, 1))
    bare = replace(event, url=None, categories=())
    data = feed("MA101", [bare], now=NOW)
    assert b"URL" not in data and b"CATEGORIES" not in data


# --------------------------------------------------------------------------- busy times in

WINDOW = {"window_start": utc(2026, 10, 1), "window_end": utc(2026, 12, 1),
          "default_zone": PARIS}

VTIMEZONES = """\
BEGIN:VTIMEZONE
TZID:Europe/Paris
X-LIC-LOCATION:Europe/Paris
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
BEGIN:VTIMEZONE
TZID:Asia/Shanghai
X-LIC-LOCATION:Asia/Shanghai
BEGIN:STANDARD
TZOFFSETFROM:+0800
TZOFFSETTO:+0800
TZNAME:CST
DTSTART:19700101T000000
END:STANDARD
END:VTIMEZONE
"""

# A Google-Calendar-like export, with an Outlook-style UTC event and an alarm.
EXPORT = f"""\
BEGIN:VCALENDAR
PRODID:-//Google Inc//Google Calendar 70.9054//EN
VERSION:2.0
CALSCALE:GREGORIAN
METHOD:PUBLISH
X-WR-CALNAME:Prof. Martin — 日程
X-WR-TIMEZONE:Europe/Paris
{VTIMEZONES}\
BEGIN:VEVENT
DTSTART;TZID=Europe/Paris:20261013T090000
DTEND;TZID=Europe/Paris:20261013T100000
RRULE:FREQ=WEEKLY;WKST=MO;UNTIL=20261110T225959Z;BYDAY=TU
EXDATE;TZID=Europe/Paris:20261103T090000
DTSTAMP:20260915T080000Z
UID:team-weekly@google.com
CREATED:20260901T080000Z
DESCRIPTION:Ordre du jour : maquettes\\, emplois du temps\\; 双学位项目的进展
 和下学期的课程安排（请提前阅读附件）
LAST-MODIFIED:20260915T080000Z
LOCATION:Salle B204\\, campus Valrose
SEQUENCE:0
STATUS:CONFIRMED
SUMMARY:Réunion d'équipe
TRANSP:OPAQUE
BEGIN:VALARM
ACTION:DISPLAY
DESCRIPTION:This is an event reminder
TRIGGER:-P0DT0H10M0S
END:VALARM
END:VEVENT
BEGIN:VEVENT
DTSTART;TZID=Europe/Paris:20261020T140000
DTEND;TZID=Europe/Paris:20261020T150000
DTSTAMP:20260915T080000Z
UID:team-weekly@google.com
RECURRENCE-ID;TZID=Europe/Paris:20261020T090000
SEQUENCE:1
STATUS:CONFIRMED
SUMMARY:Réunion d'équipe (déplacée)
TRANSP:OPAQUE
END:VEVENT
BEGIN:VEVENT
DTSTART;TZID=Asia/Shanghai:20261028T140000
DTEND;TZID=Asia/Shanghai:20261028T160000
DTSTAMP:20260915T080000Z
UID:defence-2026@google.com
SUMMARY:答辩委员会
LOCATION:海口校区 行政楼 305
END:VEVENT
BEGIN:VEVENT
DTSTART;VALUE=DATE:20261024
DTEND;VALUE=DATE:20261026
DTSTAMP:20260915T080000Z
UID:workshop@google.com
SUMMARY:Journées pédagogiques
TRANSP:OPAQUE
END:VEVENT
BEGIN:VEVENT
DTSTART;VALUE=DATE:20261102
DTEND;VALUE=DATE:20261103
DTSTAMP:20260915T080000Z
UID:reminder@google.com
SUMMARY:Rappel : saisir les notes
TRANSP:TRANSPARENT
END:VEVENT
BEGIN:VEVENT
DTSTART;TZID=Europe/Paris:20261015T140000
DTEND;TZID=Europe/Paris:20261015T160000
DTSTAMP:20260915T080000Z
UID:seminar@google.com
SUMMARY:Séminaire (annulé)
STATUS:CANCELLED
END:VEVENT
BEGIN:VEVENT
DTSTART:20261104T010000Z
DURATION:PT1H30M
DTSTAMP:20260915T080000Z
UID:040000008200E00074C5B7101A82E008@outlook.com
SUMMARY:Call with Haikou
X-MICROSOFT-CDO-BUSYSTATUS:BUSY
END:VEVENT
BEGIN:VEVENT
DTSTART;TZID=Europe/Paris:20250915T090000
DTEND;TZID=Europe/Paris:20250915T100000
DTSTAMP:20250901T080000Z
UID:last-year@google.com
SUMMARY:Last year
END:VEVENT
END:VCALENDAR
"""


def ics(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("utf-8")


def calendar(*events: str) -> str:
    body = "".join(f"BEGIN:VEVENT\n{e.strip()}\nEND:VEVENT\n" for e in events)
    return f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n{body}END:VCALENDAR\n"


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def refused(data: bytes) -> list[IcsProblem]:
    with pytest.raises(IcsError) as caught:
        busy_times(data, **WINDOW)
    for problem in caught.value.problems:
        assert problem.message()  # every key has a template and its params
    return caught.value.problems


def test_a_realistic_export_gives_the_busy_intervals_in_utc_across_the_october_change() -> None:
    assert busy_times(ics(EXPORT), **WINDOW) == [
        # Tuesdays 09:00 Paris: 07:00Z in summer time (CEST, +02:00) …
        Busy(utc(2026, 10, 13, 7), utc(2026, 10, 13, 8), "Réunion d'équipe"),
        # … 20 October moved to 14:00 Paris (RECURRENCE-ID) …
        Busy(utc(2026, 10, 20, 12), utc(2026, 10, 20, 13), "Réunion d'équipe (déplacée)"),
        # all-day 24–25 Oct in Paris: from midnight CEST to midnight CET, 49 hours.
        Busy(utc(2026, 10, 23, 22), utc(2026, 10, 25, 23), "Journées pédagogiques"),
        # … 08:00Z after Sunday 25 October (CET, +01:00) …
        Busy(utc(2026, 10, 27, 8), utc(2026, 10, 27, 9), "Réunion d'équipe"),
        # 14:00–16:00 in Shanghai (+08:00, no clock change).
        Busy(utc(2026, 10, 28, 6), utc(2026, 10, 28, 8), "答辩委员会"),
        # … (3 November is an EXDATE) …
        Busy(utc(2026, 11, 4, 1), utc(2026, 11, 4, 2, 30), "Call with Haikou"),
        # … and the last one on 10 November (UNTIL is 23:59:59 that day in Paris).
        Busy(utc(2026, 11, 10, 8), utc(2026, 11, 10, 9), "Réunion d'équipe"),
    ]


def test_the_window_bounds_the_expansion_and_lf_only_files_read_the_same() -> None:
    lf_only = EXPORT.encode("utf-8")
    found = busy_times(lf_only, window_start=utc(2026, 10, 26), window_end=utc(2026, 11, 4),
                       default_zone=SHANGHAI)
    assert [(b.start, b.label) for b in found] == [(utc(2026, 10, 27, 8), "Réunion d'équipe"),
                                                   (utc(2026, 10, 28, 6), "答辩委员会")]


def test_all_day_events_are_read_in_the_default_zone() -> None:
    text = calendar("UID:a\nDTSTART;VALUE=DATE:20261102\nSUMMARY:Congrès")
    assert busy_times(ics(text), **{**WINDOW, "default_zone": SHANGHAI}) == [
        Busy(utc(2026, 11, 1, 16), utc(2026, 11, 2, 16), "Congrès")]  # no DTEND: one day


def test_duration_days_are_local_days_and_hours_are_exact() -> None:
    text = calendar(
        "UID:a\nDTSTART;TZID=Europe/Paris:20261024T120000\nDURATION:P1D\nSUMMARY:Day",
        "UID:b\nDTSTART;TZID=Europe/Paris:20261024T120000\nDURATION:PT24H\nSUMMARY:Hours",
        "UID:c\nDTSTART:20261110T090000Z\nSUMMARY:Instant")  # no end: blocks nothing
    assert busy_times(ics(text), **WINDOW) == [
        Busy(utc(2026, 10, 24, 10), utc(2026, 10, 25, 10), "Hours"),  # 24 h: 11:00 CET
        Busy(utc(2026, 10, 24, 10), utc(2026, 10, 25, 11), "Day"),  # 12:00 CET next day
    ]


def test_count_rdate_utc_exdate_and_a_windows_time_zone_name() -> None:
    text = calendar(
        "UID:w\nDTSTART;TZID=China Standard Time:20261012T200000\n"
        "DTEND;TZID=China Standard Time:20261012T210000\nRRULE:FREQ=DAILY;COUNT=4\n"
        "EXDATE:20261013T120000Z\nRDATE;TZID=Europe/Paris:20261101T130000\nSUMMARY:Office hour")
    assert [(b.start, b.end) for b in busy_times(ics(text), **WINDOW)] == [
        (utc(2026, 10, 12, 12), utc(2026, 10, 12, 13)),
        (utc(2026, 10, 14, 12), utc(2026, 10, 14, 13)),
        (utc(2026, 10, 15, 12), utc(2026, 10, 15, 13)),
        (utc(2026, 11, 1, 12), utc(2026, 11, 1, 13)),
    ]


def test_two_broken_events_are_both_reported_with_their_lines_and_nothing_is_imported() -> None:
    text = calendar(
        "UID:ok\nDTSTART:20261013T070000Z\nDTEND:20261013T080000Z\nSUMMARY:Fine",
        "UID:one\nDTSTART;TZID=Europe/Paris:2026-10-14 09:00\nSUMMARY:Conseil de département",
        "UID:two\nDTSTART;TZID=Asia/Shanghai:20261015T100000\n"
        "DTEND;TZID=Asia/Shanghai:20261015T090000\nSUMMARY:教研室会议")
    problems = refused(ics(text))
    assert [(p.line, p.key) for p in problems] == [
        (line_of(text, "2026-10-14 09:00"), "bad_value"),
        (line_of(text, "20261015T090000"), "end_before_start"),
    ]
    assert problems[0].params["event"] == "Conseil de département"
    assert problems[1].message() == (
        f"line {problems[1].line}: the event “教研室会议” ends (2026-10-15 09:00 Asia/Shanghai) "
        "before it starts (2026-10-15 10:00 Asia/Shanghai)")


def test_lines_the_package_would_silently_drop_are_reported() -> None:
    text = calendar(
        "UID:a\nDTSTART:20261013T070000Z\nDTEND:20261013T080000Z\nSUMMARY:Cours\n"
        "this line is garbage\nand more: an unfolded continuation",
        "UID:b\nSUMMARY:No start",
        "UID:c\nDTSTART;TZID=Mars/Olympus_Mons:20261013T070000\nSUMMARY:Far away")
    problems = refused(ics(text))
    assert [(p.line, p.key) for p in problems] == [
        (line_of(text, "garbage"), "bad_line"),
        (line_of(text, "and more"), "bad_line"),
        (line_of(text, "No start") - 2, "no_dtstart"),  # the BEGIN:VEVENT line
        (line_of(text, "Mars"), "unknown_tzid"),
    ]
    assert problems[3].params == {"event": "Far away", "tzid": "Mars/Olympus_Mons",
                                  "name": "DTSTART"}


def test_a_floating_time_is_refused_naming_the_event() -> None:
    text = calendar("UID:f\nDTSTART:20261013T090000\nDTEND:20261013T100000\n"
                    "SUMMARY:Jury de master")
    problems = refused(ics(text))
    assert [(p.line, p.key) for p in problems] == [(line_of(text, "DTSTART"), "floating_time")]
    assert "Jury de master" in problems[0].message()
    assert "without a time zone" in problems[0].message()


@pytest.mark.parametrize("data", [
    b"", b"   \r\n", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
    b"Subject,Start Date\r\nCours,10/13/2026\r\n", b"\x89PNG\r\n\x1a\n", "日程".encode(),
    b"BEGIN:VCARD\r\nVERSION:4.0\r\nEND:VCARD\r\n",
])
def test_what_is_not_an_icalendar_file_is_refused(data: bytes) -> None:
    assert [(p.line, p.key) for p in refused(data)] == [(None, "not_icalendar")]


def test_structure_and_encoding_problems_have_their_lines() -> None:
    text = ("BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:a\nDTSTART:20261013T070000Z\n"
            "SUMMARY:Cours\nEND:VTODO\nBEGIN:VEVENT\nUID:b\nSUMMARY:caf\x00\nEND:VCALENDAR\n")
    data = ics(text).replace(b"caf\x00", b"caf\xe9")  # Latin-1, not UTF-8
    problems = refused(data)
    assert [(p.line, p.key) for p in problems] == [
        (3, "unclosed"), (7, "unmatched_end"), (8, "unclosed"), (10, "not_utf8")]
    assert problems[1].message() == "line 7: END:VTODO without a matching BEGIN:VTODO"


def test_a_bad_rrule_and_a_runaway_rule_are_refused() -> None:
    text = calendar("UID:a\nDTSTART:20261013T070000Z\nDTEND:20261013T080000Z\n"
                    "RRULE:FREQ=FORTNIGHTLY\nSUMMARY:A",
                    "UID:b\nDTSTART:20200101T000000Z\nDTEND:20200101T000100Z\n"
                    "RRULE:FREQ=MINUTELY\nSUMMARY:B")
    assert [(p.line, p.key) for p in refused(ics(text))] == [
        (line_of(text, "FORTNIGHTLY"), "bad_value"),
        (line_of(text, "MINUTELY"), "too_many_occurrences"),
    ]


def test_every_template_renders_with_its_placeholders() -> None:
    for key, template in MESSAGES.items():
        params = {name: "x" for name in re.findall(r"%\((\w+)\)s", template) if name != "line"}
        assert IcsProblem(3, key, params).message().startswith(
            "line 3: " if "%(line)s" in template else "not")
