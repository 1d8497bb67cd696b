"""Recording a contact: the attempt, its result, the overdue reason, a promise to pay, a
callback and a note, saved together or not at all.

Before the attempt is stored the compliance engine decides it; a block is stored as
evidence (no attempt is written) and returned with its explanation in the caller's
language and the next allowed time. Only a compliance officer may override a block, with a
reason (audited by the compliance service); the attempt then carries the decision id.
Notes are checked for prohibited conduct first; saving a flagged note anyway needs a reason
and is audited.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from arrears.adapters.db.tables import ContactAttempt, ContactPoint, Note, Task
from arrears.adapters.db.tables_compliance import ComplianceDecision
from arrears.errors import Conflict, Forbidden, InvalidInput, NotFound
from arrears.services import compliance as compliance_svc
from arrears.services.audit import append_audit
from arrears.services.cases import PrincipalLike, load_case, release_lease, utc_aware

CHANNELS = ("call", "sms", "email", "letter", "visit")
PARTIES = ("self", "guarantor", "spouse", "parent", "child", "relative", "friend",
           "colleague", "employer", "emergency", "other")
RESULTS = ("right_party_contact", "third_party", "no_answer", "busy", "wrong_number",
           "voicemail")
OVERDUE_REASONS = ("job_loss", "income_reduced", "illness", "business_trouble", "forgot",
                   "family_emergency", "overindebted", "dispute", "fraud_claim", "unwilling",
                   "natural_disaster", "other")
OVERRIDE_ROLES = ("compliance_officer",)
MAX_NOTE = 4000
MIN_REASON = 4
#: How long a shown block may be overridden before the attempt must be decided again.
OVERRIDE_WINDOW = timedelta(minutes=15)


class NoteViolation(InvalidInput):
    """A note with prohibited conduct; it may only be saved with a reason."""

    code = "note_violation"


class OverrideRefused(Forbidden):
    code = "override_refused"


class StaleDecision(Conflict):
    """The block to override is not this attempt's, or too old: decide again."""

    code = "stale_decision"


@dataclass(frozen=True)
class ContactInput:
    channel: str
    party: str
    result: str
    contact_id: str | None = None
    overdue_reason: str | None = None
    promise_amount: Decimal | None = None
    promise_due: date | None = None
    callback_at: datetime | None = None
    note: str | None = None
    compliance_override_reason: str | None = None
    note_override_reason: str | None = None
    override_decision_id: int | None = None


@dataclass(frozen=True)
class Block:
    """A compliance block: why (in the caller's language), the borrower's local time and
    when the next attempt would be allowed (borrower local time; None while a hold lasts)."""

    decision_id: int
    rules: list[str]
    explanation: str
    local_time: datetime
    next_allowed_at: datetime | None
    zone: str = ""


@dataclass(frozen=True)
class Recorded:
    attempt_id: int | None
    promise_id: int | None = None
    task_id: int | None = None
    note_id: int | None = None
    decision_id: int | None = None
    blocked: Block | None = None
    note_flags: list[str] = field(default_factory=list)


def _check_choice(value: str | None, allowed: tuple[str, ...], name: str,
                  required: bool = True) -> None:
    if value is None or value == "":
        if required:
            raise InvalidInput(f"{name} is required", field=name)
        return
    if value not in allowed:
        raise InvalidInput(f"{name} must be one of {', '.join(allowed)}", field=name)


