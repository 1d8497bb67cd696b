"""Rules of the workbench's building blocks: metrics, reasons, points, features, calibration."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from arrears.scoring import metrics
from arrears.scoring.calibration import apply_calibration, fit_calibration
from arrears.scoring.features import build_features, infer_spec, series_families
from arrears.scoring.reasons import points_from_logit, points_scaling, top_reasons


class TestDiscrimination:
    def test_perfect_ordering_has_auc_one_ks_one(self) -> None:
        y = np.array([0, 0, 0, 1, 1])
        p = np.array([0.1, 0.2, 0.3, 0.8, 0.9])
        assert metrics.auc(y, p) == 1.0
        assert metrics.ks(y, p) == 1.0
        assert metrics.gini(y, p) == 1.0

    def test_reversed_ordering_has_auc_zero(self) -> None:
        y = np.array([1, 1, 0, 0])
        assert metrics.auc(y, np.array([0.1, 0.2, 0.3, 0.4])) == 0.0

    def test_ties_count_half(self) -> None:
        assert metrics.auc(np.array([0, 1]), np.array([0.5, 0.5])) == 0.5

    def test_ks_does_not_split_tied_scores(self) -> None:
        y = np.array([0, 1, 0, 1])
        assert metrics.ks(y, np.full(4, 0.3)) == 0.0

    def test_auc_matches_pairwise_definition(self) -> None:
        rng = np.random.default_rng(3)
        y = rng.integers(0, 2, 300)
        p = rng.random(300)
        pos, neg = p[y == 1], p[y == 0]
        pairs = (pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean()
        assert metrics.auc(y, p) == pytest.approx(pairs)


class TestStability:
    def test_same_population_has_zero_psi(self) -> None:
        ref = np.random.default_rng(1).normal(size=5000)
        edges = metrics.psi_edges(ref)
        share = metrics.distribution(ref, edges)
        assert metrics.psi(share, share) == pytest.approx(0.0)

    def test_shifted_population_drifts(self) -> None:
        rng = np.random.default_rng(1)
        ref, cur = rng.normal(size=5000), rng.normal(loc=1.0, size=5000)
        edges = metrics.psi_edges(ref)
        value = metrics.psi(metrics.distribution(ref, edges), metrics.distribution(cur, edges))
        assert value > 0.25

    def test_missing_values_have_their_own_bin(self) -> None:
        share = metrics.distribution(np.array([1.0, np.nan, np.nan, 3.0]), np.array([2.0]))
        assert share.tolist() == [0.25, 0.25, 0.5]


class TestPoints:
    def test_base_score_at_base_odds_and_pdo_doubles_them(self) -> None:
        offset, factor = points_scaling(base_score=600, base_odds=50, pdo=20)
        at_base = points_from_logit(np.array([np.log(1 / 50)]), offset=offset, factor=factor)
        doubled = points_from_logit(np.array([np.log(1 / 100)]), offset=offset, factor=factor)
        assert at_base[0] == pytest.approx(600)
        assert doubled[0] - at_base[0] == pytest.approx(20)


class TestReasons:
    def test_largest_contributions_first_and_only_risk_raising(self) -> None:
        contrib = np.array([[0.1, 0.5, -0.2, 0.3],
                            [-1.0, -0.5, -0.1, -0.2]])
        first, second, third = top_reasons(contrib, ["a", "b", "c", "d"], k=3)
        assert list(first) == ["b", ""]
        assert list(second) == ["d", ""]
        assert list(third) == ["a", ""]

    def test_k_is_capped_by_the_feature_count(self) -> None:
        assert len(top_reasons(np.ones((2, 2)), ["a", "b"], k=5)) == 2


class TestSeriesFeatures:
    def test_numbered_columns_form_a_series_in_suffix_order(self) -> None:
        fams = series_families(["PAY_AMT2", "PAY_AMT1", "PAY_AMT10", "AGE", "X_1", "X_2"])
        assert fams == {"PAY_AMT": ["PAY_AMT1", "PAY_AMT2", "PAY_AMT10"]}

    def test_derived_values(self) -> None:
        frame = pd.DataFrame({"b1": [1.0, -1.0], "b2": [3.0, 0.0], "b3": [5.0, np.nan],
                              "kind": ["x", "y"]})
        spec = infer_spec(frame)
        assert spec.categorical == ("kind",)
        x = build_features(frame, spec)
        assert x["b__max"].tolist() == [5.0, 0.0]
        assert x["b__mean"].tolist() == [3.0, -0.5]
        assert x["b__npos"].tolist() == [3.0, 0.0]
        assert x["b__first_minus_mean"].tolist() == [-2.0, -0.5]

    def test_series_can_be_switched_off(self) -> None:
        frame = pd.DataFrame({"b1": [1.0], "b2": [2.0], "b3": [3.0]})
        assert infer_spec(frame, series=False).derived == ()


class TestCalibration:
    def test_platt_keeps_the_order_and_matches_rates(self) -> None:
        rng = np.random.default_rng(5)
        raw = rng.normal(size=4000)
        y = (rng.random(4000) < 1 / (1 + np.exp(-(2 * raw - 1)))).astype(int)
        params = fit_calibration(raw, y, method="platt")
        p = apply_calibration(raw, params)
        assert np.all(np.diff(p[np.argsort(raw)]) >= 0)
        assert params["a"] == pytest.approx(2.0, abs=0.25)
        assert p.mean() == pytest.approx(y.mean(), abs=0.01)

    def test_isotonic_is_stored_as_breakpoints(self) -> None:
        raw = np.linspace(-3, 3, 200)
        y = (raw > 0).astype(int)
        params = fit_calibration(raw, y, method="isotonic")
        assert set(params) == {"method", "x", "y"}
        assert apply_calibration(np.array([-2.5, 2.5]), params).tolist() == pytest.approx(
            [0.0, 1.0], abs=1e-5)
