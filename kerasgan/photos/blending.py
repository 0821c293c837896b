"""Seamless (gradient-domain) pasting: a translated square that takes on the photo's colours at its border.

A feathered paste (`framing.paste`) fades the translation in over a band, so a
dark translated face on a pale animal stays a visible dark square. Poisson
image editing (Perez, Gangnet and Blake, SIGGRAPH 2003) keeps the translation's
gradients -- its shapes and texture -- and lets its colours meet the photo's
exactly on the square's border: the result is `patch + u`, where `u` is the
smooth (harmonic) correction that equals `photo - patch` on the border.

Here the region is always a square, so the discrete Laplace equation is solved
exactly with fast sine and Fourier transforms (`numpy.fft`), in O(n^2 log n).
Sides of the square that lie on the photo's own edge have nothing to match:
there the correction has zero slope (a Neumann condition).

The full correction also recolours the face itself: a dark dog face on a white
cat comes out pale. `keep` fades the correction out where a mask says the
subject is (for a framed face, `framing.face_keep_mask`), so the face keeps the
translation's colours while its surroundings still meet the photo's.
"""

from __future__ import annotations

import numpy as np

from kerasgan.photos.framing import Square, _resize, face_keep_mask, paste, smoothstep

#: Squares larger than this solve their smooth correction at this side and
#: upsample it; the square's border still takes the photo's exact pixels.
#: Measured on one CPU core: a 1,024-px square 0.4 s; a 3,000-px square 5 s
#: this way, 36 s solved at full size.
MAX_SOLVE_SIDE = 1024

#: How `translate_photo` puts a translated square back: "seamless" (gradient
#: domain: the face keeps the translation's colours, its surroundings meet the
#: photo's at the border), "poisson" (gradient domain throughout: even the face
#: takes on the photo's colours) or "feather" (a plain paste that fades in
#: over the inner borders).
BLEND_MODES = ("seamless", "poisson", "feather")

#: With `keep`, the correction comes back in full over a band this wide along
#: each fixed side (a fraction of half the side), so the border always takes
#: the photo's pixels: 16 px of a 128-px square.
BORDER_BAND = 0.25


def _dst1(x: np.ndarray, axis: int) -> np.ndarray:
    """Unnormalised DST-I along `axis`: X_k = sum_n x_n sin(pi k n / (N + 1)), k, n = 1..N."""
    if np.iscomplexobj(x):
        return _dst1(x.real, axis) + 1j * _dst1(x.imag, axis)
    x = np.moveaxis(x, axis, -1)
    n = x.shape[-1]
    odd = np.zeros(x.shape[:-1] + (2 * n + 2,), x.dtype)
    odd[..., 1:n + 1] = x
    odd[..., n + 2:] = -x[..., ::-1]
    out = -np.fft.rfft(odd, axis=-1).imag[..., 1:n + 1] / 2.0
    return np.moveaxis(out, -1, axis)


def _forward(x, axis, kind):
    return _dst1(x, axis) if kind == "dst" else np.fft.fft(x, axis=axis)


def _inverse(x, axis, kind):
    if kind == "dst":
        return _dst1(x, axis) * (2.0 / (x.shape[axis] + 1))
    return np.fft.ifft(x, axis=axis)


def _eigenvalues(n: int, kind: str) -> np.ndarray:
    """Eigenvalues of the 1-D second difference with zero ends ("dst") or periodic ("fft")."""
    if kind == "dst":
        return 2.0 * np.cos(np.pi * np.arange(1, n + 1) / (n + 1)) - 2.0
    return 2.0 * np.cos(2.0 * np.pi * np.arange(n) / n) - 2.0


