"""The degree audit: does a student's path earn one degree, rule by rule, and why (or why not).

Pure: stdlib and the pure requirements module only (DESIGN.md, "Pure core"). A double-degree
student is audited once per degree; the service hands over the student's items already expressed
in that degree's credits and grading scale, and translates the message keys of the results
(:data:`MESSAGES` holds their English wording) into the reader's language.

**A course counts once per degree.** Course and credits rules *claim* the courses they use; the
aggregates (total credits, credits per institution, the partner cap, the average) see every
countable course. When a course could count toward several claiming rules, the engine does not
take the first rule that wants it: it chooses the assignment that meets the most claiming rules
once every planned course is passed, then the most with completed courses alone, then the one
wasting the fewest credits beyond what rules need, then the canonical order (a course's own
course rule before credits rules, rules in document order, courses in code order).

How: courses that fit one rule only are settled first; a rule they already meet with completed
courses takes no other; a course rule with a single candidate takes it. The few ambiguous
courses left are searched exhaustively (branch and bound) when there are at most
:data:`SEARCH_LIMIT` combinations, else assigned greedily, most constrained rule first; the
audit's notes say which. Each rule then keeps what it needs (completed courses first, the fewest
courses, the least overshoot); a course no rule keeps counts, as progress, toward the first rule
it fits that is still unmet, or stays free. Each course that had a choice says which rule took it.

Inputs are frozen dataclasses. The records of a result (:class:`Message`, :class:`Counted`,
:class:`RuleResult`) are NamedTuples, as immutable but built four times faster: an audit makes
one per counted course and the service audits 10,000 students × 2 degrees in one run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal
from enum import Enum, StrEnum
from functools import lru_cache
from operator import attrgetter
from typing import Any, NamedTuple

from jointdegree.decimals import plain
from jointdegree.planning.languages import level_rank
from jointdegree.planning.requirements import (
    AnyOfRule,
    AtLeastRule,
    AverageRule,
    CertificationRule,
    Compensation,
    CourseRule,
    CreditsRule,
    InstitutionCreditsRule,
    Label,
    PartnerCapRule,
    Requirements,
    Rule,
    Selector,
    TotalCreditsRule,
)

__all__ = [
    "FROM_REQUIREMENTS",
    "MESSAGES",
    "SEARCH_LIMIT",
    "AuditException",
    "Certification",
    "Counted",
    "DegreeAudit",
    "Item",
    "Message",
    "RuleResult",
    "Status",
    "Totals",
    "audit",
]

SEARCH_LIMIT = 2048
"""Most combinations of ambiguous courses searched exactly; beyond, the greedy fallback decides.
2048 leaves stay within a few milliseconds, the rare worst case of a full audit."""

# English wording of each message; the web layer translates the same keys with the same params.
# List parameters (codes, rule ids) are joined by the reader's separator before interpolation.
MESSAGES: dict[str, str] = {
    "credits_short": "%(credits)s more credits needed",
    "credits_unplanned": "%(credits)s of them are not planned yet",
    "courses_short": "%(count)s more courses needed",
    "courses_unplanned": "%(count)s of them are not planned yet",
    "course_missing": "%(code)s is needed (or at the partner: %(options)s)",
    "course_failed": "%(item)s was failed",
    "average_short": "the average %(average)s is below %(min)s",
    "average_unknown": "no graded course completed yet (%(min)s needed)",
    "certification_missing": "a certificate %(exams)s at level %(level)s or above is needed",
    "certification_used": "certificate %(exam)s %(level)s (%(date)s)",
    "rules_short": "%(count)s more of these %(required)s requirements must be met",
    "beyond_cap": "%(credits)s partner credits (%(expected)s with the plan) are beyond the cap "
                  "of %(max)s and do not count toward the total",
    "forced": "marked complete by exception %(id)s",
    "waived": "waived by exception %(id)s",
    "compensated": "failed but compensated: the %(term)s average is %(average)s "
                   "(threshold %(threshold)s)",
    "not_compensated_average": "not compensated: the %(term)s average is %(average)s, below "
                               "%(threshold)s",
    "not_compensated_floor": "not compensated: the grade %(grade)s is below the floor %(floor)s",
    "chosen_rule": "counts toward %(rule)s (it could also count toward %(alternatives)s)",
    "not_needed": "not needed by %(rules)s, which are met without it",
    "assignment_search": "%(units)s courses could count toward several rules: all "
                         "%(combinations)s ways were weighed",
    "assignment_greedy": "%(units)s courses could count toward several rules: %(combinations)s "
                         "ways are more than %(limit)s, so the most constrained rules chose "
                         "first",
    "exception_unknown_rule": "exception %(id)s names no rule of this degree (%(rule)s)",
    "exception_unknown_item": "exception %(id)s names no course of this student (%(item)s)",
    "exception_not_countable": "exception %(id)s names %(item)s, which does not count "
                               "(failed)",
    "exception_wrong_rule": "exception %(id)s: %(rule)s does not take courses",
    "exception_not_used": "exception %(id)s was not needed",
}


class Status(StrEnum):
    SATISFIED = "satisfied"  # met by completed courses alone
    NOT_YET = "not_yet"  # met once the planned and in-progress courses are passed
    IMPOSSIBLE = "impossible"  # not met even then: the plan must change
    WAIVED = "waived"  # not required of this student (an exception)


_RANK = {Status.IMPOSSIBLE: 0, Status.NOT_YET: 1, Status.SATISFIED: 2, Status.WAIVED: 2}
_BY_RANK = (Status.IMPOSSIBLE, Status.NOT_YET, Status.SATISFIED)

HOME, PARTNER = "home", "partner"
COMPLETED_STATES = frozenset({"passed", "recognised"})
PLANNED_STATES = frozenset({"in_progress", "planned"})
STATES = COMPLETED_STATES | PLANNED_STATES | {"failed"}
EXCEPTION_KINDS = ("substitute", "also_allow", "apply_here", "force_complete", "waive")
ITSELF, EQUIVALENCE, SUBSTITUTE, ALSO_ALLOW, APPLY_HERE = (
    "itself", "equivalence", "substitute", "also_allow", "apply_here")

_CENT = Decimal("0.01")
_CONTEXT = Context(prec=28, rounding=ROUND_HALF_UP)  # whatever the caller's context says
_ZERO = Decimal(0)


class _Default(Enum):
    FROM_REQUIREMENTS = "from requirements"


FROM_REQUIREMENTS = _Default.FROM_REQUIREMENTS
"""Default of ``audit(compensation=...)``: the compensation the requirements document sets."""


# --- Inputs --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Item:
    """A course of the student, expressed relative to the degree audited.

    ``institution`` is home or partner *for this degree*; ``credits`` are in its credit system,
    ``grade`` on its scale. ``counts_for`` holds the home codes this partner course is
    equivalent to on its own (approved 1↔1 equivalences); ``term`` groups compensation."""

    key: str
    code: str
    institution: str
    kind: str
    isced: str | None
    credits: Decimal
    grade: Decimal | None
    state: str
    term: str | None = None
    counts_for: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.state not in STATES:
            raise ValueError(f"state must be one of {sorted(STATES)}, not {self.state!r}")
        if self.institution not in (HOME, PARTNER):
            raise ValueError(f"institution must be home or partner, not {self.institution!r}")
        if not isinstance(self.credits, Decimal) or not isinstance(self.grade, Decimal | None):
            raise TypeError("credits and grade must be Decimals (floats are not exact)")


@dataclass(frozen=True, slots=True)
class Certification:
    """A language certificate the student holds (DELF B2, HSK 5…)."""

    exam: str
    level: str
    date: date | None = None


@dataclass(frozen=True, slots=True)
class AuditException:
    """A registrar's exception for this student and degree (Degree Works' vocabulary).

    * ``substitute``: item ``item_key`` counts as home course ``replaces`` wherever that course
      is required or selected (only under ``rule_id`` when one is given);
    * ``also_allow``: the item may count toward ``rule_id`` though its selector says no;
    * ``apply_here``: the item counts toward ``rule_id`` and nowhere else;
    * ``force_complete``: ``rule_id`` (and everything under it) is met;
    * ``waive``: ``rule_id`` (and everything under it) is not required.
    """

    id: int
    kind: str
    rule_id: str | None = None
    item_key: str | None = None
    replaces: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in EXCEPTION_KINDS:
            raise ValueError(f"kind must be one of {EXCEPTION_KINDS}, not {self.kind!r}")
        needs = {"substitute": ("item_key", "replaces"), "also_allow": ("item_key", "rule_id"),
                 "apply_here": ("item_key", "rule_id")}.get(self.kind, ("rule_id",))
        missing = [name for name in needs if not getattr(self, name)]
        if missing:
            raise ValueError(f"a {self.kind} exception needs {' and '.join(missing)}")


# --- Results -------------------------------------------------------------------------------------


class Message(NamedTuple):
    """A message key of :data:`MESSAGES` and its parameters (str, int or lists of them).
    Messages may be shared between audits: read them, do not change their params."""

    key: str
    params: dict[str, Any]

    def english(self) -> str:
        """The message in English, lists joined by commas (tests, logs, the CLI)."""
        return MESSAGES[self.key] % {name: _joined(value) for name, value in self.params.items()}


class Counted(NamedTuple):
    """An item counted by a rule; ``via`` says how (itself, equivalence, an exception…)."""

    item_key: str
    credits: Decimal
    state: str  # the item's state, or "compensated" for a failed course that compensation saved
    via: str
    exception_id: int | None = None


class RuleResult(NamedTuple):
    """One rule's outcome. ``required``/``counted``/``expected`` are credits (credits rules with
    min_credits, total and institution credits, the cap), courses (course rules, credits rules
    with min_courses only), the average, or met children (composites); ``counted`` is the figure
    of completed courses, ``expected`` adds the planned ones."""

    id: str
    type: str
    label: Label
    status: Status
    required: Decimal | int | None
    counted: Decimal | int | None
    expected: Decimal | int | None
    items: tuple[Counted, ...] = ()
    missing: tuple[Message, ...] = ()
    notes: tuple[Message, ...] = ()
    exception_ids: tuple[int, ...] = ()
    children: tuple[RuleResult, ...] = ()


@dataclass(frozen=True, slots=True)
class Totals:
    """Credits of countable items; ``beyond_cap`` partner credits do not count toward the total."""

    completed: Decimal
    expected: Decimal
    home_completed: Decimal
    home_expected: Decimal
    partner_completed: Decimal
    partner_expected: Decimal
    beyond_cap: Decimal
    beyond_cap_expected: Decimal


@dataclass(frozen=True, slots=True)
class DegreeAudit:
    """The audit of one degree: the root status, each top-level rule's result, which claiming
    rule each item counts toward (``None``: none), totals, the completed average (half-up to
    0.01), compensated and failed items, and notes on the whole audit and on single items."""

    status: Status
    rules: tuple[RuleResult, ...]
    assignment: dict[str, str | None]
    totals: Totals
    average: Decimal | None
    compensated: tuple[str, ...]
    failed: tuple[str, ...]
    notes: tuple[Message, ...]
    item_notes: dict[str, tuple[Message, ...]]

    def result(self, rule_id: str) -> RuleResult:
        """The result of any rule, nested ones included; KeyError if there is none."""
        stack = list(self.rules)
        while stack:
            result = stack.pop()
            if result.id == rule_id:
                return result
            stack.extend(result.children)
        raise KeyError(rule_id)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (Decimals as strings) for the API."""
        return _jsonable({
            "status": self.status, "rules": self.rules, "assignment": self.assignment,
            "totals": self.totals, "average": self.average, "compensated": self.compensated,
            "failed": self.failed, "notes": self.notes, "item_notes": self.item_notes})


