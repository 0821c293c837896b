"""kerasgan.photos.blending: the harmonic correction against a dense solve, and seamless pastes."""

import itertools

import numpy as np
import pytest

from kerasgan.photos import Square, seamless_paste
from kerasgan.photos.blending import _dst1, harmonic_correction


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


def test_shapes_are_kept_and_the_border_takes_the_photo_colour():
    photo = np.full((60, 60, 3), 120, "uint8")
    patch = np.full((30, 30, 3), 20, "uint8")            # a dark patch ...
    patch[10:20, 10:20] = 100                            # ... with an 80 levels brighter square
    square = Square(15, 15, 30)
    out = seamless_paste(photo, patch, square).astype("int32")
    outside = np.ones((60, 60), bool)
    outside[15:45, 15:45] = False
    assert (out[outside] == 120).all()
    ring = np.ones((30, 30), bool)
    ring[1:-1, 1:-1] = False
    assert (out[15:45, 15:45][ring] == 120).all()        # the border is the photo's
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


def test_large_squares_solve_at_a_smaller_side():
    # A smooth photo and a dark, smooth patch: the upsampled correction is close
    # to the full-size one, and the border is still exactly the photo's.
    y, x = np.mgrid[0:100, 0:120].astype("float32")
    photo = np.stack([100 + 50 * np.sin(x / 17), 120 + 0.5 * y, 90 + 40 * np.cos(y / 23)], -1)
    photo = photo.astype("uint8")
    patch = (photo[10:90, 20:100] // 3).astype("uint8")
    square = Square(10, 20, 80)
    exact = seamless_paste(photo, patch, square, max_solve_side=None).astype(int)
    capped = seamless_paste(photo, patch, square, max_solve_side=32).astype(int)
    inside = capped[10:90, 20:100]
    np.testing.assert_array_equal(inside[0], photo[10, 20:100])
    np.testing.assert_array_equal(inside[:, -1], photo[10:90, 99])
    assert np.abs(capped - exact).mean() < 1.0 and np.abs(capped - exact).max() <= 6
