"""Suggest the partner's courses that could be equivalent to a course, and say why.

Pure: stdlib and the project's pure modules only (no Flask, no database, no model, no network),
so the ranking is tested and benchmarked without an app (``bench/suggestions.py``).

Text similarity works across French, Chinese and English, by three means combined:

* character trigrams of the folded Latin words (accents removed by :func:`fold`, generic
  words such as "introduction" or "advanced" left out), compared language by language;
* character bigrams of the Chinese text (no word segmenter needed);
* a small bilingual lexicon of computer-science and academic vocabulary that maps French,
  English and Chinese terms to one concept key ("bases de données" / "database" / "数据库" →
  ``database``), which is what links a French-only title to a Chinese-only one.

Structured signals (ISCED field, cycle, kind of course, ECTS credits, hours) are then added with
the weights below. Every signal is in [0, 1] and the weights sum to 1, so the score is in [0, 1]
and each :class:`Reason` says how much of it one signal gave.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from types import MappingProxyType

from jointdegree.catalog.records import CourseRecord, fold, format_decimal

__all__ = [
    "DEFAULT_WEIGHTS",
    "LEXICON",
    "TITLE_NGRAMS_ONLY",
    "W_CREDITS",
    "W_FIELD",
    "W_HOURS",
    "W_KIND",
    "W_LEVEL",
    "W_OUTCOMES",
    "W_TITLE",
    "Candidate",
    "Reason",
    "Suggestion",
    "Weights",
    "suggest",
    "text_similarity",
]

# --- Weights ------------------------------------------------------------------------------------

W_TITLE = 0.40
"""Titles say most about a course and exist in every row: the strongest signal."""
W_OUTCOMES = 0.25
"""Learning outcomes and descriptions: longer, so noisier, and often missing on one side."""
W_FIELD = 0.10
"""Same ISCED-F field: 1 for the same 4-digit code, 0.6 same narrow (3-digit), 0.3 same broad."""
W_LEVEL = 0.10
"""Same cycle (bachelor / master / doctorate): separates a bachelor course from its master
sequel when both have almost the same title."""
W_KIND = 0.07
"""Same kind (lecture, lab, thesis, internship): a lab rarely replaces a lecture."""
W_CREDITS = 0.04
"""ECTS close (1 − relative difference). Weak on purpose: partners split a subject into courses
of different sizes (a 6 ECTS course often matches a 2 学分 = 3 ECTS one)."""
W_HOURS = 0.04
"""Total hours close (1 − relative difference); weak for the same reason as credits."""

NEUTRAL = 0.5
"""Value of a structured signal that one side does not give (unknown credits, hours, field):
neither for nor against, so a course is not ranked down for a missing cell."""

REASON_CODES = ("title", "outcomes", "field", "level", "credits", "hours", "kind")


@dataclass(frozen=True)
class Weights:
    """Weight of each signal; ``lexicon=False`` compares text by n-grams only (for baselines)."""

    title: float = W_TITLE
    outcomes: float = W_OUTCOMES
    field: float = W_FIELD
    level: float = W_LEVEL
    kind: float = W_KIND
    credits: float = W_CREDITS
    hours: float = W_HOURS
    lexicon: bool = True


DEFAULT_WEIGHTS = Weights()
TITLE_NGRAMS_ONLY = Weights(title=1.0, outcomes=0.0, field=0.0, level=0.0, kind=0.0,
                            credits=0.0, hours=0.0, lexicon=False)
"""The text-only baseline: title n-grams, no lexicon, no structured signal."""

# --- Public data ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A course to compare: its record, its credits already converted to ECTS, the caller's id."""

    record: CourseRecord
    ects: Decimal | None = None
    key: object = None


@dataclass(frozen=True)
class Reason:
    """One signal's share of a score: ``weight`` is what it added, ``detail`` says why."""

    code: str
    weight: float
    detail: str  # in English (benchmarks, logs); pages translate ``key`` with ``params``
    key: str = ""
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Suggestion:
    """A partner course, its score in [0, 1] and the reasons behind it, best first."""

    candidate: Candidate
    score: float
    reasons: tuple[Reason, ...]


# --- Lexicon --------------------------------------------------------------------------------------

