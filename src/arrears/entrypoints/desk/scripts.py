"""Call scripts in the desk: administrators edit them (each save is a new version)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
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
from arrears.errors import InvalidInput
from arrears.services import scripts

router = APIRouter(include_in_schema=False)
register_nav("/scripts", "desk.nav.scripts", roles=("admin", "team_lead", "qa_reviewer",
                                                     "compliance_officer"), order=50)
Admin = Annotated[Principal, Depends(require_roles("admin"))]
Reader = Annotated[Principal, Depends(require_roles("admin", "team_lead", "qa_reviewer",
                                                    "compliance_officer"))]


def _page(request: Request, session: object, *, principal: Principal,
          notice: str | None = None, error: dict | None = None,
          status_code: int = 200) -> Response:
    rows = []
    for stage in scripts.STAGES:
        for language in scripts.LANGUAGES:
            rows.append({"current": scripts.current_script(session, stage=stage,  # type: ignore[arg-type]
                                                           language=language),
                         "history": scripts.history(session, stage=stage,  # type: ignore[arg-type]
                                                    language=language)})
    return render(request, "scripts.html", {
        "rows": rows, "placeholders": scripts.PLACEHOLDERS, "notice": notice, "error": error,
        "editable": principal.role == "admin"}, status_code=status_code)


@router.get("/scripts")
def scripts_page(request: Request, session: DbSession, principal: Reader) -> Response:
    return _page(request, session, principal=principal)


@router.post("/scripts")
def save_script(request: Request, session: DbSession, principal: Admin,
                stage: Annotated[str, Form()] = "", language: Annotated[str, Form()] = "",
                title: Annotated[str, Form()] = "", body: Annotated[str, Form()] = "") -> Response:
    """Save a new version of one stage's script (administrators only)."""
    try:
        saved = scripts.save_script(session, stage=stage, language=language, title=title,
                                    body=body, actor=principal.username,
                                    at=get_app(request).clock())
    except InvalidInput as exc:
        session.rollback()
        return _page(request, session, principal=principal,
                     error=localized_error(request, exc),
                     status_code=422)
    from arrears.i18n import t

    return _page(request, session, principal=principal,
                 notice=t("desk.scripts.saved", principal.locale, version=saved.version))
