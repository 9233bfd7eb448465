"""Teaching calendars: which dates an institution teaches on, which weekday's timetable, and why.

Pure module (no Flask, no database). Public holidays come from the ``holidays`` package at run
time: France (``holidays.France``, optionally a subdivision such as ``"57"`` for Alsace-Moselle's
extra days) and China (``holidays.China``), including China's adjusted working days (调休): the
package lists the weekend days worked (``weekend_workdays``) and the weekday each one pays for
(``special_public_holidays``: day off ← weekend day worked, from the State Council notice).

Precedence for one date, most specific first (each step that applies adds its reason):

1. a registrar override (teaching or not, with a note) decides;
2. a registrar "follows weekday" entry makes the date teach that weekday's timetable;
3. an institution closure (a named date range: Spring Festival break, vacances de la Toussaint…)
   closes the date;
4. a public holiday, an observed day (补假) or a swapped day off (调休) closes the date;
5. a Chinese adjusted working day (调休上班) teaches the timetable of the weekday it pays for —
   the usual university practice ("9月20日（周日）上10月6日（周二）的课"); a registrar entry of
   step 1 or 2 changes it where a university decides otherwise;
6. otherwise the date teaches its own weekday's timetable if that weekday is a teaching weekday
   (Monday–Friday by default).

Provisional years: China announces next year's holidays and adjusted working days each November.
A year the installed package has no official notice for (no adjusted working day listed — 2027 in
``holidays`` 0.109) is *provisional*: its holidays are the package's rule-based estimate, and every
day of it is marked ``provisional`` with a ``provisional`` reason, because any weekday may still
become a day off and any weekend a working day.

Names: reasons carry holiday names as ``name_en``, ``name_fr`` and ``name_zh`` (``name`` is the
English one, for :data:`MESSAGES`). The package offers English and French for France and English
and Simplified Chinese for China; a language it does not offer falls back to English.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Literal

import holidays

Country = Literal["FR", "CN"]
Language = Literal["en", "fr", "zh"]

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

#: English templates of the reason keys; the UI translates the key and fills in the params.
MESSAGES: dict[str, str] = {
    "weekend": "%(date)s: %(weekday_name)s, not a teaching day",
    "holiday": "%(date)s: %(name)s",
    "swapped_day_off": "%(date)s: day off in exchange for working on %(workday)s (调休)",
    "adjusted_workday": "%(date)s: adjusted working day (调休上班), "
                        "follows %(weekday_name)s's timetable",
    "closure": "%(date)s: %(name)s (closed %(start)s to %(end)s)",
    "override_teaching": "%(date)s: teaching day by decision of the registrar (%(note)s)",
    "override_no_teaching": "%(date)s: no teaching by decision of the registrar (%(note)s)",
    "follows_weekday": "%(date)s: follows %(weekday_name)s's timetable (%(note)s)",
    "provisional": "%(date)s: provisional — the official %(year)s public holidays and adjusted "
                   "working days are not known yet (China publishes them each November)",
}

# Our language codes → the package's; a language missing from a country's
# ``supported_languages`` falls back to English.
_PACKAGE_LANGUAGES: dict[Language, str] = {"en": "en_US", "fr": "fr", "zh": "zh_CN"}
_NATIVE: dict[Country, Language] = {"FR": "fr", "CN": "zh"}


@dataclass(frozen=True)
class Reason:
    """A message key and its parameters: the UI renders it in the viewer's language."""

    key: str
    params: Mapping[str, str] = field(default_factory=dict)

    def message(self, templates: Mapping[str, str] = MESSAGES) -> str:
        return templates[self.key] % self.params


@dataclass(frozen=True)
class Closure:
    """An institution closure from ``start`` to ``end`` inclusive (the registrar names it)."""

    start: date
    end: date
    name: str
    name_fr: str = ""
    name_zh: str = ""

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"closure {self.name!r} ends before it starts")


@dataclass(frozen=True)
class Override:
    """The registrar decides that one date is (or is not) a teaching day."""

    date: date
    teaching: bool
    note: str


@dataclass(frozen=True)
class FollowsWeekday:
    """The registrar makes one date run another weekday's timetable (0 = Monday … 6 = Sunday)."""

    date: date
    weekday: int
    note: str

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0–6, not {self.weekday}")


@dataclass(frozen=True)
class Day:
    """What a calendar says about one date."""

    date: date
    teaching: bool
    timetable_weekday: int | None  # whose timetable runs; None when not teaching
    reasons: tuple[Reason, ...]
    provisional: bool


