"""Roll rates and vintage curves on a generated book agree with an independent pandas
computation over the exported delinquency snapshots (`arrears export delinquency`)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
import pytest

from arrears.analytics import portfolio as pv
from arrears.analytics.filters import Filters

BOOK_DAY = date(2026, 4, 30)
RUN_DAYS = [date(2026, 1, 31), date(2026, 2, 14), date(2026, 2, 28), date(2026, 3, 31),
            date(2026, 4, 15), date(2026, 4, 30)]


@pytest.fixture
def book(tmp_path_factory):
    """A generated book, loaded and run over several days across month ends, exported."""
    from arrears.adapters.portfolio.generator import generate_portfolio
    from arrears.batch.run_day import run_day
    from arrears.services.export import export_delinquency
    from arrears.services.loading import load_portfolio
    from tests.conftest import make_test_app

    root = tmp_path_factory.mktemp("generated")
    app = make_test_app(root / "home", f"sqlite:///{root / 'ops.sqlite'}")
    generate_portfolio(loans=1500, seed=11, out_dir=root / "book", as_of=BOOK_DAY,
                       fmt="csv", progress=False)
    load_portfolio(app=app, source=root / "book", progress=False)
    exports = []
    for day in RUN_DAYS:
        run_day(app=app, as_of=day, progress=False)
        path = root / f"delinquency-{day}.csv"
        export_delinquency(app=app, as_of=day, out=path)
        exports.append(path)
    yield app, root / "book" / "loans.csv", exports
    app.close()


def read_snapshots(exports, loans_csv) -> pd.DataFrame:
    """The exports with each loan's disbursement date, money as Decimal."""
    frames = [pd.read_csv(p, dtype=str, keep_default_na=False) for p in exports]
    snaps = pd.concat(frames, ignore_index=True)
    snaps["as_of"] = snaps["as_of"].map(date.fromisoformat)
    snaps["dpd"] = snaps["dpd"].astype(int)
    for col in ("overdue_amount", "outstanding_principal"):
        snaps[col] = snaps[col].map(Decimal)
    loans = pd.read_csv(loans_csv, dtype=str)[["loan_id", "disbursed_on"]]
    loans["disbursed_on"] = loans["disbursed_on"].map(date.fromisoformat)
    return snaps.merge(loans, on="loan_id", how="left")


def month_no(d: date) -> int:
    return d.year * 12 + d.month


def month_ends(snaps: pd.DataFrame) -> pd.DataFrame:
    return snaps[snaps["as_of"].map(lambda d: (d + timedelta(days=1)).day == 1)]


def expected_rolls(snaps: pd.DataFrame) -> pd.DataFrame:
    ends = month_ends(snaps).assign(m=lambda f: f["as_of"].map(month_no))
    start = ends[(ends["disbursed_on"] <= ends["as_of"])
                 & ((ends["outstanding_principal"] > 0) | (ends["overdue_amount"] > 0))]
    nxt = ends[["loan_id", "m", "bucket"]].assign(m=lambda f: f["m"] - 1)
    pairs = start.merge(nxt, on=["loan_id", "m"], suffixes=("", "_next"))
    out = pairs.groupby(["m", "bucket", "bucket_next"]).agg(
        loans=("loan_id", "size"),
        balance=("outstanding_principal", lambda s: sum(s, Decimal("0.00")))).reset_index()
    return out.rename(columns={"bucket": "from_bucket", "bucket_next": "to_bucket"})


def expected_vintage(snaps: pd.DataFrame) -> pd.DataFrame:
    ends = month_ends(snaps)
    ends = ends[ends["disbursed_on"] <= ends["as_of"]].sort_values(["loan_id", "as_of"])
    ends = ends.assign(worst=ends.groupby("loan_id")["dpd"].cummax(),
                       mob=ends["as_of"].map(month_no) - ends["disbursed_on"].map(month_no),
                       vintage=ends["disbursed_on"].map(lambda d: f"{d.year:04d}-{d.month:02d}"))
    return ends.groupby(["vintage", "mob"]).agg(
        loans=("loan_id", "size"), ever_30=("worst", lambda s: int((s >= 30).sum())),
        ever_90=("worst", lambda s: int((s >= 90).sum()))).reset_index()


