"""A contact recorded with any UTC offset is stored as the same instant."""

from __future__ import annotations

from datetime import UTC, timedelta, timezone
from typing import Any

from arrears.adapters.db.base import unit_of_work
from arrears.adapters.db.tables import ContactAttempt
from arrears.services import contacts
from tests.factories import AS_OF, AT, make_case, make_user
from tests.integration.test_desk_store import principal


def test_a_local_time_is_stored_as_its_utc_instant(app: Any) -> None:
    app.clock = lambda: AT
    user = make_user(app, username="c1", team_id="team-a")
    case_id = make_case(app, assigned_to=user)
    shanghai = AT.astimezone(timezone(timedelta(hours=8)))  # 10:00+08:00, same instant
    with unit_of_work(app.session_factory) as s:
        done = contacts.record_contact(
            s, app=app, principal=principal(user), case_id=case_id, at=shanghai, as_of=AS_OF,
            data=contacts.ContactInput(channel="call", party="self", result="no_answer"))
    with unit_of_work(app.session_factory) as s:
        stored = s.get(ContactAttempt, done.attempt_id).at
    assert contacts.utc_aware(stored) == AT.astimezone(UTC)
