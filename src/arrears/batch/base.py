"""The shape of a daily-run step."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class StepResult:
    """What a step did: rows read and written, and anything worth reporting."""

    name: str
    rows_in: int = 0
    rows_out: int = 0
    detail: dict[str, Any] = field(default_factory=dict)


class Step(Protocol):
    def __call__(self, *, app: Any, as_of: Any) -> StepResult: ...
