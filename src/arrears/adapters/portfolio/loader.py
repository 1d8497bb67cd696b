"""Loading the lender's book into the portfolio engine: checked set-based, never overwriting.

For each table, in reference order (customers, contacts, loans, installments, payments):

1. ``_stage``: one pass over the file in DuckDB types every value and applies the row
   rules of ``rules``, giving each row a ``reason`` (NULL when it is fine).
2. ``_decide``: rules between rows, as joins and group-bys: duplicate keys in the file,
   references to rows loaded now or before, conflicts with rows already loaded. Each row
   is ``new``, ``unchanged`` (already loaded identically, or a repeat in the file),
   or ``quarantined`` with its reason.
3. ``_write_*``: the new rows are appended. Personal data (customers, contacts) is
   encrypted row by row in Python: AES-GCM costs a few microseconds a value, which is the
   price of keeping names, ID numbers and phone numbers unreadable at rest.

Nothing is written before every file's header has been checked.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from arrears.adapters.crypto import KeyRing
from arrears.adapters.portfolio import udfs
from arrears.adapters.portfolio.engine import PortfolioEngine
from arrears.adapters.portfolio.rules import TableRules, country_zones, rules_for
from arrears.adapters.portfolio.schema import INTERCHANGE, columns
from arrears.adapters.portfolio.sources import (
    SourceFile,
    numbered,
    read_header,
    renumber,
)
from arrears.domain.masking import mask_address, mask_contact, mask_name, mask_national_id

Step = Callable[[str], None]


@dataclass
class TableCounts:
    """What happened to one table's rows."""

    table: str
    source: str
    read: int = 0
    loaded: int = 0
    unchanged: int = 0
    quarantined: int = 0
    extra_columns: list[str] = field(default_factory=list)


# What each table's rows are compared on (besides the key) to tell a repeat from a conflict.
CONTENT = {
    "customers": ("content_hash",),
    "contacts": ("content_hash",),
    "loans": ("customer_id", "product", "currency", "principal", "annual_rate", "term",
              "disbursed_on", "status"),
    "installments": ("due_date", "principal_due", "interest_due", "fee_due"),
    "payments": ("loan_id", "paid_at_utc", "amount", "kind", "reverses_payment_id", "channel"),
}
PERSONAL = {
    "customers": ("customer_id", "full_name", "national_id", "birth_date", "country", "region",
                  "timezone", "preferred_language", "address"),
    "contacts": ("contact_id", "customer_id", "channel", "value", "relation", "is_primary",
                 "consent"),
}


