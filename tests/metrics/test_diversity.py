"""Thumbnail diversity: mean pairwise distance of grey 16x16 thumbnails."""

import itertools

import numpy as np
import pytest

from kerasgan import metrics
from kerasgan.metrics import ThumbnailFeatures, mean_pairwise_distance


def _faces_like(seed, n, spread):
    """n 64x64 images: one smooth base image plus `spread` times smooth noise."""
    rng = np.random.default_rng(seed)
    base = np.linspace(60, 190, 64)[None, :, None] * np.ones((64, 1, 3))
    noise = rng.standard_normal((n, 8, 8, 3)).repeat(8, axis=1).repeat(8, axis=2)
    return np.clip(base + spread * noise, 0, 255).astype("uint8")


def test_mean_pairwise_distance_matches_loops_for_any_chunk():
    f = np.random.default_rng(0).standard_normal((13, 5)) + 100.0  # far from the origin
    want = np.mean([np.linalg.norm(f[i] - f[j])
                    for i, j in itertools.permutations(range(len(f)), 2)])
    for chunk in (1, 4, 13, 1024):
        assert mean_pairwise_distance(f, chunk_size=chunk) == pytest.approx(want, rel=1e-10)
    with pytest.raises(ValueError, match="N >= 2"):
        mean_pairwise_distance(f[:1])


def test_thumbnails_are_grey_block_means():
    images = np.random.default_rng(1).integers(0, 256, (3, 64, 64, 3), dtype=np.uint8)
    got = ThumbnailFeatures(16)(images.astype("float32"))
    luma = images.astype("float64") @ [0.299, 0.587, 0.114]
    want = luma.reshape(3, 16, 4, 16, 4).mean(axis=(2, 4)).reshape(3, -1) / 255.0
    np.testing.assert_allclose(got, want, atol=1e-5)  # float32 arithmetic
    assert ThumbnailFeatures(16).name == "grey-16x16-thumbnails"


def test_identical_images_score_exactly_zero():
    images = np.repeat(_faces_like(2, 1, 40.0), 10, axis=0)
    # Distances are measured from one of the points: equal rows subtract to 0.
    assert metrics.thumbnail_diversity(images).value < 1e-6


def test_more_varied_sets_score_higher_and_black_white_is_the_maximum():
    scores = [metrics.thumbnail_diversity(_faces_like(3, 40, s)).value for s in (5, 20, 60)]
    assert 0 < scores[0] < scores[1] < scores[2]
    black_white = np.stack([np.zeros((64, 64, 3), "uint8"), np.full((64, 64, 3), 255, "uint8")])
    r = metrics.thumbnail_diversity(black_white)
    # 256 thumbnail pixels, each differing by 1: sqrt(256) = 16, the largest possible.
    assert r.value == pytest.approx(16.0, rel=1e-6)
    assert r.name == "Diversity" and r.num_generated == 2


def test_ratio_of_a_set_against_itself_and_a_twin_set():
    real = _faces_like(4, 200, 30.0)
    assert metrics.diversity_ratio(real, real).value == pytest.approx(1.0, rel=1e-12)
    # Another 200 draws of the same distribution: each mean averages 19,900
    # pair distances, so the two means agree to about a percent.
    twin = metrics.diversity_ratio(real, _faces_like(5, 200, 30.0))
    assert twin.value == pytest.approx(1.0, abs=0.05)
    collapsed = metrics.diversity_ratio(real, _faces_like(6, 200, 10.0))
    assert collapsed.value < 0.5
    assert twin.name == "DiversityRatio" and twin.num_real == twin.num_generated == 200
    with pytest.raises(ValueError, match="all identical"):
        metrics.diversity_ratio(real[:1].repeat(3, axis=0), real)


def test_float_images_and_num_samples():
    images = _faces_like(7, 20, 30.0)
    as_float = images.astype("float32") / 127.5 - 1.0
    a = metrics.thumbnail_diversity(images, num_samples=10)
    b = metrics.thumbnail_diversity(as_float, num_samples=10)
    assert a.num_generated == 10
    assert a.value == pytest.approx(b.value, rel=1e-5)
