"""The champion/challenger bootstrap: drawn in batches, it gives what one draw of every
round at once gives, for any number of cases and rounds."""

from __future__ import annotations

import numpy as np
import pytest

from arrears.services.strategy import BOOTSTRAP_BATCH, Interval, bootstrap_ratio


def all_rounds_at_once(amounts: list[float], contacts: list[int], *, seed: int = 7,
                       rounds: int = 1000) -> Interval:
    """The bootstrap with every round drawn in one call (the textbook form)."""
    n = len(amounts)
    value = sum(amounts) / sum(contacts)
    a, c = np.asarray(amounts, dtype=float), np.asarray(contacts, dtype=float)
    idx = np.random.default_rng(seed).integers(0, n, size=(rounds, n))
    den = c[idx].sum(axis=1)
    ratios = np.where(den > 0, a[idx].sum(axis=1) / np.where(den > 0, den, 1), 0.0)
    low, high = np.percentile(ratios, [2.5, 97.5])
    return Interval(round(value, 2), round(float(low), 2), round(float(high), 2), n)


@pytest.mark.parametrize(("cases", "rounds"), [(2, 1000), (3, 1000), (17, 999), (1001, 1000),
                                               (4000, BOOTSTRAP_BATCH + 1), (777, 65)])
def test_batches_draw_what_one_call_draws(cases: int, rounds: int) -> None:
    rng = np.random.default_rng(cases)
    amounts = (rng.random(cases) * 500).round(2).tolist()
    contacts = rng.integers(0, 4, cases).tolist()
    contacts[0] += 1  # at least one contact
    got = bootstrap_ratio(amounts, contacts, rounds=rounds)
    assert got == all_rounds_at_once(amounts, contacts, rounds=rounds)
    assert got.low <= got.value <= got.high and got.low < got.high

