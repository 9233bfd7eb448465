"""Grade scales (shipped and registrar-defined) and each partnership's grade conversion rules.

:func:`convert_grade` is the one place where a grade is converted: the conversion page, the API,
and later the degree audit and the transcripts call it. It never changes the original grade.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from jointdegree.audit.services import record as audit
from jointdegree.audit.services import snapshot
from jointdegree.auth.models import Role, User
from jointdegree.auth.policy import authorize, policy
from jointdegree.catalog.models import Partnership
from jointdegree.catalog.services import academic_year_start, check_version, commit_versioned
from jointdegree.db import session, utcnow
from jointdegree.errors import NotFound, ValidationFailed
from jointdegree.matching.grades import (
    MIN_GROUP,
    SHIPPED,
    AgreedTable,
    ConversionMethod,
    GradeConversion,
    GradeError,
    GradingTable,
    GradingTableConversion,
    PassAnchoredLinear,
    PkuFormula,
    Scale,
    alternative_methods,
    default_tables,
)
from jointdegree.matching.models import GradeRule, GradeScaleRow

METHODS = ("agreed_table", "pass_anchored_linear", "pku_formula", "grading_table")
RULE_FIELDS = ("from_scale", "to_scale", "method", "table")


@policy("scale.create")
def _scale_create(user: User, _target: Any) -> bool:
    return user.role in (Role.ADMIN, Role.REGISTRAR)


# -- scales ---------------------------------------------------------------------------------------

def all_scales() -> dict[str, Scale]:
    """Shipped scales, then the ones registrars added (codes never clash)."""
    scales = dict(SHIPPED)
    for row in session.scalars(select(GradeScaleRow).order_by(GradeScaleRow.code)):
        scales[row.code] = Scale.from_dict(row.definition)
    return scales


def get_scale(code: str) -> Scale:
    scale = all_scales().get(code)
    if scale is None:
        raise NotFound(_l("No grading scale with code %(code)s.", code=code))
    return scale


def add_scale(definition: Mapping[str, Any], actor: User | None) -> Scale:
    """A new partner's scale, as data (no code change): validated, then kept as JSON."""
    if actor is not None:
        authorize("scale.create", user=actor)
    try:
        scale = Scale.from_dict(definition)
    except (GradeError, TypeError, ValueError) as exc:
        raise ValidationFailed(str(exc), fields={"definition": str(exc)}) from None
    if scale.code in all_scales():
        message = _l("This code is already used.")
        raise ValidationFailed(message, fields={"code": message})
    row = GradeScaleRow(code=scale.code, definition=scale.to_dict(),
                        institution_id=getattr(actor, "institution_id", None),
                        created_by_id=getattr(actor, "id", None))
    session.add(row)
    session.flush()
    audit("scale.create", row, actor=actor, after=scale.to_dict(),
          institution_id=getattr(actor, "institution_id", None))
    session.commit()
    return scale


# -- rules ----------------------------------------------------------------------------------------

def scale_pairs(partnership: Partnership) -> list[tuple[str, str]]:
    """The directions a partnership converts: each partner's native scale to the other's."""
    a, b = (p.institution.grading_scale for p in partnership.programmes)
    return [(a, b), (b, a)] if a != b else []


def rules_of(partnership: Partnership) -> dict[tuple[str, str], GradeRule]:
    return {(r.from_scale, r.to_scale): r for r in session.scalars(
        select(GradeRule).where(GradeRule.partnership_id == partnership.id))}


def available_methods(from_code: str, to_code: str) -> list[str]:
    """What a partnership may choose for a pair (the ECTS grading table always qualifies)."""
    methods = []
    if (from_code, to_code) in default_tables():
        methods.append("agreed_table")
    scales = all_scales()
    source, target = scales.get(from_code), scales.get(to_code)
    if source is not None and target is not None and source.is_numeric and target.is_numeric:
        methods.append("pass_anchored_linear")
    for method in alternative_methods().get((from_code, to_code), ()):
        if isinstance(method, PkuFormula):
            methods.append("pku_formula")
    methods.append("grading_table")
    return list(dict.fromkeys(methods))


