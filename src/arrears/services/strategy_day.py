"""The daily treatment of every open case, set-based.

Open cases are taken in slices of consecutive case ids. For each slice a handful of
queries read its facts as columns (money in cents, summed by the database), the strategy
decides for the whole slice at once (``strategy_sets``), and the slice's treatments, new
arm assignments and messages are written in bulk. Memory stays that of one slice whatever
the size of the book; every lookup is by case id. Treatments and scores are keyed day
first (``arrears.adapters.db.by_day``): a case's latest earlier treatment is its row of the
latest treatment day before today, or, when it has none there, of one of the
``LOOK_BACK_DAYS`` treatment days before that; its band is that of the latest day the risk
model scored. Each is found through the whole key, never by reading a case's history.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import (
    BigInteger,
    Connection,
    and_,
    cast,
    delete,
    func,
    inspect,
    null,
    select,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from arrears.adapters.db.bulk import bulk_insert
from arrears.adapters.db.by_day import LOOK_BACK_DAYS, days_back
from arrears.adapters.db.tables import (
    CollectionCase,
    Customer,
    CustomerFlag,
    LoanPosition,
    Promise,
)
from arrears.adapters.db.tables_scoring import CaseScore
from arrears.adapters.db.tables_strategy import CaseTreatment, RepaymentPlan, StrategyAssignment
from arrears.domain.strategy import Strategy, Treatment, arm_bounds, arm_of_hash, case_hash
from arrears.scoring.stored import RISK_MODEL, scored_day
from arrears.services.strategy import ActiveStrategy, active_strategy
from arrears.services.strategy_sets import CaseSet, Decisions, Words, decide

SLICE = 50_000  # open cases decided and written together

CASES = CollectionCase.__table__
CUSTOMERS = Customer.__table__
POSITIONS = LoanPosition.__table__
TREATMENTS = CaseTreatment.__table__
ASSIGNMENTS = StrategyAssignment.__table__
PROMISES = Promise.__table__
PLANS = RepaymentPlan.__table__
SCORES = CaseScore.__table__


@dataclass(frozen=True)
class AssignResult:
    cases: int
    moved: int
    by_step: dict[str, int]
    unmatched: int
    messages: int


def cents(column: Any) -> ColumnElement[int]:
    """A money column in whole cents, exact on every engine (values have two places)."""
    return cast(func.round(func.coalesce(column, 0) * 100), BigInteger)


@dataclass(frozen=True)
class Needs:
    """The facts some segment of the strategy looks at (the others are not read)."""

    products: bool
    bands: bool
    flags: bool
    open_promise: bool
    active_plan: bool
    broken_count: bool
    broken_promise_days: bool
    broken_plan_days: bool

    @classmethod
    def of(cls, strategy: Strategy, *, scores_kept: bool) -> Needs:
        segs = [s for arm in strategy.arms for s in arm.segments]

        def any_(attr: str) -> bool:
            return any(getattr(s, attr) is not None for s in segs)

        return cls(products=any_("products"), bands=scores_kept and any_("score_bands"),
                   flags=any_("flags_any") or any_("flags_none"),
                   open_promise=any_("has_open_promise"), active_plan=any_("has_active_plan"),
                   broken_count=any_("broken_promises"),
                   broken_promise_days="promise_broken" in strategy.escalate_on,
                   broken_plan_days="plan_broken" in strategy.escalate_on)


def _slices(conn: Connection) -> Iterator[tuple[int, int]]:
    """(first, last) case id of each slice of open cases."""
    ids = np.array(conn.execute(select(CASES.c.case_id).where(CASES.c.status == "open")
                                .order_by(CASES.c.case_id)).scalars().all(), np.int64)
    for start in range(0, len(ids), SLICE):
        part = ids[start:start + SLICE]
        yield int(part[0]), int(part[-1])


def _case_rows(conn: Connection, lo: int, hi: int, as_of: date, needs: Needs, experiment: str,
               band_day: date | None, prior_day: date | None) -> list[Any]:
    """One row per open case of the slice: its facts, its treatment on ``prior_day`` (arm,
    path, day entered; the arm is None without one), its recorded arm in the experiment
    (None without one) and whether that was recorded by ``as_of``, the day it opened, then
    its risk band on ``band_day``, the latest day the risk model scored by ``as_of``."""
    balance = (select(POSITIONS.c.case_id,
                      cast(func.sum(cents(POSITIONS.c.outstanding_principal)
                                    + cents(POSITIONS.c.overdue_interest)
                                    + cents(POSITIONS.c.overdue_fee)), BigInteger).label("cents"))
               .where(POSITIONS.c.case_id.between(lo, hi))
               .group_by(POSITIONS.c.case_id).subquery())
    prior = TREATMENTS.alias("prior")
    columns: list[Any] = [
        CASES.c.case_id, CASES.c.customer_id, func.coalesce(CASES.c.dpd, 0), CASES.c.bucket,
        cents(CASES.c.overdue_amount),
        func.coalesce(balance.c.cents, cents(CASES.c.outstanding_principal)),
        CUSTOMERS.c.preferred_language,
        *((prior.c.arm, prior.c.path, prior.c.entered_on) if prior_day is not None
          else (null(), null(), null())),
        ASSIGNMENTS.c.arm, ASSIGNMENTS.c.assigned_on <= as_of, CASES.c.opened_on]
    if needs.bands:
        # the band of the latest day the risk model scored, found by the scores' key
        columns.append(select(func.nullif(SCORES.c.band, ""))
                       .where(SCORES.c.as_of == band_day, SCORES.c.model == RISK_MODEL,
                              SCORES.c.case_id == CASES.c.case_id)
                       .scalar_subquery() if band_day is not None else null())
    stmt = (select(*columns)
            .join(CUSTOMERS, CUSTOMERS.c.customer_id == CASES.c.customer_id)
            .outerjoin(balance, balance.c.case_id == CASES.c.case_id))
    if prior_day is not None:
        stmt = stmt.outerjoin(prior, and_(prior.c.as_of == prior_day,
                                          prior.c.case_id == CASES.c.case_id))
    stmt = (stmt.outerjoin(ASSIGNMENTS, and_(ASSIGNMENTS.c.case_id == CASES.c.case_id,
                                         ASSIGNMENTS.c.experiment == experiment))
            .where(CASES.c.status == "open", CASES.c.case_id.between(lo, hi))
            .order_by(CASES.c.case_id))
    return list(conn.execute(stmt).all())


IN_LIST = 10_000  # case ids asked for in one query


def _earlier_treatments(conn: Connection, rows: list[Any], prior_day: date | None,
                        earlier_days: list[date]) -> list[Any]:
    """``rows`` (of ``_case_rows``) with the latest earlier treatment of each case that was
    open before ``prior_day`` but has no treatment on it (it matched no rule that day),
    looked for on ``earlier_days`` (newest first), each day by the whole key."""
    missing = {r[0]: i for i, r in enumerate(rows)
               if r[7] is None and prior_day is not None and r[12] < prior_day}
    for day in earlier_days:
        wanted = [cid for cid, i in missing.items() if rows[i][12] <= day]
        if not wanted:
            break
        for start in range(0, len(wanted), IN_LIST):
            for cid, arm, path, entered in conn.execute(
                    select(TREATMENTS.c.case_id, TREATMENTS.c.arm, TREATMENTS.c.path,
                           TREATMENTS.c.entered_on)
                    .where(TREATMENTS.c.as_of == day,
                           TREATMENTS.c.case_id.in_(wanted[start:start + IN_LIST]))):
                i = missing.pop(cid)
                rows[i] = (*rows[i][:7], arm, path, entered, *rows[i][10:])
    return rows


@dataclass(frozen=True)
class Slice:
    """A slice's columns for the strategy, and what is written along with them."""

    cases: CaseSet
    customer_id: list[str]
    language: list[str | None]
    bucket: list[str]
    new_arms: list[dict[str, Any]]


