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

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

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


@dataclass
class _Load:
    counts: dict[int, int] = field(default_factory=dict)

    def ratio(self, c: Collector) -> tuple[float, int, int]:
        n = self.counts.get(c.user_id, 0)
        return (n / max(c.capacity, 1), n, c.user_id)


def _keep(slot: CaseSlot, by_id: dict[int, Collector]) -> str | None:
    current = by_id.get(slot.current_user) if slot.current_user is not None else None
    if current is None or not current.active:
        return None
    if slot.locked:
        return "continuity: a promise or plan is running"
    if (current.works(team=slot.team, bucket=slot.bucket, role=slot.role)
            and current.speaks(slot.language)):
        return "same collector still fits"
    return None


def _pick(slot: CaseSlot, pool: list[Collector], load: _Load) -> tuple[Collector | None, str]:
    fits = [c for c in pool if c.works(team=slot.team, bucket=slot.bucket, role=slot.role)
            and load.counts.get(c.user_id, 0) < c.capacity]
    speakers = [c for c in fits if c.speaks(slot.language)]
    if speakers:
        return min(speakers, key=load.ratio), "least loaded collector with the skills"
    if fits:
        return min(fits, key=load.ratio), f"no free collector speaks {slot.language}; least loaded"
    return None, "no collector with free capacity: left in the team queue"


def allocate(slots: list[CaseSlot], collectors: list[Collector], *,
             base_load: dict[int, int]) -> list[Allocation]:
    """Allocate ``slots``; ``base_load`` counts each collector's cases not in ``slots``."""
    by_id = {c.user_id: c for c in collectors}
    load = _Load(dict(base_load))
    out: list[Allocation] = []
    pending: list[CaseSlot] = []
    for slot in slots:
        why = _keep(slot, by_id)
        if why and slot.current_user is not None:
            load.counts[slot.current_user] = load.counts.get(slot.current_user, 0) + 1
            out.append(Allocation(slot.case_id, slot.current_user,
                                  by_id[slot.current_user].team, why, False))
        else:
            pending.append(slot)
    pending.sort(key=lambda s: (-s.balance, s.case_id))
    for slot in pending:
        chosen, why = _pick(slot, collectors, load)
        user = chosen.user_id if chosen else None
        if user is not None:
            load.counts[user] = load.counts.get(user, 0) + 1
        if slot.current_user is not None and user != slot.current_user:
            why = f"re-allocated ({why})"
        out.append(Allocation(slot.case_id, user, slot.team, why, user != slot.current_user))
    return out


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


def pick_agency(agencies: list[AgencyInfo], *, placed: dict[str, int], as_of: date
                ) -> AgencyInfo | None:
    """The eligible agency with the fewest cases placed (ties: by id)."""
    eligible = [a for a in agencies if agency_eligible(a, as_of=as_of)[0]]
    if not eligible:
        return None
    return min(eligible, key=lambda a: (placed.get(a.agency_id, 0), a.agency_id))
