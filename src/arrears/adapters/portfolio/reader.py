"""Short-lived, read-only access to the portfolio engine for the desk.

DuckDB lets no second process open a file while a writer holds it, so the desk never
keeps a connection: each call opens the engine read-only, reads, and closes it. The
installments come with what each has received and what remains as of the latest run
(or the ``as_of`` asked for), by the same rule the daily run applies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import ibis

from arrears.adapters.portfolio import delinquency as dq


@dataclass
class LoanDetail:
    """A set of loans' installments (with paid and remaining) and payments."""

    as_of: date | None
    installments: list[dict[str, Any]] = field(default_factory=list)
    payments: list[dict[str, Any]] = field(default_factory=list)


def _connect(url: str) -> Any:
    if url.startswith("duckdb://"):
        return ibis.duckdb.connect(url[len("duckdb://"):], read_only=True)
    return ibis.connect(url)


def _url_and_tolerance(app_or_url: Any) -> tuple[str, Decimal]:
    if isinstance(app_or_url, str):
        return app_or_url, Decimal("0.00")
    from arrears.services.business_settings import business_settings

    return (app_or_url.settings.resolved_portfolio_url(),
            business_settings(app_or_url).tolerance)


def loan_detail(app_or_url: Any = None, loan_ids: Sequence[str] = (), *, app: Any = None,
                as_of: date | None = None) -> LoanDetail:
    """Installments and payments of ``loan_ids``, read on a connection of its own."""
    url, tolerance = _url_and_tolerance(app if app is not None else app_or_url)
    ids = [str(i) for i in loan_ids]
    if not ids:
        return LoanDetail(as_of=as_of)
    owner = app if app is not None else app_or_url
    shared = getattr(owner, "_portfolio", None)  # this process already holds the engine
    backend = shared if shared is not None else _connect(url)
    try:
        day = as_of or _latest_day(backend)
        return LoanDetail(as_of=day, installments=_installments(backend, ids, day, tolerance),
                          payments=_payments(backend, ids))
    finally:
        if shared is None:
            backend.disconnect()


def _latest_day(backend: Any) -> date | None:
    try:
        snapshots = backend.table("delinquency_snapshots")
    except Exception:  # noqa: BLE001 - no daily run yet
        return None
    value = snapshots.as_of.max().execute()
    return None if value is None else _as_date(value)


def _as_date(value: Any) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def _installments(backend: Any, ids: list[str], day: date | None,
                  tolerance: Decimal) -> list[dict[str, Any]]:
    inst = backend.table("installments").filter(ibis._.loan_id.isin(ids))
    pays = backend.table("payments").filter(ibis._.loan_id.isin(ids))
    paid = dq.counted_paid(pays, as_of=day or date.max)
    states = dq.installment_states(inst, paid, as_of=day or date.max, tolerance=tolerance)
    expr = states.select(
        "loan_id", "seq", "due_date", "principal_due", "interest_due", "fee_due",
        total_due="due", paid="got", fee_paid="fee_paid", interest_paid="interest_paid",
        principal_paid="principal_paid", remaining="remaining", unpaid="unpaid",
        overdue="overdue").order_by(["loan_id", "due_date", "seq"])
    return _rows(backend.to_pyarrow(expr))


def _payments(backend: Any, ids: list[str]) -> list[dict[str, Any]]:
    pays = backend.table("payments")
    expr = (pays.filter(pays.loan_id.isin(ids))
            .select("loan_id", "payment_id", "paid_at_utc", "paid_on", "amount", "kind",
                    "reverses_payment_id", "channel")
            .order_by(["loan_id", "paid_at_utc", "payment_id"]))
    return _rows(backend.to_pyarrow(expr))


def _rows(arrow: Any) -> list[dict[str, Any]]:
    return arrow.to_pylist()
