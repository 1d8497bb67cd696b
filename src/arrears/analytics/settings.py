"""The ``[analytics]`` section of the business configuration."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator, model_validator


class AnalyticsSettings(BaseModel):
    """How the supervisors' figures are defined; every field has a sensible default."""

    # Vintage curves: the share of a disbursement month's loans ever at or past these dpd.
    vintage_dpd: list[int] = Field(default_factory=lambda: [30, 90])
    # Recovery by bucket at entry: money collected within this many days of entering.
    recovery_window_days: int = Field(default=30, ge=1, le=366)
    # Which attempts are calls (reaching for a person: phone calls and field visits) and
    # which of their results count as reaching someone, and as reaching the borrower in
    # person (right-party contact). The defaults are the desk's result codes
    # (``arrears.services.contacts.RESULTS``); messages (sms, e-mail, letters, recorded
    # by the outbox with result ``sent``) are counted apart and never as calls.
    call_channels: list[str] = Field(default_factory=lambda: ["call", "visit"])
    contact_results: list[str] = Field(default_factory=lambda: [
        "right_party_contact", "third_party"])
    rpc_results: list[str] = Field(default_factory=lambda: ["right_party_contact"])
    message_results: list[str] = Field(default_factory=lambda: ["sent"])
    # Default windows when a page or report is given no date range.
    history_months: int = Field(default=12, ge=1, le=120)
    operations_days: int = Field(default=30, ge=1, le=366)

    @field_validator("vintage_dpd")
    @classmethod
    def _thresholds(cls, value: list[int]) -> list[int]:
        if not value or any(v < 1 for v in value):
            raise ValueError("give one or more dpd thresholds, each at least 1")
        return sorted(set(value))


    @field_validator("call_channels", "contact_results", "rpc_results", "message_results")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        codes = [str(v).strip() for v in value]
        if not codes or any(not c for c in codes):
            raise ValueError("give one or more codes, none empty")
        return codes

    @model_validator(mode="after")
    def _rpc_is_a_contact(self) -> AnalyticsSettings:
        missing = sorted(set(self.rpc_results) - set(self.contact_results))
        if missing:
            raise ValueError(f"rpc_results {missing} must also be in contact_results")
        return self


def analytics_settings(app: object) -> AnalyticsSettings:
    """The validated ``[analytics]`` section (defaults when absent)."""
    return app.business.section("analytics", AnalyticsSettings)  # type: ignore[attr-defined]