@dataclass(frozen=True)
class Holiday:
    """A public holiday or a swapped day off, named in three languages."""

    date: date
    kind: Literal["holiday", "swapped_day_off"]
    name_en: str
    name_fr: str
    name_zh: str
    provisional: bool


class TeachingCalendar:
    """One institution's teaching calendar (immutable; answers are memoised per date)."""

    def __init__(self, country: Country, *, closures: Iterable[Closure] = (),
                 overrides: Iterable[Override] = (), follows: Iterable[FollowsWeekday] = (),
                 subdivision: str | None = None,
                 teaching_weekdays: Iterable[int] = (0, 1, 2, 3, 4)) -> None:
        if country not in ("FR", "CN"):
            raise ValueError(f"unsupported country {country!r} (FR or CN)")
        self.country: Country = country
        package = holidays.France if country == "FR" else holidays.China
        known = (*package.subdivisions, *getattr(package, "subdivisions_aliases", {}))
        if subdivision is not None and subdivision not in known:
            raise ValueError(f"unknown subdivision {subdivision!r} for {country}")
        self.subdivision = subdivision
        self.closures = tuple(sorted(closures, key=lambda c: (c.start, c.end)))
        self.overrides = _by_date(overrides, "override")
        self.follows = _by_date(follows, "follows-weekday entry")
        self.teaching_weekdays = frozenset(teaching_weekdays)
        if not self.teaching_weekdays <= set(range(7)):
            raise ValueError("teaching weekdays must be within 0–6")
        self._days: dict[date, Day] = {}

    def __repr__(self) -> str:
        return (f"TeachingCalendar({self.country!r}, closures={len(self.closures)}, "
                f"overrides={len(self.overrides)}, follows={len(self.follows)})")

    @property
    def native_language(self) -> Language:
        return _NATIVE[self.country]

    def is_provisional(self, year: int) -> bool:
        """True when the package has no official holiday notice for ``year`` (China only)."""
        return self.country == "CN" and year > _cn_official_through()

    def day(self, d: date) -> Day:
        """The teaching status of ``d``, with every reason that contributed to it."""
        try:
            return self._days[d]
        except KeyError:
            result = self._days[d] = self._compute(d)
            return result

    def days(self, start: date, end: date) -> list[Day]:
        """Every day from ``start`` to ``end`` inclusive."""
        return [self.day(start + timedelta(n)) for n in range((end - start).days + 1)]

    def holidays_between(self, start: date, end: date) -> list[Holiday]:
        """Public holidays and swapped days off from ``start`` to ``end`` inclusive."""
        found = []
        for year in range(start.year, end.year + 1):
            for d in sorted(_holidays(self.country, year, "en", self.subdivision)):
                if start <= d <= end:
                    kind, names = self._holiday(d)
                    if kind is not None:
                        found.append(Holiday(d, kind, names["name_en"], names["name_fr"],
                                             names["name_zh"], self.is_provisional(d.year)))
        return found

    # --- computation -----------------------------------------------------------------------

    def _holiday(self, d: date) -> tuple[Literal["holiday", "swapped_day_off"] | None,
                                          dict[str, str]]:
        if d not in _holidays(self.country, d.year, "en", self.subdivision):
            return None, {}
        names = {f"name_{lang}": self._name(d, lang) for lang in ("en", "fr", "zh")}
        names["name"] = names["name_en"]
        if self.country == "CN" and d in _cn_swaps(d.year):
            return "swapped_day_off", names
        return "holiday", names

    def _name(self, d: date, lang: Language) -> str:
        found = _holidays(self.country, d.year, lang, self.subdivision).get(d)
        return found if found is not None else _holidays(
            self.country, d.year, "en", self.subdivision)[d]

    def _compute(self, d: date) -> Day:
        iso = d.isoformat()
        reasons: list[Reason] = []
        teaching = d.weekday() in self.teaching_weekdays
        timetable: int | None = d.weekday()
        if not teaching:
            reasons.append(Reason("weekend", {"date": iso,
                                              "weekday_name": WEEKDAY_NAMES[d.weekday()]}))

        kind, names = self._holiday(d)
        if kind == "holiday":
            reasons.append(Reason("holiday", {"date": iso, **names}))
            teaching = False
        elif kind == "swapped_day_off":
            workday = _cn_swaps(d.year)[d]
            reasons.append(Reason("swapped_day_off",
                                  {"date": iso, "workday": workday.isoformat(), **names}))
            teaching = False
        elif self.country == "CN" and (paid := _cn_workdays(d.year).get(d)) is not None:
            teaching, timetable = True, paid.weekday()
            reasons = [r for r in reasons if r.key != "weekend"]  # a working day, not a weekend
            reasons.append(Reason("adjusted_workday", {
                "date": iso, "day_off": paid.isoformat(), "weekday": str(paid.weekday()),
                "weekday_name": WEEKDAY_NAMES[paid.weekday()]}))

        for closure in self.closures:
            if closure.start <= d <= closure.end:
                reasons.append(Reason("closure", {
                    "date": iso, "name": closure.name, "name_en": closure.name,
                    "name_fr": closure.name_fr or closure.name,
                    "name_zh": closure.name_zh or closure.name,
                    "start": closure.start.isoformat(), "end": closure.end.isoformat()}))
                teaching = False

        if (follows := self.follows.get(d)) is not None:
            teaching, timetable = True, follows.weekday
            reasons.append(Reason("follows_weekday", {
                "date": iso, "weekday": str(follows.weekday),
                "weekday_name": WEEKDAY_NAMES[follows.weekday], "note": follows.note}))

        if (override := self.overrides.get(d)) is not None:
            teaching = override.teaching
            reasons.append(Reason("override_teaching" if teaching else "override_no_teaching",
                                  {"date": iso, "note": override.note}))

        if teaching:  # a weekend that teaches (调休上班, registrar) is no longer "not teaching"
            reasons = [r for r in reasons if r.key != "weekend"]
        provisional = self.is_provisional(d.year)
        if provisional:
            reasons.append(Reason("provisional", {"date": iso, "year": str(d.year)}))
        return Day(d, teaching, timetable if teaching else None, tuple(reasons), provisional)


