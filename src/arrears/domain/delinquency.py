"""Delinquency vocabulary and rules (standard library only).

Days past due, buckets, bucket events, and how payments are applied to a loan's
installments. The daily run computes the same rules set-based in the portfolio engine;
the functions here state them for one loan and are what the tests and the desk's loan
detail use.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

ZERO = Decimal("0.00")

# Bucket events, recorded when a loan's bucket differs from the previous snapshot day.
ENTERED = "entered"            # from current (or not yet seen) into a delinquent bucket
ROLLED_FORWARD = "rolled_forward"  # to a worse delinquent bucket
ROLLED_BACK = "rolled_back"    # to a better, still delinquent bucket
CURED = "cured"                # from a delinquent bucket back to current
EVENT_KINDS = (ENTERED, ROLLED_FORWARD, ROLLED_BACK, CURED)


@dataclass(frozen=True)
class Bucket:
    """A delinquency bucket: ``name`` covers ``min_dpd``..``max_dpd`` (None: no upper end)."""

    name: str
    min_dpd: int
    max_dpd: int | None


DEFAULT_BUCKETS: tuple[Bucket, ...] = (
    Bucket("M0", 0, 0),
    Bucket("M1", 1, 30),
    Bucket("M2", 31, 60),
    Bucket("M3", 61, 90),
    Bucket("M4", 91, 120),
    Bucket("M5", 121, 150),
    Bucket("M6", 151, 180),
    Bucket("M7+", 181, None),
)


class BucketTableError(ValueError):
    """A bucket table with gaps, overlaps, or no open end."""


def check_buckets(buckets: Sequence[Bucket]) -> tuple[Bucket, ...]:
    """A bucket table must start at 0, be contiguous, and end open (``max_dpd`` None)."""
    if not buckets:
        raise BucketTableError("the bucket table is empty")
    expected = 0
    names: set[str] = set()
    for index, bucket in enumerate(buckets):
        if bucket.name in names:
            raise BucketTableError(f"bucket {bucket.name!r} appears twice")
        names.add(bucket.name)
        if bucket.min_dpd != expected:
            raise BucketTableError(
                f"bucket {bucket.name!r} starts at {bucket.min_dpd}, expected {expected}")
        last = index == len(buckets) - 1
        if bucket.max_dpd is None:
            if not last:
                raise BucketTableError(f"only the last bucket may be open-ended ({bucket.name!r})")
            break
        if bucket.max_dpd < bucket.min_dpd:
            raise BucketTableError(f"bucket {bucket.name!r} ends before it starts")
        if last:
            raise BucketTableError(f"the last bucket {bucket.name!r} must have no max_dpd")
        expected = bucket.max_dpd + 1
    return tuple(buckets)


def bucket_for(dpd: int, buckets: Sequence[Bucket] = DEFAULT_BUCKETS) -> str:
    """The bucket a number of days past due falls in."""
    if dpd < 0:
        raise ValueError("dpd cannot be negative")
    for bucket in buckets:
        if dpd >= bucket.min_dpd and (bucket.max_dpd is None or dpd <= bucket.max_dpd):
            return bucket.name
    raise BucketTableError(f"no bucket covers dpd {dpd}")


def bucket_event(previous: str | None, current: str,
                 buckets: Sequence[Bucket] = DEFAULT_BUCKETS) -> str | None:
    """The event between two snapshot days (``previous`` None: the loan was not seen)."""
    order = {b.name: i for i, b in enumerate(buckets)}
    before = order[previous] if previous is not None else 0
    after = order[current]
    if before == after:
        return None
    if before == 0:
        return ENTERED
    if after == 0:
        return CURED
    return ROLLED_FORWARD if after > before else ROLLED_BACK


@dataclass(frozen=True)
class Installment:
    """One scheduled installment of a loan."""

    seq: int
    due_date: date
    principal_due: Decimal
    interest_due: Decimal
    fee_due: Decimal = ZERO

    @property
    def total_due(self) -> Decimal:
        return self.principal_due + self.interest_due + self.fee_due


@dataclass(frozen=True)
class Payment:
    """A payment or a reversal, with its date in the reporting time zone."""

    payment_id: str
    paid_on: date
    amount: Decimal
    kind: str = "payment"
    reverses_payment_id: str | None = None


@dataclass(frozen=True)
class InstallmentState:
    """What an installment received and what remains of it, component by component."""

    installment: Installment
    fee_paid: Decimal
    interest_paid: Decimal
    principal_paid: Decimal

    @property
    def paid(self) -> Decimal:
        return self.fee_paid + self.interest_paid + self.principal_paid

    @property
    def remaining(self) -> Decimal:
        return self.installment.total_due - self.paid

    def is_unpaid(self, tolerance: Decimal = ZERO) -> bool:
        """Unpaid while what remains is above the tolerance."""
        return self.remaining > tolerance


@dataclass(frozen=True)
class LoanDelinquency:
    """A loan's delinquency as of a date (the spec's export, less identifiers)."""

    dpd: int
    bucket: str
    overdue_principal: Decimal
    overdue_interest: Decimal
    overdue_fee: Decimal
    overdue_amount: Decimal
    outstanding_principal: Decimal
    credit_balance: Decimal
    oldest_unpaid_due_date: date | None


def counted_total(payments: Iterable[Payment], *, as_of: date) -> Decimal:
    """The money counted as of ``as_of``: payments on or before it, less those reversed by then."""
    items = list(payments)
    reversed_ids = {p.reverses_payment_id for p in items
                    if p.kind == "reversal" and p.paid_on <= as_of}
    return sum((p.amount for p in items
                if p.kind == "payment" and p.paid_on <= as_of
                and p.payment_id not in reversed_ids), ZERO)


def allocate(installments: Iterable[Installment], paid: Decimal) -> list[InstallmentState]:
    """Apply ``paid`` oldest installment first (due_date, seq); fee, interest, principal.

    Because every counted payment goes to the oldest open installment, only the total
    counted matters: installment k receives clamp(paid - due before k, 0, due of k).
    """
    states = []
    due_before = ZERO
    for inst in sorted(installments, key=lambda i: (i.due_date, i.seq)):
        got = min(max(paid - due_before, ZERO), inst.total_due)
        fee = min(got, inst.fee_due)
        interest = min(got - fee, inst.interest_due)
        states.append(InstallmentState(inst, fee, interest, got - fee - interest))
        due_before += inst.total_due
    return states


def delinquency(installments: Sequence[Installment], payments: Iterable[Payment], *,
                as_of: date, tolerance: Decimal = ZERO,
                buckets: Sequence[Bucket] = DEFAULT_BUCKETS) -> LoanDelinquency:
    """One loan's delinquency as of ``as_of``, exactly as the portfolio spec defines it."""
    paid = counted_total(payments, as_of=as_of)
    states = allocate(installments, paid)
    unpaid = [s for s in states if s.is_unpaid(tolerance)]
    overdue = [s for s in unpaid if s.installment.due_date < as_of]
    dpd = (as_of - overdue[0].installment.due_date).days if overdue else 0
    o_prin = sum((s.installment.principal_due - s.principal_paid for s in overdue), ZERO)
    o_int = sum((s.installment.interest_due - s.interest_paid for s in overdue), ZERO)
    o_fee = sum((s.installment.fee_due - s.fee_paid for s in overdue), ZERO)
    total_due = sum((i.total_due for i in installments), ZERO)
    return LoanDelinquency(
        dpd=dpd,
        bucket=bucket_for(dpd, buckets),
        overdue_principal=o_prin,
        overdue_interest=o_int,
        overdue_fee=o_fee,
        overdue_amount=o_prin + o_int + o_fee,
        outstanding_principal=sum((s.installment.principal_due - s.principal_paid
                                   for s in states), ZERO),
        credit_balance=max(paid - total_due, ZERO),
        oldest_unpaid_due_date=min((s.installment.due_date for s in unpaid), default=None),
    )
