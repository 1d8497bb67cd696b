"""Factory functions with defaults for operations-store rows (tests build cases with these).

Personal data goes through the application's key ring exactly as the daily run stores it:
encrypted, with a keyed hash and a masked copy.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from arrears.adapters.db.base import unit_of_work
from arrears.adapters.db.tables import (
    Agency,
    CollectionCase,
    CollectionListEntry,
    ContactPoint,
    Customer,
    LoanPosition,
)
from arrears.domain.masking import mask_address, mask_name, mask_national_id, mask_phone
from arrears.services.auth import create_user

_seq = itertools.count(1)
AS_OF = date(2026, 11, 27)
AT = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def make_user(app: Any, *, username: str, role: str = "collector", team_id: str | None = None,
              agency_id: str | None = None, password: str | None = None,
              locale: str | None = None) -> int:
    """A user (password defaults to ``pw-<username>-long``); returns the user id."""
    with unit_of_work(app.session_factory) as s:
        user = create_user(s, username=username, password=password or f"pw-{username}-long",
                           role=role, team_id=team_id, agency_id=agency_id, locale=locale,
                           at=AT)
        return user.user_id


def make_case(app: Any, *, assigned_to: int | None = None, team_id: str | None = "team-a",
              agency_id: str | None = None, rank: int | None = None, dpd: int = 12,
              bucket: str = "M1", overdue: str = "1234.50", as_of: date = AS_OF,
              name: str = "张伟", national_id: str = "370202199001011234",
              phone: str = "+8613812345678", family_phone: str = "+8613900001111",
              address: str = "山东省青岛市市南区香港中路100号", language: str = "zh-CN",
              may_call: bool = True) -> int:
    """A customer with two contacts (self, spouse), one loan, an open case on the list."""
    n = next(_seq)
    ring = app.keyring
    cid = f"C{n:06d}"
    with unit_of_work(app.session_factory) as s:
        if agency_id and s.get(Agency, agency_id) is None:
            s.add(Agency(agency_id=agency_id, name=agency_id, whitelisted=True))
        s.add(Customer(customer_id=cid, full_name_enc=ring.encrypt(name),
                       full_name_masked=mask_name(name), national_id_enc=ring.encrypt(national_id),
                       national_id_hash=ring.blind_index(national_id),
                       national_id_masked=mask_national_id(national_id), country="CN",
                       region="370200", timezone="Asia/Shanghai", preferred_language=language,
                       address_enc=ring.encrypt(address), address_masked=mask_address(address)))
        s.flush()
        for kind, relation, value, primary in (("self", "self", phone, True),
                                               ("fam", "spouse", family_phone, False)):
            s.add(ContactPoint(contact_id=f"K{n:06d}{kind}", customer_id=cid, channel="phone",
                               value_enc=ring.encrypt(value), value_hash=ring.blind_index(value),
                               value_masked=mask_phone(value), relation=relation,
                               is_primary=primary, consent=relation == "self"))
        case = CollectionCase(customer_id=cid, status="open", opened_on=as_of, as_of=as_of,
                              currency="CNY", dpd=dpd, bucket=bucket,
                              overdue_amount=Decimal(overdue),
                              outstanding_principal=Decimal("8000.00"), loan_count=1,
                              assigned_to=assigned_to, team_id=team_id, agency_id=agency_id,
                              version=1)
        s.add(case)
        s.flush()
        s.add(LoanPosition(loan_id=f"L{n:06d}", customer_id=cid, case_id=case.case_id,
                           as_of=as_of, product="cash_loan", currency="CNY",
                           principal=Decimal("10000.00"), dpd=dpd, bucket=bucket,
                           overdue_principal=Decimal(overdue) - Decimal("34.50"),
                           overdue_interest=Decimal("30.00"), overdue_fee=Decimal("4.50"),
                           overdue_amount=Decimal(overdue),
                           outstanding_principal=Decimal("8000.00"),
                           credit_balance=Decimal("0.00"),
                           oldest_unpaid_due_date=date(2026, 11, 15)))
        s.add(CollectionListEntry(as_of=as_of, case_id=case.case_id,
                                  rank=rank if rank is not None else n, may_call=may_call))
        return case.case_id
