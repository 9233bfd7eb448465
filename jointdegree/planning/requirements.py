"""A programme's degree requirements as data: parse and check a document, write it back.

Pure: stdlib and the pure :mod:`jointdegree.planning.languages` only, so a registrar's document is
checked the same way by the web form, the API, the CLI and the tests (DESIGN.md, "Pure core").

A document is a JSON/YAML-shaped dict (see :func:`parse_requirements`). Checking reports *every*
problem at once, each with its path ("rules[2].min_credits"), a message key of :data:`PROBLEMS`
and its parameters, so a form can show them all beside their fields in the reader's language.
Numbers are exact: int, str or Decimal; a float is refused, since 7.499999… is not 7.5.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, TypeVar

from jointdegree.decimals import plain
from jointdegree.planning.languages import CEFR_LEVELS, EXAMS, HSK_LEVELS

__all__ = [
    "CATEGORIES",
    "INSTITUTIONS",
    "KINDS",
    "PROBLEMS",
    "AllOfRule",
    "AnyOfRule",
    "AtLeastRule",
    "AverageRule",
    "CertificationRule",
    "Compensation",
    "CourseRule",
    "CreditsRule",
    "InstitutionCreditsRule",
    "Label",
    "MandatoryRule",
    "PartnerCapRule",
    "Problem",
    "Requirements",
    "RequirementsError",
    "Rule",
    "Selector",
    "TotalCreditsRule",
    "expanded_id",
    "parse_requirements",
]

CATEGORIES = ("core", "elective", "language", "thesis", "internship")
KINDS = ("lecture", "lab", "thesis", "internship")
INSTITUTIONS = ("home", "partner")
LANGUAGES = ("en", "fr", "zh")

_ABSENT: Any = object()  # a key not in the document: already reported if it was required
_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
_ISCED = re.compile(r"[0-9]{2,4}")  # not \d: that would admit Arabic-Indic and other digits
_UNSAFE = re.compile(r"[^a-z0-9_-]")
_MAX_CODE = 40
_MAX_CREDITS = Decimal(10000)
_MAX_GRADE = Decimal(100)  # the largest grading scale in use is 0–100

# English wording of each problem; the web layer translates the same keys with the same params.
PROBLEMS: dict[str, str] = {
    "not_an_object": "must be an object (key: value pairs)",
    "not_a_list": "must be a list",
    "not_a_string": "must be text",
    "not_a_boolean": "must be true or false",
    "not_a_number": "must be a number, not %(value)s",
    "float_refused": "write %(value)s as text (\"%(value)s\"): decimal numbers must be exact",
    "not_an_integer": "must be a whole number, not %(value)s",
    "out_of_range": "must be between %(min)s and %(max)s, not %(value)s",
    "required": "is required",
    "unknown_key": "unknown key %(key)s (expected one of: %(allowed)s)",
    "empty": "must not be empty",
    "invalid_choice": "%(value)s is not one of: %(choices)s",
    "invalid_id": "%(value)s is not a valid id (1 to 40 of a-z, 0-9, _ and -, "
                  "starting with a letter or digit)",
    "duplicate_id": "the id %(value)s is already used at %(first)s",
    "duplicate_value": "%(value)s is listed twice",
    "generated_id_clash": "%(value)s gives the same rule id %(id)s as an earlier course",
    "invalid_code": "%(value)s is not a course code (1 to 40 characters, no surrounding spaces)",
    "invalid_isced": "%(value)s is not an ISCED-F prefix (2 to 4 digits)",
    "invalid_level": "%(value)s is not a level of %(exams)s",
    "mixed_level_scales": "%(exams)s do not share a level scale: list CEFR exams or HSK, not both",
    "credits_needs_minimum": "give min_credits, min_courses or both",
    "floor_above_threshold": "the floor %(floor)s is above the threshold %(threshold)s",
    "second_partner_cap": "only one partner_cap rule is allowed (the first is at %(first)s)",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a document: where (``path``), what (``key`` of :data:`PROBLEMS`)."""

    path: str
    key: str
    params: dict[str, str] = field(default_factory=dict)

    def english(self) -> str:
        """The problem in English, for logs and the CLI."""
        return f"{self.path or 'document'}: {PROBLEMS[self.key] % self.params}"


