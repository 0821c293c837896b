"""kerasgan.photos.framing: squares around faces, cut-outs and feathered pastes."""

import numpy as np
import pytest

from kerasgan.photos import Square, center_square, face_square, paste, resize_square
from kerasgan.photos import framing


@pytest.mark.parametrize("h, w, expected", [(100, 60, Square(20, 0, 60)),
                                            (60, 100, Square(0, 20, 60)),
                                            (50, 50, Square(0, 0, 50))])
def test_center_square(h, w, expected):
    assert center_square(h, w) == expected


def test_face_square_frames_the_face_like_the_training_crops():
    # A 64-px face box in the middle of a big photo.
    sq = face_square((468, 468, 64, 64), 1000, 1000)
    assert sq.side == round(64 / framing.FACE_BOX_FRACTION)          # ~100 px
    # The box is centred horizontally and sits FACE_BOX_DROP below the centre.
    assert sq.left + sq.side / 2 == pytest.approx(500, abs=1)
    assert (500 - sq.top) / sq.side == pytest.approx(0.5 + framing.FACE_BOX_DROP, abs=0.01)


def test_face_square_stays_inside_the_photo():
    for box in [(0, 0, 50, 50), (150, 70, 50, 50), (-5, -5, 30, 30), (10, 10, 150, 150)]:
        sq = face_square(box, 120, 200)
        assert 0 <= sq.top and sq.top + sq.side <= 120
        assert 0 <= sq.left and sq.left + sq.side <= 200
    assert face_square((10, 10, 150, 150), 120, 200).side == 120   # shrunk to fit


def test_resize_square_cuts_then_resizes():
    photo = np.zeros((40, 60, 3), "uint8")
    photo[10:30, 20:40] = 200
    out = resize_square(photo, Square(10, 20, 20), 8)
    assert out.shape == (8, 8, 3) and out.dtype == np.uint8
    assert out.min() == 200 and out.max() == 200


def test_paste_fades_inner_borders_only_and_leaves_the_rest():
    photo = np.zeros((50, 80, 3), "uint8")
    patch = np.full((10, 10, 3), 255, "uint8")
    sq = Square(0, 30, 40)                      # touches the top edge only
    out = paste(photo, patch, sq, feather=0.25)
    assert out.shape == photo.shape and out.dtype == np.uint8
    outside = np.ones(photo.shape[:2], bool)
    outside[0:40, 30:70] = False
    assert (out[outside] == 0).all()             # untouched outside the square
    assert (out[15:25, 45:55] == 255).all()      # full patch in the middle
    assert out[0, 50, 0] == 255                  # the photo's edge: no fade
    assert 0 < out[39, 50, 0] < 128              # the inner bottom border fades out
    assert 0 < out[20, 30, 0] < 128 and 0 < out[20, 69, 0] < 128


def test_paste_without_feather_is_a_plain_paste():
    photo = np.zeros((20, 20, 3), "uint8")
    out = paste(photo, np.full((4, 4, 3), 9, "uint8"), Square(5, 5, 4), feather=0)
    assert (out[5:9, 5:9] == 9).all() and out.sum() == 9 * 16 * 3
