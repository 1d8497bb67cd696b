"""The migrations build exactly the schema the table modules declare."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from arrears.adapters.db.all_tables import metadata


def test_migrations_match_the_models(app) -> None:  # type: ignore[no-untyped-def]
    with app.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(ctx, metadata)
    assert diff == [], f"tables and migrations differ: {diff}"


def test_upgrade_twice_is_harmless(app) -> None:  # type: ignore[no-untyped-def]
    app.migrate()
    with app.engine.connect() as conn:
        version = MigrationContext.configure(conn).get_current_revision()
    assert version is not None
