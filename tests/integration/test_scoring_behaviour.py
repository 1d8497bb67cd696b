"""Behaviour scores on a generated book: the daily step, as-of discipline, skipping honestly."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from arrears.adapters.db.tables_scoring import CaseScore, ScoringModel, ScoringRun
from arrears.adapters.portfolio.generator import generate_portfolio
from arrears.batch.run_day import run_day
from arrears.scoring.behaviour import feature_frame
from arrears.scoring.behaviour_models import book_context, model_for, training_table
from arrears.scoring.case_scores import score_day
from arrears.scoring.settings import scoring_settings
from arrears.services.loading import load_portfolio, portfolio_engine
from tests.conftest import make_test_app

BOOK_END = date(2026, 6, 30)
D = date(2026, 6, 1)
EARLIER = date(2026, 5, 1)  # scored too: its outcome has matured by D


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("book")
    generate_portfolio(loans=1500, seed=21, out_dir=out, as_of=BOOK_END, progress=False)
    return out


@pytest.fixture(scope="module")
def scored(book: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A book loaded, the daily run done for D (trains the behaviour models on the way)."""
    home = tmp_path_factory.mktemp("home")
    application = make_test_app(home, f"sqlite:///{home / 'ops.sqlite'}")
    load_portfolio(app=application, source=book, progress=False)
    run_day(app=application, as_of=EARLIER, progress=False)
    run_day(app=application, as_of=D, progress=False)
    yield application
    application.close()


def _scores(application: object, day: date) -> pd.DataFrame:
    with application.session_factory() as session:  # type: ignore[attr-defined]
        rows = session.execute(select(CaseScore.case_id, CaseScore.model, CaseScore.score,
                                      CaseScore.band, CaseScore.reasons, CaseScore.segment)
                               .where(CaseScore.as_of == day)
                               .order_by(CaseScore.model, CaseScore.case_id)).all()
    return pd.DataFrame(rows, columns=["case_id", "model", "score", "band", "reasons",
                                       "segment"])


class TestDailyScoring:
    def test_every_open_case_gets_both_scores(self, scored: object) -> None:
        from arrears.scoring.case_scores import open_cases

        with scored.session_factory() as session:  # type: ignore[attr-defined]
            cases = open_cases(session, as_of=D)
            models = session.scalars(select(ScoringModel)).all()
        scores = _scores(scored, D)
        assert len(cases) > 50
        assert {m.name for m in models} == {"roll30", "cure30"}
        assert all(m.trained_as_of <= D for m in models)
        for name in ("roll30", "cure30"):
            assert sorted(scores[scores.model == name].case_id) == sorted(cases.case_id)
        assert scores["score"].between(0, 1).all()

    def test_bands_segments_and_reasons(self, scored: object) -> None:
        scores = _scores(scored, D)
        roll = scores[scores.model == "roll30"]
        assert set(roll.band) <= set("ABCDE") and roll.band.nunique() >= 3
        assert roll.segment.str.fullmatch(r"[A-E]/B\d/M[0-9+]+").all()
        # a riskier band has a higher mean chance to roll
        means = roll.groupby("band")["score"].mean()
        assert means.is_monotonic_increasing
        reasons = [r for rs in roll.reasons for r in rs]
        assert reasons and {"code", "value", "impact"} <= set(reasons[0])
        assert all(r["impact"] > 0 for r in reasons)
        assert scores[scores.model == "cure30"].band.isna().all()

    def test_rerunning_the_day_gives_the_same_rows(self, scored: object) -> None:
        before = _scores(scored, D)
        score_day(app=scored, as_of=D, at=scored.clock())  # type: ignore[attr-defined]
        pd.testing.assert_frame_equal(before, _scores(scored, D))


class TestReasonMethod:
    def test_the_daily_reasons_default_to_tree_paths_with_the_same_scores(
            self, scored: object) -> None:
        from pydantic import ValidationError

        from arrears.scoring.case_scores import _score_model, open_cases
        from arrears.scoring.settings import ScoringSettings

        assert scoring_settings(scored).case_reasons == "path"
        with pytest.raises(ValidationError):
            ScoringSettings(case_reasons="auto")
        ctx = book_context(scored)
        with scored.session_factory() as session:  # type: ignore[attr-defined]
            cases = open_cases(session, as_of=D)
            feats = feature_frame(backend=ctx.backend, session=session, as_of=D,
                                  tolerance=ctx.tolerance, buckets=ctx.buckets, zone=ctx.zone,
                                  customers=sorted(set(cases.customer_id)))
            model = model_for(session, name="roll30", as_of=D)
        frame = cases.merge(feats, on="customer_id", how="left")
        path = _score_model(frame, model, name="roll30", reasons="path")
        shap = _score_model(frame, model, name="roll30", reasons="shap")
        assert np.allclose(path.score, shap.score, atol=1e-12)
        assert (path.band == shap.band).all()
        assert (path.reasons[:, 0] == shap.reasons[:, 0]).mean() > 0.5
        stored = _scores(scored, D)
        first = stored[stored.model == "roll30"].reasons.map(lambda r: r[0]["code"] if r else "")
        names = np.asarray([*path.names, ""], dtype=object)
        assert list(first) == list(names[path.reasons[:, 0]])


