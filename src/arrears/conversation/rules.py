"""Compiled lexicon rules with clause-level negation handling.

Patterns are compiled once per process (one alternation per category and language) and
run over normalised text, whose offsets equal the original's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from arrears.conversation import lexicons

_HAN = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[a-z]")
_CLAUSE_END = re.compile(r"[，,。.!！?？；;\n：:]")
_NEG_ZH = re.compile(lexicons.NEG_ZH)
_NEG_EN = re.compile(lexicons.NEG_EN)
# "为什么不找朋友借点" / "why not borrow": a rhetorical question is a push, not a negation.
_RHETORICAL_ZH = re.compile(r"(?:为什么|为啥|干嘛|干吗|何不|怎么)$")
_RHETORICAL_EN = re.compile(r"\b(?:why|how come)\s+(?:\w+\s+){0,2}$")


@dataclass(frozen=True)
class Match:
    category: str
    start: int
    end: int


def _combine(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


@lru_cache(maxsize=1)
def compiled() -> dict[str, dict[str, re.Pattern[str]]]:
    """``{"zh": {category: regex}, "en": {...}}``, built once."""
    return {"zh": {c: _combine(p) for c, p in lexicons.ZH.items()},
            "en": {c: _combine(p) for c, p in lexicons.EN.items()}}


@lru_cache(maxsize=1)
def compiled_emotions() -> dict[str, dict[str, re.Pattern[str]]]:
    return {"zh": {c: _combine(p) for c, p in lexicons.EMOTION_ZH.items()},
            "en": {c: _combine(p) for c, p in lexicons.EMOTION_EN.items()}}


def scripts_in(norm: str) -> tuple[str, ...]:
    """Which pattern sets apply: Chinese when Han characters occur, English for Latin."""
    out = []
    if _HAN.search(norm):
        out.append("zh")
    if _LATIN.search(norm):
        out.append("en")
    return tuple(out)


def clause_start(norm: str, pos: int) -> int:
    """Offset where the clause containing ``pos`` starts."""
    i = pos - 1
    while i >= 0:
        if _CLAUSE_END.match(norm, i):
            return i + 1
        i -= 1
    return 0


def is_negated(norm: str, start: int, script: str) -> bool:
    """True when the clause before ``start`` ends with a negation cue.

    "我们不会起诉你" and "we will not sue you" are negated; "你不还钱我们就起诉你" is not,
    because the cue must lead directly (through a few function words) to the match.
    """
    cs = clause_start(norm, start)
    if script == "zh":
        m = _NEG_ZH.search(norm, max(cs, start - 12), start)
        return m is not None and not _RHETORICAL_ZH.search(norm, max(cs, m.start() - 4),
                                                           m.start())
    prefix = norm[max(cs, start - 60):start]
    m = _NEG_EN.search(prefix)
    return m is not None and not _RHETORICAL_EN.search(prefix[:m.start()])


def find(norm: str, categories: tuple[str, ...], *,
         scripts: tuple[str, ...] | None = None) -> list[Match]:
    """Non-negated matches of the given categories in normalised text."""
    scripts = scripts if scripts is not None else scripts_in(norm)
    table = compiled()
    out: list[Match] = []
    for script in scripts:
        for category in categories:
            regex = table[script].get(category)
            if regex is None:
                continue
            for m in regex.finditer(norm):
                if m.end() == m.start():
                    continue
                if _negation_applies(category) and is_negated(norm, m.start(), script):
                    continue
                out.append(Match(category, m.start(), m.end()))
    return out


def _negation_applies(category: str) -> bool:
    return (category not in lexicons.NEGATION_PROOF
            and category not in lexicons.SIGNAL_NEGATION_EXEMPT)


def emotion_hits(norm: str, scripts: tuple[str, ...]) -> dict[str, int]:
    """How many cues of each non-anger emotion occur (negated cues do not count)."""
    counts: dict[str, int] = {}
    table = compiled_emotions()
    for script in scripts:
        for label, regex in table[script].items():
            n = 0
            for m in regex.finditer(norm):
                if not is_negated(norm, m.start(), script):
                    n += 1
            if n:
                counts[label] = counts.get(label, 0) + n
    return counts
