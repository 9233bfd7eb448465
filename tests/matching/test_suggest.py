"""Equivalence suggestions: small hand-made catalogs, no app, no database."""

from __future__ import annotations

import random
import re
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from jointdegree.catalog.records import CourseRecord
from jointdegree.matching.suggest import (
    LEXICON,
    TITLE_NGRAMS_ONLY,
    Candidate,
    Reason,
    suggest,
    text_similarity,
)

REASON_CODES = {"title", "outcomes", "field", "level", "credits", "hours", "kind"}


def course(code: str, ects: str | None = "6", *, key: object = None, **fields: object) -> Candidate:
    """A candidate with sensible defaults: a 6 ECTS master lecture in 0613, 54 + 96 hours."""
    values: dict[str, object] = {"credits": Decimal(ects or "6"), "contact_hours": Decimal(54),
                                 "self_study_hours": Decimal(96), "isced": "0613"}
    values |= fields
    record = CourseRecord(code=code, **values)  # type: ignore[arg-type]
    return Candidate(record, None if ects is None else Decimal(ects), code if key is None else key)


def codes(suggestions: list) -> list[str]:
    return [s.candidate.record.code for s in suggestions]


def test_french_only_title_finds_its_chinese_only_counterpart_through_the_lexicon() -> None:
    query = course("FR1", titles={"fr": "Bases de données relationnelles"})
    partners = [
        course("ZH1", titles={"zh": "计算机网络"}),
        course("ZH2", titles={"zh": "关系数据库"}),
        course("ZH3", titles={"zh": "操作系统"}),
    ]

    top = suggest(query, partners)[0]

    assert top.candidate.record.code == "ZH2"
    title = next(r for r in top.reasons if r.code == "title")
    assert "database" in title.detail
    # Without the lexicon the scripts share nothing: the lexicon is what links them.
    assert text_similarity(query.record, partners[1].record, lexicon=False) == 0
    assert text_similarity(query.record, partners[1].record) > 0.5


def test_english_title_against_french_and_chinese_titles() -> None:
    query = course("EN1", titles={"en": "Machine Learning"})
    partners = [course("P1", titles={"fr": "Apprentissage automatique", "zh": "机器学习"}),
                course("P2", titles={"fr": "Réseaux de neurones", "zh": "计算机视觉"})]

    assert codes(suggest(query, partners)) == ["P1", "P2"]


def test_lexicon_prefers_the_longest_term() -> None:
    graphs = course("G", titles={"fr": "Théorie des graphes"}).record
    images = course("I", titles={"zh": "数字图像处理"}).record
    neural = course("N", titles={"fr": "Réseaux de neurones"}).record
    networks = course("W", titles={"zh": "计算机网络"}).record

    assert text_similarity(graphs, images) == 0  # 图 of 图像 is "image", not "graph"
    assert text_similarity(neural, networks) == 0  # réseau de neurones is not a network


def test_retired_course_is_never_suggested() -> None:
    query = course("Q", titles={"en": "Operating Systems"})
    partners = [course("OLD", titles={"en": "Operating Systems"}, status="retired"),
                course("NEW", titles={"en": "Compiler Construction"})]

    suggestions = suggest(query, partners, limit=10)

    assert codes(suggestions) == ["NEW"]


def test_reasons_explain_the_score() -> None:
    query = course("Q", titles={"en": "Distributed Systems", "fr": "Systèmes répartis"},
                   outcomes={"en": "Design fault-tolerant distributed algorithms."})
    partners = [course("A", titles={"zh": "分布式系统原理",
                                    "en": "Principles of Distributed Systems"},
                       outcomes={"en": "Build fault-tolerant distributed services."}),
                course("B", titles={"en": "Computer Vision"}, isced="0612")]

    top, other = suggest(query, partners)

    assert top.candidate.record.code == "A"
    assert 0 <= other.score < top.score <= 1
    assert {r.code for r in top.reasons} >= {"title", "outcomes"}
    assert {r.code for r in top.reasons} <= REASON_CODES
    assert top.reasons[0].code in ("title", "outcomes")
    weights = [r.weight for r in top.reasons]
    assert weights == sorted(weights, reverse=True)
    assert abs(sum(weights) - top.score) < 0.001  # each reason is its share of the score
    assert all(isinstance(r, Reason) and r.detail for r in top.reasons)
    field = next(r for r in top.reasons if r.code == "field")
    assert field.detail == "same ISCED field 0613"


