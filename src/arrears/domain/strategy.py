"""Treatment strategies: segments, ladders of steps, champion/challenger arms.

A strategy maps every open case to a *segment* (first rule that matches wins), each segment
to a *path* (a ladder of treatment steps), and picks the step on the ladder from the days
the case has spent on that path plus one step per escalation (a broken promise or plan).
Champion/challenger: each case falls in an *arm* by a stable hash of its id and the
experiment seed; a challenger arm may replace the segments and/or the paths of the champion.

Pure: standard library only.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

STEP_KINDS = (
    "pre_due_sms", "sms_reminder", "gentle_call", "firm_call", "email_reminder",
    "written_notice", "supervisor_review", "agency_placement", "legal_review",
    "write_off_review", "monitor",
)
CHANNELS = ("sms", "call", "email", "letter", "review", "agency", "none")
MESSAGE_CHANNELS = ("sms", "email", "letter")
TONES = ("gentle", "neutral", "firm", "formal")
CHAMPION = "champion"


@dataclass(frozen=True)
class Range:
    """A closed interval; either end may be open (None)."""

    lo: Decimal | None = None
    hi: Decimal | None = None

    def contains(self, value: Decimal | int) -> bool:
        v = Decimal(value)
        return (self.lo is None or v >= self.lo) and (self.hi is None or v <= self.hi)

    def describe(self) -> str:
        lo = "" if self.lo is None else str(self.lo)
        hi = "" if self.hi is None else str(self.hi)
        return f"{lo}..{hi}"


@dataclass(frozen=True)
class Step:
    """One rung of a ladder: what is done, how, in which tone, from which day, by whom."""

    id: str
    kind: str
    channel: str
    script: str | None
    tone: str
    after_days: int
    team: str | None = None
    role: str = "collector"
    agency: bool = False

    @property
    def sends_message(self) -> bool:
        return self.channel in MESSAGE_CHANNELS


@dataclass(frozen=True)
class Segment:
    """A rule over case facts; every given criterion must hold (None: not checked)."""

    id: str
    path: str
    buckets: frozenset[str] | None = None
    dpd: Range | None = None
    balance: Range | None = None
    overdue: Range | None = None
    products: frozenset[str] | None = None
    score_bands: frozenset[str] | None = None
    broken_promises: Range | None = None
    flags_any: frozenset[str] | None = None
    flags_none: frozenset[str] | None = None
    languages: frozenset[str] | None = None
    has_open_promise: bool | None = None
    has_active_plan: bool | None = None


@dataclass(frozen=True)
class Arm:
    """Champion or a challenger: its share of cases, its segments and its paths."""

    name: str
    share: Decimal
    segments: tuple[Segment, ...]
    paths: dict[str, tuple[Step, ...]] = field(hash=False)


@dataclass(frozen=True)
class Strategy:
    """A validated strategy version; ``arms[0]`` is the champion."""

    name: str
    effective_from: date
    experiment: str
    arms: tuple[Arm, ...]
    escalate_on: frozenset[str] = frozenset({"promise_broken", "plan_broken"})

    def arm(self, name: str) -> Arm:
        for arm in self.arms:
            if arm.name == name:
                return arm
        return self.arms[0]


@dataclass(frozen=True)
class CaseFacts:
    """What the strategy looks at for one case on one day."""

    case_id: int
    dpd: int
    bucket: str
    balance: Decimal
    overdue: Decimal
    products: frozenset[str] = frozenset()
    score_band: str | None = None
    broken_promises: int = 0
    flags: frozenset[str] = frozenset()
    language: str | None = None
    has_open_promise: bool = False
    has_active_plan: bool = False


@dataclass(frozen=True)
class Prior:
    """The case's treatment on its previous run day (None when new)."""

    arm: str
    path: str
    entered_on: date


@dataclass(frozen=True)
class Treatment:
    """The step a case is on today, and why."""

    case_id: int
    arm: str
    segment: str
    path: str
    step_index: int
    step: Step
    entered_on: date
    escalations: int
    reason: str


class NoSegmentMatched(ValueError):
    """A strategy without a catch-all segment met a case none of its rules match."""


HASH_SPACE = 2**64


