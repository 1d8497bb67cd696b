"""The one place that wires settings, engines, clock, keys and adapters."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from arrears.adapters.crypto import KeyRing, load_or_create_keyfile, parse_keyring
from arrears.adapters.db.base import make_engine, make_session_factory
from arrears.config import BusinessConfig, Settings


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class App:
    """Everything an entrypoint needs, built once from the settings."""

    settings: Settings
    clock: Callable[[], datetime] = system_clock
    _portfolio: Any = field(default=None, repr=False)

    @cached_property
    def business(self) -> BusinessConfig:
        return BusinessConfig.load(self.settings.resolved_config_path())

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.resolved_database_url())

    @cached_property
    def session_factory(self) -> sessionmaker[Session]:
        return make_session_factory(self.engine)

    @cached_property
    def keyring(self) -> KeyRing:
        if self.settings.secret_keys:
            index_key = os.environ.get("ARREARS_INDEX_KEY")
            if not index_key:
                from arrears.adapters.crypto import CryptoError
                raise CryptoError("ARREARS_SECRET_KEYS needs ARREARS_INDEX_KEY as well")
            return parse_keyring(self.settings.secret_keys, index_key)
        return load_or_create_keyfile(self.settings.resolved_home() / "keys.json")

    def portfolio(self) -> Any:
        """The portfolio engine as an Ibis backend (DuckDB file by default)."""
        if self._portfolio is None:
            import ibis

            url = self.settings.resolved_portfolio_url()
            self._portfolio = ibis.connect(url)
            if self._portfolio.name == "duckdb":
                limit = self.settings.resolved_portfolio_memory_limit().replace("'", "")
                self._portfolio.raw_sql(f"SET memory_limit = '{limit}'")
        return self._portfolio

    def migrate(self) -> None:
        from arrears.adapters.db.migrate import upgrade

        upgrade(self.engine)

    def today(self) -> date:
        """The business date when none is given: today in the reporting time zone."""
        from zoneinfo import ZoneInfo

        tz = self.business.raw("business").get("reporting_timezone", "Asia/Shanghai")
        return self.clock().astimezone(ZoneInfo(tz)).date()

    def close(self) -> None:
        if self._portfolio is not None:
            try:
                self._portfolio.disconnect()
            except Exception:  # noqa: BLE001 - closing is best effort
                pass
            self._portfolio = None
        if "engine" in self.__dict__:
            self.engine.dispose()


def build_app(**overrides: Any) -> App:
    """Build the application from the environment; tests pass overrides."""
    return App(settings=Settings(**overrides))
