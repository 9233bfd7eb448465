"""Under load, on PostgreSQL (issue #9): gunicorn workers driven by ``wrk`` (not a test).

Run from the project root: ``.venv/bin/python -m bench.load [--reuse NAME] [--workers N]
[--duration 15] [--warmup 3] [--trivial-duration 5] [--threads 2] [--connections 8]
[--profile]`` (needs ``gunicorn`` — the ``deploy`` extra — and ``wrk`` on the PATH; PostgreSQL
at 127.0.0.1:5432 as in ``bench._support``). A full run takes about 4 minutes on two cores
(about 35 s more to build the data without ``--reuse``); run it on an otherwise idle machine.

**Data.** The script migrates a throwaway PostgreSQL database and loads the real Nice–Haikou demo
(signing keys in a temporary folder: the demo issues combined diploma records, which gives a
valid verification code). It then bulk-inserts with SQLAlchemy Core:

* 10,000 synthetic students of the partnership with about 60 results each over both catalogs —
  ``bench.audit.bulk_insert``, the very rows the audit benchmark measures (students first, so
  their results stay on the programme's courses);
* 5,000 courses per institution (``bench._support.synthetic_rows``: titles in French, Chinese
  and English, validated by ``records.parse_row``; Nice's in French/English, Haikou's mostly in
  Chinese; each offered every autumn or every spring term of the four demo years), with their
  languages and terms;
* a term of weekly lectures: 300 offerings of those courses in the current term, taught by 60
  professors (four in five at home and in person, one in five remotely from the partner), one
  ``LectureSeries`` each from the term's first week to its end;

then runs ``ANALYZE``. The build time is printed. ``--reuse NAME`` keeps the database
(``jd_load_NAME``) and the signing keys (in the temporary folder) after the run and reuses them
next time, as long as the migrations' head and the volumes are the same (they are written in
the database's comment); otherwise it rebuilds.

**Serving.** ``gunicorn jointdegree.wsgi:app`` with ``--workers N`` sync workers (default 2 ×
cores), as the README deploys it, on 127.0.0.1 at a free port, configured by
``JOINTDEGREE_DATABASE_URL`` / ``_SECRET_KEY`` / ``_KEYS_DIR``; the script waits until it answers
and stops it at the end, whatever happens.

**Load.** One login as the Nice registrar (``registrar.nice@example.org``; CSRF token from
``GET /login``) gives the session cookie that ``wrk`` sends to the signed-in pages. Every URL is
first fetched once with Python to check its status (and that a signed-in page is not a redirect
to the login page). Then, for each page in turn, a short untimed ``wrk`` warm-up
(``--warmup`` seconds) and one measured ``wrk -t2 -c8 -d15s --latency`` run on 127.0.0.1, with
``bench/load_status.lua`` counting every response's status (wrk itself would count a redirect as
a success):

* ``trivial`` — ``/static/favicon.svg``, anonymous: the app has no health-check endpoint, and
  the favicon is the cheapest thing it serves through the same Flask stack (routing, after-request
  headers, no template, no database). Measured first for as long as a page, then again for
  ``--trivial-duration`` seconds (default 5) just before each page: each page's ratio uses the
  trivial run next to it, so a machine that gets busier or quieter during the run (other
  benchmarks on a shared machine) moves both alike;
* ``search`` — ``/courses?q=data`` (a common English word) and ``search-zh`` —
  ``/courses?q=数据``: the catalog search over both institutions' 10,000+ courses;
* ``audit`` — ``/students/<id>/audit``: the synthetic student whose result count is closest to
  60 (both degrees audited, timeline, what-if choices);
* ``transcript`` — ``/students/<id>/transcript``: the same student's double-degree transcript,
  HTML;
* ``verify`` — ``/verify/<code>``: the public verification page, anonymous, with the demo's
  valid code (only unknown codes are throttled);
* ``login-form`` — ``/login``, anonymous: a reference, not held to the targets — the cheapest
  page that renders the base template (a form, a CSRF token, no database), to tell the cost of
  templating apart from the pages' own work.

Printed per page: requests/s, p50 and p99 latency, errors (socket errors plus every response whose
status is not the page's expected 200) and the ratio of its requests/s to the trivial
endpoint's just before it; then each target — zero errors, p99 under 200 ms, ratio at least
0.25 — met or not, a Markdown table for the README, the machine's load average and the other
benchmark or test processes seen around each run and before and after (wrk, gunicorn and
PostgreSQL share the machine's cores), and any traceback the workers logged. ``--profile`` then
renders each page in this process (``app.test_client``) and prints its SQL statements (count,
total time, the slowest) and the top functions of ``jointdegree/`` by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from sqlalchemy import create_engine, event, func, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench import audit as audit_bench  # noqa: E402
from bench._support import PG_URL, postgres_available, synthetic_rows  # noqa: E402
from jointdegree import create_app, migrate  # noqa: E402
from jointdegree.auth.models import Role, User  # noqa: E402
from jointdegree.backup import reset_sequences  # noqa: E402
from jointdegree.catalog import courses as course_service  # noqa: E402
from jointdegree.catalog.models import (  # noqa: E402
    AcademicTerm,
    Course,
    CourseLanguage,
    Institution,
    course_terms,
)
from jointdegree.catalog.records import parse_row  # noqa: E402
from jointdegree.db import database as db_of  # noqa: E402
from jointdegree.db import session  # noqa: E402
from jointdegree.demo import DEMO_PASSWORD, load_demo  # noqa: E402
from jointdegree.diplomas.models import DiplomaRecord, DiplomaStatus  # noqa: E402
from jointdegree.planning.models import Result, Student  # noqa: E402
from jointdegree.teaching.models import (  # noqa: E402
    LectureMode,
    LectureSeries,
    TeachingAssignment,
    TeachingMode,
)
from tests.support import (  # noqa: E402
    create_pg_database,
    drop_pg_database,
    login,
    pg_database,
)

P99_TARGET_MS = 200.0
RATIO_TARGET = 0.25
LOGIN = "registrar.nice@example.org"
USER_AGENT = "jointdegree-bench-load"
LUA = Path(__file__).resolve().parent / "load_status.lua"
BUILD_FORMAT = 1  # bump when the generated data changes: a reused database is then rebuilt
SLOTS = ("08:30", "10:15", "14:00", "16:00")
REFERENCES = {"login-form"}  # measured for comparison, not held to the targets


# -- data -----------------------------------------------------------------------------------------

def insert_courses(per_institution: int, seed: int) -> int:
    """``per_institution`` synthetic courses for each demo institution, with their languages and
    terms (each offered every autumn or every spring term); the number of courses inserted."""
    rng = random.Random(seed)
    institutions = {i.code: i for i in session.scalars(select(Institution))}
    terms = list(session.execute(select(AcademicTerm.id, AcademicTerm.institution_id,
                                        AcademicTerm.code)))
    now = datetime.now(UTC)
    next_id = (session.scalar(select(func.max(Course.id))) or 0) + 1
    courses, languages, links = [], [], []
    plan = (("UCA", "UCA-X", ("-S1", "-S2"), ["master", "master", "licence"],
             ["fr", "fr", "fr;en", "en"], ["2", "3", "4.5", "6"]),
            ("HAINANU", "HNU-X", ("-AUT", "-SPR"), ["硕士研究生", "研究生", "本科"],
             ["zh", "zh", "zh;en", "en"], ["1", "2", "3", "4"]))
    for number, (code, prefix, halves, levels, langs, credits) in enumerate(plan):
        institution = institutions[code]
        by_half = [[t.id for t in terms if t.institution_id == institution.id
                    and t.code.endswith(half)] for half in halves]
        rows = synthetic_rows(per_institution, prefix, seed + number)
        for line, row in enumerate(rows, start=2):
            row.update(level=rng.choice(levels), languages=rng.choice(langs),
                       credits=rng.choice(credits))
            record, errors = parse_row(row, line)
            assert record is not None, errors
            courses.append(course_service.column_values(record) | {
                "id": next_id, "institution_id": institution.id, "created_at": now,
                "updated_at": now, "version": 1})
            languages += [{"course_id": next_id, "language": lang} for lang in record.languages]
            links += [{"course_id": next_id, "term_id": term_id}
                      for term_id in by_half[rng.randrange(2)]]
            next_id += 1
    session.execute(insert(Course.__table__), courses)
    session.execute(insert(CourseLanguage.__table__), languages)
    session.execute(insert(course_terms), links)
    reset_sequences(session.connection())  # explicit ids (PostgreSQL only, as this script)
    session.commit()
    return len(courses)


def _current_term(institution: Institution, today: date) -> Any:
    """The institution's term under way today, or else the next one."""
    return session.scalar(select(AcademicTerm).where(
        AcademicTerm.institution_id == institution.id, AcademicTerm.ends_on >= today)
        .order_by(AcademicTerm.starts_on))


