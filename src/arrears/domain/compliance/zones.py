"""Where the borrower is: the candidate time zones of one attempt.

The customer's recorded zone wins. Otherwise every zone we can derive is a candidate (the
phone number's zones and the address's zone together), because when the location is
unclear the contact must be allowed in every candidate zone. With nothing known, all zones
of the country are candidates.

Uses the ``phonenumbers`` metadata and the IANA zone table shipped with ``tzdata``: static
data, read once and cached, so decisions stay pure and fast.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from importlib.resources import files
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as phone_tz

_UNKNOWN = "Etc/Unknown"


class UnknownZone(ValueError):
    """A zone name that is not an IANA time zone."""


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    """The ZoneInfo for ``name``; raises UnknownZone for names that are not IANA zones."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UnknownZone(f"{name!r} is not an IANA time zone") from exc


_MIDNIGHTS: dict[tuple[Any, date], datetime] = {}
_UTC_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)


def as_local(utc: datetime, tz: Any) -> datetime:
    """A naive UTC time as local time in ``tz`` (by arithmetic: ``replace(tzinfo=...)``
    parses keywords and is several times slower)."""
    return (_UTC_EPOCH + (utc - _NAIVE_EPOCH)).astimezone(tz)


def midnight(tz: Any, day: date) -> datetime:
    """Local midnight of ``day`` in ``tz`` as naive UTC (cached per zone and day)."""
    key = (tz, day)
    found = _MIDNIGHTS.get(key)
    if found is None:
        local = datetime(day.year, day.month, day.day, tzinfo=tz)
        found = _NAIVE_EPOCH + (local - _UTC_EPOCH)
        if len(_MIDNIGHTS) >= 65536:
            _MIDNIGHTS.clear()
        _MIDNIGHTS[key] = found
    return found


@lru_cache(maxsize=1)
def _country_table() -> dict[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {}
    text = (files("tzdata") / "zoneinfo" / "zone.tab").read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        parts = line.split("\t")
        for code in parts[0].split(","):
            table.setdefault(code.upper(), []).append(parts[2])
    return {code: tuple(sorted(names)) for code, names in table.items()}


@lru_cache(maxsize=512)
def country_zones(country: str | None) -> tuple[str, ...]:
    """The civil time zones of an ISO country code.

    The IANA table's zones of the country, narrowed to those the telephone numbering plan
    knows for the country (``CN`` -> Asia/Shanghai only: Urumqi time is not civil time;
    ``US`` -> the US zones of the +1 plan, without Canada's and the Caribbean's).
    """
    if not country:
        return ()
    code = country.upper()
    listed = _country_table().get(code, ())
    calling = phonenumbers.country_code_for_region(code)
    telecom = set(phone_tz.TIMEZONE_DATA.get(str(calling), ())) if calling else set()
    narrowed = tuple(n for n in listed if n in telecom)
    return narrowed or listed


_RESOLVED: dict[str, tuple[str, ...]] = {}


def _resolved() -> dict[str, tuple[str, ...]]:
    """Every leading part of every prefix in the numbering plan's zone table (the table as
    a trie), with the zones of the deepest prefix the table lists along it (() for none).
    Built once, on first use."""
    if not _RESOLVED:
        data = phone_tz.TIMEZONE_DATA
        table: dict[str, tuple[str, ...]] = {}
        nodes = {prefix[:k] for prefix in data for k in range(1, len(prefix) + 1)}
        for node in sorted(nodes, key=len):
            names = data.get(node)
            table[node] = (tuple(n for n in names if n != _UNKNOWN) if names is not None
                           else table.get(node[:-1], ()))
        _RESOLVED.update(table)
    return _RESOLVED


def _e164_zones(digits: str) -> tuple[str, ...]:
    """Longest-prefix match in the numbering plan's zone table.

    The same table ``phonenumbers`` reads for geographic numbers; for numbers of a
    non-geographic range it holds the country's zones. Looking the prefix up directly,
    without validating the number's type, is what lets a dialler list be screened fast:
    the number's digits are followed down the table's trie, and the deepest node reached
    knows the zones of the deepest prefix the table lists on the way.
    """
    nodes = _RESOLVED or _resolved()
    size, limit = 0, min(len(digits), phone_tz.TIMEZONE_LONGEST_PREFIX)
    while size < limit and digits[:size + 1] in nodes:
        size += 1
    return nodes[digits[:size]] if size else ()


def phone_zones(value: str | None, country: str | None = None) -> tuple[str, ...]:
    """Zones of a phone number (E.164, or national with the customer's country)."""
    if not value or "@" in value:
        return ()
    if value[0] == "+" and value[1:].isdigit() and 8 <= len(value) <= 16:
        return _e164_zones(value[1:])
    return _parsed_zones(value, country)


@lru_cache(maxsize=4096)
def _parsed_zones(value: str, country: str | None) -> tuple[str, ...]:
    try:
        number = phonenumbers.parse(value, (country or "").upper() or None)
    except phonenumbers.NumberParseException:
        return ()
    names = phone_tz.time_zones_for_number(number)
    return tuple(n for n in names if n != _UNKNOWN)


@lru_cache(maxsize=4096)
def _zone_infos(names: tuple[str, ...]) -> tuple[ZoneInfo, ...]:
    return tuple(zone(n) for n in names)


_CANDIDATES: dict[tuple[Any, ...], tuple[ZoneInfo, ...]] = {}
_RECORDED: dict[str, tuple[ZoneInfo, ...]] = {}  # IANA names only: a bounded set


def candidate_zones(timezone: str | None, contact_value: str | None,
                    address_timezone: str | None, country: str | None) -> tuple[ZoneInfo, ...]:
    """The zones the attempt must be allowed in, first one the borrower's most likely.

    The phone's zones, narrowed to the customer's country when the number's range spans
    several countries (toll-free +1 800 numbers), plus the address's zone.
    """
    if timezone:
        recorded = _RECORDED.get(timezone)
        if recorded is None:
            recorded = _RECORDED[timezone] = _zone_infos((timezone,))
        return recorded
    names = phone_zones(contact_value, country)
    key = (names, address_timezone, country)
    found = _CANDIDATES.get(key)
    if found is None:
        found = _derived_zones(names, address_timezone, country)
        if len(_CANDIDATES) >= 16384:
            _CANDIDATES.clear()
        _CANDIDATES[key] = found
    return found


def _derived_zones(names: tuple[str, ...], address_timezone: str | None,
                   country: str | None) -> tuple[ZoneInfo, ...]:
    if len(names) > 1 and country:
        own = set(country_zones(country))
        narrowed = tuple(n for n in names if n in own)
        names = narrowed or names
    if address_timezone and address_timezone not in names:
        names = (*names, address_timezone) if names else (address_timezone,)
    if not names:
        names = country_zones(country) or ("UTC",)
    return _zone_infos(names)
