"""Administrators manage users in the desk: create, unlock, reset a password, deactivate."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from arrears.adapters.db.base import unit_of_work
from arrears.adapters.db.tables import AuditEntry, User
from arrears.entrypoints.deps import SESSION_COOKIE
from arrears.services.auth import (
    AccountLocked,
    SignInFailed,
    authenticate,
    create_api_token,
    start_session,
    token_user,
)
from tests.factories import AT, make_user


@pytest.fixture
def admin(sqlite_app: Any) -> dict[str, Any]:
    from arrears.entrypoints.web import create_app

    sqlite_app.clock = lambda: AT
    for name, role, locale in (("boss", "admin", "zh-CN"), ("c1", "collector", "en")):
        make_user(sqlite_app, username=name, role=role, locale=locale)
    sessions = {}
    with unit_of_work(sqlite_app.session_factory) as s:
        for name in ("boss", "c1"):
            user = s.scalar(select(User).where(User.username == name))
            sessions[name] = start_session(s, user=user, at=AT)
    client = TestClient(create_app(sqlite_app))
    client.cookies.set(SESSION_COOKIE, sessions["boss"].token)
    return {"app": sqlite_app, "client": client, "sessions": sessions}


def _sign_in(app: Any, username: str, password: str) -> None:
    """Sign in as the desk does: failures are counted (committed), then raised."""
    failure: Exception | None = None
    with unit_of_work(app.session_factory) as s:
        try:
            authenticate(s, username=username, password=password, at=AT)
        except (SignInFailed, AccountLocked) as exc:
            failure = exc
    if failure is not None:
        raise failure


def _user_id(app: Any, username: str) -> int:
    with unit_of_work(app.session_factory) as s:
        return int(s.scalar(select(User.user_id).where(User.username == username)))  # type: ignore[arg-type]


def test_only_administrators_manage_users(admin: dict[str, Any]) -> None:
    client = admin["client"]
    page = client.get("/admin/users")
    assert page.status_code == 200 and "用户管理" in page.text and 'data-username="c1"' in page.text
    client.cookies.set(SESSION_COOKIE, admin["sessions"]["c1"].token)
    assert client.get("/admin/users").status_code == 403
    assert client.post("/admin/users", data={
        "username": "x", "role": "admin", "csrf_token": admin["sessions"]["c1"].csrf_token}
    ).status_code == 403


def test_create_with_role_team_agency_and_language(admin: dict[str, Any]) -> None:
    app, client, csrf = admin["app"], admin["client"], admin["sessions"]["boss"].csrf_token
    res = client.post("/admin/users", data={
        "username": "ag.one", "display_name": "外包一", "role": "agency", "agency_id": "AG9",
        "team_id": "", "locale": "zh-CN", "csrf_token": csrf})
    assert res.status_code == 200 and "已创建用户 ag.one" in res.text
    password = re.search(r'id="new-password">.*?<code>([^<]+)</code>', res.text).group(1)  # type: ignore[union-attr]
    _sign_in(app, "ag.one", password)
    with unit_of_work(app.session_factory) as s:
        user = s.scalar(select(User).where(User.username == "ag.one"))
        assert (user.role, user.agency_id, user.team_id, user.locale) == (  # type: ignore[union-attr]
            "agency", "AG9", None, "zh-CN")
    for bad, field in (({"role": "boss"}, "role"), ({"role": "agency"}, "agency_id"),
                       ({"locale": "fr"}, "locale"), ({"username": "c1"}, "username"),
                       ({"password": "short"}, "password")):
        form = {"username": "newbie", "role": "collector", "csrf_token": csrf, **bad}
        res = client.post("/admin/users", data=form)
        assert res.status_code in (409, 422) and f"({field})" in res.text, bad
    assert _user_id(app, "c1") and "newbie" not in client.get("/admin/users").text


def test_unlock_reset_and_deactivate_are_audited(admin: dict[str, Any]) -> None:
    app, client, csrf = admin["app"], admin["client"], admin["sessions"]["boss"].csrf_token
    c1 = _user_id(app, "c1")
    for _ in range(5):
        with pytest.raises(SignInFailed):
            _sign_in(app, "c1", "wrong password")
    with pytest.raises(AccountLocked):
        _sign_in(app, "c1", "pw-c1-long")
    assert 'data-username="c1" data-active="yes" data-locked="yes"' in client.get(
        "/admin/users").text
    res = client.post(f"/admin/users/{c1}/unlock", data={"csrf_token": csrf})
    assert res.status_code == 200 and 'data-username="c1" data-active="yes" data-locked="no"' \
        in res.text
    _sign_in(app, "c1", "pw-c1-long")

    res = client.post(f"/admin/users/{c1}/reset-password", data={"csrf_token": csrf})
    password = re.search(r'id="new-password">.*?<code>([^<]+)</code>', res.text).group(1)  # type: ignore[union-attr]
    with pytest.raises(SignInFailed):
        _sign_in(app, "c1", "pw-c1-long")
    _sign_in(app, "c1", password)
    client.cookies.set(SESSION_COOKIE, admin["sessions"]["c1"].token)
    assert client.get("/queue", follow_redirects=False).status_code == 303  # signed out
    client.cookies.set(SESSION_COOKIE, admin["sessions"]["boss"].token)

    with unit_of_work(app.session_factory) as s:
        token = create_api_token(s, username="c1", name="t", actor="t", at=AT)
    res = client.post(f"/admin/users/{c1}/deactivate", data={"csrf_token": csrf})
    assert res.status_code == 200 and 'data-username="c1" data-active="no"' in res.text
    with unit_of_work(app.session_factory) as s:
        assert token_user(s, token=token) is None
    with pytest.raises(SignInFailed):
        _sign_in(app, "c1", password)
    me = client.post(f"/admin/users/{_user_id(app, 'boss')}/deactivate",
                     data={"csrf_token": csrf})
    assert me.status_code == 409
    assert client.post(f"/admin/users/{c1}/activate", data={"csrf_token": csrf}).status_code \
        == 200
    _sign_in(app, "c1", password)
    with unit_of_work(app.session_factory) as s:
        actions = s.scalars(select(AuditEntry.action).where(
            AuditEntry.actor == "boss", AuditEntry.action.like("user.%"))
            .order_by(AuditEntry.entry_id)).all()
        details = " ".join(str(d) for d in s.scalars(select(AuditEntry.detail)))
    assert actions == ["user.unlock", "user.reset_password", "user.deactivate",
                       "user.activate"]
    assert password not in details
