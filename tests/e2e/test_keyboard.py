"""Keyboard only: log in, pick the language, reach the study plan and add a course with Tab,
arrow keys and Enter — never a mouse click. Along the way every focused element must show a
focus indicator, be visible on screen, and come after the previous one in the document (the
focus order follows the reading order: no positive tabindex, no jump backwards, no trap)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from jointdegree.demo import DEMO_PASSWORD
from tests.e2e.conftest import Browsing, Language

pytestmark = pytest.mark.e2e

MAX_TABS = 400  # more Tab presses than any page needs: beyond it the focus is lost or trapped

# What the focused element is and how it looks, and whether it follows the previous one.
FOCUS_STATE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const box = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  const previous = window.__e2eLastFocused;
  const follows = !previous || previous === el ||
    Boolean(previous.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
  window.__e2eLastFocused = el;
  const label = (el.getAttribute('aria-label') || el.innerText || el.value || '').trim();
  return {
    element: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
             (el.getAttribute('href') ? '[href="' + el.getAttribute('href') + '"]' : '') +
             (el.getAttribute('name') ? '[name="' + el.getAttribute('name') + '"]' : '') +
             (label ? ' "' + label.slice(0, 40) + '"' : ''),
    ring: (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) ||
          style.boxShadow !== 'none',
    shown: box.width > 0 && box.height > 0 && style.visibility !== 'hidden' &&
           box.bottom > 0 && box.top < innerHeight && box.right > 0 && box.left < innerWidth,
    follows,
  };
}"""


def focus_state(page: Any) -> dict[str, Any] | None:
    return page.evaluate(FOCUS_STATE)


def check_focus(state: dict[str, Any] | None, path: list[str]) -> None:
    assert state is not None, "the focus left the page's elements after: " + " → ".join(path)
    problems = [text for ok, text in ((state["ring"], "shows no focus indicator"),
                                      (state["shown"], "is not visible on screen"),
                                      (state["follows"], "comes before the previous element"))
                if not ok]
    assert not problems, (f"{state['element']} {', '.join(problems)}; focus path: "
                          + " → ".join(path[-12:]))


def tab_to(page: Any, selector: str, *, backwards: bool = False) -> list[str]:
    """Press Tab until the element matching ``selector`` has the focus, checking each stop;
    returns the path of focused elements."""
    page.evaluate("() => { window.__e2eLastFocused = null; }")
    path: list[str] = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        if backwards:
            page.evaluate("() => { window.__e2eLastFocused = null; }")
        state = focus_state(page)
        check_focus(state, path)
        assert state is not None
        path.append(state["element"])
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return path
    raise AssertionError(f"{selector} never got the focus in {MAX_TABS} Tab presses: "
                         + " → ".join(path[-20:]))


def focused_id(page: Any) -> str:
    return page.evaluate("() => document.activeElement.id")


def test_keyboard_only_login_and_plan_change(browsing: Browsing, lang: Language) -> None:
    page = browsing.new_page(lang)
    page.goto("/login")
    expect(page.locator("h1")).to_have_text(lang.t("Log in"))

    # The e-mail field has the focus on arrival; Tab moves on to the password.
    state = focus_state(page)
    assert state is not None and focused_id(page) == "email", state
    check_focus(state, [])
    page.keyboard.type("student@example.org")
    page.keyboard.press("Tab")
    assert focused_id(page) == "password"
    check_focus(focus_state(page), ["input#email"])
    page.keyboard.type(DEMO_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator('form[action="/logout"]')).to_be_visible()

    # First stop on a new page: the skip link, shown when focused; it leads into <main>.
    path = tab_to(page, "a.skip-link")
    assert len(path) == 1, path
    with page.expect_navigation(url=re.compile(r"#main$")):
        page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.querySelector('main').contains("
                         "document.activeElement)"), focus_state(page)

    # The language switcher, by keyboard.
    switch = f'form.lang-switch button[value="{lang.code}"]'
    if page.locator(switch).get_attribute("aria-pressed") != "true":
        tab_to(page, switch, backwards=True)
        with page.expect_navigation():
            page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", lang.html_lang)
    expect(page.locator("h1")).to_have_text(lang.t("Welcome, %(name)s", name="李明 (Li Ming)"))

    # To the study plan: links followed with Enter.
    page.goto("/my-studies")
    plan_link = page.locator("main a[href^='/plans/']").first
    href = plan_link.get_attribute("href")
    tab_to(page, f"main a[href='{href}']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(href or "") + "$"))
    browsing.screenshot(page, "-1-plan")

    # The last semester that offers courses: its course list, an arrow key, then its button.
    select_id = page.evaluate("() => [...document.querySelectorAll('section.semester select')]"
                              ".pop().id")
    assert select_id, "no semester of the plan offers a course"
    tab_to(page, f"#{select_id}")
    select = page.locator(f"#{select_id}")
    before = select.input_value()
    assert select.locator("option").count() > 1, "the demo offers several courses there"
    page.keyboard.press("ArrowDown")
    assert select.input_value() != before, "ArrowDown did not change the chosen course"
    chosen = select.locator("option:checked").inner_text()
    code = chosen.split(" — ")[0].strip()
    page.keyboard.press("Tab")
    state = focus_state(page)
    check_focus(state, [f"select#{select_id}"])
    add_button = page.evaluate(
        "(id) => document.activeElement === document.getElementById(id).form"
        ".querySelector('[type=submit]')", select_id)
    assert add_button, f"Tab from the course list went to {state}, not to its button"
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page.locator(".flashes .flash-success")).to_have_text(
        lang.t("%(code)s added.", code=code))
    expect(page.locator("section.semester table a", has_text=re.compile(
        rf"^{re.escape(code)}$"))).to_have_count(1)
    browsing.screenshot(page)
