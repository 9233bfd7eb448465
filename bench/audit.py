"""Dual degree audit of many students: audits per second and the cost over loading (not a test).

Run from the project root: ``.venv/bin/python -m bench.audit [--students N]
[--backend sqlite|postgresql|both] [--batch 500] [--repeats 1] [--profile]``.

For each backend the script migrates a throwaway database, loads the real Nice–Haikou demo
(partnership, catalogs, approved equivalences, both requirement documents, 20 students), then
bulk-inserts N synthetic students of that partnership with SQLAlchemy Core (about 60 results each
over both catalogs: mostly passed, some failed — half of them resat and passed —, some in progress;
language certificates for most; the demo's politics substitution for non-Chinese students) and
runs ``ANALYZE``. It then times, each in a fresh session (a new application context):

* load — ``auditing.load_batches`` over the N students (students, results, courses, terms,
  exceptions: what an audit reads);
* audit — ``auditing.audit_many`` over the same students (the same loading, the partnership's
  shared data once, then both degrees' audits per student).

It prints load and audit time, audits per second (students audited, both degrees each) and the
ratio audit / load; the target is a ratio of at most 2 (the audit logic adds no more than the
loading). A sanity line counts satisfied / not_yet / impossible per degree, and a cross-check
compares ``audit_many`` with ``audit_student`` (results only) on a few students. ``--profile``
runs the audit under cProfile and prints the top functions of ``jointdegree/planning/`` and
``jointdegree/matching/`` by cumulative time. The default run takes a few minutes on two cores.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import platform
import pstats
import random
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, func, insert, select, text  # noqa: E402

from bench._support import app_for, database, postgres_available  # noqa: E402
from jointdegree.backup import reset_sequences  # noqa: E402
from jointdegree.catalog.models import (  # noqa: E402
    AcademicTerm,
    Course,
    Institution,
    Partnership,
    course_terms,
)
from jointdegree.db import database as db_of  # noqa: E402
from jointdegree.db import session  # noqa: E402
from jointdegree.planning import auditing  # noqa: E402
from jointdegree.planning.models import (  # noqa: E402
    Attempt,
    ExceptionKind,
    LanguageCertification,
    NameScript,
    Result,
    ResultStatus,
    Student,
    StudentException,
    StudentNumber,
)

TARGET = 2.0  # audit time at most this many times the loading time
PARTNERSHIP = "NICE-HAIKOU-CS"
COHORT = "2025"
CHUNK = 1_000  # students generated and inserted at a time (bounded memory)
CROSS_CHECK = 25  # students compared with audit_student

FAMILY_CN = ["Li", "Wang", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu",
             "Sun", "Ma", "Zhu", "Hu", "Guo", "He", "Lin", "Gao", "Luo"]
HAN_CN = ["李", "王", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡",
          "郭", "何", "林", "高", "罗"]
GIVEN_CN = [("Ming", "明"), ("Wei", "伟"), ("Fang", "芳"), ("Jing", "静"), ("Lei", "磊"),
            ("Min", "敏"), ("Tao", "涛"), ("Na", "娜"), ("Hao", "浩"), ("Xue", "雪")]
FAMILY_FR = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
             "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "Roux"]
GIVEN_FR = ["Camille", "Lucas", "Léa", "Hugo", "Manon", "Louis", "Chloé", "Jules", "Inès", "Paul"]


# -- data -----------------------------------------------------------------------------------------

class Catalog:
    """What the generator needs of the demo database, read once."""

    def __init__(self, today: date) -> None:
        self.partnership = session.scalar(select(Partnership).where(
            Partnership.code == PARTNERSHIP))
        institutions = {i.code: i for i in session.scalars(select(Institution))}
        self.uca, self.hainanu = institutions["UCA"], institutions["HAINANU"]
        self.courses = list(session.execute(select(
            Course.id, Course.institution_id, Course.credits, Course.code).order_by(Course.id)))
        terms = list(session.execute(select(
            AcademicTerm.id, AcademicTerm.institution_id, AcademicTerm.starts_on,
            AcademicTerm.ends_on)))
        self.finished = {i.id: [t.id for t in terms if t.institution_id == i.id
                                and t.ends_on < today] for i in (self.uca, self.hainanu)}
        self.current = {i.id: [t.id for t in terms if t.institution_id == i.id
                               and t.starts_on <= today <= t.ends_on]
                        for i in (self.uca, self.hainanu)}
        finished_ids = {t for ids in self.finished.values() for t in ids}
        self.offered: dict[int, list[int]] = {}
        for course_id, term_id in session.execute(select(course_terms.c.course_id,
                                                         course_terms.c.term_id)):
            if term_id in finished_ids:
                self.offered.setdefault(course_id, []).append(term_id)
        codes = {(c.institution_id, c.code): c.id for c in self.courses}
        self.substitute = (codes[self.hainanu.id, "IC5101"], codes[self.hainanu.id, "PT5001"])
        self.programme_haikou = self.partnership.programme_b_id
        assert all(self.finished.values()) and all(self.current.values()), "demo terms changed"


def _grade(rng: random.Random, uca: bool, passed: bool) -> str:
    if uca:  # fr-20, by halves
        halves = min(38, max(20, round(rng.gauss(13, 2.2) * 2))) if passed \
            else rng.randint(8, 19)
        return format(Decimal(halves) / 2, "f")
    return str(min(98, max(60, round(rng.gauss(80, 8))))) if passed else str(rng.randint(35, 59))


def synthetic_rows(catalog: Catalog, rng: random.Random, first_id: int, count: int,
                   result_id: int, recorded_at: datetime
                   ) -> tuple[dict[str, list[dict]], int]:
    """Rows of ``count`` students from id ``first_id`` on, per table; and the next result id."""
    uca_id = catalog.uca.id
    rows: dict[str, list[dict]] = {"students": [], "numbers": [], "certifications": [],
                                   "results": [], "exceptions": []}
    for student_id in range(first_id, first_id + count):
        chinese = rng.random() < 0.8
        if chinese:
            family = rng.randrange(len(FAMILY_CN))
            given, given_han = rng.choice(GIVEN_CN)
            names = {"family_name": FAMILY_CN[family], "given_names": given,
                     "name_han": HAN_CN[family] + given_han}
        else:
            names = {"family_name": rng.choice(FAMILY_FR), "given_names": rng.choice(GIVEN_FR),
                     "name_han": None}
        rows["students"].append(names | {
            "id": student_id, "partnership_id": catalog.partnership.id, "user_id": None,
            "cohort": COHORT, "primary_script": NameScript.LATIN,
            "email": f"bench.student{student_id:06d}@example.org",
            "nationality": "CN" if chinese else "FR",
            "birth_date": date(2001 + rng.randint(0, 3), rng.randint(1, 12), rng.randint(1, 28)),
            "created_at": recorded_at, "version": 1})
        rows["numbers"] += [
            {"student_id": student_id, "institution_id": uca_id, "number": f"B{student_id:08d}"},
            {"student_id": student_id, "institution_id": catalog.hainanu.id,
             "number": f"{COHORT}9{student_id:06d}"}]
        roll = rng.random()
        certificate = (("DELF", "B2") if roll < 0.6 else ("TCF", "C1") if roll < 0.7
                       else ("TCF", "B1") if roll < 0.8 else None) if chinese \
            else (("HSK", "4") if roll < 0.5 else ("HSK", "5") if roll < 0.8 else None)
        if certificate is not None:
            rows["certifications"].append({"student_id": student_id, "exam": certificate[0],
                                           "level": certificate[1],
                                           "taken_on": date(2025, 6, 15)})
        if not chinese:  # as in the demo: Comprehensive Chinese replaces political theory
            rows["exceptions"].append({
                "student_id": student_id, "programme_id": catalog.programme_haikou,
                "kind": ExceptionKind.SUBSTITUTE, "rule_id": None,
                "course_id": catalog.substitute[0], "replaces_course_id": catalog.substitute[1],
                "reason": "International student: Comprehensive Chinese replaces political "
                          "theory.", "approved_by_id": None, "created_at": recorded_at,
                "withdrawn_at": None})
        for course in rng.sample(catalog.courses, rng.randint(54, 64)):
            uca = course.institution_id == uca_id
            roll = rng.random()
            base = {"student_id": student_id, "course_id": course.id,
                    "attempt": Attempt.FIRST, "scale": "fr-20" if uca else "cn-100",
                    "recorded_at": recorded_at, "recorded_by_id": None, "version": 1}
            if roll < 0.08:
                term = rng.choice(catalog.current[course.institution_id])
                rows["results"].append(base | {
                    "id": result_id, "term_id": term, "grade": None,
                    "credits_earned": Decimal(0), "status": ResultStatus.IN_PROGRESS})
                result_id += 1
                continue
            term = rng.choice(catalog.offered.get(course.id)
                              or catalog.finished[course.institution_id])
            passed = roll >= 0.15
            rows["results"].append(base | {
                "id": result_id, "term_id": term, "grade": _grade(rng, uca, passed),
                "credits_earned": course.credits if passed else Decimal(0),
                "status": ResultStatus.PASSED if passed else ResultStatus.FAILED})
            result_id += 1
            if not passed and rng.random() < 0.5:  # the resit, passed
                rows["results"].append(base | {
                    "id": result_id, "term_id": term, "attempt": Attempt.RESIT,
                    "grade": _grade(rng, uca, True), "credits_earned": course.credits,
                    "status": ResultStatus.PASSED})
                result_id += 1
    return rows, result_id


TABLES = (("students", Student), ("numbers", StudentNumber),
          ("certifications", LanguageCertification), ("results", Result),
          ("exceptions", StudentException))


def bulk_insert(count: int, seed: int) -> tuple[list[int], int]:
    """Insert ``count`` synthetic students (Core executemany, one transaction); their ids and
    the number of results inserted."""
    catalog = Catalog(datetime.now(UTC).date())
    rng = random.Random(seed)
    recorded_at = datetime.now(UTC)
    first = (session.scalar(select(func.max(Student.id))) or 0) + 1
    result_id = (session.scalar(select(func.max(Result.id))) or 0) + 1
    next_id = {"certifications": (session.scalar(select(func.max(LanguageCertification.id)))
                                  or 0) + 1,
               "exceptions": (session.scalar(select(func.max(StudentException.id))) or 0) + 1}
    postgresql = session.get_bind().dialect.name == "postgresql"
    if postgresql and session.scalar(text("SELECT current_setting('is_superuser')")) == "on":
        # The rows are consistent by construction (ids read above): skip the per-row foreign
        # key triggers for this transaction only, which halves the load time (CHECK and UNIQUE
        # constraints still apply). SQLite checks every foreign key of the same rows.
        session.execute(text("SET LOCAL session_replication_role = replica"))
    results = 0
    for start in range(first, first + count, CHUNK):
        rows, result_id = synthetic_rows(catalog, rng, start, min(CHUNK, first + count - start),
                                         result_id, recorded_at)
        for name in next_id:  # explicit ids everywhere: the same rows on both backends
            for row in rows[name]:
                row["id"] = next_id[name]
                next_id[name] += 1
        results += len(rows["results"])
        for name, model in TABLES:
            if rows[name]:
                session.execute(insert(model.__table__), rows[name])
    if postgresql:  # explicit ids: move the sequences on
        reset_sequences(session.connection())
    session.commit()
    return list(range(first, first + count)), results


# -- measuring ------------------------------------------------------------------------------------

class Statements:
    """SQL statements sent while active (an engine event; negligible cost)."""

    def __init__(self, engine: object) -> None:
        self.engine, self.count = engine, 0

    def _count(self, *_args: object) -> None:
        self.count += 1

    def __enter__(self) -> Statements:
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)


def time_load(app: object, ids: list[int], batch: int) -> tuple[float, float, int, int, int]:
    """Seconds (wall, this process's CPU) to load every student's rows in a fresh session;
    students, results, statements."""
    gc.collect()
    with app.app_context(), Statements(db_of(app).engine) as sql:
        started, cpu = time.perf_counter(), time.process_time()
        students = results = 0
        for loaded in auditing.load_batches(ids, batch):
            students += len(loaded)
            results += sum(len(item.results) for item in loaded)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return elapsed, cpu, students, results, sql.count


def time_audit(app: object, ids: list[int], batch: int, profile: cProfile.Profile | None = None
               ) -> tuple[float, float, dict[str, Counter], int]:
    """Seconds (wall, this process's CPU) to audit every student (both degrees) in a fresh
    session; statuses by degree, statements."""
    gc.collect()
    statuses: dict[str, Counter] = {}
    with app.app_context(), Statements(db_of(app).engine) as sql:
        partnership = session.scalar(select(Partnership).where(Partnership.code == PARTNERSHIP))
        started, cpu = time.perf_counter(), time.process_time()
        if profile is not None:
            profile.enable()
        for report in auditing.audit_many(partnership, ids, batch):
            for degree in report.degrees:
                name = f"{degree.institution.code} {degree.programme.code}"
                statuses.setdefault(name, Counter())[degree.audit.status.value] += 1
        if profile is not None:
            profile.disable()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return elapsed, cpu, statuses, sql.count


def hotspots(profile: cProfile.Profile, order: str, top: int) -> str:
    """The profile's table, restricted to the planning and matching packages, paths shortened."""
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats(order).print_stats(
        r"jointdegree[/\\](planning|matching)[/\\]", top)
    table = out.getvalue()
    table = table[table.index("   ncalls"):] if "   ncalls" in table else table
    return table.replace(str(ROOT) + "/", "").rstrip()


def cross_check(app: object, ids: list[int], batch: int) -> tuple[int, int]:
    """audit_many against audit_student (results only, no plan) on ``ids``: (agreeing, total)."""
    with app.app_context():
        partnership = session.scalar(select(Partnership).where(Partnership.code == PARTNERSHIP))
        many = {r.student.id: [d.audit.to_dict() for d in r.degrees]
                for r in auditing.audit_many(partnership, ids, batch)}
    agree = 0
    with app.app_context():
        for student_id in ids:
            one = auditing.audit_student(session.get(Student, student_id), plan=None)
            agree += [d.audit.to_dict() for d in one.degrees] == many.get(student_id)
    return agree, len(ids)


def run(kind: str, args: argparse.Namespace) -> dict:
    with database(kind) as url:
        app = app_for(url)
        with app.app_context():
            from jointdegree.demo import load_demo

            started = time.perf_counter()
            assert load_demo(), "the demo did not load into the fresh database"
            demo = time.perf_counter() - started
            started = time.perf_counter()
            ids, inserted = bulk_insert(args.students, args.seed)
            bulk = time.perf_counter() - started
            started = time.perf_counter()
            session.execute(text("ANALYZE"))  # statistics as after autovacuum / a maintenance run
            session.commit()
            analyze = time.perf_counter() - started
        print(f"{kind}: demo loaded in {demo:.1f} s; {len(ids):,} students and {inserted:,} "
              f"results bulk-inserted in {bulk:.1f} s; ANALYZE {analyze:.1f} s", flush=True)
        time_load(app, ids[:args.batch], args.batch)  # warm the caches and the pool, untimed
        loads, audits = [], []
        for _ in range(args.repeats):
            loads.append(time_load(app, ids, args.batch))
            audits.append(time_audit(app, ids, args.batch))
        load_s, load_cpu, students, results, load_sql = min(loads)
        audit_s, audit_cpu, statuses, audit_sql = min(audits, key=lambda a: a[0])
        assert students == len(ids) and results == inserted, (students, results)
        agree, checked = cross_check(app, ids[:CROSS_CHECK], args.batch)
        print(f"{kind}: load {load_s:.2f} s (CPU here {load_cpu:.2f} s, {load_sql} SQL), "
              f"audit {audit_s:.2f} s (CPU here {audit_cpu:.2f} s, {audit_sql} SQL)"
              + (f"; best of {args.repeats} (load " + ", ".join(
                  f"{t[0]:.2f}" for t in loads) + " s; audit " + ", ".join(
                  f"{t[0]:.2f}" for t in audits) + " s)" if args.repeats > 1 else ""))
        for name, counter in statuses.items():
            print(f"{kind}: sanity {name}: " + " / ".join(
                f"{status} {counter[status]:,}" for status in ("satisfied", "not_yet",
                                                               "impossible"))
                  + "".join(f" / {s} {n:,}" for s, n in counter.items()
                            if s not in ("satisfied", "not_yet", "impossible")))
        print(f"{kind}: cross-check audit_many == audit_student (results only) on "
              f"{agree}/{checked} students", flush=True)
        if args.profile:
            profile = cProfile.Profile()
            time_audit(app, ids, args.batch, profile)
            print(f"{kind}: cProfile of audit_many over {len(ids):,} students (profiling slows "
                  "everything), functions of jointdegree/planning/ and jointdegree/matching/")
            for order in ("cumulative", "tottime"):
                print(f"top {args.top} by {order} time:")
                print(hotspots(profile, order, args.top))
        db_of(app).engine.dispose()
    return {"students": students, "results": results, "load": load_s, "audit": audit_s}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=10_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--batch", type=int, default=500, help="students per load batch")
    parser.add_argument("--repeats", type=int, default=1, help="timed runs; the best is kept")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--profile", action="store_true",
                        help="also profile one audit run (cProfile) and print the hotspots")
    parser.add_argument("--top", type=int, default=10, help="functions shown by --profile")
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(f"dual degree audit, {args.students:,} synthetic students of {PARTNERSHIP} (~60 "
          f"results each), batch {args.batch}, seed {args.seed}; Python "
          f"{platform.python_version()}", flush=True)
    rows = {}
    for kind in kinds:
        if kind == "postgresql" and not postgres_available():
            print(f"{kind}: skipped, PostgreSQL not reachable")
            continue
        rows[kind] = run(kind, args)
    print()
    print(f"{'backend':<11} {'students':>9} {'results':>9} {'load s':>7} {'audit s':>8} "
          f"{'audits/s':>9} {'ratio':>6}")
    for kind, row in rows.items():
        ratio = row["audit"] / row["load"]
        print(f"{kind:<11} {row['students']:>9,} {row['results']:>9,} {row['load']:>7.2f} "
              f"{row['audit']:>8.2f} {row['students'] / row['audit']:>9,.0f} {ratio:>6.2f}")
    for kind, row in rows.items():
        ratio = row["audit"] / row["load"]
        print(f"{kind}: audit / load = {ratio:.2f} (target ≤ {TARGET:g}): "
              + ("OK" if ratio <= TARGET else "over target"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
