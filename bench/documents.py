"""Documents (issue #8, "Speed"): a bilingual transcript PDF, and a cohort's diplomas (not a test).

Run from the project root: ``.venv/bin/python -m bench.documents [--backend
sqlite|postgresql|both] [--students 500] [--repeats 10] [--part transcript|cohort|both]``.

The script migrates a throwaway database (``--backend``, SQLite by default; PostgreSQL at
127.0.0.1:5432 through ``bench._support``), loads the real Nice–Haikou demo, and measures:

1. **Transcript PDF** (target: median ≤ 1 s for a 2-page French/Chinese transcript, with the full
   bundled font coverage). The real code path, inside ``app.test_request_context()``:
   ``transcripts.assemble(student)`` (database reads, audit, conversions) then
   ``documents.transcript_pdf(document)`` (font check, Jinja template, WeasyPrint layout, PDF with
   the bundled Noto Serif / Noto Serif CJK SC fonts subset and embedded). The student is the
   demo's ready student whose transcript is closest to 2 pages (pypdf counts them; every
   candidate's page count is printed). One untimed warm-up, then ``--repeats`` rounds; each round
   times, interleaved so that a busy machine slows them alike: assembling, rendering, the same
   engine on a one-line page (``documents.to_pdf("<html><body><p>Relevé</p></body></html>")``:
   same stylesheets, same font configuration, same PDF options) and a bare
   ``weasyprint.HTML(string=...).write_pdf()``. Printed: median and p90 of each (wall clock, and
   this process's CPU time, which a loaded machine disturbs less), and the ratio transcript
   render median / one-line median. A breakdown of the render (template, layout, PDF writing
   with subset fonts, and PDF writing with whole fonts for comparison) shows where the time goes.

2. **Cohort of N diplomas** (target: 500 in under 5 minutes on two cores). N copies of the demo's
   ready student ``student12@example.org`` are bulk-inserted with SQLAlchemy Core into cohort
   ``bench`` — the student row (new e-mail; Latin names with accents, and Chinese names with
   rare characters such as 喆 and 堃, some with a pinyin name, some Han only; birth dates), new
   unique student numbers, its language certificates, every result (and its exceptions, if any).
   Then, as ``jointdegree diploma issue`` does (``batches.start`` + ``batches.run``):
   the Nice registrar's run (request — both audits — and Nice's approval), the Haikou
   registrar's run (approval → issue: Ed25519 signature, verification code), and
   ``batches.write_pdfs(records, folder, workers=2)`` (one PDF per record, on both cores).
   Then ``write_pdfs`` again with ``workers=1`` into another folder, for the speed-up (inside a
   request context: the single-process path renders the templates in this process). Printed:
   each phase's time and CPU time (PDF workers included), the total, diplomas per second, the
   CPU-time floor on two idle cores; checks that N records are issued with distinct serials and
   verification codes and signatures that verify against the published keys, that each pass
   wrote N PDFs named by serial, and that one PDF of a rare-character name has the name in its
   text (pypdf).

The figures end with a Markdown table to paste into the README. The header and the footer give
the load average and Linux's CPU pressure: on a shared machine the wall-clock figures stretch, the
CPU times much less. The signing keys go to a temporary folder (never ``instance/keys``). A default
SQLite run takes about 5 minutes on an idle two-core machine, most of it the two PDF passes.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import nullcontext
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pypdf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text  # noqa: E402

from bench._support import database, postgres_available  # noqa: E402
from jointdegree import create_app  # noqa: E402
from jointdegree.backup import reset_sequences  # noqa: E402
from jointdegree.db import database as db_of  # noqa: E402
from jointdegree.db import session  # noqa: E402
from jointdegree.planning.models import (  # noqa: E402
    LanguageCertification,
    NameScript,
    Result,
    Student,
    StudentException,
    StudentNumber,
)
from tests.support import student_by_email  # noqa: E402

TRANSCRIPT_TARGET = 1.0  # seconds, median, 2-page transcript
COHORT_TARGET = 300.0  # seconds for 500 diplomas
READY = ("student12@example.org", "student13@example.org", "student14@example.org")
SOURCE = "student12@example.org"
COHORT = "bench"
NICE, HAIKOU = "registrar.nice@example.org", "registrar.haikou@example.org"
TITLE_NICE, TITLE_HAIKOU = "Directrice de la scolarité", "研究生院院长"
ONE_LINE = "<html><body><p>Relevé</p></body></html>"

FAMILY_FR = ["Martin", "Lefèvre", "Dubois", "Thébault", "Moreau", "Girard", "Lemaître", "Bénard",
             "Rousseau", "Nguyễn", "Dvořák", "Œhmichen", "Fournier", "Müller", "Çelik", "Brøndum"]
GIVEN_FR = ["Gaëlle", "Hélène", "Jérôme", "Léa", "Chloé", "Noël", "Anaïs", "François", "Zoé",
            "Maël", "Bérénice", "Łukasz", "Inès", "Joël", "Élodie", "Théo"]
FAMILY_CN = [("Zhang", "张"), ("Wang", "王"), ("Li", "李"), ("Chen", "陈"), ("Zhou", "周"),
             ("Lü", "吕"), ("Ouyang", "欧阳"), ("Sima", "司马"), ("Guo", "郭"), ("Xie", "谢")]
# Given names with rare characters: 喆 堃 犇 淼 昇 赟 珺 玥 彧 翀 曌 (all in the bundled CJK font).
GIVEN_CN = [("Zhe", "喆"), ("Kun", "堃"), ("Yize", "一喆"), ("Kunpeng", "堃鹏"),
            ("Ben", "犇"), ("Miaomiao", "淼淼"), ("Sheng", "昇"), ("Yun", "赟"), ("Jun", "珺"),
            ("Yue", "玥"), ("Yu", "彧"), ("Chong", "翀"), ("Zhao", "曌"), ("Xiaoming", "小明")]


# -- small helpers --------------------------------------------------------------------------------

def p90(values: list[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[8]


def timed(call: Callable[[], Any]) -> tuple[Any, float, float]:
    """``call()``'s value, wall seconds, and this process's CPU seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    value = call()
    return value, time.perf_counter() - wall, time.process_time() - cpu


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def machine_load() -> str:
    """Load average, and Linux's CPU pressure (share of time tasks waited for a CPU)."""
    text_ = "load average " + ", ".join(f"{v:.1f}" for v in os.getloadavg())
    try:
        some = Path("/proc/pressure/cpu").read_text().split("\n")[0].split()
        text_ += f", CPU pressure {dict(f.split('=') for f in some[1:])['avg60']}% over 60 s"
    except (OSError, KeyError, ValueError):
        pass
    return text_