def insert_lectures(offerings: int, seed: int) -> tuple[int, int]:
    """A term of weekly lectures: ``offerings`` synthetic courses of this term taught by
    ``offerings // 5`` new professors (five offerings each, at distinct weekly slots); the numbers
    of offerings and professors."""
    rng = random.Random(seed)
    today = datetime.now(UTC).date()
    now = datetime.now(UTC)
    institutions = {i.code: i for i in session.scalars(select(Institution))}
    sides = [institutions["UCA"], institutions["HAINANU"]]
    password_hash = session.scalar(select(User.password_hash).where(
        User.email == "professor.nice@example.org"))
    first_user = (session.scalar(select(func.max(User.id))) or 0) + 1
    count = max(2, offerings // 5)
    professors = {side.id: [] for side in sides}
    users = []
    for number in range(count):
        side = sides[number % 2]
        user_id = first_user + number
        professors[side.id].append(user_id)
        users.append({"id": user_id, "email": f"bench.professor{number:03d}@example.org",
                      "password_hash": password_hash, "role": Role.PROFESSOR,
                      "institution_id": side.id, "display_name": f"Bench professor {number}",
                      "locale": "fr" if side.code == "UCA" else "zh_Hans", "timezone": None,
                      "active": True, "auth_version": 1, "created_at": now,
                      "last_login_at": None, "version": 1})
    session.execute(insert(User.__table__), users)
    assignments, series = [], []
    next_assignment = (session.scalar(select(func.max(TeachingAssignment.id))) or 0) + 1
    next_series = (session.scalar(select(func.max(LectureSeries.id))) or 0) + 1
    taught: dict[int, int] = {}  # professor → offerings so far (their next free slot)
    for number, side in enumerate(sides):
        other = sides[1 - number]
        term = _current_term(side, today)
        candidates = list(session.scalars(select(course_terms.c.course_id).join(
            Course, Course.id == course_terms.c.course_id).where(
            course_terms.c.term_id == term.id, Course.code.like("%-X%"))
            .order_by(course_terms.c.course_id)))
        share = offerings // 2 + (offerings % 2 if number == 0 else 0)
        for course_id in rng.sample(candidates, min(share, len(candidates))):
            remote = rng.random() < 0.2
            teacher_side = other if remote else side
            pool = professors[teacher_side.id]
            professor = min(pool, key=lambda p: (taught.get(p, 0), p))
            slot = taught.get(professor, 0)
            taught[professor] = slot + 1
            weekday, start = slot % 5, SLOTS[(slot // 5) % len(SLOTS)]
            first = term.starts_on + timedelta(days=(weekday - term.starts_on.weekday()) % 7)
            assignments.append({"id": next_assignment, "course_id": course_id,
                                "term_id": term.id, "professor_id": professor,
                                "mode": TeachingMode.REMOTE if remote else TeachingMode.HOME,
                                "version": 1})
            series.append({
                "id": next_series, "assignment_id": next_assignment,
                "zone": teacher_side.timezone, "first_date": first,
                "starts_at": datetime.strptime(start, "%H:%M").time(), "fold": None,
                "duration_minutes": rng.choice([90, 90, 120]), "until": term.ends_on,
                "mode": LectureMode.REMOTE if remote else LectureMode.IN_PERSON,
                "room": None if remote else f"Room {rng.randint(100, 450)}",
                "video_link": f"https://visio.example.org/{next_series}" if remote else None,
                "audience": "NICE-HAIKOU-CS" if remote else f"Group {rng.randint(1, 6)}",
                "sequence": 1, "created_at": now, "updated_at": now, "version": 1})
            next_assignment += 1
            next_series += 1
    session.execute(insert(TeachingAssignment.__table__), assignments)
    session.execute(insert(LectureSeries.__table__), series)
    reset_sequences(session.connection())
    session.commit()
    return len(series), count


def build(url: str, keys: Path, args: argparse.Namespace) -> None:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "KEYS_DIR": str(keys)})
    with app.app_context():
        started = time.perf_counter()
        assert load_demo(), "the demo did not load into the fresh database"
        demo = time.perf_counter() - started
        started = time.perf_counter()
        ids, results = audit_bench.bulk_insert(args.students, args.seed)
        students = time.perf_counter() - started
        started = time.perf_counter()
        courses = insert_courses(args.courses, args.seed)
        offerings, professors = insert_lectures(args.offerings, args.seed)
        rest = time.perf_counter() - started
        started = time.perf_counter()
        session.execute(text("ANALYZE"))
        session.commit()
        analyze = time.perf_counter() - started
    db_of(app).engine.dispose()
    print(f"built in {demo + students + rest + analyze:.0f} s: demo {demo:.1f} s; "
          f"{len(ids):,} students with {results:,} results {students:.1f} s; {courses:,} "
          f"courses, {offerings} offerings with weekly lectures ({professors} professors) "
          f"{rest:.1f} s; ANALYZE {analyze:.1f} s", flush=True)


def signature(args: argparse.Namespace, keys: Path) -> str:
    return (f"bench.load format={BUILD_FORMAT} head={migrate.head_revision()} "
            f"students={args.students} courses={args.courses} offerings={args.offerings} "
            f"seed={args.seed} keys={keys}")


@contextmanager
def prepared_database(args: argparse.Namespace) -> Any:
    """(URL, keys folder) of a built database: throwaway, or kept under ``--reuse``."""
    if not args.reuse:
        with tempfile.TemporaryDirectory(prefix="jd_load_") as scratch, \
                pg_database("jd_load") as url:
            started = time.perf_counter()
            keys = Path(scratch) / "keys"
            build(url, keys, args)
            print(f"build time {time.perf_counter() - started:.0f} s (throwaway database)")
            yield url, keys
        return
    name = "jd_load_" + re.sub(r"[^a-z0-9_]", "_", args.reuse.lower())
    keys = Path(tempfile.gettempdir()) / f"{name}_keys"
    wanted = signature(args, keys)
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        found = conn.execute(text(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :n"),
            {"n": name}).first()
    if found is not None and found[0] == wanted and keys.is_dir() and any(keys.iterdir()):
        print(f"reusing database {name} (built earlier: {found[0]})")
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    else:
        if found is not None:
            print(f"rebuilding database {name}: "
                  + ("its keys folder is gone" if found[0] == wanted else
                     f"it was built as {found[0]!r}"))
            drop_pg_database(name)
        shutil.rmtree(keys, ignore_errors=True)
        started = time.perf_counter()
        url = create_pg_database(name)
        migrate.upgrade(url)
        build(url, keys, args)
        with admin.connect() as conn:
            conn.execute(text(f"COMMENT ON DATABASE \"{name}\" IS '{wanted}'"))
        print(f"build time {time.perf_counter() - started:.0f} s (kept as {name}; keys in {keys})")
    admin.dispose()
    yield url, keys


@dataclass
class Targets:
    student_id: int
    results: int
    code: str


def find_targets(url: str, keys: Path) -> Targets:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "KEYS_DIR": str(keys)})
    with app.app_context():
        count = func.count(Result.id)
        student_id, results = session.execute(
            select(Result.student_id, count).join(Student, Student.id == Result.student_id)
            .where(Student.email.like("bench.student%")).group_by(Result.student_id)
            .order_by(func.abs(count - 60), Result.student_id).limit(1)).one()
        code = session.scalar(select(DiplomaRecord.verification_code).where(
            DiplomaRecord.status == DiplomaStatus.ISSUED,
            DiplomaRecord.verification_code.is_not(None)).order_by(DiplomaRecord.id).limit(1))
    db_of(app).engine.dispose()
    assert code, "the demo issued no diploma record"
    return Targets(student_id, results, code)


