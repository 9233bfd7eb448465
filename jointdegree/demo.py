"""The Nice–Haikou demo: two universities, their programmes, terms, a double degree, one user per
role. It loads only into an empty database, through the same services as everything else.

The demo passwords are public by design (they are printed): never load the demo on a server that
holds real data — :func:`load_demo` refuses any database that already has an institution.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from jointdegree import tabular
from jointdegree.auth.models import Role, User
from jointdegree.auth.services import create_user
from jointdegree.catalog import services as catalog
from jointdegree.catalog import transfer
from jointdegree.catalog.models import Course, Institution, Partnership
from jointdegree.db import session

DEMO_PASSWORD = "demo-jointdegree"  # noqa: S105 - public demo credential, printed on purpose

# (e-mail, role, institution code, display name, locale)
DEMO_USERS: tuple[tuple[str, Role, str | None, str, str | None], ...] = (
    ("admin@example.org", Role.ADMIN, None, "Admin jointdegree", None),
    ("registrar.nice@example.org", Role.REGISTRAR, "UCA", "Claire Martin", "fr"),
    ("registrar.haikou@example.org", Role.REGISTRAR, "HAINANU", "王丽 (Wang Li)", "zh_Hans"),
    ("professor.nice@example.org", Role.PROFESSOR, "UCA", "Prof. Jean Dupont", "fr"),
    ("professor.haikou@example.org", Role.PROFESSOR, "HAINANU", "陈伟 (Chen Wei)", "zh_Hans"),
    ("professor2.nice@example.org", Role.PROFESSOR, "UCA", "Prof. Sophie Lambert", "fr"),
    ("professor3.nice@example.org", Role.PROFESSOR, "UCA", "Prof. Marc Rossi", "en"),
    ("professor2.haikou@example.org", Role.PROFESSOR, "HAINANU", "林芳 (Lin Fang)", "zh_Hans"),
    ("student@example.org", Role.STUDENT, "HAINANU", "李明 (Li Ming)", None),
)



def load_demo(today: date | None = None) -> bool:
    """Load the demo into an empty database; return whether anything was loaded."""
    if session.scalar(select(func.count()).select_from(Institution)):
        return False
    nice = catalog.create_institution({
        "code": "UCA", "country": "FR", "timezone": "Europe/Paris", "hei_id": "univ-cotedazur.fr",
        "name_fr": "Université Côte d'Azur", "name_zh": "蔚蓝海岸大学",
        "name_en": "Université Côte d'Azur",
        "city_fr": "Nice", "city_zh": "尼斯", "city_en": "Nice",
        "credit_system": "ects", "grading_scale": "fr-20"}, actor=None)
    haikou = catalog.create_institution({
        "code": "HAINANU", "country": "CN", "timezone": "Asia/Shanghai",
        "hei_id": "hainanu.edu.cn",
        "name_fr": "Université de Hainan", "name_zh": "海南大学", "name_en": "Hainan University",
        "city_fr": "Haikou", "city_zh": "海口", "city_en": "Haikou",
        "credit_system": "cn", "grading_scale": "cn-100"}, actor=None)

    master_nice = catalog.create_programme(nice, {
        "code": "M-INFO", "level": "master", "required_credits": "120",
        "duration_semesters": 4,
        "name_fr": "Master mention Informatique",
        "name_zh": "计算机科学硕士（法国国家硕士）",
        "name_en": "Master in Computer Science"}, actor=None)
    catalog.create_programme(nice, {
        "code": "L-INFO", "level": "bachelor", "required_credits": "180",
        "duration_semesters": 6,
        "name_fr": "Licence mention Informatique", "name_zh": "计算机科学学士（法国国家学士）",
        "name_en": "Bachelor in Computer Science"}, actor=None)
    master_haikou = catalog.create_programme(haikou, {
        "code": "MS-CST", "level": "master", "required_credits": "34",
        "duration_semesters": 6,
        "name_fr": "Master en sciences et technologies informatiques",
        "name_zh": "计算机科学与技术（学术型硕士）",
        "name_en": "Master of Computer Science and Technology"}, actor=None)
    catalog.create_programme(haikou, {
        "code": "BS-CST", "level": "bachelor", "required_credits": "160",
        "duration_semesters": 8,
        "name_fr": "Licence en sciences et technologies informatiques",
        "name_zh": "计算机科学与技术（本科）",
        "name_en": "Bachelor of Computer Science and Technology"}, actor=None)

    first = catalog.academic_year_start(today)
    # Two past years (students already on the path have results), this year and the next.
    years = range(first - 2, first + 2)
    for year in years:
        label = f"{year}-{year + 1}"
        catalog.create_term(nice, {
            "code": f"{year}-S1", "academic_year": label,
            "name_fr": f"Semestre 1 {label}", "name_zh": f"{label}学年第一学期",
            "name_en": f"Semester 1 {label}",
            "starts_on": date(year, 9, 7), "ends_on": date(year + 1, 1, 22)}, actor=None)
        catalog.create_term(nice, {
            "code": f"{year}-S2", "academic_year": label,
            "name_fr": f"Semestre 2 {label}", "name_zh": f"{label}学年第二学期",
            "name_en": f"Semester 2 {label}",
            "starts_on": date(year + 1, 1, 25), "ends_on": date(year + 1, 6, 25)}, actor=None)
        catalog.create_term(haikou, {
            "code": f"{year}-AUT", "academic_year": label,
            "name_fr": f"Semestre d'automne {label}", "name_zh": f"{label}学年秋季学期",
            "name_en": f"Autumn semester {label}",
            "starts_on": date(year, 9, 7), "ends_on": date(year + 1, 1, 15)}, actor=None)
        catalog.create_term(haikou, {
            "code": f"{year}-SPR", "academic_year": label,
            "name_fr": f"Semestre de printemps {label}", "name_zh": f"{label}学年春季学期",
            "name_en": f"Spring semester {label}",
            "starts_on": date(year + 1, 2, 28), "ends_on": date(year + 1, 7, 10)}, actor=None)

    users: dict[str, User] = {}
    for email, role, code, name, locale in DEMO_USERS:
        users[email] = create_user(email, DEMO_PASSWORD, role, display_name=name,
                                   institution_code=code, locale=locale)
    session.commit()

    partnership = catalog.create_partnership(master_nice, master_haikou, {
        "code": "NICE-HAIKOU-CS", "status": "active", "first_intake_year": first - 2,
        "name_fr": "Double diplôme de master en informatique Nice–Haikou",
        "name_zh": "尼斯–海口计算机科学硕士双学位项目",
        "name_en": "Nice–Haikou double master's degree in computer science"},
        actor=users["registrar.nice@example.org"])
    _load_catalogs(nice, haikou, years, users["registrar.nice@example.org"],
                   users["registrar.haikou@example.org"])
    _load_equivalences(partnership, users["registrar.nice@example.org"],
                       users["registrar.haikou@example.org"], years[0])
    from jointdegree.planning import demo_students

    demo_students.load(partnership, {"UCA": users["registrar.nice@example.org"],
                                     "HAINANU": users["registrar.haikou@example.org"]},
                       users["student@example.org"], first)
    _load_teaching(users, first)
    _load_diplomas(users, date(first, 7, 3))
    return True


def _load_diplomas(users: dict[str, User], conferred_on: date) -> None:
    """A graduated cohort: two of the three ready students hold issued combined diplomas; one of
    them was issued with a mistake, revoked and reissued, so the verification page's three
    answers (valid, revoked, unknown) can all be seen. The third is left for a registrar to
    issue by hand."""
    from jointdegree.diplomas import services as diplomas
    from jointdegree.planning.models import Student

    nice, haikou = users["registrar.nice@example.org"], users["registrar.haikou@example.org"]

    def issue(student: Student, replaces: Any = None) -> Any:
        row = (diplomas.reissue(replaces, nice) if replaces is not None
               else diplomas.request(student, nice, conferred_on))
        diplomas.approve(row, nice, "Directrice de la scolarité")
        return diplomas.approve(row, haikou, "研究生院院长")

    for email in ("student13@example.org", "student14@example.org"):
        student = session.scalar(select(Student).where(Student.email == email))
        row = issue(student)
        if email == "student14@example.org":
            diplomas.revoke(row, nice, "Titre du signataire erroné côté Nice : diplôme "
                                       "remplacé par un nouvel exemplaire.")
            issue(student, replaces=row)


def verification_codes_text() -> str:
    """The demo's codes to try on /verify: one valid record and one revoked."""
    from jointdegree.diplomas.models import DiplomaRecord, DiplomaStatus

    rows = session.scalars(select(DiplomaRecord).where(
        DiplomaRecord.verification_code.is_not(None)).order_by(DiplomaRecord.id)).all()
    valid = next((r for r in rows if r.status is DiplomaStatus.ISSUED), None)
    revoked = next((r for r in rows if r.status is DiplomaStatus.REVOKED), None)
    if valid is None:
        return ""
    text = f"Verification codes to try at /verify: {valid.verification_code} (valid)"
    if revoked is not None:
        text += f", {revoked.verification_code} (revoked)"
    return text


