"""Browser-side hardening, on the demo: security headers on pages, API answers and downloads;
the session is renewed at login (no fixation); ``?next=`` never leaves the site; uploaded files
are never served back as something a browser would run.

Already tested elsewhere, and not repeated here: the basic open-redirect targets and the
control-character ones (tests/auth/test_login.py, tests/test_hostile_input.py), and that a
syllabus whose bytes are not a PDF is refused (tests/matching/test_equivalences.py).
"""

from __future__ import annotations

import io
import re
from typing import Any
from urllib.parse import quote, urljoin, urlsplit
from weakref import WeakKeyDictionary

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from jointdegree.demo import DEMO_PASSWORD
from tests.support import csrf_token, login, user_by_email

REGISTRAR = "registrar.nice@example.org"
STUDENT = "student@example.org"
SITE = "https://jointdegree.example"


def log_in(client: Any, email: str = REGISTRAR, **kwargs: Any) -> Any:
    return login(client, email, DEMO_PASSWORD, **kwargs)


def csp(response: Any) -> dict[str, list[str]]:
    """The Content-Security-Policy as {directive: [sources]}."""
    header = response.headers.get("Content-Security-Policy", "")
    policy: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            policy.setdefault(words[0].lower(), [w.lower() for w in words[1:]])
    return policy


def assert_hardened(response: Any, where: str) -> None:
    policy = csp(response)
    assert policy, f"{where}: no Content-Security-Policy"
    scripts = policy.get("script-src", policy.get("default-src"))
    assert scripts is not None, f"{where}: scripts are not restricted"
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, where
    assert not any(s in ("*", "data:", "http:", "https:") for s in scripts), where
    assert policy.get("frame-ancestors") == ["'none'"], f"{where}: may be framed"
    assert policy.get("object-src", policy.get("default-src")) in (["'none'"], ["'self'"]), where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    assert response.headers.get("Referrer-Policy") in (
        "no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"), where
    assert response.headers.get("X-Frame-Options") == "DENY", where


def assert_no_inline_script(page: str, where: str) -> None:
    """What the policy forbids is not in the page either (it would silently not run)."""
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page, re.I), f"{where}: inline script"
    assert not re.search(r"\son[a-z]+\s*=", page, re.I), f"{where}: inline event handler"
    assert "javascript:" not in page.lower(), f"{where}: javascript: URL"


# -- headers --------------------------------------------------------------------------------------

ANONYMOUS_PAGES = ["/login", "/verify", "/no-such-page", "/catalog-template.csv",
                   "/api/v1/openapi.json", "/api/v1/docs", "/api/v1/me",
                   "/api/v1/verify/ZZZZ-ZZZZ-ZZZZ"]
LOGGED_IN_PAGES = ["/", "/courses?q=syst%C3%A8mes", "/institutions", "/partnerships",
                   "/profile", "/institutions/UCA/catalog/import", "/courses/999999",
                   "/institutions/UCA/catalog/export?format=csv",
                   "/institutions/UCA/catalog/export?format=xlsx"]


@pytest.mark.parametrize("path", ANONYMOUS_PAGES)
def test_anonymous_answers_carry_the_security_headers(client, path) -> None:
    with client.get(path) as response:  # (closing a file download closes the file)
        assert response.status_code < 500
        assert_hardened(response, path)
        if response.mimetype == "text/html":
            assert_no_inline_script(response.get_data(as_text=True), path)


def test_logged_in_pages_and_downloads_carry_the_security_headers(client) -> None:
    log_in(client)
    for path in LOGGED_IN_PAGES:
        with client.get(path) as response:
            assert response.status_code == (404 if path == "/courses/999999" else 200), path
            assert_hardened(response, path)
            # private pages and files alike: no shared cache, nothing left on disk
            assert response.headers["Cache-Control"] == "private, no-store", path
            if response.mimetype == "text/html":
                assert_no_inline_script(response.get_data(as_text=True), path)
    with client.get("/static/css/app.css") as response:  # the style sheet stays cacheable
        assert "no-store" not in response.headers.get("Cache-Control", ""), response.headers


