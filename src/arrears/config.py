"""Settings: ARREARS_* environment variables (pydantic-settings) and the business TOML.

Environment (infrastructure):
  ARREARS_HOME            data folder (default ./.arrears)
  ARREARS_DATABASE_URL    operations store (default SQLite file in ARREARS_HOME)
  ARREARS_PORTFOLIO_URL   portfolio engine (default a DuckDB file in ARREARS_HOME)
  ARREARS_CONFIG          business settings TOML (default ARREARS_HOME/arrears.toml if present)
  ARREARS_SECRET_KEYS     encryption keys "kid:base64key,kid2:base64key" (first one encrypts);
                          default: a key file created once in ARREARS_HOME

Business settings (TOML) are read by section: each part of the product owns a section and a
pydantic model for it, and asks for it with ``BusinessConfig.section(name, Model)``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from arrears.errors import ConfigError

M = TypeVar("M", bound=BaseModel)


class Settings(BaseSettings):
    """Infrastructure settings from the environment."""

    model_config = SettingsConfigDict(env_prefix="ARREARS_", extra="ignore")

    home: Path = Path(".arrears")
    database_url: str | None = None
    portfolio_url: str | None = None
    config: Path | None = None
    secret_keys: str | None = None
    # DuckDB's working memory (e.g. "8GB"); by default 25% of this machine's memory, so the
    # daily run of a large book stays well inside the machine beside the desk and Python.
    portfolio_memory_limit: str | None = None

    def resolved_portfolio_memory_limit(self) -> str:
        if self.portfolio_memory_limit:
            return self.portfolio_memory_limit
        import psutil

        return f"{max(1, int(psutil.virtual_memory().total * 0.25 / 2**20))}MB"

    def resolved_home(self) -> Path:
        self.home.mkdir(parents=True, exist_ok=True)
        return self.home

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.resolved_home() / 'operations.sqlite').resolve()}"

    def resolved_portfolio_url(self) -> str:
        if self.portfolio_url:
            return self.portfolio_url
        return f"duckdb://{(self.resolved_home() / 'portfolio.duckdb').resolve()}"

    def resolved_config_path(self) -> Path | None:
        if self.config:
            if not self.config.exists():
                raise ConfigError(f"configuration file {self.config} does not exist",
                                  field="ARREARS_CONFIG")
            return self.config
        candidate = self.home / "arrears.toml"
        return candidate if candidate.exists() else None


class BusinessConfig:
    """The business TOML, validated section by section."""

    def __init__(self, data: dict[str, Any], source: str = "<defaults>") -> None:
        self._data = data
        self.source = source

    @classmethod
    def load(cls, path: Path | None) -> BusinessConfig:
        if path is None:
            return cls({})
        try:
            with path.open("rb") as fh:
                return cls(tomllib.load(fh), str(path))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}", field=str(path)) from exc

    def raw(self, name: str) -> dict[str, Any]:
        value = self._data.get(name, {})
        if not isinstance(value, dict):
            raise ConfigError(f"{self.source}: [{name}] must be a table", field=name)
        return value

    def section(self, name: str, model: type[M]) -> M:
        """Validate section ``[name]`` with ``model``; a clear error names the field."""
        try:
            return model.model_validate(self.raw(name))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in (name, *first["loc"]))
            raise ConfigError(f"{self.source}: {where}: {first['msg']}", field=where) from exc
