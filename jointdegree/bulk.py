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
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from operator import itemgetter
from typing import Any

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


def insert_rows(table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Many new rows into ``table``, in the session's transaction, as a Core ``insert()`` would
    store them — each value through its column type's own conversion for the dialect — but
    handed to the driver in one go: ``COPY`` on PostgreSQL, the driver's ``executemany``
    elsewhere.

    A Core ``insert()`` builds and checks a parameter set per row, which is most of its time
    for a large file: a 20,000-course catalog (and its 48,000 link rows) was about a third
    slower to store that way on SQLite, and several times slower on PostgreSQL, row by row over
    the wire. Every row gives the same columns; a column with a Python-side default must be
    given (this path does not compute defaults), so a forgotten one is an error, not a NULL.
    """
    if not rows:
        return
    from jointdegree.db import session

    columns = list(rows[0])
    missing = [c.name for c in table.columns if c.default is not None and c.name not in columns
               and not (c.primary_key and c.autoincrement)]
    if missing:
        raise ValueError(f"{table.name}: give {', '.join(missing)} (defaults are not applied)")
    connection = session.connection()
    dialect = connection.dialect
    processors = [(index, process) for index, column in enumerate(columns)
                  if (process := table.c[column].type.dialect_impl(dialect)
                      .bind_processor(dialect)) is not None]
    pick = itemgetter(*columns) if len(columns) > 1 else (lambda row: (row[columns[0]],))
    converted: list[Any] = []
    width = len(columns)
    for row in rows:
        if len(row) != width:  # a column more would be dropped silently (one less: KeyError)
            raise ValueError(f"{table.name}: every row gives the columns {', '.join(columns)}")
        values = pick(row)
        if processors:
            listed = list(values)
            for index, process in processors:
                listed[index] = process(listed[index])
            values = tuple(listed)
        converted.append(values)
    quote = dialect.identifier_preparer  # names from the table's metadata, quoted as the
    target = quote.format_table(table)  # dialect does
    names = ", ".join(quote.quote(table.c[column].name) for column in columns)
    if dialect.name == "postgresql":
        driver = connection.connection.driver_connection
        with driver.cursor() as cursor, cursor.copy(  # type: ignore[union-attr]
                f"COPY {target} ({names}) FROM STDIN") as copy:
            for row in converted:
                copy.write_row(row)
        return
    marks = ", ".join(["?" if dialect.paramstyle == "qmark" else "%s"] * len(columns))
    connection.exec_driver_sql(f"INSERT INTO {target} ({names}) VALUES ({marks})",  # noqa: S608
                               converted)
