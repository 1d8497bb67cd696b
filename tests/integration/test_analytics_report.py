"""`arrears report`: CSV files with the figures, a workbook, and a self-contained summary."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from arrears.analytics.filters import Filters
from arrears.analytics.report import UnknownReport, build_report
from tests.integration.test_analytics_operations import seed_store
from tests.integration.test_analytics_portfolio import load_book


@pytest.fixture
def book_app(sqlite_app):
    load_book(sqlite_app.portfolio())
    seed_store(sqlite_app)
    return sqlite_app


def read_csv(path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


class TestReport:
    def test_all_writes_every_figure_and_a_summary(self, book_app, tmp_path):
        out = tmp_path / "report"
        result = build_report(app=book_app, kind="all", as_of=date(2026, 3, 31), out=out,
                              filters=Filters(date_from=date(2026, 1, 1)), locale="en")
        names = {p.name for p in result.files}
        assert {"roll_count.csv", "vintage_30.csv", "vintage_90.csv", "ops_daily.csv",
                "champion_challenger.csv", "report-all.html", "report-all.xlsx",
                "report-all.pdf"} <= names
        rolls = read_csv(out / "roll_count.csv")
        jan = [r for r in rolls if r["from_month"] == "2026-01" and r["from_bucket"] == "M1"
               and r["to_bucket"] == "M2"]
        assert jan[0]["loan_share"] == "0.5"
        amounts = read_csv(out / "bucket_amount.csv")
        assert all(len(r["overdue_amount"].split(".")[1]) == 2 for r in amounts)
        html = (out / "report-all.html").read_text(encoding="utf-8")
        assert "<script" not in html.lower() and "<svg" in html
        assert "Roll-rate matrix" in html and 'src="http' not in html
        assert not [p for p in out.iterdir() if p.name.startswith(".report-")]

    def test_summary_in_chinese_and_workbook_sheets(self, book_app, tmp_path):
        out = tmp_path / "zh"
        build_report(app=book_app, kind="portfolio", as_of=date(2026, 3, 31), out=out,
                     filters=Filters(date_from=date(2026, 1, 1)), locale="zh-CN")
        assert "迁徙矩阵" in (out / "report-portfolio.html").read_text(encoding="utf-8")
        book = load_workbook(out / "report-portfolio.xlsx")
        assert "roll_count" in book.sheetnames and "ops_daily" not in book.sheetnames
        sheet = book["roll_count"]
        assert sheet["A2"].value == "起始月份"

    def test_unknown_kind_is_refused_before_writing(self, book_app, tmp_path):
        with pytest.raises(UnknownReport):
            build_report(app=book_app, kind="everything", as_of=date(2026, 3, 31),
                         out=tmp_path / "x")
        assert not (tmp_path / "x").exists() or not any((tmp_path / "x").iterdir())
