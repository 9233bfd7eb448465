"""Regressions from a security review: hostile input gets a clear answer, never a 500."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from jointdegree.matching.models import Equivalence
from tests.support import PASSWORD, csrf_token, login


@pytest.mark.parametrize("target", ["/%09/evil.example", "/\t/evil.example",
                                    "/%0a/evil.example", "https:evil.example"])
def test_no_open_redirect_through_control_characters(client, world, target) -> None:
    response = client.post(f"/login?next={target}", data={
        "email": "student@example.org", "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert response.status_code == 302 and response.headers["Location"] == "/"


@pytest.mark.parametrize("path", ["/courses/100000000000000000000",
                                  "/partnerships/100000000000000000000",
                                  "/api/v1/courses/100000000000000000000"])
def test_huge_ids_are_404(client, api, world, path) -> None:
    login(client, "student@example.org")
    response = api("GET", path.removeprefix("/api/v1")) if path.startswith("/api") \
        else client.get(path)
    assert response.status_code == 404


@pytest.mark.parametrize("query", ["credits_min=NaN", "credits_max=1e999", "page=10000000000000",
                                   "credits_min=sNaN"])
def test_odd_search_parameters_are_not_errors(client, world, query) -> None:
    login(client, "student@example.org")
    assert client.get(f"/courses?{query}").status_code == 200


def test_api_refuses_huge_page_numbers_with_400(api, world) -> None:
    assert api("GET", "/courses?page=100000000000000000000").status_code == 400
    assert api("GET", "/equivalences?course=100000000000000000000").status_code == 400


def test_a_forged_upload_id_is_a_400(client, world) -> None:
    login(client, "reg.nice@example.org")
    response = client.post("/institutions/NICE/catalog/import", data={
        "csrf_token": csrf_token(client, "/institutions/NICE/catalog/import"),
        "upload_id": "abc", "submit": "Import"})
    assert response.status_code == 400


def test_a_forged_professor_id_is_refused(app, client, catalog_world) -> None:
    from jointdegree.matching import equivalences

    with app.test_request_context():
        from jointdegree.db import session

        w = catalog_world
        item = equivalences.propose(session.get(type(w["partnership"]), w["partnership"].id),
                                    [w["bdd"].id, w["db_cn"].id], 2026, None, None,
                                    session.get(type(w["registrar_nice"]),
                                                w["registrar_nice"].id))
        item_id = item.id
    login(client, "reg.nice@example.org")
    response = client.post(f"/equivalences/{item_id}/request-review", data={
        "csrf_token": csrf_token(client, "/"), "professor": "abc", "question": "?"})
    assert response.status_code == 302


def test_chinese_file_names_download_with_an_encoded_header(client, catalog_world) -> None:
    course_id = catalog_world["bdd"].id
    login(client, "reg.nice@example.org")
    client.post(f"/courses/{course_id}/syllabus", data={
        "csrf_token": csrf_token(client, f"/courses/{course_id}/syllabus"),
        "file": (io.BytesIO("教学大纲\n".encode()), "课程大纲.txt")},
        content_type="multipart/form-data")
    header = client.get(f"/courses/{course_id}/syllabus").headers["Content-Disposition"]
    header.encode("latin-1")  # what a real server must be able to send
    assert "filename*=UTF-8''" in header


def test_reading_equivalences_writes_nothing(app, client, catalog_world, db,
                                             query_counter) -> None:
    login(client, "student@example.org")
    query_counter.clear()
    client.get(f"/partnerships/{catalog_world['partnership'].id}/equivalences")
    writes = [s for s in query_counter if s.lstrip().upper().startswith(("UPDATE", "INSERT",
                                                                          "DELETE"))]
    assert writes == []
    assert db.scalars(select(Equivalence)).all() == []
