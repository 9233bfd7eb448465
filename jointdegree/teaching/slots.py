"""The slot finder: weekly lecture slots that suit two (or more) campuses for a whole term.

Pure module: no Flask, no database. Inputs are campuses (zone, teaching window, calendar), the
term, the lecture's duration, its reference zone, and busy intervals in aware UTC; outputs are
ranked proposals and explained rejections, every explanation a :class:`Reason` (key + params; the
English templates are in :data:`MESSAGES`).

A *slot* is a weekday plus a wall-clock start time in the reference zone, tried every ``step``
(30 minutes by default) on each candidate weekday (Monday–Friday by default). For each date of the
term, the lecture starts at that wall-clock time in the reference zone (RFC 5545 expansion, as in
:mod:`.recurrence`), so the other campus's local time moves at clock changes.

A session *is held* at a campus when that campus teaches on its local date and runs the matching
timetable: the slot's weekday, shifted by the campus's local date offset (a Paris Tuesday 17:30 is
a Shanghai Wednesday, so Shanghai must run Wednesday's timetable). This is how China's adjusted
working days (调休上班) and registrar "follows weekday" entries count:

* a *scheduled* date (the slot's weekday) not held at every campus is a *lost week*, reported with
  the campuses' reasons (holiday, closure, swapped day off…);
* another date held at every campus with the slot's timetable (a Saturday that runs Tuesday's
  classes at both campuses) is a *make-up session*; it replaces one lost week. A make-up outside a
  window or clashing with a busy interval is simply not held.

The rule — a slot is proposed when:

1. every scheduled week of the term (lost or not) starts and ends inside every campus's teaching
   window in that campus's local time, on one local day (else ``outside_window``);
2. its wall-clock start exists exactly once in the reference zone every week (no gap, no fold —
   never guessed; else ``nonexistent_time`` / ``ambiguous_time``);
3. at most ``max_busy_weeks`` held sessions (default 0) clash with the professor's or the
   audience's busy intervals; clashing weeks, when tolerated, count as lost;
4. lost weeks minus make-up sessions ≤ ``max_lost_weeks`` (default: a quarter of the slot's
   scheduled weeks, rounded down — 4 of 16), and at least one session is held.

Ranking: fewest net lost weeks first; then the most comfortable hours — the *comfort* score is the
smallest margin, in minutes, between a held session and either edge of a campus window, over all
campuses and weeks (a lecture in the middle of both windows scores high, one that ends exactly at
20:00 in Haikou scores 0); then the earliest slot in the week (weekday, then start time).

:func:`window_chart` and :func:`seasonal_charts` draw the campuses' windows across one day in UTC
and their overlap: with Paris and Shanghai both 08:00–20:00 the overlap is 08:00–13:00 Paris time
in winter (15:00–20:00 Shanghai) and 08:00–14:00 in summer.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

from jointdegree.teaching import calendar, recurrence
from jointdegree.teaching.calendar import Day, Reason, TeachingCalendar, short_text
from jointdegree.teaching.recurrence import wall_clock_status, zone_of

MESSAGES: dict[str, str] = {
    **calendar.MESSAGES,
    **recurrence.MESSAGES,
    "outside_window": "%(campus)s: %(time)s, outside teaching window %(window)s "
                      "(%(count)s of %(weeks)s weeks)",
    "lost_week": "%(date)s: %(names)s",
    "professor_busy": "professor busy: %(label)s, %(time)s, on %(dates)s",
    "audience_busy": "audience busy: %(label)s, %(time)s, on %(dates)s",
    "too_many_lost": "loses %(lost)s of %(weeks)s weeks (at most %(limit)s)",
    "no_session": "no week of the term can hold this slot",
    "provisional_term": "%(campus)s: sessions in %(years)s rely on provisional public holidays "
                        "(China publishes each year's schedule in November)",
}

_DAY = timedelta(days=1)
_PROBE = timedelta(hours=6)


@dataclass(frozen=True)
class Campus:
    """A campus: its IANA zone, daily teaching window (local wall clock) and calendar."""

    name: str
    zone: str
    calendar: TeachingCalendar
    window_start: time = time(8)
    window_end: time = time(20)

    def __post_init__(self) -> None:
        zone_of(self.zone)
        if self.window_start.tzinfo or self.window_end.tzinfo:
            raise ValueError("a teaching window is in local wall-clock time (naive times)")
        if not self.window_start < self.window_end:
            raise ValueError(f"{self.name}: the window must start before it ends")

    @property
    def window_text(self) -> str:
        return f"{self.window_start:%H:%M}–{self.window_end:%H:%M}"


@dataclass(frozen=True)
class Busy:
    """A busy interval (aware; kept in UTC), with a label for explanations."""

    start: datetime
    end: datetime
    label: str = ""

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("busy intervals are aware datetimes")
        if not self.start < self.end:
            raise ValueError("a busy interval must end after it starts")
        object.__setattr__(self, "start", self.start.astimezone(UTC))
        object.__setattr__(self, "end", self.end.astimezone(UTC))


@dataclass(frozen=True)
class SlotQuery:
    """What to schedule: one course offering over one term."""

    campuses: tuple[Campus, ...]
    term_start: date  # first and last dates of the term, local in the reference zone
    term_end: date
    duration: timedelta
    reference_zone: str
    professor_busy: tuple[Busy, ...] = ()
    audience_busy: tuple[Busy, ...] = ()
    step: timedelta = timedelta(minutes=30)
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    max_lost_weeks: int | None = None  # None: a quarter of the scheduled weeks, rounded down
    max_busy_weeks: int = 0

    def __post_init__(self) -> None:
        if not self.campuses:
            raise ValueError("at least one campus")
        if self.term_end < self.term_start:
            raise ValueError("the term ends before it starts")
        if not timedelta(0) < self.duration <= _DAY:
            raise ValueError("duration must be positive and at most a day")
        if not timedelta(minutes=1) <= self.step <= _DAY:
            raise ValueError("step must be between a minute and a day")
        if not set(self.weekdays) <= set(range(7)):
            raise ValueError("weekdays must be within 0–6")
        zone_of(self.reference_zone)


@dataclass(frozen=True, order=True)
class WeeklySlot:
    """A weekday (0 = Monday) and a wall-clock start time in the reference zone."""

    weekday: int
    start: time


@dataclass(frozen=True)
class Session:
    """A held session: its reference-zone date and UTC instants; ``makeup`` when it replaces a
    lost week on another date."""

    date: date
    start_utc: datetime
    end_utc: datetime
    makeup: bool = False


@dataclass(frozen=True)
class LostWeek:
    """A scheduled date that is not held: a one-line summary first, then each campus's reasons
    (their params carry ``campus``)."""

    date: date
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Proposal:
    slot: WeeklySlot
    sessions: tuple[Session, ...]
    lost: tuple[LostWeek, ...]
    weeks: int  # scheduled weeks in the term
    comfort: int  # minutes: smallest margin to a window edge (see the module docstring)
    provisional: tuple[Reason, ...] = ()  # non-empty when some dates rely on provisional data

    @property
    def net_lost(self) -> int:
        return max(0, len(self.lost) - sum(s.makeup for s in self.sessions))


@dataclass(frozen=True)
class Rejection:
    slot: WeeklySlot
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class SlotSearch:
    proposals: tuple[Proposal, ...]  # best first
    rejections: tuple[Rejection, ...]  # in slot order

    @property
    def best(self) -> Proposal | None:
        return self.proposals[0] if self.proposals else None

    def rejection(self, slot: WeeklySlot) -> Rejection | None:
        return next((r for r in self.rejections if r.slot == slot), None)


# --- the finder ---------------------------------------------------------------------------


class _BusyIndex:
    """Busy intervals sorted by start (naive UTC, for speed), with a running maximum of ends."""

    def __init__(self, items: Iterable[Busy]) -> None:
        self.items = sorted(items, key=lambda b: (b.start, b.end))
        self.starts = [b.start.replace(tzinfo=None) for b in self.items]
        self.ends = [b.end.replace(tzinfo=None) for b in self.items]
        self.max_end = list(accumulate(self.ends, max))

    def clashes(self, start: datetime, end: datetime) -> list[Busy]:
        """The intervals overlapping [start, end) (naive UTC)."""
        found = []
        i = bisect_left(self.starts, end) - 1
        while i >= 0 and self.max_end[i] > start:
            if self.ends[i] > start:
                found.append(self.items[i])
            i -= 1
        return found


@dataclass
class _Candidate:
    scheduled: int = 0
    sessions: list[Session] = field(default_factory=list)
    lost: list[LostWeek] = field(default_factory=list)
    bad_time: list[Reason] = field(default_factory=list)
    outside: dict[tuple[str, str], list[date]] = field(default_factory=dict)
    busy: dict[tuple[str, str, str], list[date]] = field(default_factory=dict)
    busy_dates: dict[date, list[Reason]] = field(default_factory=dict)
    comfort: int | None = None
    provisional: dict[str, set[int]] = field(default_factory=dict)


@dataclass
class _Frame:
    """What one query needs, computed once: zones, dates and their UTC offsets."""

    query: SlotQuery
    ref: ZoneInfo
    campuses: list[tuple[Campus, ZoneInfo]]
    busy: dict[str, _BusyIndex]
    # Per date: the reference zone's offset and each campus's, when constant all day (so plain
    # arithmetic is exact); None when a clock change is near (then zoneinfo does the work).
    offsets: dict[date, tuple[timedelta, list[timedelta]] | None]
    lost_weeks: dict[tuple, LostWeek] = field(default_factory=dict)


def find_slots(query: SlotQuery) -> SlotSearch:
    """Every candidate weekly slot, proposed (ranked) or rejected (with reasons)."""
    ref = ZoneInfo(query.reference_zone)
    campuses = [(c, ZoneInfo(c.zone)) for c in query.campuses]
    weekdays = sorted(set(query.weekdays))
    days = (query.term_end - query.term_start).days + 1
    dates = [query.term_start + n * _DAY for n in range(days)]
    frame = _Frame(query, ref, campuses,
                   {"professor_busy": _BusyIndex(query.professor_busy),
                    "audience_busy": _BusyIndex(query.audience_busy)},
                   {d: _steady_offsets(d, ref, [tz for _, tz in campuses]) for d in dates})
    proposals: list[Proposal] = []
    rejections: list[Rejection] = []
    starts = []
    t = timedelta(0)
    while t < _DAY:
        starts.append((datetime.min + t).time())
        t += query.step

    for start_time in starts:
        candidates = {w: _Candidate() for w in weekdays}
        for d in dates:
            _place(frame, candidates, d, start_time)
        for w in weekdays:
            outcome = _judge(query, WeeklySlot(w, start_time), candidates[w])
            (proposals if isinstance(outcome, Proposal) else rejections).append(outcome)

    proposals.sort(key=lambda p: (p.net_lost, -p.comfort, p.slot))
    rejections.sort(key=lambda r: r.slot)
    return SlotSearch(tuple(proposals), tuple(rejections))


def _steady_offsets(d: date, ref: ZoneInfo,
                    zones: list[ZoneInfo]) -> tuple[timedelta, list[timedelta]] | None:
    """The UTC offsets of the reference zone over local day ``d`` and of each campus zone over
    the two UTC days that lectures starting that day can reach, if none of them changes.

    Offsets are probed every 6 hours (both folds for the reference zone): no zone changes its
    offset twice within 6 hours, so equal probes mean a constant offset."""
    midnight = datetime.combine(d, time(0))
    probes = [midnight + _PROBE * n for n in range(5)]  # d 00:00 … d+1 00:00
    offsets = {ref.utcoffset(p.replace(fold=f)) for p in probes for f in (0, 1)}
    if len(offsets) != 1:
        return None
    ref_offset = offsets.pop()
    first = (midnight - ref_offset).replace(tzinfo=UTC)
    campus_offsets = []
    for tz in zones:
        found = {(first + _PROBE * n).astimezone(tz).utcoffset() for n in range(9)}
        if len(found) != 1:
            return None
        campus_offsets.append(found.pop())
    return ref_offset, campus_offsets


def _place(frame: _Frame, candidates: dict[int, _Candidate], d: date, start_time: time) -> None:
    """Account for the lecture at ``start_time`` on date ``d`` in every candidate it concerns.

    Local and UTC datetimes are naive here (wall clock and UTC respectively), for speed."""
    query = frame.query
    scheduled = candidates.get(d.weekday())
    if scheduled is not None:
        scheduled.scheduled += 1
    local = datetime.combine(d, start_time)
    steady = frame.offsets[d]
    if steady is not None:
        start = local - steady[0]
        end = start + query.duration
        locals_ = [(start + offset, end + offset) for offset in steady[1]]
    else:
        status = wall_clock_status(local, frame.ref)
        if status != "ok":
            if scheduled is not None:
                error = (recurrence.NonexistentTimeError if status == "nonexistent"
                         else recurrence.AmbiguousTimeError)(local, query.reference_zone)
                scheduled.bad_time.append(Reason(error.key, error.params))
            return
        aware = local.replace(tzinfo=frame.ref).astimezone(UTC)
        start = aware.replace(tzinfo=None)
        end = start + query.duration
        locals_ = [(aware.astimezone(tz).replace(tzinfo=None),
                    (aware + query.duration).astimezone(tz).replace(tzinfo=None))
                   for _, tz in frame.campuses]

    views = []  # per campus: (campus, local start, local end, day, implied reference weekday)
    held: int | None = -1
    for (campus, _), (ls, le) in zip(frame.campuses, locals_, strict=True):
        local_date = ls.date()
        day = campus.calendar.day(local_date)
        implied = None
        if day.teaching and day.timetable_weekday is not None:
            implied = (day.timetable_weekday - (local_date - d).days) % 7
        held = implied if held in (-1, implied) else None
        views.append((campus, ls, le, day, implied))

    if scheduled is not None:
        for campus, ls, le, _, _ in views:  # the window must hold every scheduled week
            if not _inside(campus, ls, le):
                key = (campus.name, _time_text(ls, le))
                scheduled.outside.setdefault(key, []).append(d)
        if held != d.weekday():
            scheduled.lost.append(_lost_week(frame, d, [(v[0], v[3]) for v in views
                                                        if v[4] != d.weekday()]))

    target = candidates.get(held) if held is not None else None
    if target is None:
        return
    makeup = held != d.weekday()
    if makeup and not all(_inside(c, ls, le) for c, ls, le, _, _ in views):
        return
    clashes = [(who, b) for who, index in frame.busy.items() for b in index.clashes(start, end)]
    if clashes:
        if not makeup:
            for who, b in clashes:
                text = _time_text(b.start.astimezone(frame.ref), b.end.astimezone(frame.ref))
                target.busy.setdefault((who, b.label, text), []).append(d)
                target.busy_dates.setdefault(d, []).append(Reason(who, {
                    "label": b.label, "time": text, "count": "1", "dates": d.isoformat()}))
        return
    target.sessions.append(Session(d, start.replace(tzinfo=UTC), end.replace(tzinfo=UTC),
                                   makeup))
    for campus, ls, le, day, _ in views:
        margin = _margin(campus, ls, le)
        target.comfort = margin if target.comfort is None else min(target.comfort, margin)
        if day.provisional:
            target.provisional.setdefault(campus.name, set()).add(day.date.year)


def _judge(query: SlotQuery, slot: WeeklySlot, c: _Candidate) -> Proposal | Rejection:
    weeks = c.scheduled
    if c.bad_time:
        return Rejection(slot, tuple(c.bad_time))
    if c.outside:
        return Rejection(slot, tuple(
            Reason("outside_window", {
                "campus": name, "time": text, "window": _campus(query, name).window_text,
                "count": str(len(ds)), "weeks": str(weeks),
                "dates": ", ".join(d.isoformat() for d in ds)})
            for (name, text), ds in c.outside.items()))
    busy_reasons = tuple(
        Reason(who, {"label": label, "time": text, "count": str(len(ds)),
                     "dates": ", ".join(d.isoformat() for d in ds)})
        for (who, label, text), ds in c.busy.items())
    if len(c.busy_dates) > query.max_busy_weeks:
        return Rejection(slot, busy_reasons)
    lost = sorted(c.lost + [LostWeek(d, tuple(rs)) for d, rs in c.busy_dates.items()],
                  key=lambda week: week.date)
    makeups = sum(s.makeup for s in c.sessions)
    limit = weeks // 4 if query.max_lost_weeks is None else query.max_lost_weeks
    net = max(0, len(lost) - makeups)
    if net > limit:
        return Rejection(slot, (
            Reason("too_many_lost", {"lost": str(net), "weeks": str(weeks), "limit": str(limit)}),
            *(week.reasons[0] for week in lost)))
    if not c.sessions:
        return Rejection(slot, (Reason("no_session", {}),))
    provisional = tuple(
        Reason("provisional_term", {"campus": name,
                                    "years": ", ".join(str(y) for y in sorted(years))})
        for name, years in c.provisional.items())
    return Proposal(slot, tuple(sorted(c.sessions, key=lambda s: s.start_utc)), tuple(lost),
                    weeks, c.comfort or 0, provisional)


def _campus(query: SlotQuery, name: str) -> Campus:
    return next(c for c in query.campuses if c.name == name)


def _inside(campus: Campus, ls: datetime, le: datetime) -> bool:
    return (ls.date() == le.date() and campus.window_start <= ls.time()
            and le.time() <= campus.window_end)


def _margin(campus: Campus, ls: datetime, le: datetime) -> int:
    start, end = campus.window_start, campus.window_end
    return min((ls.hour - start.hour) * 60 + ls.minute - start.minute,
               (end.hour - le.hour) * 60 + end.minute - le.minute)


def _time_text(start: datetime, end: datetime) -> str:
    days = (end.date() - start.date()).days
    text = f"{start.hour:02d}:{start.minute:02d}–{end.hour:02d}:{end.minute:02d}"
    return f"{text} (+{days} day{'s' if days > 1 else ''})" if days else text


def _lost_week(frame: _Frame, d: date, days: Sequence[tuple[Campus, Day]]) -> LostWeek:
    key = (d, *((campus.name, day.date) for campus, day in days))
    if (known := frame.lost_weeks.get(key)) is not None:
        return known
    details: list[Reason] = []
    native: list[str] = []
    english: list[str] = []
    for campus, day in days:
        for reason in day.reasons:
            if reason.key == "provisional":
                continue
            details.append(Reason(reason.key, {**reason.params, "campus": campus.name}))
            for texts, language in ((native, campus.calendar.native_language), (english, "en")):
                text = short_text(reason, language)
                if text not in texts:
                    texts.append(text)
    summary = Reason("lost_week", {
        "date": d.isoformat(), "names": " / ".join(native), "names_en": " / ".join(english),
        "campuses": ", ".join(campus.name for campus, _ in days)})
    week = frame.lost_weeks[key] = LostWeek(d, (summary, *details))
    return week


# --- the overlap chart --------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A UTC interval (aware), with its local view in any zone."""

    start: datetime
    end: datetime

    def local(self, zone: str) -> tuple[datetime, datetime]:
        tz = ZoneInfo(zone)
        return self.start.astimezone(tz), self.end.astimezone(tz)


