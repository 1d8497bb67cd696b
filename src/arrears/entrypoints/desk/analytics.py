"""The supervisors' dashboards: charts per role, filters, and every chart's data as CSV or
XLSX. Pages only translate: the figures come from ``arrears.analytics``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from arrears.analytics import dashboards as db
from arrears.analytics.export import to_csv, to_xlsx
from arrears.analytics.filters import Filters, parse_filters
from arrears.analytics.workbench import Workbench
from arrears.entrypoints.deps import (
    CurrentPrincipal,
    DbSession,
    Principal,
    get_app,
    register_nav,
    render,
)
from arrears.services.audit import append_audit

router = APIRouter(prefix="/analytics", tags=["analytics"], include_in_schema=False)
ANALYTICS_ROLES = ("team_lead", "compliance_officer", "admin")
register_nav("/analytics", "analytics.nav", roles=ANALYTICS_ROLES, order=60)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def page_filters(date_from: Annotated[str | None, Query()] = None,
                 date_to: Annotated[str | None, Query()] = None,
                 product: Annotated[str | None, Query()] = None,
                 bucket: Annotated[str | None, Query()] = None,
                 team: Annotated[str | None, Query()] = None,
                 currency: Annotated[str | None, Query()] = None) -> Filters:
    """The filter form's values, validated (422 naming the field otherwise)."""
    return parse_filters(date_from=date_from, date_to=date_to, product=product, bucket=bucket,
                         team=team, currency=currency)


PageFilters = Annotated[Filters, Depends(page_filters)]


def _bench(request: Request, session: Any, principal: Principal, filters: Filters,
           name: str) -> Workbench:
    db.check_access(name, role=principal.role, locale=principal.locale)
    app = get_app(request)
    scoped = db.scoped_filters(filters, role=principal.role, team_id=principal.team_id)
    return Workbench(app=app, session=session, filters=scoped, as_of=app.today())


@router.get("")
def analytics_home(principal: CurrentPrincipal) -> Response:
    """The first dashboard this role may open."""
    names = db.dashboards_for(principal.role)
    if not names:
        db.check_access("management", role=principal.role, locale=principal.locale)
    return RedirectResponse(f"/analytics/{names[0]}", status_code=303)


@router.get("/{name}")
def dashboard(name: str, request: Request, session: DbSession, principal: CurrentPrincipal,
              filters: PageFilters) -> Response:
    """A dashboard page: filters and chart cards."""
    with _bench(request, session, principal, filters, name) as bench:
        ctx = db.context(name, bench, session, role=principal.role, locale=principal.locale)
    return render(request, "analytics_dashboard.html", ctx)


@router.get("/{name}/data.xlsx")
def dashboard_xlsx(name: str, request: Request, session: DbSession,
                   principal: CurrentPrincipal, filters: PageFilters) -> Response:
    """Every chart of the dashboard in one workbook."""
    with _bench(request, session, principal, filters, name) as bench:
        figures = [bench.figure(k) for k in db.figure_keys(name, bench)]
    body = to_xlsx(figures, locale=principal.locale)
    _audited(request, session, principal, name=name, figure="*", fmt="xlsx",
             filters=bench.raw_filters)
    return _download(body, XLSX, f"{name}-{bench.as_of}.xlsx")


@router.get("/{name}/{figure}.{fmt}")
def figure_data(name: str, figure: str, fmt: str, request: Request, session: DbSession,
                principal: CurrentPrincipal, filters: PageFilters) -> Response:
    """One chart's data as CSV, XLSX or JSON (the chart option's source rows)."""
    with _bench(request, session, principal, filters, name) as bench:
        db.check_figure(name, figure, bench)
        fig = bench.figure(figure)
    if fmt in ("csv", "xlsx"):
        _audited(request, session, principal, name=name, figure=figure, fmt=fmt,
                 filters=bench.raw_filters)
    if fmt == "csv":
        return _download(to_csv(fig), "text/csv; charset=utf-8", f"{figure}-{bench.as_of}.csv")
    if fmt == "xlsx":
        return _download(to_xlsx([fig], locale=principal.locale), XLSX,
                         f"{figure}-{bench.as_of}.xlsx")
    if fmt == "json":
        card = db.card(fig, locale=principal.locale)
        return Response(card.option_json, media_type="application/json")
    raise db.UnknownDashboard(f"no format '{fmt}': csv, xlsx or json", field="format")


def _download(body: bytes, media_type: str, filename: str) -> Response:
    return Response(body, media_type=media_type,
                    headers={"content-disposition": f'attachment; filename="{filename}"'})


def _audited(request: Request, session: Any, principal: Principal, *, name: str,
             figure: str, fmt: str, filters: Filters) -> None:
    """Downloads leave the desk: each one is written to the audit log."""
    append_audit(session, actor=principal.actor, action="analytics.export",
                 object_type="dashboard", object_id=name,
                 detail={"figure": figure, "format": fmt, "filters": filters.as_query()},
                 at=get_app(request).clock())
