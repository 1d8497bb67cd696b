"""Allocation (分案): cases to teams and collectors, placements with agencies.

Rules, in order:
1. Continuity: while a promise or a plan runs, the case stays with its collector (if active).
2. A case whose collector still fits (team of today's step, bucket and language skills,
   active) stays with them; a case that rolled to a bucket its collector does not work is
   re-allocated.
3. Otherwise the eligible collector with the lightest load relative to capacity takes it
   (fairness); language is a preference that falls back to any collector of the team.
   Bigger balances are placed first, so scarce capacity goes where the money is.
4. Agencies: only whitelisted agencies evaluated within the last 365 days; the one with the
   fewest placed cases takes the next one.

Pure: standard library only.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

AGENCY_EVALUATION_MAX_DAYS = 365


@dataclass(frozen=True)
class Collector:
    user_id: int
    team: str | None
    languages: frozenset[str] = frozenset()
    buckets: frozenset[str] = frozenset()  # empty: every bucket
    capacity: int = 200
    active: bool = True
    role: str = "collector"

    def works(self, *, team: str | None, bucket: str, role: str = "collector") -> bool:
        return (self.active and self.role == role and (team is None or self.team == team)
                and (not self.buckets or bucket in self.buckets))

    def speaks(self, language: str | None) -> bool:
        if not language or not self.languages:
            return True
        base = language.split("-")[0]
        return any(lang == language or lang.split("-")[0] == base for lang in self.languages)


@dataclass(frozen=True)
class CaseSlot:
    """A case to (re)allocate today."""

    case_id: int
    bucket: str
    team: str | None
    language: str | None
    balance: Decimal
    current_user: int | None
    locked: bool = False  # a promise or a plan is running
    role: str = "collector"


@dataclass(frozen=True)
class Allocation:
    case_id: int
    user_id: int | None
    team: str | None
    reason: str
    changed: bool


def keep_reason(current: Collector | None, *, locked: bool, team: str | None, bucket: str,
                role: str, language: str | None) -> str | None:
    """Why a case stays with its current collector today (None: it is allocated anew)."""
    if current is None or not current.active:
        return None
    if locked:
        return "continuity: a promise or plan is running"
    if current.works(team=team, bucket=bucket, role=role) and current.speaks(language):
        return "same collector still fits"
    return None


def _ratio(load: int, c: Collector) -> tuple[float, int, int]:
    return (load / max(c.capacity, 1), load, c.user_id)


class Picker:
    """The least loaded collector (relative to capacity) who has the skills and free
    capacity, for one case after another; taking a case adds to the collector's load.

    Collectors are grouped once per kind of case (team, bucket, role, language) into heaps
    ordered by load ratio; a heap entry whose load has grown since is put back with its
    current load when it comes to the top, so each pick costs a logarithm, not a scan of
    every collector.
    """

    def __init__(self, collectors: list[Collector], load: dict[int, int]) -> None:
        self.collectors = collectors
        self.by_id = {c.user_id: c for c in collectors}
        self.load = load
        self._heaps: dict[tuple[Any, ...], tuple[list[Any], list[Any]]] = {}

    def _heaps_for(self, team: str | None, bucket: str, role: str, language: str | None
                   ) -> tuple[list[Any], list[Any]]:
        """(speakers of the language, everyone with the skills) for a kind of case."""
        key = (team, bucket, role, language.split("-")[0] if language else None)
        heaps = self._heaps.get(key)
        if heaps is None:
            fits = [c for c in self.collectors if c.works(team=team, bucket=bucket, role=role)]
            speakers = [c for c in fits if c.speaks(language)]
            heaps = self._heaps[key] = (
                sorted(_ratio(self.load.get(c.user_id, 0), c) for c in speakers),
                sorted(_ratio(self.load.get(c.user_id, 0), c) for c in fits))
        return heaps

    def _top(self, heap: list[Any]) -> Collector | None:
        while heap:
            _r, n, uid = heap[0]
            c = self.by_id[uid]
            now = self.load.get(uid, 0)
            if now >= c.capacity:
                heapq.heappop(heap)  # full: loads only grow today
            elif now != n:
                heapq.heapreplace(heap, _ratio(now, c))
            else:
                return c
        return None

    def pick(self, *, team: str | None, bucket: str, role: str, language: str | None
             ) -> tuple[Collector | None, str]:
        """Who takes a case of this kind, and why (language is a preference)."""
        speakers, fits = self._heaps_for(team, bucket, role, language)
        chosen = self._top(speakers)
        if chosen is not None:
            return chosen, "least loaded collector with the skills"
        chosen = self._top(fits)
        if chosen is not None:
            return chosen, f"no free collector speaks {language}; least loaded"
        return None, "no collector with free capacity: left in the team queue"

    def take(self, user_id: int) -> None:
        self.load[user_id] = self.load.get(user_id, 0) + 1


def allocate(slots: list[CaseSlot], collectors: list[Collector], *,
             base_load: dict[int, int]) -> list[Allocation]:
    """Allocate ``slots``; ``base_load`` counts each collector's cases not in ``slots``."""
    picker = Picker(collectors, dict(base_load))
    out: list[Allocation] = []
    pending: list[CaseSlot] = []
    for slot in slots:
        current = picker.by_id.get(slot.current_user) if slot.current_user is not None else None
        why = keep_reason(current, locked=slot.locked, team=slot.team, bucket=slot.bucket,
                          role=slot.role, language=slot.language)
        if why and current is not None:
            picker.take(current.user_id)
            out.append(Allocation(slot.case_id, current.user_id, current.team, why, False))
        else:
            pending.append(slot)
    pending.sort(key=lambda s: (-s.balance, s.case_id))
    for slot in pending:
        user, why, changed = place(picker, team=slot.team, bucket=slot.bucket, role=slot.role,
                                   language=slot.language, current_user=slot.current_user)
        out.append(Allocation(slot.case_id, user, slot.team, why, changed))
    return out


