"""Factories for the strategy tests: a small hand-built book in both stores."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import ibis
import pyarrow as pa
from ibis.common.exceptions import TableNotFound

from arrears.adapters.db.base import unit_of_work
from arrears.adapters.db.tables import (
    Agency,
    CollectionCase,
    ContactAttempt,
    ContactPoint,
    Customer,
    LoanPosition,
    User,
)


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), UTC)


def add_case(app: Any, *, customer_id: str, dpd: int, bucket: str, overdue: str,
             outstanding: str = "5000.00", opened: date, lang: str = "zh-CN",
             loans: int = 1, phone: bool = True, email: bool = False, mail: bool = False
             ) -> int:
    """A customer with self contacts, an open case and its loan positions."""
    kr = app.keyring
    with unit_of_work(app.session_factory) as s:
        s.add(Customer(customer_id=customer_id, full_name_enc=kr.encrypt("张三"),
                       full_name_masked="张*", country="CN", preferred_language=lang,
                       address_enc=kr.encrypt("山东省济南市历下区某路1号"),
                       address_masked="山东省济南市历下区"))
        s.flush()
        for channel, value, wanted in (("phone", "+8613812345678", phone),
                                       ("email", f"{customer_id}@example.com", email),
                                       ("mail", "山东省济南市历下区某路1号", mail)):
            if wanted:
                s.add(ContactPoint(contact_id=f"{customer_id}-{channel}", customer_id=customer_id,
                                   channel=channel, value_enc=kr.encrypt(value),
                                   value_hash=kr.blind_index(value) or "", value_masked="***",
                                   relation="self", is_primary=True, consent=True))
        case = CollectionCase(customer_id=customer_id, status="open", opened_on=opened,
                              as_of=opened, currency="CNY", dpd=dpd, bucket=bucket,
                              overdue_amount=Decimal(overdue),
                              outstanding_principal=Decimal(outstanding), loan_count=loans)
        s.add(case)
        s.flush()
        share = Decimal(overdue) / loans
        for n in range(loans):
            s.add(LoanPosition(loan_id=f"{customer_id}-L{n + 1}", customer_id=customer_id,
                               case_id=case.case_id, as_of=opened, product="cash_loan",
                               currency="CNY", principal=Decimal("6000.00"), dpd=dpd,
                               bucket=bucket, overdue_principal=share - Decimal("20.00"),
                               overdue_interest=Decimal("15.00"), overdue_fee=Decimal("5.00"),
                               overdue_amount=share,
                               outstanding_principal=Decimal(outstanding) / loans,
                               credit_balance=Decimal("0.00"),
                               oldest_unpaid_due_date=date(2026, 2, 1)))
        return case.case_id


def call(case_id: int, customer_id: str, at: datetime, result: str = "no_answer"
         ) -> ContactAttempt:
    """A call to the customer at ``at`` with its result (not yet added to a session)."""
    return ContactAttempt(case_id=case_id, customer_id=customer_id, at=at, channel="call",
                          party="self" if result == "right_party_contact" else "none",
                          result=result)


def set_case(app: Any, case_id: int, **values: Any) -> None:
    with unit_of_work(app.session_factory) as s:
        case = s.get(CollectionCase, case_id)
        for k, v in values.items():
            setattr(case, k, v)
        for lp in s.query(LoanPosition).filter(LoanPosition.case_id == case_id):
            for k in ("dpd", "bucket"):
                if k in values:
                    setattr(lp, k, values[k])


def add_user(app: Any, *, username: str, role: str = "collector", team: str | None = "early",
             languages: str = "zh-CN", agency_id: str | None = None) -> int:
    with unit_of_work(app.session_factory) as s:
        user = User(username=username, display_name=username, password_hash="x", role=role,
                    team_id=team, languages=languages, agency_id=agency_id, active=True)
        s.add(user)
        s.flush()
        return user.user_id


def add_agency(app: Any, agency_id: str, *, whitelisted: bool = True,
               evaluated: date | None = date(2026, 1, 1)) -> None:
    with unit_of_work(app.session_factory) as s:
        s.add(Agency(agency_id=agency_id, name=agency_id, whitelisted=whitelisted,
                     last_evaluated_on=evaluated))


PAYMENT_SCHEMA = pa.schema([("payment_id", pa.string()), ("loan_id", pa.string()),
                            ("paid_on", pa.date32()), ("amount", pa.decimal128(18, 2)),
                            ("kind", pa.string()), ("reverses_payment_id", pa.string())])


def pay(app: Any, rows: list[tuple[str, str, date, str]], *, kind: str = "payment",
        reverses: str | None = None) -> None:
    """Append payments ``(payment_id, loan_id, paid_on, amount)`` to the portfolio engine."""
    con = app.portfolio()
    table = pa.table({"payment_id": [r[0] for r in rows], "loan_id": [r[1] for r in rows],
                      "paid_on": [r[2] for r in rows], "amount": [Decimal(r[3]) for r in rows],
                      "kind": [kind] * len(rows), "reverses_payment_id": [reverses] * len(rows)},
                     schema=PAYMENT_SCHEMA)
    _append(con, "payments", table)
    loan_ids = sorted({r[1] for r in rows})
    try:
        known = set(con.table("loans").loan_id.to_pyarrow().to_pylist())
    except TableNotFound:
        known = set()
    new = [lid for lid in loan_ids if lid not in known]
    if new:  # the book's loans: "<customer>-L<n>" belongs to <customer>
        _append(con, "loans", pa.table({"loan_id": new,
                                        "customer_id": [x.rsplit("-L", 1)[0] for x in new]}))


def _append(con: Any, name: str, table: pa.Table) -> None:
    try:
        con.table(name)
    except TableNotFound:
        con.create_table(name, ibis.memtable(table))
    else:
        con.insert(name, ibis.memtable(table))
