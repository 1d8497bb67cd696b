"""Operations-store tables of the desk part of the product.

- ``call_scripts``: what the collector says at each stage, per language, versioned (a new
  version on every edit; the newest active one is used).
- ``audit_head``: one row that serialises writers of the hash-chained audit log, so two
  transactions never chain onto the same previous entry (works on SQLite and PostgreSQL).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from arrears.adapters.db.base import Base


class CallScript(Base):
    __tablename__ = "call_scripts"
    script_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    stage: Mapped[str] = mapped_column(String(30))
    language: Mapped[str] = mapped_column(String(10))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (UniqueConstraint("stage", "language", "version",
                                       name="uq_call_scripts_stage_language_version"),)


class AuditHead(Base):
    __tablename__ = "audit_head"
    head_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    appended: Mapped[int] = mapped_column(Integer, default=0)
