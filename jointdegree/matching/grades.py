"""Grade scales and grade conversion between Université Côte d'Azur (0–20), 海南大学 (0–100,
five-level 五级制, 4.0 grade points 绩点) and the ECTS letters.

Pure: stdlib only, no Flask, no database, so every rule is tested without an app (DESIGN.md,
"Pure core"). Every grade is a :class:`~decimal.Decimal` (or an ``int``, or a band code such as
``"A"``); a float is refused with ``TypeError`` because a 9.999999999999998 that should have been
10 turns a pass into a fail (DESIGN.md, "Exact numbers").

**Scales are data, not code branches.** A :class:`Scale` is either *numeric* (minimum, maximum,
pass mark, rounding step, optional named bands such as the French mentions) or a list of *bands*
(best first, each passing or failing). :meth:`Scale.to_dict` / :meth:`Scale.from_dict` let a
registrar store a new scale as JSON without a code change. :data:`SHIPPED` holds the five scales
this partnership needs.

**Conversion never clamps and never edits the original.** Each method returns a
:class:`GradeConversion` holding the converted value, the exact value before rounding, the
original, the calculation as steps (message keys of :data:`EXPLANATIONS` with their parameters,
so that pages can show it in the reader's language; ``explanation`` renders it in English) and
JSON-safe working data. Three methods, all monotone, all keeping a pass a pass and a fail a fail:

1. :class:`AgreedTable` — a table both partners signed: piecewise-linear points, thresholds or a
   band mapping (:func:`default_tables` holds the defaults, :class:`PkuFormula` the PKU formula).
2. :class:`GradingTableConversion` — the ECTS grading-table method (ECTS Users' Guide 2015,
   pp. 39–40; Egracons): two reference groups' distributions of *passing* grades, converted by
   percentile position.
3. :class:`PassAnchoredLinear` — minimum↔minimum, pass mark↔pass mark, maximum↔maximum, linear in
   between; only when a partnership explicitly chooses it.

Plain proportional conversion (French = Chinese ÷ 5) is deliberately NOT offered: it ignores the
pass marks, so a Chinese 50 (a fail) would become a French 10 (a pass) and a French 10 (a pass)
a Chinese 50 (a fail) — ``../shared/reference/domain/grade_conversion_methods_fr_cn.csv``,
row ``proportional``: "breaks pass marks - do not use".

Sources (``../shared/reference/domain/``): ``grade_scales.csv`` (French mentions; Chinese
five-level bands, 90-based and 85-based), ``gpa_formulas_cn.csv`` (standard 4-point table, PKU
formula), ``grade_conversion_methods_fr_cn.csv`` (band pivot, pass-anchored linear, ECTS
distribution tables); the ECTS Users' Guide 2015 as quoted by the Egracons project
(docsbay.net "Grading tables: what are they all about?", egracons.eu) and the EWP
``imobility-tors`` schema (``gradeConversionTable``, Egracons-style, ``../shared/reference/ewp``).
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import (
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    InvalidOperation,
    localcontext,
)
from enum import StrEnum
from itertools import pairwise
from types import MappingProxyType
from typing import ClassVar, Protocol

from jointdegree.decimals import plain, shortened
from jointdegree.matching.credits import Step, render_steps

__all__ = [
    "EXPLANATIONS",
    "MIN_GROUP",
    "SHIPPED",
    "AgreedTable",
    "Band",
    "ConversionMethod",
    "GradeConversion",
    "GradeError",
    "GradeMethod",
    "GradeValue",
    "GradingRow",
    "GradingTable",
    "GradingTableConversion",
    "PassAnchoredLinear",
    "PkuFormula",
    "Scale",
    "ScaleKind",
    "alternative_methods",
    "convert",
    "default_tables",
]

GradeValue = Decimal | int | str
"""What a grade may be given as: a Decimal or int on a numeric scale, a band code (or one of the
band's labels) on a band scale."""

# Grades have at most a few digits; 28 significant digits keep every interpolation exact or
# correct far beyond any rounding step, whatever the caller's own decimal context says.
_CONTEXT = Context(prec=28, rounding=ROUND_HALF_EVEN)
_ONE = Decimal(1)
_HUNDRED = Decimal(100)
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_LANG_FALLBACK = ("en", "fr", "zh")

# ECTS Users' Guide 2015, pp. 39–40 asks for reference groups "of reliable size in terms of
# number of students and number of years" (passing grades of at least the last two years) but
# gives no figure. 30 is this module's floor: below it one student moves a percentile by > 3
# points, and a grading table is a statistic, not an anecdote.
MIN_GROUP = 30


class GradeError(ValueError):
    """A grade or a scale/table definition is invalid; the message names the scale code."""


class ScaleKind(StrEnum):
    """A numeric scale (0–20, 0–100, 0–4) or an ordered list of bands (五级制, ECTS letters)."""

    NUMERIC = "numeric"
    BANDS = "bands"


class GradeMethod(StrEnum):
    """How a conversion was made (``GradeConversion.method``)."""

    IDENTITY = "identity"
    AGREED_TABLE = "agreed_table"
    PASS_ANCHORED_LINEAR = "pass_anchored_linear"  # noqa: S105 (not a password)
    PKU_FORMULA = "pku_formula"
    GRADING_TABLE = "grading_table"


# --- small helpers -------------------------------------------------------------------------------


_fmt = plain


def _fmt_exact(value: Decimal) -> str:
    """Show an exact value readably: up to 6 decimals, then "…" when digits were cut."""
    return shortened(value, 6)


def _defined(value: object, what: str) -> Decimal:
    """A number in a scale or table definition: Decimal or int; float refused (TypeError)."""
    if isinstance(value, float):
        raise TypeError(f"{what} must be a Decimal, not a float (floats are not exact): "
                        f"pass Decimal({str(value)!r})")
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{what} must be a Decimal, not {type(value).__name__}")
    number = Decimal(value)
    if not number.is_finite():
        raise GradeError(f"{what} must be a finite number, not {number}")
    return number


def _optional(value: object, what: str) -> Decimal | None:
    return None if value is None else _defined(value, what)


def _from_json(value: object, what: str) -> Decimal | None:
    """A number from stored JSON: a string like "12.5" (exact), an int, or null."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise GradeError(f"{what} must be a number written as a string, "
                             f"not {value!r}") from None
        if not number.is_finite():
            raise GradeError(f"{what} must be a finite number, not {value!r}")
        return number
    return _defined(value, what)  # int accepted, float → TypeError


def _json(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _labels(value: object, what: str) -> Mapping[str, str]:
    if not isinstance(value, Mapping) or not value:
        raise GradeError(f"{what} needs labels by language, "
                         f"e.g. {{'en': ..., 'fr': ..., 'zh': ...}}")
    for lang, text in value.items():
        if not isinstance(lang, str) or not isinstance(text, str) or not text.strip():
            raise GradeError(f"{what}: label {lang!r} must be non-empty text")
    return MappingProxyType(dict(value))


def _pick(labels: Mapping[str, str], lang: str, fallback: str) -> str:
    """``lang`` ("zh_Hans" and "zh-CN" count as "zh"), then English, French, Chinese."""
    base = lang.replace("-", "_").split("_")[0].lower()
    for key in (lang, base, *_LANG_FALLBACK):
        if key in labels:
            return labels[key]
    return next(iter(labels.values()), fallback)


def _check_code(code: object, what: str) -> str:
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        raise GradeError(f"{what} must be ASCII letters, digits, '-', '_' or '.', not {code!r}")
    return code


def _only_keys(data: object, allowed: set[str], what: str) -> Mapping[str, object]:
    if not isinstance(data, Mapping):
        raise GradeError(f"{what} must be a mapping, not {type(data).__name__}")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise GradeError(f"{what}: unknown key(s) {', '.join(map(repr, unknown))}")
    return data


# --- scales --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    """One named grade: a mention (Bien), a five-level grade (良好) or an ECTS letter (B).

    ``low``/``high`` are the inclusive range on the parent numeric scale when the band is defined
    over numbers (良好 = 80–89.9 on 0–100), ``None`` for pure letters. ``rank`` is the band's
    position, 0 = best, so a scale's bands sort without knowing their names.
    """

    code: str
    labels: Mapping[str, str]
    low: Decimal | None = None
    high: Decimal | None = None
    passing: bool = True
    points: Decimal | None = None
    rank: int = 0

    def __post_init__(self) -> None:
        code = _check_code(self.code, "a band code")
        what = f"band {code}"
        low = _optional(self.low, f"{what}: low")
        high = _optional(self.high, f"{what}: high")
        if (low is None) != (high is None):
            raise GradeError(f"{what}: give both low and high, or neither")
        if low is not None and high is not None and low > high:
            raise GradeError(f"{what}: low {_fmt(low)} is above high {_fmt(high)}")
        if not isinstance(self.passing, bool):
            raise TypeError(f"{what}: passing must be True or False, not {self.passing!r}")
        if isinstance(self.rank, bool) or not isinstance(self.rank, int) or self.rank < 0:
            raise GradeError(f"{what}: rank must be a whole number ≥ 0, not {self.rank!r}")
        values = {"labels": _labels(self.labels, what), "low": low, "high": high,
                  "points": _optional(self.points, f"{what}: points")}
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __hash__(self) -> int:
        return hash((self.code, frozenset(self.labels.items()), self.low, self.high,
                     self.passing, self.points, self.rank))

    def label(self, lang: str = "en") -> str:
        """The label in ``lang``, falling back to English, French, Chinese, then the code."""
        return _pick(self.labels, lang, self.code)

    def to_dict(self) -> dict[str, object]:
        """JSON-safe: numbers as strings so that no float ever touches them."""
        return {"code": self.code, "labels": dict(self.labels), "low": _json(self.low),
                "high": _json(self.high), "passing": self.passing,
                "points": _json(self.points), "rank": self.rank}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Band:
        """Inverse of :meth:`to_dict`; numbers as strings (or ints), never floats."""
        data = _only_keys(data, {"code", "labels", "low", "high", "passing", "points", "rank"},
                          "a band")
        if "code" not in data or "labels" not in data:
            raise GradeError("a band needs at least 'code' and 'labels'")
        what = f"band {data['code']!r}"
        return cls(code=data["code"], labels=data["labels"],  # type: ignore[arg-type]
                   low=_from_json(data.get("low"), f"{what}: low"),
                   high=_from_json(data.get("high"), f"{what}: high"),
                   passing=data.get("passing", True),  # type: ignore[arg-type]
                   points=_from_json(data.get("points"), f"{what}: points"),
                   rank=data.get("rank", 0))  # type: ignore[arg-type]


@dataclass(frozen=True)
class Scale:
    """A grading scale, as data.

    Numeric scales need ``minimum`` < ``pass_mark`` ≤ ``maximum`` and a rounding ``step`` > 0 of
    which the three are multiples; their optional ``bands`` name ranges (best first) that cover
    the scale without overlap or a gap wider than a step, with the first passing band starting at
    the pass mark. Band scales list their ``bands`` best first: passing bands, then failing ones,
    at least one of each. A value is never clamped into range: out of range is a
    :class:`GradeError`.
    """

    code: str
    names: Mapping[str, str]
    kind: ScaleKind
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    pass_mark: Decimal | None = None
    step: Decimal | None = None
    bands: tuple[Band, ...] = ()
    source: str = ""

    def __post_init__(self) -> None:
        code = _check_code(self.code, "a scale code")
        names = _labels(self.names, f"{code}: names")
        try:
            kind = ScaleKind(self.kind)
        except ValueError:
            raise GradeError(f"{code}: kind must be 'numeric' or 'bands', "
                             f"not {self.kind!r}") from None
        if not isinstance(self.source, str):
            raise TypeError(f"{code}: source must be text")
        bands = tuple(self.bands)
        for band in bands:
            if not isinstance(band, Band):
                raise TypeError(f"{code}: bands must be Band objects, not {type(band).__name__}")
        for position, band in enumerate(bands):
            if band.rank != position:
                raise GradeError(f"{code}: bands go best first with rank 0, 1, 2…; band "
                                 f"{band.code} is at position {position} with rank {band.rank}")
        lookup: dict[str, Band] = {}
        for band in bands:
            for name in {band.code, *band.labels.values()}:
                if name in lookup and lookup[name] is not band:
                    raise GradeError(f"{code}: {name!r} names two bands "
                                     f"({lookup[name].code} and {band.code})")
                lookup[name] = band

        numbers = {"minimum": self.minimum, "maximum": self.maximum,
                   "pass_mark": self.pass_mark, "step": self.step}
        if kind is ScaleKind.NUMERIC:
            given = {name: _defined(value, f"{code}: {name}") if value is not None else None
                     for name, value in numbers.items()}
            missing = [name for name, value in given.items() if value is None]
            if missing:
                raise GradeError(f"{code}: a numeric scale needs {', '.join(missing)}")
            low, high = given["minimum"], given["maximum"]
            mark, step = given["pass_mark"], given["step"]
            assert low is not None and high is not None and mark is not None and step is not None  # noqa: S101
            if step <= 0:
                raise GradeError(f"{code}: step must be greater than 0, not {_fmt(step)}")
            if not low < mark <= high:
                raise GradeError(f"{code}: need minimum < pass mark ≤ maximum, not "
                                 f"{_fmt(low)} / {_fmt(mark)} / {_fmt(high)}")
            for name in ("minimum", "pass_mark", "maximum"):
                value = given[name]
                assert value is not None  # noqa: S101
                if value % step != 0:
                    raise GradeError(f"{code}: {name} {_fmt(value)} is not a multiple of the "
                                     f"step {_fmt(step)}")
            if bands:
                self._check_numeric_bands(code, bands, low, high, mark, step)
            for name, value in given.items():
                object.__setattr__(self, name, value)
            power_of_ten = step.as_tuple().digits == (1,)
            object.__setattr__(self, "_quantum", step if power_of_ten else None)
            ascending = tuple(reversed(bands))
            object.__setattr__(self, "_ascending", ascending)
            object.__setattr__(self, "_lows", [band.low for band in ascending])
        else:
            stray = [name for name, value in numbers.items() if value is not None]
            if stray:
                raise GradeError(f"{code}: a band scale has no {', '.join(stray)}")
            self._check_band_scale(code, bands)
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "bands", bands)
        object.__setattr__(self, "_lookup", lookup)

    @staticmethod
    def _check_numeric_bands(code: str, bands: tuple[Band, ...], low: Decimal, high: Decimal,
                             mark: Decimal, step: Decimal) -> None:
        for band in bands:
            if band.low is None or band.high is None:
                raise GradeError(f"{code}: band {band.code} needs low and high on a numeric scale")
        if bands[0].high != high or bands[-1].low != low:
            raise GradeError(f"{code}: bands must cover {_fmt(low)}–{_fmt(high)} (best band up to "
                             f"{_fmt(high)}, worst from {_fmt(low)})")
        for better, worse in pairwise(bands):
            assert better.low is not None and worse.high is not None  # noqa: S101
            if not worse.high < better.low:
                raise GradeError(f"{code}: bands must go best first without overlap; "
                                 f"{worse.code} reaches {_fmt(worse.high)}, {better.code} starts "
                                 f"at {_fmt(better.low)}")
            if better.low - worse.high > step:
                raise GradeError(f"{code}: gap between {worse.code} (up to {_fmt(worse.high)}) and "
                                 f"{better.code} (from {_fmt(better.low)}) is wider than the step "
                                 f"{_fmt(step)}")
        for band in bands:
            assert band.low is not None  # noqa: S101
            if band.passing != (band.low >= mark):
                state = "passing" if band.passing else "failing"
                raise GradeError(f"{code}: band {band.code} from {_fmt(band.low)} is marked "
                                 f"{state}, but the pass mark is {_fmt(mark)}")
        if not any(band.low == mark for band in bands):
            raise GradeError(f"{code}: a band must start at the pass mark {_fmt(mark)}")

    @staticmethod
    def _check_band_scale(code: str, bands: tuple[Band, ...]) -> None:
        if not any(b.passing for b in bands) or all(b.passing for b in bands):
            raise GradeError(f"{code}: a band scale needs at least one passing and one "
                             f"failing band")
        first_fail = next(i for i, b in enumerate(bands) if not b.passing)
        if any(b.passing for b in bands[first_fail:]):
            raise GradeError(f"{code}: every passing band must rank above every failing band")
        ranged = [b.low is not None for b in bands]
        if any(ranged) and not all(ranged):
            raise GradeError(f"{code}: give ranges for every band or for none")
        if all(ranged):
            for better, worse in pairwise(bands):
                assert better.low is not None and worse.high is not None  # noqa: S101
                if not worse.high < better.low:
                    raise GradeError(f"{code}: band ranges must go best first without overlap; "
                                     f"{worse.code} reaches {_fmt(worse.high)}, {better.code} "
                                     f"starts at {_fmt(better.low)}")

    def __hash__(self) -> int:
        return hash((self.code, frozenset(self.names.items()), self.kind, self.minimum,
                     self.maximum, self.pass_mark, self.step, self.bands, self.source))

    # -- reading values --

    @property
    def is_numeric(self) -> bool:
        return self.kind is ScaleKind.NUMERIC

    def describe(self) -> str:
        """Range and pass mark, or the bands: used in every error message about this scale."""
        if self.is_numeric:
            assert self.minimum is not None and self.maximum is not None  # noqa: S101
            assert self.pass_mark is not None  # noqa: S101
            return (f"{_fmt(self.minimum)}–{_fmt(self.maximum)}, "
                    f"pass mark {_fmt(self.pass_mark)}")
        passing = ", ".join(b.code for b in self.bands if b.passing)
        failing = ", ".join(b.code for b in self.bands if not b.passing)
        return f"bands {passing} (pass), {failing} (fail)"

    def check(self, value: object) -> Decimal | str:
        """The grade as this scale holds it (a Decimal, or a band code), or :class:`GradeError`.

        Numeric scales take Decimal or int within [minimum, maximum] — off-step values are kept
        (a French average may have three decimals); band scales take a band code or one of its
        labels and return the code. Floats raise ``TypeError``. Nothing is ever clamped.
        """
        if isinstance(value, float):
            raise TypeError(f"{self.code}: grades must be Decimal, not float (floats are not "
                            f"exact): pass Decimal({str(value)!r})")
        if self.kind is ScaleKind.NUMERIC:
            if isinstance(value, Decimal):
                number = value
            elif isinstance(value, int) and not isinstance(value, bool):
                number = Decimal(value)
            else:
                raise GradeError(f"{self.code}: {value!r} is not a number; {self.code} is a "
                                 f"numeric scale ({self.describe()})")
            if not number.is_finite():
                raise GradeError(f"{self.code}: {number} is not a grade ({self.describe()})")
            if not self.minimum <= number <= self.maximum:  # type: ignore[operator]
                raise GradeError(f"{self.code}: {_fmt(number)} is out of range "
                                 f"({self.describe()}); grades are never clamped")
            return number
        band = self._lookup.get(value) if isinstance(value, str) else None  # type: ignore[attr-defined]
        if band is None:
            raise GradeError(f"{self.code}: {value!r} is not a band of this scale "
                             f"({self.describe()})")
        return band.code

    def _band(self, grade: Decimal | str) -> Band | None:
        """The band of an already checked grade."""
        if isinstance(grade, str):
            return self._lookup[grade]  # type: ignore[attr-defined]
        if not self.bands:
            return None
        return self._ascending[bisect_right(self._lows, grade) - 1]  # type: ignore[attr-defined]

    def _passes(self, grade: Decimal | str) -> bool:
        if isinstance(grade, str):
            return self._lookup[grade].passing  # type: ignore[attr-defined]
        return grade >= self.pass_mark  # type: ignore[operator]

    def is_pass(self, value: object) -> bool:
        """Whether ``value`` passes: at or above the pass mark, or in a passing band."""
        return self._passes(self.check(value))

    def band_of(self, value: object) -> Band | None:
        """The band ``value`` falls in; ``None`` on a numeric scale without bands.

        On a numeric scale a band runs from its ``low`` up to the next band's ``low``, so an
        off-step 89.95 on 0–100 is still 良好 (``grade_scales.csv``: "80, <90").
        """
        return self._band(self.check(value))

    def _round(self, value: Decimal, mode: str = ROUND_HALF_UP) -> Decimal:
        quantum: Decimal | None = self._quantum  # type: ignore[attr-defined]
        if quantum is not None:
            return value.quantize(quantum, rounding=mode)
        step = self.step
        assert step is not None  # noqa: S101
        with localcontext(_CONTEXT):
            units = (value / step).quantize(_ONE, rounding=mode)
            return units * step + Decimal(0)

    def round(self, value: object) -> Decimal:
        """``value`` rounded half-up to this scale's step (12.345 → 12.35 on fr-20).

        Plain rounding of a grade of this scale; conversions round their results the same way
        except that a converted fail is never rounded up onto the pass mark.
        """
        if not self.is_numeric:
            raise GradeError(f"{self.code}: a band scale has nothing to round ({self.describe()})")
        number = self.check(value)
        assert isinstance(number, Decimal)  # noqa: S101
        return self._round(number)

    def sort_key(self, value: object) -> Decimal:
        """A number that orders grades of this scale from worst to best (bands: minus rank)."""
        grade = self.check(value)
        if isinstance(grade, str):
            return Decimal(-self._lookup[grade].rank)  # type: ignore[attr-defined]
        return grade

    def label(self, value: object, lang: str = "en") -> str:
        """Display text: "14.5/20 – Bien", "85/100 – 良好", "3.58/4", or the band's label."""
        grade = self.check(value)
        band = self._band(grade)
        if isinstance(grade, str):
            assert band is not None  # noqa: S101
            return band.label(lang)
        text = f"{_fmt(grade)}/{_fmt(self.maximum)}"  # type: ignore[arg-type]
        return f"{text} – {band.label(lang)}" if band is not None else text

    def name(self, lang: str = "en") -> str:
        """The scale's name in ``lang`` (same fallback as band labels)."""
        return _pick(self.names, lang, self.code)

    @property
    def best(self) -> Decimal | str:
        """The best grade: the maximum, or the first band."""
        return self.maximum if self.is_numeric else self.bands[0].code  # type: ignore[return-value]

    @property
    def worst(self) -> Decimal | str:
        """The worst grade: the minimum, or the last band."""
        return self.minimum if self.is_numeric else self.bands[-1].code  # type: ignore[return-value]

    @property
    def lowest_pass(self) -> Decimal | str:
        """The lowest passing grade: the pass mark, or the last passing band."""
        if self.is_numeric:
            return self.pass_mark  # type: ignore[return-value]
        return [b for b in self.bands if b.passing][-1].code

    @property
    def highest_fail(self) -> str | None:
        """The best failing band of a band scale (ECTS FX); ``None`` on a numeric scale."""
        if self.is_numeric:
            return None
        return next(b.code for b in self.bands if not b.passing)

    # -- storage --

    def to_dict(self) -> dict[str, object]:
        """JSON-safe (numbers as strings), so a registrar can store a scale as data."""
        return {"code": self.code, "names": dict(self.names), "kind": self.kind.value,
                "minimum": _json(self.minimum), "maximum": _json(self.maximum),
                "pass_mark": _json(self.pass_mark), "step": _json(self.step),
                "bands": [band.to_dict() for band in self.bands], "source": self.source}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Scale:
        """A scale from stored JSON, validated exactly as in the constructor."""
        data = _only_keys(data, {"code", "names", "kind", "minimum", "maximum", "pass_mark",
                                 "step", "bands", "source"}, "a scale")
        for key in ("code", "names", "kind"):
            if key not in data:
                raise GradeError(f"a scale needs {key!r}")
        code = data["code"]
        bands = data.get("bands") or []
        if not isinstance(bands, Sequence) or isinstance(bands, str):
            raise GradeError(f"{code}: bands must be a list")
        return cls(code=code, names=data["names"], kind=data["kind"],  # type: ignore[arg-type]
                   minimum=_from_json(data.get("minimum"), f"{code}: minimum"),
                   maximum=_from_json(data.get("maximum"), f"{code}: maximum"),
                   pass_mark=_from_json(data.get("pass_mark"), f"{code}: pass_mark"),
                   step=_from_json(data.get("step"), f"{code}: step"),
                   bands=tuple(Band.from_dict(b) for b in bands),  # type: ignore[arg-type]
                   source=data.get("source", ""))  # type: ignore[arg-type]


def _bands(*rows: tuple[str, dict[str, str], str | None, str | None, bool, str | None]
           ) -> tuple[Band, ...]:
    return tuple(Band(code, labels, None if low is None else Decimal(low),
                      None if high is None else Decimal(high), passing,
                      None if points is None else Decimal(points), rank)
                 for rank, (code, labels, low, high, passing, points) in enumerate(rows))


# French mentions (grade_scales.csv, FR_mention; WES/Fulbright France grade note): the honours of
# an average, "ajourné" below 10. transcript_vocabulary_fr_zh_en.csv: mentions have no Chinese
# equivalent and must not be confused with 五级制 labels, so the Chinese label keeps the French
# word with a gloss.
_MENTIONS = _bands(
    ("TB", {"fr": "Très bien", "zh": "Très bien（很好）", "en": "Very good"},
     "16", "20", True, None),
    ("B", {"fr": "Bien", "zh": "Bien（好）", "en": "Good"}, "14", "15.99", True, None),
    ("AB", {"fr": "Assez bien", "zh": "Assez bien（较好）", "en": "Fairly good"},
     "12", "13.99", True, None),
    ("P", {"fr": "Passable", "zh": "Passable（通过）", "en": "Pass"}, "10", "11.99", True, None),
    ("AJ", {"fr": "Ajourné", "zh": "Ajourné（未通过）", "en": "Fail"}, "0", "9.99", False, None),
)


def _five_level(high_step: str) -> tuple[Band, ...]:
    # grade_scales.csv CN_five_level_90 ("most common five-level mapping"); points from the
    # standard 4-point table (gpa_formulas_cn.csv, standard_4). The French label keeps the
    # Chinese term with a gloss, as the French mentions do the other way round.
    return _bands(
        ("excellent", {"zh": "优秀", "fr": "优秀 (excellent)", "en": "Excellent"},
         "90", "100", True, "4"),
        ("good", {"zh": "良好", "fr": "良好 (bon)", "en": "Good"},
         "80", f"89{high_step}", True, "3"),
        ("satisfactory", {"zh": "中等", "fr": "中等 (moyen)", "en": "Satisfactory"},
         "70", f"79{high_step}", True, "2"),
        ("pass", {"zh": "及格", "fr": "及格 (passable)", "en": "Pass"},
         "60", f"69{high_step}", True, "1"),
        ("fail", {"zh": "不及格", "fr": "不及格 (échec)", "en": "Fail"},
         "0", f"59{high_step}", False, "0"),
    )


def _ects_letters() -> tuple[Band, ...]:
    # ECTS grading scale: A–E pass, FX ("some more work required") and F fail. The ECTS Users'
    # Guide (2009, 2015) replaced the fixed 10/25/30/25/10 % shares by grading tables, and
    # advises against words like "excellent" for percentile ranks: the labels are the letters.
    rows = [(letter, {"fr": letter, "zh": letter, "en": letter}, None, None, letter in "ABCDE",
             None) for letter in ("A", "B", "C", "D", "E", "FX", "F")]
    return _bands(*rows)


SHIPPED: Mapping[str, Scale] = MappingProxyType({scale.code: scale for scale in (
    Scale(
        code="fr-20",
        names={"fr": "Note sur 20", "zh": "法国 20 分制", "en": "French 0–20 scale"},
        kind=ScaleKind.NUMERIC, minimum=Decimal(0), maximum=Decimal(20), pass_mark=Decimal(10),
        # Step 0.01: French averages are published with 2 decimals (some universities keep 3;
        # such inputs are accepted, only converted results are rounded to the step).
        step=Decimal("0.01"), bands=_MENTIONS,
        source="grade_scales.csv FR_mention (WES/Fulbright France grade explanation; "
               "univ-reunion.fr scolarité/examens)"),
    Scale(
        code="cn-100",
        names={"fr": "Note chinoise sur 100 (百分制)", "zh": "百分制",
               "en": "Chinese 0–100 scale"},
        kind=ScaleKind.NUMERIC, minimum=Decimal(0), maximum=Decimal(100), pass_mark=Decimal(60),
        # Step 0.1: course marks are whole numbers, but weighted averages carry decimals.
        step=Decimal("0.1"), bands=_five_level(".9"),
        source="grade_scales.csv CN_five_level_90 (scholaro.com China five-scale)"),
    Scale(
        code="cn-5",
        names={"fr": "Échelle chinoise à cinq niveaux (五级制)", "zh": "五级制",
               "en": "Chinese five-level scale"},
        # Ranges are on cn-100, the 90-based table (printed 90–100/80–89/70–79/60–69/0–59 for
        # whole marks). Some universities use the 85-based table (优秀 85+, 良好 75–84, 中等
        # 65–74, 及格 60–64; grade_scales.csv CN_five_level_85): store it as another scale
        # with Scale.from_dict rather than editing this one.
        kind=ScaleKind.BANDS, bands=_five_level(".9"),
        source="grade_scales.csv CN_five_level_90"),
    Scale(
        code="cn-gpa4",
        names={"fr": "Points de grade chinois sur 4 (绩点)", "zh": "绩点（4 分制）",
               "en": "Chinese 4.0 grade points"},
        kind=ScaleKind.NUMERIC, minimum=Decimal(0), maximum=Decimal(4), pass_mark=Decimal(1),
        step=Decimal("0.01"),
        source="gpa_formulas_cn.csv (standard_4: 60 → 1.0, the lowest passing grade point)"),
    Scale(
        code="ects-letter",
        names={"fr": "Échelle ECTS A–F", "zh": "ECTS 等级（A–F）",
               "en": "ECTS grading scale A–F"},
        kind=ScaleKind.BANDS, bands=_ects_letters(),
        source="ECTS Users' Guide 2009/2015; EWP imobility-tors gradeConversionTable"),
)})


# --- results -------------------------------------------------------------------------------------


# English wording of each step; jointdegree.matching.explain translates the same keys with the
# same templates. Grades are written as on their scale ("15.00", "good (Good)"); scale codes and
# table names are identifiers, not words, and stay as they are in every language.
EXPLANATIONS: dict[str, str] = {
    "grade_same_scale": "%(grade)s on %(scale)s stays %(grade)s (same scale)",
    "grade_interpolated": "%(grade)s on %(source)s lies between %(x0)s and %(x1)s, which the "
                          "%(table)s table maps to %(y0)s and %(y1)s: %(y0)s + (%(grade)s − "
                          "%(x0)s) × (%(y1)s − %(y0)s) ÷ (%(x1)s − %(x0)s) = %(exact)s",
    "grade_threshold": "%(grade)s on %(source)s is at least %(low)s and below %(high)s, which "
                       "the %(table)s table maps to %(value)s on %(scale)s",
    "grade_threshold_top": "%(grade)s on %(source)s is at least %(low)s, which the %(table)s "
                           "table maps to %(value)s on %(scale)s",
    "grade_mapped": "%(grade)s on %(source)s is mapped by the %(table)s table to %(value)s on "
                    "%(scale)s",
    "grade_pku": "%(grade)s on %(source)s by the PKU formula: 4 − 3 × (100 − %(grade)s)² ÷ 1600 "
                 "= %(exact)s",
    "grade_pku_fail": "%(grade)s on %(source)s is below 60 (a fail), to which the PKU formula "
                      "gives 0 grade points → %(value)s on %(scale)s",
    "grade_percentile": "%(grade)s on %(source)s sits %(percent)s %% from the top in "
                        "'%(group)s' (%(size)s passing results)",
    "grade_position_band": "in '%(group)s' (%(size)s passing results) that position is held by "
                           "%(held)s (%(low)s–%(high)s %%) → %(value)s",
    "grade_position_interpolated": "in '%(group)s' (%(size)s passing results) that position is "
                                   "held by %(held)s (%(low)s–%(high)s %%), interpolated within "
                                   "%(lower)s–%(upper)s: %(exact)s",
    "grade_fail_band": "%(grade)s on %(source)s is a fail; grading tables count passing grades "
                       "only, so it maps to %(scale)s's highest failing band %(value)s",
    "grade_fail_linear": "%(grade)s on %(source)s is a fail; grading tables count passing grades "
                         "only, so failing grades convert by the pass-anchored linear method",
    "grade_rounded": "rounded half-up to %(step)s → %(value)s on %(scale)s",
    "grade_rounded_down": "rounded down to %(step)s → %(value)s on %(scale)s (half-up would "
                          "reach the pass mark %(pass_mark)s; a fail stays a fail)",
}

# Between two steps of a grade calculation ("… = 15; rounded half-up to 0.01 → 15.00 on fr-20").
SEPARATOR = "; "


@dataclass(frozen=True)
class GradeConversion:
    """One converted grade, with everything needed to show, explain and audit it.

    ``value`` is rounded to the target's step (or is a band code); ``exact`` is the value before
    rounding. ``original`` is the grade as checked on the source scale — it is never modified,
    so a transcript can print it beside the recognised one. ``steps`` are the calculation as
    message keys (:data:`EXPLANATIONS`); ``explanation`` is the same in English. ``data`` is
    JSON-safe working (numbers as strings) for the audit log.
    """

    value: Decimal | str
    exact: Decimal | str
    from_scale: str
    to_scale: str
    method: GradeMethod
    steps: tuple[Step, ...]
    data: Mapping[str, object]
    original: Decimal | str = field(kw_only=True)

    def render(self, templates: Mapping[str, object]) -> str:
        """The calculation written with ``templates`` (:data:`EXPLANATIONS` or a translation)."""
        return render_steps(self.steps, templates, SEPARATOR)

    @property
    def explanation(self) -> str:
        """The calculation in English, for the CLI, logs and audit data."""
        return self.render(EXPLANATIONS)


class ConversionMethod(Protocol):
    """What :func:`convert` needs of a method: its two scales and ``convert``."""

    @property
    def source(self) -> Scale: ...

    @property
    def target(self) -> Scale: ...

    def convert(self, value: GradeValue) -> GradeConversion: ...


def _round_result(target: Scale, exact: Decimal, failing: bool) -> tuple[Decimal, Step]:
    """Half-up to the target's step — except that a fail is never rounded up onto the pass mark
    (9.995 → 9.99, not 10.00): rounding must not turn a fail into a pass."""
    value = target._round(exact)
    params = {"step": _fmt(target.step), "scale": target.code}  # type: ignore[arg-type]
    if failing and value >= target.pass_mark:  # type: ignore[operator]
        floor = target._round(exact, ROUND_FLOOR)
        value = min(floor, target._round(target.pass_mark - target.step))  # type: ignore[operator]
        return value, Step("grade_rounded_down", {**params, "value": str(value),
                                                  "pass_mark": _fmt(target.pass_mark)})  # type: ignore[arg-type]
    return value, Step("grade_rounded", {**params, "value": str(value)})


def _grade_text(scale: Scale, grade: Decimal | str) -> str:
    if isinstance(grade, str):
        band = scale._lookup[grade]  # type: ignore[attr-defined]
        label = band.label("en")
        return grade if label == grade else f"{grade} ({label})"
    return _fmt(grade)


# --- method 1: agreed tables ---------------------------------------------------------------------


@dataclass(frozen=True)
class AgreedTable:
    """A conversion table both partners agreed, in exactly one of three forms.

    * ``points`` — numeric → numeric, piecewise linear through ``(x, y)`` points: x and y
      strictly increasing, x from the source minimum to its maximum, y inside the target, and
      the point (source pass mark, target pass mark) present, so a pass stays a pass.
    * ``steps`` — numeric → numeric or numeric → bands by thresholds ``(low, result)``, lowest
      first: a grade ≥ ``low`` (and below the next low) gets ``result``. Results strictly
      improve, and a threshold sits at the source pass mark, below which results fail.
    * ``mapping`` — band → band or band → number, ``{band code: result}`` for every band, never
      getting worse as the band gets better, passing bands to passing results only.

    ``name`` is the stable rule id (e.g. ``band_pivot_mention`` from
    ``grade_conversion_methods_fr_cn.csv``).
    """

    source: Scale
    target: Scale
    name: str
    points: Sequence[tuple[Decimal, Decimal]] = ()
    steps: Sequence[tuple[Decimal, Decimal | str]] = ()
    mapping: Mapping[str, Decimal | str] = field(default_factory=dict)
    note: str = ""

    method: ClassVar[GradeMethod] = GradeMethod.AGREED_TABLE

    def __post_init__(self) -> None:
        s, t = self.source, self.target
        if not isinstance(s, Scale) or not isinstance(t, Scale):
            raise TypeError("source and target must be Scale objects")
        name = _check_code(self.name, "a table name")
        what = f"agreed table {name} ({s.code} → {t.code})"
        forms = [form for form, given in (("points", self.points), ("steps", self.steps),
                                          ("mapping", self.mapping)) if given]
        if len(forms) != 1:
            raise GradeError(f"{what}: give exactly one of points, steps or mapping")
        form = forms[0]
        # Unused forms normalised too, so equal tables compare equal however they were written.
        object.__setattr__(self, "points", tuple(self.points))
        object.__setattr__(self, "steps", tuple(self.steps))
        object.__setattr__(self, "mapping", MappingProxyType(dict(self.mapping)))
        object.__setattr__(self, "_form", form)
        object.__setattr__(self, "_what", what)
        if form == "points":
            self._init_points(what)
        elif form == "steps":
            self._init_steps(what)
        else:
            self._init_mapping(what)

    def _result(self, value: object, what: str) -> Decimal | str:
        t = self.target
        if isinstance(value, float):
            raise TypeError(f"{what}: results must be Decimal, not float")
        try:
            result = t.check(value)
        except GradeError as error:
            raise GradeError(f"{what}: {error}") from None
        if isinstance(result, Decimal) and t._round(result) != result:
            raise GradeError(f"{what}: result {_fmt(result)} is not on {t.code}'s step "
                             f"{_fmt(t.step)}")  # type: ignore[arg-type]
        return result

    def _init_points(self, what: str) -> None:
        s, t = self.source, self.target
        if not (s.is_numeric and t.is_numeric):
            raise GradeError(f"{what}: points need two numeric scales")
        points = tuple((_defined(x, f"{what}: x"), _defined(y, f"{what}: y"))
                       for x, y in self.points)
        if len(points) < 2:
            raise GradeError(f"{what}: at least two points are needed")
        for (x0, y0), (x1, y1) in pairwise(points):
            if not (x0 < x1 and y0 < y1):
                raise GradeError(f"{what}: points must be strictly increasing in both x and y "
                                 f"(a flat stretch could lift a fail onto the pass mark); "
                                 f"({_fmt(x0)}, {_fmt(y0)}) then ({_fmt(x1)}, {_fmt(y1)})")
        if points[0][0] != s.minimum or points[-1][0] != s.maximum:
            raise GradeError(f"{what}: points must cover {s.code} from {_fmt(s.minimum)} to "
                             f"{_fmt(s.maximum)}")  # type: ignore[arg-type]
        if points[0][1] < t.minimum or points[-1][1] > t.maximum:  # type: ignore[operator]
            raise GradeError(f"{what}: results must stay inside {t.code} ({t.describe()})")
        if (s.pass_mark, t.pass_mark) not in points:
            raise GradeError(f"{what}: the table must contain the point ({_fmt(s.pass_mark)}, "
                             f"{_fmt(t.pass_mark)}): pass mark onto pass mark")  # type: ignore[arg-type]
        object.__setattr__(self, "points", points)
        object.__setattr__(self, "_xs", [x for x, _ in points])
        object.__setattr__(self, "_texts", tuple(
            {"source": s.code, "table": self.name, "x0": _fmt(x0), "x1": _fmt(x1),
             "y0": _fmt(y0), "y1": _fmt(y1)}
            for (x0, y0), (x1, y1) in pairwise(points)))
        object.__setattr__(self, "_data", tuple(
            {"from": [str(x0), str(x1)], "to": [str(y0), str(y1)]}
            for (x0, y0), (x1, y1) in pairwise(points)))

    def _init_steps(self, what: str) -> None:
        s, t = self.source, self.target
        if not s.is_numeric:
            raise GradeError(f"{what}: steps need a numeric source scale; use mapping for bands")
        steps = tuple((_defined(low, f"{what}: threshold"), self._result(result, what))
                      for low, result in self.steps)
        if len(steps) < 2:
            raise GradeError(f"{what}: at least two steps are needed (a pass and a fail)")
        if steps[0][0] != s.minimum:
            raise GradeError(f"{what}: the first threshold must be {s.code}'s minimum "
                             f"{_fmt(s.minimum)}")  # type: ignore[arg-type]
        for (low0, r0), (low1, r1) in pairwise(steps):
            if not low0 < low1:
                raise GradeError(f"{what}: thresholds must be strictly increasing "
                                 f"({_fmt(low0)} then {_fmt(low1)})")
            if not t.sort_key(r0) < t.sort_key(r1):
                raise GradeError(f"{what}: results must strictly improve with the threshold "
                                 f"({r0} then {r1}); merge equal steps")
        if steps[-1][0] > s.maximum:  # type: ignore[operator]
            raise GradeError(f"{what}: threshold {_fmt(steps[-1][0])} is above {s.code}'s "
                             f"maximum {_fmt(s.maximum)}")  # type: ignore[arg-type]
        if s.pass_mark not in [low for low, _ in steps]:
            raise GradeError(f"{what}: a threshold must sit at the pass mark "
                             f"{_fmt(s.pass_mark)}")  # type: ignore[arg-type]
        for low, result in steps:
            if t._passes(result) != (low >= s.pass_mark):  # type: ignore[operator]
                raise GradeError(f"{what}: from {_fmt(low)} the result {result} must "
                                 f"{'pass' if low >= s.pass_mark else 'fail'} on {t.code}")  # type: ignore[operator]
        object.__setattr__(self, "steps", steps)
        object.__setattr__(self, "_lows", [low for low, _ in steps])
        texts = []
        for i, (low, result) in enumerate(steps):
            params = {"source": s.code, "low": _fmt(low), "table": self.name,
                      "value": _grade_text(t, result), "scale": t.code}
            if i + 1 < len(steps):
                texts.append(("grade_threshold", {**params, "high": _fmt(steps[i + 1][0])}))
            else:
                texts.append(("grade_threshold_top", params))
        object.__setattr__(self, "_texts", tuple(texts))

    def _init_mapping(self, what: str) -> None:
        s, t = self.source, self.target
        if s.is_numeric:
            raise GradeError(f"{what}: a mapping needs a band source scale; use points or steps")
        mapping: dict[str, Decimal | str] = {}
        for key, result in self.mapping.items():
            try:
                code = s.check(key)
            except GradeError as error:
                raise GradeError(f"{what}: {error}") from None
            if code in mapping:
                raise GradeError(f"{what}: band {code} is mapped twice")
            mapping[str(code)] = self._result(result, what)
        missing = [b.code for b in s.bands if b.code not in mapping]
        if missing:
            raise GradeError(f"{what}: every band needs a result; missing {', '.join(missing)}")
        for b_better, b_worse in pairwise(s.bands):
            better, worse = mapping[b_better.code], mapping[b_worse.code]
            if t.sort_key(better) < t.sort_key(worse):
                raise GradeError(f"{what}: {b_better.code} → {better} is worse than "
                                 f"{b_worse.code} → {worse}; results must not get worse as "
                                 f"bands get better")
        for band in s.bands:
            if t._passes(mapping[band.code]) != band.passing:
                raise GradeError(f"{what}: {band.code} {'passes' if band.passing else 'fails'}, "
                                 f"so its result {mapping[band.code]} must too")
        object.__setattr__(self, "mapping", MappingProxyType(mapping))
        object.__setattr__(self, "_texts", {
            code: {"grade": _grade_text(s, code), "source": s.code, "table": self.name,
                   "value": _grade_text(t, result), "scale": t.code}
            for code, result in mapping.items()})

    def __hash__(self) -> int:
        return hash((self.source, self.target, self.name, tuple(self.points), tuple(self.steps),
                     frozenset(self.mapping.items())))

    def convert(self, value: GradeValue) -> GradeConversion:
        """Convert one grade by this table (see the class docstring for the three forms)."""
        return self._convert(value, GradeMethod.AGREED_TABLE)

    def _convert(self, value: GradeValue, method: GradeMethod) -> GradeConversion:
        s, t = self.source, self.target
        grade = s.check(value)
        form = self._form  # type: ignore[attr-defined]
        if form == "points":
            assert isinstance(grade, Decimal)  # noqa: S101
            xs = self._xs  # type: ignore[attr-defined]
            i = min(bisect_right(xs, grade) - 1, len(xs) - 2)
            (x0, y0), (x1, y1) = self.points[i], self.points[i + 1]
            with localcontext(_CONTEXT):
                exact = y0 + (grade - x0) * (y1 - y0) / (x1 - x0)
            result, how = _round_result(t, exact, grade < s.pass_mark)  # type: ignore[operator]
            working = Step("grade_interpolated", {**self._texts[i], "grade": _fmt(grade),  # type: ignore[attr-defined]
                                                  "exact": _fmt_exact(exact)})
            data: dict[str, object] = {"rule": self.name, "form": form, **self._data[i],  # type: ignore[attr-defined]
                                       "step": str(t.step), "original": str(grade)}
            return GradeConversion(result, exact, s.code, t.code, method, (working, how),
                                   MappingProxyType(data), original=grade)
        if form == "steps":
            assert isinstance(grade, Decimal)  # noqa: S101
            i = bisect_right(self._lows, grade) - 1  # type: ignore[attr-defined]
            low, out = self.steps[i]
            key, params = self._texts[i]  # type: ignore[attr-defined]
            step = Step(key, {**params, "grade": _fmt(grade)})
            data = {"rule": self.name, "form": form, "threshold": str(low),
                    "original": str(grade)}
        else:
            assert isinstance(grade, str)  # noqa: S101
            out = self.mapping[grade]
            step = Step("grade_mapped", self._texts[grade])  # type: ignore[attr-defined]
            data = {"rule": self.name, "form": form, "original": grade}
        return GradeConversion(out, out, s.code, t.code, method, (step,),
                               MappingProxyType(data), original=grade)

    def to_dict(self) -> dict[str, object]:
        """JSON-safe form (scales by code, numbers as strings) for storing an agreed table."""
        return {"source": self.source.code, "target": self.target.code, "name": self.name,
                "points": [[str(x), str(y)] for x, y in self.points],
                "steps": [[str(low), str(r)] for low, r in self.steps],
                "mapping": {code: str(r) for code, r in self.mapping.items()},
                "note": self.note}

    @classmethod
    def from_dict(cls, data: Mapping[str, object],
                  scales: Mapping[str, Scale] = SHIPPED) -> AgreedTable:
        """Inverse of :meth:`to_dict`; ``scales`` resolves the codes (default: shipped)."""
        data = _only_keys(data, {"source", "target", "name", "points", "steps", "mapping",
                                 "note"}, "an agreed table")
        source, target = _scale(data.get("source"), scales), _scale(data.get("target"), scales)
        what = f"agreed table {data.get('name')!r}"

        def result(raw: object) -> Decimal | str:
            if target.is_numeric:
                number = _from_json(raw, f"{what}: result")
                assert number is not None  # noqa: S101
                return number
            if not isinstance(raw, str):
                raise GradeError(f"{what}: a band result must be a code, not {raw!r}")
            return raw

        points = [(_from_json(x, f"{what}: x"), _from_json(y, f"{what}: y"))
                  for x, y in data.get("points") or []]  # type: ignore[attr-defined]
        steps = [(_from_json(low, f"{what}: threshold"), result(r))
                 for low, r in data.get("steps") or []]  # type: ignore[attr-defined]
        mapping = {code: result(r) for code, r in (data.get("mapping") or {}).items()}  # type: ignore[attr-defined]
        return cls(source, target, data.get("name"), points=points, steps=steps,  # type: ignore[arg-type]
                   mapping=mapping, note=data.get("note", ""))  # type: ignore[arg-type]


@dataclass(frozen=True)
class PassAnchoredLinear:
    """Minimum ↔ minimum, pass mark ↔ pass mark, maximum ↔ maximum, linear in each part.

    cn-100 → fr-20: 85 → 10 + (85 − 60) × 10/40 = 16.25; 50 → 50 × 10/60 = 8.33
    (grade_conversion_methods_fr_cn.csv, ``pass_anchored_linear``: same anchoring as the KMK
    "modified Bavarian formula"). It ignores how each side actually grades, so it is offered only
    for a partnership that explicitly chooses it; the default is the agreed band pivot.
    """

    source: Scale
    target: Scale

    name: ClassVar[str] = "pass_anchored_linear"
    method: ClassVar[GradeMethod] = GradeMethod.PASS_ANCHORED_LINEAR

    def __post_init__(self) -> None:
        s, t = self.source, self.target
        if not (isinstance(s, Scale) and isinstance(t, Scale)):
            raise TypeError("source and target must be Scale objects")
        if not (s.is_numeric and t.is_numeric):
            raise GradeError(f"pass-anchored linear ({s.code} → {t.code}) needs two numeric "
                             f"scales")
        points = [(s.minimum, t.minimum), (s.pass_mark, t.pass_mark)]
        if s.pass_mark != s.maximum or t.pass_mark != t.maximum:
            points.append((s.maximum, t.maximum))
        object.__setattr__(self, "_table", AgreedTable(s, t, self.name, points=points))  # type: ignore[arg-type]

    def convert(self, value: GradeValue) -> GradeConversion:
        """Convert one grade (linear below and above the pass mark)."""
        return self._table._convert(value, self.method)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class PkuFormula:
    """Peking University's grade points: GPA = 4 − 3(100 − x)²/1600 for 60 ≤ x ≤ 100, 0 below.

    gpa_formulas_cn.csv ``pku``: 85 → 3.578, 75 → 2.828, 60 → 1.0. An alternative to the standard
    4-point table for cn-100 → cn-gpa4; the exact value is kept (85 → 3.578125), the result is
    rounded half-up to the target's step.
    """

    source: Scale = field(default_factory=lambda: SHIPPED["cn-100"])
    target: Scale = field(default_factory=lambda: SHIPPED["cn-gpa4"])

    name: ClassVar[str] = "pku"
    method: ClassVar[GradeMethod] = GradeMethod.PKU_FORMULA

    def __post_init__(self) -> None:
        s, t = self.source, self.target
        if not (s.is_numeric and t.is_numeric
                and (s.minimum, s.pass_mark, s.maximum) == (0, 60, 100)
                and (t.minimum, t.pass_mark, t.maximum) == (0, 1, 4)):
            raise GradeError(f"the PKU formula maps 0–100 (pass 60) onto 0–4 (pass 1), not "
                             f"{s.code} ({s.describe()}) onto {t.code} ({t.describe()})")

    def convert(self, value: GradeValue) -> GradeConversion:
        """Convert one 0–100 grade to grade points by the PKU formula."""
        s, t = self.source, self.target
        grade = s.check(value)
        assert isinstance(grade, Decimal)  # noqa: S101
        if grade < 60:
            exact = Decimal(0)
            result = t._round(exact)
            steps: tuple[Step, ...] = (Step("grade_pku_fail", {
                "grade": _fmt(grade), "source": s.code, "value": _fmt(result),
                "scale": t.code}),)
        else:
            with localcontext(_CONTEXT):
                exact = 4 - 3 * (100 - grade) ** 2 / 1600
            result, how = _round_result(t, exact, failing=False)
            steps = (Step("grade_pku", {"grade": _fmt(grade), "source": s.code,
                                        "exact": _fmt_exact(exact)}), how)
        data = {"rule": self.name, "step": str(t.step), "original": str(grade)}
        return GradeConversion(result, exact, s.code, t.code, self.method, steps,
                               MappingProxyType(data), original=grade)


@functools.cache  # (immutable, built from the shipped scales: once per process)
def default_tables() -> Mapping[tuple[str, str], AgreedTable]:
    """The agreed defaults, by (from, to) scale code, for every shipped pair where one is justified.

    * cn-100 ↔ fr-20, ``band_pivot_mention`` (grade_conversion_methods_fr_cn.csv): the five-level
      bands pivot onto the mentions — 优秀 90–100 → 16–20 (TB), 良好 80–90 → 14–16 (B), 中等
      70–80 → 12–14 (AB), 及格 60–70 → 10–12 (P), linear inside a band; below 60, cn ÷ 6
      (0–60 → 0–10). Bands are read half-open, as in grade_scales.csv ("80, <90"), so the map
      is continuous: 85 → 14 + 5 × 2/10 = 15 (the CSV's 15.0), 89.9 → 15.98, 90 → 16. The
      inverse runs through the same points (fr 10 → 60, fr 16 → 90).
    * cn-100 → cn-5, ``five_level_90``: the 90-based bands of grade_scales.csv.
    * cn-100 → cn-gpa4 and cn-5 → cn-gpa4, ``standard_4`` (gpa_formulas_cn.csv): 90+ = 4,
      80–89 = 3, 70–79 = 2, 60–69 = 1, below 60 = 0. The PKU formula is the alternative
      (:func:`alternative_methods`).
    * fr-20 → cn-5 and fr-20 → cn-gpa4: the band pivot composed with the two Chinese tables
      (fr 16+ → 优秀 → 4, 14 → 良好 → 3, 12 → 中等 → 2, 10 → 及格 → 1, below 10 → 不及格 → 0),
      so a French grade reaches the Chinese GPA the same way whichever path is taken.

    Not offered, on purpose: ects-letter ↔ anything — ECTS letters rank a student among the
    passing students of a reference group, so a fixed table would pretend two cohorts grade alike;
    use :class:`GradingTableConversion`. cn-5 → cn-100/fr-20 — a band spans 10 points (中等 could
    be 70 or 79.9), so any single number invents precision. cn-gpa4 → anything — grade points are
    a many-to-one summary for averaging, not a grade to recognise.
    """
    s = SHIPPED
    d = Decimal
    pivot = [(d(0), d(0)), (d(60), d(10)), (d(70), d(12)), (d(80), d(14)), (d(90), d(16)),
             (d(100), d(20))]
    level_codes = ["fail", "pass", "satisfactory", "good", "excellent"]
    cn_lows = [d(0), d(60), d(70), d(80), d(90)]
    fr_lows = [d(0), d(10), d(12), d(14), d(16)]
    points4 = [d(0), d(1), d(2), d(3), d(4)]
    tables = [
        AgreedTable(s["cn-100"], s["fr-20"], "band_pivot_mention", points=pivot,
                    note="grade_conversion_methods_fr_cn.csv band_pivot_mention"),
        AgreedTable(s["fr-20"], s["cn-100"], "band_pivot_mention",
                    points=[(y, x) for x, y in pivot],
                    note="grade_conversion_methods_fr_cn.csv band_pivot_mention (inverse)"),
        AgreedTable(s["cn-100"], s["cn-5"], "five_level_90",
                    steps=list(zip(cn_lows, level_codes, strict=True)),
                    note="grade_scales.csv CN_five_level_90"),
        AgreedTable(s["cn-100"], s["cn-gpa4"], "standard_4",
                    steps=list(zip(cn_lows, points4, strict=True)),
                    note="gpa_formulas_cn.csv standard_4"),
        AgreedTable(s["cn-5"], s["cn-gpa4"], "standard_4",
                    mapping=dict(zip(level_codes, points4, strict=True)),
                    note="gpa_formulas_cn.csv standard_4 on five-level grades"),
        AgreedTable(s["fr-20"], s["cn-5"], "band_pivot_mention",
                    steps=list(zip(fr_lows, level_codes, strict=True)),
                    note="band_pivot_mention composed with CN_five_level_90"),
        AgreedTable(s["fr-20"], s["cn-gpa4"], "band_pivot_mention_standard_4",
                    steps=list(zip(fr_lows, points4, strict=True)),
                    note="band_pivot_mention composed with standard_4"),
    ]
    return MappingProxyType({(t.source.code, t.target.code): t for t in tables})


def alternative_methods() -> Mapping[tuple[str, str], tuple[ConversionMethod, ...]]:
    """Documented alternatives a partnership may choose instead of the default table.

    cn-100 → cn-gpa4: the PKU formula. cn-100 ↔ fr-20: pass-anchored linear.
    """
    s = SHIPPED
    return MappingProxyType({
        ("cn-100", "cn-gpa4"): (PkuFormula(),),
        ("cn-100", "fr-20"): (PassAnchoredLinear(s["cn-100"], s["fr-20"]),),
        ("fr-20", "cn-100"): (PassAnchoredLinear(s["fr-20"], s["cn-100"]),),
    })


# --- method 2: ECTS grading tables ---------------------------------------------------------------


@dataclass(frozen=True)
class GradingRow:
    """One line of a grading table as the ECTS Users' Guide prints it (percentages to 0.01)."""

    grade: Decimal | str
    count: int
    percent: Decimal
    cumulative: Decimal


@dataclass(frozen=True)
class GradingTable:
    """How often each grade was given in a reference group (ECTS Users' Guide 2015, pp. 39–40).

    ``counts`` maps grades (numbers or band codes) to how many results got them; failing grades
    may be listed but are ignored, as the Guide counts passing grades only. ``group`` says who is
    counted (e.g. "UCA licence informatique, ISCED 0613, 2023–2025"). ``size`` is the number of
    passing results.

    Positions are measured from the top, in results: a grade held by ``c`` results below ``a``
    better ones occupies [a, a + c]. On a numeric scale each listed grade also owns a span of
    values, from halfway to the next lower listed grade up to halfway to the next higher one (the
    pass mark and the maximum close the ends), and positions are interpolated inside it.
    """

    scale: Scale
    counts: Mapping[Decimal | int | str, int]
    group: str

    def __post_init__(self) -> None:
        scale = self.scale
        if not isinstance(scale, Scale):
            raise TypeError("scale must be a Scale")
        if not isinstance(self.group, str) or not self.group.strip():
            raise GradeError(f"{scale.code}: a grading table needs a description of its group")
        counts: dict[Decimal | str, int] = {}
        for key, count in self.counts.items():
            grade = scale.check(key)
            if isinstance(count, bool) or not isinstance(count, int):
                raise TypeError(f"{scale.code}: the count of {key!r} must be an int, "
                                f"not {type(count).__name__}")
            if count < 0:
                raise GradeError(f"{scale.code}: the count of {key!r} is negative ({count})")
            if grade in counts:
                raise GradeError(f"{scale.code}: grade {grade!r} is listed twice")
            counts[grade] = count
        passing = [(g, c) for g, c in counts.items() if c > 0 and scale._passes(g)]
        passing.sort(key=lambda item: scale.sort_key(item[0]), reverse=True)
        grades = tuple(g for g, _ in passing)
        sizes = tuple(c for _, c in passing)
        above, total = [], 0
        for count in sizes:
            above.append(total)
            total += count
        values = {"counts": MappingProxyType(counts), "_grades": grades, "_sizes": sizes,
                  "_above": tuple(above), "_after": [a + c for a, c in zip(above, sizes,
                                                                          strict=True)],
                  "_size": total,
                  "_failed": sum(c for g, c in counts.items() if not scale._passes(g))}
        if scale.is_numeric and grades:
            # Span of values owned by each listed grade, best first: [lower, upper].
            with localcontext(_CONTEXT):
                uppers = [scale.maximum] + [(hi + lo) / 2  # type: ignore[operator]
                                            for hi, lo in pairwise(grades)]
            lowers = [*uppers[1:], scale.pass_mark]
            values["_upper"], values["_lower"] = tuple(uppers), tuple(lowers)
            values["_lowers_ascending"] = list(reversed(lowers))
        elif not scale.is_numeric:
            # Every passing band's position, listed or not: a band nobody got has an empty
            # interval, at the boundary where it would sit (midpoint = that boundary).
            positions, better = {}, 0
            for band in scale.bands:
                if band.passing:
                    count = counts.get(band.code, 0)
                    positions[band.code] = (Decimal(2 * better + count), Decimal(2))
                    better += count
            values["_positions"] = positions
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __hash__(self) -> int:
        return hash((self.scale, frozenset(self.counts.items()), self.group))

    @property
    def size(self) -> int:
        """Passing results counted (failing ones are ignored, as the Guide says)."""
        return self._size  # type: ignore[attr-defined,no-any-return]

    @property
    def failed(self) -> int:
        """Failing results given in ``counts`` and left out of the table."""
        return self._failed  # type: ignore[attr-defined,no-any-return]

    def rows(self) -> tuple[GradingRow, ...]:
        """The table, best grade first: count, percentage and cumulative percentage."""
        rows = []
        quantum = Decimal("0.01")
        with localcontext(_CONTEXT):
            for grade, count, above in zip(self._grades, self._sizes, self._above,  # type: ignore[attr-defined]
                                           strict=True):
                share = (_HUNDRED * count / self.size).quantize(quantum, ROUND_HALF_UP)
                cumulative = (_HUNDRED * (above + count) / self.size).quantize(quantum,
                                                                              ROUND_HALF_UP)
                rows.append(GradingRow(grade, count, share, cumulative))
        return tuple(rows)

    def _locate(self, grade: Decimal | str) -> tuple[Decimal, Decimal]:
        """Exact position P/Q, in results from the top, of a passing grade.

        A band (or a listed grade at the centre of its span) sits at its interval's midpoint;
        the scale's maximum at 0 and its pass mark at ``size``. Call within ``_CONTEXT``.
        """
        if isinstance(grade, str):
            return self._positions[grade]  # type: ignore[attr-defined,no-any-return]
        j = len(self._grades) - bisect_right(self._lowers_ascending, grade)  # type: ignore[attr-defined]
        upper, lower = self._upper[j], self._lower[j]  # type: ignore[attr-defined]
        width = upper - lower
        return self._above[j] * width + self._sizes[j] * (upper - grade), width  # type: ignore[attr-defined]

    def to_dict(self) -> dict[str, object]:
        """JSON-safe: the scale by code, grades and counts as a list of [grade, count]."""
        return {"scale": self.scale.code, "group": self.group,
                "counts": [[str(g), c] for g, c in self.counts.items()]}

    @classmethod
    def from_dict(cls, data: Mapping[str, object],
                  scales: Mapping[str, Scale] = SHIPPED) -> GradingTable:
        """Inverse of :meth:`to_dict`; ``scales`` resolves the scale code."""
        data = _only_keys(data, {"scale", "group", "counts"}, "a grading table")
        scale = _scale(data.get("scale"), scales)
        counts: dict[Decimal | str, int] = {}
        for grade, count in data.get("counts") or []:  # type: ignore[attr-defined]
            key = _from_json(grade, f"{scale.code}: grade") if scale.is_numeric else grade
            if key in counts:
                raise GradeError(f"{scale.code}: grade {grade!r} is listed twice")
            counts[key] = count  # type: ignore[index]
        return cls(scale, counts, data.get("group", ""))  # type: ignore[arg-type]


@dataclass(frozen=True)
class GradingTableConversion:
    """Convert by percentile position between two grading tables (ECTS Users' Guide; Egracons).

    A passing source grade occupies an interval of positions in its table (share of passing
    results above it); the middle of that interval — or, for a numeric grade, its interpolated
    place — is carried over as a percentage into the target table, and the target grade whose
    interval holds it is the result. For a numeric target the value is interpolated within that
    grade's span, so results are monotone (and with the same table on both sides every listed
    grade maps back onto itself), then rounded half-up to the target's step. The source maximum
    maps to the target's maximum (or best listed band), the source pass mark to the target's
    pass mark (or lowest listed passing band).

    A band cannot be split, so the best band maps to the target grade at its *midpoint*: when 40 %
    of one group got an A and 5 % of the other a 19–20, an A lands below the top, as the
    statistics say it should. Fails stay fails, outside the tables: numeric → numeric
    pass-anchored linear below the pass mark; → bands the target's highest failing band (FX); a
    failing band → a number is refused (it has no position to carry over).

    Both tables need at least :data:`MIN_GROUP` passing results.
    """

    source_table: GradingTable
    target_table: GradingTable

    name: ClassVar[str] = "grading_table"
    method: ClassVar[GradeMethod] = GradeMethod.GRADING_TABLE

    def __post_init__(self) -> None:
        for table in (self.source_table, self.target_table):
            if not isinstance(table, GradingTable):
                raise TypeError("both tables must be GradingTable objects")
            if table.size < MIN_GROUP:
                raise GradeError(
                    f"{table.scale.code}: the grading table of '{table.group}' counts "
                    f"{table.size} passing results; a conversion needs at least {MIN_GROUP} (the "
                    f"ECTS Users' Guide asks for reference groups of reliable size, over at least "
                    f"two years) — widen the group or the years")
        s, t = self.source, self.target
        tt = self.target_table
        texts = []
        with localcontext(_CONTEXT):
            for j, grade in enumerate(tt._grades):  # type: ignore[attr-defined]
                low = _HUNDRED * tt._above[j] / tt.size  # type: ignore[attr-defined]
                high = _HUNDRED * tt._after[j] / tt.size  # type: ignore[attr-defined]
                params = {"group": tt.group, "size": str(tt.size), "held": _grade_text(t, grade),
                          "low": _pct(low), "high": _pct(high)}
                if t.is_numeric:
                    params |= {"lower": _fmt(tt._lower[j]), "upper": _fmt(tt._upper[j])}  # type: ignore[attr-defined]
                texts.append(params)
        object.__setattr__(self, "_texts", tuple(texts))
        object.__setattr__(self, "_head", {"source": s.code, "group": self.source_table.group,
                                           "size": str(self.source_table.size)})
        if s.is_numeric and t.is_numeric:
            object.__setattr__(self, "_below", PassAnchoredLinear(s, t))

    @property
    def source(self) -> Scale:
        return self.source_table.scale

    @property
    def target(self) -> Scale:
        return self.target_table.scale

    def convert(self, value: GradeValue) -> GradeConversion:
        """Convert one grade through the two tables (fails handled outside the tables)."""
        s, t = self.source, self.target
        st, tt = self.source_table, self.target_table
        grade = s.check(value)
        if not s._passes(grade):
            return self._fail(grade)
        with localcontext(_CONTEXT):
            p, q = st._locate(grade)
            pn, qn = p * tt.size, q * st.size  # position in target results = pn / qn, exactly
            position = pn / qn
            j = min(bisect_right(tt._after, position), len(tt._grades) - 1)  # type: ignore[attr-defined]
            percent = _HUNDRED * pn / (qn * tt.size)
            head = Step("grade_percentile", {**self._head, "grade": _grade_text(s, grade),  # type: ignore[attr-defined]
                                             "percent": _pct(percent)})
            data: dict[str, object] = {"rule": self.name, "percent_from_top": str(percent),
                                       "source_group": st.group, "target_group": tt.group,
                                       "original": str(grade)}
            if t.is_numeric:
                upper, lower = tt._upper[j], tt._lower[j]  # type: ignore[attr-defined]
                exact = upper - (upper - lower) * (pn - tt._above[j] * qn) / (tt._sizes[j] * qn)  # type: ignore[attr-defined]
                result, how = _round_result(t, exact, failing=False)
                held = Step("grade_position_interpolated", {**self._texts[j],  # type: ignore[attr-defined]
                                                            "exact": _fmt_exact(exact)})
                data["step"] = str(t.step)
                return GradeConversion(result, exact, s.code, t.code, self.method,
                                       (head, held, how), MappingProxyType(data), original=grade)
        band = tt._grades[j]  # type: ignore[attr-defined]
        held = Step("grade_position_band", {**self._texts[j], "value": band})  # type: ignore[attr-defined]
        return GradeConversion(band, band, s.code, t.code, self.method, (head, held),
                               MappingProxyType(data), original=grade)

    def _fail(self, grade: Decimal | str) -> GradeConversion:
        s, t = self.source, self.target
        if not t.is_numeric:
            band = t.highest_fail
            assert band is not None  # noqa: S101
            step = Step("grade_fail_band", {"grade": _grade_text(s, grade), "source": s.code,
                                            "scale": t.code, "value": band})
            data = {"rule": self.name, "fail": "highest_failing_band", "original": str(grade)}
            return GradeConversion(band, band, s.code, t.code, self.method, (step,),
                                   MappingProxyType(data), original=grade)
        if isinstance(grade, str):
            raise GradeError(
                f"{s.code}: {grade} is a fail, and grading tables rank passing grades only, so it "
                f"has no position to carry onto {t.code} ({t.describe()}); record the fail as "
                f"such, or agree a table (AgreedTable) for failing bands")
        below = self._below._table._convert(grade, self.method)  # type: ignore[attr-defined]
        why = Step("grade_fail_linear", {"grade": _fmt(grade), "source": s.code})
        data = {**below.data, "rule": self.name, "fail": "pass_anchored_linear"}
        return GradeConversion(below.value, below.exact, s.code, t.code, self.method,
                               (why, *below.steps), MappingProxyType(data), original=grade)


def _pct(value: Decimal) -> str:
    return _fmt(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


# --- dispatcher ----------------------------------------------------------------------------------


def _scale(scale: object, scales: Mapping[str, Scale] = SHIPPED) -> Scale:
    if isinstance(scale, Scale):
        return scale
    if isinstance(scale, str) and scale in scales:
        return scales[scale]
    raise GradeError(f"unknown scale {scale!r}; known: {', '.join(sorted(scales))}")


def convert(value: GradeValue, from_scale: Scale | str, to_scale: Scale | str,
            method: ConversionMethod | None = None) -> GradeConversion:
    """Convert ``value`` from one scale to another with ``method``.

    The same scale on both sides is the identity (the value is checked, not rounded); otherwise
    ``method`` must be given and convert between exactly these two scales — no method is
    picked silently, since the partnership's choice is part of the record (see
    :func:`default_tables`). Scales may be given by code (:data:`SHIPPED`).
    """
    source, target = _scale(from_scale), _scale(to_scale)
    if source is target or source == target:
        grade = source.check(value)
        step = Step("grade_same_scale", {"grade": _grade_text(source, grade),
                                         "scale": source.code})
        return GradeConversion(grade, grade, source.code, target.code, GradeMethod.IDENTITY,
                               (step,), MappingProxyType({"original": str(grade)}),
                               original=grade)
    if method is None:
        raise GradeError(f"no method given to convert from {source.code} to {target.code}; "
                         f"choose one (default_tables() holds the agreed defaults)")
    m_source, m_target = method.source, method.target
    if not ((m_source is source or m_source == source)
            and (m_target is target or m_target == target)):
        raise GradeError(f"this method converts {m_source.code} → {m_target.code}, not "
                         f"{source.code} → {target.code}")
    return method.convert(value)
