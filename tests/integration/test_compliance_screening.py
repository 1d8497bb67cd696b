"""The daily list screening step: who may be called today, from when, and why not."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from arrears.adapters.db.base import unit_of_work
from arrears.adapters.db.tables import (
    Agency,
    CollectionCase,
    CollectionListEntry,
    ContactAttempt,
    ContactPoint,
    Customer,
    LoanPosition,
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


def _list_rows(app) -> dict[int, CollectionListEntry]:  # type: ignore[no-untyped-def]
    with unit_of_work(app.session_factory) as s:
        return {r.case_id: r for r in s.scalars(select(CollectionListEntry))}


def _call_from(row: CollectionListEntry) -> datetime:
    assert row.call_from is not None
    return row.call_from.replace(tzinfo=UTC)


class TestEntriesDecidedTogether:
    """Entries alike in every input are decided once; any difference is decided apart."""

    def test_zones_agencies_and_own_contacts_each_get_their_answer(self, app) -> None:  # type: ignore[no-untyped-def]
        from tests.factories import make_case

        shanghai = [make_case(app) for _ in range(3)]
        new_york = make_case(app)
        unlisted_agency = make_case(app, agency_id="AG-NEW")
        called = make_case(app)
        with unit_of_work(app.session_factory) as s:
            s.get(Customer, s.get(CollectionCase, new_york).customer_id).timezone = \
                "America/New_York"
            s.add(Agency(agency_id="AG-OLD", name="old", whitelisted=False))
            s.get(Agency, "AG-NEW").last_evaluated_on = None  # never evaluated
            case = s.get(CollectionCase, called)
            phone = s.scalars(select(ContactPoint.contact_id).where(
                ContactPoint.customer_id == case.customer_id,
                ContactPoint.relation == "self")).one()
            for minute in range(6):  # six unanswered calls to the number on its Shanghai day
                s.add(ContactAttempt(case_id=called, customer_id=case.customer_id,
                                     contact_id=phone,
                                     at=datetime(2026, 11, 27, 0, minute, tzinfo=UTC),
                                     channel="call", party="self", result="no_answer"))
        result = screening.run(app=app, as_of=AS_OF)
        assert result.detail == {"may_call": 4, "blocked": 2}
        rows = _list_rows(app)
        assert {_call_from(rows[c]) for c in shanghai} == {datetime(2026, 11, 27, 0, 0, tzinfo=UTC)}
        assert _call_from(rows[new_york]) == datetime(2026, 11, 27, 13, 0, tzinfo=UTC)
        assert not rows[unlisted_agency].may_call
        assert "AG-NEW" in rows[unlisted_agency].screening_reason
        assert not rows[called].may_call and "6" in rows[called].screening_reason
        assert _call_from(rows[called]) == datetime(2026, 11, 28, 0, 0, tzinfo=UTC)

    def test_contacts_older_than_any_rule_looks_back_change_nothing(self, app) -> None:  # type: ignore[no-untyped-def]
        from tests.factories import make_case

        quiet, busy_last_week = make_case(app), make_case(app)
        with unit_of_work(app.session_factory) as s:
            cid = s.get(CollectionCase, busy_last_week).customer_id
            for minute in range(8):
                s.add(ContactAttempt(case_id=busy_last_week, customer_id=cid, contact_id=None,
                                     at=datetime(2026, 11, 20, 2, minute, tzinfo=UTC),
                                     channel="call", party="self", result="no_answer"))
        screening.run(app=app, as_of=AS_OF)
        rows = _list_rows(app)
        assert rows[busy_last_week].may_call and rows[quiet].may_call
        assert _call_from(rows[busy_last_week]) == _call_from(rows[quiet])

    def test_product_settings_split_the_groups(self, tmp_path) -> None:  # type: ignore[no-untyped-def]
        from tests.conftest import make_test_app
        from tests.factories import make_case

        home = tmp_path / "products"
        home.mkdir()
        (home / "arrears.toml").write_text(
            '[compliance]\npack = "cn"\n[compliance.products.card]\nallowed_from = "10:00"\n',
            encoding="utf-8")
        app = make_test_app(home, f"sqlite:///{home / 'ops.sqlite'}")
        try:
            cash, card = make_case(app), make_case(app)
            with unit_of_work(app.session_factory) as s:
                s.scalars(select(LoanPosition).where(LoanPosition.case_id == card)).one() \
                    .product = "card"
            screening.run(app=app, as_of=AS_OF)
            rows = _list_rows(app)
        finally:
            app.close()
        assert _call_from(rows[cash]) == datetime(2026, 11, 27, 0, 0, tzinfo=UTC)
        assert _call_from(rows[card]) == datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
