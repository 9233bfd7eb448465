"""Languages: which one a request is served in, and how multilingual text is picked.

Locale order: the user's saved choice (or the ``lang`` cookie of an anonymous visitor) →
``Accept-Language`` → English. Browsers send ``zh-CN``, ``zh-SG`` or plain ``zh``; all of them
map to the ``zh_Hans`` catalog (Traditional-script requests too: Simplified Chinese is closer for
them than English).

Multilingual fields (``name_fr``, ``name_zh``, ``name_en``) are shown in the viewer's language,
falling back to English, then French, then Chinese — the order in which the partners' documents
are most often complete.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, g, has_request_context, request
from flask_babel import Babel, get_locale

LANGUAGES: dict[str, str] = {"en": "English", "fr": "Français", "zh_Hans": "中文"}
DEFAULT_LOCALE = "en"
LANG_COOKIE = "jointdegree_lang"
# Short suffix of a multilingual column for each locale.
FIELD_SUFFIX: dict[str, str] = {"en": "en", "fr": "fr", "zh_Hans": "zh"}
FALLBACK_ORDER: tuple[str, ...] = ("en", "fr", "zh")


def normalize_locale(tag: str | None) -> str | None:
    """Map a browser or user language tag to one of :data:`LANGUAGES`, or ``None``."""
    if not tag:
        return None
    tag = tag.strip().replace("_", "-").lower()
    primary = tag.split("-", 1)[0]
    if primary == "zh":
        return "zh_Hans"
    if primary in ("en", "fr"):
        return primary
    return None


def negotiate(accept: list[tuple[str, float]]) -> str | None:
    """Pick the best supported locale from ``Accept-Language`` entries (already ordered by q)."""
    for tag, quality in accept:
        if quality <= 0:
            continue
        found = normalize_locale(tag)
        if found:
            return found
    return None


def select_locale() -> str:
    if not has_request_context():  # CLI: messages in English
        return DEFAULT_LOCALE
    if request.path.startswith("/api/") and request.endpoint != "api.docs":
        # the API answers in the request's language only (the reference page is a web page)
        return negotiate(list(request.accept_languages)) or DEFAULT_LOCALE
    from flask_login import current_user

    if getattr(current_user, "is_authenticated", False) and current_user.locale in LANGUAGES:
        return current_user.locale
    cookie = normalize_locale(request.cookies.get(LANG_COOKIE))
    if cookie:
        return cookie
    return negotiate(list(request.accept_languages)) or DEFAULT_LOCALE


def select_timezone() -> str | None:
    if not has_request_context():
        return None
    from flask_login import current_user

    if getattr(current_user, "is_authenticated", False):
        if current_user.timezone:
            return current_user.timezone
        if current_user.institution is not None:  # default: the home campus's zone
            return current_user.institution.timezone
    return None


def current_locale_code() -> str:
    """The request's locale as one of :data:`LANGUAGES` (computed once per request)."""
    if has_request_context():
        cached = g.get("_locale_code")
        if cached:
            return cached
    locale = get_locale()
    code = (normalize_locale(str(locale)) if locale is not None else None) or DEFAULT_LOCALE
    if has_request_context():
        g._locale_code = code
    return code


def content_language() -> str:
    """The request's language as multilingual data names it (``fr``, ``zh``, ``en``): the key of
    ``name_zh``-style fields, of requirement labels and of scale names."""
    code = current_locale_code()
    return FIELD_SUFFIX.get(code, code)


def pick_text(values: Mapping[str, str | None], locale: str | None = None) -> str:
    """The text for ``locale`` (``fr``/``zh``/``en`` keys), with the documented fallback order."""
    wanted = FIELD_SUFFIX.get(locale or "", locale or "")
    for key in (wanted, *FALLBACK_ORDER):
        text = values.get(key)
        if text:
            return text
    return ""


def localized(obj: Any, field: str, locale: str | None = None) -> str:
    """``obj.<field>_fr|_zh|_en`` in the viewer's language, with fallback."""
    values = {suffix: getattr(obj, f"{field}_{suffix}", None) for suffix in ("fr", "zh", "en")}
    return pick_text(values, locale or current_locale_code())


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    Babel(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, localized=localized,
                                 current_locale_code=current_locale_code)
