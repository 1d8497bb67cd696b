"""The collector's work: who sees which case, today's queue, the next case with a lease.

Scope by role: a collector sees the cases assigned to them; a team lead the cases of their
team; an agency user the cases placed with their agency; QA reviewers, compliance officers
and administrators every case. Every other case is a clear 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, exists, false, func, or_, select, true, update
from sqlalchemy.orm import Session

from arrears.adapters.db.tables import (
    CollectionCase,
    CollectionListEntry,
    ContactAttempt,
    Customer,
    Promise,
    Task,
    User,
)
from arrears.errors import ArrearsError, Forbidden, NotFound

DEFAULT_LEASE = timedelta(minutes=30)
ALL_CASE_ROLES = ("qa_reviewer", "compliance_officer", "admin")


class PrincipalLike(Protocol):
    user_id: int
    username: str
    role: str
    team_id: str | None
    agency_id: str | None


class NoCaseAvailable(ArrearsError):
    code = "no_case_available"
    status = 404


class CaseNotVisible(Forbidden):
    code = "case_not_visible"


def utc_aware(at: datetime) -> datetime:
    """An aware UTC datetime (naive values are taken as UTC, as the store returns them)."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def day_start(*, as_of: date, timezone: str) -> datetime:
    """Midnight of ``as_of`` in the reporting zone, in UTC."""
    return datetime.combine(as_of, time(0), ZoneInfo(timezone)).astimezone(UTC)


def scope_filter(principal: PrincipalLike) -> ColumnElement[bool]:
    """The cases a principal may see, as a SQL condition on ``collection_cases``."""
    role = principal.role
    if role == "collector":
        return CollectionCase.assigned_to == principal.user_id
    if role == "team_lead":
        return CollectionCase.team_id == principal.team_id if principal.team_id else true()
    if role == "agency":
        return (CollectionCase.agency_id == principal.agency_id
                if principal.agency_id else false())
    if role in ALL_CASE_ROLES:
        return true()
    return false()


def ensure_customer_in_scope(session: Session, *, principal: PrincipalLike,
                             customer_id: str) -> None:
    """403 unless the customer has a case the principal may see (holds, consents, decisions)."""
    found = session.scalar(select(CollectionCase.case_id).where(
        CollectionCase.customer_id == customer_id, scope_filter(principal)).limit(1))
    if found is None:
        raise Forbidden(f"customer {customer_id} has no case in your scope")


def _denial_message(principal: PrincipalLike, case_id: int) -> str:
    if principal.role == "collector":
        return f"case {case_id} is not assigned to you"
    if principal.role == "agency":
        return f"case {case_id} is not placed with your agency"
    if principal.role == "team_lead":
        return f"case {case_id} does not belong to your team"
    return f"your role may not open case {case_id}"


def load_case(session: Session, *, principal: PrincipalLike, case_id: int) -> CollectionCase:
    """The case when the principal may see it: 404 when missing, 403 when out of scope."""
    case = session.get(CollectionCase, case_id)
    if case is None:
        raise NotFound(f"no case {case_id}", field="case_id")
    visible = session.scalar(select(func.count()).select_from(CollectionCase).where(
        CollectionCase.case_id == case_id, scope_filter(principal)))
    if not visible:
        raise CaseNotVisible(_denial_message(principal, case_id), case_id=case_id)
    return case


@dataclass(frozen=True)
class QueueRow:
    case_id: int
    rank: int | None
    customer_name: str
    dpd: int
    bucket: str
    overdue_amount: Decimal
    currency: str
    status: str
    assigned_to: str | None
    leased_by_me: bool
    leased_by_other: bool
    promise_due: bool
    callback_due: bool
    may_call: bool
    screening_reason: str | None


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    list_date: date | None
    total: int
    page: int
    page_size: int


@dataclass(frozen=True)
class QueueFilter:
    bucket: str | None = None
    promise_due: bool = False
    callbacks_due: bool = False


def open_buckets(session: Session) -> list[str]:
    """The buckets that open cases are in (for the queue's filter)."""
    rows = session.scalars(select(CollectionCase.bucket).where(CollectionCase.status == "open")
                           .distinct()).all()
    return sorted(rows, key=lambda b: (len(b), b))


