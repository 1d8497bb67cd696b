"""Money paid in windows (promises, plans, allocation, champion/challenger): what the
engine sums equals the windows' payments counted one by one from the whole book."""

from __future__ import annotations

import random
from contextlib import closing
from datetime import date, timedelta
from decimal import Decimal

import pytest

from arrears.services.promises import paid_in_windows
from tests.integration.portfolio_books import generated_app

BOOK_DAY = date(2026, 3, 31)


@pytest.fixture(scope="module")
def book(tmp_path_factory):  # type: ignore[no-untyped-def]
    with closing(generated_app(tmp_path_factory.mktemp("paid-windows"), loans=400, seed=11,
                               as_of=BOOK_DAY)) as app:
        yield app


def _payments(app):  # type: ignore[no-untyped-def]
    """Every payment of the book: (payment id, loan, customer, day, amount, reversed or
    not), and the payments table."""
    con = app.portfolio()
    pay = con.table("payments").to_pandas()
    owner = dict(zip(*(con.table("loans").select("loan_id", "customer_id").to_pandas()[c]
                       for c in ("loan_id", "customer_id")), strict=True))
    reversed_ids = set(pay.loc[pay["kind"] == "reversal", "reverses_payment_id"])
    rows = pay[pay["kind"] != "reversal"]
    return [(r.payment_id, r.loan_id, owner[r.loan_id], r.paid_on, Decimal(str(r.amount)),
             r.payment_id in reversed_ids) for r in rows.itertuples()], pay


def _expected(payments, windows, by):  # type: ignore[no-untyped-def]
    out: dict[str, Decimal] = {}
    for key, ident, first, last in windows:
        for _pid, loan, customer, day, amount, reversed_ in payments:
            if (loan if by == "loan_id" else customer) == ident and first <= day <= last \
                    and not reversed_:
                out[key] = out.get(key, Decimal("0")) + amount
    return {k: v.quantize(Decimal("0.01")) for k, v in out.items()}


@pytest.mark.parametrize("by", ["loan_id", "customer_id"])
def test_windows_sum_what_the_whole_book_says(book, by) -> None:  # type: ignore[no-untyped-def]
    payments, pay = _payments(book)
    days = sorted({p[3] for p in payments})
    rng = random.Random(7)
    windows = []
    for i in range(120):
        p = rng.choice(payments)
        first = rng.choice(days)
        last = first + timedelta(days=rng.choice([0, 3, 30, 400]))
        # a key naming two ids, and windows of one day, a month and more than a year
        windows.append((f"w{i % 100}", p[1] if by == "loan_id" else p[2], first, last))
    # reversed payments whose reversal is dated after the window's end: still left out
    reversals = pay[pay["kind"] == "reversal"]
    by_id = {p[0]: p for p in payments}
    late = [(by_id[r.reverses_payment_id], r.paid_on) for r in reversals.itertuples()
            if r.paid_on > by_id[r.reverses_payment_id][3]]
    assert late, "the book has reversals dated after the payment they cancel"
    for j, (p, _reversed_on) in enumerate(late[:20]):
        windows.append((f"r{j}", p[1] if by == "loan_id" else p[2], p[3], p[3]))
    got = paid_in_windows(book, windows, by=by)
    assert got == _expected(payments, windows, by)
    assert any(k.startswith("w") and v > 0 for k, v in got.items())
    # alone, each of those windows spans one day before its payment's reversal
    for window in windows[-min(len(late), 20):]:
        assert paid_in_windows(book, [window], by=by) == _expected(payments, [window], by)
