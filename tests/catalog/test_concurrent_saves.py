"""Two registrars save the same course at the same moment, a hundred times: every round one
save lands and the other is told to reload — nothing is overwritten unseen, nothing is lost."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

ROUNDS = 100


@pytest.mark.postgres
def test_simultaneous_saves_never_lose_a_change(fresh_postgres_url) -> None:
    from jointdegree import create_app
    from jointdegree.audit.models import AuditLogEntry
    from jointdegree.catalog import courses
    from jointdegree.catalog.models import Course
    from jointdegree.db import database, session
    from jointdegree.errors import Conflict
    from tests.factories import course_row, make_institution

    app = create_app({"DATABASE_URL": fresh_postgres_url, "SECRET_KEY": "x"})
    try:
        with app.test_request_context():
            institution = make_institution()
            course = courses.create_course(institution, course_row(
                "INFO 501", title_fr="Systèmes distribués"), actor=None)
            course_id, first_version = course.id, course.version

        barrier = threading.Barrier(2)
        outcomes: list[list[str]] = [[] for _ in range(ROUNDS)]
        failures: list[BaseException] = []

        def registrar(name: str) -> None:
            try:
                for round_ in range(ROUNDS):
                    with app.test_request_context():
                        mine = session.get(Course, course_id)  # both read the same version
                        version = mine.version
                        barrier.wait(timeout=30)  # …then both save at the same moment
                        try:
                            courses.update_course(
                                mine, {"title_en": f"{name} {round_}"}, actor=None,
                                expected_version=version)
                            outcomes[round_].append(name)
                        except Conflict as exc:
                            assert exc.code == "stale_version"
                        barrier.wait(timeout=30)  # next round starts from the new version
            except BaseException as exc:
                failures.append(exc)
                barrier.abort()

        threads = [threading.Thread(target=registrar, args=(name,)) for name in ("A", "B")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        assert not failures, failures
        assert all(len(winners) == 1 for winners in outcomes)  # one save lands per round
        with database(app).sessionmaker() as check:
            saved = check.get(Course, course_id)
            assert saved.version > first_version
            assert saved.title_en == f"{outcomes[-1][0]} {ROUNDS - 1}"  # the last winner's
            logged = check.scalars(select(AuditLogEntry.after).where(
                AuditLogEntry.action == "course.update",
                AuditLogEntry.entity_id == str(course_id)).order_by(AuditLogEntry.id)).all()
            # Every landed save is in the audit log, in order, and no other.
            assert [entry["title_en"] for entry in logged] == [
                f"{winners[0]} {round_}" for round_, winners in enumerate(outcomes)]
    finally:
        database(app).engine.dispose()