def _broken(conn: Connection, lo: int, hi: int, needs: Needs
            ) -> tuple[dict[int, int], list[tuple[int, date]]]:
    """Broken promises per case (all of them), and the days that escalate a case."""
    count: dict[int, int] = {}
    days: list[tuple[int, date]] = []
    if needs.broken_count or needs.broken_promise_days:
        for cid, day in conn.execute(select(PROMISES.c.case_id, PROMISES.c.resolved_on)
                                     .where(PROMISES.c.status == "broken",
                                            PROMISES.c.case_id.between(lo, hi))):
            count[cid] = count.get(cid, 0) + 1
            if needs.broken_promise_days:
                days.append((cid, day))
    if needs.broken_plan_days:
        days += conn.execute(select(PLANS.c.case_id, PLANS.c.resolved_on)
                             .where(PLANS.c.status == "broken",
                                    PLANS.c.case_id.between(lo, hi))).all()
    return count, days


def _having(conn: Connection, table: Any, status: str, lo: int, hi: int, wanted: bool
            ) -> set[int]:
    if not wanted:
        return set()
    return set(conn.execute(select(table.c.case_id).where(
        table.c.status == status, table.c.case_id.between(lo, hi))).scalars())


def _products(conn: Connection, lo: int, hi: int, wanted: bool) -> dict[int, frozenset[str]]:
    if not wanted:
        return {}
    out: dict[int, set[str]] = {}
    for cid, product in conn.execute(select(POSITIONS.c.case_id, POSITIONS.c.product)
                                     .where(POSITIONS.c.case_id.between(lo, hi)).distinct()):
        out.setdefault(cid, set()).add(product)
    return {cid: frozenset(p) for cid, p in out.items()}