def pages(pdf: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def stats(values: list[float]) -> str:
    return f"median {statistics.median(values):.3f} s, p90 {p90(values):.3f} s"


# -- 1. the transcript ----------------------------------------------------------------------------

def bench_transcript(app: Any, kind: str, repeats: int) -> dict[str, Any]:
    import weasyprint

    from jointdegree.diplomas import documents, fonts, transcripts

    with app.test_request_context():
        counted = {}  # the warm-up: every candidate assembled and rendered once
        for email in READY:
            pdf = documents.transcript_pdf(transcripts.assemble(student_by_email(email)))
            counted[email] = (pages(pdf), len(pdf))
        email = min(READY, key=lambda e: (abs(counted[e][0] - 2), READY.index(e)))
        print(f"{kind}: transcript pages (French/Chinese): " + ", ".join(
            f"{e.split('@')[0]} {n} ({size // 1024} kB)" for e, (n, size) in counted.items())
              + f"; measured: {email.split('@')[0]}, {counted[email][0]} pages", flush=True)
        documents.to_pdf(ONE_LINE)
        weasyprint.HTML(string=ONE_LINE).write_pdf()

        rounds: dict[str, list[tuple[float, float]]] = {
            "assemble": [], "render": [], "one_line": [], "bare": []}
        for _ in range(repeats):
            session.expire_all()  # assemble reads the database each round
            student = student_by_email(email)
            document, wall, cpu = timed(lambda s=student: transcripts.assemble(s))
            rounds["assemble"].append((wall, cpu))
            pdf, wall, cpu = timed(lambda d=document: documents.transcript_pdf(d))
            rounds["render"].append((wall, cpu))
            _, wall, cpu = timed(lambda: documents.to_pdf(ONE_LINE))
            rounds["one_line"].append((wall, cpu))
            _, wall, cpu = timed(lambda: weasyprint.HTML(string=ONE_LINE).write_pdf())
            rounds["bare"].append((wall, cpu))
        page_count = pages(pdf)

        # Where the render goes: the same steps as documents.to_pdf, one by one.
        configuration, stylesheets = documents._stylesheets()
        steps: dict[str, list[tuple[float, float]]] = {
            "check": [], "html": [], "layout": [], "pdf_subset": [], "pdf_full": []}
        sizes = {}
        for _ in range(max(3, repeats // 2)):
            _, wall, cpu_s = timed(lambda d=document: documents.refuse_undrawable(d.text()))
            steps["check"].append((wall, cpu_s))
            html, wall, cpu_s = timed(lambda d=document: documents.transcript_html(d))
            steps["html"].append((wall, cpu_s))
            laid_out, wall, cpu_s = timed(lambda h=html: weasyprint.HTML(
                string=h, base_url=str(documents.STATIC)).render(
                    stylesheets=list(stylesheets), font_config=configuration))
            steps["layout"].append((wall, cpu_s))
            out, wall, cpu_s = timed(lambda d=laid_out: d.write_pdf(**fonts.PDF_OPTIONS))
            steps["pdf_subset"].append((wall, cpu_s))
            sizes["subset"] = len(out)
            # Writing subsets the fonts of the laid-out document in place: a second layout
            # for the whole-font comparison.
            laid_out = weasyprint.HTML(string=html, base_url=str(documents.STATIC)).render(
                stylesheets=list(stylesheets), font_config=configuration)
            out, wall, cpu_s = timed(lambda d=laid_out: d.write_pdf(full_fonts=True,
                                                                    hinting=False))
            steps["pdf_full"].append((wall, cpu_s))
            sizes["full"] = len(out)

    wall = {name: [w for w, _ in values] for name, values in rounds.items()}
    cpu = {name: [c for _, c in values] for name, values in rounds.items()}
    labels = {"assemble": "assemble (transcripts.assemble)",
              "render": "render (documents.transcript_pdf)",
              "one_line": "one-line page (documents.to_pdf)",
              "bare": "bare weasyprint one-liner"}
    print(f"{kind}: {repeats} rounds after one warm-up, wall clock (CPU of this process):")
    for name, label in labels.items():
        print(f"{kind}:   {label:<36} {stats(wall[name])} (CPU median "
              f"{statistics.median(cpu[name]):.3f} s)")
    step_labels = {"check": "font check (refuse_undrawable)", "html": "HTML (Jinja template)",
                   "layout": "layout (HTML.render)",
                   "pdf_subset": f"PDF, fonts subset ({sizes['subset'] // 1024} kB)",
                   "pdf_full": f"PDF, whole fonts ({sizes['full'] // 1024} kB; not used)"}
    print(f"{kind}: render breakdown, medians of {len(steps['html'])} (wall / CPU): " + "; ".join(
        f"{step_labels[name]} {statistics.median(w for w, _ in values):.3f} / "
        f"{statistics.median(c for _, c in values):.3f} s" for name, values in steps.items()))
    render = statistics.median(wall["render"])
    row = {"pages": page_count, "student": email,
           "assemble": statistics.median(wall["assemble"]), "render": render,
           "render_p90": p90(wall["render"]),
           "render_cpu": statistics.median(cpu["render"]),
           "one_line": statistics.median(wall["one_line"]),
           "bare": statistics.median(wall["bare"]),
           "one_line_cpu": statistics.median(cpu["one_line"]),
           "layout": statistics.median(w for w, _ in steps["layout"]),
           "layout_cpu": statistics.median(c for _, c in steps["layout"]),
           "pdf_subset": statistics.median(w for w, _ in steps["pdf_subset"]),
           "pdf_subset_cpu": statistics.median(c for _, c in steps["pdf_subset"])}
    row["ratio"] = render / row["one_line"]
    row["ratio_cpu"] = row["render_cpu"] / row["one_line_cpu"]
    print(f"{kind}: transcript render / one-line page = {row['ratio']:.0f}× "
          f"(CPU {row['ratio_cpu']:.0f}×) "
          f"(/ bare one-liner {render / row['bare']:.0f}×); "
          f"assemble + render {row['assemble'] + render:.2f} s; target render ≤ "
          f"{TRANSCRIPT_TARGET:g} s for 2 pages: "
          + ("OK" if render <= TRANSCRIPT_TARGET else "over target")
          + ("" if page_count == 2 else f" (this transcript has {page_count} pages: "
             f"{render / page_count:.2f} s a page)"), flush=True)
    return row


# -- 2. the cohort --------------------------------------------------------------------------------

def _names(rng: random.Random) -> dict[str, Any]:
    roll = rng.random()
    if roll < 0.4:  # a French student, Latin script only
        return {"family_name": rng.choice(FAMILY_FR), "given_names": rng.choice(GIVEN_FR),
                "name_han": None, "primary_script": NameScript.LATIN, "nationality": "FR"}
    (family, family_han), (given, given_han) = rng.choice(FAMILY_CN), rng.choice(GIVEN_CN)
    if roll < 0.85:  # Han and pinyin
        return {"family_name": family, "given_names": given, "name_han": family_han + given_han,
                "primary_script": NameScript.HAN, "nationality": "CN"}
    return {"family_name": None, "given_names": None, "name_han": family_han + given_han,
            "primary_script": NameScript.HAN, "nationality": "CN"}  # Han only


def bulk_copy(count: int, seed: int) -> list[int]:
    """``count`` copies of the demo's ready student in cohort ``bench`` (Core executemany, one
    transaction); their ids."""
    rng = random.Random(seed)
    source = student_by_email(SOURCE)
    tables = {name: model.__table__ for name, model in (
        ("students", Student), ("numbers", StudentNumber),
        ("certifications", LanguageCertification), ("results", Result),
        ("exceptions", StudentException))}

    def rows_of(name: str, column: str) -> list[dict[str, Any]]:
        table = tables[name]
        return [dict(row) for row in session.execute(
            select(table).where(table.c[column] == source.id)).mappings()]

    student = rows_of("students", "id")[0]
    owned = {name: rows_of(name, "student_id")
             for name in ("numbers", "certifications", "results", "exceptions")}
    first = (session.scalar(select(func.max(Student.id))) or 0) + 1
    now = datetime.now(UTC)
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in tables}
    for offset in range(count):
        student_id = first + offset
        rows["students"].append(student | _names(rng) | {
            "id": student_id, "user_id": None, "cohort": COHORT, "created_at": now,
            "email": f"bench.student{offset:05d}@example.org",
            "birth_date": date(rng.randint(1998, 2003), rng.randint(1, 12), rng.randint(1, 28))})
        for number in owned["numbers"]:  # unique per institution: a prefix the demo never uses
            rows["numbers"].append(number | {"student_id": student_id,
                                             "number": f"BENCH{number['institution_id']}"
                                                       f"-{offset:06d}"})
        for name in ("certifications", "results", "exceptions"):
            for row in owned[name]:
                copied = {key: value for key, value in row.items() if key != "id"}
                rows[name].append(copied | {"student_id": student_id})
    for name, table in tables.items():
        if rows[name]:
            session.execute(insert(table), rows[name])
    if session.get_bind().dialect.name == "postgresql":  # explicit ids: move the sequence on
        reset_sequences(session.connection())
    session.commit()
    session.execute(text("ANALYZE"))
    session.commit()
    print(f"  ({', '.join(f'{len(v):,} {k}' for k, v in rows.items())})", end=" ")
    return list(range(first, first + count))


def bench_cohort(app: Any, kind: str, count: int, seed: int, folder: Path) -> dict[str, Any]:
    from jointdegree.auth.services import get_user_by_email
    from jointdegree.catalog.models import Partnership
    from jointdegree.diplomas import batches, services, signing
    from jointdegree.diplomas.models import DiplomaRecord, DiplomaStatus

    with app.app_context():
        print(f"{kind}: cohort {COHORT!r}: {count:,} copies of {SOURCE}", end="", flush=True)
        ids, seconds, _cpu = timed(lambda: bulk_copy(count, seed))
        print(f"inserted in {seconds:.1f} s", flush=True)
        partnership_id = session.get(Student, ids[0]).partnership_id
        conferred_on = datetime.now(UTC).date()

    phases: dict[str, float] = {}
    outcomes = {}
    for label, email, title in (("nice", NICE, TITLE_NICE), ("haikou", HAIKOU, TITLE_HAIKOU)):
        with app.app_context():  # as the CLI: one app context, one session, per command
            partnership = session.get(Partnership, partnership_id)
            actor = get_user_by_email(email)

            def issue(p: Partnership = partnership, a: Any = actor, t: str = title) -> Any:
                batch = batches.start(p, COHORT, a, t, conferred_on)
                return batches.run(batch, a)

            batch, phases[label], phases[f"{label}_cpu"] = timed(issue)
            outcomes[label] = (batch.issued, batch.approved, batch.not_eligible,
                               list(batch.problems))
        issued, approved, not_eligible, problems = outcomes[label]
        print(f"{kind}: {label} run ({email}): {phases[label]:.1f} s (CPU "
              f"{phases[f'{label}_cpu']:.1f} s) — {issued} issued, "
              f"{approved} approved, {not_eligible} not eligible"
              f" ({count / phases[label]:.1f} students/s)", flush=True)
        for problem in problems[:5]:
            print(f"{kind}:   problem: {problem}")

    written = {}
    with app.app_context():
        partnership = session.get(Partnership, partnership_id)
        records = batches.issued_records(partnership, COHORT)
        for workers in (2, 1):
            out = folder / f"workers{workers}"
            children = children_cpu()
            # workers=1 renders in this process, and the templates' context processor needs a
            # request (current_user): under the CLI's bare app context it fails, so a request
            # context here. With 2 workers, each worker makes its own request context.
            with app.test_request_context() if workers == 1 else nullcontext():
                written[workers], phases[f"pdf{workers}"], cpu = timed(
                    lambda r=records, o=out, w=workers: batches.write_pdfs(r, o, workers=w))
            cpu += children_cpu() - children
            phases[f"cpu{workers}"] = cpu
            print(f"{kind}: write_pdfs(workers={workers}): {phases[f'pdf{workers}']:.1f} s for "
                  f"{written[workers]} PDFs ({written[workers] / phases[f'pdf{workers}']:.2f}"
                  f" PDFs/s; CPU {cpu:.1f} s, {cpu / max(written[workers], 1):.2f} s a PDF)",
                  flush=True)

        # Checks: every copy issued once, distinct serials and codes, every PDF there.
        rows = session.execute(select(DiplomaRecord.serial, DiplomaRecord.verification_code,
                                      DiplomaRecord.content, DiplomaRecord.signature)
                               .join(Student).where(Student.cohort == COHORT,
                                                    DiplomaRecord.status == DiplomaStatus.ISSUED)
                               ).all()
        serials = {r.serial for r in rows}
        codes = {r.verification_code for r in rows if r.verification_code}
        keys = services.public_keys()
        signed = sum(1 for r in rows if r.signature and signing.verify(
            {"record": r.content, "signature": r.signature}, keys).ok)
        files = {workers: sorted((folder / f"workers{workers}").glob("*.pdf"))
                 for workers in (2, 1)}
        expected = {f"{serial}.pdf" for serial in serials}
        match = all({f.name for f in found} == expected for found in files.values())
        # One PDF of a rare-character name, read back: its pages, and the name in its text.
        rare = [r for r in rows if any(c in (r.content["student"]["name_han"] or "")
                                       for c in "喆堃")] or rows
        name = rare[0].content["student"]["name_han"] or rare[0].content["student"]["family_name"]
        sample = folder / "workers2" / f"{rare[0].serial}.pdf"
        reader = pypdf.PdfReader(sample) if sample.exists() else None
        found_name = reader is not None and name in "".join(
            "".join(page.extract_text().split()) for page in reader.pages)
        ok = (len(rows) == len(serials) == len(codes) == signed == count
              and all(len(found) == count for found in files.values()) and match and found_name)
        print(f"{kind}: checks: {len(rows)} issued records, {len(serials)} distinct serials, "
              f"{len(codes)} distinct verification codes, {signed} valid Ed25519 signatures, "
              f"{len(files[2])} + {len(files[1])} PDFs named by serial"
              f" ({'match' if match else 'MISMATCH'}); {sample.name}: "
              f"{len(reader.pages) if reader else 0} page(s), {name} "
              f"{'in its text' if found_name else 'NOT FOUND in its text'}: "
              + ("OK" if ok else "FAILED"), flush=True)

    total = phases["nice"] + phases["haikou"] + phases["pdf2"]
    row = {"count": count, "nice": phases["nice"], "haikou": phases["haikou"],
           "pdf2": phases["pdf2"], "pdf1": phases["pdf1"], "total": total,
           "per_second": count / total, "speedup": phases["pdf1"] / phases["pdf2"], "ok": ok,
           "pdf_cpu": phases["cpu1"] / max(written[1], 1),
           # What the CPU time alone allows on two idle cores (database waits not counted).
           "floor": phases["nice_cpu"] + phases["haikou_cpu"] + phases["cpu2"] / 2}
    scaled = total * 500 / count
    print(f"{kind}: cohort of {count}: total {total:.1f} s (Nice {phases['nice']:.1f} + Haikou "
          f"{phases['haikou']:.1f} + PDFs on 2 workers {phases['pdf2']:.1f}), "
          f"{row['per_second']:.2f} diplomas/s; PDFs 1 → 2 workers ×{row['speedup']:.2f}; "
          f"target 500 in ≤ {COHORT_TARGET / 60:g} min"
          + (f" (scaled to 500: {scaled:.0f} s)" if count != 500 else "") + ": "
          + ("OK" if scaled <= COHORT_TARGET else "over target")
          + f"; CPU-time floor on two idle cores {row['floor']:.0f} s", flush=True)
    return row


# -- the run --------------------------------------------------------------------------------------

def run(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    result: dict[str, Any] = {}
    with database(kind) as url, tempfile.TemporaryDirectory() as scratch:
        keys, pdfs = Path(scratch) / "keys", Path(scratch) / "pdf"
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "KEYS_DIR": str(keys)})
        with app.app_context():
            from jointdegree.demo import load_demo

            loaded, seconds, _cpu = timed(load_demo)
            assert loaded, "the demo did not load into the fresh database"
        print(f"{kind}: demo loaded in {seconds:.1f} s ({machine_load()})", flush=True)
        try:
            if args.part in ("transcript", "both"):
                result["transcript"] = bench_transcript(app, kind, args.repeats)
            if args.part in ("cohort", "both"):
                result["cohort"] = bench_cohort(app, kind, args.students, args.seed, pdfs)
        finally:
            db_of(app).engine.dispose()
    return result


def table(rows: dict[str, dict[str, Any]]) -> None:
    kinds = list(rows)
    lines: list[tuple[str, list[str]]] = []
    if all("transcript" in rows[k] for k in kinds):
        t = {k: rows[k]["transcript"] for k in kinds}
        lines += [
            ("Transcript pages (demo ready student, fr/zh)", [str(t[k]["pages"]) for k in kinds]),
            ("Transcript: assemble, median", [f"{t[k]['assemble']:.3f} s" for k in kinds]),
            ("Transcript: render PDF, median / p90 (target ≤ 1 s)",
             [f"{t[k]['render']:.2f} s / {t[k]['render_p90']:.2f} s" for k in kinds]),
            ("Transcript: render PDF, CPU median (this process)",
             [f"{t[k]['render_cpu']:.2f} s" for k in kinds]),
            ("  of which layout / PDF writing (subset fonts), CPU",
             [f"{t[k]['layout_cpu']:.2f} s / {t[k]['pdf_subset_cpu']:.2f} s" for k in kinds]),
            ("One-line page, same engine (documents.to_pdf), median",
             [f"{t[k]['one_line'] * 1000:.0f} ms" for k in kinds]),
            ("Bare weasyprint one-liner, median", [f"{t[k]['bare'] * 1000:.0f} ms"
                                                   for k in kinds]),
            ("Transcript render / one-line page, wall (CPU)",
             [f"{t[k]['ratio']:.0f}× ({t[k]['ratio_cpu']:.0f}×)" for k in kinds])]
    if all("cohort" in rows[k] for k in kinds):
        c = {k: rows[k]["cohort"] for k in kinds}
        lines += [
            ("Cohort: students", [f"{c[k]['count']:,}" for k in kinds]),
            ("Cohort: Nice run (request + approve)", [f"{c[k]['nice']:.1f} s" for k in kinds]),
            ("Cohort: Haikou run (approve + sign)", [f"{c[k]['haikou']:.1f} s" for k in kinds]),
            ("Cohort: PDFs, 2 workers", [f"{c[k]['pdf2']:.1f} s" for k in kinds]),
            ("Cohort: total (target < 5 min for 500)",
             [f"{c[k]['total']:.1f} s ({c[k]['total'] / 60:.1f} min)" for k in kinds]),
            ("Cohort: diplomas per second", [f"{c[k]['per_second']:.2f}" for k in kinds]),
            ("Cohort: PDFs, 1 worker (speed-up 1 → 2)",
             [f"{c[k]['pdf1']:.1f} s (×{c[k]['speedup']:.2f})" for k in kinds]),
            ("Cohort: CPU per diploma PDF (1 worker)",
             [f"{c[k]['pdf_cpu']:.2f} s" for k in kinds]),
            ("Cohort: CPU-time floor on 2 idle cores (runs + PDFs / 2)",
             [f"{c[k]['floor']:.0f} s" for k in kinds])]
    print()
    print("| measure | " + " | ".join(kinds) + " |")
    print("| --- | " + " | ".join("---:" for _ in kinds) + " |")
    for label, values in lines:
        print(f"| {label} | " + " | ".join(values) + " |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--students", type=int, default=500, help="cohort size")
    parser.add_argument("--repeats", type=int, default=10, help="timed transcript rounds")
    parser.add_argument("--part", choices=["transcript", "cohort", "both"], default="both")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    if args.repeats < 1 or args.students < 1:
        parser.error("--repeats and --students must be at least 1")
    import weasyprint

    print(f"documents benchmark: {platform.platform()}, {platform.machine()}, "
          f"{os.cpu_count()} CPUs ({machine_load()}); Python {platform.python_version()}, "
          f"WeasyPrint {weasyprint.__version__}; {args.repeats} transcript rounds, cohort of "
          f"{args.students}", flush=True)
    kinds = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    rows = {}
    for kind in kinds:
        if kind == "postgresql" and not postgres_available():
            print(f"{kind}: skipped, PostgreSQL not reachable")
            continue
        rows[kind] = run(kind, args)
    if rows:
        table(rows)
    print(f"\nat the end: {machine_load()}. Other work on the machine stretches every wall-clock "
          "figure; CPU times are steadier.")
    return 0 if all(r.get("cohort", {}).get("ok", True) for r in rows.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
