"""SMS gateways: a pluggable adapter; the file gateway writes each message as a JSON line
(for development and for gateways that pick up files), the loopback gateway keeps them in
memory (for demos and tests of the sending path)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from arrears.errors import ArrearsError, ConfigError


class SmsDeliveryFailed(ArrearsError):
    code = "sms_delivery_failed"
    status = 502


class SmsGateway(Protocol):
    def send(self, *, to: str, text: str, at: datetime) -> str:
        """Hand one message to the gateway; returns the gateway's reference."""
        ...


@dataclass
class FileSmsGateway:
    """Appends one JSON line per message to ``folder/sms-YYYYMMDD.jsonl``."""

    folder: Path

    def send(self, *, to: str, text: str, at: datetime) -> str:
        ref = f"file-{uuid.uuid4().hex[:16]}"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.folder / f"sms-{at.astimezone(UTC):%Y%m%d}.jsonl"
            with path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps({"ref": ref, "to": to, "text": text,
                                     "at": at.isoformat()}, ensure_ascii=False) + "\n")
        except OSError as exc:
            raise SmsDeliveryFailed(f"cannot write SMS file in {self.folder}: {exc}") from exc
        return ref


@dataclass
class LoopbackSmsGateway:
    """Keeps messages in memory, in order."""

    sent: list[dict[str, str]] = field(default_factory=list)

    def send(self, *, to: str, text: str, at: datetime) -> str:
        ref = f"loop-{len(self.sent) + 1}"
        self.sent.append({"ref": ref, "to": to, "text": text, "at": at.isoformat()})
        return ref


def make_sms_gateway(kind: str, *, folder: Path) -> SmsGateway:
    """The gateway named in the configuration (``file`` or ``loopback``)."""
    if kind == "file":
        return FileSmsGateway(folder)
    if kind == "loopback":
        return LoopbackSmsGateway()
    raise ConfigError(f"unknown SMS gateway {kind!r} (file, loopback)", field="outbox.sms_gateway")
