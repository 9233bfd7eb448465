"""iCalendar (RFC 5545) in and out. Pure module: no Flask, no database.

Out — :func:`feed`: the lecture sessions as a calendar any app can subscribe to. Each session is
its own VEVENT (no RRULE): its UID is stable across edits (the caller derives it from the series
and the occurrence's original date, see :func:`occurrence_uid`), SEQUENCE grows with every change,
and a cancelled session stays with STATUS:CANCELLED so subscribed apps remove it rather than keep
a stale copy. Times are written in UTC (``Z``): no VTIMEZONE, nothing for an app to misread; both
campuses' local times go in the description, which the caller writes.

In — :func:`busy_times`: a professor's calendar export (.ics) → :class:`~.slots.Busy` intervals in
UTC for the slot finder. **Broken input imports nothing**: every problem found is collected, with
the line of the file where it is, and raised together as :class:`IcsError`; the English templates
of the problem keys are in :data:`MESSAGES` (``%(line)s`` is filled from :attr:`IcsProblem.line`).

Why the file is scanned here rather than with ``icalendar.Calendar.from_ical`` (icalendar 7.3):

* there is no strict mode: inside a VEVENT (``Event.ignore_exceptions = True``) a line that does
  not parse is silently dropped and a value that does not parse becomes a ``vBroken`` — both only
  noted in ``event.errors``, without line numbers; elsewhere the first bad line raises alone;
* an unknown TZID silently gives a *floating* (naive) time; a VTIMEZONE with an unknown TZID is
  cached process-wide (``tzp.cache_timezone_component``), so one upload changes how later ones
  read; vendor-prefixed TZIDs are guessed with a warning;
* the lenient content-line parser deletes spaces inside a property name (``and more: here``
  reads as property ``ANDMORE``); its strict mode upper-cases parameter values
  (``TZID=EUROPE/PARIS``).

So the file is unfolded here, line numbers kept, each content line split by the package's
``Contentline.parts`` (lenient) with the name checked against RFC 5545's grammar, and each value
read by the package's value types (``vDDDTypes``, ``vDate``, ``vPeriod``, ``vDuration``,
``vRecur``). TZIDs are IANA names resolved by ``zoneinfo`` (or a Windows name, which Outlook
writes, through the package's Windows → IANA table); the file's VTIMEZONE rules are not used.

Reading rules: an event is busy unless TRANSP:TRANSPARENT or STATUS:CANCELLED (TENTATIVE counts
as busy). An all-day event (DATE) is busy for whole local days in ``default_zone``. A floating
DTSTART, DTEND or RDATE has no zone and is refused; a floating EXDATE or RECURRENCE-ID only names an
instance and is read in its DTSTART's zone. RRULE expands in DTSTART's wall-clock time (a weekly
09:00 Paris meeting stays at 09:00 across the clock change), with UNTIL, COUNT, EXDATE, RDATE and
RECURRENCE-ID overrides (same UID) honoured; a wall-clock time in a gap or fold takes the offset
before the change (RFC 5545 §3.3.5). DURATION's days and weeks are nominal (local days), its
hours, minutes and seconds exact; an event without DTEND or DURATION lasts one day if all-day, no
time otherwise (and blocks nothing). Only intervals overlapping the window are returned.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, YEARLY, rrule, rrulestr
from icalendar import Calendar, Event
from icalendar.parser.content_line import Contentline
from icalendar.parser.parameter import Parameters
from icalendar.prop import vDate, vDDDTypes, vDuration, vPeriod, vRecur
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from jointdegree.teaching.recurrence import Occurrence, zone_of
from jointdegree.teaching.slots import Busy

#: English templates of the problem keys; ``%(line)s`` is the problem's line in the file.
MESSAGES: dict[str, str] = {
    "not_icalendar": "not an iCalendar (.ics) file: it must begin with BEGIN:VCALENDAR",
    "not_utf8": "line %(line)s: not UTF-8 text (export the calendar again, as UTF-8)",
    "bad_line": "line %(line)s: not an iCalendar line: %(text)s",
    "unmatched_end": "line %(line)s: END:%(name)s without a matching BEGIN:%(name)s",
    "unclosed": "line %(line)s: BEGIN:%(name)s is never closed by END:%(name)s",
    "outside_calendar": "line %(line)s: %(name)s is outside BEGIN:VCALENDAR … END:VCALENDAR",
    "no_dtstart": "line %(line)s: the event “%(event)s” has no start (DTSTART)",
    "duplicate_property": "line %(line)s: the event “%(event)s” has %(name)s more than once",
    "bad_value": "line %(line)s: %(name)s of the event “%(event)s” cannot be read: %(value)s",
    "unknown_tzid": "line %(line)s: unknown time zone “%(tzid)s” in %(name)s of the event "
                    "“%(event)s” (an IANA name such as Europe/Paris is expected)",
    "floating_time": "line %(line)s: %(name)s of the event “%(event)s” is a time without a time "
                     "zone (%(value)s): export the calendar with time zones or in UTC",
    "mixed_value_types": "line %(line)s: %(name)s of the event “%(event)s” is a %(kind)s value but "
                         "its DTSTART is a %(start_kind)s value",
    "end_and_duration": "line %(line)s: the event “%(event)s” has both DTEND and DURATION",
    "end_before_start": "line %(line)s: the event “%(event)s” ends (%(end)s) before it starts "
                        "(%(start)s)",
    "unsupported": "line %(line)s: %(what)s in the event “%(event)s” is not supported",
    "duplicate_uid": "line %(line)s: the event “%(event)s” repeats UID %(uid)s of the event "
                     "at line %(first)s",
    "too_many_occurrences": "line %(line)s: the event “%(event)s” repeats more than %(limit)s "
                            "times up to the end of the window",
}

PRODID = "-//jointdegree//Nice–Haikou double degree//EN"
#: How often subscribed apps should refresh (X-PUBLISHED-TTL and RFC 7986 REFRESH-INTERVAL).
REFRESH = timedelta(hours=1)
FEED_STATUSES = frozenset({"CONFIRMED", "CANCELLED"})
#: A recurring busy event may not step more often than this from its start to the window's end
#: (ten years of a daily meeting fit; a MINUTELY rule over a year does not).
MAX_STEPS = 10_000

_NAME = re.compile(r"[A-Za-z0-9-]+(?=[;:])")
_DURATION = re.compile(r"([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?")
_SINGLE = ("DTSTART", "DTEND", "DURATION", "RRULE", "RECURRENCE-ID", "STATUS", "TRANSP",
           "SUMMARY", "UID")
_EVENT_STATUSES = frozenset({"TENTATIVE", "CONFIRMED", "CANCELLED"})


# ---------------------------------------------------------------------------- out: the feed


@dataclass(frozen=True)
class FeedEvent:
    """One lecture session as published: a standalone VEVENT, its UID stable across edits."""

    uid: str
    sequence: int
    start_utc: datetime
    end_utc: datetime
    summary: str
    description: str
    location: str  # a room, or "Videoconference"
    last_modified: datetime
    url: str | None = None  # the video link
    status: str = "CONFIRMED"  # or "CANCELLED": kept in the feed so apps remove it
    categories: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.uid.strip():
            raise ValueError("a feed event needs a UID")
        if self.sequence < 0:
            raise ValueError("SEQUENCE is a non-negative integer")
        if self.status not in FEED_STATUSES:
            raise ValueError(f"status is one of {sorted(FEED_STATUSES)}, not {self.status!r}")
        for name in ("start_utc", "end_utc", "last_modified"):
            value = getattr(self, name)
            if value.tzinfo is None:
                raise ValueError(f"{name} must be an aware datetime")
            object.__setattr__(self, name, value.astimezone(UTC).replace(microsecond=0))
        if not self.start_utc < self.end_utc:
            raise ValueError("a session must end after it starts")
        object.__setattr__(self, "categories", tuple(self.categories))

    @classmethod
    def from_occurrence(cls, occurrence: Occurrence, *, uid: str, sequence: int, summary: str,
                        description: str, location: str, last_modified: datetime,
                        url: str | None = None, status: str = "CONFIRMED",
                        categories: Iterable[str] = ()) -> FeedEvent:
        """The session of an expanded :class:`~.recurrence.Occurrence` (its UTC times)."""
        return cls(uid, sequence, occurrence.start_utc, occurrence.end_utc, summary, description,
                   location, last_modified, url, status, tuple(categories))


def occurrence_uid(series_id: str | int, original_date: date, *, domain: str) -> str:
    """A UID that survives edits: the series and the rule's date, never the current start (a
    moved session must replace its old copy in subscribed apps, not appear beside it)."""
    return f"lecture-{series_id}-{original_date:%Y%m%d}@{domain}"


def feed(name: str, events: Sequence[FeedEvent], *, now: datetime) -> bytes:
    """The subscribable calendar ``name`` (UTF-8, CRLF, lines folded at 75 octets)."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    uids = [event.uid for event in events]
    if len(set(uids)) != len(uids):
        raise ValueError("two sessions share a UID: apps would keep only one of them")
    stamp = now.astimezone(UTC).replace(microsecond=0)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("name", name)  # RFC 7986
    cal.add("x-wr-calname", name)  # what Google, Apple and Outlook read
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(REFRESH).to_ical().decode())
    for event in sorted(events, key=lambda e: (e.start_utc, e.uid)):
        vevent = Event()
        vevent.add("uid", event.uid)
        vevent.add("sequence", event.sequence)
        vevent.add("dtstamp", stamp)
        vevent.add("last-modified", event.last_modified)
        vevent.add("dtstart", event.start_utc)
        vevent.add("dtend", event.end_utc)
        vevent.add("summary", event.summary)
        vevent.add("description", event.description)
        vevent.add("location", event.location)
        if event.url:
            vevent.add("url", event.url)
        vevent.add("status", event.status)
        if event.categories:
            vevent.add("categories", list(event.categories))
        cal.add_component(vevent)
    return cal.to_ical()


