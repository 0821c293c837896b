"""zoo/cyclegan_cats2dogs/evaluate.py on tiny synthetic "cats" (reddish) and "dogs" (bluish)."""

import json
import math
import os

import numpy as np
import pytest
from PIL import Image

import kerasgan
import tfjs_testing
from zoo_testing import load_script

SIZE, SAMPLES, PER_FOLDER = 32, 4, 12


def _publish():
    return load_script("cyclegan_cats2dogs", "publish")


@pytest.fixture(scope="module")
def evaluate():
    return load_script("cyclegan_cats2dogs", "evaluate")


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


def test_parse_models(evaluate):
    assert evaluate.parse_models(None) == {"cyclegan_cats2dogs": "cyclegan_cats2dogs"}
    assert evaluate.parse_models(["new=a/b.keras", "runs/old/"]) == {
        "new": "a/b.keras", "old": "runs/old/"}
    with pytest.raises(SystemExit, match="labelled 'x'"):
        evaluate.parse_models(["x=a", "x=b"])
    with pytest.raises(SystemExit, match="LABEL=SPEC"):
        evaluate.parse_models(["bad label=a"])


def test_save_bands_keeps_input_order_and_pads(evaluate, tmp_path):
    inputs = np.stack([np.full((4, 4, 3), i, "uint8") for i in range(5)])
    path = evaluate.save_bands(str(tmp_path / "g.png"), inputs, 255 - inputs, ncols=3)
    grid = np.asarray(Image.open(path))
    # 2 bands of (inputs, outputs) = 4 rows x 3 columns of 4-px tiles, 2-px padding.
    assert grid.shape == (4 * 6 + 2, 3 * 6 + 2, 3)
    tile = lambda r, c: grid[2 + 6 * r, 2 + 6 * c, 0]
    assert [tile(0, c) for c in range(3)] == [0, 1, 2]
    assert [tile(1, c) for c in range(3)] == [255, 254, 253]
    assert [tile(2, c) for c in range(2)] == [3, 4] and tile(2, 2) == 255  # padding tile


