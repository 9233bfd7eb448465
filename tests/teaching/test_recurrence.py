"""Weekly lectures with RFC 5545 semantics across the European clock changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from icalendar import vRecur

from jointdegree.teaching.recurrence import (
    MESSAGES,
    AmbiguousTimeError,
    Move,
    NonexistentTimeError,
    WallClockError,
    WeeklyRecurrence,
    to_utc,
    wall_clock_status,
)

PARIS, SHANGHAI = "Europe/Paris", "Asia/Shanghai"
MON, TUE, THU, SUN = 0, 1, 3, 6
H90 = timedelta(minutes=90)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def autumn_tuesdays(**kwargs: object) -> WeeklyRecurrence:
    """Tuesdays 09:00 Paris, 1 Sep 2026 to 22 Jan 2027 (the autumn term)."""
    return WeeklyRecurrence(datetime(2026, 9, 1, 9, 0), H90, PARIS, (TUE,),
                            until=date(2027, 1, 22), **kwargs)


def test_paris_wall_clock_is_kept_and_shanghai_moves_at_the_october_change() -> None:
    occurrences = autumn_tuesdays().expand([SHANGHAI])
    assert len(occurrences) == 21  # every Tuesday from 1 Sep 2026 to 19 Jan 2027
    for o in occurrences:
        paris, shanghai = o.local[PARIS], o.local[SHANGHAI]
        assert paris.start.time() == time(9, 0) and paris.end.time() == time(10, 30)
        assert shanghai.date == paris.date == o.original_date
        # Europe/Paris leaves summer time on Sunday 25 Oct 2026 (last Sunday of October):
        # +02:00 → +01:00, while Asia/Shanghai stays at +08:00.
        if o.original_date < date(2026, 10, 25):
            assert o.start_utc.time() == time(7, 0) and shanghai.start.time() == time(15, 0)
        else:
            assert o.start_utc.time() == time(8, 0) and shanghai.start.time() == time(16, 0)
        assert o.end_utc - o.start_utc == H90 and o.start_utc.tzinfo is UTC
        assert not o.moved and o.recurrence_id == o.start_utc
    assert [o.original_date for o in occurrences][7:9] == [date(2026, 10, 20),
                                                           date(2026, 10, 27)]


def test_late_paris_lecture_is_the_next_day_in_shanghai_in_winter_only() -> None:
    series = WeeklyRecurrence(datetime(2026, 10, 13, 17, 0), timedelta(hours=1), PARIS, (TUE,),
                              count=4)
    before, _, after, _ = series.expand([SHANGHAI])
    # 13 Oct: 17:00 CEST = 15:00 UTC = 23:00 Shanghai the same Tuesday.
    assert before.local[SHANGHAI].start == datetime(2026, 10, 13, 23, 0,
                                                    tzinfo=ZoneInfo(SHANGHAI))
    # 27 Oct: 17:00 CET = 16:00 UTC = 00:00 Shanghai on Wednesday 28 Oct.
    assert after.start_utc == utc(2026, 10, 27, 16, 0)
    assert after.local[SHANGHAI].date == date(2026, 10, 28)
    assert after.local[PARIS].date == date(2026, 10, 27)


def test_rrule_for_icalendar() -> None:
    series = autumn_tuesdays()
    # UNTIL is the last second of 22 Jan 2027 in Paris (CET, UTC+1), written in UTC.
    assert series.to_rrule() == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20270122T225959Z"
    parsed = vRecur.from_ical(series.to_rrule())
    assert parsed["FREQ"] == ["WEEKLY"] and parsed["BYDAY"] == ["TU"]
    assert parsed["UNTIL"] == [utc(2027, 1, 22, 22, 59, 59)]
    every_other = WeeklyRecurrence(datetime(2026, 9, 7, 14, 0), H90, SHANGHAI, (MON, THU),
                                   count=6, interval=2)
    assert every_other.to_rrule() == "FREQ=WEEKLY;INTERVAL=2;WKST=MO;BYDAY=MO,TH;COUNT=6"
    assert every_other.dates() == [date(2026, 9, 7), date(2026, 9, 10), date(2026, 9, 21),
                                   date(2026, 9, 24), date(2026, 10, 5), date(2026, 10, 8)]


def test_cancelled_and_moved_occurrences() -> None:
    series = autumn_tuesdays(
        cancelled=frozenset({date(2026, 10, 27)}),  # vacances de la Toussaint
        moved={date(2026, 11, 10): Move(datetime(2026, 11, 12, 10, 0))})  # to Thursday 10:00
    occurrences = series.expand([SHANGHAI])
    assert len(occurrences) == 20
    assert date(2026, 10, 27) not in [o.original_date for o in occurrences]
    moved = next(o for o in occurrences if o.moved)
    assert moved.original_date == date(2026, 11, 10)
    assert moved.recurrence_id == utc(2026, 11, 10, 8, 0)  # the original Tuesday 09:00 CET
    assert moved.start_utc == utc(2026, 11, 12, 9, 0)
    assert moved.local[SHANGHAI].start.time() == time(17, 0)
    assert series.exdates() == [datetime(2026, 10, 27, 9, 0, tzinfo=ZoneInfo(PARIS))]
    # As in RFC 5545, COUNT counts the rule's occurrences before EXDATE removes some.
    counted = WeeklyRecurrence(datetime(2026, 9, 1, 9, 0), H90, PARIS, (TUE,), count=5,
                               cancelled=frozenset({date(2026, 9, 8)}))
    assert len(counted.expand()) == 4 and counted.to_rrule().endswith("COUNT=5")
    with pytest.raises(ValueError, match="not occurrences of this series: 2026-10-28"):
        autumn_tuesdays(cancelled=frozenset({date(2026, 10, 28)}))
    with pytest.raises(ValueError, match="both cancelled and moved"):
        autumn_tuesdays(cancelled=frozenset({date(2026, 9, 8)}),
                        moved={date(2026, 9, 8): Move(datetime(2026, 9, 9, 9, 0))})


def test_spring_forward_gap_is_refused_unless_a_fold_is_chosen() -> None:
    # 29 Mar 2026, Paris: 02:00 CET jumps to 03:00 CEST — 02:30 never happens.
    gap = datetime(2026, 3, 29, 2, 30)
    assert wall_clock_status(gap, ZoneInfo(PARIS)) == "nonexistent"
    with pytest.raises(NonexistentTimeError, match="2026-03-29 02:30 does not exist"):
        to_utc(gap, PARIS)
    weekly = WeeklyRecurrence(datetime(2026, 3, 15, 2, 30), H90, PARIS, (SUN,), count=4)
    with pytest.raises(NonexistentTimeError) as raised:
        weekly.expand()
    assert raised.value.params == {"date": "2026-03-29", "time": "02:30", "zone": PARIS}
    # fold=0 reads it with the offset before the change: 01:30 UTC = 03:30 CEST (RFC 5545).
    assert to_utc(gap, PARIS, fold=0) == utc(2026, 3, 29, 1, 30)
    assert to_utc(gap, PARIS, fold=1) == utc(2026, 3, 29, 0, 30)
    chosen = WeeklyRecurrence(datetime(2026, 3, 15, 2, 30), H90, PARIS, (SUN,), count=4,
                              fold=0).expand()
    assert chosen[2].local[PARIS].start.time() == time(3, 30)
    assert [o.local[PARIS].start.time() for o in chosen[::3]] == [time(2, 30), time(2, 30)]


def test_autumn_fold_needs_a_choice() -> None:
    # 25 Oct 2026, Paris: 03:00 CEST falls back to 02:00 CET — 02:30 happens twice.
    fold = datetime(2026, 10, 25, 2, 30)
    assert wall_clock_status(fold, ZoneInfo(PARIS)) == "ambiguous"
    with pytest.raises(AmbiguousTimeError, match="happens twice in Europe/Paris"):
        to_utc(fold, PARIS)
    assert to_utc(fold, PARIS, fold=0) == utc(2026, 10, 25, 0, 30)  # first: CEST
    assert to_utc(fold, PARIS, fold=1) == utc(2026, 10, 25, 1, 30)  # second: CET
    with pytest.raises(WallClockError):
        WeeklyRecurrence(fold, H90, PARIS, count=1).expand()
    second = WeeklyRecurrence(fold, H90, PARIS, count=1, fold=1).expand()[0]
    assert second.start_utc == utc(2026, 10, 25, 1, 30)
    # A moved occurrence into the fold needs its own choice.
    moved = WeeklyRecurrence(datetime(2026, 10, 18, 10, 0), H90, PARIS, count=2,
                             moved={date(2026, 10, 25): Move(fold)})
    with pytest.raises(AmbiguousTimeError):
        moved.expand()
    moved = WeeklyRecurrence(datetime(2026, 10, 18, 10, 0), H90, PARIS, count=2,
                             moved={date(2026, 10, 25): Move(fold, fold=0)})
    assert moved.expand()[1].start_utc == utc(2026, 10, 25, 0, 30)
    assert {"nonexistent_time", "ambiguous_time"} == set(MESSAGES)


def test_invalid_series_are_refused() -> None:
    start = datetime(2026, 9, 1, 9, 0)
    with pytest.raises(ValueError, match="naive wall-clock"):
        WeeklyRecurrence(start.replace(tzinfo=UTC), H90, PARIS, count=1)
    with pytest.raises(ValueError, match="exactly one of until and count"):
        WeeklyRecurrence(start, H90, PARIS, until=date(2026, 12, 1), count=3)
    with pytest.raises(ValueError, match="exactly one of until and count"):
        WeeklyRecurrence(start, H90, PARIS)
    with pytest.raises(ValueError, match="one of the weekdays"):
        WeeklyRecurrence(start, H90, PARIS, (THU,), count=3)
    with pytest.raises(ValueError, match="unknown time zone"):
        WeeklyRecurrence(start, H90, "Europe/Nice", count=3)
    with pytest.raises(ValueError, match="more than 1000"):
        WeeklyRecurrence(start, H90, PARIS, until=date(2050, 1, 1))
    with pytest.raises(ValueError, match="duration"):
        WeeklyRecurrence(start, timedelta(0), PARIS, count=1)


ZONES = [PARIS, SHANGHAI, "America/New_York", "Australia/Sydney", "Australia/Lord_Howe",
         "America/St_Johns", "Asia/Kolkata", "Europe/London"]


@settings(deadline=None, max_examples=80)
@given(zone=st.sampled_from(ZONES),
       first=st.dates(date(2026, 1, 1), date(2027, 12, 31)),
       start=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
       more_days=st.sets(st.integers(0, 6), max_size=3),
       count=st.integers(1, 40), interval=st.integers(1, 3))
def test_expansion_agrees_with_dateutil(zone: str, first: date, start: time, more_days: set[int],
                                        count: int, interval: int) -> None:
    """Our expansion equals dateutil's reading of our own RRULE (an independent RFC 5545
    implementation), wall clock kept in the zone; gaps and folds are refused, not guessed."""
    weekdays = tuple(sorted(more_days | {first.weekday()}))
    series = WeeklyRecurrence(datetime.combine(first, start), H90, zone, weekdays, count=count,
                              interval=interval)
    try:
        occurrences = series.expand()
    except WallClockError as error:
        when = datetime.fromisoformat(f"{error.params['date']}T{error.params['time']}")
        assert wall_clock_status(when, ZoneInfo(zone)) != "ok"
        assume(False)
        return
    rule = rrulestr(series.to_rrule(),
                    dtstart=datetime.combine(first, start, tzinfo=ZoneInfo(zone)))
    theirs = [dt.replace(tzinfo=None) for dt in rule]
    assert [o.local[zone].start.replace(tzinfo=None) for o in occurrences] == theirs
    for o in occurrences:
        assert o.local[zone].start.time() == start
        assert o.start_utc == o.local[zone].start.astimezone(UTC)
