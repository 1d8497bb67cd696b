"""Outbound messages: templates per step and language, the outbox, and dispatch.

The strategy run queues a message when a case reaches a step that sends one (once per
case, path entry and step: ``source_key``). ``send_due`` dispatches what is due: every
message first passes the compliance engine (``decide_contact``); a block with a next
allowed time defers it, a block without one stops it. Sent content is kept encrypted.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

import yaml
from jinja2 import StrictUndefined
from jinja2.exceptions import TemplateError
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel, Field
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from arrears.adapters.channels.sms import SmsGateway, make_sms_gateway
from arrears.adapters.channels.smtp import SmtpSender
from arrears.adapters.db.base import unit_of_work
from arrears.adapters.db.tables import (
    CollectionCase,
    ContactAttempt,
    ContactPoint,
    Customer,
    LoanPosition,
)
from arrears.adapters.db.tables_strategy import OutboxMessage
from arrears.domain.money import format_money
from arrears.domain.strategy import Treatment
from arrears.errors import ArrearsError, ConfigError, InvalidInput

CONTACT_CHANNELS = {"sms": ("sms", "phone"), "email": ("email",), "letter": ("mail",)}
LANGUAGES = ("zh-CN", "en")


class OutboxSettings(BaseModel):
    """``[outbox]``: who the lender is in messages, when step messages go, the channels."""

    lender_names: dict[str, str] = Field(default_factory=lambda: {
        "zh-CN": "示例消费金融", "en": "Example Consumer Finance"})
    hotline: str = "400-000-0000"
    opt_out: dict[str, str] = Field(default_factory=lambda: {
        "zh-CN": "回复TD退订", "en": "Reply STOP to opt out."})
    send_time: time = time(10, 0)
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_from: str = "collections@example.com"
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password_env: str = "ARREARS_SMTP_PASSWORD"
    smtp_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    sms_gateway: Literal["file", "loopback"] = "file"
    sms_folder: Path | None = None
    letters_folder: Path | None = None
    max_attempts: int = Field(default=5, ge=1, le=50)
    retry_minutes: int = Field(default=30, ge=1, le=1440)


class TemplateMissing(InvalidInput):
    code = "template_missing"


class ComplianceUnavailable(ConfigError):
    code = "compliance_unavailable"


def outbox_settings(app: Any) -> OutboxSettings:
    return app.business.section("outbox", OutboxSettings)  # type: ignore[no-any-return]


@lru_cache(maxsize=1)
def load_templates() -> dict[str, dict[str, Any]]:
    """Message templates: ``{script: {"properties": {...}, channel: {lang: {...}}}}``."""
    text = (files("arrears.strategies") / "messages.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    return {k: v for k, v in data.items() if isinstance(v, dict)}


def language_for(preferred: str | None) -> str:
    """zh-CN for any Chinese preference, English otherwise."""
    return "zh-CN" if (preferred or "").lower().startswith("zh") else "en"


_ENV = SandboxedEnvironment(autoescape=False, undefined=StrictUndefined)


def render_template(script: str, *, channel: str, language: str,
                    context: dict[str, Any]) -> tuple[str | None, str]:
    """(subject, body) of a template filled from ``context`` in the sandbox."""
    entry = load_templates().get(script, {}).get(channel, {})
    chosen = entry.get(language) or entry.get("en")
    if not chosen:
        raise TemplateMissing(f"no {channel} template {script!r} in {language}", field="script")
    try:
        subject = _ENV.from_string(chosen["subject"]).render(context) \
            if chosen.get("subject") else None
        body = _ENV.from_string(chosen["body"]).render(context).strip()
    except TemplateError as exc:
        raise TemplateMissing(f"template {script!r} ({channel}, {language}): {exc}",
                              field="script") from exc
    return subject, body


def template_properties(script: str) -> dict[str, Any]:
    """What compliance checks about a template (opt-out line, legal threats, ...)."""
    props = dict(load_templates().get(script, {}).get("properties", {}))
    return {"id": script, "has_opt_out": bool(props.get("has_opt_out", False)),
            "mentions_legal_action": bool(props.get("mentions_legal_action", False)),
            "asks_to_borrow": bool(props.get("asks_to_borrow", False)),
            "permitted_notice": props.get("permitted_notice")}


def _zone(app: Any) -> Any:
    from arrears.services.promises import reporting_zone

    return reporting_zone(app)


def _self_contacts(session: Session, customer_ids: list[str]) -> dict[tuple[str, str], str]:
    """(customer, message channel) -> the borrower's own contact, primary first."""
    out: dict[tuple[str, str], tuple[bool, str]] = {}
    for i in range(0, len(customer_ids), 900):
        rows = session.execute(select(ContactPoint.customer_id, ContactPoint.channel,
                                      ContactPoint.contact_id, ContactPoint.is_primary)
                               .where(ContactPoint.customer_id.in_(customer_ids[i:i + 900]),
                                      ContactPoint.relation == "self"))
        for cust, channel, cid, primary in rows:
            for msg_channel, kinds in CONTACT_CHANNELS.items():
                if channel in kinds:
                    key = (cust, msg_channel)
                    best = out.get(key)
                    rank = (bool(primary) and channel == kinds[0], cid)
                    if best is None or (rank[0] and not best[0]):
                        out[key] = rank
    return {k: v[1] for k, v in out.items()}