# concept key → surface forms in English, French and Chinese. Latin forms are matched on whole
# folded words (plural -s/-x ignored); Chinese forms are regular expressions matched in the text.
# Longer forms are matched first and consume their text, so "réseaux de neurones" is
# ``neural network``, not ``network``. Generic vocabulary only: no course code, no course title.
LEXICON: Mapping[str, tuple[str, ...]] = {
    # Algorithms and theory
    "algorithm": ("algorithm", "algorithmic", "algorithmique", "algorithme", "算法"),
    "data structure": ("data structure", "structure de données", "数据结构"),
    "complexity": ("complexity", "complexité", "复杂性", "复杂度"),
    "theory of computation": ("theory of computation", "computability", "computation theory",
                              "théorie du calcul", "calculabilité", "可计算性", "计算理论"),
    "automata": ("automata", "automaton", "automate", "自动机"),
    "graph": ("graph", "graphe", "graph theory", "théorie des graphes", "图论",
              "图(?![像形片书表灵])"),
    "dynamic programming": ("dynamic programming", "programmation dynamique", "动态规划"),
    "greedy": ("greedy", "glouton", "贪心"),
    "approximation": ("approximation", "近似"),
    "randomised": ("randomised", "randomized", "randomisé", "随机"),
    "linear programming": ("linear programming", "programmation linéaire", "线性规划"),
    "optimisation": ("optimisation", "optimization", "optimise", "optimize", "optimiser",
                     "最优化", "优化"),
    "combinatorial": ("combinatorial", "combinatoire", "组合"),
    "sorting": ("sorting", "tri", "排序"),
    "tree": ("tree", "arbre", "树"),
    "hashing": ("hash", "hashing", "hachage", "哈希", "散列"),
    "proof": ("proof", "prove", "preuve", "prouver", "证明"),
    "logic": ("logic", "logique", "逻辑"),
    # Mathematics
    "mathematics": ("mathematics", "mathematical", "mathématiques", "数学", "数理"),
    "probability": ("probability", "probabilité", "probabiliste", "概率"),
    "statistics": ("statistics", "statistical", "statistique", "统计"),
    "estimation": ("estimation", "estimator", "estimateur", "估计"),
    "hypothesis testing": ("hypothesis test", "hypothesis testing", "test d'hypothèse",
                           "tests d'hypothèses", "假设检验"),
    "regression": ("regression", "régression", "回归"),
    "convex": ("convex", "convexe", "凸"),
    # Systems
    "operating system": ("operating system", "système d'exploitation", "操作系统"),
    "process": ("process management", "processus", "进程"),
    "thread": ("thread", "multithreaded", "multithreading", "线程"),
    "scheduling": ("scheduling", "ordonnancement", "调度"),
    "virtual memory": ("virtual memory", "mémoire virtuelle", "虚拟内存", "虚拟存储"),
    "memory management": ("memory management", "gestion de la mémoire", "存储管理", "内存管理"),
    "file system": ("file system", "système de fichiers", "文件系统"),
    "concurrency": ("concurrency", "concurrent", "concurrence", "synchronisation",
                    "synchronization", "并发", "同步"),
    "deadlock": ("deadlock", "interblocage", "死锁"),
    "distributed": ("distributed", "réparti", "distribué", "分布式"),
    "consensus": ("consensus", "共识"),
    "fault tolerance": ("fault tolerance", "fault-tolerant", "tolérance aux pannes", "容错"),
    "replication": ("replication", "réplication", "副本"),
    "parallel": ("parallel", "parallèle", "parallélisme", "并行"),
    "high-performance computing": ("high-performance computing", "high performance computing",
                                   "calcul haute performance", "高性能计算", "HPC"),
    "gpu": ("gpu", "cuda", "图形处理器"),
    "cloud": ("cloud", "cloud computing", "informatique en nuage", "nuage", "云计算", "云"),
    "virtualisation": ("virtualisation", "virtualization", "virtual machine",
                       "machine virtuelle", "虚拟化", "虚拟机"),
    "container": ("container", "conteneur", "容器"),
    "embedded": ("embedded", "embarqué", "嵌入式"),
    "internet of things": ("internet of things", "iot", "objets connectés", "物联网"),
    "sensor": ("sensor", "capteur", "传感器"),
    "microcontroller": ("microcontroller", "microcontrôleur", "单片机", "微控制器"),
    "real time": ("real-time", "real time", "temps réel", "实时"),
    # Networks and security
    "network": ("network", "networking", "réseau", "网络"),
    "internet": ("internet", "互联网", "因特网"),
    "protocol": ("protocol", "protocole", "协议"),
    "routing": ("routing", "routage", "路由"),
    "tcp/ip": ("tcp", "udp", "tcp/ip"),
    "security": ("security", "secure", "sécurité", "安全"),
    "cryptography": ("cryptography", "cryptographic", "cryptographie", "cryptographique",
                     "密码"),
    "encryption": ("encryption", "chiffrement", "加密"),
    "authentication": ("authentication", "authentification", "认证"),
    "attack": ("attack", "attaque", "攻击"),
    "firewall": ("firewall", "pare-feu", "防火墙"),
    "intrusion": ("intrusion", "入侵"),
    # Data
    "database": ("database", "base de données", "数据库"),
    "relational": ("relational", "relationnel", "relationnelle", "关系"),
    "sql": ("sql", "nosql", "newsql"),
    "transaction": ("transaction", "事务"),
    "query": ("query", "requête", "查询"),
    "index": ("index", "indexing", "indexation", "索引"),
    "recovery": ("recovery", "crash recovery", "reprise après panne", "恢复"),
    "big data": ("big data", "large-scale data", "données massives", "mégadonnées", "大数据",
                 "海量数据"),
    "mapreduce": ("mapreduce", "hadoop", "spark"),
    "data mining": ("data mining", "fouille de données", "数据挖掘"),
    "information retrieval": ("information retrieval", "recherche d'information", "信息检索"),
    "search engine": ("search engine", "moteur de recherche", "搜索引擎"),
    "visualisation": ("visualisation", "visualization", "visual analytics", "visualiser",
                      "visualize", "可视化", "可视分析"),
    # Artificial intelligence
    "artificial intelligence": ("artificial intelligence", "intelligence artificielle", "ai",
                                "ia", "人工智能"),
    "machine learning": ("machine learning", "statistical learning", "apprentissage automatique",
                         "apprentissage machine", "apprentissage statistique", "机器学习",
                         "统计学习"),
    "deep learning": ("deep learning", "apprentissage profond", "深度学习"),
    "neural network": ("neural network", "réseau de neurones", "réseau neuronal", "神经网络"),
    "supervised learning": ("supervised learning", "apprentissage supervisé", "监督学习"),
    "classification": ("classification", "classifier", "分类"),
    "clustering": ("clustering", "partitionnement", "聚类"),
    "search": ("heuristic search", "recherche heuristique", "启发式搜索", "搜索"),
    "knowledge representation": ("knowledge representation", "représentation des connaissances",
                                 "知识表示"),
    "computer vision": ("computer vision", "vision par ordinateur", "vision artificielle",
                        "计算机视觉", "视觉"),
    "image": ("image", "图像"),
    "image processing": ("image processing", "traitement d'images", "traitement des images",
                         "图像处理"),
    "filtering": ("filtering", "filtrage", "滤波"),
    "segmentation": ("segmentation", "分割"),
    "natural language processing": ("natural language processing", "nlp",
                                    "traitement automatique des langues",
                                    "traitement automatique du langage",
                                    "traitement du langage naturel", "自然语言处理",
                                    "语言自动处理", "语言处理"),
    "machine translation": ("machine translation", "traduction automatique", "机器翻译"),
    "text": ("text", "texte", "文本"),
    # Languages and compilers
    "compiler": ("compiler", "compilation", "compilateur", "编译"),
    "parsing": ("parsing", "parser", "syntax analysis", "analyse syntaxique", "语法分析",
                "句法分析"),
    "lexical analysis": ("lexical analysis", "analyse lexicale", "词法分析"),
    "code generation": ("code generation", "génération de code", "代码生成"),
    "semantics": ("semantics", "sémantique", "语义"),
    "type system": ("type system", "typing", "typage", "类型系统"),
    "programming": ("programming", "programmation", "编程", "程序设计"),
    "formal methods": ("formal methods", "méthodes formelles", "形式化方法"),
    "formal": ("formal", "formel", "formelle", "形式化"),
    "specification": ("specification", "spécification", "规约"),
    "verification": ("verification", "vérification", "验证"),
    "model checking": ("model checking", "vérification de modèles", "模型检测", "模型检验"),
    # Software
    "software engineering": ("software engineering", "génie logiciel", "软件工程"),
    "software development": ("software development", "développement logiciel", "软件开发"),
    "software": ("software", "logiciel", "软件"),
    "testing": ("testing", "software testing", "test", "测试"),
    "requirements": ("requirements", "exigence", "需求"),
    "agile": ("agile", "scrum", "敏捷"),
    "design pattern": ("design pattern", "patron de conception", "设计模式"),
    "architecture": ("architecture", "体系结构", "架构"),
    "web": ("web", "world wide web", "万维网"),
    "web service": ("web service", "service web", "web服务"),
    "xml": ("xml",),
    "mobile": ("mobile", "移动"),
    "application development": ("application development", "développement d'applications",
                                "应用开发"),
    "human-computer interaction": ("human-computer interaction", "human computer interaction",
                                   "interaction homme-machine", "ihm", "hci", "人机交互"),
    "user interface": ("user interface", "interface utilisateur", "用户界面"),
    "usability": ("usability", "utilisabilité", "可用性"),
    "project management": ("project management", "gestion de projet", "项目管理"),
    "project": ("project", "projet", "项目"),
    "risk": ("risk", "risque", "风险"),
    "planning": ("planning", "planification", "计划"),
    # Academic and professional
    "research": ("research", "recherche", "研究(?!生)"),
    "research methodology": ("research methodology", "research methods",
                             "méthodologie de la recherche", "研究方法"),
    "academic writing": ("academic writing", "scientific writing", "rédaction scientifique",
                         "论文写作", "学术写作", "科技写作"),
    "research integrity": ("research integrity", "academic integrity", "intégrité scientifique",
                           "intégrité académique", "学术规范", "学术诚信"),
    "literature review": ("literature review", "state of the art", "état de l'art",
                          "bibliography", "bibliographie", "文献综述", "文献"),
    "thesis": ("thesis", "dissertation", "mémoire", "master's thesis", "学位论文", "论文"),
    "internship": ("internship", "placement", "stage", "professional practice", "实习",
                   "专业实践"),
    "practice": ("practice", "practicum", "pratique", "实践"),
    "ethics": ("ethics", "ethical", "éthique", "伦理", "道德"),
    "law": ("law", "legal", "droit", "juridique", "法律", "法规"),
    "society": ("society", "société", "社会(?!主义)"),
    "privacy": ("privacy", "vie privée", "données personnelles", "隐私"),
    "intellectual property": ("intellectual property", "propriété intellectuelle", "知识产权"),
    "engineering": ("engineering", "ingénierie", "ingénieur", "工程"),
    # Languages
    "english": ("english", "anglais", "英语"),
    "french": ("french", "français", "法语"),
    "chinese": ("chinese", "chinois", "mandarin", "汉语", "中文"),
    "foreign language": ("foreign language", "second language", "langue étrangère",
                         "langue seconde", "外语"),
    "grammar": ("grammar", "grammaire", "语法"),
    "oral communication": ("oral", "speaking", "listening", "expression orale",
                           "compréhension orale", "口语", "听力"),
    "writing": ("writing", "rédaction", "écrit", "写作"),
    "cefr": ("cefr", "cecrl", "hsk", "delf"),
}

