"""Where the borrower is: the candidate time zones of one attempt.

The customer's recorded zone wins. Otherwise every zone we can derive is a candidate (the
phone number's zones and the address's zone together), because when the location is
unclear the contact must be allowed in every candidate zone. With nothing known, all zones
of the country are candidates.

Uses the ``phonenumbers`` metadata and the IANA zone table shipped with ``tzdata``: static
data, read once and cached, so decisions stay pure and fast.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files
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


@lru_cache(maxsize=65536)
def phone_zones(value: str | None, country: str | None = None) -> tuple[str, ...]:
    """Zones of a phone number (E.164, or national with the customer's country)."""
    if not value or "@" in value:
        return ()
    try:
        number = phonenumbers.parse(value, (country or "").upper() or None)
    except phonenumbers.NumberParseException:
        return ()
    names = phone_tz.time_zones_for_number(number)
    return tuple(n for n in names if n != _UNKNOWN)


@lru_cache(maxsize=65536)
def candidate_zones(timezone: str | None, contact_value: str | None,
                    address_timezone: str | None, country: str | None) -> tuple[ZoneInfo, ...]:
    """The zones the attempt must be allowed in, first one the borrower's most likely."""
    if timezone:
        return (zone(timezone),)
    names: list[str] = list(phone_zones(contact_value, country))
    if address_timezone and address_timezone not in names:
        names.insert(0, address_timezone) if not names else names.append(address_timezone)
    if not names:
        names = list(country_zones(country))
    if not names:
        names = ["UTC"]
    return tuple(zone(n) for n in names)
