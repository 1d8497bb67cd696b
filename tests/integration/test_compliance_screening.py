"""The daily list screening step: who may be called today, from when, and why not."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from arrears.adapters.db.base import unit_of_work
from arrears.adapters.db.tables import (
    CollectionCase,
    CollectionListEntry,
    ContactAttempt,
    ContactPoint,
    Customer,
)
from arrears.batch import screening
from arrears.services import compliance as svc

AS_OF = date(2026, 11, 27)


def seed_case(s, cid: str, phone: str, country: str = "CN") -> int:  # type: ignore[no-untyped-def]
    s.add(Customer(customer_id=cid, full_name_enc="x", full_name_masked="x", country=country))
    s.flush()
    s.add(ContactPoint(contact_id=f"{cid}-P", customer_id=cid, channel="phone",
                       value_enc=phone, value_hash=cid, value_masked="***", relation="self",
                       is_primary=True))
    case = CollectionCase(customer_id=cid, opened_on=AS_OF, as_of=AS_OF, currency="CNY",
                          dpd=10, bucket="M1", overdue_amount=Decimal("1.00"),
                          outstanding_principal=Decimal("1.00"))
    s.add(case)
    s.flush()
    s.add(CollectionListEntry(as_of=AS_OF, case_id=case.case_id, rank=1))
    return case.case_id


def test_screening_marks_holds_and_start_times(app) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(app.session_factory) as s:
        free = seed_case(s, "C1", app.keyring.encrypt("+8613812345678"))
        held = seed_case(s, "C2", app.keyring.encrypt("+8613812345679"))
        svc.set_flag(s, customer_id="C2", flag="bankruptcy", reason="court notice",
                     by="officer", at=datetime(2026, 11, 26, tzinfo=UTC))
    result = screening.run(app=app, as_of=AS_OF)
    assert result.rows_out == 2 and result.detail == {"may_call": 1, "blocked": 1}
    with unit_of_work(app.session_factory) as s:
        rows = {r.case_id: r for r in s.scalars(select(CollectionListEntry))}
    assert rows[free].may_call and rows[free].screening_reason is None
    start = rows[free].call_from.replace(tzinfo=UTC)
    assert start == datetime(2026, 11, 27, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
    assert not rows[held].may_call and "bankruptcy" in rows[held].screening_reason
    # the engine allows a call at the screened time, and blocks one a minute earlier
    with unit_of_work(app.session_factory) as s:
        args = dict(app=app, customer_id="C1", case_id=free, channel="call", party="self",
                    contact_id="C1-P", actor_user_id=None, agency_id=None)
        assert svc.decide_contact(s, at=start, **args).allowed
        assert not svc.decide_contact(s, at=start - timedelta(minutes=1), **args).allowed
    assert screening.run(app=app, as_of=AS_OF).rows_out == 2  # re-runnable


def test_a_cap_running_past_today_keeps_the_case_off_the_list(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import make_test_app

    home = tmp_path / "us"
    home.mkdir()
    (home / "arrears.toml").write_text('[compliance]\npack = "us"\n', encoding="utf-8")
    app = make_test_app(home, f"sqlite:///{home / 'ops.sqlite'}")
    try:
        with unit_of_work(app.session_factory) as s:
            capped = seed_case(s, "C3", app.keyring.encrypt("+12125551234"), country="US")
            for day in (21, 21, 22, 23, 24, 25, 26):  # seven calls in 21..27 November
                s.add(ContactAttempt(case_id=capped, customer_id="C3", contact_id="C3-P",
                                     at=datetime(2026, 11, day, 15, 0, tzinfo=UTC),
                                     channel="call", party="self", result="no_answer"))
        screening.run(app=app, as_of=AS_OF)
        with unit_of_work(app.session_factory) as s:
            row = s.get(CollectionListEntry, (AS_OF, capped))
        assert not row.may_call and "7 consecutive days" in row.screening_reason
        assert row.call_from.replace(tzinfo=UTC) == datetime(2026, 11, 28, 13, 0, tzinfo=UTC)
    finally:
        app.close()
