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
    # One row per loan per run day: what the day's run computed (see SNAPSHOT_VIEW).
    "delinquency_positions": [
        ("as_of", "DATE"), ("loan_key", "BIGINT"), ("dpd", "INTEGER"), ("bucket", "VARCHAR"),
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

# Loaded loans never change (a conflicting row is quarantined, never overwritten), so
# the day's positions carry only what the run computes and the snapshot joins the loan's
# attributes by its integer key: a third of the bytes written every day.
LOAN_ATTRIBUTES = ("loan_id", "customer_id", "currency", "product", "principal",
                   "disbursed_on", "term", "status")
SNAPSHOT_COLUMNS = ("as_of", "loan_key", *LOAN_ATTRIBUTES, "dpd", "bucket",
                    "overdue_principal", "overdue_interest", "overdue_fee", "overdue_amount",
                    "outstanding_principal", "credit_balance", "oldest_unpaid_due_date")
VIEWS: dict[str, tuple[tuple[str, ...], str]] = {
    "delinquency_snapshots": (SNAPSHOT_COLUMNS, "SELECT " + ", ".join(
        f"l.{c}" if c in LOAN_ATTRIBUTES else f"p.{c}" for c in SNAPSHOT_COLUMNS)
        + " FROM delinquency_positions p JOIN loans l ON l.loan_key = p.loan_key"),
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


def view_statements() -> list[str]:
    """``CREATE OR REPLACE VIEW`` for every portfolio view."""
    return [f"CREATE OR REPLACE VIEW {name} AS {sql}" for name, (_, sql) in VIEWS.items()]


def legacy_snapshot_statements() -> list[str]:
    """Engines made before positions were kept narrow: their snapshot table's computed
    columns move to ``delinquency_positions`` and the table gives way to the view."""
    computed = ", ".join(columns("delinquency_positions"))
    return [f"INSERT INTO delinquency_positions ({computed}) "
            f"SELECT {computed} FROM delinquency_snapshots",
            "DROP TABLE delinquency_snapshots"]


def columns(table: str) -> list[str]:
    """Column names of a portfolio table or view, in order."""
    if table in VIEWS:
        return list(VIEWS[table][0])
    return [col for col, _ in TABLES[table]]
