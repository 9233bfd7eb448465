"""The authorization matrix (issue #9): every route of the URL map (web and API) × every role ×
own / other object, against an explicit table of who may do what.

``EXPECTED`` names, for each endpoint, the rule the code enforces on reading (GET) and on changing
(POST/PUT/PATCH/DELETE), and the objects it is called on (own and other institution, student,
professor, owner…; see ``tests/security/conftest.py``). The routes are taken from
``app.url_map``: a route without an entry fails, and so does an entry whose endpoint is gone, so
a new route cannot escape the matrix.

The roles: anonymous, the demo student (HAINANU, with their own record), a UCA professor, the UCA
and HAINANU registrars, a registrar of EXT (a third institution, partner of UCA only) and the
admin. Web pages are called with each role's session cookie (and a valid CSRF token), the API
with each role's bearer token. Where a route checks its form or body before the permission, the
table gives a body that passes, so a refused role is refused for who it is, not for what it sent.
List endpoints (students, diploma records, tokens) are also checked for what they show: exactly
the rows the role may read.

What each call must give:

- a role the rule refuses: 401/403/404 (a web page may also send an anonymous visitor to the
  login page), and not one row inserted, changed or deleted;
- a role the rule allows, reading: 200, or a redirect elsewhere than to the login page;
- a role the rule allows, changing: anything but 401/403/404 (the minimal body may well be
  refused as invalid: 400/409 is fine). ``writes`` narrows who may actually change data when
  the page answers every reader (e.g. a form shown to all, saved only for its editors);
- never a 500: an exception fails the route, named.

Every call runs in a savepoint rolled back afterwards (inside the test's own rolled-back
transaction), so what one role changes is never seen by the next.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import event
from werkzeug.routing import Rule as UrlRule

from jointdegree import create_app
from jointdegree.db import database
from tests.security.conftest import Actor, Scene, Variant

Check = Callable[[Actor, dict[str, Any]], bool]
Body = Callable[[Scene, Variant], dict[str, Any] | None]
Listing = Callable[[Scene, Actor, Any], str | None]  # (…, response) → what is wrong, or None


# -- the rules the code enforces (jointdegree/auth/policy.py and each feature's @policy) ---------

def public(_a: Actor, _t: dict[str, Any]) -> bool:
    return True


def logged_in(a: Actor, _t: dict[str, Any]) -> bool:
    return a.role is not None


def admin(a: Actor, _t: dict[str, Any]) -> bool:
    return a.role == "admin"


def _registrar_in(a: Actor, institution_ids: set[int]) -> bool:
    return a.role == "registrar" and a.institution_id in institution_ids


def any_registrar(a: Actor, _t: dict[str, Any]) -> bool:
    """diploma.batches, partnership.create (with their own institution), scale.create."""
    return a.role in ("admin", "registrar")


def institution_registrar(a: Actor, t: dict[str, Any]) -> bool:
    """institution.edit, programme.edit, result.record, exception.grant, teaching.manage,
    diploma.batch: admins, and the registrars of the object's institution."""
    return a.role == "admin" or _registrar_in(a, {t["institution"]})


def campus_registrar(a: Actor, t: dict[str, Any]) -> bool:
    """The teaching page's assignment form: a registrar of that institution (an admin, who has
    no institution of their own, gets no form)."""
    return _registrar_in(a, {t["institution"]})


def partner_registrar(a: Actor, t: dict[str, Any]) -> bool:
    """partnership.edit, student.edit/create, plan.approve, diploma.manage, equivalence.propose:
    admins, and registrars of either partner of the double degree."""
    return a.role == "admin" or _registrar_in(a, t["partners"])


def partner_registrar_not_admin(a: Actor, t: dict[str, Any]) -> bool:
    """equivalence.decide: only a partner's registrar decides (an admin cannot stand in)."""
    return _registrar_in(a, t["partners"])


def student_reader(a: Actor, t: dict[str, Any]) -> bool:
    """student.read and plan.edit: the student themself, the partners' registrars, admins."""
    return (a.role == "admin" or (a.user_id is not None and a.user_id == t["student_user"])
            or _registrar_in(a, t["partners"]))


