"""A cohort's diplomas in one run per institution: resumable, never twice, never lost; and the
diplomas API (list, request, approve, revoke, public verification)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from jointdegree.auth.tokens import create_token
from jointdegree.catalog.models import Partnership
from jointdegree.db import session
from jointdegree.demo import DEMO_PASSWORD
from jointdegree.diplomas import batches
from jointdegree.diplomas.models import DiplomaRecord, DiplomaStatus
from jointdegree.planning.models import Student
from tests.support import login, user_by_email

NICE, HAIKOU = "registrar.nice@example.org", "registrar.haikou@example.org"
TITLE_NICE, TITLE_HAIKOU = "Directrice de la scolarité", "研究生院院长"


@pytest.fixture(autouse=True)
def _rolled_back(db) -> None:
    """Every test here changes the shared demo database inside a rolled-back transaction."""


def cohort_of_ready() -> tuple[Partnership, str]:
    ready = session.scalar(select(Student).where(Student.email == "student12@example.org"))
    return ready.partnership, ready.cohort


def records_per_student(partnership: Partnership, cohort: str) -> dict[int, int]:
    rows = session.execute(select(DiplomaRecord.student_id, func.count()).join(Student).where(
        Student.partnership_id == partnership.id, Student.cohort == cohort,
        DiplomaRecord.status != DiplomaStatus.REVOKED).group_by(DiplomaRecord.student_id))
    return dict(rows.all())


class Interrupted(Exception):
    pass


def test_an_interrupted_run_resumes_without_duplicates_and_both_sides_issue(app) -> None:
    with app.test_request_context():
        partnership, cohort = cohort_of_ready()
        students = batches.cohort_students(partnership, cohort)
        before = records_per_student(partnership, cohort)
        batch = batches.start(partnership, cohort, user_by_email(NICE), TITLE_NICE,
                              date(2027, 7, 2))
        seen = []

        def crash_after_two(step: int) -> None:
            seen.append(step)
            if len(seen) == 2:
                raise Interrupted

        with pytest.raises(Interrupted):
            batches.run(batch, user_by_email(NICE), progress=crash_after_two)
        assert batch.handled == 2  # committed before the crash
        resumed = batches.start(partnership, cohort, user_by_email(NICE), TITLE_NICE,
                                date(2027, 7, 2))
        assert resumed.id == batch.id  # the unfinished run continues
        batches.run(resumed, user_by_email(NICE))
        assert resumed.handled == len(students) == resumed.total
        again = records_per_student(partnership, cohort)
        assert all(count == 1 for count in again.values())  # one live record per student
        eligible = resumed.approved + resumed.issued
        assert eligible >= 1 and eligible + resumed.not_eligible == len(students)
        assert {p["student"] for p in resumed.problems} <= set(students)

        haikou = batches.start(partnership, cohort, user_by_email(HAIKOU), TITLE_HAIKOU,
                               date(2027, 7, 2))
        batches.run(haikou, user_by_email(HAIKOU))
        assert haikou.issued == eligible  # the second institution's approval issues them all
        assert haikou.approved == 0
        issued = session.scalars(select(DiplomaRecord).join(Student).where(
            Student.cohort == cohort, DiplomaRecord.status == DiplomaStatus.ISSUED)).all()
        assert len(issued) == eligible
        assert set(before) <= set(again)  # no record that existed before the runs was lost
        assert all(r.verification_code and r.signature for r in issued)


def test_a_run_acts_only_for_a_partner_registrar(app) -> None:
    from jointdegree.errors import ValidationFailed

    with app.test_request_context():
        partnership, cohort = cohort_of_ready()
        with pytest.raises(ValidationFailed):
            batches.start(partnership, cohort, user_by_email("professor.nice@example.org"), "x",
                          date(2027, 7, 2))
        with pytest.raises(ValidationFailed):
            batches.start(partnership, cohort, user_by_email(NICE), "  ", date(2027, 7, 2))


def test_the_progress_page_shows_the_run_to_its_institution_only(app, client) -> None:
    with app.test_request_context():
        partnership, cohort = cohort_of_ready()
        batch = batches.start(partnership, cohort, user_by_email(NICE), TITLE_NICE,
                              date(2027, 7, 2))
        batches.run(batch, user_by_email(NICE))
        batch_id, handled = batch.id, batch.handled
    login(client, NICE, DEMO_PASSWORD)
    page = client.get(f"/diplomas/batches/{batch_id}", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert f"{handled} / {handled}" in page.get_data(as_text=True)
    other = app.test_client()
    login(other, HAIKOU, DEMO_PASSWORD)
    assert other.get(f"/diplomas/batches/{batch_id}").status_code == 403


def test_the_pdfs_of_a_cohort_are_written_once(app, tmp_path) -> None:
    with app.app_context():  # as the CLI runs it: no request
        issued = session.scalars(select(DiplomaRecord).where(
            DiplomaRecord.status == DiplomaStatus.ISSUED)).all()
        assert issued  # the demo's graduated students
        written = batches.write_pdfs(issued, tmp_path, workers=1)
        assert written == len(issued)
        assert batches.write_pdfs(issued, tmp_path, workers=1) == 0  # resumed: nothing redone
    for row in issued:
        assert (tmp_path / f"{row.serial}.pdf").read_bytes().startswith(b"%PDF-")
    assert not list(tmp_path.glob(".*partial"))


def test_the_diplomas_api_lists_requests_and_verifies(app, client) -> None:
    with app.test_request_context():
        nice = create_token(user_by_email(NICE), "test").secret
        haikou = create_token(user_by_email(HAIKOU), "test").secret
        me = create_token(user_by_email("student@example.org"), "test").secret
        ready = session.scalar(select(Student).where(Student.email == "student12@example.org"))
        ready_id = ready.id

    def call(method: str, path: str, secret: str | None, **kwargs):
        headers = {"Authorization": f"Bearer {secret}"} if secret else {}
        return client.open("/api/v1" + path, method=method, headers=headers, **kwargs)

    listed = call("GET", "/diplomas?status=issued", nice).json
    assert listed["total"] >= 2 and all(i["status"] == "issued" for i in listed["items"])
    assert call("GET", "/diplomas", me).json["total"] == 0  # the student has none
    created = call("POST", "/diplomas", nice, json={"student": ready_id})
    assert created.status_code == 201 and created.json["status"] == "pending"
    serial = created.json["serial"]
    assert call("GET", f"/diplomas/{serial}", nice).status_code == 409  # not issued yet
    call("POST", f"/diplomas/{serial}/approve", nice, json={"title": TITLE_NICE})
    issued = call("POST", f"/diplomas/{serial}/approve", haikou, json={"title": TITLE_HAIKOU})
    assert issued.json["status"] == "issued" and issued.json["approved_by"] == ["HAINANU", "UCA"]
    code = issued.json["verification_code"]
    public = call("GET", f"/verify/{code}", None)
    assert public.status_code == 200 and public.json["status"] == "valid"
    assert public.json["serial"] == serial
    signed = call("GET", f"/diplomas/{serial}", haikou).json
    assert signed["record"]["serial"] == serial and signed["signature"]["alg"] == "EdDSA"
    badge = call("GET", f"/diplomas/{serial}?format=ob3", haikou)
    assert badge.status_code == 200 and "OpenBadgeCredential" in badge.json["type"]
    revoked = call("POST", f"/diplomas/{serial}/revoke", nice, json={"reason": "erreur"})
    assert revoked.json["status"] == "revoked"
    assert call("GET", f"/verify/{code}", None).json["status"] == "revoked"
    assert call("GET", "/verify/ZZZZ-ZZZZ-ZZZZ", None).status_code == 404
    assert call("POST", f"/diplomas/{serial}/revoke", me, json={"reason": "x"}).status_code \
        == 403
