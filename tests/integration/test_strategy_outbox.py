"""Outbound messages: templates filled from the account, compliance first, then a real SMTP
server (aiosmtpd), the file SMS gateway and PDF letters checked by rendering them."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
from datetime import UTC, date, datetime
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from arrears.adapters.db.base import unit_of_work
from arrears.adapters.db.tables import ContactAttempt
from arrears.adapters.db.tables_strategy import OutboxMessage
from arrears.services import outbox
from tests.conftest import make_test_app
from tests.integration.strategy_factory import add_case


class Sink:
    """An SMTP handler that keeps what it receives."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def] # noqa: N802
        self.received.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp():  # type: ignore[no-untyped-def]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, sink
    controller.stop()


@pytest.fixture
def mail_app(tmp_path, smtp):  # type: ignore[no-untyped-def]
    controller, _sink = smtp
    config = tmp_path / "arrears.toml"
    config.write_text(f"""
[outbox]
smtp_host = "127.0.0.1"
smtp_port = {controller.port}
smtp_from = "collections@lender.example"
sms_gateway = "file"
sms_folder = "{tmp_path / 'sms'}"
letters_folder = "{tmp_path / 'letters'}"
hotline = "400-800-1234"
""", encoding="utf-8")
    application = make_test_app(tmp_path / "home", f"sqlite:///{tmp_path / 'ops.sqlite'}",
                                config=config)
    yield application
    application.close()


NOON = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)   # 11:00 in Shanghai
NIGHT = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai


def queue(app, case_id: int, channel: str, script: str, due: datetime) -> int:  # type: ignore[no-untyped-def]
    with unit_of_work(app.session_factory) as s:
        return outbox.queue_message(s, app=app, case_id=case_id, channel=channel, script=script,
                                    due_at=due, actor="test").message_id


def page_is_not_blank(pdf: Path, out: Path) -> bool:
    from PIL import Image

    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(pdf), str(out)],
                   check=True, timeout=60)
    image = Image.open(next(out.parent.glob(out.name + "*.png"))).convert("L")
    dark = sum(1 for px in image.getdata() if px < 128)
    return dark > 200


def test_email_sms_and_letter_are_sent_after_compliance(mail_app, smtp, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _controller, sink = smtp
    app = mail_app
    cid = add_case(app, customer_id="A", dpd=12, bucket="M1", overdue="1234.50",
                   opened=date(2026, 3, 1), email=True, mail=True)
    ids = [queue(app, cid, "email", "overdue_email", NOON),
           queue(app, cid, "sms", "early_reminder", NOON),
           queue(app, cid, "letter", "written_notice", NOON)]
    report = outbox.send_due(app=app, at=NOON)
    assert (report.due, report.sent) == (3, 3)
    assert len(sink.received) == 1
    rcpt, raw = sink.received[0]
    mail = message_from_bytes(raw, policy=default_policy)
    assert rcpt == ["A@example.com"] and "C00000001" in mail["Subject"]
    body = mail.get_body().get_content()
    assert "张三" in body and "1234.50" in body and "400-800-1234" in body
    sms = [json.loads(line) for line in (tmp_path / "sms").glob("*.jsonl").__next__()
           .read_text(encoding="utf-8").splitlines()]
    assert sms[0]["to"] == "+8613812345678" and "回复TD退订" in sms[0]["text"]
    with unit_of_work(app.session_factory) as s:
        msgs = {m.message_id: m for m in s.scalars(select(OutboxMessage))}
        attempts = s.scalars(select(ContactAttempt)).all()
    assert all(msgs[i].status == "sent" and msgs[i].decision_id for i in ids)
    assert sorted(a.channel for a in attempts) == ["email", "letter", "sms"]
    assert "张三" in outbox.sent_content(app, msgs[ids[0]])["body"]
    letter = Path(msgs[ids[2]].provider_ref)
    assert letter.exists() and letter.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftoppm"):
        assert page_is_not_blank(letter, tmp_path / "page")


def test_quiet_hours_defer_the_message(mail_app, smtp) -> None:  # type: ignore[no-untyped-def]
    _controller, sink = smtp
    cid = add_case(mail_app, customer_id="B", dpd=12, bucket="M1", overdue="100.00",
                   opened=date(2026, 3, 1))
    mid = queue(mail_app, cid, "sms", "early_reminder", NIGHT)
    report = outbox.send_due(app=mail_app, at=NIGHT)
    assert (report.sent, report.deferred) == (0, 1)
    with unit_of_work(mail_app.session_factory) as s:
        msg = s.get(OutboxMessage, mid)
        assert msg.status == "deferred" and "quiet" in (msg.last_error or "").lower()
        assert msg.due_at.replace(tzinfo=UTC) > NIGHT
    assert sink.received == []


def test_unknown_template_is_refused(mail_app) -> None:  # type: ignore[no-untyped-def]
    cid = add_case(mail_app, customer_id="C", dpd=12, bucket="M1", overdue="100.00",
                   opened=date(2026, 3, 1))
    with pytest.raises(outbox.TemplateMissing):
        queue(mail_app, cid, "sms", "no_such_script", NOON)
