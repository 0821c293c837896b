"""Square framings of a photo: where the subject is, cut out and pasted back."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: How `translate` frames a photo: "none" translates it as it is, at its own size;
#: "whole" rescales it so its shorter side is the model's training size (inputs
#: that are already face crops); "center" translates the centre square; "face"
#: the square around the detected face (the centre square when none is found).
CROP_MODES = ("none", "whole", "center", "face")

# From a cat-face box to the framing of the training faces. Measured by running
# `find_animal_face` on the 250 aligned test cats of animal_faces (128x128,
# AFHQ framing; upsampled 3x and edge-padded so that boxes fit): in the 223 it
# found, the box's median side is 0.643 of the image and its median centre is at
# 0.500 of the width and 0.581 of the height.
FACE_BOX_FRACTION = 0.643
FACE_BOX_DROP = 0.081


@dataclass(frozen=True)
class Square:
    """A square region of a photo, in pixels: `photo[top:top + side, left:left + side]`."""

    top: int
    left: int
    side: int


def _fit(cy: float, cx: float, side: float, height: int, width: int) -> Square:
    side = int(round(min(side, height, width)))
    side = max(side, 1)
    top = int(round(cy - side / 2))
    left = int(round(cx - side / 2))
    top = min(max(top, 0), height - side)
    left = min(max(left, 0), width - side)
    return Square(top, left, side)


def center_square(height: int, width: int) -> Square:
    """The largest centred square of a `height` x `width` photo."""
    return _fit(height / 2, width / 2, min(height, width), height, width)


def face_square(box, height: int, width: int) -> Square:
    """The training-style framing around a face box, kept inside the photo.

    Args:
        box: `(left, top, width, height)` of a face, as `find_animal_face` returns.
        height: Photo height.
        width: Photo width.

    Returns:
        A `Square` about 1.56x the box's side, the face a little below its
        centre (as in the AFHQ crops), shrunk and shifted to fit the photo.
    """
    x, y, bw, bh = box
    side = max(bw, bh) / FACE_BOX_FRACTION
    cy = y + bh / 2 - FACE_BOX_DROP * side
    return _fit(cy, x + bw / 2, side, height, width)


def face_keep_mask(side: int, inner: float = 1.0, outer: float = 1.5) -> np.ndarray:
    """Where a framed face lies in its square: 1 on the face, fading to 0 around it.

    The face is a disc at the aligned framing's face centre (half the side
    across, `0.5 + FACE_BOX_DROP` down) whose radius is half the face box
    (`FACE_BOX_FRACTION / 2` of the side).

    Args:
        side: The square's side in pixels.
        inner: Radius, in face-box half-sides, inside which the mask is 1.
        outer: Radius beyond which it is 0 (a smooth step in between).

    Returns:
        float64 `(side, side)` in [0, 1].
    """
    if not 0 < inner < outer:
        raise ValueError(f"Expected 0 < inner < outer; received inner={inner}, outer={outer}.")
    c = (np.arange(side, dtype="float64") + 0.5) / side
    half = FACE_BOX_FRACTION / 2
    r = np.hypot((c[None, :] - 0.5) / half, (c[:, None] - 0.5 - FACE_BOX_DROP) / half)
    return 1.0 - smoothstep((r - inner) / (outer - inner))


def smoothstep(t: np.ndarray) -> np.ndarray:
    """0 below 0, 1 above 1, `3t^2 - 2t^3` in between (zero slope at both ends)."""
    t = np.clip(t, 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    from PIL import Image

    if image.shape[:2] == (height, width):
        return image
    squeeze = image.ndim == 3 and image.shape[-1] == 1
    pil = Image.fromarray(image[..., 0] if squeeze else image)
    out = np.asarray(pil.resize((width, height), Image.BICUBIC))
    return out[..., None] if squeeze else out


def resize_square(photo: np.ndarray, square: Square, size: int) -> np.ndarray:
    """Cuts `square` out of a uint8 photo and resizes it to `size` x `size` (bicubic)."""
    s = square
    return _resize(np.ascontiguousarray(photo[s.top:s.top + s.side, s.left:s.left + s.side]),
                   size, size)


def _ramp(n: int, feather: int, soft_start: bool, soft_end: bool) -> np.ndarray:
    w = np.ones(n, "float32")
    if feather > 0:
        ramp = (np.arange(feather, dtype="float32") + 0.5) / feather
        if soft_start:
            w[:feather] = np.minimum(w[:feather], ramp)
        if soft_end:
            w[n - feather:] = np.minimum(w[n - feather:], ramp[::-1])
    return w


def paste(photo: np.ndarray, patch: np.ndarray, square: Square,
          feather: float = 0.08) -> np.ndarray:
    """Pastes `patch` over `square` of `photo`, fading in over its inner borders.

    Args:
        photo: uint8 `(height, width, channels)`.
        patch: uint8 `(n, n, channels)`, any `n`: resized to the square's side.
        square: Where it goes.
        feather: Width of the fade as a fraction of the side. Borders that lie
            on the photo's own edge are not faded.

    Returns:
        A new uint8 photo of the same shape.
    """
    s = square
    h, w = photo.shape[:2]
    patch = _resize(np.asarray(patch), s.side, s.side)
    n = int(round(feather * s.side))
    rows = _ramp(s.side, n, s.top > 0, s.top + s.side < h)
    cols = _ramp(s.side, n, s.left > 0, s.left + s.side < w)
    alpha = (rows[:, None] * cols[None, :])[..., None]
    region = photo[s.top:s.top + s.side, s.left:s.left + s.side].astype("float32")
    blended = alpha * patch.astype("float32") + (1.0 - alpha) * region
    out = photo.copy()
    out[s.top:s.top + s.side, s.left:s.left + s.side] = np.clip(np.round(blended), 0, 255)
    return out


def resize_whole(photo: np.ndarray, size: int) -> np.ndarray:
    """Rescales a photo so that its shorter side is `size` (bicubic)."""
    h, w = photo.shape[:2]
    scale = size / min(h, w)
    return _resize(photo, max(1, round(h * scale)), max(1, round(w * scale)))
