"""kerasgan.metrics.coco_judge with a tiny stand-in "CenterNet" in TensorFlow.js format.

The stand-in's cat heatmap is the red channel and its dog heatmap the blue
channel (a 1x1 convolution and a sigmoid), so reddish images are "cats" and
bluish ones "dogs".
"""

import hashlib

import numpy as np
import pytest

pytest.importorskip("tensorflow")

import tfjs_testing as tj  # noqa: E402

from kerasgan import metrics  # noqa: E402


def _detector_json(folder, channels=80):
    return tj.stand_in_centernet(folder, channels)


@pytest.fixture(scope="module")
def judge(tmp_path_factory):
    return metrics.CocoCenterNet(_detector_json(str(tmp_path_factory.mktemp("coco"))),
                                 input_size=16)


def _images(colour, n, seed):
    rng = np.random.default_rng(seed)
    noise = rng.normal(0, 20, (n, 12, 12, 3))
    return np.clip(np.array(colour, "float32") + noise, 0, 255).astype("uint8")


def test_class_share_counts_the_winning_class(judge):
    cats = _images((200, 60, 60), 5, 0)
    dogs = _images((60, 60, 200), 3, 1)
    mixed = np.concatenate([cats, dogs])
    dog = metrics.coco_class_share(mixed, "dog", ("cat", "dog"), judge, batch_size=3)
    assert dog.name == "ClassShare" and dog.num_generated == 8
    assert dog.value == pytest.approx(3 / 8)
    assert "COCO-CenterNet@16px:dog|cat,dog" == dog.extractor
    cat = metrics.coco_class_share(mixed, "cat", ["dog", "cat"], judge)
    assert cat.value == pytest.approx(5 / 8)
    # Images in [-1, 1] are read as such: the same verdicts.
    again = metrics.coco_class_share(mixed.astype("float32") / 127.5 - 1.0, "dog",
                                     ("cat", "dog"), judge)
    assert again.value == pytest.approx(3 / 8)
    # num_samples takes the first images only (all cats here).
    first = metrics.coco_class_share(mixed, "dog", ("cat", "dog"), judge, num_samples=4)
    assert first.num_generated == 4 and first.value == pytest.approx(0.0)


def test_class_scores_are_heatmap_peaks(judge):
    image = np.zeros((1, 16, 16, 3), "uint8")
    image[0, 3, 5] = (255, 0, 0)  # one red pixel: the cat peak, not the mean
    scores = judge.class_scores(image, ["cat", "dog", "person"])
    sigmoid = 1 / (1 + np.exp(-(0.03 * 255 - 3.0)))
    np.testing.assert_allclose(scores[0], [sigmoid, 1 / (1 + np.exp(3.0)),
                                           1 / (1 + np.exp(3.0))], rtol=1e-5)


def test_sha256_of_every_model_file_is_recorded(judge):
    assert set(judge.sha256) == {"model.json", "group1-shard1of1.bin"}
    folder = judge.model.path.rsplit("/", 1)[0]
    with open(f"{folder}/group1-shard1of1.bin", "rb") as f:
        assert judge.sha256["group1-shard1of1.bin"] == hashlib.sha256(f.read()).hexdigest()


def test_bad_inputs_are_named(judge, tmp_path):
    with pytest.raises(ValueError, match="Unknown COCO class 'wolf'"):
        metrics.coco_class_share(_images((0, 0, 0), 1, 0), "wolf", ("cat", "wolf"), judge)
    with pytest.raises(ValueError, match="must be one of"):
        metrics.coco_class_share(_images((0, 0, 0), 1, 0), "dog", ("cat", "horse"), judge)
    with pytest.raises(ValueError, match="input is empty"):
        metrics.coco_class_share(np.zeros((0, 8, 8, 3), "uint8"), "dog", ("cat", "dog"), judge)
    with pytest.raises(ValueError, match="two different classes"):
        metrics.coco_class_share(_images((0, 0, 0), 1, 0), "dog", ("dog", "dog"), judge)
    with pytest.raises(ValueError, match="RGBA"):
        judge.heatmap_peaks(np.zeros((2, 8, 8, 4), "uint8"))
    gray = judge.class_scores(np.full((1, 8, 8, 1), 200, "uint8"), ["cat", "dog"])
    np.testing.assert_allclose(gray[0, 0], gray[0, 1], rtol=1e-6)  # tiled: red == blue
    wrong = metrics.CocoCenterNet(_detector_json(str(tmp_path / "three"), channels=3),
                                  input_size=16)
    with pytest.raises(ValueError, match="COCO heatmaps"):
        wrong.heatmap_peaks(_images((0, 0, 0), 1, 0))
    assert len(metrics.COCO_CLASSES) == 80 and metrics.COCO_CLASSES[16] == "dog"
