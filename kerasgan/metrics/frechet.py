"""Fréchet Inception Distance (Heusel et al. 2017), numerically robust.

FID is the Fréchet (2-Wasserstein) distance between Gaussians fitted to the
features of real and generated images:

    d² = ‖μ1 − μ2‖² + Tr(Σ1) + Tr(Σ2) − 2 Tr((Σ1 Σ2)^{1/2}).

`Σ1 Σ2` is not symmetric, and with fewer samples than feature dimensions (or
nearly collinear features) both covariances are singular, so the usual
`scipy.linalg.sqrtm(Σ1 @ Σ2)` returns complex parts or NaN. Here the trace uses
the similar, symmetric positive semi-definite matrix `S Σ2 S` with
`S = Σ1^{1/2}`: `Tr((Σ1 Σ2)^{1/2}) = Σ sqrt(eigvalsh(S Σ2 S))`, with round-off
negatives clipped to 0. Everything is float64 and needs NumPy only.

With feature arrays of fewer samples than dimensions (e.g. 200 images, 2048
InceptionV3 features) `fid_from_features` takes an exact shortcut: with
`Σ1 = AᵀA` and `Σ2 = BᵀB` (centred features over `sqrt(n − 1)`), the non-zero
eigenvalues of `Σ1 Σ2` are the squared singular values of `A Bᵀ`, so
`Tr((Σ1 Σ2)^{1/2})` is the sum of the singular values of an `n1 × n2` matrix
and no `D × D` matrix is formed.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from kerasgan.metrics.features import FeatureExtractor, get_extractor, iter_features
from kerasgan.metrics.inputs import ImageData
from kerasgan.metrics.result import MetricResult


# ------------------------------------------------------------------ linear algebra
def _symmetric(a: np.ndarray) -> np.ndarray:
    return 0.5 * (a + a.T)


def _clip_eigenvalues(eigenvalues: np.ndarray) -> np.ndarray:
    """Sets round-off eigenvalues (negative, or below `D · eps · max|λ|`) to 0.

    For a singular PSD matrix the zero eigenvalues come out of `eigh` as ±ε;
    their square roots (~1e-8 each) would otherwise add up to a visible error.
    """
    if eigenvalues.size == 0:
        return eigenvalues
    tol = eigenvalues.size * np.finfo(np.float64).eps * np.abs(eigenvalues).max()
    return np.where(eigenvalues > tol, eigenvalues, 0.0)


def sqrtm_psd(a) -> np.ndarray:
    """Square root of a symmetric positive semi-definite matrix (float64).

    Eigendecomposition with negative (round-off) eigenvalues clipped to 0, so
    the result is real and symmetric even for singular matrices.
    """
    a = _symmetric(np.asarray(a, dtype="float64"))
    eigenvalues, eigenvectors = np.linalg.eigh(a)
    root = np.sqrt(_clip_eigenvalues(eigenvalues))
    return _symmetric((eigenvectors * root) @ eigenvectors.T)


def trace_sqrt_product(sigma1, sigma2) -> float:
    """`Tr((Σ1 Σ2)^{1/2})` for PSD `Σ1, Σ2`, stably (see the module docstring)."""
    s1 = sqrtm_psd(sigma1)
    middle = _symmetric(s1 @ np.asarray(sigma2, dtype="float64") @ s1)
    eigenvalues = np.linalg.eigvalsh(middle)
    return float(np.sqrt(_clip_eigenvalues(eigenvalues)).sum())


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """Fréchet distance between `N(mu1, sigma1)` and `N(mu2, sigma2)`.

    Args:
        mu1, mu2: Means, shape `(D,)`.
        sigma1, sigma2: Covariances, shape `(D, D)`, symmetric PSD (singular is fine).

    Returns:
        The squared distance as a float ≥ 0 (tiny negative round-off is clipped).

    Example:
    ```python
    mu1, s1 = feature_statistics(real_features)
    mu2, s2 = feature_statistics(fake_features)
    frechet_distance(mu1, s1, mu2, s2)
    ```
    """
    mu1 = np.atleast_1d(np.asarray(mu1, dtype="float64"))
    mu2 = np.atleast_1d(np.asarray(mu2, dtype="float64"))
    sigma1 = np.atleast_2d(np.asarray(sigma1, dtype="float64"))
    sigma2 = np.atleast_2d(np.asarray(sigma2, dtype="float64"))
    d = mu1.shape[0]
    if mu1.shape != (d,) or mu2.shape != (d,) or sigma1.shape != (d, d) or sigma2.shape != (d, d):
        raise ValueError(
            "Expected means of shape (D,) and covariances of shape (D, D) with one D; "
            f"received {mu1.shape}, {sigma1.shape}, {mu2.shape}, {sigma2.shape}."
        )
    for name, array in (("mu1", mu1), ("sigma1", sigma1), ("mu2", mu2), ("sigma2", sigma2)):
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{name} contains NaN or Inf (did the features overflow?).")
    diff = mu1 - mu2
    value = (diff @ diff + np.trace(sigma1) + np.trace(sigma2)
             - 2.0 * trace_sqrt_product(sigma1, sigma2))
    return float(max(value, 0.0))


def frechet_distance_from_features(x1, x2) -> float:
    """The Fréchet distance of the Gaussians fitted to `x1 (n1, D)` and `x2 (n2, D)`.

    Exact, through the `n1 × n2` matrix of centred features (see the module
    docstring): cheap when `n1, n2 < D`, equal to `frechet_distance` on their
    `feature_statistics`.
    """
    x1 = np.asarray(x1, dtype="float64")
    x2 = np.asarray(x2, dtype="float64")
    if x1.ndim != 2 or x2.ndim != 2 or x1.shape[1] != x2.shape[1] or min(len(x1), len(x2)) < 2:
        raise ValueError("Expected features of shapes (N1 >= 2, D) and (N2 >= 2, D); "
                         f"received {x1.shape} and {x2.shape}.")
    for name, array in (("x1", x1), ("x2", x2)):
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{name} contains NaN or Inf (did the features overflow?).")
    mu1, mu2 = x1.mean(axis=0), x2.mean(axis=0)
    a = (x1 - mu1) / np.sqrt(len(x1) - 1)
    b = (x2 - mu2) / np.sqrt(len(x2) - 1)
    diff = mu1 - mu2
    trace_sqrt = np.linalg.svd(a @ b.T, compute_uv=False).sum()
    value = diff @ diff + (a * a).sum() + (b * b).sum() - 2.0 * trace_sqrt
    return float(max(value, 0.0))


# ------------------------------------------------------------------ statistics
def feature_statistics(features) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance (float64, unbiased) of features `(N, D)`, N ≥ 2."""
    features = np.asarray(features, dtype="float64")
    if features.ndim != 2 or features.shape[0] < 2:
        raise ValueError(f"Expected features of shape (N >= 2, D); received {features.shape}.")
    return features.mean(axis=0), np.atleast_2d(np.cov(features, rowvar=False))


