"""Analyse one utterance: collector violations, customer signals, emotion, suggestion.

Precise lexicon rules (with negation handling) are combined with small linear models
trained on our annotated collection calls and, for Chinese insults, on COLD. A rule hit
always counts; a model adds a category only above its tuned threshold.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from arrears.conversation import rules
from arrears.conversation.features import features
from arrears.conversation.models import (
    EMOTION_MODEL,
    INSULT_MODEL,
    SIGNALS_MODEL,
    VIOLATIONS_MODEL,
    LinearTextModel,
    shipped,
)
from arrears.conversation.normalize import detect_language, normalize
from arrears.conversation.results import (
    EMOTIONS,
    SIGNALS,
    SPEAKERS,
    VIOLATIONS,
    Emotion,
    Finding,
    UtteranceResult,
)
from arrears.conversation.scripts import suggest
from arrears.errors import InvalidInput

_CLAUSE = re.compile(r"[^，,。.!！?？；;\n]+")
MAX_CHARS = 5000


class InvalidUtterance(InvalidInput):
    code = "invalid_utterance"


def analyze_one(text: str, *, speaker: str) -> UtteranceResult:
    """Analyse one transcript line or note.

    ``speaker`` is ``"collector"`` (speech or a typed note: checked for prohibited conduct)
    or ``"customer"`` (checked for hardship, dispute, cease request and anger). Traditional
    Chinese is converted to simplified first; evidence offsets point into ``text``.
    """
    if speaker not in SPEAKERS:
        raise InvalidUtterance(f"speaker must be one of {', '.join(SPEAKERS)}, not {speaker!r}",
                               field="speaker")
    if not isinstance(text, str):
        raise InvalidUtterance("text must be a string", field="text")
    text = text[:MAX_CHARS]
    norm = normalize(text)
    language = detect_language(text, _simplified_view(text, norm))
    if not norm.strip():
        return UtteranceResult(speaker=speaker, language=language)
    scripts = rules.scripts_in(norm)
    feats = Counter(features(norm))
    probs = _model_scores(feats, VIOLATIONS_MODEL if speaker == "collector" else SIGNALS_MODEL)
    if speaker == "collector":
        violations = _violations(text, norm, scripts, probs, feats)
        emotion = _emotion(norm, scripts, probs, anger=False)
        return UtteranceResult(speaker=speaker, language=language, violations=violations,
                               emotion=emotion)
    found = _signals(text, norm, scripts, probs)
    names = tuple(s for s in SIGNALS if any(f.category == s for f in found))
    emotion = _emotion(norm, scripts, probs, anger="anger" in names)
    return UtteranceResult(speaker=speaker, language=language, signals=names,
                           signal_findings=found, emotion=emotion,
                           suggestion=suggest(names, language))


def analyze_many(items: Iterable[tuple[str, str]]) -> list[UtteranceResult]:
    """Analyse ``(text, speaker)`` pairs in order."""
    return [analyze_one(text, speaker=speaker) for text, speaker in items]


def _simplified_view(text: str, norm: str) -> str:
    # normalize() lower-cases; compare like with like to tell traditional from simplified.
    return norm if norm != text.lower() else text


def _model_scores(feats: Counter[str], name: str) -> dict[str, float]:
    """Label probabilities of the speaker's model and of the emotion model (one TF-IDF
    vector when they share a vocabulary)."""
    probs: dict[str, float] = {}
    model = shipped(name)
    emo = shipped(EMOTION_MODEL)
    vector = None
    if model is not None:
        vector = model.vector(feats)
        probs.update(model.scores(feats, vector))
    if emo is not None:
        shared = vector if model is not None and model.vocab is emo.vocab else None
        probs.update({f"emotion:{k}": v for k, v in emo.scores(feats, shared).items()})
    return probs


_WORD = re.compile(r"[A-Za-z]+|[\u4e00-\u9fff]")
MIN_MODEL_UNITS = 4


def _enough_for_a_model(norm: str) -> bool:
    """A model judges only text with some substance (4 English words or Chinese characters);
    a two-word note such as "will pay" is left to the rules, which are exact."""
    return len(_WORD.findall(norm)) >= MIN_MODEL_UNITS


def _thresholds(name: str) -> dict[str, float]:
    model = shipped(name)
    return model.thresholds if model is not None else {}


def _findings(text: str, norm: str, scripts: tuple[str, ...], categories: tuple[str, ...],
              probs: dict[str, float]) -> tuple[Finding, ...]:
    matches = rules.find(norm, categories, scripts=scripts)
    out = [Finding(m.category, text[m.start:m.end], m.start, m.end, "rule")
           for m in _dedupe(matches)]
    ruled = {m.category for m in matches}
    name = VIOLATIONS_MODEL if categories == VIOLATIONS else SIGNALS_MODEL
    thresholds = _thresholds(name) if _enough_for_a_model(norm) else {}
    for category in categories:
        if category in ruled:
            continue
        if probs.get(category, 0.0) >= thresholds.get(category, 1.1):
            out.append(_model_finding(text, norm, category, model=shipped(name)))
    return tuple(sorted(out, key=lambda f: (f.start, f.category)))


def _violations(text: str, norm: str, scripts: tuple[str, ...],
                probs: dict[str, float], feats: Counter[str]) -> tuple[Finding, ...]:
    found = list(_findings(text, norm, scripts, VIOLATIONS, probs))
    if "zh" in scripts and not any(f.category == "insult" for f in found):
        insult = shipped(INSULT_MODEL)
        if insult is not None:
            p = insult.scores(feats).get("offensive", 0.0)
            if p >= insult.thresholds.get("offensive", 1.1):
                found.append(_model_finding(text, norm, "insult", model=insult))
    return tuple(sorted(found, key=lambda f: (f.start, f.category)))


def _signals(text: str, norm: str, scripts: tuple[str, ...],
             probs: dict[str, float]) -> tuple[Finding, ...]:
    return _findings(text, norm, scripts, SIGNALS, probs)


def _dedupe(matches: list[rules.Match]) -> list[rules.Match]:
    """Keep one span per overlapping group of the same category (the longest)."""
    out: list[rules.Match] = []
    for m in sorted(matches, key=lambda m: (m.category, m.start, -(m.end - m.start))):
        if out and out[-1].category == m.category and m.start < out[-1].end:
            continue
        out.append(m)
    return out


def _model_finding(text: str, norm: str, category: str, *,
                   model: LinearTextModel | None) -> Finding:
    """Evidence for a model-only hit: the clause the model scores highest."""
    label = "offensive" if model is not None and model.name == "insult_zh" else category
    best = (-1.0, 0, len(text))
    clauses = list(_CLAUSE.finditer(norm))
    if len(clauses) > 1 and model is not None:
        for m in clauses:
            p = model.predict_text(m.group()).get(label, 0.0)
            if p > best[0]:
                best = (p, m.start(), m.end())
    start, end = best[1], best[2]
    while start < end and text[start].isspace():
        start += 1
    return Finding(category, text[start:end].rstrip(), start, start + len(text[start:end].rstrip()),
                   "model")


def _emotion(norm: str, scripts: tuple[str, ...], probs: dict[str, float], *,
             anger: bool) -> Emotion:
    """Emotion label and score: model probabilities nudged by lexicon cues."""
    base = {label: probs.get(f"emotion:{label}", 0.0) for label in EMOTIONS}
    if not any(base.values()):
        base = {label: (0.4 if label == "neutral" else 0.15) for label in EMOTIONS}
    hits = rules.emotion_hits(norm, scripts)
    if anger:
        hits["anger"] = hits.get("anger", 0) + 2
    elif rules.find(norm, ("anger",), scripts=scripts):
        hits["anger"] = hits.get("anger", 0) + 1
    for label, n in hits.items():
        base[label] += 0.25 * min(n, 3)
    total = sum(base.values()) or 1.0
    label = max(EMOTIONS, key=lambda k: base[k])
    return Emotion(label, round(base[label] / total, 3))