def test_api_answers_carry_the_security_headers(app, client) -> None:
    from jointdegree.auth.tokens import create_token

    with app.test_request_context():
        user = user_by_email(REGISTRAR)
        secret = create_token(user, "headers").secret
    headers = {"Authorization": f"Bearer {secret}"}
    for method, path, status in [("GET", "/api/v1/me", 200),
                                 ("GET", "/api/v1/courses?per_page=2", 200),
                                 ("GET", "/api/v1/courses/999999", 404),
                                 ("POST", "/api/v1/courses", 400),  # the empty body
                                 ("DELETE", "/api/v1/me", 405)]:
        response = client.open(path, method=method, headers=headers, json={})
        assert response.status_code == status, path
        assert response.mimetype == "application/json", path
        assert_hardened(response, f"{method} {path}")


@pytest.mark.parametrize(("method", "path", "data", "status"), [
    ("GET", "/courses?q=%00", None, 400),  # PostgreSQL refuses NUL in text: these were 500s
    ("GET", "/institutions/U%00CA", None, 404),
    ("POST", "/login", {"email": "a\x00@example.org", "password": "x"}, 400),
])
def test_nul_characters_are_refused_at_the_door(client, method, path, data, status) -> None:
    if data is not None:
        data = {**data, "csrf_token": csrf_token(client)}
    else:
        log_in(client)
    response = client.open(path, method=method, data=data)
    assert response.status_code == status
    assert '<p class="status">' in response.get_data(as_text=True)  # the app's error page


def test_forged_numbers_in_forms_and_addresses_are_not_a_500(app, client) -> None:
    """Ids and versions typed as "²" (a digit to str.isdigit, not to int) or past 32 bits."""
    from jointdegree.catalog.models import Course, Institution
    from jointdegree.db import session
    from jointdegree.planning.models import Student
    from jointdegree.teaching.models import TeachingAssignment

    with app.test_request_context():
        offering = session.scalar(select(TeachingAssignment).join(Course).join(Institution)
                                  .where(Institution.code == "UCA").order_by(TeachingAssignment.id))
        offering_id, course_id, term_id = offering.id, offering.course_id, offering.term_id
        student_id = session.scalar(select(Student.id).order_by(Student.id))
    log_in(client)
    token = csrf_token(client, "/profile")
    requests = [  # (the pages answer with their form or list, the imports and feeds with 400)
        ("GET", f"/teaching/offerings/{offering_id}?weekday=%C2%B2&start=10:00", None, 200),
        ("GET", f"/teaching/offerings/{offering_id}?weekday=1&start=99:99&zone=Nowhere", None,
         200),
        ("GET", f"/teaching/offerings/{offering_id}?weekday=1&start=%C2%B2:00", None, 200),
        ("POST", "/institutions/UCA/catalog/import", {"upload_id": "²", "submit": "Import"}, 400),
        ("POST", "/institutions/UCA/results/import", {"upload_id": "²", "submit": "Import"}, 400),
        ("POST", "/institutions/UCA/catalog/import",
         {"upload_id": "99999999999", "submit": "Import"}, 400),
        ("POST", "/teaching/feeds", {"kind": "offering", "target": "²"}, 400),
        ("POST", "/teaching/feeds", {"kind": "offering", "target": "9" * 5000}, 400),
        ("POST", f"/courses/{course_id}/roster/{term_id}", {"grade-²": "12"}, 200),
        ("POST", f"/courses/{course_id}/roster/{term_id}", {"grade-99999999999": "12"}, 200),
        ("GET", "/courses?credits_min=0.25&credits_max=%C2%B2", None, 200),
        ("GET", f"/students/{student_id}/audit?plan=%C2%B2", None, 200),
        ("GET", f"/students/{student_id}/audit?add=1:%C2%B2&remove=%C2%B2", None, 400),
    ]
    for method, path, data, status in requests:
        response = client.open(path, method=method,
                               data=None if data is None else {**data, "csrf_token": token})
        assert response.status_code == status, (method, path, data)


# -- session fixation -----------------------------------------------------------------------------

def session_of(app: Any, client: Any) -> dict[str, Any]:
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    assert cookie is not None
    return dict(app.session_interface.get_signing_serializer(app).loads(cookie.value))


