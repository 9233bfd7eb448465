"""Conversion traces in the reader's language: the pure modules' steps and their translations.

``credits.EXPLANATIONS`` and ``grades.EXPLANATIONS`` word the steps in English;
``explain.STEP_TEXT`` holds the same templates under ``lazy_gettext``. They must not drift apart:
same keys, same literal English, same placeholders, and every step a conversion produces must
have a template.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from jointdegree.matching import credits, grades
from jointdegree.matching.credits import Conversion, CourseKind, CreditRule, Rounding, RuleSet
from jointdegree.matching.explain import STEP_TEXT, explain
from jointdegree.matching.grades import (
    SHIPPED,
    GradeConversion,
    GradingTable,
    GradingTableConversion,
    PassAnchoredLinear,
    PkuFormula,
    default_tables,
)
from tests.support import csrf_token, login

D = Decimal
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# %(name)s placeholders and %% escapes: once they are taken out, no % may remain.
FORMAT = re.compile(r"%\(\w+\)s|%%")
ENGLISH = {**credits.EXPLANATIONS, **grades.EXPLANATIONS}


def _credit_conversions() -> list[Conversion]:
    ratio, workload = RuleSet.default(), RuleSet.default(method="workload")
    hours = {"contact_hours": D(48), "total_hours": D(150)}
    made = [
        credits.convert(D(6), "ects", "cn", ratio),                      # ratio → 学分
        credits.convert(D("2.5"), "cn", "ects", ratio),                  # ratio → ECTS
        credits.convert(D(6), "ects", "cn", workload, **hours),          # contact hours → 学分
        credits.convert(None, "cn", "ects", workload, **hours),          # total hours → ECTS
        credits.convert(D(6), "ects", "ects", ratio),                    # same system
        credits.convert(D(2), "cn", "cn", ratio),
    ]
    for kind in CourseKind:  # refusals: 0 学分 for a kind the rule does not credit
        made.append(credits.convert(D(6), "ects", "cn", RuleSet(CreditRule(credited=False)),
                                    kind))
    for mode in Rounding:
        made.append(credits.convert(D(5), "ects", "cn",
                                    RuleSet(CreditRule(rounding=mode, cn_step=D("0.25")))))
    return made


def _grade_conversions() -> list[GradeConversion]:
    s, tables = SHIPPED, default_tables()
    ects_group = {"A": 10, "B": 25, "C": 30, "D": 25, "E": 10, "FX": 7, "F": 3}
    fr_group = {D(16): 10, D(14): 20, D(12): 30, D(10): 40, D(8): 12}
    cn_group = {D(95): 5, D(85): 20, D(75): 40, D(65): 35}
    ects = GradingTable(s["ects-letter"], ects_group, "ECTS shares")
    fr = GradingTable(s["fr-20"], fr_group, "UCA licence")
    cn = GradingTable(s["cn-100"], cn_group, "HNU")
    return [
        grades.convert(D("12.5"), "fr-20", "fr-20"),                        # identity
        grades.convert("good", "cn-5", "cn-5"),
        tables["cn-100", "fr-20"].convert(D(85)),                           # agreed: points
        tables["cn-100", "fr-20"].convert(D("59.97")),                      # a fail stays a fail
        tables["cn-100", "cn-5"].convert(D(85)),                            # agreed: thresholds
        tables["cn-100", "cn-5"].convert(D(95)),                            # top threshold
        tables["cn-5", "cn-gpa4"].convert("good"),                          # agreed: mapping
        PassAnchoredLinear(s["cn-100"], s["fr-20"]).convert(D(50)),
        PkuFormula().convert(D(85)),
        PkuFormula().convert(D(50)),                                        # PKU: a fail
        GradingTableConversion(ects, fr).convert("B"),                      # → a number
        GradingTableConversion(fr, ects).convert(D(14)),                    # → a band
        GradingTableConversion(fr, ects).convert(D(9)),                     # fail → FX
        GradingTableConversion(cn, fr).convert(D(50)),                      # fail → linear
    ]


def _conversions() -> list[Conversion | GradeConversion]:
    return [*_credit_conversions(), *_grade_conversions()]


# --- the templates -------------------------------------------------------------------------------


def test_both_modules_and_the_translations_have_the_same_keys() -> None:
    assert not set(credits.EXPLANATIONS) & set(grades.EXPLANATIONS), "keys must be unique"
    assert set(STEP_TEXT) == set(ENGLISH)


@pytest.mark.parametrize("key", sorted(ENGLISH))
def test_translatable_template_is_the_english_one(app, key: str) -> None:
    english = ENGLISH[key]
    assert "%" not in FORMAT.sub("", english), f"{key}: only %(name)s placeholders (and %%)"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        translatable = str(STEP_TEXT[key])
    assert set(PLACEHOLDER.findall(translatable)) == set(PLACEHOLDER.findall(english))
    assert translatable == english  # the same literal, so English pages read as the CLI does


def test_every_kind_and_rounding_mode_has_its_own_wording() -> None:
    # Kinds and modes are part of the key, so that a translation can word each one.
    for kind in CourseKind:
        assert f"credits_not_credited_{kind.value}" in credits.EXPLANATIONS
    for mode in Rounding:
        assert f"credits_rounded_{mode.value}" in credits.EXPLANATIONS


# --- the steps conversions produce ---------------------------------------------------------------


def test_every_step_has_a_template_with_exactly_its_parameters() -> None:
    used = set()
    for result in _conversions():
        english = (credits.EXPLANATIONS if isinstance(result, Conversion)
                   else grades.EXPLANATIONS)
        assert result.steps, result
        for step in result.steps:
            assert step.key in english and step.key in STEP_TEXT, step.key
            assert set(step.params) == set(PLACEHOLDER.findall(english[step.key])), step
            assert all(isinstance(value, str) for value in step.params.values())
            used.add(step.key)
    # The representative set reaches every template: none is dead, none untested.
    assert used == set(ENGLISH)


def test_steps_render_the_english_explanation() -> None:
    result = credits.convert(D(6), "ects", "cn", RuleSet.default())
    assert [step.key for step in result.steps] == ["credits_ratio_to_cn",
                                                   "credits_rounded_half_up"]
    assert dict(result.steps[0].params) == {"amount": "6", "ratio": "1.5", "exact": "4"}
    assert result.explanation == "6 ECTS ÷ 1.5 ECTS per 学分 = 4 学分, rounded half-up to 0.5 → 4"
    grade = default_tables()["cn-100", "fr-20"].convert(D(85))
    assert [step.key for step in grade.steps] == ["grade_interpolated", "grade_rounded"]
    assert grade.explanation.endswith("= 15; rounded half-up to 0.01 → 15.00 on fr-20")


def test_steps_are_frozen_and_results_still_hash() -> None:
    params = {"amount": "6"}
    step = credits.Step("credits_same_system_ects", params)
    params["amount"] = "7"
    assert step.params["amount"] == "6"
    with pytest.raises(TypeError):
        step.params["amount"] = "8"  # type: ignore[index]
    with pytest.raises(TypeError, match="must be text"):
        credits.Step("credits_same_system_ects", {"amount": D(6)})  # type: ignore[dict-item]
    result = credits.convert(D(6), "ects", "cn", RuleSet.default())
    assert hash(result) == hash(credits.convert(D(6), "ects", "cn", RuleSet.default()))


# --- explain(): the request's language -----------------------------------------------------------


def test_explain_in_english_is_the_english_explanation(app) -> None:
    with app.test_request_context(headers={"Accept-Language": "en"}):
        for result in _conversions():
            assert explain(result) == result.explanation


def test_explain_renders_the_translatable_templates(app, monkeypatch) -> None:
    monkeypatch.setitem(STEP_TEXT, "credits_ratio_to_cn",
                        "[%(amount)s ECTS / %(ratio)s = %(exact)s 学分]")
    result = credits.convert(D(6), "ects", "cn", RuleSet.default())
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        shown = explain(result)
    assert shown.startswith("[6 ECTS / 1.5 = 4 学分], ")
    assert result.explanation.startswith("6 ECTS ÷ 1.5")  # English untouched


def test_explain_follows_the_request_language(app) -> None:
    result = default_tables()["cn-100", "fr-20"].convert(D(85))
    for language in ("fr", "zh-CN"):
        with app.test_request_context(headers={"Accept-Language": language}):
            expected = result.render({key: str(text) for key, text in STEP_TEXT.items()})
            assert explain(result) == expected


@pytest.mark.parametrize("broken", [None, "%(nothing)s", "%(grade)d"])
def test_explain_falls_back_to_english(app, monkeypatch, broken: Any) -> None:
    # A key not (yet) translatable, or a translation whose placeholders are wrong.
    if broken is None:
        monkeypatch.delitem(STEP_TEXT, "grade_rounded")
    else:
        monkeypatch.setitem(STEP_TEXT, "grade_rounded", broken)
    result = default_tables()["cn-100", "fr-20"].convert(D(85))
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert explain(result) == result.explanation


# --- where people read them ----------------------------------------------------------------------


MARK = "«%(amount)s ÷ %(ratio)s»"


def test_pages_show_the_translatable_trace(client, catalog_world, monkeypatch) -> None:
    monkeypatch.setitem(STEP_TEXT, "credits_ratio_to_cn", MARK)
    monkeypatch.setitem(STEP_TEXT, "grade_rounded", "«%(value)s»")
    login(client, "reg.nice@example.org")
    w = catalog_world
    rules = client.get(f"/partnerships/{w['partnership'].id}/rules").get_data(as_text=True)
    assert "«6 ÷ 1.5»" in rules  # the worked example 6 ECTS → 学分
    page = client.get(f"/grades/convert?partnership={w['partnership'].id}"
                      "&from_scale=cn-100&to_scale=fr-20&grade=85").get_data(as_text=True)
    assert "«15.00»" in page and '<code lang="en">' not in page


def test_equivalence_page_titles_are_translatable(client, catalog_world, monkeypatch) -> None:
    monkeypatch.setitem(STEP_TEXT, "credits_ratio_to_ects", "«%(amount)s × %(ratio)s»")
    w = catalog_world
    login(client, "reg.nice@example.org")
    path = f"/partnerships/{w['partnership'].id}/equivalences/new"
    created = client.post(path, data={"csrf_token": csrf_token(client, path),
                                      "courses_a": [str(w["bdd"].id)],
                                      "courses_b": [str(w["db_cn"].id)], "first_year": "2026"})
    assert created.status_code == 302, created.get_data(as_text=True)
    page = client.get(created.headers["Location"]).get_data(as_text=True)
    assert 'title="«2 × 1.5», rounded half-up to 0.5 → 3"' in page


def test_api_answers_in_the_request_language_with_steps(api, catalog_world,
                                                        monkeypatch) -> None:
    body = api("POST", "/conversions/credits", json={
        "partnership": "NH-CS", "from_system": "cn", "amount": "2.5"}).get_json()
    assert body["explanation"] == ("2.5 学分 × 1.5 ECTS per 学分 = 3.75 ECTS, rounded half-up "
                                   "to 0.5 → 4")
    assert body["steps"] == [
        {"key": "credits_ratio_to_ects", "params": {"amount": "2.5", "ratio": "1.5",
                                                    "exact": "3.75"}},
        {"key": "credits_rounded_half_up", "params": {"step": "0.5", "amount": "4"}}]
    grade = api("POST", "/conversions/grade", json={
        "partnership": "NH-CS", "from_scale": "cn-100", "to_scale": "fr-20", "grade": "85"})
    grade_body = grade.get_json()
    assert [s["key"] for s in grade_body["steps"]] == ["grade_interpolated", "grade_rounded"]
    assert grade_body["steps"][1]["params"] == {"step": "0.01", "value": "15.00",
                                                "scale": "fr-20"}
    monkeypatch.setitem(STEP_TEXT, "grade_rounded", "«%(value)s»")
    again = api("POST", "/conversions/grade", headers={"Accept-Language": "fr"}, json={
        "partnership": "NH-CS", "from_scale": "cn-100", "to_scale": "fr-20", "grade": "85"})
    assert again.get_json()["explanation"].endswith("= 15; «15.00»")