# -- serving --------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(url: str, keys: Path, workers: int, log: Path) -> Any:
    """A gunicorn master with ``workers`` sync workers; its base URL. Stopped on leaving."""
    executable = Path(sys.executable).parent / "gunicorn"
    if not executable.exists():
        sys.exit("gunicorn is missing: .venv/bin/pip install 'gunicorn>=22' (the deploy extra)")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOINTDEGREE_")}
    env.update(JOINTDEGREE_DATABASE_URL=url, JOINTDEGREE_SECRET_KEY="bench-load-not-secret",
               JOINTDEGREE_KEYS_DIR=str(keys))
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(executable), "--workers", str(workers), "--worker-class", "sync",
             "--bind", f"127.0.0.1:{port}", "jointdegree.wsgi:app"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({process.returncode}):\n"
                                   + log.read_text(errors="replace")[-3000:])
            try:  # the socket accepts before the workers have imported the app
                if requests.get(base + "/static/favicon.svg", timeout=10).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer within 60 s")
            time.sleep(0.3)
        # Every worker imports the app on its own: give them all time to be up.
        time.sleep(1.0)
        yield base
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)  # our own session: master and workers
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def login_cookie(base: str) -> str:
    with requests.Session() as client:
        client.headers["User-Agent"] = USER_AGENT
        page = client.get(base + "/login", timeout=10).text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) \
            or re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token, "no CSRF token on /login"
        answer = client.post(base + "/login", data={
            "email": LOGIN, "password": DEMO_PASSWORD, "csrf_token": token.group(1)},
            allow_redirects=False, timeout=10)
        assert answer.status_code in (302, 303), f"login answered {answer.status_code}"
        return "; ".join(f"{c.name}={c.value}" for c in client.cookies)


