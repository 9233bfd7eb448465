"""Shared helpers for the benchmarks: throwaway databases and synthetic catalogs."""

from __future__ import annotations

import csv
import io
import random
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from jointdegree import create_app, migrate
from jointdegree.catalog.records import COLUMNS
from tests.support import PG_ADMIN_URL as PG_URL
from tests.support import pg_database, postgres_available

__all__ = ["PG_URL", "app_for", "as_csv", "database", "postgres_available", "synthetic_rows"]

WORDS_FR = ["systèmes", "réseaux", "données", "apprentissage", "algorithmique", "sécurité",
            "logiciel", "calcul", "graphes", "optimisation", "vision", "langues", "compilation",
            "parallèle", "répartis", "embarqués", "probabilités", "statistiques", "image"]
WORDS_ZH = ["系统", "网络", "数据", "学习", "算法", "安全", "软件", "计算", "图论", "优化", "视觉",
            "语言", "编译", "并行", "分布式", "嵌入式", "概率", "统计", "图像", "数据库"]
WORDS_EN = ["systems", "networks", "data", "learning", "algorithms", "security", "software",
            "computing", "graphs", "optimisation", "vision", "languages", "compilers",
            "parallel", "distributed", "embedded", "probability", "statistics", "imaging"]


def synthetic_rows(count: int, prefix: str, seed: int = 7, terms: str = "") -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        row = dict.fromkeys(COLUMNS, "")
        row.update({
            "code": f"{prefix}{i:06d}",
            "title_fr": " ".join(rng.sample(WORDS_FR, 3)).capitalize(),
            "title_zh": "".join(rng.sample(WORDS_ZH, 2)),
            "title_en": " ".join(rng.sample(WORDS_EN, 3)).capitalize(),
            "outcomes_en": "Understand and apply " + " ".join(rng.sample(WORDS_EN, 4)),
            "credits": str(rng.choice([2, 3, 4.5, 6])), "contact_hours": str(rng.choice([32, 48])),
            "self_study_hours": str(rng.choice([60, 96])), "level": "master",
            "isced": rng.choice(["0611", "0612", "0613", "0688", "0541"]),
            "languages": rng.choice(["fr", "fr;en", "zh", "zh;en", "en"]),
            "terms": terms, "delivery": rng.choice(["on_campus", "remote", "hybrid"]),
            "kind": rng.choice(["lecture", "lecture", "lab"]), "status": "active"})
        rows.append(row)
    return rows


def as_csv(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


@contextmanager
def database(kind: str) -> Iterator[str]:
    """A freshly migrated database URL ("sqlite" or "postgresql"), dropped afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{folder}/bench.sqlite3"
            migrate.upgrade(url)
            yield url
        return
    with pg_database("jd_bench") as url:
        yield url


def app_for(url: str):
    return create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