def check_roll_rates_match_pandas_over_the_exports(book):
    app, loans_csv, exports = book
    expected = expected_rolls(read_snapshots(exports, loans_csv))
    assert len(expected) > 5 and expected["from_bucket"].nunique() >= 3
    got = pv.roll_rates(app.portfolio(), filters=Filters())
    got = got.assign(m=got["from_month"].map(lambda s: int(s[:4]) * 12 + int(s[5:])))
    merged = expected.merge(got, on=["m", "from_bucket", "to_bucket"], how="outer",
                            suffixes=("_want", "_got"), indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    assert (merged["loans_want"] == merged["loans_got"]).all()
    assert (merged["balance_want"] == merged["balance_got"]).all()
    shares = expected.groupby(["m", "from_bucket"])["loans"].transform("sum")
    want_share = (expected["loans"] / shares).round(4).tolist()
    got_share = expected[["m", "from_bucket", "to_bucket"]].merge(
        got, on=["m", "from_bucket", "to_bucket"])["loan_share"].tolist()
    assert want_share == got_share


def check_vintage_curves_match_pandas_over_the_exports(book):
    app, loans_csv, exports = book
    expected = expected_vintage(read_snapshots(exports, loans_csv))
    assert expected["ever_30"].sum() > 0
    got = pv.vintage_curves(app.portfolio(), filters=Filters(), thresholds=[30, 90])
    merged = expected.merge(got, on=["vintage", "mob"], how="outer",
                            suffixes=("_want", "_got"), indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    for col in ("loans", "ever_30", "ever_90"):
        assert (merged[f"{col}_want"] == merged[f"{col}_got"]).all(), col


def check_materialised_figures_equal_the_live_ones(book):
    """The daily run's analytics step wrote the same figures the engine computes live."""
    from arrears.analytics import precomputed as pc

    app, _loans, _exports = book
    con = app.portfolio()
    product = pv.products(con)[0]
    with app.session_factory() as s:
        assert pc.materialised_day(s, as_of=BOOK_DAY).as_of == BOOK_DAY
        order = pc.bucket_order(s)
        assert order == pv.bucket_order(con)
        for f in (Filters(), Filters(product=product, date_from=date(2026, 2, 1)),
                  Filters(bucket="M1")):
            same(pc.bucket_trend(s, filters=f, order=order),
                                          pv.bucket_trend(con, filters=f))
            same(pc.roll_rates(s, filters=f, order=order),
                                          pv.roll_rates(con, filters=f))
            same(
                pc.vintage_curves(s, filters=f, thresholds=[30, 90]),
                pv.vintage_curves(con, filters=f, thresholds=[30, 90]))
            got = pc.recovery_by_entry(s, filters=f, window_days=30, as_of=BOOK_DAY,
                                       order=order)
            want = pv.recovery_by_entry(con, filters=f, window_days=30, as_of=BOOK_DAY)
            same(got, want)


def same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """Equal values in equal columns (the column index's own dtype aside)."""
    assert list(got.columns) == list(want.columns)
    pd.testing.assert_frame_equal(got.set_axis(list(got.columns), axis=1),
                                  want.set_axis(list(want.columns), axis=1),
                                  check_dtype=False, check_column_type=False)


def dark_pixels(pdf, out) -> int:
    """Render the PDF's first page to PNG (pdftoppm) and count its dark pixels."""
    import subprocess

    from PIL import Image

    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(pdf), str(out)],
                   check=True, timeout=60)
    image = Image.open(next(out.parent.glob(out.name + "*.png"))).convert("L")
    return sum(1 for px in image.getdata() if px < 128)


def check_champion_and_challenger_on_the_dashboard_and_in_the_report(book, tmp_path):
    """The default strategy's experiment (the strategy part's own services assign the arms
    every run day): both arms with intervals, on the risk page and in the report's PDF."""
    import json
    import shutil

    from arrears.analytics.dashboards import cards
    from arrears.analytics.partners import arm_results, champion_challenger
    from arrears.analytics.report import build_report
    from arrears.analytics.workbench import Workbench

    app, _loans, _exports = book
    with app.session_factory() as s:
        live = champion_challenger(arm_results(s, app=app, as_of=BOOK_DAY))
        with Workbench(app=app, session=s, filters=Filters(), as_of=BOOK_DAY) as bench:
            stored = bench.figure("champion_challenger").frame
            risk = {c.key: c for c in cards("risk", bench, locale="en")}
    assert list(dict.fromkeys(stored["arm"])) == ["champion", "sms_first"]
    same(stored, live)
    assert ((stored["low"] <= stored["estimate"]) & (stored["estimate"] <= stored["high"])).all()
    option = json.loads(risk["champion_challenger"].option_json)
    assert option["xAxis"]["data"] == ["champion", "sms_first"]
    boxes = [b for s in option["series"] if s["type"] == "boxplot" for b in s["data"]]
    assert boxes and all(len(b) == 5 and b[0] <= b[2] <= b[4] for b in boxes)
    heat = json.loads(risk["roll_count"].option_json)
    assert heat["xAxis"]["data"] == heat["yAxis"]["data"] == pv.bucket_order(app.portfolio())

    out = tmp_path / "report"
    build_report(app=app, kind="all", as_of=BOOK_DAY, out=out, locale="zh-CN")
    arms = pd.read_csv(out / "champion_challenger.csv")
    assert set(arms["arm"]) == {"champion", "sms_first"}
    assert (out / "report-all.pdf").read_bytes().startswith(b"%PDF")
    if shutil.which("pdftoppm"):
        assert dark_pixels(out / "report-all.pdf", tmp_path / "page") > 500


def test_figures_of_a_generated_book(book, tmp_path):
    """One test over the book, so parallel workers build it once: each check is a rule."""
    check_roll_rates_match_pandas_over_the_exports(book)
    check_vintage_curves_match_pandas_over_the_exports(book)
    check_materialised_figures_equal_the_live_ones(book)
    check_champion_and_challenger_on_the_dashboard_and_in_the_report(book, tmp_path)