# ---------------------------------------------------------------------------- in: busy times


@dataclass(frozen=True)
class IcsProblem:
    """One problem in an uploaded .ics file: where (1-based line, if known), what, details."""

    line: int | None
    key: str
    params: Mapping[str, str] = field(default_factory=dict)

    def message(self, templates: Mapping[str, Any] = MESSAGES) -> str:
        """Worded with ``templates`` (English by default; the web and the API pass the
        reader's, ``labels.ICS_PROBLEM_TEXT``)."""
        return str(templates[self.key]) % {"line": self.line if self.line is not None else "?",
                                           **self.params}


class IcsError(ValueError):
    """The file is refused: every problem found, in file order."""

    def __init__(self, problems: list[IcsProblem]) -> None:
        self.problems = sorted(problems, key=lambda p: p.line or 0)
        super().__init__("; ".join(p.message() for p in self.problems))


@dataclass(frozen=True)
class _Prop:
    name: str
    params: Parameters
    value: str
    line: int


@dataclass
class _Block:
    """The raw lines of one VEVENT (its nested components, e.g. VALARM, left out)."""

    line: int
    props: list[_Prop] = field(default_factory=list)

    def get(self, name: str) -> _Prop | None:
        return next((p for p in self.props if p.name == name), None)

    def label(self) -> str:
        for name in ("SUMMARY", "UID"):
            prop = self.get(name)
            if prop is not None and prop.value.strip():
                return _short(prop.value)
        return "untitled"


