"""kerasgan.photos.blending: the harmonic correction against a dense solve, and seamless pastes."""

import itertools

import numpy as np
import pytest

from kerasgan.photos import (BLEND_MODES, Square, blend_square, face_keep_mask, paste,
                             seamless_paste)
from kerasgan.photos.blending import _dst1, harmonic_correction
from kerasgan.photos.framing import FACE_BOX_DROP


def _dense_correction(d, fixed):
    """Reference: the same Laplace problem as one dense linear system (free sides: zero slope)."""
    side = d.shape[0]
    top, bottom, left, right = fixed
    is_fixed = np.zeros((side, side), bool)
    is_fixed[0, :] |= top
    is_fixed[-1, :] |= bottom
    is_fixed[:, 0] |= left
    is_fixed[:, -1] |= right
    unknown = [(i, j) for i in range(side) for j in range(side) if not is_fixed[i, j]]
    index = {p: k for k, p in enumerate(unknown)}
    a = np.zeros((len(unknown), len(unknown)))
    b = np.zeros((len(unknown),) + d.shape[2:])
    for k, (i, j) in enumerate(unknown):
        for di, dj in ((-1, 0), (1, 0), (0, -1), (0, 1)):
            ni, nj = i + di, j + dj
            if not (0 <= ni < side and 0 <= nj < side):
                continue                    # a free side: the mirror neighbour is the pixel itself
            a[k, k] -= 1
            if is_fixed[ni, nj]:
                b[k] -= d[ni, nj]
            else:
                a[k, index[(ni, nj)]] += 1
    u = np.where(is_fixed[..., None], d, 0.0)
    solution = np.linalg.solve(a, b)
    for k, (i, j) in enumerate(unknown):
        u[i, j] = solution[k]
    return u


def test_dst1_matches_its_definition():
    x = np.random.default_rng(0).normal(size=(3, 7))
    n = np.arange(1, 8)
    expected = x @ np.sin(np.pi * np.outer(n, n) / 8)
    np.testing.assert_allclose(_dst1(x, axis=1), expected, atol=1e-10)


@pytest.mark.parametrize("fixed", [f for f in itertools.product([True, False], repeat=4) if any(f)])
def test_harmonic_correction_solves_the_laplace_problem(fixed):
    d = np.random.default_rng(1).normal(size=(7, 7, 2)) * 50
    np.testing.assert_allclose(harmonic_correction(d, fixed), _dense_correction(d, fixed),
                               atol=1e-8)


def test_no_fixed_side_means_no_correction():
    d = np.full((5, 5, 1), 3.0)
    assert not harmonic_correction(d, (False,) * 4).any()


def _photo(h=40, w=50):
    rng = np.random.default_rng(2)
    return rng.integers(60, 190, size=(h, w, 3)).astype("uint8")


@pytest.mark.parametrize("square", [Square(8, 10, 20),        # inside the photo
                                    Square(0, 0, 20),         # on the top and left edges
                                    Square(0, 10, 40)])       # top to bottom: two free sides
def test_a_colour_shifted_patch_is_shifted_back(square):
    photo = _photo()
    s = square
    region = photo[s.top:s.top + s.side, s.left:s.left + s.side].astype("int32")
    patch = (region + np.array([-50, 20, 40])).astype("uint8")
    out = seamless_paste(photo, patch, square)
    assert out.dtype == np.uint8 and out.shape == photo.shape
    # The offset is harmonic with the right border values: the photo comes back.
    assert np.abs(out.astype("int32") - photo).max() <= 1


def _dark_patch_scene():
    """A grey photo, and a dark patch with an 80 levels brighter square for its middle."""
    photo = np.full((60, 60, 3), 120, "uint8")
    patch = np.full((30, 30, 3), 20, "uint8")
    patch[10:20, 10:20] = 100
    return photo, patch, Square(15, 15, 30)


def _assert_photo_outside_and_on_the_border(out):
    outside = np.ones((60, 60), bool)
    outside[15:45, 15:45] = False
    assert (out[outside] == 120).all()
    ring = np.ones((30, 30), bool)
    ring[1:-1, 1:-1] = False
    assert (out[15:45, 15:45][ring] == 120).all()        # the border is the photo's


def test_shapes_are_kept_and_the_border_takes_the_photo_colour():
    photo, patch, square = _dark_patch_scene()
    out = seamless_paste(photo, patch, square).astype("int32")
    _assert_photo_outside_and_on_the_border(out)
    # The shape survives: the step at the inner square's edge is still ~80 levels
    # (the correction is smooth, so it barely changes from one pixel to the next).
    step = out[25, 27:33] - out[24, 27:33]
    assert np.abs(step - 80).max() <= 5
    # And no dark square: the patch's 20 became photo-like colours near the border.
    assert out[16:44, 16].mean() > 100


def test_seamless_paste_resizes_the_patch():
    photo = _photo(32, 32)
    out = seamless_paste(photo, np.zeros((7, 7, 3), "uint8"), Square(4, 4, 16))
    assert out.shape == photo.shape


