"""The operations store: SQLAlchemy 2.0 tables, engine, unit of work."""