def test_evaluate_end_to_end(evaluate, data, model_path, tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "empty_keras_home"))  # no ImageNet weights
    other = kerasgan.models.CycleGAN(image_size=SIZE, generator_width=4, num_residual_blocks=1,
                                     discriminator_width=4, pool_size=2, seed=1,
                                     domains=("cat", "dog"), crop="face")
    other_path = str(tmp_path / "other.keras")
    other.save(other_path)
    out = tmp_path / "eval"
    report = evaluate.main([
        "--model", f"tiny={model_path}", "--model", f"other={other_path}", "--out", str(out),
        "--data-test", str(data / "test"), "--data-train", str(data / "train"),
        "--samples", str(SAMPLES), "--limit", str(PER_FOLDER),
        "--photos", str(data / "test" / "cat"), "--photo-count", "2", "--photo-judge-count", "3",
        "--extractor", "domain-classifier", "--extractor", "imagenet",
        "--classifier-epochs", "2", "--classifier-batch-size", "4", "--classifier-size", "32",
        "--coco-detector", tfjs_testing.stand_in_centernet(str(tmp_path / "coco")),
    ])
    with open(out / "results.json") as f:
        saved = json.load(f)
    assert saved == json.loads(json.dumps(report))
    assert saved["image_size"] == SIZE
    assert saved["counts"] == {k: PER_FOLDER for k in (
        "test_cats", "test_dogs", "ref_dogs", "ref_cats")}
    assert saved["extractors"] == ["domain-classifier"]
    assert "imagenet" in saved["skipped_extractors"]
    assert list(saved["models"]) == ["tiny", "other"]

    base = saved["baselines"]["domain-classifier"]
    assert base["extractor_name"] == "DomainClassifier-cats-vs-dogs-penultimate"
    assert base["feature_dim"] == 64
    for direction in ("cats_to_dogs", "dogs_to_cats"):
        # Reddish vs bluish images differ far more than two samples of one colour.
        assert base[direction]["untranslated"]["kid"] > base[direction]["reference"]["kid"]
        assert base[direction]["untranslated"]["fid"] > base[direction]["reference"]["fid"]

    clf = saved["domain_classifier"]
    assert clf["test_accuracy"] >= 0.9
    assert clf["untranslated_cats_classified_dog"] <= 0.1
    assert clf["training"]["reused"] is False and clf["training"]["epochs"] == 2
    assert os.path.isfile(out / "domain_classifier.keras")

    for label in ("tiny", "other"):
        result = saved["models"][label]
        assert result["model_class"] == "CycleGAN"
        for key in ("cat_dog_cat", "dog_cat_dog"):
            cycle = result["cycle"][key]
            assert cycle["num"] == PER_FOLDER
            assert 0 <= cycle["mae"] <= 255 and math.isfinite(cycle["psnr_db"])
        for direction in ("cats_to_dogs", "dogs_to_cats"):
            r = result["distances"]["domain-classifier"][direction]
            for k in ("kid", "kid_std", "kid_x1000", "fid"):
                assert math.isfinite(r[k]), (label, direction, k)
            assert r["num_real"] == r["num_other"] == PER_FOLDER
        for k in ("translated_cats_classified_dog", "translated_dogs_classified_cat"):
            assert 0.0 <= result["classifier"][k] <= 1.0
        # The first SAMPLES test images over their translations: 2 rows x SAMPLES tiles.
        for name in (f"{label}_cats.png", f"{label}_dogs.png"):
            with Image.open(out / name) as im:
                assert im.size == (8 * (SIZE + 2) + 2, 2 * (SIZE + 2) + 2)
        assert [p["file"] for p in result["photos"]] == ["000.png", "001.png"]
        # No cat face in a noisy colour field: the centre square, and why.
        assert all(p["crop"] == "center" and p["note"] and p["blend"] == "seamless"
                   for p in result["photos"])
        # The centre square, upright: its corners in the photo's pixels.
        for p in result["photos"]:
            top, left, side = p["square"]
            assert p["angle"] == pytest.approx(0.0, abs=1e-9)
            np.testing.assert_allclose(p["corners"], [[left, top], [left + side, top],
                                                      [left + side, top + side],
                                                      [left, top + side]], atol=0.05)
        assert os.path.isfile(out / f"{label}_photos.png")
        # No face in any of the 3 judged photos: nothing for the judges to see.
        faces = result["photo_faces"]
        assert faces == {"photos": 3, "faces_found": 0, "blend": "seamless",
                         "face_share": pytest.approx(0.0, abs=1e-12)}
        # Noisy colour fields hold no cat face, translated or not.
        assert result["cat_faces"] == pytest.approx({"translated_cats": 0, "translated_dogs": 0})
    assert saved["cat_faces"]["test_cats"] == pytest.approx(0)
    assert saved["cat_faces"]["test_dogs"] == pytest.approx(0)
    assert saved["cat_faces"]["detector"].startswith("OpenCV-haarcascade_frontalcatface")
    # The stand-in COCO detector calls reddish images cats and bluish ones dogs.
    assert saved["coco"]["test_cats_called_dog"] == pytest.approx(0)
    assert saved["coco"]["test_dogs_called_dog"] == pytest.approx(1)
    assert saved["coco"]["test_dogs_called_cat"] == pytest.approx(0)
    assert set(saved["coco"]["sha256"]) == {"model.json", "group1-shard1of1.bin"}
    for label in ("tiny", "other"):
        for key in ("translated_cats_called_dog", "translated_dogs_called_cat"):
            assert 0.0 <= saved["models"][label]["coco"][key] <= 1.0
    entries = {e["name"]: e for e in _publish().metrics_from(saved, "tiny")}
    assert entries["test cats called dog by a COCO detector"]["value"] == pytest.approx(0)
    assert entries["G(test cats) called dog by a COCO detector"]["value"] == pytest.approx(
        saved["models"]["tiny"]["coco"]["translated_cats_called_dog"], abs=5e-4)
    assert "--coco-detector" in entries["real test dogs called dog by a COCO detector"]["command"]
    table = evaluate.markdown(saved)
    assert "| COCO detector verdict | real | tiny | other |" in table
    assert "| Classifier verdict | real | tiny | other |" in table
    assert "| Cat face found in | real | tiny | other |" in table
    assert "| photos with a face found | 0 of 3 | 0 of 3 |" in table

    # A second run reuses the cached classifier.
    again = evaluate.main([
        "--model", model_path, "--out", str(out),
        "--data-test", str(data / "test"), "--data-train", str(data / "train"),
        "--samples", "2", "--limit", "6", "--extractor", "domain-classifier",
    ])
    assert again["domain_classifier"]["training"]["reused"] is True
    assert again["counts"]["test_cats"] == 6
    assert list(again["models"]) == ["tiny_cyclegan"]


def test_cat_face_judge_is_skipped_without_opencv(evaluate, data, model_path, tmp_path,
                                                   monkeypatch):
    def no_opencv(*args, **kwargs):
        raise ImportError("Cannot find cat faces: OpenCV is not installed.")

    monkeypatch.setattr(evaluate.metrics, "face_detection_rate", no_opencv)
    out = tmp_path / "eval"
    report = evaluate.main([
        "--model", model_path, "--out", str(out), "--data-test", str(data / "test"),
        "--data-train", str(data / "train"), "--samples", "2", "--limit", "4",
        "--extractor", "domain-classifier", "--classifier-epochs", "1",
        "--classifier-batch-size", "4", "--classifier-size", "32"])
    assert "OpenCV is not installed" in report["cat_faces"]["skipped"]
    assert "cat_faces" not in report["models"]["tiny_cyclegan"]
    assert "Cat-face detector skipped: Cannot find cat faces" in evaluate.markdown(report)
    assert "COCO detector skipped: no --coco-detector" in evaluate.markdown(report)
    assert "coco" not in report["models"]["tiny_cyclegan"]