def validate_contact(data: ContactInput, *, at: datetime, as_of: date) -> None:
    """Field-by-field checks; the first problem is raised with its field name."""
    _check_choice(data.channel, CHANNELS, "channel")
    _check_choice(data.party, PARTIES, "party")
    _check_choice(data.result, RESULTS, "result")
    _check_choice(data.overdue_reason, OVERDUE_REASONS, "overdue_reason", required=False)
    reached_borrower = data.party in ("self", "guarantor")
    if data.result == "right_party_contact" and not reached_borrower:
        raise InvalidInput("a right-party contact is with the borrower or a guarantor",
                           field="result")
    if data.result == "third_party" and reached_borrower:
        raise InvalidInput("a third-party result needs a party other than the borrower",
                           field="party")
    has_promise = data.promise_amount is not None or data.promise_due is not None
    if has_promise and data.result != "right_party_contact":
        raise InvalidInput("a promise to pay needs a right-party contact", field="promise_amount")
    if has_promise and (data.promise_amount is None or data.promise_due is None):
        missing = "promise_due" if data.promise_due is None else "promise_amount"
        raise InvalidInput("a promise needs both an amount and a date", field=missing)
    if data.callback_at is not None:
        cb = utc_aware(data.callback_at)
        if cb <= utc_aware(at) or cb > utc_aware(at) + timedelta(days=60):
            raise InvalidInput("the callback must be in the next 60 days", field="callback_at")
    if data.note is not None and len(data.note) > MAX_NOTE:
        raise InvalidInput(f"the note is longer than {MAX_NOTE} characters", field="note")


def _optional(module: str, name: str) -> Any:
    """A function of another part of the product, or None while it is not installed."""
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def check_note(text: str | None, *, override_reason: str | None) -> list[dict[str, Any]]:
    """Violations found in a note; raises unless a reason to save it anyway is given."""
    analyze_one = _optional("arrears.conversation", "analyze_one")
    if not text or not text.strip() or analyze_one is None:
        return []
    result = analyze_one(text, speaker="collector")
    found = [{"category": v["category"], "evidence": v["evidence"], "start": v["start"],
              "end": v["end"]} for v in result.violations]
    if found and not (override_reason and len(override_reason.strip()) >= MIN_REASON):
        cats = sorted({f["category"] for f in found})
        raise NoteViolation("the note contains prohibited conduct: " + ", ".join(cats),
                            field="note", categories=cats,
                            evidence=[f["evidence"] for f in found])
    return found


def _block(decision: compliance_svc.ContactDecision, locale: str | None) -> Block:
    return Block(decision.decision_id, list(decision.rules), decision.explanation_in(locale),
                 decision.local_time, decision.next_allowed_at, decision.zone)


def _named_decision(session: Session, *, case: Any, data: ContactInput,
                    at: datetime) -> ComplianceDecision:
    """The block named by ``override_decision_id``: this attempt's (same case, channel,
    party and contact), blocked, recent (shown, or overridden, in the last minutes) and not
    used by an attempt yet; otherwise StaleDecision."""
    row = session.get(ComplianceDecision, data.override_decision_id)
    same = row is not None and (row.case_id, row.channel, row.party, row.contact_id) == (
        case.case_id, data.channel, data.party, data.contact_id)
    if not same or row is None:
        raise StaleDecision("the block to override is not this contact's; save it again to "
                            "have it decided", field="override_decision_id")
    used = session.scalar(select(ContactAttempt.attempt_id).where(
        ContactAttempt.decision_id == row.decision_id).limit(1))
    if row.allowed or used is not None:
        raise StaleDecision(f"decision {row.decision_id} is not an open block",
                            field="override_decision_id")
    since = row.override_at if row.overridden and row.override_at else row.at
    if utc_aware(at) - utc_aware(since) > OVERRIDE_WINDOW:
        raise StaleDecision("the block is too old to override; save the contact again to "
                            "have it decided now", field="override_decision_id")
    return row