def result_recorder(a: Actor, t: dict[str, Any]) -> bool:
    """A result's page: reads the student (student.read) and records for the course's
    institution (result.record)."""
    return student_reader(a, t) and institution_registrar(a, t)


def teacher(a: Actor, t: dict[str, Any]) -> bool:
    """lecture.edit and roster.read: the offering's professor, the course institution's
    registrars, admins."""
    return (a.role == "admin" or _registrar_in(a, {t["institution"]})
            or (a.role == "professor" and a.user_id == t["professor"]))


def reviewer(a: Actor, t: dict[str, Any]) -> bool:
    """equivalence.review: only the professor asked."""
    return a.role == "professor" and a.user_id == t["professor"]


def stay_editor(a: Actor, t: dict[str, Any]) -> bool:
    """stay.edit (stays and profile): the professor themself, admins, and registrars of the
    professor's institution or of one in a double degree with it (a stay is at the partner)."""
    return (a.role == "admin" or a.user_id == t["professor"]
            or _registrar_in(a, t["institutions"]))


def owner(a: Actor, t: dict[str, Any]) -> bool:
    """Tokens, notifications, calendar feeds: only the user they belong to (others get 404)."""
    return a.user_id is not None and a.user_id == t["owner"]


def feed_owner(a: Actor, t: dict[str, Any]) -> bool:
    """A feed of any course offering for anyone logged in; of a professor's lectures, only for
    that professor."""
    return logged_in(a, t) and (t["owner"] is None or a.user_id == t["owner"])


def student_list_reader(a: Actor, _t: dict[str, Any]) -> bool:
    """The student list: admins and registrars; a student is sent to their own record."""
    return a.role in ("admin", "registrar") or a.has_student


def holds_secret(_a: Actor, t: dict[str, Any]) -> bool:
    """A secret address (calendar feed, verification code): public with the right secret."""
    return bool(t["valid"])


# -- the table ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Access:
    get: Check | None = None  # who may read (GET)
    write: Check | None = None  # who is not refused a POST/PUT/PATCH/DELETE
    writes: Check | None = None  # who may change data by it (default: ``write``)
    on: str | Callable[[Scene], list[Variant]] = "-"  # the objects (conftest's named sets)
    body: Body | None = None  # form fields (web) or JSON (API) for the changing methods
    query: Body | None = None
    params: dict[str, Any] = field(default_factory=dict)  # fixed path parameters
    if_match: bool = False  # API: send If-Match with the object's version
    listing: Listing | None = None  # a list: check what it shows to each role allowed to read it


def _form(**fields: Any) -> Body:
    return lambda _s, _v: fields


def _version(_s: Scene, v: Variant) -> dict[str, Any]:
    return {"version": str(v.target["version"])}


def _moved(name: str, key: str, new_key: str) -> Callable[[Scene], list[Variant]]:
    """The objects of set ``name`` given in the body or query (as ``new_key``) instead of the
    path."""

    def variants(scene: Scene) -> list[Variant]:
        return [Variant(v.name, {}, v.target | {new_key: v.params[key]})
                for v in scene.sets[name]]

    return variants


def _students_with_course(scene: Scene) -> list[Variant]:
    """A result for: the own student at either campus, a student of the UCA–EXT degree."""
    students = {v.name: v for v in scene.sets["student"]}
    ids = scene.ids
    return [
        Variant(name, students[who].params, students[who].target | {
            "institution": ids[campus], "course": ids[f"{campus}_course"],
            "term": ids[f"{campus}_term_code"]})
        for name, who, campus in (("own-uca", "own", "uca"), ("own-hainanu", "own", "hainanu"),
                                  ("foreign-uca", "foreign", "uca"))]


def _programme_pairs(scene: Scene) -> list[Variant]:
    ids = scene.ids
    return [Variant("uca-hainanu", {}, {"a": ids["m_info"], "b": ids["ms_cst"],
                                        "partners": {ids["uca"], ids["hainanu"]}}),
            Variant("hainanu-ext", {}, {"a": ids["ms_cst"], "b": ids["m_ext"],
                                        "partners": {ids["hainanu"], ids["ext"]}})]


