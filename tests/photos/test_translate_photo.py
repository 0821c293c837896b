"""kerasgan.photos.translate_photo and CycleGAN.translate(crop=...)."""

import logging
import os

import numpy as np
import pytest

import kerasgan
from kerasgan.photos import Square, detect, translate_photo
from kerasgan.photos import translate as photo_translate

SIZE = 16


def invert(images):
    """A stand-in translator: records the shapes it is given and inverts."""
    invert.shapes.append(images.shape)
    return 255 - images


invert.shapes = []


@pytest.fixture
def photo():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (60, 90, 3), dtype=np.uint8)


def test_none_translates_the_photo_as_it_is(photo):
    invert.shapes.clear()
    out = translate_photo(invert, photo, SIZE, crop="none")
    assert invert.shapes == [(1, 60, 90, 3)]
    assert out.crop == "none" and out.square is None and out.note is None
    np.testing.assert_array_equal(out.image, 255 - photo)


def test_whole_rescales_the_shorter_side_to_the_training_size(photo):
    invert.shapes.clear()
    out = translate_photo(invert, photo, SIZE, crop="whole")
    assert invert.shapes == [(1, SIZE, 24, 3)]
    assert out.image.shape == photo.shape and out.crop == "whole"


def test_center_translates_the_centre_square_and_keeps_the_rest(photo):
    invert.shapes.clear()
    out = translate_photo(invert, photo, SIZE, crop="center")
    assert invert.shapes == [(1, SIZE, SIZE, 3)]
    assert out.square == Square(0, 15, 60) and out.crop == "center" and out.note is None
    np.testing.assert_array_equal(out.image[:, :15], photo[:, :15])
    np.testing.assert_array_equal(out.image[:, 75:], photo[:, 75:])
    # The square's middle is the (resized) translation: mostly far from the input.
    middle = np.abs(out.image[20:40, 35:55].astype(int) - photo[20:40, 35:55]).mean()
    assert middle > 40


def test_face_uses_the_detected_face(photo, monkeypatch):
    monkeypatch.setattr(photo_translate, "detector_unavailable_reason", lambda s: None)
    monkeypatch.setattr(photo_translate, "find_animal_face", lambda image, s: (40, 20, 13, 13))

    def no_tilted_search(image, s):
        raise AssertionError("tilts are searched only when no upright face is found")

    monkeypatch.setattr(photo_translate, "find_tilted_face", no_tilted_search)
    out = translate_photo(invert, photo, SIZE, crop="face", subject="cat")
    assert out.crop == "face" and out.note is None and out.pivot is None
    assert out.angle == pytest.approx(0.0, abs=1e-9)
    assert out.square == kerasgan.photos.face_square((40, 20, 13, 13), 60, 90)


@pytest.mark.parametrize("found, reason, note", [
    (None, None, "no cat face found; translated the centre square"),
    ((1, 1, 5, 5), "no cat-face detector", "no cat-face detector; translated the centre square"),
])
def test_face_falls_back_to_the_centre_square_and_says_why(photo, monkeypatch, found, reason,
                                                           note):
    monkeypatch.setattr(photo_translate, "detector_unavailable_reason", lambda s: reason)
    monkeypatch.setattr(photo_translate, "find_animal_face", lambda image, s: found)
    monkeypatch.setattr(photo_translate, "find_tilted_face", lambda image, s: None)
    out = translate_photo(invert, photo, SIZE, crop="face", subject="cat",
                          finder=False)  # the cascade alone (the finder: test_face_finder)
    assert out.crop == "center" and out.note == note
    assert out.angle == pytest.approx(0.0, abs=1e-9)
    assert out.square == Square(0, 15, 60)


def test_unknown_crop_is_refused(photo):
    with pytest.raises(ValueError, match="crop must be one of"):
        translate_photo(invert, photo, SIZE, crop="square")
    with pytest.raises(ValueError, match=r"blend must be one of \('seamless', 'poisson', "
                                         r"'feather'\); received 'mixed'"):
        translate_photo(invert, photo, SIZE, crop="center", blend="mixed")