# Words that say little about a course's subject: left out of the n-grams (not of the lexicon,
# which matches phrases such as "théorie des graphes" before these are dropped).
_STOPWORD_TEXT = """
a an and are as at be by for from in into it its of on or the their to with this that using
use how
à au aux avec d de des du en et l la le les leur un une pour par sur dans ou son sa ses
introduction introductory advanced principles fundamentals foundations basics theory methods
techniques technology technologies applications applied modern topics course design analysis
selected special general concepts practical
avancé avancée avancés avancées principes fondements théorie méthodes techniques technologies
appliqué appliquée moderne cours conception analyse généraux générale intégré
able understand explain describe students student learn
1 2 3 4 5 i ii iii iv
"""
_CJK_STOP = re.compile("高级|原理|技术|现代|应用|方法|及其|基础|导论|概论|理论|设计|分析|课程|"
                       "综合|[与和的及（）()、，：；]")

# --- Text features ------------------------------------------------------------------------------

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_WORD = re.compile(r"[^\W_]+")
_SPLIT_CJK = re.compile(f"([{_CJK}]+)")


def _stem(word: str) -> str:
    """Folded word without a plural -s/-x, so "réseaux" meets "réseau" and "systems" "system"."""
    return word[:-1] if len(word) > 3 and word[-1] in "sx" else word


