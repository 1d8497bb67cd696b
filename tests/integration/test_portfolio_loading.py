"""`arrears load`: bad rows quarantined with file, row and rule; nothing lost; re-runnable."""

from __future__ import annotations

import base64
import csv
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from arrears.adapters.portfolio.sources import SourceError
from arrears.services.loading import load_portfolio
from tests.conftest import make_test_app
from tests.integration.portfolio_books import (
    customer,
    loan,
    payment,
    schedule,
    write_book,
    write_table,
)


@pytest.fixture
def duck_app(tmp_path: Path):  # type: ignore[no-untyped-def]
    application = make_test_app(tmp_path / "home", f"sqlite:///{tmp_path / 'ops.sqlite'}")
    yield application
    application.close()


def good_book(directory: Path) -> Path:
    return write_book(directory, {
        "customers": [customer("C1"), customer("C2", full_name="Li Lei")],
        "contacts": [{"contact_id": "K1", "customer_id": "C1", "channel": "phone",
                      "value": "+8613812345678", "relation": "self"}],
        "loans": [loan("L1", "C1"), loan("L2", "C2")],
        "installments": schedule("L1") + schedule("L2"),
        "payments": [payment("P1", "L1", "2026-02-01T10:00:00+08:00", "110.00")],
    })


def quarantine(report) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    with report.quarantine_path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def count(app, table: str) -> int:  # type: ignore[no-untyped-def]
    return app.portfolio().table(table).count().execute()


