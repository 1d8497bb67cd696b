"""Compliance in the product: every contact is decided, stored as evidence, and only a
compliance officer may override a block (with a reason, audited). Holds and flags are set
and lifted with who and why; consents and preferences are recorded the same way.

The decision itself is the pure engine of ``arrears.domain.compliance``; this module loads
its inputs from the operations store (flags, consents, the contact history of the lender
and all its agencies) and the lender policy from the ``[compliance]`` configuration.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    DateTime,
    Index,
    MetaData,
    String,
    Table,
    Text,
    and_,
    func,
    insert,
    null,
    select,
    union,
    update,
)
from sqlalchemy.orm import Session

from arrears.adapters.db.tables import (
    Agency,
    ContactAttempt,
    ContactPoint,
    Customer,
    CustomerFlag,
    LoanPosition,
    User,
)
from arrears.adapters.db.tables_compliance import ComplianceConsent, ComplianceDecision
from arrears.domain.compliance import Attempt, Consent, Decision, Template, decide, explain
from arrears.domain.compliance import Customer as EngineCustomer
from arrears.domain.compliance.model import CHANNELS, FLAGS, MESSAGE
from arrears.domain.compliance.packs import PackRules, parse_hhmm
from arrears.domain.compliance.policy import LenderPolicy, PolicyError, build_policy
from arrears.domain.compliance.texts import render
from arrears.domain.compliance.zones import candidate_zones
from arrears.errors import ConfigError, Conflict, Forbidden, InvalidInput, NotFound
from arrears.services.audit import append_audit

#: Flags the desk can set: the engine's flags plus refused contacts (per contact).
SETTABLE_FLAGS = tuple(sorted(FLAGS | {"refused_contact"}))
CONSENT_KINDS = ("call_time", "contact_time", "preferred_time", "preferred_channel", "call")
OVERRIDE_ROLE = "compliance_officer"
MIN_REASON = 4
HISTORY_DAYS = 9
#: Results of calls and visits (desk, API, diallers) -> the engine's results: a person was
#: reached (``conversation``), the phone rang unanswered (``no_answer``, ``voicemail``), or
#: the call never connected to the dialled number (``busy``, ``not_connected``).
CALL_RESULTS = {
    "right_party_contact": "conversation", "third_party": "conversation",
    "conversation": "conversation",
    "no_answer": "no_answer", "voicemail": "voicemail",
    "busy": "busy", "wrong_number": "not_connected", "not_connected": "not_connected",
    "failed": "not_connected",
}
#: Channels whose attempts are messages (sent, delivered or failed): outside every call cap.
MESSAGE_CHANNELS = frozenset({"sms", "email", "letter"})


class OverrideNotAllowed(Forbidden):
    code = "override_not_allowed"


class AlreadyOverridden(Conflict):
    code = "already_overridden"


class ReasonRequired(InvalidInput):
    code = "reason_required"


class PolicyVersionModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: str | None = None
    effective_from: date
    options: dict[str, Any] = Field(default_factory=dict)


class ComplianceSettings(BaseModel):
    """``[compliance]``: the pack, its tightening options, versions and product settings."""

    model_config = ConfigDict(extra="forbid")
    pack: Literal["cn", "us", "gb"] = "cn"
    options: dict[str, Any] = Field(default_factory=dict)
    versions: list[PolicyVersionModel] = Field(default_factory=list)
    products: dict[str, dict[str, Any]] = Field(default_factory=dict)


@dataclass(frozen=True)
class ContactDecision:
    """What the engine said about one contact, as stored."""

    decision_id: int
    allowed: bool
    rules: list[str]
    explanation: str
    local_time: datetime
    next_allowed_at: datetime | None
    zone: str = ""
    pack: str = ""
    version: str = ""
    explanation_zh: str = ""
    overridden: bool = False
    hits: list[dict[str, Any]] = field(default_factory=list)

    def explanation_in(self, locale: str | None) -> str:
        return self.explanation_zh if (locale or "").startswith("zh") else self.explanation


def lender_policy(app: Any) -> LenderPolicy:
    """The lender policy of the configuration; ConfigError names what is looser or wrong."""
    cache = app.__dict__.setdefault("_compliance_policy", {})
    if "policy" not in cache:
        settings = app.business.section("compliance", ComplianceSettings)
        try:
            cache["policy"] = build_policy(
                pack=settings.pack, options=settings.options,
                versions=[v.model_dump() for v in settings.versions],
                products=settings.products)
        except PolicyError as exc:
            raise ConfigError(f"[compliance] {exc.where}: {exc.reason}",
                              field=f"compliance.{exc.where}") from None
    return cache["policy"]  # type: ignore[no-any-return]


def _utc(value: datetime) -> datetime:
    """An aware UTC datetime (stores keep UTC; SQLite keeps no offset)."""
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _rules(session: Session, *, app: Any, day: date, product: str | None,
           agency_id: str | None) -> PackRules:
    rules = lender_policy(app).rules_for(on=day, product=product)
    if agency_id and rules.name == "cn" and rules.agencies is None:
        listed = session.execute(select(Agency.agency_id, Agency.last_evaluated_on)
                                 .where(Agency.whitelisted.is_(True))).all()
        rules = replace(rules, agencies=tuple((a, d) for a, d in listed))
    return rules


def active_flags(session: Session, *, customer_id: str, at: datetime) -> list[CustomerFlag]:
    """Flags not lifted and not past their end date."""
    rows = session.scalars(select(CustomerFlag).where(
        CustomerFlag.customer_id == customer_id, CustomerFlag.lifted_at.is_(None))
        .order_by(CustomerFlag.flag_id)).all()
    today = _utc(at).date()
    return [f for f in rows if f.until is None or f.until >= today
            or f.flag == "breathing_space"]


def _engine_customer(session: Session, *, customer: Customer, contact_id: str | None,
                     at: datetime) -> EngineCustomer:
    flags: set[str] = set()
    refused: set[str] = set()
    breathing: date | None = None
    for f in active_flags(session, customer_id=customer.customer_id, at=at):
        if f.flag == "refused_contact":
            if f.contact_id:
                refused.add(f.contact_id)
        elif f.flag == "breathing_space" and f.until is not None:
            breathing = max(breathing or f.until, f.until)
        elif f.contact_id and f.contact_id != contact_id:
            continue  # a flag on another contact point (an opt-out of that number)
        elif f.flag in FLAGS:
            flags.add(f.flag)
    consents = tuple(
        Consent(kind=c.kind,
                start=parse_hhmm(c.window_from, "from") if c.window_from else None,
                end=parse_hhmm(c.window_until, "until") if c.window_until else None,
                given_at=_utc(c.given_at), channel=c.channel)
        for c in session.scalars(select(ComplianceConsent).where(
            ComplianceConsent.customer_id == customer.customer_id,
            ComplianceConsent.revoked_at.is_(None))).all())
    return EngineCustomer(country=customer.country, timezone=customer.timezone,
                          address_timezone=customer.address_timezone,
                          flags=frozenset(flags), refused_contacts=frozenset(refused),
                          consents=consents, breathing_space_until=breathing)


def contact_history(session: Session, *, customer_id: str, at: datetime,
                    days: int = HISTORY_DAYS) -> list[tuple[Any, ...]]:
    """The customer's recent contact attempts (lender and agencies) as engine events."""
    at = _utc(at)
    rows = session.execute(select(
        ContactAttempt.at, ContactAttempt.channel, ContactAttempt.party,
        ContactAttempt.contact_id, ContactAttempt.result, ContactAttempt.initiated_by)
        .where(ContactAttempt.customer_id == customer_id,
               ContactAttempt.at >= at - timedelta(days=days),
               ContactAttempt.at < at + timedelta(days=1))).all()
    return [history_event(at=r.at, channel=r.channel, party=r.party, contact_id=r.contact_id,
                          result=r.result, initiated_by=r.initiated_by) for r in rows]


