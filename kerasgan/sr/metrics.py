"""PSNR and SSIM the way single-image super-resolution papers report them.

The protocol (e.g. Ledig et al. 2017; Lim et al. 2017 "EDSR"; the MATLAB
scripts of Huang et al. 2015 and the BasicSR toolbox):

1. Images are uint8 (model outputs are rounded and clipped to [0, 255]).
2. They are converted to the Y channel of ITU-R BT.601 YCbCr, as MATLAB's
   `rgb2ycbcr` does on [0, 1] inputs:
   `Y = 16 + (65.481 R + 128.553 G + 24.966 B) / 255` for R, G, B in [0, 255]
   (Y in [16, 235], kept as float64, not re-rounded). Single-channel images
   are used as they are (load grayscale images as RGB to get their Y).
3. `crop_border` pixels (the scale factor) are cut from every border.
4. PSNR = `10 log10(255^2 / MSE)`; identical images give `inf`.
5. SSIM (Wang et al. 2004) with an 11x11 Gaussian window of sigma 1.5,
   K1 = 0.01, K2 = 0.03, dynamic range L = 255, computed on the valid part of
   the filtered image (no padding) and averaged; for RGB (`y_channel=False`)
   the mean over channels.

NumPy only (no scipy, no TensorFlow).
"""

from __future__ import annotations

import numpy as np

_Y_WEIGHTS = np.array([65.481, 128.553, 24.966], dtype=np.float64) / 255.0


def _as_uint8(image, what: str) -> np.ndarray:
    image = np.asarray(image)
    if image.dtype == np.uint8:
        return image
    if image.dtype == bool or not np.issubdtype(image.dtype, np.number):
        raise TypeError(f"{what} must be a uint8 or numeric image array; received {image.dtype}.")
    # Floats and wider integers are taken on the [0, 255] scale.
    return np.clip(np.round(image.astype(np.float64)), 0, 255).astype(np.uint8)


def rgb_to_y(image) -> np.ndarray:
    """Y channel (ITU-R BT.601, MATLAB `rgb2ycbcr`) of an RGB image on [0, 255].

    Args:
        image: uint8 (or float on [0, 255]) array `(..., 3)`.

    Returns:
        float64 array `(...)` with values in [16, 235].
    """
    image = np.asarray(image, dtype=np.float64)
    if image.shape[-1] != 3:
        raise ValueError(f"rgb_to_y needs RGB images (..., 3); received shape {image.shape}.")
    return 16.0 + image @ _Y_WEIGHTS


def _prepare(sr, hr, crop_border: int, y_channel: bool):
    sr = _as_uint8(sr, "sr")
    hr = _as_uint8(hr, "hr")
    if sr.shape != hr.shape:
        raise ValueError(f"sr and hr must have the same shape; received {sr.shape} and "
                         f"{hr.shape}.")
    if sr.ndim == 2:
        sr, hr = sr[..., None], hr[..., None]
    if sr.ndim != 3 or sr.shape[-1] not in (1, 3):
        raise ValueError("Expected images of shape (h, w), (h, w, 1) or (h, w, 3); received "
                         f"{sr.shape}. Compare batches image by image.")
    crop_border = int(crop_border)
    if crop_border < 0:
        raise ValueError(f"crop_border must be >= 0; received {crop_border}.")
    h, w = sr.shape[:2]
    if 2 * crop_border >= min(h, w):
        raise ValueError(f"crop_border={crop_border} leaves nothing of a {h}x{w} image.")
    if crop_border:
        sr = sr[crop_border:-crop_border, crop_border:-crop_border]
        hr = hr[crop_border:-crop_border, crop_border:-crop_border]
    if y_channel and sr.shape[-1] == 3:
        return rgb_to_y(sr)[..., None], rgb_to_y(hr)[..., None]
    return sr.astype(np.float64), hr.astype(np.float64)


