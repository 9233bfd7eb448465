"""`jointdegree user create`: the password never appears on the command line."""

from __future__ import annotations

from sqlalchemy import select

from jointdegree.auth.models import Role, User
from tests.factories import make_institution
from tests.support import login


def test_create_a_registrar_with_the_password_on_stdin(app, runner, db, client) -> None:
    with app.test_request_context():
        make_institution("NICE")
    result = runner.invoke(args=["user", "create", "new.registrar@example.org", "--role",
                                 "registrar", "--institution", "nice"],
                           input="a-long-enough-password\n")
    assert result.exit_code == 0, result.output
    user = db.scalar(select(User).where(User.email == "new.registrar@example.org"))
    assert user.role is Role.REGISTRAR and user.institution.code == "NICE"
    assert login(client, "new.registrar@example.org", "a-long-enough-password"
                 ).status_code == 302


def test_there_is_no_password_option(runner) -> None:
    result = runner.invoke(args=["user", "create", "x@example.org", "--role", "admin",
                                 "--password", "secret-secret"])
    assert result.exit_code != 0
    assert "No such option" in result.output


def test_bad_input_is_explained(app, runner, db) -> None:
    result = runner.invoke(args=["user", "create", "reg@example.org", "--role", "registrar"],
                           input="a-long-enough-password\n")
    assert result.exit_code == 1 and "must belong to an institution" in result.output
    result = runner.invoke(args=["user", "create", "not-an-email", "--role", "admin"],
                           input="a-long-enough-password\n")
    assert "not a valid e-mail" in result.output
    result = runner.invoke(args=["user", "create", "a@example.org", "--role", "admin"],
                           input="short\n")
    assert "at least 10 characters" in result.output
