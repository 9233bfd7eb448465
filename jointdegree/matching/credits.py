"""Credit conversion between ECTS and Chinese 学分, by a rule the partnership agrees.

Pure: stdlib only, no Flask, no database, so every rule is tested without an app (DESIGN.md,
"Pure core"). Every number is a :class:`~decimal.Decimal`; a float is refused with ``TypeError``
because a credit total that drifts by 1e-16 can flip a degree audit (DESIGN.md, "Exact numbers").

There is no national ECTS ↔ 学分 rule (NESO China survey 2008), so two methods are offered and the
partnership picks one per course kind:

* **ratio** — academic-year normalisation: 60 ECTS a year against the Chinese credits of a year.
  Guangzhou University (via Asia Exchange) states 1 学分 = 1.5 ECTS; Qingdao University's rules
  (160 学分 over 4 years = 40 a year) give 60 / 40 = 1.5 as well.
* **workload** — from hours: ECTS = total workload hours ÷ hours per ECTS (ECTS Users' Guide:
  25–30 h per ECTS); 学分 = contact hours ÷ contact hours per 学分 (16 h at SJTU, USST and
  Qingdao for lectures, 18 h at Fudan and Guangzhou; 32 h for labs at Qingdao).

Sources: ``../shared/reference/domain/credit_conversion_practice.csv``.

Results are rounded to a named step with a named rounding mode; the exact quotient is kept beside
the rounded amount so that a transcript can show both.

A result explains itself as :class:`Step` s — message keys of :data:`EXPLANATIONS` with their
parameters already written as text — rather than as an English sentence, so that the pages can
show the same calculation in the reader's language (``jointdegree.matching.explain``);
``Conversion.explanation`` renders the steps in English for the CLI, logs and audit data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import (
    ROUND_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
    localcontext,
)
from enum import StrEnum
from types import MappingProxyType

from jointdegree.decimals import plain, shortened

__all__ = [
    "ALLOWED_STEPS",
    "EXPLANATIONS",
    "Conversion",
    "CourseKind",
    "CreditRule",
    "CreditSystem",
    "Method",
    "Rounding",
    "RuleSet",
    "Step",
    "convert",
    "exceeds_tolerance",
    "render_steps",
    "round_to_step",
    "workload_difference",
]

# Enough digits for any quotient of credits or hours (values ≤ 99999.9): the "exact" value of a
# non-terminating division like 4 ÷ 1.5 is correct to 28 significant digits, whatever the caller's
# decimal context says.
_PRECISION = 28


class CreditSystem(StrEnum):
    """Same values as ``catalog.models.CreditSystem``, redeclared to keep this module pure."""

    ECTS = "ects"  # European Credit Transfer and Accumulation System
    CN = "cn"  # 学分


class CourseKind(StrEnum):
    """Same values as ``catalog.models.CourseKind``: kinds may convert by different rules."""

    LECTURE = "lecture"
    LAB = "lab"
    THESIS = "thesis"
    INTERNSHIP = "internship"


class Rounding(StrEnum):
    """Named rounding modes; ``down``/``up`` are toward/away from zero (credits are positive)."""

    HALF_UP = "half_up"
    HALF_EVEN = "half_even"
    DOWN = "down"
    UP = "up"

    @property
    def decimal_mode(self) -> str:
        """The :mod:`decimal` constant this name stands for."""
        return _DECIMAL_MODES[self]

    @property
    def label(self) -> str:
        """English wording for the rules page: ``half-up`` rather than ``half_up``."""
        return self.value.replace("_", "-")


_DECIMAL_MODES: Mapping[Rounding, str] = MappingProxyType({
    Rounding.HALF_UP: ROUND_HALF_UP,
    Rounding.HALF_EVEN: ROUND_HALF_EVEN,
    Rounding.DOWN: ROUND_DOWN,
    Rounding.UP: ROUND_UP,
})


class Method(StrEnum):
    """How a conversion was made; ``identity`` is only ever a result, never a rule's method."""

    RATIO = "ratio"
    WORKLOAD = "workload"
    IDENTITY = "identity"


# Steps a partnership may round to. Note: the catalog's ``Credits`` column keeps one decimal, so a
# 0.25 step produces amounts (e.g. 3.75) that must be shown, not stored, unless the column widens.
ALLOWED_STEPS: frozenset[Decimal] = frozenset(
    Decimal(s) for s in ("0.1", "0.25", "0.5", "1"))


