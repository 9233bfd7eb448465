"""The demo loads once, realistically, and its printed logins work."""

from __future__ import annotations

from sqlalchemy import func, select

from jointdegree.auth.models import Role, User
from jointdegree.catalog.models import AcademicTerm, Course, Institution, Partnership
from jointdegree.demo import DEMO_PASSWORD, DEMO_USERS, load_demo
from jointdegree.matching.models import Equivalence, FacultyReview
from tests.support import login


def test_demo_loads_both_universities_and_one_user_per_role(app, db) -> None:
    with app.app_context():
        assert load_demo() is True
        assert load_demo() is False  # re-running changes nothing
    codes = set(db.scalars(select(Institution.code)))
    assert codes == {"UCA", "HAINANU"}
    assert {u.role for u in db.scalars(select(User))} == set(Role)
    assert db.scalar(select(func.count()).select_from(Partnership)) == 1
    years = set(db.scalars(select(AcademicTerm.academic_year)))
    assert len(years) == 4  # two past years (students on the path), this one and the next
    haikou = db.scalar(select(Institution).where(Institution.code == "HAINANU"))
    assert haikou.timezone == "Asia/Shanghai" and haikou.name_zh == "海南大学"
    statuses = [e.status.value for e in db.scalars(select(Equivalence))]
    assert statuses.count("approved") >= 12 and "proposed" in statuses
    assert db.scalar(select(func.count()).select_from(Course)) >= 80
    assert db.scalar(select(func.count()).select_from(FacultyReview)) == 1  # a review to answer


def test_the_cli_prints_working_logins(app, runner) -> None:
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    for email, *_ in DEMO_USERS:
        assert email in result.output
    assert DEMO_PASSWORD in result.output
    client = app.test_client()
    assert login(client, "registrar.haikou@example.org", DEMO_PASSWORD).status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-Hans">' in home  # the Haikou registrar's saved language
    second = runner.invoke(args=["demo"])
    assert "left as it is" in second.output
