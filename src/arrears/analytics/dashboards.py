"""View models of the desk's analytics pages: which figures a role sees, and each figure as
a chart card (title, ECharts option, download links). No web framework here."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from arrears.adapters.db.tables import User
from arrears.analytics import figures as fg
from arrears.analytics.charts import chart_data, echarts_option
from arrears.analytics.filters import Filters
from arrears.analytics.labels import figure_title, label
from arrears.analytics.workbench import Workbench
from arrears.errors import Forbidden, NotFound


class UnknownDashboard(NotFound):
    code = "unknown_dashboard"


class DashboardForbidden(Forbidden):
    code = "dashboard_forbidden"


@dataclass(frozen=True)
class Card:
    key: str
    title: str
    option_json: str
    has_data: bool
    rows: int


@dataclass(frozen=True)
class FilterChoices:
    products: list[str]
    buckets: list[str]
    teams: list[str]
    currencies: list[str]


def dashboards_for(role: str) -> list[str]:
    """The dashboards a role may open, in menu order."""
    return [name for name, roles in fg.DASHBOARD_ROLES.items() if role in roles]


def check_access(name: str, *, role: str, locale: str) -> None:
    """Raise unless ``role`` may open dashboard ``name``."""
    if name not in fg.DASHBOARDS:
        raise UnknownDashboard(f"no dashboard called '{name}'", field="dashboard")
    if role not in fg.DASHBOARD_ROLES[name]:
        raise DashboardForbidden(label("forbidden", locale, role=role), role=role,
                                 allowed=list(fg.DASHBOARD_ROLES[name]))


def scoped_filters(filters: Filters, *, role: str, team_id: str | None) -> Filters:
    """A team lead sees their own team only, whatever the filter asks."""
    if role == "team_lead":
        return replace(filters, team_id=team_id or "-")
    return filters


def figure_keys(name: str, bench: Workbench) -> list[str]:
    return bench.keys(fg.DASHBOARDS[name])


def check_figure(name: str, key: str, bench: Workbench) -> None:
    """A figure can be downloaded only from a dashboard that shows it."""
    if key not in figure_keys(name, bench):
        raise NotFound(f"dashboard '{name}' has no figure '{key}'", field="figure")


def card(figure: fg.Figure, *, locale: str) -> Card:
    data = chart_data(figure, locale=locale)
    option = echarts_option(data, locale=locale)
    return Card(key=figure.key, title=figure_title(figure.key, locale),
                option_json=json.dumps(option, ensure_ascii=False, separators=(",", ":")),
                has_data=data.has_data, rows=len(figure.frame))


def cards(name: str, bench: Workbench, *, locale: str) -> list[Card]:
    """Every chart card of dashboard ``name``."""
    return [card(bench.figure(key), locale=locale) for key in figure_keys(name, bench)]


def filter_choices(bench: Workbench, session: Session) -> FilterChoices:
    """Values offered in the filter lists."""
    products = bench.products
    teams = sorted({t for (t,) in session.execute(
        select(User.team_id).where(User.team_id.is_not(None)).distinct())})
    return FilterChoices(products=products, buckets=bench.buckets, teams=teams,
                         currencies=bench.currencies)


def page_dates(bench: Workbench) -> dict[str, date | None]:
    """The effective ranges, shown above the charts."""
    p, o = bench.portfolio_filters, bench.ops_filters
    return {"portfolio_from": p.date_from, "portfolio_to": p.date_to,
            "ops_from": o.date_from, "ops_to": o.date_to}


def context(name: str, bench: Workbench, session: Session, *, role: str,
            locale: str) -> dict[str, Any]:
    """Everything the dashboard template needs."""
    return {"dashboard": name, "title": label(f"dashboard.{name}", locale),
            "dashboards": [(d, label(f"dashboard.{d}", locale)) for d in dashboards_for(role)],
            "cards": cards(name, bench, locale=locale),
            "choices": filter_choices(bench, session), "filters": bench.raw_filters,
            "team_locked": role == "team_lead", "dates": page_dates(bench),
            "currency": bench.currency, "as_of": bench.as_of,
            "query": bench.raw_filters.as_query()}
