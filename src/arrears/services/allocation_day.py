"""The daily allocation of every open case, set-based.

One query reads the open cases with today's treatment (team, role, agency step); the
cases that stay with their collector are told apart once per kind of case; the others are
placed biggest balance first through the domain's ``Picker`` (heaps of collectors by
load, never a scan of every collector per case). Placements, recalls, the day's history
and the changed cases are written in bulk through the driver.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import Connection, and_, delete, select
from sqlalchemy.orm import Session

from arrears.adapters.db.bulk import bulk_insert, bulk_update
from arrears.adapters.db.tables import Agency, CollectionCase, Customer, Promise
from arrears.adapters.db.tables_strategy import (
    AgencyPlacement,
    CaseAllocation,
    CaseTreatment,
    RepaymentPlan,
)
from arrears.domain.allocation import (
    AgencyInfo,
    Collector,
    Picker,
    agency_eligible,
    eligible_agencies,
    keep_reason,
    least_placed,
    place,
)
from arrears.services.allocation import allocation_settings, load_collectors
from arrears.services.strategy_day import cents

CASES = CollectionCase.__table__
PART = 50_000  # rows read or written at a time
PLACEMENTS = AgencyPlacement.__table__


@dataclass(frozen=True)
class AllocationResult:
    cases: int
    changed: int
    queued: int
    placed: int
    recalled: int


class OpenCase(NamedTuple):
    """An open case as the allocation sees it (``team``/``role``/``agency``: today's step)."""

    case_id: int
    bucket: str
    assigned_to: int | None
    agency_id: str | None
    overdue_cents: int
    current_team: str | None
    language: str | None
    team: str | None
    role: str | None
    agency: bool | None


def _open_cases(conn: Connection, as_of: date) -> list[OpenCase]:
    """Open cases in id order, read in parts; each distinct word is kept once in memory."""
    t = CaseTreatment.__table__
    cu = Customer.__table__
    stmt = (select(CASES.c.case_id, CASES.c.bucket, CASES.c.assigned_to, CASES.c.agency_id,
                   cents(CASES.c.overdue_amount), CASES.c.team_id, cu.c.preferred_language,
                   t.c.team_id, t.c.role, t.c.agency)
            .join(cu, cu.c.customer_id == CASES.c.customer_id)
            .outerjoin(t, and_(t.c.case_id == CASES.c.case_id, t.c.as_of == as_of))
            .where(CASES.c.status == "open").order_by(CASES.c.case_id)
            .execution_options(yield_per=PART))
    words: dict[Any, Any] = {}
    one = words.setdefault
    out: list[OpenCase] = []
    for part in conn.execute(stmt).partitions():
        out += [OpenCase(cid, one(b, b), user, one(ag, ag), money, one(ct, ct), one(la, la),
                         one(tm, tm), one(ro, ro), agency)
                for cid, b, user, ag, money, ct, la, tm, ro, agency in part]
    return out


def _locked(conn: Connection) -> set[int]:
    """Cases kept with their collector: a promise or a plan is running."""
    promises, plans = Promise.__table__, RepaymentPlan.__table__
    return set(conn.execute(select(promises.c.case_id).where(promises.c.status == "open")
                            .union(select(plans.c.case_id).where(plans.c.status == "active")))
               .scalars())


Line = tuple[int, int | None, str | None, str | None, bool, str]
"""A line of the day's allocation history: case, user, team, agency, changed, reason."""


def _collectors(cases: list[OpenCase], locked: set[int], collectors: list[Collector]
                ) -> tuple[list[Line], int]:
    """Cases without an agency step to collectors or their team's queue; returns the
    history lines and how many cases are left in a queue.

    Who stays with their collector is judged once per kind of case; the others are placed
    biggest balance first.
    """
    by_id = {c.user_id: c for c in collectors}
    judged: dict[tuple[Any, ...], str | None] = {}
    out: list[Line] = []
    pending: list[tuple[int, int, OpenCase, str]] = []
    for c in cases:
        role = c.role or "collector"
        key = (c.assigned_to, c.case_id in locked, c.team, c.bucket, role, c.language)
        if key in judged:
            why = judged[key]
        else:
            current = by_id.get(c.assigned_to) if c.assigned_to is not None else None
            why = judged[key] = keep_reason(current, locked=key[1], team=c.team,
                                            bucket=c.bucket, role=role, language=c.language)
        if why and c.assigned_to is not None:
            out.append((c.case_id, c.assigned_to, by_id[c.assigned_to].team, None, False, why))
        else:
            pending.append((-c.overdue_cents, c.case_id, c, role))
    pending.sort()  # biggest balance first, then by case (case ids are unique)
    reasons: dict[str, str] = {}  # each distinct reason kept once in memory
    picker = Picker(collectors, dict(Counter(line[1] for line in out)))
    queued = 0
    for _b, cid, c, role in pending:
        user, why, changed = place(picker, team=c.team, bucket=c.bucket, role=role,
                                   language=c.language, current_user=c.assigned_to)
        queued += user is None
        out.append((cid, user, c.team, None, changed, reasons.setdefault(why, why)))
    return out, queued


def allocate_day(session: Session, *, app: Any, as_of: date) -> AllocationResult:
    """Allocate every open case for ``as_of``: collectors, team queues and agencies."""
    cfg = allocation_settings(app)
    conn = session.connection()
    cases = _open_cases(conn, as_of)
    collectors = load_collectors(session, default_capacity=cfg.default_capacity)
    lines, queued = _collectors([c for c in cases if not c.agency], _locked(conn), collectors)
    changed = sum(line[4] for line in lines)
    agency_cases = [c for c in cases if c.agency]
    placed, recalled, agency_of = _agencies(conn, rows=agency_cases, as_of=as_of,
                                            open_ids=np.fromiter((c.case_id for c in cases),
                                                                 np.int64, len(cases)))
    lines += [(cid, None, None, ag, moved, why) for cid, (ag, why, moved) in agency_of.items()]
    del agency_of
    lines.sort(key=lambda line: line[0])  # the table's key order: the cheapest to insert
    session.execute(delete(CaseAllocation).where(CaseAllocation.as_of == as_of))
    for i in range(0, len(lines), PART):
        bulk_insert(conn, CaseAllocation.__table__, [
            {"case_id": cid, "as_of": as_of, "user_id": user, "team_id": team, "agency_id": ag,
             "changed": moved, "reason": why}
            for cid, user, team, ag, moved, why in lines[i:i + PART]])
    bulk_update(conn, CASES, keys=["case_id"], columns=["assigned_to", "team_id", "agency_id"],
                rows=_changes(cases, lines))
    return AllocationResult(cases=len(cases), changed=changed, queued=queued, placed=placed,
                            recalled=recalled)


def _changes(cases: list[OpenCase], lines: list[Line]) -> list[tuple[Any, ...]]:
    """(collector, team, agency, case) of the cases whose allocation changed; ``lines`` has
    one line a case, in case order like ``cases`` (an agency case keeps its step's team)."""
    out = []
    for c, (cid, user, team, ag, _m, _w) in zip(cases, lines, strict=True):
        assert c.case_id == cid
        want = (None, c.team, ag) if c.agency else (user, team, None)
        if want != (c.assigned_to, c.current_team, c.agency_id):
            out.append((*want, cid))
    return out


def _agency_infos(conn: Connection) -> list[AgencyInfo]:
    a = Agency.__table__
    return [AgencyInfo(aid, bool(w), ev) for aid, w, ev in conn.execute(
        select(a.c.agency_id, a.c.whitelisted, a.c.last_evaluated_on))]


def _agencies(conn: Connection, *, rows: list[OpenCase], as_of: date, open_ids: Any
              ) -> tuple[int, int, dict[int, tuple[str | None, str, bool]]]:
    """Place agency-step cases, recall the rest; returns (placed, recalled, case -> agency).
    ``open_ids``: the open cases' ids in order."""
    infos = {a.agency_id: a for a in _agency_infos(conn)}
    placed_rows = conn.execute(select(PLACEMENTS.c.placement_id, PLACEMENTS.c.case_id,
                                      PLACEMENTS.c.agency_id)
                               .where(PLACEMENTS.c.status == "placed")
                               .order_by(PLACEMENTS.c.placement_id)).all()
    placed_ids = np.fromiter((cid for _p, cid, _a in placed_rows), np.int64, len(placed_rows))
    open_case_ids = set(placed_ids[np.isin(placed_ids, open_ids)].tolist())
    current = {cid: (pid, ag) for pid, cid, ag in placed_rows}  # the newest per case
    judged = {pid for pid, _ag in current.values()}
    wanted = {r.case_id for r in rows}
    recalls: list[tuple[str, date, str, int]] = []
    for cid, (pid, ag) in list(current.items()):
        info = infos.get(ag)
        ok, why = agency_eligible(info, as_of=as_of) if info else (False, "agency removed")
        if cid not in open_case_ids:
            why, ok = "case closed", False
        elif cid not in wanted:
            why, ok = "case left the agency step of its strategy", False
        if not ok:
            recalls.append(("recalled", as_of, why, pid))
            del current[cid]
    recalled = len(recalls)
    # an older placement of the same case still open: it leaves too if the case closed
    recalls += [("recalled", as_of, "case closed", pid) for pid, cid, _ag in placed_rows
                if pid not in judged and cid not in open_case_ids]
    bulk_update(conn, PLACEMENTS, keys=["placement_id"],
                columns=["status", "recalled_on", "recall_reason"], rows=recalls)
    out, new = _place(rows, current, list(infos.values()), as_of)
    bulk_insert(conn, PLACEMENTS, new)
    return len(new), recalled, out


def _place(rows: list[OpenCase], current: dict[int, tuple[int, str]],
           agencies: list[AgencyInfo], as_of: date
           ) -> tuple[dict[int, tuple[str | None, str, bool]], list[dict[str, Any]]]:
    """Agency-step cases, biggest overdue first: each stays with its agency, or goes to the
    eligible agency with the fewest cases."""
    load = Counter(ag for _pid, ag in current.values())
    eligible = eligible_agencies(agencies, as_of=as_of)
    out: dict[int, tuple[str | None, str, bool]] = {}
    new: list[dict[str, Any]] = []
    for r in sorted(rows, key=lambda r: (-r.overdue_cents, r.case_id)):
        if r.case_id in current:
            out[r.case_id] = (current[r.case_id][1], "stays with its agency", False)
            continue
        choice = least_placed(eligible, placed=load)
        if choice is None:
            out[r.case_id] = (None, "no eligible agency (whitelisted, evaluated within 365 "
                              "days)", False)
            continue
        new.append({"case_id": r.case_id, "agency_id": choice.agency_id, "placed_on": as_of,
                    "placed_reason": "agency step of the strategy; fewest cases",
                    "overdue_at_placement": Decimal(r.overdue_cents).scaleb(-2),
                    "status": "placed", "recovered": Decimal("0.00")})
        load[choice.agency_id] += 1
        out[r.case_id] = (choice.agency_id, f"placed with {choice.agency_id}", True)
    return out, new