def set_grade_rule(partnership: Partnership, from_code: str, to_code: str, method: str,
                   actor: User | None, table: Mapping[str, Any] | None = None,
                   expected_version: int | None = None) -> GradeRule:
    """Choose the method (and optionally an agreed table) for one scale pair. Audited."""
    if actor is not None:
        authorize("partnership.edit", partnership, user=actor)
    scales = all_scales()
    errors: dict[str, Any] = {}
    for field, code in (("from_scale", from_code), ("to_scale", to_code)):
        if code not in scales:
            errors[field] = _l("No grading scale with code %(code)s.", code=code)
    if not errors and method not in available_methods(from_code, to_code):
        errors["method"] = _l("This method is not available for these two scales.")
    if not errors and table is not None:
        try:
            AgreedTable.from_dict(table, scales=scales)
        except (GradeError, TypeError, ValueError) as exc:
            errors["table"] = str(exc)
    if errors:
        raise ValidationFailed(_l("Please correct the highlighted fields."), fields=errors)
    row = session.scalar(select(GradeRule).where(
        GradeRule.partnership_id == partnership.id, GradeRule.from_scale == from_code,
        GradeRule.to_scale == to_code))
    before = None
    if row is None:
        row = GradeRule(partnership_id=partnership.id, from_scale=from_code, to_scale=to_code)
        session.add(row)
    else:
        check_version(row, expected_version)
        before = snapshot(row, RULE_FIELDS)
    row.method, row.table = method, dict(table) if table is not None else None
    row.updated_at, row.updated_by_id = utcnow(), getattr(actor, "id", None)
    session.flush()
    audit("grade_rule.set", row, actor=actor, before=before, after=snapshot(row, RULE_FIELDS),
          institution_id=partnership.programme_a.institution_id)
    commit_versioned()
    return row


REFERENCE_YEARS = 3  # the ECTS Users' Guide: a reference group over (at least) 2–3 years


def reference_table(partnership: Partnership, scale: Scale, today: date | None = None
                    ) -> GradingTable:
    """The ECTS grading table of ``scale``: how often each passing grade was given on it at the
    partner that grades on it, over the last three academic years of results the service holds.

    The group is named with its institution, scale and years, so the page and the conversion's
    explanation say exactly who was counted; its ``size`` decides whether the method may be used.
    """
    from jointdegree.catalog.models import AcademicTerm, Course
    from jointdegree.planning.models import Result, ResultStatus

    first = academic_year_start(today) - REFERENCE_YEARS + 1
    institutions = [p.institution for p in partnership.programmes
                    if p.institution.grading_scale == scale.code]
    statement = (select(Result.grade, func.count()).join(AcademicTerm,
                                                         AcademicTerm.id == Result.term_id)
                 .where(Result.scale == scale.code, Result.grade.is_not(None),
                        Result.status.in_((ResultStatus.PASSED, ResultStatus.COMPENSATED)),
                        AcademicTerm.academic_year >= f"{first}-{first + 1}")
                 .group_by(Result.grade))
    if institutions:
        statement = statement.join(Course, Course.id == Result.course_id).where(
            Course.institution_id.in_([i.id for i in institutions]))
    counts: dict[Any, int] = {}
    for grade, count in session.execute(statement):
        try:
            value = scale.check(Decimal(grade) if scale.is_numeric else grade)
        except (GradeError, InvalidOperation):
            continue  # a grade recorded before the scale changed: not this table's
        counts[value] = counts.get(value, 0) + count
    where = ", ".join(i.code for i in institutions) or partnership.code
    return GradingTable(scale, counts,
                        group=f"{where}: {scale.code}, {first}–{academic_year_start(today) + 1}")


