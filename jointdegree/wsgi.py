"""WSGI entry point for gunicorn: ``gunicorn 'jointdegree.wsgi:app'``.

Checks the settings and the database once at start-up so a misconfigured deployment stops with
one clear line instead of failing on the first request.

Then it moves everything loaded so far (the modules and the app: forms, models, policies,
the SQLAlchemy mappers, locale and time-zone data) out of the garbage collector's sight with
:func:`gc.freeze`: those objects live as long as the worker, and a full collection that walked
them all paused a request for 115–130 ms every few dozen pages (measured on the audit and
transcript pages at load volume: p99 of 153 ms → 42 ms in one process, median unchanged;
``bench/load.py`` shows the effect under gunicorn). What loads on the first requests
(templates, translations) is not frozen; it is small beside the rest.

The connection the check opened is closed first, so that with ``--preload`` the workers forked
from this process never share one socket to the database.
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
        from jointdegree.db import database

        database(application).engine.dispose()  # no connection inherited by forked workers
    except ConfigError as exc:
        print(f"jointdegree: configuration error: {exc}", file=sys.stderr)
        sys.exit(2)
    return application


app = _build()
gc.collect()  # what is garbage now would be kept for ever once frozen
gc.freeze()
