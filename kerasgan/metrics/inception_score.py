"""Inception Score (Salimans et al. 2016).

`IS = exp(E_x KL(p(y|x) ‖ p(y)))`, computed on `splits` consecutive chunks of
the samples and reported as the mean and standard deviation over chunks. It
ranges from 1 (every prediction the same, or uniform) to the number of
classes. The default classifier is Keras's ImageNet InceptionV3 (1000 classes),
so values are close to but not identical with those of the original 1008-class
TF graph used in papers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kerasgan.metrics.features import extract_features, get_extractor
from kerasgan.metrics.result import MetricResult


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def inception_score_from_probs(probs, splits: int = 10,
                               from_logits: bool = False) -> tuple[float, float]:
    """IS mean and std over `splits` chunks of class probabilities `(N, K)`.

    Args:
        probs: Rows are class distributions (or logits with `from_logits`).
        splits: Number of consecutive chunks.
        from_logits: Apply a softmax first.

    Returns:
        `(mean, std)`.
    """
    p = np.asarray(probs, dtype="float64")
    if p.ndim != 2:
        raise ValueError(f"Expected class probabilities (N, K); received shape {p.shape}.")
    if from_logits:
        p = _softmax(p)
    elif np.any(p < 0) or not np.allclose(p.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError(
            "The classifier's outputs are not probabilities (negative or rows not "
            "summing to 1); pass from_logits=True for logits."
        )
    if not 1 <= splits <= len(p):
        raise ValueError(f"splits must be in [1, N={len(p)}]; received {splits}.")
    scores = []
    for chunk in np.array_split(p, splits):
        marginal = chunk.mean(axis=0, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = chunk * (np.log(chunk) - np.log(marginal))
        kl = np.where(chunk > 0, terms, 0.0)  # 0 · log 0 = 0 (marginal > 0 where p > 0)
        scores.append(np.exp(kl.sum(axis=1).mean()))
    return float(np.mean(scores)), float(np.std(scores))


def inception_score(images, classifier: Any = None, splits: int = 10, batch_size: int = 50,
                    num_samples: int | None = None, from_logits: bool = False,
                    verbose: bool = True) -> MetricResult:
    """Inception Score of generated images.

    Args:
        images: uint8 images `(N, H, W, C)` in [0, 255], float images in [-1, 1],
            or a `tf.data.Dataset` / iterable of batches.
        classifier: None (ImageNet InceptionV3 with softmax top,
            `InceptionClassifier`), `"inception-random"`, a `FeatureExtractor`,
            or any Keras model / callable mapping images to class
            probabilities `(b, K)`.
        splits: Chunks the score is averaged over (standard: 10).
        batch_size: Images per forward pass.
        num_samples: Use at most this many images.
        from_logits: The classifier returns logits.
        verbose: Show a progress bar.

    Returns:
        `MetricResult` (`name="IS"`, `value` the mean, `std`). Higher is better.

    Example:
    ```python
    print(kerasgan.metrics.inception_score(gan.generate(50_000, seed=0)))
    ```
    """
    ext = get_extractor(classifier, classifier=True)
    probs = extract_features(images, ext, batch_size, num_samples, verbose)
    mean, std = inception_score_from_probs(probs, splits, from_logits)
    return MetricResult("IS", mean, None, len(probs), ext.name, std=std)
