"""Search over 50,000 courses: median and p95 per query, on SQLite and PostgreSQL.

Run: .venv/bin/python bench/catalog_search.py [--rows N] [--db sqlite|postgresql|both]
Each query is a full request of the search page (/courses?...) through the app, HTML rendered.
Also prints the SQL statements per page for 10 and 100 results per page (must be equal).
Target (README): p95 below 50 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _support import app_for, as_csv, database, postgres_available, synthetic_rows
from sqlalchemy import event, text

from jointdegree.auth.models import Role
from jointdegree.catalog import transfer
from jointdegree.db import database as db_of
from tests.factories import make_institution, make_user
from tests.support import login

QUERIES = ["/courses?q=数据", "/courses?q=systemes", "/courses?q=learning+data",
           "/courses?institution=HAIKOU&language=zh", "/courses?isced=0612&credits_min=3",
           "/courses?q=réseaux&delivery=remote", "/courses?q=IMP000123", "/courses?page=40",
           "/courses?q=graph&status=all", "/courses?q=nothing-matches-this"]


def run(kind: str, count: int, repeats: int, verbose: bool = False
        ) -> tuple[list[float], dict[int, int]]:
    with database(kind) as url:
        app = app_for(url)
        with app.test_request_context():
            nice, haikou = make_institution("NICE"), make_institution("HAIKOU", country="CN",
                                                                       credit_system="cn")
            make_user(Role.STUDENT, haikou, email="bench@example.org")
            half = count // 2
            for institution, prefix, seed in ((nice, "IMP", 1), (haikou, "HNU", 2)):
                report = transfer.import_catalog(
                    institution, as_csv(synthetic_rows(half, prefix, seed)), "b.csv", None)
                assert report.applied, report.errors[:3]
            # Statistics as autovacuum/ANALYZE would leave them after a bulk load.
            from jointdegree.db import session

            session.execute(text("ANALYZE"))
            session.commit()
        client = app.test_client()
        login(client, "bench@example.org")
        for path in QUERIES:  # warm up caches and the connection pool
            client.get(path)
        timings = []
        by_query: dict[str, list[float]] = {path: [] for path in QUERIES}
        for _ in range(repeats):
            for path in QUERIES:
                started = time.perf_counter()
                response = client.get(path)
                elapsed = (time.perf_counter() - started) * 1000
                timings.append(elapsed)
                by_query[path].append(elapsed)
                assert response.status_code == 200
        if verbose:
            for path, values in by_query.items():
                print(f"    {statistics.median(values):6.1f} ms  {path}")
        statements: list[str] = []
        engine = db_of(app).engine

        def count_sql(*_args: object) -> None:
            statements.append("x")

        event.listen(engine, "before_cursor_execute", count_sql)
        per_page = {}
        for size in (10, 100):
            statements.clear()
            client.get(f"/courses?per_page={size}&q=data")
            per_page[size] = len(statements)
        event.remove(engine, "before_cursor_execute", count_sql)
        engine.dispose()
    return timings, per_page


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--verbose", action="store_true", help="median per query")
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    print(f"catalog search page, {args.rows} courses, {len(QUERIES)} queries × {args.repeats}")
    print(f"{'database':<11} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'SQL/page':>9}")
    for kind in kinds:
        if kind == "postgresql" and not postgres_available():
            print(f"{kind:<11} skipped: PostgreSQL not reachable")
            continue
        timings, per_page = run(kind, args.rows, args.repeats, args.verbose)
        p95 = statistics.quantiles(timings, n=20)[-1]
        print(f"{kind:<11} {statistics.median(timings):>10.1f} {p95:>8.1f} "
              f"{max(timings):>8.1f} {per_page[10]:>4} / {per_page[100]}")


if __name__ == "__main__":
    main()
