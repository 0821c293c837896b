"""Sample-quality metrics: FID, KID, Inception Score, precision/recall, diversity.

FID, KID and IS work standalone or during `fit`; precision and recall
(Kynkäänniemi et al. 2019) split quality from coverage; the thumbnail
diversity ratio and the face detection rate need no learned features; a
COCO detector (`CocoCenterNet`, weights passed by path) judges which class a
translation looks like.

Images are uint8 `(N, H, W, C)` in [0, 255] (what `GAN.generate` returns),
float arrays in [-1, 1], or a `tf.data.Dataset` / iterable of batches. Every
metric returns a `MetricResult` that records the sample counts and extractor
(`FID@10k (InceptionV3-ImageNet-pool3): 12.34`).

Example:
```python
from kerasgan import metrics

print(metrics.fid(real_uint8, gan.generate(10_000, seed=0)))
print(metrics.kid(real_uint8, gan.generate(10_000, seed=0)))
print(metrics.inception_score(gan.generate(50_000, seed=0)))
precision, recall = metrics.precision_recall(real_uint8, gan.generate(10_000, seed=0))
print(metrics.diversity_ratio(real_uint8, gan.generate(2_000, seed=0)))
gan.fit(ds, epochs=50, callbacks=[metrics.FIDCallback(real_uint8, every=5,
                                                       checkpoint_path="best.weights.h5")])
```
Nothing heavy (no InceptionV3) is built at import time.
"""

from kerasgan.metrics.callback import FIDCallback
from kerasgan.metrics.coco_judge import COCO_CLASSES, CocoCenterNet, coco_class_share
from kerasgan.metrics.diversity import (ThumbnailFeatures, diversity_ratio,
                                        mean_pairwise_distance, thumbnail_diversity)
from kerasgan.metrics.face_rate import face_detected, face_detection_rate
from kerasgan.metrics.features import (FeatureExtractor, InceptionClassifier,
                                       InceptionFeatures, ModelFeatures, TinyFeatures,
                                       WeightsNotFoundError, extract_features,
                                       get_extractor, imagenet_weights_path)
from kerasgan.metrics.frechet import (FeatureStatistics, RunningStatistics,
                                      compute_statistics, feature_statistics, fid,
                                      fid_from_features, frechet_distance,
                                      frechet_distance_from_features, sqrtm_psd)
from kerasgan.metrics.inception_score import inception_score, inception_score_from_probs
from kerasgan.metrics.kid import kid, kid_from_features, mmd2_unbiased, polynomial_kernel
from kerasgan.metrics.precision_recall import (PrecisionRecall, knn_radii, precision_recall,
                                               precision_recall_from_features)
from kerasgan.metrics.result import MetricResult

__all__ = [
    "COCO_CLASSES", "CocoCenterNet", "FIDCallback", "FeatureExtractor", "FeatureStatistics",
    "InceptionClassifier",
    "InceptionFeatures", "MetricResult", "ModelFeatures", "RunningStatistics",
    "PrecisionRecall", "ThumbnailFeatures",
    "TinyFeatures", "WeightsNotFoundError", "compute_statistics", "diversity_ratio",
    "coco_class_share", "extract_features", "face_detected", "face_detection_rate",
    "feature_statistics", "fid", "fid_from_features", "frechet_distance",
    "frechet_distance_from_features",
    "get_extractor", "imagenet_weights_path", "inception_score",
    "inception_score_from_probs", "kid", "kid_from_features", "knn_radii",
    "mean_pairwise_distance", "mmd2_unbiased", "polynomial_kernel", "precision_recall",
    "precision_recall_from_features", "sqrtm_psd", "thumbnail_diversity",
]
