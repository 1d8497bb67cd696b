"""Allocation (分案): collectors' skills and capacity, agency placements and their results,
and follow-up tasks. The daily allocation itself is ``allocation_day``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from arrears.adapters.db.tables import (
    Agency,
    CollectionCase,
    ContactAttempt,
    Promise,
    Task,
    User,
)
from arrears.adapters.db.tables_strategy import (
    AgencyPlacement,
    CollectorProfile,
    PlanInstallment,
    RepaymentPlan,
)
from arrears.domain.allocation import (
    AgencyInfo,
    Collector,
    agency_eligible,
)
from arrears.errors import InvalidInput, NotFound

ZERO = Decimal("0.00")
WORKING_ROLES = ("collector", "team_lead")


class AllocationSettings(BaseModel):
    """``[allocation]``: default capacity of a collector (open cases on their book)."""

    default_capacity: int = Field(default=200, ge=1, le=100000)


@dataclass(frozen=True)
class TaskSpec:
    """A follow-up task to create once (``source_key`` is unique)."""

    case_id: int
    kind: str
    due_on: date
    source_key: str
    assigned_to: int | None = None
    due_at: datetime | None = None
    detail: dict[str, Any] = field(default_factory=dict)


def ensure_tasks(session: Session, specs: list[TaskSpec]) -> int:
    """Insert the tasks whose source key is new; returns how many were created."""
    if not specs:
        return 0
    unique = {s.source_key: s for s in specs}
    keys = list(unique)
    existing: set[str] = set()
    for i in range(0, len(keys), 900):
        existing |= set(session.scalars(select(Task.source_key)
                                        .where(Task.source_key.in_(keys[i:i + 900]))))
    rows = [{"case_id": s.case_id, "kind": s.kind, "due_on": s.due_on, "due_at": s.due_at,
             "assigned_to": s.assigned_to, "status": "open", "detail": s.detail,
             "source_key": s.source_key} for k, s in unique.items() if k not in existing]
    if rows:
        session.execute(insert(Task), rows)
    return len(rows)


def allocation_settings(app: Any) -> AllocationSettings:
    return app.business.section("allocation", AllocationSettings)  # type: ignore[no-any-return]


def load_collectors(session: Session, *, default_capacity: int) -> list[Collector]:
    """Active collectors and team leads with their skills and capacity."""
    rows = session.execute(
        select(User.user_id, User.team_id, User.languages, User.role, User.active,
               CollectorProfile.buckets, CollectorProfile.capacity)
        .outerjoin(CollectorProfile, CollectorProfile.user_id == User.user_id)
        .where(User.role.in_(WORKING_ROLES), User.agency_id.is_(None)))
    out = []
    for uid, team, langs, role, active, buckets, capacity in rows:
        out.append(Collector(
            user_id=uid, team=team, role=role, active=bool(active),
            languages=frozenset(x.strip() for x in (langs or "").split(",") if x.strip()),
            buckets=frozenset(x.strip() for x in (buckets or "").split(",") if x.strip()),
            capacity=capacity or default_capacity))
    return out


def set_collector_profile(session: Session, *, user_id: int, buckets: list[str] | None,
                          capacity: int) -> CollectorProfile:
    """Set a collector's bucket skills and capacity."""
    if session.get(User, user_id) is None:
        raise NotFound(f"no user {user_id}", field="user_id")
    if capacity < 1:
        raise InvalidInput("capacity must be at least 1", field="capacity")
    profile = session.get(CollectorProfile, user_id) or CollectorProfile(user_id=user_id)
    profile.buckets = ",".join(buckets) if buckets else None
    profile.capacity = capacity
    session.add(profile)
    return profile


def _agency_infos(session: Session) -> list[AgencyInfo]:
    return [AgencyInfo(a.agency_id, bool(a.whitelisted), a.last_evaluated_on)
            for a in session.scalars(select(Agency))]


def _recall(session: Session, placement: AgencyPlacement, *, as_of: date, reason: str) -> None:
    placement.status = "recalled"
    placement.recalled_on = as_of
    placement.recall_reason = reason


def recall_placement(session: Session, *, placement_id: int, reason: str, as_of: date) -> None:
    """Recall a placement by hand (the case goes back to the team queue)."""
    p = session.get(AgencyPlacement, placement_id)
    if p is None or p.status != "placed":
        raise NotFound(f"no open placement {placement_id}", field="placement_id")
    _recall(session, p, as_of=as_of, reason=reason or "recalled by a supervisor")
    case = session.get(CollectionCase, p.case_id)
    if case is not None and case.agency_id == p.agency_id:
        case.agency_id = None


@dataclass(frozen=True)
class AgencyResult:
    agency_id: str
    eligible: bool
    why: str
    placed: int
    active: int
    recalled: int
    overdue_placed: Decimal
    recovered: Decimal