# -- load -----------------------------------------------------------------------------------------

@dataclass
class Page:
    name: str
    path: str
    signed_in: bool
    marker: str = ""  # must appear in the page (checked once, before the load)


@dataclass
class Figures:
    page: Page
    rps: float = 0.0
    p50: float = 0.0  # ms
    p99: float = 0.0
    requests: int = 0
    socket_errors: dict[str, int] = field(default_factory=dict)
    non_2xx_3xx: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    trivial_rps: float = 0.0  # the trivial endpoint's, measured just before this page
    load: float = 0.0  # the machine's 1-minute load average at the end of the run
    others: int = 0  # other benchmark/test processes seen at its start or end

    @property
    def errors(self) -> int:
        return sum(self.socket_errors.values()) + sum(
            n for status, n in self.statuses.items() if status != 200)


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(value: str, unit: str) -> float:
    return float(value) * UNITS[unit]


def parse_wrk(page: Page, output: str) -> Figures:
    figures = Figures(page)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if rps is None:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    figures.rps = float(rps.group(1))
    for percent, attribute in (("50", "p50"), ("99", "p99")):
        found = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.M)
        if found:
            setattr(figures, attribute, _ms(found.group(1), found.group(2)))
    total = re.search(r"(\d+) requests in", output)
    figures.requests = int(total.group(1)) if total else 0
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                        output)
    if sockets:
        figures.socket_errors = dict(zip(("connect", "read", "write", "timeout"),
                                         map(int, sockets.groups()), strict=True))
    non = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    figures.non_2xx_3xx = int(non.group(1)) if non else 0
    figures.statuses = {int(s): int(n) for s, n in re.findall(r"^status (\d+) (\d+)$", output,
                                                              re.M)}
    return figures


