"""The compliance engine in front of every contact recorded through the desk and the API
(SQLite and PostgreSQL): blocks with their explanation, the officer's override, 403s."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from arrears.adapters.db.base import unit_of_work
from arrears.adapters.db.tables import AuditEntry, ContactAttempt
from arrears.adapters.db.tables_compliance import ComplianceDecision
from arrears.entrypoints.deps import SESSION_COOKIE
from arrears.services.auth import create_api_token, start_session
from tests.factories import make_case, make_user

NIGHT = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
MORNING = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


class Clock:
    """The application's clock, set by each test (never the wall clock)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def desk(app: Any) -> dict[str, Any]:
    from arrears.entrypoints.web import create_app

    clock = Clock(NIGHT)
    app.clock = clock
    ann = make_user(app, username="ann", locale="zh-CN")
    make_user(app, username="olga", role="compliance_officer", locale="en")
    case_id = make_case(app, assigned_to=ann)
    people: dict[str, Any] = {}
    with unit_of_work(app.session_factory) as s:
        from arrears.adapters.db.tables import User

        for name in ("ann", "olga"):
            user = s.scalar(select(User).where(User.username == name))
            token = create_api_token(s, username=name, name="test", actor="test", at=NIGHT)
            people[name] = {"api": {"Authorization": f"Bearer {token}"},
                            "web": start_session(s, user=user, at=NIGHT)}
    client = TestClient(create_app(app))
    return {"app": app, "clock": clock, "client": client, "people": people,
            "case_id": case_id, "contact_id": _self_contact(app, case_id)}


def _self_contact(app: Any, case_id: int) -> str:
    from arrears.adapters.db.tables import CollectionCase, ContactPoint

    with unit_of_work(app.session_factory) as s:
        customer = s.get(CollectionCase, case_id).customer_id  # type: ignore[union-attr]
        return str(s.scalar(select(ContactPoint.contact_id).where(
            ContactPoint.customer_id == customer, ContactPoint.relation == "self")))


def _post(desk: dict[str, Any], who: str, key: str, **extra: Any) -> Any:
    body = {"channel": "call", "party": "self", "result": "no_answer",
            "contact_id": desk["contact_id"], **extra}
    return desk["client"].post(f"/api/v1/cases/{desk['case_id']}/contacts", json=body,
                               headers={**desk["people"][who]["api"], "Idempotency-Key": key})


def _counts(app: Any) -> tuple[int, int, int]:
    with unit_of_work(app.session_factory) as s:
        attempts = s.scalar(select(func.count()).select_from(ContactAttempt))
        blocks = s.scalar(select(func.count()).select_from(ComplianceDecision)
                          .where(ComplianceDecision.allowed.is_(False)))
        allows = s.scalar(select(func.count()).select_from(ComplianceDecision)
                          .where(ComplianceDecision.allowed.is_(True)))
    return attempts or 0, blocks or 0, allows or 0


def test_a_call_at_23_is_blocked_and_only_the_block_is_stored(desk: dict[str, Any]) -> None:
    res = _post(desk, "ann", "k1")
    assert res.status_code == 409, res.text
    out = res.json()
    assert out["attempt_id"] is None and out["blocked"]["rules"] == ["cn.quiet_hours"]
    assert out["blocked"]["local_time"] == "2026-11-27T23:00:00+08:00"
    assert out["blocked"]["next_allowed_at"] == "2026-11-28T08:00:00+08:00"
    assert "禁止联系时段" in out["blocked"]["explanation"]  # ann reads Chinese
    assert _counts(desk["app"]) == (0, 1, 0)
    # the desk form shows the same block, in her language, without an override form
    client, ann = desk["client"], desk["people"]["ann"]["web"]
    client.cookies.set(SESSION_COOKIE, ann.token)
    page = client.post(f"/cases/{desk['case_id']}/contacts",
                       data={"channel": "call", "party": "self", "result": "no_answer",
                             "contact_id": desk["contact_id"]},
                       headers={"X-CSRF-Token": ann.csrf_token, "HX-Request": "true"})
    assert page.status_code == 409 and 'id="contact-blocked"' in page.text
    assert "23:00 Asia/Shanghai 处于禁止联系时段" in page.text
    assert "2026-11-28 08:00 (Asia/Shanghai)" in page.text
    assert 'id="override-contact"' not in page.text
    assert _counts(desk["app"]) == (0, 2, 0)


