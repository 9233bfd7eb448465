"""Four journeys through the served app in a real browser, each in French and in Chinese.

Every journey starts from the demo and leaves state behind (a course, an equivalence, a planned
course, a weekly lecture, a diploma record). Each language's run uses state of its own (its own
course codes, its own professor) or adapts to what another run left (the diploma journey), so the
tests hold in any order and alone.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    REPO,
    Browsing,
    Language,
    Server,
    language,
    log_in,
    open_partnership_page,
    open_student,
)

pytestmark = pytest.mark.e2e

# The columns of the shipped template (jointdegree/static/catalog-template.csv, with a BOM).
TEMPLATE = REPO / "jointdegree" / "static" / "catalog-template.csv"
with TEMPLATE.open(encoding="utf-8-sig", newline="") as _template:
    CATALOG_COLUMNS = next(csv.reader(_template))

# The demo's programmes, as each language names them (multilingual data, not UI strings).
DEGREES = {
    "fr": ("Master mention Informatique", "Master en sciences et technologies informatiques"),
    "zh_Hans": ("计算机科学硕士（法国国家硕士）", "计算机科学与技术（学术型硕士）"),
}
# Each language's professor and the Haikou course of each language's equivalence.
PROFESSORS = {"fr": "professor.nice@example.org", "zh_Hans": "professor.haikou@example.org"}
PARTNER_COURSE = {"fr": "CS5212", "zh_Hans": "CS5214"}


def short(lang: Language) -> str:
    return lang.code.split("_")[0].upper()


def flash(page: Any, category: str = "success") -> Any:
    return page.locator(f".flashes .flash-{category}")


# -- 1. a registrar imports a catalog, and an equivalence is approved from both sides -------------

def write_catalog(folder: Path, code: str) -> Path:
    """A one-course catalog file following the README's columns (and the shipped template)."""
    path = folder / f"catalog-{code.lower()}.csv"
    row = {name: "" for name in CATALOG_COLUMNS}
    row.update({
        "code": code, "title_fr": f"Tests de bout en bout ({code})",
        "title_zh": f"端到端测试（{code}）", "title_en": f"End-to-end testing ({code})",
        "description_fr": "Tester une application web dans un vrai navigateur.",
        "description_en": "Testing a web application in a real browser.",
        "credits": "3", "contact_hours": "30", "self_study_hours": "45", "level": "master",
        "isced": "0613", "languages": "fr;en", "delivery": "on_campus", "kind": "lecture",
        "status": "active"})
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CATALOG_COLUMNS)
        writer.writeheader()
        writer.writerow(row)
    return path


