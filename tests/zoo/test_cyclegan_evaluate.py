"""zoo/cyclegan_cats2dogs/evaluate.py on tiny synthetic "cats" (reddish) and "dogs" (bluish)."""

import importlib.util
import json
import math
import os

import numpy as np
import pytest
from PIL import Image

import kerasgan

SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "zoo", "cyclegan_cats2dogs",
                      "evaluate.py")
SIZE, SAMPLES, PER_FOLDER = 32, 4, 12


@pytest.fixture(scope="module")
def evaluate():
    spec = importlib.util.spec_from_file_location("cyclegan_cats2dogs_evaluate", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write_domain(folder, colour, rng):
    """PER_FOLDER noisy 36x32 images around one colour (centre-cropped to 32x32 on load)."""
    os.makedirs(folder)
    for i in range(PER_FOLDER):
        base = np.array(colour, "float32") + rng.uniform(-25, 25, 3)
        image = base + rng.normal(0, 12, (36, 32, 3))
        Image.fromarray(np.clip(image, 0, 255).astype("uint8")).save(
            os.path.join(folder, f"{i:03d}.png"))


@pytest.fixture
def data(tmp_path):
    rng = np.random.default_rng(0)
    for split in ("train", "test"):
        _write_domain(str(tmp_path / "data" / split / "cat"), (190, 60, 50), rng)
        _write_domain(str(tmp_path / "data" / split / "dog"), (50, 70, 190), rng)
    return tmp_path / "data"


@pytest.fixture
def model_path(tmp_path):
    model = kerasgan.models.CycleGAN(image_size=SIZE, generator_width=4, num_residual_blocks=1,
                                     discriminator_width=4, pool_size=2, seed=0)
    path = str(tmp_path / "tiny_cyclegan.keras")
    model.save(path)
    return path


def test_cycle_error_matches_hand_computation(evaluate):
    x = np.zeros((2, 2, 2, 1), "uint8")
    y = x.copy()
    y[0, 0, 0, 0] = 4           # image 0: one pixel off by 4 -> MSE 16 / 4 = 4
    y[1] = 10                    # image 1: every pixel off by 10 -> MSE 100
    result = evaluate.cycle_error(x, y)
    assert result["num"] == 2
    assert result["mae"] == pytest.approx((4 + 4 * 10) / 8)
    psnr = [10 * math.log10(255 ** 2 / 4), 10 * math.log10(255 ** 2 / 100)]
    assert result["psnr_db"] == pytest.approx(np.mean(psnr))
    # uint8 inputs must not wrap around (0 - 10 is -10, not 246).
    assert evaluate.cycle_error(y, x)["mae"] == result["mae"]
    assert math.isfinite(evaluate.cycle_error(x, x)["psnr_db"])
    with pytest.raises(ValueError, match="one shape"):
        evaluate.cycle_error(x, y[:1])


def test_parse_extractors(evaluate):
    assert evaluate.parse_extractors(["imagenet,domain-classifier", "imagenet"]) == [
        "imagenet", "domain-classifier"]
    with pytest.raises(SystemExit, match="Unknown extractor"):
        evaluate.parse_extractors(["inception"])


def test_evaluate_end_to_end(evaluate, data, model_path, tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "empty_keras_home"))  # no ImageNet weights
    out = tmp_path / "eval"
    report = evaluate.main([
        "--model", model_path, "--out", str(out),
        "--data-test", str(data / "test"), "--data-train", str(data / "train"),
        "--samples", str(SAMPLES), "--limit", str(PER_FOLDER),
        "--extractor", "domain-classifier", "--extractor", "imagenet",
        "--classifier-epochs", "2", "--classifier-batch-size", "4", "--classifier-size", "32",
    ])
    with open(out / "results.json") as f:
        saved = json.load(f)
    assert saved == json.loads(json.dumps(report))
    assert saved["image_size"] == SIZE and saved["model_class"] == "CycleGAN"
    assert saved["counts"] == {k: PER_FOLDER for k in (
        "test_cats", "test_dogs", "fake_dogs", "fake_cats", "ref_dogs", "ref_cats")}
    assert saved["extractors"] == ["domain-classifier"]
    assert "imagenet" in saved["skipped_extractors"]

    for key in ("cat_dog_cat", "dog_cat_dog"):
        cycle = saved["cycle"][key]
        assert cycle["num"] == PER_FOLDER
        assert 0 <= cycle["mae"] <= 255 and math.isfinite(cycle["psnr_db"])

    result = saved["distances"]["domain-classifier"]
    assert result["extractor_name"] == "DomainClassifier-cats-vs-dogs-penultimate"
    assert result["feature_dim"] == 64
    for direction in ("cats_to_dogs", "dogs_to_cats"):
        for row in ("translated", "untranslated", "reference"):
            r = result[direction][row]
            for k in ("kid", "kid_std", "kid_x1000", "fid"):
                assert math.isfinite(r[k]), (direction, row, k)
            assert r["num_real"] == r["num_other"] == PER_FOLDER
        # Reddish vs bluish images differ far more than two samples of one colour.
        assert (result[direction]["untranslated"]["kid"]
                > result[direction]["reference"]["kid"])
        assert (result[direction]["untranslated"]["fid"]
                > result[direction]["reference"]["fid"])

    clf = saved["domain_classifier"]
    assert clf["test_accuracy"] >= 0.9
    assert clf["untranslated_cats_classified_dog"] <= 0.1
    for k in ("translated_cats_classified_dog", "translated_dogs_classified_cat",
              "untranslated_dogs_classified_cat"):
        assert 0.0 <= clf[k] <= 1.0
    assert clf["training"]["reused"] is False and clf["training"]["epochs"] == 2
    assert os.path.isfile(out / "domain_classifier.keras")

    # 3 rows x SAMPLES tiles of SIZE px, make_grid's 2-px padding around each.
    for name in ("before_after.png", "before_after_dogs.png"):
        with Image.open(out / name) as im:
            assert im.size == (SAMPLES * (SIZE + 2) + 2, 3 * (SIZE + 2) + 2)

    # A second run reuses the cached classifier.
    again = evaluate.main([
        "--model", model_path, "--out", str(out),
        "--data-test", str(data / "test"), "--data-train", str(data / "train"),
        "--samples", "2", "--limit", "6", "--extractor", "domain-classifier",
    ])
    assert again["domain_classifier"]["training"]["reused"] is True
    assert again["counts"]["test_cats"] == 6