@dataclasses.dataclass
class FeatureStatistics:
    """Gaussian statistics of a feature set: reuse the real-data side of FID.

    Attributes:
        mean: `(D,)` float64.
        cov: `(D, D)` float64.
        num_samples: Number of images they summarise.
        extractor: Name of the extractor that produced the features.
    """

    mean: np.ndarray
    cov: np.ndarray
    num_samples: int
    extractor: str = "features"

    def save(self, path: str) -> str:
        """Writes an `.npz` file (load with `FeatureStatistics.load`)."""
        np.savez(path, mean=self.mean, cov=self.cov, num_samples=self.num_samples,
                 extractor=self.extractor)
        return path

    @classmethod
    def load(cls, path: str) -> "FeatureStatistics":
        with np.load(path) as f:
            return cls(f["mean"], f["cov"], int(f["num_samples"]), str(f["extractor"]))


class RunningStatistics:
    """Accumulates mean and covariance batch by batch in float64.

    Memory is `O(D²)` whatever the number of samples (D = 2048: 32 MB). Sums are
    taken around the first batch's mean, which avoids the cancellation of the
    naive `E[xxᵀ] − μμᵀ` when features have large means.
    """

    def __init__(self):
        self.count = 0
        self._shift = self._sum = self._outer = None

    def update(self, features) -> None:
        x = np.asarray(features, dtype="float64")
        if x.ndim != 2:
            raise ValueError(f"Expected features of shape (N, D); received {x.shape}.")
        if len(x) == 0:
            return
        if self._shift is None:
            self._shift = x.mean(axis=0)
            self._sum = np.zeros_like(self._shift)
            self._outer = np.zeros((x.shape[1], x.shape[1]))
        x = x - self._shift
        self._sum += x.sum(axis=0)
        self._outer += x.T @ x
        self.count += len(x)

    def result(self, extractor: str = "features") -> FeatureStatistics:
        if self.count < 2:
            raise ValueError(f"Need at least 2 samples for a covariance; have {self.count}.")
        centred_mean = self._sum / self.count
        cov = (self._outer - self.count * np.outer(centred_mean, centred_mean)) / (self.count - 1)
        return FeatureStatistics(self._shift + centred_mean, _symmetric(cov), self.count,
                                 extractor)