def test_the_seventh_unanswered_call_of_the_day_to_one_number_is_blocked(
        desk: dict[str, Any]) -> None:
    for n in range(6):
        desk["clock"].now = MORNING + timedelta(minutes=10 * n)
        assert _post(desk, "ann", f"a{n}").status_code == 201
    desk["clock"].now = MORNING + timedelta(hours=2)
    res = _post(desk, "ann", "a7")
    assert res.status_code == 409
    assert res.json()["blocked"]["rules"] == ["cn.daily_call_attempts"]
    assert res.json()["blocked"]["next_allowed_at"] == "2026-11-28T08:00:00+08:00"
    assert _counts(desk["app"]) == (6, 1, 6)
    with unit_of_work(desk["app"].session_factory) as s:
        linked = s.scalars(select(ContactAttempt.decision_id)).all()
    assert len(set(linked)) == 6 and None not in linked  # every attempt was decided


def test_an_officer_overrides_with_a_reason_and_the_attempt_keeps_the_decision(
        desk: dict[str, Any]) -> None:
    blocked = _post(desk, "olga", "o1").json()["blocked"]
    assert "inside quiet hours" in blocked["explanation"]  # olga reads English
    missing = _post(desk, "olga", "o2", override_decision_id=blocked["decision_id"])
    assert missing.status_code == 422
    res = _post(desk, "olga", "o3", override_decision_id=blocked["decision_id"],
                compliance_override_reason="borrower asked to be called tonight")
    assert res.status_code == 201, res.text
    assert res.json()["decision_id"] == blocked["decision_id"]
    app = desk["app"]
    assert _counts(app) == (1, 1, 0)  # the one block, now overridden; no second decision
    with unit_of_work(app.session_factory) as s:
        attempt = s.scalars(select(ContactAttempt)).one()
        decision = s.get(ComplianceDecision, blocked["decision_id"])
        audit = s.scalars(select(AuditEntry).where(
            AuditEntry.action == "compliance.override")).all()
        assert attempt.decision_id == decision.decision_id  # type: ignore[union-attr]
        assert decision.overridden and decision.override_by == "olga"  # type: ignore[union-attr]
        assert [(a.actor, a.object_id, a.detail["reason"]) for a in audit] == [
            ("olga", str(decision.decision_id), "borrower asked to be called tonight")]  # type: ignore[union-attr]
    again = _post(desk, "olga", "o4", override_decision_id=blocked["decision_id"],
                  compliance_override_reason="once more please")
    assert again.status_code == 409 and again.json()["error"]["code"] == "stale_decision"


def test_the_officer_overrides_in_the_desk_form(desk: dict[str, Any]) -> None:
    client, olga = desk["client"], desk["people"]["olga"]["web"]
    client.cookies.set(SESSION_COOKIE, olga.token)
    form = {"channel": "call", "party": "self", "result": "no_answer",
            "contact_id": desk["contact_id"]}
    headers = {"X-CSRF-Token": olga.csrf_token, "HX-Request": "true"}
    page = client.post(f"/cases/{desk['case_id']}/contacts", data=form, headers=headers)
    assert page.status_code == 409 and 'id="override-contact"' in page.text
    decision_id = re.search(r'name="override_decision_id" value="(\d+)"', page.text).group(1)  # type: ignore[union-attr]
    saved = client.post(f"/cases/{desk['case_id']}/contacts", headers=headers, data={
        **form, "override_decision_id": decision_id,
        "compliance_override_reason": "agreed time with the borrower"})
    assert saved.status_code == 200 and 'id="contact-saved"' in saved.text
    assert _counts(desk["app"]) == (1, 1, 0)


def test_a_collector_cannot_override(desk: dict[str, Any]) -> None:
    res = _post(desk, "ann", "c1", compliance_override_reason="I think it is fine")
    assert res.status_code == 403 and res.json()["error"]["code"] == "override_refused"
    assert _counts(desk["app"]) == (0, 0, 0)
    blocked = _post(desk, "ann", "c2").json()["blocked"]
    res = _post(desk, "ann", "c3", override_decision_id=blocked["decision_id"],
                compliance_override_reason="I think it is fine")
    assert res.status_code == 403
    assert _counts(desk["app"]) == (0, 1, 0)


