"""Operations and compliance figures from rows the product's own services write: contacts
recorded through the desk's contact service (compliance decided first), a message the
outbox sent, promises checked by the daily run, a transcript analysed on arrival."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pandas as pd
import pytest

from arrears.adapters.db.base import unit_of_work
from arrears.analytics.filters import Filters
from arrears.analytics.workbench import Workbench
from arrears.entrypoints.deps import Principal
from arrears.services import compliance, contacts
from tests.integration.strategy_factory import add_case, add_user, pay, set_case

DAY = date(2026, 3, 10)
AS_OF = date(2026, 3, 15)


def utc(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def principal(user_id: int, username: str, role: str = "collector",
              team_id: str | None = "early") -> Principal:
    return Principal(user_id=user_id, username=username, display_name=username, role=role,
                     team_id=team_id, agency_id=None, locale="en")


def record(app, who: Principal, case_id: int, at: datetime, result: str, *,
           party: str = "self", promise: str | None = None,
           override: str | None = None, blocked: bool = False) -> contacts.Recorded:
    data = contacts.ContactInput(
        "call", party, result, promise_amount=Decimal(promise) if promise else None,
        promise_due=date(2026, 3, 12) if promise else None,
        compliance_override_reason=override)
    with unit_of_work(app.session_factory) as s:
        out = contacts.record_contact(s, app=app, principal=who, case_id=case_id, data=data,
                                      at=at, as_of=at.date())
    assert (out.blocked is not None) == blocked, out.blocked
    return out


@pytest.fixture
def recorded(app):
    """Li (team early) works cases A, B, C; Wang (team late) works D."""
    li = add_user(app, username="li", team="early")
    wang = add_user(app, username="wang", team="late")
    add_user(app, username="zhao", role="compliance_officer", team=None)
    cases = {}
    for name, owner, team in (("A", li, "early"), ("B", li, "early"), ("C", li, "early"),
                              ("D", wang, "late")):
        cases[name] = add_case(app, customer_id=name, dpd=20, bucket="M1", overdue="500.00",
                               opened=date(2026, 3, 1))
        set_case(app, cases[name], assigned_to=owner, team_id=team)
    p_li, p_wang = principal(li, "li"), principal(wang, "wang", team_id="late")
    # 10:00 to 11:00 in Shanghai on 2026-03-10.
    record(app, p_li, cases["A"], utc(2), "right_party_contact", promise="300.00")
    record(app, p_li, cases["B"], utc(2, 10), "no_answer")
    # cn: a third party only once the borrower is flagged unreachable
    record(app, p_li, cases["B"], utc(2, 15), "third_party", party="spouse", blocked=True)
    with unit_of_work(app.session_factory) as s:
        compliance.set_flag(s, customer_id="B", flag="unreachable", reason="no answer",
                            by="li", at=utc(2, 16))
    record(app, p_li, cases["B"], utc(2, 20), "third_party", party="spouse")
    record(app, p_li, cases["C"], utc(2, 30), "right_party_contact", promise="200.00")
    record(app, p_wang, cases["D"], utc(3), "wrong_number")
    record(app, p_wang, cases["D"], utc(3, 10), "voicemail")
    # 23:00 in Shanghai: quiet hours; the officer overrides the block afterwards
    late = record(app, p_wang, cases["D"], utc(15), "no_answer", blocked=True)
    with unit_of_work(app.session_factory) as s:
        compliance.override_decision(s, decision_id=late.decision_id, officer="zhao",
                                     reason="borrower asked for a late call", at=utc(15, 5))
    send_sms(app, cases["A"], utc(3, 30))
    pay(app, [("P1", "A-L1", date(2026, 3, 11), "300.00")])
    from arrears.services.promises import check_promises

    with unit_of_work(app.session_factory) as s:
        check_promises(s, app=app, as_of=AS_OF)
    return app, cases, p_li, p_wang


def send_sms(app, case_id: int, at: datetime) -> None:
    from arrears.services import outbox

    with unit_of_work(app.session_factory) as s:
        outbox.queue_message(s, app=app, case_id=case_id, channel="sms",
                             script="early_reminder", due_at=at, actor="strategy")
    assert outbox.send_due(app=app, at=at).sent == 1


def figure(app, key: str, **filters) -> pd.DataFrame:
    f = Filters(date_from=DAY, date_to=AS_OF, **filters)
    with app.session_factory() as s, Workbench(app=app, session=s, filters=f,
                                               as_of=AS_OF) as bench:
        return bench.figure(key).frame


class TestRatesFromRecordedContacts:
    def test_collector_rates_follow_the_desk_result_codes(self, recorded):
        app, _cases, _li, _wang = recorded
        frame = figure(app, "ops_collectors").set_index("collector")
        li = frame.loc["li"]
        assert (li["attempts"], li["contacts"], li["rpc"]) == (4, 3, 2)
        assert (li["promises"], li["promises_due"], li["kept"], li["broken"]) == (2, 2, 1, 1)
        assert (li["contact_rate"], li["rpc_rate"]) == (0.75, 0.5)
        assert (li["promise_rate"], li["kept_rate"]) == (1.0, 0.5)
        assert li["recovered"] == Decimal("300.00")
        wang = frame.loc["wang"]
        assert (wang["attempts"], wang["contacts"], wang["rpc"]) == (2, 0, 0)
        assert wang["contact_rate"] == 0.0

    def test_messages_are_counted_apart_from_calls(self, recorded):
        app, *_ = recorded
        day = figure(app, "ops_daily").set_index("day").loc[DAY]
        assert (day["attempts"], day["messages"]) == (6, 1)
        assert day["contact_rate"] == 0.5  # 3 contacts over 6 calls, the sms left out

    def test_team_filter(self, recorded):
        app, *_ = recorded
        teams = figure(app, "ops_teams", team_id="late")
        assert list(teams["team_id"]) == ["late"]
        assert int(teams["attempts"].iloc[0]) == 2


def attach_call(app, case_id: int, attempt_id: int, at: datetime) -> None:
    from arrears.services import conversation as conv

    lines = [conv.LineIn("collector", "您好，请问是张三先生本人吗？"),
             conv.LineIn("customer", "是我，最近手头紧"),
             conv.LineIn("collector", "没钱就找你朋友借点钱先还上")]
    with unit_of_work(app.session_factory) as s:
        conv.attach_transcript(s, case_id=case_id, lines=lines, at=at, actor="dialler",
                               attempt_id=attempt_id)


class TestComplianceFromRecordedDecisions:
    def test_blocks_per_rule_with_overrides(self, recorded):
        app, *_ = recorded
        blocks = figure(app, "compliance_blocks").set_index("rule")
        assert set(blocks.index) == {"cn.third_party", "cn.quiet_hours"}
        assert set(blocks["day"]) == {DAY}  # 23:00 in Shanghai is still that day
        assert (blocks.loc["cn.third_party", "blocks"],
                blocks.loc["cn.third_party", "overrides"]) == (1, 0)
        assert (blocks.loc["cn.quiet_hours", "blocks"],
                blocks.loc["cn.quiet_hours", "overrides"]) == (1, 1)
        assert list(figure(app, "compliance_blocks", team_id="late")["rule"]) == [
            "cn.quiet_hours"]

    def test_flagged_calls_credit_the_recorded_contact_collector(self, recorded):
        app, cases, li, _wang = recorded
        from sqlalchemy import select

        from arrears.adapters.db.tables import ContactAttempt

        with app.session_factory() as s:
            attempt = s.scalar(select(ContactAttempt.attempt_id).where(
                ContactAttempt.case_id == cases["C"]))
        attach_call(app, cases["C"], attempt, utc(2, 31))
        calls = figure(app, "flagged_calls")
        assert list(calls["category"]) == ["borrow_to_pay"]
        assert (calls["day"].iloc[0], calls["calls"].iloc[0]) == (DAY, 1)
        assert list(figure(app, "flagged_calls", team_id="early")["calls"]) == [1]
        assert figure(app, "flagged_calls", team_id="late").empty
