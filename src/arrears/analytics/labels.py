"""Texts of the analytics pages and reports, in English and Chinese (locales/analytics.yaml)."""

from __future__ import annotations

from arrears.i18n import t

LOCALES = ("en", "zh-CN")


def label(key: str, locale: str, **kw: object) -> str:
    """The text for ``analytics.<key>`` in ``locale`` (English when a text is missing)."""
    return t(f"analytics.{key}", locale, **kw)


def column_label(column: str, locale: str) -> str:
    """A figure column's heading."""
    return label(f"col.{column}", locale)


def figure_title(key: str, locale: str) -> str:
    """A figure's title; vintage curves name their threshold."""
    if key.startswith("vintage_"):
        return label("fig.vintage", locale, dpd=key.split("_", 1)[1])
    return label(f"fig.{key}", locale)
