"""The example business settings in examples/ stay valid for every section they set."""

from __future__ import annotations

from pathlib import Path

import pytest

from arrears.config import BusinessConfig
from arrears.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "arrears.toml"


def _models() -> dict[str, type]:
    from arrears.analytics.settings import AnalyticsSettings
    from arrears.scoring.settings import ScoringSettings
    from arrears.services.allocation import AllocationSettings
    from arrears.services.business_settings import BusinessSettings
    from arrears.services.compliance import ComplianceSettings
    from arrears.services.outbox import OutboxSettings
    from arrears.services.plans import PlanSettings
    from arrears.services.promises import PromiseSettings

    return {"business": BusinessSettings, "compliance": ComplianceSettings,
            "promises": PromiseSettings, "plans": PlanSettings,
            "allocation": AllocationSettings, "scoring": ScoringSettings,
            "analytics": AnalyticsSettings, "outbox": OutboxSettings}


@pytest.mark.parametrize("name", sorted(_models()))
def test_every_section_of_the_example_validates(name: str) -> None:
    config = BusinessConfig.load(EXAMPLE)
    config.section(name, _models()[name])


def test_a_wrong_value_names_section_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[business]\ncase_open_dpd = "soon"\n')
    with pytest.raises(ConfigError) as err:
        BusinessConfig.load(bad).section("business", _models()["business"])
    assert err.value.field == "business.case_open_dpd"