def engine_result(channel: str, result: str | None) -> str:
    """The engine's result for a stored attempt's channel and result.

    Messages are ``message`` whatever their delivery state. A call or visit result no map
    knows counts as a conversation: the strictest reading, so that nothing new can let
    more calls through.
    """
    if channel in MESSAGE_CHANNELS:
        return MESSAGE
    return CALL_RESULTS.get(result or "", "conversation")


def history_event(*, at: datetime, channel: str, party: str, contact_id: str | None,
                  result: str, initiated_by: str | None) -> tuple[Any, ...]:
    """One stored attempt as the engine's event tuple (see ``model.EV_*``)."""
    inbound = (initiated_by or "collector") in ("customer", "consumer", "borrower", "inbound")
    return (_utc(at).replace(tzinfo=None), channel, party or "self", contact_id, None, None,
            engine_result(channel, result), inbound, False)


def _contact_value(app: Any, point: ContactPoint | None) -> str | None:
    if point is None or point.channel not in ("phone", "mobile", "call", "sms", "tel"):
        return None
    try:
        return app.keyring.decrypt(point.value_enc)  # type: ignore[no-any-return]
    except Exception:  # noqa: BLE001 - an unreadable value leaves the zone to the address
        return None


def _product(session: Session, case_id: int | None) -> str | None:
    if case_id is None:
        return None
    return session.scalar(select(LoanPosition.product).where(LoanPosition.case_id == case_id)
                          .order_by(LoanPosition.loan_id).limit(1))


def _template(template: Any, channel: str | None = None) -> Template | None:
    """The template as the engine sees it: its declared properties, and what its words
    show (the ``text`` given, else the message catalogue's text for ``channel``)."""
    if template is None or isinstance(template, Template):
        return template
    if isinstance(template, str):
        return judge_template(Template(id=template), catalogue_text(template, channel))
    if isinstance(template, dict):
        from arrears.domain.compliance.parse import ScenarioError, parse_template

        try:
            parsed = parse_template(template, "template")
        except ScenarioError as exc:
            raise InvalidInput(exc.reason, field=exc.field) from None
        text = template.get("text")
        if text is not None and not isinstance(text, str):
            raise InvalidInput("template text must be a string", field="template.text")
        if parsed is not None and text is None:
            text = catalogue_text(parsed.id, channel)
        return judge_template(parsed, text) if parsed is not None else None
    raise InvalidInput("template must be an id or an object of properties", field="template")


# ---------------------------------------------------------------- template wording

#: Findings of the conversation analyser that make a template prohibited conduct (asking
#: to borrow is the engine's ``asks_to_borrow``: prohibited in cn, and in gb for customers
#: in financial difficulty).
BORROW_TO_PAY = "borrow_to_pay"


@lru_cache(maxsize=2048)
def text_findings(text: str) -> tuple[tuple[str, ...], bool, str | None]:
    """(prohibited categories, asks to borrow, legal-action words) of a message's text,
    read as a collector's words by ``arrears.conversation.analyze_one``."""
    from arrears.conversation import analyze_one
    from arrears.domain.compliance.wording import legal_action_evidence, without_placeholders

    result = analyze_one(without_placeholders(text), speaker="collector")
    categories = tuple(dict.fromkeys(v["category"] for v in result.violations))
    prohibited = tuple(c for c in categories if c != BORROW_TO_PAY)
    return prohibited, BORROW_TO_PAY in categories, legal_action_evidence(text)