class PortfolioLoader:
    """Checks and loads one directory of interchange files (see the module docstring)."""

    def __init__(self, *, engine: PortfolioEngine, keyring: KeyRing, reporting_timezone: str,
                 load_id: str, step: Step | None = None) -> None:
        self.engine = engine
        self.keyring = keyring
        self.zone = reporting_timezone
        self.load_id = load_id
        self.step = step or (lambda _msg: None)
        self.con = engine.staging()
        self.rules = {t: rules_for(t, reporting_timezone=reporting_timezone)
                      for t in INTERCHANGE}
        self.sources: dict[str, SourceFile] = {}
        self.rejected: dict[str, str] = {}
        self.counts: dict[str, TableCounts] = {}
        secret = hmac.new(keyring.index_key, b"portfolio-content", hashlib.sha256).hexdigest()
        self._secret = secret

    # -- orchestration -------------------------------------------------------------------
    def check_headers(self, sources: dict[str, SourceFile]) -> None:
        """Every file readable with its required columns, before anything is written."""
        for table, source in sources.items():
            rules = self.rules[table]
            read_header(self.con, source, required=rules.required, optional=rules.optional)
        self.sources = sources

    def load(self) -> list[TableCounts]:
        """Stage, decide and write every table present; returns the counts."""
        udfs.register(self.con)
        self.engine.ensure_schema()
        for table in INTERCHANGE:
            self.engine.expose(table, columns(table), name=f"ex_{table}")
        with udfs.helper_process():  # phone and ID numbers are parsed on two cores
            for table in ("customers", "contacts"):
                self._stage_and_decide(table)
        self._write_contacts()
        self._write_customers()
        for table in ("loans", "installments", "payments"):
            self._stage_and_decide(table)
            getattr(self, f"_write_{table}")()
        return [self.counts[t] for t in INTERCHANGE if t in self.counts]

    def _stage_and_decide(self, table: str) -> None:
        source = self.sources.get(table)
        if source is None:
            self._empty_stage(table)
            return
        self.step(f"{table}: reading and checking {source.path.name}")
        self._stage(table, source)
        self.step(f"{table}: duplicates, references and conflicts")
        self._decide(table)
        self._count(table, source)

    # -- stage 1: one pass over the file --------------------------------------------------
    def _stage(self, table: str, source: SourceFile) -> None:
        rules = self.rules[table]
        read = numbered(source, rules.columns)
        typed = dict(rules.typed)
        if table in PERSONAL:
            typed["content_hash"] = self._content_hash(PERSONAL[table], typed)
        projections = ", ".join(f"{expr} AS {col}" for col, expr in typed.items())
        checks = ", ".join(rules.checks)
        self.con.execute(f"""
            CREATE OR REPLACE TEMP TABLE chk_{table} AS
            SELECT rn0, rn0 AS rn, {projections},
                   nullif(concat_ws('; ', {checks}), '') AS reason
            FROM ({read.sql})""")
        rejected = renumber(self.con, table=f"chk_{table}", rejects=read.rejects_table)
        if rejected:
            self.rejected[table] = rejected

    def _content_hash(self, cols: tuple[str, ...], typed: dict[str, str]) -> str:
        parts = ", ".join(f"coalesce(CAST(({typed[c]}) AS VARCHAR), '\\N')" for c in cols)
        return f"sha256('{self._secret}' || concat_ws(chr(31), {parts}))"

    def _empty_stage(self, table: str) -> None:
        cols = ", ".join(f"NULL::VARCHAR AS {c}" for c in self.rules[table].key)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE chk_{table} AS SELECT 0::BIGINT AS rn0, "
                         f"0::BIGINT AS rn, {cols}, NULL::VARCHAR AS reason WHERE false")
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE dec_{table} AS SELECT 0::BIGINT AS rn, "
                         "0::BIGINT AS rn0, ''::VARCHAR AS reason, ''::VARCHAR AS status "
                         "WHERE false")

    # -- stage 2: rules between rows ---------------------------------------------------------
    def _decide(self, table: str) -> None:
        rules = self.rules[table]
        content = CONTENT[table]
        self._duplicates(table, rules, content)
        key_join = " AND ".join(f"e.{k} = c.{k}" for k in rules.key)
        same = " AND ".join(f"e.{c} IS NOT DISTINCT FROM c.{c}" for c in content)
        ref_joins, ref_reason = self._references(table)
        key_text = " || '/' || ".join(f"c.{k}" for k in rules.key)
        self.con.execute(f"""
            CREATE OR REPLACE TEMP TABLE dec_{table} AS
            SELECT rn, rn0, reason, CASE WHEN reason IS NOT NULL THEN 'quarantined'
                                         ELSE 'unchanged' END AS status
            FROM (
                SELECT c.rn, c.rn0,
                       coalesce(c.reason, {ref_reason},
                                CASE WHEN d.rn IS NOT NULL AND NOT d.same THEN
                                    'conflict: {"/".join(rules.key)} ' || {key_text} ||
                                    ' already given on row ' || d.first_rn ||
                                    ' with different content' END,
                                CASE WHEN e.{rules.key[0]} IS NOT NULL AND NOT ({same}) THEN
                                    'conflict: {"/".join(rules.key)} ' || {key_text} ||
                                    ' is already loaded with different content' END) AS reason,
                       d.rn IS NOT NULL OR e.{rules.key[0]} IS NOT NULL AS seen
                FROM chk_{table} c
                LEFT JOIN dup_{table} d ON d.rn = c.rn
                LEFT JOIN ex_{table} e ON {key_join}
                {ref_joins}
            ) WHERE reason IS NOT NULL OR seen""")
        if table == "payments":
            self._check_reversals()
        rejected = self.rejected.get(table)
        if rejected:
            self.con.execute(f"INSERT INTO dec_{table} SELECT rn, NULL, 'unreadable row: ' || "
                             f"reason, 'quarantined' FROM {rejected}")

    def _duplicates(self, table: str, rules: TableRules, content: tuple[str, ...]) -> None:
        key = ", ".join(rules.key)
        self.con.execute(f"""
            CREATE OR REPLACE TEMP TABLE dup_{table} AS
            WITH k AS (SELECT {key} FROM chk_{table} WHERE reason IS NULL
                       GROUP BY {key} HAVING count(*) > 1),
                 r AS (SELECT c.rn, {", ".join("c." + k for k in rules.key)},
                              hash({", ".join("c." + c for c in content)}) AS h
                       FROM chk_{table} c SEMI JOIN k USING ({key}) WHERE c.reason IS NULL),
                 w AS (SELECT rn, h, first_value(rn) OVER win AS first_rn,
                              first_value(h) OVER win AS first_h
                       FROM r WINDOW win AS (PARTITION BY {key} ORDER BY rn))
            SELECT rn, first_rn, h = first_h AS same FROM w WHERE rn <> first_rn""")

    def _references(self, table: str) -> tuple[str, str]:
        """LEFT JOINs and the reason for a missing reference, per table."""
        if table in ("contacts", "loans"):
            self._accepted_keys("customers", "customer_id")
            return ("LEFT JOIN keys_customers kc ON kc.customer_id = c.customer_id",
                    "CASE WHEN kc.customer_id IS NULL THEN 'customer_id: unknown customer ' "
                    "|| c.customer_id END")
        if table in ("installments", "payments"):
            term = ("WHEN c.seq > kl.term THEN 'seq: ' || c.seq || ' is beyond the loan''s term "
                    "of ' || kl.term " if table == "installments" else "")
            return ("LEFT JOIN keys_loans kl ON kl.loan_id = c.loan_id",
                    "CASE WHEN kl.loan_id IS NULL THEN 'loan_id: unknown loan ' || c.loan_id "
                    f"{term}END")
        return "", "NULL"

    def _accepted_keys(self, table: str, key: str) -> None:
        self.con.execute(f"""
            CREATE OR REPLACE TEMP TABLE keys_{table} AS
            SELECT {key} FROM ex_{table}
            UNION
            SELECT c.{key} FROM chk_{table} c
            ANTI JOIN dec_{table} d ON d.rn = c.rn AND d.status = 'quarantined'""")

    def _check_reversals(self) -> None:
        """A reversal must name a payment (not a reversal) of the same loan, loaded or new."""
        self.con.execute("""
            CREATE OR REPLACE TEMP TABLE pay_targets AS
            SELECT payment_id, loan_id FROM ex_payments WHERE kind = 'payment'
            UNION ALL
            SELECT c.payment_id, c.loan_id FROM chk_payments c
            ANTI JOIN dec_payments d ON d.rn = c.rn
            WHERE c.kind = 'payment'""")
        self.con.execute("""
            INSERT INTO dec_payments
            SELECT c.rn, c.rn0, CASE WHEN t.payment_id IS NULL THEN
                'reverses_payment_id: unknown payment ' || c.reverses_payment_id
                ELSE 'reverses_payment_id: payment ' || c.reverses_payment_id ||
                     ' belongs to loan ' || t.loan_id END, 'quarantined'
            FROM chk_payments c
            ANTI JOIN dec_payments d ON d.rn = c.rn
            LEFT JOIN pay_targets t ON t.payment_id = c.reverses_payment_id
            WHERE c.kind = 'reversal' AND (t.payment_id IS NULL OR t.loan_id <> c.loan_id)""")

    def _count(self, table: str, source: SourceFile) -> None:
        read, unchanged, quarantined = self.con.execute(f"""
            SELECT (SELECT count(*) FROM chk_{table}) +
                   (SELECT count(*) FROM dec_{table} WHERE rn0 IS NULL),
                   count(*) FILTER (WHERE status = 'unchanged'),
                   count(*) FILTER (WHERE status = 'quarantined')
            FROM dec_{table}""").fetchall()[0]
        self.counts[table] = TableCounts(
            table=table, source=source.path.name, read=read, unchanged=unchanged,
            quarantined=quarantined, loaded=read - unchanged - quarantined,
            extra_columns=source.extra_columns)

    def _new_rows(self, table: str) -> str:
        return f"chk_{table} c ANTI JOIN dec_{table} d ON d.rn = c.rn"

    # -- writing -------------------------------------------------------------------------------
    def _write_contacts(self) -> None:
        if "contacts" not in self.sources:
            return
        self.step("contacts: encrypting and writing")
        cols = PERSONAL["contacts"] + ("content_hash", "phone_timezone")
        sql = f"SELECT {', '.join('c.' + x for x in cols)} FROM {self._new_rows('contacts')}"
        for rows in self._chunks("contacts", sql):
            self.engine.append_arrow("contacts", self._contact_batch(rows))

    def _chunks(self, table: str, sql: str, size: int = 100_000) -> Iterator[list[dict[str, Any]]]:
        """The rows of ``sql`` (over ``chk_<table>`` as ``c``) in slices of row numbers.

        DuckDB allows one open result per connection, so each slice is fetched whole
        before it is written.
        """
        top = self.con.execute(f"SELECT coalesce(max(rn), 0) FROM chk_{table}").fetchall()[0][0]
        joiner = " AND " if " WHERE " in sql else " WHERE "
        for low in range(0, top, size):
            rows = self.con.sql(f"{sql}{joiner}c.rn > {low} AND c.rn <= {low + size}"
                                    ).to_arrow_table().to_pylist()
            if rows:
                yield rows

    def _contact_batch(self, rows: list[dict[str, Any]]) -> pa.Table:
        return _columns("contacts", encode_contacts(rows, self.keyring, self.load_id))

    def _write_customers(self) -> None:
        if "customers" not in self.sources:
            return
        self.step("customers: encrypting and writing")
        self.engine.expose("contacts", ["customer_id", "relation", "channel", "is_primary",
                                        "timezone"], name="ex_contacts_tz")
        cols = ", ".join("c." + x for x in PERSONAL["customers"] + ("content_hash",))
        self.con.execute("""
            CREATE OR REPLACE TEMP TABLE phone_zones AS
            SELECT customer_id, arg_max(timezone, is_primary::INT) AS timezone
            FROM ex_contacts_tz
            WHERE relation = 'self' AND channel IN ('phone', 'sms') AND timezone IS NOT NULL
            GROUP BY customer_id""")
        sql = (f"SELECT {cols}, p.timezone AS phone_timezone FROM {self._new_rows('customers')} "
               "LEFT JOIN phone_zones p ON p.customer_id = c.customer_id")
        for rows in self._chunks("customers", sql):
            self.engine.append_arrow("customers", self._customer_batch(rows))

    def _customer_batch(self, rows: list[dict[str, Any]]) -> pa.Table:
        out = _columns_dict("customers", encode_customers(rows, self.keyring, self.load_id))
        return pa.table(out, schema=_arrow_schema("customers", out))

    def _write_loans(self) -> None:
        if "loans" not in self.sources:
            self._loan_keys()
            return
        self.step("loans: writing")
        self.con.execute(f"""
            CREATE OR REPLACE TEMP TABLE new_loans AS
            SELECT (SELECT coalesce(max(loan_key), 0) FROM ex_loans)
                       + row_number() OVER (ORDER BY c.rn) AS loan_key,
                   c.loan_id, c.customer_id, c.product, c.currency, c.principal,
                   c.annual_rate, c.term, c.disbursed_on, c.status, '{self.load_id}' AS load_id
            FROM {self._new_rows('loans')}""")
        self.engine.append("loans", "SELECT * FROM new_loans")
        self._loan_keys()

    def _loan_keys(self) -> None:
        new = "SELECT loan_id, loan_key, term FROM new_loans" if "loans" in self.sources else (
            "SELECT NULL::VARCHAR, NULL::BIGINT, NULL::INTEGER WHERE false")
        self.engine.expose("loans", ["loan_id", "loan_key", "term"], name="ex_loan_keys")
        self.con.execute(f"""
            CREATE OR REPLACE TEMP TABLE keys_loans AS
            SELECT loan_id, loan_key, term FROM ex_loan_keys UNION {new}""")

    def _write_installments(self) -> None:
        if "installments" not in self.sources:
            return
        self.step("installments: running totals and writing")
        # Loans that already have installments in the engine get their running totals
        # recomputed over old and new installments together.
        self.con.execute(f"""
            CREATE OR REPLACE TEMP TABLE inst_all AS
            WITH fresh AS (
                SELECT kl.loan_key, c.loan_id, c.seq, c.due_date, c.principal_due,
                       c.interest_due, c.fee_due, TRUE AS is_new
                FROM {self._new_rows('installments')} JOIN keys_loans kl USING (loan_id)),
            old AS (
                SELECT e.loan_key, e.loan_id, e.seq, e.due_date, e.principal_due,
                       e.interest_due, e.fee_due, FALSE AS is_new
                FROM ex_installments e
                SEMI JOIN (SELECT DISTINCT loan_key FROM fresh) f USING (loan_key))
            SELECT *, coalesce(sum(principal_due + interest_due + fee_due) OVER (
                        PARTITION BY loan_key ORDER BY due_date, seq
                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)::DECIMAL(18,2)
                      AS due_before
            FROM (SELECT * FROM fresh UNION ALL SELECT * FROM old)""")
        self.engine.append("installments", f"""
            SELECT loan_key, loan_id, seq, due_date, principal_due, interest_due, fee_due,
                   due_before, '{self.load_id}' FROM inst_all WHERE is_new""")
        self.engine.update_from_staging(
            "installments", keys=["loan_key", "seq"], set_columns=["due_before"],
            select_sql="""SELECT a.loan_key, a.seq, a.due_before FROM inst_all a
                          JOIN ex_installments e USING (loan_key, seq)
                          WHERE NOT a.is_new AND a.due_before <> e.due_before""")

    def _write_payments(self) -> None:
        if "payments" not in self.sources:
            return
        self.step("payments: writing")
        self.engine.append("payments", f"""
            SELECT c.payment_id, kl.loan_key, c.loan_id, c.paid_at_utc, c.paid_on, c.amount,
                   c.kind, c.reverses_payment_id, c.channel, '{self.load_id}', NULL::DATE
            FROM {self._new_rows('payments')} JOIN keys_loans kl USING (loan_id)""")
        self.engine.execute("""
            UPDATE payments SET reversed_on = r.reversed_on
            FROM (SELECT reverses_payment_id AS payment_id, min(paid_on) AS reversed_on
                  FROM payments WHERE kind = 'reversal' GROUP BY reverses_payment_id) r
            WHERE payments.payment_id = r.payment_id AND payments.kind = 'payment'
              AND (payments.reversed_on IS NULL OR payments.reversed_on <> r.reversed_on)""")

    # -- quarantine ----------------------------------------------------------------------------
    def quarantined(self) -> Iterator[tuple[str, int, str, str]]:
        """(source file, row number, rule, the row as JSON) of every quarantined row."""
        for table, source in self.sources.items():
            yield from self._quarantined_rows(table, source)

    def _quarantined_rows(self, table: str,
                          source: SourceFile) -> Iterator[tuple[str, int, str, str]]:
        if not self.counts.get(table) or not self.counts[table].quarantined:
            return
        read = numbered(source, tuple(source.columns) if source.columns else ())
        raw_cols = ", ".join(f"'{c}', r.{_ident(c)}" for c in source.columns)
        self.con.execute(f"""
            CREATE OR REPLACE TEMP TABLE raw_{table} AS
            SELECT rn0, json_object({raw_cols}) AS row_json FROM ({read.sql}) r
            SEMI JOIN dec_{table} d ON d.rn0 = r.rn0 AND d.status = 'quarantined'""")
        none = "(SELECT NULL::BIGINT AS rn, NULL AS line, NULL::BIGINT AS at_byte) "
        reader = self.con.execute(f"""
            SELECT d.rn, d.reason, coalesce(r.row_json, json_object('line', j.line)),
                   j.at_byte
            FROM dec_{table} d
            LEFT JOIN raw_{table} r ON r.rn0 = d.rn0
            LEFT JOIN {self.rejected.get(table, none)} j ON d.rn0 IS NULL AND j.rn = d.rn
            WHERE d.status = 'quarantined' ORDER BY d.rn""")
        with source.path.open("rb") as raw:
            while rows := reader.fetchmany(10_000):
                for rn, reason, row_json, at_byte in rows:
                    if at_byte is not None and "INVALID ENCODING" in reason:
                        row_json = _raw_line_json(raw, int(at_byte))
                    yield source.path.name, int(rn), str(reason), str(row_json)