def compute_statistics(data: ImageData, extractor: Any = None, batch_size: int = 50,
                       num_samples: int | None = None, verbose: bool = True,
                       desc: str = "FID features") -> FeatureStatistics:
    """Feature mean and covariance of images, streaming (memory `O(D²)`).

    Args:
        data: uint8 images `(N, H, W, C)`, float images in [-1, 1], or a
            `tf.data.Dataset` / iterable of batches.
        extractor: See `kerasgan.metrics.get_extractor` (default: ImageNet InceptionV3).
        batch_size: Images per forward pass.
        num_samples: Use at most this many images.
        verbose: Show a progress bar.

    Returns:
        `FeatureStatistics` (save it to reuse the real-data side of FID).
    """
    extractor = get_extractor(extractor)
    running = RunningStatistics()
    for features in iter_features(data, extractor, batch_size, num_samples, verbose, desc):
        running.update(features)
    return running.result(extractor.name)


# ------------------------------------------------------------------ FID
def fid_from_features(real_features, generated_features,
                      extractor: str = "features") -> MetricResult:
    """FID between two feature arrays `(N, D)` (or `FeatureStatistics`).

    Two arrays with fewer rows than columns take the exact `n1 × n2` route of
    `frechet_distance_from_features` (seconds instead of minutes for 2048-d).
    """
    if not any(isinstance(f, FeatureStatistics) for f in (real_features, generated_features)):
        real, gen = np.asarray(real_features), np.asarray(generated_features)
        if real.ndim == 2 and gen.ndim == 2 and max(len(real), len(gen)) < real.shape[1]:
            value = frechet_distance_from_features(real, gen)
            return MetricResult("FID", value, len(real), len(gen), extractor)
    stats = []
    for f in (real_features, generated_features):
        if isinstance(f, FeatureStatistics):
            stats.append(f)
        else:
            mean, cov = feature_statistics(f)
            stats.append(FeatureStatistics(mean, cov, len(f), extractor))
    real, gen = stats
    value = frechet_distance(real.mean, real.cov, gen.mean, gen.cov)
    return MetricResult("FID", value, real.num_samples, gen.num_samples, extractor)


def fid(real, generated, extractor: Any = None, batch_size: int = 50,
        num_samples: int | None = None, verbose: bool = True) -> MetricResult:
    """Fréchet Inception Distance between real and generated images.

    Args:
        real: uint8 images `(N, H, W, C)` in [0, 255], float images in [-1, 1],
            a `tf.data.Dataset` / iterable of batches, or precomputed
            `FeatureStatistics` (from `compute_statistics`).
        generated: Same kinds (e.g. `gan.generate(10000, seed=0)`).
        extractor: Feature extractor: None (ImageNet InceptionV3 pool3),
            `"inception-random"`, `"tiny"`, a `FeatureExtractor`, or any Keras
            model / callable mapping images to `(b, D)`.
        batch_size: Images per forward pass.
        num_samples: Use at most this many images of each set.
        verbose: Show progress bars.

    Returns:
        `MetricResult`, e.g. `FID@10k (InceptionV3-ImageNet-pool3): 12.34`;
        `float(result)` is the value. Lower is better.

    Example:
    ```python
    result = kerasgan.metrics.fid(real_uint8, gan.generate(10_000, seed=0))
    print(result)
    ```
    """
    ext: FeatureExtractor | None = None
    if not (isinstance(real, FeatureStatistics) and isinstance(generated, FeatureStatistics)):
        ext = get_extractor(extractor)
    stats = []
    for data, desc in ((real, "FID real"), (generated, "FID generated")):
        if isinstance(data, FeatureStatistics):
            if ext is not None and data.extractor != ext.name:
                raise ValueError(
                    f"Precomputed statistics come from extractor {data.extractor!r} but "
                    f"the other set uses {ext.name!r}; FID needs one feature space."
                )
            stats.append(data)
        else:
            stats.append(compute_statistics(data, ext, batch_size, num_samples, verbose, desc))
    real_stats, gen_stats = stats
    if real_stats.extractor != gen_stats.extractor:
        raise ValueError(
            f"The two statistics come from different extractors ({real_stats.extractor!r} "
            f"and {gen_stats.extractor!r}); FID needs one feature space."
        )
    value = frechet_distance(real_stats.mean, real_stats.cov, gen_stats.mean, gen_stats.cov)
    return MetricResult("FID", value, real_stats.num_samples, gen_stats.num_samples,
                        ext.name if ext is not None else real_stats.extractor)