def test_holds_are_set_and_lifted_in_the_account_view_and_block_contact(
        desk: dict[str, Any]) -> None:
    desk["clock"].now = MORNING
    client, case_id = desk["client"], desk["case_id"]
    ann, olga = desk["people"]["ann"]["web"], desk["people"]["olga"]["web"]
    client.cookies.set(SESSION_COOKIE, ann.token)
    res = client.post(f"/cases/{case_id}/holds", follow_redirects=False, data={
        "flag": "cease_communication", "reason": "客户书面要求停止联系",
        "csrf_token": ann.csrf_token})
    assert res.status_code == 303 and res.headers["location"] == f"/cases/{case_id}#holds"
    bad = client.post(f"/cases/{case_id}/holds", data={
        "flag": "dispute", "reason": "", "csrf_token": ann.csrf_token})
    assert bad.status_code == 422 and 'id="holds-error"' in bad.text
    page = client.get(f"/cases/{case_id}").text
    row = re.search(r'<tr data-flag="cease_communication" data-flag-id="(\d+)">(.*?)</tr>',
                    page, re.S)
    assert row and "ann" in row.group(2) and "客户书面要求停止联系" in row.group(2)
    assert "lift-hold" not in page  # collectors set holds, officers lift them
    res = _post(desk, "ann", "h1")  # the engine now blocks the borrower
    assert res.status_code == 409
    assert res.json()["blocked"]["rules"] == ["cn.cease_communication"]
    assert res.json()["blocked"]["next_allowed_at"] is None
    api = client.get(f"/api/v1/accounts/{case_id}", headers=desk["people"]["ann"]["api"])
    assert [(h["flag"], h["set_by"]) for h in api.json()["holds"]] == [
        ("cease_communication", "ann")]
    flag_id = row.group(1)
    assert client.post(f"/cases/{case_id}/holds/{flag_id}/lift", data={
        "reason": "mistake", "csrf_token": ann.csrf_token}).status_code == 403
    client.cookies.set(SESSION_COOKIE, olga.token)
    res = client.post(f"/cases/{case_id}/holds/{flag_id}/lift", follow_redirects=False,
                      data={"reason": "request withdrawn in writing",
                            "csrf_token": olga.csrf_token})
    assert res.status_code == 303
    assert 'data-flag="cease_communication"' not in client.get(f"/cases/{case_id}").text
    assert _post(desk, "ann", "h2").status_code == 201


def test_a_refusing_contact_is_marked_and_out_of_scope_cases_are_refused(
        desk: dict[str, Any]) -> None:
    app, client, case_id = desk["app"], desk["client"], desk["case_id"]
    ann = desk["people"]["ann"]["web"]
    other = make_case(app, assigned_to=make_user(app, username="bob"))
    spouse = desk["contact_id"].replace("self", "fam")  # the factory's second contact
    client.cookies.set(SESSION_COOKIE, ann.token)
    res = client.post(f"/cases/{case_id}/holds", follow_redirects=False, data={
        "flag": "refused_contact", "contact_id": spouse, "reason": "spouse asked us to stop",
        "csrf_token": ann.csrf_token})
    assert res.status_code == 303
    page = client.get(f"/cases/{case_id}").text
    spouse_row = re.search(rf'<tr data-contact-id="{spouse}">(.*?)</tr>', page, re.S)
    assert spouse_row and "This contact refused further contact" not in page  # zh-CN user
    assert "该联系人已拒绝再被联系" in spouse_row.group(1)
    assert client.post(f"/cases/{other}/holds", data={
        "flag": "dispute", "reason": "not my case", "csrf_token": ann.csrf_token}
    ).status_code == 403


def test_a_collector_records_under_an_officers_override(desk: dict[str, Any]) -> None:
    blocked = _post(desk, "ann", "u1").json()["blocked"]
    early = _post(desk, "ann", "u2", override_decision_id=blocked["decision_id"])
    assert early.status_code == 403 and "尚未经合规专员放行" in early.json()["error"]["message"]
    desk["clock"].now = NIGHT + timedelta(minutes=5)
    res = desk["client"].post(f"/api/v1/compliance/decisions/{blocked['decision_id']}/override",
                              headers=desk["people"]["olga"]["api"],
                              json={"reason": "borrower asked for a call after work"})
    assert res.status_code == 200, res.text
    desk["clock"].now = NIGHT + timedelta(minutes=12)
    res = _post(desk, "ann", "u3", override_decision_id=blocked["decision_id"])
    assert res.status_code == 201 and res.json()["decision_id"] == blocked["decision_id"]
    again = _post(desk, "ann", "u4", override_decision_id=blocked["decision_id"])
    assert again.status_code == 409  # one attempt per override
    assert _counts(desk["app"]) == (1, 1, 0)