def _raw_line_json(raw: Any, at_byte: int) -> str:
    """A line that is not UTF-8, exactly as the file holds it: its bytes in base64, and
    as text with the bytes that are not UTF-8 written as ``\\xNN``."""
    raw.seek(max(at_byte, 0))
    line = raw.readline(1 << 20).rstrip(b"\r\n")
    if not line:  # after a CRLF line the position given is that of its LF
        line = raw.readline(1 << 20).rstrip(b"\r\n")
    return json.dumps({"line": line.decode("utf-8", "backslashreplace"),
                       "line_base64": base64.b64encode(line).decode("ascii")},
                      ensure_ascii=False)


def encode_contacts(rows: list[dict[str, Any]], keyring: KeyRing,
                    load_id: str) -> list[tuple[Any, ...]]:
    """Contact rows as stored (in the table's column order): value encrypted, hashed, masked."""
    enc, index = keyring.encrypt, keyring.blind_index
    out = []
    for row in rows:
        phone = row["channel"] in ("phone", "sms")  # the zone came with the check
        out.append((
            row["contact_id"], row["customer_id"], row["channel"], enc(row["value"]),
            index(row["value"]), mask_contact(row["channel"], row["value"]), row["relation"],
            row["is_primary"], row["consent"], row["phone_timezone"] if phone else None,
            row["content_hash"], load_id))
    return out