def place(picker: Picker, *, team: str | None, bucket: str, role: str, language: str | None,
          current_user: int | None) -> tuple[int | None, str, bool]:
    """(collector, reason, changed) of a case that does not stay with its collector."""
    chosen, why = picker.pick(team=team, bucket=bucket, role=role, language=language)
    user = chosen.user_id if chosen else None
    if user is not None:
        picker.take(user)
    if current_user is not None and user != current_user:
        why = f"re-allocated ({why})"
    return user, why, user != current_user


@dataclass(frozen=True)
class AgencyInfo:
    agency_id: str
    whitelisted: bool
    last_evaluated_on: date | None


def agency_eligible(agency: AgencyInfo, *, as_of: date) -> tuple[bool, str]:
    """The compliance rule: on the whitelist, evaluated at most 365 days ago."""
    if not agency.whitelisted:
        return False, "agency is not on the whitelist"
    if agency.last_evaluated_on is None:
        return False, "agency was never evaluated"
    age = (as_of - agency.last_evaluated_on).days
    if age > AGENCY_EVALUATION_MAX_DAYS:
        return False, f"agency's last evaluation is {age} days old (max 365)"
    return True, "whitelisted and evaluated within 365 days"


def eligible_agencies(agencies: list[AgencyInfo], *, as_of: date) -> list[AgencyInfo]:
    """The agencies that may take cases on ``as_of``."""
    return [a for a in agencies if agency_eligible(a, as_of=as_of)[0]]


def least_placed(eligible: list[AgencyInfo], *, placed: dict[str, int]) -> AgencyInfo | None:
    """The agency with the fewest cases placed (ties: by id)."""
    if not eligible:
        return None
    return min(eligible, key=lambda a: (placed.get(a.agency_id, 0), a.agency_id))


def pick_agency(agencies: list[AgencyInfo], *, placed: dict[str, int], as_of: date
                ) -> AgencyInfo | None:
    """The eligible agency with the fewest cases placed (ties: by id)."""
    return least_placed(eligible_agencies(agencies, as_of=as_of), placed=placed)
