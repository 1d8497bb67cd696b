"""The spec's row rules as SQL (DuckDB dialect), one expression per column and rule.

Each table's incoming rows are read as text. ``typed_columns`` turns the text into typed
values (NULL where a value does not parse) and ``row_checks`` gives, per rule, a CASE that
yields the broken rule's message or NULL; the checks are joined into one ``reason``. Rules
that need other rows (duplicate keys, references, conflicts with loaded rows) are
checked afterwards, set-based too, in ``loader``.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from babel.numbers import list_currencies

CHANNELS = ("phone", "sms", "email", "mail")
RELATIONS = ("self", "spouse", "parent", "child", "relative", "friend", "colleague",
             "employer", "emergency", "other")
LOAN_STATUSES = ("active", "closed", "written_off", "sold")
PAYMENT_KINDS = ("payment", "reversal")
BOOL_TRUE = ("true", "1", "yes")
BOOL_FALSE = ("false", "0", "no")

MONEY_RE = r"-?[0-9]{1,16}(\.[0-9]{1,2})?"
DATE_RE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
TS_OFFSET_RE = (r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?"
                r"([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)")


def _tz_table(name: str) -> list[list[str]]:
    text = resources.files("tzdata.zoneinfo").joinpath(name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@cache
def countries() -> tuple[str, ...]:
    """ISO 3166-1 alpha-2 codes (the IANA time zone database's list)."""
    return tuple(sorted(row[0] for row in _tz_table("iso3166.tab")))


@cache
def country_zones() -> dict[str, str]:
    """Each country's principal time zone (the first the IANA database lists for it)."""
    zones: dict[str, str] = {}
    for row in _tz_table("zone.tab"):
        zones.setdefault(row[0], row[2])
    return zones


@cache
def currencies() -> tuple[str, ...]:
    """ISO 4217 codes."""
    return tuple(sorted(code for code in list_currencies() if len(code) == 3))


@cache
def time_zones() -> tuple[str, ...]:
    """IANA time zone names."""
    return tuple(sorted(zoneinfo.available_timezones()))


def sql_list(values: tuple[str, ...] | list[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def norm(col: str) -> str:
    """The text of a column, trimmed, NULL when empty."""
    return f"nullif(trim({col}), '')"


def q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class TableRules:
    """How one interchange table is typed and checked."""

    name: str
    key: tuple[str, ...]
    required: tuple[str, ...]
    optional: tuple[str, ...]
    typed: dict[str, str] = field(default_factory=dict)
    checks: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


def required(col: str) -> str:
    return f"CASE WHEN {norm(col)} IS NULL THEN {q(col + ': required value missing')} END"


def date_ok(col: str) -> str:
    v = norm(col)
    return f"(regexp_full_match({v}, '{DATE_RE}') AND TRY_CAST({v} AS DATE) IS NOT NULL)"


def date_check(col: str) -> str:
    return (f"CASE WHEN {norm(col)} IS NOT NULL AND NOT {date_ok(col)} "
            f"THEN {q(col + ': malformed date (expected YYYY-MM-DD)')} END")


def date_typed(col: str) -> str:
    return f"CASE WHEN {date_ok(col)} THEN TRY_CAST({norm(col)} AS DATE) END"


def money_typed(col: str, default: str | None = None) -> str:
    v = norm(col)
    typed = f"CASE WHEN regexp_full_match({v}, '{MONEY_RE}') THEN CAST({v} AS DECIMAL(18,2)) END"
    if default is None:
        return typed
    return f"CASE WHEN {v} IS NULL THEN {default} ELSE ({typed}) END"


def money_check(col: str, *, positive: bool) -> str:
    v = norm(col)
    bound = "<= 0" if positive else "< 0"
    rule = "must be above zero" if positive else "must not be negative"
    return (f"CASE WHEN {v} IS NULL THEN NULL "
            f"WHEN NOT regexp_full_match({v}, '{MONEY_RE}') "
            f"THEN {q(col + ': malformed amount (a decimal with at most 2 fractional digits)')} "
            f"WHEN CAST({v} AS DECIMAL(18,2)) {bound} THEN {q(col + ': ' + rule)} END")


def int_typed(col: str) -> str:
    v = norm(col)
    return f"CASE WHEN regexp_full_match({v}, '[0-9]{{1,9}}') THEN CAST({v} AS INTEGER) END"


def enum_check(col: str, allowed: tuple[str, ...], *, lower: bool = True) -> str:
    v = f"lower({norm(col)})" if lower else norm(col)
    return (f"CASE WHEN {norm(col)} IS NOT NULL AND {v} NOT IN ({sql_list(allowed)}) "
            f"THEN {q(col + ': must be one of ' + ', '.join(allowed))} END")


def bool_typed(col: str, default: str) -> str:
    v = f"lower({norm(col)})"
    return (f"CASE WHEN {v} IN ({sql_list(BOOL_TRUE)}) THEN TRUE "
            f"WHEN {v} IN ({sql_list(BOOL_FALSE)}) THEN FALSE ELSE {default} END")


def customers_rules() -> TableRules:
    nid, country = norm("national_id"), f"upper({norm('country')})"
    return TableRules(
        name="customers", key=("customer_id",),
        required=("customer_id", "full_name", "country"),
        optional=("national_id", "birth_date", "region", "timezone", "preferred_language",
                  "address"),
        typed={
            "customer_id": norm("customer_id"), "full_name": norm("full_name"),
            "national_id": f"upper(replace({nid}, ' ', ''))",
            "birth_date": date_typed("birth_date"),
            "country": country, "region": f"upper({norm('region')})",
            "timezone": norm("timezone"), "preferred_language": norm("preferred_language"),
            "address": norm("address"),
        },
        checks=(
            required("customer_id"), required("full_name"), required("country"),
            date_check("birth_date"),
            f"CASE WHEN {country} NOT IN ({sql_list(countries())}) "
            f"THEN 'country: not an ISO 3166-1 alpha-2 code' END",
            f"CASE WHEN {norm('region')} IS NOT NULL AND NOT (regexp_full_match(upper("
            f"{norm('region')}), '[A-Z]{{2}}-[A-Z0-9]{{1,3}}') AND starts_with(upper("
            f"{norm('region')}), coalesce({country}, '') || '-')) "
            f"THEN 'region: not an ISO 3166-2 subdivision of the country' END",
            f"CASE WHEN {norm('timezone')} IS NOT NULL AND {norm('timezone')} NOT IN "
            f"({sql_list(time_zones())}) THEN 'timezone: not an IANA time zone name' END",
            f"CASE WHEN {norm('preferred_language')} IS NOT NULL AND NOT regexp_full_match("
            f"{norm('preferred_language')}, '[A-Za-z]{{2,3}}(-[A-Za-z0-9]{{2,8}})*') "
            f"THEN 'preferred_language: not a BCP 47 language tag' END",
            f"CASE WHEN {nid} IS NOT NULL AND {country} = 'CN' AND NOT "
            f"cn_ric_valid(upper(replace({nid}, ' ', ''))) "
            f"THEN 'national_id: not a valid CN resident ID (length, birth date, "
            f"region or checksum)' END",
        ),
    )


def contacts_rules() -> TableRules:
    channel, value = f"lower({norm('channel')})", norm("value")
    relation = f"lower({norm('relation')})"
    return TableRules(
        name="contacts", key=("contact_id",),
        required=("contact_id", "customer_id", "channel", "value", "relation"),
        optional=("is_primary", "consent"),
        typed={
            "contact_id": norm("contact_id"), "customer_id": norm("customer_id"),
            "channel": channel, "value": value, "relation": relation,
            "is_primary": bool_typed("is_primary", "FALSE"),
            "consent": bool_typed("consent", f"({relation} = 'self')"),
            "phone_timezone": f"CASE WHEN {channel} IN ('phone', 'sms') AND {value} IS NOT NULL "
                              f"THEN phone_zone({value}) END",
        },
        checks=(
            required("contact_id"), required("customer_id"), required("channel"),
            required("value"), required("relation"),
            enum_check("channel", CHANNELS), enum_check("relation", RELATIONS),
            _bool_check("is_primary"), _bool_check("consent"),
            f"CASE WHEN {channel} IN ('phone', 'sms') AND {value} IS NOT NULL AND NOT "
            f"phone_valid({value}) THEN 'value: not a valid phone number in E.164 "
            f"(+8613812345678)' END",
            f"CASE WHEN {channel} = 'email' AND NOT regexp_full_match({value}, "
            f"'[^@\\s]+@[^@\\s]+\\.[^@\\s]+') THEN 'value: not an e-mail address' END",
        ),
    )


def _bool_check(col: str) -> str:
    allowed = BOOL_TRUE + BOOL_FALSE
    return (f"CASE WHEN {norm(col)} IS NOT NULL AND lower({norm(col)}) NOT IN "
            f"({sql_list(allowed)}) THEN {q(col + ': not a boolean (true/false/1/0/yes/no)')} END")


def loans_rules() -> TableRules:
    rate = norm("annual_rate")
    return TableRules(
        name="loans", key=("loan_id",),
        required=("loan_id", "customer_id", "product", "currency", "principal",
                  "annual_rate", "term", "disbursed_on"),
        optional=("status",),
        typed={
            "loan_id": norm("loan_id"), "customer_id": norm("customer_id"),
            "product": norm("product"), "currency": f"upper({norm('currency')})",
            "principal": money_typed("principal"),
            "annual_rate": f"CASE WHEN regexp_full_match({rate}, '[0-9]{{1,5}}(\\.[0-9]{{1,6}})?')"
                           f" THEN CAST({rate} AS DECIMAL(12,6)) END",
            "term": int_typed("term"), "disbursed_on": date_typed("disbursed_on"),
            "status": f"coalesce(lower({norm('status')}), 'active')",
        },
        checks=(
            required("loan_id"), required("customer_id"), required("product"),
            required("currency"), required("principal"), required("annual_rate"),
            required("term"), required("disbursed_on"),
            f"CASE WHEN {norm('currency')} IS NOT NULL AND upper({norm('currency')}) NOT IN "
            f"({sql_list(currencies())}) THEN 'currency: not an ISO 4217 code' END",
            money_check("principal", positive=True),
            f"CASE WHEN {rate} IS NOT NULL AND NOT regexp_full_match({rate}, "
            f"'[0-9]{{1,5}}(\\.[0-9]{{1,6}})?') THEN 'annual_rate: not a non-negative decimal "
            f"fraction (at most 6 fractional digits)' END",
            f"CASE WHEN {norm('term')} IS NOT NULL AND coalesce({int_typed('term')}, 0) <= 0 "
            f"THEN 'term: not a whole number above zero' END",
            date_check("disbursed_on"),
            enum_check("status", LOAN_STATUSES),
        ),
    )


def installments_rules() -> TableRules:
    return TableRules(
        name="installments", key=("loan_id", "seq"),
        required=("loan_id", "seq", "due_date", "principal_due", "interest_due"),
        optional=("fee_due",),
        typed={
            "loan_id": norm("loan_id"), "seq": int_typed("seq"),
            "due_date": date_typed("due_date"),
            "principal_due": money_typed("principal_due"),
            "interest_due": money_typed("interest_due"),
            "fee_due": money_typed("fee_due", "CAST(0 AS DECIMAL(18,2))"),
        },
        checks=(
            required("loan_id"), required("seq"), required("due_date"),
            required("principal_due"), required("interest_due"),
            f"CASE WHEN {norm('seq')} IS NOT NULL AND coalesce({int_typed('seq')}, 0) <= 0 "
            f"THEN 'seq: not a whole number above zero' END",
            date_check("due_date"),
            money_check("principal_due", positive=False),
            money_check("interest_due", positive=False),
            money_check("fee_due", positive=False),
        ),
    )


def payments_rules(reporting_timezone: str) -> TableRules:
    paid_at, zone = norm("paid_at"), q(reporting_timezone)
    kind = f"coalesce(lower({norm('kind')}), 'payment')"
    is_date = f"regexp_full_match({paid_at}, '{DATE_RE}')"
    is_ts = f"regexp_full_match({paid_at}, '{TS_OFFSET_RE}')"
    tstz = f"TRY_CAST({paid_at} AS TIMESTAMPTZ)"
    noon = f"timezone({zone}, TRY_CAST({paid_at} AS DATE) + INTERVAL 12 HOUR)"
    return TableRules(
        name="payments", key=("payment_id",),
        required=("payment_id", "loan_id", "paid_at", "amount"),
        optional=("kind", "reverses_payment_id", "channel"),
        typed={
            "payment_id": norm("payment_id"), "loan_id": norm("loan_id"),
            "paid_at_utc": f"CASE WHEN {is_date} THEN timezone('UTC', {noon}) "
                           f"WHEN {is_ts} THEN timezone('UTC', {tstz}) END",
            "paid_on": f"CASE WHEN {is_date} THEN TRY_CAST({paid_at} AS DATE) "
                       f"WHEN {is_ts} THEN CAST(timezone({zone}, {tstz}) AS DATE) END",
            "amount": money_typed("amount"), "kind": kind,
            "reverses_payment_id": norm("reverses_payment_id"), "channel": norm("channel"),
        },
        checks=(
            required("payment_id"), required("loan_id"), required("paid_at"),
            required("amount"),
            f"CASE WHEN {paid_at} IS NOT NULL AND NOT (({is_date} AND TRY_CAST({paid_at} AS DATE)"
            f" IS NOT NULL) OR ({is_ts} AND {tstz} IS NOT NULL)) THEN 'paid_at: malformed "
            f"timestamp (ISO 8601 with an offset, or a date YYYY-MM-DD)' END",
            money_check("amount", positive=True),
            enum_check("kind", PAYMENT_KINDS),
            f"CASE WHEN {kind} = 'reversal' AND {norm('reverses_payment_id')} IS NULL "
            f"THEN 'reverses_payment_id: required for a reversal' END",
            f"CASE WHEN {kind} = 'payment' AND {norm('reverses_payment_id')} IS NOT NULL "
            f"THEN 'reverses_payment_id: only a reversal may name a payment it reverses' END",
        ),
    )


def rules_for(table: str, *, reporting_timezone: str) -> TableRules:
    """The rules of one interchange table."""
    return {
        "customers": customers_rules, "contacts": contacts_rules, "loans": loans_rules,
        "installments": installments_rules,
        "payments": lambda: payments_rules(reporting_timezone),
    }[table]()