def _latin_words(text: str) -> list[tuple[str, str]]:
    """(stem, surface) of each Latin-script word of ``text``, in order; CJK runs are skipped."""
    words = []
    for match in _WORD.finditer(text.casefold()):
        for piece in _SPLIT_CJK.split(match.group()):
            if piece and not _CJK_RUN.fullmatch(piece):
                words.append((_stem(fold(piece)), piece))
    return words


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)}


def _compile_lexicon(lexicon: Mapping[str, tuple[str, ...]]) -> tuple[
        dict[str, list[tuple[tuple[str, ...], str]]], list[tuple[re.Pattern[str], str]]]:
    phrases: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    patterns: list[tuple[str, str]] = []
    for concept, forms in lexicon.items():
        for form in forms:
            if _CJK_RUN.search(form):
                patterns.append((form, concept))
            else:
                stems = tuple(stem for stem, _ in _latin_words(form))
                phrases.setdefault(stems[0], []).append((stems, concept))
    for entries in phrases.values():
        entries.sort(key=lambda entry: -len(entry[0]))
    patterns.sort(key=lambda entry: -len(entry[0]))
    return phrases, [(re.compile(form, re.IGNORECASE), concept) for form, concept in patterns]


_PHRASES, _CJK_PATTERNS = _compile_lexicon(LEXICON)
_STOPWORDS = frozenset(_stem(fold(word)) for word in _STOPWORD_TEXT.split())


