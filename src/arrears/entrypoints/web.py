"""The web application: the collectors' desk (HTML + HTMX) and the REST API (/api/v1).

Other parts of the product add their pages and endpoints as routers of their own
(``entrypoints/desk/<area>.py``, ``entrypoints/api/<area>.py``), one include line each
in ``create_app`` below.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from arrears.errors import ArrearsError
from arrears.i18n import t

STATIC_DIR = Path(__file__).resolve().parent / "desk" / "static"
API_PREFIX = "/api/v1"

SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"),
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "cross-origin-opener-policy": "same-origin",
}


class SecurityHeaders:
    """Adds security headers to every response; pages are never cached (personal data)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"
        static = scope.get("path", "").startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                extra = dict(SECURITY_HEADERS)
                if https:
                    extra["strict-transport-security"] = "max-age=31536000; includeSubDomains"
                if not static:
                    extra["cache-control"] = "no-store"
                for name, value in extra.items():
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _error_response(request: Request, status: int, body: dict[str, Any]) -> Response:
    from arrears.entrypoints.deps import localized_error

    body = localized_error(request, body)
    if _is_api(request):
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse({"error": body}, status_code=status, headers=headers)
    from arrears.entrypoints.deps import render

    template = "partials/error.html" if _is_htmx(request) else "error.html"
    return render(request, template, {"status": status, "error": body}, status_code=status)


async def arrears_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ArrearsError)
    if exc.status == 401 and not _is_api(request):
        if _is_htmx(request):
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        return RedirectResponse("/login", status_code=303)
    return _error_response(request, exc.status, exc.to_dict())


def field_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    """FastAPI's validation errors as ``[{field, message}]`` (``body.amount``...)."""
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        out.append({"field": ".".join(loc), "message": str(err.get("msg", "invalid"))})
    return out


async def validation_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    fields = field_errors(exc)
    locale = getattr(getattr(request.state, "principal", None), "locale", None)
    body = {"code": "invalid_input", "message": t("desk.error.invalid_input", locale),
            "fields": fields}
    return _error_response(request, 422, body)


async def http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return _error_response(request, exc.status_code,
                           {"code": code, "message": str(exc.detail)})


async def out_of_range_handler(request: Request, exc: Exception) -> Response:
    """A value the store cannot hold (an id beyond 64 bits...) is bad input, not a crash."""
    return _error_response(request, 422, {"code": "out_of_range",
                                          "message": "a value is out of the allowed range"})


def create_app(app: Any) -> FastAPI:
    """The desk and the API for a wired ``App`` (see ``arrears.bootstrap``)."""
    web = FastAPI(title="Arrears API", version="1", openapi_url=f"{API_PREFIX}/openapi.json",
                  docs_url=None, redoc_url=None,
                  description="Collections platform: cases, accounts, contacts, promises, "
                              "notes. Authenticate with `Authorization: Bearer <token>` "
                              "(`arrears users token`). Every creating POST takes an "
                              "`Idempotency-Key` header.")
    web.state.arrears = app
    web.add_middleware(SecurityHeaders)
    web.add_exception_handler(ArrearsError, arrears_error_handler)
    web.add_exception_handler(RequestValidationError, validation_error_handler)
    web.add_exception_handler(StarletteHTTPException, http_error_handler)
    web.add_exception_handler(OverflowError, out_of_range_handler)
    web.add_exception_handler(DataError, out_of_range_handler)
    web.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")

    from arrears.entrypoints.desk import account, auth, queue, scripts

    web.include_router(auth.router)
    web.include_router(queue.router)
    web.include_router(account.router)
    web.include_router(scripts.router)
    from arrears.entrypoints.desk import users as desk_users
    web.include_router(desk_users.router)
    from arrears.entrypoints.api import desk as api_desk

    web.include_router(api_desk.router, prefix=API_PREFIX)
    # Other parts of the product: one line each below.
    from arrears.entrypoints.desk import analytics as desk_analytics
    web.include_router(desk_analytics.router)
    from arrears.entrypoints.api import conversation as api_conv
    from arrears.entrypoints.desk import conversation as desk_conv
    web.include_router(api_conv.router)
    web.include_router(desk_conv.router)
    from arrears.entrypoints.api import strategy as api_strategy
    from arrears.entrypoints.desk import strategy as desk_strategy
    web.include_router(api_strategy.router)
    web.include_router(desk_strategy.router)
    from arrears.entrypoints.desk import compliance as desk_compliance
    web.include_router(desk_compliance.router)
    from arrears.entrypoints.api import compliance as api_compliance
    web.include_router(api_compliance.router)
    from arrears.entrypoints.desk import scoring as desk_scoring
    web.include_router(desk_scoring.router)
    return web