def test_whole_photo_faces_are_judged_before_and_after(evaluate, data, tmp_path, monkeypatch):
    from kerasgan.photos import translate as photo_translate

    # A "found face" whose framing is the photo's full 32-px width: no resampling anywhere.
    monkeypatch.setattr(photo_translate, "find_animal_face", lambda image, kind: (5, 8, 21, 21))
    model = kerasgan.models.CycleGAN(image_size=SIZE, generator_width=4, num_residual_blocks=1,
                                     discriminator_width=4, pool_size=2, seed=1,
                                     domains=("cat", "dog"), crop="face")
    path = str(tmp_path / "faces.keras")
    model.save(path)
    folder = str(data / "test" / "cat")
    _, _, records, faces = evaluate.translate_photos(model, folder, 1, blend="feather",
                                                     judge_count=3)
    assert len(records) == 1 and records[0]["crop"] == "face" and records[0]["square"][2] == 32
    assert faces["photos"] == 3 and faces["untranslated"].shape == (3, SIZE, SIZE, 3)
    # Judging only, no tiles: the same faces.
    tiles, _, none, judged_only = evaluate.translate_photos(model, folder, 0, judge_count=3)
    assert len(tiles) == 0 and none == [] and len(judged_only["translated"]) == 3
    # The cut-out "after" face is the model's translation of the "before" face (away from
    # the 3-px feathered border, where the photo shows through).
    expected = model.translate(faces["untranslated"], crop="none")
    inner = (slice(None), slice(3, -3), slice(3, -3))
    assert np.abs(faces["translated"][inner].astype(int) - expected[inner]).max() <= 1

    report = evaluate.main([
        "--model", f"faces={path}", "--out", str(tmp_path / "eval"),
        "--data-test", str(data / "test"), "--data-train", str(data / "train"),
        "--samples", "2", "--limit", "4", "--extractor", "domain-classifier",
        "--classifier-epochs", "1", "--classifier-batch-size", "4", "--classifier-size", "32",
        "--photos", folder, "--photo-count", "1", "--photo-judge-count", "3", "--blend", "feather",
        "--coco-detector", tfjs_testing.stand_in_centernet(str(tmp_path / "coco"))])
    judged = report["models"]["faces"]["photo_faces"]
    assert judged["faces_found"] == 3 and judged["face_share"] == pytest.approx(1.0)
    # The stand-in COCO detector calls the reddish "cat" faces cats; noise holds no cat face.
    assert judged["coco_called_dog"]["untranslated"] == pytest.approx(0.0)
    assert 0.0 <= judged["coco_called_dog"]["translated"] <= 1.0
    assert judged["cat_faces"] == pytest.approx({"untranslated": 0.0, "translated": 0.0})
    assert "| photos with a face found | 3 of 3 |" in evaluate.markdown(report)
    assert "| COCO: faces called dog, before / after | 0.000 / " in evaluate.markdown(report)


def test_translated_region_follows_a_tilted_square(evaluate, monkeypatch):
    from kerasgan.photos import translate as photo_translate
    from kerasgan.photos import translate_photo

    # A tilted face: the translated square is turned by 15 degrees in the photo. Cutting the
    # region out with the same turn gives inverted pixels right into its corners; turning
    # the wrong way (30 degrees off) would put those corners outside the translated square.
    rng = np.random.default_rng(4)
    photo = rng.integers(0, 256, size=(120, 120, 3)).astype("uint8")
    monkeypatch.setattr(photo_translate, "find_animal_face", lambda image, kind: None)
    monkeypatch.setattr(photo_translate, "find_tilted_face",
                        lambda image, kind: ((45, 50, 26, 26), 15.0))
    result = translate_photo(lambda x: 255 - x, photo, 40, crop="face", subject="cat",
                             blend="feather")
    assert result.angle == pytest.approx(15.0)
    before = evaluate.translated_region(photo, result, 40).astype(int)
    after = evaluate.translated_region(result.image, result, 40).astype(int)
    corners = np.zeros((40, 40), bool)
    for rows in (slice(3, 6), slice(34, 37)):          # inside the 3-px feathered band
        for cols in (slice(3, 6), slice(34, 37)):
            corners[rows, cols] = True
    # Inverted pixels give after + before = 255 (up to resampling, which blurs the noise);
    # pixels left as they were would give 2 x before - 255, on average 128 away from 0.
    assert np.abs(after[corners] + before[corners] - 255).mean() < 60


ANIMAL_FACES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data",
                            "animal_faces", "test")


@pytest.mark.skipif(not os.path.isdir(ANIMAL_FACES), reason="needs ../shared/data/animal_faces")
def test_cat_face_judge_tells_real_cats_from_dogs(evaluate):
    pytest.importorskip("cv2")
    cats = evaluate.load_images(os.path.join(ANIMAL_FACES, "cat"), 128, 40)
    dogs = evaluate.load_images(os.path.join(ANIMAL_FACES, "dog"), 128, 40)
    # On the full test set: 0.856 of cats, 0.238 of dogs.
    assert evaluate.cat_face_rate(cats).value > evaluate.cat_face_rate(dogs).value + 0.3
