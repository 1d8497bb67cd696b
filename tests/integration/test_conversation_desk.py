"""Conversation API and desk pages through the web application (SQLite)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient

from arrears.adapters.db.base import unit_of_work
from arrears.adapters.db.tables import User
from arrears.entrypoints.deps import SESSION_COOKIE
from arrears.services.auth import create_api_token, start_session
from tests.integration.strategy_factory import add_case

NOW = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)


@pytest.fixture
def web(sqlite_app):  # type: ignore[no-untyped-def]
    from arrears.entrypoints.web import create_app

    sqlite_app.clock = lambda: NOW
    case_id = add_case(sqlite_app, customer_id="C7", dpd=12, bucket="M1", overdue="800.00",
                       opened=date(2026, 5, 1))
    with unit_of_work(sqlite_app.session_factory) as s:
        people = {}
        for name, role in (("cti", "admin"), ("ann", "collector"), ("qa", "qa_reviewer")):
            user = User(username=name, display_name=name, password_hash="-", role=role,
                        locale="en", active=True, failed_logins=0)
            s.add(user)
            s.flush()
            people[name] = start_session(s, user=user, at=NOW).token
        token = create_api_token(s, username="cti", name="call centre", actor="test", at=NOW)
    client = TestClient(create_app(sqlite_app))
    return client, {"Authorization": f"Bearer {token}"}, people, case_id


def test_transcript_post_answers_with_the_analysis(web) -> None:  # type: ignore[no-untyped-def]
    client, auth, _, case_id = web
    body = {"case_id": case_id, "lines": [
        {"speaker": "collector", "text": "我是市公安局的，你再不还就抓你"},
        {"speaker": "customer", "text": "這筆錢不是我借的，我身分證被冒用了"}]}
    res = client.post("/api/v1/conversation/transcripts", json=body, headers=auth)
    assert res.status_code == 201, res.text
    out = res.json()
    assert {v["category"] for v in out["lines"][0]["violations"]} >= {"impersonation"}
    assert out["lines"][1]["signals"] == ["dispute"]
    assert out["lines"][1]["language"] == "zh-TW" and out["lines"][1]["proposed_actions"]


def test_bad_lines_get_field_errors(web) -> None:  # type: ignore[no-untyped-def]
    client, auth, _, case_id = web
    res = client.post("/api/v1/conversation/transcripts", headers=auth,
                      json={"case_id": case_id, "lines": [{"speaker": "bot", "text": "x"}]})
    assert res.status_code == 422
    assert any("speaker" in f["field"] for f in res.json()["error"]["fields"])
    res = client.post("/api/v1/conversation/transcripts", headers=auth,
                      json={"case_id": 999, "lines": [{"speaker": "customer", "text": "x"}]})
    assert res.status_code == 404


def test_live_assist_panel_shows_the_suggestion(web) -> None:  # type: ignore[no-untyped-def]
    client, auth, people, case_id = web
    res = client.post("/api/v1/conversation/live/CALL-1/lines", headers=auth,
                      json={"case_id": case_id, "speaker": "customer",
                            "text": "I lost my job last month and can't afford this"})
    assert res.status_code == 201 and res.json()["suggestion"]["action"] == "offer_plan"
    client.cookies.set(SESSION_COOKIE, people["ann"])
    page = client.get("/conversation/live/CALL-1")
    assert page.status_code == 200
    assert 'hx-trigger="every 2s"' in page.text and 'data-suggestion="offer_plan"' in page.text
    feed = client.get("/conversation/live/CALL-1/feed?after=1", headers={"HX-Request": "true"})
    assert "I lost my job" in feed.text


def test_account_partial_and_qa_pages(web) -> None:  # type: ignore[no-untyped-def]
    client, auth, people, case_id = web
    client.post("/api/v1/conversation/transcripts", headers=auth, json={
        "case_id": case_id, "lines": [
            {"speaker": "collector", "text": "You're a worthless deadbeat"},
            {"speaker": "customer", "text": "Stop calling me, write to me instead"}]})
    client.cookies.set(SESSION_COOKIE, people["ann"])
    part = client.get(f"/conversation/cases/{case_id}/signals")
    assert 'data-signal="cease_request"' in part.text
    assert 'data-action="compliance_hold"' in part.text
    assert client.get("/conversation/qa").status_code == 403
    client.cookies.set(SESSION_COOKIE, people["qa"])
    queue = client.get("/conversation/qa")
    assert queue.status_code == 200 and "Flagged" in queue.text
    assert client.get("/conversation/library?situation=anger").status_code == 200