def enqueue_step_messages(session: Session, *, app: Any, as_of: date,
                          items: list[tuple[int, str, str | None, Treatment]]) -> int:
    """Queue the message of each case's message step (once per case, path entry and step)."""
    if not items:
        return 0
    cfg = outbox_settings(app)
    contacts = _self_contacts(session, sorted({cust for _c, cust, _l, _t in items}))
    due = datetime.combine(as_of, cfg.send_time, _zone(app)).astimezone(UTC)
    now = app.clock()
    wanted: dict[str, dict[str, Any]] = {}
    for case_id, cust, lang, t in items:
        contact = contacts.get((cust, t.step.channel))
        if contact is None or not t.step.script:
            continue
        key = f"step:{case_id}:{t.path}:{t.step.id}:{t.entered_on.isoformat()}"
        wanted[key] = dict(
            case_id=case_id, customer_id=cust, contact_id=contact, channel=t.step.channel,
            template_id=t.step.script, language=language_for(lang), step_id=t.step.id,
            source_key=key, status="queued", created_at=now, due_at=due, attempts=0)
    existing = set()
    keys = list(wanted)
    for i in range(0, len(keys), 900):
        existing |= set(session.scalars(select(OutboxMessage.source_key)
                                        .where(OutboxMessage.source_key.in_(keys[i:i + 900]))))
    fresh = [m for k, m in wanted.items() if k not in existing]
    if fresh:
        session.execute(insert(OutboxMessage.__table__), fresh)
    return len(fresh)


def message_context(session: Session, *, app: Any, case: CollectionCase, customer: Customer,
                    language: str, at: datetime) -> dict[str, Any]:
    """The variables a template may use, read from the account (name decrypted here only)."""
    cfg = outbox_settings(app)
    oldest = session.scalar(select(func.min(LoanPosition.oldest_unpaid_due_date))
                            .where(LoanPosition.case_id == case.case_id))
    name = app.keyring.decrypt(customer.full_name_enc) or customer.full_name_masked
    return {"customer_name": name, "overdue_amount": format_money(case.overdue_amount or
                                                                  Decimal("0")),
            "currency": case.currency, "dpd": case.dpd, "case_ref": f"C{case.case_id:08d}",
            "oldest_due_date": oldest.isoformat() if oldest else "-",
            "lender_name": cfg.lender_names.get(language, next(iter(cfg.lender_names.values()))),
            "hotline": cfg.hotline, "opt_out": cfg.opt_out.get(language, ""),
            "as_of": at.astimezone(_zone(app)).date().isoformat()}


