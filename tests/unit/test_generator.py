"""The synthetic book: reproducible, realistic, and true to the interchange format."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import phonenumbers
import pytest
from stdnum.cn import ric

from arrears.adapters.portfolio.generator import (
    BEHAVIOURS,
    GeneratorInputError,
    annuity_schedule,
    generate_portfolio,
)

AS_OF = date(2026, 5, 31)
TABLES = ("customers", "contacts", "loans", "installments", "payments")


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    out = tmp_path_factory.mktemp("book")
    generate_portfolio(loans=3000, seed=11, out_dir=out, as_of=AS_OF, progress=False)
    return {t: pd.read_csv(out / f"{t}.csv", dtype=str, keep_default_na=False) for t in TABLES}


def cents(series: pd.Series) -> pd.Series:
    return series.replace("", "0").map(lambda v: int(Decimal(v) * 100))


class TestReproducibility:
    def test_same_seed_writes_byte_identical_files(self, tmp_path: Path) -> None:
        for name in ("a", "b"):
            generate_portfolio(loans=400, seed=5, out_dir=tmp_path / name, as_of=AS_OF,
                               progress=False)
        for table in TABLES:
            assert (tmp_path / "a" / f"{table}.csv").read_bytes() == \
                (tmp_path / "b" / f"{table}.csv").read_bytes()

    def test_another_seed_writes_another_book(self, tmp_path: Path) -> None:
        for name, seed in (("a", 5), ("b", 6)):
            generate_portfolio(loans=200, seed=seed, out_dir=tmp_path / name, as_of=AS_OF,
                               progress=False)
        assert (tmp_path / "a" / "payments.csv").read_bytes() != \
            (tmp_path / "b" / "payments.csv").read_bytes()

    def test_parquet_holds_the_same_rows_as_csv(self, tmp_path: Path) -> None:
        csv = generate_portfolio(loans=300, seed=2, out_dir=tmp_path / "c", as_of=AS_OF,
                                 progress=False)
        pq = generate_portfolio(loans=300, seed=2, out_dir=tmp_path / "p", as_of=AS_OF,
                                fmt="parquet", progress=False)
        assert csv.rows == pq.rows
        frame = pd.read_parquet(tmp_path / "p" / "installments.parquet")
        assert str(frame["principal_due"].iloc[0]) == \
            pd.read_csv(tmp_path / "c" / "installments.csv", dtype=str)["principal_due"].iloc[0]
        generate_portfolio(loans=50, seed=2, out_dir=tmp_path / "c", as_of=AS_OF, fmt="parquet",
                           progress=False)
        assert sorted(p.name for p in (tmp_path / "c").iterdir()) == \
            sorted(f"{t}.parquet" for t in TABLES), "no stale CSV beside the new Parquet"


class TestFormat:
    def test_tables_have_exactly_the_spec_columns(self, book: dict[str, pd.DataFrame]) -> None:
        assert list(book["customers"].columns) == [
            "customer_id", "full_name", "national_id", "birth_date", "country", "region",
            "timezone", "preferred_language", "address"]
        assert list(book["contacts"].columns) == [
            "contact_id", "customer_id", "channel", "value", "relation", "is_primary", "consent"]
        assert list(book["loans"].columns) == [
            "loan_id", "customer_id", "product", "currency", "principal", "annual_rate", "term",
            "disbursed_on", "status"]
        assert list(book["installments"].columns) == [
            "loan_id", "seq", "due_date", "principal_due", "interest_due", "fee_due"]
        assert list(book["payments"].columns) == [
            "payment_id", "loan_id", "paid_at", "amount", "kind", "reverses_payment_id",
            "channel"]

    def test_keys_are_unique_and_references_resolve(self, book: dict[str, pd.DataFrame]) -> None:
        customers = set(book["customers"].customer_id)
        loans = set(book["loans"].loan_id)
        assert len(customers) == len(book["customers"])
        assert book["loans"].loan_id.is_unique and book["payments"].payment_id.is_unique
        assert book["contacts"].contact_id.is_unique
        assert set(book["loans"].customer_id) <= customers
        assert set(book["contacts"].customer_id) <= customers
        assert set(book["installments"].loan_id) == loans
        assert set(book["payments"].loan_id) <= loans
        assert not book["installments"].duplicated(["loan_id", "seq"]).any()

    def test_money_has_at_most_two_decimals_and_is_positive(
            self, book: dict[str, pd.DataFrame]) -> None:
        pattern = r"^\d+\.\d{2}$"
        assert book["payments"].amount.str.match(pattern).all()
        assert (cents(book["payments"].amount) > 0).all()
        for column in ("principal_due", "interest_due"):
            assert book["installments"][column].str.match(pattern).all()
        fees = book["installments"].fee_due
        assert fees[fees != ""].str.match(pattern).all() and (fees == "").any()

    def test_reversals_name_an_earlier_payment_of_the_same_loan(
            self, book: dict[str, pd.DataFrame]) -> None:
        pay = book["payments"].set_index("payment_id")
        reversals = pay[pay.kind == "reversal"]
        assert len(reversals) > 0
        original = pay.loc[reversals.reverses_payment_id]
        assert (original.loan_id.to_numpy() == reversals.loan_id.to_numpy()).all()
        assert (original.amount.to_numpy() == reversals.amount.to_numpy()).all()
        assert (original.kind.to_numpy() != "reversal").all()
        assert (pd.to_datetime(original.paid_at.to_numpy(), utc=True, format="ISO8601")
                < pd.to_datetime(reversals.paid_at.to_numpy(), utc=True, format="ISO8601")).all()


class TestPersonalData:
    def test_chinese_resident_ids_pass_their_checksum_and_match_birth_dates(
            self, book: dict[str, pd.DataFrame]) -> None:
        cn = book["customers"][book["customers"].country == "CN"]
        assert len(cn) > 0.8 * len(book["customers"])
        assert all(ric.is_valid(n) for n in cn.national_id)
        births = cn.national_id.map(lambda n: ric.get_birth_date(n).isoformat())
        assert (births == cn.birth_date).all()
        assert cn.region.str.match(r"^(CN-[A-Z]{2})?$").all()

    def test_every_phone_is_a_valid_e164_number(self, book: dict[str, pd.DataFrame]) -> None:
        phones = book["contacts"][book["contacts"].channel.isin(["phone", "sms"])].value
        parsed = [phonenumbers.parse(v) for v in phones]
        assert all(phonenumbers.is_valid_number(p) for p in parsed)
        assert all(phonenumbers.format_number(p, phonenumbers.PhoneNumberFormat.E164) == v
                   for p, v in zip(parsed, phones, strict=True))

    def test_english_customers_have_no_national_id_and_a_country_of_their_own(
            self, book: dict[str, pd.DataFrame]) -> None:
        en = book["customers"][book["customers"].country != "CN"]
        assert set(en.country) == {"US", "GB"}
        assert (en.national_id == "").all()
        assert en.full_name.str.match(r"^[A-Z][a-z]+ [A-Z][a-z]+$").all()

    def test_time_zone_is_mostly_left_to_be_derived(self, book: dict[str, pd.DataFrame]) -> None:
        cn = book["customers"][book["customers"].country == "CN"]
        assert (cn.timezone == "").mean() > 0.85

    def test_each_customer_has_one_primary_self_phone_with_consent(
            self, book: dict[str, pd.DataFrame]) -> None:
        contacts = book["contacts"]
        primary = contacts[contacts.is_primary == "true"]
        assert primary.customer_id.is_unique
        assert set(primary.customer_id) == set(book["customers"].customer_id)
        assert (primary.relation == "self").all() and (primary.channel == "phone").all()
        third = contacts[contacts.relation != "self"]
        assert {"spouse", "parent", "colleague", "employer", "emergency"} <= set(third.relation)
        assert {"true", "false", ""} <= set(third.consent)
        assert "email" in set(contacts.channel)


class TestSchedules:
    def test_installments_sum_to_the_principal(self, book: dict[str, pd.DataFrame]) -> None:
        inst = book["installments"].assign(p=lambda f: cents(f.principal_due))
        by_loan = inst.groupby("loan_id").p.sum()
        loans = book["loans"].set_index("loan_id")
        assert (by_loan == cents(loans.principal).reindex(by_loan.index)).all()
        assert (inst.groupby("loan_id").size() == loans.term.astype(int)).all()

    def test_schedules_are_annuities_computed_in_decimal(
            self, book: dict[str, pd.DataFrame]) -> None:
        inst = book["installments"]
        for loan in book["loans"].head(400).itertuples():
            rows = inst[inst.loan_id == loan.loan_id]
            expected = annuity_schedule(Decimal(loan.principal), Decimal(loan.annual_rate),
                                        int(loan.term))
            assert list(rows.principal_due.map(Decimal)) == [p for p, _ in expected]
            # A prepaid loan's schedule is restated: no interest after the settlement.
            interest = list(rows.interest_due.map(Decimal))
            assert all(got in (want, 0) for got, (_, want) in zip(interest, expected,
                                                                   strict=True)), loan.loan_id
            assert interest[0] == expected[0][1]

    def test_terms_products_and_disbursements(self, book: dict[str, pd.DataFrame]) -> None:
        loans = book["loans"]
        terms = loans.term.astype(int)
        assert terms.between(3, 36).all() and {3, 12, 24, 36} <= set(terms)
        assert set(loans["product"]) == {"appliance_installment", "cash_loan"}
        disbursed = pd.to_datetime(loans.disbursed_on)
        age = (pd.Timestamp(AS_OF) - disbursed).dt.days
        assert age.min() > 0 and age.max() <= 3 * 365 and age.quantile(0.25) < 365

    def test_interest_free_plans_carry_fees(self, book: dict[str, pd.DataFrame]) -> None:
        free = book["loans"][book["loans"].annual_rate == "0.0000"].loan_id
        inst = book["installments"]
        assert (inst[inst.loan_id.isin(free)].fee_due != "").all()


class TestAnnuity:
    def test_textbook_schedule(self) -> None:
        rows = annuity_schedule(Decimal("12000.00"), Decimal("0.1200"), 12)
        assert rows[0] == (Decimal("946.19"), Decimal("120.00"))
        assert sum(p for p, _ in rows) == Decimal("12000.00")
        assert rows[-1][0] + rows[-1][1] != rows[0][0] + rows[0][1]  # last one takes rounding

    def test_interest_free(self) -> None:
        rows = annuity_schedule(Decimal("1000.00"), Decimal("0"), 3)
        assert rows == [(Decimal("333.33"), 0), (Decimal("333.33"), 0), (Decimal("333.34"), 0)]


class TestBehaviour:
    def test_payments_show_every_behaviour(self, book: dict[str, pd.DataFrame]) -> None:
        pay = book["payments"]
        assert set(pay.channel) == {"wechat_pay", "alipay", "bank_transfer", "card"}
        stamps = pay.paid_at
        assert (stamps.str.len() == 10).any(), "date-only timestamps"
        assert stamps.str.endswith("Z").any() and stamps.str.endswith("+00:00").any()
        assert stamps.str.contains(r"-0[4-8]:00$").any(), "American offsets"
        utc = pd.to_datetime(stamps[stamps.str.len() > 10], utc=True, format="ISO8601")
        written_day = stamps[stamps.str.len() > 10].str[:10]
        shanghai_day = utc.dt.tz_convert("Asia/Shanghai").dt.strftime("%Y-%m-%d")
        assert (written_day != shanghai_day).any(), "some cross midnight in Shanghai"
        assert len(BEHAVIOURS) == 6

    def test_delinquency_is_heterogeneous(self, book: dict[str, pd.DataFrame]) -> None:
        from arrears.batch.reference_pandas import delinquency

        out = delinquency(book["installments"], book["payments"], book["loans"], as_of=AS_OF)
        share = out.bucket.value_counts(normalize=True)
        assert 0.70 < share["M0"] < 0.95
        assert {"M1", "M2", "M3", "M7+"} <= set(share.index)
        assert (out.credit_balance != "0.00").sum() > 10, "overpayers"
        closed = book["loans"].set_index("loan_id").status == "closed"
        assert closed.mean() > 0.2
        outstanding = out.set_index("loan_id").outstanding_principal
        assert (outstanding[closed[closed].index] == "0.00").all()


class TestInput:
    @pytest.mark.parametrize("kwargs", [{"loans": 0}, {"seed": -1}, {"fmt": "xlsx"}])
    def test_bad_parameters_are_refused(self, tmp_path: Path, kwargs: dict[str, object]) -> None:
        args: dict[str, object] = {"loans": 10, "seed": 1, "out_dir": tmp_path, "as_of": AS_OF,
                                   "progress": False}
        with pytest.raises(GeneratorInputError):
            generate_portfolio(**(args | kwargs))  # type: ignore[arg-type]
        assert not list(tmp_path.iterdir())
