"""WSGI entry point for gunicorn: ``gunicorn 'jointdegree.wsgi:app'``.

Checks the settings and the database once at start-up so a misconfigured deployment stops with
one clear line instead of failing on the first request.

Then it moves everything loaded so far (the app, its templates' environment, translations,
locale data, fonts' tables, time zones…) out of the garbage collector's sight with
:func:`gc.freeze`: those objects live as long as the worker, and a full collection that walks
them all paused a request for 115–130 ms every few dozen pages (measured on the audit and
transcript pages at load volume: p99 of 153 ms → 42 ms in one process, median unchanged;
``bench/load.py`` shows the effect under gunicorn). With ``--preload`` it also keeps the pages
shared between workers from being copied by the collector's writes.
"""

from __future__ import annotations

import gc
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
gc.freeze()