def _feed_requests(scene: Scene) -> list[Variant]:
    professor = scene.ids["user_id"]["professor"]
    offering = scene.sets["assignment"][0].params["assignment_id"]
    return [Variant("offering", {}, {"owner": None, "kind": "offering", "target_id": offering}),
            Variant("professor", {}, {"owner": professor, "kind": "professor",
                                      "target_id": professor})]


def _uca_offering(scene: Scene) -> list[Variant]:
    return [Variant("uca-course", {}, {"institution": scene.ids["uca"]})]


def _feed_form(_s: Scene, v: Variant) -> dict[str, Any]:
    return {"kind": v.target["kind"], "target": str(v.target["target_id"])}


def _difference(kind: str, shown: set[Any], readable: set[Any]) -> str | None:
    if shown == readable:
        return None
    return (f"lists {kind} {sorted(shown - readable)} it may not read"
            if shown - readable else f"misses {kind} {sorted(readable - shown)}")


def _readable_students(scene: Scene, actor: Actor) -> set[int]:
    return {sid for sid, target in scene.ids["students"].items()
            if student_reader(actor, target)}


def _students_api(scene: Scene, actor: Actor, response: Any) -> str | None:
    shown = {item["id"] for item in response.get_json()["items"]}
    return _difference("students", shown, _readable_students(scene, actor))


def _students_page(scene: Scene, actor: Actor, response: Any) -> str | None:
    if response.status_code != 200:
        return None  # a student is sent to their own record
    shown = {int(i) for i in re.findall(r'href="/students/(\d+)"', response.get_data(True))}
    return _difference("students", shown, _readable_students(scene, actor))


def _diplomas_api(scene: Scene, actor: Actor, response: Any) -> str | None:
    shown = {item["serial"] for item in response.get_json()["items"]}
    readable = _readable_students(scene, actor)
    return _difference("diploma records", shown, {
        serial for serial, sid in scene.ids["diplomas"].items() if sid in readable})


def _tokens_api(scene: Scene, actor: Actor, response: Any) -> str | None:
    shown = {item["id"] for item in response.get_json()["items"]}
    return _difference("tokens", shown, {scene.ids["token_ids"][actor.name]})


_ALL = _form(per_page=100)
STUDENT_PAGE = Access(get=student_reader, on="student")