def decide(session: Session, *, app: Any, principal: PrincipalLike, case: Any,
           data: ContactInput, at: datetime) -> tuple[int, Block | None, bool]:
    """Ask the compliance engine; returns (decision_id, block or None, overridden).

    ``override_decision_id`` names a block shown before: a compliance officer overrides it
    here with a reason, or anyone in the case's scope records the attempt under it once an
    officer has overridden it (on the decision page). Without it the attempt is decided now
    (and a compliance officer's reason overrides a block at once). A reason from anyone but
    a compliance officer is refused with 403 before anything is decided or stored.
    """
    reason = (data.compliance_override_reason or "").strip()
    officer = principal.role in OVERRIDE_ROLES
    if reason and not officer:
        raise OverrideRefused("only a compliance officer may override a compliance block",
                              field="compliance_override_reason")
    if reason and len(reason) < MIN_REASON:
        raise InvalidInput(f"give a reason of at least {MIN_REASON} characters",
                           field="compliance_override_reason")
    if data.override_decision_id is not None:
        row = _named_decision(session, case=case, data=data, at=at)
        if row.overridden:
            return row.decision_id, None, True
        if not officer:
            raise OverrideRefused(f"decision {row.decision_id} has not been overridden by a "
                                  "compliance officer", field="override_decision_id")
        if not reason:
            raise InvalidInput("an override needs a reason", field="compliance_override_reason")
        compliance_svc.override_decision(session, decision_id=row.decision_id,
                                         officer=principal, reason=reason, at=at)
        return row.decision_id, None, True
    decision = compliance_svc.decide_contact(
        session, app=app, customer_id=case.customer_id, case_id=case.case_id,
        channel=data.channel, party=data.party, contact_id=data.contact_id, at=at,
        actor_user_id=principal.user_id, agency_id=getattr(principal, "agency_id", None),
        mentions_debt=data.party in ("self", "guarantor"), initiated_by="collector")
    if decision.allowed:
        return decision.decision_id, None, False
    if not reason:
        return decision.decision_id, _block(decision, getattr(principal, "locale", None)), False
    compliance_svc.override_decision(session, decision_id=decision.decision_id,
                                     officer=principal, reason=reason, at=at)
    return decision.decision_id, None, True


def _contact_point(session: Session, *, customer_id: str,
                   contact_id: str | None) -> ContactPoint | None:
    if not contact_id:
        return None
    point = session.get(ContactPoint, contact_id)
    if point is None or point.customer_id != customer_id:
        raise NotFound("no such contact for this customer", field="contact_id")
    return point


def record_contact(session: Session, *, app: Any, principal: PrincipalLike, case_id: int,
                   data: ContactInput, at: datetime, as_of: date,
                   source: str = "desk") -> Recorded:
    """Record one contact attempt with everything learnt in it, in the caller's transaction.

    Returns ``Recorded.blocked`` (and stores only the compliance decision) when the engine
    blocks the attempt.
    """
    at = utc_aware(at)  # the store keeps UTC; SQLite would drop any other offset
    validate_contact(data, at=at, as_of=as_of)
    case = load_case(session, principal=principal, case_id=case_id)
    if case.status != "open":
        raise InvalidInput(f"case {case_id} is {case.status}", field="case_id")
    _contact_point(session, customer_id=case.customer_id, contact_id=data.contact_id)
    flags = check_note(data.note, override_reason=data.note_override_reason)
    decision_id, block, overridden = decide(session, app=app, principal=principal, case=case,
                                            data=data, at=at)
    if block is not None:
        return Recorded(None, decision_id=decision_id, blocked=block)
    attempt = ContactAttempt(
        case_id=case_id, customer_id=case.customer_id, contact_id=data.contact_id,
        user_id=principal.user_id, agency_id=getattr(principal, "agency_id", None), at=at,
        channel=data.channel, party=data.party, result=data.result, initiated_by="collector",
        overdue_reason=data.overdue_reason or None, decision_id=decision_id, source=source)
    session.add(attempt)
    session.flush()
    out = _follow_ups(session, app=app, principal=principal, case=case, data=data,
                      attempt_id=attempt.attempt_id, flags=flags, at=at, as_of=as_of)
    release_lease(session, principal=principal, case_id=case_id)
    append_audit(session, actor=principal.username, action="contact.record",
                 object_type="contact_attempt", object_id=attempt.attempt_id,
                 detail={"case_id": case_id, "channel": data.channel, "party": data.party,
                         "result": data.result, "decision_id": decision_id,
                         "overridden": overridden,
                         "promise_id": out["promise_id"], "task_id": out["task_id"],
                         "note_id": out["note_id"]}, at=at)
    return Recorded(attempt.attempt_id, out["promise_id"], out["task_id"], out["note_id"],
                    decision_id, None, sorted({f["category"] for f in flags}))


