"""Portfolio views on a small hand-built book whose figures can be checked by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import ibis
import pandas as pd
import pytest

from arrears.analytics import portfolio as pv
from arrears.analytics.filters import Filters

BUCKETS = [(0, "M0"), (1, "M1"), (31, "M2"), (61, "M3"), (91, "M4")]


def bucket_for(dpd: int) -> str:
    return [name for lo, name in BUCKETS if dpd >= lo][-1]


def snap(as_of: str, loan: str, dpd: int, *, overdue: str = "0.00", outstanding: str = "1000.00",
         product: str = "cash_loan", disbursed: str = "2026-01-10") -> dict:
    return {"as_of": date.fromisoformat(as_of), "loan_id": loan, "customer_id": f"c{loan}",
            "currency": "CNY", "dpd": dpd, "bucket": bucket_for(dpd),
            "overdue_amount": Decimal(overdue), "outstanding_principal": Decimal(outstanding),
            "product": product, "disbursed_on": date.fromisoformat(disbursed)}


# Four loans over three month ends (and one mid-month run day that month-end views ignore).
ROWS = [
    # L1: current, then M1, then cured.
    snap("2026-01-31", "L1", 0), snap("2026-02-28", "L1", 10, overdue="100.00"),
    snap("2026-03-31", "L1", 0),
    # L2: M1 rolls to M2, then M3.
    snap("2026-01-31", "L2", 5, overdue="80.00", outstanding="2000.00"),
    snap("2026-02-15", "L2", 20, overdue="80.00", outstanding="2000.00"),
    snap("2026-02-28", "L2", 33, overdue="160.00", outstanding="2000.00"),
    snap("2026-03-31", "L2", 64, overdue="240.00", outstanding="2000.00"),
    # L3: always current, other product, disbursed in February.
    snap("2026-02-28", "L3", 0, product="appliance_installment", disbursed="2026-02-03"),
    snap("2026-03-31", "L3", 0, product="appliance_installment", disbursed="2026-02-03"),
    # L4: M1 at January end, stays M1 (pays a bit), then 95 dpd is impossible in a month:
    # it stays M1 then rolls to M2.
    snap("2026-01-31", "L4", 3, overdue="50.00", outstanding="500.00"),
    snap("2026-02-28", "L4", 7, overdue="50.00", outstanding="500.00"),
    snap("2026-03-31", "L4", 38, overdue="100.00", outstanding="500.00"),
]


@pytest.fixture
def con():
    backend = ibis.duckdb.connect()
    load_book(backend)
    yield backend
    backend.disconnect()


def load_book(backend) -> None:
    """The hand-built book's snapshots, events, payments and loans, in ``backend``."""
    frame = pd.DataFrame(ROWS)
    backend.create_table("delinquency_snapshots", ibis.memtable(frame).mutate(
        overdue_amount=ibis._.overdue_amount.cast("decimal(18,2)"),
        outstanding_principal=ibis._.outstanding_principal.cast("decimal(18,2)")))
    events = pd.DataFrame([
        {"as_of": date(2026, 2, 28), "loan_id": "L1", "customer_id": "cL1", "from_bucket": "M0",
         "to_bucket": "M1", "kind": "entered", "dpd": 10, "overdue_amount": Decimal("100.00")},
        {"as_of": date(2026, 2, 28), "loan_id": "L2", "customer_id": "cL2", "from_bucket": "M1",
         "to_bucket": "M2", "kind": "rolled_forward", "dpd": 33,
         "overdue_amount": Decimal("160.00")},
        {"as_of": date(2026, 3, 31), "loan_id": "L1", "customer_id": "cL1", "from_bucket": "M1",
         "to_bucket": "M0", "kind": "cured", "dpd": 0, "overdue_amount": Decimal("0.00")},
    ])
    backend.create_table("bucket_events", ibis.memtable(events).mutate(
        overdue_amount=ibis._.overdue_amount.cast("decimal(18,2)")))
    payments = pd.DataFrame([
        # L1 pays 60 then 70 within 30 days of entering M1: recovery capped at 100.
        {"payment_id": "p1", "loan_id": "L1", "paid_on": date(2026, 3, 5), "amount": "60.00",
         "kind": "payment", "reverses_payment_id": None},
        {"payment_id": "p2", "loan_id": "L1", "paid_on": date(2026, 3, 20), "amount": "70.00",
         "kind": "payment", "reverses_payment_id": None},
        # L2 pays 50, reversed 40 of them away (reversal of a 40 payment), net 10... plus one
        # payment on the day of entry, which does not count (it is in the entry's arrears).
        {"payment_id": "p3", "loan_id": "L2", "paid_on": date(2026, 3, 2), "amount": "50.00",
         "kind": "payment", "reverses_payment_id": None},
        {"payment_id": "p4", "loan_id": "L2", "paid_on": date(2026, 3, 3), "amount": "40.00",
         "kind": "payment", "reverses_payment_id": None},
        {"payment_id": "p5", "loan_id": "L2", "paid_on": date(2026, 3, 9), "amount": "40.00",
         "kind": "reversal", "reverses_payment_id": "p4"},
        {"payment_id": "p6", "loan_id": "L2", "paid_on": date(2026, 2, 28), "amount": "99.00",
         "kind": "payment", "reverses_payment_id": None},
    ])
    backend.create_table("payments", ibis.memtable(payments).mutate(
        amount=ibis._.amount.cast("decimal(18,2)")))
    backend.create_table("loans", ibis.memtable(pd.DataFrame(
        [{"loan_id": r["loan_id"], "customer_id": r["customer_id"], "product": r["product"],
          "currency": r["currency"]} for r in ROWS]).drop_duplicates()))