@dataclass(frozen=True)
class _Features:
    """What the text of one language contributes to a comparison."""

    grams: frozenset[str]  # Latin trigrams and CJK bigrams, stopwords left out
    concepts: frozenset[str]  # lexicon concept keys
    words: frozenset[str]  # Latin stems and CJK bigrams, for explanations
    covered: frozenset[str]  # the stems and bigrams a concept already explains
    surfaces: tuple[tuple[str, str], ...]  # (stem, word as written), for explanations
    cjk: tuple[str, ...]  # CJK runs, for explanations


def _concepts_latin(stems: list[str], covered: set[str]) -> set[str]:
    found: set[str] = set()
    i = 0
    while i < len(stems):
        for phrase, concept in _PHRASES.get(stems[i], ()):
            if tuple(stems[i:i + len(phrase)]) == phrase:
                found.add(concept)
                covered.update(phrase)
                i += len(phrase)
                break
        else:
            i += 1
    return found


def _concepts_cjk(text: str, covered: set[str]) -> set[str]:
    found: set[str] = set()
    for pattern, concept in _CJK_PATTERNS:
        matches = pattern.findall(text)
        if matches:
            found.add(concept)
            for match in matches:
                covered |= _bigrams(match) if len(match) > 1 else {match}
            text = pattern.sub("\x00", text)
    return found


@lru_cache(maxsize=8192)
def _features(text: str) -> _Features:
    words = _latin_words(text)
    stems = [stem for stem, _ in words]
    covered: set[str] = set()
    concepts = _concepts_latin(stems, covered)
    cjk_runs = _CJK_RUN.findall(text)
    if cjk_runs:
        concepts |= _concepts_cjk(text.casefold(), covered)
    grams: set[str] = set()
    content: set[str] = set()
    for stem in stems:
        if stem in _STOPWORDS:
            continue
        content.add(stem)
        padded = f" {stem} "
        grams.update(padded[i:i + 3] for i in range(len(padded) - 2))
    for run in cjk_runs:
        for part in _CJK_STOP.split(run):
            if len(part) == 1:
                grams.add(part)
            pairs = _bigrams(part)
            grams |= pairs
            content |= pairs
    surfaces = tuple(dict.fromkeys((stem, surface) for stem, surface in words if stem in content))
    return _Features(frozenset(grams), frozenset(concepts), frozenset(content),
                     frozenset(covered), surfaces, tuple(cjk_runs))