def test_a_session_planted_before_login_is_not_the_one_logged_in(app, client) -> None:
    """An attacker who gets a visitor's browser to use a session of their own (a cookie set
    through a sibling domain, say) knows its CSRF secret. Logging in starts a new session: the
    planted secret — the token the attacker holds — no longer passes once logged in."""
    attacker = app.test_client()
    planted_token = csrf_token(attacker, "/login")
    planted = attacker.get_cookie("session")
    assert planted is not None
    client.set_cookie("session", planted.value)
    assert log_in(client).status_code == 302
    renewed = session_of(app, client)
    assert renewed.get("_user_id") and renewed.get("csrf_token") != session_of(
        app, attacker).get("csrf_token"), "the planted CSRF secret survived the login"
    # a forged form with the planted token is refused; the page's own token works
    forged = client.post("/profile", data={"csrf_token": planted_token, "tok-name": "forged",
                                           "tok-submit": "Create"})
    assert forged.status_code == 400
    own = client.post("/profile", data={"csrf_token": csrf_token(client, "/profile"),
                                        "tok-name": "mine", "tok-submit": "Create"})
    assert own.status_code == 200 and "forged" not in own.get_data(as_text=True)


def test_nothing_from_before_the_login_is_kept_but_the_language(app, client) -> None:
    from jointdegree.i18n import LANG_COOKIE

    client.post("/language", data={"lang": "zh_Hans", "csrf_token": csrf_token(client)})
    client.get("/institutions")  # leaves a "please log in" message in the session
    assert "_flashes" in session_of(app, client)
    log_in(client, STUDENT)
    assert set(session_of(app, client)) <= {"_user_id", "_fresh", "_id", "_remember"}
    cookie = client.get_cookie(LANG_COOKIE)  # the visitor's language is a cookie of its own
    assert cookie is not None and cookie.value == "zh_Hans"


def test_logging_in_again_as_someone_else_renews_the_session_too(app, client) -> None:
    log_in(client, STUDENT)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    first = session_of(app, client)  # logged out, with the first login's CSRF secret
    log_in(client, REGISTRAR)
    csrf_token(client, "/")
    second = session_of(app, client)
    assert "_user_id" not in first and second["_user_id"]
    assert first["csrf_token"] != second["csrf_token"]


def test_a_copied_session_cookie_is_dead_after_logout(app, client) -> None:
    """Someone who copied the cookie (a shared computer, a stolen backup) cannot use it once
    its owner has logged out: the session is ended on the server, not only in that browser."""
    log_in(client, STUDENT)
    copied = client.get_cookie("session")
    assert copied is not None and client.get("/profile").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    thief = app.test_client()
    thief.set_cookie("session", copied.value)
    answer = thief.get("/profile")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    assert log_in(client, STUDENT).status_code == 302  # the owner logs in again as before
    assert client.get("/profile").status_code == 200


# -- open redirects -------------------------------------------------------------------------------

def stays_on_site(location: str) -> bool:
    """Where a browser goes with this Location, read the WHATWG way: leading and trailing
    C0/space stripped, tabs and newlines removed, backslashes read as slashes."""
    cleaned = re.sub(r"[\t\n\r]", "", location.strip("".join(map(chr, range(0x21)))))
    target = urlsplit(urljoin(f"{SITE}/login", cleaned.replace("\\", "/")))
    return target.scheme == "https" and target.netloc == urlsplit(SITE).netloc


def redirects_on_site(response: Any, target: str) -> bool:
    """A redirect that stays on the site — or no redirect at all: a NUL is refused (400)."""
    if response.status_code == 400 and "\x00" in target:
        return True
    assert response.status_code == 302, (target, response.status_code)
    assert stays_on_site(response.headers["Location"]), (target, response.headers["Location"])
    return True


ATTACKS = ["//evil.example", "https://evil.example", "/\\evil.example", "\\\\evil.example",
           "javascript:alert(document.domain)", "JavaScript:alert(1)", "java\tscript:alert(1)",
           "data:text/html,<script>alert(1)</script>", "///evil.example", "////evil.example",
           "/\\/evil.example", "\\/evil.example", "http:/\\evil.example", "HTTPS://evil.example",
           "https:evil.example", " //evil.example", "\x00//evil.example", "//evil.example@x",
           "/%09/evil.example", "%2F%2Fevil.example", "/%5Cevil.example", "https://evil。example",
           "//evil.example%2F", "/.//evil.example", "/..//evil.example", "//\u3000evil.example",
           "\u2028//evil.example", "\ufeff//evil.example", "//evil.example:443/", "@evil.example",
           "evil.example", "?next=//evil.example", "#//evil.example"]


