"""The degree audit engine, written from what a registrar expects: a course counts once per
degree, toward the rule that needs it; equivalences, exceptions and compensation do what the
regulations say; every result explains itself with message keys. Properties with hypothesis."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from jointdegree.planning.audit import (
    MESSAGES,
    SEARCH_LIMIT,
    AuditException,
    Certification,
    DegreeAudit,
    Item,
    Message,
    RuleResult,
    Status,
    audit,
)
from jointdegree.planning.requirements import Compensation, Requirements, parse_requirements

D = Decimal
SATISFIED, NOT_YET, IMPOSSIBLE, WAIVED = (Status.SATISFIED, Status.NOT_YET, Status.IMPOSSIBLE,
                                          Status.WAIVED)
props = settings(deadline=None, max_examples=60)


def requirements(*rules: dict[str, Any], compensation: dict[str, Any] | None = None
                 ) -> Requirements:
    document: dict[str, Any] = {"rules": [labelled(rule) for rule in rules]}
    if compensation is not None:
        document["compensation"] = compensation
    return parse_requirements(document)


def labelled(rule: dict[str, Any]) -> dict[str, Any]:
    """The rule (and those under it) labelled by id unless a label is given."""
    done = {"label": {"en": rule["id"]}, **rule}
    if "rules" in rule:
        done["rules"] = [labelled(child) for child in rule["rules"]]
    return done


def course(rule_id: str, code: str) -> dict[str, Any]:
    return {"id": rule_id, "type": "course", "course": code}


def credits_rule(rule_id: str, minimum: str | None = None, *, min_courses: int | None = None,
                 category: str = "elective", **select: Any) -> dict[str, Any]:
    rule: dict[str, Any] = {"id": rule_id, "type": "credits", "category": category,
                            "select": select}
    if minimum is not None:
        rule["min_credits"] = minimum
    if min_courses is not None:
        rule["min_courses"] = min_courses
    return rule


def item(key: str, code: str | None = None, *, credits: str = "6", state: str = "passed",
         grade: str | None = "12", institution: str = "home", kind: str = "lecture",
         isced: str | None = "0613", term: str | None = "S1",
         counts_for: Iterable[str] = ()) -> Item:
    if state in ("planned", "in_progress"):
        grade = None
    return Item(key, code or key.upper(), institution, kind, isced, D(credits),
                None if grade is None else D(grade), state, term, frozenset(counts_for))


def keys_of(result: RuleResult) -> list[str]:
    return [counted.item_key for counted in result.items]


# --- a course counts once, toward the rule that needs it --------------------------------------


def test_a_mandatory_course_counts_for_itself_not_also_as_an_elective() -> None:
    degree = requirements(
        {"id": "core", "type": "mandatory", "courses": ["MATH1"]},
        credits_rule("free", "6"))
    result = audit(degree, [item("math1"), item("e1")])
    assert result.status is SATISFIED
    assert keys_of(result.result("core.math1")) == ["math1"]
    assert keys_of(result.result("free")) == ["e1"]
    assert result.assignment == {"e1": "free", "math1": "core.math1"}


def first_come(degree: Requirements, items: list[Item]) -> dict[str, list[Item]]:
    """What a naive engine does: each course to the first rule, in document order, that
    accepts it and still needs credits. Only for credits rules selecting by ISCED field."""
    taken: dict[str, list[Item]] = {}
    for each in items:
        for rule in degree.rules:
            needed = sum((i.credits for i in taken.get(rule.id, [])), D(0)) < rule.min_credits
            fits = not rule.select.isced or any(each.isced.startswith(prefix)
                                                for prefix in rule.select.isced)
            if fits and needed:
                taken.setdefault(rule.id, []).append(each)
                break
    return taken


def test_the_assignment_meets_more_rules_than_first_come() -> None:
    # Electives take anything; the language rule only languages. Two language courses and one
    # other elective: sending both language courses to electives, as they come, leaves the
    # language rule empty — a registrar puts one of them under languages.
    degree = requirements(credits_rule("electives", "6"),
                          credits_rule("languages", "3", category="language", isced=["0231"]))
    items = [item("lang1", credits="3", isced="0231"), item("lang2", credits="3", isced="0231"),
             item("web", credits="3", isced="0613")]
    naive = first_come(degree, items)
    assert sum((i.credits for i in naive.get("languages", [])), D(0)) < 3  # first come fails

    result = audit(degree, items)
    assert result.result("electives").status is SATISFIED
    assert result.result("languages").status is SATISFIED
    assert sorted(keys_of(result.result("electives"))) == ["lang1", "web"]
    assert keys_of(result.result("languages")) == ["lang2"]
    assert result.notes[0] == Message("assignment_search", {"units": 2, "combinations": 4})
    assert Message("chosen_rule", {"rule": "languages", "alternatives": ["electives"]}) in \
        result.item_notes["lang2"]


def test_a_language_course_goes_to_languages_when_electives_are_already_full() -> None:
    degree = requirements(credits_rule("electives", "12"),
                          credits_rule("languages", "3", category="language", isced=["0231"]))
    items = [item("e1"), item("e2"), item("chinese", credits="3", isced="0231")]
    result = audit(degree, items)
    assert result.status is SATISFIED
    assert result.assignment == {"chinese": "languages", "e1": "electives", "e2": "electives"}


def test_each_rule_takes_the_courses_that_fit_it_without_overfilling() -> None:
    # A needs 6, B needs 4; courses of 3, 4 and 6 credits fit both. The 6 goes to A, the 4 to
    # B, and the 3 is left over rather than padding a rule that is already met.
    degree = requirements(credits_rule("a", "6"), credits_rule("b", "4"))
    items = [item("c3", credits="3"), item("c4", credits="4"), item("c6", credits="6")]
    result = audit(degree, items)
    assert keys_of(result.result("a")) == ["c6"]
    assert keys_of(result.result("b")) == ["c4"]
    assert result.assignment["c3"] is None
    assert result.item_notes["c3"] == (Message("not_needed", {"rules": ["a", "b"]}),)


def test_a_rule_keeps_completed_courses_before_planned_ones() -> None:
    degree = requirements(course("algo", "ALGO"), credits_rule("free", "6", isced=["05"]))
    items = [item("algo"), item("p-algo", "PALG", institution="partner", state="planned",
                                  counts_for=["ALGO"])]
    result = audit(degree, items)
    assert keys_of(result.result("algo")) == ["algo"]
    assert result.result("algo").status is SATISFIED
    assert result.item_notes["p-algo"] == (Message("not_needed", {"rules": ["algo"]}),)


def test_too_many_combinations_fall_back_to_the_greedy_assignment() -> None:
    degree = requirements(credits_rule("field", "30", isced=["06"]), credits_rule("free", "30"))
    items = [item(f"c{i:02}") for i in range(12)]  # each fits both rules: 2¹² ways
    result = audit(degree, items)
    assert SEARCH_LIMIT < 2 ** 12
    assert result.notes[0] == Message("assignment_greedy", {
        "units": 12, "combinations": 4096, "limit": SEARCH_LIMIT})
    assert result.status is SATISFIED
    assert len(keys_of(result.result("field"))) == len(keys_of(result.result("free"))) == 5
    assert audit(degree, items[::-1]).to_dict() == result.to_dict()  # deterministic too


# --- equivalences --------------------------------------------------------------------------------

TWO_FOR_ONE = {"NET": (frozenset({"H-NET1", "H-NET2"}),)}  # Nice's NET = Haikou's two courses


def partner(key: str, code: str, **kwargs: Any) -> Item:
    return item(key, code, institution="partner", **kwargs)


def test_an_equivalence_set_needs_both_partner_courses_and_claims_them_together() -> None:
    degree = requirements(course("net", "NET"), credits_rule("free", "6"))
    items = [partner("y1", "H-NET1", credits="3"), partner("y2", "H-NET2", credits="3"),
             item("e1")]
    result = audit(degree, items, equivalents=TWO_FOR_ONE)
    net = result.result("net")
    assert net.status is SATISFIED
    assert [(c.item_key, c.via) for c in net.items] == [("y1", "equivalence"),
                                                        ("y2", "equivalence")]
    assert result.assignment == {"y1": "net", "y2": "net", "e1": "free"}
    assert keys_of(result.result("free")) == ["e1"]


def test_half_an_equivalence_set_is_not_enough() -> None:
    degree = requirements(course("net", "NET"))
    only_one = audit(degree, [partner("y1", "H-NET1")], equivalents=TWO_FOR_ONE)
    net = only_one.result("net")
    assert net.status is IMPOSSIBLE
    assert net.missing == (Message("course_missing", {"code": "NET",
                                                      "options": [["H-NET1", "H-NET2"]]}),)
    planned = audit(degree, [partner("y1", "H-NET1"), partner("y2", "H-NET2", state="planned")],
                    equivalents=TWO_FOR_ONE)
    assert planned.result("net").status is NOT_YET
    assert [c.state for c in planned.result("net").items] == ["passed", "planned"]


def test_a_one_to_one_equivalence_works_from_the_item_or_from_the_table() -> None:
    degree = requirements(course("db", "DB"), credits_rule("cs", "6", category="core",
                                                           courses=["OS"]))
    by_item = audit(degree, [partner("p", "H-DB", counts_for=["DB"]),
                             partner("q", "H-OS", counts_for=["OS"])])
    by_table = audit(degree, [partner("p", "H-DB"), partner("q", "H-OS")],
                     equivalents={"DB": (frozenset({"H-DB"}),), "OS": (frozenset({"H-OS"}),)})
    for result in (by_item, by_table):
        assert result.status is SATISFIED
        assert result.result("db").items[0].via == "equivalence"
        assert result.result("cs").items[0].via == "equivalence"  # selected as its home course


# --- exceptions ----------------------------------------------------------------------------------


def test_a_substitute_counts_in_place_of_the_replaced_course() -> None:
    degree = requirements(course("stats", "STAT1"))
    result = audit(degree, [item("econ", "ECO9")],
                   exceptions=[AuditException(7, "substitute", item_key="econ",
                                              replaces="STAT1")])
    stats = result.result("stats")
    assert stats.status is SATISFIED
    assert (stats.items[0].via, stats.items[0].exception_id, stats.exception_ids) == (
        "substitute", 7, (7,))


def test_also_allow_lets_a_course_count_where_the_selector_says_no() -> None:
    degree = requirements(credits_rule("lang", "3", category="language", isced=["0231"]))
    allowed = AuditException(3, "also_allow", rule_id="lang", item_key="fle")
    assert audit(degree, [item("fle", credits="3")]).result("lang").status is IMPOSSIBLE
    result = audit(degree, [item("fle", credits="3")], exceptions=[allowed])
    assert result.result("lang").status is SATISFIED
    assert result.result("lang").items[0].via == "also_allow"
    assert result.result("lang").exception_ids == (3,)


def test_apply_here_pins_a_course_even_where_another_rule_needed_it() -> None:
    degree = requirements(credits_rule("electives", "3"),
                          credits_rule("languages", "3", category="language", isced=["0231"]))
    pinned = AuditException(9, "apply_here", rule_id="electives", item_key="zh")
    result = audit(degree, [item("zh", credits="3", isced="0231")], exceptions=[pinned])
    assert result.assignment == {"zh": "electives"}
    assert result.result("electives").items[0].via == "apply_here"
    assert result.result("languages").status is IMPOSSIBLE


def test_force_complete_marks_a_rule_and_everything_under_it_met() -> None:
    degree = requirements({"id": "core", "type": "mandatory", "courses": ["A", "B"]},
                          course("thesis", "MEM"))
    result = audit(degree, [item("mem")],
                   exceptions=[AuditException(4, "force_complete", rule_id="core")])
    core = result.result("core")
    assert (core.status, core.missing, core.exception_ids) == (SATISFIED, (), (4,))
    assert Message("forced", {"id": 4}) in core.notes
    assert result.result("core.a").status is SATISFIED
    assert result.result("core.a").exception_ids == (4,)
    assert result.status is SATISFIED


def test_a_waived_rule_counts_as_met_for_its_parent() -> None:
    degree = requirements(
        {"id": "lang", "type": "all_of", "rules": [
            {"id": "delf", "type": "certification", "exams": ["DELF"], "min_level": "B2"},
            course("fle", "FLE1")]})
    result = audit(degree, [item("fle1")],
                   exceptions=[AuditException(5, "waive", rule_id="delf")])
    assert result.result("delf").status is WAIVED
    assert result.result("delf").notes == (Message("waived", {"id": 5}),)
    assert result.result("lang").status is SATISFIED
    assert result.result("lang").exception_ids == (5,)


def test_a_waived_credits_rule_leaves_its_courses_to_the_other_rules() -> None:
    degree = requirements(credits_rule("electives", "6"), credits_rule("free", "6"))
    result = audit(degree, [item("e1")],
                   exceptions=[AuditException(1, "waive", rule_id="electives")])
    assert result.assignment == {"e1": "free"}
    assert result.status is SATISFIED


def test_exceptions_that_cannot_apply_are_reported_not_ignored() -> None:
    degree = requirements(credits_rule("free", "6"), {"id": "avg", "type": "average",
                                                      "min": "10"})
    exceptions = [
        AuditException(1, "waive", rule_id="gone"),
        AuditException(2, "also_allow", rule_id="free", item_key="nobody"),
        AuditException(3, "also_allow", rule_id="free", item_key="flunked"),
        AuditException(4, "apply_here", rule_id="avg", item_key="e1"),
        AuditException(5, "also_allow", rule_id="free", item_key="e1"),  # it fits anyway
    ]
    result = audit(degree, [item("e1"), item("flunked", state="failed", grade="4")],
                   compensation=None, exceptions=exceptions)
    assert result.notes[1:] == (
        Message("exception_unknown_rule", {"id": 1, "rule": "gone"}),
        Message("exception_unknown_item", {"id": 2, "item": "nobody"}),
        Message("exception_not_countable", {"id": 3, "item": "flunked"}),
        Message("exception_wrong_rule", {"id": 4, "rule": "avg"}),
        Message("exception_not_used", {"id": 5}),
    )


def test_an_exception_needs_what_its_kind_needs() -> None:
    with pytest.raises(ValueError, match="needs item_key and replaces"):
        AuditException(1, "substitute")
    with pytest.raises(ValueError, match="kind"):
        AuditException(1, "pardon", rule_id="x")


# --- compensation --------------------------------------------------------------------------------

COMPENSATION = {"enabled": True, "threshold": "10", "floor": "7"}


def semester(failed_grade: str) -> list[Item]:
    """S1 at home: 14 in A and ``failed_grade`` in B, 6 ECTS each."""
    return [item("a", grade="14"), item("b", grade=failed_grade, state="failed"),
            item("h", grade="3", state="failed", institution="partner")]


def test_a_failed_course_is_compensated_by_its_terms_average() -> None:
    degree = requirements(course("a", "A"), course("b", "B"), compensation=COMPENSATION)
    result = audit(degree, semester("8"))  # (14 × 6 + 8 × 6) / 12 = 11
    assert result.status is SATISFIED
    assert result.result("b").items[0].state == "compensated"
    assert result.compensated == ("b",)
    assert result.failed == ("h",)  # partner courses are not compensated at home
    assert result.item_notes["b"][0] == Message("compensated", {
        "term": "S1", "average": "11", "threshold": "10"})
    assert result.totals.completed == D(12)


def test_without_compensation_a_failed_course_does_not_count() -> None:
    degree = requirements(course("b", "B"), compensation=COMPENSATION)
    result = audit(degree, semester("8"), compensation=None)
    assert result.result("b").status is IMPOSSIBLE
    assert result.result("b").notes == (Message("course_failed", {"item": "b"}),)
    assert result.failed == ("b", "h") and result.compensated == ()
    disabled = audit(requirements(course("b", "B"), compensation={**COMPENSATION,
                                                                  "enabled": False}),
                     semester("8"))
    assert disabled.result("b").status is IMPOSSIBLE


def test_no_compensation_below_the_floor_or_the_threshold() -> None:
    degree = requirements(course("b", "B"), compensation=COMPENSATION)
    below_floor = audit(degree, semester("6.5"))  # average 10.25, but 6.5 < floor 7
    assert below_floor.result("b").status is IMPOSSIBLE
    assert below_floor.item_notes["b"] == (Message("not_compensated_floor", {
        "grade": "6.5", "floor": "7"}),)
    no_floor = audit(degree, semester("6.5"), compensation=Compensation(True, D(10)))
    assert no_floor.result("b").status is SATISFIED
    weak_term = audit(degree, [item("a", grade="11"), item("b", grade="8", state="failed")])
    assert weak_term.item_notes["b"] == (Message("not_compensated_average", {
        "term": "S1", "average": "9.5", "threshold": "10"}),)


# --- statuses, aggregates ----------------------------------------------------------------------


def test_satisfied_not_yet_impossible() -> None:
    degree = requirements(course("done", "DONE"), course("soon", "SOON"),
                          course("never", "NEVER"))
    result = audit(degree, [item("done"), item("soon", state="in_progress")])
    assert [r.status for r in result.rules] == [SATISFIED, NOT_YET, IMPOSSIBLE]
    assert result.status is IMPOSSIBLE
    assert [(r.counted, r.expected) for r in result.rules] == [(1, 1), (0, 1), (0, 0)]
    assert result.result("soon").missing == (Message("course_missing", {
        "code": "SOON", "options": []}),)


def test_credits_rules_say_what_is_missing_and_what_is_not_planned() -> None:
    degree = requirements(credits_rule("options", "18", min_courses=4))
    result = audit(degree, [item("o1"), item("o2", state="planned")])
    options = result.result("options")
    assert (options.status, options.required, options.counted, options.expected) == (
        IMPOSSIBLE, D(18), D(6), D(12))
    assert options.missing == (
        Message("credits_short", {"credits": "12"}), Message("credits_unplanned",
                                                             {"credits": "6"}),
        Message("courses_short", {"count": 3}), Message("courses_unplanned", {"count": 2}))
    assert [m.english() for m in options.missing] == [
        "12 more credits needed", "6 of them are not planned yet",
        "3 more courses needed", "2 of them are not planned yet"]


def test_partner_credits_beyond_the_cap_do_not_count_toward_the_total() -> None:
    degree = requirements(
        {"id": "total", "type": "total_credits", "min": "24"},
        {"id": "cap", "type": "partner_cap", "max": "12"},
        {"id": "abroad", "type": "institution_credits", "institution": "partner",
         "min": "18"})
    items = [item("h1"), partner("p1", "P1"), partner("p2", "P2"),
             partner("p3", "P3", state="planned")]
    result = audit(degree, items)
    totals = result.totals
    assert (totals.completed, totals.expected) == (D(18), D(18))
    assert (totals.partner_completed, totals.partner_expected) == (D(12), D(18))
    assert (totals.beyond_cap, totals.beyond_cap_expected) == (D(0), D(6))
    assert result.result("total").status is IMPOSSIBLE
    assert result.result("abroad").status is NOT_YET  # earned credits, cap or not
    cap = result.result("cap")
    assert cap.status is SATISFIED
    assert cap.notes == (Message("beyond_cap", {"credits": "0", "expected": "6", "max": "12"}),)


def test_the_average_is_weighted_by_credits_and_rounded_half_up() -> None:
    degree = requirements({"id": "avg", "type": "average", "min": "10"})
    # (9.99 × 3 + 10 × 3) / 6 = 9.995 → 10.00: the average shown decides.
    result = audit(degree, [item("a", credits="3", grade="9.99"),
                            item("b", credits="3", grade="10")])
    assert result.average == D("10.00")
    assert result.result("avg").status is SATISFIED
    low = [item("a", grade="8"), item("b", credits="3", grade="11")]  # 9
    assert audit(degree, low).result("avg").status is IMPOSSIBLE
    assert audit(degree, low).result("avg").missing == (Message("average_short", {
        "average": "9", "min": "10"}),)
    assert audit(degree, [*low, item("c", state="planned")]).result("avg").status is NOT_YET
    ungraded = audit(degree, [item("r", state="recognised", grade=None),
                              item("c", state="planned")])
    assert ungraded.average is None
    assert ungraded.result("avg").missing == (Message("average_unknown", {"min": "10"}),)


def test_a_language_certificate_at_the_level_or_above() -> None:
    degree = requirements(
        {"id": "fr", "type": "certification", "exams": ["DELF", "DALF"], "min_level": "B2"},
        {"id": "zh", "type": "certification", "exams": ["HSK"], "min_level": "4"})
    result = audit(degree, [], certifications=[
        Certification("DALF", "C1", date(2024, 6, 1)), Certification("HSK", "3")])
    assert result.result("fr").status is SATISFIED
    assert result.result("fr").notes == (Message("certification_used", {
        "exam": "DALF", "level": "C1", "date": "2024-06-01"}),)
    assert result.result("zh").status is NOT_YET  # never impossible: it can still be taken
    assert result.result("zh").missing == (Message("certification_missing", {
        "exams": ["HSK"], "level": "4"}),)


def test_composites_take_the_worst_the_best_or_the_nth_best_child() -> None:
    children = [course("x", "X"), course("y", "Y"), course("z", "Z")]
    degree = requirements({"id": "all", "type": "all_of", "rules": children},
                          {"id": "any", "type": "any_of",
                           "rules": [course("x2", "X2"), course("y2", "Y2")]},
                          {"id": "two", "type": "at_least", "n": 2,
                           "rules": [course("x3", "X3"), course("y3", "Y3"),
                                     course("z3", "Z3")]})
    items = [item("x"), item("y", state="planned"),
             item("y2", state="planned"),
             item("x3"), item("y3", state="planned")]
    result = audit(degree, items)
    assert result.result("all").status is IMPOSSIBLE  # Z is nowhere
    assert result.result("any").status is NOT_YET
    two = result.result("two")
    assert (two.status, two.required, two.counted, two.expected) == (NOT_YET, 2, 1, 2)
    assert two.missing == (Message("rules_short", {"count": 1, "required": 2}),)


# --- output --------------------------------------------------------------------------------------


def test_to_dict_is_json_with_decimals_as_strings() -> None:
    degree = requirements(course("a", "A"), credits_rule("free", "7.5"))
    result = audit(degree, [item("a"), item("e", credits="7.5")])
    data = json.loads(json.dumps(result.to_dict()))
    assert data["status"] == "satisfied"
    assert data["rules"][1]["required"] == "7.5"
    assert data["rules"][1]["items"] == [{"item_key": "e", "credits": "7.5", "state": "passed",
                                          "via": "itself", "exception_id": None}]
    assert data["rules"][0]["label"] == {"en": "a"}
    assert data["totals"]["completed"] == "13.5"


def test_message_templates_use_named_placeholders_only() -> None:
    for key, template in MESSAGES.items():
        assert "%" not in re.sub(r"%\([a-z_]+\)s", "", template), key


def test_items_must_have_unique_keys_and_exact_numbers() -> None:
    with pytest.raises(ValueError, match="unique"):
        audit(requirements(), [item("a"), item("a", "B")])
    with pytest.raises(TypeError):
        Item("a", "A", "home", "lecture", None, 6.0, None, "passed")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="state"):
        Item("a", "A", "home", "lecture", None, D(6), None, "validated")


# --- properties ----------------------------------------------------------------------------------

DEGREE = requirements(
    {"id": "total", "type": "total_credits", "min": "60"},
    {"id": "core", "type": "mandatory", "courses": ["M1", "M2", "NET"]},
    credits_rule("field", "12", isced=["06"]),
    credits_rule("lang", "6", category="language", isced=["0231"]),
    credits_rule("free", "12"),
    {"id": "cap", "type": "partner_cap", "max": "24"},
    {"id": "avg", "type": "average", "min": "10"},
    {"id": "track", "type": "at_least", "n": 1, "rules": [
        credits_rule("ai", min_courses=2, category="core", courses=["F1", "F2", "F3"]),
        {"id": "zh", "type": "certification", "exams": ["HSK"], "min_level": "4"}]},
    compensation=COMPENSATION)
EQUIVALENTS = {"NET": (frozenset({"H-NET1", "H-NET2"}),), "F1": (frozenset({"H-F1"}),)}

student_items = st.lists(
    st.tuples(st.sampled_from(["M1", "M2", "F1", "F2", "F3", "E1", "E2", "L1", "H-NET1",
                               "H-NET2", "H-F1", "H-X"]),
              st.sampled_from(["passed", "passed", "recognised", "failed", "planned",
                               "in_progress"]),
              st.sampled_from(["3", "4.5", "6"]),
              st.sampled_from(["0613", "0231", "0311", None]),
              st.integers(5, 18), st.sampled_from(["S1", "S2"])),
    max_size=14)


def build(rows: list[tuple[Any, ...]]) -> list[Item]:
    return [item(f"k{i}", code, state=state, credits=credits, isced=isced, grade=str(grade),
                 term=term, institution="partner" if code.startswith("H-") else "home")
            for i, (code, state, credits, isced, grade, term) in enumerate(rows)]


def claimed(result: DegreeAudit) -> list[str]:
    found: list[str] = []
    stack = list(result.rules)
    while stack:
        rule = stack.pop()
        if rule.type in ("course", "credits"):
            found += keys_of(rule)
        stack.extend(rule.children)
    return found


@props
@given(student_items, st.randoms(use_true_random=False))
def test_the_order_of_the_items_does_not_change_the_audit(rows: list[tuple[Any, ...]],
                                                          rng: Any) -> None:
    items = build(rows)
    shuffled = list(items)
    rng.shuffle(shuffled)
    first = audit(DEGREE, items, equivalents=EQUIVALENTS)
    second = audit(DEGREE, shuffled, equivalents=EQUIVALENTS)
    assert first.to_dict() == second.to_dict()


@props
@given(student_items)
def test_a_course_counts_at_most_once_and_where_the_assignment_says(
        rows: list[tuple[Any, ...]]) -> None:
    result = audit(DEGREE, build(rows), equivalents=EQUIVALENTS)
    keys_claimed = claimed(result)
    assert len(keys_claimed) == len(set(keys_claimed))
    assert {key for key, rule in result.assignment.items() if rule is not None} == set(
        keys_claimed)
    for key, rule_id in result.assignment.items():
        if rule_id is not None:
            assert key in keys_of(result.result(rule_id))
    assert not set(keys_claimed) & set(result.failed)


@props
@given(student_items)
def test_statuses_agree_with_the_figures(rows: list[tuple[Any, ...]]) -> None:
    result = audit(DEGREE, build(rows), equivalents=EQUIVALENTS)
    for rule_id in ("core.m1", "field", "lang", "free", "total"):
        rule = result.result(rule_id)
        assert (rule.status is SATISFIED) == (rule.counted >= rule.required)
        assert (rule.status is IMPOSSIBLE) == (rule.expected < rule.required)
        assert (rule.missing == ()) == (rule.status is SATISFIED)
    for messages in (result.notes, *result.item_notes.values()):
        for message in messages:
            assert message.english()


@props
@given(student_items, st.data())
def test_passing_a_planned_course_never_meets_fewer_rules(rows: list[tuple[Any, ...]],
                                                          data: st.DataObject) -> None:
    items = build(rows)
    planned = [i for i, each in enumerate(items) if each.state in ("planned", "in_progress")]
    if not planned:
        return
    index = data.draw(st.sampled_from(planned))
    before = audit(DEGREE, items, equivalents=EQUIVALENTS)
    passed = items[index]
    # No term: the new grade must not change which failed courses compensation saves.
    items[index] = Item(passed.key, passed.code, passed.institution, passed.kind, passed.isced,
                        passed.credits, D(12), "passed", None)
    after = audit(DEGREE, items, equivalents=EQUIVALENTS)
    # Guaranteed by the exact search; the greedy fallback promises no optimum.
    assume(before.notes[0].key == after.notes[0].key == "assignment_search")

    def met(result: DegreeAudit) -> int:
        return sum(result.result(rule_id).status is SATISFIED
                   for rule_id in ("core.m1", "core.m2", "core.net", "field", "lang", "free",
                                   "ai"))

    assert met(after) >= met(before)