class RequirementsError(ValueError):
    """A document with problems; ``problems`` lists all of them, in document order."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "; ".join(problem.english() for problem in problems[:3])
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        super().__init__(f"{len(problems)} problem(s) in the requirements: {shown}{more}")


# --- The rules -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Label:
    """A rule's name as the registrar wrote it, in the languages given ("" = not given)."""

    en: str = ""
    fr: str = ""
    zh: str = ""

    def text(self, locale: str = "en") -> str:
        """The label in ``locale`` ("zh_Hans" reads "zh"), else in English, French, Chinese."""
        wanted = re.split("[_-]", locale)[0].lower()
        order = (wanted, *LANGUAGES) if wanted in LANGUAGES else LANGUAGES
        return next((getattr(self, lang) for lang in order if getattr(self, lang)), "")

    def to_dict(self) -> dict[str, str]:
        return {lang: getattr(self, lang) for lang in LANGUAGES if getattr(self, lang)}


@dataclass(frozen=True)
class Selector:
    """Which courses a credits rule accepts: every criterion given must match (AND), any value
    of a criterion may (OR). An empty criterion is not given; no criterion at all = any course.

    ``courses`` are home course codes (a partner course selects through its equivalences),
    ``partner_courses`` partner codes, ``isced`` ISCED-F prefixes ("06" matches "0613")."""

    courses: frozenset[str] = frozenset()
    partner_courses: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()
    isced: frozenset[str] = frozenset()
    institution: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {name: sorted(values) for name, values in (
            ("courses", self.courses), ("partner_courses", self.partner_courses),
            ("kinds", self.kinds), ("isced", self.isced)) if values}
        if self.institution is not None:
            out["institution"] = self.institution
        return out


@dataclass(frozen=True)
class Rule:
    """A requirement of the degree; each subclass is one ``type`` of the document."""

    type: ClassVar[str]
    id: str
    label: Label

    @property
    def children(self) -> tuple[Rule, ...]:
        """Nested rules (composites, and the course rules a ``mandatory`` rule stands for)."""
        return ()

    def label_text(self, locale: str = "en") -> str:
        return self.label.text(locale)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label.to_dict(), "type": self.type, **self._body()}

    def _body(self) -> dict[str, Any]:
        raise NotImplementedError


@dataclass(frozen=True)
class TotalCreditsRule(Rule):
    """All countable credits, partner credits beyond the partner cap left out."""

    type: ClassVar[str] = "total_credits"
    min: Decimal

    def _body(self) -> dict[str, Any]:
        return {"min": plain(self.min)}


@dataclass(frozen=True)
class CreditsRule(Rule):
    """Credits and/or courses from the courses the selector accepts; claims the courses used."""

    type: ClassVar[str] = "credits"
    category: str
    min_credits: Decimal | None = None
    min_courses: int | None = None
    select: Selector = Selector()

    def _body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"category": self.category}
        if self.min_credits is not None:
            out["min_credits"] = plain(self.min_credits)
        if self.min_courses is not None:
            out["min_courses"] = self.min_courses
        return {**out, "select": self.select.to_dict()}


@dataclass(frozen=True)
class CourseRule(Rule):
    """One mandatory home course, met by itself, its equivalents at the partner or a substitute."""

    type: ClassVar[str] = "course"
    course: str

    def _body(self) -> dict[str, Any]:
        return {"course": self.course}


@dataclass(frozen=True)
class MandatoryRule(Rule):
    """Shorthand for all of the course rules "<id>.<code>" of ``courses``, labelled by code."""

    type: ClassVar[str] = "mandatory"
    courses: tuple[str, ...]
    rules: tuple[CourseRule, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rules", tuple(
            CourseRule(expanded_id(self.id, code), Label(code, code, code), code)
            for code in self.courses))

    @property
    def children(self) -> tuple[Rule, ...]:
        return self.rules

    def _body(self) -> dict[str, Any]:
        return {"courses": list(self.courses)}


