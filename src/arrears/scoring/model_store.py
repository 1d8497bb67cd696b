"""Saved models: a directory (or the same files in a .zip) that a person can inspect.

```
MODEL/
  model.json      format, version, kind, features, target, training data hash, split,
                  parameters, scaling, calibration, metrics, reference distributions,
                  library versions
  scorecard.csv   (scorecard) one row per feature and bin: WoE, coefficient, points
  lightgbm.txt    (gbm) LightGBM's own text model
  report.html     the training report
```
Nothing is pickled: every file is text, and loading a model runs no stored code.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import pandas as pd

from arrears.scoring.errors import BadModel, ModelNotFound

FORMAT = "arrears-model"
FORMAT_VERSION = 1
META = "model.json"
SCORECARD = "scorecard.csv"
LIGHTGBM = "lightgbm.txt"
REPORT = "report.html"
LIBRARIES = ("arrears", "lightgbm", "optbinning", "scikit-learn", "numpy", "pandas", "scipy")


def library_versions() -> dict[str, str]:
    """Versions of the libraries that shape a model's numbers."""
    out = {}
    for name in LIBRARIES:
        try:
            out[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            out[name] = "absent"
    return out


@dataclass
class ModelFiles:
    """A model's metadata and its artefacts (text), in memory."""

    meta: dict[str, Any]
    files: dict[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return str(self.meta["kind"])

    def scorecard_table(self) -> pd.DataFrame:
        from arrears.scoring.scorecard import read_table

        return read_table(io.StringIO(self.files[SCORECARD]))


def save_model(model: ModelFiles, out: Path) -> Path:
    """Write the model as a directory, or as a zip archive when ``out`` ends in .zip."""
    meta_text = json.dumps(model.meta, indent=2, ensure_ascii=False, default=str)
    contents = {META: meta_text, **model.files}
    if out.suffix.lower() == ".zip":
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(".zip.part")
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, text in contents.items():
                zf.writestr(name, text)
        tmp.replace(out)
        return out
    out.mkdir(parents=True, exist_ok=True)
    for name, text in contents.items():
        tmp = out / f".{name}.part"
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(out / name)
    return out


def load_model(path: Path) -> ModelFiles:
    """Read a saved model (directory or .zip) and check its format and version."""
    if not path.exists():
        raise ModelNotFound(f"model {path} does not exist", field="model")
    contents = _read_contents(path)
    if META not in contents:
        raise BadModel(f"{path}: no {META}; not a saved model", field="model")
    try:
        meta = json.loads(contents.pop(META))
    except json.JSONDecodeError as exc:
        raise BadModel(f"{path}/{META}: not valid JSON: {exc}", field="model") from exc
    if meta.get("format") != FORMAT:
        raise BadModel(f"{path}: not an {FORMAT} (format {meta.get('format')!r})", field="model")
    if int(meta.get("format_version", 0)) > FORMAT_VERSION:
        raise BadModel(f"{path}: format version {meta.get('format_version')} is newer than "
                       f"this release reads ({FORMAT_VERSION})", field="model")
    needed = SCORECARD if meta.get("kind") == "scorecard" else LIGHTGBM
    if needed not in contents:
        raise BadModel(f"{path}: {meta.get('kind')} model lacks {needed}", field="model")
    return ModelFiles(meta=meta, files=contents)


def _read_contents(path: Path) -> dict[str, str]:
    if path.is_dir():
        return {p.name: p.read_text(encoding="utf-8") for p in path.iterdir()
                if p.is_file() and not p.name.startswith(".")}
    try:
        with zipfile.ZipFile(path) as zf:
            return {n: zf.read(n).decode("utf-8") for n in zf.namelist()}
    except zipfile.BadZipFile as exc:
        raise BadModel(f"{path}: neither a model directory nor a .zip archive",
                       field="model") from exc
