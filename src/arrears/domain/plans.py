"""Repayment plans: installment plans (分期), deferrals (延期), settlements with discount (减免).

The schedule is exact: Decimal cents, the installments sum to the agreed amount, the last
installment takes the rounding, none is negative. Policy limits (months, down payment,
discount by bucket and role) decide what a collector may agree alone and what needs a
second person's approval (maker-checker).

Pure: standard library only.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
KINDS = ("installment", "deferral", "settlement")
ROLE_ORDER = ("collector", "team_lead", "admin")


@dataclass(frozen=True)
class PlanPolicy:
    """What the lender allows, from the ``[plans]`` configuration section."""

    max_months: int = 24
    collector_max_months: int = 12
    min_down_payment_share: Decimal = Decimal("0.10")
    max_deferral_days: int = 90
    collector_max_deferral_days: int = 30
    settlement_max_installments: int = 3
    # role -> bucket -> largest discount share of the basis ("*" is any other bucket).
    max_discount: dict[str, dict[str, Decimal]] = field(default_factory=dict, hash=False)
    grace_days: int = 3

    def discount_limit(self, *, role: str, bucket: str) -> Decimal:
        """The largest discount share ``role`` may grant on ``bucket``."""
        table = self.max_discount.get(role, {})
        return table.get(bucket, table.get("*", ZERO))


@dataclass(frozen=True)
class PlanTerms:
    """What is proposed: kind, the basis it starts from, discount, down payment, months."""

    kind: str
    basis: Decimal
    discount: Decimal
    down_payment: Decimal
    months: int
    first_due_on: date

    @property
    def agreed(self) -> Decimal:
        return self.basis - self.discount


@dataclass(frozen=True)
class ScheduledInstallment:
    seq: int
    due_on: date
    amount: Decimal


@dataclass(frozen=True)
class PolicyCheck:
    """Breaches (the plan is refused) and the reasons it needs a checker's approval."""

    breaches: tuple[str, ...]
    approval_reasons: tuple[str, ...]
    approver_roles: tuple[str, ...]

    @property
    def allowed(self) -> bool:
        return not self.breaches

    @property
    def needs_approval(self) -> bool:
        return bool(self.approval_reasons)