@dataclass(frozen=True, eq=False)
class _Text:
    """A multilingual text (titles, or outcomes and descriptions) ready to compare."""

    languages: Mapping[str, _Features]
    grams: Mapping[str, frozenset[str]]  # language → n-grams, the hot path of the ranking
    concepts: frozenset[str]


@lru_cache(maxsize=8192)
def _text(parts: tuple[tuple[tuple[str, str], ...], ...]) -> _Text:
    texts: dict[str, list[str]] = {}
    for part in parts:
        for lang, value in part:
            if value and value.strip():
                texts.setdefault(lang, []).append(value)
    languages = {lang: _features("\n".join(values)) for lang, values in texts.items()}
    concepts = frozenset().union(*(f.concepts for f in languages.values()))
    grams = {lang: features.grams for lang, features in languages.items()}
    return _Text(MappingProxyType(languages), MappingProxyType(grams), concepts)


def _titles(record: CourseRecord) -> _Text:
    return _text((tuple(record.titles.items()),))


def _content(record: CourseRecord) -> _Text:
    """Learning outcomes and descriptions together: what the course teaches."""
    return _text((tuple(record.outcomes.items()), tuple(record.descriptions.items())))


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """Ochiai (cosine of sets): |a ∩ b| / √(|a|·|b|); gentler than Jaccard on unequal lengths."""
    if not a or not b:
        return 0.0
    common = len(a & b)
    return common / math.sqrt(len(a) * len(b)) if common else 0.0


def _pairs(a: _Text, b: _Text) -> list[tuple[str, str]]:
    """Languages to compare: the same language on both sides (fr↔fr, en↔en, zh↔zh); French
    against English only when no language is shared."""
    same = [(lang, lang) for lang in a.languages if lang in b.languages]
    if same:
        return same
    return [(x, y) for x in a.languages for y in b.languages if "zh" not in (x, y)]


def _similarity(a: _Text, b: _Text, lexicon: bool) -> float:
    """Similarity in [0, 1] of two multilingual texts.

    The mean n-gram overlap over the compared languages, averaged with the overlap of lexicon
    concepts when either side has any; the concepts alone when no language is shared (a
    French-only title against a Chinese-only one).
    """
    total, count = 0.0, 0
    b_grams = b.grams
    for lang, x in a.grams.items():
        y = b_grams.get(lang)
        if y is not None:
            count += 1
            common = len(x & y) if x and y else 0
            if common:
                total += common / math.sqrt(len(x) * len(y))
    if not count:  # no shared language: French against English, never against Chinese
        for x, y in _pairs(a, b):
            count += 1
            total += _overlap(a.grams[x], b.grams[y])
    grams = total / count if count else None
    if not lexicon or not (a.concepts or b.concepts):
        return grams or 0.0
    concepts = _overlap(a.concepts, b.concepts)
    return concepts if grams is None else (grams + concepts) / 2


def _common_runs(run: str, common: frozenset[str]) -> list[str]:
    """The longest pieces of ``run`` whose every bigram is in ``common``: 数据, 据库 → 数据库."""
    pieces, start = [], None
    for i in range(len(run) - 1):
        if run[i:i + 2] in common:
            start = i if start is None else start
            continue
        if start is not None:
            pieces.append(run[start:i + 1])
            start = None
    if start is not None:
        pieces.append(run[start:])
    return pieces


def _shared_words(a: _Text, b: _Text, lexicon: bool) -> list[str]:
    """Shared concepts, then shared words the concepts do not already explain."""
    shown = sorted(a.concepts & b.concepts) if lexicon else []
    for x, y in _pairs(a, b):
        fa, fb = a.languages[x], b.languages[y]
        skip = (fa.covered | fb.covered) if lexicon else frozenset()
        common = (fa.words & fb.words) - skip
        for stem, surface in fa.surfaces:
            if stem in common and surface not in shown:
                shown.append(surface)
        for run in fa.cjk:
            shown.extend(piece for piece in _common_runs(run, common) if piece not in shown)
    return shown


def text_similarity(a: CourseRecord, b: CourseRecord, *, lexicon: bool = True,
                    outcomes: bool = False) -> float:
    """Similarity in [0, 1] of two courses' titles (or, with ``outcomes``, their outcomes and
    descriptions) across languages; ``lexicon=False`` compares character n-grams only."""
    if outcomes:
        return _similarity(_content(a), _content(b), lexicon)
    return _similarity(_titles(a), _titles(b), lexicon)


