"""`arrears score train` / `score apply` on files: formats, ids, order, errors, saved models."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from arrears.entrypoints.cli import app
from arrears.scoring.bench import synthetic_credit
from arrears.scoring.errors import BadModel, BadTrainingData
from arrears.scoring.workbench import LoadedModel, scores_frame

runner = CliRunner()


def cli(*args: str) -> None:
    result = runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wb")
    synthetic_credit(3000, seed=11).to_csv(folder / "train.csv", index=False)
    return folder


@pytest.fixture(scope="module", params=["scorecard", "gbm"])
def trained(request: pytest.FixtureRequest, book: Path) -> Path:
    out = book / f"model-{request.param}"
    cli("score", "train", "--data", book / "train.csv", "--target", "bad", "--id", "id",
        "--model", request.param, "--out", out)
    return out


class TestSavedModel:
    def test_is_inspectable_text_with_metadata(self, trained: Path) -> None:
        meta = json.loads((trained / "model.json").read_text())
        assert meta["format"] == "arrears-model" and meta["format_version"] == 1
        assert meta["training_data"]["sha256"] and len(meta["training_data"]["sha256"]) == 64
        assert "id" not in meta["features"]["raw"] and "bad" not in meta["features"]["raw"]
        assert {"lightgbm", "optbinning", "scikit-learn"} <= set(meta["libraries"])
        assert meta["metrics"]["validation"]["auc"] > 0.6
        assert meta["calibration"]["method"] == "platt"
        artefact = "scorecard.csv" if meta["kind"] == "scorecard" else "lightgbm.txt"
        assert (trained / artefact).read_text().strip()
        assert not list(trained.glob("*.pkl")) and not list(trained.glob("*.joblib"))

    def test_report_has_figures_and_inline_charts(self, trained: Path) -> None:
        html = (trained / "report.html").read_text()
        for needle in ("AUC", "KS", "Gini", "<svg", "Calibration", "Score distribution"):
            assert needle in html
        assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
        assert "<script" not in html

    def test_training_is_reproducible(self, trained: Path, book: Path) -> None:
        meta = json.loads((trained / "model.json").read_text())
        again = book / f"again-{meta['kind']}.zip"
        cli("score", "train", "--data", book / "train.csv", "--target", "bad", "--id", "id",
            "--model", meta["kind"], "--out", again)
        with zipfile.ZipFile(again) as zf:
            other = json.loads(zf.read("model.json"))
        assert other["metrics"] == meta["metrics"]


class TestApply:
    def test_one_row_per_input_row_in_order_with_ids(self, trained: Path, book: Path) -> None:
        rows = synthetic_credit(500, seed=99).drop(columns=["bad"]).sample(frac=1, random_state=3)
        rows.to_parquet(book / "new.parquet", index=False)
        cli("score", "apply", "--model", trained, "--data", book / "new.parquet",
            "--out", book / "scores.csv")
        scores = pd.read_csv(book / "scores.csv", keep_default_na=False)
        assert scores["id"].tolist() == rows["id"].tolist()
        assert list(scores.columns) == ["id", "score", "points", "reason_1", "reason_2",
                                        "reason_3"]
        assert scores["score"].between(0, 1).all()
        features = set(json.loads((trained / "model.json").read_text())["features"]["raw"])
        named = set(scores["reason_1"]) - {""}
        assert named and "id" not in named
        assert all(n in features or "__" in n for n in named)

    def test_more_points_means_less_risk(self, trained: Path, book: Path) -> None:
        synthetic_credit(400, seed=5).to_csv(book / "more.csv", index=False)
        cli("score", "apply", "--model", trained, "--data", book / "more.csv",
            "--out", book / "more-scores.csv")
        scores = pd.read_csv(book / "more-scores.csv")
        corr = np.corrcoef(scores["score"], scores["points"])[0, 1]
        assert corr < -0.9

    @pytest.mark.parametrize("trained", ["gbm"], indirect=True)
    def test_shap_and_path_reasons_give_the_same_score(self, book: Path, trained: Path) -> None:
        model = LoadedModel.load(trained)
        assert model.kind == "gbm"
        frame = synthetic_credit(300, seed=8)
        shap = model.score(frame, reasons="shap")
        path = model.score(frame, reasons="path")
        assert np.allclose(shap.score, path.score)
        # both decompose the same log-odds; only the baseline (expected value) differs
        gap = shap.contributions.sum(1) - path.contributions.sum(1)
        assert np.ptp(gap) < 1e-6
        agree = (shap.contributions.argmax(1) == path.contributions.argmax(1)).mean()
        assert agree > 0.6
        alone = model.score(frame, reasons="none")
        assert np.allclose(alone.score, path.score, rtol=0, atol=1e-12)
        assert alone.contributions.shape == (300, 0) and alone.reason_method == "none"
        table, method = scores_frame(model, frame, reasons="none")
        assert method == "none" and list(table.columns)[1:] == ["score", "points"]


class TestBadInput:
    def test_target_with_three_values_is_refused(self, book: Path) -> None:
        frame = synthetic_credit(300, seed=1)
        frame["bad"] = np.arange(300) % 3
        frame.to_csv(book / "three.csv", index=False)
        with pytest.raises(BadTrainingData, match="exactly two values"):
            runner.invoke(app, ["score", "train", "--data", str(book / "three.csv"),
                                "--target", "bad", "--out", str(book / "x")],
                          catch_exceptions=False)
        assert not (book / "x").exists()

    def test_missing_id_column_is_named(self, book: Path) -> None:
        with pytest.raises(BadTrainingData, match="nope"):
            runner.invoke(app, ["score", "train", "--data", str(book / "train.csv"),
                                "--target", "bad", "--id", "nope", "--out", str(book / "y")],
                          catch_exceptions=False)

    def test_apply_without_the_id_column(self, trained: Path, book: Path) -> None:
        synthetic_credit(50, seed=2).drop(columns=["id"]).to_csv(book / "noid.csv", index=False)
        with pytest.raises(BadTrainingData, match="id column 'id'"):
            runner.invoke(app, ["score", "apply", "--model", str(trained), "--data",
                                str(book / "noid.csv"), "--out", str(book / "s.csv")],
                          catch_exceptions=False)

    def test_not_a_model(self, tmp_path: Path) -> None:
        (tmp_path / "m").mkdir()
        with pytest.raises(BadModel, match="not a saved model"):
            LoadedModel.load(tmp_path / "m")

    @pytest.mark.parametrize("trained", ["scorecard"], indirect=True)
    def test_edited_scorecard_is_refused(self, trained: Path, tmp_path: Path) -> None:
        meta = json.loads((trained / "model.json").read_text())
        assert meta["kind"] == "scorecard"
        copy = tmp_path / "edited"
        copy.mkdir()
        for f in trained.iterdir():
            (copy / f.name).write_text(f.read_text())
        table = pd.read_csv(copy / "scorecard.csv", keep_default_na=False)
        table.loc[0, "points"] += 50
        table.to_csv(copy / "scorecard.csv", index=False)
        with pytest.raises(BadModel, match="points do not match"):
            LoadedModel.load(copy).score(synthetic_credit(2000, seed=3))
