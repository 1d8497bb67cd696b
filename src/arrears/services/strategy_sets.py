"""The strategy applied to a set of cases at once: the outcome and the words of
``arrears.domain.strategy.assign_treatment``, decided column by column (numpy).

Cases arrive as columns (``CaseSet``): numbers as arrays, money in cents, words as a
vocabulary and codes into it. A criterion is tested once per distinct value (or by an exact
integer bound for numbers), a segment is the AND of its criteria, the first segment that
holds wins; the ladder, the escalations and the reason follow per (arm, segment) group.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR
from itertools import repeat
from typing import Any

import numpy as np
import numpy.typing as npt

from arrears.domain.strategy import (
    Arm,
    Range,
    Segment,
    Step,
    Strategy,
    ladder_reason,
    segment_reason,
    shown_among,
    shown_flags_any,
    shown_flags_none,
    shown_is,
)

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Words:
    """A column of words (or of sets of words): its distinct values and a code per case."""

    values: tuple[Any, ...]
    codes: Ints

    @classmethod
    def of(cls, items: Iterable[Any], n: int) -> Words:
        index: dict[Any, int] = {}
        codes = np.fromiter((index.setdefault(v, len(index)) for v in items), np.int64, n)
        return cls(tuple(index), codes)

    @classmethod
    def same(cls, value: Any, n: int) -> Words:
        return cls((value,), np.zeros(n, np.int64))

    def test(self, predicate: Callable[[Any], bool]) -> Bools:
        """``predicate`` of each case's value, computed once per distinct value."""
        table = np.fromiter((bool(predicate(v)) for v in self.values), np.bool_,
                            len(self.values))
        return table[self.codes]

    def number(self, fn: Callable[[Any], int]) -> Ints:
        """``fn`` of each case's value, computed once per distinct value."""
        return np.fromiter((fn(v) for v in self.values), np.int64, len(self.values))[self.codes]

    def shown(self, words: Callable[[Any], str], rows: Ints) -> list[str]:
        """``words`` of the value of each case in ``rows``, formatted once per value."""
        table = [words(v) for v in self.values]
        return [table[c] for c in self.codes[rows].tolist()]


@dataclass(frozen=True)
class CaseSet:
    """The strategy's view of a set of open cases, column by column (``case_id`` order).

    ``prior_*`` describe the case's treatment on its latest earlier day (when
    ``has_prior``); dates are ordinals; ``broken_case``/``broken_day`` list the broken
    promises and plans (row of the case, day) that may escalate it.
    """

    case_id: Ints
    dpd: Ints
    bucket: Words
    balance_cents: Ints
    overdue_cents: Ints
    products: Words
    score_band: Words
    broken_promises: Ints
    flags: Words
    language: Words
    has_open_promise: Bools
    has_active_plan: Bools
    arm: Words
    prior_arm: Words
    prior_path: Words
    prior_entered: Ints
    has_prior: Bools
    broken_case: Ints
    broken_day: Ints

    def __len__(self) -> int:
        return len(self.case_id)


@dataclass(frozen=True)
class Decisions:
    """Per case: its step (``step`` indexes ``steps``, -1 when no segment matched), where it
    stands on its ladder, and the reason in words (None when unmatched)."""

    steps: list[Step]
    step: Ints
    arm: list[str | None]
    segment: list[str | None]
    path: list[str | None]
    step_index: Ints
    entered_on: Ints
    escalations: Ints
    reason: list[str | None]


def money_text(cents: int) -> str:
    """Cents as the two-place decimal they came from (``str`` of that ``Decimal``)."""
    whole, part = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{whole}.{part:02d}"


def _bounds(rng: Range, scale: int) -> tuple[int | None, int | None]:
    """Integer bounds equivalent to ``rng`` for integer values of ``value / scale``."""
    lo = None if rng.lo is None else int((rng.lo * scale).to_integral_value(ROUND_CEILING))
    hi = None if rng.hi is None else int((rng.hi * scale).to_integral_value(ROUND_FLOOR))
    return lo, hi


def _in(rng: Range, values: Ints, scale: int = 1) -> Bools:
    lo, hi = _bounds(rng, scale)
    out = np.ones(len(values), np.bool_)
    if lo is not None:
        out &= values >= lo
    if hi is not None:
        out &= values <= hi
    return out