@dataclass(frozen=True)
class InstitutionCreditsRule(Rule):
    """At least ``min`` credits earned at one of the two institutions (cap or not)."""

    type: ClassVar[str] = "institution_credits"
    institution: str
    min: Decimal

    def _body(self) -> dict[str, Any]:
        return {"institution": self.institution, "min": plain(self.min)}


@dataclass(frozen=True)
class PartnerCapRule(Rule):
    """At most ``max`` partner credits count toward total_credits; always met, it informs."""

    type: ClassVar[str] = "partner_cap"
    max: Decimal

    def _body(self) -> dict[str, Any]:
        return {"max": plain(self.max)}


@dataclass(frozen=True)
class AverageRule(Rule):
    """A minimum credit-weighted average of the graded completed courses (degree's scale)."""

    type: ClassVar[str] = "average"
    min: Decimal

    def _body(self) -> dict[str, Any]:
        return {"min": plain(self.min)}


@dataclass(frozen=True)
class CertificationRule(Rule):
    """A language certificate of one of ``exams`` at ``min_level`` or above."""

    type: ClassVar[str] = "certification"
    exams: tuple[str, ...]
    min_level: str

    def _body(self) -> dict[str, Any]:
        return {"exams": list(self.exams), "min_level": self.min_level}


@dataclass(frozen=True)
class _GroupRule(Rule):
    rules: tuple[Rule, ...]

    @property
    def children(self) -> tuple[Rule, ...]:
        return self.rules

    def _body(self) -> dict[str, Any]:
        return {"rules": [rule.to_dict() for rule in self.rules]}


@dataclass(frozen=True)
class AllOfRule(_GroupRule):
    type: ClassVar[str] = "all_of"


@dataclass(frozen=True)
class AnyOfRule(_GroupRule):
    type: ClassVar[str] = "any_of"


@dataclass(frozen=True)
class AtLeastRule(Rule):
    type: ClassVar[str] = "at_least"
    n: int
    rules: tuple[Rule, ...]

    @property
    def children(self) -> tuple[Rule, ...]:
        return self.rules

    def _body(self) -> dict[str, Any]:
        return {"n": self.n, "rules": [rule.to_dict() for rule in self.rules]}


@dataclass(frozen=True)
class Compensation:
    """French compensation within a term: a failed home course counts when its term's average
    reaches ``threshold`` (and, with a ``floor``, its own grade reaches the floor)."""

    enabled: bool
    threshold: Decimal
    floor: Decimal | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"enabled": self.enabled, "threshold": plain(self.threshold)}
        if self.floor is not None:
            out["floor"] = plain(self.floor)
        return out


_T = TypeVar("_T")


