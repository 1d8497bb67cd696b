"""The account view shows the case's strategy step (with a link to its plans) and its risk."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from arrears.adapters.db.base import unit_of_work
from arrears.adapters.db.tables_scoring import CaseScore
from arrears.adapters.db.tables_strategy import CaseTreatment
from tests.factories import AS_OF, make_case, make_user
from tests.integration.test_desk_web import sign_in, web  # noqa: F401  (fixture)


def _treat_and_score(app: Any, case_id: int, customer_id: str) -> None:
    with unit_of_work(app.session_factory) as s:
        s.add(CaseTreatment(case_id=case_id, as_of=AS_OF, strategy_name="default",
                            arm="champion", segment="early", path="early",
                            step_id="firm_call", step_kind="call", step_index=2,
                            channel="call", script="follow_up", tone="firm", team_id="early",
                            role="collector", agency=False, entered_on=date(2026, 11, 1),
                            escalations=0, dpd=12, bucket="M1", balance=Decimal("1234.50"),
                            reason="dpd 12 in 1..30"))
        s.add(CaseScore(case_id=case_id, as_of=AS_OF, model="roll30", customer_id=customer_id,
                        score=0.42, points=None, band="C", bucket="M1",
                        reasons=[{"code": "dpd_now", "value": 12, "impact": 1.0}]))


def test_account_shows_step_link_and_risk(web: Any) -> None:  # noqa: F811
    app, client = web
    user = make_user(app, username="c1")
    case_id = make_case(app, assigned_to=user)
    with unit_of_work(app.session_factory) as s:
        from arrears.adapters.db.tables import CollectionCase
        customer_id = s.get(CollectionCase, case_id).customer_id
    sign_in(client, "c1")
    before = client.get(f"/cases/{case_id}")
    assert before.status_code == 200 and 'id="acct-treatment"' not in before.text
    _treat_and_score(app, case_id, customer_id)
    page = client.get(f"/cases/{case_id}", headers={"Accept-Language": "en"})
    assert f'href="/cases/{case_id}/strategy"' in page.text
    assert "firm_call" in page.text
    assert 'id="acct-risk"' in page.text and "42%" in page.text
