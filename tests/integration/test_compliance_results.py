"""How stored contact results count: desk and dialler results map to conversations,
unanswered calls or calls that never connected; outbox messages count under no call cap."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from arrears.adapters.db.base import unit_of_work
from arrears.adapters.db.tables import ContactAttempt
from arrears.domain.compliance import Attempt, Customer, decide, rules_for
from arrears.services import compliance as svc
from arrears.services import outbox
from tests.integration.strategy_factory import add_case

MORNING = datetime(2026, 3, 10, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
CALL_AT = MORNING + timedelta(hours=8)             # 17:00 in Shanghai


def stored_calls(app, case_id: int, customer: str, results: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Calls as the desk or a dialler stores them, one every ten minutes from 09:00."""
    with unit_of_work(app.session_factory) as s:
        for i, result in enumerate(results):
            s.add(ContactAttempt(case_id=case_id, customer_id=customer,
                                 contact_id=f"{customer}-phone",
                                 at=MORNING + timedelta(minutes=10 * i), channel="call",
                                 party="self", result=result, source="desk"))


def call_rules(app, case_id: int, customer: str) -> list[str]:  # type: ignore[no-untyped-def]
    with unit_of_work(app.session_factory) as s:
        decision = svc.decide_contact(s, app=app, customer_id=customer, case_id=case_id,
                                      channel="call", party="self",
                                      contact_id=f"{customer}-phone", at=CALL_AT,
                                      actor_user_id=None, agency_id=None)
    return decision.rules


@pytest.mark.parametrize("results, rules", [
    (["right_party_contact"] * 3, ["cn.daily_conversations"]),
    (["right_party_contact", "right_party_contact", "third_party"], ["cn.daily_conversations"]),
    (["right_party_contact", "right_party_contact"], []),
    # wrong numbers and busy lines never connected: calls, not conversations
    (["wrong_number"] * 3, []),
    (["wrong_number", "busy", "no_answer", "voicemail", "busy", "wrong_number"],
     ["cn.daily_call_attempts"]),
    (["no_answer", "voicemail"] * 2 + ["no_answer"], []),
])
def test_desk_results_count_as_the_rules_say(app, results, rules) -> None:  # type: ignore[no-untyped-def]
    case_id = add_case(app, customer_id="R", dpd=12, bucket="M1", overdue="100.00",
                       opened=date(2026, 3, 1))
    stored_calls(app, case_id, "R", results)
    assert call_rules(app, case_id, "R") == rules


def test_outbox_messages_count_under_no_call_cap(app) -> None:  # type: ignore[no-untyped-def]
    case_id = add_case(app, customer_id="M", dpd=12, bucket="M1", overdue="100.00",
                       opened=date(2026, 3, 1))
    channels = outbox.build_channels(app)
    for i in range(4):
        at = MORNING + timedelta(minutes=30 * i)
        with unit_of_work(app.session_factory) as s:
            outbox.queue_message(s, app=app, case_id=case_id, channel="sms",
                                 script="early_reminder", due_at=at, actor="test")
        assert outbox.send_due(app=app, at=at, channels=channels).sent == 1
    with unit_of_work(app.session_factory) as s:
        sent = s.scalars(select(ContactAttempt.result).where(
            ContactAttempt.customer_id == "M")).all()
    assert sent == ["sent"] * 4
    # four texts are neither conversations nor call attempts ...
    assert call_rules(app, case_id, "M") == []
    # ... while two conversations on top of them still leave room for a third
    stored_calls(app, case_id, "M", ["right_party_contact"] * 2)
    assert call_rules(app, case_id, "M") == []
    stored_calls(app, case_id, "M", ["right_party_contact"] * 3)
    assert call_rules(app, case_id, "M") == ["cn.daily_conversations"]


@pytest.mark.parametrize("channel, result, engine", [
    ("call", "right_party_contact", "conversation"), ("call", "third_party", "conversation"),
    ("visit", "right_party_contact", "conversation"), ("call", "no_answer", "no_answer"),
    ("call", "voicemail", "voicemail"), ("call", "busy", "busy"),
    ("call", "wrong_number", "not_connected"), ("call", "failed", "not_connected"),
    ("sms", "sent", "message"), ("sms", "failed", "message"), ("email", "delivered", "message"),
    ("letter", "sent", "message"),
    ("call", "something_new", "conversation"),  # unknown: the strictest reading
])
def test_every_stored_result_has_its_meaning(channel: str, result: str, engine: str) -> None:
    assert svc.engine_result(channel, result) == engine


def test_us_caps_skip_calls_that_never_connected_and_messages() -> None:
    def week(channel: str, result: str) -> list[tuple[object, ...]]:
        return [svc.history_event(at=datetime(2026, 11, 20 + i, 15, 0, tzinfo=UTC),
                                  channel=channel, party="self", contact_id="K1",
                                  result=result, initiated_by="collector") for i in range(7)]

    call = Attempt(at=datetime(2026, 11, 26, 15, 0, tzinfo=UTC), channel="call",
                   contact_id="K1", contact_value="+12125551234")
    us = rules_for("us", None)
    customer = Customer(country="US")
    assert decide(us, call, customer, week("call", "wrong_number")).allowed
    assert decide(us, call, customer, week("sms", "sent")).allowed
    assert decide(us, call, customer, week("email", "delivered")).allowed
    assert decide(us, call, customer, week("call", "voicemail")).rules == (
        "us.call_frequency_7in7",)
