"""A compliance officer in a real browser: a block with its explanation and next allowed
time, the override with a reason, a hold set with why, and the day's report (zh-CN)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from arrears.adapters.db.base import unit_of_work
from arrears.adapters.db.tables import User
from arrears.entrypoints.deps import SESSION_COOKIE
from arrears.services import compliance as svc
from arrears.services.auth import start_session
from tests.conftest import chromium_path
from tests.integration.strategy_factory import add_case

pytestmark = pytest.mark.browser
NIGHT = datetime(2026, 5, 4, 14, 30, tzinfo=UTC)  # 22:30 in Shanghai


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(sqlite_app) -> Iterator[tuple[str, str, int]]:  # type: ignore[no-untyped-def]
    import uvicorn

    from arrears.entrypoints.web import create_app

    sqlite_app.clock = lambda: NIGHT
    case_id = add_case(sqlite_app, customer_id="C7", dpd=12, bucket="M1", overdue="800.00",
                       opened=date(2026, 5, 1))
    with unit_of_work(sqlite_app.session_factory) as s:
        officer = User(username="olga", display_name="Olga", password_hash="-",
                       role="compliance_officer", locale="zh-CN", active=True, failed_logins=0)
        s.add(officer)
        s.flush()
        token = start_session(s, user=officer, at=NIGHT).token
        decision = svc.decide_contact(s, app=sqlite_app, customer_id="C7", case_id=case_id,
                                      channel="call", party="self", contact_id="C7-phone",
                                      at=NIGHT, actor_user_id=None, agency_id=None)
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(sqlite_app), host="127.0.0.1", port=port,
                                        log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        if not thread.is_alive():
            pytest.fail("the desk server did not start")
        thread.join(0.05)
    yield f"http://127.0.0.1:{port}", token, decision.decision_id
    srv.should_exit = True
    thread.join(10)


def test_officer_overrides_a_block_sets_a_hold_and_reads_the_report(server) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    base, token, decision_id = server
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        context = browser.new_context()
        context.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": base}])
        page = context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(f"{base}/compliance/decisions/{decision_id}")
        block = page.locator(f"#compliance-decision-{decision_id}")
        assert "禁止联系时段" in block.inner_text()
        assert block.locator(".next-allowed").inner_text() == "2026-05-05 08:00"
        page.fill("#override-form textarea[name=reason]", "借款人要求今晚回电")
        page.click("#override-form button[type=submit]")
        assert "借款人要求今晚回电" in page.locator("#override-note").inner_text()

        page.goto(f"{base}/compliance/customers/C7")
        page.select_option("#set-flag select[name=flag]", "cease_communication")
        page.fill("#set-flag input[name=reason]", "客户书面要求停止联系")
        page.click("#set-flag button[type=submit]")
        row = page.locator('#active-flags tr[data-flag="cease_communication"]')
        assert "客户书面要求停止联系" in row.inner_text() and "olga" in row.inner_text()

        page.goto(f"{base}/compliance/report?date=2026-05-04")
        assert "cn.quiet_hours" in page.locator("#blocks-by-rule").inner_text()
        assert "借款人要求今晚回电" in page.locator("#overrides").inner_text()
        browser.close()
    assert not problems, problems
