"""In a real browser: a collector's note with a threat is stopped before it is saved, with
the category shown; the live-assist panel shows the suggestion for a customer's line."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from arrears.adapters.db.base import unit_of_work
from arrears.adapters.db.tables import Note, User
from arrears.entrypoints.deps import SESSION_COOKIE
from arrears.services import conversation as svc
from arrears.services.auth import start_session
from tests.conftest import chromium_path
from tests.integration.strategy_factory import add_case

pytestmark = pytest.mark.browser
NOW = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai: inside allowed hours


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(sqlite_app) -> Iterator[tuple[str, str, int, object]]:
    import uvicorn

    from arrears.entrypoints.web import create_app

    sqlite_app.clock = lambda: NOW
    case_id = add_case(sqlite_app, customer_id="C9", dpd=15, bucket="M1", overdue="900.00",
                       opened=date(2026, 5, 1), lang="en")
    with unit_of_work(sqlite_app.session_factory) as s:
        lead = User(username="lead", display_name="Lead", password_hash="-", role="team_lead",
                    locale="en", active=True, failed_logins=0)
        s.add(lead)
        s.flush()
        token = start_session(s, user=lead, at=NOW).token
        svc.live_line(s, call_id="CALL-42", case_id=case_id, at=NOW, actor="cti",
                      line=svc.LineIn("customer", "我上个月被裁员了，现在真的还不上"))
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(sqlite_app), host="127.0.0.1", port=port,
                                        log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        if not thread.is_alive():
            pytest.fail("the desk server did not start")
        thread.join(0.05)
    yield f"http://127.0.0.1:{port}", token, case_id, sqlite_app
    srv.should_exit = True
    thread.join(10)


def test_a_threatening_note_is_stopped_with_its_category(server) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, token, case_id, app = server
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        context = browser.new_context()
        context.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": base}])
        page = context.new_page()
        page.goto(f"{base}/cases/{case_id}")
        # the account view shows the customer's latest signals and the proposed action
        expect(page.locator("#conversation-signals [data-signal=hardship]")).to_be_visible()
        expect(page.locator("[data-action=offer_plan]")).to_be_visible()
        page.fill("textarea[name=note]", "Told him if he doesn't pay we'll break his legs. "
                  "再不还钱就打断你的腿")
        page.click("#save-contact")
        alert = page.locator("#note-violation")
        expect(alert).to_be_visible()
        expect(alert.locator(".badge.bad").first).to_contain_text("threat")

        page.goto(f"{base}/conversation/live/CALL-42")
        expect(page.locator("[data-suggestion=offer_plan]")).to_be_visible()
        browser.close()
    with unit_of_work(app.session_factory) as s:  # type: ignore[attr-defined]
        assert s.query(Note).count() == 0
