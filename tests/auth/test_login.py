"""Logging in and out: hashed passwords, no account disclosure, throttling, cookies, CSRF."""

from __future__ import annotations

from sqlalchemy import select

from jointdegree.auth.models import LoginAttempt, User
from tests.support import PASSWORD, csrf_token, login


def test_login_redirects_home_and_logout_needs_a_post(client, world) -> None:
    response = login(client, "reg.nice@example.org")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.get("/logout").status_code == 405  # a link cannot log someone out
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert client.get("/").status_code == 302


def test_pages_need_a_login(client, world) -> None:
    response = client.get("/institutions")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_passwords_are_stored_hashed_with_scrypt(client, world, db) -> None:
    stored = db.scalar(select(User.password_hash).where(User.email == "reg.nice@example.org"))
    assert stored.startswith("scrypt:")
    assert PASSWORD not in stored


def test_wrong_password_and_unknown_account_read_the_same(client, world) -> None:
    wrong = login(client, "reg.nice@example.org", "not-the-password")
    unknown = login(client, "nobody@example.org", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong e-mail address or password." in wrong.get_data(as_text=True)
    assert "Wrong e-mail address or password." in unknown.get_data(as_text=True)
    # what the user typed is kept, the password is not re-shown
    assert 'value="nobody@example.org"' in unknown.get_data(as_text=True)
    assert "not-the-password" not in unknown.get_data(as_text=True)


def test_inactive_accounts_cannot_log_in(app, client, world, db) -> None:
    user = db.scalar(select(User).where(User.email == "prof@example.org"))
    user.active = False
    db.commit()
    assert login(client, "prof@example.org").status_code == 401


def test_session_cookie_flags_and_remember_me(client, world) -> None:
    response = login(client, "student@example.org", remember=True)
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    remember_cookie = next(c for c in cookies if c.startswith("remember_token="))
    for cookie in (session_cookie, remember_cookie):
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
        assert "Secure" not in cookie
    assert "Expires=" in remember_cookie


def test_secure_cookies_when_configured(database_url, world, db) -> None:
    """Behind TLS both cookies carry Secure (the browser then never sends them in clear)."""
    from jointdegree import create_app
    from jointdegree.db import database

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "x",
                      "SESSION_COOKIE_SECURE": True})
    database(app).sessionmaker.configure(bind=db.connection(),
                                         join_transaction_mode="create_savepoint")
    client = app.test_client()
    page = client.get("/login", base_url="https://localhost").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/login", base_url="https://localhost",
                           headers={"Referer": "https://localhost/login"}, data={
        "email": "student@example.org", "password": PASSWORD, "remember": "y",
        "csrf_token": token})
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    for name in ("session=", "remember_token="):
        cookie = next(c for c in cookies if c.startswith(name))
        assert "Secure" in cookie and "HttpOnly" in cookie
    database(app).engine.dispose()


def test_remember_me_keeps_the_user_logged_in_after_the_session_ends(client, world) -> None:
    login(client, "student@example.org", remember=True)
    client.delete_cookie("session")
    assert client.get("/").status_code == 200


def test_without_remember_me_the_login_ends_with_the_session(client, world) -> None:
    login(client, "student@example.org")
    client.delete_cookie("session")
    assert client.get("/").status_code == 302


def test_a_post_without_csrf_token_is_refused_with_a_translated_page(client, world) -> None:
    response = client.post("/login", data={"email": "student@example.org", "password": PASSWORD},
                           headers={"Accept-Language": "fr"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "<html" in page and 'lang="fr"' in page
    assert "Formulaire expiré" in page


def test_open_redirects_are_not_followed(client, world) -> None:
    token = csrf_token(client)
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post(f"/login?next={target}",
                               data={"email": "student@example.org", "password": PASSWORD,
                                     "csrf_token": token})
        assert response.headers["Location"] == "/"
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
        token = csrf_token(client)
    response = client.post("/login?next=/partnerships",
                           data={"email": "student@example.org", "password": PASSWORD,
                                 "csrf_token": token})
    assert response.headers["Location"] == "/partnerships"


def test_failed_logins_are_throttled_per_account(app, client, world, db) -> None:
    limit = app.config["LOGIN_MAX_FAILURES_ACCOUNT"]
    for _ in range(limit):
        assert login(client, "reg.nice@example.org", "wrong-password!").status_code == 401
    blocked = login(client, "reg.nice@example.org")  # even the right password now waits
    assert blocked.status_code == 429
    assert "Too many failed logins" in blocked.get_data(as_text=True)
    # another account from the same address is not blocked by this account's failures
    assert login(client, "student@example.org").status_code == 302


def test_failed_logins_are_throttled_per_address(app, client, world) -> None:
    app.config["LOGIN_MAX_FAILURES_ADDRESS"] = 4
    for i in range(4):
        login(client, f"guess{i}@example.org", "wrong-password!",
              environ_base={"REMOTE_ADDR": "203.0.113.9"})
    blocked = login(client, "student@example.org", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert blocked.status_code == 429
    other_address = login(client, "student@example.org",
                          environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert other_address.status_code == 302


def test_throttle_state_is_shared_through_the_database(app, client, world, db) -> None:
    """Another worker process (here: a second app on the same database) sees the failures."""
    from jointdegree import create_app
    from jointdegree.db import database

    for _ in range(app.config["LOGIN_MAX_FAILURES_ACCOUNT"]):
        login(client, "reg.haikou@example.org", "wrong-password!")
    assert db.scalar(select(LoginAttempt.id).where(
        LoginAttempt.account == "reg.haikou@example.org")) is not None
    other = create_app({"DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": "x"})
    database(other).sessionmaker.configure(bind=db.connection(),
                                           join_transaction_mode="create_savepoint")
    assert login(other.test_client(), "reg.haikou@example.org").status_code == 429
    database(other).engine.dispose()


def test_throttle_window_expires(app, client, world, db) -> None:
    from datetime import timedelta

    for _ in range(app.config["LOGIN_MAX_FAILURES_ACCOUNT"]):
        login(client, "reg.nice@example.org", "wrong-password!")
    for attempt in db.scalars(select(LoginAttempt)):
        attempt.at = attempt.at - timedelta(minutes=app.config["LOGIN_WINDOW_MINUTES"] + 1)
    db.commit()
    assert login(client, "reg.nice@example.org").status_code == 302


def test_changing_the_password_ends_other_sessions(app, client, world) -> None:
    other_device = app.test_client()
    login(other_device, "student@example.org")
    login(client, "student@example.org")
    response = client.post("/profile", data={
        "pw-current_password": PASSWORD, "pw-new_password": "a-brand-new-secret",
        "pw-confirm": "a-brand-new-secret", "pw-submit": "1",
        "pw-csrf_token": csrf_token(client, "/profile")})
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this session continues
    assert other_device.get("/").status_code == 302  # the other one is logged out
    assert login(app.test_client(), "student@example.org", "a-brand-new-secret"
                 ).status_code == 302


def test_wrong_current_password_is_shown_beside_the_field(client, world) -> None:
    login(client, "student@example.org")
    response = client.post("/profile", data={
        "pw-current_password": "nope-nope-nope", "pw-new_password": "a-brand-new-secret",
        "pw-confirm": "a-brand-new-secret", "pw-submit": "1",
        "pw-csrf_token": csrf_token(client, "/profile")})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="pw-current_password-error"' in page
    assert "The current password is not correct." in page
