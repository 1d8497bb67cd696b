"""Lender policy on top of a pack: only stricter, versioned, per product."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from arrears.domain.compliance import decide
from arrears.domain.compliance.model import Attempt, Customer
from arrears.domain.compliance.policy import PolicyError, build_policy


def call(at: str) -> Attempt:
    return Attempt(at=datetime.fromisoformat(at), channel="call", contact_id="K1",
                   contact_value="+8613812345678")


CN = Customer(country="CN")


class TestValidation:
    @pytest.mark.parametrize("options, where", [
        ({"quiet_start": "22:30"}, "options.quiet_start"),
        ({"quiet_end": "07:00"}, "options.quiet_end"),
        ({"daily_call_attempts": 7}, "options.daily_call_attempts"),
        ({"field_visit_collectors": 1}, "options.field_visit_collectors"),
        ({"agency_evaluation_days": 400}, "options.agency_evaluation_days"),
        ({"loudness": 3}, "options.loudness"),
    ])
    def test_anything_looser_than_the_pack_is_refused(self, options: dict, where: str) -> None:
        with pytest.raises(PolicyError) as err:
            build_policy(pack="cn", options=options)
        assert err.value.where == where

    def test_a_looser_version_or_product_is_refused_by_name(self) -> None:
        with pytest.raises(PolicyError) as err:
            build_policy(pack="cn", versions=[{"version": "v2", "effective_from": "2027-01-01",
                                               "options": {"daily_conversations": 4}}])
        assert err.value.where == "versions[0].options.daily_conversations"
        with pytest.raises(PolicyError) as err:
            build_policy(pack="us", products={"card": {"calls_per_7_days": 8}})
        assert err.value.where == "products.card.calls_per_7_days"


class TestEffect:
    def test_stricter_window(self) -> None:
        policy = build_policy(pack="cn", options={"quiet_start": "20:00"})
        out = decide(policy.rules_for(on=date(2026, 11, 28)),
                     call("2026-11-28T20:00:00+08:00"), CN, [])
        assert out.rules == ("cn.quiet_hours",) and out.version == "cn-2026.1+policy"

    def test_versions_take_effect_on_their_date(self) -> None:
        policy = build_policy(pack="cn", versions=[
            {"version": "2027", "effective_from": "2027-01-01",
             "options": {"quiet_start": "21:00"}}])
        late = "T21:30:00+08:00"
        assert decide(policy.rules_for(on=date(2026, 12, 31)),
                      call("2026-12-31" + late), CN, []).allowed
        out = decide(policy.rules_for(on=date(2027, 1, 4)), call("2027-01-04" + late), CN, [])
        assert not out.allowed and out.version == "cn-2026.1+policy:2027"

    def test_public_holidays(self) -> None:
        policy = build_policy(pack="cn", options={"no_contact_on_holidays": True})
        out = decide(policy.rules_for(on=date(2026, 10, 1)),
                     call("2026-10-01T10:00:00+08:00"), CN, [])
        assert out.rules == ("policy.holiday",)
        assert out.next_allowed_at is not None and out.next_allowed_at.date() > date(2026, 10, 1)
        assert decide(policy.rules_for(on=date(2026, 11, 27)),
                      call("2026-11-27T10:00:00+08:00"), CN, []).allowed

    def test_per_product(self) -> None:
        policy = build_policy(pack="cn", products={"cash": {"daily_call_attempts": 0}})
        at = call("2026-11-27T10:00:00+08:00")
        assert decide(policy.rules_for(on=date(2026, 11, 27)), at, CN, []).allowed
        out = decide(policy.rules_for(on=date(2026, 11, 27), product="cash"), at, CN, [])
        assert out.rules == ("cn.daily_call_attempts",)
