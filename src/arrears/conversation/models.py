"""Small linear text classifiers shipped with the package (gzipped JSON, no pickles).

A model file holds the TF-IDF vocabulary and idf, the labels, one coefficient row per
feature and the intercepts; scoring is a sparse dot product. Loaded once per process.
"""

from __future__ import annotations

import gzip
import json
import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from arrears.conversation.features import features, tfidf

MODEL_DIR = Path(__file__).parent / "models"
VIOLATIONS_MODEL = "violations.json.gz"
SIGNALS_MODEL = "signals.json.gz"
EMOTION_MODEL = "emotion.json.gz"
INSULT_MODEL = "insult_zh.json.gz"


@dataclass(frozen=True)
class LinearTextModel:
    """One-vs-rest (``kind="ovr"``, sigmoid) or multinomial (``"softmax"``) linear model."""

    name: str
    kind: str
    labels: tuple[str, ...]
    vocab: dict[str, int]
    idf: list[float]
    coef: Any  # numpy array (n_features, n_labels)
    intercept: Any  # numpy array (n_labels,)
    thresholds: dict[str, float]
    meta: dict[str, Any]

    def scores(self, feats: list[str] | Counter[str],
               vector: tuple[list[int], list[float]] | None = None) -> dict[str, float]:
        """Probability per label for features (or their Counter, or their TF-IDF vector
        when models share one vocabulary)."""
        idx, vals = vector if vector is not None else self.vector(feats)
        if idx:
            z = np.asarray(vals, dtype=np.float32) @ self.coef[idx] + self.intercept
        else:
            z = self.intercept.copy()
        if self.kind == "softmax":
            z = z - z.max()
            e = np.exp(z)
            p = e / e.sum()
        else:
            p = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
        return {label: float(p[i]) for i, label in enumerate(self.labels)}

    def vector(self, feats: list[str] | Counter[str]) -> tuple[list[int], list[float]]:
        return tfidf(feats, self.vocab, self.idf)

    def predict_text(self, norm: str) -> dict[str, float]:
        return self.scores(features(norm))

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "labels": list(self.labels),
                "vocab": sorted(self.vocab, key=self.vocab.__getitem__),
                "idf": [round(float(x), 5) for x in self.idf],
                "coef": [[round(float(x), 5) for x in row] for row in self.coef.T],
                "intercept": [round(float(x), 5) for x in self.intercept],
                "thresholds": self.thresholds, "meta": self.meta}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LinearTextModel:
        vocab = _shared_vocab(data["vocab"])
        coef = np.asarray(data["coef"], dtype=np.float32).T.copy()
        return cls(name=data["name"], kind=data["kind"], labels=tuple(data["labels"]),
                   vocab=vocab, idf=list(data["idf"]), coef=coef,
                   intercept=np.asarray(data["intercept"], dtype=np.float32),
                   thresholds=dict(data.get("thresholds", {})), meta=dict(data.get("meta", {})))


_VOCABS: dict[int, list[tuple[list[str], dict[str, int]]]] = {}


def _shared_vocab(words: list[str]) -> dict[str, int]:
    """One dict object for identical vocabularies, so models trained on a shared
    vectoriser can share one TF-IDF vector per utterance (``vocab is vocab``)."""
    key = hash(tuple(words))
    for seen, vocab in _VOCABS.get(key, []):
        if seen == words:
            return vocab
    vocab = {f: i for i, f in enumerate(words)}
    _VOCABS.setdefault(key, []).append((words, vocab))
    return vocab


def save_model(model: LinearTextModel, path: Path) -> int:
    """Write a model as gzipped JSON; returns the file size in bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = json.dumps(model.to_json(), ensure_ascii=False, separators=(",", ":"))
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as fh:
        fh.write(raw)
    return path.stat().st_size


def load_model(path: Path) -> LinearTextModel:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return LinearTextModel.from_json(json.load(fh))


@lru_cache(maxsize=8)
def shipped(name: str) -> LinearTextModel | None:
    """A model shipped with the package, or None when it has not been trained yet."""
    path = MODEL_DIR / name
    return load_model(path) if path.exists() else None


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))
