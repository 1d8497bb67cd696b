"""E-mail through an SMTP server (smtplib, with a timeout, optional STARTTLS and login)."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

from arrears.errors import ArrearsError


class EmailDeliveryFailed(ArrearsError):
    """The SMTP server refused the message or could not be reached."""

    code = "email_delivery_failed"
    status = 502


@dataclass(frozen=True)
class SmtpSender:
    host: str
    port: int
    sender: str
    timeout: float = 10.0
    starttls: bool = False
    username: str | None = None
    password: str | None = None

    def send(self, *, to: str, subject: str, body: str) -> str:
        """Send a plain-text UTF-8 message; returns its Message-ID."""
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = to
        msg["Subject"] = subject
        msg["Message-ID"] = make_msgid(domain=self.sender.split("@")[-1] or None)
        msg.set_content(body, charset="utf-8")
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            raise EmailDeliveryFailed(f"SMTP {self.host}:{self.port}: {exc}") from exc
        return str(msg["Message-ID"])
