"""Reading scenarios (the evaluation format) into engine values, with exact errors.

Plain code instead of a validation library: a dialler list is decided at tens of thousands
of scenarios a second, and every error must name its field. Timestamps are parsed once per
distinct string (bounded caches); history events become compact tuples with the time in
UTC seconds, and events older than anything a rule can look at are skipped unread.

The usual history (every field present, times written to the second in offsets met
before) is read by a compiled reader, ``_history.pyx``, when the install built it; it
answers exactly as ``_plain_events`` here does or leaves the history to it.
"""

from __future__ import annotations

from bisect import bisect_left
from datetime import date, datetime, timedelta
from itertools import compress, islice, repeat
from operator import itemgetter, le
from typing import Any, NamedTuple

from arrears.domain.compliance.kernel import compiled_kernel
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
from arrears.domain.compliance.zones import as_local, midnight

_kernel = compiled_kernel()
_compiled_events = _kernel.plain_events if _kernel is not None else None

_fromiso = datetime.fromisoformat
_CACHE_LIMIT = 1 << 17
_AT_CACHE: dict[str, datetime] = {}
#: UTC offsets by how timestamps write them (``+08:00``, ``Z``), from well-formed ones only
_OFFSETS: dict[str, timedelta] = {}
#: the same table, for the compiled decision (``engine.decide_unread``)
OFFSETS_SEEN = _OFFSETS
_FLOOR_CACHE: dict[tuple[Any, ...], Floor] = {}
#: (zones, days, offset as written) -> spans of time in which no candidate zone passes
#: midnight, written in that offset to the second, each with the floor that holds in it
_FLOOR_SPANS: dict[tuple[Any, ...], list[tuple[str, str, Floor]]] = {}


class ScenarioError(ValueError):
    """A scenario field that is missing or malformed."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def clear_caches() -> None:
    """Forget the parsed timestamps (the caches are bounded; this is for measurements)."""
    _AT_CACHE.clear()
    _OFFSETS.clear()
    _FLOOR_CACHE.clear()
    _FLOOR_SPANS.clear()


def parse_at(value: Any, field: str) -> datetime:
    """An ISO 8601 timestamp with a UTC offset (each distinct string parsed once)."""
    if type(value) is str:
        found = _AT_CACHE.get(value)
        if found is not None:
            return found
    elif not isinstance(value, str):
        raise ScenarioError(field, f"expected an ISO 8601 timestamp, got {value!r}")
    try:
        at = _fromiso(value)
    except ValueError:
        raise ScenarioError(field, f"not an ISO 8601 timestamp: {value!r}") from None
    if at.tzinfo is None:
        raise ScenarioError(field, f"{value!r} has no UTC offset")
    if len(value) > 19 and value[19] in "+-Z" and value[10] in "T ":
        # the history of an attempt is mostly written in the attempt's own offset
        _OFFSETS[value[19:]] = at.utcoffset()  # type: ignore[assignment]
    if len(_AT_CACHE) >= _CACHE_LIMIT:
        _AT_CACHE.clear()
    _AT_CACHE[value] = at
    return at


def utc_naive(value: str) -> datetime | None:
    """An ISO 8601 timestamp with an offset as a naive UTC datetime (None when it is not
    one). Naive UTC compares fastest, and the common shape ``YYYY-MM-DDTHH:MM:SS+hh:mm``
    is read without building a time zone."""
    offset = _OFFSETS.get(value[19:])
    if offset is not None:
        try:
            local = _fromiso(value[:19])
            if local.tzinfo is None:
                return local - offset
        except (ValueError, OverflowError):
            return None
    try:
        at = _fromiso(value)
    except ValueError:
        return None
    offset = at.utcoffset()
    if offset is None:
        return None
    if len(value) > 19 and value[19] in "+-Z" and value[10] in "T ":
        _OFFSETS[value[19:]] = offset
    try:
        return at.replace(tzinfo=None) - offset
    except OverflowError:  # in UTC before year 1 or after 9999
        return None


_WRITTEN: dict[str, timedelta | None] = {}


def written_offset(value: str) -> timedelta | None:
    """The UTC offset of a timestamp written exactly as ``datetime.isoformat`` writes an
    aware time to the second (``2026-11-28T21:05:00+08:00``), else None. Such a text is
    the ``isoformat`` of every time of the same instant and offset."""
    if len(value) != 25 or value[10] != "T":
        return None
    suffix = value[19:]
    if suffix in _WRITTEN:
        offset = _WRITTEN[suffix]
    else:
        offset = None
        if suffix[0] in "+-":
            try:
                at = _fromiso("2000-01-01T00:00:00" + suffix)
            except ValueError:
                pass
            else:
                if at.isoformat()[19:] == suffix:
                    offset = at.utcoffset()
        if len(_WRITTEN) < 4096:
            _WRITTEN[suffix] = offset
    if offset is None or value[4] != "-" or value[7] != "-" or value[13] != ":" or (
            value[16] != ":"):
        return None
    return offset


class Floor(NamedTuple):
    """Where history stops mattering: events before ``epoch`` (UTC seconds) count under no
    rule. ``text`` is that moment written like the attempt's timestamp (same offset
    ``suffix``), so events written the same way are compared as strings, unparsed."""

    utc: datetime
    text: str = ""
    suffix: str = ""
    #: an ISO date: whatever its offset, an event dated before it is before the floor
    day: str = ""


NO_FLOOR = Floor(datetime.min)
_ONE_DAY = timedelta(days=1)
_AT = itemgetter("at")


_BACK = [timedelta(days=n) for n in range(64)]


def history_floor(at: datetime, raw_at: Any, zones: tuple[Any, ...], days: int) -> Floor:
    """Where history stops mattering for an attempt at ``at`` (written ``raw_at``) whose
    rules look back ``days`` local days before the attempt's day in ``zones``."""
    if type(raw_at) is not str or len(raw_at) <= 19 or raw_at[10] != "T" or (
            raw_at[19] not in "+-Z"):
        return _floor(at, zones, days, "")
    suffix = raw_at[19:]
    # The floor moves only when a candidate zone passes midnight: a dialler list of one
    # day needs a few floors per set of zones. Times written to the second in one offset
    # compare as text.
    written = len(raw_at) == 25 and raw_at[4] == "-" and raw_at[7] == "-" and (
        raw_at[13] == ":" and raw_at[16] == ":")
    if written:
        spans = _FLOOR_SPANS.get((zones, days, suffix))
        if spans is not None:
            for start, end, found in spans:
                if start <= raw_at < end:
                    return found
    # Local midnights fall on whole minutes: the minute the attempt is written in, with
    # its offset, settles every zone's local date.
    key = (zones, days, raw_at[:16], suffix)
    found = _FLOOR_CACHE.get(key)
    if found is None:
        found = _floor(at, zones, days, suffix)
        if len(_FLOOR_CACHE) >= 65536:
            _FLOOR_CACHE.clear()
        _FLOOR_CACHE[key] = found
    if written:
        _remember_span(at, zones, (zones, days, suffix), found)
    return found


