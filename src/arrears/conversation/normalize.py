"""Text normalisation: traditional to simplified Chinese, width folding, language guess."""

from __future__ import annotations

import re
from functools import lru_cache

_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


@lru_cache(maxsize=1)
def _t2s():  # type: ignore[no-untyped-def]
    from opencc import OpenCC

    return OpenCC("t2s")


@lru_cache(maxsize=1)
def _s2t():  # type: ignore[no-untyped-def]
    from opencc import OpenCC

    return OpenCC("s2twp")


def fold(text: str) -> str:
    """Full-width to half-width letters and digits, keeping length (offsets stay valid)."""
    out = []
    for ch in text:
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E and ch not in "，！？：；（）":
            ch = chr(code - 0xFEE0)
        out.append(ch)
    return "".join(out)


def to_simplified(text: str) -> str:
    """Traditional to simplified Chinese, character for character where OpenCC allows.

    OpenCC's t2s may map phrases; when the length changes the offsets of the evidence
    would no longer point into the original, so we fall back to converting per character.
    """
    if not _CJK.search(text):
        return text
    converted = _t2s().convert(text)
    if len(converted) == len(text):
        return converted
    return "".join(c if len(c) == 1 else o
                   for o, c in ((o, _t2s().convert(o)) for o in text))


def to_traditional(text: str) -> str:
    """Simplified to Taiwan traditional Chinese (for suggestions in the caller's script)."""
    return _s2t().convert(text)


def detect_language(text: str, simplified: str | None = None) -> str:
    """``zh-CN``, ``zh-TW`` or ``en``: Chinese when Han characters outweigh Latin letters."""
    han = len(_CJK.findall(text))
    latin = len(_LATIN.findall(text))
    if han == 0 or latin > han * 3:
        return "en"
    simplified = simplified if simplified is not None else to_simplified(text)
    return "zh-TW" if simplified != text else "zh-CN"


def normalize(text: str) -> str:
    """Fold width, convert to simplified and lower-case; same length as ``text``."""
    return to_simplified(fold(text)).lower()