def judge_template(template: Template, text: str | None) -> Template:
    """``template`` with what its ``text`` shows added to what it declares: threats,
    insults and other prohibited conduct, asking to borrow, mentioning legal action.
    Words can only add to the declared properties, never clear them."""
    if not text or not text.strip():
        return template
    prohibited, borrow, legal = text_findings(text)
    return template._replace(
        prohibited=tuple(dict.fromkeys((*template.prohibited, *prohibited))),
        asks_to_borrow=template.asks_to_borrow or borrow,
        mentions_legal_action=template.mentions_legal_action or legal is not None)


def catalogue_text(template_id: str | None, channel: str | None) -> str | None:
    """The words of a message template of the catalogue for ``channel`` (every language,
    subject and body), or None when the catalogue has no such template."""
    if not template_id or channel not in MESSAGE_CHANNELS:
        return None
    from arrears.services.outbox import load_templates

    entry = load_templates().get(template_id, {}).get(channel)
    if not isinstance(entry, dict):
        return None
    parts = [str(v.get(k) or "") for v in entry.values() if isinstance(v, dict)
             for k in ("subject", "body")]
    return "\n".join(p for p in parts if p.strip()) or None


def scenario_with_text(scenario: Any) -> Any:
    """A scenario of the evaluation format whose template carries ``text``, with what the
    text shows added to the template's properties (others are returned as they are)."""
    attempt = scenario.get("attempt") if isinstance(scenario, dict) else None
    template = attempt.get("template") if isinstance(attempt, dict) else None
    text = template.get("text") if isinstance(template, dict) else None
    if not isinstance(text, str) or not text.strip():
        return scenario
    prohibited, borrow, legal = text_findings(text)
    declared = template.get("prohibited") or []
    declared = [declared] if isinstance(declared, str) else declared
    if not isinstance(declared, list | tuple):
        return scenario  # the engine names the malformed field
    judged = {**template, "prohibited": list(dict.fromkeys([*map(str, declared), *prohibited])),
              "asks_to_borrow": template.get("asks_to_borrow") is True or borrow,
              "mentions_legal_action": template.get("mentions_legal_action") is True
              or legal is not None}
    return {**scenario, "attempt": {**attempt, "template": judged}}


def _check_choice(value: str, allowed: tuple[str, ...] | frozenset[str], name: str) -> None:
    if value not in allowed:
        raise InvalidInput(f"{name} must be one of {', '.join(sorted(allowed))}", field=name)


def decide_attempt(session: Session, *, app: Any, customer: Customer, case_id: int | None,
                   channel: str, party: str, contact_id: str | None, at: datetime,
                   agency_id: str | None, template: Any = None, mentions_debt: bool = True,
                   collectors: int = 1, initiated_by: str = "collector",
                   history: list[tuple[Any, ...]] | None = None,
                   point: ContactPoint | None = None) -> tuple[Decision, PackRules]:
    """Decide without storing (screening uses it; ``decide_contact`` stores)."""
    at = _utc(at)
    if point is None and contact_id:
        point = session.get(ContactPoint, contact_id)
        if point is None or point.customer_id != customer.customer_id:
            raise NotFound("no such contact for this customer", field="contact_id")
    rules = _rules(session, app=app, day=at.date(), agency_id=agency_id,
                   product=_product(session, case_id) if lender_policy(app).products else None)
    attempt = Attempt(at=at, channel=channel, party=party or "self", contact_id=contact_id,
                      contact_value=_contact_value(app, point), initiated_by=initiated_by,
                      agency_id=agency_id, template=_template(template, channel),
                      mentions_debt=mentions_debt, collectors=collectors)
    engine_customer = _engine_customer(session, customer=customer, contact_id=contact_id, at=at)
    if history is None:
        history = contact_history(session, customer_id=customer.customer_id, at=at)
    return decide(rules, attempt, engine_customer, history), rules


def decide_contact(session: Session, *, app: Any, customer_id: str, case_id: int | None,
                   channel: str, party: str, contact_id: str | None, at: datetime,
                   actor_user_id: int | None, agency_id: str | None, template: Any = None,
                   mentions_debt: bool = True, collectors: int = 1,
                   initiated_by: str = "collector") -> ContactDecision:
    """Decide one contact before it happens and store the decision (no commit).

    Every contact path (desk, API, outbox, dialler) calls this first; a block carries its
    explanation and the next allowed time.
    """
    _check_choice(channel, CHANNELS, "channel")
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id}", field="customer_id")
    decision, _rules_used = decide_attempt(
        session, app=app, customer=customer, case_id=case_id, channel=channel, party=party,
        contact_id=contact_id, at=at, agency_id=agency_id, template=template,
        mentions_debt=mentions_debt, collectors=collectors, initiated_by=initiated_by)
    tpl = _template(template, channel)
    row = ComplianceDecision(
        at=_utc(at), customer_id=customer_id, case_id=case_id, channel=channel,
        party=party or "self", contact_id=contact_id, actor_user_id=actor_user_id,
        agency_id=agency_id, initiated_by=initiated_by, template_id=tpl.id if tpl else None,
        pack=decision.pack, version=decision.version, allowed=decision.allowed,
        rules=list(decision.rules),
        hits=[{"rule": h.rule, "key": h.key, "params": h.params} for h in decision.hits],
        explanation=explain(decision, "en"), local_time=decision.local_time.isoformat(),
        local_date=decision.local_time.date().isoformat(), zone=decision.zone,
        next_allowed_at=_utc(decision.next_allowed_at) if decision.next_allowed_at else None,
        detail={"mentions_debt": mentions_debt, "collectors": collectors,
                "template": tpl._asdict() if tpl else None},
        overridden=False)
    session.add(row)
    session.flush()
    return to_contact_decision(row)


