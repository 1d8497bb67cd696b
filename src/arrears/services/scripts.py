"""Call scripts: what the collector says at each stage, per language, versioned.

Stages follow the seed's practice: a gentle reminder at first contact, a firmer follow-up
when the first contact did not bring payment, then late-stage and final-notice scripts.
Scripts hold ``{placeholders}`` filled with the account's figures; an unknown placeholder is
refused when the script is saved. Every edit makes a new version; the newest is used.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from arrears.adapters.db.tables_desk import CallScript
from arrears.domain.money import format_money
from arrears.errors import InvalidInput
from arrears.services.audit import append_audit

STAGES = ("first_contact", "follow_up", "late_stage", "final_notice")
LANGUAGES = ("zh-CN", "en")
PLACEHOLDERS = ("customer_name", "lender", "overdue_amount", "currency", "dpd", "bucket",
                "oldest_due_date", "loan_count", "collector", "promise_amount", "promise_due")

DEFAULT_SCRIPTS: dict[tuple[str, str], tuple[str, str]] = {
    ("first_contact", "zh-CN"): ("首次提醒（温和）", (
        "您好，请问是{customer_name}本人吗？我是{lender}的客服{collector}。\n"
        "提醒您，您的借款目前逾期{dpd}天，逾期金额为{overdue_amount}。\n"
        "请问最近是遇到什么困难了吗？如果方便，今天能安排还款吗？\n"
        "如有困难，我们可以一起看看分期或延期的方案。")),
    ("first_contact", "en"): ("First reminder (gentle)", (
        "Hello, may I speak with {customer_name}? This is {collector} from {lender}.\n"
        "A friendly reminder: your loan is {dpd} days overdue, with {overdue_amount} due.\n"
        "Has anything made it hard to pay recently? Could you arrange a payment today?\n"
        "If things are difficult, we can look at an installment or deferral plan together.")),
    ("follow_up", "zh-CN"): ("跟进（明确）", (
        "您好，{customer_name}，我是{lender}的{collector}。\n"
        "您的借款已逾期{dpd}天，逾期金额{overdue_amount}，之前的沟通后仍未还款。\n"
        "请您确认具体的还款日期和金额。按时还款可以避免逾期记录继续增加。\n"
        "如果确有困难，请告诉我原因，我们可以商量还款计划。")),
    ("follow_up", "en"): ("Follow-up (firmer)", (
        "Hello {customer_name}, this is {collector} from {lender}.\n"
        "Your loan is {dpd} days overdue with {overdue_amount} due, and no payment has come "
        "in since we last spoke.\nPlease confirm the date and amount you will pay. Paying "
        "on time stops the arrears from growing.\nIf you are in difficulty, tell me why and "
        "we can agree a repayment plan.")),
    ("late_stage", "zh-CN"): ("后期催收", (
        "您好，{customer_name}，我是{lender}的{collector}。\n"
        "您的{loan_count}笔借款已逾期{dpd}天，逾期金额{overdue_amount}。\n"
        "我们希望与您达成可行的还款安排，请告诉我您今天能还多少、何时还清剩余部分。")),
    ("late_stage", "en"): ("Late stage", (
        "Hello {customer_name}, this is {collector} from {lender}.\n"
        "Your {loan_count} loan(s) are {dpd} days overdue with {overdue_amount} due.\n"
        "We want to agree a plan you can keep: how much can you pay today, and when will "
        "you clear the rest?")),
    ("final_notice", "zh-CN"): ("最终通知", (
        "您好，{customer_name}，我是{lender}的{collector}。\n"
        "您的借款已逾期{dpd}天，逾期金额{overdue_amount}。这是我们在转入下一处理阶段前"
        "的最后一次电话沟通。\n请今天与我们确认还款方案。")),
    ("final_notice", "en"): ("Final notice", (
        "Hello {customer_name}, this is {collector} from {lender}.\n"
        "Your loan is {dpd} days overdue with {overdue_amount} due. This is our last call "
        "before the account moves to the next stage of collection.\nPlease agree a "
        "repayment arrangement with us today.")),
}


@dataclass(frozen=True)
class ScriptView:
    stage: str
    language: str
    version: int
    title: str
    body: str
    created_by: str
    created_at: datetime | None


def stage_for(*, dpd: int, prior_conversations: int, treatment_script: str | None = None) -> str:
    """The script stage of a case: the strategy's choice when it names one, else by dpd."""
    if treatment_script in STAGES:
        return treatment_script  # type: ignore[return-value]
    if dpd > 90:
        return "final_notice"
    if dpd > 30:
        return "late_stage"
    return "follow_up" if prior_conversations else "first_contact"


