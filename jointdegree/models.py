"""Imports every model module, so that ``Base.metadata`` is complete (Alembic, tests)."""

from jointdegree.audit.models import AuditLogEntry
from jointdegree.auth.models import ApiToken, LoginAttempt, User
from jointdegree.catalog.models import AcademicTerm, Institution, Partnership, Programme
from jointdegree.db import Base
from jointdegree.notifications.models import Notification

__all__ = ["AcademicTerm", "ApiToken", "AuditLogEntry", "Base", "Institution", "LoginAttempt",
           "Notification", "Partnership", "Programme", "User"]
