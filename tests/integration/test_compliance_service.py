"""decide_contact, overrides, holds and consents against the operations store."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from arrears.adapters.db.base import unit_of_work
from arrears.adapters.db.tables import (
    AuditEntry,
    CollectionCase,
    ContactAttempt,
    ContactPoint,
    Customer,
    User,
)
from arrears.adapters.db.tables_compliance import ComplianceDecision
from arrears.errors import Conflict, Forbidden, InvalidInput
from arrears.services import compliance as svc

# 2026-11-28 10:00 in Shanghai
MORNING = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
NIGHT = datetime(2026, 11, 28, 14, 30, tzinfo=UTC)  # 22:30 Shanghai


def seed(app, *, timezone: str | None = None) -> int:  # type: ignore[no-untyped-def]
    with unit_of_work(app.session_factory) as s:
        s.add(Customer(customer_id="C1", full_name_enc="x", full_name_masked="张*",
                       country="CN", timezone=timezone))
        s.flush()
        s.add(ContactPoint(contact_id="K1", customer_id="C1", channel="phone",
                           value_enc=app.keyring.encrypt("+8613812345678"),
                           value_hash="h1", value_masked="138****5678", relation="self"))
        s.add(ContactPoint(contact_id="K2", customer_id="C1", channel="phone",
                           value_enc=app.keyring.encrypt("+8613912345678"),
                           value_hash="h2", value_masked="139****5678", relation="spouse"))
        s.add(User(username="officer", display_name="O", password_hash="-",
                   role="compliance_officer"))
        s.add(User(username="agent", display_name="A", password_hash="-", role="collector"))
        case = CollectionCase(customer_id="C1", opened_on=date(2026, 11, 1),
                              as_of=date(2026, 11, 28), currency="CNY", dpd=30, bucket="M1",
                              overdue_amount=Decimal("100.00"),
                              outstanding_principal=Decimal("1000.00"))
        s.add(case)
        s.flush()
        return case.case_id


def decide(app, case_id: int, at: datetime, **kw):  # type: ignore[no-untyped-def]
    args = {"channel": "call", "party": "self", "contact_id": "K1"} | kw
    with unit_of_work(app.session_factory) as s:
        return svc.decide_contact(s, app=app, customer_id="C1", case_id=case_id, at=at,
                                  actor_user_id=None, agency_id=None, **args)


def test_a_decision_is_stored_with_pack_version_rules_and_local_time(app) -> None:  # type: ignore[no-untyped-def]
    case_id = seed(app)
    allowed = decide(app, case_id, MORNING)
    blocked = decide(app, case_id, NIGHT)
    assert allowed.allowed and not blocked.allowed
    assert blocked.rules == ["cn.quiet_hours"]
    assert blocked.local_time.isoformat() == "2026-11-28T22:30:00+08:00"
    assert blocked.next_allowed_at.isoformat() == "2026-11-29T08:00:00+08:00"
    assert "免打扰" in blocked.explanation_zh or "禁止联系" in blocked.explanation_zh
    with unit_of_work(app.session_factory) as s:
        row = s.get(ComplianceDecision, blocked.decision_id)
        assert (row.pack, row.version, row.local_date) == ("cn", "cn-2026.1", "2026-11-28")


def test_history_and_flags_come_from_the_store(app) -> None:  # type: ignore[no-untyped-def]
    case_id = seed(app)
    with unit_of_work(app.session_factory) as s:
        for i in range(6):
            s.add(ContactAttempt(case_id=case_id, customer_id="C1", contact_id="K1",
                                 at=MORNING - timedelta(minutes=10 * (i + 1)), channel="call",
                                 party="self", result="no_answer"))
    assert decide(app, case_id, MORNING).rules == ["cn.daily_call_attempts"]
    assert decide(app, case_id, MORNING, contact_id="K2", party="spouse",
                  mentions_debt=False).rules == ["cn.third_party"]
    with unit_of_work(app.session_factory) as s:
        flag_id = svc.set_flag(s, customer_id="C1", flag="dispute", reason="customer disputes",
                               by="officer", at=MORNING)
    assert decide(app, case_id, MORNING).rules == ["cn.dispute"]  # holds before counters
    with unit_of_work(app.session_factory) as s:
        svc.lift_flag(s, flag_id=flag_id, reason="verification sent", by="officer", at=MORNING)
        actions = s.scalars(select(AuditEntry.action)).all()
    assert {"compliance.flag_set", "compliance.flag_lift"} <= set(actions)
    assert decide(app, case_id, MORNING).rules == ["cn.daily_call_attempts"]


def test_refused_contact_and_consent_to_a_late_call(app) -> None:  # type: ignore[no-untyped-def]
    case_id = seed(app)
    with unit_of_work(app.session_factory) as s:
        svc.record_consent(s, customer_id="C1", kind="call_time", by="agent", at=MORNING,
                           window_from="22:00", window_until="23:00")
        svc.set_flag(s, customer_id="C1", flag="unreachable", reason="no answer for a week",
                     by="agent", at=MORNING)
        svc.set_flag(s, customer_id="C1", flag="refused_contact", reason="asked to stop",
                     by="agent", at=MORNING, contact_id="K2")
    assert decide(app, case_id, NIGHT).allowed
    assert decide(app, case_id, MORNING, contact_id="K2", party="spouse",
                  mentions_debt=False).rules == ["cn.refused_contact"]


def test_override_only_by_a_compliance_officer_with_a_reason(app) -> None:  # type: ignore[no-untyped-def]
    case_id = seed(app)
    blocked = decide(app, case_id, NIGHT)
    with unit_of_work(app.session_factory) as s:
        with pytest.raises(Forbidden):
            svc.override_decision(s, decision_id=blocked.decision_id, officer="agent",
                                  reason="urgent", at=NIGHT)
        with pytest.raises(InvalidInput):
            svc.override_decision(s, decision_id=blocked.decision_id, officer="officer",
                                  reason=" ", at=NIGHT)
    with unit_of_work(app.session_factory) as s:
        done = svc.override_decision(s, decision_id=blocked.decision_id, officer="officer",
                                     reason="borrower called back and asked", at=NIGHT)
        assert done.overridden
    with unit_of_work(app.session_factory) as s:
        with pytest.raises(Conflict):
            svc.override_decision(s, decision_id=blocked.decision_id, officer="officer",
                                  reason="again please", at=NIGHT)
        entry = s.scalars(select(AuditEntry).where(
            AuditEntry.action == "compliance.override")).one()
        assert entry.actor == "officer" and entry.detail["reason"].startswith("borrower")
