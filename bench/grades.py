"""Throughput of grade conversion, method by method (not a test).

Run from the project root: ``.venv/bin/python bench/grades.py [--n 1000000]``.

Converts the same N random valid 0–100 grades (step 0.1, so every band and both sides of the pass
mark occur) with each method and prints grades per second and the ratio to the agreed table:

* agreed table — the default cn-100 → fr-20 band pivot;
* pass-anchored linear — cn-100 → fr-20;
* PKU formula — cn-100 → cn-gpa4;
* grading table — cn-100 → fr-20 through two synthetic reference groups, built once: the tables'
  cumulative counts and value spans are precomputed, so a conversion is two bisects and a few
  exact Decimal operations.

Every conversion builds the full :class:`GradeConversion` (explanation and audit data included),
as a transcript would. The grading table must stay within 3× the agreed table's cost per grade;
the script exits with status 1 if it does not. The default N keeps a run well under a minute on
two cores.
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jointdegree.matching.grades import (  # noqa: E402
    SHIPPED,
    GradingTable,
    GradingTableConversion,
    PassAnchoredLinear,
    PkuFormula,
    default_tables,
)

LIMIT = 3.0  # the grading table may cost at most this many times the agreed table per grade


def synthetic_group(rng: random.Random, scale: str, centre: float, spread: float, size: int,
                    unit: Decimal) -> GradingTable:
    """A reference group of ``size`` results, roughly normal around ``centre``, on ``unit``."""
    target = SHIPPED[scale]
    counts: dict[Decimal, int] = {}
    for _ in range(size):
        raw = min(max(rng.gauss(centre, spread), 0), float(target.maximum))
        grade = (Decimal(str(raw)) / unit).quantize(Decimal(1)) * unit
        counts[grade] = counts.get(grade, 0) + 1
    return GradingTable(target, counts, f"synthetic {scale}, {size} results")


def run(method: object, grades: list[Decimal]) -> float:
    convert = method.convert
    start = time.perf_counter()
    for grade in grades:
        convert(grade)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=400_000, help="grades per method")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    grades = [Decimal(rng.randint(0, 1000)).scaleb(-1) for _ in range(args.n)]
    cn, fr = SHIPPED["cn-100"], SHIPPED["fr-20"]

    groups = random.Random(args.seed + 1)  # the same tables whatever N
    build = time.perf_counter()
    grading = GradingTableConversion(
        synthetic_group(groups, "cn-100", 78, 10, 2_000, Decimal(1)),       # ~40 distinct grades
        synthetic_group(groups, "fr-20", 12.5, 2.5, 1_500, Decimal("0.25")))  # ~40 distinct
    build = time.perf_counter() - build

    methods = [
        ("agreed table cn-100→fr-20", default_tables()["cn-100", "fr-20"]),
        ("pass-anchored linear cn-100→fr-20", PassAnchoredLinear(cn, fr)),
        ("PKU formula cn-100→cn-gpa4", PkuFormula()),
        ("grading table cn-100→fr-20", grading),
    ]
    print(f"N = {args.n:,} grades per method (seed {args.seed}); Python "
          f"{platform.python_version()}; grading tables built once in {build * 1000:.1f} ms "
          f"({grading.source_table.size} and {grading.target_table.size} passing results)")
    rates = {}
    for label, method in methods:
        rates[label] = args.n / run(method, grades)
    base = rates[methods[0][0]]
    print(f"{'method':<36} {'grades/s':>12} {'cost vs agreed':>15}")
    for label, rate in rates.items():
        print(f"{label:<36} {rate:>12,.0f} {base / rate:>14.2f}×")
    ratio = base / rates[methods[-1][0]]
    verdict = "OK" if ratio <= LIMIT else "TOO SLOW"
    print(f"grading table costs {ratio:.2f}× the agreed table per grade (limit {LIMIT:g}×): "
          f"{verdict}")
    return 0 if ratio <= LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