def darken(images):
    """A stand-in translator whose output is much darker than its input."""
    return (images // 4).astype("uint8")


@pytest.mark.parametrize("blend", ["seamless", "poisson", "feather"])
def test_blend_modes_at_the_squares_border(blend):
    photo = np.full((40, 80, 3), 200, "uint8")
    photo[:, :, 1] = np.arange(80, dtype="uint8")[None, :] + 100        # a smooth ramp
    out = translate_photo(darken, photo, SIZE, crop="center", blend=blend).image.astype(int)
    left = 20                                            # Square(0, 20, 40)
    np.testing.assert_array_equal(out[:, :left], photo[:, :left])
    np.testing.assert_array_equal(out[:, left + 40:], photo[:, left + 40:])
    inner_border = np.abs(out[:, left] - photo[:, left]).max()
    middle = photo[15:25, 35:45].mean() - out[15:25, 35:45].mean()
    if blend == "poisson":
        # The border takes the photo's colours and the darkening offset is gone.
        assert inner_border == 0 and abs(middle) <= 2
    elif blend == "seamless":
        # The border takes the photo's colours, but the face keeps the dark ones.
        assert inner_border == 0 and middle > 100
    else:
        # The feathered paste keeps the translation's own (dark) colours.
        assert middle > 100


def test_detector_reasons(monkeypatch):
    assert detect.detector_unavailable_reason("dog") == "no dog-face detector"
    assert "no face detector" in detect.detector_unavailable_reason(None)
    monkeypatch.setattr(detect, "_cv2", lambda: None)
    reason = detect.detector_unavailable_reason("cat")
    assert "OpenCV is not installed" in reason and "kerasgan[faces]" in reason
    with pytest.raises(ImportError, match="Cannot find cat faces"):
        detect.find_animal_face(np.zeros((32, 32, 3), "uint8"), "cat")


needs_opencv = pytest.mark.skipif(detect.detector_unavailable_reason("cat") is not None,
                                  reason="OpenCV with the cat-face cascade is not installed")


@needs_opencv
def test_find_animal_face_on_noise_finds_nothing():
    rng = np.random.default_rng(0)
    assert detect.find_animal_face(rng.integers(0, 256, (80, 120, 3), dtype=np.uint8)) is None
    assert detect.find_animal_face(np.zeros((10, 10), "uint8")) is None   # too small to search
    with pytest.raises(ValueError, match="uint8"):
        detect.find_animal_face(np.zeros((32, 32, 3), "float32"))


CATS = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data",
                    "animal_faces", "test", "cat")


@needs_opencv
@pytest.mark.skipif(not os.path.isdir(CATS), reason="shared animal_faces data not present")
def test_find_animal_face_finds_real_cat_faces_in_a_bigger_photo():
    from PIL import Image

    files = sorted(os.listdir(CATS))[:10]
    found = 0
    for name in files:
        face = np.asarray(Image.open(os.path.join(CATS, name)).convert("RGB"))
        photo = np.full((400, 300, 3), 128, "uint8")
        photo[150:278, 100:228] = face                      # a face in a grey "scene"
        box = detect.find_animal_face(photo, "cat")
        if box is not None:
            x, y, w, h = box
            found += 100 <= x + w / 2 <= 228 and 150 <= y + h / 2 <= 278
    assert found >= 6, f"found {found} of {len(files)} cat faces"


# ------------------------------------------------------------ CycleGAN
@pytest.fixture(scope="module")
def model():
    return kerasgan.models.CycleGAN(image_size=SIZE, generator_width=4, num_residual_blocks=1,
                                    discriminator_width=4, discriminator_layers=2, pool_size=0,
                                    seed=0, domains=("cat", "dog"), crop="face")


def test_cyclegan_crop_and_domains_round_trip(model):
    config = model.get_config()
    assert config["domains"] == ["cat", "dog"] and config["crop"] == "face"
    clone = kerasgan.models.CycleGAN.from_config(config)
    assert clone.domains == ("cat", "dog") and clone.crop == "face"


@pytest.mark.parametrize("kwargs, match", [({"crop": "faces"}, "crop must be one of"),
                                           ({"domains": ("cat",)}, "two names"),
                                           ({"domains": "catdog"}, "two names")])
def test_cyclegan_rejects_bad_crop_and_domains(kwargs, match):
    with pytest.raises(ValueError, match=match):
        kerasgan.models.CycleGAN(image_size=SIZE, generator_width=4, num_residual_blocks=1,
                                 discriminator_width=4, discriminator_layers=2, **kwargs)


def test_cyclegan_translate_frames_whole_photos(model, photo, caplog):
    with caplog.at_level(logging.WARNING, logger="kerasgan"):
        out = model.translate(photo, "b2a", finder=False)  # dogs, no finder -> centre square
    assert out.shape == photo.shape and out.dtype == np.uint8
    np.testing.assert_array_equal(out[:, :15], photo[:, :15])
    assert "No dog-face detector; translated the centre square." in caplog.text
    batch = model.translate(np.stack([photo, photo]), "a2b", crop="center")
    assert batch.shape == (2, *photo.shape)
    np.testing.assert_array_equal(batch[0], batch[1])
    result = model.translate_photo(photo, "a2b", crop="center")
    np.testing.assert_array_equal(result.image, batch[0])
    feathered = model.translate(photo, "a2b", crop="center", blend="feather")
    assert np.abs(feathered.astype(int) - batch[0]).max() > 0
    native = model.translate(photo, "a2b", crop="none")
    assert native.shape == photo.shape
    with pytest.raises(ValueError, match="crop must be one of"):
        model.translate(photo, crop="middle")
    # Refused even where no square is blended back (crop="none").
    with pytest.raises(ValueError, match=r"blend must be one of .*received 'mixed'"):
        model.translate(photo, crop="none", blend="mixed")
    with pytest.raises(ValueError, match="one image"):
        model.translate_photo(np.stack([photo, photo]))
