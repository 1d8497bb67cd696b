"""Checks that need a library (python-stdnum, phonenumbers), as vectorised DuckDB functions.

DuckDB calls them once per batch of rows with Arrow arrays, not once per row through SQL.
While a load holds ``helper_process()`` open, each batch is split in two and a second
process works one half: parsing phone numbers and ID numbers is pure Python, so the
second core only helps from another process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

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


_HELPER: ProcessPoolExecutor | None = None
# Below this many values a batch is not worth sending to the other process.
SPLIT_MIN = 256


@contextmanager
def helper_process() -> Iterator[None]:
    """A second process that takes half of every large batch of per-value work."""
    global _HELPER
    if (os.cpu_count() or 1) < 2 or _HELPER is not None:
        yield
        return
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    _HELPER = pool
    try:
        yield
    finally:
        _HELPER = None
        pool.shutdown(cancel_futures=True)


def split_map(func: Callable[..., list[Any]], items: list[Any], *args: Any) -> list[Any]:
    """``func(items, *args)``, half of it in the helper process when one is open.

    ``func`` must be a module-level function (it is sent to the helper by name) that
    returns one result per item, in order.
    """
    global _HELPER
    pool = _HELPER
    if pool is None or len(items) < SPLIT_MIN:
        return func(items, *args)
    half = len(items) // 2
    try:
        later = pool.submit(func, items[half:], *args)
    except BrokenProcessPool:
        _HELPER = None  # the helper could not start (e.g. an unguarded __main__): go on alone
        return func(items, *args)
    first = func(items[:half], *args)
    try:
        return first + later.result()
    except BrokenProcessPool:
        _HELPER = None
        return first + func(items[half:], *args)


def _map_ric(values: list[str | None]) -> list[bool | None]:
    return [None if v is None else cn_ric_valid(v) for v in values]


def _map_phone_valid(values: list[str | None]) -> list[bool | None]:
    return [None if v is None else phone_valid(v) for v in values]


def _map_phone_zone(values: list[str | None]) -> list[str | None]:
    return [None if v is None else phone_zone(v) for v in values]


def _vectorised(func, kind: pa.DataType):  # type: ignore[no-untyped-def]
    def run(values: pa.Array) -> pa.Array:
        return pa.array(split_map(func, values.to_pylist()), type=kind)
    return run


def register(con: duckdb.DuckDBPyConnection) -> None:
    """Make ``cn_ric_valid``, ``phone_valid`` and ``phone_zone`` (VARCHAR) available in SQL."""
    try:
        con.execute("SELECT cn_ric_valid('x')")
        return
    except duckdb.Error:
        pass
    for name, func, kind, sql_type in (
            ("cn_ric_valid", _map_ric, pa.bool_(), "BOOLEAN"),
            ("phone_valid", _map_phone_valid, pa.bool_(), "BOOLEAN"),
            ("phone_zone", _map_phone_zone, pa.string(), "VARCHAR")):
        con.create_function(name, _vectorised(func, kind), ["VARCHAR"], sql_type,
                            type="arrow", side_effects=False, null_handling="special")