# --- Structured signals ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Profile:
    """Everything compared about one candidate, computed once per call."""

    candidate: Candidate
    titles: _Text
    content: _Text
    ects: float | None
    total_hours: float | None
    contact_hours: float | None


def _profile(candidate: Candidate) -> _Profile:
    record = candidate.record
    contact = record.contact_hours
    total = (contact + record.self_study_hours
             if contact is not None and record.self_study_hours is not None else None)
    return _Profile(candidate, _titles(record), _content(record),
                    None if candidate.ects is None else float(candidate.ects),
                    None if total is None else float(total),
                    None if contact is None else float(contact))


def _closeness(a: float, b: float) -> float:
    """1 − |a − b| / max(a, b): 1 for equal amounts, 0.5 when one is half the other."""
    larger = max(a, b)
    return 1.0 if larger <= 0 else 1.0 - abs(a - b) / larger


def _field(a: str | None, b: str | None) -> float:
    """1 same 4-digit ISCED-F code, 0.6 same narrow field, 0.3 same broad field."""
    if not a or not b:
        return NEUTRAL
    if a == b:
        return 1.0
    return 0.6 if a[:3] == b[:3] else 0.3 if a[:2] == b[:2] else 0.0


_FINAL_WORKS = frozenset({"thesis", "internship"})


def _kind(a: str, b: str) -> float:
    """1 same kind; 0.4 thesis against internship (both final works); 0.3 lecture against lab."""
    if a == b:
        return 1.0
    if a in _FINAL_WORKS and b in _FINAL_WORKS:
        return 0.4
    return 0.3 if {a, b} == {"lecture", "lab"} else 0.0


def _hours(a: _Profile, b: _Profile) -> float:
    """Total hours close; contact hours when a total is unknown."""
    if a.total_hours is not None and b.total_hours is not None:
        return _closeness(a.total_hours, b.total_hours)
    if a.contact_hours is not None and b.contact_hours is not None:
        return _closeness(a.contact_hours, b.contact_hours)
    return NEUTRAL


def _values(a: _Profile, b: _Profile, weights: Weights) -> list[tuple[str, float, float]]:
    """(code, weight, value in [0, 1]) of every signal that has a weight."""
    ra, rb = a.candidate.record, b.candidate.record
    signals = [("title", weights.title, _similarity(a.titles, b.titles, weights.lexicon))]
    if weights.outcomes:
        signals.append(("outcomes", weights.outcomes,
                        _similarity(a.content, b.content, weights.lexicon)))
    if weights.field:
        signals.append(("field", weights.field, _field(ra.isced, rb.isced)))
    if weights.level:
        signals.append(("level", weights.level, 1.0 if ra.cycle == rb.cycle else 0.0))
    if weights.kind:
        signals.append(("kind", weights.kind, _kind(ra.kind, rb.kind)))
    if weights.credits:
        signals.append(("credits", weights.credits,
                        NEUTRAL if a.ects is None or b.ects is None
                        else _closeness(a.ects, b.ects)))
    if weights.hours:
        signals.append(("hours", weights.hours, _hours(a, b)))
    return signals


# English wording of each reason; the web layer translates the same keys with the same params.
DETAILS: dict[str, str] = {
    "title_alike": "titles {pct}% alike",
    "outcomes_alike": "outcomes and descriptions {pct}% alike",
    "shared_words": ", shared words: {words}",
    "field_unknown": "ISCED field unknown",
    "field_same": "same ISCED field {x}",
    "field_narrow": "same ISCED narrow field {prefix} ({x} vs {y})",
    "field_broad": "same ISCED broad field {prefix} ({x} vs {y})",
    "field_different": "different ISCED fields {x} vs {y}",
    "cycle_same": "same cycle ({x})",
    "cycle_different": "different cycles: {x} vs {y}",
    "kind_same": "both {x}s",
    "kind_different": "{x} vs {y}",
    "kind_final": "{x} vs {y} (both final works)",
    "credits_unknown": "credits unknown",
    "credits": "credits {x} vs {y} ECTS",
    "hours_total": "{x} h vs {y} h in total",
    "hours_contact": "{x} vs {y} contact hours",
    "hours_unknown": "hours unknown",
}


