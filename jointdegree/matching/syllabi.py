"""Course syllabi (PDF or text) that professors read when they review an equivalence."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from jointdegree.audit.services import record as audit
from jointdegree.auth.models import User
from jointdegree.auth.policy import authorize
from jointdegree.catalog.models import Course
from jointdegree.db import session, utcnow
from jointdegree.files import services as files
from jointdegree.files.models import Upload
from jointdegree.matching.models import CourseSyllabus


def syllabi_of(courses: Sequence[Course]) -> dict[int, Upload]:
    """The stored syllabus of each course that has one (one query for any number of courses)."""
    if not courses:
        return {}
    rows = session.execute(select(CourseSyllabus.course_id, Upload).join(
        Upload, Upload.id == CourseSyllabus.upload_id).where(
        CourseSyllabus.course_id.in_([c.id for c in courses]))).all()
    return {course_id: upload for course_id, upload in rows}


def set_syllabus(course: Course, filename: str, data: bytes, actor: User | None) -> Upload:
    """Store (checked by content, size-limited) and attach a syllabus; the old one is replaced
    for readers but kept in the uploads table. Audited."""
    if actor is not None:
        authorize("institution.edit", course.institution, user=actor)
    upload = files.store("syllabus", filename, data, actor)
    existing = session.get(CourseSyllabus, course.id)
    if existing is None:
        session.add(CourseSyllabus(course_id=course.id, upload_id=upload.id))
    else:
        existing.upload_id = upload.id
        existing.updated_at = utcnow()
    audit("course.syllabus", course, actor=actor,
          after={"file": upload.filename, "sha256": upload.sha256},
          institution_id=course.institution_id)
    session.commit()
    return upload
