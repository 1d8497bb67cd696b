"""Desk services against the operations store (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text, update

from arrears.adapters.db.base import unit_of_work
from arrears.adapters.db.tables import AuditEntry, ContactAttempt, Note, Promise
from arrears.entrypoints.deps import Principal
from arrears.errors import Forbidden
from arrears.services import cases, contacts
from arrears.services.audit import append_audit, verify_store
from arrears.services.auth import AccountLocked, SignInFailed, authenticate
from arrears.services.keys import key_usage, rotate_keys
from arrears.services.promises import PromiseConflict
from tests.factories import AS_OF, AT, make_case, make_user


def principal(user_id: int, role: str = "collector", username: str = "u", *,
              team_id: str | None = "team-a", agency_id: str | None = None) -> Principal:
    return Principal(user_id=user_id, username=username, display_name=username, role=role,
                     team_id=team_id, agency_id=agency_id, locale="en")


@pytest.fixture
def desk(app):  # type: ignore[no-untyped-def]
    app.clock = lambda: AT
    return app


class TestLeases:
    def test_two_collectors_never_get_the_same_case(self, desk) -> None:  # type: ignore[no-untyped-def]
        u1 = make_user(desk, username="c1", team_id="team-a")
        u2 = make_user(desk, username="c2", team_id="team-a")
        lead = make_user(desk, username="lead", role="team_lead", team_id="team-a")
        for rank in (1, 2):
            make_case(desk, assigned_to=u1 if rank == 1 else u2, rank=rank)
        p_lead = principal(lead, "team_lead")
        since = AT - timedelta(hours=10)
        with unit_of_work(desk.session_factory) as s:
            first = cases.next_case(s, principal=p_lead, as_of=AS_OF, at=AT, worked_since=since)
        with unit_of_work(desk.session_factory) as s:
            # The lead's lease holds the first case: a collector cannot take it over.
            assert not cases.try_lease(s, principal=principal(u1), case_id=first, at=AT)
            second = cases.next_case(s, principal=principal(u2), as_of=AS_OF, at=AT,
                                     worked_since=since)
        assert first != second

    def test_an_abandoned_lease_expires(self, desk) -> None:  # type: ignore[no-untyped-def]
        u1 = make_user(desk, username="c1")
        u2 = make_user(desk, username="c2")
        case_id = make_case(desk, assigned_to=u1)
        with unit_of_work(desk.session_factory) as s:
            assert cases.try_lease(s, principal=principal(u1), case_id=case_id, at=AT)
        with unit_of_work(desk.session_factory) as s:
            assert not cases.try_lease(s, principal=principal(u2), case_id=case_id,
                                       at=AT + timedelta(minutes=29))
            assert cases.try_lease(s, principal=principal(u2), case_id=case_id,
                                   at=AT + timedelta(minutes=31))

    def test_next_case_skips_cases_worked_today(self, desk) -> None:  # type: ignore[no-untyped-def]
        u1 = make_user(desk, username="c1")
        a = make_case(desk, assigned_to=u1, rank=1)
        b = make_case(desk, assigned_to=u1, rank=2)
        p = principal(u1)
        with unit_of_work(desk.session_factory) as s:
            assert cases.next_case(s, principal=p, as_of=AS_OF, at=AT,
                                   worked_since=AT - timedelta(hours=10)) == a
            contacts.record_contact(s, app=desk, principal=p, case_id=a, at=AT, as_of=AS_OF,
                                    data=contacts.ContactInput("call", "self", "no_answer"))
        with unit_of_work(desk.session_factory) as s:
            assert cases.next_case(s, principal=p, as_of=AS_OF, at=AT,
                                   worked_since=AT - timedelta(hours=10)) == b
            with pytest.raises(cases.NoCaseAvailable):
                cases.next_case(s, principal=p, as_of=AS_OF, at=AT,
                                worked_since=AT - timedelta(hours=10))


class TestScope:
    def test_collector_sees_only_assigned_and_agency_only_placed(self, desk) -> None:  # type: ignore[no-untyped-def]
        u1 = make_user(desk, username="c1")
        u2 = make_user(desk, username="c2")
        ag = make_user(desk, username="ag", role="agency", agency_id="AG1")
        mine = make_case(desk, assigned_to=u1)
        placed = make_case(desk, assigned_to=u2, agency_id="AG1")
        with unit_of_work(desk.session_factory) as s:
            cases.load_case(s, principal=principal(u1), case_id=mine)
            with pytest.raises(Forbidden, match="not assigned to you"):
                cases.load_case(s, principal=principal(u1), case_id=placed)
            p_ag = principal(ag, "agency", team_id=None, agency_id="AG1")
            cases.load_case(s, principal=p_ag, case_id=placed)
            with pytest.raises(Forbidden, match="not placed with your agency"):
                cases.load_case(s, principal=p_ag, case_id=mine)
            listed = cases.queue(s, principal=p_ag, as_of=AS_OF, at=AT)
            assert [r.case_id for r in listed.rows] == [placed]


class TestRecordContact:
    def test_everything_is_saved_together(self, desk) -> None:  # type: ignore[no-untyped-def]
        u1 = make_user(desk, username="c1")
        case_id = make_case(desk, assigned_to=u1)
        data = contacts.ContactInput("call", "self", "right_party_contact",
                                     overdue_reason="illness", promise_amount=Decimal("300.00"),
                                     promise_due=date(2026, 11, 30),
                                     callback_at=AT + timedelta(days=1), note="will pay Monday")
        with unit_of_work(desk.session_factory) as s:
            out = contacts.record_contact(s, app=desk, principal=principal(u1),
                                          case_id=case_id, data=data, at=AT, as_of=AS_OF)
        assert out.attempt_id and out.promise_id and out.task_id and out.note_id
        with unit_of_work(desk.session_factory) as s:
            kinds = [i.kind for i in cases.timeline(s, case_id=case_id)]
        assert sorted(kinds) == ["attempt", "note", "promise"]

    def test_a_failing_promise_leaves_nothing_behind(self, desk) -> None:  # type: ignore[no-untyped-def]
        u1 = make_user(desk, username="c1")
        case_id = make_case(desk, assigned_to=u1)
        data = contacts.ContactInput("call", "self", "right_party_contact",
                                     promise_amount=Decimal("300.00"),
                                     promise_due=date(2026, 11, 30), note="first")
        with unit_of_work(desk.session_factory) as s:
            contacts.record_contact(s, app=desk, principal=principal(u1), case_id=case_id,
                                    data=data, at=AT, as_of=AS_OF)
        with pytest.raises(PromiseConflict), unit_of_work(desk.session_factory) as s:
            contacts.record_contact(s, app=desk, principal=principal(u1), case_id=case_id,
                                    data=data, at=AT, as_of=AS_OF)
        with unit_of_work(desk.session_factory) as s:
            counts = [s.scalar(select(func.count()).select_from(t))
                      for t in (ContactAttempt, Promise, Note)]
        assert counts == [1, 1, 1]

    def test_prohibited_note_stops_the_save_unless_a_reason_is_given(self, desk) -> None:  # type: ignore[no-untyped-def]
        u1 = make_user(desk, username="c1")
        case_id = make_case(desk, assigned_to=u1)
        bad = "再不还钱就打断你的腿"
        data = contacts.ContactInput("call", "self", "right_party_contact", note=bad)
        with pytest.raises(contacts.NoteViolation) as exc, \
                unit_of_work(desk.session_factory) as s:
            contacts.record_contact(s, app=desk, principal=principal(u1), case_id=case_id,
                                    data=data, at=AT, as_of=AS_OF)
        assert "threat" in exc.value.detail["categories"]
        forced = contacts.ContactInput("call", "self", "right_party_contact", note=bad,
                                       note_override_reason="quoting the customer's brother")
        with unit_of_work(desk.session_factory) as s:
            out = contacts.record_contact(s, app=desk, principal=principal(u1),
                                          case_id=case_id, data=forced, at=AT, as_of=AS_OF)
            assert out.note_flags == ["threat"]
            actions = s.scalars(select(AuditEntry.action)).all()
        assert "note.saved_despite_violation" in actions


class TestAuth:
    def test_lock_out_after_five_failures(self, desk) -> None:  # type: ignore[no-untyped-def]
        make_user(desk, username="c1", password="right-password-1")
        for _ in range(5):
            with pytest.raises(SignInFailed), unit_of_work(desk.session_factory) as s:
                try:
                    authenticate(s, username="c1", password="wrong", at=AT)
                finally:
                    s.commit()
        with pytest.raises(AccountLocked), unit_of_work(desk.session_factory) as s:
            authenticate(s, username="c1", password="right-password-1", at=AT)
        with unit_of_work(desk.session_factory) as s:
            user = authenticate(s, username="c1", password="right-password-1",
                                at=AT + timedelta(minutes=16))
        assert user.failed_logins == 0


class TestAuditLog:
    def test_chain_verifies_and_a_changed_row_fails(self, desk) -> None:  # type: ignore[no-untyped-def]
        with unit_of_work(desk.session_factory) as s:
            for i in range(3):
                append_audit(s, actor="u", action="test", object_type="case", object_id=i,
                             detail={"amount": Decimal("1.00")}, at=AT + timedelta(seconds=i))
        with unit_of_work(desk.session_factory) as s:
            assert verify_store(s).ok
            s.execute(update(AuditEntry).where(AuditEntry.entry_id == 2)
                      .values(actor="someone else"))
        with unit_of_work(desk.session_factory) as s:
            report = verify_store(s)
        assert not report.ok and report.first_bad == 2


class TestPersonalDataAtRest:
    def test_no_readable_id_or_phone_in_tables_and_rotation_keeps_values(self, desk) -> None:  # type: ignore[no-untyped-def]
        u1 = make_user(desk, username="c1")
        case_id = make_case(desk, assigned_to=u1, national_id="11010519491231002X",
                            phone="+8613987654321")
        with unit_of_work(desk.session_factory) as s:
            contacts.add_note(s, principal=principal(u1), case_id=case_id, at=AT,
                              text="new number 13987654321", override_reason=None)
        dump = _dump_all(desk)
        for secret in ("11010519491231002X", "13987654321", "张伟"):
            assert secret not in dump
        desk.__dict__["keyring"] = _ring_with_new_key(desk.keyring)
        report = rotate_keys(app=desk, batch=1)
        assert report.reencrypted >= 3 and set(key_usage(app=desk)) == {"k9"}
        with unit_of_work(desk.session_factory) as s:
            value = cases.reveal(s, keyring=desk.keyring, principal=principal(u1),
                                 case_id=case_id, field="national_id", reason="verify id",
                                 at=AT)
        assert value == "11010519491231002X"


def _dump_all(app) -> str:  # type: ignore[no-untyped-def]
    from arrears.adapters.db.all_tables import metadata

    parts = []
    with app.engine.connect() as conn:
        for table in metadata.sorted_tables:
            parts += [repr(tuple(r)) for r in conn.execute(text(f'SELECT * FROM "{table.name}"'))]
    return "\n".join(parts)


def _ring_with_new_key(ring):  # type: ignore[no-untyped-def]
    import os

    from arrears.adapters.crypto import KeyRing

    return KeyRing((("k9", os.urandom(32)),) + ring.keys, ring.index_key)
