"""Tables of the portfolio engine, in SQL types that DuckDB and PostgreSQL share.

The five interchange tables keep the spec's column names. Personal data is stored
encrypted (``*_enc``) with a masked copy (``*_masked``) and, for the values people search
by, a keyed hash (``*_hash``). Extra columns the daily run relies on:

- ``loans.loan_key``, ``installments.loan_key``, ``payments.loan_key``: a dense integer
  key given at load, so the daily run joins and groups on integers, not strings;
- ``installments.due_before``: what the loan's earlier installments, in (due_date, seq)
  order, add up to. Payments go to the oldest installment first, so installment k
  receives clamp(paid - due_before, 0, due); keeping the running total lets the daily
  run work with one join and one group-by instead of a window over the whole book.
- ``payments.paid_at_utc`` and ``paid_on`` (the local date in the reporting zone), and
  ``reversed_on``: the date of the earliest reversal naming the payment, kept at load so
  the daily run filters payments instead of joining them with their reversals.
"""

from __future__ import annotations

MONEY = "DECIMAL(18,2)"

TABLES: dict[str, list[tuple[str, str]]] = {
    "customers": [
        ("customer_id", "VARCHAR"), ("full_name_enc", "VARCHAR"), ("full_name_masked", "VARCHAR"),
        ("national_id_enc", "VARCHAR"), ("national_id_hash", "VARCHAR"),
        ("national_id_masked", "VARCHAR"), ("birth_date", "DATE"), ("country", "VARCHAR"),
        ("region", "VARCHAR"), ("timezone", "VARCHAR"), ("effective_timezone", "VARCHAR"),
        ("timezone_source", "VARCHAR"), ("preferred_language", "VARCHAR"),
        ("address_enc", "VARCHAR"), ("address_masked", "VARCHAR"),
        ("content_hash", "VARCHAR"), ("load_id", "VARCHAR"),
    ],
    "contacts": [
        ("contact_id", "VARCHAR"), ("customer_id", "VARCHAR"), ("channel", "VARCHAR"),
        ("value_enc", "VARCHAR"), ("value_hash", "VARCHAR"), ("value_masked", "VARCHAR"),
        ("relation", "VARCHAR"), ("is_primary", "BOOLEAN"), ("consent", "BOOLEAN"),
        ("timezone", "VARCHAR"), ("content_hash", "VARCHAR"), ("load_id", "VARCHAR"),
    ],
    "loans": [
        ("loan_key", "BIGINT"), ("loan_id", "VARCHAR"), ("customer_id", "VARCHAR"),
        ("product", "VARCHAR"), ("currency", "VARCHAR"), ("principal", MONEY),
        ("annual_rate", "DECIMAL(12,6)"), ("term", "INTEGER"), ("disbursed_on", "DATE"),
        ("status", "VARCHAR"), ("load_id", "VARCHAR"),
    ],
    "installments": [
        ("loan_key", "BIGINT"), ("loan_id", "VARCHAR"), ("seq", "INTEGER"),
        ("due_date", "DATE"), ("principal_due", MONEY), ("interest_due", MONEY),
        ("fee_due", MONEY), ("due_before", MONEY), ("load_id", "VARCHAR"),
    ],
    "payments": [
        ("payment_id", "VARCHAR"), ("loan_key", "BIGINT"), ("loan_id", "VARCHAR"),
        ("paid_at_utc", "TIMESTAMP"), ("paid_on", "DATE"), ("amount", MONEY),
        ("kind", "VARCHAR"), ("reverses_payment_id", "VARCHAR"), ("channel", "VARCHAR"),
        ("load_id", "VARCHAR"), ("reversed_on", "DATE"),
    ],
    "delinquency_snapshots": [
        ("as_of", "DATE"), ("loan_key", "BIGINT"), ("loan_id", "VARCHAR"),
        ("customer_id", "VARCHAR"), ("currency", "VARCHAR"), ("product", "VARCHAR"),
        ("principal", MONEY), ("disbursed_on", "DATE"), ("term", "INTEGER"),
        ("status", "VARCHAR"), ("dpd", "INTEGER"), ("bucket", "VARCHAR"),
        ("overdue_principal", MONEY), ("overdue_interest", MONEY), ("overdue_fee", MONEY),
        ("overdue_amount", MONEY), ("outstanding_principal", MONEY),
        ("credit_balance", MONEY), ("oldest_unpaid_due_date", "DATE"),
    ],
    "bucket_events": [
        ("as_of", "DATE"), ("loan_id", "VARCHAR"), ("customer_id", "VARCHAR"),
        ("from_bucket", "VARCHAR"), ("to_bucket", "VARCHAR"), ("kind", "VARCHAR"),
        ("dpd", "INTEGER"), ("overdue_amount", MONEY),
    ],
    "portfolio_meta": [("key", "VARCHAR"), ("value", "VARCHAR")],
}

# The interchange tables in load order (each one's references are loaded before it).
INTERCHANGE = ("customers", "contacts", "loans", "installments", "payments")


def create_statements() -> list[str]:
    """``CREATE TABLE IF NOT EXISTS`` for every portfolio table."""
    out = []
    for name, columns in TABLES.items():
        cols = ", ".join(f"{col} {sql_type}" for col, sql_type in columns)
        out.append(f"CREATE TABLE IF NOT EXISTS {name} ({cols})")
    return out


def columns(table: str) -> list[str]:
    """Column names of a portfolio table, in order."""
    return [col for col, _ in TABLES[table]]