def latest_list_date(session: Session, *, as_of: date) -> date | None:
    """The newest collection list on or before ``as_of``."""
    return session.scalar(select(func.max(CollectionListEntry.as_of))
                          .where(CollectionListEntry.as_of <= as_of))


def _promise_due(as_of: date) -> ColumnElement[bool]:
    return exists().where(Promise.case_id == CollectionCase.case_id, Promise.status == "open",
                          Promise.due_on <= as_of)


def _callback_due(at: datetime, as_of: date) -> ColumnElement[bool]:
    return exists().where(Task.case_id == CollectionCase.case_id, Task.kind == "callback",
                          Task.status == "open",
                          or_(Task.due_at <= utc_aware(at),
                              and_(Task.due_at.is_(None), Task.due_on <= as_of)))


def _queue_select(principal: PrincipalLike, *, list_date: date, at: datetime, as_of: date,
                  filters: QueueFilter) -> Any:
    promise_due = _promise_due(as_of).label("promise_due")
    callback_due = _callback_due(at, as_of).label("callback_due")
    stmt = (select(CollectionListEntry, CollectionCase, Customer.full_name_masked,
                   User.username, promise_due, callback_due)
            .join(CollectionCase, CollectionCase.case_id == CollectionListEntry.case_id)
            .join(Customer, Customer.customer_id == CollectionCase.customer_id)
            .outerjoin(User, User.user_id == CollectionCase.assigned_to)
            .where(CollectionListEntry.as_of == list_date, CollectionCase.status == "open",
                   scope_filter(principal)))
    if filters.bucket:
        stmt = stmt.where(CollectionCase.bucket == filters.bucket)
    if filters.promise_due:
        stmt = stmt.where(_promise_due(as_of))
    if filters.callbacks_due:
        stmt = stmt.where(_callback_due(at, as_of))
    return stmt


def queue(session: Session, *, principal: PrincipalLike, as_of: date, at: datetime,
          filters: QueueFilter = QueueFilter(), page: int = 1,
          page_size: int = 50) -> QueuePage:
    """Today's list for the principal, in rank order, filtered and paginated."""
    list_date = latest_list_date(session, as_of=as_of)
    if list_date is None:
        return QueuePage([], None, 0, page, page_size)
    stmt = _queue_select(principal, list_date=list_date, at=at, as_of=as_of, filters=filters)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(stmt.order_by(CollectionListEntry.rank)
                           .offset((page - 1) * page_size).limit(page_size)).all()
    now = utc_aware(at)
    out = []
    for entry, case, name, username, p_due, c_due in rows:
        live = case.lease_until is not None and utc_aware(case.lease_until) > now
        out.append(QueueRow(
            case_id=case.case_id, rank=entry.rank, customer_name=name, dpd=case.dpd,
            bucket=case.bucket, overdue_amount=case.overdue_amount, currency=case.currency,
            status=case.status, assigned_to=username,
            leased_by_me=live and case.lease_user_id == principal.user_id,
            leased_by_other=live and case.lease_user_id != principal.user_id,
            promise_due=bool(p_due), callback_due=bool(c_due), may_call=entry.may_call,
            screening_reason=entry.screening_reason))
    return QueuePage(out, list_date, total, page, page_size)


def _lease_free(principal: PrincipalLike, now: datetime) -> ColumnElement[bool]:
    return or_(CollectionCase.lease_user_id.is_(None), CollectionCase.lease_until.is_(None),
               CollectionCase.lease_until < now)


