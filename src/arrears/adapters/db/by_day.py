"""Reading tables keyed day first: ``as_of`` leads the primary key, then the case.

The daily run writes rows per open case and day into such tables (``case_scores``,
``case_treatments``, ``case_allocations``, ``collection_list``). Keyed day first, a day's
rows go in at the end of the key, and re-running a day deletes a range of the key, so that
writing a day costs the same whatever the history (keyed case first, every day's rows went
in all over the table, and the cost of a day grew with the days kept). They are read by
that key: a day is found from the key's end, and a case's row of a day by the whole key; a
case's latest rows are looked for day by day, from the latest day back, never by reading
its history (which would need a case-first index, and so the growth again).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import func, select

LOOK_BACK_DAYS = 31  # days searched for a case's latest row


def latest_day(conn: Any, day: Any, *where: Any, on_or_before: date | None = None,
               before: bool = False) -> date | None:
    """The latest value of the ``day`` column among rows matching ``where``, on or before
    ``on_or_before`` (strictly before it with ``before``; any day when None); None when
    there is none. ``conn``: a session or a connection."""
    query = select(func.max(day)).where(*where)
    if on_or_before is not None:
        query = query.where(day < on_or_before if before else day <= on_or_before)
    return conn.scalar(query)


def days_back(conn: Any, day: Any, *where: Any, on_or_before: date | None,
              not_before: date | None = None, look_back: int | None = LOOK_BACK_DAYS
              ) -> Iterator[date]:
    """The days that have rows matching ``where``, newest first, from the latest on or
    before ``on_or_before`` (any day when None): at most ``look_back`` of them (no limit
    when None), none earlier than ``not_before``. Each is one lookup at the key's end."""
    found = latest_day(conn, day, *where, on_or_before=on_or_before)
    counted = 0
    while found is not None and (not_before is None or found >= not_before) and (
            look_back is None or counted < look_back):
        yield found
        counted += 1
        found = latest_day(conn, day, *where, on_or_before=found, before=True)


def latest_rows(session: Any, entity: Any, *, case_id: int, where: tuple[Any, ...] = (),
                on_or_before: date | None = None, not_before: date | None = None,
                look_back: int | None = LOOK_BACK_DAYS, limit: int = 1) -> list[Any]:
    """The case's rows of ``entity`` (a day-first mapped class with ``as_of`` and
    ``case_id``), newest day first: at most ``limit`` of them, found among the
    ``look_back`` latest days (all of them when None) with rows matching ``where`` on or
    before ``on_or_before`` and not before ``not_before``."""
    out: list[Any] = []
    for day in days_back(session, entity.as_of, *where, on_or_before=on_or_before,
                         not_before=not_before, look_back=look_back):
        row = session.scalar(select(entity).where(entity.as_of == day, *where,
                                                  entity.case_id == case_id))
        if row is not None:
            out.append(row)
            if len(out) >= limit:
                break
    return out
