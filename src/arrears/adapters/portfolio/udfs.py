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


@lru_cache(maxsize=4096)
def phone_valid(value: str) -> bool:
    """An E.164 number that phonenumbers accepts as a possible number."""
    if not value.startswith("+"):
        return False
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_possible_number(number) and phonenumbers.is_valid_number(number)


def phone_zone(value: str | None) -> str | None:
    """The time zone of a phone number (the first when the number spans several)."""
    if not value:
        return None
    try:
        zones = phone_timezone.time_zones_for_number(phonenumbers.parse(value, None))
    except phonenumbers.NumberParseException:
        return None
    zone = zones[0] if zones else None
    return None if zone in (None, "Etc/Unknown") else zone


def _vectorised(func):  # type: ignore[no-untyped-def]
    def run(values: pa.Array) -> pa.Array:
        return pa.array([None if v is None else func(v) for v in values.to_pylist()],
                        type=pa.bool_())
    return run


def register(con: duckdb.DuckDBPyConnection) -> None:
    """Make ``cn_ric_valid(VARCHAR)`` and ``phone_valid(VARCHAR)`` available in SQL."""
    try:
        con.execute("SELECT cn_ric_valid('x')")
        return
    except duckdb.Error:
        pass
    for name, func in (("cn_ric_valid", cn_ric_valid), ("phone_valid", phone_valid)):
        con.create_function(name, _vectorised(func), ["VARCHAR"], "BOOLEAN", type="arrow",
                            side_effects=False)
