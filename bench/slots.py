"""Time of the slot finder, course by course, on a realistic term (not a test).

Run from the project root: ``.venv/bin/python bench/slots.py [--offerings 200] [--seed 2026]``.

A 16-week autumn term (Monday 7 Sep – Friday 25 Dec 2026: across the end of European summer time
on 25 Oct, the Toussaint week, China's National Day week) between Nice (Europe/Paris) and Haikou
(Asia/Shanghai), both teaching 08:00–20:00 local. Synthetic but realistic load:

* 60 professors, half at each campus, each with weekly home teaching (2–4 two-hour blocks), a
  weekly one-hour meeting, and for a third of them a two- or three-day conference;
* 25 cohorts (the audiences), half at each campus, each with three weekly two-hour home courses;
* 200 joint course offerings, each taught by one professor (3–4 offerings each) to one cohort,
  90, 120 or 180 minutes long, set in the professor's own zone, tried every 30 minutes.

Greedy scheduling, as a registrar would: offering by offering, run the slot finder, take the best
proposal, and add its sessions to the professor's and the cohort's busy times, so later courses
see a fuller week. Prints the median, 90th percentile and worst time per course (the target is
under one second per course) and how many offerings found a slot; exits with status 1 when the
worst course takes a second or more.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import time as clock
from collections import Counter
from datetime import date, datetime, time, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jointdegree.teaching.calendar import Closure, TeachingCalendar  # noqa: E402
from jointdegree.teaching.recurrence import to_utc  # noqa: E402
from jointdegree.teaching.slots import (  # noqa: E402
    Busy,
    Campus,
    SlotQuery,
    find_slots,
)

TARGET = 1.0  # seconds per course
TERM_START, TERM_END = date(2026, 9, 7), date(2026, 12, 25)
WEEKS = 16
PARIS, SHANGHAI = "Europe/Paris", "Asia/Shanghai"

NICE = Campus("Nice", PARIS, TeachingCalendar("FR", closures=[
    Closure(date(2026, 10, 24), date(2026, 11, 1), "Vacances de la Toussaint"),
    Closure(date(2026, 12, 19), date(2027, 1, 3), "Vacances de Noël"),
]))
HAIKOU = Campus("Haikou", SHANGHAI, TeachingCalendar("CN"))


def weekly(zone: str, weekday: int, start: time, hours: float, label: str) -> list[Busy]:
    """A weekly commitment at a local wall-clock time, every week of the term."""
    found = []
    for week in range(WEEKS):
        d = TERM_START + timedelta(weeks=week, days=weekday)
        begin = to_utc(datetime.combine(d, start), zone)
        found.append(Busy(begin, begin + timedelta(hours=hours), label))
    return found


def random_time(rng: random.Random, first: int, last: int) -> time:
    """A whole or half hour from ``first`` to ``last`` o'clock."""
    return time(rng.randint(first, last), rng.choice((0, 30)))


def professors(rng: random.Random, count: int) -> list[tuple[str, list[Busy]]]:
    found = []
    for n in range(count):
        zone = PARIS if n % 2 == 0 else SHANGHAI
        busy: list[Busy] = []
        for block in range(rng.randint(2, 4)):
            busy += weekly(zone, rng.randrange(5), random_time(rng, 8, 16), 2,
                           f"home course {block}")
        busy += weekly(zone, rng.randrange(5), random_time(rng, 9, 17), 1, "department meeting")
        if rng.random() < 1 / 3:
            first = TERM_START + timedelta(days=rng.randrange(7 * WEEKS - 3))
            begin = to_utc(datetime.combine(first, time(0)), zone)
            busy.append(Busy(begin, begin + timedelta(days=rng.choice((2, 3))), "conference"))
        found.append((zone, busy))
    return found


def cohorts(rng: random.Random, count: int) -> list[list[Busy]]:
    found = []
    for n in range(count):
        zone = PARIS if n % 2 == 0 else SHANGHAI
        busy: list[Busy] = []
        for block in range(3):
            busy += weekly(zone, rng.randrange(5), random_time(rng, 8, 16), 2,
                           f"cohort course {block}")
        found.append(busy)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offerings", type=int, default=200)
    parser.add_argument("--professors", type=int, default=60)
    parser.add_argument("--cohorts", type=int, default=25)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    staff = professors(rng, args.professors)
    audiences = cohorts(rng, args.cohorts)
    offerings = [(f"JD{n:03d}", n % args.professors, rng.randrange(args.cohorts),
                  timedelta(minutes=rng.choices((90, 120, 180), (6, 3, 1))[0]))
                 for n in range(args.offerings)]
    rng.shuffle(offerings)

    times: list[float] = []
    cpu: list[float] = []
    lost: list[int] = []
    unscheduled: list[tuple[str, Counter]] = []
    for code, teacher, cohort, duration in offerings:
        zone, professor_busy = staff[teacher]
        query = SlotQuery((NICE, HAIKOU), TERM_START, TERM_END, duration, zone,
                          professor_busy=tuple(professor_busy),
                          audience_busy=tuple(audiences[cohort]))
        start, start_cpu = clock.perf_counter(), clock.process_time()
        search = find_slots(query)
        times.append(clock.perf_counter() - start)
        cpu.append(clock.process_time() - start_cpu)
        best = search.best
        if best is None:
            unscheduled.append((code, Counter(r.key for rejection in search.rejections
                                              for r in rejection.reasons)))
            continue
        lost.append(best.net_lost)
        sessions = [Busy(s.start_utc, s.end_utc, code) for s in best.sessions]
        professor_busy += sessions
        audiences[cohort] += sessions

    times.sort()
    median, worst = statistics.median(times), times[-1]
    p90 = times[int(0.9 * (len(times) - 1))]
    print(f"{len(offerings)} offerings, {args.professors} professors, {args.cohorts} cohorts, "
          f"{WEEKS}-week term {TERM_START}–{TERM_END} (seed {args.seed}); Python "
          f"{platform.python_version()}")
    print(f"scheduled {len(lost)}, no slot for {len(unscheduled)}; net lost weeks of the chosen "
          f"slots: {dict(sorted(Counter(lost).items()))}")
    for code, keys in unscheduled[:5]:
        print(f"  {code}: rejections by reason {dict(keys.most_common())}")
    print(f"time per course: median {median * 1000:.0f} ms, 90th percentile {p90 * 1000:.0f} ms, "
          f"worst {worst * 1000:.0f} ms, total {sum(times):.1f} s (wall clock)")
    cpu.sort()
    print(f"CPU per course:  median {statistics.median(cpu) * 1000:.0f} ms, worst "
          f"{cpu[-1] * 1000:.0f} ms (below the wall clock when the machine is shared)")
    verdict = "OK" if worst < TARGET else "TOO SLOW"
    print(f"worst course {worst:.2f} s (target under {TARGET:g} s): {verdict}")
    return 0 if worst < TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