def agency_results(session: Session, *, app: Any, as_of: date) -> list[AgencyResult]:
    """Per agency: cases placed, still active, recalled, and money recovered while placed."""
    from arrears.services.promises import case_customers, paid_in_windows

    placements = list(session.scalars(select(AgencyPlacement)
                                      .where(AgencyPlacement.placed_on <= as_of)))
    customers = case_customers(session, [p.case_id for p in placements])
    windows = [(str(p.placement_id), customers[p.case_id], p.placed_on,
                min(p.recalled_on or as_of, as_of)) for p in placements]
    paid = paid_in_windows(app, windows, by="customer_id")
    for p in placements:
        p.recovered = paid.get(str(p.placement_id), ZERO)
    out = []
    for info in _agency_infos(session):
        mine = [p for p in placements if p.agency_id == info.agency_id]
        ok, why = agency_eligible(info, as_of=as_of)
        out.append(AgencyResult(
            info.agency_id, ok, why, len(mine), sum(p.status == "placed" for p in mine),
            sum(p.status == "recalled" for p in mine),
            sum((p.overdue_at_placement for p in mine), ZERO),
            sum((p.recovered for p in mine), ZERO)))
    return out


def workload(session: Session) -> list[tuple[int, str | None, int]]:
    """(user_id, team, open cases) per collector, for the fairness view."""
    rows = session.execute(select(CollectionCase.assigned_to, CollectionCase.team_id,
                                  func.count()).where(CollectionCase.status == "open",
                                                      CollectionCase.assigned_to.is_not(None))
                           .group_by(CollectionCase.assigned_to, CollectionCase.team_id))
    return [(u, t, n) for u, t, n in rows]


CALLBACK_RESULTS = ("callback", "callback_requested")


@dataclass(frozen=True)
class FollowUps:
    callbacks: int
    promise_due: int
    installments_due: int
    reassigned: int


def _owners(session: Session, case_ids: set[int]) -> dict[int, int | None]:
    """The collector of each of these cases that is open (closed ones are left out)."""
    cases = CollectionCase.__table__
    ids = sorted(case_ids)
    out: dict[int, int | None] = {}
    for i in range(0, len(ids), 900):
        out |= dict(session.connection().execute(
            select(cases.c.case_id, cases.c.assigned_to)
            .where(cases.c.case_id.in_(ids[i:i + 900]), cases.c.status == "open")).all())
    return out


def schedule_follow_ups(session: Session, *, app: Any, as_of: date,
                        lookback_days: int = 7) -> FollowUps:
    """Callbacks, promise due dates and plan installments become tasks on their day.

    Each task is made once (unique source key) and follows the case to its collector.
    Only the due items are read (by date), then the collectors of their open cases.
    """
    from arrears.services.promises import local_date, reporting_zone

    zone = reporting_zone(app)
    conn = session.connection()
    since = datetime.combine(as_of - timedelta(days=lookback_days), time(0), zone)
    attempts, promises = ContactAttempt.__table__, Promise.__table__
    plans, installments = RepaymentPlan.__table__, PlanInstallment.__table__
    called = conn.execute(select(attempts.c.attempt_id, attempts.c.case_id, attempts.c.at)
                          .where(attempts.c.result.in_(CALLBACK_RESULTS),
                                 attempts.c.at >= since)
                          .order_by(attempts.c.at, attempts.c.attempt_id)).all()
    promised = conn.execute(select(promises.c.promise_id, promises.c.case_id,
                                   promises.c.due_on, promises.c.amount)
                            .where(promises.c.status == "open", promises.c.due_on <= as_of)
                            .order_by(promises.c.due_on, promises.c.promise_id)).all()
    due = conn.execute(select(installments.c.plan_id, installments.c.seq, plans.c.case_id,
                              installments.c.due_on, installments.c.amount)
                       .join(plans, plans.c.plan_id == installments.c.plan_id)
                       .where(plans.c.status == "active", installments.c.status == "open",
                              installments.c.due_on <= as_of)
                       .order_by(installments.c.plan_id, installments.c.seq)).all()
    owner = _owners(session, {r.case_id for rows in (called, promised, due) for r in rows})
    callbacks = [TaskSpec(case_id=cid, kind="callback",
                          due_on=local_date(at, zone) + timedelta(days=1),
                          due_at=at + timedelta(days=1), assigned_to=owner[cid],
                          source_key=f"callback:attempt:{aid}", detail={"attempt_id": aid})
                 for aid, cid, at in called if cid in owner and local_date(at, zone) <= as_of]
    promise_due = [TaskSpec(case_id=cid, kind="promise_due", due_on=on, assigned_to=owner[cid],
                            source_key=f"promise:{pid}:due",
                            detail={"promise_id": pid, "amount": str(amount)})
                   for pid, cid, on, amount in promised if cid in owner]
    installments_due = [TaskSpec(case_id=cid, kind="plan_installment_due", due_on=on,
                                 assigned_to=owner[cid], source_key=f"plan:{plan}:{seq}:due",
                                 detail={"plan_id": plan, "seq": seq, "amount": str(amount)})
                        for plan, seq, cid, on, amount in due if cid in owner]
    made = [ensure_tasks(session, specs) for specs in (callbacks, promise_due, installments_due)]
    return FollowUps(*made, _follow_owner(session, as_of))


def _follow_owner(session: Session, as_of: date) -> int:
    """Open tasks due by today go to whoever works the case now."""
    owner = (select(CollectionCase.assigned_to)
             .where(CollectionCase.case_id == Task.case_id).scalar_subquery())
    result = session.execute(update(Task).where(Task.status == "open", Task.due_on <= as_of,
                                                Task.assigned_to.is_distinct_from(owner))
                             .values(assigned_to=owner).execution_options(
                                 synchronize_session=False))
    return int(result.rowcount or 0)
