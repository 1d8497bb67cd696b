"""Request and response models of the REST API (desk part)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from arrears.services import contacts

T = TypeVar("T")


def _no_control(value: str) -> str:
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in value):
        raise ValueError("control characters are not allowed")
    return value


def _sane_time(value: datetime) -> datetime:
    if not 2000 <= value.year <= 2100:
        raise ValueError("must be between the years 2000 and 2100")
    return value


def _sane_date(value: date) -> date:
    if not 2000 <= value.year <= 2100:
        raise ValueError("must be between the years 2000 and 2100")
    return value


def as_utc(value: datetime) -> datetime:
    """A stored time as an aware UTC datetime (SQLite keeps no offset; stores keep UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Text = Annotated[str, AfterValidator(_no_control)]
#: An input time: it must carry its UTC offset (``2026-11-30T10:00:00+08:00``).
When = Annotated[AwareDatetime, AfterValidator(_sane_time)]
#: An output time: always with its offset (UTC), whatever the store gave back.
UtcTime = Annotated[datetime, AfterValidator(as_utc)]
Day = Annotated[date, AfterValidator(_sane_date)]
Money = Annotated[Decimal, Field(gt=0, max_digits=16, decimal_places=2)]


class ErrorBody(BaseModel):
    code: str
    message: str
    field: str | None = None
    fields: list[dict[str, str]] | None = None
    detail: dict[str, Any] | None = None


class ErrorOut(BaseModel):
    error: ErrorBody


class Page(BaseModel, Generic[T]):
    items: list[T]
    page: int
    page_size: int
    total: int


class Me(BaseModel):
    user_id: int
    username: str
    display_name: str
    role: str
    team_id: str | None
    agency_id: str | None
    locale: str


class CaseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
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


class LeaseOut(BaseModel):
    case_id: int
    lease_until: UtcTime


class ContactPointOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    contact_id: str
    channel: str
    relation: str
    value_masked: str
    is_primary: bool
    consent: bool
    may: list[str]
    caution: str | None


class LoanOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
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


class PlanOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    plan_id: int
    kind: str
    status: str
    agreed_amount: Decimal
    months: int
    first_due_on: date


class TimelineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    at: UtcTime
    kind: str
    by: str | None
    channel: str | None = None
    party: str | None = None
    result: str | None = None
    overdue_reason: str | None = None
    text: str | None = None
    amount: Decimal | None = None
    due_on: date | None = None
    status: str | None = None
    flagged: list[str] = []


class HoldOut(BaseModel):
    """An active hold or flag: who set it, when, why, until when (and on which contact)."""

    model_config = ConfigDict(from_attributes=True)
    flag_id: int
    flag: str
    contact_id: str | None
    contact_masked: str | None
    until: date | None
    set_by: str
    set_at: UtcTime
    reason: str


class AccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
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
    name_masked: str
    national_id_masked: str | None
    address_masked: str | None
    language: str
    flags: list[str]
    holds: list[HoldOut]
    contacts: list[ContactPointOut]
    loans: list[LoanOut]
    plans: list[PlanOut]
    timeline: list[TimelineOut]


# The contact vocabularies of the service, as enums in the OpenAPI document.
Channel = Literal[contacts.CHANNELS]  # type: ignore[valid-type]
Party = Literal[contacts.PARTIES]  # type: ignore[valid-type]
Result = Literal[contacts.RESULTS]  # type: ignore[valid-type]
OverdueReason = Literal[contacts.OVERDUE_REASONS]  # type: ignore[valid-type]


class ContactIn(BaseModel):
    """A contact attempt and what was learnt in it."""

    model_config = ConfigDict(extra="forbid")
    channel: Channel = Field(examples=["call"])
    party: Party = Field(examples=["self"])
    result: Result = Field(examples=["right_party_contact"])
    contact_id: Text | None = Field(default=None, max_length=64)
    overdue_reason: OverdueReason | None = None
    promise_amount: Money | None = None
    promise_due: Day | None = None
    callback_at: When | None = None
    note: Text | None = Field(default=None, max_length=4000)
    compliance_override_reason: Text | None = Field(
        default=None, max_length=500,
        description="A compliance officer's reason to override a block (audited).")
    override_decision_id: int | None = Field(
        default=None, ge=1, le=2_147_483_647,
        description="The blocked decision (from a 409 answer) the officer overrides.")
    note_override_reason: Text | None = Field(default=None, max_length=500)


class BlockOut(BaseModel):
    """Why the compliance engine blocked the contact (409); nothing but the decision is
    stored."""

    decision_id: int
    rules: list[str]
    explanation: str = Field(description="In the caller's language.")
    local_time: AwareDatetime = Field(
        description="The borrower's local time, with its offset.")
    next_allowed_at: AwareDatetime | None = Field(
        description="Borrower local time; null while a hold lasts.")
    zone: str


class ContactOut(BaseModel):
    attempt_id: int | None
    promise_id: int | None
    task_id: int | None
    note_id: int | None
    decision_id: int | None = None
    blocked: BlockOut | None = None
    note_flags: list[str] = []


class AttemptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    attempt_id: int
    case_id: int
    contact_id: str | None
    at: UtcTime
    channel: str
    party: str
    result: str
    overdue_reason: str | None
    decision_id: int | None
    source: str


class PromiseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: Money
    due_on: Day


class PromiseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    promise_id: int
    case_id: int
    amount: Decimal
    currency: str
    due_on: date
    status: str
    paid_amount: Decimal
    created_at: UtcTime


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: Text = Field(min_length=1, max_length=4000)
    override_reason: Text | None = Field(default=None, max_length=500)


class NoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    note_id: int
    case_id: int
    at: UtcTime
    kind: str
    text: str
    flagged: list[str] = []
