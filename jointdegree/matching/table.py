"""The equivalence table of a partnership, as CSV or XLSX, for both registrars to print."""

from __future__ import annotations

from collections.abc import Sequence

from jointdegree.catalog.models import Partnership
from jointdegree.catalog.records import format_decimal
from jointdegree.matching import equivalences as service
from jointdegree.matching import rules as rule_service
from jointdegree.matching.models import Equivalence
from jointdegree.tabular import csv_bytes, xlsx_bytes

MIMETYPES = {"csv": "text/csv; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _title(course: object) -> str:
    return next((t for t in (getattr(course, f"title_{lang}") for lang in ("en", "fr", "zh"))
                 if t), "")


def equivalence_table(partnership: Partnership, items: Sequence[Equivalence], fmt: str
                      ) -> tuple[bytes, str]:
    a, b = (p.institution for p in partnership.programmes)
    header = ["id", "status", "first_year", "last_year",
              f"{a.code}_codes", f"{a.code}_titles", f"{a.code}_credits", f"{a.code}_ects",
              f"{b.code}_codes", f"{b.code}_titles", f"{b.code}_credits", f"{b.code}_ects",
              "difference", "review_needed", "note"]
    rules = rule_service.rule_set(partnership)
    rows = []
    for item in items:
        comparison = service.compare(item, partnership, rules)
        row: list[object] = [item.id, item.status.value, item.first_year, item.last_year or ""]
        for side in comparison.sides:
            row += [" + ".join(c.code for c in side.courses),
                    " + ".join(_title(c) for c in side.courses),
                    format_decimal(side.native_total),
                    format_decimal(side.ects_total) if side.ects_total is not None else ""]
        row += [f"{comparison.difference:.0%}" if comparison.difference is not None else "",
                "yes" if item.review_needed else "", item.note or ""]
        rows.append(row)
    if fmt == "xlsx":
        return xlsx_bytes([(f"{partnership.code}", header, rows)]), MIMETYPES["xlsx"]
    return csv_bytes(header, rows), MIMETYPES["csv"]