def method_for(partnership: Partnership, source: Scale, target: Scale,
               rules: Mapping[tuple[str, str], GradeRule] | None = None
               ) -> ConversionMethod | None:
    """The partnership's chosen method for a pair, or the documented default (None = identity).
    ``rules``: the partnership's rules when the caller already read them."""
    if source.code == target.code:
        return None
    rule = (rules_of(partnership) if rules is None else rules).get((source.code, target.code))
    choice = rule.method if rule is not None else (
        "agreed_table" if (source.code, target.code) in default_tables() else None)
    if choice == "agreed_table":
        if rule is not None and rule.table:
            return AgreedTable.from_dict(rule.table, scales=all_scales())
        return default_tables()[(source.code, target.code)]
    if choice == "pass_anchored_linear":
        return PassAnchoredLinear(source, target)
    if choice == "pku_formula":
        return PkuFormula(source, target)
    if choice == "grading_table":
        source_table = reference_table(partnership, source)
        target_table = reference_table(partnership, target)
        for table in (source_table, target_table):
            if table.size < MIN_GROUP:
                raise ValidationFailed(
                    _l("The ECTS grading table of %(scale)s has %(n)d passing results in its "
                       "reference group; at least %(min)d are needed.", scale=table.scale.code,
                       n=table.size, min=MIN_GROUP), code="group_too_small",
                    fields={"method": _l("Reference group too small.")})
        return GradingTableConversion(source_table, target_table)
    raise ValidationFailed(
        _l("The partnership has no rule to convert %(source)s grades to %(target)s.",
           source=source.code, target=target.code), code="no_rule",
        fields={"to_scale": _l("No conversion rule for these scales.")})


def convert_grade(partnership: Partnership, from_code: str, to_code: str, grade: Any
                  ) -> GradeConversion:
    """Convert one grade by the partnership's rule. Bad input gets a message naming the scale."""
    return GradeConverter(partnership).convert(from_code, to_code, grade)


class GradeConverter:
    """Converts many grades of one partnership after reading its scales and rules once (the
    audit converts every result of every student; a query per grade would dominate)."""

    def __init__(self, partnership: Partnership) -> None:
        self.partnership = partnership
        self.scales = all_scales()
        self._rules = rules_of(partnership)
        self._methods: dict[tuple[str, str], ConversionMethod | None] = {}
        self._done: dict[tuple[str, str, Any], GradeConversion] = {}

    def scale(self, code: str) -> Scale:
        scale = self.scales.get(code)
        if scale is None:
            raise NotFound(_l("No grading scale with code %(code)s.", code=code))
        return scale

    def convert(self, from_code: str, to_code: str, grade: Any) -> GradeConversion:
        raw_key = (from_code, to_code, grade if isinstance(grade, str) else None)
        if raw_key[2] is not None and raw_key in self._done:
            return self._done[raw_key]  # the same text converts the same way: no re-parsing
        source, target = self.scale(from_code), self.scale(to_code)
        grade = parse_grade(source, grade)
        key = (from_code, to_code, grade)
        done = self._done.get(key)
        if done is not None:
            if raw_key[2] is not None:
                self._done[raw_key] = done
            return done
        pair = (from_code, to_code)
        if pair not in self._methods:
            self._methods[pair] = method_for(self.partnership, source, target, self._rules)
        method = self._methods[pair]
        try:
            if method is None:
                from jointdegree.matching.grades import convert

                done = convert(grade, source, target)
            else:
                done = method.convert(grade)
        except (GradeError, TypeError) as exc:
            raise ValidationFailed(str(exc), code="invalid_grade", fields={"grade": str(exc)}
                                   ) from None
        self._done[key] = done
        if raw_key[2] is not None:
            self._done[raw_key] = done
        return done


def parse_grade(scale: Scale, raw: Any) -> Any:
    """A typed or JSON grade as the scale expects it: a Decimal on a numeric scale (a comma is
    accepted as the decimal sign), a band code otherwise."""
    if isinstance(raw, str):
        text = raw.strip()
        if scale.is_numeric:
            try:
                return Decimal(text.replace(",", "."))
            except InvalidOperation:
                message = _l("%(grade)s is not a number; %(scale)s is a numeric scale.",
                             grade=text, scale=scale.code)
                raise ValidationFailed(message, code="invalid_grade",
                                       fields={"grade": message}) from None
        return text
    if isinstance(raw, float):
        return Decimal(str(raw))
    return raw


def curve(partnership: Partnership, from_code: str, to_code: str,
          points: int = 41) -> list[tuple[Any, Any]]:
    """(source, converted) pairs across a numeric source scale, for the page's chart."""
    source = get_scale(from_code)
    if not source.is_numeric:
        return []
    low, high = source.minimum, source.maximum
    values = []
    for i in range(points):
        value = source.round(low + (high - low) * i / (points - 1))
        try:
            values.append((value, convert_grade(partnership, from_code, to_code, value).value))
        except ValidationFailed:
            return []
    return values
