"""Teaching calendars: French and Chinese public holidays (checked against the reference tables in
``../shared/reference/domain``), China's adjusted working days (调休), closures and the registrar's
decisions."""

from __future__ import annotations

import csv
import re
from datetime import date, timedelta

import pytest

from jointdegree.teaching.calendar import (
    MESSAGES,
    Closure,
    FollowsWeekday,
    Override,
    TeachingCalendar,
)
from tests.support import REFERENCE, skip_or_fail

DOMAIN = REFERENCE / "domain"

TUE, WED, FRI, SAT, SUN = 1, 2, 4, 5, 6


def reference(name: str) -> list[dict[str, str]]:
    """A reference table; only the tests that call this depend on ../shared."""
    path = DOMAIN / name
    if not path.exists():
        skip_or_fail(f"{path} is absent (CI checks out ../shared beside the repository)")
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def every_day(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(n) for n in range((date(year + 1, 1, 1) - first).days)]


def keys(day: object) -> list[str]:
    return [r.key for r in day.reasons]


def reason(day: object, key: str) -> dict[str, str]:
    found = [r for r in day.reasons if r.key == key]
    assert len(found) == 1, (day, key)
    return dict(found[0].params)


# --- France ------------------------------------------------------------------------------------


def test_french_holidays_match_the_reference_table() -> None:
    rows = reference("fr_public_holidays_2026_2027.csv")
    nice = TeachingCalendar("FR")
    metropolitan = {date.fromisoformat(r["date"]): r for r in rows
                    if r["scope"].startswith("metropolitan")}
    assert len(metropolitan) == 22  # 11 jours fériés a year
    for d, row in metropolitan.items():
        day = nice.day(d)
        assert not day.teaching and day.timetable_weekday is None
        names = reason(day, "holiday")
        assert (names["name_fr"], names["name_en"]) == (row["name_fr"], row["name_en"])
        assert not day.provisional
    # Every other weekday of both years is an ordinary teaching day with its own timetable.
    for year in (2026, 2027):
        for d in every_day(year):
            if d.weekday() < 5 and d not in metropolitan:
                day = nice.day(d)
                assert day.teaching and day.timetable_weekday == d.weekday() and not day.reasons
    listed = {h.date for h in nice.holidays_between(date(2026, 1, 1), date(2027, 12, 31))}
    assert listed == set(metropolitan)


def test_alsace_moselle_days_only_with_the_subdivision() -> None:
    rows = reference("fr_public_holidays_2026_2027.csv")
    alsace = [date.fromisoformat(r["date"]) for r in rows if r["scope"].startswith("Alsace")]
    assert date(2026, 4, 3) in alsace  # Vendredi saint
    strasbourg = TeachingCalendar("FR", subdivision="57")
    for d in alsace:
        assert "holiday" in keys(strasbourg.day(d))
        assert "holiday" not in keys(TeachingCalendar("FR").day(d))
    assert TeachingCalendar("FR").day(date(2026, 4, 3)).teaching  # a Friday in Nice


def test_holiday_names_in_three_languages_with_english_fallback() -> None:
    # The package names French holidays in French and English, Chinese ones in Chinese and
    # English; the missing language falls back to English.
    fr = reason(TeachingCalendar("FR").day(date(2026, 5, 1)), "holiday")
    assert fr == {"date": "2026-05-01", "name": "Labor Day", "name_en": "Labor Day",
                  "name_fr": "Fête du Travail", "name_zh": "Labor Day"}
    cn = reason(TeachingCalendar("CN").day(date(2026, 10, 1)), "holiday")
    assert (cn["name_zh"], cn["name_en"], cn["name_fr"]) == ("国庆节", "National Day",
                                                              "National Day")
    assert TeachingCalendar("FR").native_language == "fr"
    assert TeachingCalendar("CN").native_language == "zh"


# --- China -------------------------------------------------------------------------------------