def run_wrk(base: str, page: Page, cookie: str, args: argparse.Namespace,
            duration: int) -> tuple[Figures, str]:
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{duration}s",
               f"--timeout={args.timeout}s", "--latency", "-s", str(LUA),
               "-H", f"User-Agent: {USER_AGENT}"]
    if page.signed_in:
        command += ["-H", f"Cookie: {cookie}"]
    command.append(base + page.path)
    done = subprocess.run(command, capture_output=True, text=True, check=False,
                          timeout=duration + args.timeout + 60)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse_wrk(page, done.stdout), done.stdout


def drain(base: str) -> None:
    """Wait for the requests wrk left queued when it stopped (gunicorn still answers them): the
    next page's run must not start behind them."""
    time.sleep(0.5)
    for _ in range(3):
        requests.get(base + "/static/favicon.svg", timeout=120)


def preflight(base: str, pages: list[Page], cookie: str) -> None:
    """Each page once with Python: status 200, no redirect, its marker present."""
    for page in pages:
        headers = {"User-Agent": USER_AGENT}
        if page.signed_in:
            headers["Cookie"] = cookie
        started = time.perf_counter()
        answer = requests.get(base + page.path, headers=headers, allow_redirects=False,
                              timeout=60)
        elapsed = (time.perf_counter() - started) * 1000
        assert answer.status_code == 200, (page.path, answer.status_code,
                                           answer.headers.get("Location"))
        assert page.marker in answer.text, (page.path, f"no {page.marker!r} in the page")
        print(f"  {page.name:<11} {answer.status_code} {len(answer.content):>8,} bytes "
              f"{elapsed:7.1f} ms  {page.path}")