@dataclass
class Channels:
    """The delivery adapters, built from the settings (tests may pass their own)."""

    sms: SmsGateway
    smtp: SmtpSender
    letters_folder: Path


def build_channels(app: Any) -> Channels:
    cfg = outbox_settings(app)
    home = app.settings.resolved_home()
    return Channels(
        sms=make_sms_gateway(cfg.sms_gateway, folder=cfg.sms_folder or home / "sms"),
        smtp=SmtpSender(cfg.smtp_host, cfg.smtp_port, cfg.smtp_from,
                        timeout=cfg.smtp_timeout_seconds, starttls=cfg.smtp_starttls,
                        username=cfg.smtp_username,
                        password=os.environ.get(cfg.smtp_password_env)),
        letters_folder=cfg.letters_folder or home / "letters")


@dataclass(frozen=True)
class SendReport:
    due: int
    sent: int
    deferred: int
    blocked: int
    failed: int


def send_due(*, app: Any, at: datetime, limit: int = 1000,
             channels: Channels | None = None, progress: Any = None) -> SendReport:
    """Dispatch the messages due at ``at``, each in its own transaction."""
    channels = channels or build_channels(app)
    with unit_of_work(app.session_factory) as session:
        ids = list(session.scalars(select(OutboxMessage.message_id)
                                   .where(OutboxMessage.status.in_(("queued", "deferred")),
                                          OutboxMessage.due_at <= at)
                                   .order_by(OutboxMessage.due_at, OutboxMessage.message_id)
                                   .limit(limit)))
    counts = {"sent": 0, "deferred": 0, "blocked": 0, "failed": 0, "queued": 0}
    for message_id in ids:
        with unit_of_work(app.session_factory) as session:
            status = _send_one(session, app=app, message_id=message_id, at=at,
                               channels=channels)
        counts[status] = counts.get(status, 0) + 1
        if progress is not None:
            progress()
    return SendReport(len(ids), counts["sent"], counts["deferred"], counts["blocked"],
                      counts["failed"])


def _decide(session: Session, *, app: Any, msg: OutboxMessage, contact: ContactPoint | None,
            at: datetime) -> Any:
    try:
        from arrears.services.compliance import decide_contact
    except ImportError as exc:
        raise ComplianceUnavailable("the compliance engine is not installed: messages are "
                                    "never sent unchecked") from exc
    return decide_contact(session, app=app, customer_id=msg.customer_id, case_id=msg.case_id,
                          channel=msg.channel,
                          party=contact.relation if contact else "self",
                          contact_id=msg.contact_id, at=at, actor_user_id=None, agency_id=None,
                          template=template_properties(msg.template_id), mentions_debt=True,
                          collectors=1, initiated_by="collector")


def _send_one(session: Session, *, app: Any, message_id: int, at: datetime,
              channels: Channels) -> str:
    msg = session.get(OutboxMessage, message_id, with_for_update=True)
    if msg is None or msg.status not in ("queued", "deferred"):
        return "queued"
    contact = session.get(ContactPoint, msg.contact_id) if msg.contact_id else None
    decision = _decide(session, app=app, msg=msg, contact=contact, at=at)
    msg.decision_id = getattr(decision, "decision_id", None)
    if not decision.allowed:
        msg.last_error = decision.explanation
        nxt = getattr(decision, "next_allowed_at", None)
        msg.status, msg.due_at = ("deferred", nxt) if nxt else ("blocked", msg.due_at)
        return msg.status
    try:
        ref, content = _deliver(session, app=app, msg=msg, contact=contact, at=at,
                                channels=channels)
    except ArrearsError as exc:
        msg.attempts += 1
        msg.last_error = exc.message[:500]
        if msg.attempts >= outbox_settings(app).max_attempts:
            msg.status = "failed"
        else:
            msg.status = "deferred"
            msg.due_at = at + timedelta(minutes=outbox_settings(app).retry_minutes)
        return msg.status
    msg.attempts += 1
    msg.status, msg.sent_at, msg.provider_ref = "sent", at, ref
    msg.content_enc = app.keyring.encrypt(json.dumps(content, ensure_ascii=False))
    session.add(ContactAttempt(case_id=msg.case_id, customer_id=msg.customer_id,
                               contact_id=msg.contact_id, at=at, channel=msg.channel,
                               party=contact.relation if contact else "self", result="sent",
                               initiated_by="collector", decision_id=msg.decision_id,
                               source="outbox"))
    return "sent"


