"""The analytics pages over HTTP: who may open which dashboard, filters, downloads."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from html import unescape

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from arrears.adapters.db.base import unit_of_work
from arrears.adapters.db.tables import User
from arrears.entrypoints.deps import SESSION_COOKIE
from arrears.services.auth import start_session
from tests.integration.test_analytics_operations import seed_store
from tests.integration.test_analytics_portfolio import load_book

NOW = datetime(2026, 3, 31, 10, 0, tzinfo=UTC)
PEOPLE = {"lead": ("team_lead", "A"), "officer": ("compliance_officer", None),
          "boss": ("admin", None), "worker": ("collector", "A")}


@pytest.fixture
def desk(sqlite_app):
    from arrears.entrypoints.web import create_app

    sqlite_app.clock = lambda: NOW
    load_book(sqlite_app.portfolio())
    seed_store(sqlite_app)
    tokens = {}
    with unit_of_work(sqlite_app.session_factory) as s:
        for name, (role, team) in PEOPLE.items():
            # Sessions are started directly: signing in is the desk's own tests' business.
            user = User(username=name, display_name=name, password_hash="-", role=role,
                        team_id=team, locale="en", active=True, failed_logins=0)
            s.add(user)
            s.flush()
            tokens[name] = start_session(s, user=user, at=NOW).token
    client = TestClient(create_app(sqlite_app))

    def as_user(name: str) -> TestClient:
        client.cookies.set(SESSION_COOKIE, tokens[name])
        return client

    return as_user


def options(html: str) -> dict[str, dict]:
    found = re.findall(r'data-figure="([^"]+)" data-option="([^"]+)"', html)
    return {key: json.loads(unescape(raw)) for key, raw in found}


class TestAccess:
    @pytest.mark.parametrize("user,page,status", [
        ("boss", "management", 200), ("boss", "risk", 200), ("lead", "team", 200),
        ("lead", "management", 403), ("officer", "compliance", 200),
        ("officer", "team", 403), ("worker", "risk", 403)])
    def test_roles(self, desk, user, page, status):
        assert desk(user).get(f"/analytics/{page}").status_code == status

    def test_unknown_dashboard_and_figure(self, desk):
        assert desk("boss").get("/analytics/nothing").status_code == 404
        assert desk("boss").get("/analytics/risk/ops_daily.csv").status_code == 404


class TestRiskPage:
    def test_charts_carry_their_data(self, desk):
        page = desk("boss").get("/analytics/risk", params={"date_from": "2026-01-01"})
        charts = options(page.text)
        assert {"roll_count", "vintage_30", "vintage_90", "cure_rates"} <= set(charts)
        heat = charts["roll_count"]["series"][0]
        assert heat["type"] == "heatmap" and heat["data"]
        assert 'src="/static/vendor/echarts.min.js"' in page.text
        assert "<script>" not in page.text

    def test_bad_filter_is_a_422_naming_the_field(self, desk):
        page = desk("boss").get("/analytics/risk", params={"date_from": "31/01/2026"})
        assert page.status_code == 422 and "date_from" in page.text


class TestTeamPage:
    def test_a_team_lead_sees_only_their_team(self, desk):
        page = desk("lead").get("/analytics/team", params={"team": "B",
                                                           "date_from": "2026-03-01"})
        charts = options(page.text)
        names = charts["ops_collectors"]["xAxis"]["data"]
        assert names == ["Li Na", "Wang Wei"]

    def test_csv_and_xlsx_downloads(self, desk):
        client = desk("lead")
        params = {"date_from": "2026-03-01"}
        body = client.get("/analytics/team/ops_collectors.csv", params=params)
        assert body.status_code == 200 and "attachment" in body.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(body.text)))
        assert {r["collector"] for r in rows} == {"Li Na", "Wang Wei"}
        xlsx = client.get("/analytics/team/data.xlsx", params=params)
        book = load_workbook(io.BytesIO(xlsx.content))
        assert "ops_collectors" in book.sheetnames
        assert book["ops_collectors"]["A2"].value == "Team"


class TestFreshness:
    def test_a_new_run_day_shows_without_a_restart(self, desk, sqlite_app):
        client = desk("boss")
        params = {"date_from": "2026-01-01"}
        before = client.get("/analytics/management/bucket_count.csv", params=params).text
        con = sqlite_app.portfolio()
        con.raw_sql("INSERT INTO delinquency_snapshots SELECT DATE '2026-03-30' AS as_of, "
                    "* EXCLUDE (as_of) FROM delinquency_snapshots WHERE as_of = DATE "
                    "'2026-03-31'")
        after = client.get("/analytics/management/bucket_count.csv", params=params).text
        assert "2026-03-30" not in before and "2026-03-30" in after
