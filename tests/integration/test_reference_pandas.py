"""The pandas reference of the delinquency rules, on cases computed by hand from the spec."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from arrears.batch.reference_pandas import EXPORT_COLUMNS, bucket_for, delinquency


def loans(*ids: str) -> pd.DataFrame:
    return pd.DataFrame({"loan_id": list(ids), "customer_id": [f"C-{i}" for i in ids],
                         "currency": "CNY"})


def schedule(loan_id: str = "L1", *dues: str, principal: str = "100.00",
             interest: str = "10.00", fee: str = "5.00") -> pd.DataFrame:
    """Installments of one loan, each (principal, interest, fee) on the given due dates."""
    return pd.DataFrame({"loan_id": loan_id, "seq": [str(i + 1) for i in range(len(dues))],
                         "due_date": list(dues), "principal_due": principal,
                         "interest_due": interest, "fee_due": fee})


def payments(*rows: tuple[str, ...]) -> pd.DataFrame:
    """Rows of (payment_id, loan_id, paid_at, amount[, kind, reverses_payment_id])."""
    full = [tuple(r) + ("", "")[: 6 - len(r)] for r in rows]
    return pd.DataFrame(full, columns=["payment_id", "loan_id", "paid_at", "amount", "kind",
                                       "reverses_payment_id"])


NO_PAYMENTS = payments()
THREE = schedule("L1", "2026-01-10", "2026-02-10", "2026-03-10")


def row(inst: pd.DataFrame, pay: pd.DataFrame, as_of: date, **kw: object) -> dict[str, object]:
    out = delinquency(inst, pay, loans("L1"), as_of=as_of, **kw)  # type: ignore[arg-type]
    assert list(out.columns) == EXPORT_COLUMNS and len(out) == 1
    return out.iloc[0].to_dict()


class TestDaysPastDue:
    @pytest.mark.parametrize(("as_of", "dpd", "bucket"), [
        (date(2026, 1, 9), 0, "M0"), (date(2026, 1, 10), 0, "M0"), (date(2026, 1, 11), 1, "M1"),
        (date(2026, 2, 9), 30, "M1"), (date(2026, 2, 10), 31, "M2"), (date(2026, 7, 9), 180, "M6"),
        (date(2026, 7, 10), 181, "M7+"),
    ])
    def test_counted_from_the_oldest_unpaid_installment(self, as_of: date, dpd: int,
                                                        bucket: str) -> None:
        out = row(THREE, NO_PAYMENTS, as_of)
        assert (out["dpd"], out["bucket"]) == (dpd, bucket)

    def test_due_on_the_day_is_not_yet_overdue(self) -> None:
        out = row(THREE, NO_PAYMENTS, date(2026, 2, 10))
        assert out["overdue_amount"] == "115.00" and out["dpd"] == 31
        assert out["oldest_unpaid_due_date"] == "2026-01-10"

    def test_nothing_overdue(self) -> None:
        out = row(THREE, NO_PAYMENTS, date(2026, 1, 5))
        assert out["dpd"] == 0 and out["overdue_amount"] == "0.00"
        assert out["outstanding_principal"] == "300.00"
        assert out["oldest_unpaid_due_date"] == "2026-01-10"


class TestWaterfall:
    def test_full_first_installment_leaves_the_second_overdue(self) -> None:
        out = row(THREE, payments(("P1", "L1", "2026-01-09T10:00:00+08:00", "115.00")),
                  date(2026, 2, 11))
        assert out == {
            "as_of": "2026-02-11", "loan_id": "L1", "customer_id": "C-L1", "currency": "CNY",
            "dpd": 1, "bucket": "M1", "overdue_principal": "100.00", "overdue_interest": "10.00",
            "overdue_fee": "5.00", "overdue_amount": "115.00", "outstanding_principal": "200.00",
            "credit_balance": "0.00", "oldest_unpaid_due_date": "2026-02-10"}

    def test_partial_payment_goes_to_fee_then_interest_then_principal(self) -> None:
        out = row(THREE, payments(("P1", "L1", "2026-01-09T10:00:00+08:00", "12.00")),
                  date(2026, 1, 11))
        assert (out["overdue_fee"], out["overdue_interest"], out["overdue_principal"]) == \
            ("0.00", "3.00", "100.00")
        assert out["overdue_amount"] == "103.00" and out["dpd"] == 1

    def test_money_flows_into_the_next_installment_oldest_first(self) -> None:
        pay = payments(("P1", "L1", "2026-01-09T10:00:00+08:00", "60.00"),
                       ("P2", "L1", "2026-01-20T10:00:00+08:00", "70.00"),
                       ("P3", "L1", "2026-01-21T10:00:00+08:00", "3.50"))
        out = row(THREE, pay, date(2026, 2, 11))
        # 133.50 paid: installment 1 (115) in full; 18.50 to installment 2: fee 5, interest 10,
        # principal 3.50.
        assert (out["overdue_fee"], out["overdue_interest"], out["overdue_principal"]) == \
            ("0.00", "0.00", "96.50")
        assert out["outstanding_principal"] == "196.50" and out["dpd"] == 1

    def test_overpayment_is_a_credit_balance(self) -> None:
        out = row(THREE, payments(("P1", "L1", "2026-01-01T10:00:00+08:00", "400.00")),
                  date(2026, 4, 1))
        assert out["credit_balance"] == "55.00" and out["outstanding_principal"] == "0.00"
        assert out["oldest_unpaid_due_date"] == "" and out["dpd"] == 0

    def test_prepayment_of_future_installments(self) -> None:
        out = row(THREE, payments(("P1", "L1", "2026-01-01T10:00:00+08:00", "300.00")),
                  date(2026, 1, 2))
        # 300 covers installments 1 and 2 (230) and fee 5, interest 10, principal 55 of the 3rd.
        assert out["outstanding_principal"] == "45.00" and out["overdue_amount"] == "0.00"
        assert out["oldest_unpaid_due_date"] == "2026-03-10"

    def test_fees_absent_count_as_zero(self) -> None:
        inst = schedule("L1", "2026-01-10", fee="")
        out = row(inst, payments(("P1", "L1", "2026-01-09", "50.00")), date(2026, 1, 12))
        assert (out["overdue_fee"], out["overdue_interest"], out["overdue_principal"]) == \
            ("0.00", "0.00", "60.00")


class TestWhenAPaymentCounts:
    def test_payment_after_the_as_of_date_does_not_count(self) -> None:
        pay = payments(("P1", "L1", "2026-01-20T10:00:00+08:00", "115.00"))
        assert row(THREE, pay, date(2026, 1, 19))["dpd"] == 9
        assert row(THREE, pay, date(2026, 1, 20))["dpd"] == 0

    @pytest.mark.parametrize(("paid_at", "counted_on"), [
        ("2026-01-14T17:30:00Z", date(2026, 1, 15)),          # 01:30 next day in Shanghai
        ("2026-01-14T17:30:00+00:00", date(2026, 1, 15)),
        ("2026-01-14T23:30:00-05:00", date(2026, 1, 15)),     # 12:30 next day in Shanghai
        ("2026-01-15T07:00:00+09:00", date(2026, 1, 15)),     # 06:00 in Shanghai
        ("2026-01-14T15:59:59Z", date(2026, 1, 14)),          # 23:59:59 in Shanghai
        ("2026-01-14T23:59:59+08:00", date(2026, 1, 14)),
        ("2026-01-14", date(2026, 1, 14)),                    # bare date: 12:00 in Shanghai
    ])
    def test_time_zones_are_read_in_the_reporting_zone(self, paid_at: str,
                                                       counted_on: date) -> None:
        pay = payments(("P1", "L1", paid_at, "115.00"))
        before = date.fromordinal(counted_on.toordinal() - 1)
        assert row(THREE, pay, before)["dpd"] == (before - date(2026, 1, 10)).days
        assert row(THREE, pay, counted_on)["dpd"] == 0

    def test_other_reporting_zone(self) -> None:
        pay = payments(("P1", "L1", "2026-01-14T23:30:00-05:00", "115.00"))
        assert row(THREE, pay, date(2026, 1, 14), reporting_tz="America/New_York")["dpd"] == 0
        assert row(THREE, pay, date(2026, 1, 14))["dpd"] == 4


class TestReversals:
    PAY = payments(("P1", "L1", "2026-01-09T10:00:00+08:00", "115.00"),
                   ("R1", "L1", "2026-01-20T09:00:00+08:00", "115.00", "reversal", "P1"))

    def test_reversal_removes_the_payment_from_its_own_date(self) -> None:
        assert row(THREE, self.PAY, date(2026, 1, 19))["dpd"] == 0
        out = row(THREE, self.PAY, date(2026, 1, 20))
        assert out["dpd"] == 10 and out["overdue_amount"] == "115.00"
        assert out["credit_balance"] == "0.00"

    def test_repayment_after_a_reversal(self) -> None:
        pay = pd.concat([self.PAY, payments(("P2", "L1", "2026-01-22T09:00:00+08:00",
                                             "115.00"))])
        assert row(THREE, pay, date(2026, 1, 22))["dpd"] == 0

    def test_kind_defaults_to_payment(self) -> None:
        pay = payments(("P1", "L1", "2026-01-09T10:00:00+08:00", "115.00", "", ""))
        assert row(THREE, pay, date(2026, 1, 12))["dpd"] == 0


class TestTolerance:
    def test_a_remainder_within_tolerance_is_not_unpaid(self) -> None:
        pay = payments(("P1", "L1", "2026-01-09T10:00:00+08:00", "114.50"))
        strict = row(THREE, pay, date(2026, 1, 12))
        assert strict["dpd"] == 2 and strict["oldest_unpaid_due_date"] == "2026-01-10"
        lenient = row(THREE, pay, date(2026, 1, 12), tolerance=Decimal("0.50"))
        assert lenient["dpd"] == 0 and lenient["oldest_unpaid_due_date"] == "2026-02-10"
        # Within tolerance the installment counts as paid: nothing of it is overdue, though
        # the half yuan of principal is still outstanding.
        assert lenient["overdue_amount"] == "0.00"
        assert lenient["outstanding_principal"] == strict["outstanding_principal"] == "200.50"


class TestBook:
    def test_one_row_per_loan_sorted_even_without_installments_or_payments(self) -> None:
        inst = pd.concat([schedule("L2", "2026-01-10"), schedule("L10", "2026-01-10")])
        pay = payments(("P1", "L2", "2026-01-09T10:00:00+08:00", "115.00"),
                       ("P2", "L3", "2026-01-09T10:00:00+08:00", "20.00"))
        out = delinquency(inst, pay, loans("L3", "L2", "L10"), as_of=date(2026, 1, 20))
        assert list(out.loan_id) == ["L10", "L2", "L3"]
        assert list(out.dpd) == [10, 0, 0]
        assert list(out.credit_balance) == ["0.00", "0.00", "20.00"]

    def test_custom_bucket_table(self) -> None:
        table = [("current", 0, 0), ("early", 1, 59), ("late", 60, None)]
        assert list(bucket_for(np.array([0, 1, 59, 60, 900]), table)) == \
            ["current", "early", "early", "late", "late"]
        with pytest.raises(ValueError, match="does not cover"):
            bucket_for(np.array([5]), [("M0", 0, 0)])
