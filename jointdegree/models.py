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
from jointdegree.diplomas.models import DiplomaApproval, DiplomaBatch, DiplomaRecord
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
    CalendarFeed,
    Closure,
    DayRule,
    LectureException,
    LectureSeries,
    ProfessorProfile,
    Stay,
    TeachingAssignment,
    TeachingWindow,
)

__all__ = [
    "AcademicTerm",
    "ApiToken",
    "AuditLogEntry",
    "Base",
    "CalendarFeed",
    "Closure",
    "Course",
    "CourseLanguage",
    "CourseSyllabus",
    "CreditRuleRow",
    "DayRule",
    "DiplomaApproval",
    "DiplomaBatch",
    "DiplomaRecord",
    "Equivalence",
    "EquivalenceCourse",
    "EquivalenceDecision",
    "FacultyReview",
    "GradeRule",
    "GradeScaleRow",
    "Institution",
    "LanguageCertification",
    "LectureException",
    "LectureSeries",
    "LoginAttempt",
    "Notification",
    "Partnership",
    "PlanApproval",
    "PlanComment",
    "PlanCourse",
    "PlanSemester",
    "ProfessorProfile",
    "Programme",
    "RequirementSet",
    "Result",
    "Stay",
    "Student",
    "StudentException",
    "StudentNumber",
    "StudyPlan",
    "TeachingAssignment",
    "TeachingWindow",
    "Upload",
    "User",
]