@dataclass(frozen=True)
class _When:
    """A start read from the file: wall clock (naive) in ``zone``; all-day = midnight."""

    local: datetime
    zone: tzinfo
    all_day: bool

    @property
    def utc(self) -> datetime:
        return _utc(self.local, self.zone)


@dataclass
class _Event:
    block: _Block
    label: str
    uid: str | None
    start: _When
    days: int  # nominal length (local days) …
    exact: timedelta  # … then exact length
    busy: bool
    cancelled: bool
    rule: rrule | None = None
    rdates: list[tuple[_When, timedelta | None]] = field(default_factory=list)
    exdates: set[datetime] = field(default_factory=set)  # UTC instants
    exdays: set[date] = field(default_factory=set)  # local dates (DATE values)
    recurrence_id: datetime | date | None = None  # UTC instant, or a date for all-day


def busy_times(data: bytes, *, window_start: datetime, window_end: datetime,
               default_zone: str) -> list[Busy]:
    """The busy intervals of a calendar export overlapping [window_start, window_end), in UTC
    and time order; raises :class:`IcsError` listing every problem (nothing is imported then)."""
    if window_start.tzinfo is None or window_end.tzinfo is None:
        raise ValueError("the window is given in aware datetimes")
    if not window_start < window_end:
        raise ValueError("the window must end after it starts")
    home = zone_of(default_zone)
    head = data.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    if not head[:15].upper() == b"BEGIN:VCALENDAR":
        raise IcsError([IcsProblem(None, "not_icalendar")])
    problems: list[IcsProblem] = []
    blocks = _scan(_content_lines(data, problems), problems)
    events = [e for block in blocks if (e := _Reader(block, home, problems).read())]
    found = _expand_all(events, window_start.astimezone(UTC), window_end.astimezone(UTC),
                        problems)
    if problems:
        raise IcsError(problems)
    return sorted(found, key=lambda b: (b.start, b.end, b.label))