def _follow_ups(session: Session, *, app: Any, principal: PrincipalLike, case: Any,
                data: ContactInput, attempt_id: int, flags: list[dict[str, Any]],
                at: datetime, as_of: date) -> dict[str, int | None]:
    from arrears.services.promises import make_promise

    out: dict[str, int | None] = {"promise_id": None, "task_id": None, "note_id": None}
    if data.promise_amount is not None and data.promise_due is not None:
        promise = make_promise(session, app=app, case_id=case.case_id,
                               amount=data.promise_amount, due_on=data.promise_due,
                               user_id=principal.user_id, actor=principal.username, at=at,
                               as_of=as_of, attempt_id=attempt_id)
        out["promise_id"] = promise.promise_id
    if data.callback_at is not None:
        due = utc_aware(data.callback_at)
        task = Task(case_id=case.case_id, kind="callback", due_on=due.date(), due_at=due,
                    assigned_to=principal.user_id if principal.role == "collector"
                    else case.assigned_to, status="open",
                    detail={"attempt_id": attempt_id, "by": principal.username},
                    source_key=f"callback:{attempt_id}")
        session.add(task)
        session.flush()
        out["task_id"] = task.task_id
    if data.note and data.note.strip():
        note = _add_note(session, principal=principal, case_id=case.case_id,
                         attempt_id=attempt_id, text=data.note.strip(), flags=flags,
                         override_reason=data.note_override_reason, at=at)
        out["note_id"] = note.note_id
    return out


_PHONE_OR_ID = re.compile(r"(?<![\dA-Za-z])(?:\+?\d[\d -]{9,18}\d[\dXx]?)(?![\dA-Za-z])")


def redact_numbers(text: str) -> str:
    """Phone and ID numbers typed into free text are masked before they are stored."""
    from arrears.domain.masking import mask_national_id, mask_phone

    def _mask(match: re.Match[str]) -> str:
        raw = match.group(0)
        digits = re.sub(r"[ -]", "", raw)
        if len(digits) in (15, 18) and not digits.startswith("+"):
            return mask_national_id(digits) or "***"
        return mask_phone(digits) or "***"

    return _PHONE_OR_ID.sub(_mask, text)


def _add_note(session: Session, *, principal: PrincipalLike, case_id: int,
              attempt_id: int | None, text: str, flags: list[dict[str, Any]],
              override_reason: str | None, at: datetime) -> Note:
    text = redact_numbers(text)
    note = Note(case_id=case_id, attempt_id=attempt_id, user_id=principal.user_id, at=at,
                kind="note", text=text, flagged={"violations": flags} if flags else None,
                override_reason=override_reason.strip() if flags and override_reason else None)
    session.add(note)
    session.flush()
    if flags:
        append_audit(session, actor=principal.username, action="note.saved_despite_violation",
                     object_type="note", object_id=note.note_id,
                     detail={"case_id": case_id,
                             "categories": sorted({f["category"] for f in flags}),
                             "reason": note.override_reason}, at=at)
    return note


def add_note(session: Session, *, principal: PrincipalLike, case_id: int, text: str,
             override_reason: str | None, at: datetime) -> Note:
    """A note on a case outside a contact (checked for prohibited conduct the same way)."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput("the note is empty", field="text")
    if len(text) > MAX_NOTE:
        raise InvalidInput(f"the note is longer than {MAX_NOTE} characters", field="text")
    load_case(session, principal=principal, case_id=case_id)
    flags = check_note(text, override_reason=override_reason)
    note = _add_note(session, principal=principal, case_id=case_id, attempt_id=None,
                     text=text, flags=flags, override_reason=override_reason, at=at)
    append_audit(session, actor=principal.username, action="note.add", object_type="note",
                 object_id=note.note_id, detail={"case_id": case_id}, at=at)
    return note


