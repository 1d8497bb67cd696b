"""Command line: ``arrears ...``. Each area registers its commands in its own module."""

from __future__ import annotations

import sys

from rich.markup import escape

from arrears.entrypoints import (  # noqa: F401  (modules register their commands on import)
    cli_analytics,
    cli_compliance,
    cli_conversation,
    cli_demo,
    cli_desk,
    cli_generator,
    cli_portfolio,
    cli_scoring,
    cli_strategy,
)
from arrears.entrypoints.cli_app import app, err_console
from arrears.errors import ArrearsError


def main() -> None:
    """Run the CLI; product errors print a clear message and exit 2, no traceback."""
    try:
        app()
    except ArrearsError as exc:
        where = f" ({exc.field})" if exc.field else ""
        err_console.print(f"[red]error[/] {escape(f'[{exc.code}]{where}: {exc.message}')}")
        sys.exit(2)


if __name__ == "__main__":
    main()
