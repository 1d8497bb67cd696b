"""Behaviour scoring of a large book: features of only the wanted customers, training on a
stable sample of customers, the day's rows written through the driver."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from ibis.common.exceptions import TableNotFound
from sqlalchemy import select

from arrears.adapters.db.tables_scoring import CaseScore, ScoringRun
from arrears.adapters.portfolio.generator import generate_portfolio
from arrears.batch import delinquency
from arrears.scoring.behaviour import (
    CustomerScope,
    feature_frame,
    has_snapshot,
    portfolio_features,
)
from arrears.scoring.behaviour_models import (
    book_context,
    observation_days,
    training_customers,
    training_table,
)
from arrears.scoring.case_scores import ModelScores, ScoringOutcome, _store, reasons_text
from arrears.scoring.errors import NotEnoughHistory
from arrears.scoring.reasons import top_reason_positions
from arrears.scoring.settings import scoring_settings
from arrears.services.loading import load_portfolio
from tests.conftest import make_test_app

BOOK_END = date(2026, 6, 30)
D = date(2026, 6, 1)


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("book")
    generate_portfolio(loans=500, seed=33, out_dir=out, as_of=BOOK_END, progress=False)
    return out


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine_app(request: pytest.FixtureRequest, book: Path,
               tmp_path: Path) -> Iterator[object]:
    overrides = {}
    if request.param == "postgres":
        overrides["portfolio_url"] = request.getfixturevalue("pg_schema_url")
    application = make_test_app(tmp_path / "home", f"sqlite:///{tmp_path / 'ops.sqlite'}",
                                **overrides)
    load_portfolio(app=application, source=book, progress=False)
    yield application
    application.close()


@pytest.fixture(scope="module")
def duck_app(book: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    home = tmp_path_factory.mktemp("home")
    application = make_test_app(home, f"sqlite:///{home / 'ops.sqlite'}")
    load_portfolio(app=application, source=book, progress=False)
    yield application
    application.close()


def _features(application: object, customers: list[str] | None = None) -> pd.DataFrame:
    ctx = book_context(application)
    with application.session_factory() as session:  # type: ignore[attr-defined]
        return feature_frame(backend=ctx.backend, session=session, as_of=D,
                             tolerance=ctx.tolerance, buckets=ctx.buckets, zone=ctx.zone,
                             customers=customers)


class TestCustomerScope:
    def test_features_of_some_customers_are_theirs_in_the_whole_book(
            self, engine_app: object) -> None:
        full = _features(engine_app)
        some = sorted(full.customer_id)[::3]
        part = _features(engine_app, [*some, "nobody"])
        expected = full[full.customer_id.isin(some)].reset_index(drop=True)
        assert len(part) == len(some) > 50
        pd.testing.assert_frame_equal(part, expected)
        assert part["dpd_now"].gt(0).any()

    def test_positions_from_the_days_snapshot_give_the_same_features(
            self, engine_app: object) -> None:
        ctx = book_context(engine_app)
        assert not has_snapshot(ctx.backend, as_of=D)
        delinquency.run(app=engine_app, as_of=D)
        assert has_snapshot(ctx.backend, as_of=D)
        assert not has_snapshot(ctx.backend, as_of=D - timedelta(days=1))
        ids = sorted(_features(engine_app).customer_id)[::2]
        for snapshot in (True, False):
            sql = str(ctx.backend.compile(portfolio_features(
                CustomerScope(ctx.backend, ids), as_of=D, tolerance=ctx.tolerance,
                buckets=ctx.buckets, snapshot=snapshot)))
            assert ("delinquency_snapshots" in sql) is snapshot
        for customers in (ids, None):
            with engine_app.session_factory() as session:  # type: ignore[attr-defined]
                kept, computed = (feature_frame(
                    backend=ctx.backend, session=session, as_of=D, tolerance=ctx.tolerance,
                    buckets=ctx.buckets, zone=ctx.zone, customers=customers,
                    snapshot=snapshot) for snapshot in (True, False))
            assert len(kept) >= len(ids) > 50 and kept["dpd_now"].gt(0).any()
            pd.testing.assert_frame_equal(kept, computed)

    def test_the_ids_travel_as_a_table_not_as_literals(self, engine_app: object) -> None:
        ctx = book_context(engine_app)
        ids = sorted(_features(engine_app).customer_id)[:40]
        expr = portfolio_features(CustomerScope(ctx.backend, ids), as_of=D,
                                  tolerance=ctx.tolerance, buckets=ctx.buckets)
        sql = str(ctx.backend.compile(expr))
        assert not any(i in sql for i in ids)
        assert len(expr.to_pandas()) == 40

    def test_the_sample_is_the_smallest_md5_of_the_ids(self, engine_app: object) -> None:
        ctx = book_context(engine_app)
        loans = ctx.backend.table("loans")
        everyone = set(loans.filter(loans.disbursed_on <= D).customer_id.to_pandas())
        held, sample = training_customers(ctx.backend, held_by=D, limit=60)
        assert held == len(everyone) > 60
        ranked = sorted(everyone, key=lambda c: (hashlib.md5(c.encode()).hexdigest(), c))
        assert sample == sorted(ranked[:60])
        assert training_customers(ctx.backend, held_by=D, limit=held) == (held, None)


class TestSampledTraining:
    def test_a_sample_trains_on_exactly_its_customers_rows(self, engine_app: object) -> None:
        ctx = book_context(engine_app)
        settings = scoring_settings(engine_app)
        full = training_table(app=engine_app, ctx=ctx, as_of=D, settings=settings)
        small = settings.model_copy(update={"max_training_customers": 150})
        sampled = training_table(app=engine_app, ctx=ctx, as_of=D, settings=small)
        _, chosen = training_customers(ctx.backend, held_by=D - timedelta(days=30), limit=150)
        assert chosen is not None and len(chosen) == 150
        expected = full[full.customer_id.isin(chosen)].reset_index(drop=True)
        assert 0 < len(sampled) < len(full)
        pd.testing.assert_frame_equal(sampled, expected)
        assert sampled.attrs["customers"] == {"held": full.attrs["customers"]["held"],
                                              "sampled": 150}
        again = training_table(app=engine_app, ctx=ctx, as_of=D, settings=small)
        pd.testing.assert_frame_equal(sampled, again)

    def test_kept_scope_reads_as_the_scope_and_is_dropped_even_on_failure(
            self, engine_app: object) -> None:
        ctx = book_context(engine_app)
        loans = ctx.backend.table("loans")
        ids = sorted(set(loans.customer_id.to_pandas()))[::4]
        scope = CustomerScope(ctx.backend, ids)
        made = []
        with pytest.raises(RuntimeError, match="stop"), scope.kept() as kept:
            for name in ("loans", "installments", "payments"):
                made.append(kept.table(name).get_name())
                key = "loan_id" if name == "loans" else ["loan_key", "seq" if name ==
                                                         "installments" else "payment_id"]
                got = kept.table(name).to_pandas().sort_values(key, ignore_index=True)
                want = scope.table(name).to_pandas().sort_values(key, ignore_index=True)
                assert len(got) > 0
                pd.testing.assert_frame_equal(got, want)
            with pytest.raises(ValueError, match="customers"):
                kept.table("customers")
            raise RuntimeError("stop")
        assert len(set(made)) == 3
        for name in made:
            with pytest.raises(TableNotFound, match=name):
                ctx.backend.table(name)

    def test_too_small_a_sample_for_the_rows_needed_says_so(self, duck_app: object) -> None:
        ctx = book_context(duck_app)
        settings = scoring_settings(duck_app)
        first = ctx.backend.table("loans").disbursed_on.min().to_pandas()
        days = observation_days(as_of=D, first_day=pd.Timestamp(first).date(),
                                settings=settings)
        small = settings.model_copy(update={"max_training_customers": 100,
                                            "min_training_rows": 100 * len(days) + 1})
        with pytest.raises(NotEnoughHistory, match="100 customers"):
            training_table(app=duck_app, ctx=ctx, as_of=D, settings=small)


def test_stored_reasons_read_back_as_written(ops_url: str, tmp_path: Path) -> None:
    application = make_test_app(tmp_path / "home", ops_url)
    frame = pd.DataFrame({
        "case_id": [1, 2, 3], "customer_id": ["c1", "c2", "c3"], "bucket": ["M1", "M2", "M1"],
        "case_balance": [Decimal("500.00"), Decimal("6000.00"), Decimal("25000.00")],
        "dpd_now": [12.0, np.nan, 40.123456], "product": ["消费贷 \"x\"", None, "card"]})
    names = ["dpd_now", "product"]
    result = ModelScores(name="roll30", model_id=7, score=np.array([0.1, 0.5, 0.9]),
                         points=np.array([640.0, 600.0, 540.0]),
                         band=np.array(["A", "C", "E"], dtype=object),
                         reasons=np.array([[0, 1], [1, 0], [2, 2]]),
                         impact=np.array([[0.123456, 0.05], [0.2, 0.1], [0.0, 0.0]]),
                         names=names)
    try:
        _store(application, as_of=D, at=datetime(2026, 6, 1, 3, tzinfo=UTC), frame=frame,
               results=[result], outcome=ScoringOutcome(as_of=D, scored={"roll30": 3}),
               balance_edges=[Decimal("1000"), Decimal("5000"), Decimal("20000")])
        with application.session_factory() as session:  # type: ignore[attr-defined]
            rows = session.scalars(select(CaseScore).order_by(CaseScore.case_id)).all()
            run = session.scalars(select(ScoringRun)).one()
    finally:
        application.close()
    assert [r.reasons for r in rows] == [
        [{"code": "dpd_now", "value": 12.0, "impact": 0.1235},
         {"code": "product", "value": "消费贷 \"x\"", "impact": 0.05}],
        [{"code": "product", "value": None, "impact": 0.2},
         {"code": "dpd_now", "value": None, "impact": 0.1}],
        []]
    assert [(r.as_of, r.model, r.model_id, r.customer_id, r.score, r.points) for r in rows] == [
        (D, "roll30", 7, "c1", 0.1, 640.0), (D, "roll30", 7, "c2", 0.5, 600.0),
        (D, "roll30", 7, "c3", 0.9, 540.0)]
    assert [(r.band, r.balance_band, r.segment) for r in rows] == [
        ("A", "B1", "A/B1/M1"), ("C", "B3", "C/B3/M2"), ("E", "B4", "E/B4/M1")]
    assert (run.status, run.cases, run.model_id) == ("scored", 3, 7)


def test_reasons_text_is_what_json_dumps_writes() -> None:
    rng = np.random.default_rng(4)
    n = 400
    part = pd.DataFrame({
        "a": rng.normal(size=n) * 1e5, "b": np.where(rng.random(n) < 0.2, np.nan, 1.0),
        "c": np.where(rng.random(n) < 0.1, np.inf, rng.integers(0, 90, n).astype(float)),
        "p": pd.Series(rng.choice(["x", "ü\"\\y", None], n), dtype=object),
        # distinct values are written once: -0.0 is equal to 0.0 but written apart
        "z": rng.choice([0.0, -0.0, 2.5], n), "k": rng.integers(0, 4, n)})
    names = list(part.columns)
    contrib = rng.normal(size=(n, len(names)))
    top, impact = top_reason_positions(contrib, k=3)
    expected = []
    for i in range(n):
        reasons = []
        for j, v in zip(top[i], impact[i], strict=True):
            if j < len(names):
                value = part.iloc[i][names[j]]
                plain = (None if value is None or (isinstance(value, float)
                                                   and not np.isfinite(value))
                         else round(float(value), 4) if isinstance(value, float)
                         else int(value) if isinstance(value, np.integer) else value)
                reasons.append({"code": names[j], "value": plain, "impact": round(float(v), 4)})
        expected.append(json.dumps(reasons))
    assert (top == len(names)).any()
    assert reasons_text(part, names, top, impact) == expected
