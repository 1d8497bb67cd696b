"""Imports every table module so that ``metadata`` is complete (Alembic, tests)."""

from arrears.adapters.db import (  # noqa: F401
    tables,
    tables_analytics,
    tables_compliance,
    tables_conversation,
    tables_desk,
    tables_scoring,
    tables_strategy,
)
from arrears.adapters.db.base import Base

metadata = Base.metadata
