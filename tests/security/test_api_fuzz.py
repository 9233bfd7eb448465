"""Property-based fuzzing of the JSON API from its own OpenAPI document (schemathesis).

Every operation of ``/api/v1/openapi.json`` is called in-process (WSGI) on the demo database, as
the Nice registrar with a bearer token, with generated valid *and* invalid parameters, bodies and
headers. Each answer must:

- never be a 5xx (``not_a_server_error``);
- have a status code the document lists for the operation (``status_code_conformance``);
- have a content type the document lists for that status (``content_type_conformance``);
- match the documented JSON schema (``response_schema_conformance``) and headers
  (``response_headers_conformance``: the ETag where it is declared).

Most generated ids are pointed at the demo's real records (see ``aim``), so the calls get past
the 404 into validation, permissions, conflicts and the services. Every test runs in the ``db``
fixture's transaction, rolled back at the end, so what a fuzzed ``POST``/``PATCH`` saves is gone
afterwards. The examples are few per operation (15) and derandomized (the same cases on every
run): the file takes about 40 s on SQLite. (With 100 per operation, on SQLite and PostgreSQL,
it passes too — worth a run after changing the API.)

No operation is excluded.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from jointdegree import create_app
from tests.support import user_by_email

REGISTRAR = "registrar.nice@example.org"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance]


def _document_app() -> Any:
    """An app that only serves the OpenAPI document, at collection time: the document is built
    from the registered endpoints and needs no database (the fuzzed calls go to ``app``)."""
    return create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "openapi-document-only",
                       "TESTING": True})


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _document_app())


@pytest.fixture
def real_ids(app: Any, db: Any) -> dict[str, list[Any]]:
    """The demo's own ids and codes per path parameter, so that fuzzed requests reach real
    records (and their validation, permissions and conflicts) rather than only 404s."""
    from jointdegree.auth.models import ApiToken
    from jointdegree.catalog.models import Course, Institution, Partnership, Programme
    from jointdegree.db import session
    from jointdegree.diplomas.models import DiplomaRecord
    from jointdegree.matching.models import Equivalence
    from jointdegree.planning.models import Student

    with app.test_request_context():
        def every(column: Any) -> list[Any]:
            return [v for v in session.scalars(select(column).order_by(column)) if v]

        return {"course_id": every(Course.id), "programme_id": every(Programme.id),
                "partnership_id": every(Partnership.id), "student_id": every(Student.id),
                "equivalence_id": every(Equivalence.id), "token_id": every(ApiToken.id),
                "code": every(Institution.code), "serial": every(DiplomaRecord.serial),
                "verify": every(DiplomaRecord.verification_code)}


def aim(case: Any, real: dict[str, list[Any]]) -> None:
    """Point most generated ids at real records, deterministically (the same case, the same
    record); a quarter of the ids and every invalid value are sent as generated. (So
    ``DELETE /me/tokens/{token_id}`` may revoke the fuzzer's own token: the rest of that
    operation's examples then get the documented 401, then 429 — answers checked all the same.)"""
    parameters = case.path_parameters or {}
    for name, value in parameters.items():
        choices = real.get("verify" if case.path.startswith("/verify") else name) or []
        if isinstance(value, bool) or not choices:
            continue
        if isinstance(value, int) and value > 0 and value % 4:
            parameters[name] = choices[value % len(choices)]
        elif isinstance(value, str) and len(value) % 4:
            parameters[name] = choices[len(value) % len(choices)]


@pytest.fixture
def bearer(app: Any, db: Any) -> Iterator[dict[str, str]]:
    """The Nice registrar's token, made inside this test's rolled-back transaction."""
    from jointdegree.auth.tokens import create_token

    with app.test_request_context():
        user = user_by_email(REGISTRAR)
        assert user is not None, "the demo has the Nice registrar"
        secret = create_token(user, "api fuzz").secret
    yield {"Authorization": f"Bearer {secret}"}


@schema.parametrize()
@settings(max_examples=15, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                  HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_api_operation_survives_fuzzing(case: Any, app: Any, bearer: dict[str, str],
                                        real_ids: dict[str, list[Any]]) -> None:
    aim(case, real_ids)
    # Our token wins over any Authorization header the case generated: the point is to reach
    # the operation's validation and services, not to test the throttle on bad tokens (that is
    # in tests/api). The public /verify/{code} simply ignores it.
    headers = {**(case.headers or {}), **bearer}
    case.call_and_validate(app=app, headers=headers, checks=CHECKS)


# -- what the fuzzing (and probing around it) found, pinned ----------------------------------

@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/courses?credits_min=0.25&credits_max=1e%2B27", 200),  # column precision: 500
    ("GET", "/diplomas?student=9223372036854775808", 400),  # overflowed the driver: 500
    ("POST", "/diplomas", 400),  # body {"student": 2**63}: 500
    ("GET", "/institutions/%C2%B2", 404),  # "²".isdigit() is true, int("²") fails: 500
    ("GET", "/institutions/99999999999999999999", 404),  # taken for an id: overflow, 500
    ("PATCH", "/institutions/UCA", 400),  # If-Match: "²": 500
    ("GET", "/students/{student}/audit?add=1:%C2%B2", 400),
    ("GET", "/students/{student}/audit?add=1:999999999999999999999", 400),
    ("GET", "/students/{student}/audit?plan=99999999999999999999", 400),
    ("GET", "/lectures?from=0001-01-01", 400),  # the period left datetime's range: 500
    ("GET", "/lectures?from=9999-12-31&days=400", 400),
    ("GET", "/lectures?offering=99999999999999999999", 400),
    ("PATCH", "/courses/0", 404),  # was 405: the id converter refused 0 after matching
    ("POST", "/students/0/plans", 404),
    ("PATCH", "/programmes/2147483648", 404),
    ("GET", "/institutions?country=%00", 400),  # PostgreSQL refuses NUL in text: 500
    ("GET", "/institutions/U%00CA", 404),
    ("POST", "/programmes", 400),  # a NUL inside the JSON body
    ("PUT", "/programmes/{programme}/requirements", 400),  # JSON nested 100000 deep: 500
])
def test_inputs_that_used_to_fail_are_answered_as_documented(app, bearer, real_ids, method,
                                                             path, status) -> None:
    bodies = {
        "/diplomas": '{"student": 9223372036854775808}',
        "/institutions/UCA": "{}",
        "/programmes": '{"institution": "UCA", "code": "X\\u0000", "names": {"en": "x"}, '
                       '"level": "master", "required_credits": "60", "duration_semesters": 2}',
        "/programmes/{programme}/requirements": '{"document": ' + "[" * 100_000 + "}",
    }
    url = "/api/v1" + path.format(student=real_ids["student_id"][0],
                                  programme=real_ids["programme_id"][0])
    response = app.test_client().open(
        url, method=method, data=bodies.get(path.split("?")[0], "{}"),
        content_type="application/json", headers={**bearer, "If-Match": '"²"'})
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json"
    if status >= 400:
        assert set(response.get_json()["error"]) == {"code", "message", "fields"}
