"""Grade conversion as users meet it: the page, the API, the partnership's settings."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from jointdegree.audit.models import AuditLogEntry
from jointdegree.auth.policy import NotAllowed
from jointdegree.db import session
from jointdegree.errors import ValidationFailed
from jointdegree.matching import grading
from tests.support import csrf_token, login


def here(obj):
    return session.get(type(obj), obj.id)


def test_default_rule_is_the_agreed_band_pivot(app, world) -> None:
    with app.test_request_context():
        partnership = here(world["partnership"])
        result = grading.convert_grade(partnership, "cn-100", "fr-20", "85")
        # 良好 80–90 → 14–16 linearly: 14 + (85 − 80) × 2/10 = 15
        assert result.value == Decimal("15.00") and result.original == Decimal(85)
        assert result.method.value == "agreed_table"
        fail = grading.convert_grade(partnership, "cn-100", "fr-20", "50")
        assert fail.value < 10  # a Chinese fail stays a French fail (not 50/5 = 10)


@pytest.mark.parametrize(("grade", "message"), [("120", "out of range"), ("abc", "not a number"),
                                                ("-1", "out of range")])
def test_bad_grades_are_refused_naming_the_scale(app, world, grade, message) -> None:
    with app.test_request_context(), pytest.raises(ValidationFailed) as caught:
        grading.convert_grade(here(world["partnership"]), "cn-100", "fr-20", grade)
    assert message in str(caught.value.message) and "cn-100" in str(caught.value.message)


def test_a_partnership_chooses_its_method_and_it_is_audited(app, world) -> None:
    with app.test_request_context():
        partnership = here(world["partnership"])
        with pytest.raises(NotAllowed):
            grading.set_grade_rule(partnership, "cn-100", "fr-20", "pass_anchored_linear",
                                   here(world["student"]))
        grading.set_grade_rule(partnership, "cn-100", "fr-20", "pass_anchored_linear",
                               here(world["registrar_haikou"]))
        result = grading.convert_grade(partnership, "cn-100", "fr-20", "85")
        assert result.value == Decimal("16.25")  # 10 + (85 − 60) × 10/40
        entry = session.scalars(select(AuditLogEntry).where(
            AuditLogEntry.action == "grade_rule.set")).one()
        assert entry.after["method"] == "pass_anchored_linear"


def test_grading_tables_refuse_without_a_reference_group(app, world) -> None:
    with app.test_request_context():
        partnership = here(world["partnership"])
        grading.set_grade_rule(partnership, "cn-100", "fr-20", "grading_table", None)
        with pytest.raises(ValidationFailed) as caught:
            grading.convert_grade(partnership, "cn-100", "fr-20", "85")
        assert caught.value.code == "group_too_small" and "30" in str(caught.value.message)


def test_registrars_add_a_scale_as_data(app, world) -> None:
    definition = {"code": "it-30", "names": {"en": "Italian 18–30"}, "kind": "numeric",
                  "minimum": "0", "maximum": "30", "pass_mark": "18", "step": "1"}
    with app.test_request_context():
        scale = grading.add_scale(definition, here(world["registrar_nice"]))
        assert grading.get_scale("it-30").pass_mark == Decimal(18) == scale.pass_mark
        with pytest.raises(ValidationFailed):
            grading.add_scale(definition, None)  # the code is taken
        with pytest.raises(ValidationFailed):
            grading.add_scale(definition | {"code": "bad", "pass_mark": "40"}, None)
        with pytest.raises(NotAllowed):
            grading.add_scale(definition | {"code": "x-1"}, here(world["student"]))


def test_the_conversion_page_explains(client, world) -> None:
    login(client, "student@example.org")
    page = client.get(f"/grades/convert?partnership={world['partnership'].id}"
                      "&from_scale=cn-100&to_scale=fr-20&grade=85",
                      headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "15.00" in page and "Bien" in page
    bad = client.get(f"/grades/convert?partnership={world['partnership'].id}"
                     "&from_scale=cn-100&to_scale=fr-20&grade=101")
    assert bad.status_code == 400 and 'id="grade-error"' in bad.get_data(as_text=True)


def test_settings_page_draws_the_curve_and_lets_registrars_choose(client, world) -> None:
    login(client, "reg.nice@example.org")
    path = f"/partnerships/{world['partnership'].id}/grades"
    page = client.get(path).get_data(as_text=True)
    assert page.count("<svg") == 2 and "<polyline" in page
    response = client.post(path, data={"csrf_token": csrf_token(client, path),
                                       "fr-20-cn-100-method": "pass_anchored_linear",
                                       "fr-20-cn-100-submit": "1",
                                       "fr-20-cn-100-from_scale": "fr-20",
                                       "fr-20-cn-100-to_scale": "cn-100"})
    assert response.status_code == 302
    assert re.search(r'<option selected value="pass_anchored_linear"',
                     client.get(path).get_data(as_text=True))
