"""The champion/challenger report counts each arm's contacts from the local day a case was
assigned to the end of the report's day, and its promises resolved by that day, for the
experiment's cases only (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from arrears.adapters.db.base import unit_of_work
from arrears.adapters.db.tables import Promise
from arrears.adapters.db.tables_strategy import StrategyAssignment
from arrears.services.strategy import champion_challenger_report
from tests.integration.strategy_factory import add_case, call, pay

D = date(2026, 6, 30)
ZONE = "Asia/Shanghai"  # the default reporting zone: UTC+8, no summer time
EXPERIMENT = "default-2026"  # the default strategy's


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """A Shanghai wall-clock time as a UTC instant."""
    return datetime.combine(day, time(hour, minute), UTC) - timedelta(hours=8)


def _promise(case_id: int, status: str, resolved_on: date | None) -> Promise:
    return Promise(case_id=case_id, created_at=local(D - timedelta(days=20), 10),
                   amount=Decimal("100.00"), currency="CNY", due_on=D - timedelta(days=15),
                   status=status, resolved_on=resolved_on)


def _assign(case_id: int, arm: str, on: date, experiment: str = EXPERIMENT
            ) -> StrategyAssignment:
    return StrategyAssignment(case_id=case_id, experiment=experiment, arm=arm,
                              assigned_on=on, bucket="M1", dpd=10,
                              overdue_amount=Decimal("300.00"))


def test_contacts_and_promises_are_counted_within_each_case_s_window(app: Any) -> None:
    first = add_case(app, customer_id="C1", dpd=10, bucket="M1", overdue="300.00",
                     opened=D - timedelta(days=12))
    second = add_case(app, customer_id="C2", dpd=10, bucket="M1", overdue="300.00",
                      opened=D - timedelta(days=12))
    other = add_case(app, customer_id="C3", dpd=10, bucket="M1", overdue="300.00",
                     opened=D - timedelta(days=12))
    pay(app, [("P1", "C1-L1", D - timedelta(days=2), "50.00")])
    on1, on2 = D - timedelta(days=10), D - timedelta(days=3)
    with unit_of_work(app.session_factory) as s:
        s.add_all([_assign(first, "champion", on1), _assign(second, "sms_first", on2),
                   _assign(other, "champion", on1, experiment="an-earlier-one")])
        s.flush()
        s.add_all([
            call(first, "C1", local(on1, 0, 0) - timedelta(minutes=1)),  # day before
            call(first, "C1", local(on1, 0, 0)),                         # counted
            call(first, "C1", local(D, 23, 59)),                         # counted
            call(first, "C1", local(D + timedelta(days=1), 0, 1)),       # the next day
            call(second, "C2", local(on2, 9)),                           # counted
            call(second, "C2", local(on2 - timedelta(days=1), 21)),      # before
            call(other, "C3", local(D, 10)),            # not in this experiment
            _promise(first, "kept", D - timedelta(days=1)),
            _promise(first, "broken", D - timedelta(days=5)),
            _promise(first, "kept", D + timedelta(days=1)),   # resolved after the day
            _promise(first, "open", None),
            _promise(second, "partly_kept", D),
            _promise(other, "kept", D - timedelta(days=1)),
        ])
    with app.session_factory() as s:
        report = {r.arm: r for r in champion_challenger_report(s, app=app, as_of=D)}
    champion, challenger = report["champion"], report["sms_first"]
    assert (champion.cases, champion.contacts) == (1, 2)
    assert (challenger.cases, challenger.contacts) == (1, 1)
    assert (champion.promises_kept.n, champion.promises_kept.value) == (2, 0.5)
    assert (challenger.promises_kept.n, challenger.promises_kept.value) == (1, 0.0)
    assert champion.recovered == Decimal("50.00")