def _content_lines(data: bytes, problems: list[IcsProblem]) -> list[tuple[int, str]]:
    """Unfold the file into (line number of its first physical line, content line)."""
    found: list[tuple[int, str]] = []
    for number, raw in enumerate(data.removeprefix(b"\xef\xbb\xbf").split(b"\n"), start=1):
        raw = raw.removesuffix(b"\r")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(IcsProblem(number, "not_utf8"))
            text = raw.decode("utf-8", "replace")
        if not text:
            continue  # blank lines are tolerated, as by the package
        if text[0] in " \t":
            if found:
                found[-1] = (found[-1][0], found[-1][1] + text[1:])
            else:
                problems.append(IcsProblem(number, "bad_line", {"text": _short(text)}))
        else:
            found.append((number, text))
    return found


def _scan(lines: list[tuple[int, str]], problems: list[IcsProblem]) -> list[_Block]:
    """Parse each content line and follow BEGIN/END; the closed VEVENTs of the calendars."""
    stack: list[tuple[str, int]] = []
    blocks: list[_Block] = []
    current: _Block | None = None
    for number, text in lines:
        try:
            if not _NAME.match(text):
                raise ValueError(text)
            name, params, value = Contentline(text).parts()
        except (ValueError, TypeError):
            problems.append(IcsProblem(number, "bad_line", {"text": _short(text)}))
            continue
        name = name.upper()
        if name in ("BEGIN", "END"):
            component = value.strip().upper()
            if not re.fullmatch(r"[A-Z0-9-]+", component):
                problems.append(IcsProblem(number, "bad_line", {"text": _short(text)}))
            elif name == "BEGIN":
                if not stack and component != "VCALENDAR":
                    problems.append(IcsProblem(number, "outside_calendar",
                                               {"name": f"BEGIN:{component}"}))
                if component == "VEVENT" and [n for n, _ in stack] == ["VCALENDAR"]:
                    current = _Block(number)
                stack.append((component, number))
            elif component not in [n for n, _ in stack]:
                problems.append(IcsProblem(number, "unmatched_end", {"name": component}))
            else:
                while stack:
                    open_name, open_line = stack.pop()
                    if open_name == component:
                        break
                    problems.append(IcsProblem(open_line, "unclosed", {"name": open_name}))
                if len(stack) < 2:  # the top-level VEVENT is closed (or abandoned)
                    if current is not None and component == "VEVENT" and stack:
                        blocks.append(current)
                    current = None
        elif not stack:
            problems.append(IcsProblem(number, "outside_calendar", {"name": name}))
        elif current is not None and [n for n, _ in stack] == ["VCALENDAR", "VEVENT"]:
            current.props.append(_Prop(name, params, value, number))
    problems.extend(IcsProblem(line, "unclosed", {"name": name}) for name, line in stack)
    return blocks