def _deliver(session: Session, *, app: Any, msg: OutboxMessage, contact: ContactPoint | None,
             at: datetime, channels: Channels) -> tuple[str, dict[str, Any]]:
    case = session.get(CollectionCase, msg.case_id)
    customer = session.get(Customer, msg.customer_id)
    if case is None or customer is None or contact is None:
        raise TemplateMissing(f"message {msg.message_id}: case, customer or contact is gone")
    ctx = message_context(session, app=app, case=case, customer=customer,
                          language=msg.language, at=at)
    subject, body = render_template(msg.template_id, channel=msg.channel,
                                    language=msg.language, context=ctx)
    to = app.keyring.decrypt(contact.value_enc) or ""
    if msg.channel == "sms":
        ref = channels.sms.send(to=to, text=body, at=at)
    elif msg.channel == "email":
        ref = channels.smtp.send(to=to, subject=subject or "", body=body)
    else:
        from arrears.adapters.channels.letters import Letter, render_letter

        day = at.astimezone(_zone(app)).date()
        path = channels.letters_folder / day.isoformat() / f"letter-{msg.message_id}.pdf"
        lines = (ctx["customer_name"], *[x for x in to.split("\n") if x.strip()])
        ref = str(render_letter(Letter(subject or "", body, lines, ctx["lender_name"], day,
                                       ctx["case_ref"]), path))
    return ref, {"subject": subject, "body": body}


def outbox_counts(session: Session) -> dict[str, int]:
    """Messages per delivery state."""
    return dict(session.execute(select(OutboxMessage.status, func.count())
                                .group_by(OutboxMessage.status)).all())


def sent_content(app: Any, msg: OutboxMessage) -> dict[str, Any] | None:
    """What was sent (decrypted), for an authorised reader."""
    raw = app.keyring.decrypt(msg.content_enc) if msg.content_enc else None
    return json.loads(raw) if raw else None


def queue_message(session: Session, *, app: Any, case_id: int, channel: str, script: str,
                  due_at: datetime, actor: str, contact_id: str | None = None,
                  language: str | None = None) -> OutboxMessage:
    """Queue one message by hand (desk or CLI); it is checked by compliance when sent."""
    if channel not in CONTACT_CHANNELS:
        raise InvalidInput(f"channel must be one of {', '.join(CONTACT_CHANNELS)}",
                           field="channel")
    if channel not in load_templates().get(script, {}):
        raise TemplateMissing(f"no {channel} template {script!r}", field="script")
    case = session.get(CollectionCase, case_id)
    if case is None:
        raise InvalidInput(f"no case {case_id}", field="case_id")
    customer = session.get(Customer, case.customer_id)
    contact = contact_id or _self_contacts(session, [case.customer_id]).get(
        (case.customer_id, channel))
    if contact is None:
        raise InvalidInput(f"the customer has no own {channel} contact", field="contact_id")
    now = app.clock()
    msg = OutboxMessage(
        case_id=case_id, customer_id=case.customer_id, contact_id=contact, channel=channel,
        template_id=script, language=language or language_for(
            customer.preferred_language if customer else None),
        step_id=None, source_key=f"manual:{case_id}:{script}:{channel}:{now.isoformat()}",
        status="queued", created_at=now, due_at=due_at, attempts=0)
    session.add(msg)
    session.flush()
    from arrears.services.audit import append_audit

    append_audit(session, actor=actor, action="outbox.queued", object_type="message",
                 object_id=msg.message_id, detail={"case_id": case_id, "channel": channel,
                                                   "script": script}, at=now)
    return msg