@dataclass(frozen=True)
class Step:
    """One step of a calculation: a message key and its parameters, already written as text.

    Keys rather than sentences so that every language renders the same calculation from the same
    data; parameters are text so that no renderer has to know how numbers are shown here.
    """

    key: str
    params: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, value in self.params.items():
            if not isinstance(value, str):
                raise TypeError(f"step {self.key}: parameter {name} must be text, "
                                f"not {type(value).__name__}")
        # Read-only copy: a frozen result must not change when the caller's dict does.
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))

    def __hash__(self) -> int:
        return hash((self.key, frozenset(self.params.items())))


def render_steps(steps: Sequence[Step], templates: Mapping[str, object], separator: str) -> str:
    """The steps written with ``templates`` (``%(name)s`` placeholders; lazy strings allowed).

    Raises ``KeyError`` for a key the templates lack, so a renderer can fall back to English.
    """
    return separator.join(str(templates[step.key]) % dict(step.params) for step in steps)


# English wording of each step; jointdegree.matching.explain translates the same keys with the
# same templates. Kinds and rounding modes are part of the key, not parameters, so that every
# language can word them (an article, a gender) as it needs.
EXPLANATIONS: dict[str, str] = {
    "credits_same_system_ects": "%(amount)s ECTS stays %(amount)s ECTS (same system)",
    "credits_same_system_cn": "%(amount)s 学分 stays %(amount)s 学分 (same system)",
    "credits_not_credited_lecture": "a lecture earns no 学分 under this rule (not credited on the "
                                    "Chinese side) → 0 学分",
    "credits_not_credited_lab": "a lab earns no 学分 under this rule (not credited on the Chinese "
                                "side) → 0 学分",
    "credits_not_credited_thesis": "a thesis earns no 学分 under this rule (not credited on the "
                                   "Chinese side) → 0 学分",
    "credits_not_credited_internship": "an internship earns no 学分 under this rule (not credited "
                                       "on the Chinese side) → 0 学分",
    "credits_ratio_to_ects": "%(amount)s 学分 × %(ratio)s ECTS per 学分 = %(exact)s ECTS",
    "credits_ratio_to_cn": "%(amount)s ECTS ÷ %(ratio)s ECTS per 学分 = %(exact)s 学分",
    "credits_workload_to_ects": "%(hours)s h total workload ÷ %(per)s h per ECTS = %(exact)s ECTS",
    "credits_workload_to_cn": "%(hours)s contact h ÷ %(per)s h per 学分 = %(exact)s 学分",
    "credits_rounded_half_up": "rounded half-up to %(step)s → %(amount)s",
    "credits_rounded_half_even": "rounded half-even to %(step)s → %(amount)s",
    "credits_rounded_down": "rounded down to %(step)s → %(amount)s",
    "credits_rounded_up": "rounded up to %(step)s → %(amount)s",
}

# Between two steps of a credit calculation ("… = 3.75 ECTS, rounded half-up to 0.5 → 4").
SEPARATOR = ", "


def _exact(value: object, name: str) -> Decimal:
    """Accept Decimal or int (both exact); refuse float and everything else with TypeError."""
    if isinstance(value, float):
        raise TypeError(f"{name} must be a Decimal, not a float (floats are not exact): "
                        f"pass Decimal({str(value)!r})")
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{name} must be a Decimal, not {type(value).__name__}")
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError(f"{name} must be a finite number, not {number}")
    return number


def _positive(value: object, name: str) -> Decimal:
    number = _exact(value, name)
    if number <= 0:
        raise ValueError(f"{name} must be greater than zero, not {_fmt(number)}")
    return number


def _within(value: object, name: str, low: Decimal, high: Decimal, unit: str) -> Decimal:
    number = _exact(value, name)
    if not low <= number <= high:
        raise ValueError(f"{name} must be between {_fmt(low)} and {_fmt(high)} {unit}, "
                         f"not {_fmt(number)}")
    return number


def _step(value: object, name: str) -> Decimal:
    number = _exact(value, name)
    if number not in ALLOWED_STEPS:
        allowed = ", ".join(_fmt(s) for s in sorted(ALLOWED_STEPS))
        raise ValueError(f"{name} must be one of {allowed}, not {_fmt(number)}")
    return number


def _a(kind: CourseKind) -> str:
    """English article + kind, for error messages: "a thesis", "an internship"."""
    return f"{'an' if kind.value[0] in 'aeiou' else 'a'} {kind.value}"


_fmt = plain


def _fmt_exact(value: Decimal) -> str:
    """Show a quotient readably: up to 4 decimals, then "…" when digits were cut (5.4545…)."""
    return shortened(value, 4)


