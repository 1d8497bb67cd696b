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


def test_the_daily_read_indexes_go_and_come_back(app) -> None:  # type: ignore[no-untyped-def]
    from alembic import command
    from sqlalchemy import inspect

    from arrears.adapters.db.migrate import alembic_config, upgrade

    def names(table: str) -> set[str]:
        return {ix["name"] for ix in inspect(app.engine).get_indexes(table)}

    cfg = alembic_config(app.engine)
    with app.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0010_case_allocations_by_day")
    assert "ix_promises_status_case" not in names("promises")
    attempts = names("contact_attempts")
    assert "ix_contact_attempts_at" in attempts
    assert not attempts & {"ix_contact_attempts_time", "ix_contact_attempts_last_reach"}
    upgrade(app.engine)
    assert "ix_promises_status_case" in names("promises")
    assert {"ix_contact_attempts_time", "ix_contact_attempts_last_reach"} <= names(
        "contact_attempts")
    with app.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}),
                                metadata)
    assert diff == []