def others_running() -> list[str]:
    """Other benchmarks and test runs on the machine (they share the cores)."""
    found = []
    for pattern in ("bench.documents", "bench.audit", "bench/", "pytest"):
        done = subprocess.run(["pgrep", "-af", pattern], capture_output=True,
                              text=True, check=False)
        for line in done.stdout.splitlines():
            pid, _, command = line.partition(" ")
            if int(pid) != os.getpid() and "bench.load" not in command and "pgrep" not in command \
                    and line not in found:
                found.append(line)
    return found


def machine_state(when: str) -> None:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    others = others_running()
    print(f"machine {when}: load average {load} (1, 5, 15 min) on {os.cpu_count()} cores; "
          + (f"{len(others)} other benchmark/test processes:" if others
             else "no other benchmark or test process"))
    for line in others:
        print(f"    {line[:160]}")


# -- profile --------------------------------------------------------------------------------------

class TimedStatements:
    """SQL statements sent while active, with their time in ms (engine events)."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.statements: list[tuple[float, str]] = []
        self._started: dict[int, float] = {}

    def _before(self, _conn: Any, _cursor: Any, _statement: str, _params: Any, context: Any,
                _many: bool) -> None:
        self._started[id(context)] = time.perf_counter()

    def _after(self, _conn: Any, _cursor: Any, statement: str, _params: Any, context: Any,
               _many: bool) -> None:
        elapsed = (time.perf_counter() - self._started.pop(id(context))) * 1000
        self.statements.append((elapsed, " ".join(statement.split())))

    def __enter__(self) -> TimedStatements:
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)


def profile_pages(url: str, keys: Path, pages: list[Page], top: int) -> None:
    """Each page rendered in this process: SQL statements and the hot functions."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "KEYS_DIR": str(keys)})
    client = app.test_client()
    login(client, LOGIN, DEMO_PASSWORD)
    anonymous = app.test_client()
    engine = db_of(app).engine
    for page in pages:
        who = client if page.signed_in else anonymous
        for _ in range(3):  # warm: templates compiled, pool filled
            who.get(page.path)
        with TimedStatements(engine) as timed:
            started = time.perf_counter()
            who.get(page.path)
            wall = (time.perf_counter() - started) * 1000
        statements = timed.statements
        profile = cProfile.Profile()
        profile.enable()
        who.get(page.path)
        profile.disable()
        print(f"\n{page.name} {page.path}: {wall:.1f} ms in this process, {len(statements)} SQL "
              f"statements, {sum(t for t, _ in statements):.1f} ms in the database")
        for elapsed, statement in sorted(statements, reverse=True)[:3]:
            print(f"    {elapsed:6.1f} ms  {statement[:220]}")
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(
            r"jointdegree[/\\]", top)
        table = out.getvalue()
        table = table[table.index("   ncalls"):] if "   ncalls" in table else table
        print(table.replace(str(ROOT) + "/", "").rstrip())
    engine.dispose()


