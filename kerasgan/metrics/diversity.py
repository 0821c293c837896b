"""Sample diversity: mean pairwise distance between small grey thumbnails.

A generator in partial mode collapse makes samples that look alike. Shrinking
every image to a 16×16 grey thumbnail keeps its layout (pose, hair, lighting,
background) and drops texture, and the mean Euclidean distance between all
pairs of thumbnails measures how much those vary. Divided by the same number
for real images it gives a diversity ratio: 1 is as varied as the data, a
collapsed generator scores near 0. No network is involved, so the number
means the same on every machine.

Thumbnails are made with PIL's box filter (exact block averages when the size
divides the image side) from ITU-R BT.601 luma, in [0, 1].
"""

from __future__ import annotations

import numpy as np

from kerasgan.metrics.features import FeatureExtractor, extract_features
from kerasgan.metrics.result import MetricResult


class ThumbnailFeatures(FeatureExtractor):
    """Grey `size × size` thumbnails, flattened, as features in [0, 1].

    Usable wherever an extractor is (`precision_recall`, `kid`), as a crude
    pixel-layout feature space that needs no weights.

    Args:
        size: Thumbnail side.
    """

    def __init__(self, size: int = 16):
        if not isinstance(size, (int, np.integer)) or size < 1:
            raise ValueError(f"Thumbnail size must be a positive integer; received {size!r}.")
        self.size = int(size)
        self.name = f"grey-{self.size}x{self.size}-thumbnails"

    def extract(self, images: np.ndarray) -> np.ndarray:
        from PIL import Image

        luma = images[..., :3] @ np.array([0.299, 0.587, 0.114], "float32")
        if tuple(luma.shape[1:3]) == (self.size, self.size):
            return luma.reshape(len(luma), -1) / 255.0
        out = np.empty((len(luma), self.size * self.size), "float32")
        for i, image in enumerate(luma):
            thumb = Image.fromarray(np.ascontiguousarray(image, "float32")).resize(
                (self.size, self.size), Image.BOX)
            out[i] = np.asarray(thumb, "float32").reshape(-1) / 255.0
        return out

    def get_config(self) -> dict:
        return {"name": self.name, "size": self.size}


def mean_pairwise_distance(features, chunk_size: int = 1024) -> float:
    """Mean Euclidean distance over all pairs `i ≠ j` of the rows of `features`.

    Exact (no subsampling), in float64 blocks of `chunk_size` rows.

    Args:
        features: `(N, D)`, N ≥ 2.
        chunk_size: Rows per block (memory `chunk_size × N × 8` bytes).

    Returns:
        The mean distance; 0 exactly when all rows are equal.
    """
    f = np.asarray(features, dtype="float64")
    if f.ndim != 2 or len(f) < 2:
        raise ValueError(f"Expected features (N, D) with N >= 2; received shape {f.shape}.")
    if not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer; received {chunk_size!r}.")
    # Measured from one of the points: distances are unchanged, large norms
    # do not cancel in |a|² + |b|² - 2ab, and equal rows give exactly 0.
    f = f - f[0]
    sq = (f ** 2).sum(1)
    total = 0.0
    for start in range(0, len(f), chunk_size):
        block = f[start:start + chunk_size]
        d2 = sq[start:start + chunk_size, None] + sq[None, :] - 2.0 * (block @ f.T)
        rows = np.arange(len(block))
        d2[rows, start + rows] = 0.0  # the diagonal, exactly
        total += np.sqrt(np.maximum(d2, 0.0)).sum()
    return float(total / (len(f) * (len(f) - 1)))


def thumbnail_diversity(images, size: int = 16, num_samples: int | None = None,
                        batch_size: int = 256) -> MetricResult:
    """Mean pairwise distance between grey `size × size` thumbnails of `images`.

    Args:
        images: uint8 `(N, H, W, C)` in [0, 255], float in [-1, 1], or an
            iterable of batches; N ≥ 2.
        size: Thumbnail side (16 in issue 19's measure).
        num_samples: Use at most this many images.
        batch_size: Images converted at once.

    Returns:
        `MetricResult` named `"Diversity"` (num_real None). Identical images
        give 0; pixels are in [0, 1], so the distance is at most `size`.
    """
    ext = ThumbnailFeatures(size)
    f = extract_features(images, ext, batch_size, num_samples, verbose=False)
    return MetricResult("Diversity", mean_pairwise_distance(f), None, len(f), ext.name)


def diversity_ratio(real, generated, size: int = 16, num_samples: int | None = None,
                    batch_size: int = 256) -> MetricResult:
    """Thumbnail diversity of `generated` divided by that of `real`.

    Args:
        real: Real images (see `thumbnail_diversity`).
        generated: Generated images.
        size: Thumbnail side.
        num_samples: Use at most this many images of each set.
        batch_size: Images converted at once.

    Returns:
        `MetricResult` named `"DiversityRatio"`: 1 is as varied as the real
        images, below 1 less varied (mode collapse), above 1 more (noise).

    Example:
    ```python
    r = kerasgan.metrics.diversity_ratio(real_uint8, gan.generate(2000, seed=1))
    print(r)   # DiversityRatio@2k (grey-16x16-thumbnails): 0.76
    ```
    """
    d_real = thumbnail_diversity(real, size, num_samples, batch_size)
    d_gen = thumbnail_diversity(generated, size, num_samples, batch_size)
    if d_real.value <= 0.0:
        raise ValueError("The real images are all identical (diversity 0); the ratio is "
                         "undefined. Pass a varied set of real images.")
    return MetricResult("DiversityRatio", d_gen.value / d_real.value, d_real.num_generated,
                        d_gen.num_generated, d_gen.extractor)
