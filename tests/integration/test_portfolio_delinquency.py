"""The spec's normative delinquency, on a hand-written book, on DuckDB and on PostgreSQL.

Each loan hits one rule at its boundary. The expected figures come from the one-loan rules
of ``arrears.domain.delinquency`` applied to payment dates written here by hand (so the
loader's time-zone conversion is checked too), plus a few figures spelled out.
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from arrears.batch import delinquency as delinquency_step
from arrears.domain.delinquency import Installment, Payment, delinquency
from arrears.services.export import EXPORT_COLUMNS, export_delinquency
from arrears.services.loading import load_portfolio
from tests.conftest import make_test_app
from tests.integration.portfolio_books import customer, loan, payment, schedule, write_book

D = Decimal
AS_OF = date(2026, 3, 5)

# (loan, [(payment_id, paid_at as given, local date in Asia/Shanghai, amount, kind, reverses)])
PAYMENTS: dict[str, list[tuple[str, str, str, str, str, str | None]]] = {
    "LA_NONE": [],
    "LB_PARTIAL": [("B1", "2026-02-01T10:00:00+08:00", "2026-02-01", "50.00", "payment", None)],
    "LC_FEES": [("C1", "2026-02-02T10:00:00+08:00", "2026-02-02", "12.00", "payment", None)],
    "LD_PREPAID": [("D1", "2026-01-15T10:00:00+08:00", "2026-01-15", "400.00", "payment", None)],
    "LE_ON_TIME": [("E1", "2026-02-01T09:00:00+08:00", "2026-02-01", "110.00", "payment", None),
                   ("E2", "2026-03-01T09:00:00+08:00", "2026-03-01", "105.00", "payment", None)],
    "LF_REVERSED": [("F1", "2026-02-01T09:00:00+08:00", "2026-02-01", "110.00", "payment", None),
                    ("F2", "2026-03-03T09:00:00+08:00", "2026-03-03", "110.00", "reversal",
                     "F1")],
    "LG_REVERSED_LATER": [
        ("G1", "2026-02-01T09:00:00+08:00", "2026-02-01", "110.00", "payment", None),
        ("G2", "2026-03-10T09:00:00+08:00", "2026-03-10", "110.00", "reversal", "G1")],
    "LH_PAID_AFTER": [("H1", "2026-03-06T09:00:00+08:00", "2026-03-06", "215.00", "payment",
                       None)],
    "LI_UTC_NEXT_DAY": [("I1", "2026-03-05T17:30:00Z", "2026-03-06", "215.00", "payment", None)],
    "LJ_UTC_SAME_DAY": [("J1", "2026-03-05T15:59:00Z", "2026-03-05", "215.00", "payment", None)],
    "LK_DATE_ONLY": [("K1", "2026-03-05", "2026-03-05", "215.00", "payment", None)],
    "LL_OVERPAID": [("L1", "2026-02-01T10:00:00+08:00", "2026-02-01", "500.00", "payment",
                     None)],
    "LM_OUT_OF_ORDER": [
        ("M2", "2026-03-01T09:00:00-05:00", "2026-03-01", "105.00", "payment", None),
        ("M1", "2026-01-31T23:00:00-05:00", "2026-02-01", "110.00", "payment", None)],
    "LN_HALF_CENT_SHORT": [
        ("N1", "2026-02-01T10:00:00+08:00", "2026-02-01", "109.50", "payment", None),
        ("N2", "2026-03-01T10:00:00+08:00", "2026-03-01", "105.00", "payment", None)],
}
FEES = {"LC_FEES": "3.00"}


def build_book(directory: Path) -> Path:
    loans, installments, payments = [], [], []
    for index, (lid, pays) in enumerate(PAYMENTS.items()):
        cid = "C1" if index % 2 == 0 else "C2"
        loans.append(loan(lid, cid))
        installments += schedule(lid, fee=FEES.get(lid, "0.00"))
        payments += [payment(pid, lid, at, amount, kind=kind, reverses_payment_id=rev)
                     for pid, at, _local, amount, kind, rev in pays]
    book = {
        "customers": [customer("C1"),
                      customer("C2", full_name="John Smith", national_id=None, country="US",
                               timezone="America/New_York")],
        "contacts": [{"contact_id": "K1", "customer_id": "C1", "channel": "phone",
                      "value": "+8613812345678", "relation": "self", "is_primary": "true"}],
        "loans": loans, "installments": installments, "payments": payments,
    }
    return write_book(directory, book)


def expected(lid: str, *, as_of: date, tolerance: Decimal = D("0.00")):  # type: ignore[no-untyped-def]
    fee = D(FEES.get(lid, "0.00"))
    insts = [Installment(k + 1, date(2026, 2 + k, 1), D("100.00"), D(i), fee)
             for k, i in enumerate(["10.00", "5.00", "2.00"])]
    pays = [Payment(pid, date.fromisoformat(local), D(amount), kind, rev)
            for pid, _at, local, amount, kind, rev in PAYMENTS[lid]]
    return delinquency(insts, pays, as_of=as_of, tolerance=tolerance)


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine_app(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    overrides = {}
    if request.param == "postgres":
        overrides["portfolio_url"] = request.getfixturevalue("pg_schema_url")
    application = make_test_app(tmp_path / "home", f"sqlite:///{tmp_path / 'ops.sqlite'}",
                                **overrides)
    load_portfolio(app=application, source=build_book(tmp_path / "book"), progress=False)
    yield application
    application.close()


def read_export(app, as_of: date, path: Path) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    delinquency_step.run(app=app, as_of=as_of)
    export_delinquency(app=app, as_of=as_of, out=path)
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == EXPORT_COLUMNS
        return {row["loan_id"]: row for row in reader}


def money(value: Decimal) -> str:
    return f"{value:.2f}"


@pytest.mark.parametrize("as_of", [date(2026, 3, 4), AS_OF, date(2026, 3, 6), date(2026, 4, 2)])
def test_every_loan_matches_the_rules(engine_app, tmp_path: Path, as_of: date) -> None:  # type: ignore[no-untyped-def]
    rows = read_export(engine_app, as_of, tmp_path / "delinquency.csv")
    assert list(rows) == sorted(PAYMENTS)
    for lid, row in rows.items():
        want = expected(lid, as_of=as_of)
        assert row["as_of"] == as_of.isoformat()
        assert int(row["dpd"]) == want.dpd, lid
        assert row["bucket"] == want.bucket, lid
        for col in ("overdue_principal", "overdue_interest", "overdue_fee", "overdue_amount",
                    "outstanding_principal", "credit_balance"):
            assert row[col] == money(getattr(want, col)), (lid, col)
        oldest = want.oldest_unpaid_due_date
        assert row["oldest_unpaid_due_date"] == (oldest.isoformat() if oldest else ""), lid


def test_figures_spelled_out(engine_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = read_export(engine_app, AS_OF, tmp_path / "d.csv")
    none = rows["LA_NONE"]
    assert (none["dpd"], none["bucket"], none["overdue_amount"]) == ("32", "M2", "215.00")
    assert rows["LB_PARTIAL"]["overdue_principal"] == "160.00"  # 40.00 of the 50 to principal
    assert rows["LB_PARTIAL"]["overdue_interest"] == "5.00"
    fees = rows["LC_FEES"]
    assert (fees["overdue_fee"], fees["overdue_interest"]) == ("3.00", "6.00")
    prepaid = rows["LD_PREPAID"]
    assert (prepaid["dpd"], prepaid["credit_balance"], prepaid["oldest_unpaid_due_date"]) == (
        "0", "83.00", "")
    assert rows["LL_OVERPAID"]["credit_balance"] == "183.00"
    assert rows["LF_REVERSED"]["dpd"] == "32" and rows["LG_REVERSED_LATER"]["dpd"] == "4"
    assert rows["LH_PAID_AFTER"]["dpd"] == "32" and rows["LI_UTC_NEXT_DAY"]["dpd"] == "32"
    assert rows["LJ_UTC_SAME_DAY"]["dpd"] == "0" and rows["LK_DATE_ONLY"]["dpd"] == "0"
    assert rows["LM_OUT_OF_ORDER"]["dpd"] == "0"
    assert rows["LN_HALF_CENT_SHORT"]["dpd"] == "4"  # oldest first: 0.50 short on the 2nd
    assert rows["LN_HALF_CENT_SHORT"]["overdue_amount"] == "0.50"


def test_tolerance_from_the_configuration(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "arrears.toml").write_text('[business]\ntolerance = "0.50"\n', encoding="utf-8")
    application = make_test_app(home, f"sqlite:///{tmp_path / 'ops.sqlite'}")
    try:
        load_portfolio(app=application, source=build_book(tmp_path / "book"), progress=False)
        rows = read_export(application, AS_OF, tmp_path / "d.csv")
    finally:
        application.close()
    short = rows["LN_HALF_CENT_SHORT"]
    assert (short["dpd"], short["overdue_amount"], short["oldest_unpaid_due_date"]) == (
        "0", "0.00", "2026-04-01")
    want = expected("LN_HALF_CENT_SHORT", as_of=AS_OF, tolerance=D("0.50"))
    assert short["outstanding_principal"] == money(want.outstanding_principal)


def test_rerunning_a_day_gives_the_same_snapshot(engine_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first = (tmp_path / "a.csv")
    read_export(engine_app, AS_OF, first)
    read_export(engine_app, date(2026, 4, 2), tmp_path / "later.csv")
    again = tmp_path / "b.csv"
    read_export(engine_app, AS_OF, again)
    assert first.read_bytes() == again.read_bytes()


def test_bucket_events_against_the_previous_snapshot_day(engine_app) -> None:  # type: ignore[no-untyped-def]
    for day in (date(2026, 2, 1), date(2026, 2, 2), date(2026, 3, 3), date(2026, 3, 12)):
        delinquency_step.run(app=engine_app, as_of=day)
    table = engine_app.portfolio().table("bucket_events")
    events = {(str(r["as_of"])[:10], r["loan_id"]): (r["from_bucket"], r["to_bucket"], r["kind"])
              for r in table.to_pyarrow().to_pylist()}
    assert events[("2026-02-02", "LA_NONE")] == ("M0", "M1", "entered")
    assert ("2026-02-02", "LE_ON_TIME") not in events
    assert ("2026-03-03", "LA_NONE") not in events  # dpd 30: still M1
    assert events[("2026-03-12", "LA_NONE")] == ("M1", "M2", "rolled_forward")
    # G: 2 days late on 03-03 (M1); G1 reversed on 03-10 makes 02-01 the oldest unpaid.
    assert events[("2026-03-03", "LG_REVERSED_LATER")] == ("M0", "M1", "entered")
    assert events[("2026-03-12", "LG_REVERSED_LATER")] == ("M1", "M2", "rolled_forward")
    # F1 reversed on 2026-03-03, then nothing: M1 on 03-03 (dpd 30), M2 by 03-12.
    assert events[("2026-03-12", "LF_REVERSED")] == ("M1", "M2", "rolled_forward")
    # The payment of 2026-03-06 covers both installments due: cured.
    assert events[("2026-03-12", "LH_PAID_AFTER")] == ("M1", "M0", "cured")


def test_an_older_engines_snapshot_table_moves_into_the_narrow_positions(  # type: ignore[no-untyped-def]
        engine_app, tmp_path: Path) -> None:
    from arrears.adapters.portfolio.schema import SNAPSHOT_COLUMNS
    from arrears.services.loading import portfolio_engine

    before = read_export(engine_app, AS_OF, tmp_path / "before.csv")
    engine = portfolio_engine(engine_app)
    cols = ", ".join(SNAPSHOT_COLUMNS)
    # The shape engines had before: one wide table holding the loan attributes too.
    engine.run_in_transaction([
        f"CREATE TABLE wide_copy AS SELECT {cols} FROM delinquency_snapshots",
        "DROP VIEW delinquency_snapshots", "DELETE FROM delinquency_positions",
        "ALTER TABLE wide_copy RENAME TO delinquency_snapshots"])
    portfolio_engine(engine_app)  # opening the engine moves the rows
    kinds = dict(engine.fetch("SELECT table_name, table_type FROM information_schema.tables "
                              "WHERE table_name IN ('delinquency_snapshots', "
                              "'delinquency_positions')"))
    assert kinds == {"delinquency_snapshots": "VIEW", "delinquency_positions": "BASE TABLE"}
    assert engine.fetch("SELECT count(*) FROM delinquency_positions")[0][0] == len(PAYMENTS)
    path = tmp_path / "after.csv"
    export_delinquency(app=engine_app, as_of=AS_OF, out=path)
    assert path.read_bytes() == (tmp_path / "before.csv").read_bytes() and before


def test_rows_come_in_batches_on_either_engine(engine_app) -> None:  # type: ignore[no-untyped-def]
    from arrears.services.loading import portfolio_engine

    engine = portfolio_engine(engine_app)
    sql = "SELECT loan_id, principal FROM loans ORDER BY loan_id"
    batches = list(engine.fetch_batches(sql, size=3))
    assert [len(b) for b in batches[:-1]] == [3] * (len(batches) - 1)
    assert 1 <= len(batches[-1]) <= 3
    assert [tuple(row) for b in batches for row in b] == [tuple(r) for r in engine.fetch(sql)]
    assert len(batches) > 2
