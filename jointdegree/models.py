"""Imports every model module, so that ``Base.metadata`` is complete (Alembic, tests)."""

from jointdegree.audit.models import AuditLogEntry
from jointdegree.auth.models import ApiToken, LoginAttempt, User
from jointdegree.catalog.models import (
    AcademicTerm,
    Course,
    CourseLanguage,
    Institution,
    Partnership,
    Programme,
)
from jointdegree.db import Base
from jointdegree.files.models import Upload
from jointdegree.matching.models import (
    CourseSyllabus,
    CreditRuleRow,
    Equivalence,
    EquivalenceCourse,
    EquivalenceDecision,
    FacultyReview,
    GradeRule,
    GradeScaleRow,
)
from jointdegree.notifications.models import Notification
from jointdegree.planning.models import (
    LanguageCertification,
    PlanApproval,
    PlanComment,
    PlanCourse,
    PlanSemester,
    RequirementSet,
    Result,
    Student,
    StudentException,
    StudentNumber,
    StudyPlan,
)
from jointdegree.teaching.models import (
    TeachingAssignment,
)

__all__ = [
    "AcademicTerm",
    "ApiToken",
    "AuditLogEntry",
    "Base",
    "Course",
    "CourseLanguage",
    "CourseSyllabus",
    "CreditRuleRow",
    "Equivalence",
    "EquivalenceCourse",
    "EquivalenceDecision",
    "FacultyReview",
    "GradeRule",
    "GradeScaleRow",
    "Institution",
    "LanguageCertification",
    "LoginAttempt",
    "Notification",
    "Partnership",
    "PlanApproval",
    "PlanComment",
    "PlanCourse",
    "PlanSemester",
    "Programme",
    "RequirementSet",
    "Result",
    "Student",
    "StudentException",
    "StudentNumber",
    "StudyPlan",
    "TeachingAssignment",
    "Upload",
    "User",
]