def to_contact_decision(row: ComplianceDecision) -> ContactDecision:
    """A stored decision as the value the desk and the API show."""
    zh = "；".join(render(h["key"], h["params"], "zh-CN") for h in row.hits or [])
    if row.allowed:
        zh = render("allowed", {"time": row.local_time[11:16], "zone": row.zone,
                                "pack": row.pack, "version": row.version}, "zh-CN")
    return ContactDecision(
        decision_id=row.decision_id, allowed=row.allowed, rules=list(row.rules or []),
        explanation=row.explanation, local_time=datetime.fromisoformat(row.local_time),
        next_allowed_at=_local_next(row), zone=row.zone, pack=row.pack, version=row.version,
        explanation_zh=zh, overridden=row.overridden, hits=list(row.hits or []))


def _local_next(row: ComplianceDecision) -> datetime | None:
    if row.next_allowed_at is None:
        return None
    from zoneinfo import ZoneInfo

    return _utc(row.next_allowed_at).astimezone(ZoneInfo(row.zone))


def get_decision(session: Session, *, decision_id: int) -> ContactDecision:
    """One stored decision; NotFound otherwise."""
    row = session.get(ComplianceDecision, decision_id)
    if row is None:
        raise NotFound(f"no compliance decision {decision_id}", field="decision_id")
    return to_contact_decision(row)


def _officer_role(session: Session, officer: Any) -> tuple[str, str | None]:
    """(username, role) of an officer given as a principal or a username."""
    if isinstance(officer, str):
        role = session.scalar(select(User.role).where(User.username == officer))
        return officer, role
    return str(officer.username), getattr(officer, "role", None)


def _reason(reason: str | None, field_name: str = "reason") -> str:
    text = (reason or "").strip()
    if len(text) < MIN_REASON:
        raise ReasonRequired(f"give a reason of at least {MIN_REASON} characters",
                             field=field_name)
    return text


def override_decision(session: Session, *, decision_id: int, officer: Any, reason: str,
                      at: datetime) -> ContactDecision:
    """Let a blocked contact happen: compliance officers only, with a reason, audited."""
    username, role = _officer_role(session, officer)
    if role != OVERRIDE_ROLE:
        raise OverrideNotAllowed("only a compliance officer may override a compliance block",
                                 field="officer")
    text = _reason(reason)
    row = session.get(ComplianceDecision, decision_id)
    if row is None:
        raise NotFound(f"no compliance decision {decision_id}", field="decision_id")
    if row.allowed:
        raise Conflict("the decision allowed the contact; there is nothing to override",
                       field="decision_id")
    if row.overridden:
        raise AlreadyOverridden(f"decision {decision_id} was already overridden by "
                                f"{row.override_by}", field="decision_id")
    row.overridden, row.override_by, row.override_at = True, username, _utc(at)
    row.override_reason = text
    append_audit(session, actor=username, action="compliance.override",
                 object_type="compliance_decision", object_id=decision_id,
                 detail={"rules": list(row.rules), "customer_id": row.customer_id,
                         "case_id": row.case_id, "reason": text}, at=_utc(at))
    session.flush()
    return to_contact_decision(row)


def set_flag(session: Session, *, customer_id: str, flag: str, reason: str, by: str,
             at: datetime, until: date | None = None, contact_id: str | None = None) -> int:
    """Set a hold or flag with who and why (audited); returns the flag id."""
    _check_choice(flag, SETTABLE_FLAGS, "flag")
    text = _reason(reason)
    if session.get(Customer, customer_id) is None:
        raise NotFound(f"no customer {customer_id}", field="customer_id")
    if flag == "refused_contact" and not contact_id:
        raise InvalidInput("a refused contact needs the contact that refused",
                           field="contact_id")
    if contact_id:
        point = session.get(ContactPoint, contact_id)
        if point is None or point.customer_id != customer_id:
            raise NotFound("no such contact for this customer", field="contact_id")
    if until is not None and until < _utc(at).date():
        raise InvalidInput("the end date is in the past", field="until")
    row = CustomerFlag(customer_id=customer_id, flag=flag, contact_id=contact_id, until=until,
                       set_by=by, set_at=_utc(at), reason=text)
    session.add(row)
    session.flush()
    append_audit(session, actor=by, action="compliance.flag_set", object_type="customer",
                 object_id=customer_id, detail={"flag": flag, "flag_id": row.flag_id,
                                                "contact_id": contact_id, "reason": text,
                                                "until": until.isoformat() if until else None},
                 at=_utc(at))
    return row.flag_id


def lift_flag(session: Session, *, flag_id: int, reason: str, by: str, at: datetime) -> None:
    """Lift a hold or flag with who and why (audited)."""
    text = _reason(reason)
    row = session.get(CustomerFlag, flag_id)
    if row is None:
        raise NotFound(f"no flag {flag_id}", field="flag_id")
    if row.lifted_at is not None:
        raise Conflict(f"flag {flag_id} was already lifted by {row.lifted_by}", field="flag_id")
    row.lifted_by, row.lifted_at, row.lift_reason = by, _utc(at), text
    append_audit(session, actor=by, action="compliance.flag_lift", object_type="customer",
                 object_id=row.customer_id, detail={"flag": row.flag, "flag_id": flag_id,
                                                    "reason": text}, at=_utc(at))
    session.flush()