def test_loading_the_same_files_again_changes_nothing(duck_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    book = good_book(tmp_path / "book")
    first = load_portfolio(app=duck_app, source=book, progress=False)
    assert (first.table("installments").loaded, first.quarantined) == (6, 0)
    before = {t: count(duck_app, t) for t in ("customers", "loans", "installments", "payments")}
    second = load_portfolio(app=duck_app, source=book, progress=False)
    assert second.loaded == 0 and second.quarantined == 0
    assert second.table("installments").unchanged == 6
    assert {t: count(duck_app, t) for t in before} == before


def test_personal_data_is_encrypted_masked_and_hashed(duck_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    load_portfolio(app=duck_app, source=good_book(tmp_path / "book"), progress=False)
    row = duck_app.portfolio().table("customers").filter(
        lambda t: t.customer_id == "C1").to_pyarrow().to_pylist()[0]
    assert "王芳" not in json.dumps(row, default=str, ensure_ascii=False).replace(
        row["full_name_enc"], "")
    assert duck_app.keyring.decrypt(row["full_name_enc"]) == "王芳"
    assert row["full_name_masked"] == "王*"
    assert row["national_id_masked"] == "1101**********002X"
    assert row["national_id_hash"] == duck_app.keyring.blind_index("11010519491231002X")
    assert (row["effective_timezone"], row["timezone_source"]) == ("Asia/Shanghai", "phone")


def test_bad_rows_are_quarantined_with_file_row_and_rule(duck_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    book = good_book(tmp_path / "book")
    write_table(book, "installments", schedule("L1") + [
        {"loan_id": "L2", "seq": 1, "due_date": "2026-02-30", "principal_due": "1.00",
         "interest_due": "0"},
        {"loan_id": "L2", "seq": 2, "due_date": "2026-03-01", "principal_due": "-1.00",
         "interest_due": "0"},
        {"loan_id": "L9", "seq": 1, "due_date": "2026-03-01", "principal_due": "1.00",
         "interest_due": "0"},
        {"loan_id": "L1", "seq": 1, "due_date": "2026-02-01", "principal_due": "99.00",
         "interest_due": "10.00"},
        {"loan_id": "L2", "seq": 3, "due_date": "2026-03-01", "principal_due": "1.005",
         "interest_due": "0"},
    ])
    report = load_portfolio(app=duck_app, source=book, progress=False)
    rows = {(r["source_file"], r["row"]): r for r in quarantine(report)}
    assert "malformed date" in rows[("installments.csv", "4")]["rule"]
    assert "principal_due: must not be negative" in rows[("installments.csv", "5")]["rule"]
    assert "unknown loan L9" in rows[("installments.csv", "6")]["rule"]
    assert "conflict" in rows[("installments.csv", "7")]["rule"]
    assert "at most 2 fractional digits" in rows[("installments.csv", "8")]["rule"]
    assert json.loads(rows[("installments.csv", "6")]["row_json"])["loan_id"] == "L9"
    counts = report.table("installments")
    assert (counts.read, counts.loaded, counts.quarantined) == (8, 3, 5)
    assert report.report_path.read_text(encoding="utf-8").count("installments") >= 1


def test_duplicate_keys_identical_are_one_row_different_are_conflicts(duck_app,  # type: ignore[no-untyped-def]
                                                                      tmp_path: Path) -> None:
    book = good_book(tmp_path / "book")
    write_table(book, "payments", [
        payment("P1", "L1", "2026-02-01T10:00:00+08:00", "110.00"),
        payment("P1", "L1", "2026-02-01T10:00:00+08:00", "110.00"),
        payment("P1", "L1", "2026-02-01T10:00:00+08:00", "111.00"),
    ])
    report = load_portfolio(app=duck_app, source=book, progress=False)
    counts = report.table("payments")
    assert (counts.loaded, counts.unchanged, counts.quarantined) == (1, 1, 1)
    write_table(book, "payments", [payment("P1", "L1", "2026-02-02", "110.00")])
    again = load_portfolio(app=duck_app, source=book, progress=False)
    assert again.table("payments").quarantined == 1
    assert "already loaded with different content" in quarantine(again)[0]["rule"]
    amounts = duck_app.portfolio().table("payments").amount.to_pyarrow().to_pylist()
    assert [str(a) for a in amounts] == ["110.00"]


def test_references_checked_against_what_is_already_loaded(duck_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    load_portfolio(app=duck_app, source=good_book(tmp_path / "book"), progress=False)
    later = tmp_path / "later"
    write_table(later, "payments", [
        payment("P2", "L2", "2026-03-01", "5.00"),
        payment("R1", "L1", "2026-03-02", "110.00", kind="reversal", reverses_payment_id="P1"),
        payment("R2", "L2", "2026-03-02", "110.00", kind="reversal", reverses_payment_id="P1"),
        payment("R3", "L2", "2026-03-02", "1.00", kind="reversal"),
        payment("P3", "LX", "2026-03-02", "1.00"),
    ])
    report = load_portfolio(app=duck_app, source=later, progress=False)
    rules = {r["row"]: r["rule"] for r in quarantine(report)}
    assert set(rules) == {"3", "4", "5"}
    assert "belongs to loan L1" in rules["3"]
    assert "required for a reversal" in rules["4"]
    assert "unknown loan LX" in rules["5"]


def test_truncated_and_non_utf8_files_lose_nothing(duck_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    book = good_book(tmp_path / "book")
    path = book / "installments.csv"
    data = path.read_bytes()
    path.write_bytes(data[: data.rindex(b"\n", 0, len(data) - 1) + 12])  # cut the last row
    contacts = book / "contacts.csv"
    contacts.write_bytes(contacts.read_bytes()
                         + "K2,C2,mail,北京市海淀区,self,,\n".encode("gbk")
                         + b"K3,C2,email,li@example.com,self,,\n")
    report = load_portfolio(app=duck_app, source=book, progress=False)
    rows = quarantine(report)
    inst = report.table("installments")
    assert (inst.read, inst.loaded, inst.quarantined) == (6, 5, 1)
    assert any(r["source_file"] == "installments.csv" and r["row"] == "6" for r in rows)
    con = report.table("contacts")
    assert (con.read, con.loaded, con.quarantined) == (3, 2, 1)
    bad = next(r for r in rows if r["source_file"] == "contacts.csv")
    assert bad["row"] == "2" and "ENCODING" in bad["rule"].upper()
    # the line as the file holds it, byte for byte
    kept = json.loads(bad["row_json"])
    assert base64.b64decode(kept["line_base64"]) == "K2,C2,mail,北京市海淀区,self,,".encode("gbk")
    assert kept["line"].startswith("K2,C2,mail,\\x")


def test_a_file_in_another_encoding_stops_the_load_before_anything_is_written(
        duck_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    book = good_book(tmp_path / "book")
    names = ["李娟", "王芳", "张伟", "刘洋", "陈静", "杨磊", "赵敏", "黄强", "周杰", "吴军", "徐丽"]
    write_table(book, "customers", [customer(f"C{k + 1}", full_name=name)
                                    for k, name in enumerate(names)])
    path = book / "customers.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("gbk"))
    with pytest.raises(SourceError, match=r"customers.csv is not UTF-8: 11 of .* GB18030"):
        load_portfolio(app=duck_app, source=book, progress=False)
    assert count(duck_app, "customers") == 0 and count(duck_app, "loans") == 0
    # a Latin code page is not taken for GBK
    write_table(book, "customers", [customer(f"C{k + 1}", full_name=f"Jörg Müller {k}")
                                    for k in range(11)])
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1"))
    with pytest.raises(SourceError, match=r"not UTF-8: 11 of .*another encoding") as caught:
        load_portfolio(app=duck_app, source=book, progress=False)
    assert "GB18030" not in str(caught.value)
    # one name short of the threshold: stray lines, quarantined one by one
    write_table(book, "customers", [customer(f"C{k + 1}", full_name=name)
                                    for k, name in enumerate(names[:9])]
                + [customer("C10", full_name="Ann Lee"), customer("C11", full_name="Bo Li")])
    path.write_bytes(path.read_text(encoding="utf-8").encode("gbk"))
    report = load_portfolio(app=duck_app, source=book, progress=False)
    assert report.table("customers").quarantined == 9


def test_missing_required_column_stops_before_anything_is_written(duck_app,  # type: ignore[no-untyped-def]
                                                                  tmp_path: Path) -> None:
    book = good_book(tmp_path / "book")
    write_table(book, "loans", [loan("L1", "C1")],
                columns=["loan_id", "customer_id", "product", "currency", "principal"])
    with pytest.raises(SourceError, match="missing required column"):
        load_portfolio(app=duck_app, source=book, progress=False)
    assert count(duck_app, "customers") == 0


def test_parquet_files_load_like_csv(duck_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    book = good_book(tmp_path / "book")
    rows = schedule("L1") + schedule("L2")
    (book / "installments.csv").unlink()
    pq.write_table(pa.Table.from_pylist([{k: str(v) for k, v in r.items()} for r in rows]),
                   book / "installments.parquet")
    report = load_portfolio(app=duck_app, source=book, progress=False)
    assert report.table("installments").loaded == 6
    assert report.table("installments").source == "installments.parquet"


def test_invalid_cn_resident_id_and_phone(duck_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    book = good_book(tmp_path / "book")
    write_table(book, "customers",
                [customer("C1"), customer("C2", national_id="110105194912310021")])
    write_table(book, "contacts", [
        {"contact_id": "K1", "customer_id": "C1", "channel": "phone", "value": "13812345678",
         "relation": "self"}])
    report = load_portfolio(app=duck_app, source=book, progress=False)
    rules = {(r["source_file"], r["row"]): r["rule"] for r in quarantine(report)}
    assert "CN resident ID" in rules[("customers.csv", "2")]
    assert "E.164" in rules[("contacts.csv", "1")]
    assert "unknown customer C2" in rules[("loans.csv", "2")]