def cell(frame: pd.DataFrame, **where: object) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for col, value in where.items():
        mask &= frame[col] == value
    rows = frame[mask]
    assert len(rows) == 1, f"expected one row for {where}, got {len(rows)}"
    return rows.iloc[0]


class TestBucketTrend:
    def test_counts_and_amounts_per_day_and_bucket(self, con):
        frame = pv.bucket_trend(con, filters=Filters())
        row = cell(frame, as_of=date(2026, 2, 28), bucket="M1")
        assert row["loans"] == 2 and row["overdue_amount"] == Decimal("150.00")
        assert row["outstanding_principal"] == Decimal("1500.00")
        assert list(frame["as_of"]) == sorted(frame["as_of"])

    def test_filters_narrow_the_rows(self, con):
        frame = pv.bucket_trend(con, filters=Filters(product="appliance_installment",
                                                     date_from=date(2026, 3, 1)))
        assert list(frame["loans"]) == [1] and list(frame["bucket"]) == ["M0"]


class TestRollRates:
    def test_month_end_pairs_by_count_and_balance(self, con):
        frame = pv.roll_rates(con, filters=Filters())
        jan = frame[frame["from_month"] == "2026-01"]
        # January M1: L2 (2000) -> M2, L4 (500) -> M1.
        assert cell(jan, from_bucket="M1", to_bucket="M2")["loan_share"] == 0.5
        assert cell(jan, from_bucket="M1", to_bucket="M2")["balance_share"] == 0.8
        assert cell(jan, from_bucket="M0", to_bucket="M1")["loans"] == 1
        feb = frame[frame["from_month"] == "2026-02"]
        assert cell(feb, from_bucket="M0", to_bucket="M0")["loans"] == 1  # L3
        assert cell(feb, from_bucket="M1", to_bucket="M0")["loans"] == 1  # L1 cured
        assert set(frame["to_month"]) == {"2026-02", "2026-03"}

    def test_cure_rates_from_the_flows(self, con):
        rolls = pv.roll_rates(con, filters=Filters())
        cures = pv.cure_rates(rolls, current=pv.current_bucket(con))
        row = cell(cures, to_month="2026-03", from_bucket="M1")
        assert (row["loans"], row["cured"], row["cure_rate"]) == (2, 1, 0.5)
        assert row["balance_cure_rate"] == round(1000 / 1500, 4)


class TestVintage:
    def test_ever_thirty_by_months_on_book(self, con):
        frame = pv.vintage_curves(con, filters=Filters(), thresholds=[30, 90])
        jan = frame[frame["vintage"] == "2026-01"].set_index("mob")
        assert list(jan.index) == [0, 1, 2]
        assert list(jan["loans"]) == [3, 3, 3]
        assert list(jan["ever_30"]) == [0, 1, 2]  # L2 at mob 1, L4 at mob 2
        assert list(jan["ever_90"]) == [0, 0, 0]
        assert jan.loc[2, "ever_30_rate"] == round(2 / 3, 4)
        feb = frame[frame["vintage"] == "2026-02"]
        assert list(feb["mob"]) == [0, 1] and list(feb["ever_30"]) == [0, 0]


class TestRecovery:
    def test_recovered_within_window_net_of_reversals_and_capped(self, con):
        frame = pv.recovery_by_entry(con, filters=Filters(), window_days=30,
                                     as_of=date(2026, 3, 31))
        m1 = cell(frame, bucket="M1")
        assert m1["overdue_at_entry"] == Decimal("100.00")
        assert m1["recovered"] == Decimal("100.00")  # 130 paid, capped at the arrears
        m2 = cell(frame, bucket="M2")
        assert m2["recovered"] == Decimal("50.00")  # 50 + 40 - 40, not the entry day's 99
        assert m2["recovery_rate"] == round(50 / 160, 4)

    def test_entries_whose_window_has_not_passed_are_left_out(self, con):
        frame = pv.recovery_by_entry(con, filters=Filters(), window_days=30,
                                     as_of=date(2026, 3, 20))
        assert frame.empty
