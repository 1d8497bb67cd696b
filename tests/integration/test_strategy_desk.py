"""Strategy pages and API through the web application: the strategy editor with versions,
plan proposal on a case and maker-checker approval, by page and by API."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from arrears.adapters.db.base import unit_of_work
from arrears.adapters.db.tables import CollectionCase, User
from arrears.adapters.db.tables_strategy import RepaymentPlan, StrategyVersion
from arrears.entrypoints.deps import SESSION_COOKIE
from arrears.services.auth import create_api_token, start_session
from arrears.services.strategy import default_strategy_text
from tests.integration.strategy_factory import add_case

NOW = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)
TODAY = date(2026, 5, 4)


@pytest.fixture
def web(sqlite_app):  # type: ignore[no-untyped-def]
    from arrears.entrypoints.web import create_app

    sqlite_app.clock = lambda: NOW
    case_id = add_case(sqlite_app, customer_id="C7", dpd=45, bucket="M2", overdue="1000.00",
                       opened=date(2026, 5, 1))
    people = {}
    with unit_of_work(sqlite_app.session_factory) as s:
        for name, role in (("boss", "admin"), ("ann", "collector"), ("lee", "team_lead")):
            user = User(username=name, display_name=name, password_hash="-", role=role,
                        team_id="mid", locale="en", active=True, failed_logins=0)
            s.add(user)
            s.flush()
            new = start_session(s, user=user, at=NOW)
            people[name] = (user.user_id, new.token, new.csrf_token)
        s.get(CollectionCase, case_id).assigned_to = people["ann"][0]
        s.get(CollectionCase, case_id).team_id = "mid"
        tokens = {n: create_api_token(s, username=n, name="t", actor="test", at=NOW)
                  for n in ("ann", "lee")}
    client = TestClient(create_app(sqlite_app))
    return client, people, tokens, case_id


def as_user(client: TestClient, people: dict, name: str) -> str:
    client.cookies.set(SESSION_COOKIE, people[name][1])
    return people[name][2]


def test_admin_validates_and_saves_a_version(web) -> None:  # type: ignore[no-untyped-def]
    client, people, _tokens, _case = web
    csrf = as_user(client, people, "boss")
    page = client.get("/strategy")
    assert page.status_code == 200 and "champion" in page.text and "sms_first" in page.text
    bad = default_strategy_text().replace("tone: firm, after_days: 10",
                                          "tone: shouty, after_days: 10")
    res = client.post("/strategy", data={"csrf_token": csrf, "yaml_text": bad,
                                         "action": "save"})
    assert res.status_code == 422 and "paths.early[2].tone" in res.text
    good = default_strategy_text().replace("effective_from: 2020-01-01",
                                           "effective_from: 2026-05-10")
    res = client.post("/strategy", data={"csrf_token": csrf, "yaml_text": good,
                                         "action": "save", "note": "faster firm call"})
    assert res.status_code == 200 and "2026-05-10" in res.text
    app = client.app.state.arrears
    with unit_of_work(app.session_factory) as s:
        versions = s.scalars(select(StrategyVersion)).all()
    assert [(v.version, v.effective_from) for v in versions] == [(1, date(2026, 5, 10))]
    assert client.get(f"/strategy/versions/{versions[0].version_id}").status_code == 200


def test_collector_cannot_edit_the_strategy(web) -> None:  # type: ignore[no-untyped-def]
    client, people, _tokens, _case = web
    csrf = as_user(client, people, "ann")
    assert client.get("/strategy").status_code == 403
    res = client.post("/strategy", data={"csrf_token": csrf, "yaml_text": "x", "action": "save"})
    assert res.status_code == 403


def test_plan_proposed_on_the_page_and_approved_by_a_second_person(web) -> None:  # type: ignore[no-untyped-def]
    client, people, _tokens, case_id = web
    csrf = as_user(client, people, "ann")
    page = client.get(f"/cases/{case_id}/strategy")
    assert page.status_code == 200 and "Installment plan" in page.text
    res = client.post(f"/cases/{case_id}/plans", data={
        "csrf_token": csrf, "kind": "installment", "months": "18", "down_payment": "100.00",
        "discount": "0", "first_due_on": "2026-05-11"})
    assert res.status_code == 200 and "waits for a second person" in res.text
    app = client.app.state.arrears
    with unit_of_work(app.session_factory) as s:
        plan = s.scalars(select(RepaymentPlan)).one()
    csrf = as_user(client, people, "lee")
    queue = client.get("/plans/approvals")
    assert queue.status_code == 200 and f"/cases/{case_id}/strategy" in queue.text
    res = client.post(f"/plans/{plan.plan_id}/decision", data={
        "csrf_token": csrf, "decision": "approve", "back": "approvals"}, follow_redirects=False)
    assert res.status_code == 303
    with unit_of_work(app.session_factory) as s:
        assert s.get(RepaymentPlan, plan.plan_id).status == "active"


def test_bad_plan_input_names_the_field(web) -> None:  # type: ignore[no-untyped-def]
    client, people, _tokens, case_id = web
    csrf = as_user(client, people, "ann")
    res = client.post(f"/cases/{case_id}/plans", data={
        "csrf_token": csrf, "kind": "installment", "months": "6", "down_payment": "abc",
        "first_due_on": "2026-05-11"})
    assert res.status_code == 422 and "down_payment" in res.text


def test_api_plan_options_proposal_and_maker_checker(web) -> None:  # type: ignore[no-untyped-def]
    client, _people, tokens, case_id = web
    ann = {"Authorization": f"Bearer {tokens['ann']}"}
    lee = {"Authorization": f"Bearer {tokens['lee']}"}
    opts = client.get(f"/api/v1/cases/{case_id}/plan-options", headers=ann)
    assert opts.status_code == 200 and {o["kind"] for o in opts.json()} >= {"installment"}
    body = {"kind": "settlement", "months": 1, "discount": "150.00", "down_payment": "0",
            "first_due_on": "2026-05-11"}
    res = client.post(f"/api/v1/cases/{case_id}/plans", json=body,
                      headers={**ann, "Idempotency-Key": "p-1"})
    assert res.status_code == 201, res.text
    plan = res.json()
    assert plan["status"] == "proposed" and plan["needs_approval"]
    assert sum(float(i["amount"]) for i in plan["installments"]) == float(plan["agreed_amount"])
    again = client.post(f"/api/v1/cases/{case_id}/plans", json=body,
                        headers={**ann, "Idempotency-Key": "p-1"})
    assert again.json()["plan_id"] == plan["plan_id"]
    denied = client.post(f"/api/v1/plans/{plan['plan_id']}/decision", json={"approve": True},
                         headers=ann)
    assert denied.status_code == 403
    ok = client.post(f"/api/v1/plans/{plan['plan_id']}/decision", json={"approve": True},
                     headers=lee)
    assert ok.status_code == 200 and ok.json()["status"] == "active"
    steps = client.get(f"/api/v1/cases/{case_id}/treatment", headers=ann)
    assert steps.status_code == 200 and steps.json() == []
    bad = client.post(f"/api/v1/cases/{case_id}/plans", headers={**ann, "Idempotency-Key": "p-2"},
                      json={**body, "months": 0})
    assert bad.status_code == 422