def _remember_span(at: datetime, zones: tuple[Any, ...], key: tuple[Any, ...],
                   found: Floor) -> None:
    """Remember the span around ``at`` in which every zone keeps its local date (from the
    latest of their midnights before ``at`` to the earliest after it), written like
    ``at`` to the second: ``found`` holds all through it. Nothing is remembered when a
    zone changes its offset that day (its midnights are then not where the clock says)."""
    start = end = None
    for tz in zones:
        local = at.astimezone(tz)
        day = local.date()
        first, last = midnight(tz, day), midnight(tz, day + _ONE_DAY)
        offset = local.utcoffset()
        if (as_local(first, tz).utcoffset() != offset
                or as_local(last, tz).utcoffset() != offset):
            return
        if start is None or first > start:
            start = first
        if end is None or last < end:
            end = last
    if start is None or end is None:
        return
    spans = _FLOOR_SPANS.get(key)
    if spans is None:
        if len(_FLOOR_SPANS) >= 4096:
            _FLOOR_SPANS.clear()
        spans = _FLOOR_SPANS[key] = []
    elif len(spans) >= 4:
        del spans[0]
    spans.append((as_local(start, at.tzinfo).isoformat()[:19],
                  as_local(end, at.tzinfo).isoformat()[:19], found))


def _floor(at: datetime, zones: tuple[Any, ...], days: int, suffix: str) -> Floor:
    back = _BACK[days] if days < len(_BACK) else timedelta(days=days)
    utc = min(midnight(tz, at.astimezone(tz).date() - back) for tz in zones)
    text = ""
    if suffix:
        # whole seconds, rounded down: still a floor
        text = as_local(utc, at.tzinfo).isoformat()[:19] + suffix
    day = (utc - _ONE_DAY).date().isoformat() if utc > datetime(1, 1, 2) else ""
    return Floor(utc, text, suffix, day)


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


_SPEC_ATTEMPT = itemgetter("at", "channel", "party", "contact_id", "contact_value", "debt_id",
                           "initiated_by", "agency_id", "template", "mentions_debt",
                           "collectors")
