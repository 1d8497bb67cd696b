"""Administrators manage desk users: create (role, team, agency, language), deactivate and
reactivate, unlock after failed sign-ins, reset a password. Every change is audited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import Response

from arrears.entrypoints.deps import (
    DbSession,
    Principal,
    get_app,
    localized_error,
    register_nav,
    render,
    require_roles,
)
from arrears.errors import ArrearsError
from arrears.i18n import LOCALES
from arrears.services import auth

router = APIRouter(include_in_schema=False)
register_nav("/admin/users", "desk.nav.users", roles=("admin",), order=90)
Admin = Annotated[Principal, Depends(require_roles("admin"))]
UserId = Annotated[int, Path(ge=1, le=2_147_483_647)]


def _page(request: Request, session: Any, *, notice: str | None = None,
          notice_kw: dict[str, Any] | None = None, error: dict | None = None,
          new_password: dict[str, str] | None = None, form: dict[str, str] | None = None,
          status_code: int = 200) -> Response:
    at = get_app(request).clock()
    users = [{"user": u, "locked": auth.is_locked(u, at=at)} for u in auth.list_users(session)]
    return render(request, "admin_users.html", {
        "users": users, "roles": auth.ROLES, "locales": LOCALES, "notice": notice,
        "notice_kw": notice_kw or {}, "error": error, "new_password": new_password,
        "form": form or {}}, status_code=status_code)


@router.get("/admin/users")
def users_page(request: Request, session: DbSession, principal: Admin) -> Response:
    """Every user with its role, team, agency, language and state."""
    return _page(request, session)


def _act(request: Request, session: Any, action: Callable[[], Any], *,
         notice: str, form: dict[str, str] | None = None) -> Response:
    """Run one change; the page again with a notice, or with the error (nothing saved)."""
    try:
        out = action()
    except ArrearsError as exc:
        if exc.status >= 500:
            raise
        session.rollback()
        return _page(request, session, error=localized_error(request, exc), form=form,
                     status_code=exc.status)
    username, password = out if isinstance(out, tuple) else (out, None)
    return _page(request, session, notice=notice, notice_kw={"user": username},
                 new_password={"user": username, "password": password} if password else None)


@router.post("/admin/users")
def create_user(request: Request, session: DbSession, principal: Admin,
                username: Annotated[str, Form(max_length=64)] = "",
                display_name: Annotated[str, Form(max_length=200)] = "",
                role: Annotated[str, Form(max_length=20)] = "",
                team_id: Annotated[str, Form(max_length=64)] = "",
                agency_id: Annotated[str, Form(max_length=64)] = "",
                locale: Annotated[str, Form(max_length=10)] = "",
                password: Annotated[str, Form(max_length=200)] = "") -> Response:
    """Create a user; without a password a random one is generated and shown once."""
    at = get_app(request).clock()

    def create() -> tuple[str, str | None]:
        initial = password or auth.new_password()
        user = auth.create_user(session, username=username.strip(), password=initial,
                                role=role, display_name=display_name.strip() or None,
                                team_id=team_id.strip() or None,
                                agency_id=agency_id.strip() or None, locale=locale or None,
                                actor=principal.username, at=at)
        return user.username, None if password else initial

    form = {"username": username, "display_name": display_name, "role": role,
            "team_id": team_id, "agency_id": agency_id, "locale": locale}
    return _act(request, session, create, notice="desk.users.created", form=form)


def _username(session: Any, user_id: int) -> str:
    return str(auth.get_user(session, user_id=user_id).username)


@router.post("/admin/users/{user_id}/deactivate")
def deactivate(request: Request, session: DbSession, principal: Admin,
               user_id: UserId) -> Response:
    """Deactivate a user: signed out everywhere, tokens refused."""
    at = get_app(request).clock()
    return _act(request, session, lambda: auth.set_active(
        session, user_id=user_id, active=False, actor=principal.username, at=at).username,
        notice="desk.users.deactivated")


@router.post("/admin/users/{user_id}/activate")
def activate(request: Request, session: DbSession, principal: Admin,
             user_id: UserId) -> Response:
    """Reactivate a user."""
    at = get_app(request).clock()
    return _act(request, session, lambda: auth.set_active(
        session, user_id=user_id, active=True, actor=principal.username, at=at).username,
        notice="desk.users.activated")


@router.post("/admin/users/{user_id}/unlock")
def unlock(request: Request, session: DbSession, principal: Admin,
           user_id: UserId) -> Response:
    """Lift a lock-out after repeated failed sign-ins."""
    at = get_app(request).clock()
    return _act(request, session, lambda: auth.unlock_user(
        session, user_id=user_id, actor=principal.username, at=at).username,
        notice="desk.users.unlocked")


@router.post("/admin/users/{user_id}/reset-password")
def reset_password(request: Request, session: DbSession, principal: Admin,
                   user_id: UserId) -> Response:
    """A new random password, shown once to hand over; the user is signed out."""
    at = get_app(request).clock()

    def reset() -> tuple[str, str]:
        password = auth.reset_password(session, user_id=user_id, actor=principal.username,
                                       at=at)
        return _username(session, user_id), password

    return _act(request, session, reset, notice="desk.users.password_reset")
