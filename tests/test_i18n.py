"""Three languages: negotiation, the switcher, complete catalogs, locale-aware formatting."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from jointdegree import i18n_tools
from jointdegree.i18n import negotiate, normalize_locale, pick_text
from tests.support import csrf_token, login

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ("fr", "zh_Hans")


@pytest.mark.parametrize(("tag", "expected"), [
    ("zh-CN", "zh_Hans"), ("zh", "zh_Hans"), ("zh-Hans-CN", "zh_Hans"), ("zh_SG", "zh_Hans"),
    ("fr-FR", "fr"), ("fr-CA", "fr"), ("en-GB", "en"), ("de-DE", None), ("", None)])
def test_browser_tags_map_to_our_catalogs(tag, expected) -> None:
    assert normalize_locale(tag) == expected


def test_accept_language_order_and_quality() -> None:
    assert negotiate([("de", 1.0), ("zh-CN", 0.8), ("fr", 0.5)]) == "zh_Hans"
    assert negotiate([("fr", 0.0), ("de", 1.0)]) is None


def test_multilingual_text_falls_back_en_fr_zh() -> None:
    assert pick_text({"fr": "Systèmes", "zh": "系统", "en": "Systems"}, "zh_Hans") == "系统"
    assert pick_text({"fr": "Systèmes", "zh": None, "en": "Systems"}, "zh_Hans") == "Systems"
    assert pick_text({"fr": "Systèmes", "zh": "", "en": None}, "zh_Hans") == "Systèmes"
    assert pick_text({"fr": None, "zh": "系统", "en": None}, "fr") == "系统"


def _catalog(locale: str):
    with open(ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=locale)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated(locale: str) -> None:
    catalog = _catalog(locale)
    missing = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            missing.append(message.id)
    assert not missing, f"{locale}: untranslated or fuzzy: {missing}"


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_the_placeholders(locale: str) -> None:
    placeholder = re.compile(r"%\((\w+)\)[sd]")
    for message in _catalog(locale):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(placeholder.findall(ids[-1]))
        for text in strings:
            assert set(placeholder.findall(text)) <= wanted | set(placeholder.findall(ids[0])), (
                f"{locale}: {ids[0]!r} → {text!r}")


def test_the_message_template_is_up_to_date(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    i18n_tools.extract(str(fresh))
    with open(fresh, "rb") as handle:
        current = {m.id for m in read_po(handle) if m.id}
    with open(ROOT / "translations" / "messages.pot", "rb") as handle:
        committed = {m.id for m in read_po(handle) if m.id}
    assert current == committed, ("run `make update-translations` and translate: "
                                  f"new {sorted(map(str, current - committed))[:5]}, "
                                  f"gone {sorted(map(str, committed - current))[:5]}")
    for locale in LOCALES:
        ids = {m.id for m in _catalog(locale) if m.id}
        assert ids == current, f"{locale} catalog differs from the template"


@pytest.mark.parametrize(("header", "lang_attr", "text"), [
    ("fr-FR,fr;q=0.9", "fr", "Se connecter"),
    ("zh-CN,zh;q=0.9,en;q=0.5", "zh-Hans", "登录"),
    ("de-DE", "en", "Log in"),
])
def test_login_page_follows_accept_language(client, header, lang_attr, text) -> None:
    page = client.get("/login", headers={"Accept-Language": header}).get_data(as_text=True)
    assert f'<html lang="{lang_attr}">' in page
    assert text in page


def test_switcher_is_remembered_for_a_visitor(client) -> None:
    response = client.post("/language", data={"lang": "zh_Hans", "next": "/login",
                                              "csrf_token": csrf_token(client)})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    page = client.get("/login", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="zh-Hans">' in page


def test_switcher_needs_csrf_and_a_known_language(client) -> None:
    assert client.post("/language", data={"lang": "fr"}).status_code == 400
    assert client.post("/language", data={"lang": "klingon",
                                          "csrf_token": csrf_token(client)}).status_code == 400


def test_a_users_choice_beats_the_browser_and_is_saved(app, client, world, db) -> None:
    from sqlalchemy import select

    from jointdegree.auth.models import User

    login(client, "reg.haikou@example.org")
    client.post("/language", data={"lang": "zh_Hans", "next": "/",
                                   "csrf_token": csrf_token(client, "/")})
    assert db.scalar(select(User.locale).where(User.email == "reg.haikou@example.org")
                     ) == "zh_Hans"
    fresh = app.test_client()  # another browser, asking for French
    login(fresh, "reg.haikou@example.org")
    page = fresh.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="zh-Hans">' in page


def test_dates_and_numbers_are_formatted_for_the_locale(app) -> None:
    from flask_babel import force_locale, format_date, format_decimal

    with app.test_request_context():
        day = date(2027, 1, 22)
        with force_locale("fr"):
            assert format_date(day, "long") == "22 janvier 2027"
            assert format_decimal(1234.5) == "1\u202f234,5"
        with force_locale("zh_Hans"):
            assert format_date(day, "long") == "2027年1月22日"
        with force_locale("en"):
            assert format_date(day, "long") == "January 22, 2027"


@pytest.mark.parametrize(("lang", "expected"), [("fr", "Page introuvable"),
                                                ("zh-CN", "页面不存在"),
                                                ("en", "Page not found")])
def test_error_pages_are_translated(client, lang, expected) -> None:
    response = client.get("/no/such/page", headers={"Accept-Language": lang})
    assert response.status_code == 404
    assert expected in response.get_data(as_text=True)


@pytest.mark.parametrize(("honours", "language", "shown"), [
    ("bien", "en", "bien (good)"), ("bien", "zh-CN", "bien（好）"), ("bien", "fr", "bien"),
    ("passable", "en", "passable (pass)"), ("très bien", "zh-CN", "très bien（很好）")])
def test_french_honours_keep_their_word_and_are_glossed_for_other_readers(
        app, honours: str, language: str, shown: str) -> None:
    from jointdegree.labels import honours_text

    with app.test_request_context(headers={"Accept-Language": language}):
        assert honours_text(honours) == shown
        assert honours_text(None) == ""


def test_the_english_problem_texts_and_their_translatable_twins_agree(app) -> None:
    """Pure modules word file problems in English (CLI, logs); labels.py holds the same texts
    for the translators. A key or a wording changed on one side only is caught here."""
    import re

    from jointdegree.catalog.records import ROW_REASONS
    from jointdegree.labels import ICS_PROBLEM_TEXT, ROW_REASON_TEXT
    from jointdegree.teaching.ical import MESSAGES

    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert {k: str(v) for k, v in ICS_PROBLEM_TEXT.items()} == MESSAGES
        english = {key: re.sub(r"\{(\w+)\}", r"%(\1)s", text) for key, text in ROW_REASONS.items()
                   if key != "message"}  # (already worded by the service that found it)
        assert {k: str(v) for k, v in ROW_REASON_TEXT.items()} == english


def test_calendar_file_problems_are_worded_in_the_readers_language(app, world) -> None:
    from jointdegree.db import session
    from jointdegree.errors import ValidationFailed
    from jointdegree.teaching import feeds

    data = (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nSUMMARY:Cours\r\nEND:VEVENT\r\n"
            b"END:VCALENDAR\r\n")
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        professor = session.merge(world["professor"])
        with pytest.raises(ValidationFailed) as refused:
            feeds.import_availability(professor, data, "busy.ics", professor)
    messages = [str(m) for m in refused.value.fields.values()]
    assert messages == ["第 2 行：事件“Cours”没有开始时间（DTSTART）"], messages
