"""The append-only, hash-chained audit log: sign-ins, reveals, exports and every change.

Each entry's hash covers its own fields and the previous entry's hash, so editing,
removing or reordering any entry breaks the chain from there on (``arrears audit verify``).
Writers are serialised through the one ``audit_head`` row: the conditional update takes a
row lock (PostgreSQL) or the write lock (SQLite) before the previous hash is read.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from arrears.adapters.db.tables import AuditEntry
from arrears.adapters.db.tables_desk import AuditHead

GENESIS = "0" * 64
EXPORT_FORMAT = "arrears-audit/1"


def utc_naive(at: datetime) -> datetime:
    """UTC wall time without tzinfo: how every store returns it, so hashes agree."""
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return utc_naive(value).isoformat(timespec="microseconds") + "Z"
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def canonical(obj: Any) -> str:
    """One spelling of a JSON value: sorted keys, no spaces, ASCII only."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def entry_fields(*, entry_id: int, at: datetime, actor: str, action: str,
                 object_type: str | None, object_id: str | None,
                 detail: dict[str, Any]) -> dict[str, Any]:
    """The fields an entry's hash covers, in their canonical form."""
    return {"entry_id": entry_id,
            "at": utc_naive(at).isoformat(timespec="microseconds") + "Z",
            "actor": actor, "action": action, "object_type": object_type,
            "object_id": object_id, "detail": _jsonable(detail)}


def chain_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """sha256 over the previous hash and the entry's canonical fields."""
    return hashlib.sha256((prev_hash + canonical(fields)).encode("ascii")).hexdigest()


def append_audit(session: Session, *, actor: str, action: str,
                 object_type: str | None = None, object_id: str | int | None = None,
                 detail: dict[str, Any] | None = None, at: datetime) -> AuditEntry:
    """Append one entry to the chain inside the caller's transaction (no commit).

    ``detail`` must never hold personal data in clear: name fields and reasons, not values.
    """
    _lock_head(session)
    last = session.execute(select(AuditEntry.entry_id, AuditEntry.entry_hash)
                           .order_by(AuditEntry.entry_id.desc()).limit(1)).first()
    prev_hash = last.entry_hash if last else GENESIS
    entry_id = (last.entry_id + 1) if last else 1
    oid = None if object_id is None else str(object_id)
    fields = entry_fields(entry_id=entry_id, at=at, actor=actor[:100], action=action,
                          object_type=object_type, object_id=oid, detail=detail or {})
    entry = AuditEntry(entry_id=entry_id, at=utc_naive(at).replace(tzinfo=UTC),
                       actor=fields["actor"], action=action, object_type=object_type,
                       object_id=oid, detail=fields["detail"], prev_hash=prev_hash,
                       entry_hash=chain_hash(prev_hash, fields))
    session.add(entry)
    session.flush()
    return entry


def _lock_head(session: Session) -> None:
    result = session.execute(update(AuditHead).where(AuditHead.head_id == 1)
                             .values(appended=AuditHead.appended + 1))
    if result.rowcount == 0:  # type: ignore[attr-defined]
        session.add(AuditHead(head_id=1, appended=1))
        session.flush()


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    entries: int
    head: str
    first_bad: int | None = None
    problem: str | None = None


def _row_dict(entry: AuditEntry) -> dict[str, Any]:
    fields = entry_fields(entry_id=entry.entry_id, at=entry.at, actor=entry.actor,
                          action=entry.action, object_type=entry.object_type,
                          object_id=entry.object_id, detail=entry.detail or {})
    return {**fields, "prev_hash": entry.prev_hash, "entry_hash": entry.entry_hash}


def iter_entries(session: Session, *, batch: int = 1000) -> Iterator[dict[str, Any]]:
    """Every entry in chain order, as the dicts the export writes."""
    last = 0
    while True:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.entry_id > last)
                               .order_by(AuditEntry.entry_id).limit(batch)).all()
        if not rows:
            return
        for row in rows:
            yield _row_dict(row)
        last = rows[-1].entry_id


def verify_chain(records: Iterable[dict[str, Any]]) -> VerifyReport:
    """Recompute every hash; the first entry that does not match is reported."""
    prev, count, expected_id = GENESIS, 0, None
    for rec in records:
        eid = rec.get("entry_id")
        fields = {k: rec.get(k) for k in ("entry_id", "at", "actor", "action", "object_type",
                                          "object_id", "detail")}
        if expected_id is not None and eid != expected_id:
            return VerifyReport(False, count, prev, eid, "entries missing or out of order")
        if rec.get("prev_hash") != prev:
            return VerifyReport(False, count, prev, eid, "previous hash does not match")
        if chain_hash(prev, fields) != rec.get("entry_hash"):
            return VerifyReport(False, count, prev, eid, "entry was altered")
        prev, count = rec["entry_hash"], count + 1
        expected_id = eid + 1 if isinstance(eid, int) else None
    return VerifyReport(True, count, prev)


def verify_store(session: Session) -> VerifyReport:
    """Verify the audit log as stored in the operations store."""
    return verify_chain(iter_entries(session))


def export_audit(session: Session, *, out: Path, at: datetime) -> VerifyReport:
    """Write the log as canonical JSON lines with a header and a closing head line."""
    out.parent.mkdir(parents=True, exist_ok=True)
    count, head = 0, GENESIS
    with out.open("w", encoding="ascii", newline="\n") as fh:
        fh.write(canonical({"format": EXPORT_FORMAT,
                            "exported_at": _jsonable(at)}) + "\n")
        for rec in iter_entries(session):
            fh.write(canonical(rec) + "\n")
            count, head = count + 1, rec["entry_hash"]
        fh.write(canonical({"entries": count, "head": head}) + "\n")
    return VerifyReport(True, count, head)


def verify_file(path: Path) -> VerifyReport:
    """Verify an export: every byte matters (lines must be canonical, counts must match)."""
    raw = path.read_bytes()
    try:
        lines = raw.decode("ascii").split("\n")
    except UnicodeDecodeError:
        return VerifyReport(False, 0, GENESIS, None, "file is not an audit export")
    if len(lines) < 3 or lines[-1] != "":
        return VerifyReport(False, 0, GENESIS, None, "file is truncated")
    parsed: list[Any] = []
    for number, line in enumerate(lines[:-1], start=1):
        try:
            obj = json.loads(line)
        except ValueError:
            return VerifyReport(False, 0, GENESIS, None, f"line {number} is not valid JSON")
        if canonical(obj) != line:
            return VerifyReport(False, 0, GENESIS, None, f"line {number} was edited")
        parsed.append(obj)
    header, records, footer = parsed[0], parsed[1:-1], parsed[-1]
    if not isinstance(header, dict) or header.get("format") != EXPORT_FORMAT:
        return VerifyReport(False, 0, GENESIS, None, "header line was edited")
    report = verify_chain(records)
    if report.ok and footer != {"entries": report.entries, "head": report.head}:
        return VerifyReport(False, report.entries, report.head, None,
                            "closing line does not match the entries")
    return report
