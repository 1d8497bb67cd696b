"""Reading scenarios (the evaluation format) into engine values, with exact errors.

Plain code instead of a validation library: a dialler list is decided at tens of thousands
of scenarios a second, and every error must name its field.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from arrears.domain.compliance.model import (
    CHANNELS,
    FLAGS,
    INBOUND,
    RESULTS,
    Attempt,
    Consent,
    Customer,
    Template,
)
from arrears.domain.compliance.packs import OptionError, parse_hhmm

_fromiso = datetime.fromisoformat


class ScenarioError(ValueError):
    """A scenario field that is missing or malformed."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def parse_at(value: Any, field: str) -> datetime:
    """An ISO 8601 timestamp with a UTC offset."""
    if not isinstance(value, str):
        raise ScenarioError(field, f"expected an ISO 8601 timestamp, got {value!r}")
    try:
        at = _fromiso(value)
    except ValueError:
        raise ScenarioError(field, f"not an ISO 8601 timestamp: {value!r}") from None
    if at.tzinfo is None:
        raise ScenarioError(field, f"{value!r} has no UTC offset")
    return at


def _str(value: Any, field: str, *, required: bool = False) -> str | None:
    if type(value) is str:
        return value
    if value is None:
        if required:
            raise ScenarioError(field, "is required")
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise ScenarioError(field, f"expected a string, got {value!r}")


def _bool(value: Any, field: str, default: bool) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ScenarioError(field, f"expected true or false, got {value!r}")
    return value


