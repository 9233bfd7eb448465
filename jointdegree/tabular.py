"""Writing tables as CSV or XLSX, safely: one place for every export of the service.

Cells starting with = + - @ (or a tab / carriage return) are prefixed with an apostrophe, so a
spreadsheet shows them as text instead of running them as formulas (CSV/formula injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from jointdegree.catalog.records import neutralise_formula


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 with a BOM (so spreadsheets open Chinese text correctly), CRLF line ends."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise_formula("" if v is None else str(v)) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[object]]]]) -> bytes:
    """A workbook of (title, header, rows) sheets; every cell is text, never a formula."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def cell(value: object) -> str:
        # A worksheet cannot hold C0 control characters (openpyxl raises on them): a stored
        # "\x01" would make the whole export fail, so they are left out of the sheet — before
        # the formula check, or "\x01=cmd" would become a formula.
        text = "" if value is None else str(value)
        return neutralise_formula(ILLEGAL_CHARACTERS_RE.sub("", text))

    workbook = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title[:31])
        sheet.append(list(header))
        for row in rows:
            sheet.append([cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
