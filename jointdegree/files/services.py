"""Storing and reading uploads, with the checks that make them safe to keep and serve."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from jointdegree.auth.models import User
from jointdegree.db import session
from jointdegree.errors import NotFound, ValidationFailed
from jointdegree.files.models import Upload


@dataclass(frozen=True)
class Kind:
    """What an upload purpose accepts: file endings, the magic bytes, a size limit."""

    extensions: tuple[str, ...]
    content_type: str
    max_bytes: int
    magic: tuple[bytes, ...] = ()


KINDS: dict[str, tuple[Kind, ...]] = {
    "catalog-import": (
        Kind((".csv",), "text/csv", 20 * 1024 * 1024),
        Kind((".xlsx",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             20 * 1024 * 1024, (b"PK\x03\x04",)),
    ),
    "results-import": (
        Kind((".csv",), "text/csv", 20 * 1024 * 1024),
        Kind((".xlsx",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             20 * 1024 * 1024, (b"PK\x03\x04",)),
    ),
    "availability": (  # a professor's busy times, exported from their calendar app
        Kind((".ics",), "text/calendar", 2 * 1024 * 1024),
    ),
    "syllabus": (
        Kind((".pdf",), "application/pdf", 5 * 1024 * 1024, (b"%PDF-",)),
        Kind((".txt",), "text/plain", 1024 * 1024),
    ),
}


def safe_filename(name: str) -> str:
    """A file name that is safe in a Content-Disposition header and on any disk."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f\"<>:|?*]", "_", name).strip(" .") or "file"
    return name[:200]


def store(purpose: str, filename: str, data: bytes, owner: User | None) -> Upload:
    """Check the ending, the size and the content's first bytes; then keep the file."""
    kinds = KINDS[purpose]
    clean = safe_filename(filename)
    lower = clean.lower()
    kind = next((k for k in kinds if lower.endswith(k.extensions)), None)
    allowed = ", ".join(ext for k in kinds for ext in k.extensions)
    if kind is None:
        message = _l("Send a file of type %(types)s.", types=allowed)
        raise ValidationFailed(message, code="unsupported_file", fields={"file": message})
    if not data:
        message = _l("The file is empty.")
        raise ValidationFailed(message, fields={"file": message})
    if len(data) > kind.max_bytes:
        message = _l("The file is larger than %(mb)d MB.", mb=kind.max_bytes // (1024 * 1024))
        raise ValidationFailed(message, code="file_too_large", fields={"file": message})
    if kind.magic and not data.startswith(kind.magic):
        message = _l("The content of the file does not match its type (%(types)s).",
                     types=", ".join(kind.extensions))
        raise ValidationFailed(message, code="unsupported_file", fields={"file": message})
    if kind.content_type.startswith("text/"):
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError:
            message = _l("The file is not UTF-8 text. Save it as “CSV UTF-8”.")
            raise ValidationFailed(message, code="not_utf8", fields={"file": message}) from None
    upload = Upload(owner_id=getattr(owner, "id", None), purpose=purpose, filename=clean,
                    content_type=kind.content_type, size=len(data),
                    sha256=hashlib.sha256(data).hexdigest(), data=data)
    session.add(upload)
    session.flush()
    return upload


def get_own(upload_id: int, owner: User, purpose: str) -> Upload:
    upload = session.get(Upload, upload_id)
    if upload is None or upload.owner_id != owner.id or upload.purpose != purpose:
        raise NotFound(_l("No such file."))
    return upload
