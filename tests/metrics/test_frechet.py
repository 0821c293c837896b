"""Fréchet distance / FID: exactness, agreement with scipy, robustness."""

import numpy as np
import pytest

from kerasgan import metrics
from kerasgan.metrics import feature_statistics, fid_from_features, frechet_distance


def _closed_form(mu1, var1, mu2, var2):
    """Diagonal (or jointly diagonalised) Gaussians: sum over eigen-directions."""
    return float(np.sum((mu1 - mu2) ** 2) + np.sum(var1 + var2 - 2 * np.sqrt(var1 * var2)))


def test_set_against_itself_is_zero():
    rng = np.random.default_rng(0)
    features = rng.standard_normal((300, 12)) * rng.uniform(0.1, 3, 12) + 5.0
    result = fid_from_features(features, features)
    assert abs(result.value) < 1e-9
    assert result.name == "FID" and result.num_real == result.num_generated == 300
    mu, sigma = feature_statistics(features[:5])  # rank 4 in 12 dimensions
    assert abs(frechet_distance(mu, sigma, mu, sigma)) < 1e-9


def test_commuting_covariances_match_closed_form():
    rng = np.random.default_rng(1)
    d = 6
    mu1, mu2 = rng.standard_normal(d), rng.standard_normal(d)
    var1, var2 = rng.uniform(0.1, 4, d), rng.uniform(0.1, 4, d)
    expected = _closed_form(mu1, var1, mu2, var2)
    # Diagonal, then rotated by one orthogonal Q (commuting, not diagonal).
    assert frechet_distance(mu1, np.diag(var1), mu2, np.diag(var2)) == pytest.approx(
        expected, rel=1e-12)
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    value = frechet_distance(q @ mu1, q @ np.diag(var1) @ q.T, q @ mu2, q @ np.diag(var2) @ q.T)
    assert value == pytest.approx(expected, rel=1e-10)


def test_samples_of_two_shifted_gaussians_match_closed_form():
    rng = np.random.default_rng(2)
    d, n = 4, 20_000
    mu1, mu2 = np.zeros(d), np.array([1.0, -1.0, 0.5, 0.0])
    sd1, sd2 = np.array([1.0, 2.0, 0.5, 1.0]), np.array([1.0, 1.0, 1.0, 3.0])
    x = mu1 + sd1 * rng.standard_normal((n, d))
    y = mu2 + sd2 * rng.standard_normal((n, d))
    expected = _closed_form(mu1, sd1 ** 2, mu2, sd2 ** 2)  # 2.25 + 1 + 0.25 + 4 = 7.5
    assert float(fid_from_features(x, y)) == pytest.approx(expected, rel=0.03)


def test_agrees_with_scipy_sqrtm_on_noncommuting_covariances():
    scipy_linalg = pytest.importorskip("scipy.linalg")
    rng = np.random.default_rng(3)
    for d in (3, 10, 32):
        a, b = rng.standard_normal((d, d)), rng.standard_normal((d, 2 * d))
        sigma1, sigma2 = a @ a.T + 0.1 * np.eye(d), b @ b.T / (2 * d)
        mu1, mu2 = rng.standard_normal(d), rng.standard_normal(d)
        covmean = scipy_linalg.sqrtm(sigma1 @ sigma2).real
        reference = (np.sum((mu1 - mu2) ** 2) + np.trace(sigma1) + np.trace(sigma2)
                     - 2 * np.trace(covmean))
        assert frechet_distance(mu1, sigma1, mu2, sigma2) == pytest.approx(reference, rel=1e-9)


@pytest.mark.parametrize("d,n,spread", [(64, 20, 0), (128, 40, 6)])
def test_rank_deficient_covariances_are_finite_and_accurate(d, n, spread):
    """Fewer samples than dimensions: both covariances are singular.

    Reference without any D x D square root: with Σ1 = A Aᵀ and Σ2 = B Bᵀ
    (A, B the centred data / sqrt(n-1)), Tr((Σ1Σ2)^½) is the sum of the singular
    values of the small matrix AᵀB. (scipy's `sqrtm(Σ1 @ Σ2)` returns a complex
    matrix here, off by ~1e-8 relative; we are accurate to round-off.)
    """
    rng = np.random.default_rng(4)
    scale = 10.0 ** rng.uniform(-spread / 2, spread / 2, d)  # condition up to ~1e12
    x = rng.standard_normal((n, d)) * scale
    y = (1.5 * rng.standard_normal((n, d)) + 0.3) * scale
    mu1, sigma1 = feature_statistics(x)
    mu2, sigma2 = feature_statistics(y)
    a = (x - x.mean(0)).T / np.sqrt(n - 1)
    b = (y - y.mean(0)).T / np.sqrt(n - 1)
    reference = (np.sum((mu1 - mu2) ** 2) + np.trace(sigma1) + np.trace(sigma2)
                 - 2 * np.linalg.svd(a.T @ b, compute_uv=False).sum())
    value = frechet_distance(mu1, sigma1, mu2, sigma2)
    assert isinstance(value, float) and np.isfinite(value)
    assert value == pytest.approx(reference, rel=1e-10)
    # Identical singular sets stay at zero (no sqrt-of-round-off residue).
    assert frechet_distance(mu1, sigma1, mu1, sigma1) <= 1e-9 * np.trace(sigma1)


