"""Error pages: translated HTML for people, JSON for the API, never a traceback."""

from __future__ import annotations

import pytest

from tests.support import login


@pytest.fixture
def broken_app(app):
    @app.route("/boom")
    def boom():
        raise RuntimeError("an unexpected bug")

    @app.route("/api/v1/boom")
    def api_boom():
        raise RuntimeError("an unexpected bug")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


@pytest.mark.parametrize(("lang", "text"), [("fr", "Une erreur"), ("zh-CN", "出错"),
                                            ("en", "Something went wrong")])
def test_an_internal_error_shows_a_translated_page(broken_app, db, lang, text) -> None:
    response = broken_app.test_client().get("/boom", headers={"Accept-Language": lang})
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert text in page
    assert "an unexpected bug" not in page and "Traceback" not in page


def test_an_internal_error_in_the_api_is_json(broken_app, db) -> None:
    response = broken_app.test_client().get("/api/v1/boom")
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_error"


@pytest.mark.parametrize(("lang", "text"), [("fr", "Accès refusé"), ("zh-CN", "无权"),
                                            ("en", "Not allowed")])
def test_forbidden_pages_are_translated(client, world, lang, text) -> None:
    login(client, "student@example.org")
    response = client.get("/institutions/new", headers={"Accept-Language": lang})
    assert response.status_code == 403
    assert text in response.get_data(as_text=True)


def test_json_answers_keep_chinese_readable(client, world) -> None:
    response = client.get("/api/v1/me", headers={"Accept-Language": "zh-CN"})
    assert "令牌" in response.get_data(as_text=True)  # UTF-8, not \\u escapes
