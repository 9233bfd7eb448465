"""Each role lands on its own home page, with its own navigation."""

from __future__ import annotations

import re

import pytest

from tests.support import login


def _nav(page: str) -> list[str]:
    nav = re.search(r'<nav class="main-nav".*?</nav>', page, re.S)
    return re.findall(r'href="([^"]+)"', nav.group(0)) if nav else []


@pytest.mark.parametrize(("email", "sees", "does_not_see"), [
    ("reg.nice@example.org", ["Propose a double degree"], ["New institution"]),
    ("admin@example.org", ["New institution", "Propose a double degree"], []),
    ("prof@example.org", [], ["New institution", "Propose a double degree"]),
    ("student@example.org", [], ["New institution", "Propose a double degree"]),
])
def test_actions_depend_on_the_role(client, world, email, sees, does_not_see) -> None:
    login(client, email)
    page = client.get("/institutions").get_data(as_text=True) + client.get(
        "/partnerships").get_data(as_text=True)
    for text in sees:
        assert text in page
    for text in does_not_see:
        assert text not in page


def test_every_role_gets_a_navigation_and_an_inbox(client, world) -> None:
    for email in ("reg.nice@example.org", "prof@example.org", "student@example.org"):
        login(client, email)
        page = client.get("/").get_data(as_text=True)
        assert "/institutions" in _nav(page)
        assert "Inbox" in page
        client.post("/logout", data={"csrf_token": re.search(
            r'name="csrf_token" value="([^"]+)"', page).group(1)})


def test_home_cards_differ_by_role(app, client, world) -> None:
    partnership_link = f'href="/partnerships/{world["partnership"].id}"'
    login(client, "reg.haikou@example.org")
    registrar_home = client.get("/").get_data(as_text=True)
    assert partnership_link in registrar_home  # their double degrees
    assert "University HAIKOU" in registrar_home  # their institution
    # the Nice registrar's partnership proposal is waiting in the Haikou registrar's inbox
    assert "proposed the double-degree partnership NH-CS" in registrar_home

    student = app.test_client()
    login(student, "student@example.org")
    student_home = student.get("/").get_data(as_text=True)
    assert "University HAIKOU" in student_home
    assert partnership_link not in student_home
    assert "Nothing new" in student_home


def test_the_anonymous_visitor_sees_no_navigation(client) -> None:
    assert _nav(client.get("/login").get_data(as_text=True)) == []
