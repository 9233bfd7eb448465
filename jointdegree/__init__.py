"""jointdegree: the double-degree service of partner universities (Nice – Haikou)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from jointdegree import paths
from jointdegree.config import ConfigError, check_database_url, instance_secret_key, read_settings

__all__ = ["ConfigError", "create_app"]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The only application factory.

    ``config`` overrides environment settings (tests pass ``DATABASE_URL`` and friends). Raises
    :class:`ConfigError` with a one-line message when a setting is wrong.
    """
    app = Flask(__name__, instance_relative_config=True,
                template_folder=str(paths.TEMPLATES), static_folder="static")
    overrides = dict(config or {})
    settings = read_settings(os.environ)
    settings.update({k: v for k, v in overrides.items() if k in settings})
    instance = Path(app.instance_path)
    if not settings["DATABASE_URL"]:
        instance.mkdir(parents=True, exist_ok=True)
        settings["DATABASE_URL"] = f"sqlite:///{instance / 'jointdegree.sqlite3'}"
    check_database_url(settings["DATABASE_URL"])
    if not settings["SECRET_KEY"]:
        settings["SECRET_KEY"] = instance_secret_key(instance)
    app.config.update(settings)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings["SESSION_COOKIE_SECURE"],
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings["SESSION_COOKIE_SECURE"],
        REMEMBER_COOKIE_DURATION=settings["REMEMBER_DAYS"] * 86400,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        BABEL_TRANSLATION_DIRECTORIES=str(paths.TRANSLATIONS),
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
    )
    app.config.update({k: v for k, v in overrides.items() if k not in settings})
    app.json.ensure_ascii = False  # type: ignore[attr-defined] - 中文 as text, not \u escapes

    if app.config["PROXY_FIX"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]

    from jointdegree import db, i18n, web
    from jointdegree.cli import register_commands

    db.init_app(app)
    i18n.init_app(app)
    web.init_app(app)
    register_commands(app)
    return app
