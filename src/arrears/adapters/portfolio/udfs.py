"""Checks that need a library (python-stdnum, phonenumbers), as vectorised DuckDB functions.

DuckDB calls them once per batch of rows with Arrow arrays, not once per row through SQL.
"""

from __future__ import annotations

from functools import lru_cache

import duckdb
import phonenumbers
import pyarrow as pa
from phonenumbers import timezone as phone_timezone
from stdnum.cn import ric

_REGISTERED = "_arrears_udfs"


def cn_ric_valid(number: str) -> bool:
    """A CN resident ID: 18 characters, known region, real birth date, checksum."""
    return bool(ric.is_valid(number))


@lru_cache(maxsize=16_384)
def phone_facts(value: str) -> tuple[bool, str | None]:
    """Whether a value is a valid E.164 number, and its time zone, from one parse.

    Cached: DuckDB asks for validity and zone of the same batch of rows one after the other.
    """
    if not value.startswith("+"):
        return False, None
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return False, None
    if not phonenumbers.is_valid_number(number):
        return False, None
    zones = phone_timezone.time_zones_for_number(number)
    zone = zones[0] if zones else None
    return True, (None if zone in (None, "Etc/Unknown") else zone)


def phone_valid(value: str) -> bool:
    """An E.164 number that phonenumbers accepts as valid."""
    return phone_facts(value)[0]


def phone_zone(value: str | None) -> str | None:
    """The time zone of a phone number (the first when the number spans several)."""
    return phone_facts(value)[1] if value else None


def _vectorised(func, kind: pa.DataType):  # type: ignore[no-untyped-def]
    def run(values: pa.Array) -> pa.Array:
        return pa.array([None if v is None else func(v) for v in values.to_pylist()],
                        type=kind)
    return run


def register(con: duckdb.DuckDBPyConnection) -> None:
    """Make ``cn_ric_valid``, ``phone_valid`` and ``phone_zone`` (VARCHAR) available in SQL."""
    try:
        con.execute("SELECT cn_ric_valid('x')")
        return
    except duckdb.Error:
        pass
    for name, func, kind, sql_type in (
            ("cn_ric_valid", cn_ric_valid, pa.bool_(), "BOOLEAN"),
            ("phone_valid", phone_valid, pa.bool_(), "BOOLEAN"),
            ("phone_zone", phone_zone, pa.string(), "VARCHAR")):
        con.create_function(name, _vectorised(func, kind), ["VARCHAR"], sql_type,
                            type="arrow", side_effects=False, null_handling="special")
