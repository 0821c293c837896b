"""Inception Score: the two textbook extremes."""

import numpy as np
import pytest

from kerasgan.metrics import inception_score, inception_score_from_probs


def test_uniform_predictions_score_one():
    images = np.zeros((20, 8, 8, 3), np.uint8)
    uniform = lambda x: np.full((len(x), 10), 0.1, "float32")  # noqa: E731
    result = inception_score(images, classifier=uniform, splits=2, batch_size=8, verbose=False)
    assert result.value == pytest.approx(1.0, abs=1e-6) and result.std == pytest.approx(0.0)
    assert result.name == "IS" and result.num_generated == 20 and result.num_real is None


@pytest.mark.parametrize("k", [2, 5])
def test_one_hot_predictions_over_k_classes_score_k(k):
    probs = np.tile(np.eye(k), (8, 1))  # each class equally often in every split
    mean, std = inception_score_from_probs(probs, splits=4)
    assert mean == pytest.approx(k, rel=1e-12) and std == pytest.approx(0.0, abs=1e-12)


def test_one_hot_classifier_through_images():
    k = 5
    images = np.stack([np.full((8, 8, 3), 50 * (i % k), np.uint8) for i in range(40)])

    def classifier(x):  # x in [-1, 1] (ModelFeatures' default input range)
        cls = np.rint((x[:, 0, 0, 0] + 1) * 127.5 / 50).astype(int)
        return np.eye(k, dtype="float32")[cls]

    result = inception_score(images, classifier=classifier, splits=4, verbose=False)
    assert float(result) == pytest.approx(k, rel=1e-6)
    logits = lambda x: 30.0 * classifier(x)  # noqa: E731
    assert float(inception_score(images, classifier=logits, splits=4, from_logits=True,
                                 verbose=False)) == pytest.approx(k, rel=1e-6)
    with pytest.raises(ValueError, match="from_logits"):
        inception_score(images, classifier=logits, splits=4, verbose=False)
