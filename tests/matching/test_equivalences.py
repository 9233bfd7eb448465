"""Equivalences: two-sided approval, notices, comparisons, expiry, reviews after changes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from jointdegree.audit.models import AuditLogEntry
from jointdegree.auth.policy import NotAllowed
from jointdegree.catalog import courses
from jointdegree.db import session
from jointdegree.errors import Conflict, ValidationFailed
from jointdegree.matching import equivalences as service
from jointdegree.matching import rules
from jointdegree.matching.models import EquivalenceStatus
from jointdegree.notifications.models import Notification
from tests.support import csrf_token, login


def _propose(w, actor_key="registrar_nice", ids=None):
    ids = ids or [w["bdd"].id, w["db_cn"].id]
    return service.propose(here(w["partnership"]), ids, 2026, 2027, "same syllabus",
                           here(w[actor_key]))


def here(obj):
    """The fixture's object as loaded by this request's session (fixtures made it in another)."""
    return session.get(type(obj), obj.id)


def _inbox(user) -> list[str]:
    return list(session.scalars(select(Notification.kind).where(
        Notification.user_id == user.id).order_by(Notification.id)))


def test_it_takes_both_institutions(app, catalog_world) -> None:
    w = catalog_world
    with app.test_request_context():
        item = _propose(w)
        assert item.status is EquivalenceStatus.PROPOSED
        assert "equivalence.proposed" in _inbox(here(w["registrar_haikou"]))
        with pytest.raises(Conflict):  # Nice's proposal already counts as Nice's approval
            service.approve(item, here(w["registrar_nice"]))
        service.approve(item, here(w["registrar_haikou"]))
        assert item.status is EquivalenceStatus.APPROVED
        assert "equivalence.approved" in _inbox(here(w["registrar_nice"]))
        actions = list(session.scalars(select(AuditLogEntry.action).where(
            AuditLogEntry.entity_type == "equivalences")))
        assert actions == ["equivalence.propose", "equivalence.approve"]


def test_a_rejection_needs_a_reason_and_tells_the_other_side(app, catalog_world) -> None:
    w = catalog_world
    with app.test_request_context():
        item = _propose(w)
        with pytest.raises(ValidationFailed):
            service.reject(item, here(w["registrar_haikou"]), "  ")
        service.reject(item, here(w["registrar_haikou"]), "Hainan's course has no NoSQL part")
        assert item.status is EquivalenceStatus.REJECTED
        assert "equivalence.rejected" in _inbox(here(w["registrar_nice"]))
        with pytest.raises(Conflict):
            service.approve(item, here(w["registrar_haikou"]))


@pytest.mark.parametrize("actor", ["professor", "student", "admin"])
def test_only_partner_registrars_decide(app, catalog_world, actor) -> None:
    w = catalog_world
    with app.test_request_context():
        item = _propose(w)
        with pytest.raises(NotAllowed):
            service.approve(item, w[actor])


def test_both_sides_must_be_present(app, catalog_world) -> None:
    w = catalog_world
    with app.test_request_context():
        with pytest.raises(ValidationFailed) as caught:
            _propose(w, ids=[w["bdd"].id, w["ml"].id])
        assert "courses" in caught.value.fields
        with pytest.raises(NotAllowed):
            _propose(w, actor_key="professor")


def test_one_to_many_with_credits_in_one_unit(app, catalog_world) -> None:
    """M1-BDA (6 ECTS) ≡ CS5102 (2 学分) + CS5201 (3 学分) at 1.5 ECTS per 学分 → 7.5 ECTS."""
    w = catalog_world
    with app.test_request_context():
        item = _propose(w, ids=[w["bdd"].id, w["db_cn"].id, w["ml_cn"].id])
        comparison = service.compare(item, item.partnership)
        nice, haikou = comparison.sides
        assert nice.ects_total == Decimal(6) and haikou.ects_total == Decimal("7.5")
        assert haikou.native_total == Decimal(5)
        assert comparison.difference == Decimal("0.2")  # |6 − 7.5| / 7.5
        assert comparison.warning is False  # within the default 25 %
        item_small = _propose(w, ids=[w["ml"].id, w["db_cn"].id])  # 6 vs 3 ECTS
        assert service.compare(item_small, item_small.partnership).warning is True


def test_approved_equivalences_expire_when_their_years_end(app, catalog_world) -> None:
    w = catalog_world
    with app.test_request_context():
        item = _propose(w)
        service.approve(item, here(w["registrar_haikou"]))
        assert service.expire_due(date(2028, 6, 30)) == 0  # 2027-2028 is still running
        assert service.expire_due(date(2028, 9, 1)) == 1
        session.refresh(item)
        assert item.status is EquivalenceStatus.EXPIRED


def test_a_course_change_that_matters_flags_its_equivalences(app, catalog_world) -> None:
    w = catalog_world
    with app.test_request_context():
        item = _propose(w)
        service.approve(item, here(w["registrar_haikou"]))
        course = courses.get_course(w["db_cn"].id)
        courses.update_course(course, {"title_en": "Database systems (new title)"}, None)
        session.refresh(item)
        assert item.review_needed is False  # a title does not change what is learnt
        courses.update_course(course, {"credits": "3"}, here(w["registrar_haikou"]))
        session.refresh(item)
        assert item.review_needed and "credits" in item.review_reason
        assert "equivalence.review_needed" in _inbox(here(w["registrar_nice"]))
        service.confirm_review(item, here(w["registrar_nice"]), "3 学分 now: still fine")
        assert item.review_needed is False


def test_a_stale_approval_is_refused(app, catalog_world) -> None:
    w = catalog_world
    with app.test_request_context():
        item = _propose(w)
        old = item.version
        service.confirm_review(item, here(w["registrar_nice"]))  # no-op: not flagged
        item.note = "changed meanwhile"
        session.commit()
        with pytest.raises(Conflict):
            service.approve(item, here(w["registrar_haikou"]), expected_version=old)


def test_faculty_review_round_trip(app, catalog_world) -> None:
    w = catalog_world
    with app.test_request_context():
        item = _propose(w)
        review = service.request_review(item, here(w["professor"]), "Same depth?",
                                        here(w["registrar_nice"]))
        assert "review.requested" in _inbox(here(w["professor"]))
        with pytest.raises(NotAllowed):
            service.answer_review(review, here(w["student"]), "approve", None)
        service.answer_review(review, here(w["professor"]), "revise", "Add the NoSQL lab")
        assert "review.answered" in _inbox(here(w["registrar_nice"]))
        with pytest.raises(ValidationFailed):
            service.request_review(item, here(w["student"]), None, here(w["registrar_nice"]))


def test_credit_rules_are_audited_and_change_conversions(app, catalog_world) -> None:
    w = catalog_world
    with app.test_request_context():
        partnership = here(w["partnership"])
        before = rules.convert_amount(partnership, "cn", "ects", Decimal(2))
        assert before.amount == Decimal(3)
        rules.set_rule(partnership, {"kind": "any", "method": "ratio", "ects_per_cn": "2",
                                     "hours_per_ects": "25", "contact_hours_per_cn": "16",
                                     "step": "0.5", "cn_step": "0.5", "rounding": "half_up"},
                       here(w["registrar_haikou"]))
        assert rules.convert_amount(partnership, "cn", "ects", Decimal(2)).amount == Decimal(4)
        with pytest.raises(NotAllowed):
            rules.set_rule(partnership, {"kind": "any"}, here(w["student"]))
        with pytest.raises(ValidationFailed) as caught:
            rules.set_rule(partnership, {"kind": "any", "method": "ratio", "ects_per_cn": "0",
                                         "hours_per_ects": "25", "contact_hours_per_cn": "16",
                                         "step": "0.5", "cn_step": "0.5"}, None)
        assert caught.value.fields
        entry = session.scalars(select(AuditLogEntry).where(
            AuditLogEntry.action == "credit_rule.set")).one()
        assert Decimal(entry.after["ects_per_cn"]) == 2


# -- pages ----------------------------------------------------------------------------------------

def test_approving_from_both_sides_in_the_browser(app, client, catalog_world) -> None:
    w = catalog_world
    login(client, "reg.nice@example.org")
    response = client.post(f"/partnerships/{w['partnership'].id}/equivalences/new", data={
        "csrf_token": csrf_token(client, "/"), "courses_a": [str(w["bdd"].id)],
        "courses_b": [str(w["db_cn"].id)], "first_year": "2026", "note": "1:1"})
    assert response.status_code == 302, response.get_data(as_text=True)
    path = response.headers["Location"]
    page = client.get(path).get_data(as_text=True)
    assert "M1-BDA" in page and "CS5102" in page and "<svg" in page
    other = app.test_client()
    login(other, "reg.haikou@example.org")
    home = other.get("/").get_data(as_text=True)
    assert "Equivalences waiting for you" in home
    equivalence_id = path.rsplit("/", 1)[1]
    done = other.post(f"/equivalences/{equivalence_id}/decide", data={
        "csrf_token": csrf_token(other, path), "approve": "1", "reason": ""})
    assert done.status_code == 302
    assert "Approved" in other.get(path).get_data(as_text=True)


def test_the_table_exports_both_sides(app, client, catalog_world) -> None:
    w = catalog_world
    with app.test_request_context():
        _propose(w, ids=[w["bdd"].id, w["db_cn"].id, w["ml_cn"].id])
    login(client, "student@example.org")
    csv_text = client.get(f"/partnerships/{w['partnership'].id}/equivalences?format=csv"
                          ).get_data().decode("utf-8-sig")
    header, row = csv_text.splitlines()[:2]
    assert "NICE_codes" in header and "HAIKOU_ects" in header
    assert "CS5102 + CS5201" in row and "7.5" in row


def test_the_rules_page_shows_a_worked_example_and_a_curve(client, catalog_world) -> None:
    login(client, "prof@example.org")
    page = client.get(f"/partnerships/{catalog_world['partnership'].id}/rules"
                      ).get_data(as_text=True)
    assert "ECTS" in page and "<svg" in page and "Set a rule" not in page


def test_syllabi_are_type_checked_and_never_served_as_html(app, client, catalog_world) -> None:
    import io

    course_id = catalog_world["bdd"].id
    login(client, "reg.nice@example.org")
    token = csrf_token(client, f"/courses/{course_id}/syllabus")
    fake = client.post(f"/courses/{course_id}/syllabus", data={
        "csrf_token": token, "file": (io.BytesIO(b"<html><script>alert(1)</script>"),
                                      "syllabus.pdf")}, content_type="multipart/form-data")
    assert fake.status_code == 400 and "does not match" in fake.get_data(as_text=True)
    html = client.post(f"/courses/{course_id}/syllabus", data={
        "csrf_token": token, "file": (io.BytesIO(b"<html></html>"), "syllabus.html")},
        content_type="multipart/form-data")
    assert html.status_code == 400
    pdf = b"%PDF-1.4\n% a tiny but honest PDF header\n"
    ok = client.post(f"/courses/{course_id}/syllabus", data={
        "csrf_token": token, "file": (io.BytesIO(pdf), "Programme BDA.pdf")},
        content_type="multipart/form-data")
    assert ok.status_code == 302
    served = client.get(f"/courses/{course_id}/syllabus")
    assert served.data == pdf and served.mimetype == "application/pdf"
    assert served.headers["Content-Disposition"].startswith("attachment")
    assert served.headers["X-Content-Type-Options"] == "nosniff"


def test_suggestions_rank_the_partners_course_and_say_why(app, client, catalog_world) -> None:
    login(client, "reg.nice@example.org")
    page = client.get(f"/courses/{catalog_world['bdd'].id}/suggestions").get_data(as_text=True)
    first = page.index("CS5102")
    assert first < page.index("CS5201")  # databases before machine learning
    assert "Propose this equivalence" in page and "shared words" in page


def test_the_home_page_lists_what_waits_for_my_institution_only(app, catalog_world) -> None:
    """What waits for a registrar: proposals of their own double degrees that their institution
    has not decided yet, and flagged equivalences of those double degrees — never another
    partnership's."""
    from jointdegree.auth.models import Role
    from tests.factories import (
        course_row,
        make_institution,
        make_partnership,
        make_programme,
        make_user,
    )

    w = catalog_world
    with app.test_request_context():
        nice, haikou = here(w["registrar_nice"]), here(w["registrar_haikou"])
        mine = _propose(w)  # by Nice: that counts as Nice's approval, Haikou's turn
        ext = make_institution("EXT")
        other = make_partnership(here(w["p_nice"]), make_programme(ext, "M-EXT"), "NE-CS",
                                 actor=nice)
        ext_course = courses.create_course(ext, course_row("E1"), None)
        theirs = service.propose(other, [w["ml"].id, ext_course.id], 2026, 2027, "same", nice)
        ext_registrar = make_user(Role.REGISTRAR, ext, email="reg.ext@example.org")
        assert [e.id for e in service.pending_for(haikou)] == [mine.id]
        assert [e.id for e in service.pending_for(ext_registrar)] == [theirs.id]
        assert service.pending_for(nice) == []
        mine.review_needed = True
        session.flush()
        assert [e.id for e in service.needing_review(haikou)] == [mine.id]
        assert [e.id for e in service.needing_review(nice)] == [mine.id]
        assert service.needing_review(ext_registrar) == []
