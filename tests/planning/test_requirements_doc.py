"""Degree requirements as a document: what a registrar may write, and every mistake reported at
once with its path — worked examples first, then properties with hypothesis."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jointdegree.planning.requirements import (
    PROBLEMS,
    AtLeastRule,
    CertificationRule,
    Compensation,
    CourseRule,
    CreditsRule,
    Label,
    MandatoryRule,
    Requirements,
    RequirementsError,
    Selector,
    TotalCreditsRule,
    parse_requirements,
)

D = Decimal
props = settings(deadline=None)  # pure computation: a deadline would only add CI flakiness


def label(text: str) -> dict[str, str]:
    return {"en": text}


# A master's programme as a registrar in Nice would write it.
MASTER: dict[str, Any] = {
    "compensation": {"enabled": True, "threshold": "10", "floor": "7"},
    "rules": [
        {"id": "total", "label": {"en": "120 ECTS", "fr": "120 ECTS", "zh": "120 学分"},
         "type": "total_credits", "min": 120},
        {"id": "core", "label": {"fr": "Tronc commun"}, "type": "mandatory",
         "courses": ["INFO 701", "INFO-702"]},
        {"id": "thesis", "label": label("Master's thesis"), "type": "course",
         "course": "MEM900"},
        {"id": "options", "label": label("Options"), "type": "credits", "category": "elective",
         "min_credits": "24", "min_courses": 4,
         "select": {"isced": ["06", "0541"], "kinds": ["lecture", "lab"]}},
        {"id": "languages", "label": label("Languages"), "type": "credits",
         "category": "language", "min_credits": D("7.5"), "select": {"isced": ["0231"]}},
        {"id": "abroad", "label": label("At the partner"), "type": "institution_credits",
         "institution": "partner", "min": "30"},
        {"id": "cap", "label": label("Partner cap"), "type": "partner_cap", "max": "60"},
        {"id": "average", "label": label("Average"), "type": "average", "min": "10"},
        {"id": "track", "label": label("A track"), "type": "at_least", "n": 1, "rules": [
            {"id": "ai", "label": label("AI"), "type": "credits", "category": "core",
             "min_courses": 2, "select": {"courses": ["IA1", "IA2"],
                                          "institution": "home"}},
            {"id": "lang-cert", "label": label("Chinese"), "type": "any_of", "rules": [
                {"id": "hsk", "label": label("HSK 4"), "type": "certification",
                 "exams": ["HSK"], "min_level": 4},
                {"id": "partner-zh", "label": label("Chinese at Haikou"), "type": "credits",
                 "category": "language", "min_credits": "6",
                 "select": {"partner_courses": ["ZH101"]}}]}]},
        {"id": "french", "label": label("French"), "type": "certification",
         "exams": ["DELF", "DALF", "TCF"], "min_level": "B2"},
    ],
}


def problems_of(document: object) -> set[tuple[str, str]]:
    with pytest.raises(RequirementsError) as caught:
        parse_requirements(document)
    return {(problem.path, problem.key) for problem in caught.value.problems}


# --- a real document ---------------------------------------------------------------------------


def test_a_master_programme_parses_into_typed_rules() -> None:
    requirements = parse_requirements(MASTER)
    assert requirements.compensation == Compensation(True, D(10), D(7))
    options = requirements.rule("options")
    assert isinstance(options, CreditsRule)
    assert options.min_credits == D(24) and options.min_courses == 4
    assert options.select == Selector(isced=frozenset({"06", "0541"}),
                                      kinds=frozenset({"lecture", "lab"}))
    assert requirements.rule("languages") == CreditsRule(
        "languages", Label(en="Languages"), "language", D("7.5"), None,
        Selector(isced=frozenset({"0231"})))
    hsk = requirements.rule("hsk")
    assert isinstance(hsk, CertificationRule) and hsk.min_level == "4"  # an int is read as a level
    assert isinstance(requirements.rule("track"), AtLeastRule)


def test_mandatory_courses_expand_to_course_rules_with_safe_ids() -> None:
    requirements = parse_requirements(MASTER)
    core = requirements.rule("core")
    assert isinstance(core, MandatoryRule)
    assert [(r.id, r.course) for r in core.children] == [
        ("core.info-701", "INFO 701"), ("core.info-702", "INFO-702")]
    child = requirements.rule("core.info-701")
    assert isinstance(child, CourseRule) and child.label.text("zh") == "INFO 701"


def test_walk_lists_every_rule_parents_first_in_document_order() -> None:
    ids = [rule.id for rule in parse_requirements(MASTER).walk()]
    assert ids == ["total", "core", "core.info-701", "core.info-702", "thesis", "options",
                   "languages", "abroad", "cap", "average", "track", "ai", "lang-cert", "hsk",
                   "partner-zh", "french"]
    with pytest.raises(KeyError):
        parse_requirements(MASTER).rule("nope")


def test_labels_fall_back_to_another_language() -> None:
    core = parse_requirements(MASTER).rule("core")
    assert core.label_text("fr") == "Tronc commun"
    assert core.label_text("zh_Hans") == "Tronc commun"  # no Chinese: English, then French
    total = parse_requirements(MASTER).rule("total")
    assert total.label_text("zh-CN") == "120 学分"
    assert Label(en="Core").text("de") == "Core"


def test_no_rule_yet_is_a_valid_document() -> None:
    assert parse_requirements({"rules": []}) == Requirements(())


def test_to_dict_writes_decimals_as_strings_and_parses_back() -> None:
    requirements = parse_requirements(MASTER)
    document = requirements.to_dict()
    json.dumps(document)  # JSON-ready as it is
    assert document["rules"][0]["min"] == "120"
    assert document["rules"][4]["min_credits"] == "7.5"
    assert document["compensation"] == {"enabled": True, "threshold": "10", "floor": "7"}
    assert parse_requirements(document) == requirements
    assert parse_requirements(document).to_dict() == document


def test_parsed_requirements_keep_derived_structures_out_of_equality() -> None:
    one, two = parse_requirements(MASTER), parse_requirements(MASTER)
    assert one.derived("n", lambda r: len(list(r.walk()))) == 16
    assert one == two and hash(one) == hash(two)


# --- mistakes, all reported at once --------------------------------------------------------------


def test_every_problem_is_reported_with_its_path() -> None:
    document = {
        "compensation": {"enabled": "yes", "threshold": 10.5},
        "rules": [
            {"id": "Total", "label": {"en": ""}, "type": "total_credits", "min": 0.5},
            {"id": "opt", "label": label("x"), "type": "credits", "category": "free",
             "min_credit": "6", "select": {"kinds": ["lecture", "lecture"], "isced": ["6"]}},
            {"id": "opt", "label": label("y"), "type": "at_least", "n": 3, "rules": [
                {"id": "a", "label": label("a"), "type": "course", "course": " X1"},
                {"id": "b", "label": label("b"), "type": "course"}]},
            {"id": "c", "label": label("c"), "type": "cours"},
            "not a rule",
        ],
    }
    assert problems_of(document) == {
        ("compensation.enabled", "not_a_boolean"),
        ("compensation.threshold", "float_refused"),
        ("rules[0].id", "invalid_id"),
        ("rules[0].label", "empty"),
        ("rules[0].min", "float_refused"),
        ("rules[1].category", "invalid_choice"),
        ("rules[1].min_credit", "unknown_key"),  # a typo is caught, not ignored
        ("rules[1].select.kinds[1]", "duplicate_value"),
        ("rules[1].select.isced[0]", "invalid_isced"),
        ("rules[1]", "credits_needs_minimum"),
        ("rules[2].id", "duplicate_id"),
        ("rules[2].n", "out_of_range"),
        ("rules[2].rules[0].course", "invalid_code"),
        ("rules[2].rules[1].course", "required"),
        ("rules[3].type", "invalid_choice"),
        ("rules[4]", "not_an_object"),
    }


def test_null_is_never_a_value() -> None:
    document = {"rules": [
        {"id": None, "label": {"en": "x"}, "type": "total_credits", "min": "60"},
        {"id": "c", "label": None, "type": "credits", "category": None, "min_credits": 6,
         "select": {"institution": None, "kinds": None}},
        {"id": "e", "label": {"en": "x"}, "type": "certification", "exams": ["DELF", None],
         "min_level": "B2"}]}
    assert problems_of(document) == {
        ("rules[0].id", "invalid_id"), ("rules[1].label", "not_an_object"),
        ("rules[1].category", "invalid_choice"), ("rules[1].select.kinds", "not_a_list"),
        ("rules[1].select.institution", "invalid_choice"),
        ("rules[2].exams[1]", "invalid_choice")}


@pytest.mark.parametrize(("value", "ok"), [
    (60, True), ("60", True), (D("7.5"), True), ("7.50", True), (" 12 ", True),
    (7.5, False), (True, False), ("7,5", False), ("NaN", False), ("Infinity", False),
    (None, False), ([6], False), (0, False), ("-3", False), (10001, False),
])
def test_numbers_are_exact_and_in_range(value: object, ok: bool) -> None:
    document = {"rules": [{"id": "t", "label": label("t"), "type": "total_credits",
                           "min": value}]}
    if ok:
        assert parse_requirements(document).rules[0] == TotalCreditsRule(
            "t", Label(en="t"), D(str(value).strip()))
    else:
        assert {path for path, _ in problems_of(document)} == {"rules[0].min"}


def test_a_float_is_refused_with_the_way_to_write_it() -> None:
    with pytest.raises(RequirementsError) as caught:
        parse_requirements({"rules": [{"id": "t", "label": label("t"), "type": "total_credits",
                                       "min": 7.5}]})
    (problem,) = caught.value.problems
    assert problem.english() == ('rules[0].min: write 7.5 as text ("7.5"): '
                                 "decimal numbers must be exact")
    assert "7.5" in str(caught.value)


def test_counts_must_be_whole_numbers() -> None:
    document = {"rules": [{"id": "c", "label": label("c"), "type": "credits",
                           "category": "core", "min_courses": "2.5"}]}
    assert problems_of(document) == {("rules[0].min_courses", "not_an_integer")}
    document["rules"][0]["min_courses"] = "3"
    assert parse_requirements(document).to_dict()["rules"][0]["min_courses"] == 3


def test_ids_are_unique_across_nesting_levels() -> None:
    document = {"rules": [
        {"id": "x", "label": label("x"), "type": "any_of", "rules": [
            {"id": "x", "label": label("inner"), "type": "average", "min": 10}]}]}
    with pytest.raises(RequirementsError) as caught:
        parse_requirements(document)
    (problem,) = caught.value.problems
    assert (problem.path, problem.key, problem.params["first"]) == (
        "rules[0].rules[0].id", "duplicate_id", "rules[0].id")


def test_mandatory_codes_that_give_the_same_id_are_refused() -> None:
    document = {"rules": [{"id": "core", "label": label("c"), "type": "mandatory",
                           "courses": ["MATH 1", "math-1"]}]}
    assert problems_of(document) == {("rules[0].courses[1]", "generated_id_clash")}


def test_certification_levels_follow_the_exams_scale() -> None:
    def cert(exams: list[str], level: object) -> dict[str, Any]:
        return {"rules": [{"id": "c", "label": label("c"), "type": "certification",
                           "exams": exams, "min_level": level}]}

    assert parse_requirements(cert(["DELF", "TEF"], "C1")).rules[0] == CertificationRule(
        "c", Label(en="c"), ("DELF", "TEF"), "C1")
    assert parse_requirements(cert(["HSK"], 6)).to_dict()["rules"][0]["min_level"] == "6"
    assert problems_of(cert(["HSK"], "B2")) == {("rules[0].min_level", "invalid_level")}
    assert problems_of(cert(["DELF"], "B3")) == {("rules[0].min_level", "invalid_level")}
    assert problems_of(cert(["HSK"], 10)) == {("rules[0].min_level", "invalid_level")}
    assert problems_of(cert(["DELF", "HSK"], "B2")) == {("rules[0].exams", "mixed_level_scales")}
    assert problems_of(cert(["TOEFL"], "B2")) == {("rules[0].exams[0]", "invalid_choice")}


def test_compensation_floor_may_not_exceed_the_threshold() -> None:
    document = {"compensation": {"enabled": True, "threshold": "10", "floor": "12"},
                "rules": []}
    assert problems_of(document) == {("compensation.floor", "floor_above_threshold")}
    assert problems_of({"compensation": {"enabled": True}, "rules": []}) == {
        ("compensation.threshold", "required")}


def test_only_one_partner_cap() -> None:
    cap = {"label": label("cap"), "type": "partner_cap", "max": "60"}
    document = {"rules": [{"id": "a", **cap}, {"id": "b", **cap}]}
    assert problems_of(document) == {("rules[1]", "second_partner_cap")}


def test_selector_lists_may_not_be_empty_and_isced_digits_are_ascii() -> None:
    document = {"rules": [{"id": "c", "label": label("c"), "type": "credits",
                           "category": "core", "min_credits": 6,
                           "select": {"courses": [], "isced": ["٠٦"], "campus": "x"}}]}
    assert problems_of(document) == {("rules[0].select.courses", "empty"),
                                     ("rules[0].select.isced[0]", "invalid_isced"),
                                     ("rules[0].select.campus", "unknown_key")}


def test_the_document_itself_must_be_an_object_with_rules() -> None:
    assert problems_of([]) == {("", "not_an_object")}
    assert problems_of({}) == {("rules", "required")}
    assert problems_of({"rules": {}}) == {("rules", "not_a_list")}
    assert problems_of({"rules": [], "version": 2}) == {("version", "unknown_key")}


def test_problem_templates_use_named_placeholders_only() -> None:
    for key, template in PROBLEMS.items():
        without_named = re.sub(r"%\([a-z_]+\)s", "", template)
        assert "%" not in without_named, key


# --- properties ----------------------------------------------------------------------------------

codes = st.sampled_from(["INFO701", "MATH 101", "LANG-1", "数据库", "X"])
amounts = st.decimals(min_value=D("0.5"), max_value=D(300), places=1).map(
    lambda d: d.normalize())
labels = st.fixed_dictionaries({}, optional={
    "en": st.text(min_size=1, max_size=8).filter(str.strip),
    "fr": st.text(max_size=8), "zh": st.text(max_size=8)}).filter(
    lambda d: any(v.strip() for v in d.values()))
selectors = st.fixed_dictionaries({}, optional={
    "courses": st.lists(codes, min_size=1, max_size=3, unique=True),
    "partner_courses": st.lists(codes, min_size=1, max_size=2, unique=True),
    "kinds": st.lists(st.sampled_from(["lecture", "lab", "thesis", "internship"]), min_size=1,
                      unique=True),
    "isced": st.lists(st.sampled_from(["06", "061", "0613", "0231"]), min_size=1, unique=True),
    "institution": st.sampled_from(["home", "partner"])})
number = st.one_of(amounts.map(str), amounts, st.integers(1, 300))

leaves = st.one_of(
    st.fixed_dictionaries({"type": st.just("total_credits"), "min": number}),
    st.fixed_dictionaries({"type": st.just("credits"),
                           "category": st.sampled_from(["core", "elective", "language"]),
                           "min_credits": number, "select": selectors},
                          optional={"min_courses": st.integers(1, 5)}),
    st.fixed_dictionaries({"type": st.just("course"), "course": codes}),
    st.fixed_dictionaries({"type": st.just("mandatory"),
                           "courses": st.lists(codes, min_size=1, max_size=3, unique=True)}),
    st.fixed_dictionaries({"type": st.just("institution_credits"),
                           "institution": st.sampled_from(["home", "partner"]),
                           "min": number}),
    st.fixed_dictionaries({"type": st.just("average"),
                           "min": st.decimals(0, 20, places=2).map(str)}),
    st.fixed_dictionaries({"type": st.just("certification"),
                           "exams": st.just(["DELF", "TCF"]),
                           "min_level": st.sampled_from(["A2", "B2", "C1"])}),
)


def _groups(children: st.SearchStrategy[list[dict[str, Any]]]
            ) -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        children.map(lambda rules: {"type": "all_of", "rules": rules}),
        children.map(lambda rules: {"type": "any_of", "rules": rules}),
        children.flatmap(lambda rules: st.integers(1, len(rules)).map(
            lambda n: {"type": "at_least", "n": n, "rules": rules})))


rule_trees = st.recursive(leaves, lambda inner: _groups(st.lists(inner, min_size=1,
                                                                  max_size=3)), max_leaves=8)


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    """Valid documents: random rule trees, then ids and labels given in walk order."""
    rules = draw(st.lists(rule_trees, max_size=4))
    counter = iter(range(1000))

    def finish(rule: dict[str, Any]) -> dict[str, Any]:
        done = {"id": f"r{next(counter)}", "label": draw(labels), **rule}
        if "rules" in rule:
            done["rules"] = [finish(child) for child in rule["rules"]]
        return done

    document: dict[str, Any] = {"rules": [finish(rule) for rule in rules]}
    if draw(st.booleans()):
        document["compensation"] = {"enabled": draw(st.booleans()), "threshold": "10",
                                    **({"floor": "8"} if draw(st.booleans()) else {})}
    return document


@props
@given(documents())
def test_any_valid_document_round_trips(document: dict[str, Any]) -> None:
    requirements = parse_requirements(document)
    written = requirements.to_dict()
    assert parse_requirements(written) == requirements
    assert parse_requirements(json.loads(json.dumps(written))) == requirements
    assert len({rule.id for rule in requirements.walk()}) == len(list(requirements.walk()))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["id", "label", "type", "rules", "min", "n", "courses", "select", "en",
                         "course", "exams", "min_level", "compensation", "x"]),
        inner, max_size=4),
    max_leaves=12)


@props
@given(st.one_of(json_values, documents().flatmap(lambda d: st.just(d) | _mangled(d))))
def test_any_input_is_parsed_or_refused_with_renderable_problems(data: object) -> None:
    try:
        parse_requirements(data)
    except RequirementsError as error:
        assert error.problems
        for problem in error.problems:
            assert problem.key in PROBLEMS
            assert problem.english()  # every parameter the template needs is there


def _mangled(document: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """The document with one value of its first rule replaced by something wrong."""
    if not document["rules"]:
        return st.just(document)
    first = document["rules"][0]
    return st.tuples(st.sampled_from(sorted(first)), json_values).map(
        lambda change: {**document, "rules": [{**first, change[0]: change[1]},
                                              *document["rules"][1:]]})
