"""Idempotency keys for creating POSTs: a retried request gets the first answer again.

The key is scoped to the user; the same key with a different request is refused (422), so
a client bug cannot silently turn one request into another.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from arrears.adapters.db.tables import IdempotencyKey
from arrears.errors import Conflict, InvalidInput
from arrears.services.audit import canonical


class IdempotencyKeyReused(InvalidInput):
    code = "idempotency_key_reused"


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    replayed: bool = False


def request_hash(*, method: str, path: str, payload: Any) -> str:
    return hashlib.sha256(f"{method} {path} {canonical(payload)}".encode()).hexdigest()


def run_once(session: Session, *, key: str, user_id: int, method: str, path: str,
             payload: Any, at: datetime, create: Callable[[], Answer]) -> Answer:
    """Replay the stored answer for ``key``, or create and store it (same transaction)."""
    digest = request_hash(method=method, path=path, payload=payload)
    found = session.get(IdempotencyKey, (key, user_id))
    if found is not None:
        if found.request_hash != digest:
            raise IdempotencyKeyReused("this Idempotency-Key was used for a different request",
                                       field="Idempotency-Key")
        return Answer(found.status_code, found.response, replayed=True)
    answer = create()
    session.add(IdempotencyKey(key=key, user_id=user_id, request_hash=digest,
                               status_code=answer.status, response=answer.body,
                               created_at=at))
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict("the same Idempotency-Key is being used by a request in progress",
                       field="Idempotency-Key") from exc
    return answer