class _Refused(Exception):
    """Internal: the event cannot be read further (its problem is already recorded)."""


class _Reader:
    """Reads one VEVENT block; every problem goes to ``problems`` with its line."""

    def __init__(self, block: _Block, home: ZoneInfo, problems: list[IcsProblem]) -> None:
        self.block, self.home, self.problems = block, home, problems
        self.label = block.label()

    def problem(self, prop: _Prop | None, key: str, **params: str) -> None:
        self.problems.append(IcsProblem(prop.line if prop else self.block.line, key,
                                        {"event": self.label, **params}))

    def refuse(self, prop: _Prop | None, key: str, **params: str) -> _Refused:
        self.problem(prop, key, **params)
        return _Refused()

    def bad_value(self, prop: _Prop) -> _Refused:
        return self.refuse(prop, "bad_value", name=prop.name, value=_short(prop.value))

    def read(self) -> _Event | None:
        """The event, or None (problems recorded) when any part of it is broken."""
        before = len(self.problems)
        block = self.block
        for name in _SINGLE:
            for prop in [p for p in block.props if p.name == name][1:]:
                self.problem(prop, "duplicate_property", name=name)
        status = self.enum("STATUS", _EVENT_STATUSES, "CONFIRMED")
        transp = self.enum("TRANSP", ("OPAQUE", "TRANSPARENT"), "OPAQUE")
        uid = block.get("UID")
        try:
            dtstart = block.get("DTSTART")
            if dtstart is None:
                raise self.refuse(None, "no_dtstart")
            start = self.when(dtstart, self.one(dtstart))
            days, exact = self.length(start)
            event = _Event(block, self.label, uid.value.strip() if uid else None, start, days,
                           exact, busy=transp != "TRANSPARENT" and status != "CANCELLED",
                           cancelled=status == "CANCELLED")
            self.recurrence(event)
        except _Refused:
            return None
        return event if len(self.problems) == before else None

    def enum(self, name: str, allowed: Iterable[str], default: str) -> str:
        prop = self.block.get(name)
        if prop is None:
            return default
        value = prop.value.strip().upper()
        if value not in allowed:
            self.problem(prop, "bad_value", name=name, value=_short(prop.value))
        return value

    def values(self, prop: _Prop, period: bool = False) -> list[date | datetime | tuple]:
        """The DATE / DATE-TIME (/ PERIOD) values of ``prop``, as the VALUE parameter says."""
        kind = str(prop.params.get("VALUE", "")).upper()
        parsed: list[date | datetime | tuple] = []
        for text in prop.value.split(","):
            try:
                if kind == "DATE":
                    value = vDate.from_ical(text)
                elif kind == "PERIOD" and period:
                    value = vPeriod.from_ical(text)
                elif kind in ("", "DATE-TIME"):
                    value = vDDDTypes.from_ical(text)
                    if not isinstance(value, date) or (kind and type(value) is date):
                        raise ValueError(text)
                else:
                    raise ValueError(f"VALUE={kind}")
            except (ValueError, TypeError):
                raise self.bad_value(prop) from None
            parsed.append(value)
        return parsed

    def one(self, prop: _Prop) -> date | datetime:
        found = self.values(prop)
        if len(found) != 1:
            raise self.bad_value(prop)
        return found[0]

    def when(self, prop: _Prop, value: date | datetime, anchor: _When | None = None) -> _When:
        """A DATE / DATE-TIME as a _When; a floating time only with an ``anchor`` (its zone)."""
        if not isinstance(value, datetime):
            return _When(datetime.combine(value, time()), self.home, True)
        if value.tzinfo is not None:
            return _When(value.astimezone(UTC).replace(tzinfo=None), UTC, False)
        tzid = prop.params.get("TZID")
        if tzid:
            zone = _zone(str(tzid))
            if zone is None:
                raise self.refuse(prop, "unknown_tzid", tzid=str(tzid), name=prop.name)
            return _When(value, zone, False)
        if anchor is not None:
            return _When(value, anchor.zone, False)
        raise self.refuse(prop, "floating_time", name=prop.name, value=prop.value.strip())

    def same_kind(self, prop: _Prop, value: _When, start: _When) -> _When:
        if value.all_day != start.all_day:
            raise self.refuse(prop, "mixed_value_types", name=prop.name, kind=_kind(value),
                              start_kind=_kind(start))
        return value

    def length(self, start: _When) -> tuple[int, timedelta]:
        """(nominal days, exact time) from DTEND or DURATION; the RFC 5545 defaults otherwise."""
        dtend, duration = self.block.get("DTEND"), self.block.get("DURATION")
        if dtend is not None and duration is not None:
            raise self.refuse(duration, "end_and_duration")
        if dtend is not None:
            end = self.same_kind(dtend, self.when(dtend, self.one(dtend)), start)
            if start.all_day:
                days, exact = (end.local - start.local).days, timedelta(0)
            else:
                days, exact = 0, end.utc - start.utc
            if days < 0 or exact < timedelta(0):
                raise self.refuse(dtend, "end_before_start", start=_show(start), end=_show(end))
            return days, exact
        if duration is not None:
            text = duration.value.strip().upper()
            match = _DURATION.fullmatch(text)
            try:
                vDuration.from_ical(text)
            except (ValueError, TypeError):
                match = None
            if match is None or text.rstrip("+-") in ("P", "PT") or text.endswith("T"):
                raise self.bad_value(duration)
            sign, weeks, d, h, m, s = match.groups()
            days = 7 * int(weeks or 0) + int(d or 0)
            exact = timedelta(hours=int(h or 0), minutes=int(m or 0), seconds=int(s or 0))
            if sign == "-" and (days or exact):
                raise self.refuse(duration, "end_before_start", start=_show(start), end=text)
            return days, exact
        return (1, timedelta(0)) if start.all_day else (0, timedelta(0))

    def recurrence(self, event: _Event) -> None:
        """RRULE, RDATE, EXDATE and RECURRENCE-ID of ``event`` (in place)."""
        start = event.start
        for prop in self.block.props:
            if prop.name == "RRULE":
                event.rule = self.rule(prop, start)
            elif prop.name == "RDATE":
                for value in self.values(prop, period=True):
                    if isinstance(value, tuple):
                        first = self.same_kind(prop, self.when(prop, value[0]), start)
                        end = value[1]
                        span = (end if isinstance(end, timedelta)
                                else self.when(prop, end).utc - first.utc)
                        if span <= timedelta(0):
                            raise self.refuse(prop, "end_before_start", start=_show(first),
                                              end=_short(prop.value))
                        event.rdates.append((first, span))
                    else:
                        event.rdates.append(
                            (self.same_kind(prop, self.when(prop, value), start), None))
            elif prop.name == "EXDATE":
                for value in self.values(prop):
                    excluded = self.when(prop, value, start)
                    if excluded.all_day:
                        event.exdays.add(excluded.local.date())
                    else:
                        event.exdates.add(excluded.utc)
            elif prop.name == "RECURRENCE-ID":
                if str(prop.params.get("RANGE", "")).upper() == "THISANDFUTURE":
                    raise self.refuse(prop, "unsupported",
                                      what="RECURRENCE-ID;RANGE=THISANDFUTURE")
                instance = self.same_kind(prop, self.when(prop, self.one(prop), start), start)
                event.recurrence_id = (instance.local.date() if instance.all_day
                                       else instance.utc)

    def rule(self, prop: _Prop, start: _When) -> rrule:
        """The RRULE as a dateutil rule over DTSTART's wall clock (UNTIL moved there too)."""
        try:
            parts = dict(vRecur.from_ical(prop.value))
            until = parts.pop("UNTIL", [None])[0]
            if "COUNT" in parts and until is not None:
                raise ValueError("COUNT and UNTIL")
            if any(int(parts.get(name, [1])[0]) < 1 for name in ("COUNT", "INTERVAL")):
                raise ValueError("COUNT and INTERVAL are positive")
            if "BYEASTER" in parts:  # dateutil's, not iCalendar's (and not 400-year periodic)
                raise ValueError("BYEASTER")
            rule = rrulestr(vRecur(parts).to_ical().decode(), dtstart=start.local)
        except (ValueError, TypeError):
            raise self.bad_value(prop) from None
        if rule._freq > DAILY and _DAY_PARTS & set(parts):
            # dateutil steps through every hour/minute/second of each day its day filters
            # refuse: minutes of CPU for one such event (FREQ=SECONDLY;BYHOUR=23;BYMONTH=3)
            raise self.refuse(prop, "unsupported",
                              what=f"FREQ={parts['FREQ'][0]} + "
                                   f"{', '.join(sorted(_DAY_PARTS & set(parts)))}")
        if isinstance(until, datetime):
            if until.tzinfo is not None:
                until = until.astimezone(start.zone).replace(tzinfo=None)
        elif isinstance(until, date):  # a date: through the end of that local day
            until = datetime.combine(until, time.max)
        return rule.replace(until=until) if until is not None else rule


