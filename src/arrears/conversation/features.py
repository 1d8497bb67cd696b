"""Text features shared by training and inference (one function, so they never drift).

Character n-grams catch Chinese without segmentation errors and English morphology;
jieba words (and word bigrams) add whole-word evidence. Input is normalised text.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache

_SPACE = re.compile(r"\s+")
_PUNCT = re.compile(r"^[\W_]+$")


@lru_cache(maxsize=1)
def _jieba():  # type: ignore[no-untyped-def]
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def tokens(norm: str) -> list[str]:
    """Word tokens (jieba for Chinese, whitespace-free English words), punctuation dropped."""
    return [w for w in _jieba().lcut(norm) if w.strip() and not _PUNCT.match(w)]


def features(norm: str) -> list[str]:
    """Character 1-3 grams plus word unigrams and bigrams of a normalised utterance."""
    text = _SPACE.sub(" ", norm.strip())
    out: list[str] = []
    n_chars = len(text)
    for n in (1, 2, 3):
        for i in range(n_chars - n + 1):
            gram = text[i:i + n]
            if gram.strip():
                out.append(gram)
    words = tokens(text)
    out.extend("w:" + w for w in words)
    out.extend(f"b:{a}_{b}" for a, b in zip(words, words[1:], strict=False))
    return out


def tfidf(feats: list[str], vocab: dict[str, int], idf: list[float]
          ) -> tuple[list[int], list[float]]:
    """Sublinear TF-IDF with L2 norm, as sklearn's TfidfVectorizer(sublinear_tf=True)."""
    counts = Counter(f for f in feats if f in vocab)
    idx: list[int] = []
    vals: list[float] = []
    for f, c in counts.items():
        j = vocab[f]
        idx.append(j)
        vals.append((1.0 + math.log(c)) * idf[j])
    norm = math.sqrt(sum(v * v for v in vals)) or 1.0
    return idx, [v / norm for v in vals]
