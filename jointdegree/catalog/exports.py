"""One entry point for every catalog export format (web, API and CLI call this)."""

from __future__ import annotations

from jointdegree.catalog import transfer
from jointdegree.catalog.models import Institution

MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ewp": "application/xml",
}


def export_catalog(institution: Institution, fmt: str) -> tuple[bytes, str, str]:
    """(content, MIME type, file name) of the institution's catalog in ``fmt``."""
    if fmt == "csv":
        data = transfer.to_csv(transfer.export_rows(institution))
    elif fmt == "xlsx":
        data = transfer.to_xlsx(transfer.export_rows(institution))
    elif fmt == "ewp":
        from jointdegree.catalog.ewp_export import ewp_document

        data = ewp_document(institution)
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    extension = "xml" if fmt == "ewp" else fmt
    return data, MIMETYPES[fmt], f"{institution.code.lower()}-catalog.{extension}"