def record_consent(session: Session, *, customer_id: str, kind: str, by: str, at: datetime,
                   window_from: str | None = None, window_until: str | None = None,
                   channel: str | None = None, note: str | None = None) -> int:
    """Record a consent or preference of the borrower (audited); returns its id."""
    _check_choice(kind, CONSENT_KINDS, "kind")
    if session.get(Customer, customer_id) is None:
        raise NotFound(f"no customer {customer_id}", field="customer_id")
    for name, value in (("window_from", window_from), ("window_until", window_until)):
        if value:
            try:
                parse_hhmm(value, name)
            except ValueError:
                raise InvalidInput(f"{name} must be a time HH:MM", field=name) from None
    if kind in ("call_time", "contact_time", "preferred_time") and not (window_from
                                                                          and window_until):
        raise InvalidInput("a time consent needs from and until", field="window_from")
    if channel is not None:
        _check_choice(channel, CHANNELS, "channel")
    if kind == "preferred_channel" and not channel:
        raise InvalidInput("a channel preference needs the channel", field="channel")
    row = ComplianceConsent(customer_id=customer_id, kind=kind, window_from=window_from,
                            window_until=window_until, channel=channel, given_at=_utc(at),
                            recorded_by=by, note=note)
    session.add(row)
    session.flush()
    append_audit(session, actor=by, action="compliance.consent", object_type="customer",
                 object_id=customer_id, detail={"kind": kind, "consent_id": row.consent_id,
                                                "from": window_from, "until": window_until,
                                                "channel": channel}, at=_utc(at))
    return row.consent_id


def revoke_consent(session: Session, *, consent_id: int, by: str, at: datetime) -> None:
    """Revoke a recorded consent (audited)."""
    row = session.get(ComplianceConsent, consent_id)
    if row is None:
        raise NotFound(f"no consent {consent_id}", field="consent_id")
    if row.revoked_at is None:
        row.revoked_by, row.revoked_at = by, _utc(at)
        append_audit(session, actor=by, action="compliance.consent_revoke",
                     object_type="customer", object_id=row.customer_id,
                     detail={"consent_id": consent_id}, at=_utc(at))
        session.flush()


def customer_holds(session: Session, *, customer_id: str) -> dict[str, list[Any]]:
    """Flags (active and lifted) and consents of a customer, newest first, for the desk."""
    flags = session.scalars(select(CustomerFlag).where(CustomerFlag.customer_id == customer_id)
                            .order_by(CustomerFlag.flag_id.desc())).all()
    consents = session.scalars(select(ComplianceConsent)
                               .where(ComplianceConsent.customer_id == customer_id)
                               .order_by(ComplianceConsent.consent_id.desc())).all()
    return {"flags": list(flags), "consents": list(consents)}


def decisions_for(session: Session, *, customer_id: str | None = None,
                  day: date | None = None, limit: int = 50) -> list[ContactDecision]:
    """Recent stored decisions (of a customer, or of one local day)."""
    q = select(ComplianceDecision).order_by(ComplianceDecision.decision_id.desc()).limit(limit)
    if customer_id:
        q = q.where(ComplianceDecision.customer_id == customer_id)
    if day:
        q = q.where(ComplianceDecision.local_date == day.isoformat())
    return [to_contact_decision(r) for r in session.scalars(q).all()]


__all__ = [
    "ComplianceSettings", "ContactDecision", "active_flags", "contact_history",
    "customer_holds", "decide_attempt", "decide_contact", "decisions_for", "get_decision",
    "lender_policy", "lift_flag", "override_decision", "record_consent", "revoke_consent",
    "set_flag",
]


# ---------------------------------------------------------------- daily list screening

@dataclass(frozen=True)
class Screening:
    """One list entry's answer: may it be called on the day, from when, and if not, why."""

    case_id: int
    may_call: bool
    call_from: datetime | None
    reason: str | None


@dataclass(frozen=True)
class ListScreening:
    """What screening a day's list found: entries that may be called, entries blocked."""

    may_call: int = 0
    blocked: int = 0


def _listed(as_of: date) -> Any:
    """The customers on ``as_of``'s list, as a subquery (reads stay joins, never id lists)."""
    from arrears.adapters.db.tables import CollectionCase, CollectionListEntry

    return (select(CollectionCase.customer_id)
            .join(CollectionListEntry, CollectionListEntry.case_id == CollectionCase.case_id)
            .where(CollectionListEntry.as_of == as_of))


def _by_customer(rows: Any) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for r in rows:
        out.setdefault(r.customer_id, []).append(r)
    return out


def _flags_q(as_of: date) -> Any:
    f = CustomerFlag
    return select(f.customer_id, f.flag, f.contact_id, f.until).where(
        f.lifted_at.is_(None), f.customer_id.in_(_listed(as_of)))


def _consents_q(as_of: date) -> Any:
    c = ComplianceConsent
    return select(c.customer_id, c.consent_id, c.kind, c.window_from, c.window_until,
                  c.given_at, c.channel).where(c.revoked_at.is_(None),
                                               c.customer_id.in_(_listed(as_of)))


def _history_window(app: Any, as_of: date) -> tuple[datetime, datetime]:
    """The contacts a call at the start of ``as_of`` can depend on: from as far back as
    any rules in force look (their ``history_days`` before the day, one more for the
    zones east of UTC; never more than ``HISTORY_DAYS``) to past the day's end in every
    zone. Older contacts never change a decision."""
    policy = lender_policy(app)
    days = max(policy.rules_for(on=as_of, product=p).history_days
               for p in (None, *policy.products))
    day_start = datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC)
    return (day_start - timedelta(days=min(HISTORY_DAYS, days + 1)),
            day_start + timedelta(days=2))


def _history_q(window: tuple[datetime, datetime], as_of: date) -> Any:
    """The list's customers' attempts in the history ``window``."""
    a = ContactAttempt
    start, end = window
    return select(a.customer_id, a.at, a.channel, a.party, a.contact_id, a.result,
                  a.initiated_by).where(a.at >= start, a.at < end,
                                        a.customer_id.in_(_listed(as_of)))


