"""Texts in Chinese (zh-CN) and English: YAML catalogs per area, ``t(key, locale, **kw)``.

Each part of the product keeps its texts in ``src/arrears/locales/<area>.yaml`` as
``key: {en: "...", zh-CN: "..."}``. Keys are global; areas prefix theirs (``desk.``,
``compliance.``...). A missing translation falls back to English, then to the key itself,
so a forgotten text is visible rather than an error.

Error messages: services raise errors with an English message and a stable ``code``.
Catalog keys starting with ``err.`` are message templates (``err.case_not_assigned:
{en: "case {case_id} is not assigned to you", zh-CN: "案件 {case_id} 未分配给您"}``);
``localize_message`` finds the template an English message was made from and renders it
in the wanted language, so services stay free of presentation and every area can add
templates for its own messages to its catalog.
"""

from __future__ import annotations

import re
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


ERROR_PREFIX = "err."
_PLACEHOLDER = re.compile(r"\\\{(\w+)\\\}")


@lru_cache(maxsize=1)
def _error_templates() -> list[tuple[re.Pattern[str], str]]:
    """(compiled English template, key) for every ``err.*`` text, longest first."""
    out = []
    for key, texts in catalog().items():
        english = texts.get("en")
        if key.startswith(ERROR_PREFIX) and english:
            pattern = _PLACEHOLDER.sub(lambda m: f"(?P<{m.group(1)}>.*?)", re.escape(english))
            out.append((re.compile(f"^{pattern}$", re.S), key, len(english)))
    out.sort(key=lambda item: -item[2])
    return [(pattern, key) for pattern, key, _ in out]


def localize_message(message: str, locale: str | None) -> str:
    """An English error message in ``locale`` when the catalog has its template."""
    loc = normalize_locale(locale) or DEFAULT_LOCALE
    if loc == "en" or not message:
        return message
    for pattern, key in _error_templates():
        found = pattern.match(message)
        if found:
            return t(key, loc, **found.groupdict())
    return message