@dataclass(frozen=True)
class WindowChart:
    """One reference-zone day (``span``, 24 h in UTC — 23 or 25 on a clock-change day), each
    campus's teaching windows clipped to it, and where they all overlap."""

    day: date
    reference_zone: str
    span: Span
    windows: Mapping[str, tuple[Span, ...]]
    overlap: tuple[Span, ...]


def window_chart(campuses: Sequence[Campus], on: date, reference_zone: str) -> WindowChart:
    """The campuses' windows and their overlap across the reference-zone day ``on``.

    A window edge that falls in a gap or fold is read with fold 0 (a chart, not a lecture)."""
    ref = zone_of(reference_zone)
    span = Span(datetime.combine(on, time(0), ref).astimezone(UTC),
                datetime.combine(on + _DAY, time(0), ref).astimezone(UTC))
    windows: dict[str, tuple[Span, ...]] = {}
    for campus in campuses:
        tz = zone_of(campus.zone)
        first = span.start.astimezone(tz).date() - _DAY
        last = span.end.astimezone(tz).date() + _DAY
        found = []
        d = first
        while d <= last:
            window = Span(datetime.combine(d, campus.window_start, tz).astimezone(UTC),
                          datetime.combine(d, campus.window_end, tz).astimezone(UTC))
            if (clipped := _intersect(window, span)) is not None:
                found.append(clipped)
            d += _DAY
        windows[campus.name] = tuple(found)
    overlap = [span]
    for spans in windows.values():
        overlap = [s for a in overlap for b in spans if (s := _intersect(a, b)) is not None]
    return WindowChart(on, reference_zone, span, windows, tuple(overlap))


def seasonal_charts(campuses: Sequence[Campus], year: int,
                    reference_zone: str) -> tuple[WindowChart, WindowChart]:
    """Charts for 15 January and 15 July of ``year``: winter and summer time in Europe."""
    return (window_chart(campuses, date(year, 1, 15), reference_zone),
            window_chart(campuses, date(year, 7, 15), reference_zone))


def _intersect(a: Span, b: Span) -> Span | None:
    start, end = max(a.start, b.start), min(a.end, b.end)
    return Span(start, end) if start < end else None
