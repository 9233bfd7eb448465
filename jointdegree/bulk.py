"""Bulk work in one request or command: a catalog or results file of tens of thousands of rows.

Such work builds hundreds of thousands of short-lived objects (rows, records, parameters) that
hold no reference cycles. Python's cyclic collector still walks them again and again as they
pile up: a third of a 20,000-course import went to it (``bench/catalog_import.py``: 1.50 s →
1.08 s on SQLite, 2.16 s → 1.62 s on PostgreSQL with the collector paused). Reference counting
frees the objects as usual while it is paused; only cycles wait for the next collection.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Table

_lock = threading.Lock()
_holders = 0  # bulk operations running now (threads of one process share the collector)
_was_enabled = True


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block; the last block out restores it."""
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.enable()


def insert_plain_rows(table: Table, columns: Sequence[str],
                      rows: Sequence[tuple[int | str, ...]]) -> None:
    """Many rows of plain integers and strings (link tables) into ``table``, in the session's
    transaction, straight to the driver: ``COPY`` on PostgreSQL, ``executemany`` elsewhere.

    A Core ``insert()`` would pass every row through SQLAlchemy's parameter processing, which
    such columns do not need: for the 48,000 links of a 20,000-course catalog that was a fifth
    of the import on SQLite and, row by row over the wire, more on PostgreSQL.
    """
    if not rows:
        return
    from jointdegree.db import session

    connection = session.connection()
    quote = connection.dialect.identifier_preparer
    target = quote.format_table(table)  # names from the table's metadata, quoted as the
    names = ", ".join(quote.quote(table.c[column].name) for column in columns)  # dialect does
    if connection.dialect.name == "postgresql":
        driver = connection.connection.driver_connection
        with driver.cursor() as cursor, cursor.copy(  # type: ignore[union-attr]
                f"COPY {target} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join(["?" if connection.dialect.paramstyle == "qmark" else "%s"] * len(columns))
    connection.exec_driver_sql(f"INSERT INTO {target} ({names}) VALUES ({marks})",  # noqa: S608
                               list(rows))