def _load_teaching(users: dict[str, User], year: int) -> None:
    """Five professors' courses this year — three from Nice teaching Haikou's students remotely,
    two from Haikou, one of them visiting Nice — a term of weekly lectures (weeks that fall on a
    holiday cancelled with the reason), and a closure added afterwards that hits a lecture: the
    clash the Haikou registrar finds on the teaching calendar."""
    from datetime import timedelta

    from jointdegree.catalog.models import AcademicTerm
    from jointdegree.teaching import services as teaching

    def term(code: str, institution: str) -> AcademicTerm:
        return session.scalar(select(AcademicTerm).join(Institution).where(
            AcademicTerm.code == code, Institution.code == institution))

    def course(code: str) -> Course:
        return session.scalar(select(Course).where(Course.code == code))

    audience = f"NICE-HAIKOU-CS {year}"
    video = "https://visio.univ-cotedazur.fr/"
    plan = (  # professor, course, term, mode, zone, weekday, start, lecture mode, link/room
        ("professor.nice@example.org", "CS5211", f"{year}-AUT", "remote", "Europe/Paris", 1,
         "09:00", "remote", video + "cs5211"),
        ("professor2.nice@example.org", "CS5105", f"{year}-AUT", "remote", "Europe/Paris", 3,
         "08:30", "remote", video + "cs5105"),
        ("professor3.nice@example.org", "CS5213", f"{year}-AUT", "remote", "Europe/Paris", 0,
         "10:00", "remote", video + "cs5213"),
        ("professor.haikou@example.org", "CS5201", f"{year}-AUT", "home", "Asia/Shanghai", 2,
         "14:30", "in_person", "海南大学 计算机楼 301"),
        ("professor2.haikou@example.org", "M1-INF-19", f"{year}-S1", "visiting",
         "Europe/Paris", 4, "10:00", "in_person", "Campus Valrose, salle B12"),
        ("professor.nice@example.org", "M1-INF-02", f"{year}-S1", "home", "Europe/Paris", 0,
         "13:30", "in_person", "Campus SophiaTech, amphi 2"))
    haikou = session.scalar(select(Institution).where(Institution.code == "HAINANU"))
    visitor = users["professor2.haikou@example.org"]
    nice = session.scalar(select(Institution).where(Institution.code == "UCA"))
    teaching.add_stay(visitor, nice, {"arrives_on": date(year, 9, 1),
                                      "departs_on": date(year, 12, 20),
                                      "host_contact": "Claire Martin, scolarité"}, None)
    for email, code, term_code, mode, zone, weekday, start, lecture_mode, where in plan:
        taught = course(code)
        offering = teaching.assign(taught, term(term_code, taught.institution.code),
                                   users[email], mode, None)
        first = offering.term.starts_on + timedelta(
            days=(weekday - offering.term.starts_on.weekday()) % 7)
        link, room = (where, None) if where.startswith("https://") else (None, where)
        teaching.save_series(offering, {
            "zone": zone, "first_date": first, "starts_at": start, "duration_minutes": 90,
            "until": date(year, 12, 18) if mode == "visiting" else None,
            "mode": lecture_mode, "video_link": link, "room": room,
            "audience": audience if mode == "remote" else code},
            None, skip_clashes=True)
    # Haikou's sports meeting, decided after the timetable: it falls on a Tuesday lecture.
    sports = date(year, 12, 1) + timedelta(days=(1 - date(year, 12, 1).weekday()) % 7)
    teaching.add_closure(haikou, {"starts_on": sports, "ends_on": sports,
                                  "name_zh": "校运动会", "name_fr": "Jeux sportifs de "
                                  "l'université", "name_en": "University sports meeting"}, None)


