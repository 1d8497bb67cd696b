"""The rules of the cn, us and gb packs at their boundaries (shared/spec/compliance.md)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from arrears.domain.compliance import evaluate_scenario

CN_PHONE = "+8613812345678"
NY_PHONE = "+12125551234"
UK_PHONE = "+442071234567"


def scenario(at: str, *, channel: str = "call", party: str = "self", value: str = CN_PHONE,
             history: list[dict[str, Any]] | None = None, options: dict[str, Any] | None = None,
             country: str = "CN", **customer: Any) -> dict[str, Any]:
    attempt = {"at": at, "channel": channel, "party": party, "contact_id": "K1",
               "contact_value": value, "debt_id": "L1", "initiated_by": "collector",
               "agency_id": None, "template": None, "mentions_debt": True, "collectors": 1}
    attempt.update(customer.pop("attempt", {}))
    return {"id": "t", "options": options or {}, "attempt": attempt,
            "customer": {"country": country, "timezone": None, "address_timezone": None,
                         "flags": [], "refused_contacts": [], "consents": [],
                         "breathing_space_until": None, **customer},
            "history": history or []}


def event(at: str, result: str = "no_answer", **kw: Any) -> dict[str, Any]:
    return {"at": at, "channel": "call", "party": "self", "contact_id": "K1",
            "contact_value": kw.pop("value", CN_PHONE), "debt_id": "L1", "result": result,
            "initiated_by": "collector", "agency_id": None, **kw}


def decide(pack: str, sc: dict[str, Any]) -> dict[str, Any]:
    return evaluate_scenario(pack, sc)


class TestCnQuietHours:
    @pytest.mark.parametrize("clock, allowed", [
        ("07:59", False), ("08:00", True), ("21:59", True), ("22:00", False), ("23:30", False),
    ])
    def test_window_boundaries(self, clock: str, allowed: bool) -> None:
        out = decide("cn", scenario(f"2026-11-28T{clock}:00+08:00"))
        assert (out["decision"] == "allow") is allowed
        if not allowed:
            assert out["rules"] == ["cn.quiet_hours"]

    def test_the_spec_example(self) -> None:
        sc = scenario("2026-11-28T21:05:00+08:00", options={"quiet_start": "21:00"},
                      flags=["unreachable"], refused_contacts=["K9"],
                      consents=[{"kind": "call_time", "from": "22:00", "until": "23:00"}],
                      history=[event("2026-11-28T10:00:00+08:00")])
        out = decide("cn", sc)
        assert out["decision"] == "block" and out["rules"] == ["cn.quiet_hours"]
        assert out["explanation"] == "21:05 Asia/Shanghai is inside quiet hours (21:00-08:00)"
        assert out["local_time"] == "2026-11-28T21:05:00+08:00"
        assert out["next_allowed_at"] == "2026-11-29T08:00:00+08:00"

    def test_consent_to_a_late_call(self) -> None:
        sc = scenario("2026-11-28T22:30:00+08:00",
                      consents=[{"kind": "call_time", "from": "22:00", "until": "23:00"}])
        assert decide("cn", sc)["decision"] == "allow"
        sc["attempt"]["at"] = "2026-11-28T23:00:00+08:00"
        assert decide("cn", sc)["decision"] == "block"

    def test_every_channel(self) -> None:
        out = decide("cn", scenario("2026-11-28T22:10:00+08:00", channel="sms"))
        assert out["rules"] == ["cn.quiet_hours"]

    def test_utc_input_is_judged_in_local_time(self) -> None:
        assert decide("cn", scenario("2026-11-28T13:59:00Z"))["decision"] == "allow"
        assert decide("cn", scenario("2026-11-28T14:00:00Z"))["decision"] == "block"


class TestCnCounters:
    def calls(self, n: int, result: str = "no_answer", **kw: Any) -> list[dict[str, Any]]:
        return [event(f"2026-11-28T{9 + i:02d}:00:00+08:00", result, **kw) for i in range(n)]

    def test_sixth_unanswered_call_allowed_seventh_blocked(self) -> None:
        assert decide("cn", scenario("2026-11-28T18:00:00+08:00",
                                     history=self.calls(5)))["decision"] == "allow"
        out = decide("cn", scenario("2026-11-28T18:00:00+08:00", history=self.calls(6)))
        assert out["rules"] == ["cn.daily_call_attempts"]
        assert out["next_allowed_at"] == "2026-11-29T08:00:00+08:00"

    def test_other_numbers_and_yesterday_do_not_count(self) -> None:
        other = self.calls(6, value="+8613900000000", contact_id="K2")
        assert decide("cn", scenario("2026-11-28T18:00:00+08:00",
                                     history=other))["decision"] == "allow"
        yesterday = [event(f"2026-11-27T{9 + i:02d}:00:00+08:00") for i in range(8)]
        assert decide("cn", scenario("2026-11-28T08:00:00+08:00",
                                     history=yesterday))["decision"] == "allow"

    def test_days_run_in_borrower_local_time(self) -> None:
        # 23:30 UTC on the 27th is 07:30 on the 28th in Shanghai: the same local day
        late = [event("2026-11-27T23:30:00Z")] + self.calls(5)
        out = decide("cn", scenario("2026-11-28T18:00:00+08:00", history=late))
        assert out["rules"] == ["cn.daily_call_attempts"]

    def test_third_conversation_allowed_fourth_blocked(self) -> None:
        assert decide("cn", scenario("2026-11-28T18:00:00+08:00",
                                     history=self.calls(2, "conversation")))["decision"] == "allow"
        talks = self.calls(3, "conversation")
        talks[1]["agency_id"] = "AG1"  # lender and agencies count together
        out = decide("cn", scenario("2026-11-28T18:00:00+08:00", history=talks))
        assert out["rules"] == ["cn.daily_conversations"]

    def test_holds_before_counters(self) -> None:
        out = decide("cn", scenario("2026-11-28T23:00:00+08:00", history=self.calls(6),
                                    flags=["dispute"]))
        assert out["rules"] == ["cn.dispute"] and out["next_allowed_at"] is None


class TestCnParties:
    def test_third_party_only_when_unreachable_and_never_the_debt(self) -> None:
        base = dict(party="spouse", attempt={"contact_id": "K2", "mentions_debt": False})
        assert decide("cn", scenario("2026-11-28T10:00:00+08:00", **copy.deepcopy(base)))[
            "rules"] == ["cn.third_party"]
        assert decide("cn", scenario("2026-11-28T10:00:00+08:00", flags=["unreachable"],
                                     **copy.deepcopy(base)))["decision"] == "allow"
        loud = scenario("2026-11-28T10:00:00+08:00", party="spouse", flags=["unreachable"],
                        attempt={"contact_id": "K2", "mentions_debt": True})
        assert decide("cn", loud)["rules"] == ["cn.third_party"]

    def test_guarantor_is_a_borrower(self) -> None:
        assert decide("cn", scenario("2026-11-28T10:00:00+08:00",
                                     party="guarantor"))["decision"] == "allow"

    def test_refused_contact_is_never_contacted(self) -> None:
        sc = scenario("2026-11-28T10:00:00+08:00", party="friend", flags=["unreachable"],
                      refused_contacts=["K2"], attempt={"contact_id": "K2",
                                                        "mentions_debt": False})
        assert decide("cn", sc)["rules"] == ["cn.refused_contact"]

    @pytest.mark.parametrize("collectors, allowed", [(1, False), (2, True)])
    def test_field_visit_needs_two_collectors(self, collectors: int, allowed: bool) -> None:
        sc = scenario("2026-11-28T10:00:00+08:00", channel="visit",
                      attempt={"collectors": collectors})
        assert (decide("cn", sc)["decision"] == "allow") is allowed

    def test_field_visit_inside_allowed_hours(self) -> None:
        sc = scenario("2026-11-28T22:00:00+08:00", channel="visit", attempt={"collectors": 2})
        assert decide("cn", sc)["rules"] == ["cn.quiet_hours"]

    @pytest.mark.parametrize("evaluated, allowed", [
        ("2025-11-28", True), ("2025-11-27", False)])
    def test_agency_evaluated_within_365_days(self, evaluated: str, allowed: bool) -> None:
        sc = scenario("2026-11-28T10:00:00+08:00", attempt={"agency_id": "AG1"},
                      options={"agency_whitelist": {"AG1": evaluated}})
        assert (decide("cn", sc)["decision"] == "allow") is allowed
        sc["attempt"]["agency_id"] = "AG2"
        assert decide("cn", sc)["rules"] == ["cn.agency_whitelist"]


class TestUs:
    def us(self, at: str, **kw: Any) -> dict[str, Any]:
        return scenario(at, value=kw.pop("value", NY_PHONE), country="US", **kw)

    @pytest.mark.parametrize("clock, allowed", [
        ("07:59", False), ("08:00", True), ("20:59", True), ("21:00", False)])
    def test_hours(self, clock: str, allowed: bool) -> None:
        out = decide("us", self.us(f"2026-11-27T{clock}:00-05:00"))
        assert (out["decision"] == "allow") is allowed

    def test_unclear_location_must_be_allowed_in_every_zone(self) -> None:
        # 08:30 in New York is 05:30 at the Los Angeles address
        sc = self.us("2026-11-27T08:30:00-05:00", address_timezone="America/Los_Angeles")
        out = decide("us", sc)
        assert out["rules"] == ["us.hours"]
        assert out["local_time"].startswith("2026-11-27T05:30")
        assert out["next_allowed_at"] == "2026-11-27T08:00:00-08:00"

    @pytest.mark.parametrize("clock, allowed", [("12:59", False), ("13:00", True)])
    def test_nothing_known_but_the_country_means_every_zone_of_it(self, clock: str,
                                                                   allowed: bool) -> None:
        # 13:00 in New York is 08:00 in Honolulu, the westernmost US zone
        sc = self.us(f"2026-11-27T{clock}:00-05:00", value=None)
        out = decide("us", sc)
        assert (out["decision"] == "allow") is allowed
        if not allowed:
            assert out["next_allowed_at"] == "2026-11-27T08:00:00-10:00"

    def test_recorded_zone_wins_over_the_phone(self) -> None:
        sc = self.us("2026-11-27T08:30:00-05:00", timezone="America/New_York",
                     address_timezone="America/Los_Angeles")
        assert decide("us", sc)["decision"] == "allow"

    def week(self, n: int, result: str = "no_answer", start: int = 20) -> list[dict[str, Any]]:
        return [event(f"2026-11-{start + i:02d}T10:00:00-05:00", result, value=NY_PHONE)
                for i in range(n)]

    def test_seventh_call_allowed_eighth_blocked(self) -> None:
        assert decide("us", self.us("2026-11-26T10:00:00-05:00",
                                    history=self.week(6)))["decision"] == "allow"
        out = decide("us", self.us("2026-11-26T10:00:00-05:00", history=self.week(7)))
        assert out["rules"] == ["us.call_frequency_7in7"]
        assert out["next_allowed_at"] == "2026-11-27T08:00:00-05:00"

    def test_busy_consumer_started_and_consented_calls_do_not_count(self) -> None:
        calls = self.week(7)
        calls[0]["result"] = "busy"
        calls[1]["initiated_by"] = "customer"
        assert decide("us", self.us("2026-11-26T10:00:00-05:00",
                                    history=calls))["decision"] == "allow"
        consent = [{"kind": "call", "given_at": "2026-11-25T10:00:00-05:00"}]
        assert decide("us", self.us("2026-11-26T10:00:00-05:00", history=self.week(7),
                                    consents=consent))["decision"] == "allow"

    def test_sms_is_outside_the_caps(self) -> None:
        sc = self.us("2026-11-26T10:00:00-05:00", channel="sms", history=self.week(7))
        assert decide("us", sc)["decision"] == "allow"

    @pytest.mark.parametrize("day, allowed", [("26", False), ("27", True)])
    def test_day_7_vs_day_8_after_a_conversation(self, day: str, allowed: bool) -> None:
        talk = [event("2026-11-20T15:00:00-05:00", "conversation", value=NY_PHONE)]
        out = decide("us", self.us(f"2026-11-{day}T09:00:00-05:00", history=talk))
        assert (out["decision"] == "allow") is allowed
        if not allowed:
            assert out["rules"] == ["us.conversation_7day"]
            assert out["next_allowed_at"] == "2026-11-27T08:00:00-05:00"

    def test_other_debts_do_not_count(self) -> None:
        talk = [event("2026-11-25T15:00:00-05:00", "conversation", value=NY_PHONE,
                      debt_id="L2")]
        assert decide("us", self.us("2026-11-26T09:00:00-05:00",
                                    history=talk))["decision"] == "allow"

    @pytest.mark.parametrize("flag, rule", [
        ("dispute", "us.dispute"), ("attorney_represented", "us.attorney"),
        ("bankruptcy", "us.bankruptcy"), ("deceased", "us.deceased"),
        ("cease_communication", "us.cease_communication")])
    def test_holds(self, flag: str, rule: str) -> None:
        out = decide("us", self.us("2026-11-26T23:00:00-05:00", flags=[flag]))
        assert out["rules"] == [rule]

    def test_cease_lets_the_permitted_notices_through(self) -> None:
        tpl = {"id": "N1", "has_opt_out": True, "mentions_legal_action": False,
               "asks_to_borrow": False, "permitted_notice": "notice_efforts_ending"}
        sc = self.us("2026-11-26T10:00:00-05:00", channel="email",
                     flags=["cease_communication"], attempt={"template": tpl})
        assert decide("us", sc)["decision"] == "allow"

    def test_templates(self) -> None:
        tpl = {"id": "T1", "has_opt_out": False, "mentions_legal_action": True,
               "asks_to_borrow": False, "permitted_notice": None}
        sms = self.us("2026-11-26T10:00:00-05:00", channel="sms", attempt={"template": tpl})
        assert decide("us", sms)["rules"] == ["us.template_opt_out"]
        tpl["has_opt_out"] = True
        barred = self.us("2026-11-26T10:00:00-05:00", channel="sms", flags=["time_barred"],
                         attempt={"template": tpl})
        assert decide("us", barred)["rules"] == ["us.time_barred"]

    def test_opt_out_third_party_and_workplace(self) -> None:
        assert decide("us", self.us("2026-11-26T10:00:00-05:00", channel="email",
                                    flags=["opt_out_email"]))["rules"] == ["us.opt_out"]
        assert decide("us", self.us("2026-11-26T10:00:00-05:00", party="friend"))[
            "rules"] == ["us.third_party"]
        work = self.us("2026-11-26T10:00:00-05:00", flags=["employer_forbids_work_contact"],
                       attempt={"workplace": True})
        assert decide("us", work)["rules"] == ["us.workplace"]


class TestGb:
    def gb(self, at: str, **kw: Any) -> dict[str, Any]:
        return scenario(at, value=UK_PHONE, country="GB", **kw)

    @pytest.mark.parametrize("clock, allowed", [("07:59", False), ("08:00", True),
                                                ("20:59", True), ("21:00", False)])
    def test_hours(self, clock: str, allowed: bool) -> None:
        assert (decide("gb", self.gb(f"2026-11-27T{clock}:00+00:00"))["decision"]
                == "allow") is allowed

    def test_third_attempt_allowed_fourth_blocked_and_one_conversation(self) -> None:
        calls = [event(f"2026-11-27T{9 + i:02d}:00:00+00:00", value=UK_PHONE) for i in range(3)]
        assert decide("gb", self.gb("2026-11-27T15:00:00+00:00", history=calls[:2]))[
            "decision"] == "allow"
        assert decide("gb", self.gb("2026-11-27T15:00:00+00:00", history=calls))[
            "rules"] == ["gb.daily_attempts"]
        talk = [event("2026-11-27T09:00:00+00:00", "conversation", value=UK_PHONE)]
        assert decide("gb", self.gb("2026-11-27T15:00:00+00:00", history=talk))[
            "rules"] == ["gb.daily_conversations"]

    @pytest.mark.parametrize("day, allowed", [("15", False), ("16", True)])
    def test_breathing_space_until_it_ends(self, day: str, allowed: bool) -> None:
        sc = self.gb(f"2026-12-{day}T10:00:00+00:00", breathing_space_until="2026-12-15")
        out = decide("gb", sc)
        assert (out["decision"] == "allow") is allowed
        if not allowed:
            assert out["rules"] == ["gb.breathing_space"]
            assert out["next_allowed_at"] == "2026-12-16T08:00:00+00:00"

    def test_breathing_space_in_two_zones_of_one_offset(self) -> None:
        # London and Dublin keep the same clock: their ends of the breathing space tie
        sc = self.gb("2026-12-15T10:00:00+00:00", breathing_space_until="2026-12-15",
                     address_timezone="Europe/Dublin")
        out = decide("gb", sc)
        assert out["rules"] == ["gb.breathing_space"]
        assert out["next_allowed_at"] == "2026-12-16T08:00:00+00:00"

    def test_financial_difficulty_templates(self) -> None:
        tpl = {"id": "T2", "has_opt_out": True, "mentions_legal_action": False,
               "asks_to_borrow": True, "permitted_notice": None}
        sc = self.gb("2026-11-27T10:00:00+00:00", channel="sms",
                     flags=["financial_difficulty"], attempt={"template": tpl})
        assert decide("gb", sc)["rules"] == ["gb.financial_difficulty"]

    def test_third_party_never_told_of_the_debt(self) -> None:
        assert decide("gb", self.gb("2026-11-27T10:00:00+00:00", party="parent"))[
            "rules"] == ["gb.third_party"]


class TestMalformed:
    @pytest.mark.parametrize("mutate, field", [
        (lambda s: s["attempt"].pop("at"), "attempt.at"),
        (lambda s: s["attempt"].update(at="2026-11-28T10:00:00"), "attempt.at"),
        (lambda s: s["attempt"].update(channel="fax"), "attempt.channel"),
        (lambda s: s["customer"].update(flags=["sleepy"]), "customer.flags"),
        (lambda s: s.update(history=[{"at": "2026-11-28T09:00:00+08:00", "channel": "call",
                                      "result": "maybe"}]), "history[0].result"),
        (lambda s: s.update(options={"quiet_start": "23:00"}), "options.quiet_start"),
        (lambda s: s.update(options={"daily_call_attempts": 9}), "options.daily_call_attempts"),
        (lambda s: s["customer"].update(timezone="Mars/Olympus"), "customer.timezone"),
    ])
    def test_error_names_the_field(self, mutate: Any, field: str) -> None:
        sc = scenario("2026-11-28T10:00:00+08:00")
        mutate(sc)
        out = decide("cn", sc)
        assert out["decision"] == "error" and out["field"] == field and out["reason"]


class TestBoundaries:
    """Where a rule's edge is easy to get wrong: the first moment of a local day, a day of
    25 hours, zones the number cannot tell apart, a cap a lender set to nothing."""

    def test_the_local_day_starts_at_midnight_in_any_offset(self) -> None:
        five = [event(f"2026-11-28T{9 + i:02d}:00:00+08:00") for i in range(5)]
        last_night = event("2026-11-27T23:59:59+08:00")
        midnight = event("2026-11-28T00:00:00+08:00")
        # 06:00 in Honolulu on the 27th is midnight of the 28th in Shanghai
        honolulu = event("2026-11-27T06:00:00-10:00")
        at = "2026-11-28T18:00:00+08:00"
        assert decide("cn", scenario(at, history=five + [last_night]))["decision"] == "allow"
        for sixth in (midnight, honolulu):
            assert decide("cn", scenario(at, history=five + [sixth]))["rules"] == [
                "cn.daily_call_attempts"]

    def test_a_day_of_25_hours_is_one_day(self) -> None:
        # 2026-10-25: London leaves summer time at 02:00; 23:30 UTC on the 24th is 00:30
        # on the 25th there
        calls = [event(at, value=UK_PHONE) for at in (
            "2026-10-24T23:30:00+00:00", "2026-10-25T09:00:00+00:00",
            "2026-10-25T10:00:00+00:00")]
        out = decide("gb", scenario("2026-10-25T20:00:00+00:00", value=UK_PHONE,
                                    country="GB", history=calls))
        assert out["rules"] == ["gb.daily_attempts"]
        assert out["next_allowed_at"] == "2026-10-26T08:00:00+00:00"
        assert decide("gb", scenario("2026-10-25T20:00:00+00:00", value=UK_PHONE,
                                     country="GB", history=calls[1:]))["decision"] == "allow"

    @pytest.mark.parametrize("clock, allowed", [("08:59", False), ("09:00", True)])
    def test_a_number_in_two_zones_must_be_allowed_in_both(self, clock: str,
                                                            allowed: bool) -> None:
        # +1 907 (Alaska) spans Anchorage and Adak, an hour behind
        out = decide("us", scenario(f"2026-11-27T{clock}:00-09:00", value="+19075551234",
                                    country="US"))
        assert (out["decision"] == "allow") is allowed
        if not allowed:
            assert out["rules"] == ["us.hours"] and "America/Adak" in out["explanation"]
            assert out["next_allowed_at"] == "2026-11-27T08:00:00-10:00"

    @pytest.mark.parametrize("day, allowed", [("26", False), ("27", True)])
    def test_the_seven_day_window_slides_on_day_8(self, day: str, allowed: bool) -> None:
        calls = [event(f"2026-11-{20 + i:02d}T10:00:00-05:00", value=NY_PHONE)
                 for i in range(7)]
        out = decide("us", scenario(f"2026-11-{day}T12:00:00-05:00", value=NY_PHONE,
                                    country="US", history=calls))
        assert (out["decision"] == "allow") is allowed

    @pytest.mark.parametrize("pack, value, country, flag, rule", [
        ("us", NY_PHONE, "US", "cease_communication", "us.cease_communication"),
        ("gb", UK_PHONE, "GB", "hardship_hold", "gb.hardship_hold"),
    ])
    def test_holds_before_counters_in_every_pack(self, pack: str, value: str, country: str,
                                                 flag: str, rule: str) -> None:
        calls = [event(f"2026-11-{20 + i:02d}T10:00:00+00:00", value=value) for i in range(7)]
        calls += [event("2026-11-26T09:00:00+00:00", "conversation", value=value)]
        out = decide(pack, scenario("2026-11-26T23:00:00+00:00", value=value,
                                    country=country, history=calls, flags=[flag]))
        assert out["rules"] == [rule] and out["next_allowed_at"] is None

    def test_a_cap_of_nothing_never_lets_go(self) -> None:
        out = decide("cn", scenario("2026-11-28T10:00:00+08:00",
                                    options={"daily_call_attempts": 0}))
        assert out["rules"] == ["cn.daily_call_attempts"] and out["next_allowed_at"] is None
