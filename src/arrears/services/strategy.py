"""Treatment strategies: versions, the daily step of every open case, champion/challenger.

The strategy in force on a day is the newest uploaded version whose ``effective_from`` is
on or before that day (the packaged default when none is). The daily assignment reads each
open case's facts set-based (a handful of queries for the whole book), decides in the pure
domain, and writes one ``case_treatments`` row per case and day with the rule that matched.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from importlib.resources import files
from itertools import repeat
from typing import Any, NamedTuple

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from arrears.adapters.db.by_day import latest_rows
from arrears.adapters.db.tables import (
    CollectionCase,
    ContactAttempt,
    Promise,
)
from arrears.adapters.db.tables_strategy import (
    CaseTreatment,
    StrategyAssignment,
    StrategyVersion,
)
from arrears.domain.strategy import (
    Strategy,
)
from arrears.errors import NotFound
from arrears.services.audit import append_audit
from arrears.strategies.schema import StrategyInvalid, StrategySpec, parse_strategy

ZERO = Decimal("0.00")


def default_strategy_text() -> str:
    """The packaged default strategy (YAML)."""
    return (files("arrears.strategies") / "default.yaml").read_text(encoding="utf-8")


@dataclass(frozen=True)
class ActiveStrategy:
    version_id: int | None
    version: int
    text: str
    spec: StrategySpec
    strategy: Strategy


def active_strategy(session: Session, *, as_of: date) -> ActiveStrategy:
    """The strategy in force on ``as_of``: newest effective version, else the default."""
    row = session.scalars(select(StrategyVersion)
                          .where(StrategyVersion.effective_from <= as_of)
                          .order_by(StrategyVersion.effective_from.desc(),
                                    StrategyVersion.version_id.desc()).limit(1)).first()
    if row is None:
        body = default_strategy_text()
        spec = parse_strategy(body, source="default strategy")
        return ActiveStrategy(None, 0, body, spec, spec.to_domain())
    spec = parse_strategy(row.yaml_text, source=f"strategy version {row.version_id}")
    return ActiveStrategy(row.version_id, row.version, row.yaml_text, spec, spec.to_domain())


def upload_strategy(session: Session, *, yaml_text: str, actor: str, at: datetime,
                    note: str | None = None) -> StrategyVersion:
    """Validate and store a new version of a strategy (its name's next version number)."""
    spec = parse_strategy(yaml_text, source="uploaded strategy")
    _check_scripts(spec)
    last = session.scalar(select(func.max(StrategyVersion.version))
                          .where(StrategyVersion.name == spec.name)) or 0
    row = StrategyVersion(name=spec.name, version=last + 1, effective_from=spec.effective_from,
                          yaml_text=yaml_text,
                          checksum=hashlib.sha256(yaml_text.encode()).hexdigest(),
                          uploaded_by=actor, uploaded_at=at, note=note)
    session.add(row)
    session.flush()
    append_audit(session, actor=actor, action="strategy.uploaded", object_type="strategy",
                 object_id=row.version_id,
                 detail={"name": spec.name, "version": row.version,
                         "effective_from": str(spec.effective_from)}, at=at)
    return row


def _check_scripts(spec: StrategySpec) -> None:
    """Every message step must name a template that exists for its channel."""
    from arrears.services.outbox import load_templates

    templates = load_templates()
    sets = [("", spec.paths)] + [(f"challengers[{n}].", c.paths or {})
                                 for n, c in enumerate(spec.challengers)]
    for prefix, paths in sets:
        for name, steps in paths.items():
            for i, step in enumerate(steps):
                if step.channel in ("sms", "email", "letter") and \
                        step.channel not in templates.get(step.script or "", {}):
                    where = f"{prefix}paths.{name}[{i}].script"
                    raise StrategyInvalid(f"{where}: no {step.channel} template "
                                          f"{step.script!r}", field=where)


def validate_strategy_text(yaml_text: str, *, source: str) -> StrategySpec:
    """Validate a strategy file (format and templates) without storing it."""
    spec = parse_strategy(yaml_text, source=source)
    _check_scripts(spec)
    return spec


def strategy_versions(session: Session) -> list[StrategyVersion]:
    """Every stored version, newest first."""
    return list(session.scalars(select(StrategyVersion)
                                .order_by(StrategyVersion.version_id.desc())))


def strategy_version(session: Session, *, version_id: int) -> StrategyVersion:
    row = session.get(StrategyVersion, version_id)
    if row is None:
        raise NotFound(f"no strategy version {version_id}", field="version_id")
    return row


def case_treatment_history(session: Session, *, case_id: int, limit: int = 60
                           ) -> list[CaseTreatment]:
    """A case's treatments, newest day first (the ladder it climbed and why): at most
    ``limit``, looked for day by day from the case's closing day (the latest day while it
    is open) back to the day it opened, by the treatments' key."""
    found = session.get(CollectionCase, case_id)
    if found is None:
        return []
    return latest_rows(session, CaseTreatment, case_id=case_id, on_or_before=found.closed_on,
                       not_before=found.opened_on, look_back=None, limit=limit)


def latest_treatment(session: Session, *, case_id: int) -> CaseTreatment | None:
    """The case's latest treatment (its current step while it is open)."""
    rows = case_treatment_history(session, case_id=case_id, limit=1)
    return rows[0] if rows else None


# --- champion/challenger report ---------------------------------------------------------------

@dataclass(frozen=True)
class Interval:
    value: float
    low: float
    high: float
    n: int


@dataclass(frozen=True)
class ArmResult:
    """One arm's results with 95% intervals (Wilson for rates, bootstrap for the mean)."""

    experiment: str
    arm: str
    cases: int
    cure_rate: Interval
    roll_rate: Interval
    promises_kept: Interval
    recovered: Decimal
    contacts: int
    recovered_per_contact: Interval


def wilson(successes: int, n: int, z: float = 1.959964) -> Interval:
    """Wilson score interval of a proportion (sound for small n and rates near 0 or 1)."""
    if n == 0:
        return Interval(0.0, 0.0, 0.0, 0)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return Interval(round(p, 4), round(max(0.0, centre - half), 4),
                    round(min(1.0, centre + half), 4), n)


BOOTSTRAP_BATCH = 32  # bootstrap rounds drawn at a time


def bootstrap_ratio(amounts: list[float], contacts: list[int], *, seed: int = 7,
                    rounds: int = 1000) -> Interval:
    """Percentile bootstrap (cases resampled) of total amount over total contacts.

    The resamples are drawn ``BOOTSTRAP_BATCH`` rounds at a time, so memory stays a few
    batches of cases however large the arm (all rounds at once would be 8 bytes x rounds x
    cases, gigabytes for an arm of a million cases). The batches draw the same numbers,
    in the same order, as one draw of every round would, so the interval is the same.
    """
    import numpy as np

    n = len(amounts)
    total_c = sum(contacts)
    value = (sum(amounts) / total_c) if total_c else 0.0
    if n < 2 or total_c == 0:
        return Interval(round(value, 2), round(value, 2), round(value, 2), n)
    a = np.asarray(amounts, dtype=float)
    c = np.asarray(contacts, dtype=float)
    rng = np.random.default_rng(seed)
    num, den = np.empty(rounds), np.empty(rounds)
    for start in range(0, rounds, BOOTSTRAP_BATCH):
        stop = min(start + BOOTSTRAP_BATCH, rounds)
        idx = rng.integers(0, n, size=(stop - start, n))
        num[start:stop] = a[idx].sum(axis=1)
        den[start:stop] = c[idx].sum(axis=1)
    ratios = np.where(den > 0, num / np.where(den > 0, den, 1), 0.0)
    low, high = np.percentile(ratios, [2.5, 97.5])
    return Interval(round(value, 2), round(float(low), 2), round(float(high), 2), n)


def bucket_rank(bucket: str | None) -> int:
    """M0 -> 0, M3 -> 3, M7+ -> 7 (for roll detection)."""
    digits = "".join(ch for ch in (bucket or "") if ch.isdigit())
    return int(digits) if digits else 0


def champion_challenger_report(session: Session, *, app: Any, as_of: date) -> list[ArmResult]:
    """Results per arm of the experiment in force on ``as_of``.

    - cure rate: cases current (dpd 0) or closed other than by write-off/sale;
    - roll rate: open cases in a later bucket than when they entered the experiment;
    - promises kept: kept among the arm's promises resolved by ``as_of``;
    - recovered per contact: payments since assignment over contact attempts since then.

    The assignments are read once (with each case's customer) and worked a column at a
    time: a large book has as many assignments as open cases.
    """
    from arrears.services.promises import paid_in_windows, reporting_zone

    experiment = active_strategy(session, as_of=as_of).strategy.experiment
    assigned = session.execute(
        select(StrategyAssignment.case_id, StrategyAssignment.arm, StrategyAssignment.bucket,
               StrategyAssignment.assigned_on, CollectionCase.status, CollectionCase.dpd,
               CollectionCase.bucket, CollectionCase.close_reason, CollectionCase.customer_id)
        .join(CollectionCase, CollectionCase.case_id == StrategyAssignment.case_id)
        .where(StrategyAssignment.experiment == experiment,
               StrategyAssignment.assigned_on <= as_of)).all()
    if not assigned:
        return []
    rows = _Assigned(*zip(*assigned, strict=True))
    keys = list(map(str, rows.case_id))
    paid = paid_in_windows(app, list(zip(keys, rows.customer_id, rows.assigned_on,
                                         repeat(as_of, len(keys)), strict=True)),
                           by="customer_id")
    contacts = _contacts(session, experiment, rows, as_of, reporting_zone(app))
    promises = _promise_outcomes(session, experiment, as_of)
    by_arm: dict[str, list[int]] = defaultdict(list)
    for i, arm in enumerate(rows.arm):
        by_arm[arm].append(i)
    ranks = {b: bucket_rank(b) for b in {*rows.bucket, *rows.now_bucket}}
    return [_arm_result(experiment, arm, rows, keys, at, ranks, paid, contacts, promises)
            for arm, at in sorted(by_arm.items(), key=lambda kv: kv[0] != "champion")]


class _Assigned(NamedTuple):
    """The experiment's assignments, a column each."""

    case_id: tuple[int, ...]
    arm: tuple[str, ...]
    bucket: tuple[str, ...]          # when the case entered the experiment
    assigned_on: tuple[date, ...]
    status: tuple[str, ...]
    dpd: tuple[int, ...]
    now_bucket: tuple[str, ...]
    close_reason: tuple[str | None, ...]
    customer_id: tuple[str, ...]


def _contacts(session: Session, experiment: str, rows: _Assigned, as_of: date,
              zone: Any) -> dict[int, int]:
    """Contact attempts per case of the experiment, from the start of the local day it was
    assigned to the end of ``as_of``, counted in the store: only the experiment's cases,
    from its first assignment day on (the attempts' time index), never the whole history.
    The bounds are UTC instants, as the store keeps them (SQLite compares them as written)."""
    starts = {day: _day_start(day, zone) for day in set(rows.assigned_on)}
    s, a = StrategyAssignment, ContactAttempt
    found = session.execute(
        select(a.case_id, func.count())
        .join(s, and_(s.case_id == a.case_id, s.experiment == experiment))
        .where(s.assigned_on <= as_of, a.at >= min(starts.values()),
               a.at < _day_start(as_of + timedelta(days=1), zone),
               a.at >= case(starts, value=s.assigned_on))
        .group_by(a.case_id))
    return {cid: int(n) for cid, n in found}


def _day_start(day: date, zone: Any) -> datetime:
    return datetime.combine(day, datetime.min.time(), zone).astimezone(UTC)


def _promise_outcomes(session: Session, experiment: str, as_of: date
                      ) -> dict[int, tuple[int, int]]:
    """Per case of the experiment: its promises kept, and resolved (kept, partly kept or
    broken), by ``as_of``; counted in the store."""
    p, s = Promise, StrategyAssignment
    found = session.execute(
        select(p.case_id, func.sum(case((p.status == "kept", 1), else_=0)), func.count())
        .join(s, and_(s.case_id == p.case_id, s.experiment == experiment,
                      s.assigned_on <= as_of))
        .where(p.status.in_(("kept", "partly_kept", "broken")), p.resolved_on <= as_of)
        .group_by(p.case_id))
    return {cid: (int(kept), int(resolved)) for cid, kept, resolved in found}


_NOT_CURED = ("written_off", "sold")


def _arm_result(experiment: str, arm: str, rows: _Assigned, keys: list[str], at: list[int],
                ranks: dict[str, int], paid: dict[str, Decimal], contacts: dict[int, int],
                promises: dict[int, tuple[int, int]]) -> ArmResult:
    """One arm's figures from the assignments at positions ``at`` (``ranks``: each bucket's
    rank, for the roll rate)."""
    status, dpd, reason = rows.status, rows.dpd, rows.close_reason
    cured = sum(1 for i in at if (dpd[i] == 0 if status[i] == "open"
                                  else reason[i] not in _NOT_CURED))
    still_open = [i for i in at if status[i] == "open"]
    rolled = sum(1 for i in still_open if ranks[rows.now_bucket[i]] > ranks[rows.bucket[i]])
    cases = [rows.case_id[i] for i in at]
    outcomes = [promises.get(c, (0, 0)) for c in cases]
    kept = sum(o[0] for o in outcomes)
    resolved = sum(o[1] for o in outcomes)
    money = [paid.get(keys[i], ZERO) for i in at]
    counts = [contacts.get(c, 0) for c in cases]
    return ArmResult(experiment, arm, len(at), wilson(cured, len(at)),
                     wilson(rolled, len(still_open)), wilson(kept, resolved), sum(money, ZERO),
                     sum(counts), bootstrap_ratio(list(map(float, money)), counts))


def run_strategy_bench(*, app: Any, loans: int, seed: int, as_of: date, workdir: Any,
                       promise_share: float = 0.2, plan_share: float = 0.05) -> dict[str, Any]:
    """Time the strategy part of the daily run on a generated book.

    Day 1 opens the cases; promises (due in two days) and plans (active, first installment
    in three days) are then made on a share of them; days 2 and 5 are timed step by step.
    """
    import time as _time
    from pathlib import Path

    from arrears.adapters.db.base import unit_of_work
    from arrears.adapters.portfolio.generator import generate_portfolio
    from arrears.batch.run_day import run_day
    from arrears.services.loading import load_portfolio
    from arrears.services.plans import propose_plan
    from arrears.services.promises import make_promise

    book = Path(workdir) / "book"
    generate_portfolio(loans=loans, seed=seed, out_dir=book, as_of=as_of, progress=False)
    load_portfolio(app=app, source=book, progress=False)
    run_day(app=app, as_of=as_of, progress=False)
    at = datetime.combine(as_of, datetime.min.time()).astimezone()
    with unit_of_work(app.session_factory) as session:
        ids = list(session.scalars(select(CollectionCase.case_id)
                                   .where(CollectionCase.status == "open")
                                   .order_by(CollectionCase.case_id)))
        n_promise, n_plan = int(len(ids) * promise_share), int(len(ids) * plan_share)
        for cid in ids[:n_promise]:
            make_promise(session, app=app, case_id=cid, amount=Decimal("100.00"),
                         due_on=as_of + timedelta(days=2), user_id=None, actor="bench", at=at,
                         as_of=as_of)
        for cid in ids[n_promise:n_promise + n_plan]:
            propose_plan(session, app=app, case_id=cid, kind="deferral", months=1,
                         discount=ZERO, down_payment=ZERO, first_due_on=as_of + timedelta(days=3),
                         maker_id=None, maker_role="collector", actor="bench", at=at, as_of=as_of)
    out: dict[str, Any] = {"loans": loans, "open_cases": len(ids), "promises": n_promise,
                           "plans": n_plan, "days": {}}
    for offset in (1, 4):
        day = as_of + timedelta(days=offset)
        began = _time.perf_counter()
        result = run_day(app=app, as_of=day, progress=False)
        mine = {k: round(v, 3) for k, v in result.seconds.items()
                if k in ("promises", "plans", "strategy", "allocation", "tasks")}
        out["days"][day.isoformat()] = {"seconds": mine,
                                        "run_day_seconds": round(_time.perf_counter() - began, 3)}
    return out
