"""`MetricResult`: a metric value that remembers how it was measured."""

from __future__ import annotations

import dataclasses


def count_label(num: int | None) -> str:
    """`10000 -> "10k"`, `50000 -> "50k"`, `1234 -> "1234"` (exact, never rounded)."""
    if num is None:
        return "?"
    num = int(num)
    if num >= 1_000_000 and num % 1_000_000 == 0:
        return f"{num // 1_000_000}M"
    if num >= 1000 and num % 1000 == 0:
        return f"{num // 1000}k"
    return str(num)


@dataclasses.dataclass(frozen=True)
class MetricResult:
    """The value of FID, KID or IS with the sample counts and extractor behind it.

    FID at 10k samples and FID at 50k samples are different numbers (FID is
    biased upwards for small samples), so a result always carries its counts.
    It converts to `float`, formats like a float (`f"{r:.2f}"`), and prints as
    e.g. `FID@10k (InceptionV3-ImageNet-pool3): 12.34`.

    Attributes:
        name: `"FID"`, `"KID"`, `"IS"`, `"Precision"`, `"Recall"`,
            `"Diversity"`, `"DiversityRatio"` or `"FaceRate"`.
        value: The metric (for KID and IS: the mean over subsets / splits).
        num_real: Number of real samples (None for IS).
        num_generated: Number of generated (evaluated) samples.
        extractor: Name of the feature extractor / classifier.
        std: Standard deviation over KID subsets or IS splits, else None.
    """

    name: str
    value: float
    num_real: int | None
    num_generated: int | None
    extractor: str
    std: float | None = None

    @property
    def label(self) -> str:
        """E.g. `"FID@10k"`: the metric name with the generated sample count."""
        return f"{self.name}@{count_label(self.num_generated)}"

    def __float__(self) -> float:
        return float(self.value)

    def __format__(self, spec: str) -> str:
        return format(float(self.value), spec) if spec else str(self)

    def __str__(self) -> str:
        text = f"{self.label} ({self.extractor}): {self.value:.4g}"
        if self.std is not None:
            text += f" ± {self.std:.2g}"
        return text

    def as_dict(self) -> dict:
        """A plain dict (for JSON reports)."""
        return dataclasses.asdict(self)
