"""The delinquency vocabulary, the one-loan rules, masking and the [business] settings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from arrears.domain.delinquency import (
    Bucket,
    BucketTableError,
    Installment,
    Payment,
    allocate,
    bucket_event,
    bucket_for,
    check_buckets,
    delinquency,
)
from arrears.domain.masking import (
    mask_address,
    mask_email,
    mask_name,
    mask_national_id,
    mask_phone,
)
from arrears.services.business_settings import BusinessSettings

D = Decimal


def inst(seq: int, due: str, principal: str, interest: str = "0", fee: str = "0") -> Installment:
    return Installment(seq, date.fromisoformat(due), D(principal), D(interest), D(fee))


def pay(pid: str, on: str, amount: str, kind: str = "payment",
        reverses: str | None = None) -> Payment:
    return Payment(pid, date.fromisoformat(on), D(amount), kind, reverses)


class TestBucketFor:
    @pytest.mark.parametrize(("dpd", "bucket"), [
        (0, "M0"), (1, "M1"), (30, "M1"), (31, "M2"), (60, "M2"), (61, "M3"), (90, "M3"),
        (91, "M4"), (120, "M4"), (121, "M5"), (150, "M5"), (151, "M6"), (180, "M6"),
        (181, "M7+"), (5000, "M7+"),
    ])
    def test_default_table(self, dpd: int, bucket: str) -> None:
        assert bucket_for(dpd) == bucket

    def test_negative_dpd_is_refused(self) -> None:
        with pytest.raises(ValueError):
            bucket_for(-1)

    @pytest.mark.parametrize("table", [
        [Bucket("A", 1, None)],
        [Bucket("A", 0, 0), Bucket("B", 2, None)],
        [Bucket("A", 0, 5), Bucket("B", 6, 9)],
        [Bucket("A", 0, None), Bucket("B", 1, None)],
    ])
    def test_broken_tables_are_refused(self, table: list[Bucket]) -> None:
        with pytest.raises(BucketTableError):
            check_buckets(table)


class TestBucketEvent:
    @pytest.mark.parametrize(("before", "after", "kind"), [
        (None, "M1", "entered"), ("M0", "M2", "entered"), ("M1", "M2", "rolled_forward"),
        ("M3", "M1", "rolled_back"), ("M4", "M0", "cured"), ("M1", "M1", None),
        ("M0", "M0", None), (None, "M0", None),
    ])
    def test_kinds(self, before: str | None, after: str, kind: str | None) -> None:
        assert bucket_event(before, after) == kind


SCHEDULE = [inst(1, "2026-01-01", "100", "10", "5"), inst(2, "2026-02-01", "100", "8"),
            inst(3, "2026-03-01", "100", "4")]


class TestAllocate:
    def test_partial_payment_goes_fee_then_interest_then_principal(self) -> None:
        first = allocate(SCHEDULE, D("12"))[0]
        assert (first.fee_paid, first.interest_paid, first.principal_paid) == (
            D("5"), D("7"), D("0"))

    def test_oldest_installment_first_whatever_the_order_given(self) -> None:
        states = allocate(list(reversed(SCHEDULE)), D("120"))
        assert [s.installment.seq for s in states] == [1, 2, 3]
        assert [s.paid for s in states] == [D("115"), D("5"), D("0")]

    def test_same_due_date_orders_by_seq(self) -> None:
        twins = [inst(2, "2026-01-01", "50"), inst(1, "2026-01-01", "50")]
        assert [s.paid for s in allocate(twins, D("60"))] == [D("50"), D("10")]


class TestDelinquency:
    def test_due_today_is_not_past_due(self) -> None:
        assert delinquency(SCHEDULE, [], as_of=date(2026, 1, 1)).dpd == 0

    def test_one_day_after_due(self) -> None:
        result = delinquency(SCHEDULE, [], as_of=date(2026, 1, 2))
        assert (result.dpd, result.bucket, result.overdue_amount) == (1, "M1", D("115"))
        assert (result.overdue_fee, result.overdue_interest) == (D("5"), D("10"))

    def test_prepayment_and_credit_balance(self) -> None:
        result = delinquency(SCHEDULE, [pay("P1", "2025-12-20", "400")], as_of=date(2026, 5, 1))
        assert (result.dpd, result.outstanding_principal, result.credit_balance) == (
            0, D("0"), D("73"))
        assert result.oldest_unpaid_due_date is None

    def test_payment_after_as_of_does_not_count(self) -> None:
        result = delinquency(SCHEDULE, [pay("P1", "2026-01-03", "115")], as_of=date(2026, 1, 2))
        assert result.dpd == 1

    def test_reversal_counts_from_its_own_date(self) -> None:
        payments = [pay("P1", "2026-01-01", "115"),
                    pay("R1", "2026-01-10", "115", "reversal", "P1")]
        assert delinquency(SCHEDULE, payments, as_of=date(2026, 1, 9)).dpd == 0
        assert delinquency(SCHEDULE, payments, as_of=date(2026, 1, 10)).dpd == 9

    def test_tolerance_treats_a_small_remainder_as_paid(self) -> None:
        payments = [pay("P1", "2026-01-01", "114.50")]
        assert delinquency(SCHEDULE, payments, as_of=date(2026, 1, 5)).dpd == 4
        settled = delinquency(SCHEDULE, payments, as_of=date(2026, 1, 5), tolerance=D("0.50"))
        assert (settled.dpd, settled.overdue_amount) == (0, D("0"))
        assert settled.oldest_unpaid_due_date == date(2026, 2, 1)


class TestMasking:
    def test_phone(self) -> None:
        assert mask_phone("13812345678") == "138****5678"
        assert mask_phone("+8613812345678") == "+86 138****5678"

    def test_national_id(self) -> None:
        assert mask_national_id("37020219800101123X") == "3702**********123X"

    def test_name(self) -> None:
        assert mask_name("张伟") == "张*"
        assert mask_name("John Smith") == "J*** S****"

    def test_address_keeps_the_district(self) -> None:
        assert mask_address("山东省青岛市市南区香港中路10号") == "山东省青岛市市南区****"

    def test_email(self) -> None:
        assert mask_email("zw@example.com") == "z*@example.com"


class TestBusinessSettings:
    def test_defaults(self) -> None:
        settings = BusinessSettings()
        assert (settings.reporting_timezone, settings.tolerance, settings.case_open_dpd) == (
            "Asia/Shanghai", D("0.00"), 1)
        assert settings.bucket_table()[-1] == Bucket("M7+", 181, None)

    @pytest.mark.parametrize("data", [
        {"reporting_timezone": "Mars/Olympus"},
        {"tolerance": "-1"},
        {"case_open_dpd": 0},
        {"buckets": [{"name": "M0", "min_dpd": 0, "max_dpd": 0}, {"name": "M1", "min_dpd": 2}]},
    ])
    def test_bad_values_are_refused(self, data: dict[str, object]) -> None:
        with pytest.raises(ValueError):
            BusinessSettings.model_validate(data)
