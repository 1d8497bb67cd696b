"""The vocabulary of contact compliance: attempts, history events, customers, decisions.

Attempts, customers and templates are immutable named tuples (cheap to build: the engine
decides tens of thousands of attempts a second). History events are plain tuples read by
position (``EV_*`` indexes) because a dialler list carries many of them per borrower.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, NamedTuple

CHANNELS = frozenset({"call", "sms", "email", "letter", "visit"})
RESULTS = frozenset({"conversation", "no_answer", "voicemail", "busy", "not_connected"})
#: The result of a message (SMS, e-mail, letter) in the history: never a call, never a
#: conversation, outside every call cap. Stores record messages as sent, delivered or failed.
MESSAGE = "message"
#: Results where the call never connected to the dialled number.
NOT_CONNECTED = frozenset({"busy", "not_connected"})
#: Parties treated as the borrower (guarantors are treated as borrowers).
BORROWER_PARTIES = frozenset({"self", "guarantor"})
#: Parties the rules on debt holds still let us reach (the borrower's representatives).
REPRESENTATIVES = frozenset({"attorney", "executor"})
#: Who started a contact when it was not us.
INBOUND = frozenset({"customer", "consumer", "borrower", "debtor", "self", "inbound"})
FLAGS = frozenset({
    "unreachable", "dispute", "cease_communication", "attorney_represented", "bankruptcy",
    "deceased", "hardship_hold", "financial_difficulty", "employer_forbids_work_contact",
    "time_barred", "opt_out_sms", "opt_out_email", "opt_out_call", "validation_pending",
    "breathing_space", "opt_out_visit", "opt_out_letter",
})
PERMITTED_NOTICES = frozenset({
    "notice_efforts_ending", "notice_may_invoke_remedy", "notice_will_invoke_remedy",
})

# Positions in a history event tuple.
EV_AT = 0          # naive datetime in UTC
EV_CHANNEL = 1
EV_PARTY = 2
EV_CONTACT_ID = 3
EV_CONTACT_VALUE = 4
EV_DEBT_ID = 5
EV_RESULT = 6
EV_INBOUND = 7     # bool: the customer started it
EV_WITH_CONSENT = 8  # bool: placed with the customer's consent


class Template(NamedTuple):
    """What a message template says about itself (set when the template is approved)."""

    id: str | None = None
    has_opt_out: bool = False
    mentions_legal_action: bool = False
    asks_to_borrow: bool = False
    permitted_notice: str | None = None
    asks_to_sell_property: bool = False
    demands_full_payment_short: bool = False
    prohibited: tuple[str, ...] = ()


class Consent(NamedTuple):
    """A consent or preference the borrower recorded.

    ``call_time`` / ``contact_time``: contact welcome in [start, end) local seconds of day.
    ``preferred_time``: contact only in that window (gb). ``call``: consent to be called
    given at ``given_at`` (us: exempts calls from the frequency caps for 7 days).
    ``preferred_channel``: contact only through ``channel`` (gb).
    """

    kind: str
    start: int | None = None
    end: int | None = None
    given_at: datetime | None = None
    channel: str | None = None


class Attempt(NamedTuple):
    """One contact about to happen."""

    at: datetime
    channel: str
    party: str = "self"
    contact_id: str | None = None
    contact_value: str | None = None
    debt_id: str | None = None
    initiated_by: str = "collector"
    agency_id: str | None = None
    template: Template | None = None
    mentions_debt: bool = True
    collectors: int = 1
    workplace: bool = False
    product: str | None = None


class Customer(NamedTuple):
    """What the engine knows about the borrower."""

    country: str | None = None
    timezone: str | None = None
    address_timezone: str | None = None
    flags: frozenset[str] = frozenset()
    refused_contacts: frozenset[str] = frozenset()
    consents: tuple[Consent, ...] = ()
    breathing_space_until: date | None = None


class Hit(NamedTuple):
    """A rule that blocks: its id, message key and values, and when it would let go.

    ``next_at`` is None when no later time helps (a hold without end, a forbidden party).
    """

    rule: str
    key: str
    params: dict[str, Any]
    next_at: datetime | None
    tier: int


class Decision(NamedTuple):
    """The engine's answer for one attempt."""

    allowed: bool
    rules: tuple[str, ...]
    hits: tuple[Hit, ...]
    local_time: datetime
    zone: str
    next_allowed_at: datetime | None
    pack: str
    version: str

    @property
    def decision(self) -> str:
        return "allow" if self.allowed else "block"