def _with_own_inputs(window: tuple[datetime, datetime]) -> Any:
    """Customers with flags, consents or contacts in the history ``window`` (of the whole
    store: the list is joined by the caller)."""
    f, c, a = CustomerFlag, ComplianceConsent, ContactAttempt
    start, end = window
    return union(select(f.customer_id).where(f.lifted_at.is_(None)),
                 select(c.customer_id).where(c.revoked_at.is_(None)),
                 select(a.customer_id).where(a.at >= start, a.at < end))


def _list_history(conn: Connection, window: tuple[datetime, datetime],
                  as_of: date) -> dict[str, list[tuple[Any, ...]]]:
    out: dict[str, list[tuple[Any, ...]]] = {}
    for r in conn.execute(_history_q(window, as_of)):
        out.setdefault(r.customer_id, []).append(history_event(
            at=r.at, channel=r.channel, party=r.party, contact_id=r.contact_id,
            result=r.result, initiated_by=r.initiated_by))
    return out


def _entries(as_of: date, *, products: bool) -> Any:
    """``as_of``'s list entries with what every decision reads besides the borrower's own
    flags, consents, contacts and phone: the agency, the customer's country and zones, and
    (when the policy has product settings) the product of the case's first loan."""
    from arrears.adapters.db.tables import CollectionCase, CollectionListEntry

    entry, case, lp = CollectionListEntry, CollectionCase, LoanPosition
    stmt = (select(entry.case_id, case.customer_id, case.agency_id,
                   Customer.customer_id.label("known"), Customer.country, Customer.timezone,
                   Customer.address_timezone)
            .join(case, case.case_id == entry.case_id)
            .outerjoin(Customer, Customer.customer_id == case.customer_id)
            .where(entry.as_of == as_of))
    if not products:
        return stmt.add_columns(null().label("product")).subquery("entries")
    first = (select(lp.case_id, func.min(lp.loan_id).label("loan_id"))
             .join(entry, entry.case_id == lp.case_id)
             .where(entry.as_of == as_of).group_by(lp.case_id).subquery())
    product = (select(lp.case_id, lp.product)
               .join(first, (first.c.case_id == lp.case_id) & (first.c.loan_id == lp.loan_id))
               .subquery())
    return (stmt.add_columns(product.c.product)
            .outerjoin(product, product.c.case_id == entry.case_id).subquery("entries"))


def _customer_for_engine(customer: Any, flags: list[Any], consents: list[Any],
                         contact_id: str | None, day: date) -> EngineCustomer:
    names: set[str] = set()
    refused: set[str] = set()
    breathing: date | None = None
    for f in flags:
        if f.until is not None and f.until < day and f.flag != "breathing_space":
            continue
        if f.flag == "refused_contact":
            refused.add(f.contact_id or "")
        elif f.flag == "breathing_space" and f.until is not None:
            breathing = max(breathing or f.until, f.until)
        elif f.contact_id and f.contact_id != contact_id:
            continue
        elif f.flag in FLAGS:
            names.add(f.flag)
    return EngineCustomer(
        country=customer.country, timezone=customer.timezone,
        address_timezone=customer.address_timezone, flags=frozenset(names),
        refused_contacts=frozenset(refused), breathing_space_until=breathing,
        consents=tuple(Consent(kind=c.kind,
                               start=parse_hhmm(c.window_from, "from") if c.window_from else None,
                               end=parse_hhmm(c.window_until, "until") if c.window_until else None,
                               given_at=_utc(c.given_at), channel=c.channel)
                       for c in consents))


def screen_case(*, rules: PackRules, as_of: date, case_id: int, customer: EngineCustomer,
                point_id: str | None, phone: str | None, agency_id: str | None,
                history: list[tuple[Any, ...]]) -> Screening:
    """May the borrower be called on ``as_of`` (their local day), and from when."""
    zones = candidate_zones(customer.timezone, phone, customer.address_timezone,
                            customer.country or rules.country)
    # the moment every candidate zone has reached as_of
    start = max(datetime(as_of.year, as_of.month, as_of.day, tzinfo=z) for z in zones)
    attempt = Attempt(at=start, channel="call", party="self", contact_id=point_id,
                      contact_value=phone, agency_id=agency_id)
    decision = decide(rules, attempt, customer, history, zones)
    when = start if decision.allowed else decision.next_allowed_at
    if when is not None and when.astimezone(zones[0]).date() == as_of:
        return Screening(case_id, True, when, None)
    return Screening(case_id, False, when, explain(decision, "en"))


#: What a group of alike entries shares.
_KEYS = ("agency_id", "country", "timezone", "address_timezone", "product")
#: The answer of each group (a temporary table, filled per run). Keys are kept as text
#: ('' for none) with a flag for none, so that the entries find their group by equality.
_ANSWERS = Table(
    "screening_answers", MetaData(),
    *(Column(k, String(64)) for k in _KEYS), *(Column(f"{k}_none", Boolean) for k in _KEYS),
    Column("may_call", Boolean), Column("call_from", DateTime(timezone=True)),
    Column("screening_reason", Text), Index("ix_screening_answers_keys", *_KEYS),
    prefixes=["TEMPORARY"])


