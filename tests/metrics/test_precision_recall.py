"""Improved precision and recall (Kynkäänniemi et al. 2019) on known distributions.

Tolerances: with 1,000 samples per set in 2-D and k = 3, the union of the
k-NN balls of one sample covers ~97-98% of fresh samples from the same
distribution (a finite sample misses some of the tails; measured over 20
seeds while writing these tests: 0.962-0.995). One estimate is a mean of
1,000 coverage indicators, binomial sd ~0.005, plus the spread of the radii;
the bounds below sit 4-5 sd outside that range.
"""

import numpy as np
import pytest

from kerasgan import metrics
from kerasgan.metrics import knn_radii, precision_recall_from_features

N, D = 1000, 2


def _gauss(seed, n=N, shift=0.0):
    return np.random.default_rng(seed).standard_normal((n, D)) + shift


def _brute_force(real, gen, k):
    """Loops straight from the paper's definitions (no matrix tricks, no chunks)."""
    def radius(points, i):
        d = sorted(np.linalg.norm(points[i] - points[j]) for j in range(len(points)) if j != i)
        return d[k - 1]

    def inside(x, points):
        return any(np.linalg.norm(x - points[i]) <= radius(points, i) for i in range(len(points)))

    precision = np.mean([inside(g, real) for g in gen])
    recall = np.mean([inside(r, gen) for r in real])
    return precision, recall


def test_matches_the_definition_for_any_chunk_size():
    rng = np.random.default_rng(0)
    real, gen = rng.standard_normal((23, 3)), rng.standard_normal((17, 3)) + 1.2
    want = _brute_force(real, gen, k=3)
    assert 0 < want[0] < 1 and 0 < want[1] < 1  # a case where both are informative
    for chunk in (1, 5, 16, 512):
        p, r = precision_recall_from_features(real, gen, k=3, chunk_size=chunk)
        # Shares of 17 and 23 samples: compare the counts.
        assert round(p.value * 17) == round(want[0] * 17)
        assert round(r.value * 23) == round(want[1] * 23)


def test_knn_radii_excludes_itself_but_counts_duplicates():
    points = np.array([[0.0], [0.0], [1.0], [3.0], [7.0]])
    np.testing.assert_allclose(knn_radii(points, k=1, chunk_size=2), [0, 0, 1, 2, 4])
    np.testing.assert_allclose(knn_radii(points, k=2), [1, 1, 1, 3, 6])


def test_identical_distributions_score_near_one():
    p, r = precision_recall_from_features(_gauss(0), _gauss(1))
    assert p.value > 0.93 and r.value > 0.93
    assert p.name == "Precision" and r.name == "Recall" and p.num_real == p.num_generated == N


def test_a_generator_covering_one_of_two_modes_keeps_precision_and_halves_recall():
    rng = np.random.default_rng(2)
    mode_b = rng.random(N) < 0.5
    real = _gauss(3)
    real[mode_b, 0] += 20.0  # two far-apart modes of equal weight
    p, r = precision_recall_from_features(real, _gauss(4))  # all samples in mode A
    assert p.value > 0.93
    # Half the real samples (mode B) are uncovered; mode A is covered ~98%.
    assert 0.40 < r.value < 0.56
    assert r.value < (1 - mode_b.mean()) + 0.02


def test_disjoint_distributions_score_zero():
    p, r = precision_recall_from_features(_gauss(5), _gauss(6, shift=10.0))
    # Not one sample of either set lies in the other's manifold.
    assert p.value < 1 / N and r.value < 1 / N


def test_images_and_extractor_and_errors():
    rng = np.random.default_rng(7)
    real = rng.integers(0, 256, (12, 8, 8, 3), dtype=np.uint8)
    p, r = metrics.precision_recall(real, real, extractor="tiny", verbose=False)
    # The same images: every sample sits on a sample of the other set.
    assert p.value > 1 - 1e-9 and r.value > 1 - 1e-9
    assert "Precision@12 (TinyRandomFeatures" in str(p)
    precision, recall = metrics.precision_recall(rng.standard_normal((9, 4)),
                                                 rng.standard_normal((9, 4)))
    assert recall.extractor == "features"
    with pytest.raises(ValueError, match="more than k=3 samples; received 3"):
        precision_recall_from_features(np.zeros((3, 2)), np.zeros((10, 2)))
    with pytest.raises(ValueError, match="one dimension D"):
        precision_recall_from_features(np.zeros((10, 2)), np.zeros((10, 3)))
    with pytest.raises(ValueError, match="k must be a positive integer"):
        knn_radii(np.zeros((10, 2)), k=0)
    with pytest.raises(ValueError, match="chunk_size"):
        precision_recall_from_features(np.zeros((10, 2)), np.zeros((10, 2)), chunk_size=0)

