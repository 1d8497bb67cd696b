"""The desk and API over HTTP (in-process): CSRF, headers, roles, idempotency, audit CLI."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from arrears.adapters.db.base import unit_of_work
from arrears.services.auth import create_api_token
from tests.factories import AT, make_case, make_user


@pytest.fixture
def web(sqlite_app: Any) -> Any:
    from arrears.entrypoints.web import create_app

    sqlite_app.clock = lambda: AT
    return sqlite_app, TestClient(create_app(sqlite_app))


def sign_in(client: TestClient, username: str) -> str:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    answer = client.post("/login", data={"username": username,
                                         "password": f"pw-{username}-long",
                                         "csrf_token": token}, follow_redirects=False)
    assert answer.status_code == 303
    queue = client.get("/queue")
    return re.search(r'name="csrf-token" content="([^"]+)"', queue.text).group(1)  # type: ignore[union-attr]


def test_security_headers_and_session_cookie(web: Any) -> None:
    app, client = web
    make_user(app, username="c1")
    page = client.get("/login")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    answer = client.post("/login", data={"username": "c1", "password": "pw-c1-long",
                                         "csrf_token": token}, follow_redirects=False)
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_forms_without_the_csrf_token_are_refused(web: Any) -> None:
    app, client = web
    user = make_user(app, username="c1")
    case_id = make_case(app, assigned_to=user)
    csrf = sign_in(client, "c1")
    data = {"channel": "call", "party": "self", "result": "no_answer"}
    assert client.post(f"/cases/{case_id}/contacts", data=data).status_code == 403
    ok = client.post(f"/cases/{case_id}/contacts", data=data,
                     headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
    assert ok.status_code == 200 and "contact-saved" in ok.text


def test_only_admins_edit_scripts_and_each_save_is_a_version(web: Any) -> None:
    app, client = web
    make_user(app, username="c1")
    make_user(app, username="boss", role="admin", locale="en")
    csrf = sign_in(client, "c1")
    assert client.get("/scripts").status_code == 403
    client.cookies.clear()
    csrf = sign_in(client, "boss")
    form = {"stage": "first_contact", "language": "en", "title": "Gentle",
            "body": "Hello {customer_name}, {overdue_amount} is due.", "csrf_token": csrf}
    assert client.post("/scripts", data=form).status_code == 200
    again = client.post("/scripts", data={**form, "body": "Hi {customer_name}"})
    assert "version 2" in again.text
    bad = client.post("/scripts", data={**form, "body": "Hi {nickname}"})
    assert bad.status_code == 422 and "nickname" in bad.text


def test_api_idempotency_keys(web: Any) -> None:
    app, client = web
    user = make_user(app, username="c1")
    case_id = make_case(app, assigned_to=user)
    with unit_of_work(app.session_factory) as s:
        token = create_api_token(s, username="c1", name="t", actor="t", at=AT)
    auth = {"Authorization": f"Bearer {token}"}
    body = {"text": "customer asked for a statement"}
    first = client.post(f"/api/v1/cases/{case_id}/notes", json=body,
                        headers={**auth, "Idempotency-Key": "n-1"})
    again = client.post(f"/api/v1/cases/{case_id}/notes", json=body,
                        headers={**auth, "Idempotency-Key": "n-1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and again.headers["idempotent-replayed"] == "true"
    other = client.post(f"/api/v1/cases/{case_id}/notes", json={"text": "else"},
                        headers={**auth, "Idempotency-Key": "n-1"})
    assert other.status_code == 422
    assert client.get(f"/api/v1/cases/{case_id}/notes", headers=auth).json()["total"] == 1
    missing = client.post(f"/api/v1/cases/{case_id}/notes", json=body, headers=auth)
    assert missing.status_code == 422
    assert missing.json()["error"]["fields"][0]["field"] == "header.Idempotency-Key"
    assert client.get("/api/v1/cases").status_code == 401


def test_an_export_edited_by_one_byte_fails_verification(web: Any, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from arrears.entrypoints import cli_desk  # noqa: F401  (registers the commands)
    from arrears.entrypoints.cli_app import app as cli

    app, _ = web
    make_user(app, username="c1")
    monkeypatch.setenv("ARREARS_HOME", str(app.settings.home))
    monkeypatch.setenv("ARREARS_DATABASE_URL", app.settings.database_url)
    runner = CliRunner()
    out = tmp_path / "audit.jsonl"
    assert runner.invoke(cli, ["audit", "export", "--out", str(out)]).exit_code == 0
    assert runner.invoke(cli, ["audit", "verify", "--file", str(out)]).exit_code == 0
    assert runner.invoke(cli, ["audit", "verify"]).exit_code == 0
    raw = bytearray(out.read_bytes())
    for pos in (raw.index(b'"c1"') + 2, raw.index(b'"entry_id":1') + 11, len(raw) - 5):
        edited = bytearray(raw)
        edited[pos] = ord("7") if edited[pos] != ord("7") else ord("8")
        out.write_bytes(bytes(edited))
        result = runner.invoke(cli, ["audit", "verify", "--file", str(out)])
        assert result.exit_code == 1, f"an edit at byte {pos} went unnoticed"
