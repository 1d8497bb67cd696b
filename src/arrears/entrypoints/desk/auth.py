"""Sign-in, sign-out and the language switch of the desk."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from arrears.entrypoints.deps import (
    SESSION_COOKIE,
    CurrentPrincipal,
    DbSession,
    get_app,
    render,
    request_locale,
)
from arrears.i18n import LOCALES, t
from arrears.services.audit import append_audit
from arrears.services.auth import (
    AccountLocked,
    SignInFailed,
    authenticate,
    end_session,
    start_session,
)

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "arrears_login_csrf"


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _login_page(request: Request, *, error: str | None = None, username: str | None = None,
                status_code: int = 200) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", {"login_csrf": token, "error": error,
                                              "username": username},
                      status_code=status_code)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict",
                        secure=_secure(request), max_age=3600)
    return response


@router.get("/login")
def login_form(request: Request) -> Response:
    return _login_page(request)


@router.post("/login")
def login(request: Request, session: DbSession, username: Annotated[str, Form()] = "",
          password: Annotated[str, Form()] = "",
          csrf_token: Annotated[str, Form()] = "") -> Response:
    """Check the password, start a server-side session, set the cookie."""
    locale = request_locale(request)
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not secrets.compare_digest(cookie, csrf_token):
        return _login_page(request, error=t("desk.auth.form_expired", locale),
                           status_code=403)
    at = get_app(request).clock()
    try:
        user = authenticate(session, username=username.strip(), password=password, at=at)
    except AccountLocked:
        return _login_page(request, error=t("desk.auth.locked", locale), username=username,
                           status_code=423)
    except SignInFailed:
        return _login_page(request, error=t("desk.auth.failed", locale), username=username,
                           status_code=401)
    new = start_session(session, user=user, at=at)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(SESSION_COOKIE, new.token, httponly=True, samesite="lax",
                        secure=_secure(request), max_age=int(
                            (new.expires_at - at).total_seconds()), path="/")
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, session: DbSession, principal: CurrentPrincipal) -> Response:
    token = request.cookies.get(SESSION_COOKIE, "")
    end_session(session, token=token, actor=principal.actor, at=get_app(request).clock())
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/locale")
def set_locale(request: Request, session: DbSession, principal: CurrentPrincipal,
               locale: Annotated[str, Form()] = "zh-CN") -> Response:
    """Remember the user's language (zh-CN or en)."""
    from arrears.adapters.db.tables import User

    if locale in LOCALES:
        user = session.get(User, principal.user_id)
        if user is not None:
            user.locale = locale
            append_audit(session, actor=principal.actor, action="user.locale",
                         object_type="user", object_id=principal.user_id,
                         detail={"locale": locale}, at=get_app(request).clock())
    back = request.headers.get("referer", "/")
    target = back if back.startswith(str(request.base_url)) else "/"
    return RedirectResponse(target, status_code=303)