def active_flags(conn: Connection, as_of: date) -> dict[str, frozenset[str]]:
    """Flags in force on ``as_of`` per customer."""
    out: dict[str, set[str]] = {}
    flags = CustomerFlag.__table__
    for cust, flag, until in conn.execute(select(flags.c.customer_id, flags.c.flag,
                                                 flags.c.until)
                                          .where(flags.c.lifted_at.is_(None))):
        if until is None or until >= as_of:
            out.setdefault(cust, set()).add(flag)
    return {cust: frozenset(f) for cust, f in out.items()}


class Arms:
    """Recorded arms of the experiment; new cases get their stable hashed arm."""

    def __init__(self, strategy: Strategy, as_of: date) -> None:
        self.experiment = strategy.experiment
        self.names = {a.name for a in strategy.arms}
        self.champion = strategy.arms[0].name
        self.bounds = arm_bounds(strategy)
        self.as_of = as_of

    def of_slice(self, rows: list[Any]) -> tuple[list[str], list[dict[str, Any]]]:
        """Each case's arm (rows of ``_case_rows``), and the assignments to record."""
        arms: list[str] = []
        new: list[dict[str, Any]] = []
        for r in rows:
            recorded, in_force = r[10], r[11]
            if recorded is None or not in_force:
                arm = arm_of_hash(self.bounds, self.champion, case_hash(self.experiment, r[0]))
                if recorded is None:
                    new.append({"case_id": r[0], "experiment": self.experiment, "arm": arm,
                                "assigned_on": self.as_of, "bucket": r[3], "dpd": r[2],
                                "overdue_amount": Decimal(r[4]).scaleb(-2)})
            elif recorded not in self.names:
                arm = self.champion  # the arm was dropped: back to the champion
            else:
                arm = recorded
            arms.append(arm)
        return arms, new


