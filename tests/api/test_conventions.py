"""Conventions every endpoint shares: tokens, errors, pagination, concurrency, OpenAPI."""

from __future__ import annotations

from datetime import timedelta

import pytest
from openapi_spec_validator import validate
from sqlalchemy import select

from jointdegree.auth.models import ApiToken, User
from tests.support import csrf_token, login

ROLES = ("admin", "registrar_nice", "registrar_haikou", "professor", "student")


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


# -- tokens ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_a_token_acts_as_its_user(api, world, role) -> None:
    body = api("GET", "/me", as_=role).get_json()
    assert body["email"] == world[role].email
    assert body["role"] == world[role].role.value


def test_no_token_a_bad_token_and_a_cookie_are_all_401(api, client, world) -> None:
    error = assert_error(api("GET", "/me", as_=None), 401, "missing_token")
    assert "Bearer" in error["message"]
    assert_error(api("GET", "/me", headers={"Authorization": "Bearer jd_nope"}), 401,
                 "invalid_token")
    assert_error(api("GET", "/me", headers={"Authorization": "Basic dXNlcjpwdw=="}), 401,
                 "missing_token")
    login(client, "admin@example.org")  # a logged-in browser session does not open the API
    assert_error(client.get("/api/v1/me"), 401, "missing_token")


def test_401_carries_www_authenticate(api) -> None:
    assert api("GET", "/me", as_=None).headers["WWW-Authenticate"].startswith("Bearer")


def test_expired_and_revoked_tokens_are_refused(api, world, tokens, db) -> None:
    token = db.scalar(select(ApiToken).where(ApiToken.name == "student token"))
    token.expires_at = token.created_at - timedelta(seconds=1)
    db.commit()
    assert_error(api("GET", "/me", as_="student"), 401, "token_expired")
    token.expires_at = None
    token.revoked_at = token.created_at
    db.commit()
    assert_error(api("GET", "/me", as_="student"), 401, "invalid_token")


def test_a_deactivated_users_token_stops_working(api, world, db) -> None:
    db.get(User, world["professor"].id).active = False
    db.commit()
    assert_error(api("GET", "/me", as_="professor"), 401, "invalid_token")


def test_tokens_are_stored_hashed_and_last_use_is_recorded(api, tokens, db) -> None:
    secret = tokens["professor"]
    token = db.scalar(select(ApiToken).where(ApiToken.name == "professor token"))
    assert secret not in (token.token_hash, token.prefix) and secret.startswith(token.prefix)
    assert token.last_used_at is None
    api("GET", "/me", as_="professor")
    db.refresh(token)
    assert token.last_used_at is not None


def test_guessing_tokens_is_throttled_with_retry_after(app, api) -> None:
    app.config["LOGIN_MAX_FAILURES_ADDRESS"] = 3
    for i in range(3):
        api("GET", "/me", headers={"Authorization": f"Bearer jd_guess{i}"})
    blocked = api("GET", "/me")  # even a good token waits, from this address
    assert_error(blocked, 429, "too_many_requests")
    assert int(blocked.headers["Retry-After"]) > 0


def test_revoking_a_token_through_the_api(api, tokens, db) -> None:
    listing = api("GET", "/me/tokens", as_="student").get_json()
    assert [t["name"] for t in listing["items"]] == ["student token"]
    assert "token_hash" not in listing["items"][0]
    token_id = listing["items"][0]["id"]
    assert api("DELETE", f"/me/tokens/{token_id}", as_="registrar_nice").status_code == 404
    assert api("DELETE", f"/me/tokens/{token_id}", as_="student").status_code == 204
    assert_error(api("GET", "/me", as_="student"), 401, "invalid_token")