def _obj(value: Any, field: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ScenarioError(field, "expected an object")
    return value


def parse_template(raw: Any, field: str = "attempt.template") -> Template | None:
    """A template with its properties (or only an id)."""
    if raw is None:
        return None
    if isinstance(raw, str):
        return Template(id=raw)
    raw = _obj(raw, field)
    prohibited = raw.get("prohibited") or ()
    if isinstance(prohibited, str):
        prohibited = (prohibited,)
    if not isinstance(prohibited, list | tuple):
        raise ScenarioError(f"{field}.prohibited", "expected a list of categories")
    return Template(
        id=_str(raw.get("id"), f"{field}.id"),
        has_opt_out=_bool(raw.get("has_opt_out"), f"{field}.has_opt_out", False),
        mentions_legal_action=_bool(raw.get("mentions_legal_action"),
                                    f"{field}.mentions_legal_action", False),
        asks_to_borrow=_bool(raw.get("asks_to_borrow"), f"{field}.asks_to_borrow", False),
        permitted_notice=_str(raw.get("permitted_notice"), f"{field}.permitted_notice"),
        asks_to_sell_property=_bool(raw.get("asks_to_sell_property"),
                                    f"{field}.asks_to_sell_property", False),
        demands_full_payment_short=_bool(raw.get("demands_full_payment_short"),
                                         f"{field}.demands_full_payment_short", False),
        prohibited=tuple(str(p) for p in prohibited),
    )


_ATTEMPT_TEXT = ("party", "contact_id", "contact_value", "debt_id", "initiated_by",
                 "agency_id", "product")


def parse_attempt(raw: Any) -> Attempt:
    """The ``attempt`` object of a scenario."""
    if type(raw) is not dict:
        raise ScenarioError("attempt", "is required and must be an object")
    get = raw.get
    channel = get("channel")
    if channel not in CHANNELS:
        raise ScenarioError("attempt.channel",
                            f"expected one of {', '.join(sorted(CHANNELS))}, got {channel!r}")
    collectors = get("collectors", 1)
    if collectors is None:
        collectors = 1
    if type(collectors) is not int or collectors < 0:
        raise ScenarioError("attempt.collectors", f"expected a whole number, got {collectors!r}")
    text = [get(name) for name in _ATTEMPT_TEXT]
    for k, value in enumerate(text):
        if value is not None and type(value) is not str:
            text[k] = _str(value, f"attempt.{_ATTEMPT_TEXT[k]}")
    party, contact_id, contact_value, debt_id, initiated_by, agency_id, product = text
    debt = get("mentions_debt")
    workplace = get("workplace")
    template = get("template")
    place = get("place") or get("location")
    return Attempt(
        parse_at(get("at"), "attempt.at"), channel, party or "self", contact_id,
        contact_value, debt_id, initiated_by or "collector", agency_id,
        None if template is None else parse_template(template),
        True if debt is None else _bool(debt, "attempt.mentions_debt", True), collectors,
        (False if workplace is None else _bool(workplace, "attempt.workplace", False))
        or place in ("workplace", "work"), product)


def _parse_consent(raw: Any, field: str) -> Consent:
    raw = _obj(raw, field)
    kind = _str(raw.get("kind"), f"{field}.kind", required=True) or ""
    start = end = None
    try:
        if raw.get("from") is not None:
            start = parse_hhmm(raw["from"], f"{field}.from")
        if raw.get("until") is not None:
            end = parse_hhmm(raw["until"], f"{field}.until")
    except OptionError as exc:
        raise ScenarioError(exc.option, exc.reason) from None
    given = raw.get("given_at") or raw.get("at")
    return Consent(kind=kind, start=start, end=end,
                   given_at=parse_at(given, f"{field}.given_at") if given else None,
                   channel=_str(raw.get("channel"), f"{field}.channel"))


def _str_set(value: Any, field: str) -> frozenset[str]:
    if value is None:
        return frozenset()
    if not isinstance(value, list | tuple):
        raise ScenarioError(field, "expected a list")
    out = []
    for i, item in enumerate(value):
        out.append(_str(item, f"{field}[{i}]", required=True))
    return frozenset(out)  # type: ignore[arg-type]


def _date(value: Any, field: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            pass
    raise ScenarioError(field, f"expected a date YYYY-MM-DD, got {value!r}")


_EMPTY: frozenset[str] = frozenset()


def parse_customer(raw: Any, default_country: str) -> Customer:
    """The ``customer`` object (every field optional)."""
    raw = _obj(raw, "customer")
    get = raw.get
    flags = _str_set(get("flags"), "customer.flags") if get("flags") else _EMPTY
    if flags and not flags <= FLAGS:
        raise ScenarioError("customer.flags", f"unknown flag {sorted(flags - FLAGS)[0]!r}")
    consents = get("consents") or ()
    if not isinstance(consents, list | tuple):
        raise ScenarioError("customer.consents", "expected a list")
    return Customer(
        country=(_str(raw.get("country"), "customer.country") or default_country).upper(),
        timezone=_str(raw.get("timezone"), "customer.timezone"),
        address_timezone=_str(raw.get("address_timezone"), "customer.address_timezone"),
        flags=flags,
        refused_contacts=_str_set(get("refused_contacts"), "customer.refused_contacts")
        if get("refused_contacts") else _EMPTY,
        consents=tuple(_parse_consent(c, f"customer.consents[{i}]")
                       for i, c in enumerate(consents)),
        breathing_space_until=_date(raw.get("breathing_space_until"),
                                    "customer.breathing_space_until"),
    )


def parse_history(raw: Any, since: str = "") -> list[tuple[Any, ...]]:
    """History events as tuples (see ``model.EV_*``).

    Events dated before ``since`` (an ISO date, compared on the timestamp's own date, so
    give a margin of two days for offsets) cannot count under any rule: they are skipped
    unread, which keeps long histories cheap.
    """
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ScenarioError("history", "expected a list")
    out = []
    append = out.append
    for i, ev in enumerate(raw):
        if type(ev) is not dict:
            raise ScenarioError(f"history[{i}]", "expected an object")
        get = ev.get
        at = get("at")
        if type(at) is str and at[:10] < since and at[4:5] == "-":
            continue
        try:
            when = _fromiso(at)
            if when.tzinfo is None:
                raise ValueError
        except (TypeError, ValueError):
            raise ScenarioError(f"history[{i}].at", f"not an ISO 8601 timestamp with a UTC "
                                                    f"offset: {at!r}") from None
        channel = get("channel")
        if channel not in CHANNELS:
            raise ScenarioError(f"history[{i}].channel", f"unknown channel {channel!r}")
        result = get("result")
        if result not in RESULTS:
            raise ScenarioError(f"history[{i}].result", f"expected one of "
                                f"{', '.join(sorted(RESULTS))}, got {result!r}")
        append((when, channel, get("party") or "self", get("contact_id"),
                get("contact_value"), get("debt_id"), result, get("initiated_by") in INBOUND,
                get("with_consent") is True))
    return out