@dataclass(frozen=True)
class CreditRule:
    """One agreed way to convert a course's credits, with its rounding.

    Every factor is kept even when the method does not use it, so a partnership can switch
    ``method`` with :func:`dataclasses.replace` and get sensible numbers.

    Attributes:
        method: ``ratio`` (uses the credit amount) or ``workload`` (uses hours).
        ects_per_cn: ECTS per 学分 for the ratio method; (0, 10].
        hours_per_ects: total workload hours per ECTS for the workload method; 20–40
            (ECTS Users' Guide says 25–30; the wider range admits national variants).
        contact_hours_per_cn: contact hours per 学分 for the workload method; 8–60
            (16–18 for lectures, 32–36 for labs in published Chinese rules).
        step: rounding step of ECTS results; one of 0.1, 0.25, 0.5, 1.
        cn_step: rounding step of 学分 results; same choices.
        rounding: rounding mode for both sides.
        credited: whether the Chinese side gives this kind of course 学分 at all — a Chinese
            master's thesis often earns none (Tongji UNEP-IESD: course credits exclude thesis).
    """

    method: Method = Method.RATIO
    ects_per_cn: Decimal = Decimal("1.5")
    hours_per_ects: Decimal = Decimal("27.5")
    contact_hours_per_cn: Decimal = Decimal(16)
    step: Decimal = Decimal("0.5")
    cn_step: Decimal = Decimal("0.5")
    rounding: Rounding = Rounding.HALF_UP
    credited: bool = True

    def __post_init__(self) -> None:
        # Coerce strings from forms/JSON to the enums, and normalise ints to Decimal, so that two
        # equal rules compare and hash equal however they were written.
        try:
            method = Method(self.method)
        except ValueError:
            raise ValueError(f"method must be 'ratio' or 'workload', not {self.method!r}") from None
        if method is Method.IDENTITY:
            raise ValueError("method must be 'ratio' or 'workload': identity is not a rule")
        try:
            rounding = Rounding(self.rounding)
        except ValueError:
            names = ", ".join(repr(r.value) for r in Rounding)
            raise ValueError(f"rounding must be one of {names}, not {self.rounding!r}") from None
        if not isinstance(self.credited, bool):
            raise TypeError(f"credited must be True or False, not {self.credited!r}")
        ratio = _positive(self.ects_per_cn, "ects_per_cn")
        if ratio > 10:
            raise ValueError(f"ects_per_cn must be at most 10, not {_fmt(ratio)}")
        values = {
            "method": method,
            "rounding": rounding,
            "ects_per_cn": ratio,
            "hours_per_ects": _within(self.hours_per_ects, "hours_per_ects",
                                      Decimal(20), Decimal(40), "hours"),
            "contact_hours_per_cn": _within(self.contact_hours_per_cn, "contact_hours_per_cn",
                                            Decimal(8), Decimal(60), "hours"),
            "step": _step(self.step, "step"),
            "cn_step": _step(self.cn_step, "cn_step"),
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def step_for(self, system: CreditSystem) -> Decimal:
        """The rounding step of results in ``system``."""
        return self.step if CreditSystem(system) is CreditSystem.ECTS else self.cn_step


@dataclass(frozen=True)
class RuleSet:
    """A partnership's rules: one default, optionally overridden per course kind."""

    default_rule: CreditRule = field(default_factory=CreditRule)
    rules: Mapping[CourseKind, CreditRule] = field(default_factory=dict)

    def __post_init__(self) -> None:
        checked: dict[CourseKind, CreditRule] = {}
        for kind, rule in self.rules.items():
            if not isinstance(rule, CreditRule):
                raise TypeError(f"the rule for {kind!r} must be a CreditRule")
            checked[CourseKind(kind)] = rule
        if not isinstance(self.default_rule, CreditRule):
            raise TypeError("default_rule must be a CreditRule")
        # Read-only copy: a frozen rule set must not change when the caller's dict does.
        object.__setattr__(self, "rules", MappingProxyType(checked))

    def __hash__(self) -> int:
        # The generated hash would fail on the mapping; hash its items instead.
        return hash((self.default_rule, frozenset(self.rules.items())))

    def rule_for(self, kind: CourseKind | str) -> CreditRule:
        """The override for ``kind`` if there is one, else the default rule."""
        return self.rules.get(CourseKind(kind), self.default_rule)

    @classmethod
    def default(cls, method: Method | str = Method.RATIO) -> RuleSet:
        """Documented defaults, for a partnership that has not agreed its own yet.

        * Lectures: 1 学分 = 1.5 ECTS — stated by Guangzhou University (via Asia Exchange) and
          derived from Qingdao University's rules (60 ECTS / 40 学分 a year). For the workload
          method, 27.5 h per ECTS (middle of the ECTS Users' Guide's 25–30 h) and 16 contact
          hours per 学分 (SJTU, USST, Qingdao theory courses).
        * Labs: 1 学分 = 32 contact hours (Qingdao rules for lab and PE courses). This only
          matters for the workload method: under the ratio method a lab 学分 still counts as a
          year's share, 1.5 ECTS.
        * Thesis and internship: not credited on the Chinese side (a Chinese master's thesis
          usually carries no course credits; Tongji UNEP-IESD), so they convert to 0 学分.
        """
        base = CreditRule(method=Method(method))
        not_credited = CreditRule(method=Method(method), credited=False)
        return cls(
            default_rule=base,
            rules={
                CourseKind.LAB: CreditRule(method=Method(method), contact_hours_per_cn=Decimal(32)),
                CourseKind.THESIS: not_credited,
                CourseKind.INTERNSHIP: not_credited,
            },
        )


@dataclass(frozen=True)
class Conversion:
    """The result of one conversion, with everything needed to explain and audit it.

    ``amount`` is rounded by the rule; ``exact`` is the value before rounding (a non-terminating
    quotient is correct to 28 significant digits). ``rule`` is ``None`` for the identity, which
    uses no rule. ``source_amount``, ``contact_hours`` and ``total_hours`` are the inputs given.
    ``steps`` are the calculation as message keys (:data:`EXPLANATIONS`); ``explanation`` is
    the same in English.
    """

    amount: Decimal
    exact: Decimal
    from_system: CreditSystem
    to_system: CreditSystem
    method: Method
    kind: CourseKind
    rule: CreditRule | None
    steps: tuple[Step, ...]
    source_amount: Decimal | None = None
    contact_hours: Decimal | None = None
    total_hours: Decimal | None = None

    def render(self, templates: Mapping[str, object]) -> str:
        """The calculation written with ``templates`` (:data:`EXPLANATIONS` or a translation)."""
        return render_steps(self.steps, templates, SEPARATOR)

    @property
    def explanation(self) -> str:
        """The calculation in English, for the CLI, logs and audit data."""
        return self.render(EXPLANATIONS)


def round_to_step(value: Decimal, step: Decimal, mode: Rounding | str) -> Decimal:
    """Round ``value`` to a multiple of ``step`` with a named mode.

    Example: 3.75 to 0.5 half-up → 4.0; 3.75 to 0.5 down → 3.5. The result keeps the step's
    decimal places (4.0 for step 0.5) so the step stays visible.
    """
    number = _exact(value, "value")
    size = _positive(step, "step")
    decimal_mode = Rounding(mode).decimal_mode
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        units = (number / size).quantize(Decimal(1), rounding=decimal_mode)
        result = units * size
    return result + Decimal(0)  # turns -0 into 0


def _rounded(exact: Decimal, rule: CreditRule, to_system: CreditSystem) -> tuple[Decimal, Step]:
    step = rule.step_for(to_system)
    amount = round_to_step(exact, step, rule.rounding)
    return amount, Step(f"credits_rounded_{rule.rounding.value}",
                        {"step": _fmt(step), "amount": _fmt(amount)})


def convert(
    amount: Decimal | None,
    from_system: CreditSystem | str,
    to_system: CreditSystem | str,
    rules: RuleSet,
    kind: CourseKind | str = CourseKind.LECTURE,
    *,
    contact_hours: Decimal | None = None,
    total_hours: Decimal | None = None,
) -> Conversion:
    """Convert a course's credits from one system to the other by the partnership's rule.

    ``amount`` is needed by the ratio method and by the identity; the workload method reads
    ``total_hours`` (to ECTS) or ``contact_hours`` (to 学分) instead, and records ``amount``
    only as given. Converting to 学分 a kind the rule does not credit yields 0 with the reason.

    Raises:
        TypeError: an input is a float (or not a number).
        ValueError: an amount or hours value is not > 0; the method needs an input that is
            missing; or 学分 are given for a kind the rule says carries none.
    """
    source = CreditSystem(from_system)
    target = CreditSystem(to_system)
    course_kind = CourseKind(kind)
    if not isinstance(rules, RuleSet):
        raise TypeError("rules must be a RuleSet")
    given = None if amount is None else _positive(amount, "amount")
    contact = None if contact_hours is None else _positive(contact_hours, "contact_hours")
    total = None if total_hours is None else _positive(total_hours, "total_hours")
    inputs = {"source_amount": given, "contact_hours": contact, "total_hours": total}

    if source is target:
        if given is None:
            raise ValueError("amount is required to convert (identity needs an amount)")
        return Conversion(
            amount=given, exact=given, from_system=source, to_system=target,
            method=Method.IDENTITY, kind=course_kind, rule=None,
            steps=(Step(f"credits_same_system_{source.value}", {"amount": _fmt(given)}),),
            **inputs)

    rule = rules.rule_for(course_kind)
    result = {"from_system": source, "to_system": target, "method": rule.method,
              "kind": course_kind, "rule": rule, **inputs}

    if target is CreditSystem.CN and not rule.credited:
        zero = Decimal(0)
        return Conversion(
            amount=zero, exact=zero,
            steps=(Step(f"credits_not_credited_{course_kind.value}"),),
            **result)

    if rule.method is Method.RATIO:
        if given is None:
            raise ValueError("amount is required: the ratio method converts the credit amount")
        with localcontext() as ctx:
            ctx.prec = _PRECISION
            if target is CreditSystem.ECTS:
                if not rule.credited:
                    raise ValueError(
                        f"this rule says {_a(course_kind)} earns no 学分 on the Chinese side, so "
                        f"{_fmt(given)} 学分 cannot be converted by ratio; give {course_kind} a "
                        f"credited rule, or use the workload method with total_hours")
                exact = given * rule.ects_per_cn
                key = "credits_ratio_to_ects"
            else:
                exact = given / rule.ects_per_cn
                key = "credits_ratio_to_cn"
            working = Step(key, {"amount": _fmt(given), "ratio": _fmt(rule.ects_per_cn),
                                 "exact": _fmt_exact(exact)})
    else:
        with localcontext() as ctx:
            ctx.prec = _PRECISION
            if target is CreditSystem.ECTS:
                if total is None:
                    raise ValueError("total_hours is required: the workload method converts to "
                                     "ECTS from total workload hours")
                exact = total / rule.hours_per_ects
                working = Step("credits_workload_to_ects", {
                    "hours": _fmt(total), "per": _fmt(rule.hours_per_ects),
                    "exact": _fmt_exact(exact)})
            else:
                if contact is None:
                    raise ValueError("contact_hours is required: the workload method converts to "
                                     "学分 from contact hours")
                exact = contact / rule.contact_hours_per_cn
                working = Step("credits_workload_to_cn", {
                    "hours": _fmt(contact), "per": _fmt(rule.contact_hours_per_cn),
                    "exact": _fmt_exact(exact)})

    rounded, how = _rounded(exact, rule, target)
    return Conversion(amount=rounded, exact=exact, steps=(working, how), **result)


def _relative_difference(a: Decimal, b: Decimal) -> Decimal:
    """|a − b| / max(a, b): symmetric, in [0, 1], 0 when both are zero."""
    larger = max(a, b)
    if larger == 0:
        return Decimal(0)
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return abs(a - b) / larger


def _non_negative(value: object, name: str) -> Decimal:
    number = _exact(value, name)
    if number < 0:
        raise ValueError(f"{name} must not be negative, not {_fmt(number)}")
    return number


def workload_difference(a_hours: Decimal | None, b_hours: Decimal | None) -> Decimal | None:
    """Relative workload difference of two mapped courses, |a − b| / max(a, b).

    ``None`` when either side's hours are unknown: no number is better than a guessed one.
    Relative rather than absolute so that 10 h apart weighs more on a 20 h course than a 200 h one.
    """
    if a_hours is None or b_hours is None:
        return None
    return _relative_difference(_non_negative(a_hours, "a_hours"),
                                _non_negative(b_hours, "b_hours"))


def exceeds_tolerance(
    a_amount_in_ects: Decimal,
    b_amount_in_ects: Decimal,
    tolerance: Decimal = Decimal("0.25"),
) -> bool:
    """Whether two mapped courses' credits, both in ECTS, differ by more than ``tolerance``.

    The difference is relative, |a − b| / max(a, b), so the default 0.25 warns when one course
    is worth less than three quarters of the other (6 vs 4.5 ECTS is exactly 0.25: no warning).
    Used by the equivalence page to flag a mapping worth a second look, not to forbid it.
    """
    limit = _exact(tolerance, "tolerance")
    if not 0 <= limit < 1:
        raise ValueError(f"tolerance must be at least 0 and below 1, not {_fmt(limit)}")
    a = _non_negative(a_amount_in_ects, "a_amount_in_ects")
    b = _non_negative(b_amount_in_ects, "b_amount_in_ects")
    return _relative_difference(a, b) > limit
