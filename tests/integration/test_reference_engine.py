"""The daily run's delinquency export equals the independent pandas reference, to the cent,
for every loan of a generated book, on several days and under two configurations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from arrears.adapters.portfolio.generator import generate_portfolio
from arrears.batch.reference_pandas import EXPORT_COLUMNS, delinquency_typed, read_book
from arrears.batch.run_day import run_day
from arrears.services.export import export_delinquency
from arrears.services.loading import load_portfolio
from tests.conftest import make_test_app

BOOK_DATE = date(2026, 5, 31)
# Month ends and mid-month days, a day before and on the book date (payments crossing
# midnight in Shanghai and reversals land on both sides of these).
DAYS = [date(2024, 12, 31), date(2025, 8, 15), date(2026, 3, 1), date(2026, 5, 30), BOOK_DATE]

LENIENT = """
[business]
reporting_timezone = "America/New_York"
tolerance = "1.00"
buckets = [
  { name = "current", min_dpd = 0, max_dpd = 0 },
  { name = "early", min_dpd = 1, max_dpd = 45 },
  { name = "late", min_dpd = 46, max_dpd = 119 },
  { name = "default", min_dpd = 120 },
]
"""


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("book")
    generate_portfolio(loans=2500, seed=20260531, out_dir=out, as_of=BOOK_DATE, progress=False)
    return out


def compare(exported: pd.DataFrame, expected: pd.DataFrame, day: date) -> None:
    """Every loan, every column, as text: the same to the cent."""
    assert list(exported.columns) == EXPORT_COLUMNS
    assert len(exported) == len(expected), day
    merged = exported.merge(expected, on="loan_id", suffixes=("", "_ref"), validate="1:1")
    for column in EXPORT_COLUMNS:
        if column == "loan_id":
            continue
        differs = merged[merged[column] != merged[f"{column}_ref"]]
        assert differs.empty, (f"{day} {column}: {len(differs)} loan(s) differ, e.g.\n"
                               f"{differs[['loan_id', column, column + '_ref']].head()}")


def run_and_compare(tmp_path: Path, book: Path, *, zone: str, tolerance: Decimal,
                    buckets: tuple[tuple[str, int, int | None], ...] | None,
                    config: str | None = None) -> list[pd.DataFrame]:
    overrides: dict[str, object] = {}
    if config is not None:
        (tmp_path / "arrears.toml").write_text(config, encoding="utf-8")
        overrides["config"] = tmp_path / "arrears.toml"
    app = make_test_app(tmp_path / "home", f"sqlite:///{tmp_path / 'ops.sqlite'}", **overrides)
    typed = read_book(book, reporting_tz=zone)
    exports = []
    try:
        report = load_portfolio(app=app, source=book, progress=False)
        assert report.quarantined == 0
        for day in DAYS:
            run_day(app=app, as_of=day, progress=False)
            out = tmp_path / f"delinquency-{day}.csv"
            export_delinquency(app=app, as_of=day, out=out)
            exported = pd.read_csv(out, dtype=str, keep_default_na=False)
            kwargs = {"buckets": buckets} if buckets else {}
            expected = delinquency_typed(typed, as_of=day, tolerance=tolerance, **kwargs)
            compare(exported, expected.astype(str), day)
            exports.append(exported)
    finally:
        app.close()
    return exports


def test_export_equals_reference_with_default_settings(tmp_path: Path, book: Path) -> None:
    exports = run_and_compare(tmp_path, book, zone="Asia/Shanghai", tolerance=Decimal("0"),
                              buckets=None)
    last = exports[-1]
    # The book must exercise what the rules are about, or the equality proves little.
    assert (last.credit_balance != "0.00").sum() > 5
    assert {"M0", "M1", "M2", "M3", "M7+"} <= set(last.bucket)
    assert (last.overdue_fee != "0.00").any() and (last.oldest_unpaid_due_date == "").any()


def test_export_equals_reference_with_tolerance_zone_and_buckets(tmp_path: Path,
                                                                   book: Path) -> None:
    buckets = (("current", 0, 0), ("early", 1, 45), ("late", 46, 119), ("default", 120, None))
    exports = run_and_compare(tmp_path, book, zone="America/New_York",
                              tolerance=Decimal("1.00"), buckets=buckets, config=LENIENT)
    assert {"current", "early", "late", "default"} <= set(exports[-1].bucket)
