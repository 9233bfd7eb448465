"""Translated labels for the enumerations users see (roles, levels, credit systems, statuses)."""

from __future__ import annotations

from enum import Enum
from typing import Any

from flask_babel import lazy_gettext as _l

from jointdegree.auth.models import Role
from jointdegree.catalog.models import (
    CourseDelivery,
    CourseKind,
    CourseStatus,
    CreditSystem,
    DegreeLevel,
    PartnershipStatus,
)
from jointdegree.matching.models import EquivalenceStatus, Recommendation

LABELS: dict[Enum, Any] = {
    Role.ADMIN: _l("Administrator"),
    Role.REGISTRAR: _l("Registrar"),
    Role.PROFESSOR: _l("Professor"),
    Role.STUDENT: _l("Student"),
    DegreeLevel.BACHELOR: _l("Bachelor (licence / 本科)"),
    DegreeLevel.MASTER: _l("Master (master / 硕士)"),
    DegreeLevel.DOCTORATE: _l("Doctorate (doctorat / 博士)"),
    CreditSystem.ECTS: _l("ECTS credits"),
    CreditSystem.CN: _l("Chinese credits (学分)"),
    PartnershipStatus.DRAFT: _l("Draft"),
    PartnershipStatus.ACTIVE: _l("Active"),
    PartnershipStatus.CLOSED: _l("Closed"),
    CourseDelivery.ON_CAMPUS: _l("On campus"),
    CourseDelivery.REMOTE: _l("Remote (videoconference)"),
    CourseDelivery.HYBRID: _l("Hybrid"),
    CourseKind.LECTURE: _l("Lecture"),
    CourseKind.LAB: _l("Lab / practical"),
    CourseKind.THESIS: _l("Thesis"),
    CourseKind.INTERNSHIP: _l("Internship"),
    CourseStatus.ACTIVE: _l("Active"),
    CourseStatus.RETIRED: _l("Retired"),
    EquivalenceStatus.PROPOSED: _l("Proposed"),
    EquivalenceStatus.APPROVED: _l("Approved"),
    EquivalenceStatus.REJECTED: _l("Rejected"),
    EquivalenceStatus.EXPIRED: _l("Expired"),
    Recommendation.APPROVE: _l("Approve"),
    Recommendation.REJECT: _l("Reject"),
    Recommendation.REVISE: _l("Revise (change the courses or credits)"),
}


def label(value: Enum | None) -> str:
    if value is None:
        return ""
    return str(LABELS.get(value, value.value))


CREDIT_UNITS: dict[CreditSystem, Any] = {
    CreditSystem.ECTS: _l("ECTS"),
    # TRANSLATORS: unit of Chinese university credits (学分), after a number: "60 CN credits".
    CreditSystem.CN: _l("CN credits"),
}


def credit_unit(system: CreditSystem) -> str:
    return str(CREDIT_UNITS[system])