def test_registrar_imports_catalog_and_equivalence_is_approved_by_both(
        browsing: Browsing, lang: Language, tmp_path: Path) -> None:
    code = f"E2E-{short(lang)}-01"
    partner = PARTNER_COURSE[lang.code]
    nice = browsing.new_page(lang)
    log_in(nice, lang, "registrar.nice@example.org")

    # Import: upload → preview (what would change) → confirm.
    nice.goto("/institutions/UCA/catalog/import")
    expect(nice.locator("h1")).to_have_text(lang.t("Import a catalog"))
    nice.get_by_label(lang.t("Catalog file (CSV or XLSX)")).set_input_files(
        write_catalog(tmp_path, code))
    nice.get_by_role("button", name=lang.t("Check the file"), exact=True).click()
    preview = nice.locator("section.report")
    expect(preview).to_contain_text(lang.t("Ready to import %(file)s",
                                           file=f"catalog-{code.lower()}.csv"))
    expect(preview).to_contain_text(
        lang.tn("%(num)d new course", "%(num)d new courses", 1) + ": " + code)
    browsing.screenshot(nice, "-1-import-preview")
    with nice.expect_navigation():
        preview.get_by_role("button", name=lang.t("Import"), exact=True).click()
    expect(flash(nice)).to_have_text(lang.t(
        "Catalog imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.",
        created=1, updated=0, unchanged=0))

    # The Nice registrar proposes the equivalence: the proposer's side counts as approving.
    partnership_url = open_partnership_page(nice)
    nice.get_by_role("link", name=lang.t("Course equivalences")).click()
    nice.get_by_role("link", name=lang.t("Propose an equivalence")).click()
    expect(nice.locator("h1")).to_have_text(lang.t("Propose an equivalence"))
    for field_label, wanted in (("Courses at the first institution", code),
                                ("Courses at the partner institution", partner)):
        select = nice.get_by_label(lang.t(field_label), exact=True)
        value = select.locator("option", has_text=re.compile(rf"^{re.escape(wanted)} — ")
                               ).get_attribute("value")
        select.select_option(value)
    nice.get_by_label(lang.t("Note"), exact=True).fill(f"e2e ({lang.code})")
    with nice.expect_navigation():
        nice.get_by_role("button", name=lang.t("Propose equivalence"), exact=True).click()
    expect(flash(nice)).to_have_text(lang.t(
        "Equivalence proposed; the partner's registrars are asked to approve it."))
    equivalence_url = nice.url
    assert re.search(r"/equivalences/\d+$", equivalence_url), equivalence_url
    expect(nice.locator("h1 .tag.status-proposed")).to_have_text(lang.t("Proposed"))
    # Nice's approval is recorded with the proposal.
    expect(decisions_list(nice, lang).locator("li", has_text="UCA · Claire Martin · ")
           ).to_have_count(1)
    expect(nice.get_by_role("button", name=lang.t("Approve for my institution"))).to_have_count(0)
    browsing.screenshot(nice, "-2-proposed")

    # The Haikou registrar approves too: the equivalence takes effect.
    haikou = browsing.new_page(lang)
    log_in(haikou, lang, "registrar.haikou@example.org")
    haikou.goto(equivalence_url)
    expect(haikou.locator("main")).to_contain_text(code)
    with haikou.expect_navigation():
        haikou.get_by_role("button", name=lang.t("Approve for my institution"),
                           exact=True).click()
    expect(haikou.locator("h1 .tag.status-approved")).to_be_visible()
    expect(decisions_list(haikou, lang).locator("li", has_text="HAINANU · 王丽 (Wang Li) · ")
           ).to_have_count(1)

    # Both sides see it among the approved equivalences.
    nice.goto(partnership_url + "/equivalences?status=approved")
    row = nice.locator("table.equivalence-table tbody tr", has_text=code)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(partner)
    expect(row.locator(".tag.status-approved")).to_have_count(1)
    browsing.screenshot(nice)


def decisions_list(page: Any, lang: Language) -> Any:
    return page.locator("section", has=page.get_by_role(
        "heading", name=lang.t("Decisions"), exact=True)).locator("ul").first


def test_equivalence_statuses_and_decisions_read_right(browsing: Browsing) -> None:
    lang = language("fr")
    page = browsing.new_page(lang)
    log_in(page, lang, "registrar.nice@example.org")
    partnership_url = open_partnership_page(page)
    page.goto(partnership_url + "/equivalences?status=approved")
    tag = page.locator("table.equivalence-table tbody tr .tag.status-approved").first
    page.locator("table.equivalence-table tbody tr a").first.click()
    decision = decisions_list(page, lang).locator("li", has_text="HAINANU · ")
    problems = []
    if (text := page.locator("h1 .tag").inner_text()) != lang.t("Approved"):
        problems.append(f"equivalence status reads {text!r}")
    if lang.t("approved") not in decision.inner_text():
        problems.append(f"decision reads {decision.inner_text()!r}")
    page.go_back()
    if (text := tag.inner_text()) != lang.t("Approved"):
        problems.append(f"list status reads {text!r}")
    assert not problems, problems


# -- 2. a student builds a plan and reads both audits --------------------------------------------