def segment_mask(seg: Segment, cases: CaseSet) -> Bools:
    """Whether every criterion of ``seg`` holds, per case (``domain.segment_holds``)."""
    m = np.ones(len(cases), np.bool_)
    if seg.buckets is not None:
        allowed = seg.buckets
        m &= cases.bucket.test(lambda v: v in allowed)
    for rng, values, scale in ((seg.dpd, cases.dpd, 1), (seg.balance, cases.balance_cents, 100),
                               (seg.overdue, cases.overdue_cents, 100),
                               (seg.broken_promises, cases.broken_promises, 1)):
        if rng is not None:
            m &= _in(rng, values, scale)
    for words, wanted in ((cases.products, seg.products), (cases.flags, seg.flags_any)):
        if wanted is not None:
            m &= words.test(lambda v, w=wanted: bool(v & w))
    for words, allowed_set in ((cases.score_band, seg.score_bands),
                               (cases.language, seg.languages)):
        if allowed_set is not None:
            m &= words.test(lambda v, a=allowed_set: v in a)
    if seg.flags_none is not None:
        unwanted = seg.flags_none
        m &= cases.flags.test(lambda v: not v & unwanted)
    for flag, want in ((cases.has_open_promise, seg.has_open_promise),
                       (cases.has_active_plan, seg.has_active_plan)):
        if want is not None:
            m &= flag == want
    return m


def matched_words(seg: Segment, cases: CaseSet, rows: Ints) -> list[str]:
    """The criteria of ``seg`` in words for each case in ``rows`` (all of them hold):
    ``"; ".join`` of ``domain.segment_checks``'s first list."""
    parts: list[Sequence[str] | Iterable[str]] = []

    def const(name: str, shown: str) -> None:
        parts.append(repeat(f"{name} {shown}", len(rows)))

    if seg.buckets is not None:
        allowed = seg.buckets
        parts.append(cases.bucket.shown(lambda v: f"bucket {shown_among(v, allowed)}", rows))
    for name, rng, values, money in (
            ("dpd", seg.dpd, cases.dpd, False), ("balance", seg.balance, cases.balance_cents, True),
            ("overdue", seg.overdue, cases.overdue_cents, True),
            ("broken_promises", seg.broken_promises, cases.broken_promises, False)):
        if rng is not None:
            text = f" in {rng.describe()}"
            shown = map(money_text, values[rows].tolist()) if money else values[rows].tolist()
            parts.append([f"{name} {v}{text}" for v in shown])
    if seg.products is not None:
        products = seg.products
        parts.append(cases.products.shown(
            lambda v: f"product {shown_among(sorted(v), products)}", rows))
    for name, words, allowed_set in (("score_band", cases.score_band, seg.score_bands),
                                     ("language", cases.language, seg.languages)):
        if allowed_set is not None:
            parts.append(words.shown(
                lambda v, n=name, a=allowed_set: f"{n} {shown_among(v, a)}", rows))
    if seg.flags_any is not None:
        wanted = seg.flags_any
        parts.append(cases.flags.shown(lambda v: f"flags_any {shown_flags_any(v, wanted)}",
                                       rows))
    if seg.flags_none is not None:
        const("flags_none", shown_flags_none(seg.flags_none))
    for name, want in (("open_promise", seg.has_open_promise),
                       ("active_plan", seg.has_active_plan)):
        if want is not None:
            const(name, shown_is(want))
    if not parts:
        return [""] * len(rows)
    return ["; ".join(p) for p in zip(*parts, strict=False)]


def _first_match(arm: Arm, cases: CaseSet, rows: Ints) -> Ints:
    """Index of the first segment of ``arm`` that holds for each case in ``rows`` (-1: none)."""
    sub = _subset(cases, rows)
    out = np.full(len(rows), -1, np.int64)
    for j, seg in enumerate(arm.segments):
        free = out < 0
        if not free.any():
            break
        out[free & segment_mask(seg, sub)] = j
    return out


def _subset(cases: CaseSet, rows: Ints) -> CaseSet:
    def words(w: Words) -> Words:
        return Words(w.values, w.codes[rows])

    return CaseSet(
        case_id=cases.case_id[rows], dpd=cases.dpd[rows], bucket=words(cases.bucket),
        balance_cents=cases.balance_cents[rows], overdue_cents=cases.overdue_cents[rows],
        products=words(cases.products), score_band=words(cases.score_band),
        broken_promises=cases.broken_promises[rows], flags=words(cases.flags),
        language=words(cases.language), has_open_promise=cases.has_open_promise[rows],
        has_active_plan=cases.has_active_plan[rows], arm=words(cases.arm),
        prior_arm=words(cases.prior_arm), prior_path=words(cases.prior_path),
        prior_entered=cases.prior_entered[rows], has_prior=cases.has_prior[rows],
        broken_case=cases.broken_case, broken_day=cases.broken_day)


