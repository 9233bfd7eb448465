"""Grading scales and grade conversion over the API."""

from __future__ import annotations


def test_grade_api(api, world) -> None:
    scales = api("GET", "/scales?per_page=100").get_json()
    codes = {s["code"] for s in scales["items"]}
    assert {"fr-20", "cn-100", "cn-5", "cn-gpa4", "ects-letter"} <= codes
    cn = next(s for s in scales["items"] if s["code"] == "cn-100")
    assert cn["pass_mark"] == "60" and cn["builtin"]
    result = api("POST", "/conversions/grade", headers={"Accept-Language": "zh-CN"}, json={
        "partnership": "NH-CS", "from_scale": "fr-20", "to_scale": "cn-100", "grade": "16"})
    body = result.get_json()
    assert result.status_code == 200 and body["value"] == "90.0" and body["passing"]
    assert "优秀" in body["label"] and body["grade"] == "16"
    bad = api("POST", "/conversions/grade", json={
        "partnership": "NH-CS", "from_scale": "fr-20", "to_scale": "cn-100", "grade": "25"})
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_grade"