def read_slice(conn: Connection, *, lo: int, hi: int, as_of: date, needs: Needs, arms: Arms,
               flags: dict[str, frozenset[str]], band_day: date | None = None,
               treatment_days: list[date] | None = None) -> Slice:
    """The facts of the open cases with ids in [lo, hi], as columns (a fact no segment
    looks at is left at its default). ``treatment_days``: the days with treatments before
    ``as_of``, newest first (``treatment_days_before``)."""
    days = treatment_days or []
    prior_day = days[0] if days else None
    rows = _earlier_treatments(
        conn, _case_rows(conn, lo, hi, as_of, needs, arms.experiment, band_day, prior_day),
        prior_day, days[1:])
    n = len(rows)
    cols = list(zip(*rows, strict=True)) if rows else [()] * (14 if needs.bands else 13)
    ids = cols[0]
    count, broken = _broken(conn, lo, hi, needs)
    products = _products(conn, lo, hi, needs.products)
    open_promise = _having(conn, PROMISES, "open", lo, hi, needs.open_promise)
    on_plan = _having(conn, PLANS, "active", lo, hi, needs.active_plan)
    arm, new_arms = arms.of_slice(rows)
    position = {cid: i for i, cid in enumerate(ids)} if broken else {}
    broken = [(position[cid], day) for cid, day in broken if cid in position]
    empty: frozenset[str] = frozenset()
    cases = CaseSet(
        case_id=np.fromiter(ids, np.int64, n), dpd=np.fromiter(cols[2], np.int64, n),
        bucket=Words.of(cols[3], n), balance_cents=np.fromiter(cols[5], np.int64, n),
        overdue_cents=np.fromiter(cols[4], np.int64, n),
        products=_lookup(ids, products, empty),
        score_band=Words.of(cols[13], n) if needs.bands else Words.same(None, n),
        broken_promises=np.fromiter((count.get(c, 0) for c in ids), np.int64, n)
        if count else np.zeros(n, np.int64),
        flags=_lookup(cols[1], flags, empty), language=Words.of(cols[6], n),
        has_open_promise=np.isin(np.fromiter(ids, np.int64, n), list(open_promise)),
        has_active_plan=np.isin(np.fromiter(ids, np.int64, n), list(on_plan)),
        arm=Words.of(arm, n), prior_arm=Words.of(cols[7], n), prior_path=Words.of(cols[8], n),
        prior_entered=np.fromiter((d.toordinal() if d else -1 for d in cols[9]), np.int64, n),
        has_prior=np.fromiter((a is not None for a in cols[7]), np.bool_, n),
        broken_case=np.fromiter((p for p, _d in broken), np.int64, len(broken)),
        broken_day=np.fromiter((d.toordinal() for _p, d in broken), np.int64, len(broken)))
    return Slice(cases, list(cols[1]), list(cols[6]), list(cols[3]), new_arms)


def _lookup(keys: tuple[Any, ...], values: dict[Any, Any], default: Any) -> Words:
    """Each key's value (``default`` when absent) as words."""
    if not values:
        return Words.same(default, len(keys))
    return Words.of((values.get(k, default) for k in keys), len(keys))


def _treatment_rows(active: ActiveStrategy, part: Slice, d: Decisions, as_of: date
                    ) -> list[dict[str, Any]]:
    """The ``case_treatments`` rows of the slice's matched cases."""
    days: dict[int, date] = {}
    out = []
    c = part.cases
    for i, (cid, code, index, entered, esc, dpd, cents_) in enumerate(zip(
            c.case_id.tolist(), d.step.tolist(), d.step_index.tolist(), d.entered_on.tolist(),
            d.escalations.tolist(), c.dpd.tolist(), c.balance_cents.tolist(), strict=True)):
        if code < 0:
            continue
        s = d.steps[code]
        on = days.get(entered) or days.setdefault(entered, date.fromordinal(entered))
        out.append({"case_id": cid, "as_of": as_of, "strategy_version_id": active.version_id,
                    "strategy_name": active.strategy.name, "arm": d.arm[i],
                    "segment": d.segment[i], "path": d.path[i], "step_id": s.id,
                    "step_kind": s.kind, "step_index": index, "channel": s.channel,
                    "script": s.script, "tone": s.tone, "team_id": s.team, "role": s.role,
                    "agency": s.agency, "entered_on": on, "escalations": esc, "dpd": dpd,
                    "bucket": part.bucket[i], "balance": Decimal(cents_).scaleb(-2),
                    "reason": d.reason[i]})
    return out


