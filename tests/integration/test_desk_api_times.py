"""API times always carry their offset (SQLite too); errors are told in the caller's
language with their stable code."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from arrears.adapters.db.base import unit_of_work
from arrears.i18n import localize_message
from arrears.services.auth import create_api_token
from tests.factories import AT, make_case, make_user


@pytest.fixture
def api(app: Any) -> dict[str, Any]:
    from arrears.entrypoints.web import create_app

    app.clock = lambda: AT
    zh = make_user(app, username="zh1", locale="zh-CN")
    make_user(app, username="en1", locale="en")
    mine = make_case(app, assigned_to=zh)
    theirs = make_case(app, assigned_to=None)
    auth = {}
    with unit_of_work(app.session_factory) as s:
        for name in ("zh1", "en1"):
            token = create_api_token(s, username=name, name="t", actor="t", at=AT)
            auth[name] = {"Authorization": f"Bearer {token}"}
    return {"client": TestClient(create_app(app)), "auth": auth, "mine": mine,
            "theirs": theirs}


def _aware(value: str) -> bool:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).utcoffset() is not None


def test_every_time_in_the_desk_api_has_an_offset(api: dict[str, Any]) -> None:
    client, auth, case_id = api["client"], api["auth"]["zh1"], api["mine"]
    res = client.post(f"/api/v1/cases/{case_id}/contacts", headers={
        **auth, "Idempotency-Key": "t1"}, json={
        "channel": "call", "party": "self", "result": "right_party_contact",
        "promise_amount": "100.00", "promise_due": "2026-11-30",
        "note": "Lost his job, pays on the 30th",
        "callback_at": "2026-11-28T10:00:00+08:00"})
    assert res.status_code == 201, res.text
    times = [client.get(f"/api/v1/cases/{case_id}/{kind}", headers=auth).json()["items"][0][key]
             for kind, key in (("contacts", "at"), ("promises", "created_at"),
                               ("notes", "at"))]
    times += [i["at"] for i in client.get(f"/api/v1/accounts/{case_id}",
                                          headers=auth).json()["timeline"]]
    assert len(times) == 6 and all(_aware(x) for x in times), times
    assert datetime.fromisoformat(times[0].replace("Z", "+00:00")) == AT
    naive = client.post(f"/api/v1/cases/{case_id}/contacts", headers={
        **auth, "Idempotency-Key": "t2"}, json={
        "channel": "call", "party": "self", "result": "no_answer",
        "callback_at": "2026-11-28T10:00:00"})
    assert naive.status_code == 422
    field = naive.json()["error"]["fields"][0]
    assert field["field"] == "body.callback_at"
    assert field["message"] == "需要带时区（UTC 偏移）的时间"


def test_errors_are_told_in_the_callers_language(api: dict[str, Any]) -> None:
    client, theirs = api["client"], api["theirs"]
    zh = client.get(f"/api/v1/accounts/{theirs}", headers=api["auth"]["zh1"]).json()["error"]
    en = client.get(f"/api/v1/accounts/{theirs}", headers=api["auth"]["en1"]).json()["error"]
    assert (zh["code"], zh["message"]) == ("case_not_visible", f"案件 {theirs} 未分配给您")
    assert (en["code"], en["message"]) == ("case_not_visible",
                                           f"case {theirs} is not assigned to you")
    bad = client.post(f"/api/v1/cases/{api['mine']}/contacts", headers={
        **api["auth"]["zh1"], "Idempotency-Key": "e1"}, json={
        "channel": "call", "party": "spouse", "result": "right_party_contact"}).json()["error"]
    assert bad["code"] == "invalid_input" and bad["field"] == "result"
    assert bad["message"] == "本人接通的联系对象必须是借款人或担保人"
    anonymous = client.get("/api/v1/cases", headers={"Accept-Language": "en-GB"})
    assert anonymous.json()["error"]["message"] == "please sign in"


def test_messages_without_a_template_stay_as_they_are() -> None:
    assert localize_message("something new happened", "zh-CN") == "something new happened"
    assert localize_message("no case 12", "zh-CN") == "案件 12 不存在"
    assert localize_message("no case 12", "en") == "no case 12"


def test_error_templates_use_only_the_placeholders_of_their_english_text() -> None:
    import string

    from arrears.i18n import ERROR_PREFIX, catalog

    def names(text: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}

    for key, texts in catalog().items():
        if key.startswith(ERROR_PREFIX):
            assert set(texts) >= {"en", "zh-CN"}, key
            assert names(texts["zh-CN"]) <= names(texts["en"]), key
