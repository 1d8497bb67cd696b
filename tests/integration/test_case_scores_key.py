"""Case scores are keyed day first: the migration re-keys what is stored, and every reader
(the desk's risk, the strategy's bands, monitoring) finds rows by that key."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from alembic import command
from sqlalchemy import insert, inspect, select, text

from arrears.adapters.db.base import make_engine, unit_of_work
from arrears.adapters.db.migrate import alembic_config, upgrade
from arrears.adapters.db.tables_scoring import CaseScore
from arrears.batch import strategy as strategy_step
from arrears.scoring.stored import latest_case_score, scored_day
from tests.integration.strategy_factory import add_case, set_case
from tests.integration.test_strategy_services import treatment

D1 = date(2026, 3, 2)
D2 = D1 + timedelta(days=1)


def _row(case_id: int, as_of: date, model: str = "roll30", band: str | None = "C",
         score: float = 0.3) -> dict[str, Any]:
    return {"case_id": case_id, "as_of": as_of, "model": model, "model_id": 1,
            "customer_id": f"C{case_id}", "score": score, "points": 600.0, "band": band,
            "reasons": [{"code": "dpd_now", "value": 3.0, "impact": 0.25}], "bucket": "M1",
            "balance_band": "L", "segment": f"{band}-L-M1"}


def _key(engine: Any) -> list[str]:
    return inspect(engine).get_pk_constraint("case_scores")["constrained_columns"]


def _stored(engine: Any) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(select(
            CaseScore.case_id, CaseScore.as_of, CaseScore.model, CaseScore.score,
            CaseScore.band, CaseScore.reasons)))


def test_migration_rekeys_stored_scores_and_back(ops_url: str) -> None:
    engine = make_engine(ops_url)
    upgrade(engine, "0007_analytics")
    assert _key(engine) == ["case_id", "as_of", "model"]
    rows = [_row(2, D1), _row(1, D2, band="E", score=0.9), _row(1, D1, "cure30", None),
            _row(1, D1)]
    with engine.begin() as conn:
        conn.execute(insert(CaseScore.__table__), rows)
    before = _stored(engine)
    assert len(before) == 4

    upgrade(engine)
    assert _key(engine) == ["as_of", "model", "case_id"]
    names = {ix["name"] for ix in inspect(engine).get_indexes("case_scores")}
    assert "ix_case_scores_day" not in names
    assert _stored(engine) == before
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            ddl = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'case_scores'"
                                    )).scalar_one()
        assert "WITHOUT ROWID" in ddl.upper()

    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0007_analytics")
    assert _key(engine) == ["case_id", "as_of", "model"]
    assert "ix_case_scores_day" in {ix["name"] for ix in inspect(engine).get_indexes(
        "case_scores")}
    assert _stored(engine) == before
    engine.dispose()


def test_latest_case_score_looks_back_day_by_day(app: Any) -> None:
    with unit_of_work(app.session_factory) as s:
        s.execute(insert(CaseScore.__table__), [
            _row(1, D1, score=0.1), _row(1, D2, score=0.2), _row(2, D1, score=0.3),
            _row(3, D2, "cure30", None, score=0.4)])
    with app.session_factory() as s:
        assert scored_day(s, model="roll30", on_or_before=D2) == D2
        assert scored_day(s, model="roll30", on_or_before=D2, before=True) == D1
        assert scored_day(s, model="roll30", on_or_before=D1, before=True) is None
        latest = latest_case_score(s, case_id=1)
        assert (latest.as_of, latest.score) == (D2, 0.2)
        earlier = latest_case_score(s, case_id=1, on_or_before=D1)
        assert (earlier.as_of, earlier.score) == (D1, 0.1)
        # not scored on the latest day: the day before is searched
        assert latest_case_score(s, case_id=2).as_of == D1
        assert latest_case_score(s, case_id=2, look_back=1) is None
        # only the risk model's rows count, and a case never scored has none
        assert latest_case_score(s, case_id=3) is None
        assert latest_case_score(s, case_id=3, model="cure30").score == 0.4
        assert latest_case_score(s, case_id=99) is None


def test_strategy_reads_the_band_of_the_latest_scored_day(app: Any) -> None:
    risky = add_case(app, customer_id="C1", dpd=5, bucket="M1", overdue="300.00", opened=D1)
    calm = add_case(app, customer_id="C2", dpd=5, bucket="M1", overdue="300.00", opened=D1)
    with unit_of_work(app.session_factory) as s:
        s.execute(insert(CaseScore.__table__), [
            _row(risky, D1, band="A"), _row(calm, D1, band="E"),
            _row(risky, D2, band="E"), _row(calm, D2, band="B"),
            _row(risky, D2, "cure30", None), _row(calm, D2, "cure30", None)])
    strategy_step.run(app=app, as_of=D1)
    assert treatment(app, risky, D1).segment == "early"
    assert treatment(app, calm, D1).segment == "early_high_risk"
    strategy_step.run(app=app, as_of=D2)
    assert treatment(app, risky, D2).segment == "early_high_risk"
    assert treatment(app, calm, D2).segment == "early"


def test_desk_risk_of_a_closed_case_is_its_last_score(app: Any) -> None:
    from arrears.entrypoints.desk.account import treatment_and_risk

    closed = add_case(app, customer_id="C1", dpd=5, bucket="M1", overdue="300.00", opened=D1)
    still = add_case(app, customer_id="C2", dpd=5, bucket="M1", overdue="300.00", opened=D1)
    later = [D1 + timedelta(days=n) for n in range(1, 41)]
    with unit_of_work(app.session_factory) as s:
        s.execute(insert(CaseScore.__table__), [_row(closed, D1, score=0.7)] + [
            _row(still, day, score=0.2) for day in later])
    set_case(app, closed, status="closed", closed_on=D2, as_of=D2)
    set_case(app, still, as_of=later[-1])
    with app.session_factory() as s:
        # scored forty days after the case closed, for others: its own last score shows
        assert treatment_and_risk(s, case_id=closed)["risk"].score == 0.7
        risk = treatment_and_risk(s, case_id=still)["risk"]
        assert (risk.as_of, risk.score) == (later[-1], 0.2)
