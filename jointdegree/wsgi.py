"""WSGI entry point for gunicorn: ``gunicorn 'jointdegree.wsgi:app'``.

Checks the settings and the database once at start-up so a misconfigured deployment stops with
one clear line instead of failing on the first request.
"""

from __future__ import annotations

import sys

from jointdegree import create_app
from jointdegree.config import ConfigError


def _build():  # noqa: ANN202
    try:
        application = create_app()
        with application.app_context():
            from jointdegree.cli import check_database

            check_database()
    except ConfigError as exc:
        print(f"jointdegree: configuration error: {exc}", file=sys.stderr)
        sys.exit(2)
    return application


app = _build()