def _expand_all(events: list[_Event], low: datetime, high: datetime,
                problems: list[IcsProblem]) -> list[Busy]:
    """Every busy instance overlapping [low, high); overrides replace their master's instance."""
    masters: dict[str, _Event] = {}
    overridden: dict[str, set[datetime | date]] = {}
    for event in events:
        if event.uid is None:
            continue
        if event.recurrence_id is not None:
            overridden.setdefault(event.uid, set()).add(event.recurrence_id)
        elif (first := masters.setdefault(event.uid, event)) is not event:
            uid = event.block.get("UID")
            problems.append(IcsProblem(uid.line if uid else event.block.line, "duplicate_uid",
                                       {"event": event.label, "uid": _short(event.uid),
                                        "first": str(first.block.line)}))
    found = []
    for event in events:
        master = masters.get(event.uid or "")
        if event.recurrence_id is not None and master is not None and master.cancelled:
            continue  # the whole series is cancelled
        replaced = (overridden.get(event.uid or "", set()) if event.recurrence_id is None
                    else set())
        for key, start, end in _instances(event, high, problems):
            if event.busy and key not in replaced and start < high and end > low:
                found.append(Busy(start, end, _label(event)))
    return found


def _instances(event: _Event, high: datetime, problems: list[IcsProblem]
               ) -> list[tuple[datetime | date, datetime, datetime]]:
    """The event's instances starting before ``high``, EXDATEs removed, as (key, start, end) in
    UTC; the key — the UTC start, or the local date if all-day — is what RECURRENCE-ID names."""
    zone, start = event.start.zone, event.start
    starts: list[tuple[datetime, timedelta | None]] = [(start.local, None)]  # always the first
    if event.rule is not None:
        last = high.astimezone(zone).replace(tzinfo=None) + timedelta(days=1)
        rrule_line = event.block.get("RRULE")
        try:
            late, years = _late_rule(event.rule, last)
            for step, shifted in enumerate(late):
                local = shifted.replace(year=shifted.year - years)
                if local > last:
                    break
                if step >= MAX_STEPS:
                    problems.append(IcsProblem(rrule_line.line if rrule_line else None,
                                               "too_many_occurrences",
                                               {"event": event.label, "limit": str(MAX_STEPS)}))
                    return []
                starts.append((local, None))
        except (ValueError, OverflowError, TypeError):  # BYHOUR=25 is a TypeError in dateutil
            problems.append(IcsProblem(rrule_line.line if rrule_line else None, "bad_value",
                                       {"event": event.label, "name": "RRULE",
                                        "value": _short(rrule_line.value if rrule_line else "")}))
            return []
    for when, span in event.rdates:
        local = when.local if when.all_day else when.utc.astimezone(zone).replace(tzinfo=None)
        starts.append((local, span))
    found: list[tuple[datetime | date, datetime, datetime]] = []
    for local, span in dict.fromkeys(starts):
        begin = _utc(local, zone)
        if local.date() in event.exdays or begin in event.exdates:
            continue
        if span is not None:
            end = begin + span
        else:
            end = _utc(local + timedelta(days=event.days), zone) + event.exact
        if end > begin:
            found.append((local.date() if start.all_day else begin, begin, end))
    return found