_TEXT_TYPES = frozenset({str, type(None)})
_new = tuple.__new__


def parse_attempt(raw: Any) -> Attempt:
    """The ``attempt`` object of a scenario."""
    if type(raw) is not dict:
        raise ScenarioError("attempt", "is required and must be an object")
    if len(raw) == 11:
        # The spec's eleven fields exactly: checked at C speed where possible.
        try:
            fields = _SPEC_ATTEMPT(raw)
        except KeyError:
            return _parse_attempt(raw)
        at, channel, party, cid, value, debt, by, agency, template, loud, collectors = fields
        if (type(channel) is str and channel in CHANNELS and type(collectors) is int
                and collectors >= 0 and type(loud) is bool and template is None
                and _TEXT_TYPES.issuperset(map(type, fields[2:8]))):
            return _new(Attempt, (parse_at(at, "attempt.at"), channel, party or "self", cid,
                                  value, debt, by or "collector", agency, None, loud,
                                  collectors, False, None))
    return _parse_attempt(raw)


def _parse_attempt(raw: dict[str, Any]) -> Attempt:
    get = raw.get
    channel = get("channel")
    if type(channel) is not str or channel not in CHANNELS:
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


_SPEC_CUSTOMER = itemgetter("country", "timezone", "address_timezone", "flags",
                            "refused_contacts", "consents", "breathing_space_until")
_PLAIN_CUSTOMERS: dict[tuple[Any, ...], Customer] = {}


def parse_customer(raw: Any, default_country: str) -> Customer:
    """The ``customer`` object (every field optional)."""
    if type(raw) is dict and len(raw) == 7:
        # The spec's seven fields, nothing on record but where the customer lives: the
        # same few customers over and over, shared (they are immutable).
        try:
            fields = _SPEC_CUSTOMER(raw)
        except KeyError:
            fields = None
        if fields is not None and not (fields[3] or fields[4] or fields[5] or fields[6]):
            key = (default_country, *fields[:3])
            try:
                found = _PLAIN_CUSTOMERS.get(key)
            except TypeError:
                found = None  # unhashable where a name belongs: the careful path says so
            else:
                if found is None:
                    found = _parse_customer(raw, default_country)
                    if len(_PLAIN_CUSTOMERS) >= 4096:
                        _PLAIN_CUSTOMERS.clear()
                    _PLAIN_CUSTOMERS[key] = found
                return found
    return _parse_customer(raw, default_country)


def _parse_customer(raw: Any, default_country: str) -> Customer:
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
                       for i, c in enumerate(consents)) if consents else (),
        breathing_space_until=_date(raw.get("breathing_space_until"),
                                    "customer.breathing_space_until"),
    )


def parse_history(raw: Any, floor: Floor = NO_FLOOR) -> list[tuple[Any, ...]]:
    """History events as tuples (see ``model.EV_*``; the time as naive UTC).

    Events before ``floor`` cannot count under any rule: they are skipped unread (those
    written with the attempt's offset without even parsing their timestamp).
    """
    if raw is None:
        return []
    if type(raw) is not list:
        raise ScenarioError("history", "expected a list")
    if _compiled_events is not None:
        plain = _compiled_events(raw, floor.day, floor.text, floor.suffix, floor.utc,
                                 _OFFSETS, CHANNELS, RESULTS, INBOUND)
        if plain is not None:
            return plain
    plain = _plain_events(raw, floor)
    if plain is not None:
        return plain
    out: list[tuple[Any, ...]] = []
    append = out.append
    try:
        ats = list(map(_AT, raw))
        # A first cut at C speed: events dated a day before the floor, in any offset.
        kept = list(compress(range(len(raw)), map(le, repeat(floor.day), ats)))
    except (KeyError, TypeError):  # fields left out, or not an object at all
        for ev in raw:
            event = _event(raw, ev, floor)
            if event is not None:
                append(event)
        return out
    text, suffix, lowest = floor.text, floor.suffix, floor.utc
    for i in kept:
        at = ats[i]
        if at < text and at[19:] == suffix and at[10] == "T":
            continue
        ev = raw[i]
        try:
            _, channel, party, cid, value, debt, result, by = _SPEC_EVENT(ev)
        except KeyError:
            event = _event(raw, ev, floor)  # optional fields left out
            if event is not None:
                append(event)
            continue
        when = utc_naive(at)
        if when is None:
            raise _bad_at(raw, ev, at)
        if when < lowest:
            continue
        try:
            bad = (channel not in CHANNELS or result not in RESULTS
                   or (party is not None and type(party) is not str))
        except TypeError:  # an unhashable value where a name belongs
            bad = True
        if bad or (by is not None and type(by) is not str):
            raise _bad_event(raw, ev)
        append((when, channel, party or "self", cid, value, debt, result, by in INBOUND,
                ev.get("with_consent") is True))
    return out


