"""KID: the unbiased polynomial-kernel MMD² estimator."""

import itertools

import numpy as np
import pytest

from kerasgan import metrics
from kerasgan.metrics import kid_from_features, mmd2_unbiased


def _direct_mmd2(x, y):
    """Textbook unbiased MMD² with explicit loops, k(a, b) = (a·b/d + 1)^3."""
    d = x.shape[1]

    def k(a, b):
        return (float(np.dot(a, b)) / d + 1.0) ** 3

    m, n = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i, j in itertools.permutations(range(m), 2)) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i, j in itertools.permutations(range(n), 2)) / (n * (n - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(n)) / (m * n)
    return xx + yy - 2 * xy


def test_matches_direct_implementation():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((6, 3)), rng.standard_normal((7, 3)) + 0.5
    assert mmd2_unbiased(x, y) == pytest.approx(_direct_mmd2(x, y), rel=1e-10)
    # One subset holding all samples (order is irrelevant) is the same estimate.
    y6 = y[:6]
    result = kid_from_features(x, y6, num_subsets=1, subset_size=6)
    assert result.value == pytest.approx(_direct_mmd2(x, y6), rel=1e-6)  # float32 features


def test_unbiased_on_identical_distributions():
    rng = np.random.default_rng(1)
    unbiased, biased = [], []
    for _ in range(400):
        x, y = rng.standard_normal((10, 4)), rng.standard_normal((10, 4))
        unbiased.append(mmd2_unbiased(x, y))
        k = lambda a, b: (a @ b.T / 4 + 1) ** 3  # noqa: E731
        biased.append(k(x, x).mean() + k(y, y).mean() - 2 * k(x, y).mean())  # V-statistic
    unbiased, biased = np.array(unbiased), np.array(biased)
    stderr = unbiased.std() / np.sqrt(len(unbiased))
    assert abs(unbiased.mean()) < 4 * stderr  # expectation 0
    assert biased.mean() > 10 * stderr  # the biased estimator is not


def test_kid_subsets_same_vs_shifted():
    rng = np.random.default_rng(2)
    real = rng.standard_normal((400, 8))
    same = rng.standard_normal((400, 8))
    shifted = rng.standard_normal((400, 8)) + 0.5
    r_same = kid_from_features(real, same, num_subsets=30, subset_size=100, seed=0)
    r_shift = kid_from_features(real, shifted, num_subsets=30, subset_size=100, seed=0)
    assert abs(r_same.value) < r_same.std
    assert r_shift.value > 5 * r_shift.std and r_shift.value > 20 * abs(r_same.value)
    assert r_shift.name == "KID" and r_shift.num_real == r_shift.num_generated == 400
    again = kid_from_features(real, shifted, num_subsets=30, subset_size=100, seed=0)
    assert again.value == r_shift.value  # seeded subsets


def test_kid_on_images_and_subset_size_warning():
    rng = np.random.default_rng(3)
    real = rng.integers(0, 256, (24, 8, 8, 3), dtype=np.uint8)
    with pytest.warns(UserWarning, match="subset"):
        r = metrics.kid(real, real // 3, extractor="tiny", num_subsets=5, subset_size=1000,
                        verbose=False)
    assert r.value > 0 and r.std is not None and "KID@24 (TinyRandomFeatures" in str(r)
    features = rng.standard_normal((30, 5)).astype("float32")
    r2 = metrics.kid(features, features + 1, num_subsets=3, subset_size=10)
    assert r2.extractor == "features" and r2.value > 0
