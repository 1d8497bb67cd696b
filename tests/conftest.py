"""Shared fixtures: operations stores (SQLite always, PostgreSQL when present or in CI)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PG_URL = os.environ.get("ARREARS_TEST_POSTGRES_URL",
                        "postgresql://postgres@127.0.0.1:5432/test")
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def _postgres_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_URL, connect_timeout=3):
            return True
    except Exception:  # noqa: BLE001
        return False


def require_postgres() -> None:
    """Skip outside CI when PostgreSQL is absent; inside CI its absence is a failure."""
    if _postgres_available():
        return
    if IN_CI:
        pytest.fail(f"PostgreSQL is required in CI and is not reachable at {PG_URL}")
    pytest.skip("PostgreSQL not reachable (outside CI)")


def chromium_path() -> str:
    """Debian's chromium; skipped outside CI when absent, a failure inside CI."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    if IN_CI:
        pytest.fail("chromium is required in CI and is not installed")
    pytest.skip("chromium not installed (outside CI)")
    raise AssertionError("unreachable")


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    require_postgres()
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def ops_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Operations-store URL: each test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ops.sqlite'}"
    return request.getfixturevalue("pg_schema_url")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ops.sqlite'}"


def make_test_app(home: Path, database_url: str, **overrides: object):  # type: ignore[no-untyped-def]
    """A wired, migrated application in ``home`` (portfolio engine: DuckDB in home)."""
    from arrears.bootstrap import build_app

    application = build_app(home=home, database_url=database_url, **overrides)
    application.migrate()
    return application


@pytest.fixture
def app(tmp_path: Path, ops_url: str) -> Iterator[object]:
    application = make_test_app(tmp_path / "home", ops_url)
    yield application
    application.close()


@pytest.fixture
def sqlite_app(tmp_path: Path, sqlite_url: str) -> Iterator[object]:
    application = make_test_app(tmp_path / "home", sqlite_url)
    yield application
    application.close()