def _plain_events(raw: list[Any], floor: Floor) -> list[tuple[Any, ...]] | None:
    """``parse_history`` of the usual history in one pass: objects with every field of the
    spec, timestamps in offsets seen before, every event that counts well formed. None
    for anything else, which ``parse_history`` then reads step by step to name the error
    (or the event that leaves a field out)."""
    day, text, suffix, lowest = floor.day, floor.text, floor.suffix, floor.utc
    offsets, fromiso, spec = _OFFSETS.get, _fromiso, _SPEC_EVENT
    own = offsets(suffix) if suffix else None
    out: list[tuple[Any, ...]] = []
    append = out.append
    try:
        if day:
            # A dialler writes its log in order: then the events dated a day before the
            # floor are a prefix, found by bisection instead of one by one.
            ats = list(map(_AT, raw))
            if all(map(le, ats, islice(ats, 1, None))):
                first = bisect_left(ats, day)
                if first:
                    raw = raw[first:]
        for ev in raw:
            at = ev["at"]
            if at < day:
                continue  # dated a day before the floor, in any offset
            tail = at[19:]
            if tail == suffix:
                if at < text and at[10] == "T":
                    continue  # written like the attempt, before the floor
                offset = own
            else:
                offset = offsets(tail)
            _, channel, party, cid, value, debt, result, by = spec(ev)
            when = fromiso(at[:19])
            if offset is None or when.tzinfo is not None:
                return None
            when -= offset  # OverflowError: in UTC before year 1 or after 9999
            if when < lowest:
                continue
            if (channel not in CHANNELS or result not in RESULTS
                    or (party is not None and type(party) is not str)
                    or (by is not None and type(by) is not str)):
                return None
            append((when, channel, party or "self", cid, value, debt, result, by in INBOUND,
                    ev.get("with_consent") is True))
    except (KeyError, TypeError, ValueError, OverflowError):
        return None
    return out


_SPEC_EVENT = itemgetter("at", "channel", "party", "contact_id", "contact_value", "debt_id",
                         "result", "initiated_by")


def _event(raw: list[Any], ev: Any, floor: Floor) -> tuple[Any, ...] | None:
    """One event that does not carry every field of the spec (or is not an object)."""
    if type(ev) is not dict:
        raise ScenarioError(f"history[{_index(raw, ev)}]", "expected an object")
    get = ev.get
    at = get("at")
    if type(at) is not str:
        raise _bad_at(raw, ev, at)
    when = utc_naive(at)
    if when is None:
        raise _bad_at(raw, ev, at)
    if when < floor.utc:
        return None
    channel, result, by = get("channel"), get("result"), get("initiated_by")
    party = get("party") or "self"
    try:
        bad = channel not in CHANNELS or result not in RESULTS or type(party) is not str
    except TypeError:
        bad = True
    if bad or (by is not None and type(by) is not str):
        raise _bad_event(raw, ev)
    return (when, channel, party, get("contact_id"), get("contact_value"), get("debt_id"),
            result, by in INBOUND, get("with_consent") is True)


def _index(raw: list[Any], ev: Any) -> int:
    return next(i for i, item in enumerate(raw) if item is ev)


def _bad_at(raw: list[Any], ev: Any, at: Any) -> ScenarioError:
    return ScenarioError(f"history[{_index(raw, ev)}].at",
                         f"not an ISO 8601 timestamp with a UTC offset: {at!r}")


def _bad_event(raw: list[Any], ev: dict[str, Any]) -> ScenarioError:
    where = f"history[{_index(raw, ev)}]"
    channel, result, party = ev.get("channel"), ev.get("result"), ev.get("party")
    if not isinstance(channel, str) or channel not in CHANNELS:
        return ScenarioError(f"{where}.channel", f"unknown channel {channel!r}")
    if not isinstance(result, str) or result not in RESULTS:
        return ScenarioError(f"{where}.result", f"expected one of "
                             f"{', '.join(sorted(RESULTS))}, got {result!r}")
    if party is not None and type(party) is not str:
        return ScenarioError(f"{where}.party", f"expected a string, got {party!r}")
    return ScenarioError(f"{where}.initiated_by",
                         f"expected a string, got {ev.get('initiated_by')!r}")
