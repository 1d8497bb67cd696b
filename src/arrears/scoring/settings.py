"""The ``[scoring]`` section of the business TOML.

```toml
[scoring]
behaviour_model = "gbm"          # or "scorecard"
observation_step_days = 28       # training looks at the book every four weeks ...
lookback_days = 365              # ... over the year before the last matured day
min_training_rows = 300          # fewer delinquent observations: no model, scoring skipped
min_events = 30                  # each outcome class needs at least this many
band_edges = []                  # risk cut points for bands A..E; default: quintiles at training
balance_bands = ["1000", "5000", "20000"]   # outstanding principal: B1 < 1000 <= B2 < ...
psi_warn = 0.10                  # population stability index: watch
psi_alert = 0.25                 # ... and alert
auc_alert = 0.65                 # matured AUC below this raises an alert
case_reasons = "path"            # gbm reason codes of the daily scores: "path" (tree-path
                                 # attribution, fast at any size) or "shap" (exact TreeSHAP)
max_training_customers = 100000  # larger books train on this many customers, picked by
                                 # a hash of customer_id (the same ones on every run)
```
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class ScoringSettings(BaseModel):
    """Behaviour scores, bands, segments and drift thresholds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    behaviour_model: str = Field(default="gbm", pattern="^(gbm|scorecard)$")
    observation_step_days: int = Field(default=28, ge=1, le=90)
    lookback_days: int = Field(default=365, ge=30, le=3650)
    min_training_rows: int = Field(default=300, ge=50)
    min_events: int = Field(default=30, ge=5)
    band_edges: list[float] = Field(default_factory=list)
    balance_bands: list[Decimal] = Field(
        default_factory=lambda: [Decimal("1000"), Decimal("5000"), Decimal("20000")])
    psi_warn: float = Field(default=0.10, gt=0)
    psi_alert: float = Field(default=0.25, gt=0)
    auc_alert: float = Field(default=0.65, gt=0, lt=1)
    case_reasons: Literal["path", "shap"] = "path"
    max_training_customers: int = Field(default=100_000, ge=100)

    @field_validator("band_edges")
    @classmethod
    def _four_rising_edges(cls, value: list[float]) -> list[float]:
        if value and (len(value) != 4 or sorted(value) != value
                      or not all(0 < v < 1 for v in value)):
            raise ValueError("band_edges needs four rising probabilities between 0 and 1")
        return value

    @field_validator("balance_bands", mode="before")
    @classmethod
    def _no_float(cls, value: object) -> object:
        if isinstance(value, list) and any(isinstance(v, float) for v in value):
            raise ValueError("write money as strings, e.g. \"1000\"")
        return value


def scoring_settings(app: object) -> ScoringSettings:
    """Read ``[scoring]`` from the application's business configuration."""
    return app.business.section("scoring", ScoringSettings)  # type: ignore[attr-defined]
