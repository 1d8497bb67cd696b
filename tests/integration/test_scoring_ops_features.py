"""The operations-store behaviour features: contact outcomes and promises as of a day,
from the contact attempts of the year before the end of that day, and the promises still
open or resolved within that year."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from arrears.adapters.db.base import unit_of_work
from arrears.adapters.db.tables import Promise
from arrears.scoring.behaviour import ops_features
from tests.integration.strategy_factory import add_case, call

D = date(2026, 6, 30)
ZONE = "Asia/Shanghai"
END = datetime(2026, 7, 1, tzinfo=UTC) - timedelta(hours=8)  # end of D in Shanghai


def _features(app: Any) -> dict[str, dict[str, float]]:
    with app.session_factory() as s:
        frame = ops_features(s, as_of=D, zone=ZONE)
    return frame.set_index("customer_id").to_dict("index")


def test_contact_features_count_the_month_and_find_the_last_reach_in_the_year(app: Any
                                                                              ) -> None:
    recent = add_case(app, customer_id="C1", dpd=5, bucket="M1", overdue="300.00",
                      opened=D - timedelta(days=400))
    old = add_case(app, customer_id="C2", dpd=5, bucket="M1", overdue="300.00",
                   opened=D - timedelta(days=500))
    quiet = add_case(app, customer_id="C3", dpd=5, bucket="M1", overdue="300.00",
                     opened=D - timedelta(days=500))
    with unit_of_work(app.session_factory) as s:
        s.add_all([
            call(recent, "C1", END - timedelta(days=2, hours=1), "right_party_contact"),
            call(recent, "C1", END - timedelta(days=10), "no_answer"),
            call(recent, "C1", END - timedelta(days=45), "right_party_contact"),
            call(recent, "C1", END + timedelta(minutes=1), "right_party_contact"),
            # reached 400 days ago, called unanswered since: not reached within the year
            call(old, "C2", END - timedelta(days=400), "right_party_contact"),
            call(old, "C2", END - timedelta(days=5), "no_answer"),
            # reached 100 days ago, not called in the month
            call(quiet, "C3", END - timedelta(days=100, hours=3), "right_party_contact"),
            call(quiet, "C3", END - timedelta(days=90), "no_answer"),
        ])
    got = _features(app)
    c1, c2 = got["C1"], got["C2"]
    assert (c1["attempts_30d"], c1["rpc_30d"], c1["no_answer_30d"]) == (2, 1, 1)
    assert c1["days_since_rpc"] == 2  # the attempt after the end of D does not count
    assert (c2["attempts_30d"], c2["rpc_30d"], c2["no_answer_30d"]) == (1, 0, 1)
    assert math.isnan(c2["days_since_rpc"])
    c3 = got["C3"]
    assert (c3["attempts_30d"], c3["rpc_30d"], c3["no_answer_30d"]) == (0, 0, 0)
    assert c3["days_since_rpc"] == 100


def _promise(case_id: int, *, created: datetime, status: str, resolved: date | None
             ) -> Promise:
    return Promise(case_id=case_id, created_at=created, amount=Decimal("100.00"),
                   currency="CNY", due_on=created.date() + timedelta(days=3), status=status,
                   resolved_on=resolved)


def test_promise_features_count_the_year_and_whatever_is_still_open(app: Any) -> None:
    case_id = add_case(app, customer_id="C1", dpd=5, bucket="M1", overdue="300.00",
                       opened=D - timedelta(days=900))
    long_ago = END - timedelta(days=800)
    with unit_of_work(app.session_factory) as s:
        s.add_all([
            _promise(case_id, created=END - timedelta(days=340), status="kept",
                     resolved=D - timedelta(days=330)),
            _promise(case_id, created=END - timedelta(days=380), status="kept",
                     resolved=D - timedelta(days=370)),             # resolved before the year
            _promise(case_id, created=END - timedelta(days=20), status="partly_kept",
                     resolved=D - timedelta(days=15)),
            _promise(case_id, created=END - timedelta(days=9), status="broken",
                     resolved=D - timedelta(days=4)),
            _promise(case_id, created=long_ago, status="broken",
                     resolved=D - timedelta(days=790)),             # long gone
            _promise(case_id, created=long_ago, status="open", resolved=None),  # still open
            _promise(case_id, created=END - timedelta(days=2), status="kept",
                     resolved=D + timedelta(days=1)),               # open as of D
            _promise(case_id, created=END + timedelta(minutes=5), status="open",
                     resolved=None),                                # made the next morning
        ])
    c1 = _features(app)["C1"]
    assert (c1["promises_kept_12m"], c1["promises_broken_12m"], c1["promises_open"]) == (2, 1, 2)