def _jsonable(value: Any) -> Any:
    if hasattr(value, "_asdict"):
        return {name: _jsonable(item) for name, item in value._asdict().items()}
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, Status):
        return value.value
    if isinstance(value, Label):
        return value.to_dict()
    if isinstance(value, Mapping):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if hasattr(value, "__dataclass_fields__"):
        return {name: _jsonable(getattr(value, name)) for name in value.__dataclass_fields__}
    return value


def _joined(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return ", ".join(str(_joined(part)) for part in value) if value else "—"
    return value


# --- Per-requirements structures (built once per parsed document) ---------------------------------

_Option = tuple[int, str, int | None]  # slot, via, exception id


@dataclass(eq=False)
class _Plan:
    """The rules flattened in document order; claiming rules numbered as *slots*."""

    rules: list[Rule] = field(default_factory=list)
    children: list[tuple[int, ...]] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)
    under: list[frozenset[int]] = field(default_factory=list)  # rule → slots at or under it
    slot_of: dict[int, int] = field(default_factory=dict)  # rule index → slot
    slot_rule: list[int] = field(default_factory=list)  # slot → rule index
    slot_id: list[str] = field(default_factory=list)  # slot → rule id
    need_credits: list[Decimal] = field(default_factory=list)
    need_courses: list[int] = field(default_factory=list)
    is_course: list[bool] = field(default_factory=list)
    course_slots: dict[str, tuple[int, ...]] = field(default_factory=dict)  # home code → slots
    selectors: list[tuple[int, Selector]] = field(default_factory=list)  # credits slots
    selected: tuple[str, ...] = ()  # home codes some rule names, sorted
    cap: Decimal | None = None
    # Across audits: an item's options by its attributes; notes by choice (courses repeat).
    options_cache: dict[tuple[Any, ...], tuple[_Option, ...]] = field(default_factory=dict)
    # One object per distinct options: units that share it are narrowed and noted once.
    interned: dict[tuple[_Option, ...], tuple[_Option, ...]] = field(default_factory=dict)
    notes: dict[tuple[int | None, int], tuple[tuple[_Option, ...], Message]] = field(
        default_factory=dict)  # (slot, id of the options) → the options and the note

    @classmethod
    def build(cls, requirements: Requirements) -> _Plan:
        plan = cls()
        for rule in requirements.rules:
            plan._add(rule)
        courses: dict[str, list[int]] = {}
        for slot, index in enumerate(plan.slot_rule):
            rule = plan.rules[index]
            if isinstance(rule, CourseRule):
                courses.setdefault(rule.course, []).append(slot)
            else:
                assert isinstance(rule, CreditsRule)  # noqa: S101 — the only other claimer
                plan.selectors.append((slot, rule.select))
        plan.course_slots = {code: tuple(slots) for code, slots in courses.items()}
        plan.selected = tuple(sorted(set(courses).union(
            *(select.courses for _, select in plan.selectors))))
        return plan

    def _add(self, rule: Rule) -> frozenset[int]:
        index = len(self.rules)
        self.rules.append(rule)
        self.children.append(())
        self.under.append(frozenset())
        self.index[rule.id] = index
        own: set[int] = set()
        if isinstance(rule, CourseRule | CreditsRule):
            slot = len(self.slot_rule)
            self.slot_of[index] = slot
            self.slot_rule.append(index)
            self.slot_id.append(rule.id)
            is_course = isinstance(rule, CourseRule)
            self.is_course.append(is_course)
            self.need_credits.append(_ZERO if is_course else rule.min_credits or _ZERO)
            self.need_courses.append(1 if is_course else rule.min_courses or 0)
            own.add(slot)
        elif isinstance(rule, PartnerCapRule):
            self.cap = rule.max
        kids = []
        for child in rule.children:
            kids.append(len(self.rules))
            own |= self._add(child)
        self.children[index] = tuple(kids)
        self.under[index] = frozenset(own)
        return self.under[index]

    def met(self, slot: int, credits: Decimal, count: int) -> bool:
        return credits >= self.need_credits[slot] and count >= self.need_courses[slot]

    def ordered(self, options: Iterable[_Option]) -> tuple[_Option, ...]:
        """Canonical order of options: course rules first, then document order."""
        return tuple(sorted(options, key=lambda o: (not self.is_course[o[0]], o[0])))