def add_months(start: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    index = start.year * 12 + start.month - 1 + months
    year, month0 = divmod(index, 12)
    day = min(start.day, calendar.monthrange(year, month0 + 1)[1])
    return date(year, month0 + 1, day)


def split_evenly(total: Decimal, parts: int) -> list[Decimal]:
    """``parts`` amounts summing to ``total``: equal cents, the last one takes the rounding."""
    if parts < 1:
        raise ValueError("parts must be at least 1")
    if total < 0:
        raise ValueError("total must not be negative")
    each = (total / parts).quantize(CENT, rounding=ROUND_DOWN)
    amounts = [each] * (parts - 1)
    amounts.append(total - each * (parts - 1))
    return amounts


def build_schedule(terms: PlanTerms) -> tuple[ScheduledInstallment, ...]:
    """The installments of a plan, exact to the cent.

    Down payment (when any) on ``first_due_on``; the rest in ``months`` monthly installments,
    the first of them one month after a down payment or on ``first_due_on`` without one.
    A deferral is one installment of the whole agreed amount on ``first_due_on``.
    """
    agreed = terms.agreed
    if terms.kind == "deferral" or terms.months == 0:
        return (ScheduledInstallment(1, terms.first_due_on, agreed),)
    out: list[ScheduledInstallment] = []
    start = terms.first_due_on
    offset = 0
    if terms.down_payment > 0:
        out.append(ScheduledInstallment(1, start, terms.down_payment))
        offset = 1
    rest = agreed - terms.down_payment
    if rest > 0 or not out:
        for i, amount in enumerate(split_evenly(rest, terms.months)):
            out.append(ScheduledInstallment(len(out) + 1, add_months(start, i + offset), amount))
    return tuple(out)


def _min_role(limit_of: dict[str, Decimal], needed: Decimal) -> tuple[str, ...]:
    return tuple(r for r in ROLE_ORDER if limit_of.get(r, ZERO) >= needed)


def check_terms(policy: PlanPolicy, terms: PlanTerms, *, bucket: str, role: str,
                as_of: date) -> PolicyCheck:
    """Check proposed terms against the policy for a maker of ``role``."""
    breaches: list[str] = []
    approval: list[str] = []
    if terms.kind not in KINDS:
        breaches.append(f"kind must be one of {', '.join(KINDS)}")
    if terms.basis <= 0:
        breaches.append("nothing is owed: the basis must be above zero")
    if terms.discount < 0 or terms.down_payment < 0:
        breaches.append("discount and down payment must not be negative")
    if terms.discount > 0 and terms.kind != "settlement":
        breaches.append("a discount is only allowed in a settlement")
    if terms.first_due_on < as_of:
        breaches.append("the first due date is in the past")
    if terms.down_payment > terms.agreed:
        breaches.append("the down payment is more than the agreed amount")
    share = terms.discount / terms.basis if terms.basis > 0 else ZERO
    limits = {r: policy.discount_limit(role=r, bucket=bucket) for r in ROLE_ORDER}
    if share > max(limits.values(), default=ZERO):
        breaches.append(f"discount {share:.2%} is above the policy maximum for {bucket}")
    elif share > limits.get(role, ZERO):
        approval.append(f"discount {share:.2%} is above the {role} limit "
                        f"{limits.get(role, ZERO):.2%} for {bucket}")
    approvers = _min_role(limits, share)
    breaches += _check_timing(policy, terms, approval if role == "collector" else [],
                              as_of=as_of)
    if terms.kind == "installment" and terms.basis > 0:
        down_share = terms.down_payment / terms.agreed if terms.agreed > 0 else ZERO
        if down_share < policy.min_down_payment_share:
            breaches.append(f"down payment {down_share:.2%} is below the minimum "
                            f"{policy.min_down_payment_share:.2%}")
    if approval and role in ROLE_ORDER:
        higher = ROLE_ORDER[ROLE_ORDER.index(role) + 1:]
        approvers = tuple(r for r in approvers if r in higher) or higher
    return PolicyCheck(tuple(breaches), tuple(approval), approvers if approval else ())


def _check_timing(policy: PlanPolicy, terms: PlanTerms, approval: list[str], *,
                  as_of: date) -> list[str]:
    """Months and deferral days: beyond the policy is refused; beyond a collector's limit
    it needs a checker."""
    breaches: list[str] = []
    if terms.kind == "installment":
        if not 1 <= terms.months <= policy.max_months:
            breaches.append(f"months must be between 1 and {policy.max_months}")
        elif terms.months > policy.collector_max_months:
            approval.append(f"{terms.months} months is above the collector limit "
                            f"{policy.collector_max_months}")
    elif terms.kind == "settlement":
        if not 1 <= terms.months <= policy.settlement_max_installments:
            breaches.append("a settlement is paid in 1 to "
                            f"{policy.settlement_max_installments} installments")
    elif terms.kind == "deferral":
        days = (terms.first_due_on - as_of).days
        if days > policy.max_deferral_days:
            breaches.append(f"deferral of {days} days is above {policy.max_deferral_days}")
        elif days > policy.collector_max_deferral_days:
            approval.append(f"deferral of {days} days is above the collector limit "
                            f"{policy.collector_max_deferral_days}")
    return breaches


@dataclass(frozen=True)
class PlanOption:
    """A plan the policy allows for this account, offered by the desk."""

    kind: str
    months: int
    discount: Decimal
    down_payment: Decimal
    first_due_on: date
    agreed: Decimal
    needs_approval: bool
    installments: tuple[ScheduledInstallment, ...]


def proposal_options(policy: PlanPolicy, *, basis: Decimal, settlement_basis: Decimal,
                     bucket: str, role: str, as_of: date) -> list[PlanOption]:
    """The standard options for an account: installment terms, a deferral, a settlement."""
    first = as_of + timedelta(days=7)
    candidates: list[PlanTerms] = []
    down = (basis * policy.min_down_payment_share).quantize(CENT, rounding="ROUND_UP")
    for months in sorted({3, 6, policy.collector_max_months, policy.max_months}):
        if 1 <= months <= policy.max_months:
            candidates.append(PlanTerms("installment", basis, ZERO, down, months, first))
    days = min(policy.collector_max_deferral_days, policy.max_deferral_days)
    candidates.append(PlanTerms("deferral", basis, ZERO, ZERO, 1, as_of + timedelta(days=days)))
    best = max((policy.discount_limit(role=r, bucket=bucket) for r in ROLE_ORDER), default=ZERO)
    if best > 0 and settlement_basis > 0:
        discount = (settlement_basis * best).quantize(CENT, rounding=ROUND_DOWN)
        candidates.append(PlanTerms("settlement", settlement_basis, discount, ZERO, 1, first))
    out: list[PlanOption] = []
    for terms in candidates:
        check = check_terms(policy, terms, bucket=bucket, role=role, as_of=as_of)
        if check.allowed:
            out.append(PlanOption(terms.kind, terms.months, terms.discount, terms.down_payment,
                                  terms.first_due_on, terms.agreed, check.needs_approval,
                                  build_schedule(terms)))
    return out


@dataclass(frozen=True)
class InstallmentProgress:
    seq: int
    status: str  # open, kept, broken
    paid: Decimal


def track_installments(schedule: tuple[ScheduledInstallment, ...], *, paid_by: dict[date, Decimal],
                       grace_days: int, as_of: date) -> tuple[InstallmentProgress, ...]:
    """Kept or broken, installment by installment, from money paid since the plan started.

    ``paid_by`` maps each installment's cut-off (due date + grace) to what was paid towards
    the plan up to that day. An installment is kept once everything due up to and including
    it is paid; broken when its cut-off passed short of that; open before.
    """
    out: list[InstallmentProgress] = []
    cumulative_due = ZERO
    for item in schedule:
        cumulative_due += item.amount
        cutoff = item.due_on + timedelta(days=grace_days)
        paid = paid_by.get(min(cutoff, as_of), ZERO)
        towards = max(ZERO, min(item.amount, paid - (cumulative_due - item.amount)))
        if paid >= cumulative_due:
            status = "kept"
        elif as_of > cutoff:
            status = "broken"
        else:
            status = "open"
        out.append(InstallmentProgress(item.seq, status, towards))
    return tuple(out)


def split_components(amount: Decimal, *, fee: Decimal, interest: Decimal
                     ) -> tuple[Decimal, Decimal, Decimal]:
    """(principal, interest, fee) of an amount applied fee first, then interest, then principal."""
    fee_part = min(amount, max(ZERO, fee))
    interest_part = min(amount - fee_part, max(ZERO, interest))
    return amount - fee_part - interest_part, interest_part, fee_part


def allocate_pro_rata(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split ``total`` by ``weights`` to the cent with largest remainders: sums exactly."""
    whole = sum(weights, ZERO)
    if whole <= 0:
        return [total] + [ZERO] * (len(weights) - 1) if weights else []
    raw = [total * w / whole for w in weights]
    floors = [r.quantize(CENT, rounding=ROUND_DOWN) for r in raw]
    left = int((total - sum(floors, ZERO)) / CENT)
    order = sorted(range(len(raw)), key=lambda i: (raw[i] - floors[i], -i), reverse=True)
    for i in order[:left]:
        floors[i] += CENT
    return floors