def test_sqrtm_psd_is_real_symmetric_root():
    rng = np.random.default_rng(5)
    a = rng.standard_normal((8, 3))
    sigma = a @ a.T  # rank 3
    root = metrics.sqrtm_psd(sigma)
    assert root.dtype == np.float64 and np.allclose(root, root.T)
    np.testing.assert_allclose(root @ root, sigma, atol=1e-12)


def test_running_statistics_match_batch_statistics():
    rng = np.random.default_rng(6)
    features = 1e4 + rng.standard_normal((257, 5)) * [1, 2, 3, 4, 5]  # large mean offset
    running = metrics.RunningStatistics()
    for start in range(0, len(features), 50):
        running.update(features[start:start + 50])
    stats = running.result()
    mu, sigma = feature_statistics(features)
    np.testing.assert_allclose(stats.mean, mu, rtol=1e-12)
    np.testing.assert_allclose(stats.cov, sigma, rtol=1e-9, atol=1e-9)
    assert stats.num_samples == 257


def test_frechet_distance_validates_inputs():
    with pytest.raises(ValueError, match="shape"):
        frechet_distance(np.zeros(3), np.eye(3), np.zeros(4), np.eye(4))
    with pytest.raises(ValueError, match="NaN"):
        frechet_distance(np.zeros(2), np.full((2, 2), np.nan), np.zeros(2), np.eye(2))


def test_fid_on_images_with_statistics_reuse(tmp_path):
    rng = np.random.default_rng(7)
    real = rng.integers(0, 256, (40, 12, 12, 3), dtype=np.uint8)
    darker = (real // 2).astype(np.uint8)
    ext = metrics.TinyFeatures()
    same = metrics.fid(real, real, extractor=ext, batch_size=16, verbose=False)
    shifted = metrics.fid(real, darker, extractor=ext, batch_size=16, verbose=False)
    assert float(same) < 1e-9 < float(shifted)
    assert str(shifted) == f"FID@40 (TinyRandomFeatures-seed0-d16): {shifted.value:.4g}"
    # Float [-1, 1] input is the same images as uint8.
    as_float = real.astype("float32") / 127.5 - 1
    assert float(metrics.fid(as_float, darker, extractor=ext, verbose=False)) == pytest.approx(
        float(shifted), rel=1e-5)
    # Precomputed real statistics, saved and loaded.
    stats = metrics.compute_statistics(real, ext, verbose=False)
    path = stats.save(str(tmp_path / "real.npz"))
    loaded = metrics.FeatureStatistics.load(path)
    again = metrics.fid(loaded, darker, extractor=ext, verbose=False)
    assert float(again) == pytest.approx(float(shifted), rel=1e-6)  # other batching
    assert again.num_real == 40
    with pytest.raises(ValueError, match="extractor"):
        metrics.fid(loaded, darker, extractor=metrics.TinyFeatures(seed=1), verbose=False)


def test_metric_result_labels():
    r = metrics.MetricResult("FID", 12.3449, 50_000, 10_000, "InceptionV3-ImageNet-pool3")
    assert str(r) == "FID@10k (InceptionV3-ImageNet-pool3): 12.34"
    assert f"{r:.1f}" == "12.3" and float(r) == 12.3449
    k = metrics.MetricResult("KID", 0.0123, 50_000, 50_000, "x", std=0.0011)
    assert str(k) == "KID@50k (x): 0.0123 ± 0.0011"
    assert metrics.MetricResult("FID", 1.0, 5, 1234, "x").label == "FID@1234"


def test_few_sample_shortcut_equals_the_covariance_route():
    from kerasgan.metrics.frechet import frechet_distance_from_features

    rng = np.random.default_rng(3)
    x = rng.standard_normal((40, 96)) @ rng.standard_normal((96, 96)) * 0.3
    y = rng.standard_normal((30, 96)) + 0.5
    full = frechet_distance(*feature_statistics(x), *feature_statistics(y))
    assert frechet_distance_from_features(x, y) == pytest.approx(full, rel=1e-9)
    # fid_from_features takes the shortcut here (fewer rows than columns).
    assert float(fid_from_features(x, y)) == pytest.approx(full, rel=1e-9)
    assert frechet_distance_from_features(x, x) == pytest.approx(0.0, abs=1e-9)
    with pytest.raises(ValueError, match="shapes"):
        frechet_distance_from_features(x, y[:, :5])
    with pytest.raises(ValueError, match="NaN or Inf"):
        frechet_distance_from_features(np.where(x > 1, np.nan, x), y)

