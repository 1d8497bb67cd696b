"""`arrears keys rotate` re-encrypts personal data in the operations store AND in the
portfolio engine, so the old key can leave the ring."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from arrears.adapters.crypto import KeyRing
from arrears.services.keys import key_usage, rotate_keys
from arrears.services.loading import load_portfolio
from tests.conftest import make_test_app
from tests.factories import AT, make_case
from tests.integration.portfolio_books import customer, loan, schedule, write_book


def _resident_id(first17: str) -> str:
    """A CN resident ID with its check digit (GB 11643)."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


PEOPLE = {f"C{n}": (f"客户{n}", _resident_id(f"11010519900101{n:03d}"), f"+86138000000{n:02d}")
          for n in range(1, 6)}


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def book_app(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    overrides = {}
    if request.param == "postgres":
        overrides["portfolio_url"] = request.getfixturevalue("pg_schema_url")
    app = make_test_app(tmp_path / "home", f"sqlite:///{tmp_path / 'ops.sqlite'}",
                        **overrides)
    app.clock = lambda: AT
    write_book(tmp_path / "book", {
        "customers": [customer(cid, full_name=name, national_id=nid,
                               address=f"北京市朝阳区建国路{cid}号")
                      for cid, (name, nid, _) in PEOPLE.items()],
        "contacts": [{"contact_id": f"K{cid}", "customer_id": cid, "channel": "phone",
                      "value": phone, "relation": "self"}
                     for cid, (_, _, phone) in PEOPLE.items()],
        "loans": [loan(f"L{cid}", cid) for cid in PEOPLE],
        "installments": [row for cid in PEOPLE for row in schedule(f"L{cid}")],
    })
    load_portfolio(app=app, source=tmp_path / "book", progress=False)
    make_case(app)
    yield app
    app.close()


def _portfolio_clear(app: Any) -> dict[str, tuple[str | None, ...]]:
    ring, backend = app.keyring, app.portfolio()
    out = {}
    for row in backend.table("customers").to_pyarrow().to_pylist():
        out[row["customer_id"]] = (ring.decrypt(row["full_name_enc"]),
                                   ring.decrypt(row["national_id_enc"]),
                                   ring.decrypt(row["address_enc"]))
    for row in backend.table("contacts").to_pyarrow().to_pylist():
        out[row["contact_id"]] = (ring.decrypt(row["value_enc"]),)
    return out


def test_rotation_covers_the_portfolio_engine(book_app: Any) -> None:
    before = _portfolio_clear(book_app)
    assert before["C3"][0] == "客户3" and before["KC3"] == ("+8613800000003",)
    old = book_app.keyring
    book_app.__dict__["keyring"] = KeyRing((("k9", os.urandom(32)),) + old.keys,
                                           old.index_key)
    seen: dict[str, int] = {}
    report = rotate_keys(app=book_app, batch=2,
                         progress=lambda t, n: seen.__setitem__(t, seen.get(t, 0) + n))
    assert report.tables["portfolio.customers"] == 5 and report.tables["portfolio.contacts"] == 5
    assert seen["portfolio.customers"] == 5
    assert set(key_usage(app=book_app)) == {"k9"}
    # the old key can go: the ring with only the new key reads everything
    book_app.__dict__["keyring"] = KeyRing((book_app.keyring.keys[0],), old.index_key)
    assert _portfolio_clear(book_app) == before
    again = rotate_keys(app=book_app, batch=2)
    assert again.reencrypted == 0


def test_the_command_rotates_both_stores(book_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from arrears.entrypoints import cli_desk  # noqa: F401  (registers the commands)
    from arrears.entrypoints.cli_app import app as cli

    before = _portfolio_clear(book_app)
    book_app.close()
    monkeypatch.setenv("ARREARS_HOME", str(book_app.settings.home))
    monkeypatch.setenv("ARREARS_DATABASE_URL", book_app.settings.database_url)
    if book_app.settings.portfolio_url:
        monkeypatch.setenv("ARREARS_PORTFOLIO_URL", book_app.settings.portfolio_url)
    result = CliRunner().invoke(cli, ["keys", "rotate", "--new-key"])
    assert result.exit_code == 0, result.output
    fresh = make_test_app(book_app.settings.home, book_app.settings.database_url,
                          portfolio_url=book_app.settings.portfolio_url)
    try:
        usage = key_usage(app=fresh)
        assert list(usage) == [fresh.keyring.active_kid] and usage[fresh.keyring.active_kid] > 20
        assert _portfolio_clear(fresh) == before
    finally:
        fresh.close()
