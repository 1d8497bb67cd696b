"""A transcript names a contact attempt of its own case, or none."""

from __future__ import annotations

from typing import Any

import pytest

from arrears.adapters.db.base import unit_of_work
from arrears.services.conversation import InvalidTranscript, LineIn, attach_transcript
from tests.factories import AT, make_case


def test_an_attempt_that_does_not_exist_is_a_field_error(app: Any) -> None:
    case_id = make_case(app)
    with unit_of_work(app.session_factory) as session, pytest.raises(InvalidTranscript) as err:
        attach_transcript(session, case_id=case_id, at=AT, actor="t", attempt_id=999_999,
                          lines=[LineIn(speaker="collector", text="hello")])
    assert err.value.field == "attempt_id"
