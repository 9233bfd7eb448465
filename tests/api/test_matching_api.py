"""Courses, equivalences and conversions over the API, for every role."""

from __future__ import annotations

import pytest

ROLES = ("admin", "registrar_nice", "registrar_haikou", "professor", "student")


@pytest.mark.parametrize("role", ROLES)
def test_every_role_searches_the_catalogs(api, catalog_world, role) -> None:
    body = api("GET", "/courses?q=数据", as_=role).get_json()
    assert [c["code"] for c in body["items"]] == ["CS5102"]
    assert body["items"][0]["credits"] == "2.0" and body["items"][0]["credit_system"] == "cn"


def test_course_filters_sort_and_pages(api, catalog_world) -> None:
    body = api("GET", "/courses?institution=NICE&sort=-code&per_page=1").get_json()
    assert body["total"] == 2 and [c["code"] for c in body["items"]] == ["M1-ML"]
    assert api("GET", "/courses?credits_min=3&credits_max=3").get_json()["total"] == 1
    assert api("GET", "/courses?level=doctorate").get_json()["total"] == 0
    assert api("GET", "/courses?sort=secret").status_code == 400


NEW_COURSE = {"institution": "HAIKOU", "code": "CS5301", "titles": {"zh": "分布式系统"},
              "credits": "2", "level": "研究生", "languages": ["zh"], "kind": "lecture"}


@pytest.mark.parametrize(("role", "status"), [("admin", 201), ("registrar_haikou", 201),
                                              ("registrar_nice", 403), ("professor", 403),
                                              ("student", 403)])
def test_only_the_institution_adds_courses(api, catalog_world, role, status) -> None:
    assert api("POST", "/courses", as_=role, json=NEW_COURSE).status_code == status


def test_a_bad_course_gets_every_field_named(api, catalog_world) -> None:
    response = api("POST", "/courses", as_="registrar_haikou", json=NEW_COURSE | {
        "credits": "2.25", "terms": ["2099-X"], "level": "高中"})
    assert response.status_code == 400
    assert {"credits", "terms", "level"} <= set(response.get_json()["error"]["fields"])


def test_patch_a_course_with_if_match_and_retire_it(api, catalog_world) -> None:
    path = f"/courses/{catalog_world['bdd'].id}"
    etag = api("GET", path).headers["ETag"]
    changed = api("PATCH", path, json={"status": "retired"}, headers={"If-Match": etag})
    assert changed.status_code == 200 and changed.get_json()["status"] == "retired"
    assert changed.get_json()["titles"]["fr"] == "Bases de données avancées"  # kept
    stale = api("PATCH", path, json={"credits": "3"}, headers={"If-Match": etag})
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "stale_version"


def test_equivalence_workflow_over_the_api(api, catalog_world) -> None:
    w = catalog_world
    created = api("POST", "/equivalences", as_="registrar_haikou", json={
        "partnership": "NH-CS", "courses": [w["ml"].id, w["ml_cn"].id], "first_year": 2026})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["status"] == "proposed" and body["approved_by"] == ["HAIKOU"]
    assert {s["institution"]: s["ects"] for s in body["sides"]} == {"NICE": "6.0",
                                                                     "HAIKOU": "4.5"}
    path = f"/equivalences/{body['id']}"
    assert api("POST", path + "/approve", as_="student").status_code == 403
    assert api("POST", path + "/approve", as_="registrar_haikou").status_code == 409
    approved = api("POST", path + "/approve", as_="registrar_nice").get_json()
    assert approved["status"] == "approved" and approved["approved_by"] == ["HAIKOU", "NICE"]
    listed = api("GET", f"/equivalences?course={w['ml_cn'].id}&status=approved").get_json()
    assert [e["id"] for e in listed["items"]] == [body["id"]]


def test_reject_needs_a_reason(api, catalog_world) -> None:
    w = catalog_world
    body = api("POST", "/equivalences", json={
        "partnership": "NH-CS", "courses": [w["bdd"].id, w["db_cn"].id],
        "first_year": 2026}).get_json()
    path = f"/equivalences/{body['id']}/reject"
    assert api("POST", path, as_="registrar_haikou", json={"reason": ""}).status_code == 400
    done = api("POST", path, as_="registrar_haikou", json={"reason": "different content"})
    assert done.get_json()["status"] == "rejected"


@pytest.mark.parametrize("role", ROLES)
def test_conversion_names_its_rule(api, catalog_world, role) -> None:
    body = api("POST", "/conversions/credits", as_=role, json={
        "partnership": "NH-CS", "from_system": "cn", "amount": "2.5"}).get_json()
    assert body["amount"] == "4.0" and body["exact"] == "3.75"
    assert body["to_system"] == "ects" and body["method"] == "ratio"
    assert "1.5" in body["explanation"] and body["rule"]["ects_per_cn"] == "1.5"


def test_conversion_errors_are_clear(api, catalog_world) -> None:
    missing = api("POST", "/conversions/credits", json={"partnership": "NOPE",
                                                       "from_system": "cn", "amount": "1"})
    assert missing.status_code == 400 and "partnership" in missing.get_json()["error"]["fields"]
    thesis = api("POST", "/conversions/credits", json={
        "partnership": "NH-CS", "from_system": "ects", "amount": "30", "kind": "thesis"})
    assert thesis.status_code == 200 and thesis.get_json()["amount"] == "0"  # not credited
    no_hours = api("POST", "/conversions/credits", json={
        "partnership": "NH-CS", "from_system": "cn", "amount": None})
    assert no_hours.status_code == 400


def test_equivalence_lists_run_a_fixed_number_of_queries(app, api, catalog_world,
                                                        query_counter) -> None:
    from jointdegree.db import session
    from jointdegree.matching import equivalences

    w = catalog_world
    api("GET", "/equivalences")
    query_counter.clear()
    api("GET", "/equivalences")
    empty = len(query_counter)
    with app.test_request_context():
        actor = session.get(type(w["registrar_nice"]), w["registrar_nice"].id)
        partnership = session.get(type(w["partnership"]), w["partnership"].id)
        equivalences.propose(partnership, [w["bdd"].id, w["db_cn"].id], 2026, None, None, actor)
    query_counter.clear()
    api("GET", "/equivalences")
    one = len(query_counter)
    with app.test_request_context():
        actor = session.get(type(w["registrar_nice"]), w["registrar_nice"].id)
        partnership = session.get(type(w["partnership"]), w["partnership"].id)
        for ids in ([w["ml"].id, w["ml_cn"].id], [w["bdd"].id, w["ml_cn"].id],
                    [w["ml"].id, w["db_cn"].id]):
            equivalences.propose(partnership, ids, 2026, None, None, actor)
    query_counter.clear()
    body = api("GET", "/equivalences").get_json()
    assert body["total"] == 4
    assert len(query_counter) == one >= empty