def _plan(requirements: Requirements) -> _Plan:
    return requirements.derived("audit", _Plan.build)


# --- Units: what a rule can claim ---------------------------------------------------------------

_Entry = tuple[Item, str, bool]  # item, state shown ("compensated" for a saved failure), completed
_Notes = dict[str, tuple[Message, ...]]  # item key → notes


class _Unit:
    """What one claim takes: a single item, or an equivalence set of partner items together."""

    __slots__ = ("choice", "completed", "credits", "entries", "keys", "live", "options", "order")

    def __init__(self, entries: tuple[_Entry, ...], keys: tuple[str, ...],
                 options: tuple[_Option, ...], order: int, credits: Decimal,
                 completed: bool) -> None:
        self.entries = entries
        self.keys = keys
        self.options = options
        self.live = options  # the options still open while assigning
        self.choice: _Option | None = None  # the option taken
        self.order = order
        self.credits = credits
        self.completed = completed


def _item_fits(select: Selector, item: Item) -> bool:
    """The selector's criteria on the item itself (all but ``courses``)."""
    if select.institution is not None and item.institution != select.institution:
        return False
    if select.kinds and item.kind not in select.kinds:
        return False
    if select.isced and not (item.isced and any(item.isced.startswith(p) for p in select.isced)):
        return False
    return not select.partner_courses or (
        item.institution == PARTNER and item.code in select.partner_courses)


def _options(plan: _Plan, item: Item, equivalent: frozenset[str]) -> tuple[_Option, ...]:
    """The claiming rules an item fits, best first (cached by the caller)."""
    own = frozenset((item.code,)) if item.institution == HOME else frozenset()
    found: dict[int, str] = {}
    for codes, via in ((own, ITSELF), (sorted(equivalent), EQUIVALENCE)):
        for code in codes:
            for slot in plan.course_slots.get(code, ()):
                found.setdefault(slot, via)
    for slot, select in plan.selectors:
        if _item_fits(select, item):
            if not select.courses or not select.courses.isdisjoint(own):
                found[slot] = ITSELF
            elif not select.courses.isdisjoint(equivalent):
                found[slot] = EQUIVALENCE
    options = plan.ordered((slot, via, None) for slot, via in found.items())
    return plan.interned.setdefault(options, options)


def _equivalences(plan: _Plan, equivalents: Mapping[str, Sequence[frozenset[str]]]
                  ) -> tuple[dict[str, frozenset[str]], list[tuple[str, frozenset[str]]]]:
    """Partner code → home codes it stands for alone; (home code, set) of larger sets."""
    singles: dict[str, frozenset[str]] = {}
    sets: list[tuple[str, frozenset[str]]] = []
    for code in plan.selected:
        for partner_codes in equivalents.get(code, ()):
            if len(partner_codes) == 1:
                partner_code = next(iter(partner_codes))
                singles[partner_code] = singles.get(partner_code, frozenset()) | {code}
            else:
                sets.append((code, partner_codes))
    return singles, sets


@dataclass(slots=True)
class _Intake:
    """The student's items sorted out in one pass: a unit per countable item, the failed and
    compensated ones, credits by institution and state, the completed graded credits."""

    units: list[_Unit] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    compensated: list[str] = field(default_factory=list)
    home: tuple[Decimal, Decimal] = (_ZERO, _ZERO)  # completed, planned
    partner: tuple[Decimal, Decimal] = (_ZERO, _ZERO)
    weighted: Decimal = _ZERO  # Σ grade × credits of completed graded items
    graded: Decimal = _ZERO  # Σ their credits
    planned: bool = False