def test_tokens_from_the_profile_page(app, client, world) -> None:
    login(client, "prof@example.org")
    page = client.post("/profile", data={"tok-name": "my script", "tok-expires": "30",
                                         "tok-submit": "1",
                                         "tok-csrf_token": csrf_token(client, "/profile")})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "will not be shown again" in html
    secret = html.split('<code class="secret">')[1].split("</code>")[0]
    api_client = app.test_client()
    me = api_client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.get_json()["email"] == "prof@example.org"
    assert secret not in client.get("/profile").get_data(as_text=True)  # shown once only
    token_id = api_client.get("/api/v1/me/tokens", headers={
        "Authorization": f"Bearer {secret}"}).get_json()["items"][0]["id"]
    client.post(f"/profile/tokens/{token_id}/revoke",
                data={"csrf_token": csrf_token(client, "/profile")})
    assert api_client.get("/api/v1/me", headers={
        "Authorization": f"Bearer {secret}"}).status_code == 401


def test_token_cli_prints_the_token_alone_on_the_last_line(app, runner, world) -> None:
    result = runner.invoke(args=["token", "create", "--user", "student@example.org",
                                 "--name", "nightly sync", "--expires", "30"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("jd_") and " " not in secret
    response = app.test_client().get("/api/v1/me",
                                     headers={"Authorization": f"Bearer {secret}"})
    assert response.get_json()["email"] == "student@example.org"
    bad = runner.invoke(args=["token", "create", "--user", "nobody@example.org", "--name", "x"])
    assert bad.exit_code != 0 and "no user" in bad.output


# -- errors ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("lang", "expected"), [("fr", "Envoyez"), ("zh-CN", "令牌"),
                                                ("en", "Send")])
def test_error_messages_follow_accept_language(api, lang, expected) -> None:
    error = assert_error(api("GET", "/me", as_=None, headers={"Accept-Language": lang}), 401,
                         "missing_token")
    assert expected in error["message"]


def test_unknown_routes_and_methods_are_json(api) -> None:
    assert_error(api("GET", "/nothing-here"), 404, "not_found")
    response = api("PUT", "/me")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_a_missing_record_is_404(api) -> None:
    assert_error(api("GET", "/institutions/NOPE"), 404, "not_found")
    assert_error(api("GET", "/programmes/999999"), 404, "not_found")


def test_wrong_content_type_is_415_and_bad_json_is_400(api) -> None:
    assert_error(api("POST", "/programmes", data="code=X",
                     content_type="application/x-www-form-urlencoded"), 415,
                 "unsupported_media_type")
    assert_error(api("POST", "/programmes", data="{not json",
                     content_type="application/json"), 400, "invalid_json")


def test_validation_names_every_bad_field(api) -> None:
    error = assert_error(api("POST", "/programmes", json={
        "institution": "NICE", "code": "X", "names": {"fr": "X"}, "level": "licence",
        "required_credits": "-1", "duration_semesters": 40}), 400, "validation_failed")
    assert {"level", "required_credits", "duration_semesters"} <= set(error["fields"])


def test_oversize_bodies_are_413(app, api) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 1024
    assert_error(api("POST", "/programmes", data="{" + " " * 4096 + "}",
                     content_type="application/json"), 413, "payload_too_large")


def test_no_csrf_is_needed_for_the_api(api) -> None:
    response = api("POST", "/programmes", json={
        "institution": "NICE", "code": "M2", "names": {"en": "M2"}, "level": "master",
        "required_credits": "60", "duration_semesters": 2})
    assert response.status_code == 201


def test_api_responses_set_no_session_cookie(api) -> None:
    response = api("GET", "/me")
    assert not any(c.startswith("session=") for c in response.headers.getlist("Set-Cookie"))


# -- pagination, filtering, sorting ---------------------------------------------------------------

def test_lists_are_paginated_with_link_headers(api, app) -> None:
    from tests.factories import make_institution

    with app.test_request_context():
        for i in range(5):
            make_institution(f"EXTRA{i}")
    first = api("GET", "/institutions?per_page=3&sort=code")
    body = first.get_json()
    assert body["total"] == 7 and body["page"] == 1 and body["per_page"] == 3
    assert [i["code"] for i in body["items"]] == ["EXTRA0", "EXTRA1", "EXTRA2"]
    links = first.headers["Link"]
    assert 'rel="next"' in links and 'rel="last"' in links and 'rel="prev"' not in links
    assert "page=3" in links and "per_page=3" in links and "sort=code" in links
    last = api("GET", "/institutions?per_page=3&sort=code&page=3").get_json()
    assert [i["code"] for i in last["items"]] == ["NICE"]
    beyond = api("GET", "/institutions?per_page=3&page=9").get_json()
    assert beyond["items"] == [] and beyond["total"] == 7