def case_hash(experiment: str, case_id: int) -> int:
    """The case's stable 64-bit hash in an experiment (the seed of its arm)."""
    digest = hashlib.sha256(f"{experiment}:{case_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def arm_for(strategy: Strategy, case_id: int) -> str:
    """Stable random arm: a hash of the experiment seed and the case id in [0, 1)."""
    u = Decimal(case_hash(strategy.experiment, case_id)) / Decimal(HASH_SPACE)
    cumulative = Decimal(0)
    for arm in strategy.arms[1:]:
        cumulative += arm.share
        if u < cumulative:
            return arm.name
    return strategy.arms[0].name


def arm_bounds(strategy: Strategy) -> tuple[tuple[int, str], ...]:
    """Per challenger, the first hash that no longer falls in it: ``arm_for`` is the first
    challenger whose bound is above the case's hash, else the champion.

    Each bound is found by bisection on the very comparison ``arm_for`` makes, so a whole
    book is split with integer comparisons and the same outcome.
    """
    out = []
    cumulative = Decimal(0)
    for arm in strategy.arms[1:]:
        cumulative += arm.share
        lo, hi = 0, HASH_SPACE
        while lo < hi:
            mid = (lo + hi) // 2
            if Decimal(mid) / Decimal(HASH_SPACE) < cumulative:
                lo = mid + 1
            else:
                hi = mid
        out.append((lo, arm.name))
    return tuple(out)


def arm_of_hash(bounds: tuple[tuple[int, str], ...], champion: str, value: int) -> str:
    """The arm of a case hash (see ``arm_bounds``)."""
    for bound, name in bounds:
        if value < bound:
            return name
    return champion


def _check(name: str, ok: bool, shown: str, failures: list[str], matched: list[str]) -> None:
    (matched if ok else failures).append(f"{name} {shown}")


# How a criterion shows its value in a treatment's reason (shared with the set-based
# assignment of a whole book, which words its reasons the same way).
def shown_among(value: object, allowed: frozenset[str]) -> str:
    return f"{value} in {sorted(allowed)}"


def shown_range(value: object, rng: Range) -> str:
    return f"{value} in {rng.describe()}"


def shown_flags_any(flags: frozenset[str], wanted: frozenset[str]) -> str:
    hit = sorted(flags & wanted)
    return f"{hit or '-'} of {sorted(wanted)}"


def shown_flags_none(unwanted: frozenset[str]) -> str:
    return f"none of {sorted(unwanted)}"


def shown_is(value: bool) -> str:
    return f"is {str(value).lower()}"


def segment_checks(segment: Segment, facts: CaseFacts) -> tuple[list[str], list[str]]:
    """(criteria that hold, criteria that fail) for one segment, in words."""
    ok: list[str] = []
    bad: list[str] = []
    if segment.buckets is not None:
        _check("bucket", facts.bucket in segment.buckets,
               shown_among(facts.bucket, segment.buckets), bad, ok)
    for name, rng, value in (("dpd", segment.dpd, facts.dpd),
                             ("balance", segment.balance, facts.balance),
                             ("overdue", segment.overdue, facts.overdue),
                             ("broken_promises", segment.broken_promises,
                              facts.broken_promises)):
        if rng is not None:
            _check(name, rng.contains(value), shown_range(value, rng), bad, ok)
    if segment.products is not None:
        _check("product", bool(facts.products & segment.products),
               shown_among(sorted(facts.products), segment.products), bad, ok)
    if segment.score_bands is not None:
        _check("score_band", facts.score_band in segment.score_bands,
               shown_among(facts.score_band, segment.score_bands), bad, ok)
    if segment.languages is not None:
        _check("language", facts.language in segment.languages,
               shown_among(facts.language, segment.languages), bad, ok)
    if segment.flags_any is not None:
        _check("flags_any", bool(facts.flags & segment.flags_any),
               shown_flags_any(facts.flags, segment.flags_any), bad, ok)
    if segment.flags_none is not None:
        _check("flags_none", not facts.flags & segment.flags_none,
               shown_flags_none(segment.flags_none), bad, ok)
    for name, want, have in (("open_promise", segment.has_open_promise, facts.has_open_promise),
                             ("active_plan", segment.has_active_plan, facts.has_active_plan)):
        if want is not None:
            _check(name, want == have, shown_is(have), bad, ok)
    return ok, bad


def _in_range(rng: Range | None, value: Decimal | int) -> bool:
    return rng is None or rng.contains(value)


def segment_holds(segment: Segment, facts: CaseFacts) -> bool:
    """Whether every criterion of ``segment`` holds (``segment_checks`` without the words)."""
    def given_and(want: object, ok: bool) -> bool:
        return want is None or ok

    return (given_and(segment.buckets, facts.bucket in (segment.buckets or ()))
            and _in_range(segment.dpd, facts.dpd) and _in_range(segment.balance, facts.balance)
            and _in_range(segment.overdue, facts.overdue)
            and _in_range(segment.broken_promises, facts.broken_promises)
            and given_and(segment.products, bool(facts.products & (segment.products or set())))
            and given_and(segment.score_bands, facts.score_band in (segment.score_bands or ()))
            and given_and(segment.languages, facts.language in (segment.languages or ()))
            and given_and(segment.flags_any, bool(facts.flags & (segment.flags_any or set())))
            and given_and(segment.flags_none, not facts.flags & (segment.flags_none or set()))
            and given_and(segment.has_open_promise,
                          segment.has_open_promise == facts.has_open_promise)
            and given_and(segment.has_active_plan,
                          segment.has_active_plan == facts.has_active_plan))


def match_segment(segments: tuple[Segment, ...], facts: CaseFacts) -> tuple[Segment, list[str]]:
    """The first segment whose criteria all hold, with the criteria that matched.

    Segments are tested without building their descriptions; only the one that matches
    is described.
    """
    for segment in segments:
        if segment_holds(segment, facts):
            ok, bad = segment_checks(segment, facts)
            assert not bad, f"segment {segment.id}: {bad}"
            return segment, ok
    raise NoSegmentMatched(f"no segment matches case {facts.case_id}")


def count_escalations(broken_on: tuple[date, ...], *, entered_on: date, as_of: date) -> int:
    """Each promise or plan broken since the case entered its path (that day included)
    moves it one rung up: a case that leaves a broken plan re-enters its ladder one higher."""
    return sum(1 for d in broken_on if entered_on <= d <= as_of)


def step_index_for(steps: tuple[Step, ...], *, days_on_path: int, escalations: int) -> int:
    """The last step whose timing has come, plus one per escalation, capped at the top."""
    timed = 0
    for i, step in enumerate(steps):
        if step.after_days <= days_on_path:
            timed = i
    return min(len(steps) - 1, timed + escalations)


def assign_treatment(strategy: Strategy, facts: CaseFacts, *, arm: str, prior: Prior | None,
                     broken_on: tuple[date, ...], as_of: date) -> Treatment:
    """Today's step for one case, with the reason in words."""
    chosen = strategy.arm(arm)
    segment, matched = match_segment(chosen.segments, facts)
    steps = chosen.paths[segment.path]
    same_path = prior is not None and prior.path == segment.path and prior.arm == chosen.name
    entered_on = prior.entered_on if same_path and prior is not None else as_of
    escalations = count_escalations(broken_on, entered_on=entered_on, as_of=as_of)
    days = (as_of - entered_on).days
    index = step_index_for(steps, days_on_path=days, escalations=escalations)
    ladder = ladder_reason(segment.path, steps, days=days, index=index, escalations=escalations)
    reason = f"{segment_reason(segment.id, '; '.join(matched))}; {ladder}"
    return Treatment(case_id=facts.case_id, arm=chosen.name, segment=segment.id,
                     path=segment.path, step_index=index, step=steps[index],
                     entered_on=entered_on, escalations=escalations, reason=reason)


def segment_reason(segment_id: str, matched: str) -> str:
    """The first part of a treatment's reason: the segment and the criteria that held."""
    return f"segment {segment_id} ({matched or 'catch-all'})"


def ladder_reason(path: str, steps: tuple[Step, ...], *, days: int, index: int,
                  escalations: int) -> str:
    """The rest of a treatment's reason: the day on the path, the step, the escalations."""
    step = steps[index]
    why = [f"path {path} day {days}",
           f"step {index + 1}/{len(steps)} {step.id} (from day {step.after_days})"]
    if escalations:
        why.append(f"+{escalations} escalation(s) for broken promises/plans")
    return "; ".join(why)