def _intake(plan: _Plan, items: list[Item], singles: dict[str, frozenset[str]],
            compensation: Compensation | None, notes: _Notes) -> _Intake:
    intake = _Intake()
    units, cache = intake.units, plan.options_cache
    home_c = home_p = partner_c = partner_p = weighted = graded = _ZERO
    planned = False
    verdicts: dict[str, Message] | None = None  # term → what its average says
    for item in items:
        state, credits, home = item.state, item.credits, item.institution == HOME
        completed = state in COMPLETED_STATES
        if not completed and state not in PLANNED_STATES:  # failed
            if (compensation is None or not compensation.enabled or not home
                    or item.grade is None or item.term is None):
                intake.failed.append(item.key)
                continue
            if verdicts is None:
                verdicts = _verdicts(items, compensation)
            note = verdicts[item.term]
            if compensation.floor is not None and item.grade < compensation.floor:
                note = Message("not_compensated_floor", {"grade": plain(item.grade),
                                                         "floor": plain(compensation.floor)})
            notes[item.key] = (*notes.get(item.key, ()), note)
            if note.key != "compensated":
                intake.failed.append(item.key)
                continue
            intake.compensated.append(item.key)
            state, completed = "compensated", True
        if completed:
            if home:
                home_c += credits
            else:
                partner_c += credits
            if item.grade is not None:
                weighted += item.grade * credits
                graded += credits
        else:
            planned = True
            if home:
                home_p += credits
            else:
                partner_p += credits
        equivalent = item.counts_for
        if singles and not home and item.code in singles:
            equivalent = equivalent | singles[item.code]
        key = (home, item.code, item.kind, item.isced, equivalent)
        options = cache.get(key)
        if options is None:
            if len(cache) > 100_000:  # a bound, should callers pass endless new codes
                cache.clear()
                plan.interned.clear()
            options = cache[key] = _options(plan, item, equivalent)
        units.append(_Unit(((item, state, completed),), (item.key,), options, len(units),
                           credits, completed))
    intake.home, intake.partner = (home_c, home_p), (partner_c, partner_p)
    intake.weighted, intake.graded = weighted, graded
    intake.planned = planned
    return intake


def _set_units(plan: _Plan, units: list[_Unit], sets: list[tuple[str, frozenset[str]]]
               ) -> list[_Unit]:
    """A unit per equivalence set whose partner courses the student all has."""
    best: dict[str, _Entry] = {}  # partner code → its best countable item: completed first
    for unit in units:
        entry = unit.entries[0]
        code = entry[0].code
        if entry[0].institution == PARTNER and (code not in best or entry[2] > best[code][2]):
            best[code] = entry
    found = []
    for code, partner_codes in sets:
        if not partner_codes <= best.keys():
            continue
        members = tuple(best[partner_code] for partner_code in sorted(partner_codes))
        slots = [*plan.course_slots.get(code, ()), *(
            slot for slot, select in plan.selectors if code in select.courses
            and all(_item_fits(select, entry[0]) for entry in members))]
        if slots:
            found.append(_Unit(members, tuple(entry[0].key for entry in members),
                               plan.ordered((slot, EQUIVALENCE, None) for slot in slots),
                               len(units) + len(found),
                               sum((entry[0].credits for entry in members), _ZERO),
                               all(entry[2] for entry in members)))
    return found


def _verdicts(items: list[Item], compensation: Compensation) -> dict[str, Message]:
    """Each term's compensation verdict, from the average of its graded home items (passed and
    failed): compensated, or not with the average that fell short."""
    groups: dict[str, list[Decimal]] = {}
    for item in items:
        if (item.institution == HOME and item.term is not None and item.grade is not None
                and item.state in ("passed", "failed")):
            sums = groups.setdefault(item.term, [_ZERO, _ZERO])
            sums[0] += item.grade * item.credits
            sums[1] += item.credits
    verdicts = {}
    for term, (weighted, credits) in groups.items():
        average = _average(weighted, credits)
        ok = average is not None and average >= compensation.threshold
        verdicts[term] = Message("compensated" if ok else "not_compensated_average", {
            "term": term, "average": plain(average or _ZERO),
            "threshold": plain(compensation.threshold)})
    return verdicts


def _average(weighted: Decimal, credits: Decimal) -> Decimal | None:
    """A credit-weighted average, half-up to 0.01 (the figure shown decides); None if no credits."""
    if not credits:
        return None
    return _CONTEXT.divide(weighted, credits).quantize(_CENT, rounding=ROUND_HALF_UP)


# --- Exceptions ----------------------------------------------------------------------------------


@dataclass
class _Exceptions:
    """The exceptions that apply, read once per audit."""

    by_item: dict[str, list[AuditException]] = field(default_factory=dict)
    overrides: dict[int, AuditException] = field(default_factory=dict)  # rule index → exception
    excluded: frozenset[int] = frozenset()  # slots of forced or waived rules: they claim nothing
    notes: list[Message] = field(default_factory=list)


def _read_exceptions(exceptions: Iterable[AuditException], plan: _Plan, items: list[Item],
                     units: list[_Unit]) -> _Exceptions:
    """Sort the exceptions out; those that cannot apply become notes saying why."""
    found = _Exceptions()
    keys = {item.key for item in items}
    countable = {key for unit in units for key in unit.keys}
    for exception in sorted(exceptions, key=lambda e: e.id):
        index = plan.index.get(exception.rule_id or "")
        params: dict[str, Any] = {"id": exception.id}
        if exception.rule_id and index is None:
            problem = "exception_unknown_rule"
            params["rule"] = exception.rule_id
        elif exception.kind in ("force_complete", "waive") and index is not None:
            problem = "exception_not_used" if index in found.overrides else None
            found.overrides.setdefault(index, exception)
        elif exception.item_key not in keys or exception.item_key not in countable:
            problem = "exception_unknown_item" if exception.item_key not in keys \
                else "exception_not_countable"
            params["item"] = exception.item_key
        elif exception.kind != "substitute" and index not in plan.slot_of:
            problem = "exception_wrong_rule"
            params["rule"] = exception.rule_id
        else:
            problem = None
            found.by_item.setdefault(str(exception.item_key), []).append(exception)
        if problem is not None:
            found.notes.append(Message(problem, params))
    found.excluded = frozenset().union(*(plan.under[index] for index in found.overrides))
    return found


def _apply_exceptions(plan: _Plan, units: list[_Unit], found: _Exceptions) -> None:
    """Change the options of excepted items; forced and waived rules take nothing, except an
    item pinned there by apply_here."""
    for unit in units:
        options = unit.options
        if len(unit.keys) == 1 and unit.keys[0] in found.by_item:
            options = _excepted(plan, unit.entries[0][0], options, found.by_item[unit.keys[0]])
        if found.excluded and not (len(options) == 1 and options[0][1] == APPLY_HERE):
            options = tuple(option for option in options if option[0] not in found.excluded)
        unit.options = unit.live = options


def _excepted(plan: _Plan, item: Item, options: tuple[_Option, ...],
              exceptions: list[AuditException]) -> tuple[_Option, ...]:
    """An item's options changed by its exceptions: pinned, substituted or also allowed."""
    for exception in exceptions:
        if exception.kind == "apply_here":
            return ((plan.slot_of[plan.index[str(exception.rule_id)]], APPLY_HERE, exception.id),)
    found = {slot: (via, exception_id) for slot, via, exception_id in options}
    for exception in exceptions:
        if exception.kind == "also_allow":
            found.setdefault(plan.slot_of[plan.index[str(exception.rule_id)]],
                             (ALSO_ALLOW, exception.id))
            continue
        code = str(exception.replaces)
        scope = plan.under[plan.index[exception.rule_id]] if exception.rule_id else None
        slots = [*plan.course_slots.get(code, ()), *(
            slot for slot, select in plan.selectors
            if code in select.courses and _item_fits(select, item))]
        for slot in slots:
            if scope is None or slot in scope:
                found.setdefault(slot, (SUBSTITUTE, exception.id))
    return plan.ordered((slot, via, eid) for slot, (via, eid) in found.items())


