"""A partnership's credit rules: reading them as a :class:`RuleSet`, changing them (audited),
and converting a course's or an amount's credits with them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from jointdegree.audit.services import record as audit
from jointdegree.audit.services import snapshot
from jointdegree.auth.models import User
from jointdegree.auth.policy import authorize
from jointdegree.catalog.models import Course, CreditSystem, Partnership
from jointdegree.catalog.services import check_version, commit_versioned
from jointdegree.db import session, utcnow
from jointdegree.errors import ValidationFailed
from jointdegree.matching.credits import (
    Conversion,
    CourseKind,
    CreditRule,
    Method,
    Rounding,
    RuleSet,
    convert,
)
from jointdegree.matching.models import CreditRuleRow

KINDS = ("any", *(kind.value for kind in CourseKind))
RULE_FIELDS = ("kind", "method", "ects_per_cn", "hours_per_ects", "contact_hours_per_cn",
               "step", "cn_step", "rounding", "credited")


def _rule(row: CreditRuleRow) -> CreditRule:
    return CreditRule(method=Method(row.method), ects_per_cn=row.ects_per_cn,
                      hours_per_ects=row.hours_per_ects,
                      contact_hours_per_cn=row.contact_hours_per_cn, step=row.step,
                      cn_step=row.cn_step, rounding=Rounding(row.rounding),
                      credited=row.credited)


def rule_rows(partnership: Partnership) -> list[CreditRuleRow]:
    return list(session.scalars(select(CreditRuleRow).where(
        CreditRuleRow.partnership_id == partnership.id).order_by(CreditRuleRow.kind)))


def rule_set(partnership: Partnership, rows: list[CreditRuleRow] | None = None) -> RuleSet:
    """The partnership's rules; kinds it has not set follow the documented defaults."""
    rows = rule_rows(partnership) if rows is None else rows
    defaults = RuleSet.default()
    by_kind = {row.kind: _rule(row) for row in rows}
    default_rule = by_kind.pop("any", defaults.default_rule)
    overrides = dict(defaults.rules) | {CourseKind(kind): rule for kind, rule in by_kind.items()}
    return RuleSet(default_rule=default_rule, rules=overrides)