# -- main -----------------------------------------------------------------------------------------

def report(trivial: Figures, figures: list[Figures], args: argparse.Namespace) -> bool:
    print()
    print(f"{'page':<11} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'requests':>9} {'errors':>7} "
          f"{'trivial':>8} {'ratio':>6} {'load':>5} {'others':>6}  path")
    for row in [trivial, *figures]:
        reference = row.trivial_rps or trivial.rps
        print(f"{row.page.name:<11} {row.rps:>8.1f} {row.p50:>8.1f} {row.p99:>8.1f} "
              f"{row.requests:>9,} {row.errors:>7,} {reference:>8.0f} {row.rps / reference:>6.2f} "
              f"{row.load:>5.1f} {row.others:>6}  {row.page.path}")
    print(f"(wrk -t{args.threads} -c{args.connections} -d{args.duration}s per page, "
          f"{args.workers} gunicorn sync workers. trivial: requests/s of the trivial endpoint in "
          f"the {args.trivial_duration} s just before the page; ratio = req/s ÷ that. load: the "
          "1-minute load average after the run (this run's own wrk, gunicorn and PostgreSQL "
          "included); others: other benchmark/test processes seen at its start or end)")
    for row in [trivial, *figures]:
        if row.errors or row.non_2xx_3xx:
            print(f"  {row.page.name}: statuses {row.statuses}, socket errors "
                  f"{row.socket_errors}, wrk non-2xx/3xx {row.non_2xx_3xx}")
    print()
    ok = True
    for row in figures:
        if row.page.name in REFERENCES:
            continue
        ratio = row.rps / row.trivial_rps
        checks = [("zero errors", row.errors == 0, f"{row.errors}"),
                  (f"p99 < {P99_TARGET_MS:g} ms", row.p99 < P99_TARGET_MS, f"{row.p99:.1f} ms"),
                  (f"ratio ≥ {RATIO_TARGET:g}", ratio >= RATIO_TARGET, f"{ratio:.2f}")]
        ok &= all(met for _, met, _ in checks)
        print(f"{row.page.name:<11} " + "; ".join(
            f"{name}: {shown} {'OK' if met else 'NOT MET'}" for name, met, shown in checks))
    print()
    print("| page | URL | req/s | p50 | p99 | errors | ÷ trivial |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for row in [trivial, *figures]:
        ratio = row.rps / (row.trivial_rps or trivial.rps)
        print(f"| {row.page.name} | `{row.page.path}` | {row.rps:,.0f} | {row.p50:.0f} ms | "
              f"{row.p99:.0f} ms | {row.errors} | {ratio:.2f} |")
    return ok


def measure(base: str, page: Page, cookie: str, args: argparse.Namespace, duration: int,
            warmup: int) -> Figures:
    if warmup > 0:
        run_wrk(base, page, cookie, args, warmup)
    others = len(others_running())
    row, _ = run_wrk(base, page, cookie, args, duration)
    row.load, row.others = os.getloadavg()[0], max(others, len(others_running()))
    drain(base)
    return row


def show(row: Figures) -> None:
    print(f"  {row.page.name:<11} {row.rps:8.1f} req/s  p50 {row.p50:7.1f} ms  p99 "
          f"{row.p99:7.1f} ms  errors {row.errors}  (load {row.load:.1f}, "
          f"{row.others} other benchmark/test processes)", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", metavar="NAME",
                        help="keep the built database as jd_load_NAME and reuse it next time")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1),
                        help="gunicorn sync workers (default 2 × cores)")
    parser.add_argument("--duration", type=int, default=15, help="seconds of wrk per page")
    parser.add_argument("--warmup", type=int, default=3,
                        help="untimed wrk seconds per page (0: none)")
    parser.add_argument("--trivial-duration", type=int, default=5,
                        help="seconds of the trivial endpoint just before each page")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--timeout", type=int, default=10,
                        help="wrk socket timeout, seconds (a slower answer is an error)")
    parser.add_argument("--students", type=int, default=10_000)
    parser.add_argument("--courses", type=int, default=5_000, help="per institution")
    parser.add_argument("--offerings", type=int, default=300,
                        help="course offerings with a term of weekly lectures")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--profile", action="store_true",
                        help="afterwards, profile each page in this process")
    parser.add_argument("--top", type=int, default=12, help="functions shown by --profile")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install -y wrk")
    if not postgres_available():
        sys.exit(f"PostgreSQL is not reachable at {make_url(PG_URL).host}")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the clean-ups on a kill
    print(f"under load: {args.students:,} students, 2 × {args.courses:,} courses, "
          f"{args.offerings} offerings with lectures; gunicorn {args.workers} sync workers; wrk "
          f"-t{args.threads} -c{args.connections} -d{args.duration:g}s (+{args.warmup:g}s "
          f"warm-up); Python {platform.python_version()}, {os.cpu_count()} cores", flush=True)
    machine_state("before")
    with ExitStack() as stack:
        url, keys = stack.enter_context(prepared_database(args))
        targets = find_targets(url, keys)
        with engine_version(url) as version:
            print(f"PostgreSQL {version}; student #{targets.student_id} "
                  f"({targets.results} results); verification code {targets.code}")
        log = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="jd_load_log_"))) \
            / "gunicorn.log"
        base = stack.enter_context(gunicorn(url, keys, args.workers, log))
        cookie = login_cookie(base)
        trivial = Page("trivial", "/static/favicon.svg", signed_in=False, marker="<svg")
        pages = [Page("search", "/courses?q=data", True),
                 Page("search-zh", "/courses?q=" + quote("数据"), True, "数据"),
                 Page("audit", f"/students/{targets.student_id}/audit", True),
                 Page("transcript", f"/students/{targets.student_id}/transcript", True),
                 Page("verify", f"/verify/{targets.code}", False, "verdict-valid"),
                 Page("login-form", "/login", False, "csrf_token")]
        print(f"gunicorn at {base}; one request per page first:")
        preflight(base, [trivial, *pages], cookie)
        print("load (warm-up, then measured; the trivial endpoint again before each page):",
              flush=True)
        first = measure(base, trivial, cookie, args, args.duration, args.warmup)
        show(first)
        figures, references = [], []
        for page in pages:
            reference = measure(base, trivial, cookie, args, args.trivial_duration, 0)
            row = measure(base, page, cookie, args, args.duration, args.warmup)
            row.trivial_rps = reference.rps
            figures.append(row)
            print(f"  {'(trivial)':<11} {reference.rps:8.1f} req/s  p50 {reference.p50:7.1f} ms"
                  f"  p99 {reference.p99:7.1f} ms  errors {reference.errors}")
            show(row)
            references.append(reference)
        machine_state("after")
        logged = log.read_text(errors="replace")
        tracebacks = logged.count("Traceback")
        print(f"gunicorn log: {tracebacks} tracebacks, "
              f"{len(re.findall(r'WORKER TIMEOUT', logged))} worker timeouts")
        if tracebacks:
            print(logged[logged.index("Traceback"):][:3000])
        ok = report(first, figures, args)
        errors = sum(r.errors for r in [first, *references])
        print(f"\ntrivial endpoint: {first.rps:.0f} req/s first ({args.duration} s), then "
              f"{min(r.rps for r in references):.0f}–{max(r.rps for r in references):.0f} req/s "
              f"before the pages ({args.trivial_duration} s each); {errors} errors in all")
        if args.profile:
            profile_pages(url, keys, pages, args.top)
    print("\nall targets met" if ok else "\nsome targets not met")
    return 0


@contextmanager
def engine_version(url: str) -> Any:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            yield conn.execute(text("SHOW server_version")).scalar()
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
