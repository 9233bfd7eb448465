"""Bulk imports pause the cyclic garbage collector, and always give it back."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from decimal import Decimal

import pytest

from jointdegree.bulk import collector_paused


@pytest.fixture(autouse=True)
def _collector_back_on() -> Iterator[None]:
    yield
    gc.enable()


def test_the_collector_is_paused_inside_and_back_after_an_error() -> None:
    assert gc.isenabled()
    with pytest.raises(ValueError), collector_paused():
        assert not gc.isenabled()
        raise ValueError("a bad file")
    assert gc.isenabled()


def test_overlapping_imports_in_two_threads_restore_it_once_both_are_done() -> None:
    first_in, second_done = threading.Event(), threading.Event()
    seen: list[bool] = []

    def first() -> None:
        with collector_paused():
            first_in.set()
            second_done.wait(5)
            seen.append(gc.isenabled())  # the other one finished: still paused for this one

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(5)
    with collector_paused():
        assert not gc.isenabled()
    second_done.set()
    thread.join(5)
    assert seen == [False] and gc.isenabled()


def test_a_collector_someone_else_disabled_stays_disabled() -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_bulk_rows_are_stored_as_a_core_insert_stores_them(app, db, world) -> None:
    """Enums, exact decimals, aware datetimes and Chinese text come back the same whichever
    way they went in (on PostgreSQL this path is COPY)."""
    from datetime import UTC, datetime

    from sqlalchemy import insert, select

    from jointdegree.bulk import insert_rows
    from jointdegree.catalog import courses
    from jointdegree.catalog.models import Course
    from jointdegree.catalog.records import parse_row
    from tests.factories import course_row

    now = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)

    def values(code: str) -> dict:
        record, errors = parse_row(course_row(code, title_zh="数据库系统", credits="2.5",
                                              delivery="hybrid", kind="lab",
                                              description_fr="Réseaux\n« avancés »"), 2)
        assert record is not None, errors
        return courses.column_values(record) | {
            "institution_id": world["nice"].id, "created_at": now, "updated_at": now,
            "updated_by_id": None, "version": 1}

    with app.test_request_context():
        db.execute(insert(Course.__table__), [values("CORE1")])
        insert_rows(Course.__table__, [values("BULK1")])
        stored = {c.code: c for c in db.scalars(select(Course).where(
            Course.code.in_(["CORE1", "BULK1"])))}
        skip = {"id", "code", "search_text", "title_en"}  # (they name the code)
        columns = [c.key for c in Course.__table__.columns if c.key not in skip]
        core = {k: getattr(stored["CORE1"], k) for k in columns}
        bulk = {k: getattr(stored["BULK1"], k) for k in columns}
        assert bulk == core
        assert bulk["credits"] == Decimal("2.5") and bulk["created_at"] == now


def test_bulk_rows_must_give_every_column_that_has_a_default(app, db, world) -> None:
    from jointdegree.bulk import insert_rows
    from jointdegree.catalog.models import Course

    with app.test_request_context(), pytest.raises(ValueError, match="version"):
        insert_rows(Course.__table__, [{"code": "X", "institution_id": world["nice"].id,
                                        "credits": Decimal(6)}])


def test_bulk_rows_must_all_give_the_same_columns(app, db, world) -> None:
    from jointdegree.bulk import insert_rows
    from jointdegree.catalog.models import CourseLanguage

    with app.test_request_context(), pytest.raises(ValueError, match="every row"):
        insert_rows(CourseLanguage.__table__, [
            {"course_id": 1, "language": "fr"},
            {"course_id": 1, "language": "en", "note": "would be lost"}])
