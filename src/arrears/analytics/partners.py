"""Figures built on other parts of the product: compliance decisions, repayment plans,
champion/challenger results and flagged calls.

Each reads its part's tables (found by name in the shared metadata) or calls its service;
when that part is not installed or has recorded nothing, the figure is empty.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import Text, and_, case, cast, func, or_, select
from sqlalchemy.orm import Session

from arrears.adapters.db.tables import CollectionCase, ContactAttempt, User
from arrears.analytics.filters import Filters
from arrears.analytics.operations import _days_cte, day_bounds, iso_week
from arrears.analytics.portfolio import ratio
from arrears.errors import NotFound


def _window(filters: Filters, timezone: str) -> Any:
    assert filters.date_from and filters.date_to, "filters need a date range"
    return _days_cte(day_bounds(filters.date_from, filters.date_to, timezone))


def _names(value: Any) -> list[str]:
    """Rule or category names from a JSON list of names or of objects naming one."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return [value] if value else []
    if isinstance(value, dict):
        value = value.get("violations") or value.get("rules") or []
    out = []
    for item in value or []:
        if isinstance(item, dict):
            name = item.get("category") or item.get("rule") or item.get("id") or item.get("code")
            if name:
                out.append(str(name))
        elif item:
            out.append(str(item))
    return sorted(set(out))


def _explode(rows: Any, *, name: str, count: str, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """Grouped rows (day, JSON list, counts...) to one row per day and name."""
    totals: Counter[tuple[date, str]] = Counter()
    more: dict[str, Counter[tuple[date, str]]] = {e: Counter() for e in extra}
    for row in rows:
        for item in _names(row.names) or ["-"]:
            key = (_to_date(row.day), item)
            totals[key] += int(row.n)
            for e in extra:
                more[e][key] += int(getattr(row, e) or 0)
    data = [(d, k, n, *(more[e][(d, k)] for e in extra)) for (d, k), n in sorted(totals.items())]
    return pd.DataFrame(data, columns=["day", name, count, *extra])


def flagged_calls(session: Session, *, filters: Filters, timezone: str) -> pd.DataFrame:
    """Calls whose transcript has a flagged violation, per local day and category.

    The conversation part stores each transcript's categories as a JSON list of names;
    its collector is the one named on the transcript or, for a transcript attached to a
    recorded contact, the contact's collector.
    """
    from arrears.adapters.db.tables_conversation import Transcript

    days = _window(filters, timezone)
    tr, a = Transcript, ContactAttempt
    names = cast(tr.categories, Text)
    collector = func.coalesce(tr.collector_user_id, a.user_id)
    stmt = (select(days.c.day, names.label("names"), func.count().label("n"))
            .select_from(tr).join(days, and_(tr.started_at >= days.c.lo,
                                             tr.started_at < days.c.hi))
            .outerjoin(a, a.attempt_id == tr.attempt_id)
            .where(tr.violation_count > 0).group_by(days.c.day, names))
    if filters.team_id:
        stmt = stmt.where(collector.in_(_team_users(filters)))
    return _explode(session.execute(stmt), name="category", count="calls")


def _to_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _team_users(filters: Filters) -> Any:
    return select(User.user_id).where(User.team_id == filters.team_id)


def compliance_blocks(session: Session, *, filters: Filters, timezone: str) -> pd.DataFrame:
    """Contacts the compliance engine blocked, per local day and rule, and the overrides."""
    from arrears.adapters.db.tables_compliance import ComplianceDecision

    days = _window(filters, timezone)
    d = ComplianceDecision
    names = cast(d.rules, Text)
    stmt = (select(days.c.day, names.label("names"), func.count().label("n"),
                   func.sum(case((d.overridden.is_(True), 1), else_=0)).label("overrides"))
            .select_from(d).join(days, and_(d.at >= days.c.lo, d.at < days.c.hi))
            .where(d.allowed.is_(False)).group_by(days.c.day, names))
    if filters.team_id:
        stmt = stmt.where(d.actor_user_id.in_(_team_users(filters)))
    return _explode(session.execute(stmt), name="rule", count="blocks", extra=("overrides",))


def plan_adherence(session: Session, *, filters: Filters) -> pd.DataFrame:
    """Repayment-plan installments that fell due per ISO week: kept, broken, the share kept.

    Adherence is kept / (kept + broken); installments still open are not yet judged.
    """
    from arrears.adapters.db.tables_strategy import PlanInstallment, RepaymentPlan

    cols = ["week", "due", "kept", "broken", "adherence_rate"]
    assert filters.date_from and filters.date_to, "filters need a date range"
    i, p, c = PlanInstallment, RepaymentPlan, CollectionCase
    stmt = (select(i.due_on, func.count().label("due"),
                   func.sum(case((i.status == "kept", 1), else_=0)).label("kept"),
                   func.sum(case((i.status == "broken", 1), else_=0)).label("broken"))
            .select_from(i).join(p, p.plan_id == i.plan_id).join(c, c.case_id == p.case_id)
            .where(i.due_on.between(filters.date_from, filters.date_to))
            .group_by(i.due_on))
    if filters.team_id:
        stmt = stmt.where(or_(c.team_id == filters.team_id,
                              c.assigned_to.in_(_team_users(filters))))
    if filters.currency:
        stmt = stmt.where(p.currency == filters.currency)
    frame = pd.DataFrame(session.execute(stmt).mappings().all(),
                         columns=["due_on", "due", "kept", "broken"])
    if frame.empty:
        return pd.DataFrame(columns=cols)
    frame["week"] = frame["due_on"].map(lambda d: iso_week(_to_date(d)))
    weeks = frame.groupby("week", as_index=False)[["due", "kept", "broken"]].sum()
    weeks["adherence_rate"] = ratio(weeks["kept"], weeks["kept"] + weeks["broken"])
    return weeks[cols].astype({"due": int, "kept": int, "broken": int})


CC_RATES = ("cure_rate", "roll_rate", "promises_kept")


def arm_results(session: Session, *, app: Any, as_of: date) -> list[Any]:
    """The strategy part's results per arm; none while no strategy is in force."""
    from arrears.services.strategy import champion_challenger_report

    try:
        return list(champion_challenger_report(session, app=app, as_of=as_of))
    except NotFound:
        return []


def champion_challenger(arms: list[Any]) -> pd.DataFrame:
    """Each arm's cure, roll and promise-kept rates with their 95% intervals."""
    rows = [(r.experiment, r.arm, metric, getattr(r, metric).n, getattr(r, metric).value,
             getattr(r, metric).low, getattr(r, metric).high)
            for r in arms for metric in CC_RATES]
    return pd.DataFrame(rows, columns=["strategy", "arm", "metric", "cases", "estimate", "low",
                                       "high"])


def champion_challenger_recovery(arms: list[Any]) -> pd.DataFrame:
    """Each arm's amount recovered per contact with its 95% (bootstrap) interval."""
    rows = []
    for r in arms:
        per = r.recovered_per_contact
        rows.append((r.experiment, r.arm, r.cases, r.contacts, r.recovered,
                     _money(per.value), _money(per.low), _money(per.high)))
    return pd.DataFrame(rows, columns=["strategy", "arm", "cases", "contacts", "recovered",
                                       "estimate", "low", "high"])


def _money(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))
