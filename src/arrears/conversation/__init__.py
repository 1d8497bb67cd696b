"""Conversation intelligence: prohibited language in collector speech and notes, customer
signals (hardship, dispute, cease request, anger), emotion and next-step suggestions."""

from __future__ import annotations

from arrears.conversation.analyzer import InvalidUtterance, analyze_many, analyze_one
from arrears.conversation.results import (
    EMOTIONS,
    SIGNALS,
    SPEAKERS,
    VIOLATIONS,
    Emotion,
    Finding,
    Suggestion,
    UtteranceResult,
)

__all__ = ["EMOTIONS", "SIGNALS", "SPEAKERS", "VIOLATIONS", "Emotion", "Finding",
           "InvalidUtterance", "Suggestion", "UtteranceResult", "analyze_many", "analyze_one"]