EXPECTED: dict[str, Access | dict[str, Access]] = {
    # -- home, login, profile ---------------------------------------------------------------------
    "home.index": Access(get=logged_in),
    "home.set_language": Access(write=public, body=_form(lang="fr")),
    "auth.login": Access(get=public, write=public),
    "auth.logout": Access(write=public),
    "auth.profile": Access(get=logged_in, write=logged_in),
    "auth.revoke_token": Access(write=owner, on="token"),
    "notifications.inbox": Access(get=logged_in),
    "notifications.open_notification": Access(write=owner, on="notification"),
    "notifications.read_all": Access(write=logged_in),
    # -- catalog ----------------------------------------------------------------------------------
    "catalog.institutions": Access(get=logged_in),
    "catalog.institution": Access(get=logged_in, on="institution"),
    "catalog.new_institution": Access(get=admin, write=admin),
    "catalog.new_programme": Access(get=institution_registrar, write=institution_registrar,
                                    on="institution"),
    "catalog.new_term": Access(get=institution_registrar, write=institution_registrar,
                               on="institution"),
    "catalog.partnerships": Access(get=logged_in),
    "catalog.partnership": Access(get=logged_in, on="partnership"),
    "catalog.new_partnership": Access(get=any_registrar, write=any_registrar),
    "courses.template": Access(get=public),
    "courses.search": Access(get=logged_in),
    "courses.course": Access(get=logged_in, on="course"),
    "courses.new_course": Access(get=institution_registrar, write=institution_registrar,
                                 on="institution"),
    "courses.edit_course": Access(get=institution_registrar, write=institution_registrar,
                                  on="course"),
    "courses.retire": Access(write=institution_registrar, on="course"),
    "courses.import_catalog": Access(get=institution_registrar, write=institution_registrar,
                                     on="institution"),
    "courses.export": Access(get=logged_in, on="institution"),
    # -- matching ---------------------------------------------------------------------------------
    "matching.rules": Access(get=logged_in, write=partner_registrar, on="partnership"),
    "matching.equivalences": Access(get=logged_in, on="partnership"),
    "matching.propose": Access(get=partner_registrar, write=partner_registrar, on="partnership"),
    "matching.equivalence": Access(get=logged_in, on="equivalence"),
    "matching.decide": Access(write=partner_registrar_not_admin, on="equivalence",
                              body=lambda _s, v: {"approve": "y",
                                                  "version": str(v.target["version"])}),
    "matching.confirm_review": Access(write=partner_registrar_not_admin, on="equivalence"),
    "matching.request_review": Access(
        write=partner_registrar_not_admin, on="equivalence",
        body=lambda s, _v: {"professor": str(s.ids["professor_other"]), "question": "?"}),
    "matching.suggestions": Access(get=logged_in, on="course"),
    "matching.reviews": Access(get=logged_in),
    "matching.review": Access(get=reviewer, write=reviewer, on="review"),
    "matching.syllabus": Access(get=logged_in, write=institution_registrar, on="course"),
    "grades.convert": Access(get=logged_in),
    "grades.settings": Access(get=logged_in, write=partner_registrar, on="partnership"),
    # -- planning ---------------------------------------------------------------------------------
    "planning.students": Access(get=student_list_reader, listing=_students_page),
    "planning.my_studies": Access(get=logged_in),
    "planning.student": STUDENT_PAGE,
    "planning.audit": STUDENT_PAGE,
    "planning.new_student": Access(get=partner_registrar, write=partner_registrar,
                                   on="partnership"),
    "planning.edit_student": Access(get=partner_registrar, write=partner_registrar,
                                    on="student"),
    "planning.add_certification": Access(write=partner_registrar, on="student"),
    "planning.new_result": Access(get=partner_registrar, write=partner_registrar, on="student"),
    "planning.correct_result": Access(get=result_recorder, write=result_recorder, on="result"),
    "planning.roster": Access(get=teacher, write=teacher, writes=institution_registrar,
                              on="roster",
                              body=lambda s, _v: {f"grade-{s.ids['roster_student']}": "12"}),
    "planning.import_results": Access(get=institution_registrar, write=institution_registrar,
                                      on="institution"),
    "planning.results_template": Access(get=public),
    "planning.requirements": Access(get=logged_in, write=institution_registrar, on="programme"),
    "planning.export_requirements": Access(get=logged_in, on="programme",
                                           params={"fmt": "json"}),
    "planning.new_exception": Access(get=partner_registrar, write=partner_registrar,
                                     on="student"),
    "planning.withdraw_exception": Access(write=institution_registrar, on="exception"),
    "planning.create_plan": Access(write=student_reader, on="student",
                                   body=_form(name="Matrix plan")),
    "planning.plan": Access(get=student_reader, on="plan"),
    "planning.add_semester": Access(write=student_reader, on="plan_semester",
                                    body=lambda _s, v: {"term": str(v.target["term"]),
                                                        "version": str(v.target["version"])}),
    "planning.remove_semester": Access(write=student_reader, on="plan_semester", body=_version),
    "planning.add_course": Access(
        write=student_reader, on="plan_semester",
        body=lambda s, v: {f"s{v.params['semester_id']}-course": str(s.ids["uca_course"]),
                           f"s{v.params['semester_id']}-version": str(v.target["version"])}),
    "planning.remove_course": Access(write=student_reader, on="plan_course", body=_version),
    "planning.submit_plan": Access(write=student_reader, on="plan", body=_version),
    "planning.approve_plan": Access(write=partner_registrar, on="plan", body=_version),
    "planning.comment_plan": Access(write=student_reader, on="plan",
                                    body=_form(body="Looks fine.")),
    "planning.learning_agreement": Access(get=student_reader, on="approved_plan"),
    # -- teaching ---------------------------------------------------------------------------------
    "teaching.timetable": Access(get=logged_in),
    "teaching.offerings": Access(
        get=logged_in, write=logged_in, writes=campus_registrar, on=_uca_offering,
        body=lambda s, _v: {"course": str(s.ids["uca_course"]), "term": str(s.ids["uca_term"]),
                            "professor": str(s.ids["user_id"]["professor"]), "mode": "home"}),
    "teaching.offering": Access(get=logged_in, write=teacher, on="assignment"),
    "teaching.import_availability": Access(write=teacher, on="assignment"),
    "teaching.cancel_week": Access(write=teacher, on="series"),
    "teaching.move_week": Access(write=teacher, on="series"),
    "teaching.teaching_calendar": Access(get=logged_in, write=institution_registrar,
                                         on="institution"),
    "teaching.professor": Access(get=logged_in, write=stay_editor, on="professor",
                                 body=_form(**{"p-submit": "y", "p-subjects": "Compilers"})),
    "teaching.create_feed": Access(write=logged_in, writes=feed_owner, on=_feed_requests,
                                   body=_feed_form),
    "teaching.revoke_feed": Access(write=owner, on="feed", body=_feed_form),
    "teaching.calendar_feed": Access(get=holds_secret, on="feed_secret"),
    # -- diplomas ---------------------------------------------------------------------------------
    "diplomas.student_diploma": Access(get=student_reader, write=partner_registrar, on="student",
                                       body=_form(action="request")),
    "diplomas.transcript": STUDENT_PAGE,
    "diplomas.transcript_file": Access(get=student_reader, on="student",
                                       params={"format": "json"}),
    "diplomas.download": Access(get=student_reader, on="diploma"),
    "diplomas.download_badge": Access(get=student_reader, on="diploma"),
    "diplomas.download_pdf": Access(get=student_reader, on="diploma"),
    "diplomas.batch_list": Access(get=any_registrar),
    "diplomas.batch_page": Access(get=institution_registrar, on="batch"),
    "diplomas.verify": {
        "/verify": Access(get=public, write=public, body=_form(code="ZZZZ-ZZZZ-ZZZZ")),
        "/verify/<code>": Access(get=holds_secret, on="verify_code"),
    },
    "diplomas.keys": Access(get=public),
    # -- the JSON API -----------------------------------------------------------------------------
    "api.openapi_json": Access(get=public),
    "api.docs": Access(get=public),
    "api.me": Access(get=logged_in),
    "api.my_tokens": Access(get=logged_in, query=_ALL, listing=_tokens_api),
    "api.revoke_token": Access(write=owner, on="token"),
    "api.list_institutions": Access(get=logged_in),
    "api.get_institution": Access(get=logged_in, on="institution"),
    "api.create_institution": Access(write=admin, body=_form(
        code="MATRIX", names={"en": "Matrix University"}, country="FR",
        timezone="Europe/Paris", credit_system="ects", grading_scale="fr-20")),
    "api.patch_institution": Access(write=institution_registrar, on="institution",
                                    body=_form(), if_match=True),
    "api.list_programmes": Access(get=logged_in),
    "api.get_programme": Access(get=logged_in, on="programme"),
    "api.create_programme": Access(
        write=institution_registrar, on=_moved("institution", "code", "code"),
        body=lambda _s, v: {"institution": v.target["code"], "code": "MATRIX",
                            "names": {"en": "Matrix"}, "level": "master",
                            "required_credits": 120, "duration_semesters": 4}),
    "api.patch_programme": Access(write=institution_registrar, on="programme", body=_form(),
                                  if_match=True),
    "api.get_requirements": Access(get=logged_in, on="programme"),
    "api.put_requirements": Access(write=institution_registrar, on="programme",
                                   body=_form(document={}), if_match=True),
    "api.list_partnerships": Access(get=logged_in),
    "api.get_partnership": Access(get=logged_in, on="partnership"),
    "api.create_partnership": Access(
        write=partner_registrar, on=_programme_pairs,
        body=lambda _s, v: {"code": "MATRIX-DD", "names": {"en": "Matrix"},
                            "programme_a": v.target["a"], "programme_b": v.target["b"],
                            "first_intake_year": 2026}),
    "api.patch_partnership": Access(write=partner_registrar, on="partnership", body=_form(),
                                    if_match=True),
    "api.list_courses": Access(get=logged_in),
    "api.get_course": Access(get=logged_in, on="course"),
    "api.create_course": Access(
        write=institution_registrar, on=_moved("institution", "code", "code"),
        body=lambda _s, v: {"institution": v.target["code"], "code": "MATRIX-1",
                            "titles": {"en": "Matrix"}, "credits": 6, "level": "master"}),
    "api.patch_course": Access(write=institution_registrar, on="course", body=_form(),
                               if_match=True),
    "api.list_equivalences": Access(get=logged_in),
    "api.get_equivalence": Access(get=logged_in, on="equivalence"),
    "api.propose": Access(
        write=partner_registrar, on="partnership",
        body=lambda s, v: {"partnership": v.target["code"], "first_year": 2026,
                           "courses": [s.ids["uca_course"], s.ids["hainanu_course"]
                                       if v.name == "demo" else s.ids["ext_course"]]}),
    "api.approve": Access(write=partner_registrar_not_admin, on="equivalence"),
    "api.reject": Access(write=partner_registrar_not_admin, on="equivalence",
                         body=_form(reason="Not equivalent.")),
    "api.convert_credits": Access(write=logged_in, body=lambda s, _v: {
        "partnership": s.ids["demo_partnership"], "from_system": "ects", "amount": 6}),
    "api.convert_grade": Access(write=logged_in, body=lambda s, _v: {
        "partnership": s.ids["demo_partnership"], "from_scale": "cn-100", "to_scale": "fr-20",
        "grade": "85"}),
    "api.list_scales": Access(get=logged_in),
    "api.list_students": Access(get=logged_in, query=_ALL, listing=_students_api),
    "api.get_student": STUDENT_PAGE,
    "api.patch_student": Access(write=partner_registrar, on="student", body=_form(),
                                if_match=True),
    "api.list_results": STUDENT_PAGE,
    "api.create_result": Access(
        write=result_recorder, on=_students_with_course,
        body=lambda _s, v: {"course": v.target["course"], "term": v.target["term"],
                            "grade": "12"}),
    "api.list_plans": STUDENT_PAGE,
    "api.create_plan": Access(write=student_reader, on="student", body=_form(name="Matrix")),
    "api.audit": STUDENT_PAGE,
    "api.transcript": STUDENT_PAGE,
    "api.list_lectures": Access(get=logged_in),
    "api.create_lectures": Access(
        write=teacher, on=_moved("assignment", "assignment_id", "offering"),
        body=lambda _s, v: {"offering": v.target["offering"], "zone": "Europe/Paris",
                            "first_date": "2026-10-05", "starts_at": "10:00",
                            "audience": "Matrix"}),
    "api.lecture_slots": Access(get=teacher, on=_moved("assignment", "assignment_id", "offering"),
                                query=lambda _s, v: {"offering": v.target["offering"]}),
    "api.list_diplomas": Access(get=logged_in, query=_ALL, listing=_diplomas_api),
    "api.create_diploma": Access(write=partner_registrar, on=_moved("student", "student_id",
                                                                    "student"),
                                 body=lambda _s, v: {"student": v.target["student"]}),
    "api.get_diploma": Access(get=student_reader, on="diploma"),
    "api.approve_diploma": Access(write=partner_registrar, on="diploma",
                                  body=_form(title="Directrice de la scolarité")),
    "api.revoke_diploma": Access(write=partner_registrar, on="diploma",
                                 body=_form(reason="Issued in error.")),
    "api.verify": Access(get=holds_secret, on="verify_code"),
}