def short_text(reason: Reason, language: Language) -> str:
    """A reason's name-like text in ``language`` (holiday or closure name, registrar's note), or
    its English message without the date — for one-line summaries such as lost weeks."""
    params = reason.params
    for name in (f"name_{language}", "note"):
        if params.get(name):
            return params[name]
    text = reason.message()
    prefix = f"{params.get('date', '')}: "
    return text.removeprefix(prefix)


def _by_date(entries: Iterable[Override] | Iterable[FollowsWeekday],
             what: str) -> dict[date, Override | FollowsWeekday]:
    found: dict[date, Override | FollowsWeekday] = {}
    for entry in entries:
        if entry.date in found:
            raise ValueError(f"two registrar {what}s for {entry.date.isoformat()}")
        found[entry.date] = entry
    return found


# --- the holidays package, cached per (country, year, language) ------------------------------


@cache
def _holidays(country: Country, year: int, language: Language,
              subdivision: str | None) -> Mapping[date, str]:
    cls = holidays.France if country == "FR" else holidays.China
    wanted = _PACKAGE_LANGUAGES[language]
    if wanted not in cls.supported_languages:
        wanted = _PACKAGE_LANGUAGES["en"]
    return dict(cls(years=year, language=wanted, subdiv=subdivision).items())


@cache
def _cn_pairs() -> tuple[tuple[date, date], ...]:
    """(day off, weekend day worked for it) for every official notice the package holds."""
    table = holidays.China(years=2000).special_public_holidays
    pairs = []
    for year, entries in table.items():
        for entry in _as_entries(entries):
            if len(entry) >= 4:  # (to_month, to_day, from_month, from_day[, from_year])
                to_month, to_day, from_month, from_day, *from_year = entry
                pairs.append((date(year, to_month, to_day),
                              date(from_year[0] if from_year else year, from_month, from_day)))
    return tuple(pairs)


def _as_entries(entries: tuple) -> tuple[tuple, ...]:
    # The package stores one entry as a bare tuple and several as a tuple of tuples.
    return (entries,) if entries and not isinstance(entries[0], tuple) else entries


@cache
def _cn_swaps(year: int) -> Mapping[date, date]:
    """Day off (调休) → the weekend day worked in exchange, for days off in ``year``."""
    return {off: work for off, work in _cn_pairs() if off.year == year}


@cache
def _cn_workdays(year: int) -> Mapping[date, date]:
    """Adjusted working day (调休上班) in ``year`` → the day off it pays for."""
    return {work: off for off, work in _cn_pairs() if work.year == year}


@cache
def _cn_official_through() -> int:
    """The last year with an official notice (adjusted working days) in the package."""
    return max(off.year for off, _ in _cn_pairs())