# --- Assignment ----------------------------------------------------------------------------------


class _Assigner:
    """Chooses which claiming rule each unit counts toward (see the module docstring)."""

    def __init__(self, plan: _Plan, units: list[_Unit]) -> None:
        self.plan = plan
        self.units = units
        self.pools: list[list[_Unit]] = [[] for _ in plan.slot_rule]
        self.sums: dict[int, list[Any]] = {}  # slot → completed credits, n; all credits, n
        # Item keys are unique, so units share items only through equivalence sets.
        shared = {key for unit in units if len(unit.keys) > 1 for key in unit.keys}
        self.conflicted = {unit for unit in units if not shared.isdisjoint(unit.keys)} \
            if shared else set()

    def run(self) -> tuple[list[list[_Unit]], Message]:
        ambiguous = self._settle()
        combinations = 1
        for unit in ambiguous:
            combinations *= len(self.choices(unit))
        params = {"units": len(ambiguous), "combinations": combinations}
        if combinations <= SEARCH_LIMIT:
            for unit, option in zip(ambiguous, _Search(self, ambiguous).best(), strict=True):
                if option is not None:
                    self.add(unit, option)
            note = Message("assignment_search", params)
        else:
            self._greedy(ambiguous)
            note = Message("assignment_greedy", {**params, "limit": SEARCH_LIMIT})
        return self._kept(), note

    def choices(self, unit: _Unit) -> list[_Option | None]:
        """A unit sharing items with another may also stay out, to leave them to the other."""
        return [*unit.live, None] if unit in self.conflicted else list(unit.live)

    def totals(self, slot: int) -> list[Any]:
        """Completed credits and courses, then all credits and courses, of a rule's pool."""
        sums = self.sums.get(slot)
        if sums is None:
            pool = self.pools[slot]
            completed = [unit.credits for unit in pool if unit.completed]
            sums = self.sums[slot] = [sum(completed, _ZERO), len(completed),
                                      sum((unit.credits for unit in pool), _ZERO), len(pool)]
        return sums

    def add(self, unit: _Unit, option: _Option) -> None:
        unit.choice = option
        self.pools[option[0]].append(unit)
        sums = self.sums.get(option[0])
        if sums is not None:
            if unit.completed:
                sums[0] += unit.credits
                sums[1] += 1
            sums[2] += unit.credits
            sums[3] += 1

    def pop(self, slot: int) -> None:
        """Undo the last :meth:`add` to ``slot`` (the search goes depth first)."""
        unit = self.pools[slot].pop()
        unit.choice = None
        sums = self.totals(slot)
        if unit.completed:
            sums[0] -= unit.credits
            sums[1] -= 1
        sums[2] -= unit.credits
        sums[3] -= 1

    def met(self, slot: int, expected: bool) -> bool:
        sums = self.totals(slot)
        return self.plan.met(slot, sums[2], sums[3]) if expected else self.plan.met(
            slot, sums[0], sums[1])

    def _settle(self) -> list[_Unit]:
        """Fix what has one way to go; drop rules met by completed fixed units from the others'
        options; when stuck, a course rule with a single candidate takes it. Returns the
        ambiguous units."""
        plan = self.plan
        done = [[_ZERO, 0] for _ in plan.slot_rule]  # completed credits and courses fixed
        dropped: set[int] = set()
        pending = self._fix(self.units, done)
        while pending:
            full = {slot for slot, (credits, count) in enumerate(done)
                    if credits >= plan.need_credits[slot] and count >= plan.need_courses[slot]}
            if full - dropped:
                dropped = full
                # Units share option tuples (cached per course): narrow each tuple once; ids
                # are safe keys while the loop runs, as every tuple is held by a unit.
                narrowed: dict[int, tuple[_Option, ...]] = {}
                for unit in pending:
                    live = narrowed.get(id(unit.live))
                    if live is None:  # nothing left: every rule it fits is met already
                        live = narrowed[id(unit.live)] = tuple(
                            option for option in unit.live if option[0] not in full)
                    unit.live = live
            before = len(pending)
            pending = self._fix(pending, done)
            if len(pending) == before and not self._sole_candidates(pending):
                break
        return pending

    def _fix(self, units: list[_Unit], done: list[list[Any]]) -> list[_Unit]:
        """Put each unit that has one way to go into its rule's pool; return the others."""
        pools, conflicted, others = self.pools, self.conflicted, []
        for unit in units:
            live = unit.live
            if len(live) == 1 and unit not in conflicted:
                unit.choice = live[0]
                pools[live[0][0]].append(unit)
                if unit.completed:
                    fixed = done[live[0][0]]
                    fixed[0] += unit.credits
                    fixed[1] += 1
            elif live:
                others.append(unit)
        return others

    def _sole_candidates(self, ambiguous: list[_Unit]) -> bool:
        """A course rule with no unit yet and one candidate takes it: it can only lose a tie."""
        candidates: dict[int, list[_Unit]] = {}
        for unit in ambiguous:
            for option in unit.live:
                if self.plan.is_course[option[0]]:
                    candidates.setdefault(option[0], []).append(unit)
        changed = False
        for slot, units in candidates.items():
            unit = units[0]
            courses = [o for o in unit.live if self.plan.is_course[o[0]]]
            if (len(units) == 1 and not self.pools[slot] and unit not in self.conflicted
                    and len(courses) == 1):
                unit.live = (courses[0],)
                changed = True
        return changed

    def _greedy(self, ambiguous: list[_Unit]) -> None:
        """Most constrained rule first: the unmet rule with the fewest candidates takes what it
        needs (completed first); what is left goes to its first option."""
        left = list(ambiguous)
        used: set[str] = set()
        served: set[int] = set()
        while True:
            candidates: dict[int, list[_Unit]] = {}
            for unit in left:
                if used.isdisjoint(unit.keys):
                    for option in unit.live:
                        candidates.setdefault(option[0], []).append(unit)
            open_slots = [slot for slot in candidates
                          if slot not in served and not self.met(slot, expected=True)]
            if not open_slots:
                break
            slot = min(open_slots, key=lambda s: (len(candidates[s]), not self.plan.is_course[s],
                                                  s))
            served.add(slot)
            for unit in sorted(candidates[slot], key=lambda u: (not u.completed, u.order)):
                if self.met(slot, expected=True) or not used.isdisjoint(unit.keys):
                    continue
                self.add(unit, next(o for o in unit.live if o[0] == slot))
                left.remove(unit)
                used.update(unit.keys)
        for unit in left:
            if used.isdisjoint(unit.keys):
                self.add(unit, unit.live[0])
                used.update(unit.keys)

    def _kept(self) -> list[list[_Unit]]:
        """Each rule keeps what it needs; a unit no rule kept goes, as progress, to the first
        rule it fits that is still unmet with the plan."""
        kept, left = [], []
        for slot, pool in enumerate(self.pools):
            mine = _fill(self.plan, slot, pool)
            kept.append(mine)
            if len(mine) < len(pool):
                left += [unit for unit in pool if unit not in mine]
        left += [unit for unit in self.units if unit.choice is None and unit.options]
        used = {key for mine in kept for unit in mine for key in unit.keys} \
            if self.conflicted else set()
        unmet: dict[int, bool] = {}
        for unit in sorted(left, key=_ORDER):
            unit.choice = None
            if not used.isdisjoint(unit.keys):
                continue
            for option in unit.options:
                slot = option[0]
                if slot not in unmet:
                    mine = kept[slot]
                    unmet[slot] = not self.plan.met(
                        slot, sum((other.credits for other in mine), _ZERO), len(mine))
                if unmet[slot]:
                    unit.choice = option
                    kept[slot].append(unit)
                    del unmet[slot]  # to be weighed again
                    used.update(unit.keys)
                    break
        return kept