@dataclass(frozen=True)
class Requirements:
    """A degree's requirements: all of ``rules`` (the root), and its compensation if any."""

    rules: tuple[Rule, ...]
    compensation: Compensation | None = None
    # Structures derived by readers (the audit engine's indexes), built once per parsed document.
    _derived: dict[str, Any] = field(default_factory=dict, init=False, repr=False,
                                     compare=False, hash=False)

    def walk(self) -> Iterator[Rule]:
        """Every rule, parents before children, in document order (mandatory rules expanded)."""
        stack = list(reversed(self.rules))
        while stack:
            rule = stack.pop()
            yield rule
            stack.extend(reversed(rule.children))

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id (expanded course ids "<id>.<code>" included); KeyError if none."""
        index = self.derived("rules_by_id", lambda r: {rule.id: rule for rule in r.walk()})
        return index[rule_id]

    def derived(self, name: str, build: Callable[[Requirements], _T]) -> _T:
        """``build(self)``, computed on first use and kept: parse once, audit many times."""
        try:
            return self._derived[name]
        except KeyError:
            value = self._derived[name] = build(self)
            return value

    def to_dict(self) -> dict[str, Any]:
        """The document again (Decimals as strings): ``parse_requirements`` gives back ``self``."""
        out: dict[str, Any] = {}
        if self.compensation is not None:
            out["compensation"] = self.compensation.to_dict()
        out["rules"] = [rule.to_dict() for rule in self.rules]
        return out


def expanded_id(mandatory_id: str, code: str) -> str:
    """The id of the course rule a mandatory rule makes for ``code``: "core.math-101"."""
    return f"{mandatory_id}.{_UNSAFE.sub('-', code.lower())}"


# --- Parsing -------------------------------------------------------------------------------------

_COMMON = ("id", "label", "type")
_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {  # type → (required, optional)
    "total_credits": (("min",), ()),
    "credits": (("category",), ("min_credits", "min_courses", "select")),
    "course": (("course",), ()),
    "mandatory": (("courses",), ()),
    "institution_credits": (("institution", "min"), ()),
    "partner_cap": (("max",), ()),
    "average": (("min",), ()),
    "certification": (("exams", "min_level"), ()),
    "all_of": (("rules",), ()),
    "any_of": (("rules",), ()),
    "at_least": (("n", "rules"), ()),
}
_SELECTOR_KEYS = ("courses", "partner_courses", "kinds", "isced", "institution")
_GROUPS = frozenset({"all_of", "any_of", "at_least"})
#: Groups inside groups, at most: far more than a degree needs, and a bound on the parser's (and
#: the audit's) recursion, which a document nested hundreds deep would exhaust.
MAX_DEPTH = 16


def parse_requirements(data: object) -> Requirements:
    """Check a document and build its :class:`Requirements`; raise :class:`RequirementsError`
    listing every problem. ``{"rules": []}`` (nothing required yet) is a valid document."""
    parser = _Parser()
    requirements = parser.document(data)
    if parser.problems or requirements is None:
        raise RequirementsError(parser.problems)
    return requirements


class _Parser:
    """Walks a document once, keeping on after a problem so that all are reported."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.ids: dict[str, str] = {}  # rule id → path of its first use
        self.partner_cap: str | None = None
        self.depth = 0  # groups (all_of, any_of, at_least) around the rule being read

    def problem(self, path: str, message: str, **params: object) -> None:
        """Record a problem; a ``value`` from the document is shown short (or by its type)."""
        shown = {k: _shown(v) if k == "value" else str(v) for k, v in params.items()}
        self.problems.append(Problem(path, message, shown))

    def document(self, data: object) -> Requirements | None:
        obj = self.object(data, "", ("rules",), ("compensation",))
        if obj is None:
            return None
        compensation = None
        if "compensation" in obj:
            compensation = self.compensation(obj["compensation"], "compensation")
        rules = self.rules(obj.get("rules", _ABSENT), "rules", allow_empty=True)
        return None if rules is None else Requirements(rules, compensation)

    def object(self, data: object, path: str, required: tuple[str, ...],
               optional: tuple[str, ...]) -> Mapping[str, Any] | None:
        """``data`` if it is an object; every unknown and missing key is a problem."""
        if not isinstance(data, Mapping):
            self.problem(path, "not_an_object")
            return None
        allowed = (*required, *optional)
        for key in data:
            if key not in allowed:
                self.problem(_join(path, str(key)), "unknown_key", key=key,
                             allowed=", ".join(allowed))
        for key in required:
            if key not in data:
                self.problem(_join(path, key), "required")
        return data

    def compensation(self, data: object, path: str) -> Compensation | None:
        obj = self.object(data, path, ("enabled", "threshold"), ("floor",))
        if obj is None:
            return None
        enabled = obj.get("enabled")
        if "enabled" in obj and not isinstance(enabled, bool):
            self.problem(f"{path}.enabled", "not_a_boolean")
        threshold = self.number(obj, "threshold", path, Decimal(0), _MAX_GRADE)
        floor = self.number(obj, "floor", path, Decimal(0), _MAX_GRADE) if "floor" in obj \
            else None
        if threshold is not None and floor is not None and floor > threshold:
            self.problem(f"{path}.floor", "floor_above_threshold", floor=plain(floor),
                         threshold=plain(threshold))
        if not isinstance(enabled, bool) or threshold is None or ("floor" in obj and floor is None):
            return None
        return Compensation(enabled, threshold, floor)

    def rules(self, data: object, path: str, *, allow_empty: bool = False
              ) -> tuple[Rule, ...] | None:
        if not isinstance(data, list):
            if data is not _ABSENT:
                self.problem(path, "not_a_list")
            return None
        if not data and not allow_empty:
            self.problem(path, "empty")
        self.depth += 1
        try:
            parsed = [self.rule(item, f"{path}[{i}]") for i, item in enumerate(data)]
        finally:
            self.depth -= 1
        return None if None in parsed else tuple(r for r in parsed if r is not None)

    def rule(self, data: object, path: str) -> Rule | None:
        if not isinstance(data, Mapping):
            self.problem(path, "not_an_object")
            return None
        kind = data.get("type")
        # the top-level rules are at depth 1: groups stop at MAX_DEPTH levels of groups
        allowed = [k for k in _FIELDS if self.depth <= MAX_DEPTH or k not in _GROUPS]
        if not isinstance(kind, str) or kind not in allowed:
            if "type" not in data:
                self.problem(f"{path}.type", "required")
            else:
                self.problem(f"{path}.type", "invalid_choice", value=kind,
                             choices=", ".join(allowed))
            return None
        required, optional = _FIELDS[kind]
        obj = self.object(data, path, (*_COMMON, *required), optional)
        assert obj is not None  # noqa: S101 — checked to be a Mapping above
        rule_id = self.rule_id(obj.get("id", _ABSENT), f"{path}.id")
        label = self.label(obj.get("label", _ABSENT), f"{path}.label")
        build = getattr(self, f"rule_{kind}")
        rule = build(obj, path, rule_id or "", label or Label())
        return rule if rule_id is not None and label is not None else None

    def rule_id(self, value: object, path: str) -> str | None:
        if value is _ABSENT:
            return None
        if not isinstance(value, str) or not _ID.fullmatch(value):
            self.problem(path, "invalid_id", value=value)
            return None
        if value in self.ids:
            self.problem(path, "duplicate_id", value=value, first=self.ids[value])
            return None
        self.ids[value] = path
        return value

    def label(self, value: object, path: str) -> Label | None:
        obj = self.object(value, path, (), LANGUAGES) if value is not _ABSENT else None
        if obj is None:
            return None
        texts = {}
        for lang in LANGUAGES:
            text = obj.get(lang, "")
            if not isinstance(text, str):
                self.problem(f"{path}.{lang}", "not_a_string")
                return None
            texts[lang] = text
        if not any(text.strip() for text in texts.values()):
            self.problem(path, "empty")
            return None
        return Label(**texts)

    # One method per rule type: (document object, path, id, label) → rule or None.

    def rule_total_credits(self, obj: Mapping[str, Any], path: str, rule_id: str,
                           label: Label) -> Rule | None:
        minimum = self.positive(obj, "min", path)
        return None if minimum is None else TotalCreditsRule(rule_id, label, minimum)

    def rule_credits(self, obj: Mapping[str, Any], path: str, rule_id: str,
                     label: Label) -> Rule | None:
        category = self.choice(obj.get("category", _ABSENT), f"{path}.category", CATEGORIES)
        credits = self.positive(obj, "min_credits", path) if "min_credits" in obj else None
        courses = self.count(obj, "min_courses", path, 1, 1000) if "min_courses" in obj else None
        select = self.selector(obj.get("select", {}), f"{path}.select")
        if "min_credits" not in obj and "min_courses" not in obj:
            self.problem(path, "credits_needs_minimum")
            return None
        if (category is None or select is None or (credits is None and "min_credits" in obj)
                or (courses is None and "min_courses" in obj)):
            return None
        return CreditsRule(rule_id, label, category, credits, courses, select)

    def rule_course(self, obj: Mapping[str, Any], path: str, rule_id: str,
                    label: Label) -> Rule | None:
        code = self.code(obj.get("course", _ABSENT), f"{path}.course")
        return None if code is None else CourseRule(rule_id, label, code)

    def rule_mandatory(self, obj: Mapping[str, Any], path: str, rule_id: str,
                       label: Label) -> Rule | None:
        codes = self.strings(obj.get("courses", _ABSENT), f"{path}.courses", self.code)
        if codes is None:
            return None
        expanded: dict[str, str] = {}
        for i, code in enumerate(codes):
            generated = expanded_id(rule_id, code)
            if generated in expanded:
                self.problem(f"{path}.courses[{i}]", "generated_id_clash", value=code,
                             id=generated)
                return None
            expanded[generated] = code
        return MandatoryRule(rule_id, label, codes)

    def rule_institution_credits(self, obj: Mapping[str, Any], path: str, rule_id: str,
                                 label: Label) -> Rule | None:
        institution = self.choice(obj.get("institution", _ABSENT), f"{path}.institution",
                                  INSTITUTIONS)
        minimum = self.positive(obj, "min", path)
        if institution is None or minimum is None:
            return None
        return InstitutionCreditsRule(rule_id, label, institution, minimum)

    def rule_partner_cap(self, obj: Mapping[str, Any], path: str, rule_id: str,
                         label: Label) -> Rule | None:
        if self.partner_cap is not None:
            self.problem(path, "second_partner_cap", first=self.partner_cap)
        self.partner_cap = self.partner_cap or path
        maximum = self.number(obj, "max", path, Decimal(0), _MAX_CREDITS)
        return None if maximum is None else PartnerCapRule(rule_id, label, maximum)

    def rule_average(self, obj: Mapping[str, Any], path: str, rule_id: str,
                     label: Label) -> Rule | None:
        minimum = self.number(obj, "min", path, Decimal(0), _MAX_GRADE)
        return None if minimum is None else AverageRule(rule_id, label, minimum)

    def rule_certification(self, obj: Mapping[str, Any], path: str, rule_id: str,
                           label: Label) -> Rule | None:
        exams = self.strings(obj.get("exams", _ABSENT), f"{path}.exams",
                             lambda value, at: self.choice(value, at, EXAMS))
        level = obj.get("min_level", _ABSENT)
        if isinstance(level, int) and not isinstance(level, bool):
            level = str(level)  # "min_level": 4 for HSK 4
        if exams is None or level is _ABSENT:
            return None
        scales = {exam == "HSK" for exam in exams}
        if len(scales) > 1:
            self.problem(f"{path}.exams", "mixed_level_scales", exams=", ".join(exams))
            return None
        levels = HSK_LEVELS if scales == {True} else CEFR_LEVELS
        if level not in levels:
            self.problem(f"{path}.min_level", "invalid_level", value=level,
                         exams=", ".join(exams))
            return None
        return CertificationRule(rule_id, label, exams, level)

    def rule_all_of(self, obj: Mapping[str, Any], path: str, rule_id: str,
                    label: Label) -> Rule | None:
        rules = self.rules(obj.get("rules", _ABSENT), f"{path}.rules")
        return AllOfRule(rule_id, label, rules) if rules else None

    def rule_any_of(self, obj: Mapping[str, Any], path: str, rule_id: str,
                    label: Label) -> Rule | None:
        rules = self.rules(obj.get("rules", _ABSENT), f"{path}.rules")
        return AnyOfRule(rule_id, label, rules) if rules else None

    def rule_at_least(self, obj: Mapping[str, Any], path: str, rule_id: str,
                      label: Label) -> Rule | None:
        rules = self.rules(obj.get("rules", _ABSENT), f"{path}.rules")
        size = len(obj["rules"]) if isinstance(obj.get("rules"), list) else 1
        n = self.count(obj, "n", path, 1, max(size, 1)) if "n" in obj else None
        return AtLeastRule(rule_id, label, n, rules) if rules and n is not None else None

    # Values.

    def selector(self, data: object, path: str) -> Selector | None:
        obj = self.object(data, path, (), _SELECTOR_KEYS)
        if obj is None:
            return None
        values = {
            "courses": self.strings(obj.get("courses", _ABSENT), f"{path}.courses", self.code),
            "partner_courses": self.strings(obj.get("partner_courses", _ABSENT),
                                            f"{path}.partner_courses", self.code),
            "kinds": self.strings(obj.get("kinds", _ABSENT), f"{path}.kinds",
                                  lambda value, at: self.choice(value, at, KINDS)),
            "isced": self.strings(obj.get("isced", _ABSENT), f"{path}.isced", self.isced),
        }
        institution = None
        if "institution" in obj:
            institution = self.choice(obj["institution"], f"{path}.institution", INSTITUTIONS)
            if institution is None:
                return None
        if any(values[name] is None for name in values if name in obj):
            return None
        return Selector(**{name: frozenset(v or ()) for name, v in values.items()},
                        institution=institution)

    def strings(self, data: object, path: str, check: Callable[[object, str], str | None]
                ) -> tuple[str, ...] | None:
        """A non-empty list of distinct values, each passed through ``check``."""
        if data is _ABSENT:
            return None
        if not isinstance(data, list):
            self.problem(path, "not_a_list")
            return None
        if not data:
            self.problem(path, "empty")
            return None
        values: list[str | None] = []
        for i, item in enumerate(data):
            value = check(item, f"{path}[{i}]")
            if value is not None and value in values:
                self.problem(f"{path}[{i}]", "duplicate_value", value=value)
                value = None
            values.append(value)
        return None if None in values else tuple(v for v in values if v is not None)

    def code(self, value: object, path: str) -> str | None:
        if value is _ABSENT:
            return None
        if (not isinstance(value, str) or not value or value != value.strip()
                or len(value) > _MAX_CODE):
            self.problem(path, "invalid_code", value=value)
            return None
        return value

    def isced(self, value: object, path: str) -> str | None:
        if not isinstance(value, str) or not _ISCED.fullmatch(value):
            self.problem(path, "invalid_isced", value=value)
            return None
        return value

    def choice(self, value: object, path: str, choices: tuple[str, ...]) -> str | None:
        if value is _ABSENT:
            return None
        if value not in choices:
            self.problem(path, "invalid_choice", value=value, choices=", ".join(choices))
            return None
        return str(value)

    def positive(self, obj: Mapping[str, Any], key: str, path: str) -> Decimal | None:
        """A number of credits: more than zero, at most 10,000."""
        number = self.number(obj, key, path, Decimal(0), _MAX_CREDITS)
        if number is not None and number == 0:
            self.problem(_join(path, key), "out_of_range", value=plain(number), min="0 (excluded)",
                         max=plain(_MAX_CREDITS))
            return None
        return number

    def number(self, obj: Mapping[str, Any], key: str, path: str, low: Decimal,
               high: Decimal) -> Decimal | None:
        if key not in obj:
            return None
        at = _join(path, key)
        number = self.exact(obj[key], at)
        if number is not None and not low <= number <= high:
            self.problem(at, "out_of_range", value=plain(number), min=plain(low), max=plain(high))
            return None
        return number

    def exact(self, value: object, path: str) -> Decimal | None:
        if isinstance(value, float):
            self.problem(path, "float_refused", value=repr(value))
            return None
        number = None
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            number = Decimal(value)
        elif isinstance(value, str):
            try:
                number = Decimal(value.strip())
            except InvalidOperation:
                number = None
        if number is None or not number.is_finite():
            self.problem(path, "not_a_number", value=value)
            return None
        return number

    def count(self, obj: Mapping[str, Any], key: str, path: str, low: int, high: int
              ) -> int | None:
        at = _join(path, key)
        number = self.exact(obj[key], at)
        if number is None:
            return None
        if number != number.to_integral_value():
            self.problem(at, "not_an_integer", value=plain(number))
            return None
        if not low <= number <= high:
            self.problem(at, "out_of_range", value=plain(number), min=low, max=high)
            return None
        return int(number)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _shown(value: object) -> str:
    """A short rendering of a wrong value for a problem message (JSON's words for None)."""
    text = value if isinstance(value, str) else "null" if value is None else str(value) \
        if isinstance(value, int | Decimal) else type(value).__name__
    return text if len(text) <= 40 else f"{text[:39]}…"
