"""Each analytics dashboard in a real browser against a real server: the charts draw, with
their data, under the desk's content security policy (no inline scripts)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from arrears.adapters.db.base import unit_of_work
from arrears.adapters.db.tables import User
from arrears.adapters.db.tables_conversation import Transcript
from arrears.entrypoints.deps import SESSION_COOKIE
from arrears.services.auth import start_session
from tests.conftest import chromium_path
from tests.integration.test_analytics_operations import seed_store
from tests.integration.test_analytics_portfolio import load_book

pytestmark = pytest.mark.browser
NOW = datetime(2026, 3, 31, 10, 0, tzinfo=UTC)
DASHBOARDS = ("team", "compliance", "management", "risk")
# Charts that must show data on the hand-built book (others may be empty, drawn as empty).
MUST_HAVE_DATA = {"ops_daily", "ops_collectors", "flagged_calls", "bucket_amount",
                  "roll_count", "vintage_30", "cure_rates", "flow_rates"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(sqlite_app) -> Iterator[tuple[str, str]]:
    import uvicorn

    from arrears.entrypoints.web import create_app

    sqlite_app.clock = lambda: NOW
    load_book(sqlite_app.portfolio())
    seed_store(sqlite_app)
    with unit_of_work(sqlite_app.session_factory) as s:
        s.add(Transcript(case_id=2, customer_id="c2", source="api", collector_user_id=2,
                         started_at=NOW, violation_count=1, categories=["threat"]))
        boss = User(username="boss", display_name="Boss", password_hash="-", role="admin",
                    locale="zh-CN", active=True, failed_logins=0)
        s.add(boss)
        s.flush()
        token = start_session(s, user=boss, at=NOW).token
    port = _free_port()
    config = uvicorn.Config(create_app(sqlite_app), host="127.0.0.1", port=port,
                            log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        if not thread.is_alive():
            pytest.fail("the desk server did not start")
        thread.join(0.05)
    yield f"http://127.0.0.1:{port}", token
    srv.should_exit = True
    thread.join(10)


CHART_STATE = """() => Array.from(document.querySelectorAll('.analytics-chart')).map(el => {
  const chart = echarts.getInstanceByDom(el);
  const option = chart ? chart.getOption() : null;
  const points = option ? option.series.reduce((n, s) => n + (s.data || []).filter(
      v => v !== null && !(Array.isArray(v) && v.length === 0)).length, 0) : 0;
  return {key: el.dataset.figure, drawn: !!chart, canvas: !!el.querySelector('canvas'),
          points: points};
})"""


def test_every_dashboard_draws_its_charts_with_data(server):
    from playwright.sync_api import sync_playwright

    base, token = server
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        context = browser.new_context()
        context.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": base}])
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error"
                and not m.text.startswith("Failed to load resource") else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
                if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
        seen = {}
        for name in DASHBOARDS:
            page.goto(f"{base}/analytics/{name}?date_from=2026-01-01&date_to=2026-03-31")
            page.wait_for_function("""() => {
              const all = document.querySelectorAll('.analytics-chart');
              return all.length > 0 && Array.from(all).every(el => el.dataset.ready === '1');
            }""")
            for state in page.evaluate(CHART_STATE):
                assert state["drawn"] and state["canvas"], (name, state)
                seen[state["key"]] = state["points"]
        assert page.locator("h1").inner_text() == "资产风险"
        browser.close()
    assert not problems, problems
    empty = {k for k in MUST_HAVE_DATA if not seen.get(k)}
    assert not empty, f"charts drawn without data: {sorted(empty)}"
