"""The demo's degree requirements and twenty students at different stages of the Nice–Haikou
double master's degree, entered through the same services as real data.

The path: year 1 at Nice (UCA semesters S1, S2), year 2 at Haikou (HAINANU autumn and spring
semesters: courses, the thesis and the professional practice). Grades are drawn from a seeded
generator, so every demo database is the same.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from jointdegree.auth.models import User
from jointdegree.catalog.models import AcademicTerm, Course, Partnership
from jointdegree.db import session
from jointdegree.planning import exceptions, plans, requirement_sets, results, students
from jointdegree.planning.models import Student

LANGUAGE_RULE: dict[str, Any] = {
    "id": "partner-language", "type": "any_of",
    "label": {"en": "Partner's language certificate", "fr": "Certification dans la langue du "
              "partenaire", "zh": "合作方语言证书"},
    "rules": [
        {"id": "french-b2", "type": "certification", "exams": ["DELF", "DALF", "TCF", "TEF"],
         "min_level": "B2", "label": {"en": "French B2 (DELF, DALF, TCF, TEF)",
                                      "fr": "Français B2 (DELF, DALF, TCF, TEF)",
                                      "zh": "法语 B2（DELF、DALF、TCF、TEF）"}},
        {"id": "chinese-hsk4", "type": "certification", "exams": ["HSK"], "min_level": "4",
         "label": {"en": "Chinese HSK 4", "fr": "Chinois HSK 4", "zh": "汉语水平考试四级"}},
    ]}

UCA_REQUIREMENTS: dict[str, Any] = {
    "compensation": {"enabled": True, "threshold": "10", "floor": "7"},
    "rules": [
        {"id": "total", "type": "total_credits", "min": "120",
         "label": {"en": "120 ECTS credits", "fr": "120 crédits ECTS", "zh": "120 个 ECTS 学分"}},
        {"id": "core", "type": "mandatory",
         "courses": ["M1-INF-01", "M1-INF-02", "M1-INF-03", "M1-INF-04"],
         "label": {"en": "Core courses of the first year", "fr": "UE obligatoires du M1",
                   "zh": "硕士一年级必修课"}},
        {"id": "electives", "type": "credits", "category": "elective", "min_credits": "36",
         "select": {"isced": ["05", "06", "07"]},
         "label": {"en": "Computer science electives", "fr": "UE optionnelles d'informatique",
                   "zh": "计算机专业选修课"}},
        {"id": "languages", "type": "credits", "category": "language", "min_credits": "3",
         "select": {"isced": ["0231"]},
         "label": {"en": "Language courses", "fr": "Langues vivantes", "zh": "语言课程"}},
        {"id": "internship", "type": "credits", "category": "internship", "min_courses": 1,
         "select": {"kinds": ["internship"]},
         "label": {"en": "Master's internship", "fr": "Stage de M2", "zh": "硕士实习"}},
        {"id": "thesis", "type": "credits", "category": "thesis", "min_courses": 1,
         "select": {"kinds": ["thesis"]},
         "label": {"en": "Research dissertation", "fr": "Mémoire de recherche",
                   "zh": "研究论文"}},
        {"id": "at-nice", "type": "institution_credits", "institution": "home", "min": "60",
         "label": {"en": "At least 60 ECTS earned at Nice", "fr": "Au moins 60 ECTS obtenus à "
                   "Nice", "zh": "至少在尼斯获得 60 个 ECTS 学分"}},
        {"id": "from-haikou", "type": "partner_cap", "max": "60",
         "label": {"en": "At most 60 ECTS recognised from Haikou", "fr": "Au plus 60 ECTS "
                   "reconnus de Haikou", "zh": "海口最多认定 60 个 ECTS 学分"}},
        {"id": "average", "type": "average", "min": "10",
         "label": {"en": "Average of at least 10/20", "fr": "Moyenne d'au moins 10/20",
                   "zh": "平均成绩不低于 10/20"}},
        LANGUAGE_RULE,
    ]}

HAINANU_REQUIREMENTS: dict[str, Any] = {
    "rules": [
        {"id": "total", "type": "total_credits", "min": "34",
         "label": {"en": "34 Chinese credits", "fr": "34 crédits chinois (学分)",
                   "zh": "总学分不少于 34"}},
        {"id": "degree-courses", "type": "mandatory", "courses": ["CS5101", "CS5102", "CS5103"],
         "label": {"en": "Degree courses", "fr": "Cours de diplôme (学位课)", "zh": "学位课"}},
        {"id": "politics", "type": "course", "course": "PT5001",
         "label": {"en": "Political theory (international students: Chinese, by substitution)",
                   "fr": "Théorie politique (étudiants internationaux : chinois, par "
                   "substitution)", "zh": "政治理论课（留学生以汉语课替代）"}},
        {"id": "foreign-language", "type": "credits", "category": "language", "min_credits": "2",
         "select": {"isced": ["0231"]},
         "label": {"en": "Foreign language", "fr": "Langue étrangère", "zh": "外国语"}},
        {"id": "practice", "type": "credits", "category": "internship", "min_courses": 1,
         "select": {"kinds": ["internship"]},
         "label": {"en": "Professional practice", "fr": "Pratique professionnelle",
                   "zh": "专业实践"}},
        {"id": "thesis", "type": "credits", "category": "thesis", "min_courses": 1,
         "select": {"kinds": ["thesis"]},
         "label": {"en": "Master's thesis", "fr": "Mémoire de master", "zh": "硕士学位论文"}},
        {"id": "at-haikou", "type": "institution_credits", "institution": "home", "min": "12",
         "label": {"en": "At least 12 credits earned at Haikou", "fr": "Au moins 12 crédits "
                   "obtenus à Haikou", "zh": "在海南大学获得不少于 12 学分"}},
        {"id": "from-nice", "type": "partner_cap", "max": "20",
         "label": {"en": "At most 20 credits recognised from Nice", "fr": "Au plus 20 crédits "
                   "reconnus de Nice", "zh": "尼斯最多认定 20 学分"}},
        {"id": "average", "type": "average", "min": "70",
         "label": {"en": "Average of at least 70/100", "fr": "Moyenne d'au moins 70/100",
                   "zh": "平均成绩不低于 70 分"}},
        LANGUAGE_RULE,
    ]}

# Year 1 at Nice, year 2 at Haikou.
NICE_S1 = ("M1-INF-01", "M1-INF-02", "M1-INF-05", "M1-INF-09", "M1-INF-10", "M1-INF-20")
NICE_S2 = ("M1-INF-03", "M1-INF-04", "M1-INF-13", "M1-INF-16", "M1-INF-17")
HAIKOU_AUT = ("CS5201", "CS5203", "CS5204", "CS5210", "GE5001", "PT5001", "CS5902")
HAIKOU_SPR = ("CS5202", "CS5207", "CS5208", "CS5901")


@dataclass(frozen=True)
class DemoStudent:
    family: str | None
    given: str | None
    han: str | None
    nationality: str
    stage: str  # "new", "year2", "compensates", "no_certificate", "ready"
    cohort_offset: int  # 0: this year's intake, -1: last year's…
    certificate: tuple[str, str] | None = ("DELF", "B2")


DEMO_STUDENTS: tuple[DemoStudent, ...] = (
    DemoStudent("Li", "Ming", "李明", "CN", "year2", -1),
    DemoStudent("Zhang", "Wei", "张伟", "CN", "new", 0),
    DemoStudent("Dubois", "Camille", None, "FR", "new", 0, ("HSK", "4")),
    DemoStudent("Liu", "Yang", "刘洋", "CN", "new", 0, None),
    DemoStudent("Chen", "Jing", "陈静", "CN", "new", 0),
    DemoStudent("Bernard", "Lucas", None, "FR", "year2", -1, ("HSK", "5")),
    DemoStudent("Wang", "Fang", "王芳", "CN", "year2", -1),
    DemoStudent("Zhao", "Lei", "赵磊", "CN", "year2", -1),
    DemoStudent("Huang", "Min", "黄敏", "CN", "year2", -1, ("TCF", "C1")),
    DemoStudent("Moreau", "Léa", None, "FR", "compensates", -1, ("HSK", "4")),
    DemoStudent("Wu", "Tao", "吴涛", "CN", "no_certificate", -2, None),
    DemoStudent("Xu", "Na", "徐娜", "CN", "ready", -2),
    DemoStudent("Sun", "Hao", "孙浩", "CN", "ready", -2, ("DALF", "C1")),
    DemoStudent("Laurent", "Hugo", None, "FR", "ready", -2, ("HSK", "6")),
    DemoStudent("Ma", "Li", "马丽", "CN", "year2", -1),
    DemoStudent("Zhu", "Qiang", "朱强", "CN", "new", 0),
    DemoStudent("Hu", "Yan", "胡艳", "CN", "new", 0),
    DemoStudent(None, None, "郭军", "CN", "year2", -1),
    DemoStudent("Petit", "Manon", None, "FR", "new", 0, ("HSK", "4")),
    DemoStudent("Lin", "Xue", "林雪", "CN", "year2", -1),
)


def load(partnership: Partnership, registrars: dict[str, User], student_user: User | None,
         first_year: int) -> list[Student]:
    """Requirements for both programmes, then the twenty students with results and plans."""
    nice, haikou = registrars["UCA"], registrars["HAINANU"]
    programme_nice, programme_haikou = partnership.programme_a, partnership.programme_b
    requirement_sets.save_requirements(programme_nice, UCA_REQUIREMENTS, nice)
    requirement_sets.save_requirements(programme_haikou, HAINANU_REQUIREMENTS, haikou)
    courses = {(c.institution.code, c.code): c for c in session.scalars(select(Course))}
    terms = {t.code + "@" + t.institution.code: t for t in session.scalars(select(AcademicTerm))}
    rng = random.Random(20261130)  # noqa: S311 — demo grades, not security
    created = []
    for index, spec in enumerate(DEMO_STUDENTS, start=1):
        cohort = first_year + spec.cohort_offset
        student = students.create_student(partnership, {
            "family_name": spec.family, "given_names": spec.given, "name_han": spec.han,
            "primary_script": "han" if spec.han else "latin",
            "email": f"student{index:02d}@example.org" if index > 1 else "student@example.org",
            "nationality": spec.nationality, "cohort": str(cohort),
            "birth_date": date(cohort - 23, 1 + index % 12, 1 + index % 28),
            "numbers": {"UCA": f"2{cohort % 100:02d}{index:05d}",
                        "HAINANU": f"{cohort}0{index:04d}"}}, nice)
        if index == 1 and student_user is not None:
            students.link_user(student, student_user)
        if spec.certificate:
            exam, level = spec.certificate
            students.add_certification(student, {"exam": exam, "level": level,
                                                 "taken_on": date(cohort, 6, 15)}, nice)
        _path(student, spec, cohort, first_year, courses, terms, registrars, rng)
        if spec.nationality != "CN":
            exceptions.grant(student, programme_haikou, {
                "kind": "substitute", "course_id": courses[("HAINANU", "IC5101")].id,
                "replaces_course_id": courses[("HAINANU", "PT5001")].id,
                "reason": "International student: Comprehensive Chinese replaces political "
                          "theory (Ministry of Education rule for international students)."},
                haikou)
        created.append(student)
    session.commit()
    return created


def _path(student: Student, spec: DemoStudent, cohort: int, first_year: int,
          courses: dict[tuple[str, str], Course], terms: dict[str, AcademicTerm],
          registrars: dict[str, User], rng: random.Random) -> None:
    """Results of the semesters already over, in-progress results of the current one, and a
    plan (approved for students past their first semester) for the whole path."""
    haikou_aut = tuple(c if not (c == "PT5001" and spec.nationality != "CN") else "IC5101"
                       for c in HAIKOU_AUT)
    semesters = [
        (f"{cohort}-S1@UCA", NICE_S1), (f"{cohort}-S2@UCA", NICE_S2),
        (f"{cohort + 1}-AUT@HAINANU", haikou_aut), (f"{cohort + 1}-SPR@HAINANU", HAIKOU_SPR)]
    plan = plans.create_plan(student, "Nice → Haikou", registrars["UCA"])
    for key, codes in semesters:
        term = terms[key]
        semester = plans.add_semester(plan, term, False, registrars["UCA"])
        institution = key.split("@")[1]
        for code in codes:
            course = courses[(institution, code)]
            if term not in course.terms:  # the catalog offers it in that year's term
                continue
            plans.add_course(plan, semester.id, course, registrars["UCA"])
    today_year = first_year
    for position, (key, codes) in enumerate(semesters):
        term = terms[key]
        institution = key.split("@")[1]
        finished = term.ends_on < date(today_year, 11, 30)
        started = term.starts_on <= date(today_year, 11, 30)
        if not started:
            break
        for code in codes:
            course = courses[(institution, code)]
            grade = None if not finished else _grade(institution, rng, spec, code, position)
            results.record_result(student, course, term, {"grade": grade or ""},
                                  registrars[institution])
    if spec.stage != "new":
        plans.submit(plan, registrars["UCA"])
        plans.approve(plan, registrars["UCA"])
        plans.approve(plan, registrars["HAINANU"])


def _grade(institution: str, rng: random.Random, spec: DemoStudent, code: str,
           position: int) -> str:
    if spec.stage == "compensates" and code == "M1-INF-13":
        return "8.5"  # failed, compensated within the semester (average ≥ 10, above the floor 7)
    if institution == "UCA":
        return str(Decimal(rng.randint(22, 34)) / 2)  # 11 to 17 out of 20, by halves
    return str(rng.randint(72, 93))