def _detail(code: str, value: float, a: _Profile, b: _Profile, lexicon: bool
            ) -> tuple[str, dict[str, str]]:
    """Why ``code`` gave ``value``: a message key of :data:`DETAILS` and its parameters."""
    ra, rb = a.candidate.record, b.candidate.record
    if code in ("title", "outcomes"):
        texts = (a.titles, b.titles) if code == "title" else (a.content, b.content)
        words = _shared_words(*texts, lexicon)
        return f"{code}_alike", {"pct": f"{value * 100:.0f}", "words": ", ".join(words[:6])}
    if code == "field":
        x, y = ra.isced, rb.isced
        if not x or not y:
            return "field_unknown", {}
        if x == y:
            return "field_same", {"x": x}
        if x[:3] == y[:3]:
            return "field_narrow", {"prefix": x[:3], "x": x, "y": y}
        if x[:2] == y[:2]:
            return "field_broad", {"prefix": x[:2], "x": x, "y": y}
        return "field_different", {"x": x, "y": y}
    if code == "level":
        if ra.cycle == rb.cycle:
            return "cycle_same", {"x": ra.cycle}
        return "cycle_different", {"x": ra.cycle, "y": rb.cycle}
    if code == "kind":
        if ra.kind == rb.kind:
            return "kind_same", {"x": ra.kind}
        both_final = ra.kind in _FINAL_WORKS and rb.kind in _FINAL_WORKS
        return ("kind_final" if both_final else "kind_different"), {"x": ra.kind, "y": rb.kind}
    if code == "credits":
        if a.ects is None or b.ects is None:
            return "credits_unknown", {}
        return "credits", {"x": format_decimal(a.candidate.ects),
                           "y": format_decimal(b.candidate.ects)}
    if a.total_hours is not None and b.total_hours is not None:
        return "hours_total", {"x": f"{a.total_hours:g}", "y": f"{b.total_hours:g}"}
    if a.contact_hours is not None and b.contact_hours is not None:
        return "hours_contact", {"x": f"{a.contact_hours:g}", "y": f"{b.contact_hours:g}"}
    return "hours_unknown", {}


def english(key: str, params: Mapping[str, str]) -> str:
    text = DETAILS[key].format(**params)
    if key.endswith("_alike") and params.get("words"):
        text += DETAILS["shared_words"].format(**params)
    return text


# --- Ranking ------------------------------------------------------------------------------------


def _reasons(a: _Profile, b: _Profile, weights: Weights,
             signals: list[tuple[str, float, float]], total: float) -> tuple[Reason, ...]:
    reasons = []
    for code, weight, value in signals:
        if weight * value > 0:
            key, params = _detail(code, value, a, b, weights.lexicon)
            reasons.append(Reason(code, round(weight * value / total, 4), english(key, params),
                                  key, params))
    reasons.sort(key=lambda reason: (-reason.weight, REASON_CODES.index(reason.code)))
    return tuple(reasons)


def suggest(course: Candidate, partner_courses: Sequence[Candidate], limit: int = 5, *,
            weights: Weights = DEFAULT_WEIGHTS) -> list[Suggestion]:
    """Rank the partner's active courses that could be equivalent to ``course``, best first.

    Retired candidates are left out. Equal scores are ordered by course code, then by the
    caller's key, so the same input always gives the same list. ``weights`` defaults to
    :data:`DEFAULT_WEIGHTS`; :data:`TITLE_NGRAMS_ONLY` is the text-only baseline.
    """
    if limit <= 0:
        return []
    total = (weights.title + weights.outcomes + weights.field + weights.level + weights.kind
             + weights.credits + weights.hours) or 1.0
    query = _profile(course)
    scored = []
    for candidate in partner_courses:
        if candidate.record.status == "retired":
            continue
        profile = _profile(candidate)
        signals = _values(query, profile, weights)
        score = round(sum(weight * value for _, weight, value in signals) / total, 6)
        scored.append((-score, candidate.record.code, str(candidate.key), len(scored),
                       profile, signals))
    scored.sort(key=lambda item: item[:4])
    return [Suggestion(profile.candidate, -negative,
                       _reasons(query, profile, weights, signals, total))
            for negative, _, _, _, profile, signals in scored[:limit]]