def test_chinese_2026_holidays_and_adjusted_days_match_the_reference_table() -> None:
    rows = [r for r in reference("cn_public_holidays_2026_2027.csv")
            if r["date"].startswith("2026")]
    haikou = TeachingCalendar("CN")
    listed = {date.fromisoformat(r["date"]): r for r in rows}
    # Which weekday each adjusted working day pays for, read from the day-off labels
    # ("休息日（由 2026-09-20 调休）": 6 Oct is off because 20 Sep is worked).
    pays_for = {}
    for r in rows:
        if r["type"].startswith("day_off_swapped"):
            worked = re.search(r"\d{4}-\d{2}-\d{2}", r["holidays_pkg_label_zh"]).group()
            pays_for[date.fromisoformat(worked)] = date.fromisoformat(r["date"])
    assert len(pays_for) == 6

    for d, row in listed.items():
        day = haikou.day(d)
        assert row["status"] == "official" and not day.provisional
        assert day.teaching == (row["is_working_day"] == "true"), d
        kind = row["type"]
        if kind.startswith(("statutory_holiday", "day_off_observed")):
            assert reason(day, "holiday")["name_zh"] == row["holidays_pkg_label_zh"]
        elif kind.startswith("day_off_swapped"):
            swapped = reason(day, "swapped_day_off")
            assert swapped["name_zh"] == row["holidays_pkg_label_zh"]
            assert date.fromisoformat(swapped["workday"]) in pays_for
        elif kind.startswith("adjusted_workday"):
            # a weekend day that teaches, following the weekday whose day off it pays for
            assert d.weekday() in (SAT, SUN)
            assert day.timetable_weekday == pays_for[d].weekday()
            assert keys(day) == ["adjusted_workday"]
        else:
            assert kind == "weekend_inside_break" and d.weekday() in (SAT, SUN)
    # Nothing else in 2026 departs from Monday–Friday.
    for d in every_day(2026):
        if d not in listed:
            day = haikou.day(d)
            assert day.teaching == (d.weekday() < 5), d


def test_adjusted_working_days_of_2026_follow_the_right_weekday() -> None:
    # State Council notice for 2026 (gov.cn, Nov 2025): each worked weekend day pays for a
    # weekday off; the university runs that weekday's classes.
    haikou = TeachingCalendar("CN")
    expected = {
        date(2026, 1, 4): FRI,   # Sunday, pays for Fri 2 Jan (New Year)
        date(2026, 2, 14): FRI,  # Saturday, pays for Fri 20 Feb (Spring Festival)
        date(2026, 2, 28): 0,    # Saturday, pays for Mon 23 Feb
        date(2026, 5, 9): TUE,   # Saturday, pays for Tue 5 May (Labour Day)
        date(2026, 9, 20): TUE,  # Sunday, pays for Tue 6 Oct (National Day)
        date(2026, 10, 10): WED,  # Saturday, pays for Wed 7 Oct
    }
    for d, weekday in expected.items():
        day = haikou.day(d)
        assert day.teaching and day.timetable_weekday == weekday, d
        assert reason(day, "adjusted_workday")["weekday"] == str(weekday)
    for off in (date(2026, 1, 2), date(2026, 2, 20), date(2026, 2, 23), date(2026, 5, 5),
                date(2026, 10, 6), date(2026, 10, 7)):
        assert not haikou.day(off).teaching


def test_chinese_2027_is_provisional() -> None:
    rows = [r for r in reference("cn_public_holidays_2026_2027.csv")
            if r["date"].startswith("2027")]
    assert rows and all(r["status"].startswith("ESTIMATE") for r in rows)
    haikou = TeachingCalendar("CN")
    assert haikou.is_provisional(2027) and not haikou.is_provisional(2026)
    for r in rows:
        day = haikou.day(date.fromisoformat(r["date"]))
        assert not day.teaching and day.provisional
        assert reason(day, "holiday")["name_zh"] == r["holidays_pkg_label_zh"]
        assert reason(day, "provisional")["year"] == "2027"
    # Any 2027 day may still change: all are marked, and no adjusted working day is invented.
    assert all(haikou.day(d).provisional for d in every_day(2027))
    assert not any(haikou.day(d).teaching for d in every_day(2027) if d.weekday() >= 5)
    assert all(h.provisional for h in haikou.holidays_between(date(2027, 1, 1),
                                                              date(2027, 12, 31)))
    assert not TeachingCalendar("FR").is_provisional(2027)


# --- closures and the registrar ----------------------------------------------------------------


