"""Texts in Chinese (zh-CN) and English: YAML catalogs per area, ``t(key, locale, **kw)``.

Each part of the product keeps its texts in ``src/arrears/locales/<area>.yaml`` as
``key: {en: "...", zh-CN: "..."}``. Keys are global; areas prefix theirs (``desk.``,
``compliance.``...). A missing translation falls back to English, then to the key itself,
so a forgotten text is visible rather than an error.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

LOCALES = ("zh-CN", "en")
DEFAULT_LOCALE = "zh-CN"
CATALOG_DIR = Path(__file__).resolve().parent / "locales"


@lru_cache(maxsize=1)
def catalog() -> dict[str, dict[str, str]]:
    """All texts of every area, loaded once."""
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(CATALOG_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, texts in data.items():
            if isinstance(texts, dict):
                merged[str(key)] = {str(k): str(v) for k, v in texts.items()}
    return merged


def normalize_locale(value: str | None) -> str | None:
    """``zh``, ``zh_CN``, ``zh-Hans-CN`` -> ``zh-CN``; ``en-GB`` -> ``en``; others None."""
    if not value:
        return None
    low = value.strip().replace("_", "-").lower()
    if low.startswith("zh"):
        return "zh-CN"
    if low.startswith("en"):
        return "en"
    return None


def negotiate_locale(accept_language: str | None, default: str = DEFAULT_LOCALE) -> str:
    """The best supported locale for an HTTP ``Accept-Language`` header."""
    if not accept_language:
        return default
    ranked: list[tuple[float, int, str]] = []
    for pos, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        found = normalize_locale(tag)
        if found and quality > 0:
            ranked.append((-quality, pos, found))
    return sorted(ranked)[0][2] if ranked else default


def t(key: str, locale: str | None = None, **kw: Any) -> str:
    """The text for ``key`` in ``locale`` (fallback English, then the key), formatted."""
    texts = catalog().get(key)
    if texts is None:
        return key
    loc = normalize_locale(locale) or DEFAULT_LOCALE
    text = texts.get(loc) or texts.get("en") or key
    if kw:
        try:
            return text.format(**kw)
        except (KeyError, IndexError, ValueError):
            return text
    return text