def _extend(b: np.ndarray, axis: int, fixed_start: bool, fixed_end: bool):
    """Mirrors `b` at free (Neumann) ends so one transform solves the axis.

    Returns the extended array, the transform kind and the slice of the result
    that belongs to `b`.
    """
    n = b.shape[axis]
    flipped = np.flip(b, axis)
    if fixed_start and fixed_end:
        return b, "dst", slice(0, n)
    if fixed_end:                      # free start: mirror before it
        return np.concatenate([flipped, b], axis), "dst", slice(n, 2 * n)
    if fixed_start:                    # free end: mirror after it
        return np.concatenate([b, flipped], axis), "dst", slice(0, n)
    return np.concatenate([b, flipped], axis), "fft", slice(0, n)   # both free: periodic


def harmonic_correction(difference: np.ndarray, fixed: tuple[bool, bool, bool, bool]) -> np.ndarray:
    """The smooth correction `u` of a square: harmonic inside, `difference` on its fixed sides.

    Args:
        difference: float `(side, side, channels)`; only its border rows and
            columns on fixed sides are used (the values `u` must take there).
        fixed: Whether the top, bottom, left and right sides are fixed
            (Dirichlet); a free side gets zero slope (Neumann).

    Returns:
        float64 `(side, side, channels)`: `u`, equal to `difference` on the
        fixed sides, with a zero discrete Laplacian everywhere else. All free
        sides (nothing to match) give zeros.
    """
    d = np.asarray(difference, "float64")
    side = d.shape[0]
    top, bottom, left, right = fixed
    u = np.zeros_like(d)
    if top:
        u[0] = d[0]
    if bottom:
        u[-1] = d[-1]
    if left:
        u[:, 0] = d[:, 0]
    if right:
        u[:, -1] = d[:, -1]
    r0, r1 = int(top), side - int(bottom)
    c0, c1 = int(left), side - int(right)
    if r1 <= r0 or c1 <= c0 or not any(fixed):
        return u
    # Unknowns u[r0:r1, c0:c1]: sum of 4 neighbours - 4 u = 0, fixed neighbours moved to the right.
    rhs = np.zeros((r1 - r0, c1 - c0) + d.shape[2:])
    if top:
        rhs[0] -= d[0, c0:c1]
    if bottom:
        rhs[-1] -= d[-1, c0:c1]
    if left:
        rhs[:, 0] -= d[r0:r1, 0]
    if right:
        rhs[:, -1] -= d[r0:r1, -1]
    rhs, row_kind, rows = _extend(rhs, 0, top, bottom)
    rhs, col_kind, cols = _extend(rhs, 1, left, right)
    spectrum = _forward(_forward(rhs, 0, row_kind), 1, col_kind)
    lam = (_eigenvalues(rhs.shape[0], row_kind)[:, None]
           + _eigenvalues(rhs.shape[1], col_kind)[None, :])
    lam = lam.reshape(lam.shape + (1,) * (rhs.ndim - 2))
    spectrum = spectrum / np.where(lam == 0, 1.0, lam)   # lam == 0 only for a constant: rhs has none
    solved = np.real(_inverse(_inverse(spectrum, 1, col_kind), 0, row_kind))
    u[r0:r1, c0:c1] = solved[rows, cols]
    return u


def _resize_float(image: np.ndarray, side: int) -> np.ndarray:
    from PIL import Image

    channels = [np.asarray(Image.fromarray(image[..., c].astype("float32")).resize(
        (side, side), Image.BILINEAR)) for c in range(image.shape[-1])]
    return np.stack(channels, axis=-1).astype("float64")


def _correction_weight(keep: np.ndarray, fixed, side: int) -> np.ndarray:
    """How much of the correction each pixel gets: `1 - keep`, rising to 1 across the border band."""
    keep = np.asarray(keep, "float64")
    if keep.ndim != 2 or keep.shape[0] != keep.shape[1]:
        raise ValueError(f"keep must be a square 2-D mask; received shape {keep.shape}.")
    if not np.isfinite(keep).all():
        raise ValueError(f"keep must be finite; received {np.size(keep) - np.isfinite(keep).sum()} "
                         "NaN or infinite values.")
    if keep.min() < 0 or keep.max() > 1:
        raise ValueError(f"keep must lie in [0, 1]; received values in "
                         f"[{keep.min():.3g}, {keep.max():.3g}].")
    if keep.shape[0] != side:
        keep = np.clip(_resize_float(keep[..., None], side)[..., 0], 0.0, 1.0)
    index = np.arange(side, dtype="float64")
    far = np.full(side, np.inf)
    top, bottom, left, right = fixed
    rows = np.minimum(index if top else far, index[::-1] if bottom else far)
    cols = np.minimum(index if left else far, index[::-1] if right else far)
    distance = np.minimum(rows[:, None], cols[None, :]) / (side / 2)
    return 1.0 - keep * smoothstep(distance / BORDER_BAND)


