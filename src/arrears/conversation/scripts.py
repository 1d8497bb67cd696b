"""The script library: next-step lines for customer signals, in the customer's language."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from arrears.conversation.normalize import to_traditional
from arrears.conversation.results import Suggestion

PRIORITY = ("cease_request", "dispute", "hardship", "anger")
_PATH = Path(__file__).with_name("scripts.yaml")


@lru_cache(maxsize=1)
def library() -> dict[str, dict[str, Any]]:
    """The script library with zh-TW lines derived from zh-CN."""
    data: dict[str, dict[str, Any]] = yaml.safe_load(_PATH.read_text(encoding="utf-8"))
    for entry in data.values():
        entry["zh-TW"] = [to_traditional(line) for line in entry["zh-CN"]]
    return data


def lines_for(signal: str, language: str) -> list[str]:
    """All script lines for a signal in a language (falls back to English)."""
    entry = library()[signal]
    return list(entry.get(language) or entry["en"])


def suggest(signals: tuple[str, ...], language: str) -> Suggestion | None:
    """The first line for the most pressing signal (cease > dispute > hardship > anger)."""
    for signal in PRIORITY:
        if signal in signals:
            entry = library()[signal]
            return Suggestion(signal=signal, action=entry["action"],
                              text=lines_for(signal, language)[0], language=language)
    return None
