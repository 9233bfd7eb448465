"""Weekly lectures over a term, with RFC 5545 semantics (RRULE FREQ=WEEKLY, EXDATE, moved
instances). Pure module: no Flask, no database.

A lecture series is defined in its *reference zone* (an IANA name): the first start is a naive
wall-clock datetime there (DTSTART;TZID=…), and every occurrence keeps that wall-clock time across
clock changes — as RFC 5545 expands a local DTSTART — so the other campus sees the lecture move by
an hour at the European changes (last Sunday of March and of October), and its local *date* may
differ (17:00 in Paris in winter is 00:00 the next day in Shanghai).

Wall-clock times that do not exist (the spring-forward gap) or exist twice (the autumn fold) are
never guessed: they raise :class:`NonexistentTimeError` / :class:`AmbiguousTimeError` unless the
caller passes ``fold`` (PEP 495): in a fold, 0 is the first occurrence and 1 the second; in a gap,
0 reads the time with the offset before the change (so 02:30 on 29 March 2026 in Paris becomes
03:30 CEST, as RFC 5545 §3.3.5 prescribes) and 1 with the offset after it.

Inside, times are aware UTC; ``Occurrence.local`` gives each requested zone's local times.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

MESSAGES: dict[str, str] = {
    "nonexistent_time": "%(date)s %(time)s does not exist in %(zone)s (the clocks go forward): "
                        "choose fold 0 (read with the offset before the change) or 1 (after)",
    "ambiguous_time": "%(date)s %(time)s happens twice in %(zone)s (the clocks go back): "
                      "choose fold 0 (the first) or 1 (the second)",
}

#: A series longer than this is refused: a term has a few dozen weeks, not thousands.
MAX_OCCURRENCES = 1000

BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

Fold = Literal[0, 1]


class WallClockError(ValueError):
    """A local time that cannot be placed on the UTC line without a choice (gap or fold)."""

    key = ""

    def __init__(self, local: datetime, zone: str) -> None:
        self.params = {"date": local.date().isoformat(), "time": local.strftime("%H:%M"),
                       "zone": zone}
        super().__init__(MESSAGES[self.key] % self.params)


class NonexistentTimeError(WallClockError):
    key = "nonexistent_time"


class AmbiguousTimeError(WallClockError):
    key = "ambiguous_time"


def zone_of(name: str) -> ZoneInfo:
    """The IANA zone ``name`` (a ValueError, not a KeyError, when unknown)."""
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError) as error:
        raise ValueError(f"unknown time zone {name!r}") from error


def wall_clock_status(local: datetime,
                      zone: ZoneInfo) -> Literal["ok", "nonexistent", "ambiguous"]:
    """Whether naive ``local`` exists once, never, or twice in ``zone``."""
    first = local.replace(tzinfo=zone, fold=0)
    if first.utcoffset() == local.replace(tzinfo=zone, fold=1).utcoffset():
        return "ok"
    back = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    return "ambiguous" if back == local else "nonexistent"


def to_utc(local: datetime, zone: ZoneInfo | str, fold: Fold | None = None) -> datetime:
    """Naive wall-clock ``local`` in ``zone`` → aware UTC; gaps and folds need ``fold``."""
    if local.tzinfo is not None:
        raise ValueError("expected a naive wall-clock datetime")
    tz = zone_of(zone) if isinstance(zone, str) else zone
    if fold is None:
        status = wall_clock_status(local, tz)
        if status == "nonexistent":
            raise NonexistentTimeError(local, tz.key)
        if status == "ambiguous":
            raise AmbiguousTimeError(local, tz.key)
        fold = 0
    return local.replace(tzinfo=tz, fold=fold).astimezone(UTC)


@dataclass(frozen=True)
class Move:
    """An occurrence moved to another wall-clock start in the reference zone (same duration)."""

    start: datetime
    fold: Fold | None = None


@dataclass(frozen=True)
class LocalTimes:
    """An occurrence seen from one zone."""

    zone: str
    start: datetime
    end: datetime

    @property
    def date(self) -> date:
        return self.start.date()


@dataclass(frozen=True)
class Occurrence:
    """One lecture: UTC instants, the original slot it stands for, and local times per zone."""

    start_utc: datetime
    end_utc: datetime
    original_date: date  # the rule's date in the reference zone (key of cancelled and moved)
    recurrence_id: datetime  # the rule's original start (UTC): RECURRENCE-ID for a moved one
    moved: bool
    local: Mapping[str, LocalTimes]  # zone name → local times, the reference zone first


@dataclass(frozen=True)
class WeeklyRecurrence:
    """A weekly lecture series (RRULE FREQ=WEEKLY) bounded by ``until`` (a local date in the
    reference zone, inclusive) or ``count``.

    ``cancelled`` (EXDATE) and ``moved`` (RECURRENCE-ID + new start) name occurrences by their
    rule date in the reference zone. As in RFC 5545, ``count`` counts the rule's occurrences
    before cancellations. ``fold`` applies to every rule occurrence that falls in a gap or fold.
    """

    start: datetime
    duration: timedelta
    zone: str
    weekdays: tuple[int, ...] = ()
    until: date | None = None
    count: int | None = None
    interval: int = 1
    cancelled: frozenset[date] = frozenset()
    moved: Mapping[date, Move] = field(default_factory=dict)
    fold: Fold | None = None

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None:
            raise ValueError("start is a naive wall-clock datetime in the reference zone")
        zone_of(self.zone)
        if self.duration <= timedelta(0):
            raise ValueError("duration must be positive")
        weekdays = tuple(sorted(set(self.weekdays or (self.start.weekday(),))))
        if not set(weekdays) <= set(range(7)):
            raise ValueError("weekdays must be within 0–6 (Monday–Sunday)")
        if self.start.weekday() not in weekdays:
            raise ValueError("the first start must fall on one of the weekdays (RFC 5545 leaves "
                             "an unsynchronised DTSTART undefined)")
        object.__setattr__(self, "weekdays", weekdays)
        object.__setattr__(self, "cancelled", frozenset(self.cancelled))
        if (self.until is None) == (self.count is None):
            raise ValueError("give exactly one of until and count")
        if self.count is not None and self.count < 1:
            raise ValueError("count must be at least 1")
        if self.until is not None and self.until < self.start.date():
            raise ValueError("until is before the first start")
        if self.interval < 1:
            raise ValueError("interval must be at least 1")
        if self.fold not in (None, 0, 1):
            raise ValueError("fold is 0, 1 or None")
        rule = set(self.dates())
        unknown = sorted((self.cancelled | set(self.moved)) - rule)
        if unknown:
            raise ValueError("not occurrences of this series: "
                             + ", ".join(d.isoformat() for d in unknown))
        if both := sorted(self.cancelled & set(self.moved)):
            raise ValueError("both cancelled and moved: " + ", ".join(d.isoformat() for d in both))
        for move in self.moved.values():
            if move.start.tzinfo is not None:
                raise ValueError("a moved start is a naive wall-clock datetime")

    @property
    def reference_zone(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    @property
    def start_time(self) -> time:
        return self.start.time()

    def dates(self) -> list[date]:
        """The rule's dates (local, reference zone), cancellations included."""
        found: list[date] = []
        monday = self.start.date() - timedelta(self.start.weekday())
        first = self.start.date()
        while True:
            for weekday in self.weekdays:
                d = monday + timedelta(weekday)
                if d < first:
                    continue
                if self.until is not None and d > self.until:
                    return found
                found.append(d)
                if self.count is not None and len(found) == self.count:
                    return found
                if len(found) > MAX_OCCURRENCES:
                    raise ValueError(f"more than {MAX_OCCURRENCES} occurrences")
            monday += timedelta(weeks=self.interval)

    def dtstart_utc(self) -> datetime:
        return to_utc(self.start, self.reference_zone, self.fold)

    def expand(self, zones: Iterable[str] = ()) -> list[Occurrence]:
        """The occurrences in time order, each with local times in the reference zone (first)
        and in ``zones``; raises :class:`WallClockError` for a gap or fold without ``fold``."""
        ref = self.reference_zone
        names = [self.zone, *(z for z in dict.fromkeys(zones) if z != self.zone)]
        tzs = [(name, zone_of(name)) for name in names]
        found = []
        for d in self.dates():
            if d in self.cancelled:
                continue
            original = to_utc(datetime.combine(d, self.start.time()), ref, self.fold)
            move = self.moved.get(d)
            start = original if move is None else to_utc(move.start, ref, move.fold)
            end = start + self.duration
            local = {name: LocalTimes(name, start.astimezone(tz), end.astimezone(tz))
                     for name, tz in tzs}
            found.append(Occurrence(start, end, d, original, move is not None, local))
        found.sort(key=lambda o: o.start_utc)
        return found

    def exdates(self) -> list[datetime]:
        """The cancelled occurrences' original starts, aware in the reference zone (EXDATE)."""
        ref = self.reference_zone
        return [to_utc(datetime.combine(d, self.start.time()), ref, self.fold).astimezone(ref)
                for d in sorted(self.cancelled)]

    def to_rrule(self) -> str:
        """The RRULE value, e.g. ``FREQ=WEEKLY;BYDAY=TU;UNTIL=20270122T225959Z``: UNTIL is the
        last second of the ``until`` date in the reference zone, in UTC (RFC 5545 requires UTC
        when DTSTART has a TZID)."""
        parts = ["FREQ=WEEKLY"]
        if self.interval > 1:
            parts += [f"INTERVAL={self.interval}", "WKST=MO"]
        parts.append("BYDAY=" + ",".join(BYDAY[w] for w in self.weekdays))
        if self.until is not None:
            next_midnight = datetime.combine(self.until + timedelta(1), time(0))
            end = next_midnight.replace(tzinfo=self.reference_zone).astimezone(UTC)
            parts.append("UNTIL=" + (end - timedelta(seconds=1)).strftime("%Y%m%dT%H%M%SZ"))
        else:
            parts.append(f"COUNT={self.count}")
        return ";".join(parts)
