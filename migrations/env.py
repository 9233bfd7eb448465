"""Alembic environment: the URL (or an open connection) comes from jointdegree, not from a file."""

from __future__ import annotations

from alembic import context

from jointdegree.db import ExactDecimal, UTCDateTime, make_engine
from jointdegree.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.attributes.get("url")
    if url:
        return url
    from jointdegree import create_app  # run by plain `alembic`: read the app's settings

    return create_app().config["DATABASE_URL"]


def _render_item(type_, obj, autogen_context):
    """Write the app's column types as plain SQLAlchemy types: a migration must not depend on
    application code that may change after it."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, ExactDecimal):
        return f"sa.Numeric({obj.impl.precision}, {obj.impl.scale})"
    return False


def _configure(**kwargs) -> None:
    context.configure(target_metadata=target_metadata, render_as_batch=True, compare_type=True,
                      render_item=_render_item, **kwargs)


def run_offline() -> None:
    _configure(url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(_url())
    try:
        with engine.connect() as conn:
            _configure(connection=conn)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
