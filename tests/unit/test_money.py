from decimal import Decimal

import pytest

from arrears.domain.money import MoneyFormatError, format_money, parse_money, round_money


class TestParseMoney:
    @pytest.mark.parametrize("text,value", [("12", "12.00"), ("12.3", "12.30"),
                                            ("0.01", "0.01"), (" 7.50 ", "7.50")])
    def test_valid(self, text: str, value: str) -> None:
        assert parse_money(text) == Decimal(value)

    @pytest.mark.parametrize("text", ["1.234", "abc", "", "NaN", "Infinity"])
    def test_invalid(self, text: str) -> None:
        with pytest.raises(MoneyFormatError):
            parse_money(text)

    def test_float_refused(self) -> None:
        with pytest.raises(MoneyFormatError):
            parse_money(1.5)  # type: ignore[arg-type]


def test_round_half_up_and_format() -> None:
    assert round_money(Decimal("0.005")) == Decimal("0.01")
    assert format_money(Decimal("3")) == "3.00"
