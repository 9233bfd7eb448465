"""Import 20,000 courses from CSV; compare with a bare SQLAlchemy Core insert of the same rows.

Run: .venv/bin/python bench/catalog_import.py [--rows N] [--db sqlite|postgresql|both]
Target (README): the importer reaches at least 0.5 of the bare insert's rows/s.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _support import app_for, as_csv, database, postgres_available, synthetic_rows
from sqlalchemy import insert

from jointdegree.catalog import courses, transfer
from jointdegree.catalog.models import Course
from jointdegree.catalog.records import parse_row
from jointdegree.db import session
from tests.factories import make_institution


def run(kind: str, count: int) -> tuple[float, float]:
    rows = synthetic_rows(count, "IMP")
    data = as_csv(rows)
    with database(kind) as url:
        app = app_for(url)
        with app.test_request_context():
            nice = make_institution("NICE")
            other = make_institution("BARE")
            started = time.perf_counter()
            report = transfer.import_catalog(nice, data, "bench.csv", None)
            importer = time.perf_counter() - started
            assert report.applied and len(report.created) == count, report.errors[:3]
            # The bare baseline: rows already parsed, one Core executemany, one commit.
            values = []
            for line, row in enumerate(synthetic_rows(count, "BAR"), start=2):
                record, _ = parse_row(row, line)
                values.append(courses.column_values(record) | {
                    "institution_id": other.id, "version": 1})
            started = time.perf_counter()
            session.execute(insert(Course.__table__), values)
            session.commit()
            bare = time.perf_counter() - started
        app.extensions["jointdegree.db"].engine.dispose()
    return count / importer, count / bare


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    print(f"catalog import, {args.rows} rows (validation, audit entries, links included)")
    print(f"{'database':<11} {'import rows/s':>14} {'bare insert rows/s':>19} {'ratio':>6}")
    for kind in kinds:
        if kind == "postgresql" and not postgres_available():
            print(f"{kind:<11} skipped: PostgreSQL not reachable")
            continue
        importer, bare = run(kind, args.rows)
        print(f"{kind:<11} {importer:>14,.0f} {bare:>19,.0f} {importer / bare:>6.2f}")


if __name__ == "__main__":
    main()