class _ListScreener:
    """Decides one day's list.

    A borrower with no flag, consent or recent contact and a recorded zone is decided from
    the rules, the agency, the country and the zones alone (the engine reads the phone only
    to find zones, to match refused contacts and to count calls to the number): such
    entries are grouped in the store by those inputs, each group is decided once and its
    answer written to all its entries in one statement. The other entries are decided one
    by one with all they have, and written through the driver's executemany.
    """

    def __init__(self, session: Session, *, app: Any, as_of: date) -> None:
        self.conn, self.app, self.as_of = session.connection(), app, as_of
        self.session = session
        self.entries = _entries(as_of, products=bool(lender_policy(app).products))
        self.window = _history_window(app, as_of)
        e = self.entries.c
        self.alike = (e.known.is_not(None) & (func.coalesce(e.timezone, "") != "")
                      & e.customer_id.not_in(_with_own_inputs(self.window)))
        self.rules: dict[tuple[bool, str | None], PackRules] = {}

    def _rules_for(self, r: Any) -> PackRules:
        key = (r.agency_id is not None, r.product)
        if key not in self.rules:
            self.rules[key] = _rules(self.session, app=self.app, day=self.as_of,
                                     agency_id=r.agency_id, product=r.product)
        return self.rules[key]

    def screen_alike(self) -> ListScreening:
        """Decide each group of alike entries once; write the answers in one statement."""
        e = self.entries.c
        keys = [e[k] for k in _KEYS]
        groups = self.conn.execute(
            select(*keys, func.min(e.case_id).label("case_id"),
                   func.min(e.customer_id).label("customer_id"),
                   func.count().label("entries")).where(self.alike).group_by(*keys)).all()
        answers, counts = [], ListScreening()
        for g in groups:
            s = screen_case(rules=self._rules_for(g), as_of=self.as_of, case_id=g.case_id,
                            customer=_customer_for_engine(g, [], [], None, self.as_of),
                            point_id=None, phone=None, agency_id=g.agency_id, history=[])
            keys = g._mapping
            answers.append({**{k: keys[k] or "" for k in _KEYS},
                            **{f"{k}_none": keys[k] is None for k in _KEYS},
                            "may_call": s.may_call, "call_from": _stored_utc(s.call_from),
                            "screening_reason": s.reason})
            counts = _counted(counts, s.may_call, g.entries)
        if answers:
            self._write_alike(answers)
        return counts

    def _write_alike(self, answers: list[dict[str, Any]]) -> None:
        from arrears.adapters.db.tables import CollectionListEntry as L

        a, e = _ANSWERS, self.entries.c
        a.drop(self.conn, checkfirst=True)  # left by a failed run (SQLite: DDL commits)
        a.create(self.conn)
        self.conn.execute(insert(a), answers)
        same = [c for k in _KEYS for c in (func.coalesce(e[k], "") == a.c[k],
                                           e[k].is_(None) == a.c[f"{k}_none"])]
        # the answers joined from the left: the store walks the entries, not the groups
        found = (select(e.case_id, a.c.may_call, a.c.call_from, a.c.screening_reason)
                 .select_from(self.entries.outerjoin(a, and_(*same)))
                 .where(self.alike).subquery())
        self.conn.execute(update(L).where(
            L.as_of == self.as_of, L.case_id == found.c.case_id,
            found.c.may_call.is_not(None)).values(
            may_call=found.c.may_call, call_from=found.c.call_from,
            screening_reason=found.c.screening_reason))
        a.drop(self.conn)

    def screen_others(self) -> ListScreening:
        """Decide the other entries one by one, with their flags, consents, history and
        phone; write them through the driver's executemany."""
        conn, as_of = self.conn, self.as_of
        flags = _by_customer(conn.execute(_flags_q(as_of)))
        consents = _by_customer(conn.execute(_consents_q(as_of).order_by(
            ComplianceConsent.customer_id, ComplianceConsent.consent_id)))
        history = _list_history(conn, self.window, as_of)
        shared: dict[tuple[Any, ...], Screening] = {}
        out = []
        for r in conn.execute(self._others()):
            s = self._screen_one(r, flags, consents, history, shared)
            out.append((s.may_call, s.call_from, s.reason, r.case_id))
        _write_each(conn, as_of, out)
        counts = ListScreening()
        for row in out:
            counts = _counted(counts, row[0], 1)
        return counts

    def _others(self) -> Any:
        """The entries decided one by one, each with the own phone to call first (primary
        before the others)."""
        p, q, e = ContactPoint, ContactPoint.__table__.alias("own"), self.entries.c
        first = (select(q.c.contact_id).where(q.c.customer_id == e.customer_id,
                                              q.c.relation == "self", q.c.channel == "phone")
                 .order_by(q.c.is_primary.desc(), q.c.contact_id).limit(1).scalar_subquery())
        return (select(self.entries, p.contact_id.label("point_id"), p.channel, p.value_enc)
                .select_from(self.entries.outerjoin(p, p.contact_id == first))
                .where(~self.alike))

    def _screen_one(self, r: Any, flags: dict[str, list[Any]],
                    consents: dict[str, list[Any]], history: dict[str, list[Any]],
                    shared: dict[tuple[Any, ...], Screening]) -> Screening:
        if r.known is None:
            return Screening(r.case_id, False, None, "customer record missing")
        rules = self._rules_for(r)
        phone = _contact_value(self.app, r if r.point_id is not None else None)
        cid, point_id = r.customer_id, r.point_id
        key: tuple[Any, ...] | None = None
        if not (cid in flags or cid in consents or cid in history):
            # no zone recorded: the number tells the zones, the rest is alike
            zones = candidate_zones(r.timezone, phone, r.address_timezone,
                                    r.country or rules.country)
            key = (id(rules), r.agency_id, r.country, r.timezone, r.address_timezone, zones)
            if key in shared:
                return shared[key]
        s = screen_case(rules=rules, as_of=self.as_of, case_id=r.case_id,
                        customer=_customer_for_engine(r, flags.get(cid, []),
                                                      consents.get(cid, []), point_id,
                                                      self.as_of),
                        point_id=point_id, phone=phone, agency_id=r.agency_id,
                        history=history.get(cid, []))
        if key is not None:
            shared[key] = s
        return s


