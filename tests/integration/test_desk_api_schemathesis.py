"""The REST API against its own OpenAPI document: generated requests never cause a 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from arrears.adapters.db.base import unit_of_work
from arrears.services.auth import create_api_token
from tests.conftest import make_test_app
from tests.factories import AT, make_case, make_user

TOKEN: dict[str, str] = {}


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from arrears.entrypoints.web import create_app

    home = tmp_path_factory.mktemp("api")
    app = make_test_app(home, f"sqlite:///{home / 'ops.sqlite'}")
    app.clock = lambda: AT
    user = make_user(app, username="api-collector")
    other = make_user(app, username="api-other")
    for n in range(3):
        make_case(app, assigned_to=user if n < 2 else other, rank=n + 1)
    with unit_of_work(app.session_factory) as s:
        TOKEN["value"] = create_api_token(s, username="api-collector", name="schemathesis",
                                          actor="test", at=AT)
    yield schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app(app))
    app.close()


def test_api_never_fails_with_a_server_error(api_schema: Any) -> None:
    headers = {"Authorization": f"Bearer {TOKEN['value']}"}
    operations = [op for op in (r.ok() for r in api_schema.get_all_operations())
                  if "desk" in (op.definition.raw.get("tags") or [])]
    assert any(op.path == "/api/v1/cases/{case_id}/contacts" for op in operations)
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
        def call(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        call()
