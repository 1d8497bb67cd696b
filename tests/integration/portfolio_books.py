"""Hand-written books in the interchange format, for the portfolio tests."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

CUSTOMER_COLS = ["customer_id", "full_name", "national_id", "birth_date", "country", "region",
                 "timezone", "preferred_language", "address"]
CONTACT_COLS = ["contact_id", "customer_id", "channel", "value", "relation", "is_primary",
                "consent"]
LOAN_COLS = ["loan_id", "customer_id", "product", "currency", "principal", "annual_rate",
             "term", "disbursed_on", "status"]
INSTALLMENT_COLS = ["loan_id", "seq", "due_date", "principal_due", "interest_due", "fee_due"]
PAYMENT_COLS = ["payment_id", "loan_id", "paid_at", "amount", "kind", "reverses_payment_id",
                "channel"]
COLUMNS = {"customers": CUSTOMER_COLS, "contacts": CONTACT_COLS, "loans": LOAN_COLS,
           "installments": INSTALLMENT_COLS, "payments": PAYMENT_COLS}


def write_table(directory: Path, table: str, rows: list[dict[str, Any]],
                columns: list[str] | None = None) -> Path:
    """Write ``rows`` as ``<table>.csv`` (missing values empty)."""
    directory.mkdir(parents=True, exist_ok=True)
    cols = columns or COLUMNS[table]
    path = directory / f"{table}.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(cols)
        for row in rows:
            writer.writerow(["" if row.get(c) is None else row.get(c) for c in cols])
    return path


def write_book(directory: Path, book: dict[str, list[dict[str, Any]]]) -> Path:
    for table, rows in book.items():
        write_table(directory, table, rows)
    return directory


def customer(cid: str, **kw: Any) -> dict[str, Any]:
    return {"customer_id": cid, "full_name": kw.pop("full_name", "王芳"), "country": "CN",
            "national_id": kw.pop("national_id", "11010519491231002X"), **kw}


def loan(lid: str, cid: str, **kw: Any) -> dict[str, Any]:
    return {"loan_id": lid, "customer_id": cid, "product": "cash_loan", "currency": "CNY",
            "principal": "300.00", "annual_rate": "0.2400", "term": 3,
            "disbursed_on": "2026-01-01", **kw}


def schedule(lid: str, *, fee: str = "0.00", start_month: int = 2) -> list[dict[str, Any]]:
    """Three installments of 100.00 principal and 10.00/5.00/2.00 interest, due on the 1st."""
    interest = ["10.00", "5.00", "2.00"]
    return [{"loan_id": lid, "seq": k + 1, "due_date": f"2026-{start_month + k:02d}-01",
             "principal_due": "100.00", "interest_due": interest[k], "fee_due": fee}
            for k in range(3)]


def payment(pid: str, lid: str, paid_at: str, amount: str, **kw: Any) -> dict[str, Any]:
    return {"payment_id": pid, "loan_id": lid, "paid_at": paid_at, "amount": amount, **kw}


def generated_app(root: Path, *, loans: int, seed: int, as_of: Any) -> Any:
    """An application under ``root`` with a generated book of ``loans`` loaded."""
    from arrears.adapters.portfolio.generator import generate_portfolio
    from arrears.services.loading import load_portfolio
    from tests.conftest import make_test_app

    app = make_test_app(root / "home", f"sqlite:///{root / 'ops.sqlite'}")
    generate_portfolio(loans=loans, seed=seed, out_dir=root / "book", as_of=as_of, fmt="csv",
                       progress=False)
    load_portfolio(app=app, source=root / "book", progress=False)
    return app
