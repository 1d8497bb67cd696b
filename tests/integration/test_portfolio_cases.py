"""Collection cases and today's list from the daily run, on SQLite and PostgreSQL stores."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select

from arrears.adapters.db.tables import (
    CollectionCase,
    CollectionListEntry,
    ContactPoint,
    Customer,
    DayRun,
    LoanPosition,
)
from arrears.adapters.portfolio.reader import loan_detail
from arrears.batch import cases, collection_list, delinquency
from arrears.batch.run_day import run_day
from arrears.services.loading import load_portfolio
from tests.integration.portfolio_books import customer, loan, payment, schedule, write_book


def book(directory: Path) -> Path:
    """C1: two loans, one paid late on 2026-03-10; C2: one loan never paid; C3 always on time."""
    return write_book(directory, {
        "customers": [customer("C1"), customer("C2", full_name="Li Lei"),
                      customer("C3", full_name="Han Meimei")],
        "contacts": [{"contact_id": "K1", "customer_id": "C1", "channel": "phone",
                      "value": "+8613812345678", "relation": "self", "is_primary": "1"},
                     {"contact_id": "K2", "customer_id": "C3", "channel": "phone",
                      "value": "+8613912345678", "relation": "self"}],
        "loans": [loan("L1", "C1"), loan("L2", "C1"), loan("L3", "C2"), loan("L4", "C3")],
        "installments": schedule("L1") + schedule("L2") + schedule("L3") + schedule("L4"),
        "payments": [payment("P1", "L1", "2026-03-10", "215.00"),
                     payment("P2", "L2", "2026-02-01", "110.00"),
                     payment("P3", "L2", "2026-03-10", "105.00"),
                     payment("P4", "L4", "2026-02-01", "317.00")],
    })


def day(app, as_of: date) -> None:  # type: ignore[no-untyped-def]
    for step in (delinquency, cases, collection_list):
        step.run(app=app, as_of=as_of)
    with app.engine.begin() as conn:  # what run_day records at the end of a day
        conn.execute(DayRun.__table__.insert().values(as_of=as_of, started_at=app.clock(),
                                                      finished_at=app.clock(), counts={}))


def case_rows(app) -> list[CollectionCase]:  # type: ignore[no-untyped-def]
    with app.session_factory() as session:
        return list(session.scalars(select(CollectionCase).order_by(CollectionCase.case_id)))


def test_case_lifecycle_open_update_close_reopen(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    load_portfolio(app=app, source=book(tmp_path / "book"), progress=False)
    day(app, date(2026, 2, 2))
    opened = case_rows(app)
    assert [(c.customer_id, c.status, c.dpd, c.loan_count) for c in opened] == [
        ("C1", "open", 1, 1), ("C2", "open", 1, 1)]
    day(app, date(2026, 3, 5))
    c1 = case_rows(app)[0]
    assert (c1.dpd, c1.loan_count, c1.bucket, str(c1.overdue_amount)) == (32, 2, "M2", "320.00")
    with app.session_factory() as session:
        positions = {p.loan_id: p for p in session.scalars(select(LoanPosition))}
        assert set(positions) == {"L1", "L2", "L3"}
        assert positions["L1"].case_id == c1.case_id
        assert session.get(Customer, "C1").full_name_masked == "王*"
        assert session.get(Customer, "C3") is None  # never delinquent: not copied
        contact = session.get(ContactPoint, "K1")
        assert app.keyring.decrypt(contact.value_enc) == "+8613812345678"
    day(app, date(2026, 3, 10))
    rows = case_rows(app)
    assert (rows[0].status, rows[0].closed_on, rows[0].close_reason) == (
        "closed", date(2026, 3, 10), "cured")
    assert rows[1].status == "open"
    day(app, date(2026, 4, 5))  # C1 misses the April installments: a new case
    rows = case_rows(app)
    assert [(c.customer_id, c.status) for c in rows] == [
        ("C1", "closed"), ("C2", "open"), ("C1", "open")]


def test_collection_list_ranks_by_dpd_then_amount_and_reruns(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    load_portfolio(app=app, source=book(tmp_path / "book"), progress=False)
    day(app, date(2026, 3, 5))
    day(app, date(2026, 3, 5))
    with app.session_factory() as session:
        entries = list(session.scalars(select(CollectionListEntry).where(
            CollectionListEntry.as_of == date(2026, 3, 5)).order_by(CollectionListEntry.rank)))
        ranked = [session.get(CollectionCase, e.case_id).customer_id for e in entries]
    # Both 32 days past due; C1 owes more (two loans).
    assert ranked == ["C1", "C2"]
    assert len(case_rows(app)) == 2


def test_run_day_records_the_run_and_the_reader_sees_installments(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    load_portfolio(app=app, source=book(tmp_path / "book"), progress=False)
    result = run_day(app=app, as_of=date(2026, 3, 5), progress=False)
    assert result.step("delinquency").rows_out == 4
    with app.session_factory() as session:
        run = session.get(DayRun, result.run_id)
        assert run.finished_at is not None and run.counts["cases"]["opened"] == 2
    app.close()
    detail = loan_detail(app, ["L2"])
    assert detail.as_of == date(2026, 3, 5)
    paid = [(i["seq"], str(i["paid"]), str(i["remaining"])) for i in detail.installments]
    assert paid == [(1, "110.00", "0.00"), (2, "0.00", "105.00"), (3, "0.00", "102.00")]
    assert [p["payment_id"] for p in detail.payments] == ["P2", "P3"]


def test_customers_are_copied_in_slices_with_their_contacts_once(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    load_portfolio(app=app, source=book(tmp_path / "book"), progress=False)
    with app.engine.begin() as conn:
        assert cases.copy_customers(conn, app=app, customer_ids=["C1", "C2", "C3"], chunk=1) == 3
        # a second copy finds everything there already
        assert cases.copy_customers(conn, app=app, customer_ids=["C1", "C3"], chunk=1) == 0
    with app.session_factory() as session:
        assert sorted(session.scalars(select(Customer.customer_id))) == ["C1", "C2", "C3"]
        contacts = sorted(session.execute(select(ContactPoint.contact_id,
                                                 ContactPoint.customer_id)).all())
    assert contacts == [("K1", "C1"), ("K2", "C3")]


def test_cases_and_positions_written_in_slices_follow_the_days(app, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                               monkeypatch) -> None:
    """One loan and one case at a time, the cases and positions are those of the day: the
    delinquent loans of customers with an open case, as the snapshot has them."""
    from functools import partial

    from arrears.services.loading import portfolio_engine

    monkeypatch.setattr(cases, "delinquent_loans", partial(cases.delinquent_loans, size=1))
    monkeypatch.setattr(cases, "apply_plan", partial(cases.apply_plan, chunk=1))
    load_portfolio(app=app, source=book(tmp_path / "book"), progress=False)
    engine = portfolio_engine(app)
    seen = []
    for as_of in (date(2026, 2, 2), date(2026, 3, 5), date(2026, 3, 10), date(2026, 4, 5)):
        day(app, as_of)
        snapshot = {row[0]: (row[1], row[2], str(row[3])) for row in engine.fetch(
            "SELECT loan_id, customer_id, dpd, overdue_amount FROM delinquency_snapshots "
            f"WHERE as_of = DATE '{as_of.isoformat()}' AND dpd > 0")}
        with app.session_factory() as session:
            open_cases = dict(session.execute(
                select(CollectionCase.customer_id, CollectionCase.case_id)
                .where(CollectionCase.status == "open")).all())
            positions = {p.loan_id: (p.customer_id, p.dpd, str(p.overdue_amount), p.case_id,
                                     p.as_of) for p in session.scalars(select(LoanPosition))}
        assert positions == {loan_id: (*figures, open_cases[figures[0]], as_of)
                             for loan_id, figures in snapshot.items()
                             if figures[0] in open_cases}
        seen.append(sorted(positions))
    # loans come and go: L1 and L2 cure on 2026-03-10, and are back on 2026-04-05
    assert seen == [["L1", "L3"], ["L1", "L2", "L3"], ["L3"], ["L1", "L2", "L3"]]


def test_positions_move_to_a_new_case_when_the_old_was_closed_by_hand(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A case closed outside the daily run (say, settled at the desk) while its loans are
    still delinquent: the next day opens a new case, and the loans' positions move to it."""
    load_portfolio(app=app, source=book(tmp_path / "book"), progress=False)
    day(app, date(2026, 3, 5))
    first = {c.customer_id: c.case_id for c in case_rows(app)}
    with app.engine.begin() as conn:
        conn.execute(CollectionCase.__table__.update()
                     .where(CollectionCase.case_id == first["C1"])
                     .values(status="closed", closed_on=date(2026, 3, 5),
                             close_reason="settled"))
    day(app, date(2026, 3, 6))
    now = {c.customer_id: c.case_id for c in case_rows(app) if c.status == "open"}
    assert now["C1"] != first["C1"] and now["C2"] == first["C2"]
    with app.session_factory() as session:
        held = {p.loan_id: (p.case_id, p.dpd) for p in session.scalars(select(LoanPosition))}
    assert held == {"L1": (now["C1"], 33), "L2": (now["C1"], 5), "L3": (now["C2"], 33)}