SKIPPED = {"static"}  # the package's CSS and fonts: public files, no data


# -- the routes, from the URL map -----------------------------------------------------------------

def _url_rules() -> list[UrlRule]:
    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "collection-only",
                      "TESTING": True})
    try:
        return sorted((r for r in app.url_map.iter_rules() if r.endpoint not in SKIPPED),
                      key=lambda r: (r.endpoint, r.rule))
    finally:
        database(app).engine.dispose()


RULES = _url_rules()
_SHARED = {r.endpoint for r in RULES if sum(o.endpoint == r.endpoint for o in RULES) > 1}


def _rule_id(rule: UrlRule) -> str:
    return f"{rule.endpoint}[{rule.rule}]" if rule.endpoint in _SHARED else rule.endpoint


def _access(rule: UrlRule) -> Access | None:
    entry = EXPECTED.get(rule.endpoint)
    return entry.get(rule.rule) if isinstance(entry, dict) else entry


@pytest.fixture(scope="module")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One app for the whole matrix (building one per route would double the run time); the
    ``db`` fixture still gives each test its own transaction, rolled back at the end."""
    application = create_app({
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "TESTING": True,
        "KEYS_DIR": str(tmp_path_factory.getbasetemp() / "signing-keys"),
    })
    application.instance_path = str(tmp_path_factory.mktemp("matrix-app"))
    yield application
    database(application).engine.dispose()


@pytest.fixture(autouse=True)
def _rolled_back(db: Any) -> None:
    """Every request here runs inside the test's transaction, rolled back at the end."""