def encode_customers(rows: list[dict[str, Any]], keyring: KeyRing,
                     load_id: str) -> list[tuple[Any, ...]]:
    """Customer rows as stored (in the table's column order): personal data encrypted,
    hashed and masked, and the effective time zone with its source."""
    enc, index = keyring.encrypt, keyring.blind_index
    out = []
    for row in rows:
        zone, source = effective_timezone(row["timezone"], row["phone_timezone"],
                                          row["country"])
        out.append((
            row["customer_id"], enc(row["full_name"]), mask_name(row["full_name"]),
            enc(row["national_id"]), index(row["national_id"]),
            mask_national_id(row["national_id"]), row["birth_date"], row["country"],
            row["region"], row["timezone"], zone, source, row["preferred_language"],
            enc(row["address"]), mask_address(row["address"]), row["content_hash"], load_id))
    return out


def _columns_dict(table: str, rows: list[tuple[Any, ...]]) -> dict[str, list[Any]]:
    names = columns(table)
    if not rows:
        return {c: [] for c in names}
    return {c: list(values) for c, values in zip(names, zip(*rows, strict=True), strict=True)}


def _columns(table: str, rows: list[tuple[Any, ...]]) -> pa.Table:
    return pa.table(_columns_dict(table, rows))


def _ident(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _arrow_schema(table: str, data: dict[str, list[Any]]) -> pa.Schema | None:
    """Customers: birth dates stay dates even in a batch where every one is empty."""
    if table != "customers":
        return None
    fields = [pa.field(c, pa.date32() if c == "birth_date" else pa.string()) for c in data]
    return pa.schema(fields)


def effective_timezone(own: str | None, phone: str | None, country: str) -> tuple[str, str]:
    """The customer's time zone and where it came from: own column, primary phone, country."""
    if own:
        return own, "customer"
    if phone:
        return phone, "phone"
    return country_zones().get(country, "UTC"), "country"