def _decimal(data: Mapping[str, Any], name: str, errors: dict[str, Any]) -> Decimal | None:
    try:
        return Decimal(str(data.get(name)).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        errors[name] = _l("Enter a number.")
        return None


def set_rule(partnership: Partnership, data: Mapping[str, Any], actor: User | None,
             expected_version: int | None = None) -> CreditRuleRow:
    """Create or change the rule for one kind of course. Audited; conversions already recorded
    on issued documents keep the rule they were made with (documents store their figures)."""
    if actor is not None:
        authorize("partnership.edit", partnership, user=actor)
    errors: dict[str, Any] = {}
    kind = str(data.get("kind") or "any")
    if kind not in KINDS:
        errors["kind"] = _l("Unknown kind of course.")
    values = {name: _decimal(data, name, errors) for name in
              ("ects_per_cn", "hours_per_ects", "contact_hours_per_cn", "step", "cn_step")}
    method, rounding = str(data.get("method") or ""), str(data.get("rounding") or "half_up")
    if method not in ("ratio", "workload"):
        errors["method"] = _l("Choose a fixed ratio or workload.")
    if rounding not in {r.value for r in Rounding}:
        errors["rounding"] = _l("Unknown rounding rule.")
    credited = data.get("credited", True) not in (False, "false", "0", "", None)
    if not errors:
        try:
            CreditRule(method=Method(method), rounding=Rounding(rounding), credited=credited,
                       **values)  # type: ignore[arg-type]
        except ValueError as exc:
            errors["rule"] = str(exc)
    if errors:
        raise ValidationFailed(_l("Please correct the highlighted fields."), fields=errors)
    row = session.scalar(select(CreditRuleRow).where(
        CreditRuleRow.partnership_id == partnership.id, CreditRuleRow.kind == kind))
    before = None
    if row is None:
        row = CreditRuleRow(partnership_id=partnership.id, kind=kind)
        session.add(row)
    else:
        check_version(row, expected_version)
        before = snapshot(row, RULE_FIELDS)
    row.method, row.rounding, row.credited = method, rounding, credited
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    row.updated_by_id = getattr(actor, "id", None)
    session.flush()
    audit("credit_rule.set", row, actor=actor, before=before, after=snapshot(row, RULE_FIELDS),
          institution_id=partnership.programme_a.institution_id)
    commit_versioned()
    return row


def to_ects(course: Course, rules: RuleSet) -> Conversion:
    """A course's credits in ECTS under ``rules`` (identity for an ECTS institution)."""
    return convert(course.credits, course.institution.credit_system.value, "ects", rules,
                   course.kind.value, contact_hours=course.contact_hours,
                   total_hours=total_hours(course))


def to_system(course: Course, system: CreditSystem | str, rules: RuleSet) -> Conversion:
    return convert(course.credits, course.institution.credit_system.value, str(system), rules,
                   course.kind.value, contact_hours=course.contact_hours,
                   total_hours=total_hours(course))


def total_hours(course: Course) -> Decimal | None:
    if course.contact_hours is None and course.self_study_hours is None:
        return None
    return (course.contact_hours or Decimal(0)) + (course.self_study_hours or Decimal(0))


def convert_amount(partnership: Partnership, from_system: str, to_system: str,
                   amount: Decimal | None, kind: str = "lecture",
                   contact_hours: Decimal | None = None,
                   total_hours: Decimal | None = None) -> Conversion:
    """The API's and the partnership page's converter: explains the rule it used."""
    try:
        return convert(amount, from_system, to_system, rule_set(partnership), kind,
                       contact_hours=contact_hours, total_hours=total_hours)
    except (ValueError, TypeError) as exc:
        raise ValidationFailed(str(exc), code="conversion_impossible",
                               fields={"amount": str(exc)}) from None


def worked_examples(partnership: Partnership) -> list[Conversion]:
    """What the partnership page shows: a typical lecture both ways, and a lab."""
    rules = rule_set(partnership)
    examples = []
    for amount, source, target, kind, contact, total in (
            (Decimal(6), "ects", "cn", "lecture", Decimal(48), Decimal(150)),
            (Decimal(2), "cn", "ects", "lecture", Decimal(32), Decimal(64)),
            (Decimal(1), "cn", "ects", "lab", Decimal(32), Decimal(40))):
        try:
            examples.append(convert(amount, source, target, rules, kind,
                                    contact_hours=contact, total_hours=total))
        except ValueError:
            continue
    return examples


@dataclass(frozen=True)
class RuleLine:
    kind: str  # "any" or a CourseKind value
    rule: CreditRule
    agreed: bool  # set by the partnership (False: the documented default applies)


def rule_table(partnership: Partnership, rows: list[CreditRuleRow] | None = None
               ) -> list[RuleLine]:
    """The rule for every kind of course, saying which ones the partnership set itself."""
    rows = rule_rows(partnership) if rows is None else rows
    rules = rule_set(partnership, rows)
    agreed = {row.kind for row in rows}
    lines = [RuleLine("any", rules.default_rule, "any" in agreed)]
    lines += [RuleLine(kind.value, rules.rule_for(kind), kind.value in agreed)
              for kind in CourseKind]
    return lines


def credit_curve(partnership: Partnership, up_to: int = 8) -> list[tuple[Decimal, Decimal]]:
    """(学分, ECTS) for 0…``up_to`` Chinese credits of a lecture, converted by the partnership's
    own rule (the page's chart). Empty when the rule needs hours rather than an amount."""
    rules = rule_set(partnership)
    points = [(Decimal(0), Decimal(0))]
    for amount in range(1, up_to + 1):
        try:
            points.append((Decimal(amount), convert(Decimal(amount), "cn", "ects", rules,
                                                    "lecture").amount))
        except ValueError:
            return []
    return points