@pytest.mark.parametrize("target", ATTACKS)
def test_login_never_redirects_off_site(client, target) -> None:
    response = log_in(client, STUDENT, query_string={"next": target})
    assert redirects_on_site(response, target)


HOSTILE_NEXT = st.one_of(
    st.sampled_from(ATTACKS),
    st.text(max_size=40),
    st.builds(lambda prefix, host, rest: prefix + host + rest,
              st.sampled_from(["/", "//", "\\", "/\\", "\\/", "https:", "http:/", "", " ",
                               "\t/", "/\x00/", "%2F", "/%2F"]),
              st.sampled_from(["evil.example", "evil.example@jointdegree.example", "127.0.0.1",
                               "[::1]", "xn--e1afmkfd.example"]),
              st.text(alphabet="/\\?#@:%.\t\n ", max_size=6)),
)


_TOKENS: WeakKeyDictionary[Any, str] = WeakKeyDictionary()  # a logged-in client → its token


def logged_in(client: Any) -> str:
    """Log the client in once (hypothesis reuses it for every example); its CSRF token."""
    if client not in _TOKENS:
        log_in(client, STUDENT)
        _TOKENS[client] = csrf_token(client, "/profile")
    return _TOKENS[client]


@settings(max_examples=120, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(target=HOSTILE_NEXT)
def test_no_next_ever_leads_off_site(client, target) -> None:
    """Logged in, ``/login?next=`` redirects at once (the same check as at login); so does the
    language switcher. Whatever ``next`` is, the browser stays on the site."""
    token = logged_in(client)
    response = client.get("/login?next=" + quote(target, safe=""))
    assert redirects_on_site(response, target)
    switched = client.post("/language", data={"lang": "en", "next": target, "csrf_token": token})
    assert redirects_on_site(switched, target)


# -- uploads are never served as HTML --------------------------------------------------------------

def syllabus_course(app: Any) -> int:
    from jointdegree.catalog.models import Course, Institution
    from jointdegree.db import session

    with app.test_request_context():
        return session.scalar(select(Course.id).join(Institution).where(
            Institution.code == "UCA").order_by(Course.id))


@pytest.mark.parametrize(("content", "filename", "served_as"), [
    (b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>",
     "syllabus.pdf", "application/pdf"),  # a PDF header, then HTML: still only a PDF
    (b"<!doctype html><script>alert(1)</script>", "syllabus.html.txt", "text/plain"),
    (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "image.svg.txt",
     "text/plain"),
    (b"%PDF-1.7\n%%EOF", "a;x=.html\x07\x1b\x7f<b>.pdf", "application/pdf"),
    (b"%PDF-1.7\n%%EOF", "../../templates/base.html.pdf", "application/pdf"),
])
def test_uploaded_syllabi_come_back_as_inert_downloads(app, client, content, filename,
                                                        served_as) -> None:
    course_id = syllabus_course(app)
    log_in(client)
    stored = client.post(f"/courses/{course_id}/syllabus", data={
        "csrf_token": csrf_token(client, f"/courses/{course_id}/syllabus"),
        "file": (io.BytesIO(content), filename)}, content_type="multipart/form-data")
    assert stored.status_code == 302, stored.get_data(as_text=True)[:300]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    log_in(client, STUDENT)  # anyone logged in may read it
    served = client.get(f"/courses/{course_id}/syllabus")
    assert served.status_code == 200 and served.data == content
    assert served.mimetype == served_as and "html" not in served.content_type
    disposition = served.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "\r" not in disposition and "\n" not in disposition
    assert not re.search(r"\.html?\"?$", disposition), disposition
    assert "/" not in disposition.split("filename", 1)[1]  # no path in the name
    assert_hardened(served, "syllabus download")
    policy = csp(served)
    assert "sandbox" in policy and policy.get("default-src") == ["'none'"]


@pytest.mark.parametrize("name", ['a"\r\nContent-Type: text/html\r\nX: ".pdf',
                                  "x\r\n\r\n<script>.pdf", "..\\..\\evil.pdf", "\x00.pdf"])
def test_stored_file_names_cannot_break_the_download_header(name) -> None:
    """(A browser sends such a name percent-encoded; the test client cannot, so the name is
    checked where it is cleaned.)"""
    from jointdegree.files.services import safe_filename

    clean = safe_filename(name)
    assert not re.search(r'[\x00-\x1f\x7f"/\\]', clean), clean
    assert clean.endswith(".pdf")
