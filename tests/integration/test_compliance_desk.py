"""Compliance pages and API through the web application, and the report command."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from arrears.adapters.db.base import unit_of_work
from arrears.adapters.db.tables import CollectionCase, User
from arrears.entrypoints.deps import SESSION_COOKIE
from arrears.services.auth import create_api_token, start_session
from tests.integration.strategy_factory import add_case

NIGHT = datetime(2026, 5, 4, 14, 30, tzinfo=UTC)  # 22:30 in Shanghai


@pytest.fixture
def web(sqlite_app):  # type: ignore[no-untyped-def]
    from arrears.entrypoints.web import create_app

    sqlite_app.clock = lambda: NIGHT
    case_id = add_case(sqlite_app, customer_id="C7", dpd=12, bucket="M1", overdue="800.00",
                       opened=date(2026, 5, 1))
    people = {}
    with unit_of_work(sqlite_app.session_factory) as s:
        for name, role in (("ann", "collector"), ("olga", "compliance_officer")):
            user = User(username=name, display_name=name, password_hash="-", role=role,
                        locale="en", active=True, failed_logins=0)
            s.add(user)
            s.flush()
            people[name] = start_session(s, user=user, at=NIGHT)
            if role == "collector":  # the collector works this case
                s.get(CollectionCase, case_id).assigned_to = user.user_id
        token = create_api_token(s, username="ann", name="dialler", actor="test", at=NIGHT)
    client = TestClient(create_app(sqlite_app))
    return client, {"Authorization": f"Bearer {token}"}, people, case_id, sqlite_app


def test_holds_of_a_customer_outside_ones_cases_are_forbidden(web) -> None:  # type: ignore[no-untyped-def]
    client, _auth, people, case_id, app = web
    with unit_of_work(app.session_factory) as s:
        s.get(CollectionCase, case_id).assigned_to = None
    client.cookies.set(SESSION_COOKIE, people["ann"].token)
    assert client.get("/compliance/customers/C7").status_code == 403
    res = client.post("/compliance/customers/C7/flags", data={
        "flag": "dispute", "reason": "says not hers", "csrf_token": people["ann"].csrf_token})
    assert res.status_code == 403
    client.cookies.set(SESSION_COOKIE, people["olga"].token)
    assert client.get("/compliance/customers/C7").status_code == 200


def test_a_blocked_call_is_explained_and_only_an_officer_overrides_it(web) -> None:  # type: ignore[no-untyped-def]
    client, auth, people, case_id, _ = web
    res = client.post("/api/v1/compliance/decisions", headers=auth, json={
        "customer_id": "C7", "case_id": case_id, "channel": "call", "contact_id": "C7-phone"})
    assert res.status_code == 201, res.text
    out = res.json()
    assert out["decision"] == "block" and out["rules"] == ["cn.quiet_hours"]
    assert out["next_allowed_at"] == "2026-05-05T08:00:00+08:00"
    decision_id = out["decision_id"]
    # the collector sees the block, its explanation and next time, but no override form
    client.cookies.set(SESSION_COOKIE, people["ann"].token)
    page = client.get(f"/compliance/decisions/{decision_id}")
    assert page.status_code == 200
    assert "inside quiet hours" in page.text and "2026-05-05 08:00" in page.text
    assert 'id="override-form"' not in page.text
    res = client.post(f"/compliance/decisions/{decision_id}/override",
                      data={"reason": "please", "csrf_token": people["ann"].csrf_token})
    assert res.status_code == 403
    client.cookies.set(SESSION_COOKIE, people["olga"].token)
    assert 'id="override-form"' in client.get(f"/compliance/decisions/{decision_id}").text
    res = client.post(f"/compliance/decisions/{decision_id}/override",
                      data={"reason": "", "csrf_token": people["olga"].csrf_token})
    assert res.status_code == 422
    res = client.post(f"/compliance/decisions/{decision_id}/override",
                      data={"reason": "borrower asked for a call tonight",
                            "csrf_token": people["olga"].csrf_token})
    assert res.status_code == 200 and 'id="override-note"' in res.text
    assert client.get(f"/api/v1/compliance/decisions/{decision_id}",
                      headers=auth).json()["overridden"] is True


def test_holds_are_set_and_lifted_with_who_and_why(web) -> None:  # type: ignore[no-untyped-def]
    client, auth, people, case_id, _ = web
    client.cookies.set(SESSION_COOKIE, people["ann"].token)
    res = client.post("/compliance/customers/C7/flags", data={
        "flag": "dispute", "reason": "says the loan is not hers",
        "csrf_token": people["ann"].csrf_token})
    assert res.status_code == 200 and 'data-flag="dispute"' in res.text
    assert "says the loan is not hers" in res.text
    bad = client.post("/compliance/customers/C7/flags", data={
        "flag": "dispute", "reason": "", "csrf_token": people["ann"].csrf_token})
    assert bad.status_code == 422 and 'id="compliance-error"' in bad.text
    flags = client.get("/api/v1/compliance/customers/C7/flags", headers=auth).json()
    assert [f["flag"] for f in flags] == ["dispute"] and flags[0]["set_by"] == "ann"
    res = client.post(f"/api/v1/compliance/flags/{flags[0]['flag_id']}/lift", headers=auth,
                      json={"reason": "collector may not lift"})
    assert res.status_code == 403
    client.cookies.set(SESSION_COOKIE, people["olga"].token)
    res = client.post(f"/compliance/flags/{flags[0]['flag_id']}/lift", data={
        "customer_id": "C7", "reason": "verification sent",
        "csrf_token": people["olga"].csrf_token})
    assert res.status_code == 200 and 'data-flag="dispute"' not in res.text


def test_report_in_the_desk_and_on_disk(web, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    client, auth, people, case_id, app = web
    for _ in range(2):
        client.post("/api/v1/compliance/decisions", headers=auth, json={
            "customer_id": "C7", "case_id": case_id, "channel": "sms"})
    res = client.get("/api/v1/compliance/report?date=2026-05-04", headers=auth)
    assert res.status_code == 403  # collectors do not read the report
    client.cookies.set(SESSION_COOKIE, people["olga"].token)
    page = client.get("/compliance/report?date=2026-05-04")
    assert page.status_code == 200 and "cn.quiet_hours" in page.text
    csv_text = client.get("/compliance/report.csv?date=2026-05-04&part=blocks_by_rule").text
    assert "cn.quiet_hours,2" in csv_text
    monkeypatch.setenv("ARREARS_HOME", str(app.settings.home))
    monkeypatch.setenv("ARREARS_DATABASE_URL", app.settings.database_url)
    from arrears.entrypoints.cli import app as cli

    out = tmp_path / "evidence"
    result = CliRunner().invoke(cli, ["compliance", "report", "--date", "2026-05-04",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    with (out / "blocks_by_rule.csv").open() as fh:
        assert list(csv.reader(fh)) == [["rule", "blocks"], ["cn.quiet_hours", "2"]]
    assert "cn.quiet_hours" in (out / "report.html").read_text(encoding="utf-8")


def test_evaluate_endpoint_is_the_pure_engine(web) -> None:  # type: ignore[no-untyped-def]
    client, auth, *_ = web
    sc = {"id": "x", "attempt": {"at": "2026-11-28T22:00:00+08:00", "channel": "call"}}
    res = client.post("/api/v1/compliance/evaluate", headers=auth,
                      json={"pack": "cn", "scenarios": [sc, {"id": "y"}]})
    assert res.status_code == 200
    assert [o["decision"] for o in res.json()] == ["block", "error"]
