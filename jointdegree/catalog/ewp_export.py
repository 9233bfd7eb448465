"""The catalog as an Erasmus Without Paper Courses API document, from the database.

Credits appear in the institution's own scheme and in the partner's, converted with the rules of
the institution's first partnership (or the documented defaults when it has none).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from jointdegree.catalog import courses as course_service
from jointdegree.catalog import services
from jointdegree.catalog.ewp import EwpInstitution, EwpTerm, courses_response
from jointdegree.catalog.models import Institution
from jointdegree.catalog.records import CourseRecord
from jointdegree.matching.credits import RuleSet, convert


def _rules_for(institution: Institution) -> RuleSet:
    from jointdegree.matching.rules import rule_set

    partnerships = services.partnerships_of(institution)
    return rule_set(partnerships[0]) if partnerships else RuleSet.default()


def ewp_document(institution: Institution) -> bytes:
    terms = services.list_terms(institution)
    by_year: dict[str, list] = defaultdict(list)
    for term in terms:
        by_year[term.academic_year].append(term)
    ewp_terms = {}
    for year_terms in by_year.values():
        for number, term in enumerate(year_terms, start=1):
            ewp_terms[term.code] = EwpTerm(
                code=term.code, academic_year=term.academic_year, term_number=number,
                total_terms=len(year_terms), start=term.starts_on, end=term.ends_on,
                names={k: v for k, v in (("fr", term.name_fr), ("zh", term.name_zh),
                                         ("en", term.name_en)) if v})
    rules = _rules_for(institution)
    native = institution.credit_system.value

    def credits_in(record: CourseRecord, scheme: str) -> Decimal | None:
        if scheme == native:
            return record.credits
        try:
            return convert(record.credits, native, scheme, rules, record.kind,
                           contact_hours=record.contact_hours,
                           total_hours=(record.contact_hours or Decimal(0))
                           + (record.self_study_hours or Decimal(0))).amount
        except ValueError:
            return None  # e.g. a thesis the partner does not credit

    records = [course_service.to_record(c)
               for c in course_service.institution_courses(institution)]
    header = EwpInstitution(
        hei_id=institution.hei_id or f"{institution.code.lower()}.invalid",
        code=institution.code, credit_system=native,
        names={k: v for k, v in (("fr", institution.name_fr), ("zh", institution.name_zh),
                                 ("en", institution.name_en)) if v})
    return courses_response(header, records, ewp_terms, credits_in)
