"""The strategy file format (YAML), validated with pydantic into domain objects.

```yaml
name: default
effective_from: 2026-01-01
experiment: default-2026        # seed of the stable champion/challenger hash
escalate_on: [promise_broken, plan_broken]
segments:                        # first match wins; the last one should catch all
  - id: early
    path: early
    when: {buckets: [M1], balance: {max: 5000}}
paths:
  early:
    - {id: gentle_call, kind: gentle_call, channel: call, script: gentle_call,
       tone: gentle, after_days: 0, worked_by: {team: early, role: collector}}
challengers:
  - name: sms_first
    share: 0.2
    paths: {early: [...]}        # replaces the champion's paths (and/or segments)
```
Errors name the path of the bad field, e.g. ``paths.early[1].tone``.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from arrears.domain import strategy as d
from arrears.errors import InvalidInput


class StrategyInvalid(InvalidInput):
    """A strategy file that cannot be used; ``field`` is the path of the bad field."""

    code = "strategy_invalid"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RangeSpec(_Model):
    min: Decimal | None = None
    max: Decimal | None = None

    @model_validator(mode="after")
    def _ordered(self) -> RangeSpec:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min must not be above max")
        return self

    def to_domain(self) -> d.Range:
        return d.Range(self.min, self.max)


class WhenSpec(_Model):
    buckets: list[str] | None = None
    dpd: RangeSpec | None = None
    balance: RangeSpec | None = None
    overdue: RangeSpec | None = None
    products: list[str] | None = None
    score_bands: list[Literal["A", "B", "C", "D", "E"]] | None = None
    broken_promises: RangeSpec | None = None
    flags_any: list[str] | None = None
    flags_none: list[str] | None = None
    languages: list[str] | None = None
    has_open_promise: bool | None = None
    has_active_plan: bool | None = None


class SegmentSpec(_Model):
    id: str = Field(min_length=1, max_length=60)
    path: str
    when: WhenSpec = Field(default_factory=WhenSpec)

    def to_domain(self) -> d.Segment:
        w = self.when

        def fs(values: list[str] | None) -> frozenset[str] | None:
            return None if values is None else frozenset(values)

        def rg(spec: RangeSpec | None) -> d.Range | None:
            return None if spec is None else spec.to_domain()

        return d.Segment(
            id=self.id, path=self.path, buckets=fs(w.buckets), dpd=rg(w.dpd),
            balance=rg(w.balance), overdue=rg(w.overdue), products=fs(w.products),
            score_bands=fs(w.score_bands), broken_promises=rg(w.broken_promises),
            flags_any=fs(w.flags_any), flags_none=fs(w.flags_none), languages=fs(w.languages),
            has_open_promise=w.has_open_promise, has_active_plan=w.has_active_plan)


class WorkedBy(_Model):
    team: str | None = None
    role: Literal["collector", "team_lead", "qa_reviewer", "compliance_officer", "admin",
                  "agency"] = "collector"
    agency: bool = False


class StepSpec(_Model):
    id: str = Field(min_length=1, max_length=60)
    kind: Literal[d.STEP_KINDS]  # type: ignore[valid-type]
    channel: Literal[d.CHANNELS]  # type: ignore[valid-type]
    script: str | None = None
    tone: Literal[d.TONES] = "neutral"  # type: ignore[valid-type]
    after_days: int = Field(default=0, ge=0, le=3650)
    worked_by: WorkedBy = Field(default_factory=WorkedBy)

    @model_validator(mode="after")
    def _messages_need_script(self) -> StepSpec:
        if self.channel in d.MESSAGE_CHANNELS and not self.script:
            raise ValueError(f"a {self.channel} step needs a script (its message template)")
        return self

    def to_domain(self) -> d.Step:
        return d.Step(id=self.id, kind=self.kind, channel=self.channel, script=self.script,
                      tone=self.tone, after_days=self.after_days, team=self.worked_by.team,
                      role=self.worked_by.role, agency=self.worked_by.agency)


Paths = dict[str, list[StepSpec]]


def _check_paths(paths: Paths, segments: list[SegmentSpec], where: str) -> None:
    for name, steps in paths.items():
        if not steps:
            raise ValueError(f"{where}paths.{name}: a path needs at least one step")
        days = [s.after_days for s in steps]
        if days != sorted(days):
            raise ValueError(f"{where}paths.{name}: steps must be in order of after_days")
        ids = [s.id for s in steps]
        if len(ids) != len(set(ids)):
            raise ValueError(f"{where}paths.{name}: step ids must be unique")
    for i, seg in enumerate(segments):
        if seg.path not in paths:
            raise ValueError(f"{where}segments[{i}].path: unknown path {seg.path!r}")


class ChallengerSpec(_Model):
    name: str = Field(min_length=1, max_length=40)
    share: Decimal = Field(gt=0, lt=1)
    segments: list[SegmentSpec] | None = None
    paths: Paths | None = None


class StrategySpec(_Model):
    name: str = Field(min_length=1, max_length=60)
    effective_from: date
    experiment: str = Field(default="default", min_length=1, max_length=60)
    description: str | None = None
    escalate_on: list[Literal["promise_broken", "plan_broken"]] = Field(
        default_factory=lambda: ["promise_broken", "plan_broken"])
    segments: list[SegmentSpec] = Field(min_length=1)
    paths: Paths
    challengers: list[ChallengerSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> StrategySpec:
        _check_paths(self.paths, self.segments, "")
        ids = [s.id for s in self.segments]
        if len(ids) != len(set(ids)):
            raise ValueError("segments: segment ids must be unique")
        names = [c.name for c in self.challengers]
        if d.CHAMPION in names or len(names) != len(set(names)):
            raise ValueError("challengers: names must be unique and not 'champion'")
        if sum((c.share for c in self.challengers), Decimal(0)) >= 1:
            raise ValueError("challengers: shares must add up to less than 1")
        for i, ch in enumerate(self.challengers):
            paths = {**self.paths, **(ch.paths or {})}
            _check_paths(paths, ch.segments or self.segments, f"challengers[{i}].")
        return self

    def to_domain(self) -> d.Strategy:
        def arm(name: str, share: Decimal, segs: list[SegmentSpec], paths: Paths) -> d.Arm:
            return d.Arm(name, share, tuple(s.to_domain() for s in segs),
                         {k: tuple(s.to_domain() for s in v) for k, v in paths.items()})

        rest = Decimal(1) - sum((c.share for c in self.challengers), Decimal(0))
        arms = [arm(d.CHAMPION, rest, self.segments, self.paths)]
        for ch in self.challengers:
            arms.append(arm(ch.name, ch.share, ch.segments or self.segments,
                            {**self.paths, **(ch.paths or {})}))
        return d.Strategy(self.name, self.effective_from, self.experiment, tuple(arms),
                          frozenset(self.escalate_on))

    def scripts(self) -> set[str]:
        """Every message template the strategy refers to."""
        out = set()
        for paths in [self.paths, *[c.paths or {} for c in self.challengers]]:
            for steps in paths.values():
                out |= {s.script for s in steps if s.script and s.channel in d.MESSAGE_CHANNELS}
        return out


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif str(part).startswith(("function-", "literal[", "list[")):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out


_CROSS = re.compile(r"^Value error, ([\w\[\]\.]+): (.*)$", re.S)


def _where(error: Any) -> tuple[str, str]:
    """(path of the bad field, message); cross-field checks put the path in their message."""
    where = _loc(tuple(error["loc"]))
    match = _CROSS.match(error["msg"])
    if match:
        inner = match.group(1)
        return (f"{where}.{inner}" if where else inner), match.group(2)
    return where or "(top)", error["msg"]


def parse_strategy(text: str, *, source: str = "strategy") -> StrategySpec:
    """Parse and validate YAML; errors name the source and the path of the bad field."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise StrategyInvalid(f"{source}: not valid YAML: {exc}", field="(file)") from exc
    if not isinstance(data, dict):
        raise StrategyInvalid(f"{source}: a strategy is a mapping at the top level",
                              field="(file)")
    try:
        return StrategySpec.model_validate(data)
    except ValidationError as exc:
        errors = [_where(e) for e in exc.errors()]
        where, msg = errors[0]
        raise StrategyInvalid(f"{source}: {where}: {msg}", field=where,
                              errors=[{"field": f, "message": m} for f, m in errors]) from exc