@pytest.mark.parametrize("keep", [None, "face"])
def test_large_squares_solve_at_a_smaller_side(keep):
    # A smooth photo and a dark, smooth patch: the upsampled correction is close
    # to the full-size one, and the border is still exactly the photo's.
    y, x = np.mgrid[0:100, 0:120].astype("float32")
    photo = np.stack([100 + 50 * np.sin(x / 17), 120 + 0.5 * y, 90 + 40 * np.cos(y / 23)], -1)
    photo = photo.astype("uint8")
    patch = (photo[10:90, 20:100] // 3).astype("uint8")
    square = Square(10, 20, 80)
    mask = face_keep_mask(80) if keep else None
    exact = seamless_paste(photo, patch, square, max_solve_side=None, keep=mask).astype(int)
    capped = seamless_paste(photo, patch, square, max_solve_side=32, keep=mask).astype(int)
    inside = capped[10:90, 20:100]
    np.testing.assert_array_equal(inside[0], photo[10, 20:100])
    np.testing.assert_array_equal(inside[:, -1], photo[10:90, 99])
    np.testing.assert_array_equal(inside[:, 0], photo[10:90, 20])
    assert np.abs(capped - exact).mean() < 1.0 and np.abs(capped - exact).max() <= 6


def test_face_keep_mask_covers_the_framed_face():
    side = 64
    keep = face_keep_mask(side)
    assert keep.shape == (side, side) and keep.min() >= 0.0 and keep.max() <= 1.0
    np.testing.assert_allclose(keep, keep[:, ::-1], atol=1e-12)          # left-right symmetric
    centre = int((0.5 + FACE_BOX_DROP) * side)
    assert keep[centre, side // 2] == pytest.approx(1.0)                 # on the face
    for corner in (keep[0, 0], keep[0, -1], keep[-1, 0], keep[-1, -1]):
        assert corner == pytest.approx(0.0)                              # background
    column = keep[centre:, side // 2]
    assert (np.diff(column) <= 1e-12).all() and column[-1] < 0.5         # fades out below
    with pytest.raises(ValueError, match="inner < outer; received inner=2, outer=1"):
        face_keep_mask(side, inner=2, outer=1)


def test_keep_holds_the_patch_colours_where_the_mask_is_one():
    photo, patch, square = _dark_patch_scene()
    keep = np.zeros((30, 30))
    keep[5:25, 5:25] = 1.0
    kept = seamless_paste(photo, patch, square, keep=keep).astype("int32")
    full = seamless_paste(photo, patch, square).astype("int32")
    _assert_photo_outside_and_on_the_border(kept)
    # Where the mask is 1, beyond the border band (3.75 px here), the patch keeps its colours ...
    np.testing.assert_array_equal(kept[20:40, 20:40], patch[5:25, 5:25])
    # ... and where it is 0 the correction is the full one.
    zero = keep == 0
    np.testing.assert_array_equal(kept[15:45, 15:45][zero], full[15:45, 15:45][zero])


def test_keeping_the_face_leaves_no_edge():
    # A dark translation of a pale photo: a plain paste would leave a 160-level edge.
    photo = np.full((160, 160, 3), 200, "uint8")
    patch = np.full((128, 128, 3), 40, "uint8")
    square = Square(16, 16, 128)
    out = blend_square(photo, patch, square, "seamless").astype("int32")
    face = int((0.5 + FACE_BOX_DROP) * 128) + 16
    assert np.abs(out[face - 5:face + 5, 75:85] - 40).max() <= 1        # the face keeps its colour
    for edge in (out[16, 16:144], out[143, 16:144], out[16:144, 16], out[16:144, 143]):
        np.testing.assert_array_equal(edge, photo[16, 16:144])          # the border is the photo's
    # The correction's weight is 1 - keep * smoothstep(border distance / band): keep ramps over
    # 0.5 x 0.3215 x 128 = 20.6 px of face edge, the band over 16 px (BORDER_BAND), and a
    # smoothstep's slope is at most 1.5 / width, so no step exceeds 160 x (1.5/20.6 + 1.5/16).
    steps = max(np.abs(np.diff(out, axis=0)).max(), np.abs(np.diff(out, axis=1)).max())
    assert steps <= 160 * (1.5 / 20.6 + 1.5 / 16)


def test_keep_is_checked():
    photo, patch, square = _photo(32, 32), np.zeros((8, 8, 3), "uint8"), Square(4, 4, 16)
    with pytest.raises(ValueError, match=r"keep must be a square 2-D mask; received shape \(4, 5\)"):
        seamless_paste(photo, patch, square, keep=np.zeros((4, 5)))
    with pytest.raises(ValueError, match=r"keep must lie in \[0, 1\]; received values in \[0, 2\]"):
        seamless_paste(photo, patch, square, keep=np.array([[0.0, 2.0], [1.0, 1.0]]))
    with pytest.raises(ValueError, match="keep must be finite; received 1 NaN or infinite"):
        seamless_paste(photo, patch, square, keep=np.array([[0.0, np.nan], [1.0, 1.0]]))


def test_blend_square_dispatches_each_mode():
    photo = _photo(40, 50)
    patch = np.random.default_rng(3).integers(0, 255, size=(16, 16, 3)).astype("uint8")
    square = Square(8, 10, 24)
    expected = {"seamless": seamless_paste(photo, patch, square, keep=face_keep_mask(16)),
                "poisson": seamless_paste(photo, patch, square),
                "feather": paste(photo, patch, square)}
    assert set(expected) == set(BLEND_MODES)
    for blend, image in expected.items():
        np.testing.assert_array_equal(blend_square(photo, patch, square, blend), image)
    with pytest.raises(ValueError, match=r"blend must be one of .*; received 'mixed'"):
        blend_square(photo, patch, square, "mixed")