DATA = Path(__file__).resolve().parent / "demo_data"


def _load_catalogs(nice: Institution, haikou: Institution, years: range, reg_nice: User,
                   reg_haikou: User) -> None:
    """The shipped catalogs go through the real importer, terms mapped to every demo year."""
    for institution, filename, registrar in ((nice, "uca_courses.csv", reg_nice),
                                             (haikou, "hainanu_courses.csv", reg_haikou)):
        rows = list(csv.DictReader(io.StringIO((DATA / filename).read_text(encoding="utf-8"))))
        for row in rows:
            row["terms"] = ";".join(f"{year}-{t.strip()}" for year in years
                                    for t in row["terms"].split(";") if t.strip())
        report = transfer.import_catalog(institution, tabular.csv_bytes(
            list(rows[0]), ([row[c] for c in rows[0]] for row in rows)), filename, registrar)
        if not report.applied:
            raise RuntimeError(f"demo catalog {filename} does not import: {report.errors[:3]}")


def _load_equivalences(partnership: Partnership, reg_nice: User, reg_haikou: User,
                       year: int) -> None:
    from jointdegree.matching import equivalences, rules

    rules.set_rule(partnership, {"kind": "any", "method": "ratio", "ects_per_cn": "1.5",
                                 "hours_per_ects": "27.5", "contact_hours_per_cn": "16",
                                 "step": "0.5", "cn_step": "0.5", "rounding": "half_up",
                                 "credited": True}, reg_nice)
    codes = {code: course_id for course_id, code in session.execute(
        select(Course.id, Course.code))}
    professor = session.scalar(select(User).where(User.email == "professor.nice@example.org"))
    for row in csv.DictReader(io.StringIO((DATA / "equivalences.csv").read_text("utf-8"))):
        ids = [codes[c.strip()] for side in ("uca_codes", "hainanu_codes")
               for c in row[side].split(";") if c.strip()]
        item = equivalences.propose(partnership, ids, year, None, row["note"], reg_nice)
        if row["status"] == "approved":
            equivalences.approve(item, reg_haikou)
        elif professor is not None:  # the faculty-review workflow, visible at once
            equivalences.request_review(item, professor, "Is the content equivalent?",
                                        reg_haikou)
            professor = None


def logins_text() -> str:
    lines = ["Demo logins (password for all: " + DEMO_PASSWORD + "):"]
    for email, role, code, name, _locale in DEMO_USERS:
        where = f" at {code}" if code else ""
        lines.append(f"  {role.value:<10} {email:<30} {name}{where}")
    return "\n".join(lines)