def test_ordering_is_deterministic_ties_by_code() -> None:
    query = course("Q", titles={"en": "Software Engineering"})
    partners = [course(code, titles={"en": "Software Engineering"}) for code in ("C3", "C1", "C2")]
    partners += [course("D1", titles={"en": "Data Mining"}), course("D2", titles={"en": "Ethics"})]
    expected = codes(suggest(query, partners))

    assert expected[:3] == ["C1", "C2", "C3"]
    for seed in range(5):
        shuffled = partners[:]
        random.Random(seed).shuffle(shuffled)
        assert codes(suggest(query, shuffled)) == expected


def test_lab_does_not_outrank_lecture_with_the_same_title() -> None:
    query = course("Q", titles={"en": "Computer Networks"}, kind="lecture")
    partners = [course("A-LAB", titles={"en": "Computer Networks"}, kind="lab"),
                course("B-LEC", titles={"en": "Computer Networks"}, kind="lecture")]

    ranked = suggest(query, partners)

    assert codes(ranked) == ["B-LEC", "A-LAB"]
    assert ranked[0].score > ranked[1].score


def test_credits_far_apart_lower_the_score() -> None:
    query = course("Q", "6", titles={"en": "Cryptography"})
    close = course("CLOSE", "6", titles={"en": "Cryptography"})
    far = course("FAR", "1.5", titles={"en": "Cryptography"})
    unknown = course("UNKNOWN", None, titles={"en": "Cryptography"})

    by_code = {s.candidate.record.code: s for s in suggest(query, [far, unknown, close])}

    assert by_code["CLOSE"].score > by_code["UNKNOWN"].score > by_code["FAR"].score
    credits = next(r for r in by_code["CLOSE"].reasons if r.code == "credits")
    assert credits.detail == "credits 6 vs 6 ECTS"


def test_same_cycle_breaks_a_tie_between_bachelor_and_master_courses() -> None:
    query = course("Q", titles={"en": "Operating Systems"}, level="licence", cycle="bachelor")
    partners = [course("M", titles={"en": "Operating Systems"}, level="研究生", cycle="master"),
                course("B", titles={"en": "Operating Systems"}, level="本科", cycle="bachelor")]

    assert codes(suggest(query, partners)) == ["B", "M"]


def test_limit_and_empty_inputs() -> None:
    query = course("Q", titles={"en": "Databases"})
    partners = [course(f"P{i}", titles={"en": f"Course {i}"}) for i in range(8)]

    assert len(suggest(query, partners)) == 5
    assert len(suggest(query, partners, limit=2)) == 2
    assert suggest(query, partners, limit=0) == []
    assert suggest(query, []) == []


def test_title_ngram_baseline_uses_titles_only() -> None:
    query = course("Q", titles={"en": "Databases"}, kind="lecture")
    partner = course("P", titles={"en": "Databases"}, kind="lab", isced="0231")

    (only,) = suggest(query, [partner], weights=TITLE_NGRAMS_ONLY)

    assert only.score == 1
    assert [r.code for r in only.reasons] == ["title"]


def test_lexicon_is_generic_vocabulary_not_course_codes() -> None:
    assert 60 <= len(LEXICON) <= 200
    code_like = re.compile(r"[A-Za-z]{2,}[-_ ]?\d{3}|\d{4}")
    for concept, forms in LEXICON.items():
        assert not code_like.search(concept)
        assert all(not code_like.search(form) for form in forms), concept


_title = st.text(alphabet=st.sampled_from(list("abcdéèàç 数据库网络安全-'")), max_size=30)


@settings(max_examples=60, deadline=None)
@given(a=_title, b=_title, c=_title, ects=st.sampled_from(["1", "3", "6", "30"]))
def test_scores_are_bounded_and_stable(a: str, b: str, c: str, ects: str) -> None:
    query = course("Q", titles={"fr": a or "x"})
    partners = [course("P1", ects, titles={"zh": b or "y"}),
                course("P2", titles={"en": c or "z", "fr": a or "x"})]

    first = suggest(query, partners)
    again = suggest(query, list(reversed(partners)))

    assert [(s.candidate.record.code, s.score) for s in first] == [
        (s.candidate.record.code, s.score) for s in again]
    assert all(0 <= s.score <= 1 for s in first)
    assert all(0 < r.weight <= 1 for s in first for r in s.reasons)
