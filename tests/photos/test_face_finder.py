"""kerasgan.photos.face_finder: the sliding-window search, loading and errors."""

import os

import numpy as np
import pytest

from kerasgan.photos import face_finder
from kerasgan.photos.face_finder import (FINDER_CLASSES, FINDER_SIZE, build_face_finder,
                                         candidate_windows, find_face_square, load_face_finder)
from kerasgan.photos.framing import Square


def red_is_dog(windows, training=False):
    """A stand-in finder: the redder the window's middle, the likelier a "dog".

    Only windows whose middle half is red *and* whose border is grey score
    high, so the best window is the one framing the red square exactly.
    """
    w = np.asarray(windows).astype("float32")
    q = FINDER_SIZE // 4
    middle = w[:, q:-q, q:-q]
    redness = (middle[..., 0] - middle[..., 1]).mean(axis=(1, 2)) / 255
    border = w.copy()
    border[:, q:-q, q:-q] = 128
    greyness = 1 - np.abs(border - 128).mean(axis=(1, 2, 3)) / 128
    score = np.clip(redness / 0.74 * greyness, 1e-6, 1 - 1e-6) ** 4  # sharp: 1 when exact
    return np.log(np.stack([1 - score, np.full_like(score, 1e-9), score], axis=1))


def photo_with_red_square(top, left, side, shape=(120, 160)):
    photo = np.full(shape + (3,), 128, np.uint8)
    q = side // 4
    photo[top + q:top + side - q, left + q:left + side - q] = (220, 30, 30)
    return photo


def iou(a: Square, b: Square) -> float:
    inter = (max(0, min(a.top + a.side, b.top + b.side) - max(a.top, b.top))
             * max(0, min(a.left + a.side, b.left + b.side) - max(a.left, b.left)))
    return inter / (a.side ** 2 + b.side ** 2 - inter)


def test_the_network_maps_windows_to_class_logits():
    model = build_face_finder()
    out = model(np.zeros((2, FINDER_SIZE, FINDER_SIZE, 3), "uint8"), training=False)
    assert tuple(out.shape) == (2, len(FINDER_CLASSES))


def test_candidate_windows_cover_the_photo_and_show_their_squares():
    rng = np.random.default_rng(0)
    photo = rng.integers(0, 256, (96, 150, 3), dtype=np.uint8)
    photo[:, 75:] = 0  # dark right half
    windows, squares = candidate_windows(photo)
    assert windows.shape[1:] == (FINDER_SIZE, FINDER_SIZE, 3) and len(windows) == len(squares)
    top, left, side = squares.T
    assert top.min() >= 0 and left.min() >= 0
    assert (top + side).max() == pytest.approx(96, abs=1.0)
    assert (left + side).max() == pytest.approx(150, abs=1.0)
    assert side.min() == pytest.approx(0.25 * 96, rel=0.05)
    assert side.max() == pytest.approx(96, rel=0.02)
    # A window lying wholly in the dark half is dark; one in the noisy half is not.
    dark = (left >= 76) & (side < 40)
    lit = (left + side <= 74) & (side < 40)
    assert dark.any() and lit.any()
    assert windows[dark].mean() < 3 and windows[lit].mean() > 100


@pytest.mark.parametrize("top, left, side", [(10, 20, 60), (40, 90, 70), (0, 0, 118)])
def test_finds_the_square_the_stand_in_scores_highest(top, left, side):
    photo = photo_with_red_square(top, left, side)
    found = find_face_square(photo, "dog", red_is_dog)
    assert found is not None
    square, p = found
    assert 0.5 <= p <= 1.0
    assert iou(square, Square(top, left, side)) > 0.7
    assert 0 <= square.top and square.top + square.side <= 120
    assert 0 <= square.left and square.left + square.side <= 160


