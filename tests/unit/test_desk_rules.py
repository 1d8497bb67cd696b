"""Pure rules of the desk: locale choice, the audit hash chain, scripts, contact checks."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from arrears.errors import InvalidInput
from arrears.i18n import negotiate_locale, t
from arrears.services.audit import GENESIS, chain_hash, entry_fields, verify_chain
from arrears.services.cases import contact_actions
from arrears.services.contacts import ContactInput, redact_numbers, validate_contact
from arrears.services.scripts import fill_script, stage_for, validate_script

AT = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


class TestNegotiateLocale:
    @pytest.mark.parametrize("header, expected", [
        (None, "zh-CN"), ("", "zh-CN"), ("en-US,en;q=0.9", "en"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"), ("fr-FR, en;q=0.5", "en"),
        ("en;q=0.2, zh-TW;q=0.9", "zh-CN"), ("de-DE", "zh-CN")])
    def test_best_supported(self, header: str | None, expected: str) -> None:
        assert negotiate_locale(header) == expected

    def test_texts_in_both_languages_and_fallback_to_key(self) -> None:
        assert t("desk.auth.sign_in", "en") == "Sign in"
        assert t("desk.auth.sign_in", "zh-CN") == "登录"
        assert t("desk.no.such.key", "en") == "desk.no.such.key"
        assert t("desk.page", "en", page=3) == "Page 3"


def _chain(n: int) -> list[dict]:
    prev, out = GENESIS, []
    for i in range(1, n + 1):
        fields = entry_fields(entry_id=i, at=AT + timedelta(seconds=i), actor="u",
                              action="x", object_type="case", object_id=str(i),
                              detail={"amount": Decimal("1.50"), "n": i})
        h = chain_hash(prev, fields)
        out.append({**fields, "prev_hash": prev, "entry_hash": h})
        prev = h
    return out


class TestAuditChain:
    def test_untouched_chain_verifies(self) -> None:
        report = verify_chain(_chain(5))
        assert report.ok and report.entries == 5

    def test_edited_detail_is_found(self) -> None:
        entries = _chain(5)
        entries[2]["detail"]["amount"] = "1.51"
        report = verify_chain(entries)
        assert not report.ok and report.first_bad == 3

    def test_removed_entry_is_found(self) -> None:
        entries = _chain(5)
        del entries[1]
        assert not verify_chain(entries).ok

    def test_hash_ignores_key_order_but_not_values(self) -> None:
        a = entry_fields(entry_id=1, at=AT, actor="u", action="x", object_type=None,
                         object_id=None, detail={"a": 1, "b": 2})
        b = json.loads(json.dumps(a))
        b["detail"] = {"b": 2, "a": 1}
        assert chain_hash(GENESIS, a) == chain_hash(GENESIS, b)
        b["detail"]["a"] = 3
        assert chain_hash(GENESIS, a) != chain_hash(GENESIS, b)


class TestScripts:
    @pytest.mark.parametrize("dpd, conversations, treatment, stage", [
        (5, 0, None, "first_contact"), (5, 1, None, "follow_up"), (30, 0, None, "first_contact"),
        (31, 0, None, "late_stage"), (91, 0, None, "final_notice"),
        (5, 0, "late_stage", "late_stage"), (5, 0, "unknown_step", "first_contact")])
    def test_stage(self, dpd: int, conversations: int, treatment: str | None,
                   stage: str) -> None:
        assert stage_for(dpd=dpd, prior_conversations=conversations,
                         treatment_script=treatment) == stage

    def test_fill_uses_figures_and_dashes_the_missing(self) -> None:
        assert fill_script("{customer_name} owes {overdue_amount} ({promise_due})",
                           {"customer_name": "张*", "overdue_amount": "12.00 CNY"}) \
            == "张* owes 12.00 CNY (—)"

    def test_unknown_placeholder_refused(self) -> None:
        with pytest.raises(InvalidInput) as exc:
            validate_script(stage="first_contact", language="en", title="T",
                            body="Hello {customer_nmae}")
        assert exc.value.field == "body"


class TestContactActions:
    def test_borrower_phone_may_be_called_and_texted(self) -> None:
        assert contact_actions(channel="phone", relation="self", consent=True,
                               flags=set()) == (("call", "sms"), None)

    def test_third_party_only_when_unreachable_and_only_to_locate(self) -> None:
        assert contact_actions(channel="phone", relation="spouse", consent=False,
                               flags=set())[0] == ()
        may, caution = contact_actions(channel="phone", relation="spouse", consent=False,
                                       flags={"unreachable"})
        assert may == ("call", "locate_only") and caution

    def test_hold_blocks_the_borrower(self) -> None:
        for hold in ("cease_communication", "bankruptcy", "breathing_space", "dispute"):
            assert contact_actions(channel="phone", relation="self", consent=True,
                                   flags={hold}) == ((), "desk.contact.caution.hold")

    def test_opt_outs_and_refusals(self) -> None:
        assert contact_actions(channel="phone", relation="self", consent=True,
                               flags={"opt_out_sms"}) == (("call",),
                                                          "desk.contact.caution.opt_out")
        assert contact_actions(channel="phone", relation="spouse", consent=False,
                               flags={"unreachable", "refused_contact"})[0] == ()


class TestValidateContact:
    def _check(self, **kw: object) -> None:
        base = {"channel": "call", "party": "self", "result": "right_party_contact"}
        validate_contact(ContactInput(**{**base, **kw}), at=AT, as_of=date(2026, 11, 27))

    @pytest.mark.parametrize("kw, field", [
        ({"channel": "fax"}, "channel"), ({"result": "maybe"}, "result"),
        ({"party": "spouse"}, "result"), ({"party": "self", "result": "third_party"}, "party"),
        ({"overdue_reason": "bored"}, "overdue_reason"),
        ({"promise_amount": Decimal("10")}, "promise_due"),
        ({"result": "no_answer", "promise_amount": Decimal("1"),
          "promise_due": date(2026, 11, 30)}, "promise_amount"),
        ({"callback_at": AT - timedelta(minutes=1)}, "callback_at")])
    def test_problems_name_their_field(self, kw: dict, field: str) -> None:
        with pytest.raises(InvalidInput) as exc:
            self._check(**kw)
        assert exc.value.field == field

    def test_a_full_contact_passes(self) -> None:
        self._check(overdue_reason="job_loss", promise_amount=Decimal("100.00"),
                    promise_due=date(2026, 11, 30), callback_at=AT + timedelta(hours=2))


def test_numbers_typed_into_notes_are_masked() -> None:
    text = redact_numbers("call 13812345678 or +8613812345678, ID 37020219900101123X, pays 1500")
    assert "13812345678" not in text and "37020219900101123X" not in text
    assert "138****5678" in text and "pays 1500" in text
