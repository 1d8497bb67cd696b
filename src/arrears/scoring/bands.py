"""Risk bands (A lowest risk .. E) and segments (risk band x balance band x bucket)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import numpy as np

BANDS = ("A", "B", "C", "D", "E")


def quintile_edges(risk: np.ndarray) -> list[float]:
    """Four cut points putting a fifth of ``risk`` in each band."""
    return [float(v) for v in np.quantile(np.asarray(risk, dtype=float), [0.2, 0.4, 0.6, 0.8])]


def risk_bands(risk: np.ndarray, edges: Sequence[float]) -> np.ndarray:
    """Band letter per risk value: at or above an edge moves one band riskier."""
    index = np.searchsorted(np.asarray(edges, dtype=float), np.asarray(risk, dtype=float),
                            side="right")
    return np.asarray(BANDS, dtype=object)[index]


def balance_band(balance: Decimal, edges: Sequence[Decimal]) -> str:
    """``B1`` below the first edge, ``B2`` up to the second, ..."""
    for i, edge in enumerate(edges, start=1):
        if balance < edge:
            return f"B{i}"
    return f"B{len(edges) + 1}"


def segment(band: str, balance: str, bucket: str) -> str:
    """The segment key the strategy matches on, e.g. ``C/B2/M1``."""
    return f"{band}/{balance}/{bucket}"
