"""Training and evaluation of the conversation models (reproducible: fixed seeds).

Models, all linear on the same TF-IDF features (``features.features``):
- ``violations``: one-vs-rest over the seven violation categories, collector lines;
- ``signals``: one-vs-rest over hardship, dispute, cease_request, anger, customer lines;
- ``emotion``: multinomial over the five emotion labels, all lines;
- ``insult_zh``: offensive vs safe, trained on COLD's train split.
Thresholds are tuned on cross-validated predictions of the training data combined with the
rules (a category fires when a rule hits or the probability reaches the threshold); the
held-out file is only read by ``evaluate``.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from arrears.conversation import rules
from arrears.conversation.features import features
from arrears.conversation.models import MODEL_DIR, LinearTextModel, save_model
from arrears.conversation.normalize import detect_language, normalize
from arrears.conversation.results import EMOTIONS, SIGNALS, VIOLATIONS
from arrears.errors import InvalidInput

SEED = 20260501
DEFAULT_DATA = Path(__file__).resolve().parents[3] / "data"
MODEL_FILES = {"violations": "violations.json.gz", "signals": "signals.json.gz",
               "emotion": "emotion.json.gz", "insult_zh": "insult_zh.json.gz"}


class TrainingDataError(InvalidInput):
    code = "training_data_invalid"


@dataclass(frozen=True)
class Example:
    """One annotated utterance."""

    id: str
    speaker: str
    labels: tuple[str, ...]
    emotion: str
    text: str
    language: str


@dataclass
class TrainReport:
    models: dict[str, dict[str, Any]] = field(default_factory=dict)


def read_examples(path: Path) -> list[Example]:
    """Read an annotated TSV file (speaker c|u, labels, emotion, text; # comments)."""
    out: list[Example] = []
    speakers = {"c": "collector", "u": "customer"}
    allowed = {"collector": set(VIOLATIONS), "customer": set(SIGNALS)}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        where = f"{path.name}:{n}"
        if len(parts) != 4 or parts[0] not in speakers:
            raise TrainingDataError(f"{where}: expected 4 tab-separated fields", field=where)
        speaker = speakers[parts[0]]
        labels = tuple(x for x in parts[1].split(",") if x and x != "-")
        bad = [x for x in labels if x not in allowed[speaker]]
        if bad or parts[2] not in EMOTIONS:
            raise TrainingDataError(f"{where}: unknown label {bad or parts[2]}", field=where)
        out.append(Example(f"{path.stem}:{n}", speaker, labels, parts[2], parts[3],
                           detect_language(parts[3])))
    return out


def training_files(data_dir: Path) -> list[Path]:
    files = sorted((data_dir / "collection_calls").glob("train_*.tsv"))
    if not files:
        raise TrainingDataError(f"no training files under {data_dir / 'collection_calls'}",
                                field="data")
    return files


def vectorizer(*, max_features: int, min_df: int = 1) -> Any:
    """The TF-IDF vectoriser over ``features.features`` (inference mirrors it exactly)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(analyzer=features, sublinear_tf=True, min_df=min_df,
                           max_features=max_features, dtype=np.float32)


def _fit(texts: list[str], y: np.ndarray, *, kind: str, c: float, max_features: int,
         min_df: int = 1, vec: Any = None) -> tuple[Any, Any]:
    """Fit a linear model; ``vec`` is a vectoriser already fitted (shared between models)."""
    from sklearn.linear_model import LogisticRegression

    if vec is None:
        vec = vectorizer(max_features=max_features, min_df=min_df)
        x = vec.fit_transform(texts)
    else:
        x = vec.transform(texts)
    if kind == "softmax":
        clf = LogisticRegression(C=c, max_iter=3000, class_weight="balanced",
                                 random_state=SEED)
        clf.fit(x, y)
        return vec, clf
    clfs = []
    for j in range(y.shape[1]):
        clf = LogisticRegression(C=c, max_iter=3000, class_weight="balanced",
                                 solver="liblinear", random_state=SEED)
        clf.fit(x, y[:, j])
        clfs.append(clf)
    return vec, clfs


def _export(name: str, kind: str, labels: tuple[str, ...], vec: Any, clf: Any,
            thresholds: dict[str, float], meta: dict[str, Any]) -> LinearTextModel:
    vocab = {f: int(i) for f, i in vec.vocabulary_.items()}
    if kind == "softmax":
        order = [list(clf.classes_).index(label) for label in labels]
        coef = clf.coef_[order].T
        intercept = clf.intercept_[order]
    else:
        coef = np.vstack([c.coef_[0] for c in clf]).T
        intercept = np.array([c.intercept_[0] for c in clf])
    return LinearTextModel(name=name, kind=kind, labels=labels, vocab=vocab,
                           idf=[float(x) for x in vec.idf_],
                           coef=np.asarray(coef, dtype=np.float32),
                           intercept=np.asarray(intercept, dtype=np.float32),
                           thresholds=thresholds, meta=meta)


def _multi_hot(examples: list[Example], labels: tuple[str, ...]) -> np.ndarray:
    return np.array([[1 if label in ex.labels else 0 for label in labels] for ex in examples],
                    dtype=np.int8)


def _cv_probs(texts: list[str], y: np.ndarray, *, c: float, max_features: int,
              folds: int = 5) -> np.ndarray:
    """Out-of-fold probabilities per label (stratified on 'any label')."""
    from sklearn.model_selection import StratifiedKFold

    probs = np.zeros(y.shape, dtype=np.float64)
    strata = y.argmax(axis=1) + y.any(axis=1)
    skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    arr = np.array(texts, dtype=object)
    for tr, te in skf.split(arr, strata):
        vec, clfs = _fit(list(arr[tr]), y[tr], kind="ovr", c=c, max_features=max_features)
        x = vec.transform(list(arr[te]))
        for j, clf in enumerate(clfs):
            if y[tr, j].any() and not y[tr, j].all():
                probs[te, j] = clf.predict_proba(x)[:, 1]
    return probs


def _tune_thresholds(y: np.ndarray, probs: np.ndarray, rule_hits: np.ndarray,
                     labels: tuple[str, ...], *, floor: float) -> dict[str, float]:
    """Per label, the threshold maximising F1 of (rule hit OR probability >= threshold)."""
    out: dict[str, float] = {}
    for j, label in enumerate(labels):
        best = (-1.0, 1.01)
        for t in np.arange(floor, 0.99, 0.02):
            pred = rule_hits[:, j] | (probs[:, j] >= t)
            tp = int((pred & (y[:, j] == 1)).sum())
            fp = int((pred & (y[:, j] == 0)).sum())
            fn = int((~pred & (y[:, j] == 1)).sum())
            f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
            if f1 > best[0] + 1e-9:
                best = (f1, round(float(t), 2))
        out[label] = best[1]
    return out


def _rule_matrix(norms: list[str], labels: tuple[str, ...]) -> np.ndarray:
    hits = np.zeros((len(norms), len(labels)), dtype=bool)
    for i, norm in enumerate(norms):
        for m in rules.find(norm, labels):
            hits[i, labels.index(m.category)] = True
    return hits


def train_label_model(examples: list[Example], *, name: str, labels: tuple[str, ...],
                      c: float = 4.0, max_features: int = 20000, vec: Any = None
                      ) -> LinearTextModel:
    """Train a one-vs-rest model for ``labels`` with rule-aware thresholds."""
    norms = [normalize(ex.text) for ex in examples]
    y = _multi_hot(examples, labels)
    probs = _cv_probs(norms, y, c=c, max_features=max_features)
    thresholds = _tune_thresholds(y, probs, _rule_matrix(norms, labels), labels, floor=0.5)
    vec, clfs = _fit(norms, y, kind="ovr", c=c, max_features=max_features, vec=vec)
    meta = {"examples": len(examples), "positives": {lab: int(y[:, j].sum())
                                                    for j, lab in enumerate(labels)},
            "seed": SEED, "C": c}
    return _export(name, "ovr", labels, vec, clfs, thresholds, meta)


def train_emotion_model(examples: list[Example], *, c: float = 4.0, vec: Any = None
                        ) -> LinearTextModel:
    norms = [normalize(ex.text) for ex in examples]
    y = np.array([ex.emotion for ex in examples])
    vec, clf = _fit(norms, y, kind="softmax", c=c, max_features=20000, vec=vec)
    meta = {"examples": len(examples), "seed": SEED, "C": c}
    return _export("emotion", "softmax", EMOTIONS, vec, clf, {}, meta)


def read_cold(path: Path) -> tuple[list[str], np.ndarray, list[int]]:
    """COLD rows: texts, binary labels, fine-grained labels (-1 when absent)."""
    texts: list[str] = []
    labels: list[int] = []
    fine: list[int] = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            texts.append(row["TEXT"])
            labels.append(int(row["label"]))
            fine.append(int(row.get("fine-grained-label") or -1))
    return texts, np.array(labels, dtype=np.int8), fine


def train_insult_model(cold_dir: Path, *, clean_lines: list[str], c: float = 2.0,
                       max_features: int = 30000, progress: Callable[[str], None] | None = None
                       ) -> LinearTextModel:
    """COLD offensive-language model.

    The threshold is set on COLD dev for precision >= 0.9, and raised above every one of
    our training collector lines that is not an insult (lawful speech, but also threats or
    false consequences, which COLD would call offensive and which have their own rules).
    """
    texts, y, _ = read_cold(cold_dir / "train.csv")
    norms = [normalize(t) for t in texts]
    if progress:
        progress(f"COLD train: {len(norms)} comments")
    vec, clfs = _fit(norms, y.reshape(-1, 1), kind="ovr", c=c, max_features=max_features,
                     min_df=2)
    dev_texts, dev_y, _ = read_cold(cold_dir / "dev.csv")
    p_dev = clfs[0].predict_proba(vec.transform([normalize(t) for t in dev_texts]))[:, 1]
    p_clean = clfs[0].predict_proba(vec.transform([normalize(t) for t in clean_lines]))[:, 1]
    threshold = _precision_threshold(dev_y, p_dev, target=0.9)
    threshold = max(threshold, float(p_clean.max()) + 0.01 if len(p_clean) else threshold)
    meta = {"examples": len(norms), "seed": SEED, "C": c, "source": "COLD (Apache-2.0)"}
    return _export("insult_zh", "ovr", ("offensive",), vec, clfs,
                   {"offensive": round(min(threshold, 0.99), 3)}, meta)


def _precision_threshold(y: np.ndarray, p: np.ndarray, *, target: float) -> float:
    for t in np.arange(0.5, 0.99, 0.01):
        pred = p >= t
        if pred.sum() and (y[pred] == 1).mean() >= target:
            return float(t)
    return 0.99


def train_all(*, data_dir: Path = DEFAULT_DATA, out_dir: Path = MODEL_DIR,
              progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Train every model from the annotated calls and COLD; write them to ``out_dir``."""
    say = progress or (lambda _msg: None)
    examples = [ex for f in training_files(data_dir) for ex in read_examples(f)]
    collector = [ex for ex in examples if ex.speaker == "collector"]
    customer = [ex for ex in examples if ex.speaker == "customer"]
    say(f"{len(examples)} annotated utterances ({len(collector)} collector, "
        f"{len(customer)} customer)")
    # One vocabulary for the three collection-call models: one TF-IDF vector per utterance.
    shared = vectorizer(max_features=20000).fit([normalize(ex.text) for ex in examples])
    built = {
        "violations": train_label_model(collector, name="violations", labels=VIOLATIONS,
                                        vec=shared),
        "signals": train_label_model(customer, name="signals", labels=SIGNALS, vec=shared),
        "emotion": train_emotion_model(examples, vec=shared),
    }
    say("collection-call models trained")
    clean = [ex.text for ex in collector if "insult" not in ex.labels]
    built["insult_zh"] = train_insult_model(data_dir / "cold", clean_lines=clean, progress=say)
    sizes = {name: save_model(model, out_dir / MODEL_FILES[name])
             for name, model in built.items()}
    say("models written to " + str(out_dir))
    return {"sizes": sizes, "thresholds": {n: m.thresholds for n, m in built.items()},
            "examples": len(examples)}


# ---------------------------------------------------------------------------- evaluation
@dataclass(frozen=True)
class Score:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"precision": round(self.precision, 3), "recall": round(self.recall, 3),
                "f1": round(self.f1, 3), "support": self.tp + self.fn,
                "tp": self.tp, "fp": self.fp, "fn": self.fn}