def psnr(sr, hr, crop_border: int = 4, y_channel: bool = True) -> float:
    """Peak signal-to-noise ratio in dB, by the super-resolution protocol.

    Args:
        sr: Super-resolved image, uint8 `(h, w, 3)` (floats are taken on
            [0, 255] and rounded).
        hr: Ground truth, same shape.
        crop_border: Pixels cut from every border (the scale factor).
        y_channel: Compare the BT.601 Y channel (True, the protocol) or RGB.

    Returns:
        PSNR in dB (`inf` for identical images), with peak 255.

    Example:
    ```python
    from kerasgan.sr import psnr
    psnr(model.upscale(lr), hr, crop_border=4)
    ```
    """
    a, b = _prepare(sr, hr, crop_border, y_channel)
    mse = float(np.mean((a - b) ** 2))
    if mse == 0.0:
        return float("inf")
    return float(10.0 * np.log10(255.0 ** 2 / mse))


def gaussian_kernel(size: int = 11, sigma: float = 1.5) -> np.ndarray:
    """Normalised 1-D Gaussian (the 2-D window is its outer product)."""
    x = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    g = np.exp(-(x ** 2) / (2.0 * sigma ** 2))
    return g / g.sum()


def _filter_valid(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Separable 'valid' correlation of a 2-D array with `outer(kernel, kernel)`."""
    view = np.lib.stride_tricks.sliding_window_view(image, len(kernel), axis=0)
    tmp = view @ kernel
    view = np.lib.stride_tricks.sliding_window_view(tmp, len(kernel), axis=1)
    return view @ kernel


def _ssim_2d(a: np.ndarray, b: np.ndarray, kernel, data_range, k1, k2) -> float:
    c1 = (k1 * data_range) ** 2
    c2 = (k2 * data_range) ** 2
    mu_a = _filter_valid(a, kernel)
    mu_b = _filter_valid(b, kernel)
    var_a = _filter_valid(a * a, kernel) - mu_a ** 2
    var_b = _filter_valid(b * b, kernel) - mu_b ** 2
    cov = _filter_valid(a * b, kernel) - mu_a * mu_b
    num = (2 * mu_a * mu_b + c1) * (2 * cov + c2)
    den = (mu_a ** 2 + mu_b ** 2 + c1) * (var_a + var_b + c2)
    return float(np.mean(num / den))


def ssim(sr, hr, crop_border: int = 4, y_channel: bool = True, window: int = 11,
         sigma: float = 1.5, k1: float = 0.01, k2: float = 0.03) -> float:
    """Structural similarity (Wang et al. 2004), by the super-resolution protocol.

    Gaussian-weighted local statistics (`window` x `window`, `sigma`),
    population (not sample) variances, data range 255, averaged over the
    positions where the window fits inside the image -- the same numbers as
    Wang's `ssim_index.m`, BasicSR's `calculate_ssim` and scikit-image's
    `structural_similarity(gaussian_weights=True, sigma=1.5,
    use_sample_covariance=False, data_range=255)`.

    Args:
        sr: Super-resolved image, uint8 `(h, w, 3)`.
        hr: Ground truth, same shape.
        crop_border: Pixels cut from every border (the scale factor).
        y_channel: Compare the BT.601 Y channel (True) or average over RGB.
        window: Window side.
        sigma: Gaussian sigma.
        k1, k2: Stabilising constants.

    Returns:
        SSIM in [-1, 1] (1 for identical images).

    Example:
    ```python
    from kerasgan.sr import ssim
    ssim(model.upscale(lr), hr, crop_border=4)
    ```
    """
    a, b = _prepare(sr, hr, crop_border, y_channel)
    if min(a.shape[:2]) < window:
        raise ValueError(f"Images of {a.shape[0]}x{a.shape[1]} (after cropping) are smaller "
                         f"than the {window}x{window} SSIM window.")
    kernel = gaussian_kernel(window, sigma)
    values = [_ssim_2d(a[..., c], b[..., c], kernel, 255.0, k1, k2) for c in range(a.shape[-1])]
    return float(np.mean(values))
