"""Credit and grade calculations in the reader's language.

``credits.py`` and ``grades.py`` are pure, so they explain a conversion as steps (message keys with
parameters already written as text) and render them in English only. This module holds the same
templates under ``lazy_gettext`` so that pages and the API show the calculation in the request's
language. Each template here must stay the literal English of ``EXPLANATIONS`` (tests compare
them): Babel extracts the literals, so they cannot be read from those dicts.
"""

from __future__ import annotations

import logging
from typing import Any

from flask_babel import lazy_gettext as _l

from jointdegree.matching.credits import Conversion
from jointdegree.matching.grades import GradeConversion

__all__ = ["STEP_TEXT", "explain"]

log = logging.getLogger(__name__)

# Keys of jointdegree.matching.credits.EXPLANATIONS and jointdegree.matching.grades.EXPLANATIONS.
# Parameters are numbers as written in English ("5.4545…"), scale codes (fr-20), table names
# (band_pivot_mention) and grades with their English band label ("good (Good)").
STEP_TEXT: dict[str, Any] = {
    # -- credits --
    # TRANSLATORS: a credit conversion between the same system; 学分 = Chinese credits.
    "credits_same_system_ects": _l("%(amount)s ECTS stays %(amount)s ECTS (same system)"),
    "credits_same_system_cn": _l("%(amount)s 学分 stays %(amount)s 学分 (same system)"),
    "credits_not_credited_lecture": _l("a lecture earns no 学分 under this rule (not credited on "
                                       "the Chinese side) → 0 学分"),
    "credits_not_credited_lab": _l("a lab earns no 学分 under this rule (not credited on the "
                                   "Chinese side) → 0 学分"),
    "credits_not_credited_thesis": _l("a thesis earns no 学分 under this rule (not credited on the "
                                      "Chinese side) → 0 学分"),
    "credits_not_credited_internship": _l("an internship earns no 学分 under this rule (not "
                                          "credited on the Chinese side) → 0 学分"),
    "credits_ratio_to_ects": _l("%(amount)s 学分 × %(ratio)s ECTS per 学分 = %(exact)s ECTS"),
    "credits_ratio_to_cn": _l("%(amount)s ECTS ÷ %(ratio)s ECTS per 学分 = %(exact)s 学分"),
    "credits_workload_to_ects": _l("%(hours)s h total workload ÷ %(per)s h per ECTS = %(exact)s "
                                   "ECTS"),
    "credits_workload_to_cn": _l("%(hours)s contact h ÷ %(per)s h per 学分 = %(exact)s 学分"),
    # TRANSLATORS: second step of a credit conversion, after ", ": "…, rounded half-up to 0.5 → 4".
    "credits_rounded_half_up": _l("rounded half-up to %(step)s → %(amount)s"),
    "credits_rounded_half_even": _l("rounded half-even to %(step)s → %(amount)s"),
    "credits_rounded_down": _l("rounded down to %(step)s → %(amount)s"),
    "credits_rounded_up": _l("rounded up to %(step)s → %(amount)s"),
    # -- grades --
    # TRANSLATORS: keep scale codes (fr-20) and table names (band_pivot_mention) as they are.
    "grade_same_scale": _l("%(grade)s on %(scale)s stays %(grade)s (same scale)"),
    "grade_interpolated": _l("%(grade)s on %(source)s lies between %(x0)s and %(x1)s, which the "
                             "%(table)s table maps to %(y0)s and %(y1)s: %(y0)s + (%(grade)s − "
                             "%(x0)s) × (%(y1)s − %(y0)s) ÷ (%(x1)s − %(x0)s) = %(exact)s"),
    "grade_threshold": _l("%(grade)s on %(source)s is at least %(low)s and below %(high)s, which "
                          "the %(table)s table maps to %(value)s on %(scale)s"),
    "grade_threshold_top": _l("%(grade)s on %(source)s is at least %(low)s, which the %(table)s "
                              "table maps to %(value)s on %(scale)s"),
    "grade_mapped": _l("%(grade)s on %(source)s is mapped by the %(table)s table to %(value)s on "
                       "%(scale)s"),
    "grade_pku": _l("%(grade)s on %(source)s by the PKU formula: 4 − 3 × (100 − %(grade)s)² ÷ "
                    "1600 = %(exact)s"),
    "grade_pku_fail": _l("%(grade)s on %(source)s is below 60 (a fail), to which the PKU formula "
                         "gives 0 grade points → %(value)s on %(scale)s"),
    # TRANSLATORS: ECTS grading tables; %(group)s is a reference group named by a registrar.
    "grade_percentile": _l("%(grade)s on %(source)s sits %(percent)s %% from the top in "
                           "'%(group)s' (%(size)s passing results)"),
    "grade_position_band": _l("in '%(group)s' (%(size)s passing results) that position is held "
                              "by %(held)s (%(low)s–%(high)s %%) → %(value)s"),
    "grade_position_interpolated": _l("in '%(group)s' (%(size)s passing results) that position "
                                      "is held by %(held)s (%(low)s–%(high)s %%), interpolated "
                                      "within %(lower)s–%(upper)s: %(exact)s"),
    "grade_fail_band": _l("%(grade)s on %(source)s is a fail; grading tables count passing "
                          "grades only, so it maps to %(scale)s's highest failing band "
                          "%(value)s"),
    "grade_fail_linear": _l("%(grade)s on %(source)s is a fail; grading tables count passing "
                            "grades only, so failing grades convert by the pass-anchored "
                            "linear method"),
    # TRANSLATORS: last step of a grade conversion, after "; ": "…; rounded half-up to 0.01 → …".
    "grade_rounded": _l("rounded half-up to %(step)s → %(value)s on %(scale)s"),
    "grade_rounded_down": _l("rounded down to %(step)s → %(value)s on %(scale)s (half-up would "
                             "reach the pass mark %(pass_mark)s; a fail stays a fail)"),
}


def explain(result: Conversion | GradeConversion) -> str:
    """A conversion's calculation in the request's language.

    Falls back to the English ``explanation`` when a step has no translatable template here
    (a key added to a pure module but not yet to :data:`STEP_TEXT`) or a translation is broken
    (a placeholder it should not have): a trace in English beats an error page.
    """
    try:
        return result.render(STEP_TEXT)
    except (KeyError, ValueError, TypeError) as error:
        log.warning("conversion steps shown in English: %r", error)
        return result.explanation
