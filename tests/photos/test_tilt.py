"""Tilted faces: kerasgan.photos.tilt, find_tilted_face and translate_photo's turned squares."""

import math
import os

import numpy as np
import pytest

from kerasgan.photos import detect, find_tilted_face, tilt, translate_photo
from kerasgan.photos import translate as photo_translate

cv2 = pytest.importorskip("cv2")


def tilted_square(photo_shape, centre, side, angle):
    """A uint8 image, 255 inside a square of `side` centred at `centre` (x, y), turned by `angle`
    degrees counter-clockwise as seen (y down), 0 elsewhere. Built with plain trigonometry, not
    with the module under test."""
    a = math.radians(angle)
    corners = []
    for dx, dy in [(-1, -1), (1, -1), (1, 1), (-1, 1)]:
        dx, dy = dx * side / 2, dy * side / 2
        # Counter-clockwise on screen with y pointing down.
        corners.append((centre[0] + dx * math.cos(a) + dy * math.sin(a),
                        centre[1] - dx * math.sin(a) + dy * math.cos(a)))
    image = np.zeros(photo_shape, "uint8")
    cv2.fillPoly(image, [np.round(np.array(corners) * 16).astype(np.int32)], 255, shift=4)
    return image


def blob_detector(image, kind="cat", min_size=None):
    """A stand-in for the cascade: the bright blob's box, only when the blob is upright
    (it fills at least 90 % of its box)."""
    gray = image if image.ndim == 2 else image[..., 0]
    ys, xs = np.nonzero(gray > 128)
    if len(xs) == 0:
        return None
    w, h = xs.max() - xs.min() + 1, ys.max() - ys.min() + 1
    if len(xs) < 0.9 * w * h:
        return None
    return (int(xs.min()), int(ys.min()), int(w), int(h))


@pytest.fixture
def blob_search(monkeypatch):
    monkeypatch.setattr(detect, "detector_unavailable_reason", lambda kind: None)
    monkeypatch.setattr(detect, "find_face", blob_detector)


def test_turned_canvas_holds_the_whole_photo():
    image = np.full((30, 50), 200, "uint8")
    turned, matrix = tilt.turned_canvas(image, 15.0)
    a = math.radians(15)
    assert turned.shape == (math.ceil(30 * math.cos(a) + 50 * math.sin(a)),
                            math.ceil(50 * math.cos(a) + 30 * math.sin(a)))
    # All of the photo lands on the canvas: its mass is kept (edges are resampled).
    assert turned.sum(dtype=np.int64) == pytest.approx(image.sum(dtype=np.int64), rel=0.03)
    # The photo's centre goes to the canvas's centre.
    cx, cy = tilt.map_point(matrix, (24.5, 14.5))
    assert cx == pytest.approx((turned.shape[1] - 1) / 2, abs=0.51)
    assert cy == pytest.approx((turned.shape[0] - 1) / 2, abs=0.51)


@pytest.mark.parametrize("drawn, expected", [(-15.0, 15.0), (15.0, -15.0)])
@pytest.mark.parametrize("shape, centre, side", [((120, 160), (100.0, 50.0), 30),
                                                 ((1000, 1300), (800.0, 300.0), 200)])
def test_find_tilted_face_maps_the_face_back_to_the_photo(blob_search, drawn, expected, shape,
                                                          centre, side):
    # The big photo is searched at DETECT_MAX_SIDE: the box comes back in its own pixels.
    photo = tilted_square(shape, centre, side, drawn)
    assert blob_detector(photo) is None                 # a tilted face: no upright find
    (x, y, w, h), angle = find_tilted_face(photo, "cat")
    assert angle == pytest.approx(expected)
    scale = max(1.0, max(shape) / detect.DETECT_MAX_SIDE)
    assert x + (w - 1) / 2 == pytest.approx(centre[0] - 0.5, abs=1.5 * scale)
    assert y + (h - 1) / 2 == pytest.approx(centre[1] - 0.5, abs=1.5 * scale)
    assert w == pytest.approx(side, abs=2.5 * scale) and h == pytest.approx(side, abs=2.5 * scale)


def test_find_tilted_face_only_tries_the_tilts(blob_search):
    photo = tilted_square((120, 160), (80.0, 60.0), 30, 0.0)      # upright
    assert find_tilted_face(photo, "cat", tilts=(15.0, -15.0)) is None
    assert find_tilted_face(photo, "cat", tilts=(0.0,))[1] == pytest.approx(0.0, abs=1e-9)
    assert find_tilted_face(tilted_square((120, 160), (80.0, 60.0), 30, 40.0), "cat") is None


def test_find_tilted_face_errors(monkeypatch):
    monkeypatch.setattr(detect, "detector_unavailable_reason", lambda kind: None)
    with pytest.raises(ValueError, match=r"find_tilted_face takes one uint8 image .*"
                                         r"received dtype float32"):
        find_tilted_face(np.zeros((32, 32, 3), "float32"), "cat")
    monkeypatch.undo()
    monkeypatch.setattr(detect, "_cv2", lambda: None)
    with pytest.raises(ImportError, match="Cannot find cat faces: OpenCV is not installed"):
        find_tilted_face(np.zeros((32, 32, 3), "uint8"), "cat")


