"""What a supervisor narrows the figures to: a date range, a product, a bucket, a team."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from arrears.errors import InvalidInput


class InvalidFilter(InvalidInput):
    """A filter value that cannot be used (bad date, range upside down, too long)."""

    code = "invalid_filter"


MAX_RANGE_DAYS = 366 * 10


@dataclass(frozen=True)
class Filters:
    """Filters shared by every figure; ``None`` means no restriction."""

    date_from: date | None = None
    date_to: date | None = None
    product: str | None = None
    bucket: str | None = None
    team_id: str | None = None
    currency: str | None = None  # money figures are per currency; None: the book's main one

    def with_defaults(self, *, as_of: date, days: int) -> Filters:
        """Fill an open range: ``date_to`` is ``as_of``, ``date_from`` ``days`` before it."""
        date_to = self.date_to or as_of
        date_from = self.date_from or (date_to - timedelta(days=days))
        return replace(self, date_from=date_from, date_to=date_to)

    def as_query(self) -> dict[str, str]:
        """The filters as URL query parameters (absent ones left out)."""
        out = {"date_from": self.date_from, "date_to": self.date_to, "product": self.product,
               "bucket": self.bucket, "team": self.team_id, "currency": self.currency}
        return {k: str(v) for k, v in out.items() if v not in (None, "")}


def parse_day(value: Any, field: str) -> date | None:
    """A date from ``YYYY-MM-DD`` (None when empty), with an error naming ``field``."""
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise InvalidFilter(f"{field}: '{value}' is not a date (YYYY-MM-DD)", field=field) from exc


def _parse_text(value: Any, field: str) -> str | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    if len(text) > 64 or not text.isprintable():
        raise InvalidFilter(f"{field}: '{text[:64]}' is not a valid value", field=field)
    return text or None


def parse_filters(*, date_from: Any = None, date_to: Any = None, product: Any = None,
                  bucket: Any = None, team: Any = None, currency: Any = None) -> Filters:
    """Validate raw filter values (from a form, a URL or the command line)."""
    start = parse_day(date_from, "date_from")
    end = parse_day(date_to, "date_to")
    if start and end and start > end:
        raise InvalidFilter(f"date_from {start} is after date_to {end}", field="date_from")
    if start and end and (end - start).days > MAX_RANGE_DAYS:
        raise InvalidFilter("the date range is longer than ten years", field="date_from")
    return Filters(date_from=start, date_to=end, product=_parse_text(product, "product"),
                   bucket=_parse_text(bucket, "bucket"), team_id=_parse_text(team, "team"),
                   currency=_parse_currency(currency))


def _parse_currency(value: Any) -> str | None:
    text = _parse_text(value, "currency")
    if text is None:
        return None
    if len(text) != 3 or not text.isalpha():
        raise InvalidFilter(f"currency: '{text}' is not an ISO 4217 code", field="currency")
    return text.upper()