@dataclass(frozen=True)
class _Group:
    arm: Arm
    segment: Segment
    rows: Ints


def _groups(strategy: Strategy, cases: CaseSet) -> list[_Group]:
    """Cases grouped by (arm, first segment that holds), arms in the strategy's order."""
    chosen = cases.arm.number(lambda v: strategy.arms.index(strategy.arm(v)))
    out = []
    for a, arm in enumerate(strategy.arms):
        rows = np.flatnonzero(chosen == a)
        if not len(rows):
            continue
        first = _first_match(arm, cases, rows)
        for j, seg in enumerate(arm.segments):
            picked = rows[first == j]
            if len(picked):
                out.append(_Group(arm, seg, picked))
    return out


def _entered(group: _Group, cases: CaseSet, as_of: int) -> Ints:
    """The day the case entered its path: kept from yesterday when arm and path are the
    same, else today."""
    rows = group.rows
    same = cases.has_prior[rows] \
        & cases.prior_path.test(lambda v: v == group.segment.path)[rows] \
        & cases.prior_arm.test(lambda v: v == group.arm.name)[rows]
    return np.where(same, cases.prior_entered[rows], as_of)


def _escalations(cases: CaseSet, entered: Ints, as_of: int) -> Ints:
    """Broken promises and plans from the day of entering the path to today, per case."""
    case, day = cases.broken_case, cases.broken_day
    counted = (day >= entered[case]) & (day <= as_of)
    return np.bincount(case[counted], minlength=len(cases)).astype(np.int64)


def _timed(steps: tuple[Step, ...], days: Ints) -> Ints:
    """``domain.step_index_for`` without escalations: the last step whose day has come."""
    out = np.zeros(len(days), np.int64)
    for i, step in enumerate(steps):
        out[days >= step.after_days] = i
    return out


def decide(strategy: Strategy, cases: CaseSet, *, as_of: int) -> Decisions:
    """Each case's treatment on day ``as_of`` (an ordinal), as ``assign_treatment`` gives it."""
    n = len(cases)
    groups = _groups(strategy, cases)
    entered = np.full(n, as_of, np.int64)
    for g in groups:
        entered[g.rows] = _entered(g, cases, as_of)
    escalations = _escalations(cases, entered, as_of)
    steps: list[Step] = []
    step = np.full(n, -1, np.int64)
    index = np.zeros(n, np.int64)
    arm: list[str | None] = [None] * n
    segment: list[str | None] = [None] * n
    path: list[str | None] = [None] * n
    reason: list[str | None] = [None] * n
    for g in groups:
        ladder = g.arm.paths[g.segment.path]
        days = as_of - entered[g.rows]
        at = np.minimum(len(ladder) - 1, _timed(ladder, days) + escalations[g.rows])
        index[g.rows] = at
        step[g.rows] = at + len(steps)
        steps.extend(ladder)
        rows = g.rows.tolist()
        for r in rows:
            arm[r], segment[r], path[r] = g.arm.name, g.segment.id, g.segment.path
        texts = _reasons(g, matched_words(g.segment, cases, g.rows), days, at,
                         escalations[g.rows])
        for r, text in zip(rows, texts, strict=True):
            reason[r] = text
    return Decisions(steps, step, arm, segment, path, index, entered, escalations, reason)


def _reasons(g: _Group, matched: list[str], days: Ints, at: Ints, esc: Ints) -> list[str]:
    """The reason of each case of a group, each distinct part worded once."""
    ladder = g.arm.paths[g.segment.path]
    heads: dict[str, str] = {}
    tails: dict[tuple[int, int, int], str] = {}
    out = []
    for m, d, i, e in zip(matched, days.tolist(), at.tolist(), esc.tolist(), strict=True):
        head = heads.get(m)
        if head is None:
            head = heads[m] = segment_reason(g.segment.id, m)
        tail = tails.get((d, i, e))
        if tail is None:
            tail = tails[(d, i, e)] = ladder_reason(g.segment.path, ladder, days=d, index=i,
                                                    escalations=e)
        out.append(f"{head}; {tail}")
    return out
