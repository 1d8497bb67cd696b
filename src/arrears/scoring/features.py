"""Which columns a workbench model reads, and the generic features derived from them.

Columns that share a prefix and differ by a numeric suffix (``PAY_AMT1..PAY_AMT6``,
``dpd_m1..dpd_m12``) are read as a series: besides the columns themselves the model gets
the series' maximum, mean, minimum, count of positive values, the first value's
distance from the mean, and the mean relative to each strictly positive size-like column
(a credit limit, say). Nothing here knows any particular data set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from arrears.scoring.errors import BadTrainingData

SERIES_RE = re.compile(r"(.+?)_?(\d+)")
SERIES_OPS = ("max", "mean", "min", "npos", "first_minus_mean")
MIN_SERIES_LEN = 3


@dataclass(frozen=True)
class Derived:
    """One derived feature: ``op`` over ``columns`` (in series order)."""

    name: str
    op: str
    columns: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "op": self.op, "columns": list(self.columns)}


@dataclass(frozen=True)
class FeatureSpec:
    """The input columns a model reads, which are categorical, and what it derives."""

    raw: tuple[str, ...]
    categorical: tuple[str, ...] = ()
    derived: tuple[Derived, ...] = field(default_factory=tuple)

    @property
    def names(self) -> list[str]:
        return [*self.raw, *(d.name for d in self.derived)]

    def to_dict(self) -> dict[str, object]:
        return {"raw": list(self.raw), "categorical": list(self.categorical),
                "derived": [d.to_dict() for d in self.derived]}

    @classmethod
    def from_dict(cls, data: dict) -> FeatureSpec:
        return cls(raw=tuple(data["raw"]), categorical=tuple(data.get("categorical", [])),
                   derived=tuple(Derived(d["name"], d["op"], tuple(d["columns"]))
                                 for d in data.get("derived", [])))


def series_families(numeric: list[str]) -> dict[str, list[str]]:
    """Numeric columns grouped by prefix when at least three share it, in suffix order."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for name in numeric:
        match = SERIES_RE.fullmatch(name)
        if match:
            groups.setdefault(match.group(1), []).append((int(match.group(2)), name))
    return {prefix: [n for _, n in sorted(members)]
            for prefix, members in groups.items() if len(members) >= MIN_SERIES_LEN}


def infer_spec(frame: pd.DataFrame, *, categorical: list[str] | None = None,
               series: bool = True) -> FeatureSpec:
    """Decide the features of ``frame``: numbers stay numeric, text is categorical."""
    forced = set(categorical or [])
    unknown = forced - set(frame.columns)
    if unknown:
        raise BadTrainingData(f"categorical column(s) {sorted(unknown)} not in the data",
                              field="categorical")
    cats = [c for c in frame.columns
            if c in forced or not pd.api.types.is_numeric_dtype(frame[c])
            or pd.api.types.is_bool_dtype(frame[c])]
    numeric = [c for c in frame.columns if c not in cats]
    derived: list[Derived] = []
    if series:
        families = series_families(numeric)
        members = {c for cols in families.values() for c in cols}
        sizes = [c for c in numeric if c not in members and _strictly_positive(frame[c])]
        for prefix, cols in families.items():
            derived += [Derived(f"{prefix}__{op}", op, tuple(cols)) for op in SERIES_OPS]
            # a series relative to each size-like column (amounts per credit limit, say)
            derived += [Derived(f"{prefix}__mean_per_{size}", "mean_per", (*cols, size))
                        for size in sizes]
    taken = set(frame.columns)
    clash = [d.name for d in derived if d.name in taken]
    if clash:
        raise BadTrainingData(f"derived feature names clash with columns: {clash}", field="data")
    return FeatureSpec(raw=tuple(frame.columns), categorical=tuple(cats), derived=tuple(derived))


def _strictly_positive(col: pd.Series) -> bool:
    values = pd.to_numeric(col, errors="coerce")
    return bool(values.notna().all() and (values > 0).all() and values.nunique() > 1)


def _derive(values: np.ndarray, op: str) -> np.ndarray:
    with np.errstate(invalid="ignore", all="ignore"):
        if op == "mean_per":
            size = values[:, -1]
            return np.where(size > 0, np.nanmean(values[:, :-1], axis=1) / size, np.nan)
        if op == "max":
            return np.nanmax(values, axis=1) if values.size else values
        if op == "mean":
            return np.nanmean(values, axis=1)
        if op == "min":
            return np.nanmin(values, axis=1)
        if op == "npos":
            return (values > 0).sum(axis=1).astype(float)
        if op == "first_minus_mean":
            return values[:, 0] - np.nanmean(values, axis=1)
    raise BadTrainingData(f"unknown derived feature operation {op!r}", field="model")


def build_features(frame: pd.DataFrame, spec: FeatureSpec) -> pd.DataFrame:
    """The model's feature table: numeric columns as float, categorical as text, derived added."""
    missing = [c for c in spec.raw if c not in frame.columns]
    if missing:
        raise BadTrainingData(f"the data lacks the model's column(s): {', '.join(missing)}",
                              field="data")
    out: dict[str, object] = {}
    cats = set(spec.categorical)
    for name in spec.raw:
        col = frame[name]
        if name in cats:
            out[name] = col.astype("string").astype(object).where(col.notna(), None).to_numpy()
        else:
            out[name] = _numeric(col, name)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-empty series rows give NaN
        for d in spec.derived:
            matrix = np.column_stack([out[c] for c in d.columns])
            out[d.name] = _derive(matrix, d.op)
    return pd.DataFrame(out, index=frame.index)


def _numeric(col: pd.Series, name: str) -> np.ndarray:
    try:
        return pd.to_numeric(col, errors="raise").to_numpy(dtype=float, na_value=np.nan)
    except (ValueError, TypeError) as exc:
        bad = col[pd.to_numeric(col, errors="coerce").isna() & col.notna()]
        where = f"row {int(bad.index[0]) + 2}" if len(bad) else "some row"
        raise BadTrainingData(f"column {name!r} must be numeric; {where} has {bad.iloc[0]!r}"
                              if len(bad) else f"column {name!r} must be numeric",
                              field=name) from exc
