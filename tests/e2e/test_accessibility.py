"""axe-core on the main pages, in French and in Chinese: no violation of impact "serious" or
"critical". Every violation found (any impact) is also written beside the screenshot, as
``test-output/e2e/<test name>.axe.json``.

The app's Content-Security-Policy forbids inline scripts, so these contexts (and only these)
bypass CSP to inject axe.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    Browsing,
    Server,
    choose_language,
    language,
    open_partnership_page,
    open_student,
    output_path,
)

pytestmark = pytest.mark.e2e

BLOCKING = ("serious", "critical")
KNOWN: dict[str, tuple[str, ...]] = {}  # rule → node markers accepted for now: none
REGISTRAR = "registrar.nice@example.org"
STUDENT = "student@example.org"
HAIKOU_REGISTRAR = "registrar.haikou@example.org"


def _go(path: str) -> Callable[[Any, Server], None]:
    return lambda page, _server: page.goto(path)


def _course(page: Any, _server: Server) -> None:
    page.goto("/courses?q=M1-INF-02")
    page.locator("main table a", has_text=re.compile(r"^M1-INF-02$")).click()
    expect(page).to_have_url(re.compile(r"/courses/\d+$"))


def _equivalences(page: Any, _server: Server) -> None:
    page.goto(open_partnership_page(page) + "/equivalences")


def _equivalence(page: Any, _server: Server) -> None:
    page.goto(open_partnership_page(page) + "/equivalences?status=proposed")
    page.locator("table.equivalence-table tbody tr a").first.click()
    expect(page).to_have_url(re.compile(r"/equivalences/\d+$"))


def _from_my_studies(selector: str) -> Callable[[Any, Server], None]:
    """A link of the student's own record page (/my-studies)."""
    def go(page: Any, _server: Server) -> None:
        page.goto("/my-studies")
        with page.expect_navigation():
            page.locator(selector).first.click()
    return go


def _offering(page: Any, _server: Server) -> None:
    page.goto("/teaching")
    page.locator("main table a[href^='/teaching/offerings/']").first.click()
    expect(page).to_have_url(re.compile(r"/teaching/offerings/\d+$"))


def _diploma(suffix: str) -> Callable[[Any, Server], None]:
    def go(page: Any, _server: Server) -> None:
        # student13: issued in the demo, never touched by the journeys.
        page.goto(open_student(page, "student13@example.org") + suffix)
    return go


def _verdict(page: Any, server: Server) -> None:
    page.goto(f"/verify/{server.verification_code()}")


# name: (who, how to get there, language). Each page is checked once, in the language of the
# people who mostly read it (Nice's registrar in French; Haikou's registrar and 李明 in Chinese;
# the public pages one in each): both languages are covered without checking every page twice.
PAGES: dict[str, tuple[str | None, Callable[[Any, Server], None], str]] = {
    "login": (None, _go("/login"), "fr"),
    "home-registrar": (REGISTRAR, _go("/"), "fr"),
    "home-student": (STUDENT, _go("/"), "zh"),
    "catalog-search": (REGISTRAR, _go("/courses?q=systemes"), "fr"),
    "course": (REGISTRAR, _course, "fr"),
    "equivalences": (REGISTRAR, _equivalences, "fr"),
    "equivalence": (HAIKOU_REGISTRAR, _equivalence, "zh"),
    "student-audit": (STUDENT, _from_my_studies("main a[href$='/audit']"), "zh"),
    "study-plan": (STUDENT, _from_my_studies("main a[href^='/plans/']"), "zh"),
    "teaching-calendar": (HAIKOU_REGISTRAR, _go("/institutions/HAINANU/teaching-calendar"),
                          "zh"),
    "teaching-offering": ("professor.nice@example.org", _offering, "fr"),
    "diploma": (HAIKOU_REGISTRAR, _diploma("/diploma"), "zh"),
    "transcript": (REGISTRAR, _diploma("/transcript"), "fr"),
    "verify": (None, _go("/verify"), "zh"),
    "verify-result": (None, _verdict, "fr"),
}


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} — {v['helpUrl']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:160]}")
        if len(v["nodes"]) > 5:
            lines.append(f"    … and {len(v['nodes']) - 5} more")
    return "\n".join(lines)


def run_axe(page: Any, axe_script: Path) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(axe_script))
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return results["violations"]


def unknown(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The violations, without the nodes of KNOWN (reported) problems."""
    kept = []
    for v in violations:
        markers = KNOWN.get(v["id"], ())
        nodes = [n for n in v["nodes"] if not any(m in n["html"] for m in markers)]
        if nodes:
            kept.append({**v, "nodes": nodes})
    return kept


@pytest.mark.parametrize("name", [pytest.param(name, id=f"{name}-{spec[2]}")
                                  for name, spec in PAGES.items()])
def test_no_serious_accessibility_violations(axe_script: Path, browsing: Browsing,
                                             server: Server, name: str) -> None:
    who, go, key = PAGES[name]
    lang = language(key)
    page = browsing.page_as(lang, who, bypass_csp=True)
    go(page, server)
    choose_language(page, lang)
    violations = run_axe(page, axe_script)
    output_path(browsing.test_name, ".axe").with_suffix(".json").write_text(
        json.dumps({"url": page.url, "violations": violations}, ensure_ascii=False, indent=2),
        encoding="utf-8")
    browsing.screenshot(page)
    blocking = [v for v in unknown(violations) if v.get("impact") in BLOCKING]
    assert not blocking, (f"axe-core: {len(blocking)} serious/critical violation(s) on "
                          f"{page.url}:\n{describe(blocking)}")
