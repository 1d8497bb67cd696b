"""The ``[business]`` section of the business TOML: reporting zone, tolerance, buckets.

```toml
[business]
reporting_timezone = "Asia/Shanghai"
tolerance = "0.00"
case_open_dpd = 1
buckets = [
  { name = "M0", min_dpd = 0, max_dpd = 0 },
  { name = "M1", min_dpd = 1, max_dpd = 30 },
  { name = "M2+", min_dpd = 31 },
]
```
"""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from arrears.domain.delinquency import DEFAULT_BUCKETS, Bucket, BucketTableError, check_buckets


class BucketSetting(BaseModel):
    """One row of the bucket table."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1, max_length=10)
    min_dpd: int = Field(ge=0)
    max_dpd: int | None = None


def _default_buckets() -> list[BucketSetting]:
    return [BucketSetting(name=b.name, min_dpd=b.min_dpd, max_dpd=b.max_dpd)
            for b in DEFAULT_BUCKETS]


class BusinessSettings(BaseModel):
    """Settings every part of the daily run shares."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    reporting_timezone: str = "Asia/Shanghai"
    tolerance: Decimal = Field(default=Decimal("0.00"), ge=0, decimal_places=2)
    case_open_dpd: int = Field(default=1, ge=1)
    buckets: list[BucketSetting] = Field(default_factory=_default_buckets)

    @field_validator("reporting_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value

    @field_validator("tolerance", mode="before")
    @classmethod
    def _no_float(cls, value: object) -> object:
        if isinstance(value, float):
            return str(value)
        return value

    @model_validator(mode="after")
    def _contiguous(self) -> BusinessSettings:
        try:
            check_buckets(self.bucket_table())
        except BucketTableError as exc:
            raise ValueError(str(exc)) from exc
        return self

    def bucket_table(self) -> tuple[Bucket, ...]:
        """The bucket table as domain values."""
        return tuple(Bucket(b.name, b.min_dpd, b.max_dpd) for b in self.buckets)


def business_settings(app: object) -> BusinessSettings:
    """Read ``[business]`` from the application's business configuration."""
    return app.business.section("business", BusinessSettings)  # type: ignore[attr-defined]
