"""CLI commands of the analytics part of the product."""

from __future__ import annotations

from arrears.entrypoints.cli_app import app, bench_app, console  # noqa: F401