def score(pairs: Iterable[tuple[bool, bool]]) -> Score:
    """Counts from (truth, predicted) pairs."""
    tp = fp = fn = 0
    for truth, pred in pairs:
        tp += truth and pred
        fp += (not truth) and pred
        fn += truth and (not pred)
    return Score(tp, fp, fn)


def evaluate_examples(examples: list[Example],
                      analyze: Callable[[str, str], Any]) -> dict[str, Any]:
    """Per-category precision/recall/F1 of the full analyser, overall and per language."""
    results = [(ex, analyze(ex.text, ex.speaker)) for ex in examples]
    report: dict[str, Any] = {"examples": len(examples)}
    for lang in ("all", "zh-CN", "zh-TW", "en"):
        subset = [(ex, r) for ex, r in results if lang == "all" or ex.language == lang]
        report[lang] = _scores(subset)
    return report


def _scores(results: list[tuple[Example, Any]]) -> dict[str, Any]:
    col = [(ex, r) for ex, r in results if ex.speaker == "collector"]
    cus = [(ex, r) for ex, r in results if ex.speaker == "customer"]
    out: dict[str, Any] = {
        "any_violation": score((bool(ex.labels), bool(r.violations)) for ex, r in col).to_dict()}
    for cat in VIOLATIONS:
        out[cat] = score((cat in ex.labels, cat in {v.category for v in r.violations})
                         for ex, r in col).to_dict()
    for sig in SIGNALS:
        out[sig] = score((sig in ex.labels, sig in r.signals) for ex, r in cus).to_dict()
    correct = sum(ex.emotion == r.emotion.label for ex, r in results)
    out["emotion_accuracy"] = round(correct / len(results), 3) if results else None
    return out


