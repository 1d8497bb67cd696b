"""The ``[analytics]`` section of the business configuration."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator


class AnalyticsSettings(BaseModel):
    """How the supervisors' figures are defined; every field has a sensible default."""

    # Vintage curves: the share of a disbursement month's loans ever at or past these dpd.
    vintage_dpd: list[int] = Field(default_factory=lambda: [30, 90])
    # Recovery by bucket at entry: money collected within this many days of entering.
    recovery_window_days: int = Field(default=30, ge=1, le=366)
    # Contact outcomes (the desk's result codes) that count as reaching someone, and as
    # reaching the borrower in person (right-party contact).
    contact_results: list[str] = Field(default_factory=lambda: [
        "rpc", "right_party", "right_party_contact", "third_party", "promise", "refused",
        "dispute", "callback"])
    rpc_results: list[str] = Field(default_factory=lambda: [
        "rpc", "right_party", "right_party_contact", "promise", "refused", "dispute",
        "callback"])
    # Default windows when a page or report is given no date range.
    history_months: int = Field(default=12, ge=1, le=120)
    operations_days: int = Field(default=30, ge=1, le=366)

    @field_validator("vintage_dpd")
    @classmethod
    def _thresholds(cls, value: list[int]) -> list[int]:
        if not value or any(v < 1 for v in value):
            raise ValueError("give one or more dpd thresholds, each at least 1")
        return sorted(set(value))


def analytics_settings(app: object) -> AnalyticsSettings:
    """The validated ``[analytics]`` section (defaults when absent)."""
    return app.business.section("analytics", AnalyticsSettings)  # type: ignore[attr-defined]