class _Search:
    """Branch and bound over the ambiguous units, in canonical order: a leaf replaces the best
    only when strictly better, so among equals the first in canonical order wins."""

    def __init__(self, assigner: _Assigner, ambiguous: list[_Unit]) -> None:
        self.a = assigner
        self.plan = assigner.plan
        self.units = ambiguous
        self.choices = [assigner.choices(unit) for unit in ambiguous]
        self.slots = sorted({o[0] for choices in self.choices for o in choices if o is not None})
        for slot in self.slots:
            assigner.totals(slot)  # kept up to date from here on
        # rest[d][slot]: what units d.. could still add, for the optimistic bound
        self.rest: list[dict[int, list[Any]]] = [{} for _ in range(len(ambiguous) + 1)]
        for depth in range(len(ambiguous) - 1, -1, -1):
            self.rest[depth] = {slot: list(sums) for slot, sums in self.rest[depth + 1].items()}
            unit = ambiguous[depth]
            for option in self.choices[depth]:
                if option is not None:
                    sums = self.rest[depth].setdefault(option[0], [_ZERO, 0, _ZERO, 0])
                    if unit.completed:
                        sums[0] += unit.credits
                        sums[1] += 1
                    sums[2] += unit.credits
                    sums[3] += 1
        self.current: list[_Option | None] = [None] * len(ambiguous)
        self.best_key: tuple[int, int, Decimal] | None = None
        self.best_choice: list[_Option | None] = []
        self.used: set[str] = set()

    def best(self) -> list[_Option | None]:
        if self.units:
            self._visit(0)
        return self.best_choice

    def _score(self, depth: int | None) -> tuple[int, int]:
        """Rules met (with the plan, completed only); optimistic when ``depth`` is given."""
        met_all = met_completed = 0
        for slot in self.slots:
            sums = self.a.totals(slot)
            extra = self.rest[depth].get(slot) if depth is not None else None
            if extra:
                sums = [sums[i] + extra[i] for i in range(4)]
            met_all += self.plan.met(slot, sums[2], sums[3])
            met_completed += self.plan.met(slot, sums[0], sums[1])
        return met_all, met_completed

    def _visit(self, depth: int) -> None:
        if depth == len(self.units):
            self._leaf()
            return
        if self.best_key is not None and self._score(depth) < self.best_key[:2]:
            return
        unit = self.units[depth]
        for option in self.choices[depth]:
            self.current[depth] = option
            if option is None:
                self._visit(depth + 1)
            elif self.used.isdisjoint(unit.keys):
                self.used.update(unit.keys)
                self.a.add(unit, option)
                self._visit(depth + 1)
                self.a.pop(option[0])
                self.used.difference_update(unit.keys)

    def _leaf(self) -> None:
        met_all, met_completed = self._score(None)
        if self.best_key is not None and (met_all, met_completed) < self.best_key[:2]:
            return
        waste = sum((_waste(self.plan, slot, _fill(self.plan, slot, self.a.pools[slot]))
                     for slot in self.slots), _ZERO)
        key = (met_all, met_completed, -waste)
        if self.best_key is None or key > self.best_key:
            self.best_key = key
            self.best_choice = list(self.current)


def _fill(plan: _Plan, slot: int, pool: list[_Unit]) -> list[_Unit]:
    """What a rule keeps of its pool, the rest being released: a course rule keeps one (completed
    first, its own course before an equivalent); a credits rule its completed courses, then its
    planned ones, each group as :func:`_enough` says."""
    if len(pool) <= 1:
        return list(pool)
    if plan.is_course[slot]:
        return [min(pool, key=_course_preference)]
    credits, courses = plan.need_credits[slot], plan.need_courses[slot]
    kept: list[_Unit] = []
    for completed in (True, False):
        taken = _enough([unit for unit in pool if unit.completed is completed], credits, courses)
        kept += taken
        credits -= sum((unit.credits for unit in taken), _ZERO)
        courses -= len(taken)
        if credits <= 0 and courses <= 0:
            break
    return sorted(kept, key=_ORDER) if len(kept) > 1 else kept


_ORDER = attrgetter("order")


def _course_preference(unit: _Unit) -> tuple[bool, bool, int]:
    return not unit.completed, unit.choice is None or unit.choice[1] != ITSELF, unit.order


def _size_order(unit: _Unit) -> tuple[Decimal, int]:
    return -unit.credits, unit.order


def _enough(group: list[_Unit], credits: Decimal, courses: int) -> list[_Unit]:
    """The fewest units of ``group`` covering ``credits`` and ``courses`` with the least
    overshoot: the largest first, the last one the smallest that covers what is left (the first
    in canonical order among equals); all of them when they fall short."""
    if credits <= 0:
        return sorted(group, key=_ORDER)[:max(courses, 0)]
    if len(group) <= courses or sum((unit.credits for unit in group), _ZERO) <= credits:
        return group
    by_size = sorted(group, key=_size_order)
    taken = []
    while by_size and (credits > 0 or courses > 0):
        index = 0  # the largest, unless one more will do: then the smallest that is enough
        if (courses <= 1 or credits <= 0) and by_size[0].credits >= credits:
            index = len(by_size) - 1
            while by_size[index].credits < credits:
                index -= 1
            while index > 0 and by_size[index - 1].credits == by_size[index].credits:
                index -= 1
        unit = by_size.pop(index)
        taken.append(unit)
        credits -= unit.credits
        courses -= 1
    return taken


