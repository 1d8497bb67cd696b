"""Use cases of conversation intelligence: transcripts analysed on arrival, signal actions
confirmed by a person, the live-assist feed, QA reviews and the training library.

Services take a session (the caller's unit of work commits) and ``at``; they never read
the clock.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from arrears.adapters.db.tables import CollectionCase, ContactAttempt, Promise
from arrears.adapters.db.tables_conversation import (
    QaReview,
    SignalAction,
    TrainingCase,
    Transcript,
    TranscriptLine,
)
from arrears.conversation import analyze_one
from arrears.conversation.results import SIGNALS, SPEAKERS, UtteranceResult
from arrears.errors import Conflict, InvalidInput, NotFound
from arrears.services.audit import append_audit

# What each signal calls for, and the customer flag a confirmation sets.
ACTIONS = {"hardship": ("offer_plan", "financial_difficulty"),
           "dispute": ("dispute_hold", "dispute"),
           "cease_request": ("compliance_hold", "cease_communication")}
SCORECARD = ("greeting_identity", "disclosure", "empathy", "solution", "no_violations")
SITUATIONS = ("hardship", "anger", "dispute", "third_party")
PUBLISH_MIN_QA = 80
MAX_LINES_PER_POST = 500


class TranscriptNotFound(NotFound):
    code = "transcript_not_found"


class CaseNotFound(NotFound):
    code = "case_not_found"


class ActionNotFound(NotFound):
    code = "signal_action_not_found"


class ActionAlreadyDecided(Conflict):
    code = "signal_action_decided"


class InvalidTranscript(InvalidInput):
    code = "invalid_transcript"


class NotPublishable(Conflict):
    code = "not_publishable"


@dataclass(frozen=True)
class LineIn:
    speaker: str
    text: str
    at: datetime | None = None


@dataclass(frozen=True)
class LineView:
    line_id: int
    seq: int
    speaker: str
    text: str
    at: datetime
    language: str
    violations: list[dict[str, Any]]
    signals: list[str]
    emotion: str
    emotion_score: float
    suggestion: dict[str, Any] | None
    action_ids: list[int] = field(default_factory=list)


# --------------------------------------------------------------------------- transcripts
def _case(session: Session, case_id: int) -> CollectionCase:
    case = session.get(CollectionCase, case_id)
    if case is None:
        raise CaseNotFound(f"case {case_id} not found", field="case_id")
    return case


def _transcript(session: Session, transcript_id: int) -> Transcript:
    tr = session.get(Transcript, transcript_id)
    if tr is None:
        raise TranscriptNotFound(f"transcript {transcript_id} not found", field="transcript_id")
    return tr


def get_transcript(session: Session, *, transcript_id: int) -> Transcript:
    """A transcript by id (404 when unknown)."""
    return _transcript(session, transcript_id)


def validate_lines(lines: list[LineIn]) -> None:
    """Reject the whole post (nothing half-written) when any line is malformed."""
    if not lines:
        raise InvalidTranscript("at least one line is required", field="lines")
    if len(lines) > MAX_LINES_PER_POST:
        raise InvalidTranscript(f"at most {MAX_LINES_PER_POST} lines per request",
                                field="lines")
    for i, line in enumerate(lines):
        if line.speaker not in SPEAKERS:
            raise InvalidTranscript(f"speaker must be collector or customer, not "
                                    f"{line.speaker!r}", field=f"lines.{i}.speaker")
        if not line.text.strip():
            raise InvalidTranscript("text is empty", field=f"lines.{i}.text")


def open_transcript(session: Session, *, case_id: int, source: str, at: datetime,
                    attempt_id: int | None = None, external_id: str | None = None,
                    collector_user_id: int | None = None) -> Transcript:
    """Start a transcript on a case (for a contact attempt, or a live call's id)."""
    case = _case(session, case_id)
    if attempt_id is not None:
        attempt = session.get(ContactAttempt, attempt_id)
        if attempt is None or attempt.case_id != case.case_id:
            raise InvalidTranscript(f"contact attempt {attempt_id} is not one of case "
                                    f"{case.case_id}'s", field="attempt_id")
    tr = Transcript(case_id=case.case_id, customer_id=case.customer_id, attempt_id=attempt_id,
                    external_id=external_id, source=source, status="open",
                    collector_user_id=collector_user_id, started_at=at, line_count=0,
                    violation_count=0, categories=[], signals=[])
    session.add(tr)
    session.flush()
    return tr


def add_lines(session: Session, *, transcript_id: int, lines: list[LineIn], at: datetime,
              actor: str) -> list[LineView]:
    """Analyse and store lines on arrival; customer signals raise proposed actions."""
    validate_lines(lines)
    tr = _transcript(session, transcript_id)
    if tr.status != "open":
        raise Conflict(f"transcript {transcript_id} is closed", field="transcript_id")
    views = []
    for line in lines:
        result = analyze_one(line.text, speaker=line.speaker)
        row = _store_line(session, tr, line, result, at=line.at or at)
        actions = _propose_actions(session, tr, row, result, at=at)
        views.append(_line_view(row, [a.action_id for a in actions]))
    if any(v.violations for v in views):
        append_audit(session, actor=actor, action="conversation.violation_detected",
                     object_type="transcript", object_id=str(tr.transcript_id),
                     detail={"categories": sorted({x["category"] for v in views
                                                    for x in v.violations})}, at=at)
    return views


def _store_line(session: Session, tr: Transcript, line: LineIn, result: UtteranceResult, *,
                at: datetime) -> TranscriptLine:
    tr.line_count += 1
    row = TranscriptLine(transcript_id=tr.transcript_id, seq=tr.line_count,
                         speaker=line.speaker, text=line.text, at=at,
                         language=result.language,
                         violations=[v.to_dict() for v in result.violations],
                         signals=list(result.signals), emotion=result.emotion.label,
                         emotion_score=result.emotion.score,
                         suggestion=result.suggestion.to_dict() if result.suggestion else None)
    session.add(row)
    tr.violation_count += len(result.violations)
    tr.categories = sorted(set(tr.categories) | set(result.categories))
    tr.signals = sorted(set(tr.signals) | set(result.signals))
    tr.language = tr.language or result.language
    session.flush()
    return row


def _propose_actions(session: Session, tr: Transcript, row: TranscriptLine,
                     result: UtteranceResult, *, at: datetime) -> list[SignalAction]:
    """One proposal per signal per transcript (the first line that carried it)."""
    out = []
    for finding in result.signal_findings:
        if finding.category not in ACTIONS:
            continue
        exists = session.scalar(select(SignalAction.action_id).where(
            SignalAction.transcript_id == tr.transcript_id,
            SignalAction.signal == finding.category))
        if exists is not None:
            continue
        action = SignalAction(case_id=tr.case_id, customer_id=tr.customer_id,
                              transcript_id=tr.transcript_id, line_id=row.line_id,
                              signal=finding.category, action=ACTIONS[finding.category][0],
                              evidence=finding.evidence, status="proposed", proposed_at=at)
        session.add(action)
        session.flush()
        out.append(action)
    return out


def _line_view(row: TranscriptLine, action_ids: list[int] | None = None) -> LineView:
    return LineView(line_id=row.line_id, seq=row.seq, speaker=row.speaker, text=row.text,
                    at=row.at, language=row.language, violations=list(row.violations),
                    signals=list(row.signals), emotion=row.emotion,
                    emotion_score=row.emotion_score, suggestion=row.suggestion,
                    action_ids=action_ids or [])


def attach_transcript(session: Session, *, case_id: int, lines: list[LineIn], at: datetime,
                      actor: str, attempt_id: int | None = None,
                      collector_user_id: int | None = None, source: str = "api"
                      ) -> tuple[Transcript, list[LineView]]:
    """A whole transcript for a contact: stored, analysed line by line, closed."""
    validate_lines(lines)
    tr = open_transcript(session, case_id=case_id, source=source, at=lines[0].at or at,
                         attempt_id=attempt_id, collector_user_id=collector_user_id)
    views = add_lines(session, transcript_id=tr.transcript_id, lines=lines, at=at, actor=actor)
    tr.status = "closed"
    tr.ended_at = lines[-1].at or at
    return tr, views


def live_line(session: Session, *, call_id: str, case_id: int, line: LineIn, at: datetime,
              actor: str, collector_user_id: int | None = None) -> tuple[Transcript, LineView]:
    """A line of a call in progress (posted by the call-centre system), by its call id."""
    tr = session.scalar(select(Transcript).where(Transcript.external_id == call_id))
    if tr is None:
        tr = open_transcript(session, case_id=case_id, source="live", at=line.at or at,
                             external_id=call_id, collector_user_id=collector_user_id)
    elif tr.case_id != case_id:
        raise Conflict(f"call {call_id} belongs to case {tr.case_id}", field="case_id")
    (view,) = add_lines(session, transcript_id=tr.transcript_id, lines=[line], at=at,
                        actor=actor)
    return tr, view


def end_live_call(session: Session, *, call_id: str, at: datetime) -> Transcript:
    tr = session.scalar(select(Transcript).where(Transcript.external_id == call_id))
    if tr is None:
        raise TranscriptNotFound(f"call {call_id} not found", field="call_id")
    tr.status, tr.ended_at = "closed", at
    return tr


def transcript_lines(session: Session, *, transcript_id: int, after_seq: int = 0
                     ) -> list[LineView]:
    rows = session.scalars(select(TranscriptLine).where(
        TranscriptLine.transcript_id == transcript_id, TranscriptLine.seq > after_seq)
        .order_by(TranscriptLine.seq))
    return [_line_view(r) for r in rows]


def transcript_by_call(session: Session, *, call_id: str) -> Transcript | None:
    return session.scalar(select(Transcript).where(Transcript.external_id == call_id))


# ------------------------------------------------------------------- account signals view
@dataclass(frozen=True)
class ActionView:
    action_id: int
    signal: str
    action: str
    evidence: str
    status: str
    proposed_at: datetime


@dataclass(frozen=True)
class SignalsView:
    """What the account view shows: the customer's latest emotion, signals and actions."""

    case_id: int
    emotion: str | None
    emotion_score: float | None
    emotion_at: datetime | None
    signals: list[str]
    proposals: list[ActionView]
    last_transcript_id: int | None


def signals_view(session: Session, *, case_id: int, recent: int = 20) -> SignalsView:
    """The latest customer emotion and the signals of the last ``recent`` customer lines."""
    rows = session.execute(
        select(TranscriptLine, Transcript.transcript_id)
        .join(Transcript, Transcript.transcript_id == TranscriptLine.transcript_id)
        .where(Transcript.case_id == case_id, TranscriptLine.speaker == "customer")
        .order_by(TranscriptLine.at.desc(), TranscriptLine.line_id.desc()).limit(recent)).all()
    signals: list[str] = []
    for line, _ in rows:
        signals += [s for s in line.signals if s not in signals]
    proposals = session.scalars(select(SignalAction).where(
        SignalAction.case_id == case_id, SignalAction.status == "proposed")
        .order_by(SignalAction.proposed_at.desc()))
    latest = rows[0][0] if rows else None
    return SignalsView(
        case_id=case_id, emotion=latest.emotion if latest else None,
        emotion_score=latest.emotion_score if latest else None,
        emotion_at=latest.at if latest else None,
        signals=[s for s in SIGNALS if s in signals],
        proposals=[ActionView(a.action_id, a.signal, a.action, a.evidence, a.status,
                              a.proposed_at) for a in proposals],
        last_transcript_id=rows[0][1] if rows else None)


def _action(session: Session, action_id: int) -> SignalAction:
    action = session.get(SignalAction, action_id)
    if action is None:
        raise ActionNotFound(f"signal action {action_id} not found", field="action_id")
    if action.status != "proposed":
        raise ActionAlreadyDecided(f"signal action {action_id} is already {action.status}")
    return action


def confirm_action(session: Session, *, action_id: int, by: str, reason: str, at: datetime
                   ) -> SignalAction:
    """A person confirms: the customer flag is set through the compliance service."""
    if not reason.strip():
        raise InvalidInput("a reason is required", field="reason")
    action = _action(session, action_id)
    flag = ACTIONS[action.signal][1]
    from arrears.services import compliance  # the compliance area's service

    compliance.set_flag(session, customer_id=action.customer_id, flag=flag,
                        reason=f"{reason} (customer said: {action.evidence})", by=by, at=at)
    action.status, action.decided_by, action.decided_at = "confirmed", by, at
    action.reason, action.flag = reason, flag
    append_audit(session, actor=by, action="conversation.signal_confirmed",
                 object_type="case", object_id=str(action.case_id),
                 detail={"action_id": action.action_id, "signal": action.signal,
                         "flag": flag}, at=at)
    return action


def dismiss_action(session: Session, *, action_id: int, by: str, reason: str, at: datetime
                   ) -> SignalAction:
    """A person judges the signal mistaken; nothing is flagged, the decision is audited."""
    if not reason.strip():
        raise InvalidInput("a reason is required", field="reason")
    action = _action(session, action_id)
    action.status, action.decided_by, action.decided_at, action.reason = (
        "dismissed", by, at, reason)
    append_audit(session, actor=by, action="conversation.signal_dismissed",
                 object_type="case", object_id=str(action.case_id),
                 detail={"action_id": action.action_id, "signal": action.signal}, at=at)
    return action


# ------------------------------------------------------------------------------- QA
@dataclass(frozen=True)
class QueueItem:
    transcript_id: int
    case_id: int
    started_at: datetime
    reason: str  # flagged | sampled
    categories: list[str]
    signals: list[str]
    line_count: int


def is_sampled(transcript_id: int, *, rate_percent: int) -> bool:
    """A stable pseudo-random sample (the same call is always in or out)."""
    digest = hashlib.sha256(f"qa-sample:{transcript_id}".encode()).digest()
    return digest[0] * 100 // 256 < rate_percent


def qa_queue(session: Session, *, sample_percent: int = 10, limit: int = 100
             ) -> list[QueueItem]:
    """Closed calls without a review: every flagged one, and a sample of the others."""
    reviewed = select(QaReview.transcript_id)
    rows = session.scalars(select(Transcript).where(
        Transcript.status == "closed", Transcript.transcript_id.not_in(reviewed))
        .order_by(Transcript.violation_count.desc(), Transcript.started_at.desc())
        .limit(limit * 20))
    out = []
    for tr in rows:
        if tr.violation_count:
            reason = "flagged"
        elif is_sampled(tr.transcript_id, rate_percent=sample_percent):
            reason = "sampled"
        else:
            continue
        out.append(QueueItem(tr.transcript_id, tr.case_id, tr.started_at, reason,
                             list(tr.categories), list(tr.signals), tr.line_count))
        if len(out) >= limit:
            break
    return out


def score_call(session: Session, *, transcript_id: int, reviewer: str,
               scores: dict[str, int], coaching: str, at: datetime) -> QaReview:
    """Score a call on the scorecard (each item 0, 1 or 2) with coaching comments."""
    tr = _transcript(session, transcript_id)
    for item in SCORECARD:
        value = scores.get(item)
        if value not in (0, 1, 2):
            raise InvalidInput(f"{item} must be 0, 1 or 2", field=item)
    if tr.violation_count and scores["no_violations"] > 0 and not coaching.strip():
        raise InvalidInput("the call has flagged violations: no_violations must be 0 unless "
                           "the coaching comment explains why the flags are wrong",
                           field="no_violations")
    if session.scalar(select(QaReview).where(QaReview.transcript_id == transcript_id)):
        raise Conflict(f"transcript {transcript_id} is already reviewed")
    total = round(sum(scores[i] for i in SCORECARD) * 100 / (2 * len(SCORECARD)))
    review = QaReview(transcript_id=transcript_id, reviewer=reviewer,
                      reason="flagged" if tr.violation_count else "sampled",
                      scores={i: scores[i] for i in SCORECARD}, total=total,
                      coaching=coaching.strip(), reviewed_at=at)
    session.add(review)
    append_audit(session, actor=reviewer, action="conversation.qa_scored",
                 object_type="transcript", object_id=str(transcript_id),
                 detail={"total": total}, at=at)
    return review


def review_of(session: Session, *, transcript_id: int) -> QaReview | None:
    return session.scalar(select(QaReview).where(QaReview.transcript_id == transcript_id))


# ---------------------------------------------------------------------- training library
_PHONE = re.compile(r"(?<!\d)(?:\+?\d{1,3}[ -]?)?1[3-9]\d{9}(?!\d)"
                    r"|(?<!\d)\d{3}[- ]\d{3,4}[- ]\d{4}(?!\d)")
_NATIONAL_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_CARD = re.compile(r"(?<!\d)\d{12,19}(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z0-9.]+")
_SURNAMES = ("赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏"
             "陶姜谢邹喻柏章苏潘葛范彭鲁韦马苗方俞任袁柳鲍史唐费薛雷贺倪汤"
             "殷罗毕郝安常乐于傅齐康伍余顾孟黄穆萧尹姚邵汪祁毛狄米贝明臧计"
             "伏成戴宋庞熊纪舒屈项祝董梁杜阮蓝闵季贾路江童颜郭梅盛林钟徐邱"
             "骆高夏蔡田樊胡凌霍虞万柯卢莫房解应宗丁宣邓单杭洪包左石崔龚程"
             "邢裴陆荣翁荀惠甄曲封储靳焦牧山谷车侯班仰秋仲伊宫宁仇栾暴甘厉"
             "戎祖武符刘景詹龙叶幸司黎溥印白怀蒲从鄂索赖卓蔺屠蒙池乔阳胥苍"
             "双闻党翟谭贡劳姬申扶冉宰雍桑寿通燕浦尚农温别庄晏柴瞿阎连习容"
             "向古易慎廖庾终居衡步都耿满弘国文寇广东欧沃利蔚越隆师巩聂晁勾"
             "敖融冷辛阚简饶曾沙养鞠丰关查游权益桓公")
# A name after "我是/找/客户" or before a title: 找张伟 -> 找张*, 王芳女士 -> 王*女士.
_ZH_NAME = re.compile(r"(?:(?<=我是)|(?<=我叫)|(?<=找)|(?<=找一下)|(?<=客户)|(?<=借款人)"
                      r"|(?<=联系人)|(?<=姓名))"
                      r"([" + _SURNAMES + r"])([\u4e00-\u9fff]{1,2}?)"
                      r"(?=先生|女士|小姐|本人|吗|在|，|,|。|\s|$)"
                      r"|([" + _SURNAMES + r"])([\u4e00-\u9fff]{1,2}?)(?=先生|女士|小姐)")
_EN_NAME = re.compile(r"\b(Mr|Mrs|Ms|Miss|Dr)\.? ([A-Z][a-z]+)(?: ([A-Z][a-z]+))?")


def mask_text(text: str, *, names: list[str] | None = None) -> str:
    """Mask phone numbers, ID and card numbers, e-mails and personal names in free text."""
    from arrears.domain.masking import mask_email, mask_name, mask_phone

    for name in names or []:
        if name:
            text = text.replace(name, mask_name(name) or "*")
    text = _NATIONAL_ID.sub(lambda m: m.group()[:4] + "*" * 10 + m.group()[-4:], text)
    text = _PHONE.sub(lambda m: mask_phone(m.group()) or "***", text)
    text = _CARD.sub(lambda m: "*" * (len(m.group()) - 4) + m.group()[-4:], text)
    text = _EMAIL.sub(lambda m: mask_email(m.group()) or "***", text)
    text = _ZH_NAME.sub(_mask_zh_name, text)
    return _EN_NAME.sub(lambda m: f"{m.group(1)} {m.group(2)[0]}.", text)


def _mask_zh_name(m: re.Match[str]) -> str:
    surname, given = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
    return surname + "*" * len(given)


def outcome_of(session: Session, *, transcript: Transcript) -> str | None:
    """``promise_kept`` or ``plan_agreed`` after the call, else None."""
    kept = session.scalar(select(func.count()).select_from(Promise).where(
        Promise.case_id == transcript.case_id, Promise.status == "kept",
        Promise.created_at >= transcript.started_at))
    if kept:
        return "promise_kept"
    from arrears.adapters.db.tables_strategy import RepaymentPlan

    plans = session.scalar(select(func.count()).select_from(RepaymentPlan).where(
        RepaymentPlan.case_id == transcript.case_id,
        RepaymentPlan.status.in_(("active", "completed")),
        RepaymentPlan.proposed_at >= transcript.started_at))
    return "plan_agreed" if plans else None


def publish_case(session: Session, *, transcript_id: int, situation: str, title: str,
                 by: str, at: datetime, customer_names: list[str] | None = None
                 ) -> TrainingCase:
    """Publish a well-handled call, masked, to the training library."""
    if situation not in SITUATIONS:
        raise InvalidInput(f"situation must be one of {', '.join(SITUATIONS)}",
                           field="situation")
    if not title.strip():
        raise InvalidInput("a title is required", field="title")
    tr = _transcript(session, transcript_id)
    review = review_of(session, transcript_id=transcript_id)
    if review is None or review.total < PUBLISH_MIN_QA or tr.violation_count:
        raise NotPublishable(f"only calls with a QA score of at least {PUBLISH_MIN_QA} and "
                             "no violations can be published", field="transcript_id")
    outcome = outcome_of(session, transcript=tr)
    if outcome is None:
        raise NotPublishable("the call has no good outcome yet (promise kept or plan agreed)",
                             field="transcript_id")
    lines = [{"speaker": v.speaker, "text": mask_text(v.text, names=customer_names),
              "signals": v.signals, "emotion": v.emotion}
             for v in transcript_lines(session, transcript_id=transcript_id)]
    entry = TrainingCase(transcript_id=transcript_id, situation=situation, title=title.strip(),
                         lines=lines, qa_total=review.total, outcome=outcome,
                         language=tr.language, published_by=by, published_at=at, active=True)
    session.add(entry)
    append_audit(session, actor=by, action="conversation.case_published",
                 object_type="transcript", object_id=str(transcript_id),
                 detail={"situation": situation}, at=at)
    session.flush()
    return entry


def library(session: Session, *, situation: str | None = None) -> list[TrainingCase]:
    """Published training cases, newest first, optionally for one situation."""
    q = select(TrainingCase).where(TrainingCase.active.is_(True))
    if situation:
        q = q.where(TrainingCase.situation == situation)
    return list(session.scalars(q.order_by(TrainingCase.published_at.desc())))


def suggested_situation(signals: list[str], categories: list[str]) -> str:
    """The library shelf a call most likely belongs on."""
    for signal in ("dispute", "hardship", "anger"):
        if signal in signals:
            return signal
    return "third_party" if "third_party_disclosure" in categories else "hardship"