def seamless_paste(photo: np.ndarray, patch: np.ndarray, square: Square,
                   max_solve_side: int | None = MAX_SOLVE_SIDE,
                   keep: np.ndarray | None = None) -> np.ndarray:
    """Pastes `patch` over `square` of `photo` in the gradient domain (Poisson blending).

    Args:
        photo: uint8 `(height, width, channels)`.
        patch: uint8 `(n, n, channels)`, any `n`: resized to the square's side.
        square: Where it goes.
        max_solve_side: Larger squares solve their (smooth) correction at
            this side and upsample it; None always solves at full size.
        keep: Optional float mask `(m, m)` in [0, 1], any `m` (resized to the
            square): where it is 1 the patch keeps its own colours (the
            correction is faded out). The fixed border still takes the
            photo's pixels. None: the correction everywhere.

    Returns:
        A new uint8 photo of the same shape: outside the square, the photo; on
        the square's inner border, the photo's own pixels; inside, the patch's
        shapes and texture, its colours shifted smoothly to meet the border
        (except where `keep` holds them).

    Example:
    ```python
    out = seamless_paste(photo, dog_face_128, Square(top=40, left=60, side=200))
    ```
    """
    s = square
    h, w = photo.shape[:2]
    patch = _resize(np.asarray(patch), s.side, s.side).astype("float64")
    region = photo[s.top:s.top + s.side, s.left:s.left + s.side].astype("float64")
    fixed = (s.top > 0, s.top + s.side < h, s.left > 0, s.left + s.side < w)
    difference = region - patch
    capped = max_solve_side is not None and s.side > max_solve_side
    if capped:
        small = harmonic_correction(_resize_float(difference, max_solve_side), fixed)
        correction = _resize_float(small, s.side)
    else:
        correction = harmonic_correction(difference, fixed)
    if keep is not None:
        correction = correction * _correction_weight(keep, fixed, s.side)[..., None]
    blended = patch + correction
    if capped:
        for is_fixed, edge in zip(fixed, ((0, slice(None)), (-1, slice(None)),
                                          (slice(None), 0), (slice(None), -1))):
            if is_fixed:
                blended[edge] = region[edge]
    out = photo.copy()
    out[s.top:s.top + s.side, s.left:s.left + s.side] = np.clip(np.round(blended), 0, 255)
    return out


def blend_square(photo: np.ndarray, patch: np.ndarray, square: Square,
                 blend: str = "seamless") -> np.ndarray:
    """Puts a translated, face-framed square back into its photo the `blend` way.

    Args:
        photo: uint8 `(height, width, channels)`.
        patch: uint8 `(n, n, channels)`, the translation of `square`.
        square: Where it goes.
        blend: One of `BLEND_MODES`: "seamless" (`seamless_paste` keeping the
            colours of the face, `framing.face_keep_mask`), "poisson"
            (`seamless_paste` everywhere) or "feather" (`framing.paste`).

    Returns:
        A new uint8 photo of the same shape.

    Example:
    ```python
    out = blend_square(photo, dog_face_128, face_square(box, *photo.shape[:2]), "seamless")
    ```
    """
    if blend == "seamless":
        return seamless_paste(photo, patch, square, keep=face_keep_mask(np.shape(patch)[0]))
    if blend == "poisson":
        return seamless_paste(photo, patch, square)
    if blend == "feather":
        return paste(photo, patch, square)
    raise ValueError(f"blend must be one of {BLEND_MODES}; received {blend!r}.")