def _waste(plan: _Plan, slot: int, kept: list[_Unit]) -> Decimal:
    """Credits a rule keeps beyond its minimum: courses that might have served elsewhere."""
    need = plan.need_credits[slot]
    total = sum((unit.credits for unit in kept), _ZERO)
    return total - need if need and total > need else _ZERO


# --- The audit -----------------------------------------------------------------------------------

_CANONICAL = attrgetter("code", "key")
_level_rank = lru_cache(maxsize=1024)(level_rank)


def audit(requirements: Requirements, items: Iterable[Item], *,
          equivalents: Mapping[str, Sequence[frozenset[str]]] | None = None,
          certifications: Iterable[Certification] = (),
          exceptions: Iterable[AuditException] = (),
          compensation: Compensation | _Default | None = FROM_REQUIREMENTS) -> DegreeAudit:
    """Audit one student against one degree.

    ``items`` are the student's courses relative to this degree (any order: the result does
    not depend on it); ``equivalents`` maps a home code to the alternative sets of partner codes
    that stand for it; ``compensation`` defaults to the requirements'. Raises ValueError when
    two items share a key."""
    plan = _plan(requirements)
    ordered = sorted(items, key=_CANONICAL)
    if len({item.key for item in ordered}) != len(ordered):
        raise ValueError("item keys must be unique")
    if compensation is FROM_REQUIREMENTS:
        compensation = requirements.compensation
    equivalents = equivalents or {}
    singles, sets = _equivalences(plan, equivalents)
    item_notes: _Notes = {}
    intake = _intake(plan, ordered, singles, compensation, item_notes)
    units = intake.units
    if sets:
        units += _set_units(plan, units, sets)
    exceptions = tuple(exceptions)
    found = _read_exceptions(exceptions, plan, ordered, units) if exceptions else _Exceptions()
    if found.by_item or found.excluded:
        _apply_exceptions(plan, units, found)
    kept, note = _Assigner(plan, units).run()
    assignment = _assignment(plan, ordered, units, kept, item_notes)
    context = _Context(plan, kept, intake, ordered, equivalents, tuple(certifications), found)
    results = tuple([context.result(plan.index[rule.id], None) for rule in requirements.rules])
    used = {unit.choice[2] for mine in kept for unit in mine
            if unit.choice is not None and unit.choice[2] is not None}
    unused = [Message("exception_not_used", {"id": exception.id})
              for exceptions_of in found.by_item.values() for exception in exceptions_of
              if exception.id not in used]
    return DegreeAudit(
        status=_worst([result.status for result in results]),
        rules=results, assignment=assignment, totals=context.totals, average=context.average,
        compensated=tuple(intake.compensated), failed=tuple(intake.failed),
        notes=(note, *found.notes, *sorted(unused, key=lambda m: m.params["id"])),
        item_notes=item_notes)


def _assignment(plan: _Plan, items: list[Item], units: list[_Unit], kept: list[list[_Unit]],
                notes: _Notes) -> dict[str, str | None]:
    """Item key → id of the rule it counts toward; notes for items that had a choice."""
    assignment: dict[str, str | None] = dict.fromkeys([item.key for item in items])
    for slot, mine in enumerate(kept):
        rule_id = plan.slot_id[slot]
        for unit in mine:
            note = _choice_note(plan, slot, unit.options) if len(unit.options) > 1 else None
            for key in unit.keys:
                assignment[key] = rule_id
                if note is not None:
                    notes[key] = (*notes.get(key, ()), note)
    for unit in units:
        if unit.options and len(unit.keys) == 1 and assignment[unit.keys[0]] is None:
            key = unit.keys[0]
            notes[key] = (*notes.get(key, ()), _choice_note(plan, None, unit.options))
    return assignment


def _choice_note(plan: _Plan, slot: int | None, options: tuple[_Option, ...]) -> Message:
    """chosen_rule (or not_needed when ``slot`` is None), built once per plan and choice: keyed
    by the id of the options (cheaper to hash than the options), checked to be the same."""
    cached = plan.notes.get((slot, id(options)))
    if cached is not None and cached[0] is options:
        return cached[1]
    ids = [plan.slot_id[option[0]] for option in options if option[0] != slot]
    note = Message("not_needed", {"rules": ids}) if slot is None else Message(
        "chosen_rule", {"rule": plan.slot_id[slot], "alternatives": ids})
    if len(plan.notes) > 100_000:
        plan.notes.clear()
    plan.notes[slot, id(options)] = (options, note)
    return note


def _worst(statuses: Iterable[Status]) -> Status:
    return _BY_RANK[min((_RANK[status] for status in statuses), default=2)]


