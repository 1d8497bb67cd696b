"""The demo's collectors work their lists through the real services and compliance."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from arrears.adapters.db.base import unit_of_work
from arrears.adapters.db.tables import ContactAttempt
from arrears.adapters.portfolio.generator import generate_portfolio
from arrears.batch.run_day import run_day
from arrears.services.auth import seed_demo_users
from arrears.services.demo_activity import simulate_day
from arrears.services.loading import load_portfolio

DAY = date(2026, 11, 27)


def test_a_demo_day_records_decided_calls_in_daytime(sqlite_app: Any, tmp_path: Path) -> None:
    book = tmp_path / "book"
    generate_portfolio(loans=400, seed=3, out_dir=book, as_of=DAY)
    load_portfolio(app=sqlite_app, source=book, progress=False)
    seed_demo_users(app=sqlite_app)
    run_day(app=sqlite_app, as_of=DAY, progress=False)
    activity = simulate_day(app=sqlite_app, as_of=DAY, seed=1, calls_per_collector=5)
    assert activity.attempts > 0
    with unit_of_work(sqlite_app.session_factory) as s:
        rows = s.execute(select(ContactAttempt.at, ContactAttempt.decision_id)
                         .where(ContactAttempt.source == "demo")).all()
        assert s.scalar(select(func.count()).select_from(ContactAttempt)) == activity.attempts
    assert len(rows) == activity.attempts
    assert all(decision is not None for _, decision in rows)  # compliance decided each call
    # 09:30 Shanghai onwards is 01:30 UTC onwards, on the day itself
    assert all(at.date() == DAY and (at.hour, at.minute) >= (1, 30) for at, _ in rows)
