"""Students, results, requirements, exceptions, plans and the dual degree audit, on the demo's
Nice–Haikou double degree (twenty students at different stages)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from jointdegree.audit.models import AuditLogEntry
from jointdegree.auth.policy import NotAllowed
from jointdegree.catalog.models import AcademicTerm, Course, Institution, Programme
from jointdegree.db import session
from jointdegree.errors import ValidationFailed
from jointdegree.planning import (
    auditing,
    exceptions,
    plans,
    requirement_sets,
    results,
    students,
)
from jointdegree.planning.learning_agreement_export import learning_agreement_xml
from jointdegree.planning.models import PlanStatus, Result, ResultStatus, Student
from tests.support import REFERENCE, skip_or_fail, student_by_email, user_by_email

SHARED = REFERENCE


student, user = student_by_email, user_by_email  # (short names for this file's many lookups)


def course(institution: str, code: str) -> Course:
    return session.scalar(select(Course).join(Institution).where(
        Institution.code == institution, Course.code == code))


def term(institution: str, code: str) -> AcademicTerm:
    return session.scalar(select(AcademicTerm).join(Institution).where(
        Institution.code == institution, AcademicTerm.code == code))


def degree(report: auditing.StudentAudit, institution: str) -> auditing.DegreeReport:
    return next(d for d in report.degrees if d.institution.code == institution)


NICE = "registrar.nice@example.org"
HAIKOU = "registrar.haikou@example.org"
READY = "student12@example.org"  # Xu Na: both years done, DELF B2
NO_CERTIFICATE = "student11@example.org"  # Wu Tao: both years done, no language certificate
COMPENSATES = "student10@example.org"  # Léa Moreau: failed M1-INF-13 with 8.5/20
NEW = "student02@example.org"  # Zhang Wei: first semester in Nice, under way


def test_the_demo_students_are_at_the_stages_the_demo_promises(app, demo) -> None:
    with app.test_request_context():
        assert session.scalar(select(func.count()).select_from(Student)) == 20
        ready = auditing.audit_student(student(READY), auditing.default_plan(student(READY)))
        assert [d.audit.status.value for d in ready.degrees] == ["satisfied", "satisfied"]

        missing = auditing.audit_student(student(NO_CERTIFICATE))
        for report in missing.degrees:
            unmet = [r.id for r in report.audit.rules if r.status.value != "satisfied"]
            assert unmet == ["partner-language"], (report.institution.code, unmet)

        new = auditing.audit_student(student(NEW), auditing.default_plan(student(NEW)))
        nice = degree(new, "UCA").audit
        assert nice.status.value == "not_yet"  # on track: the plan covers every rule
        assert nice.totals.completed == 0 and nice.totals.expected > 0


def test_compensation_validates_a_failed_course_and_says_so(app, demo) -> None:
    with app.test_request_context():
        report = degree(auditing.audit_student(student(COMPENSATES)), "UCA")
        failed = course("UCA", "M1-INF-13")
        assert str(failed.id) in report.audit.compensated
        notes = report.audit.item_notes[str(failed.id)]
        assert any(n.key == "compensated" for n in notes)
        # The Haikou degree has no compensation: the course just does not count there.
        haikou = degree(auditing.audit_student(student(COMPENSATES)), "HAINANU")
        assert not haikou.audit.compensated


def test_a_course_counts_once_per_degree(app, demo) -> None:
    with app.test_request_context():
        report = auditing.audit_student(student(READY), auditing.default_plan(student(READY)))
        for degree_report in report.degrees:
            claimed: list[str] = []
            for _depth, rule in auditing.flatten(degree_report.audit.rules):
                if rule.type in ("course", "credits"):
                    claimed += [c.item_key for c in rule.items]
            assert len(claimed) == len(set(claimed)), degree_report.institution.code


def test_partner_courses_count_through_equivalences_with_the_agreed_credits(app, demo) -> None:
    with app.test_request_context():
        report = degree(auditing.audit_student(student(READY)), "UCA")
        internship = course("UCA", "M2-INF-STAGE")
        views = [v for v in report.items.values() if internship in v.stands_for]
        assert len(views) == 1
        assert [t.course.code for t in views[0].taken] == ["CS5901"]
        assert views[0].credits == internship.credits  # 30 ECTS agreed, not 4 学分 × 1.5
        # A partner course with no equivalence counts with converted credits and grade.
        alone = next(v for v in report.items.values()
                     if not v.stands_for and v.taken[0].course.code == "CS5210")
        assert alone.credit_conversion is not None and alone.credits == Decimal("4.5")
        assert alone.grade_conversions and alone.grade_conversions[0].to_scale == "fr-20"


def test_grades_are_checked_against_the_course_scale(app, demo) -> None:
    with app.test_request_context():
        registrar, learner = user(NICE), student(NEW)
        algorithms, s1 = course("UCA", "M1-INF-05"), term("UCA", "2025-S1")
        with pytest.raises(ValidationFailed) as caught:
            results.record_result(learner, algorithms, s1, {"grade": "21"}, registrar)
        assert "fr-20" in str(caught.value.fields["grade"])
        with pytest.raises(ValidationFailed):
            results.record_result(learner, algorithms, s1, {"grade": "douze"}, registrar)
        with pytest.raises(ValidationFailed):  # a resit follows a failed attempt
            results.record_result(learner, algorithms, s1, {"grade": "12", "attempt": "resit"},
                                  registrar)
        first = results.record_result(learner, algorithms, s1, {"grade": "8"}, registrar)
        assert first.status is ResultStatus.FAILED and first.credits_earned == 0
        resit = results.record_result(learner, algorithms, s1,
                                      {"grade": "11,5", "attempt": "resit"}, registrar)
        assert resit.status is ResultStatus.PASSED and resit.grade == "11.5"
        assert resit.credits_earned == algorithms.credits


def test_only_the_course_institution_records_and_corrections_are_audited(app, demo) -> None:
    with app.test_request_context():
        learner = student(NEW)
        with pytest.raises(NotAllowed):
            results.record_result(learner, course("UCA", "M1-INF-05"), term("UCA", "2025-S1"),
                                  {"grade": "12"}, user(HAIKOU))
        result = session.scalar(select(Result).where(Result.student_id == student(READY).id,
                                                     Result.course_id == course("UCA",
                                                                                "M1-INF-01").id))
        before = result.grade
        results.correct_result(result, {"grade": "9"}, user(NICE))
        assert result.status is ResultStatus.FAILED and result.credits_earned == 0
        entry = session.scalar(select(AuditLogEntry).where(
            AuditLogEntry.action == "result.correct", AuditLogEntry.entity_id == str(result.id)))
        assert entry.before["grade"] == before and entry.after["grade"] == "9"


def test_a_roster_saves_all_grades_or_none(app, demo) -> None:
    with app.test_request_context():
        databases, s1 = course("UCA", "M1-INF-02"), term("UCA", "2026-S1")
        lines = results.roster(databases, s1)
        newcomers = [line.student for line in lines if line.result is not None
                     and line.result.status is ResultStatus.IN_PROGRESS]
        assert len(newcomers) >= 2
        grades = {s.id: "13" for s in newcomers}
        grades[newcomers[0].id] = "25"
        problems = results.record_roster(databases, s1, grades, user(NICE))
        assert list(problems) == [newcomers[0].id]
        assert all(line.result.grade is None for line in results.roster(databases, s1)
                   if line.student in newcomers)
        grades[newcomers[0].id] = "13,5"
        assert results.record_roster(databases, s1, grades, user(NICE)) == {}
        saved = {line.student.id: line.result.grade for line in results.roster(databases, s1)}
        assert saved[newcomers[0].id] == "13.5" and saved[newcomers[1].id] == "13"


def test_a_results_file_with_a_bad_row_saves_nothing_and_reports_every_row(app, demo) -> None:
    with app.test_request_context():
        uca = session.scalar(select(Institution).where(Institution.code == "UCA"))
        number = student(NEW).number_at(uca.id)
        bad = (f"student_number,course,term,grade\n{number},M1-INF-05,2025-S1,12\n"
               "99999999,M1-INF-05,2025-S1,12\n"
               f"{number},NOPE,2025-S1,12\n"
               f"{number},M1-INF-09,2025-S1,23\n").encode()
        count = session.scalar(select(func.count()).select_from(Result))
        report = results.import_results(uca, bad, "results.csv", user(NICE))
        assert not report.applied
        assert [(e.line, e.column) for e in report.errors] == [
            (3, "student_number"), (4, "course"), (5, "grade")]
        assert session.scalar(select(func.count()).select_from(Result)) == count
        good = f"student_number,course,term,grade\n{number},M1-INF-05,2025-S1,12\n".encode()
        assert results.import_results(uca, good, "results.csv", user(NICE)).applied
        assert session.scalar(select(func.count()).select_from(Result)) == count + 1


def test_the_results_import_command_reports_rows(app, demo, runner, tmp_path) -> None:
    path = tmp_path / "results.csv"
    path.write_text("student_number,course,term,grade\nnobody,M1-INF-05,2025-S1,12\n",
                    encoding="utf-8")
    result = runner.invoke(args=["results", "import", str(path), "--institution", "UCA"])
    assert result.exit_code != 0
    assert "line 2, column student_number" in result.output
    assert "nothing was imported" in result.output


def test_requirement_documents_report_every_problem_by_path(app, demo) -> None:
    with app.test_request_context():
        programme = session.scalar(select(Programme).where(Programme.code == "M-INFO"))
        document = {"rules": [{"id": "total", "type": "total_credits", "label": {"en": "T"},
                               "min": 12.5},
                              {"id": "total", "type": "credits", "label": {"en": "C"},
                               "category": "core"}]}
        with pytest.raises(ValidationFailed) as caught:
            requirement_sets.save_requirements(programme, document, user(NICE))
        assert {"rules[0].min", "rules[1].id"} <= set(caught.value.fields)
        with pytest.raises(NotAllowed):  # Haikou's registrar does not write Nice's rules
            requirement_sets.save_requirements(programme, {"rules": []}, user(HAIKOU))
        parsed = requirement_sets.parse_text("rules:\n- id: t\n  type: total_credits\n"
                                             "  label: {en: T}\n  min: 7.5\n", "yaml")
        assert parsed["rules"][0]["min"] == "7.5"  # YAML decimals stay exact text
        saved = requirement_sets.save_requirements(programme, parsed, user(NICE))
        assert saved.document["rules"][0]["min"] == "7.5"


def test_a_waiver_shows_where_it_was_used_and_can_be_withdrawn(app, demo) -> None:
    with app.test_request_context():
        learner = student(NO_CERTIFICATE)
        nice = session.scalar(select(Programme).where(Programme.code == "M-INFO"))
        with pytest.raises(NotAllowed):
            exceptions.grant(learner, nice, {"kind": "waive", "rule_id": "partner-language",
                                             "reason": "x"}, user(HAIKOU))
        with pytest.raises(ValidationFailed) as caught:
            exceptions.grant(learner, nice, {"kind": "waive", "rule_id": "partner-language"},
                             user(NICE))
        assert "reason" in caught.value.fields
        waiver = exceptions.grant(learner, nice, {
            "kind": "waive", "rule_id": "partner-language",
            "reason": "Certificate lost in transit; jury decision of 2 July"}, user(NICE))
        report = degree(auditing.audit_student(learner), "UCA")
        rule = report.audit.result("partner-language")
        assert rule.status.value == "waived" and waiver.id in rule.exception_ids
        assert report.audit.status.value == "satisfied"
        assert degree(auditing.audit_student(learner), "HAINANU").audit.status.value != \
            "satisfied"  # the other degree keeps its own rule
        exceptions.withdraw(waiver, user(NICE))
        again = degree(auditing.audit_student(learner), "UCA")
        assert again.audit.result("partner-language").status.value == "not_yet"


def test_what_if_tries_changes_without_saving_them(app, demo) -> None:
    with app.test_request_context():
        learner = student(NEW)
        plan = auditing.default_plan(learner)
        revision = plan.revision
        learning = course("UCA", "M1-INF-03")
        dropped = auditing.audit_student(learner, plan, auditing.WhatIf(remove=(learning.id,)))
        core = degree(dropped, "UCA").audit.result("core")
        assert core.status.value == "impossible"
        assert any(m.key == "course_missing" for _d, r in auditing.flatten([core])
                   for m in r.missing)
        assert plans.get_plan(plan.id).revision == revision  # nothing saved
        as_is = degree(auditing.audit_student(learner, plan), "UCA").audit.result("core")
        assert as_is.status.value == "not_yet"


def test_changing_an_approved_plan_needs_a_new_approval(app, demo) -> None:
    with app.test_request_context():
        learner = student("student01@example.org") or student("student@example.org")
        plan = auditing.default_plan(learner)
        assert plan.status is PlanStatus.APPROVED
        approved = plan.revision
        spring = next(s for s in plan.semesters if s.term.code.endswith("SPR"))
        with pytest.raises(ValidationFailed):  # not offered in that term
            plans.add_course(plan, spring.id, course("HAINANU", "CS5101"), user(HAIKOU))
        plans.add_course(plan, spring.id, course("HAINANU", "CS5209"), user(HAIKOU))
        assert plan.status is PlanStatus.DRAFT and plan.approved_revision == approved
        assert plans.approved_by(plan) == set()
        plans.submit(plan, user(HAIKOU))
        plans.approve(plan, user(NICE))
        assert plan.status is PlanStatus.APPROVED and plan.approved_revision == plan.revision
        assert plan.approvals[-1].snapshot["semesters"][-1]["courses"][-1] in {
            "CS5209", *[c.code for c in spring.courses]}


def test_an_approved_plan_is_a_valid_ewp_learning_agreement(app, demo) -> None:
    if not (SHARED / "ewp").is_dir():
        skip_or_fail("../shared/reference (EWP schemas) is not beside the checkout")
    from jointdegree.catalog.ewp import validate

    with app.test_request_context():
        plan = auditing.default_plan(student(READY))
        xml = learning_agreement_xml(plan)
    schema = next((SHARED / "ewp" / "ewp-specs-api-omobility-las").rglob("get-response.xsd"))
    assert validate(xml, schema, SHARED / "xsd-catalog.xml") == []
    assert b"CS5901" in xml and b"M2-INF-STAGE" in xml  # studied ↔ recognised
    # EWP carries one name pair: the Latin one when the student has it (Xu Na here).
    assert b"<given-names>Na</given-names>" in xml and b"<family-name>Xu</family-name>" in xml


def test_student_records_validate_names_and_numbers(app, demo) -> None:
    with app.test_request_context():
        partnership = student(NEW).partnership
        data = {"email": "new@example.org", "nationality": "CN", "cohort": "2026",
                "name_han": "Wang", "primary_script": "han", "numbers": {"UCA": "2260000"}}
        with pytest.raises(ValidationFailed) as caught:
            students.create_student(partnership, data, user(NICE))
        assert "name_han" in caught.value.fields
        taken = student(NEW).numbers[0]
        code = session.get(Institution, taken.institution_id).code
        with pytest.raises(ValidationFailed) as caught:
            students.create_student(partnership, data | {"name_han": "王小明",
                                                         "numbers": {code: taken.number}},
                                    user(NICE))
        assert f"number_{code}" in caught.value.fields
        made = students.create_student(partnership, data | {"name_han": "王小明"}, user(HAIKOU))
        assert made.display_name == "王小明"


def test_the_audit_command_prints_both_degrees(app, demo, runner) -> None:
    with app.test_request_context():
        uca = session.scalar(select(Institution).where(Institution.code == "UCA"))
        number = student(READY).number_at(uca.id)
    result = runner.invoke(args=["audit", number])
    assert result.exit_code == 0, result.output
    assert "UCA M-INFO: satisfied" in result.output
    assert "HAINANU MS-CST: satisfied" in result.output
    missing = runner.invoke(args=["audit", "no-such-student"])
    assert missing.exit_code != 0 and "no student" in missing.output




def test_grading_tables_come_from_the_results_held_and_convert_by_position(app, demo) -> None:
    from jointdegree.matching import grading
    from jointdegree.matching.grades import SHIPPED

    with app.test_request_context():
        partnership = student(READY).partnership
        french = grading.reference_table(partnership, SHIPPED["fr-20"])
        passing = session.scalar(select(func.count()).select_from(Result).join(Course).join(
            Institution).where(Institution.code == "UCA", Result.grade.is_not(None),
                               Result.status == ResultStatus.PASSED))
        assert french.size == passing >= 30
        assert french.group.startswith("UCA: fr-20")
        grading.set_grade_rule(partnership, "cn-100", "fr-20", "grading_table", user(NICE))
        best = grading.convert_grade(partnership, "cn-100", "fr-20", "100")
        worst_pass = grading.convert_grade(partnership, "cn-100", "fr-20", "60")
        assert best.method.value == "grading_table"
        assert best.value >= worst_pass.value >= Decimal(10)  # monotone, a pass stays a pass
        assert grading.convert_grade(partnership, "cn-100", "fr-20", "59").value < 10


def test_the_grade_settings_page_draws_both_grading_tables(app, demo, client) -> None:
    from tests.support import login

    with app.test_request_context():
        partnership_id = student(READY).partnership_id
    login(client, NICE, "demo-jointdegree")
    page = client.get(f"/partnerships/{partnership_id}/grades").get_data(as_text=True)
    assert page.count('class="chart histogram"') == 2
    assert "UCA: fr-20" in page and "HAINANU: cn-100" in page


def test_every_audit_explanation_can_be_worded_in_the_readers_language(app) -> None:
    import re as regex

    from jointdegree.labels import AUDIT_MESSAGE_TEXT, audit_count_text
    from jointdegree.planning.audit import MESSAGES

    samples = {"count": "2", "units": "3", "combinations": "8", "limit": "2048"}
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        for key, english in MESSAGES.items():
            counted = audit_count_text(key, samples)
            if counted is not None:
                assert counted and "%(" not in counted, key
                continue
            assert key in AUDIT_MESSAGE_TEXT, f"{key} has no translatable wording"
            names = set(regex.findall(r"%\((\w+)\)s", english))
            assert set(regex.findall(r"%\((\w+)\)s", AUDIT_MESSAGE_TEXT[key]._args[0])) == names