def test_the_table_names_only_existing_routes() -> None:
    endpoints = {r.endpoint for r in RULES}
    stale = sorted(set(EXPECTED) - endpoints)
    assert not stale, f"EXPECTED names endpoints that no longer exist: {stale}"
    for endpoint, entry in EXPECTED.items():
        if isinstance(entry, dict):
            rules = {r.rule for r in RULES if r.endpoint == endpoint}
            assert set(entry) == rules, f"{endpoint}: EXPECTED has {sorted(entry)}, the URL map "\
                                        f"{sorted(rules)}"


def test_every_role_is_checked(scene: Scene) -> None:
    roles = {a.role for a in scene.actors}
    assert roles == {None, "student", "professor", "registrar", "admin"}
    registrars = {a.institution_id for a in scene.actors if a.role == "registrar"}
    assert registrars == {scene.ids["uca"], scene.ids["hainanu"], scene.ids["ext"]}


# -- one route, every role, every object ----------------------------------------------------------

BOOKKEEPING = re.compile(  # rows written that are not data: a token's last use, failed attempts
    # (PostgreSQL writes the parameter with a cast: "=%(last_used_at)s::TIMESTAMP WITH TIME ZONE")
    r"^\s*(UPDATE api_tokens SET last_used_at=[^,]*? WHERE|INSERT INTO login_attempts)",
    re.IGNORECASE)
