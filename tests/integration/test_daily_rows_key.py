"""The rows the daily run writes per open case and day (treatments, allocations) are keyed
day first: the migrations re-key what is stored, and the strategy (a case's latest earlier
treatment), the desk and the case's ladder find rows by that key, across days a case
matched no rule."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from alembic import command
from sqlalchemy import inspect, select, text

from arrears.adapters.db.base import unit_of_work
from arrears.adapters.db.migrate import alembic_config, upgrade
from arrears.adapters.db.tables_strategy import CaseAllocation, CaseTreatment
from arrears.batch import strategy as strategy_step
from arrears.services import strategy_day
from arrears.services.strategy import (
    case_treatment_history,
    default_strategy_text,
    latest_treatment,
    upload_strategy,
)
from tests.integration.strategy_factory import add_case, at, set_case
from tests.integration.test_strategy_services import run_steps, treatment

D1 = date(2026, 3, 2)
UNMATCHED = "ZZ"  # a bucket no segment takes once the catch-all is gone
CATCH_ALL = """  - id: catch_all
    path: early
"""


def day(n: int) -> date:
    return D1 + timedelta(days=n - 1)


DAILY = ("case_treatments", "case_allocations")


def _key(engine: Any, table: str) -> list[str]:
    return inspect(engine).get_pk_constraint(table)["constrained_columns"]


def _stored(engine: Any) -> list[list[tuple[Any, ...]]]:
    t, a = CaseTreatment.__table__, CaseAllocation.__table__
    with engine.connect() as conn:
        return [sorted(tuple(r) for r in conn.execute(select(
                    t.c.case_id, t.c.as_of, t.c.path, t.c.step_id, t.c.entered_on,
                    t.c.balance))),
                sorted(tuple(r) for r in conn.execute(select(
                    a.c.case_id, a.c.as_of, a.c.user_id, a.c.team_id, a.c.reason)))]


def test_migrations_rekey_stored_rows_and_back(app: Any) -> None:
    one = add_case(app, customer_id="C1", dpd=5, bucket="M1", overdue="300.00", opened=D1)
    add_case(app, customer_id="C2", dpd=40, bucket="M2", overdue="900.00", opened=D1)
    for n in (1, 2):
        run_steps(app, day(n))
    engine = app.engine
    before = _stored(engine)
    assert [len(rows) for rows in before] == [4, 4]
    for table in DAILY:
        assert _key(engine, table) == ["as_of", "case_id"]
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                ddl = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = :t"),
                                   {"t": table}).scalar_one()
            assert "WITHOUT ROWID" in ddl.upper()

    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0008_case_scores_by_day")
    assert [_key(engine, table) for table in DAILY] == [["case_id", "as_of"]] * 2
    assert _stored(engine) == before

    upgrade(engine)
    assert "ix_case_treatments_day" in {
        ix["name"] for ix in inspect(engine).get_indexes("case_treatments")}
    for table in DAILY:
        assert _key(engine, table) == ["as_of", "case_id"]
        fks = inspect(engine).get_foreign_keys(table)
        assert [(f["constrained_columns"], f["referred_table"]) for f in fks] == [
            (["case_id"], "collection_cases")]
    assert _stored(engine) == before
    # the store still takes a day's rows under the new keys, and a re-run replaces them
    for _ in range(2):
        run_steps(app, day(3))
    assert treatment(app, one, day(3)).entered_on == D1
    assert [len(rows) for rows in _stored(engine)] == [6, 6]


def _ladder(app: Any) -> tuple[int, int]:
    """A case matched on day 1, matched by no rule on days 2 and 3, back on day 4; and a
    case matched every day."""
    text = default_strategy_text()
    assert CATCH_ALL in text
    with unit_of_work(app.session_factory) as s:
        upload_strategy(s, yaml_text=text.replace(CATCH_ALL, ""), actor="admin", at=at(D1))
    gap = add_case(app, customer_id="C1", dpd=5, bucket="M1", overdue="300.00", opened=D1)
    steady = add_case(app, customer_id="C2", dpd=40, bucket="M2", overdue="900.00", opened=D1)
    strategy_step.run(app=app, as_of=day(1))
    set_case(app, gap, bucket=UNMATCHED)
    for n in (2, 3):
        result = strategy_step.run(app=app, as_of=day(n))
        assert result.detail["unmatched"] == 1
    set_case(app, gap, bucket="M1")
    strategy_step.run(app=app, as_of=day(4))
    return gap, steady


def test_a_case_back_from_days_unmatched_continues_its_ladder(app: Any) -> None:
    gap, steady = _ladder(app)
    first, back = treatment(app, gap, day(1)), treatment(app, gap, day(4))
    # its latest earlier treatment is day 1's, two treatment days back: same path, same
    # day entered, so it climbs the ladder by the days since then
    assert back.path == first.path == "early"
    assert back.entered_on == D1
    assert treatment(app, steady, day(4)).entered_on == D1
    with app.session_factory() as s:
        ladder = case_treatment_history(s, case_id=gap)
        assert [t.as_of for t in ladder] == [day(4), day(1)]
        assert [t.as_of for t in case_treatment_history(s, case_id=gap, limit=1)] == [day(4)]
        assert latest_treatment(s, case_id=gap).as_of == day(4)
        assert [t.as_of for t in case_treatment_history(s, case_id=steady)] == [
            day(n) for n in (4, 3, 2, 1)]
        assert case_treatment_history(s, case_id=9999) == []


def test_a_case_unmatched_longer_than_the_look_back_enters_afresh(
        app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(strategy_day, "LOOK_BACK_DAYS", 1)
    gap, steady = _ladder(app)
    # day 3 is the latest treatment day and day 2 the only one looked at before it
    assert treatment(app, gap, day(4)).entered_on == day(4)
    assert treatment(app, steady, day(4)).entered_on == D1


def test_rerunning_an_earlier_day_reads_the_days_before_it(app: Any) -> None:
    gap, _steady = _ladder(app)
    set_case(app, gap, bucket="M1")
    strategy_step.run(app=app, as_of=day(2))  # re-run: now matched on day 2
    assert treatment(app, gap, day(2)).entered_on == D1
    strategy_step.run(app=app, as_of=day(4))
    assert treatment(app, gap, day(4)).entered_on == D1


def test_a_closed_case_keeps_its_ladder(app: Any) -> None:
    gap, steady = _ladder(app)
    set_case(app, gap, status="closed", closed_on=day(5), as_of=day(5))
    for n in range(5, 9):
        strategy_step.run(app=app, as_of=day(n))
    with app.session_factory() as s:
        assert [t.as_of for t in case_treatment_history(s, case_id=gap)] == [day(4), day(1)]
        assert latest_treatment(s, case_id=steady).as_of == day(8)
