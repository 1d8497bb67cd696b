"""Policy packs (cn, us, gb): their numbers, versions, and options that only tighten them.

A ``PackRules`` is a pack with its options applied. Options are validated against the
pack: anything looser than the pack is refused with the option's name and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from typing import Any

DAY = 86400


class OptionError(ValueError):
    """An option that is unknown, malformed or looser than the pack."""

    def __init__(self, option: str, reason: str) -> None:
        super().__init__(f"{option}: {reason}")
        self.option = option
        self.reason = reason


@dataclass(frozen=True)
class PackRules:
    """The numbers one decision is made with (a pack, tightened by options)."""

    name: str
    version: str
    country: str
    window_start: int            # allowed from (seconds after local midnight)
    window_end: int              # allowed until, exclusive
    window_channels: frozenset[str]
    channel_windows: tuple[tuple[str, int, int], ...] = ()
    calls_per_number_per_day: int | None = None      # cn: unanswered calls to one number
    calls_per_borrower_per_day: int | None = None    # gb: call attempts
    conversations_per_day: int | None = None
    calls_per_7_days: int | None = None              # us: per debt
    conversation_pause_days: int | None = None       # us: no call N days after a conversation
    field_visit_collectors: int | None = None        # cn
    agency_evaluation_days: int | None = None        # cn
    agencies: tuple[tuple[str, date | None], ...] | None = None
    holiday_country: str | None = None
    holiday_subdiv: str | None = None
    holiday_channels: frozenset[str] = frozenset()
    weekday_channels: tuple[tuple[int, frozenset[str]], ...] = ()
    policy_version: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    #: How many local days before the attempt's day any rule can look back to (us: the
    #: 7-day window and the pause after a conversation both include the day itself).
    history_days: int = field(init=False, compare=False)
    #: Pack version, with the lender policy's version when one applies.
    full_version: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        days = max(6 if self.calls_per_7_days is not None else 0,
                   (self.conversation_pause_days or 1) - 1)
        version = (f"{self.version}+{self.policy_version}" if self.policy_version
                   else self.version)
        object.__setattr__(self, "history_days", days)
        object.__setattr__(self, "full_version", version)


ALL_CHANNELS = frozenset({"call", "sms", "email", "letter", "visit"})
CONTACT_CHANNELS = frozenset({"call", "sms", "email", "visit"})

PACKS: dict[str, PackRules] = {
    "cn": PackRules(
        name="cn", version="cn-2026.1", country="CN",
        window_start=8 * 3600, window_end=22 * 3600, window_channels=ALL_CHANNELS,
        calls_per_number_per_day=6, conversations_per_day=3,
        field_visit_collectors=2, agency_evaluation_days=365),
    "us": PackRules(
        name="us", version="us-2021.11", country="US",
        window_start=8 * 3600, window_end=21 * 3600, window_channels=CONTACT_CHANNELS,
        calls_per_7_days=7, conversation_pause_days=7),
    "gb": PackRules(
        name="gb", version="gb-2024.1", country="GB",
        window_start=8 * 3600, window_end=21 * 3600, window_channels=CONTACT_CHANNELS,
        calls_per_borrower_per_day=3, conversations_per_day=1),
}

WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


def parse_hhmm(value: Any, option: str) -> int:
    """``"21:00"`` -> seconds after midnight (``"24:00"`` is the end of the day)."""
    if not isinstance(value, str) or len(value) not in (4, 5) or ":" not in value:
        raise OptionError(option, f"expected a time HH:MM, got {value!r}")
    hh, _, mm = value.partition(":")
    if not (hh.isdigit() and mm.isdigit() and len(mm) == 2):
        raise OptionError(option, f"expected a time HH:MM, got {value!r}")
    secs = int(hh) * 3600 + int(mm) * 60
    if int(mm) > 59 or secs > DAY:
        raise OptionError(option, f"{value!r} is not a time of day")
    return secs


def format_hhmm(secs: int) -> str:
    """Seconds after midnight -> ``HH:MM``."""
    return f"{secs // 3600:02d}:{secs % 3600 // 60:02d}"


def get_pack(name: str) -> PackRules:
    """The pack called ``name``; raises OptionError naming the known packs."""
    try:
        return PACKS[name]
    except KeyError:
        raise OptionError("pack", f"unknown pack {name!r} (known: {', '.join(PACKS)})") from None


def _cap(pack: PackRules, attr: str, option: str, value: Any, *, floor: int = 0) -> int:
    base = getattr(pack, attr)
    if base is None:
        raise OptionError(option, f"pack {pack.name} has no such limit")
    if isinstance(value, bool) or not isinstance(value, int):
        raise OptionError(option, f"expected a whole number, got {value!r}")
    if value < floor:
        raise OptionError(option, f"must be at least {floor}")
    return value


def _lower_cap(pack: PackRules, attr: str, option: str, value: Any) -> dict[str, Any]:
    value = _cap(pack, attr, option, value)
    if value > getattr(pack, attr):
        raise OptionError(option, f"{value} is looser than pack {pack.name}'s "
                                  f"{getattr(pack, attr)}; a lender may only lower it")
    return {attr: value}


def _higher_floor(pack: PackRules, attr: str, option: str, value: Any) -> dict[str, Any]:
    value = _cap(pack, attr, option, value, floor=1)
    if value < getattr(pack, attr):
        raise OptionError(option, f"{value} is looser than pack {pack.name}'s "
                                  f"{getattr(pack, attr)}; a lender may only raise it")
    return {attr: value}


def _window_end(pack: PackRules, option: str, value: Any) -> dict[str, Any]:
    secs = parse_hhmm(value, option)
    if secs == 0:
        secs = DAY
    if secs > pack.window_end or secs <= pack.window_start:
        raise OptionError(option, f"{value} is looser than pack {pack.name}'s window "
                                  f"{format_hhmm(pack.window_start)}-{format_hhmm(pack.window_end)}")
    return {"window_end": secs}


def _window_start(pack: PackRules, option: str, value: Any) -> dict[str, Any]:
    secs = parse_hhmm(value, option)
    if secs < pack.window_start or secs >= pack.window_end:
        raise OptionError(option, f"{value} is looser than pack {pack.name}'s window "
                                  f"{format_hhmm(pack.window_start)}-{format_hhmm(pack.window_end)}")
    return {"window_start": secs}


def _channel_windows(pack: PackRules, option: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise OptionError(option, "expected a table channel = [\"HH:MM\", \"HH:MM\"]")
    out = []
    for channel, window in value.items():
        where = f"{option}.{channel}"
        if channel not in ALL_CHANNELS:
            raise OptionError(where, f"unknown channel {channel!r}")
        if not isinstance(window, list | tuple) or len(window) != 2:
            raise OptionError(where, "expected [from, until] as two HH:MM times")
        start, end = parse_hhmm(window[0], where), parse_hhmm(window[1], where)
        if end <= start:
            raise OptionError(where, "the window must end after it starts")
        if channel in pack.window_channels and (start < pack.window_start
                                                or end > pack.window_end):
            raise OptionError(where, f"{window[0]}-{window[1]} is looser than pack "
                                     f"{pack.name}'s window {format_hhmm(pack.window_start)}-"
                                     f"{format_hhmm(pack.window_end)}")
        out.append((channel, start, end))
    return {"channel_windows": tuple(sorted(out))}


def _agencies(pack: PackRules, option: str, value: Any) -> dict[str, Any]:
    """Whitelist as ``{id: "last evaluated on"}`` or a list of ids / {id, last_evaluated_on}."""
    items: list[tuple[str, date | None]] = []
    if isinstance(value, dict):
        pairs = list(value.items())
    elif isinstance(value, list):
        pairs = []
        for entry in value:
            if isinstance(entry, str):
                pairs.append((entry, None))
            elif isinstance(entry, dict) and ("agency_id" in entry or "id" in entry):
                pairs.append((entry.get("agency_id", entry.get("id")),
                              entry.get("last_evaluated_on", entry.get("evaluated_on"))))
            else:
                raise OptionError(option, f"cannot read whitelist entry {entry!r}")
    else:
        raise OptionError(option, "expected a list of agencies or a table id = date")
    for agency_id, evaluated in pairs:
        when = None
        if evaluated is not None:
            try:
                when = evaluated if isinstance(evaluated, date) else date.fromisoformat(evaluated)
            except (TypeError, ValueError):
                raise OptionError(f"{option}.{agency_id}",
                                  f"expected a date YYYY-MM-DD, got {evaluated!r}") from None
        items.append((str(agency_id), when))
    return {"agencies": tuple(items)}


def _holidays(pack: PackRules, option: str, value: Any) -> dict[str, Any]:
    if value is False or value is None:
        return {}
    if value is True:
        return {"holiday_country": pack.country, "holiday_channels": CONTACT_CHANNELS}
    if isinstance(value, str):
        return {"holiday_country": value.upper(), "holiday_channels": CONTACT_CHANNELS}
    if isinstance(value, dict):
        country = str(value.get("country", pack.country)).upper()
        channels = value.get("channels", sorted(CONTACT_CHANNELS))
        if not isinstance(channels, list) or not set(channels) <= ALL_CHANNELS:
            raise OptionError(f"{option}.channels", f"unknown channels in {channels!r}")
        return {"holiday_country": country, "holiday_subdiv": value.get("subdiv"),
                "holiday_channels": frozenset(channels)}
    raise OptionError(option, "expected true, a country code, or {country, subdiv, channels}")


def _weekdays(pack: PackRules, option: str, value: Any) -> dict[str, Any]:
    """``{"sun": ["call", "visit"]}``: channels not used on those weekdays."""
    if not isinstance(value, dict):
        raise OptionError(option, "expected a table weekday = [channels]")
    out = []
    for day, channels in value.items():
        if day.lower()[:3] not in WEEKDAYS:
            raise OptionError(f"{option}.{day}", "expected a weekday name (mon..sun)")
        if not isinstance(channels, list) or not set(channels) <= ALL_CHANNELS:
            raise OptionError(f"{option}.{day}", f"unknown channels in {channels!r}")
        out.append((WEEKDAYS[day.lower()[:3]], frozenset(channels)))
    return {"weekday_channels": tuple(sorted(out, key=lambda x: x[0]))}


_OPTIONS = {
    "quiet_start": _window_end,
    "allowed_until": _window_end,
    "quiet_end": _window_start,
    "allowed_from": _window_start,
    "channel_windows": _channel_windows,
    "daily_call_attempts": lambda p, o, v: _lower_cap(
        p, "calls_per_number_per_day" if p.calls_per_number_per_day is not None
        else "calls_per_borrower_per_day", o, v),
    "daily_conversations": lambda p, o, v: _lower_cap(p, "conversations_per_day", o, v),
    "calls_per_7_days": lambda p, o, v: _lower_cap(p, "calls_per_7_days", o, v),
    "conversation_pause_days": lambda p, o, v: _higher_floor(p, "conversation_pause_days", o, v),
    "field_visit_collectors": lambda p, o, v: _higher_floor(p, "field_visit_collectors", o, v),
    "agency_evaluation_days": lambda p, o, v: _lower_cap(p, "agency_evaluation_days", o, v),
    "agency_whitelist": _agencies,
    "agencies": _agencies,
    "no_contact_on_holidays": _holidays,
    "no_contact_on_weekdays": _weekdays,
}
OPTION_NAMES = tuple(_OPTIONS)


def apply_options(pack: PackRules, options: dict[str, Any] | None) -> PackRules:
    """The pack tightened by ``options``; OptionError for unknown or looser options."""
    if not options:
        return pack
    if not isinstance(options, dict):
        raise OptionError("options", "expected an object")
    changes: dict[str, Any] = {}
    for name, value in options.items():
        handler = _OPTIONS.get(name)
        if handler is None:
            raise OptionError(name, f"unknown option for pack {pack.name} "
                                    f"(known: {', '.join(OPTION_NAMES)})")
        changes.update(handler(pack, name, value))
    rules = replace(pack, **changes)
    if rules.window_start >= rules.window_end:
        raise OptionError("quiet_start", "the allowed window is empty")
    return rules


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


@lru_cache(maxsize=4096)
def _rules_cached(pack: str, frozen: Any, raw: Any) -> PackRules:
    return apply_options(get_pack(pack), raw.value)


class _Raw:
    """Carries the options dict through the cache without hashing it."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __hash__(self) -> int:
        return 0

    def __eq__(self, other: object) -> bool:
        return True


_FLAT_OPTIONS: dict[tuple[Any, ...], PackRules] = {}


def rules_for(pack: str, options: dict[str, Any] | None) -> PackRules:
    """Pack ``pack`` with ``options`` (cached: dialler lists repeat the same options)."""
    if not options:
        return get_pack(pack)
    if type(options) is dict:
        # Options of plain values (the usual kind) are their own cache key.
        try:
            flat = (pack, *options.items())
            found = _FLAT_OPTIONS.get(flat)
        except TypeError:
            pass
        else:
            if found is None:
                found = apply_options(get_pack(pack), options)
                if len(_FLAT_OPTIONS) >= 4096:
                    _FLAT_OPTIONS.clear()
                _FLAT_OPTIONS[flat] = found
            return found
    try:
        key = _freeze(options)
        hash(key)
    except TypeError:
        return apply_options(get_pack(pack), options)
    return _rules_cached(pack, key, _Raw(options))
