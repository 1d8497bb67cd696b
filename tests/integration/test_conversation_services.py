"""Transcripts analysed on arrival, signal actions, QA reviews and the training library."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from arrears.adapters.db.base import unit_of_work
from arrears.adapters.db.tables import AuditEntry, Promise
from arrears.errors import ArrearsError
from arrears.services import conversation as svc
from tests.integration.strategy_factory import add_case

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
CALL = [svc.LineIn("collector", "您好，请问是张三先生本人吗？我是安信消费金融的客服"),
        svc.LineIn("customer", "是我。我上个月被裁员了，现在真的还不上"),
        svc.LineIn("collector", "没钱就找你朋友借点钱先还上"),
        svc.LineIn("customer", "这笔金额不对，我要先核实"),
        svc.LineIn("customer", "你们别再给我打电话了，有事寄信给我")]


@pytest.fixture
def case_id(app) -> int:  # type: ignore[no-untyped-def]
    return add_case(app, customer_id="C1", dpd=20, bucket="M1", overdue="1200.00",
                    opened=date(2026, 5, 1))


def attach(app, case_id: int, lines=CALL) -> int:  # type: ignore[no-untyped-def]
    with unit_of_work(app.session_factory) as s:
        tr, _ = svc.attach_transcript(s, case_id=case_id, lines=list(lines), at=NOW,
                                      actor="dialler")
        return tr.transcript_id


class TestTranscriptsOnArrival:
    def test_every_line_is_analysed_and_stored(self, app, case_id) -> None:
        tid = attach(app, case_id)
        with unit_of_work(app.session_factory) as s:
            lines = svc.transcript_lines(s, transcript_id=tid)
            tr = svc.get_transcript(s, transcript_id=tid)
            assert [v.seq for v in lines] == [1, 2, 3, 4, 5]
            assert [x["category"] for x in lines[2].violations] == ["borrow_to_pay"]
            assert lines[1].signals == ["hardship"] and lines[1].suggestion["action"] == \
                "offer_plan"
            assert tr.categories == ["borrow_to_pay"] and tr.status == "closed"
            audited = s.scalars(select(AuditEntry.action)).all()
            assert "conversation.violation_detected" in audited

    def test_a_malformed_line_rejects_the_whole_post(self, app, case_id) -> None:
        bad = [svc.LineIn("customer", "好的"), svc.LineIn("robot", "beep")]
        with pytest.raises(ArrearsError) as err, unit_of_work(app.session_factory) as s:
            svc.attach_transcript(s, case_id=case_id, lines=bad, at=NOW, actor="x")
        assert err.value.field == "lines.1.speaker"

    def test_live_lines_join_one_transcript_by_call_id(self, app, case_id) -> None:
        with unit_of_work(app.session_factory) as s:
            for text in ("喂，你好", "我爸上周去世了，家里在办丧事"):
                tr, view = svc.live_line(s, call_id="CALL-9", case_id=case_id,
                                         line=svc.LineIn("customer", text), at=NOW,
                                         actor="cti")
            assert view.seq == 2 and view.signals == ["hardship"]
            assert svc.end_live_call(s, call_id="CALL-9", at=NOW).status == "closed"


class TestSignalActions:
    def test_signals_raise_proposals_shown_on_the_account(self, app, case_id) -> None:
        attach(app, case_id)
        with unit_of_work(app.session_factory) as s:
            view = svc.signals_view(s, case_id=case_id)
        assert view.signals == ["hardship", "dispute", "cease_request"]
        assert {p.action for p in view.proposals} == {"offer_plan", "dispute_hold",
                                                      "compliance_hold"}
        assert view.emotion is not None

    def test_dismissing_needs_a_reason_and_is_audited(self, app, case_id) -> None:
        attach(app, case_id)
        with unit_of_work(app.session_factory) as s:
            action = svc.signals_view(s, case_id=case_id).proposals[0]
            with pytest.raises(ArrearsError):
                svc.dismiss_action(s, action_id=action.action_id, by="lead", reason=" ", at=NOW)
            svc.dismiss_action(s, action_id=action.action_id, by="lead",
                               reason="customer was quoting a friend", at=NOW)
        with unit_of_work(app.session_factory) as s:
            assert len(svc.signals_view(s, case_id=case_id).proposals) == 2
            with pytest.raises(ArrearsError):
                svc.dismiss_action(s, action_id=action.action_id, by="lead", reason="x",
                                   at=NOW)

    def test_confirming_a_cease_request_sets_the_compliance_flag(self, app, case_id) -> None:
        compliance = pytest.importorskip("arrears.services.compliance")
        if not hasattr(compliance, "set_flag"):
            pytest.skip("the compliance service has no set_flag yet")
        from arrears.adapters.db.tables import CustomerFlag

        attach(app, case_id)
        with unit_of_work(app.session_factory) as s:
            cease = next(p for p in svc.signals_view(s, case_id=case_id).proposals
                         if p.signal == "cease_request")
            svc.confirm_action(s, action_id=cease.action_id, by="lead",
                               reason="customer asked for letters", at=NOW)
        with unit_of_work(app.session_factory) as s:
            flags = s.scalars(select(CustomerFlag.flag).where(
                CustomerFlag.customer_id == "C1")).all()
        assert "cease_communication" in flags


class TestQaAndLibrary:
    def test_flagged_calls_are_queued_and_scored(self, app, case_id) -> None:
        tid = attach(app, case_id)
        with unit_of_work(app.session_factory) as s:
            queue = svc.qa_queue(s, sample_percent=0)
            assert [(q.transcript_id, q.reason) for q in queue] == [(tid, "flagged")]
            scores = {"greeting_identity": 2, "disclosure": 1, "empathy": 0, "solution": 1,
                      "no_violations": 0}
            review = svc.score_call(s, transcript_id=tid, reviewer="qa", scores=scores,
                                    coaching="Never suggest borrowing to pay.", at=NOW)
            assert review.total == 40
        with unit_of_work(app.session_factory) as s:
            assert svc.qa_queue(s, sample_percent=100) == []

    def test_only_good_calls_with_good_outcomes_are_published_masked(self, app,
                                                                    case_id) -> None:
        good = [svc.LineIn("collector", "您好，请问是王芳女士本人吗？"),
                svc.LineIn("customer", "是的。我最近失业了，压力很大，电话13812345678"),
                svc.LineIn("collector", "理解您的难处，我们可以为您申请分期还款")]
        tid = attach(app, case_id, good)
        top = dict.fromkeys(svc.SCORECARD, 2)
        with unit_of_work(app.session_factory) as s:
            svc.score_call(s, transcript_id=tid, reviewer="qa", scores=top, coaching="",
                           at=NOW)
            with pytest.raises(ArrearsError):  # no good outcome yet
                svc.publish_case(s, transcript_id=tid, situation="hardship", title="t",
                                 by="qa", at=NOW)
            s.add(Promise(case_id=case_id, created_at=NOW, amount=Decimal("300.00"),
                          currency="CNY", due_on=date(2026, 5, 10), status="kept",
                          paid_amount=Decimal("300.00")))
            s.flush()
            entry = svc.publish_case(s, transcript_id=tid, situation="hardship",
                                     title="Job loss, plan agreed", by="qa", at=NOW)
            texts = " ".join(line["text"] for line in entry.lines)
            assert "13812345678" not in texts and "138****5678" in texts
            assert "王芳" not in texts and entry.outcome == "promise_kept"
            assert [e.entry_id for e in svc.library(s, situation="hardship")] == \
                [entry.entry_id]
            assert svc.library(s, situation="anger") == []


@pytest.mark.parametrize("text, expected", [
    ("客户身份证370202199001011234", "3702**********1234"),
    ("call me on 415-555-0199", "***"),
    ("mail jane.doe@example.com", "@example.com"),
])
def test_mask_text(text: str, expected: str) -> None:
    masked = svc.mask_text(text)
    assert expected in masked and masked != text
