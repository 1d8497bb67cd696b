"""The desk in a real browser against a real server: a collector's day, and the 403s."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from tests.conftest import chromium_path, make_test_app
from tests.factories import AT, make_case, make_user

pytestmark = pytest.mark.browser
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    import uvicorn

    from arrears.entrypoints.web import create_app

    home = tmp_path_factory.mktemp("desk")
    app = make_test_app(home, f"sqlite:///{home / 'ops.sqlite'}")
    clock = {"now": AT}
    app.clock = lambda: clock["now"]
    col1 = make_user(app, username="col1", password="col1-password", locale="en")
    col2 = make_user(app, username="col2", password="col2-password", locale="en")
    make_user(app, username="agency1", role="agency", agency_id="AG1",
              password="agency1-password", locale="en")
    mine = make_case(app, assigned_to=col1, rank=1, phone="+8613812345678")
    theirs = make_case(app, assigned_to=col2, rank=2)
    placed = make_case(app, assigned_to=col2, rank=3, agency_id="AG1")
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(app), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:  # readiness, not timing: the loop ends when it listens
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    yield {"url": f"http://127.0.0.1:{port}", "mine": mine, "theirs": theirs,
           "placed": placed, "clock": clock}
    server.should_exit = True
    thread.join(timeout=10)
    app.close()


@pytest.fixture
def page(desk: dict[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=BROWSER_ARGS)
        context = browser.new_context(locale="en-US")
        pg = context.new_page()
        pg.set_default_timeout(15000)
        yield pg
        browser.close()


def sign_in(page: Any, url: str, username: str, password: str) -> None:
    page.goto(f"{url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/queue")


def test_a_collectors_contact_from_next_case_to_sign_out(page: Any, desk: dict) -> None:
    from playwright.sync_api import expect

    url = desk["url"]
    sign_in(page, url, "col1", "col1-password")
    expect(page.locator("#queue-table tbody tr")).to_have_count(1)
    page.click("#next-case")
    page.wait_for_url(f"{url}/cases/{desk['mine']}")
    self_row = page.locator("#contacts tr[data-contact-id$=self]")
    expect(self_row.locator(".masked")).to_have_text("+86 138****5678")
    self_row.locator("input[name=reason]").fill("calling the borrower")
    self_row.locator("button", has_text="Reveal").click()
    expect(self_row.locator(".revealed")).to_have_text("+8613812345678")

    form = page.locator("#contact-form")
    form.locator("select[name=channel]").select_option("call")
    form.locator("select[name=party]").select_option("self")
    form.locator("select[name=result]").select_option("right_party_contact")
    form.locator("select[name=overdue_reason]").select_option("job_loss")
    form.locator("input[name=promise_amount]").fill("500.00")
    form.locator("input[name=promise_due]").fill("2026-11-30")
    form.locator("textarea[name=note]").fill("Lost his job, pays on the 30th")
    page.click("#save-contact")
    expect(page.locator("#contact-saved")).to_be_visible()
    timeline = page.locator("#timeline")
    expect(timeline.locator("li.promise")).to_contain_text("500.00")
    expect(timeline.locator("li.attempt")).to_contain_text("Right-party contact")
    expect(timeline.locator("li.note")).to_contain_text("Lost his job")
    expect(form.locator("input[name=promise_amount]")).to_have_value("")

    page.click("#sign-out")
    page.wait_for_url(f"{url}/login")
    response = page.goto(f"{url}/cases/{desk['mine']}")
    assert page.url == f"{url}/login" and response is not None and response.ok


def test_a_collector_cannot_open_another_collectors_case(page: Any, desk: dict) -> None:
    sign_in(page, desk["url"], "col1", "col1-password")
    response = page.goto(f"{desk['url']}/cases/{desk['theirs']}")
    assert response is not None and response.status == 403
    assert "not assigned to you" in page.content()


def test_an_agency_sees_only_cases_placed_with_it(page: Any, desk: dict) -> None:
    from playwright.sync_api import expect

    sign_in(page, desk["url"], "agency1", "agency1-password")
    rows = page.locator("#queue-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-case-id", str(desk["placed"]))
    response = page.goto(f"{desk['url']}/cases/{desk['mine']}")
    assert response is not None and response.status == 403
    assert "not placed with your agency" in page.content()
    assert page.goto(f"{desk['url']}/cases/{desk['placed']}").status == 200


def test_a_call_at_night_is_blocked_with_its_explanation(page: Any, desk: dict) -> None:
    from playwright.sync_api import expect

    desk["clock"]["now"] = AT + timedelta(hours=13)  # 23:00 in Shanghai
    try:
        url = desk["url"]
        sign_in(page, url, "col1", "col1-password")
        page.goto(f"{url}/cases/{desk['mine']}")
        before = page.locator("#timeline li.attempt").count()
        form = page.locator("#contact-form")
        form.locator("select[name=channel]").select_option("call")
        form.locator("select[name=contact_id]").select_option(index=1)
        form.locator("select[name=party]").select_option("self")
        form.locator("select[name=result]").select_option("no_answer")
        page.click("#save-contact")
        blocked = page.locator("#contact-blocked")
        expect(blocked).to_be_visible()
        expect(blocked.locator(".explanation")).to_have_text(
            "23:00 Asia/Shanghai is inside quiet hours (22:00-08:00)")
        expect(blocked.locator(".next-allowed")).to_have_text("2026-11-28 08:00 (Asia/Shanghai)")
        expect(blocked.locator("#override-contact")).to_have_count(0)
        expect(page.locator("#timeline li.attempt")).to_have_count(before)  # nothing added
    finally:
        desk["clock"]["now"] = AT
