"""The study path as a chart: one column per semester, coloured by campus, credits stacked by
state (earned, under way, planned, failed). Geometry only; the template draws the SVG."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from jointdegree.catalog.models import AcademicTerm, CreditSystem

if TYPE_CHECKING:
    from jointdegree.planning.auditing import StudentAudit

WIDTH, HEIGHT, TOP, BOTTOM, LEFT = 640, 220, 24, 46, 36
STATES = ("passed", "in_progress", "planned", "failed")


@dataclass(frozen=True)
class Bar:
    state: str
    y: float
    height: float
    credits: Decimal


@dataclass(frozen=True)
class Column:
    term: AcademicTerm
    institution_code: str
    x: float
    width: float
    bars: tuple[Bar, ...]
    total: Decimal  # in ECTS-equivalent credits


@dataclass(frozen=True)
class Chart:
    columns: tuple[Column, ...]
    width: int
    height: int
    baseline: float
    scale_max: Decimal
    ticks: tuple[tuple[float, Decimal], ...]


def timeline(report: StudentAudit) -> Chart | None:
    """ECTS-equivalent credits per semester (Chinese credits converted by the partnership's rule,
    the one the audit used, so both campuses share one axis)."""
    per_term: dict[int, dict[str, Decimal]] = {}
    terms: dict[int, AcademicTerm] = {}
    for taken in report.path:
        if taken.term is None:
            continue
        credits = taken.credits
        if taken.course.institution.credit_system is CreditSystem.CN:
            try:
                credits = report.shared.credits_in(taken.course, taken.credits, "ects").amount
            except ValueError:
                continue
        state = "passed" if taken.state in ("passed", "recognised") else taken.state
        terms[taken.term.id] = taken.term
        bucket = per_term.setdefault(taken.term.id, dict.fromkeys(STATES, Decimal(0)))
        bucket[state] += credits
    if not terms:
        return None
    ordered = sorted(terms.values(), key=lambda t: t.starts_on)
    top = max([sum(per_term[t.id].values(), Decimal(0)) for t in ordered] + [Decimal(30)])
    scale_max = Decimal(int((top + 9) // 10 * 10))
    plot = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - 8) / len(ordered)
    columns = []
    for index, term in enumerate(ordered):
        y = float(TOP + plot)
        bars = []
        for state in STATES:
            credits = per_term[term.id][state]
            if not credits:
                continue
            height = float(credits / scale_max) * plot
            y -= height
            bars.append(Bar(state, round(y, 1), round(height, 1), credits))
        columns.append(Column(term, term.institution.code, round(LEFT + index * slot + 6, 1),
                              round(slot - 12, 1), tuple(bars),
                              sum(per_term[term.id].values(), Decimal(0))))
    ticks = tuple((round(TOP + plot - float(v / scale_max) * plot, 1), v)
                  for v in (Decimal(0), scale_max / 2, scale_max))
    return Chart(tuple(columns), WIDTH, HEIGHT, TOP + plot, scale_max, ticks)
