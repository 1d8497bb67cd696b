"""Money is Decimal, never float. One rounding function for the whole product."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


class MoneyFormatError(ValueError):
    """A money string that is not a decimal with at most two fractional digits."""


def round_money(value: Decimal) -> Decimal:
    """Round to the cent, half up: the single rounding rule of the product."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_money(text: str | int | Decimal) -> Decimal:
    """Parse a money value from the interchange format (at most 2 fractional digits).

    Floats are refused on purpose: they cannot carry cents exactly.
    """
    if isinstance(text, float):
        raise MoneyFormatError("money must not be a float")
    raw = str(text).strip()
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise MoneyFormatError(f"not a decimal amount: {raw!r}") from exc
    if not value.is_finite():
        raise MoneyFormatError(f"not a finite amount: {raw!r}")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise MoneyFormatError(f"more than 2 fractional digits: {raw!r}")
    return value.quantize(CENT)


def format_money(value: Decimal) -> str:
    """Format with exactly two fractional digits, as every export does."""
    return f"{round_money(value):.2f}"
