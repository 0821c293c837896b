"""Tilted faces: turning a photo so that a tilted face stands upright, and back.

OpenCV's Haar cascades find frontal faces only within a few degrees of
upright; a cat lying on its side or tilting its head is missed. `find_tilted_face`
searches the photo turned by a few angles, and `translate_photo` then frames,
translates and blends the face in the turned photo and turns the result back.
Everything here uses OpenCV, which any face search needs anyway.

Angles are in degrees, counter-clockwise as the photo is seen (OpenCV's and
PIL's convention). Points are `(x, y)` in pixels, x to the right, y down.
"""

from __future__ import annotations

import math

import numpy as np


def turn_matrix(angle: float, pivot: tuple[float, float]) -> np.ndarray:
    """The 2x3 affine map that turns a photo by `angle` degrees about `pivot` (x, y)."""
    import cv2

    return cv2.getRotationMatrix2D((float(pivot[0]), float(pivot[1])), float(angle), 1.0)


def map_point(matrix: np.ndarray, point: tuple[float, float]) -> tuple[float, float]:
    """Where the 2x3 affine `matrix` takes `point` (x, y)."""
    x, y = matrix @ np.array([point[0], point[1], 1.0])
    return float(x), float(y)


def warp(image: np.ndarray, matrix: np.ndarray, width: int, height: int,
         reflect: bool = True, linear: bool = False) -> np.ndarray:
    """`image` under the 2x3 affine `matrix`, on a `width` x `height` canvas.

    Args:
        image: `(h, w)` or `(h, w, c)`, uint8 or float32.
        matrix: Source pixels to canvas pixels.
        width: Canvas width.
        height: Canvas height.
        reflect: Fill what lies outside `image` by mirroring it (no dark
            corners to bleed into a blend); False fills with zeros.
        linear: Bilinear instead of bicubic resampling.

    Returns:
        The warped image, with `image`'s dtype and number of axes.
    """
    import cv2

    single = image.ndim == 3 and image.shape[-1] == 1
    src = image[..., 0] if single else image
    out = cv2.warpAffine(np.ascontiguousarray(src), matrix, (int(width), int(height)),
                         flags=cv2.INTER_LINEAR if linear else cv2.INTER_CUBIC,
                         borderMode=cv2.BORDER_REFLECT_101 if reflect else cv2.BORDER_CONSTANT)
    return out[..., None] if single else out


def turned_canvas(image: np.ndarray, angle: float) -> tuple[np.ndarray, np.ndarray]:
    """`image` turned by `angle` degrees about its centre on a canvas that holds all of it.

    Returns:
        `(turned, matrix)`: the turned image (zeros in the corners) and the
        2x3 map from `image`'s pixels to the canvas's.
    """
    h, w = image.shape[:2]
    a = math.radians(angle)
    cw = int(math.ceil(abs(w * math.cos(a)) + abs(h * math.sin(a))))
    ch = int(math.ceil(abs(h * math.cos(a)) + abs(w * math.sin(a))))
    matrix = turn_matrix(angle, ((w - 1) / 2, (h - 1) / 2))
    matrix[:, 2] += ((cw - w) / 2, (ch - h) / 2)
    return warp(image, matrix, cw, ch, reflect=False, linear=True), matrix
