"""zoo/cyclegan_cats2dogs/{train,mine,evaluate}_face_finder.py on a tiny synthetic data folder."""

import json
import os

import numpy as np
import pytest
from PIL import Image

from kerasgan.photos.face_finder import FINDER_SIZE, load_face_finder
from zoo_testing import load_script


def _script(name):
    return load_script("cyclegan_cats2dogs", name)


def _write(folder, count, shape, colour, rng):
    os.makedirs(folder)
    for i in range(count):
        image = np.array(colour, "float32") + rng.normal(0, 20, shape + (3,))
        Image.fromarray(np.clip(image, 0, 255).astype("uint8")).save(
            os.path.join(folder, f"{i:03d}.png"))


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    rng = np.random.default_rng(0)
    _write(str(root / "animal_faces" / "train" / "cat"), 6, (64, 64), (200, 120, 60), rng)
    _write(str(root / "animal_faces" / "train" / "dog"), 6, (64, 64), (60, 90, 200), rng)
    _write(str(root / "sr" / "train" / "T91"), 3, (90, 120), (90, 160, 90), rng)
    _write(str(root / "cats_dogs" / "train" / "cat"), 3, (80, 100), (150, 150, 150), rng)
    _write(str(root / "cats_dogs" / "train" / "dog"), 3, (80, 100), (120, 120, 120), rng)
    return root


def test_place_puts_the_face_where_asked():
    train = _script("train_face_finder")
    face = np.full((64, 64, 3), 255, np.uint8)
    background = np.zeros((48, 48, 3), np.uint8)
    small = train.place(face, background, 0.5, 0.25, 0.0).astype(int)
    # A 24-pixel white square centred 12 pixels right of the middle: columns 24-47.
    assert small[24, 30:46].min() == 255 and small[24, :22].max() == 0
    assert small[:10, 30].max() == 0 and small[14:34, 30].min() == 255
    # Faded in over 2 pixels at its edges.
    assert 0 < small[24, 24, 0] < 255 and 0 < small[24, 25, 0] < 255 and small[24, 23, 0] == 0


def test_make_examples_labels_framed_faces_and_the_rest(data):
    train = _script("train_face_finder")
    faces = {"cat": [np.full((64, 64, 3), 200, np.uint8)],
             "dog": [np.full((64, 64, 3), 50, np.uint8)]}
    scenes = [np.zeros((90, 120, 3), np.uint8)]
    x, y = train.make_examples(faces, scenes, 400, FINDER_SIZE, seed=0)
    assert x.shape == (400, FINDER_SIZE, FINDER_SIZE, 3) and x.dtype == np.uint8
    counts = np.bincount(y, minlength=3)
    assert 0.45 < counts[0] / 400 < 0.65 and counts[1] > 50 and counts[2] > 50
    # Framed faces fill the window's middle with their own colour.
    middle = x[:, 16:32, 16:32].mean(axis=(1, 2, 3))
    np.testing.assert_allclose(middle[y == 1], 200, atol=2)
    np.testing.assert_allclose(middle[y == 2], 50, atol=2)


def test_train_mine_and_train_again(data, tmp_path):
    train, mine = _script("train_face_finder"), _script("mine_face_finder")
    out = str(tmp_path / "ff")
    report = train.main(["--out", out, "--data", str(data), "--examples", "200",
                         "--epochs", "1", "--batch-size", "32"])
    weights = os.path.join(out, "face_finder.weights.h5")
    assert os.path.isfile(weights) and len(report["sha256"]) == 64
    assert set(report["held_out_accuracy_per_class"]) == {"background", "cat", "dog"}
    load_face_finder(weights)

    mined = str(tmp_path / "mined.json")
    mine.main(["--weights", weights, "--out", str(tmp_path / "mine"), "--data", str(data),
               "--dogs", "3", "--cats", "3", "--wrong", "1", "--unsure", "2", "--sheet",
               "--write", mined])
    assert os.path.isfile(tmp_path / "mine" / "dogs_sheet_1.png")
    with open(mined) as f:
        items = json.load(f)["items"]
    dog_photos = [it for it in items if it["photo"].startswith("cats_dogs/train/dog/")]
    # Photo 1 was marked wrong: its best window is a negative; photo 2 is left out;
    # photo 3's best window is a dog.
    assert any(it["photo"].endswith("000.png") and it["label"] == 0 for it in dog_photos)
    assert not any(it["photo"].endswith("001.png") for it in dog_photos)
    assert any(it["photo"].endswith("002.png") and it["label"] == 2 for it in dog_photos)
    for it in items:
        top, left, side = it["square"]
        assert top >= -0.5 and left >= -0.5 and side > 0 and it["label"] in (0, 1, 2)

    x, y = train.mined_examples(mined, str(data), 2, FINDER_SIZE, seed=0)
    assert len(x) == 2 * len(items) and sorted(set(y)) == sorted({it["label"] for it in items})
    report = train.main(["--out", str(tmp_path / "ff2"), "--data", str(data), "--examples", "100",
                         "--epochs", "1", "--mined", mined, "--mined-repeats", "2"])
    assert os.path.isfile(tmp_path / "ff2" / "face_finder.weights.h5")


def test_evaluate_face_finder_writes_sheets_and_results(data, tmp_path):
    evaluate = _script("evaluate_face_finder")
    from kerasgan.photos.face_finder import build_face_finder

    weights = str(tmp_path / "w.weights.h5")
    build_face_finder().save_weights(weights)
    report = evaluate.main(["--out", str(tmp_path / "eval"), "--weights", weights,
                            "--dogs", str(data / "cats_dogs" / "train" / "dog"),
                            "--cats", str(data / "cats_dogs" / "train" / "cat"),
                            "--count", "3", "--sheet", "2"])
    assert report["dogs"]["photos"] == 3 and 0 <= report["dogs"]["found_share"] <= 1
    assert report["cats"]["photos"] == 3
    assert os.path.isfile(tmp_path / "eval" / "dogs_sheet.png")
    with open(tmp_path / "eval" / "results.json") as f:
        assert json.load(f)["dogs"]["photos"] == 3
