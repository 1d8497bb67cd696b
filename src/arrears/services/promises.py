"""Promises to pay: make, cancel, and the daily check kept / partly kept / broken.

Payments come from the portfolio engine (``payments``: ``loan_id``, ``paid_on`` local date,
``amount``, ``kind``, ``reverses_payment_id``), summed set-based through Ibis over one
window per promise. A broken promise gets a follow-up task; the strategy step escalates
the case on its ladder.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from arrears.adapters.db.tables import CollectionCase, Promise, Task
from arrears.domain.promises import PromiseTerms, evaluate_promise, promise_window
from arrears.domain.promises import validate_promise as promise_problems
from arrears.errors import Conflict, InvalidInput, NotFound
from arrears.services.audit import append_audit

ZERO = Decimal("0.00")


class PromiseSettings(BaseModel):
    """``[promises]``: grace days after the due date, and what counts as partly kept."""

    grace_days: int = Field(default=2, ge=0, le=30)
    partly_kept_min_share: Decimal = Field(default=Decimal("0"), ge=0, le=1)
    max_days_ahead: int = Field(default=30, ge=1, le=365)


class PromiseRefused(InvalidInput):
    code = "promise_refused"


class PromiseConflict(Conflict):
    code = "promise_conflict"


def promise_settings(app: Any) -> PromiseSettings:
    return app.business.section("promises", PromiseSettings)  # type: ignore[no-any-return]


def reporting_zone(app: Any) -> ZoneInfo:
    """The reporting time zone of the business configuration (Asia/Shanghai by default)."""
    return ZoneInfo(app.business.raw("business").get("reporting_timezone", "Asia/Shanghai"))


def local_date(at: datetime, zone: ZoneInfo) -> date:
    """The local calendar day of an instant (naive values from the store are UTC)."""
    from datetime import UTC

    aware = at.replace(tzinfo=UTC) if at.tzinfo is None else at
    return aware.astimezone(zone).date()


def paid_in_windows(app: Any, windows: list[tuple[str, str, date, date]], *,
                    by: str = "loan_id") -> dict[str, Decimal]:
    """Money paid per window key, set-based in the portfolio engine.

    ``windows`` rows are ``(key, id, first_day, last_day)`` where ``id`` is a loan id, or a
    customer id with ``by="customer_id"`` (all of that customer's loans). A key may name
    several ids. Payments cancelled by a reversal are left out. No ``payments`` table yet
    means nothing paid.
    """
    if not windows:
        return {}
    import ibis
    import pyarrow as pa
    from ibis.common.exceptions import TableNotFound

    con = app.portfolio()
    try:
        pay = con.table("payments")
    except TableNotFound:
        return {}
    win = ibis.memtable(pa.table({
        "wkey": pa.array([w[0] for w in windows], pa.string()),
        by: pa.array([w[1] for w in windows], pa.string()),
        "first_day": pa.array([w[2] for w in windows], pa.date32()),
        "last_day": pa.array([w[3] for w in windows], pa.date32())}))
    reversals = pay.filter(pay.kind == "reversal").select(rid=pay.reverses_payment_id)
    # Only payments dated within some window can count: the rest of the book's history
    # is left out before the joins (a reversal cancels its payment whenever it is dated).
    first, last = min(w[2] for w in windows), max(w[3] for w in windows)
    valid = pay.filter((pay.kind.isnull() | (pay.kind != "reversal"))
                       & pay.paid_on.between(ibis.literal(first), ibis.literal(last)))
    valid = valid.anti_join(reversals, valid.payment_id == reversals.rid)
    valid = valid.select("loan_id", "paid_on", "amount")
    if by == "customer_id":
        loans = con.table("loans").select("loan_id", "customer_id")
        valid = valid.join(loans, "loan_id").select("customer_id", "paid_on", "amount")
    joined = win.join(valid, by).filter(
        lambda t: (t.paid_on >= t.first_day) & (t.paid_on <= t.last_day))
    frame = joined.group_by("wkey").aggregate(paid=joined.amount.sum()).to_pyarrow()
    return {k: Decimal(str(v)).quantize(ZERO)
            for k, v in zip(frame["wkey"].to_pylist(), frame["paid"].to_pylist(), strict=True)
            if v is not None}


def case_customers(session: Session, case_ids: list[int]) -> dict[int, str]:
    """The customer of each case: a case's payments are its customer's loans' payments."""
    out: dict[int, str] = {}
    for chunk in _chunks(sorted(set(case_ids))):
        out.update(session.execute(select(CollectionCase.case_id, CollectionCase.customer_id)
                                   .where(CollectionCase.case_id.in_(chunk))).all())
    return out


def _chunks(values: list[Any], size: int = 900) -> list[list[Any]]:
    return [values[i:i + size] for i in range(0, len(values), size)] or [[]]


def make_promise(session: Session, *, app: Any, case_id: int, amount: Decimal, due_on: date,
                 user_id: int | None, actor: str, at: datetime, as_of: date,
                 attempt_id: int | None = None) -> Promise:
    """Record a promise to pay on an open case; one open promise per case."""
    case = session.get(CollectionCase, case_id)
    if case is None or case.status != "open":
        raise NotFound(f"no open case {case_id}", field="case_id")
    cfg = promise_settings(app)
    problems = promise_problems(amount=amount, due_on=due_on, as_of=as_of,
                                max_days=cfg.max_days_ahead)
    if problems:
        field = "amount" if problems[0].startswith("amount") else "due_on"
        raise PromiseRefused(f"promise refused: {'; '.join(problems)}", field=field)
    open_one = session.scalar(select(Promise).where(Promise.case_id == case_id,
                                                    Promise.status == "open"))
    if open_one is not None:
        raise PromiseConflict(f"case {case_id} already has an open promise due "
                              f"{open_one.due_on}; cancel it first", field="case_id")
    promise = Promise(case_id=case_id, attempt_id=attempt_id, user_id=user_id, created_at=at,
                      amount=amount, currency=case.currency, due_on=due_on, status="open",
                      paid_amount=ZERO)
    session.add(promise)
    session.flush()
    append_audit(session, actor=actor, action="promise.made", object_type="promise",
                 object_id=promise.promise_id,
                 detail={"case_id": case_id, "amount": str(amount), "due_on": str(due_on)}, at=at)
    return promise


def cancel_promise(session: Session, *, promise_id: int, actor: str, reason: str, at: datetime,
                   as_of: date) -> Promise:
    """Cancel an open promise (the customer withdrew it, or it was recorded in error)."""
    promise = session.get(Promise, promise_id)
    if promise is None:
        raise NotFound(f"no promise {promise_id}", field="promise_id")
    if promise.status != "open":
        raise PromiseConflict(f"promise {promise_id} is already {promise.status}")
    if not reason.strip():
        raise PromiseRefused("give a reason to cancel a promise", field="reason")
    promise.status = "cancelled"
    promise.resolved_on = as_of
    append_audit(session, actor=actor, action="promise.cancelled", object_type="promise",
                 object_id=promise_id, detail={"reason": reason[:200]}, at=at)
    return promise


@dataclass(frozen=True)
class PromiseCheck:
    checked: int
    kept: int
    partly_kept: int
    broken: int
    tasks: int


def check_promises(session: Session, *, app: Any, as_of: date) -> PromiseCheck:
    """Mark open promises kept, partly kept or broken as of ``as_of``; follow up broken ones."""
    from arrears.services.allocation import TaskSpec, ensure_tasks

    cfg = promise_settings(app)
    zone = reporting_zone(app)
    open_promises = [p for p in session.scalars(select(Promise).where(Promise.status == "open"))
                     if local_date(p.created_at, zone) <= as_of]
    customers = case_customers(session, [p.case_id for p in open_promises])
    terms = {p.promise_id: PromiseTerms(p.promise_id, p.amount, local_date(p.created_at, zone),
                                        p.due_on) for p in open_promises}
    windows = [(str(p.promise_id), customers[p.case_id],
                *promise_window(terms[p.promise_id], grace_days=cfg.grace_days, as_of=as_of))
               for p in open_promises]
    paid = paid_in_windows(app, windows, by="customer_id")
    counts: dict[str, int] = defaultdict(int)
    follow_ups: list[TaskSpec] = []
    assignees = _assignees(session, [p.case_id for p in open_promises])
    for p in open_promises:
        out = evaluate_promise(terms[p.promise_id], paid=paid.get(str(p.promise_id), ZERO),
                               grace_days=cfg.grace_days, as_of=as_of,
                               partly_kept_min_share=cfg.partly_kept_min_share)
        p.paid_amount = out.paid
        if out.status == "open":
            continue
        p.status, p.resolved_on = out.status, out.resolved_on
        counts[out.status] += 1
        if out.status in ("broken", "partly_kept"):
            follow_ups.append(TaskSpec(
                case_id=p.case_id, kind=f"promise_{out.status}", due_on=as_of,
                assigned_to=assignees.get(p.case_id),
                source_key=f"promise:{p.promise_id}:{out.status}",
                detail={"promise_id": p.promise_id, "amount": str(p.amount),
                        "paid": str(out.paid), "due_on": str(p.due_on)}))
    _close_due_tasks(session, [p.promise_id for p in open_promises if p.status != "open"])
    made = ensure_tasks(session, follow_ups)
    return PromiseCheck(len(open_promises), counts["kept"], counts["partly_kept"],
                        counts["broken"], made)


def _assignees(session: Session, case_ids: list[int]) -> dict[int, int | None]:
    out: dict[int, int | None] = {}
    for chunk in _chunks(sorted(set(case_ids))):
        for cid, user in session.execute(select(CollectionCase.case_id,
                                                CollectionCase.assigned_to)
                                         .where(CollectionCase.case_id.in_(chunk))):
            out[cid] = user
    return out


def _close_due_tasks(session: Session, promise_ids: list[int]) -> None:
    """A resolved promise needs no due-date reminder any more."""
    keys = [f"promise:{pid}:due" for pid in promise_ids]
    for chunk in _chunks(keys):
        session.execute(update(Task).where(Task.source_key.in_(chunk), Task.status == "open")
                        .values(status="done"))