def try_lease(session: Session, *, principal: PrincipalLike, case_id: int, at: datetime,
              lease: timedelta = DEFAULT_LEASE) -> bool:
    """Lease one case with a conditional UPDATE: only one of two racing collectors wins."""
    now = utc_aware(at)
    result = session.execute(
        update(CollectionCase)
        .where(CollectionCase.case_id == case_id, CollectionCase.status == "open",
               or_(_lease_free(principal, now),
                   CollectionCase.lease_user_id == principal.user_id))
        .values(lease_user_id=principal.user_id, lease_until=now + lease,
                version=CollectionCase.version + 1)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1  # type: ignore[attr-defined]


def release_lease(session: Session, *, principal: PrincipalLike, case_id: int) -> None:
    """Give a case back (after the contact is recorded)."""
    session.execute(update(CollectionCase)
                    .where(CollectionCase.case_id == case_id,
                           CollectionCase.lease_user_id == principal.user_id)
                    .values(lease_user_id=None, lease_until=None)
                    .execution_options(synchronize_session=False))


def next_case(session: Session, *, principal: PrincipalLike, as_of: date, at: datetime,
              worked_since: datetime, lease: timedelta = DEFAULT_LEASE,
              candidates: int = 25) -> int:
    """Take and lease the next case: due callbacks first, then by rank.

    Skips cases worked since ``worked_since`` (the start of the business day), cases that
    may not be called today, and cases leased by anyone (including the caller's own
    earlier leases, which lapse on their own when abandoned).
    """
    list_date = latest_list_date(session, as_of=as_of)
    if list_date is None:
        raise NoCaseAvailable("there is no collection list yet for today")
    now = utc_aware(at)
    worked = exists().where(ContactAttempt.case_id == CollectionCase.case_id,
                            ContactAttempt.at >= utc_aware(worked_since))
    callback_due = _callback_due(at, as_of)
    stmt = (select(CollectionCase.case_id)
            .join(CollectionListEntry, CollectionListEntry.case_id == CollectionCase.case_id)
            .where(CollectionListEntry.as_of == list_date, CollectionCase.status == "open",
                   CollectionListEntry.may_call.is_(True), scope_filter(principal),
                   _lease_free(principal, now), ~worked)
            .order_by(callback_due.desc(), CollectionListEntry.rank)
            .limit(candidates))
    for case_id in session.scalars(stmt).all():
        if try_lease(session, principal=principal, case_id=case_id, at=at, lease=lease):
            return case_id
    raise NoCaseAvailable("no case left to work on today's list")


# --- the account view ------------------------------------------------------------------

THIRD_PARTIES = ("spouse", "parent", "child", "relative", "friend", "colleague", "employer",
                 "emergency", "other")
REVEAL_ROLES = {"collector", "team_lead", "compliance_officer", "admin", "agency"}
REVEAL_FIELDS = ("full_name", "national_id", "address")
MIN_REASON = 4


class RevealRefused(Forbidden):
    code = "reveal_refused"


@dataclass(frozen=True)
class ContactView:
    contact_id: str
    channel: str
    relation: str
    value_masked: str
    is_primary: bool
    consent: bool
    may: tuple[str, ...]  # what may be done: call, sms, email, letter, locate_only
    caution: str | None  # desk.contact.caution.* key


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    kind: str  # attempt, note, promise
    by: str | None
    channel: str | None = None
    party: str | None = None
    result: str | None = None
    overdue_reason: str | None = None
    text: str | None = None
    amount: Decimal | None = None
    due_on: date | None = None
    status: str | None = None
    flagged: tuple[str, ...] = ()
    decision_id: int | None = None


#: Holds on the borrower that stop every collection contact (the engine decides exemptions).
HOLD_FLAGS = frozenset({"cease_communication", "dispute", "validation_pending",
                        "attorney_represented", "bankruptcy", "deceased", "hardship_hold",
                        "breathing_space"})
_OPT_OUTS = {"opt_out_call": "call", "opt_out_sms": "sms", "opt_out_email": "email",
             "opt_out_letter": "letter"}


def contact_actions(*, channel: str, relation: str, consent: bool,
                    flags: set[str]) -> tuple[tuple[str, ...], str | None]:
    """What the desk offers for one contact point, and the caution to show beside it.

    ``flags`` are the customer's flags plus those set on this contact point. The compliance
    engine still decides each attempt; this is the collector's guide.
    """
    if "refused_contact" in flags:
        return (), "desk.contact.caution.refused"
    by_channel = {"phone": ("call", "sms"), "sms": ("sms",), "email": ("email",),
                  "mail": ("letter",)}
    opted_out = {_OPT_OUTS[f] for f in flags if f in _OPT_OUTS}
    actions = tuple(a for a in by_channel.get(channel, ()) if a not in opted_out)
    if relation in ("self", "guarantor"):
        if flags & HOLD_FLAGS:
            return (), "desk.contact.caution.hold"
        return actions, "desk.contact.caution.opt_out" if opted_out else None
    if "unreachable" not in flags:
        return (), "desk.contact.caution.third_party_blocked"
    return tuple(a for a in actions if a == "call") + ("locate_only",), \
        "desk.contact.caution.third_party"


@dataclass(frozen=True)
class HoldView:
    """An active hold or flag with who set it, when, why and until when."""

    flag_id: int
    flag: str
    contact_id: str | None
    contact_masked: str | None
    until: date | None
    set_by: str
    set_at: datetime
    reason: str


def active_holds(session: Session, *, customer_id: str, as_of: date) -> list[HoldView]:
    """The customer's flags not lifted and not past their end date, newest first."""
    from arrears.adapters.db.tables import ContactPoint, CustomerFlag

    rows = session.execute(
        select(CustomerFlag, ContactPoint.value_masked)
        .outerjoin(ContactPoint, ContactPoint.contact_id == CustomerFlag.contact_id)
        .where(CustomerFlag.customer_id == customer_id, CustomerFlag.lifted_at.is_(None),
               or_(CustomerFlag.until.is_(None), CustomerFlag.until >= as_of))
        .order_by(CustomerFlag.flag_id.desc())).all()
    return [HoldView(f.flag_id, f.flag, f.contact_id, masked, f.until, f.set_by,
                     utc_aware(f.set_at), f.reason) for f, masked in rows]


def active_flags(session: Session, *, customer_id: str, as_of: date) -> set[str]:
    """Names of the customer-wide active flags (flags on one contact point excluded)."""
    return {h.flag for h in active_holds(session, customer_id=customer_id, as_of=as_of)
            if h.contact_id is None}


def contact_views(session: Session, *, customer_id: str, flags: set[str],
                  holds: list[HoldView] | None = None) -> list[ContactView]:
    """The customer's contact points with what may be done with each (customer-wide
    ``flags`` plus the ``holds`` set on that point)."""
    from arrears.adapters.db.tables import ContactPoint

    per_point: dict[str, set[str]] = {}
    for h in holds or []:
        if h.contact_id:
            per_point.setdefault(h.contact_id, set()).add(h.flag)
    points = session.scalars(select(ContactPoint).where(ContactPoint.customer_id == customer_id)
                             .order_by(ContactPoint.is_primary.desc(),
                                       ContactPoint.contact_id)).all()
    out = []
    for p in points:
        may, caution = contact_actions(channel=p.channel, relation=p.relation,
                                       consent=bool(p.consent),
                                       flags=flags | per_point.get(p.contact_id, set()))
        out.append(ContactView(p.contact_id, p.channel, p.relation, p.value_masked,
                               bool(p.is_primary), bool(p.consent), may, caution))
    return out


def timeline(session: Session, *, case_id: int, limit: int = 100) -> list[TimelineItem]:
    """Contact attempts, notes and promises of a case, newest first."""
    from arrears.adapters.db.tables import Note

    names = dict(session.execute(select(User.user_id, User.username)).all())
    items: list[TimelineItem] = []
    for a in session.scalars(select(ContactAttempt).where(ContactAttempt.case_id == case_id)
                             .order_by(ContactAttempt.at.desc()).limit(limit)):
        items.append(TimelineItem(at=utc_aware(a.at), kind="attempt",
                                  by=names.get(a.user_id) or a.source, channel=a.channel,
                                  party=a.party, result=a.result,
                                  overdue_reason=a.overdue_reason, decision_id=a.decision_id))
    for n in session.scalars(select(Note).where(Note.case_id == case_id)
                             .order_by(Note.at.desc()).limit(limit)):
        cats = tuple(sorted({v.get("category", "") for v in (n.flagged or {}).get(
            "violations", [])}))
        items.append(TimelineItem(at=utc_aware(n.at), kind=n.kind, by=names.get(n.user_id),
                                  text=n.text, flagged=cats))
    for p in session.scalars(select(Promise).where(Promise.case_id == case_id)
                             .order_by(Promise.created_at.desc()).limit(limit)):
        items.append(TimelineItem(at=utc_aware(p.created_at), kind="promise",
                                  by=names.get(p.user_id), amount=p.amount, due_on=p.due_on,
                                  status=p.status))
    items.sort(key=lambda i: (i.at, {"promise": 0, "note": 1}.get(i.kind, 2)), reverse=True)
    return items[:limit]


@dataclass(frozen=True)
class LoanView:
    loan_id: str
    product: str
    currency: str
    principal: Decimal
    dpd: int
    bucket: str
    overdue_principal: Decimal
    overdue_interest: Decimal
    overdue_fee: Decimal
    overdue_amount: Decimal
    outstanding_principal: Decimal
    oldest_unpaid_due_date: date | None


@dataclass(frozen=True)
class PortfolioDetail:
    """Installments and payments from the portfolio engine, or why they are missing."""

    installments: list[dict[str, Any]]
    payments: list[dict[str, Any]]
    unavailable: str | None = None  # desk.account.portfolio_* key


@dataclass(frozen=True)
class PlanView:
    plan_id: int
    kind: str
    status: str
    agreed_amount: Decimal
    months: int
    first_due_on: date


@dataclass(frozen=True)
class AccountView:
    case_id: int
    customer_id: str
    status: str
    dpd: int
    bucket: str
    currency: str
    overdue_amount: Decimal
    outstanding_principal: Decimal
    loan_count: int
    assigned_to: str | None
    agency_id: str | None
    lease_user: str | None
    lease_until: datetime | None
    name_masked: str
    national_id_masked: str | None
    address_masked: str | None
    language: str
    region: str | None
    timezone: str | None
    flags: list[str]
    holds: list[HoldView]
    contacts: list[ContactView]
    loans: list[LoanView]
    open_promises: list[TimelineItem]
    plans: list[PlanView]
    timeline: list[TimelineItem]
    portfolio: PortfolioDetail
    may_reveal: bool


def portfolio_detail(*, app: Any, loan_ids: list[str], as_of: date) -> PortfolioDetail:
    """Installments and payments of the case's loans; a message when the engine is busy."""
    if not loan_ids:
        return PortfolioDetail([], [])
    try:
        from arrears.adapters.portfolio.reader import loan_detail
    except ImportError:
        return PortfolioDetail([], [], "desk.account.portfolio_missing")
    try:
        detail = loan_detail(app=app, loan_ids=loan_ids, as_of=as_of)
    except Exception as exc:  # noqa: BLE001 - the engine may be locked by the daily run
        busy = "lock" in str(exc).lower()
        return PortfolioDetail([], [], "desk.account.portfolio_busy" if busy
                               else "desk.account.portfolio_unavailable")
    return PortfolioDetail(list(_get(detail, "installments")), list(_get(detail, "payments")))


def _get(obj: Any, name: str) -> list[dict[str, Any]]:
    value = obj.get(name, []) if isinstance(obj, dict) else getattr(obj, name, [])
    return [dict(v) if not isinstance(v, dict) else v for v in (value or [])]


def _loans(session: Session, case_id: int) -> list[LoanView]:
    from arrears.adapters.db.tables import LoanPosition

    rows = session.scalars(select(LoanPosition).where(LoanPosition.case_id == case_id)
                           .order_by(LoanPosition.loan_id)).all()
    return [LoanView(r.loan_id, r.product, r.currency, r.principal, r.dpd, r.bucket,
                     r.overdue_principal, r.overdue_interest, r.overdue_fee,
                     r.overdue_amount, r.outstanding_principal, r.oldest_unpaid_due_date)
            for r in rows]


def _plans(session: Session, case_id: int) -> list[PlanView]:
    from arrears.adapters.db.tables_strategy import RepaymentPlan

    rows = session.scalars(select(RepaymentPlan).where(
        RepaymentPlan.case_id == case_id,
        RepaymentPlan.status.in_(("proposed", "active")))
        .order_by(RepaymentPlan.plan_id.desc())).all()
    return [PlanView(p.plan_id, p.kind, p.status, p.agreed_amount, p.months, p.first_due_on)
            for p in rows]


def account_view(session: Session, *, app: Any, principal: PrincipalLike, case_id: int,
                 as_of: date) -> AccountView:
    """Everything the collector sees for one case, personal data masked."""
    case = load_case(session, principal=principal, case_id=case_id)
    customer = session.get(Customer, case.customer_id)
    if customer is None:
        raise NotFound(f"case {case_id} has no customer record", field="case_id")
    holds = active_holds(session, customer_id=customer.customer_id, as_of=as_of)
    flags = {h.flag for h in holds if h.contact_id is None}
    events = timeline(session, case_id=case_id)
    loans = _loans(session, case_id)
    names = dict(session.execute(select(User.user_id, User.username).where(
        User.user_id.in_([u for u in (case.assigned_to, case.lease_user_id) if u]))).all())
    return AccountView(
        case_id=case.case_id, customer_id=customer.customer_id, status=case.status,
        dpd=case.dpd, bucket=case.bucket, currency=case.currency,
        overdue_amount=case.overdue_amount, outstanding_principal=case.outstanding_principal,
        loan_count=case.loan_count, assigned_to=names.get(case.assigned_to),
        agency_id=case.agency_id, lease_user=names.get(case.lease_user_id),
        lease_until=utc_aware(case.lease_until) if case.lease_until else None,
        name_masked=customer.full_name_masked, national_id_masked=customer.national_id_masked,
        address_masked=customer.address_masked,
        language=customer.preferred_language or "zh-CN", region=customer.region,
        timezone=customer.timezone or customer.address_timezone, flags=sorted(flags),
        holds=holds,
        contacts=contact_views(session, customer_id=customer.customer_id, flags=flags,
                               holds=holds),
        loans=loans,
        open_promises=[e for e in events if e.kind == "promise" and e.status == "open"],
        plans=_plans(session, case_id), timeline=events,
        portfolio=portfolio_detail(app=app, loan_ids=[lv.loan_id for lv in loans],
                                   as_of=as_of),
        may_reveal=principal.role in REVEAL_ROLES)


def reveal(session: Session, *, keyring: Any, principal: PrincipalLike, case_id: int,
           field: str, reason: str, at: datetime) -> str:
    """One personal-data field in clear, for a stated reason, written to the audit log.

    ``field`` is ``full_name``, ``national_id``, ``address`` or ``contact:<contact_id>``.
    """
    from arrears.adapters.db.tables import ContactPoint
    from arrears.errors import InvalidInput
    from arrears.services.audit import append_audit

    if principal.role not in REVEAL_ROLES:
        raise RevealRefused(f"role {principal.role} may not reveal personal data")
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise InvalidInput(f"give a reason of at least {MIN_REASON} characters",
                           field="reason")
    case = load_case(session, principal=principal, case_id=case_id)
    customer = session.get(Customer, case.customer_id)
    assert customer is not None
    if field.startswith("contact:"):
        point = session.get(ContactPoint, field.removeprefix("contact:"))
        if point is None or point.customer_id != customer.customer_id:
            raise NotFound("no such contact on this case", field="field")
        token = point.value_enc
    elif field in REVEAL_FIELDS and principal.role != "agency":
        token = getattr(customer, f"{field}_enc")
    elif field in REVEAL_FIELDS:
        raise RevealRefused("agency users may reveal contact numbers only")
    else:
        raise InvalidInput(f"unknown field {field!r}", field="field")
    if token is None:
        raise NotFound("nothing recorded for this field", field="field")
    append_audit(session, actor=principal.username, action="pii.reveal", object_type="case",
                 object_id=case_id, detail={"field": field, "reason": reason}, at=at)
    return str(keyring.decrypt(token))
