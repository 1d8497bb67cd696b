"""``arrears load DIR``: the lender's book into the portfolio engine, checked, re-runnable.

Every run leaves ``ARREARS_HOME/loads/<timestamp>/`` with ``report.txt``, ``report.json``
and ``quarantine.csv`` (source file, row, rule, row as JSON).
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from arrears.adapters.portfolio.engine import PortfolioEngine
from arrears.adapters.portfolio.loader import PortfolioLoader, TableCounts
from arrears.adapters.portfolio.progress import StepProgress
from arrears.adapters.portfolio.schema import INTERCHANGE
from arrears.adapters.portfolio.sources import find_sources
from arrears.errors import ConfigError
from arrears.services.business_settings import business_settings

QUARANTINE_HEADER = ("source_file", "row", "rule", "row_json")


class ReportingZoneChanged(ConfigError):
    code = "reporting_timezone_changed"


@dataclass
class LoadReport:
    """What one load did, table by table, and where its files are."""

    load_id: str
    source: str
    directory: str
    tables: list[TableCounts] = field(default_factory=list)

    @property
    def quarantined(self) -> int:
        return sum(t.quarantined for t in self.tables)

    @property
    def loaded(self) -> int:
        return sum(t.loaded for t in self.tables)

    @property
    def quarantine_path(self) -> Path:
        return Path(self.directory) / "quarantine.csv"

    @property
    def report_path(self) -> Path:
        return Path(self.directory) / "report.txt"

    def table(self, name: str) -> TableCounts:
        return next(t for t in self.tables if t.table == name)

    def to_dict(self) -> dict[str, Any]:
        return {"load_id": self.load_id, "source": self.source, "directory": self.directory,
                "tables": [asdict(t) for t in self.tables], "loaded": self.loaded,
                "quarantined": self.quarantined}

    def text(self) -> str:
        """The report as printed: rows read, loaded, unchanged, quarantined per table."""
        lines = [f"load {self.load_id} from {self.source}",
                 f"{'table':<14}{'file':<22}{'read':>12}{'loaded':>12}{'unchanged':>12}"
                 f"{'quarantined':>13}"]
        for t in self.tables:
            lines.append(f"{t.table:<14}{t.source:<22}{t.read:>12,}{t.loaded:>12,}"
                         f"{t.unchanged:>12,}{t.quarantined:>13,}")
        for t in self.tables:
            if t.extra_columns:
                lines.append(f"{t.source}: unknown column(s) ignored: "
                             f"{', '.join(t.extra_columns)}")
        if self.quarantined:
            lines.append(f"{self.quarantined:,} row(s) quarantined: {self.quarantine_path}")
        return "\n".join(lines)


def portfolio_engine(app: Any) -> PortfolioEngine:
    """The application's portfolio engine with its tables in place."""
    engine = PortfolioEngine(app.portfolio())
    engine.ensure_schema()
    return engine


def check_reporting_zone(engine: PortfolioEngine, zone: str) -> None:
    """Payment dates are stored in the reporting zone: it cannot change under a loaded book."""
    stored = engine.meta("reporting_timezone")
    if stored is None:
        engine.set_meta("reporting_timezone", zone)
    elif stored != zone:
        raise ReportingZoneChanged(
            f"the book was loaded with reporting time zone {stored}, the configuration now "
            f"says {zone}; reload the book into a new portfolio engine to change it",
            field="business.reporting_timezone")


def load_portfolio(*, app: Any, source: Path | str, progress: bool = True) -> LoadReport:
    """Check and load the interchange files in ``source``; quarantine what breaks a rule."""
    source = Path(source)
    settings = business_settings(app)
    sources = find_sources(source, INTERCHANGE)
    engine = portfolio_engine(app)
    started = app.clock()
    load_id = started.strftime("%Y%m%dT%H%M%S%fZ")
    directory = app.settings.resolved_home() / "loads" / load_id
    tracker = StepProgress(enabled=progress, duckdb_con=engine.staging())
    loader = PortfolioLoader(engine=engine, keyring=app.keyring,
                             reporting_timezone=settings.reporting_timezone,
                             load_id=load_id, step=tracker.step)
    loader.check_headers(sources)
    check_reporting_zone(engine, settings.reporting_timezone)
    with tracker.running():
        tables = loader.load()
    report = LoadReport(load_id=load_id, source=str(source), directory=str(directory),
                        tables=tables)
    _write_report_files(report, loader)
    return report


def _write_report_files(report: LoadReport, loader: PortfolioLoader) -> None:
    directory = Path(report.directory)
    directory.mkdir(parents=True, exist_ok=True)
    with report.quarantine_path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(QUARANTINE_HEADER)
        for row in loader.quarantined():
            writer.writerow(row)
    report.report_path.write_text(report.text() + "\n", encoding="utf-8")
    (directory / "report.json").write_text(json.dumps(report.to_dict(), indent=2),
                                           encoding="utf-8")
