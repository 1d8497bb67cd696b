"""FastAPI dependencies shared by every page and endpoint of the desk and the API.

- ``db_session`` / ``DbSession``: one unit of work per request, committed when the endpoint
  returns (before the response is sent), rolled back on any error.
- ``current_principal``: who is calling: a desk session cookie (with CSRF check on every
  unsafe method) or an API bearer token.
- ``require_roles(*roles)``: a dependency that answers 403 to every other role.
- ``render(request, "page.html", ctx)``: a template with the principal, locale, ``t``,
  CSRF token and navigation in its context.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from arrears.adapters.db.base import unit_of_work
from arrears.errors import ArrearsError, Forbidden
from arrears.i18n import localize_message, negotiate_locale, normalize_locale, t
from arrears.services.auth import NotAuthenticated, session_user, token_user

TEMPLATES_DIR = Path(__file__).resolve().parent / "desk" / "templates"
SESSION_COOKIE = "arrears_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


class CsrfFailed(ArrearsError):
    code = "csrf_failed"
    status = 403


@dataclass(frozen=True)
class Principal:
    """The signed-in user (or system behind an API token) making the request."""

    user_id: int
    username: str
    display_name: str
    role: str
    team_id: str | None
    agency_id: str | None
    locale: str
    via: str = "session"  # session | token
    csrf_token: str | None = None

    @property
    def actor(self) -> str:
        """How the audit log names this principal."""
        return self.username


@dataclass(frozen=True)
class NavItem:
    href: str
    label_key: str
    roles: tuple[str, ...] | None = None
    order: int = 100


NAV: list[NavItem] = []


def register_nav(href: str, label_key: str, *, roles: tuple[str, ...] | None = None,
                 order: int = 100) -> None:
    """Add a link to the desk's navigation (shown only to ``roles`` when given)."""
    if all(item.href != href for item in NAV):
        NAV.append(NavItem(href, label_key, roles, order))
        NAV.sort(key=lambda item: (item.order, item.href))


def get_app(request: Request) -> Any:
    """The wired ``App`` this web application was created with."""
    return request.app.state.arrears


def db_session(request: Request) -> Iterator[Session]:
    """One unit of work per request: commits when the endpoint returns, else rolls back.

    Use it as ``session: DbSession`` (or ``Depends(db_session, scope="function")``) so the
    commit happens before the response is sent; plain ``Depends(db_session)`` commits only
    after the response has gone out, which is fine for pages that only read.
    """
    with unit_of_work(get_app(request).session_factory) as session:
        yield session


DbSession = Annotated[Session, Depends(db_session, scope="function")]


def request_locale(request: Request) -> str:
    """The locale of an anonymous request: a chosen ``lang`` cookie, else the browser's."""
    chosen = normalize_locale(request.cookies.get("lang"))
    return chosen or negotiate_locale(request.headers.get("accept-language"))


async def _submitted_csrf(request: Request) -> str | None:
    if request.method not in UNSAFE_METHODS:
        return None
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    ctype = request.headers.get("content-type", "")
    if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


def _principal_from_user(user: Any, *, locale: str, via: str,
                         csrf: str | None) -> Principal:
    return Principal(user_id=user.user_id, username=user.username,
                     display_name=user.display_name, role=user.role, team_id=user.team_id,
                     agency_id=user.agency_id, locale=locale, via=via, csrf_token=csrf)


def current_principal(request: Request, session: DbSession,
                      submitted: Annotated[str | None, Depends(_submitted_csrf)]
                      ) -> Principal:
    """Who is calling; 401 when nobody is signed in, 403 when the CSRF token is wrong."""
    at = get_app(request).clock()
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        user = token_user(session, token=auth[7:].strip())
        if user is None:
            raise NotAuthenticated("invalid or revoked API token")
        locale = normalize_locale(user.locale) or request_locale(request)
        principal = _principal_from_user(user, locale=locale, via="token", csrf=None)
    else:
        token = request.cookies.get(SESSION_COOKIE)
        found = session_user(session, token=token, at=at) if token else None
        if found is None:
            raise NotAuthenticated("please sign in")
        user, csrf = found
        if request.method in UNSAFE_METHODS and not (
                submitted and secrets.compare_digest(submitted, csrf)):
            raise CsrfFailed("the form expired or did not come from the desk; reload the page")
        locale = normalize_locale(user.locale) or request_locale(request)
        principal = _principal_from_user(user, locale=locale, via="session", csrf=csrf)
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: str) -> Callable[..., Principal]:
    """A dependency: the principal when their role is one of ``roles``, else 403."""

    def _check(principal: CurrentPrincipal) -> Principal:
        if principal.role not in roles:
            raise Forbidden(t("desk.error.role_forbidden", principal.locale,
                              role=principal.role, roles=", ".join(roles)),
                            role=principal.role, allowed=list(roles))
        return principal

    return _check


def error_locale(request: Request) -> str:
    """The language errors are told in: the caller's, else the browser's."""
    principal = getattr(request.state, "principal", None)
    return principal.locale if principal is not None else request_locale(request)


def localized_error(request: Request, error: ArrearsError | dict[str, Any]) -> dict[str, Any]:
    """An error body (``{code, message, field, fields, detail}``) with its message and field
    messages in the caller's language; the code stays as it is."""
    body = error.to_dict() if isinstance(error, ArrearsError) else dict(error)
    locale = error_locale(request)
    body["message"] = localize_message(str(body.get("message", "")), locale)
    if body.get("fields"):
        body["fields"] = [{**f, "message": localize_message(str(f.get("message", "")), locale)}
                          for f in body["fields"]]
    return body


def nav_for(principal: Principal | None) -> list[NavItem]:
    if principal is None:
        return []
    return [item for item in NAV if item.roles is None or principal.role in item.roles]


def template_context(request: Request, ctx: dict[str, Any] | None = None) -> dict[str, Any]:
    principal: Principal | None = getattr(request.state, "principal", None)
    locale = principal.locale if principal else request_locale(request)
    base: dict[str, Any] = {
        "request": request, "principal": principal, "locale": locale,
        "t": lambda key, **kw: t(key, locale, **kw),
        "csrf_token": principal.csrf_token if principal else "",
        "nav": nav_for(principal), "current_path": request.url.path,
    }
    base.update(ctx or {})
    return base


def render(request: Request, template: str, ctx: dict[str, Any] | None = None, *,
           status_code: int = 200, headers: dict[str, str] | None = None) -> HTMLResponse:
    """Render a desk template with the common context."""
    return templates.TemplateResponse(request, template, template_context(request, ctx),
                                      status_code=status_code, headers=headers)