def test_student_builds_plan_and_reads_both_audits(browsing: Browsing, lang: Language) -> None:
    page = browsing.new_page(lang)
    log_in(page, lang, "student@example.org")
    expect(page.locator("h1")).to_have_text(lang.t("Welcome, %(name)s", name="李明 (Li Ming)"))

    page.goto("/my-studies")
    page.locator("main a[href^='/plans/']").first.click()
    expect(page.get_by_role("link", name=lang.t("Audit this plan"))).to_be_visible()

    # The last semester of the path that still offers courses: add its first one.
    semester = page.locator("section.semester", has=page.locator("select")).last
    expect(semester).to_be_visible()
    select = semester.get_by_label(lang.t("Course"), exact=True)
    option = select.locator("option").first
    course_code = (option.text_content() or "").split(" — ")[0].strip()
    assert course_code, "the semester offers no course to add"
    select.select_option(option.get_attribute("value"))
    with page.expect_navigation():
        semester.get_by_role("button", name=lang.t("Add"), exact=True).click()
    expect(flash(page)).to_have_text(lang.t("%(code)s added.", code=course_code))
    added = page.locator("section.semester table a", has_text=re.compile(
        rf"^{re.escape(course_code)}$"))
    expect(added).to_have_count(1)
    browsing.screenshot(page, "-1-plan")

    # The audit of this plan: both degrees side by side.
    with page.expect_navigation():
        page.get_by_role("link", name=lang.t("Audit this plan")).click()
    expect(page.locator("h1")).to_have_text(lang.t("Degree audit"))
    main = page.locator("main")
    for degree in DEGREES[lang.code]:
        expect(main.get_by_role("heading", name=degree, exact=True)).to_be_visible()
    browsing.screenshot(page)


# -- 3. a professor finds a slot and schedules a weekly lecture -----------------------------------

def test_professor_finds_slot_and_schedules_weekly_lecture(
        browsing: Browsing, lang: Language) -> None:
    page = browsing.new_page(lang)
    log_in(page, lang, PROFESSORS[lang.code])
    page.goto("/teaching")
    expect(page.locator("h1")).to_have_text(lang.t("Course offerings"))
    page.locator("main table a[href^='/teaching/offerings/']").first.click()
    expect(page.get_by_role("heading", name=lang.t("Slots that suit both campuses"))
           ).to_be_visible()
    lectures = page.get_by_role("heading", name=re.compile(
        "^" + re.escape(lang.t("Weekly lecture")) + " · "))
    before = lectures.count()

    # The slot finder's best proposal prefills the form.
    slots = page.locator("section.panel", has=page.get_by_role(
        "heading", name=lang.t("Slots that suit both campuses")))
    best = slots.locator("tbody tr").first
    slot_text = best.locator("td").first.inner_text()
    start = re.search(r"\d{2}:\d{2}", slot_text)
    assert start, slot_text
    browsing.screenshot(page, "-1-slots")
    with page.expect_navigation():
        best.get_by_role("link", name=lang.t("Use this slot")).click()
    form = page.locator("#schedule")
    expect(form.get_by_label(lang.t("Start (local time in that zone)"))).to_have_value(
        start.group(0))
    form.get_by_label(lang.t("Mode"), exact=True).select_option("remote")
    form.get_by_label(lang.t("Video link (https)")).fill("https://visio.example.org/e2e-lecture")
    form.get_by_label(lang.t("Cancel the weeks that clash (holidays, closures, other lectures) "
                             "instead of refusing")).check()
    with page.expect_navigation():
        form.get_by_role("button", name=lang.t("Schedule"), exact=True).click()

    expect(flash(page)).to_be_visible()
    expect(page.locator(".flashes .flash-error")).to_have_count(0)
    expect(lectures).to_have_count(before + 1)
    expect(page.get_by_role("heading", name=re.compile(
        re.escape(lang.t("Weekly lecture")) + r" · " + start.group(0)))).to_have_count(1)
    browsing.screenshot(page)


# -- 4. a combined diploma is issued by both registrars and verified by anyone -------------------