#: The Gregorian calendar, weekdays included, repeats every 400 years (146097 days, 20871 weeks).
CYCLE_YEARS = 400
_DAY_FILTERS = ("bymonth", "bymonthday", "byyearday", "byweekno", "byweekday")
_DAY_PARTS = frozenset({"BYMONTH", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYDAY"})


def _late_rule(rule: rrule, last: datetime) -> tuple[Iterable[datetime], int]:
    """The rule moved forward by whole 400-year cycles (the same instances, ``years`` later),
    as close to year 9999 as ``last`` allows; no instances when it cannot have any.

    dateutil looks for the next instance up to year 9999, without yielding while none matches
    its filters (``FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30``): from 2026, seconds of CPU per event.
    Moved late, that search ends within ~400 years; and a year-by-year probe of the day filters
    over a whole cycle (hundredths of a second) tells when no day can ever match. (Rules below a
    day with day filters, far slower still, are refused by :meth:`_Reader.rule`.)"""
    start, until = rule._dtstart, rule._until  # (dateutil keeps them there)
    if start > last:
        return [], 0  # every instance comes after the window (and may take long to find)
    years = (9999 - 1 - last.year) // CYCLE_YEARS * CYCLE_YEARS
    if years <= 0:
        return rule, 0
    moved = start.replace(year=start.year + years)
    day_filters = {k: v for k, v in rule._original_rule.items()
                   if k in _DAY_FILTERS and v}
    if day_filters:
        # Can any day pass the day filters (ordinals dropped: "2MO" is any Monday here)? Tried
        # year by year over more than a whole cycle; every weekday unless some are named, so
        # that dateutil derives no filter from the probe's own start.
        day_filters["byweekday"] = tuple(
            getattr(w, "weekday", w) for w in day_filters.get("byweekday", range(7)))
        if not list(rrule(YEARLY, dtstart=datetime(9200, 1, 1), count=1, **day_filters)):
            return [], 0
    late_until = until.replace(year=until.year + years) if (
        until is not None and until.year + years <= 9999) else None  # else after the window
    return rule.replace(dtstart=moved, until=late_until), years


def _label(event: _Event) -> str:
    summary = event.block.get("SUMMARY")
    return summary.value.strip() if summary else ""


def _zone(tzid: str) -> ZoneInfo | None:
    """The IANA zone of a TZID (or of a Windows zone name, as Outlook writes), else None."""
    name = tzid.strip().strip("/")
    for candidate in (name, WINDOWS_TO_OLSON.get(name)):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (KeyError, ValueError):
                continue
    return None


def _utc(local: datetime, zone: tzinfo) -> datetime:
    """Naive wall clock → UTC; a gap or fold reads with the offset before the change."""
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def _kind(when: _When) -> str:
    """The iCalendar value type, by its name in the format (the same in every language)."""
    return "DATE" if when.all_day else "DATE-TIME"


def _show(when: _When) -> str:
    if when.all_day:
        return when.local.date().isoformat()
    zone = "UTC" if when.zone is UTC else str(when.zone)
    return f"{when.local:%Y-%m-%d %H:%M} {zone}"


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = ["MESSAGES", "PRODID", "FeedEvent", "IcsError", "IcsProblem", "busy_times", "feed",
           "occurrence_uid"]