def smooth_photo(h=90, w=120):
    y, x = np.mgrid[0:h, 0:w].astype("float32")
    photo = np.stack([60 + x, 40 + 1.5 * y, 200 - 0.5 * x - 0.5 * y], -1)
    return np.clip(photo, 0, 255).astype("uint8")


def invert(images):
    return 255 - images


@pytest.fixture
def tilted_face(monkeypatch):
    """translate_photo finds no upright face, and a face tilted by 20 degrees at (62.5, 42.5)."""
    monkeypatch.setattr(photo_translate, "detector_unavailable_reason", lambda s: None)
    monkeypatch.setattr(photo_translate, "find_animal_face", lambda image, s: None)
    monkeypatch.setattr(photo_translate, "find_tilted_face",
                        lambda image, s: ((50, 30, 26, 26), 20.0))


def test_translate_photo_translates_a_tilted_face_upright_and_turns_it_back(tilted_face):
    photo = smooth_photo()
    seen = []

    def translator(images):
        seen.append(images.shape)
        return invert(images)

    out = translate_photo(translator, photo, 16, crop="face", subject="cat", blend="feather")
    assert seen == [(1, 16, 16, 3)]
    assert out.crop == "face" and out.note is None and out.angle == pytest.approx(20.0)
    assert out.pivot == pytest.approx((62.5, 42.5))
    assert out.image.shape == photo.shape and out.image.dtype == np.uint8
    corners = out.corners()
    # A square of the framed side, turned: clockwise on screen by the angle (the face leans so).
    sides = np.hypot(*np.diff(np.vstack([corners, corners[:1]]), axis=0).T)
    np.testing.assert_allclose(sides, out.square.side, atol=1e-6)
    top = corners[1] - corners[0]
    assert math.degrees(math.atan2(top[1], top[0])) == pytest.approx(20.0, abs=1e-6)
    # Outside the turned square the photo keeps its own pixels exactly.
    inside = np.zeros(photo.shape[:2], "uint8")
    cv2.fillPoly(inside, [np.round(corners).astype(np.int32)], 1)
    inside = cv2.dilate(inside, np.ones((5, 5), "uint8"))
    np.testing.assert_array_equal(out.image[inside == 0], photo[inside == 0])
    # Inside, around the square's centre, the (resampled) inverted photo.
    centre = corners.mean(axis=0)
    yy, xx = np.mgrid[0:photo.shape[0], 0:photo.shape[1]]
    core = np.hypot(xx - centre[0], yy - centre[1]) < 0.2 * out.square.side
    assert np.abs(out.image[core].astype(int) - (255 - photo[core].astype(int))).mean() < 8


def bright_nose(images):
    """A stand-in translator that adds one bright feature in the middle of the face."""
    out = images.copy()
    n = images.shape[1]
    out[:, n // 2 - 2:n // 2 + 2, n // 2 - 2:n // 2 + 2] = 255
    return out


@pytest.mark.parametrize("blend", ["feather", "seamless"])
def test_translate_photo_puts_a_tilted_translation_where_the_face_is(tilted_face, blend):
    photo = smooth_photo() // 2
    out = translate_photo(bright_nose, photo, 16, crop="face", subject="cat", blend=blend)
    change = np.abs(out.image.astype(int) - photo).sum(-1)
    y, x = np.unravel_index(np.argmax(change), change.shape)
    centre = out.corners().mean(axis=0)
    assert change.max() > 150
    assert math.hypot(x - centre[0], y - centre[1]) < 0.15 * out.square.side


CAT_PHOTOS = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data",
                          "animal_faces", "test", "cat")


@pytest.mark.skipif(detect.detector_unavailable_reason("cat") is not None,
                    reason="OpenCV with the cat-face cascade is not installed")
@pytest.mark.skipif(not os.path.isdir(CAT_PHOTOS), reason="shared animal_faces data not present")
def test_find_tilted_face_finds_real_tilted_cat_faces():
    from PIL import Image

    files = sorted(os.listdir(CAT_PHOTOS))[:10]
    upright = tilted = 0
    for name in files:
        face = np.asarray(Image.open(os.path.join(CAT_PHOTOS, name)).convert("RGB"))
        photo = np.full((400, 300, 3), 128, "uint8")
        photo[150:278, 100:228] = face
        # The face leans 15 degrees: turned clockwise about its centre (164, 214).
        photo = tilt.warp(photo, tilt.turn_matrix(-15.0, (163.5, 213.5)), 300, 400,
                          reflect=False)
        photo[photo.sum(-1) == 0] = 128
        upright += detect.find_face(photo, "cat") is not None
        found = find_tilted_face(photo, "cat")
        if found is not None:
            (x, y, w, h), angle = found
            tilted += (angle == pytest.approx(15.0) and abs(x + w / 2 - 164) < 30
                       and abs(y + h / 2 - 214) < 30)
    assert tilted >= 6 and tilted > upright, f"tilted search {tilted}, upright {upright}"
