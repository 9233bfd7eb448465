"""Language certificates and their levels, ordered so that "at least B2" can be decided."""

from __future__ import annotations

CEFR_LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2")
CEFR_EXAMS = ("DELF", "DALF", "TCF", "TEF")  # French; levels on the CEFR scale
HSK_LEVELS = tuple(str(n) for n in range(1, 10))  # 汉语水平考试 1–9 (the 2021 scale)
EXAMS = (*CEFR_EXAMS, "HSK")


def level_rank(exam: str, level: str) -> int | None:
    """The level's position on its exam's scale, or None when the exam has no such level."""
    levels = HSK_LEVELS if exam.upper() == "HSK" else CEFR_LEVELS if exam.upper() in CEFR_EXAMS \
        else ()
    text = level.strip().upper().removeprefix("HSK").strip()
    return levels.index(text) if text in levels else None