def evaluate_cold(cold_dir: Path, model: LinearTextModel) -> dict[str, Any]:
    """The insult model on COLD's test split (never used in training or tuning)."""
    texts, y, fine = read_cold(cold_dir / "test.csv")
    t = model.thresholds.get("offensive", 0.5)
    preds = [model.predict_text(normalize(x))["offensive"] >= t for x in texts]
    overall = score(zip((bool(v) for v in y), preds, strict=True)).to_dict()
    individual = [p for p, f in zip(preds, fine, strict=True) if f == 1]
    return {"test_rows": len(texts), "threshold": t, "offensive": overall,
            "recall_attacks_on_individuals": round(sum(individual) / len(individual), 3)
            if individual else None}


def markdown_report(report: dict[str, Any]) -> str:
    """The evaluation report as Markdown tables (for the data README)."""
    lines = [f"Held-out utterances: {report['examples']} (never used in training, tuning "
             "or rule writing).", ""]
    for lang in ("all", "zh-CN", "zh-TW", "en"):
        lines += [f"### {lang}", "", "| category | precision | recall | F1 | support |",
                  "|---|---|---|---|---|"]
        for cat, s in report[lang].items():
            if isinstance(s, dict):
                lines.append(f"| {cat} | {s['precision']:.3f} | {s['recall']:.3f} | "
                             f"{s['f1']:.3f} | {s['support']} |")
        lines += [f"| emotion accuracy | {report[lang]['emotion_accuracy']} | | | |", ""]
    if "cold_test" in report:
        c = report["cold_test"]
        lines += ["### COLD test split (Chinese insult model alone)", "",
                  f"{c['test_rows']} comments, threshold {c['threshold']}: precision "
                  f"{c['offensive']['precision']}, recall {c['offensive']['recall']}, "
                  f"recall on attacks on individuals {c['recall_attacks_on_individuals']}.", ""]
    return "\n".join(lines)