def _counted(counts: ListScreening, may_call: bool, n: int) -> ListScreening:
    return (replace(counts, may_call=counts.may_call + n) if may_call
            else replace(counts, blocked=counts.blocked + n))


def _stored_utc(value: datetime | None) -> datetime | None:
    """An instant as stores keep it: in UTC (SQLite keeps no offset)."""
    return value.astimezone(UTC) if value else None


def _write_each(conn: Connection, as_of: date,
                rows: list[tuple[bool, datetime | None, str | None, int]]) -> None:
    """``may_call, call_from, screening_reason`` of single entries, in batches."""
    from arrears.adapters.db.bulk import bulk_update
    from arrears.adapters.db.tables import CollectionListEntry

    table = CollectionListEntry.__table__
    # the column type's own conversion (SQLite keeps datetimes as text of its format)
    stored = (table.c.call_from.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
              or _stored_utc)
    for i in range(0, len(rows), 50_000):
        bulk_update(conn, table, keys=["as_of", "case_id"],
                    columns=["may_call", "call_from", "screening_reason"],
                    rows=[(may, stored(_stored_utc(when)), reason, as_of, case_id)
                          for may, when, reason, case_id in rows[i:i + 50_000]])


def screen_list(session: Session, *, app: Any, as_of: date) -> ListScreening:
    """Screen every entry of ``as_of``'s collection list and write ``may_call``,
    ``call_from`` and ``screening_reason`` (no commit: the step's unit of work commits)."""
    screener = _ListScreener(session, app=app, as_of=as_of)
    alike, others = screener.screen_alike(), screener.screen_others()
    return ListScreening(may_call=alike.may_call + others.may_call,
                         blocked=alike.blocked + others.blocked)


# ---------------------------------------------------------------- daily evidence

@dataclass(frozen=True)
class ComplianceReport:
    """One day's evidence: decisions, blocks by rule, overrides, contacts per borrower."""

    day: date
    timezone: str
    decisions: int
    allowed: int
    blocked: int
    overridden: int
    blocks_by_rule: list[tuple[str, int]]
    overrides: list[dict[str, Any]]
    contacts: list[dict[str, Any]]
    rows: list[dict[str, Any]]


def _reporting_zone(app: Any) -> str:
    return str(app.business.raw("business").get("reporting_timezone", "Asia/Shanghai"))


def daily_report(session: Session, *, app: Any, day: date) -> ComplianceReport:
    """The compliance report of ``day`` (decisions by the borrower's local date; contact
    attempts by the reporting time zone's day)."""
    from zoneinfo import ZoneInfo

    decisions = session.scalars(select(ComplianceDecision)
                                .where(ComplianceDecision.local_date == day.isoformat())
                                .order_by(ComplianceDecision.decision_id)).all()
    by_rule: dict[str, int] = {}
    for d in decisions:
        if not d.allowed:
            for rule in d.rules:
                by_rule[rule] = by_rule.get(rule, 0) + 1
    overrides = [{"decision_id": d.decision_id, "local_time": d.local_time,
                  "customer_id": d.customer_id, "case_id": d.case_id, "channel": d.channel,
                  "rules": " ".join(d.rules), "officer": d.override_by,
                  "override_at": _utc(d.override_at).isoformat() if d.override_at else "",
                  "reason": d.override_reason} for d in decisions if d.overridden]
    zone_name = _reporting_zone(app)
    tz = ZoneInfo(zone_name)
    start = datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)
    contacts = _contacts_per_borrower(session, decisions, start=start,
                                      end=start + timedelta(days=1))
    rows = [{"decision_id": d.decision_id, "local_time": d.local_time, "zone": d.zone,
             "customer_id": d.customer_id, "case_id": d.case_id, "channel": d.channel,
             "party": d.party, "pack": d.pack, "version": d.version,
             "decision": "allow" if d.allowed else "block", "rules": " ".join(d.rules),
             "explanation": d.explanation, "overridden": d.overridden} for d in decisions]
    blocked = sum(1 for d in decisions if not d.allowed)
    return ComplianceReport(
        day=day, timezone=zone_name, decisions=len(decisions), allowed=len(decisions) - blocked,
        blocked=blocked, overridden=len(overrides),
        blocks_by_rule=sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0])),
        overrides=overrides, contacts=contacts, rows=rows)


def _contacts_per_borrower(session: Session, decisions: Any, *, start: datetime,
                           end: datetime) -> list[dict[str, Any]]:
    per: dict[str, dict[str, Any]] = {}

    def entry(cid: str) -> dict[str, Any]:
        return per.setdefault(cid, {"customer_id": cid, "attempts": 0, "calls": 0,
                                    "conversations": 0, "messages": 0, "visits": 0,
                                    "blocked": 0, "overridden": 0})
    for r in session.execute(select(ContactAttempt.customer_id, ContactAttempt.channel,
                                    ContactAttempt.result)
                             .where(ContactAttempt.at >= start, ContactAttempt.at < end)):
        e = entry(r.customer_id)
        e["attempts"] += 1
        kind = {"call": "calls", "visit": "visits"}.get(r.channel, "messages")
        e[kind] += 1
        if r.channel == "call" and engine_result(r.channel, r.result) == "conversation":
            e["conversations"] += 1
    for d in decisions:
        e = entry(d.customer_id)
        e["blocked"] += 0 if d.allowed else 1
        e["overridden"] += 1 if d.overridden else 0
    return sorted(per.values(), key=lambda e: (-e["attempts"], e["customer_id"]))