def _messages(part: Slice, d: Decisions) -> list[tuple[int, str, str | None, Treatment]]:
    """(case, customer, language, treatment) of the cases whose step sends a message."""
    sends = np.flatnonzero(np.isin(d.step, [i for i, s in enumerate(d.steps)
                                           if s.sends_message]))
    out = []
    for i in sends.tolist():
        cid = int(part.cases.case_id[i])
        t = Treatment(case_id=cid, arm=d.arm[i] or "", segment=d.segment[i] or "",
                      path=d.path[i] or "", step_index=int(d.step_index[i]),
                      step=d.steps[int(d.step[i])],
                      entered_on=date.fromordinal(int(d.entered_on[i])),
                      escalations=int(d.escalations[i]), reason=d.reason[i] or "")
        out.append((cid, part.customer_id[i], part.language[i], t))
    return out


def _count_steps(d: Decisions, by_step: dict[str, int]) -> None:
    """Add the slice's cases per step, steps in the order they first appear."""
    matched = d.step[d.step >= 0]
    codes, first, counts = np.unique(matched, return_index=True, return_counts=True)
    for k in np.argsort(first, kind="stable").tolist():
        sid = d.steps[int(codes[k])].id
        by_step[sid] = by_step.get(sid, 0) + int(counts[k])


def treatment_days_before(conn: Connection, as_of: date) -> list[date]:
    """The latest day with treatments before ``as_of``, then the ``LOOK_BACK_DAYS`` days
    with treatments before it, newest first."""
    return list(days_back(conn, TREATMENTS.c.as_of, on_or_before=as_of - timedelta(days=1),
                          look_back=LOOK_BACK_DAYS + 1))


def assign_day(session: Session, *, app: Any, as_of: date) -> AssignResult:
    """Give every open case its step for ``as_of`` (rewrites the day's treatments)."""
    from arrears.services.outbox import enqueue_step_messages

    active = active_strategy(session, as_of=as_of)
    strategy = active.strategy
    session.execute(delete(CaseTreatment).where(CaseTreatment.as_of == as_of))
    conn = session.connection()
    needs = Needs.of(strategy, scores_kept=inspect(conn).has_table(SCORES.name))
    flags = active_flags(conn, as_of) if needs.flags else {}
    band_day = (scored_day(conn, model=RISK_MODEL, on_or_before=as_of)
                if needs.bands else None)
    treatment_days = treatment_days_before(conn, as_of)
    arms = Arms(strategy, as_of)
    cases = moved = unmatched = messages = 0
    by_step: dict[str, int] = {}
    day = as_of.toordinal()
    for lo, hi in list(_slices(conn)):
        part = read_slice(conn, lo=lo, hi=hi, as_of=as_of, needs=needs, arms=arms, flags=flags,
                          band_day=band_day, treatment_days=treatment_days)
        d = decide(strategy, part.cases, as_of=day)
        bulk_insert(conn, ASSIGNMENTS, part.new_arms)
        bulk_insert(conn, TREATMENTS, _treatment_rows(active, part, d, as_of))
        messages += enqueue_step_messages(session, app=app, as_of=as_of,
                                          items=_messages(part, d))
        matched = d.step >= 0
        cases += len(part.cases)
        unmatched += int((~matched).sum())
        moved += _moved(part.cases, d, matched)
        _count_steps(d, by_step)
    return AssignResult(cases, moved, by_step, unmatched, messages)


def _moved(c: CaseSet, d: Decisions, matched: Any) -> int:
    """Matched cases new to the strategy or on another path than on their previous day."""
    same = np.fromiter((p == q for p, q in zip(
        (c.prior_path.values[k] for k in c.prior_path.codes.tolist()), d.path, strict=True)),
        np.bool_, len(c))
    return int((matched & (~c.has_prior | ~same)).sum())
