"""Precision and recall of a generative model (Kynkäänniemi et al. 2019).

Each set of features is turned into an estimate of its manifold: the union of
balls around every sample whose radius is the distance to the sample's k-th
nearest neighbour in the same set (k = 3 in the paper). Then

- precision = the share of generated samples inside the real manifold
  (are the samples realistic?),
- recall = the share of real samples inside the generated manifold
  (does the generator cover the data?).

A generator that collapses onto half of the data's modes keeps its precision
and loses about half its recall, which FID and KID fold into one number.

All distances are Euclidean, computed in float64 blocks of `chunk_size` rows,
so memory stays at `chunk_size × N × 8` bytes (10k × 10k: 40 MB per block of
512 rows) instead of an `N × N` matrix.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from kerasgan.metrics.features import features_of_pair
from kerasgan.metrics.result import MetricResult


class PrecisionRecall(NamedTuple):
    """The two results of `precision_recall`; unpacks as `(precision, recall)`."""

    precision: MetricResult
    recall: MetricResult


def _as_features(x, what: str) -> np.ndarray:
    x = np.asarray(x, dtype="float64")
    if x.ndim != 2:
        raise ValueError(f"Expected {what} features of shape (N, D); received shape {x.shape}.")
    return x


def _check_chunk(chunk_size) -> int:
    if not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer; received {chunk_size!r}.")
    return int(chunk_size)


def _squared_distances(a, b, b_sq):
    d2 = (a ** 2).sum(1)[:, None] + b_sq[None, :] - 2.0 * (a @ b.T)
    return np.maximum(d2, 0.0, out=d2)


def knn_radii(features, k: int = 3, chunk_size: int = 512) -> np.ndarray:
    """Distance of every sample to its k-th nearest neighbour in the same set.

    The sample itself is not its own neighbour; an exact duplicate is (at
    distance 0).

    Args:
        features: `(N, D)`, N > k.
        k: Which neighbour.
        chunk_size: Rows of the distance matrix held at once.

    Returns:
        float64 array `(N,)`.
    """
    f = _as_features(features, "the")
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer; received {k!r}.")
    if len(f) <= k:
        raise ValueError(
            f"The k-th nearest neighbour needs more than k={k} samples; received {len(f)}. "
            "Pass more samples or a smaller k."
        )
    chunk = _check_chunk(chunk_size)
    f_sq = (f ** 2).sum(1)
    radii = np.empty(len(f))
    for start in range(0, len(f), chunk):
        d2 = _squared_distances(f[start:start + chunk], f, f_sq)
        rows = np.arange(len(d2))
        d2[rows, start + rows] = 0.0  # itself, exactly (rounding may leave ~1e-12)
        # Index k of the sorted row: index 0 is the sample itself.
        radii[start:start + chunk] = np.sqrt(np.partition(d2, k, axis=1)[:, k])
    return radii


def precision_recall_from_features(real_features, generated_features, k: int = 3,
                                   chunk_size: int = 512,
                                   extractor: str = "features") -> PrecisionRecall:
    """Improved precision and recall between two feature arrays.

    Args:
        real_features: `(N_real, D)`, N_real > k.
        generated_features: `(N_gen, D)`, N_gen > k.
        k: Neighbour that sets each sample's radius (the paper's 3).
        chunk_size: Rows of each distance block (memory: `chunk_size × N × 8`
            bytes).
        extractor: Name recorded in the results.

    Returns:
        `PrecisionRecall(precision, recall)`, two `MetricResult`s in [0, 1];
        higher is better for both.

    Example:
    ```python
    p, r = precision_recall_from_features(real_f, fake_f)
    print(p, r)   # Precision@10k (...): 0.71  Recall@10k (...): 0.45
    ```
    """
    real = _as_features(real_features, "real")
    gen = _as_features(generated_features, "generated")
    if real.shape[1] != gen.shape[1]:
        raise ValueError(
            f"Real and generated features must have one dimension D; received "
            f"{real.shape} and {gen.shape}."
        )
    chunk = _check_chunk(chunk_size)
    # Centring on one point leaves distances unchanged and keeps the
    # |a|² + |b|² - 2ab expansion from cancelling large norms.
    center = real.mean(0)
    real, gen = real - center, gen - center
    real_r2 = knn_radii(real, k, chunk) ** 2
    gen_r2 = knn_radii(gen, k, chunk) ** 2
    real_sq = (real ** 2).sum(1)
    inside_real = np.zeros(len(gen), bool)  # generated sample in the real manifold
    inside_gen = np.zeros(len(real), bool)  # real sample in the generated manifold
    for start in range(0, len(gen), chunk):
        d2 = _squared_distances(gen[start:start + chunk], real, real_sq)
        inside_real[start:start + chunk] = (d2 <= real_r2[None, :]).any(1)
        inside_gen |= (d2 <= gen_r2[start:start + chunk, None]).any(0)
    return PrecisionRecall(
        MetricResult("Precision", float(inside_real.mean()), len(real), len(gen), extractor),
        MetricResult("Recall", float(inside_gen.mean()), len(real), len(gen), extractor),
    )


def precision_recall(real, generated, extractor: Any = None, k: int = 3,
                     batch_size: int = 50, num_samples: int | None = None,
                     chunk_size: int = 512, verbose: bool = True) -> PrecisionRecall:
    """Improved precision and recall (Kynkäänniemi et al. 2019) of generated images.

    Args:
        real: uint8 images `(N, H, W, C)` in [0, 255], float images in [-1, 1],
            a `tf.data.Dataset` / iterable of batches, or a precomputed
            feature array `(N, D)` (2-D input is taken as features).
        generated: Same kinds.
        extractor: See `kerasgan.metrics.fid` (the paper uses VGG-16 fc2;
            InceptionV3 pool3 is the common substitute).
        k: Neighbour that sets the manifold radii.
        batch_size: Images per forward pass.
        num_samples: Use at most this many images of each set.
        chunk_size: Rows of each distance block.
        verbose: Show progress bars.

    Returns:
        `PrecisionRecall(precision, recall)` of `MetricResult`s, e.g.
        `Precision@10k (InceptionV3-ImageNet-pool3): 0.71`.

    Example:
    ```python
    p, r = kerasgan.metrics.precision_recall(real_uint8, gan.generate(10_000, seed=0))
    ```
    """
    f_real, f_gen, name = features_of_pair(real, generated, extractor, batch_size,
                                           num_samples, verbose)
    return precision_recall_from_features(f_real, f_gen, k, chunk_size, name)
