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
_HAN = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_PUNCT = re.compile(r"^[\W_]+$")


@lru_cache(maxsize=1)
def _jieba():  # type: ignore[no-untyped-def]
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def tokens(norm: str) -> list[str]:
    """Word tokens (jieba for Chinese, a word pattern otherwise), punctuation dropped."""
    if not _HAN.search(norm):
        return _WORD.findall(norm)
    return [w for w in _jieba().lcut(norm, HMM=False) if w.strip() and not _PUNCT.match(w)]


def features(norm: str) -> list[str]:
    """Han characters, character 2-3 grams, word unigrams and bigrams of normalised text."""
    text = _SPACE.sub(" ", norm.strip())
    out: list[str] = []
    n_chars = len(text)
    out.extend(ch for ch in text if _HAN.match(ch))  # unigrams: Han characters only
    for n in (2, 3):
        for i in range(n_chars - n + 1):
            gram = text[i:i + n]
            if gram.strip():
                out.append(gram)
    words = tokens(text)
    out.extend("w:" + w for w in words)
    out.extend(f"b:{a}_{b}" for a, b in zip(words, words[1:], strict=False))
    return out


def tfidf(feats: list[str] | Counter[str], vocab: dict[str, int], idf: list[float]
          ) -> tuple[list[int], list[float]]:
    """Sublinear TF-IDF with L2 norm, as sklearn's TfidfVectorizer(sublinear_tf=True).

    Takes the features or, to share the counting between models, their ``Counter``.
    """
    counts = feats if isinstance(feats, Counter) else Counter(feats)
    idx: list[int] = []
    vals: list[float] = []
    get = vocab.get
    for f, c in counts.items():
        j = get(f)
        if j is None:
            continue
        idx.append(j)
        vals.append((1.0 + math.log(c)) * idf[j] if c > 1 else idf[j])
    norm = math.sqrt(sum(v * v for v in vals)) or 1.0
    return idx, [v / norm for v in vals]
