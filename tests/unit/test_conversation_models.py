"""The shipped linear models score exactly as the sklearn models they were exported from."""

from __future__ import annotations

import numpy as np

from arrears.conversation import training
from arrears.conversation.models import LinearTextModel
from arrears.conversation.normalize import normalize

TEXTS = ["我们不会起诉你", "再不还钱就打断你的腿", "you are a worthless deadbeat",
         "we can set up a payment plan", "你这个老赖不要脸", "thank you for your time"]
Y = np.array([[0], [1], [1], [0], [1], [0]])


def test_exported_model_matches_sklearn() -> None:
    norms = [normalize(t) for t in TEXTS]
    vec, clfs = training._fit(norms, Y, kind="ovr", c=4.0, max_features=5000)
    model = training._export("t", "ovr", ("bad",), vec, clfs, {"bad": 0.5}, {})
    again = LinearTextModel.from_json(model.to_json())
    probe = ["我们就打断你的腿", "a payment plan that works", "deadbeat 老赖"]
    expected = clfs[0].predict_proba(vec.transform([normalize(t) for t in probe]))[:, 1]
    got = [again.predict_text(normalize(t))["bad"] for t in probe]
    assert np.allclose(expected, got, atol=1e-3)


def test_traditional_and_simplified_normalise_alike() -> None:
    assert normalize("我們不會起訴你") == normalize("我们不会起诉你")
    assert len(normalize("還款ＡＢＣ")) == len("還款ＡＢＣ")