class TestAsOfDiscipline:
    def test_changing_the_future_changes_no_score_of_d(self, scored: object) -> None:
        before = _scores(scored, D)
        ctx = book_context(scored)
        settings = scoring_settings(scored)
        table_before = training_table(app=scored, ctx=ctx, as_of=D, settings=settings)
        with scored.session_factory() as session:  # type: ignore[attr-defined]
            feats_before = feature_frame(backend=ctx.backend, session=session, as_of=D,
                                         tolerance=ctx.tolerance, buckets=ctx.buckets,
                                         zone=ctx.zone)
        engine = portfolio_engine(scored)
        day = f"DATE '{D.isoformat()}'"
        future = engine.fetch(f"SELECT count(*) FROM payments WHERE paid_on > {day}")[0][0]
        assert future > 100
        engine.run_in_transaction([
            # shift every later payment a week on and halve it, drop a third of them ...
            f"UPDATE payments SET paid_on = paid_on + 7, "
            f"paid_at_utc = paid_at_utc + INTERVAL 7 DAY, amount = round(amount / 2, 2) "
            f"WHERE paid_on > {day}",
            f"DELETE FROM payments WHERE paid_on > {day} AND hash(payment_id) % 3 = 0",
            # ... and pay off every loan in full the day after D
            f"INSERT INTO payments (payment_id, loan_key, loan_id, paid_at_utc, paid_on, "
            f"amount, kind) SELECT 'future-' || loan_id, loan_key, loan_id, "
            f"TIMESTAMP '{D.isoformat()} 12:00:00' + INTERVAL 1 DAY, {day} + 1, "
            f"principal * 2, 'payment' FROM loans",
        ])
        score_day(app=scored, as_of=D, at=scored.clock())  # type: ignore[attr-defined]
        pd.testing.assert_frame_equal(before, _scores(scored, D))
        with scored.session_factory() as session:  # type: ignore[attr-defined]
            feats_after = feature_frame(backend=ctx.backend, session=session, as_of=D,
                                        tolerance=ctx.tolerance, buckets=ctx.buckets,
                                        zone=ctx.zone)
        pd.testing.assert_frame_equal(feats_before, feats_after)
        table_after = training_table(app=scored, ctx=ctx, as_of=D, settings=settings)
        pd.testing.assert_frame_equal(table_before, table_after)
        # the change is real: a day after D every loan is paid off
        with scored.session_factory() as session:  # type: ignore[attr-defined]
            later = feature_frame(backend=ctx.backend, session=session, as_of=date(2026, 6, 3),
                                  tolerance=ctx.tolerance, buckets=ctx.buckets, zone=ctx.zone)
        assert (later["dpd_now"] == 0).all()


def test_too_little_history_skips_scoring_and_says_why(book: Path, tmp_path: Path) -> None:
    config = tmp_path / "arrears.toml"
    config.write_text("[scoring]\nmin_training_rows = 1000000\n", encoding="utf-8")
    application = make_test_app(tmp_path / "home", f"sqlite:///{tmp_path / 'ops.sqlite'}",
                                config=config)
    try:
        load_portfolio(app=application, source=book, progress=False)
        result = run_day(app=application, as_of=D, progress=False)
        step = result.step("scoring")
        assert step.rows_out == 0
        assert set(step.detail["skipped"]) == {"roll30", "cure30"}
        with application.session_factory() as session:
            runs = session.scalars(select(ScoringRun).where(ScoringRun.as_of == D)).all()
            assert not session.scalars(select(CaseScore)).all()
        assert {r.status for r in runs} == {"skipped"}
        assert all("1000000" in (r.reason or "") for r in runs)
    finally:
        application.close()


class TestMonitoring:
    def test_drift_and_matured_auc_are_stored_and_shown(self, scored: object) -> None:
        from datetime import UTC, datetime

        from fastapi.testclient import TestClient

        from arrears.adapters.db.base import unit_of_work
        from arrears.adapters.db.tables import User
        from arrears.entrypoints.deps import SESSION_COOKIE
        from arrears.entrypoints.web import create_app
        from arrears.scoring.monitoring import monitor
        from arrears.services.auth import start_session

        result = monitor(app=scored, as_of=D)
        psi = {(r["model"], r["subject"]): r for r in result.rows if r["metric"] == "psi"}
        assert ("roll30", "score") in psi and ("cure30", "dpd_now") in psi
        assert all(r["value"] >= 0 for r in psi.values())
        auc = {r["model"]: r for r in result.rows if r["metric"] == "auc"}
        assert set(auc) == {"roll30", "cure30"}
        assert auc["roll30"]["detail"]["scored_on"] == EARLIER.isoformat()
        assert auc["roll30"]["value"] > 0.7
        assert all(r["alert"] == (r["value"] >= r["threshold"]) for r in psi.values())

        now = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
        with unit_of_work(scored.session_factory) as s:  # type: ignore[attr-defined]
            user = User(username="risk", display_name="Risk", password_hash="-", role="admin",
                        locale="zh-CN", active=True, failed_logins=0)
            s.add(user)
            s.flush()
            token = start_session(s, user=user, at=now).token
            collector = User(username="col", display_name="Col", password_hash="-",
                             role="collector", locale="en", active=True, failed_logins=0)
            s.add(collector)
            s.flush()
            col_token = start_session(s, user=collector, at=now).token
        scored.clock = lambda: now  # type: ignore[attr-defined]
        client = TestClient(create_app(scored))
        client.cookies.set(SESSION_COOKIE, token)
        page = client.get(f"/risk/models?as_of={D.isoformat()}")
        assert page.status_code == 200
        assert "行为评分与模型监控" in page.text and "30天内迁徙" in page.text
        assert "<svg" in page.text and "PSI" in page.text
        client.cookies.set(SESSION_COOKIE, col_token)
        assert client.get("/risk/models").status_code == 403