def test_registrars_issue_diploma_and_visitor_verifies_it(
        browsing: Browsing, lang: Language) -> None:
    """student12 is the demo's ready-to-graduate student without a record. The first run (in
    either language) requests it; a later run finds the record issued and goes through the
    correction path instead — revoke with a reason, issue a replacement — so both runs end with
    two approvals, a new verification code and a "Valid" answer for it."""
    email = "student12@example.org"
    nice = browsing.new_page(lang)
    log_in(nice, lang, "registrar.nice@example.org")
    student_url = open_student(nice, email)
    with nice.expect_navigation():
        nice.get_by_role("link", name=lang.t("Combined diploma"), exact=True).click()
    expect(nice.locator("h1")).to_have_text(lang.t("Combined diploma record"))
    diploma_url = nice.url

    revoked_code = None
    records = nice.locator("section.diploma")
    if records.count() == 0:
        with nice.expect_navigation():
            nice.get_by_role("button", name=lang.t("Request the combined diploma record"),
                             exact=True).click()
        expect(flash(nice)).to_have_text(lang.t(
            "Diploma record requested: each institution now approves it."))
    else:  # another run issued it: correct it the only way there is
        issued = records.last
        expect(issued.locator("h2 .tag")).to_have_text(lang.t("Issued"))
        revoked_code = issued.locator("dd code").inner_text()
        issued.get_by_label(lang.t("Reason"), exact=True).fill(
            f"e2e ({lang.code}): correction of the signatory's title")
        with nice.expect_navigation():
            issued.get_by_role("button", name=lang.t("Revoke"), exact=True).click()
        expect(flash(nice)).to_have_text(lang.t("Record revoked; verification now says so."))
        with nice.expect_navigation():
            nice.get_by_role("button", name=lang.t("Issue a replacement"), exact=True).click()
        expect(flash(nice)).to_have_text(lang.t("A replacement record is waiting for approval."))

    pending = records.last
    expect(pending.locator("h2 .tag")).to_have_text(lang.t("Waiting for both approvals"))
    pending.get_by_label(lang.t("Signatory's title"), exact=True).fill(
        "Directrice de la scolarité")
    with nice.expect_navigation():
        pending.get_by_role("button", name=lang.t("Approve for my institution"),
                            exact=True).click()
    expect(flash(nice)).to_have_text(lang.t("Approved."))
    browsing.screenshot(nice, "-1-approved-by-nice")

    haikou = browsing.new_page(lang)
    log_in(haikou, lang, "registrar.haikou@example.org")
    haikou.goto(diploma_url)
    record = haikou.locator("section.diploma").last
    expect(record.locator("h2 .tag")).to_have_text(lang.t("Waiting for both approvals"))
    record.get_by_label(lang.t("Signatory's title"), exact=True).fill("研究生院院长")
    with haikou.expect_navigation():
        record.get_by_role("button", name=lang.t("Approve for my institution"),
                           exact=True).click()
    expect(flash(haikou)).to_have_text(lang.t(
        "Approved by both institutions: the record is issued and signed."))
    record = haikou.locator("section.diploma").last
    expect(record.locator("h2 .tag")).to_have_text(lang.t("Issued"))
    code = record.locator("dd code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code), code
    assert code != revoked_code
    expect(record).to_contain_text("Directrice de la scolarité")
    expect(record).to_contain_text("研究生院院长")
    browsing.screenshot(haikou)

    # The transcript of the same student.
    haikou.goto(student_url.rstrip("/") + "/transcript")
    expect(haikou.locator("main > h1")).to_have_text(lang.t("Double-degree transcript"))
    expect(haikou.locator("article.document")).to_contain_text("徐娜")
    browsing.screenshot(haikou, "-transcript")

    # Anyone, logged in nowhere, checks the code.
    visitor = browsing.new_page(lang)
    visitor.goto("/verify")
    expect(visitor.locator("h1")).to_have_text(lang.t("Verify a double-diploma record"))
    type_code(visitor, lang, code)
    verdict = visitor.locator(".verdict")
    expect(verdict.get_by_role("heading")).to_have_text(lang.t("Valid"))
    expect(verdict).to_contain_text("徐娜")
    browsing.screenshot(visitor, "-verify")
    if revoked_code:
        type_code(visitor, lang, revoked_code)
        expect(verdict.get_by_role("heading")).to_have_text(lang.t("Revoked"))


def type_code(page: Any, lang: Language, code: str) -> None:
    """Type ``code`` into the public verification form and send it."""
    page.get_by_label(lang.t("Verification code"), exact=True).fill(code)
    with page.expect_navigation():
        page.get_by_role("button", name=lang.t("Verify"), exact=True).click()
    assert page.url.endswith(f"/verify/{code}"), page.url


def test_visitor_types_a_code_and_gets_a_verdict(browsing: Browsing, server: Server) -> None:
    """The demo's valid code (printed by `jointdegree demo`), typed on /verify by a visitor."""
    lang = language("zh")
    page = browsing.new_page(lang)
    page.goto("/verify")
    type_code(page, lang, server.verification_code())
    assert page.locator(".verdict h2").count() == 1, f"no verdict at {page.url}"
    expect(page.locator(".verdict h2")).to_have_text(lang.t("Valid"))
