"""Result values of utterance analysis (frozen dataclasses, JSON-ready)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SPEAKERS = ("collector", "customer")
VIOLATIONS = ("threat", "insult", "impersonation", "false_consequence",
              "third_party_disclosure", "borrow_to_pay", "harassment")
SIGNALS = ("hardship", "dispute", "cease_request", "anger")
EMOTIONS = ("anger", "anxiety", "sadness", "neutral", "positive")


@dataclass(frozen=True)
class Finding:
    """One violation or signal: its category and the evidence span in the original text.

    Supports ``finding["category"]`` as well as ``finding.category`` so that callers
    treating findings as plain mappings keep working.
    """

    category: str
    evidence: str
    start: int
    end: int
    source: str = "rule"  # rule | model

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)

    def to_dict(self) -> dict[str, Any]:
        return {"category": self.category, "evidence": self.evidence,
                "start": self.start, "end": self.end}


@dataclass(frozen=True)
class Emotion:
    label: str
    score: float

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "score": round(self.score, 3)}


@dataclass(frozen=True)
class Suggestion:
    """A next step from the script library, in the utterance's language."""

    signal: str
    action: str  # offer_plan | open_dispute | compliance_hold | de_escalate
    text: str
    language: str

    def __str__(self) -> str:
        return self.text

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)

    def to_dict(self) -> dict[str, Any]:
        return {"signal": self.signal, "action": self.action, "text": self.text,
                "language": self.language}


@dataclass(frozen=True)
class UtteranceResult:
    """What one utterance (a transcript line or a typed note) contains.

    ``violations`` only for collector speech and notes, ``signals`` (names) only for the
    customer's speech; ``signal_findings`` carries their evidence spans.
    """

    speaker: str
    language: str  # zh-CN | zh-TW | en
    violations: tuple[Finding, ...] = ()
    signals: tuple[str, ...] = ()
    signal_findings: tuple[Finding, ...] = ()
    emotion: Emotion = field(default_factory=lambda: Emotion("neutral", 1.0))
    suggestion: Suggestion | None = None

    @property
    def flagged(self) -> bool:
        return bool(self.violations)

    @property
    def categories(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for v in self.violations:
            seen.setdefault(v.category, None)
        return tuple(seen)

    def to_dict(self, *, id: Any = None) -> dict[str, Any]:  # noqa: A002 - wire field name
        out: dict[str, Any] = {}
        if id is not None:
            out["id"] = id
        out["violations"] = [v.to_dict() for v in self.violations]
        out["signals"] = list(self.signals)
        out["emotion"] = self.emotion.to_dict()
        if self.suggestion is not None:
            out["suggestion"] = self.suggestion.to_dict()
        out["language"] = self.language
        return out