class _Context:
    """Everything the rule results read: kept units, totals, average, certificates."""

    def __init__(self, plan: _Plan, kept: list[list[_Unit]], intake: _Intake, items: list[Item],
                 equivalents: Mapping[str, Sequence[frozenset[str]]],
                 certifications: tuple[Certification, ...], exceptions: _Exceptions) -> None:
        self.plan = plan
        self.kept = kept
        self.equivalents = equivalents
        self.certifications = certifications
        self.overrides = exceptions.overrides
        self.failed_notes = _failed_notes(items, intake.failed) if intake.failed else {}
        self.planned = intake.planned
        (home_c, home_p), (partner_c, partner_p) = intake.home, intake.partner
        home_e, partner_e = home_c + home_p, partner_c + partner_p
        cap = plan.cap
        self.totals = Totals(
            completed=home_c + (partner_c if cap is None else min(partner_c, cap)),
            expected=home_e + (partner_e if cap is None else min(partner_e, cap)),
            home_completed=home_c, home_expected=home_e, partner_completed=partner_c,
            partner_expected=partner_e,
            beyond_cap=_ZERO if cap is None else max(partner_c - cap, _ZERO),
            beyond_cap_expected=_ZERO if cap is None else max(partner_e - cap, _ZERO))
        self.average = _average(intake.weighted, intake.graded)

    def result(self, index: int, inherited: AuditException | None) -> RuleResult:
        plan = self.plan
        rule = plan.rules[index]
        override = self.overrides.get(index, inherited) if self.overrides else None
        slot = plan.slot_of.get(index)
        if slot is not None:
            result = self._claiming(rule, slot)
        elif plan.children[index]:
            result = _composite(rule, tuple([self.result(child, override)
                                             for child in plan.children[index]]))
        else:
            result = self._aggregate(rule)
        if override is None:
            return result
        return _overridden(result, override, own=index in self.overrides)

    def _claiming(self, rule: Rule, slot: int) -> RuleResult:
        items = []
        credits = credits_e = _ZERO
        count = 0
        ids: set[int] = set()
        kept = self.kept[slot]
        for unit in kept:
            _, via, exception_id = unit.choice  # type: ignore[misc]
            credits_e += unit.credits
            if unit.completed:
                credits += unit.credits
                count += 1
            if exception_id is not None:
                ids.add(exception_id)
            for item, state, _ in unit.entries:
                items.append(Counted(item.key, item.credits, state, via, exception_id))
        need_credits, need_courses = self.plan.need_credits[slot], self.plan.need_courses[slot]
        status = (Status.SATISFIED if credits >= need_credits and count >= need_courses
                  else Status.NOT_YET if credits_e >= need_credits and len(kept) >= need_courses
                  else Status.IMPOSSIBLE)
        if isinstance(rule, CourseRule):
            missing = () if status is Status.SATISFIED else (self._course_missing(rule.course),)
            return RuleResult(rule.id, rule.type, rule.label, status, 1, count, len(kept),
                              tuple(items), missing, self.failed_notes.get(rule.course, ()),
                              tuple(sorted(ids)) if ids else ())
        assert isinstance(rule, CreditsRule)  # noqa: S101 — the only other claiming rule
        missing = _shortfall(rule.min_credits, credits, credits_e) + _shortfall(
            rule.min_courses, count, len(kept), "courses")
        if rule.min_credits is not None:
            figures: tuple[Any, Any, Any] = (rule.min_credits, credits, credits_e)
        else:
            figures = (rule.min_courses, count, len(kept))
        return RuleResult(rule.id, rule.type, rule.label, status, *figures, tuple(items),
                          missing, (), tuple(sorted(ids)) if ids else ())

    def _course_missing(self, code: str) -> Message:
        options = sorted(sorted(codes) for codes in self.equivalents.get(code, ()))
        return Message("course_missing", {"code": code, "options": options})

    def _aggregate(self, rule: Rule) -> RuleResult:
        label = rule.label
        totals = self.totals
        if isinstance(rule, TotalCreditsRule | InstitutionCreditsRule):
            if isinstance(rule, TotalCreditsRule):
                done, expected = totals.completed, totals.expected
            elif rule.institution == HOME:
                done, expected = totals.home_completed, totals.home_expected
            else:
                done, expected = totals.partner_completed, totals.partner_expected
            return RuleResult(rule.id, rule.type, label,
                              _status(done >= rule.min, expected >= rule.min), rule.min, done,
                              expected, missing=_shortfall(rule.min, done, expected))
        if isinstance(rule, PartnerCapRule):
            notes = () if not totals.beyond_cap_expected else (Message("beyond_cap", {
                "credits": plain(totals.beyond_cap), "expected": plain(totals.beyond_cap_expected),
                "max": plain(rule.max)}),)
            return RuleResult(rule.id, rule.type, label, Status.SATISFIED, rule.max,
                              min(totals.partner_completed, rule.max),
                              min(totals.partner_expected, rule.max), notes=notes)
        if isinstance(rule, AverageRule):
            return self._average_result(rule)
        assert isinstance(rule, CertificationRule)  # noqa: S101
        return self._certification(rule)

    def _average_result(self, rule: AverageRule) -> RuleResult:
        average = self.average
        if average is not None and average >= rule.min:
            status, missing = Status.SATISFIED, ()
        else:
            status = Status.NOT_YET if self.planned else Status.IMPOSSIBLE
            missing = (Message("average_short", {"average": plain(average), "min": plain(
                rule.min)}) if average is not None else Message("average_unknown", {
                    "min": plain(rule.min)}),)
        return RuleResult(rule.id, rule.type, rule.label, status, rule.min, average,
                          None, missing=missing)

    def _certification(self, rule: CertificationRule) -> RuleResult:
        wanted = _level_rank(rule.exams[0], rule.min_level)
        held = [c for c in self.certifications if c.exam.upper() in rule.exams and (
            (rank := _level_rank(c.exam, c.level)) is not None and wanted is not None
            and rank >= wanted)]
        notes = tuple(Message("certification_used", {
            "exam": c.exam.upper(), "level": c.level,
            "date": c.date.isoformat() if c.date else ""}) for c in held[:1])
        missing = () if held else (Message("certification_missing", {
            "exams": list(rule.exams), "level": rule.min_level}),)
        status = Status.SATISFIED if held else Status.NOT_YET  # a certificate can still be won
        return RuleResult(rule.id, rule.type, rule.label, status, None, None, None,
                          missing=missing, notes=notes)


def _failed_notes(items: list[Item], failed: list[str]) -> dict[str, tuple[Message, ...]]:
    """Home code → course_failed notes of the failed attempts at it (or at an equivalent)."""
    keys = set(failed)
    notes: dict[str, tuple[Message, ...]] = {}
    for item in items:
        if item.key in keys:
            codes = item.counts_for | {item.code} if item.institution == HOME else item.counts_for
            for code in codes:
                notes[code] = (*notes.get(code, ()), Message("course_failed", {"item": item.key}))
    return notes


def _status(met: bool, met_expected: bool) -> Status:
    return Status.SATISFIED if met else Status.NOT_YET if met_expected else Status.IMPOSSIBLE


def _shortfall(need: Decimal | int | None, done: Decimal | int, expected: Decimal | int,
               what: str = "credits") -> tuple[Message, ...]:
    """``<what>_short`` by the completed figure; ``<what>_unplanned`` when the plan falls short."""
    if need is None or done >= need:
        return ()
    name = "count" if what == "courses" else "credits"
    short = Message(f"{what}_short", {name: _figure(need - done)})
    if expected >= need:
        return (short,)
    return short, Message(f"{what}_unplanned", {name: _figure(need - expected)})


def _figure(value: Decimal | int) -> str | int:
    return plain(value) if isinstance(value, Decimal) else value


def _composite(rule: Rule, children: tuple[RuleResult, ...]) -> RuleResult:
    """all_of: the worst child; any_of: the best; at_least n: the n-th best."""
    ranks = sorted((_RANK[child.status] for child in children), reverse=True)
    required = rule.n if isinstance(rule, AtLeastRule) else 1 if isinstance(
        rule, AnyOfRule) else len(children)
    status = _BY_RANK[ranks[required - 1]]
    met = sum(1 for rank in ranks if rank == 2)
    possible = sum(1 for rank in ranks if rank >= 1)
    missing = () if met >= required else (Message("rules_short", {
        "count": required - met, "required": required}),)
    ids = tuple(sorted({i for child in children for i in child.exception_ids}))
    return RuleResult(rule.id, rule.type, rule.label, status, required, met,
                      possible, missing=missing, exception_ids=ids, children=children)


def _overridden(result: RuleResult, exception: AuditException, *, own: bool) -> RuleResult:
    """A forced or waived rule, or one under it: met (or waived), nothing missing."""
    waived = exception.kind == "waive"
    notes = result.notes
    if own:
        notes = (*notes, Message("waived" if waived else "forced", {"id": exception.id}))
    ids = tuple(sorted({*result.exception_ids, exception.id}))
    return result._replace(status=Status.WAIVED if waived else Status.SATISFIED, missing=(),
                           notes=notes, exception_ids=ids)
