"""Face detection rate: the share of images in which an outside detector finds a face.

A judge the model was never trained against: OpenCV's Haar cascades
(`kerasgan.photos.find_face`, Viola-Jones frontal faces for humans). For face
generators, the rate on generated images divided by the rate on real images
is a face-quality proxy that needs no learned features: distorted or
incoherent faces are missed more often. The cascade has a 24-pixel window, so
small images are upsampled (bicubic) to `size` pixels first. On face crops
the face fills most of the frame, so only faces at least `min_face` of the
image side count (on 64-px CelebA crops upsampled to 192 px, found faces are
130-150 px; 0.5 skips the small windows, 9x faster, and drops ~1% of
detections, which are stray small boxes).

Needs OpenCV (`pip install "kerasgan[faces]"`), imported only when called.
"""

from __future__ import annotations

import numpy as np

from kerasgan.metrics.inputs import ImageData, iter_batches
from kerasgan.metrics.result import MetricResult


def face_detected(images: ImageData, kind: str = "human", size: int | None = 192,
                  min_face: float = 0.5, batch_size: int = 64,
                  num_samples: int | None = None) -> np.ndarray:
    """Whether a face of `kind` is found in each image.

    Args:
        images: uint8 `(N, H, W, C)` in [0, 255], float in [-1, 1], or an
            iterable of batches.
        kind: `"human"` or `"cat"` (see `kerasgan.photos.detect.CASCADES`).
        size: Resize each image to `size × size` (bicubic) before detection;
            None keeps it as it is.
        min_face: Smallest face side that counts, as a fraction of the
            image's shorter side (0: the detector's default, 5%).
        batch_size: Images converted at once.
        num_samples: Use at most this many images.

    Returns:
        bool array `(N,)`.

    Raises:
        ImportError: No detector can run (OpenCV missing, or no cascade for
            `kind`); the message names the fix.
    """
    from PIL import Image

    from kerasgan.photos.detect import detector_unavailable_reason, find_face

    reason = detector_unavailable_reason(kind)
    if reason:
        raise ImportError(f"Cannot find {kind} faces: {reason}.")
    if size is not None and (not isinstance(size, (int, np.integer)) or size < 24):
        raise ValueError(f"size must be an integer >= 24 (the cascade's window) or None; "
                         f"received {size!r}.")
    if not 0.0 <= float(min_face) <= 1.0:
        raise ValueError(f"min_face must be a fraction in [0, 1]; received {min_face!r}.")
    found = []
    for batch in iter_batches(images, batch_size, num_samples):
        for image in np.clip(np.round(batch), 0, 255).astype("uint8"):
            if size is not None and image.shape[:2] != (size, size):
                image = np.asarray(Image.fromarray(image).resize((size, size), Image.BICUBIC))
            min_size = round(min_face * min(image.shape[:2])) if min_face else None
            found.append(find_face(image, kind, min_size) is not None)
    if not found:
        raise ValueError("No images: the input is empty.")
    return np.array(found, bool)


def face_detection_rate(images: ImageData, kind: str = "human", size: int | None = 192,
                        min_face: float = 0.5, batch_size: int = 64,
                        num_samples: int | None = None) -> MetricResult:
    """Share of images in which OpenCV's cascade finds a face of `kind`.

    Args:
        images: uint8 `(N, H, W, C)` in [0, 255], float in [-1, 1], or an
            iterable of batches.
        kind: `"human"` (frontal faces) or `"cat"`.
        size: Side the images are resized to before detection (None: as is).
        min_face: Smallest face side that counts, as a fraction of the
            image's shorter side.
        batch_size: Images converted at once.
        num_samples: Use at most this many images.

    Returns:
        `MetricResult` named `"FaceRate"` with a value in [0, 1].

    Example:
    ```python
    fake = kerasgan.metrics.face_detection_rate(gan.generate(1000, seed=1))
    real = kerasgan.metrics.face_detection_rate(real_faces[:1000])
    print(fake.value / real.value)
    ```
    """
    found = face_detected(images, kind, size, min_face, batch_size, num_samples)
    from kerasgan.photos.detect import CASCADES

    where = ("" if size is None else f"@{size}px") + (f",min{min_face:g}" if min_face else "")
    return MetricResult("FaceRate", float(found.mean()), None, len(found),
                        f"OpenCV-{CASCADES[kind].removesuffix('.xml')}{where}")