def test_sorting_descending_and_by_unknown_field(api) -> None:
    codes = [i["code"] for i in api("GET", "/institutions?sort=-code").get_json()["items"]]
    assert codes == sorted(codes, reverse=True)
    error = assert_error(api("GET", "/institutions?sort=password"), 400, "validation_failed")
    assert "sort" in error["fields"]


@pytest.mark.parametrize("query", ["per_page=1000", "page=0", "page=abc", "colour=red"])
def test_bad_list_parameters_are_400(api, query) -> None:
    assert_error(api("GET", f"/institutions?{query}"), 400, "validation_failed")


def test_filters(api) -> None:
    cn = api("GET", "/institutions?country=cn").get_json()
    assert [i["code"] for i in cn["items"]] == ["HAIKOU"]
    masters = api("GET", "/programmes?institution=HAIKOU&level=master").get_json()
    assert [p["code"] for p in masters["items"]] == ["MS-CST"]
    assert api("GET", "/partnerships?status=draft").get_json()["total"] == 0
    assert api("GET", "/partnerships?institution=NICE").get_json()["total"] == 1


def test_list_queries_do_not_grow_with_the_data(api, app, query_counter) -> None:
    from tests.factories import make_institution, make_programme

    api("GET", "/programmes")
    query_counter.clear()
    api("GET", "/programmes")
    few = len(query_counter)
    with app.test_request_context():
        for i in range(8):
            make_programme(make_institution(f"MORE{i}"))
    query_counter.clear()
    api("GET", "/programmes?per_page=50")
    assert len(query_counter) == few


# -- optimistic concurrency -----------------------------------------------------------------------

def test_patch_needs_if_match_and_a_stale_version_is_409(api) -> None:
    current = api("GET", "/institutions/NICE")
    etag = current.headers["ETag"]
    assert etag == f'"{current.get_json()["version"]}"'
    change = {"names": {"zh": "尼斯大学"}}
    assert_error(api("PATCH", "/institutions/NICE", json=change), 428, "precondition_required")
    first = api("PATCH", "/institutions/NICE", json=change, headers={"If-Match": etag})
    assert first.status_code == 200
    assert first.get_json()["names"] == {"fr": "Université NICE", "zh": "尼斯大学",
                                         "en": "University NICE"}
    assert first.headers["ETag"] != etag
    second = api("PATCH", "/institutions/NICE", json={"names": {"zh": "另一个名字"}},
                 headers={"If-Match": etag})  # made from the copy read before the first
    assert_error(second, 409, "stale_version")
    assert api("GET", "/institutions/NICE").get_json()["names"]["zh"] == "尼斯大学"


def test_openapi_document_is_valid_and_lists_every_route(app, client) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    assert document["openapi"].startswith("3.1")
    documented = {(method.upper(), path) for path, ops in document["paths"].items()
                  for method in ops}
    from jointdegree.api.openapi import openapi_path

    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint in {"api.openapi_json",
                                                                     "api.docs"}:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (method, openapi_path(rule.rule.removeprefix("/api/v1"))) in documented, (
                f"{method} {rule.rule} is missing from the OpenAPI document")


def test_the_docs_page_works_offline(client) -> None:
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/institutions" in page and "InstitutionOut" in page
    assert "http://" not in page.replace("http://localhost", "")  # nothing from a CDN
    assert "https://" not in page


def test_field_messages_follow_accept_language_too(api) -> None:
    response = api("POST", "/programmes", headers={"Accept-Language": "fr"}, json={
        "institution": "NICE", "code": "X", "names": {"fr": "X"}, "level": "master",
        "required_credits": "-1", "duration_semesters": 40, "colour": "red"})
    fields = response.get_json()["error"]["fields"]
    assert fields["duration_semesters"] == "Doit être au plus 16."
    assert fields["colour"] == "Champ inconnu."
