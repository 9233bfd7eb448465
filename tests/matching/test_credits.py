"""Credit conversion ECTS ↔ 学分: worked examples by hand, then properties with hypothesis."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jointdegree.matching.credits import (
    ALLOWED_STEPS,
    Conversion,
    CourseKind,
    CreditRule,
    CreditSystem,
    Method,
    Rounding,
    RuleSet,
    convert,
    exceeds_tolerance,
    round_to_step,
    workload_difference,
)

D = Decimal
ECTS, CN = CreditSystem.ECTS, CreditSystem.CN

# No deadline: these are pure Decimal computations, and a timing limit on a busy CI machine would
# only add flakiness, not test anything about credits.
props = settings(deadline=None)


# --- worked examples, computed by hand -----------------------------------------------------------


def test_cn_to_ects_by_ratio() -> None:
    # 4 学分 × 1.5 ECTS per 学分 = 6 ECTS; 6 is a multiple of 0.5, so rounding keeps 6.
    result = convert(D(4), CN, ECTS, RuleSet.default())
    assert result.amount == D(6)
    assert result.exact == D(6)
    assert result.method is Method.RATIO
    assert result.source_amount == D(4)
    assert result.rule == RuleSet.default().default_rule


def test_ects_to_cn_by_ratio_explains_itself() -> None:
    # 6 ECTS ÷ 1.5 ECTS per 学分 = 4 学分.
    result = convert(D(6), "ects", "cn", RuleSet.default())
    assert result.amount == D(4)
    assert (result.from_system, result.to_system) == (ECTS, CN)
    assert result.explanation == (
        "6 ECTS ÷ 1.5 ECTS per 学分 = 4 学分, rounded half-up to 0.5 → 4")


def test_exact_value_is_kept_beside_the_rounded_one() -> None:
    # 2.5 学分 × 1.5 = 3.75 ECTS exactly; 3.75 / 0.5 = 7.5 steps, half-up → 8 steps = 4.0 ECTS.
    result = convert(D("2.5"), CN, ECTS, RuleSet.default())
    assert result.exact == D("3.75")
    assert result.amount == D("4.0")
    assert "3.75 ECTS" in result.explanation
    assert "→ 4" in result.explanation


def test_rounding_mode_changes_the_result() -> None:
    # 3.75 ECTS = 7.5 half-steps: half-up → 8 (4.0), half-even → 8 (4.0), down → 7 (3.5).
    # 3.25 ECTS = 6.5 half-steps: half-even → 6 (3.0), half-up → 7 (3.5).
    assert round_to_step(D("3.75"), D("0.5"), Rounding.HALF_UP) == D("4.0")
    assert round_to_step(D("3.75"), D("0.5"), Rounding.HALF_EVEN) == D("4.0")
    assert round_to_step(D("3.75"), D("0.5"), Rounding.DOWN) == D("3.5")
    assert round_to_step(D("3.25"), D("0.5"), Rounding.HALF_EVEN) == D("3.0")
    assert round_to_step(D("3.25"), D("0.5"), "half_up") == D("3.5")
    # 3.01 to a whole step: up → 4, down → 3.
    assert round_to_step(D("3.01"), D(1), Rounding.UP) == D(4)
    assert round_to_step(D("3.01"), D(1), Rounding.DOWN) == D(3)
    # 3.75 to 0.25 is already on the grid.
    assert round_to_step(D("3.75"), D("0.25"), Rounding.UP) == D("3.75")


def test_non_terminating_quotient() -> None:
    # 5 ECTS ÷ 1.5 = 3.333… 学分; 3.333 / 0.5 = 6.67 steps → 7 steps = 3.5 学分.
    result = convert(D(5), ECTS, CN, RuleSet.default())
    assert result.amount == D("3.5")
    assert result.exact.quantize(D("0.0001")) == D("3.3333")
    assert "3.3333… 学分" in result.explanation


def test_workload_to_ects_from_total_hours() -> None:
    # 150 h ÷ 27.5 h per ECTS = 5.4545… ECTS; 10.9 half-steps → 11 = 5.5 ECTS.
    rules = RuleSet.default(method="workload")
    result = convert(None, CN, ECTS, rules, total_hours=D(150))
    assert result.method is Method.WORKLOAD
    assert result.exact.quantize(D("0.0001")) == D("5.4545")
    assert result.amount == D("5.5")
    assert result.total_hours == D(150)
    assert result.source_amount is None
    assert "150 h total workload ÷ 27.5 h per ECTS = 5.4545… ECTS" in result.explanation


def test_workload_to_cn_from_contact_hours_by_kind() -> None:
    rules = RuleSet.default(method=Method.WORKLOAD)
    # Lecture: 48 contact h ÷ 16 h per 学分 = 3 学分.
    assert convert(D(5), ECTS, CN, rules, contact_hours=D(48)).amount == D(3)
    # Lab: 48 contact h ÷ 32 h per 学分 = 1.5 学分.
    lab = convert(D(5), ECTS, CN, rules, CourseKind.LAB, contact_hours=D(48))
    assert lab.amount == D("1.5")
    assert lab.rule is not None and lab.rule.contact_hours_per_cn == D(32)
    # The amount is recorded as given, but the workload method does not use it.
    assert lab.source_amount == D(5)


def test_lab_under_ratio_method_counts_like_a_lecture() -> None:
    # Year normalisation: 2 学分 × 1.5 = 3 ECTS whatever the kind.
    assert convert(D(2), CN, ECTS, RuleSet.default(), "lab").amount == D(3)


def test_thesis_is_not_credited_on_the_chinese_side_by_default() -> None:
    # A 30 ECTS French master's thesis earns no 学分: 0, with the reason.
    result = convert(D(30), ECTS, CN, RuleSet.default(), CourseKind.THESIS)
    assert result.amount == D(0)
    assert result.exact == D(0)
    assert "not credited" in result.explanation
    assert result.rule is not None and result.rule.credited is False
    internship = convert(D(6), ECTS, CN, RuleSet.default(), CourseKind.INTERNSHIP)
    assert internship.amount == D(0)


def test_uncredited_thesis_needs_no_hours_even_under_workload() -> None:
    result = convert(D(30), ECTS, CN, RuleSet.default(method="workload"), "thesis")
    assert result.amount == D(0)


def test_cn_credits_for_an_uncredited_kind_are_refused_by_ratio() -> None:
    with pytest.raises(ValueError, match="earns no 学分"):
        convert(D(6), CN, ECTS, RuleSet.default(), CourseKind.THESIS)


def test_uncredited_thesis_converts_to_ects_from_hours() -> None:
    # The workload still counts: 750 h ÷ 25 h per ECTS = 30 ECTS.
    rule = CreditRule(method="workload", hours_per_ects=D(25), credited=False)
    rules = RuleSet(rules={CourseKind.THESIS: rule})
    assert convert(None, CN, ECTS, rules, "thesis", total_hours=D(750)).amount == D(30)


def test_per_kind_override_and_custom_step() -> None:
    # Lectures 1 学分 = 2 ECTS rounded to whole ECTS, down: 2.3 × 2 = 4.6 → 4.
    rules = RuleSet(rules={CourseKind.LECTURE: CreditRule(ects_per_cn=D(2), step=D(1),
                                                         rounding=Rounding.DOWN)})
    assert convert(D("2.3"), CN, ECTS, rules).amount == D(4)
    # Labs fall back to the default rule (1.5): 2.3 × 1.5 = 3.45 → 6.9 half-steps → 3.5.
    assert convert(D("2.3"), CN, ECTS, rules, "lab").amount == D("3.5")


def test_identity_when_systems_are_equal() -> None:
    # 3.75 is not a multiple of 0.5: identity leaves it unrounded.
    result = convert(D("3.75"), ECTS, ECTS, RuleSet.default())
    assert result.amount == D("3.75")
    assert result.method is Method.IDENTITY
    assert result.rule is None


@pytest.mark.parametrize(("from_system", "to_system", "missing"), [
    (CN, ECTS, "total_hours"),
    (ECTS, CN, "contact_hours"),
])
def test_workload_names_the_missing_hours(from_system: CreditSystem, to_system: CreditSystem,
                                          missing: str) -> None:
    rules = RuleSet.default(method="workload")
    with pytest.raises(ValueError, match=missing):
        convert(D(4), from_system, to_system, rules)


def test_ratio_needs_an_amount() -> None:
    with pytest.raises(ValueError, match="amount is required"):
        convert(None, CN, ECTS, RuleSet.default(), contact_hours=D(48))
    with pytest.raises(ValueError, match="amount is required"):
        convert(None, CN, CN, RuleSet.default())


@pytest.mark.parametrize("bad", [D(0), D(-1), D("-0.5")])
def test_zero_or_negative_amount_is_refused(bad: Decimal) -> None:
    with pytest.raises(ValueError, match="greater than zero"):
        convert(bad, CN, ECTS, RuleSet.default())
    with pytest.raises(ValueError, match="greater than zero"):
        convert(bad, ECTS, ECTS, RuleSet.default())


def test_non_positive_hours_are_refused() -> None:
    with pytest.raises(ValueError, match="total_hours"):
        convert(None, CN, ECTS, RuleSet.default("workload"), total_hours=D(0))


def test_nan_and_infinity_are_refused() -> None:
    for bad in (D("NaN"), D("Infinity")):
        with pytest.raises(ValueError, match="finite"):
            convert(bad, CN, ECTS, RuleSet.default())


def test_floats_are_rejected_everywhere() -> None:
    rules = RuleSet.default()
    with pytest.raises(TypeError, match="float"):
        convert(4.0, CN, ECTS, rules)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="float"):
        convert(None, CN, ECTS, RuleSet.default("workload"), total_hours=150.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="float"):
        CreditRule(ects_per_cn=1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="float"):
        round_to_step(3.75, D("0.5"), Rounding.HALF_UP)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="float"):
        workload_difference(150.0, D(150))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="float"):
        exceeds_tolerance(D(6), D(4), 0.25)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        convert("4", CN, ECTS, rules)  # type: ignore[arg-type]


def test_ints_are_exact_and_accepted() -> None:
    assert convert(4, CN, ECTS, RuleSet.default()).amount == D(6)  # type: ignore[arg-type]


@pytest.mark.parametrize(("changes", "message"), [
    ({"ects_per_cn": D(0)}, "ects_per_cn must be greater than zero"),
    ({"ects_per_cn": D("10.5")}, "ects_per_cn must be at most 10"),
    ({"hours_per_ects": D(19)}, "hours_per_ects must be between 20 and 40"),
    ({"hours_per_ects": D(41)}, "hours_per_ects must be between 20 and 40"),
    ({"contact_hours_per_cn": D(7)}, "contact_hours_per_cn must be between 8 and 60"),
    ({"contact_hours_per_cn": D(61)}, "contact_hours_per_cn must be between 8 and 60"),
    ({"step": D("0.3")}, "step must be one of 0.1, 0.25, 0.5, 1"),
    ({"cn_step": D(2)}, "cn_step must be one of"),
    ({"method": "identity"}, "identity is not a rule"),
    ({"method": "hours"}, "method must be 'ratio' or 'workload'"),
    ({"rounding": "nearest"}, "rounding must be one of"),
])
def test_rule_validation_messages(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CreditRule(**changes)  # type: ignore[arg-type]


def test_rule_boundaries_are_inclusive_and_strings_are_coerced() -> None:
    rule = CreditRule(method="workload", ects_per_cn=D(10), hours_per_ects=D(20),
                      contact_hours_per_cn=D(60), step=D("0.1"), rounding="half_even")
    assert rule.method is Method.WORKLOAD
    assert rule.rounding is Rounding.HALF_EVEN
    assert CreditRule(step=1) == CreditRule(step=D(1))  # type: ignore[arg-type]


def test_default_ruleset_documents_its_choices() -> None:
    rules = RuleSet.default()
    assert rules.rule_for("lecture").ects_per_cn == D("1.5")
    assert rules.rule_for(CourseKind.LECTURE).hours_per_ects == D("27.5")
    assert rules.rule_for(CourseKind.LAB).contact_hours_per_cn == D(32)
    assert not rules.rule_for(CourseKind.THESIS).credited
    assert not rules.rule_for(CourseKind.INTERNSHIP).credited
    for name in ("Guangzhou", "Qingdao", "ECTS Users' Guide"):
        assert name in (RuleSet.default.__doc__ or "")


def test_ruleset_is_frozen_and_hashable() -> None:
    overrides = {CourseKind.LAB: CreditRule(ects_per_cn=D(1))}
    rules = RuleSet(rules=overrides)
    overrides[CourseKind.LAB] = CreditRule(ects_per_cn=D(3))  # the caller's dict changes later
    assert rules.rule_for(CourseKind.LAB).ects_per_cn == D(1)
    assert hash(rules) == hash(RuleSet(rules={CourseKind.LAB: CreditRule(ects_per_cn=D(1))}))
    with pytest.raises(dataclasses.FrozenInstanceError):
        rules.default_rule = CreditRule()  # type: ignore[misc]


def test_workload_difference() -> None:
    # |150 − 120| / 150 = 0.2.
    assert workload_difference(D(150), D(120)) == D("0.2")
    assert workload_difference(D(120), D(150)) == D("0.2")
    assert workload_difference(D(150), None) is None
    assert workload_difference(None, D(150)) is None
    assert workload_difference(D(0), D(0)) == D(0)
    with pytest.raises(ValueError, match="negative"):
        workload_difference(D(-1), D(5))


def test_exceeds_tolerance() -> None:
    # |6 − 4.5| / 6 = 0.25: exactly at the tolerance, not beyond it.
    assert not exceeds_tolerance(D(6), D("4.5"))
    # |6 − 4| / 6 = 0.333…  > 0.25.
    assert exceeds_tolerance(D(6), D(4))
    assert exceeds_tolerance(D(4), D(6))
    # A thesis mapped to an uncredited (0) one is maximally different.
    assert exceeds_tolerance(D(30), D(0))
    assert not exceeds_tolerance(D(0), D(0))
    assert not exceeds_tolerance(D(6), D(4), tolerance=D("0.4"))
    with pytest.raises(ValueError, match="tolerance"):
        exceeds_tolerance(D(6), D(4), tolerance=D(1))


# --- properties ----------------------------------------------------------------------------------

# Credits and hours as the catalog stores them: positive, one decimal, up to its column sizes.
credits = st.decimals(min_value=D("0.1"), max_value=D("9999.9"), places=1)
hours = st.decimals(min_value=D("0.5"), max_value=D("99999.9"), places=1)
steps = st.sampled_from(sorted(ALLOWED_STEPS))
roundings = st.sampled_from(list(Rounding))
systems = st.sampled_from(list(CreditSystem))
kinds = st.sampled_from(list(CourseKind))


@st.composite
def credit_rules(draw: st.DrawFn, method: Method | None = None) -> CreditRule:
    return CreditRule(
        method=method or draw(st.sampled_from([Method.RATIO, Method.WORKLOAD])),
        ects_per_cn=draw(st.decimals(min_value=D("0.1"), max_value=D(10), places=2)),
        hours_per_ects=draw(st.decimals(min_value=D(20), max_value=D(40), places=1)),
        contact_hours_per_cn=draw(st.decimals(min_value=D(8), max_value=D(60), places=1)),
        step=draw(steps),
        cn_step=draw(steps),
        rounding=draw(roundings),
        credited=draw(st.booleans()),
    )


def _convert_any(amount: Decimal, source: CreditSystem, target: CreditSystem,
                 rule: CreditRule, kind: CourseKind) -> Conversion:
    """Convert with every input present, scaled from the amount so hours grow with it."""
    return convert(amount, source, target, RuleSet(default_rule=rule), kind,
                   contact_hours=amount * 16, total_hours=amount * 27)


def _convertible(source: CreditSystem, target: CreditSystem, rule: CreditRule) -> bool:
    """False only for the refused case: 学分 of an uncredited kind, converted by ratio."""
    return not (source is CN and target is ECTS and rule.method is Method.RATIO
                and not rule.credited)


@props
@given(value=st.decimals(min_value=D(-100000), max_value=D(100000), places=3),
       step=steps, mode=roundings)
def test_round_to_step_lands_on_the_grid_within_one_step(value: Decimal, step: Decimal,
                                                          mode: Rounding) -> None:
    rounded = round_to_step(value, step, mode)
    assert rounded % step == 0
    assert abs(rounded - value) < step
    if mode in (Rounding.HALF_UP, Rounding.HALF_EVEN):
        assert abs(rounded - value) <= step / 2


@props
@given(amount=credits, source=systems, rule=credit_rules(), kind=kinds)
def test_results_are_multiples_of_the_step_and_never_negative(
        amount: Decimal, source: CreditSystem, rule: CreditRule, kind: CourseKind) -> None:
    target = CN if source is ECTS else ECTS
    if not _convertible(source, target, rule):
        with pytest.raises(ValueError, match="earns no 学分"):
            _convert_any(amount, source, target, rule, kind)
        return
    result = _convert_any(amount, source, target, rule, kind)
    assert result.amount >= 0
    assert result.exact >= 0
    assert result.amount % rule.step_for(target) == 0


@props
@given(small=credits, large=credits, source=systems, rule=credit_rules(), kind=kinds)
def test_a_larger_amount_never_converts_to_a_smaller_result(
        small: Decimal, large: Decimal, source: CreditSystem, rule: CreditRule,
        kind: CourseKind) -> None:
    small, large = sorted((small, large))
    target = CN if source is ECTS else ECTS
    if not _convertible(source, target, rule):
        return
    low = _convert_any(small, source, target, rule, kind)
    high = _convert_any(large, source, target, rule, kind)
    assert low.exact <= high.exact
    assert low.amount <= high.amount


@props
@given(amount=credits, system=systems, rule=credit_rules(), kind=kinds)
def test_identity_when_systems_are_equal_is_unchanged(
        amount: Decimal, system: CreditSystem, rule: CreditRule, kind: CourseKind) -> None:
    result = _convert_any(amount, system, system, rule, kind)
    assert result.amount == result.exact == amount
    assert result.method is Method.IDENTITY


@props
@given(halves=st.integers(min_value=1, max_value=19999))
def test_round_trip_with_default_rule_stays_within_one_step(halves: int) -> None:
    # With the default rule (1.5, both steps 0.5, half-up) and a start on the 0.5 grid:
    # a ÷ 1.5 is a multiple of 1/3, at most 1/6 from the 0.5 grid, so back × 1.5 is at most
    # 0.25 away from a; rounding that to 0.5 adds at most 0.25 more → within one step (0.5).
    start = D(halves) * D("0.5")
    rules = RuleSet.default()
    there = convert(start, ECTS, CN, rules)
    back = convert(there.amount, CN, ECTS, rules) if there.amount > 0 else None
    final = back.amount if back else D(0)
    assert abs(final - start) <= D("0.5")


@props
@given(amount=credits, rule=credit_rules(method=Method.RATIO))
def test_round_trip_by_ratio_is_bounded_by_both_roundings(amount: Decimal,
                                                          rule: CreditRule) -> None:
    # "Within one step" is NOT true for every ratio rule: at 1 学分 = 10 ECTS with a 0.5 学分
    # step, 2 ECTS → 0.2 学分 → 0 学分 → 0 ECTS is 2 ECTS (4 steps) off. The honest bound is the
    # 学分 rounding error scaled back by the ratio, plus the ECTS rounding error:
    #   |back − start| ≤ ects_per_cn × err(cn_step) + err(step),
    # where err(s) = s/2 for half-up/half-even and s for down/up.
    rule = dataclasses.replace(rule, credited=True)
    rules = RuleSet(default_rule=rule)
    there = convert(amount, ECTS, CN, rules)
    final = convert(there.amount, CN, ECTS, rules).amount if there.amount > 0 else D(0)
    halving = rule.rounding in (Rounding.HALF_UP, Rounding.HALF_EVEN)

    def err(step: Decimal) -> Decimal:
        return step / 2 if halving else step

    assert abs(final - amount) <= rule.ects_per_cn * err(rule.cn_step) + err(rule.step)


def test_round_trip_counterexample_to_one_step() -> None:
    # The counterexample above, by hand: 2 ECTS ÷ 10 = 0.2 学分 → 0 (half-up to 0.5).
    rules = RuleSet(default_rule=CreditRule(ects_per_cn=D(10)))
    assert convert(D(2), ECTS, CN, rules).amount == D(0)


# grades.py takes Step from credits.py (both pure), so that both explain themselves alike.
PURE_PROJECT_MODULES = {"jointdegree.decimals", "jointdegree.catalog.records",
                        "jointdegree.matching.credits"}


@pytest.mark.parametrize("name", ["jointdegree.matching.credits", "jointdegree.matching.grades",
                                  "jointdegree.matching.suggest", "jointdegree.decimals",
                                  "jointdegree.catalog.records"])
def test_pure_modules_import_only_the_standard_library(name: str) -> None:
    # "Pure core" (DESIGN.md): no Flask, no SQLAlchemy, no app code in the conversion rules;
    # only the standard library and the project's other pure modules.
    import ast
    import importlib
    import sys
    from pathlib import Path

    module = importlib.import_module(name)
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    outside = {m for m in imported if m.split(".")[0] not in sys.stdlib_module_names
               and m != "__future__" and m not in PURE_PROJECT_MODULES}
    assert not outside, f"{name} imports {outside}"
