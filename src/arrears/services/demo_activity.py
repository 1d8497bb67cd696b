"""A day of collectors' work on the demo book, recorded through the real services.

``arrears demo`` runs the recent days of a generated book; without any contact history the
desk, the promise tracking and the dashboards would have nothing to show. This plays each
demo collector's day: the top of their list, called in the borrower's daytime, outcomes
drawn from a seeded generator, promises on some right-party contacts. Every attempt goes
through ``record_contact`` and so through the compliance engine, exactly as in the desk.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from arrears.adapters.db.base import unit_of_work
from arrears.adapters.db.tables import (
    CollectionCase,
    CollectionListEntry,
    ContactPoint,
    Customer,
    Promise,
    User,
)
from arrears.domain.money import round_money
from arrears.services.contacts import ContactInput, record_contact

OUTCOMES = (("no_answer", 40), ("busy", 8), ("voicemail", 7), ("right_party_contact", 40),
            ("wrong_number", 5))
REASONS = ("job_loss", "illness", "business_trouble", "forgot", "income_reduced")
NOTES = {
    "zh": ("客户表示本周发工资后还款，已提醒按时还款。", "客户称近期收入减少，愿意先还一部分。",
           "已核实身份，告知逾期金额，客户同意还款。"),
    "en": ("Customer will pay after payday this week; reminded of the due amount.",
           "Income reduced recently; customer agreed to pay part now.",
           "Identity confirmed, overdue amount explained, customer agreed to pay."),
}


@dataclass(frozen=True)
class DemoActor:
    """The collector in whose name the demo records (the services' principal shape)."""

    user_id: int
    username: str
    display_name: str
    role: str
    team_id: str | None
    agency_id: str | None
    locale: str = "zh-CN"


@dataclass(frozen=True)
class DayActivity:
    attempts: int
    blocked: int
    promises: int


def _actors(session: Any) -> list[DemoActor]:
    users = session.scalars(select(User).where(User.role == "collector", User.active))
    return [DemoActor(u.user_id, u.username, u.display_name, u.role, u.team_id, u.agency_id,
                      u.locale or "zh-CN") for u in users]


def _worklist(session: Any, *, as_of: date, user_id: int, limit: int) -> list[Any]:
    rows = session.execute(
        select(CollectionCase, CollectionListEntry.call_from, Customer.timezone,
               Customer.preferred_language)
        .join(CollectionListEntry, CollectionListEntry.case_id == CollectionCase.case_id)
        .join(Customer, Customer.customer_id == CollectionCase.customer_id)
        .where(CollectionListEntry.as_of == as_of, CollectionListEntry.may_call.is_not(False),
               CollectionCase.assigned_to == user_id, CollectionCase.status == "open")
        .order_by(CollectionListEntry.rank).limit(limit))
    return list(rows)


def _self_phone(session: Any, customer_id: str) -> str | None:
    return session.scalar(select(ContactPoint.contact_id).where(
        ContactPoint.customer_id == customer_id, ContactPoint.relation == "self",
        ContactPoint.channel == "phone").order_by(ContactPoint.is_primary.desc()).limit(1))


def _call_time(*, as_of: date, tz: str | None, call_from: datetime | None, slot: int) -> datetime:
    """A daytime call in the borrower's zone, never before the list's screening time."""
    zone = ZoneInfo(tz or "Asia/Shanghai")
    at = datetime.combine(as_of, time(9, 30), zone) + timedelta(minutes=6 * slot)
    if call_from is not None:
        start = call_from if call_from.tzinfo else call_from.replace(tzinfo=ZoneInfo("UTC"))
        at = max(at, start.astimezone(zone) + timedelta(minutes=1))
    return at


def _has_open_promise(session: Any, case_id: int) -> bool:
    return session.scalar(select(Promise.promise_id).where(
        Promise.case_id == case_id, Promise.status == "open").limit(1)) is not None


def _contact_input(rng: random.Random, *, case: Any, contact_id: str | None, lang: str | None,
                   as_of: date, may_promise: bool) -> ContactInput:
    result = rng.choices([o for o, _ in OUTCOMES], weights=[w for _, w in OUTCOMES])[0]
    if result != "right_party_contact":
        return ContactInput(channel="call", party="self", result=result, contact_id=contact_id)
    notes = NOTES["en" if (lang or "").startswith("en") else "zh"]
    promise = may_promise and rng.random() < 0.6 and case.overdue_amount > 0
    amount = round_money(case.overdue_amount * Decimal(rng.choice(("0.5", "1", "1"))))
    return ContactInput(
        channel="call", party="self", result=result, contact_id=contact_id,
        overdue_reason=rng.choice(REASONS), note=rng.choice(notes),
        promise_amount=amount if promise else None,
        promise_due=as_of + timedelta(days=rng.randint(2, 7)) if promise else None)


def simulate_day(*, app: Any, as_of: date, seed: int, calls_per_collector: int = 25) -> DayActivity:
    """Record one day of calls by every demo collector on today's list."""
    rng = random.Random(f"{seed}:{as_of.isoformat()}")
    attempts = blocked = promises = 0
    with unit_of_work(app.session_factory) as session:
        actors = _actors(session)
    for actor in actors:
        with unit_of_work(app.session_factory) as session:
            work = _worklist(session, as_of=as_of, user_id=actor.user_id,
                             limit=calls_per_collector)
            for slot, (case, call_from, tz, lang) in enumerate(work):
                data = _contact_input(rng, case=case, lang=lang, as_of=as_of,
                                      contact_id=_self_phone(session, case.customer_id),
                                      may_promise=not _has_open_promise(session, case.case_id))
                at = _call_time(as_of=as_of, tz=tz, call_from=call_from, slot=slot)
                done = record_contact(session, app=app, principal=actor, case_id=case.case_id,
                                      data=data, at=at, as_of=as_of, source="demo")
                attempts += done.blocked is None
                blocked += done.blocked is not None
                promises += done.promise_id is not None
    return DayActivity(attempts, blocked, promises)