REDIRECTS = (301, 302, 303, 307, 308)


def _to_login(response: Any) -> bool:
    """Flask-Login sends an anonymous visitor to /login?next=… (not the logout redirect)."""
    if response.status_code not in REDIRECTS:
        return False
    target = urlsplit(response.headers.get("Location", ""))
    return target.path == "/login" and "next=" in target.query


def _refused(response: Any) -> bool:
    return response.status_code in (401, 403, 404) or _to_login(response)


def _call(app: Any, scene: Scene, actor: Actor, method: str, path: str,
          query: dict[str, Any] | None, body: dict[str, Any] | None,
          headers: dict[str, str]) -> Any:
    client = app.test_client()
    kwargs: dict[str, Any] = {"method": method, "query_string": query or None,
                              "headers": dict(headers)}
    if path.startswith("/api/"):
        if actor.token:
            kwargs["headers"]["Authorization"] = f"Bearer {actor.token}"
        if method != "GET" and body is not None:
            kwargs["json"] = body
    else:
        client.set_cookie(scene.cookie_name, actor.cookie)
        if method != "GET":
            kwargs["data"] = {"csrf_token": actor.csrf, **(body or {})}
    return client.open(path, **kwargs)


@pytest.mark.parametrize("rule", RULES, ids=_rule_id)
def test_route(rule: UrlRule, app: Any, db: Any, scene: Scene) -> None:
    access = _access(rule)
    if access is None:
        pytest.fail(f"{rule.endpoint} ({rule.rule}) has no entry in EXPECTED: say who may use it",
                    pytrace=False)
    methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
    if "GET" in methods and access.get is None:
        pytest.fail(f"{rule.endpoint} answers GET but EXPECTED has no `get` rule", pytrace=False)
    if set(methods) - {"GET"} and access.write is None:
        pytest.fail(f"{rule.endpoint} accepts {methods} but EXPECTED has no `write` rule",
                    pytrace=False)
    if access.get is not None and "GET" not in methods:
        pytest.fail(f"EXPECTED gives {rule.endpoint} a `get` rule, but it has no GET",
                    pytrace=False)
    if access.write is not None and set(methods) == {"GET"}:
        pytest.fail(f"EXPECTED gives {rule.endpoint} a `write` rule, but it only answers GET",
                    pytrace=False)

    variants = access.on(scene) if callable(access.on) else scene.sets[access.on]
    arguments = set(rule.arguments)
    variants = [v for v in variants if arguments <= set(v.params) | set(access.params)]
    assert variants, f"{rule.endpoint}: no object in {access.on!r} gives {sorted(arguments)}"

    connection = db.get_bind()
    engine = database(app).engine
    writes: list[str] = []

    def count_writes(_conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        if (statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE")
                and cursor.rowcount and not BOOKKEEPING.match(statement)):
            writes.append(" ".join(statement.split())[:120])

    problems: list[str] = []
    event.listen(engine, "after_cursor_execute", count_writes)
    try:
        for method in methods:
            check = access.get if method == "GET" else access.write
            assert check is not None
            may_change = access.writes or check
            for variant in variants:
                values = {**variant.params, **access.params}
                path = rule.build({k: values[k] for k in arguments}, append_unknown=False)[1]
                query = access.query(scene, variant) if access.query else None
                body = access.body(scene, variant) if access.body and method != "GET" else None
                headers = ({"If-Match": f'"{variant.target.get("version", 1)}"'}
                           if access.if_match and method != "GET" else {})
                for actor in scene.actors:
                    where = f"{method} {path} [{variant.name or '-'}] as {actor.name}"
                    writes.clear()
                    savepoint = connection.begin_nested()
                    try:
                        response = _call(app, scene, actor, method, path, query, body, headers)
                    except Exception as exc:
                        problems.append(f"{where}: raised {exc!r}\n"
                                        + "".join(traceback.format_exception(exc)[-4:]))
                        continue
                    finally:
                        savepoint.rollback()
                    try:
                        allowed = check(actor, variant.target)
                        problems.extend(_judge(where, method, response, allowed,
                                               may_change(actor, variant.target), writes))
                        if allowed and access.listing and response.status_code < 300:
                            wrong = access.listing(scene, actor, response)
                            if wrong:
                                problems.append(f"{where}: {wrong}")
                    finally:
                        response.close()  # file downloads hold their file open until then
    finally:
        event.remove(engine, "after_cursor_execute", count_writes)
    assert not problems, f"{len(problems)} unexpected answer(s):\n" + "\n".join(problems)


def _judge(where: str, method: str, response: Any, allowed: bool, may_change: bool,
           writes: list[str]) -> list[str]:
    status = response.status_code
    seen = f"{status}" + (f" → {response.headers.get('Location')}" if status in REDIRECTS
                          else "")
    if status >= 500:
        return [f"{where}: {seen} (server error)"]
    problems = []
    if not allowed:
        if not _refused(response):
            problems.append(f"{where}: should be refused, got {seen}")
    elif method == "GET":
        if not (200 <= status < 300 or (status in REDIRECTS and not _to_login(response))):
            problems.append(f"{where}: should be allowed, got {seen}")
    elif status in (401, 403, 404) or _to_login(response):
        problems.append(f"{where}: should be allowed, got {seen}")
    if (not allowed or not may_change) and writes:
        problems.append(f"{where}: may not change anything, but wrote: {writes[:3]}")
    return problems