def test_closure_closes_every_day_of_its_range() -> None:
    toussaint = Closure(date(2026, 10, 24), date(2026, 11, 1), "Vacances de la Toussaint",
                        name_zh="诸圣节假期")
    nice = TeachingCalendar("FR", closures=[toussaint])
    for d in (date(2026, 10, 26), date(2026, 10, 27), date(2026, 10, 30)):
        day = nice.day(d)
        assert not day.teaching
        assert reason(day, "closure") == {
            "date": d.isoformat(), "name": "Vacances de la Toussaint",
            "name_en": "Vacances de la Toussaint", "name_fr": "Vacances de la Toussaint",
            "name_zh": "诸圣节假期", "start": "2026-10-24", "end": "2026-11-01"}
    # 1 Nov 2026 is a Sunday: weekend, holiday and closure all say so.
    assert keys(nice.day(date(2026, 11, 1))) == ["weekend", "holiday", "closure"]
    assert nice.day(date(2026, 11, 2)).teaching
    with pytest.raises(ValueError, match="ends before"):
        Closure(date(2026, 2, 1), date(2026, 1, 1), "backwards")


def test_closure_beats_an_adjusted_working_day() -> None:
    # Haikou's winter break covers the worked Saturdays of the Spring Festival notice.
    haikou = TeachingCalendar("CN", closures=[Closure(date(2026, 1, 24), date(2026, 3, 1),
                                                      "Winter break", name_zh="寒假")])
    day = haikou.day(date(2026, 2, 14))
    assert not day.teaching and keys(day) == ["adjusted_workday", "closure"]


def test_registrar_overrides_and_follows_weekday() -> None:
    nice = TeachingCalendar("FR", overrides=[
        Override(date(2026, 11, 11), True, "journée de rattrapage"),
        Override(date(2026, 10, 14), False, "journée portes ouvertes"),
    ], follows=[FollowsWeekday(date(2026, 11, 14), WED, "rattrapage du mercredi 11 novembre")])
    armistice = nice.day(date(2026, 11, 11))  # a Wednesday holiday, taught anyway
    assert armistice.teaching and armistice.timetable_weekday == WED
    assert keys(armistice) == ["holiday", "override_teaching"]
    assert reason(armistice, "override_teaching")["note"] == "journée de rattrapage"
    open_day = nice.day(date(2026, 10, 14))
    assert not open_day.teaching and open_day.timetable_weekday is None
    assert keys(open_day) == ["override_no_teaching"]
    saturday = nice.day(date(2026, 11, 14))
    assert saturday.teaching and saturday.timetable_weekday == WED
    assert keys(saturday) == ["follows_weekday"]
    # A registrar's "not teaching" wins over a "follows weekday" on the same date.
    both = TeachingCalendar("CN", follows=[FollowsWeekday(date(2026, 3, 7), TUE, "补课")],
                            overrides=[Override(date(2026, 3, 7), False, "运动会")])
    assert not both.day(date(2026, 3, 7)).teaching
    with pytest.raises(ValueError, match="two registrar"):
        TeachingCalendar("FR", overrides=[Override(date(2026, 1, 5), True, "a"),
                                          Override(date(2026, 1, 5), False, "b")])
    with pytest.raises(ValueError, match="0–6"):
        FollowsWeekday(date(2026, 1, 3), 7, "no such weekday")
    with pytest.raises(ValueError, match="unknown subdivision"):
        TeachingCalendar("FR", subdivision="06")  # Nice has no subdivision of its own
    with pytest.raises(ValueError, match="unsupported country"):
        TeachingCalendar("DE")  # type: ignore[arg-type]


def test_every_reason_renders_with_its_english_template() -> None:
    calendars = [
        TeachingCalendar("FR", closures=[Closure(date(2026, 12, 19), date(2027, 1, 3), "Noël")],
                         overrides=[Override(date(2026, 1, 6), False, "grève")],
                         follows=[FollowsWeekday(date(2026, 5, 16), FRI, "pont")]),
        TeachingCalendar("CN", overrides=[Override(date(2026, 10, 1), True, "补课")]),
    ]
    seen = set()
    for cal in calendars:
        for day in cal.days(date(2026, 1, 1), date(2027, 12, 31)):
            for r in day.reasons:
                text = r.message()
                assert text.startswith(f"{day.date.isoformat()}: ") and "%(" not in text
                seen.add(r.key)
    assert seen == set(MESSAGES)