def test_padded_batches_give_the_eager_probabilities():
    # A Keras finder runs in fixed, padded batches through its compiled predict
    # function; the windows that do not fill the last batch must come back
    # alone, in order, with the probabilities an eager call gives.
    model = build_face_finder(seed=3)
    photo = np.random.default_rng(1).integers(0, 256, (64, 90, 3), dtype=np.uint8)
    windows, squares = candidate_windows(photo)
    assert len(windows) % 64 != 0
    found_squares, probs = face_finder.face_probabilities(photo, model, batch_size=64)
    logits = np.asarray(model(windows, training=False), "float64")
    expected = np.exp(logits - logits.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(found_squares, squares)
    np.testing.assert_allclose(probs, expected, atol=1e-4)
    assert np.allclose(probs.sum(axis=1), 1, atol=1e-5)


def test_nothing_above_the_threshold_finds_nothing():
    photo = np.full((100, 100, 3), 128, np.uint8)
    assert find_face_square(photo, "dog", red_is_dog) is None
    # The stand-in never says "cat".
    assert find_face_square(photo_with_red_square(10, 10, 60), "cat", red_is_dog) is None


def test_large_photos_are_searched_shrunk_and_answered_in_their_own_pixels():
    photo = photo_with_red_square(200, 400, 300, shape=(600, 800))
    square, _ = find_face_square(photo, "dog", red_is_dog)
    assert iou(square, Square(200, 400, 300)) > 0.7


@pytest.mark.parametrize("photo, match", [
    (np.zeros((60, 60), np.uint8), "uint8 RGB photo"),
    (np.zeros((60, 60, 3), np.float32), "dtype float32"),
    (np.zeros((30, 60, 3), np.uint8), "at least 48 pixels"),
])
def test_bad_photos_get_a_clear_error(photo, match):
    with pytest.raises(ValueError, match=match):
        find_face_square(photo, "dog", red_is_dog)


def test_unknown_animals_are_refused():
    with pytest.raises(ValueError, match="knows \\('cat', 'dog'\\); received 'horse'"):
        find_face_square(np.zeros((60, 60, 3), np.uint8), "horse", red_is_dog)


def test_missing_weights_say_how_to_make_them(tmp_path):
    with pytest.raises(FileNotFoundError, match="train_face_finder.py"):
        load_face_finder(str(tmp_path / "nothing.weights.h5"))


def test_weights_round_trip_through_load_face_finder(tmp_path):
    model = build_face_finder(seed=3)
    path = str(tmp_path / "finder.weights.h5")
    model.save_weights(path)
    loaded = load_face_finder(path)
    x = np.random.default_rng(0).integers(0, 256, (3, FINDER_SIZE, FINDER_SIZE, 3), np.uint8)
    np.testing.assert_allclose(np.asarray(loaded(x, training=False)),
                               np.asarray(model(x, training=False)), rtol=1e-5, atol=1e-5)


def test_shipped_weights_are_checked_against_their_sha256(tmp_path, monkeypatch):
    from kerasgan.zoo.errors import ChecksumError

    path = str(tmp_path / "face_finder.weights.h5")
    build_face_finder().save_weights(path)
    monkeypatch.setattr(face_finder, "FINDER_WEIGHTS", path)
    monkeypatch.setattr(face_finder, "FINDER_SHA256", "0" * 64)
    face_finder._load.cache_clear()
    try:
        with pytest.raises(ChecksumError, match="shipped face finder"):
            load_face_finder()
    finally:
        face_finder._load.cache_clear()


# ------------------------------------------------------------ in translate_photo
def darken(images):
    return (np.asarray(images) // 4).astype("uint8")


def test_translate_photo_frames_dogs_with_the_finder():
    from kerasgan.photos import translate_photo

    photo = photo_with_red_square(10, 90, 60)
    out = translate_photo(darken, photo, 16, crop="face", subject="dog", finder=red_is_dog)
    assert out.crop == "face" and out.note is None
    assert iou(out.square, Square(10, 90, 60)) > 0.7
    # Outside the square the photo is untouched; the red face inside is darkened.
    np.testing.assert_array_equal(out.image[:, :80], photo[:, :80])
    assert out.image[30:50, 110:130, 0].mean() < photo[30:50, 110:130, 0].mean() - 60


@pytest.mark.parametrize("photo, finder, note", [
    (np.full((100, 100, 3), 128, np.uint8), red_is_dog,
     "no dog face found; translated the centre square"),
    (photo_with_red_square(10, 10, 60), False,
     "no dog-face detector; translated the centre square"),
    (np.full((40, 100, 3), 128, np.uint8), red_is_dog,
     "the photo is too small for the dog-face finder; translated the centre square"),
    (np.full((100, 100, 1), 128, np.uint8), red_is_dog,
     "the dog-face finder takes RGB photos; translated the centre square"),
])
def test_translate_photo_says_why_the_finder_was_not_used(photo, finder, note):
    from kerasgan.photos import translate_photo

    out = translate_photo(darken, photo, 16, crop="face", subject="dog", finder=finder)
    assert out.crop == "center" and out.note == note


@pytest.fixture
def cascade_finds(monkeypatch):
    """Makes OpenCV's cascade (upright, tilted) find `cascade_finds.box`, or nothing (None)."""
    from kerasgan.photos import translate as photo_translate

    state = {"box": None, "reason": None}
    monkeypatch.setattr(photo_translate, "detector_unavailable_reason", lambda s: state["reason"])
    monkeypatch.setattr(photo_translate, "find_animal_face", lambda image, s: state["box"])
    monkeypatch.setattr(photo_translate, "find_tilted_face", lambda image, s: None)
    return state


def test_cats_use_the_finder_only_where_the_cascade_finds_nothing(cascade_finds):
    from kerasgan.photos import face_square, translate_photo

    photo = photo_with_red_square(10, 90, 60)
    # The stand-in finder calls the red square a "dog"; make it a "cat" finder.
    cat_finder = lambda w, training=False: red_is_dog(w)[:, [0, 2, 1]]  # noqa: E731
    cascade_finds["box"] = (20, 30, 20, 20)
    out = translate_photo(darken, photo, 16, crop="face", subject="cat", finder=cat_finder)
    assert out.square == face_square((20, 30, 20, 20), 120, 160) and out.note is None
    cascade_finds["box"] = None
    out = translate_photo(darken, photo, 16, crop="face", subject="cat", finder=cat_finder)
    assert iou(out.square, Square(10, 90, 60)) > 0.7 and out.note is None
    out = translate_photo(darken, photo, 16, crop="face", subject="cat", finder=False)
    assert out.crop == "center" and out.note == "no cat face found; translated the centre square"


def test_cats_without_opencv_still_get_the_finder_and_a_note_that_says_both(cascade_finds):
    from kerasgan.photos import translate_photo

    cascade_finds["reason"] = "OpenCV is not installed (pip install x)"
    grey = np.full((100, 100, 3), 128, np.uint8)
    out = translate_photo(darken, grey, 16, crop="face", subject="cat", finder=red_is_dog)
    assert out.note == ("no cat face found, and OpenCV is not installed (pip install x); "
                        "translated the centre square")


# ------------------------------------------------------------ the shipped weights
def test_shipped_weights_match_their_sha256_and_find_nothing_in_empty_photos():
    import hashlib

    with open(face_finder.FINDER_WEIGHTS, "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == face_finder.FINDER_SHA256
    model = load_face_finder()
    assert model.output_shape == (None, len(FINDER_CLASSES))
    grey = np.full((120, 160, 3), 128, np.uint8)
    noise = np.random.default_rng(0).integers(0, 256, (120, 160, 3), dtype=np.uint8)
    for photo in (grey, noise):
        for animal in ("cat", "dog"):
            assert find_face_square(photo, animal, model) is None


ANIMAL_FACES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data",
                            "animal_faces", "test")


@pytest.mark.skipif(not os.path.isdir(ANIMAL_FACES), reason="shared animal_faces not available")
@pytest.mark.parametrize("animal", ["cat", "dog"])
def test_shipped_finder_frames_held_out_faces_pasted_into_a_scene(animal):
    """Held-out aligned faces, pasted at a known square over a smooth gradient, are found there."""
    from PIL import Image

    model = load_face_finder()
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:160, 0:220]
    scene = np.stack([yy * 0.5 + 60, xx * 0.4 + 70, np.full_like(yy, 150)], -1).astype(np.uint8)
    files = sorted(os.listdir(os.path.join(ANIMAL_FACES, animal)))[:6]
    overlaps = []
    for name in files:
        with Image.open(os.path.join(ANIMAL_FACES, animal, name)) as image:
            face = image.convert("RGB")
        side = int(rng.integers(60, 110))
        top, left = int(rng.integers(0, 160 - side)), int(rng.integers(0, 220 - side))
        photo = scene.copy()
        photo[top:top + side, left:left + side] = np.asarray(face.resize((side, side),
                                                                         Image.BILINEAR))
        found = find_face_square(photo, animal, model)
        overlaps.append(0.0 if found is None else iou(found[0], Square(top, left, side)))
    # Measured when the weights were made: 10 of 10 per animal over 0.5 (the least 0.57).
    assert sum(o > 0.5 for o in overlaps) >= 5, overlaps