def script_language(preferred: str | None) -> str:
    """The script language closest to the customer's preferred language."""
    return "en" if (preferred or "").lower().startswith("en") else "zh-CN"


def placeholders_in(body: str) -> list[str]:
    """The ``{names}`` a script body uses (raises on malformed braces)."""
    try:
        return [name for _, name, _, _ in string.Formatter().parse(body) if name is not None]
    except ValueError as exc:
        raise InvalidInput(f"script text has unbalanced braces: {exc}", field="body") from exc


def validate_script(*, stage: str, language: str, title: str, body: str) -> None:
    if stage not in STAGES:
        raise InvalidInput(f"stage must be one of {', '.join(STAGES)}", field="stage")
    if language not in LANGUAGES:
        raise InvalidInput(f"language must be one of {', '.join(LANGUAGES)}", field="language")
    if not title.strip() or len(title) > 200:
        raise InvalidInput("title is required (at most 200 characters)", field="title")
    if not body.strip() or len(body) > 5000:
        raise InvalidInput("script text is required (at most 5000 characters)", field="body")
    unknown = [n for n in placeholders_in(body) if n not in PLACEHOLDERS]
    if unknown:
        raise InvalidInput(f"unknown placeholder {{{unknown[0]}}}; use one of "
                           + ", ".join("{" + p + "}" for p in PLACEHOLDERS), field="body")


def current_script(session: Session, *, stage: str, language: str) -> ScriptView:
    """The newest version of a stage's script (the built-in text when none was saved)."""
    row = session.scalar(select(CallScript).where(
        CallScript.stage == stage, CallScript.language == language,
        CallScript.active.is_(True)).order_by(CallScript.version.desc()).limit(1))
    if row is not None:
        return ScriptView(row.stage, row.language, row.version, row.title, row.body,
                          row.created_by, row.created_at)
    title, body = DEFAULT_SCRIPTS[(stage, language)]
    return ScriptView(stage, language, 0, title, body, "built-in", None)


def history(session: Session, *, stage: str, language: str) -> list[ScriptView]:
    rows = session.scalars(select(CallScript).where(
        CallScript.stage == stage, CallScript.language == language)
        .order_by(CallScript.version.desc())).all()
    return [ScriptView(r.stage, r.language, r.version, r.title, r.body, r.created_by,
                       r.created_at) for r in rows]


def save_script(session: Session, *, stage: str, language: str, title: str, body: str,
                actor: str, at: datetime) -> ScriptView:
    """Store a new version of a stage's script; earlier versions stay for the record."""
    validate_script(stage=stage, language=language, title=title, body=body)
    latest = session.scalar(select(func.max(CallScript.version)).where(
        CallScript.stage == stage, CallScript.language == language)) or 0
    session.execute(update(CallScript).where(CallScript.stage == stage,
                                             CallScript.language == language)
                    .values(active=False))
    row = CallScript(stage=stage, language=language, version=latest + 1, title=title.strip(),
                     body=body, active=True, created_by=actor, created_at=at)
    session.add(row)
    session.flush()
    append_audit(session, actor=actor, action="script.save", object_type="call_script",
                 object_id=row.script_id, detail={"stage": stage, "language": language,
                                                  "version": row.version}, at=at)
    return ScriptView(stage, language, row.version, row.title, row.body, actor, at)


class _Blank(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "—"


def fill_script(body: str, figures: dict[str, Any]) -> str:
    """The script with the account's figures in place (unknown names become a dash)."""
    return string.Formatter().vformat(body, (), _Blank(figures))


def account_figures(*, customer_name: str, lender: str, collector: str, currency: str,
                    overdue_amount: Decimal, dpd: int, bucket: str, loan_count: int,
                    oldest_due_date: date | None, promise: Any = None) -> dict[str, Any]:
    """The placeholders of a script for one account."""
    return {"customer_name": customer_name, "lender": lender, "collector": collector,
            "overdue_amount": f"{format_money(overdue_amount)} {currency}",
            "currency": currency, "dpd": dpd, "bucket": bucket, "loan_count": loan_count,
            "oldest_due_date": oldest_due_date.isoformat() if oldest_due_date else "—",
            "promise_amount": str(promise.amount) if promise else "—",
            "promise_due": promise.due_on.isoformat() if promise else "—"}
