"""Combined diploma records on the demo: two-sided issuance, signature, public verification,
revocation and reissue, and no way to edit an issued record."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from jointdegree.auth.policy import NotAllowed
from jointdegree.db import session
from jointdegree.demo import DEMO_PASSWORD
from jointdegree.diplomas import services
from jointdegree.diplomas.models import DiplomaRecord, DiplomaStatus, IssuedRecordChanged
from jointdegree.errors import Conflict, ValidationFailed
from tests.support import csrf_token, login, student_by_email, user_by_email

NICE, HAIKOU = "registrar.nice@example.org", "registrar.haikou@example.org"
READY, NOT_READY = "student12@example.org", "student11@example.org"


@pytest.fixture(autouse=True)
def _rolled_back(db) -> None:
    """Every test here changes the shared demo database inside a transaction rolled back."""


def _issue(serial_holder: dict[str, str] | None = None) -> DiplomaRecord:
    row = services.request(student_by_email(READY), user_by_email(NICE))
    services.approve(row, user_by_email(NICE), "Directrice de la scolarité")
    assert row.status is DiplomaStatus.PENDING  # one institution is not enough
    services.approve(row, user_by_email(HAIKOU), "教务处处长")
    return row


def test_a_record_needs_both_audits_and_both_institutions(app) -> None:
    with app.test_request_context():
        with pytest.raises(ValidationFailed) as caught:  # no language certificate
            services.request(student_by_email(NOT_READY), user_by_email(NICE))
        assert caught.value.code == "audit_not_passed"
        with pytest.raises(NotAllowed):
            services.request(student_by_email(READY), user_by_email("professor.nice@example.org"))
        row = _issue()
        assert row.status is DiplomaStatus.ISSUED and row.verification_code
        content = row.content
        assert {d["institution"]["code"] for d in content["degrees"]} == {"UCA", "HAINANU"}
        french = next(d for d in content["degrees"] if d["institution"]["code"] == "UCA")
        chinese = next(d for d in content["degrees"] if d["institution"]["code"] == "HAINANU")
        assert french["overall_grade"]["scale"] == "fr-20" and french["honours"]
        assert chinese["overall_grade"]["scale"] == "cn-100" and chinese["honours"] is None
        assert chinese["documents"] == ["毕业证书", "学位证书"]
        assert set(content["total_credits"]) == {"ects", "cn"}
        assert [s["title"] for s in content["signatories"]] == ["教务处处长",
                                                                 "Directrice de la scolarité"]
        with pytest.raises(Conflict):
            services.request(student_by_email(READY), user_by_email(NICE))  # already issued


def test_an_issued_record_cannot_be_edited_only_revoked_and_replaced(app) -> None:
    with app.test_request_context():
        row = _issue()
        serial = row.serial
        row.content = dict(row.content) | {"conferred_on": "1999-01-01"}
        with pytest.raises(IssuedRecordChanged):
            session.flush()
        session.rollback()
        row = services.get_record(serial)
        assert row.content["conferred_on"] != "1999-01-01"
        with pytest.raises(ValidationFailed):
            services.revoke(row, user_by_email(HAIKOU), "  ")
        services.revoke(row, user_by_email(HAIKOU), "Wrong date of birth on the record")
        assert services.verify_code(row.verification_code).status == "revoked"
        replacement = services.reissue(row, user_by_email(NICE))
        assert replacement.content["replaces"] == row.serial
        assert replacement.status is DiplomaStatus.PENDING


def test_verification_is_public_and_detects_tampering(app, client) -> None:
    with app.test_request_context():
        row = _issue()
        code, serial = row.verification_code, row.serial
    page = client.get(f"/verify/{code.lower().replace('-', ' ')}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert serial in body and "status-satisfied" in body and "徐娜" in body
    assert client.get("/verify/AAAA-BBBB-CCCC").status_code == 404
    keys = client.get("/.well-known/jointdegree-keys.json").json
    assert keys["keys"][0]["crv"] == "Ed25519"
    with app.test_request_context():
        # Behind the service's back: one character of the holder's name changed in the row.
        stored = session.get(DiplomaRecord, services.get_record(serial).id)
        changed = json.loads(json.dumps(stored.content))
        changed["student"]["name_han"] = "徐姗"
        session.execute(text("UPDATE diploma_records SET content = :c WHERE serial = :s"),
                        {"c": json.dumps(changed, ensure_ascii=False), "s": serial})
        session.commit()
    tampered = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "status-impossible" in tampered and "徐姗" in tampered


def test_a_downloaded_record_verifies_offline(app, client, runner, tmp_path) -> None:
    with app.test_request_context():
        serial = _issue().serial
    login(client, NICE, DEMO_PASSWORD)
    document = client.get(f"/diplomas/{serial}.json").json
    keys = client.get("/.well-known/jointdegree-keys.json").json
    record_file, keys_file = tmp_path / "record.json", tmp_path / "keys.json"
    record_file.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    keys_file.write_text(json.dumps(keys), encoding="utf-8")
    ok = runner.invoke(args=["diploma", "verify", str(record_file), "--keys", str(keys_file)])
    assert ok.exit_code == 0 and "valid signature" in ok.output
    document["record"]["degrees"][0]["credits"]["value"] = "180.0"
    record_file.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    bad = runner.invoke(args=["diploma", "verify", str(record_file), "--keys", str(keys_file)])
    assert bad.exit_code != 0 and "NOT VALID" in bad.output


def test_the_diploma_page_is_two_sided(app, client) -> None:
    with app.test_request_context():
        student_id = student_by_email(READY).id
    url = f"/students/{student_id}/diploma"
    login(client, NICE, DEMO_PASSWORD)
    token = csrf_token(client, url)
    client.post(url, data={"csrf_token": token, "action": "request"})
    with app.test_request_context():
        serial = services.records_of(student_by_email(READY))[0].serial
    client.post(url, data={"csrf_token": token, "action": "approve", "serial": serial,
                           "title": "Directrice de la scolarité"})
    again = client.post(url, data={"csrf_token": token, "action": "approve", "serial": serial,
                                   "title": "x"}, follow_redirects=True)
    assert "already approved" in again.get_data(as_text=True) or "déjà" in again.get_data(
        as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "student@example.org", DEMO_PASSWORD)
    assert client.get(url).status_code == 403  # another student's record
