"""Promises to pay: kept, partly kept or broken from the money paid.

A promise counts the payments of the case's loans from the day it was made up to its due
date plus the grace days. It is *kept* as soon as that money reaches the promised amount;
once the grace has passed, it is *partly kept* when some money came (at least the
configured share), else *broken*. Pure: standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

ZERO = Decimal("0.00")
OPEN_STATES = ("open",)
FINAL_STATES = ("kept", "partly_kept", "broken", "cancelled")


@dataclass(frozen=True)
class PromiseTerms:
    promise_id: int
    amount: Decimal
    made_on: date
    due_on: date


@dataclass(frozen=True)
class PromiseOutcome:
    promise_id: int
    status: str  # open, kept, partly_kept, broken
    paid: Decimal
    resolved_on: date | None


def promise_window(terms: PromiseTerms, *, grace_days: int, as_of: date) -> tuple[date, date]:
    """The days whose payments count towards the promise, as of ``as_of``."""
    return terms.made_on, min(as_of, terms.due_on + timedelta(days=grace_days))


def evaluate_promise(terms: PromiseTerms, *, paid: Decimal, grace_days: int, as_of: date,
                     partly_kept_min_share: Decimal = Decimal("0")) -> PromiseOutcome:
    """The promise's status on ``as_of`` given what was paid inside its window."""
    if paid >= terms.amount:
        return PromiseOutcome(terms.promise_id, "kept", paid, as_of)
    cutoff = terms.due_on + timedelta(days=grace_days)
    if as_of <= cutoff:
        return PromiseOutcome(terms.promise_id, "open", paid, None)
    if paid > 0 and paid >= terms.amount * partly_kept_min_share:
        return PromiseOutcome(terms.promise_id, "partly_kept", paid, as_of)
    return PromiseOutcome(terms.promise_id, "broken", paid, as_of)


def validate_promise(*, amount: Decimal, due_on: date, as_of: date, max_days: int) -> list[str]:
    """Why a new promise is refused (empty when it is fine)."""
    problems = []
    if amount <= 0:
        problems.append("amount must be above zero")
    if due_on < as_of:
        problems.append("due date is in the past")
    elif (due_on - as_of).days > max_days:
        problems.append(f"due date is more than {max_days} days away")
    return problems
