"""A learned animal-face finder: where the aligned cat or dog face square lies in a photo.

OpenCV has a cat-face cascade but nothing for dogs. This small CNN scores a
square window of a photo as background, a cat face or a dog face framed as in
the aligned training faces of `cyclegan_cats2dogs` (AFHQ / DogFaceNet crops);
`find_face_square` slides it over the photo at several scales and returns the
best-scoring square. Its weights ship with the package
(`face_finder.weights.h5`, sha256 checked); the recipe that trained them is
`zoo/cyclegan_cats2dogs/train_face_finder.py`.
"""

from __future__ import annotations

import functools
import os

import numpy as np

from kerasgan.photos.framing import Square

#: The finder's classes, in the order of its outputs.
FINDER_CLASSES = ("background", "cat", "dog")
#: Side of the window the network sees, in pixels.
FINDER_SIZE = 48
#: The shipped weights and their sha256.
FINDER_WEIGHTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "weights",
                              "face_finder.weights.h5")
FINDER_SHA256 = "296e3ddd0f859ccdb66a7d01e823e18ab190cdcfadd960f3bc62c3c3093d41d4"
#: Window sides searched, as fractions of the photo's shorter side.
FINDER_SCALES = (0.25, 0.3, 0.36, 0.43, 0.52, 0.62, 0.75, 0.88, 1.0)
#: Window step, as a fraction of the window's side.
FINDER_STRIDE = 1 / 12
#: Photos are searched with their shorter side at most this many pixels (speed).
FINDER_MAX_SIDE = 256
#: Default least probability for a window to count as a face.
FINDER_THRESHOLD = 0.5


def build_face_finder(size: int = FINDER_SIZE, seed: int = 0):
    """The finder network: uint8-range RGB `(size, size, 3)` in, class logits out.

    Args:
        size: Window side in pixels.
        seed: Seed of the initial weights.

    Returns:
        A functional `keras.Model` with `len(FINDER_CLASSES)` logits.
    """
    import keras
    from keras import layers

    init = functools.partial(keras.initializers.HeNormal, seed=seed)
    inputs = keras.Input((size, size, 3), name="window")
    x = layers.Rescaling(1 / 127.5, offset=-1.0)(inputs)
    for i, width in enumerate((16, 32, 64, 96)):
        x = layers.Conv2D(width, 3, padding="same", use_bias=False,
                          kernel_initializer=init(), name=f"conv{i}")(x)
        x = layers.BatchNormalization(name=f"norm{i}")(x)
        x = layers.ReLU()(x)
        if i < 3:
            x = layers.MaxPooling2D(2)(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.2, seed=seed)(x)
    outputs = layers.Dense(len(FINDER_CLASSES), kernel_initializer=init(), name="logits")(x)
    return keras.Model(inputs, outputs, name="face_finder")


def load_face_finder(path: str | None = None):
    """The finder with trained weights: the shipped ones (sha256 checked) or `path`'s.

    Args:
        path: A `.weights.h5` written by `train_face_finder.py`; None for the
            shipped weights.

    Returns:
        A `keras.Model` (see `build_face_finder`).

    Raises:
        FileNotFoundError: No weights at the path.
        kerasgan.zoo.errors.ChecksumError: The shipped file does not match its sha256.
    """
    return _load(os.path.abspath(path or FINDER_WEIGHTS))


@functools.lru_cache(maxsize=4)
def _load(path: str):
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No face-finder weights at {path}; train them with "
                                "zoo/cyclegan_cats2dogs/train_face_finder.py.")
    if path == os.path.abspath(FINDER_WEIGHTS) and FINDER_SHA256:
        from kerasgan.zoo.checksum import verify_sha256

        verify_sha256(path, FINDER_SHA256, "the shipped face finder",
                      "Reinstall kerasgan to restore the file.")
    model = build_face_finder()
    model.load_weights(path)
    return model


def _positions(n: int, size: int, step: int) -> np.ndarray:
    """Window starts along an axis of `n` pixels: every `step`, and flush with the end."""
    starts = list(range(0, n - size + 1, step))
    if starts[-1] != n - size:
        starts.append(n - size)
    return np.asarray(starts)


def candidate_windows(photo: np.ndarray, scales=FINDER_SCALES,
                      stride: float = FINDER_STRIDE) -> tuple[np.ndarray, np.ndarray]:
    """Every square window the finder scores, resized to `FINDER_SIZE`.

    Args:
        photo: uint8 `(height, width, 3)`.
        scales: Window sides as fractions of the shorter side.
        stride: Step between windows as a fraction of their side.

    Returns:
        `(windows, squares)`: uint8 `(n, FINDER_SIZE, FINDER_SIZE, 3)` and
        float64 `(n, 3)` rows of `(top, left, side)` in the photo's pixels.
    """
    from PIL import Image

    photo = np.asarray(photo)
    h, w = photo.shape[:2]
    short = min(h, w)
    size = FINDER_SIZE
    step = max(1, int(round(size * stride)))
    windows, squares = [], []
    pil = Image.fromarray(photo)
    for fraction in scales:
        factor = size / (fraction * short)  # photo pixels -> window pixels
        rh, rw = max(size, int(round(h * factor))), max(size, int(round(w * factor)))
        small = np.asarray(pil.resize((rw, rh), Image.BILINEAR))
        view = np.lib.stride_tricks.sliding_window_view(small, (size, size, 3))[..., 0, :, :, :]
        tops, lefts = _positions(rh, size, step), _positions(rw, size, step)
        windows.append(view[tops][:, lefts].reshape(-1, size, size, 3))
        t, l = np.meshgrid(tops * h / rh, lefts * w / rw, indexing="ij")
        squares.append(np.stack([t.ravel(), l.ravel(),
                                 np.full(t.size, size * min(h / rh, w / rw))], axis=1))
    return np.concatenate(windows), np.concatenate(squares)


def face_probabilities(photo: np.ndarray, model=None, batch_size: int = 256,
                       scales=FINDER_SCALES) -> tuple[np.ndarray, np.ndarray]:
    """Class probabilities of every candidate window of a photo.

    Args:
        photo: uint8 `(height, width, 3)` (RGB).
        model: A finder (`load_face_finder()` when None), or any callable
            `model(windows, training=False)` that returns logits.
        batch_size: Windows per forward pass. Every pass has this many (the
            last is padded), so the compiled predict function is traced once.
        scales: Window sides as fractions of the shorter side.

    Returns:
        `(squares, probabilities)`: float64 `(n, 3)` rows of `(top, left, side)`
        in the photo's pixels, and float32 `(n, len(FINDER_CLASSES))`.
    """
    photo = _checked(photo)
    model = load_face_finder() if model is None else model
    h, w = photo.shape[:2]
    shrink = min(1.0, FINDER_MAX_SIDE / min(h, w))
    small = photo
    if shrink < 1.0:
        from PIL import Image

        small = np.asarray(Image.fromarray(photo).resize(
            (max(1, round(w * shrink)), max(1, round(h * shrink))), Image.BILINEAR))
    windows, squares = candidate_windows(small, scales)
    squares = squares * np.array([h / small.shape[0], w / small.shape[1],
                                  min(h / small.shape[0], w / small.shape[1])])
    logits = np.concatenate([_predict(model, windows[i:i + batch_size], batch_size)
                             for i in range(0, len(windows), batch_size)]).astype("float64")
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return squares, (e / e.sum(axis=1, keepdims=True)).astype("float32")


def _predict(model, windows: np.ndarray, batch_size: int) -> np.ndarray:
    """Logits of up to `batch_size` windows.

    A Keras model runs its compiled predict function on a batch padded to
    `batch_size`: one input shape, traced (TensorFlow) or compiled (JAX) once
    rather than once per photo. Any other callable is called as
    `model(windows, training=False)`.
    """
    if not hasattr(model, "predict_on_batch"):
        import keras

        return keras.ops.convert_to_numpy(model(windows, training=False))
    n = len(windows)
    if n < batch_size:
        pad = np.zeros((batch_size - n,) + windows.shape[1:], windows.dtype)
        windows = np.concatenate([windows, pad])
    return np.asarray(model.predict_on_batch(windows))[:n]


def _checked(photo) -> np.ndarray:
    photo = np.asarray(photo)
    if photo.ndim != 3 or photo.shape[-1] != 3 or photo.dtype != np.uint8:
        raise ValueError("The face finder takes one uint8 RGB photo (height, width, 3); "
                         f"received dtype {photo.dtype} and shape {photo.shape}.")
    if min(photo.shape[:2]) < FINDER_SIZE:
        raise ValueError(f"The face finder needs a photo of at least {FINDER_SIZE} pixels on "
                         f"each side; received shape {photo.shape}.")
    return photo


def _iou(squares: np.ndarray, one: np.ndarray) -> np.ndarray:
    top = np.maximum(squares[:, 0], one[0])
    left = np.maximum(squares[:, 1], one[1])
    bottom = np.minimum(squares[:, 0] + squares[:, 2], one[0] + one[2])
    right = np.minimum(squares[:, 1] + squares[:, 2], one[1] + one[2])
    inter = np.clip(bottom - top, 0, None) * np.clip(right - left, 0, None)
    return inter / (squares[:, 2] ** 2 + one[2] ** 2 - inter)


def find_face_square(photo: np.ndarray, animal: str, model=None,
                     threshold: float = FINDER_THRESHOLD) -> tuple[Square, float] | None:
    """The square an aligned `animal` face would fill, found by the learned finder.

    The best-scoring window, refined by the score-weighted mean of the
    windows that overlap it (IoU at least 0.5) and score at least 0.8 of it.

    Args:
        photo: uint8 `(height, width, 3)` (RGB), at least `FINDER_SIZE` on each side.
        animal: `"cat"` or `"dog"`.
        model: A finder (`load_face_finder()` when None), or any callable
            `model(windows, training=False)` that returns logits.
        threshold: Least probability of `animal` for a window to count.

    Returns:
        `(square, probability)`, or None when no window reaches `threshold`.

    Example:
    ```python
    found = kerasgan.photos.find_face_square(photo, "dog")
    if found:
        square, p = found
    ```
    """
    if animal not in FINDER_CLASSES[1:]:
        raise ValueError(f"The face finder knows {FINDER_CLASSES[1:]}; received {animal!r}.")
    squares, probs = face_probabilities(photo, model)
    p = probs[:, FINDER_CLASSES.index(animal)]
    best = int(np.argmax(p))
    if p[best] < threshold:
        return None
    near = (_iou(squares, squares[best]) >= 0.5) & (p >= 0.8 * p[best])
    weights = p[near] / p[near].sum()
    top, left, side = weights @ squares[near]
    h, w = np.asarray(photo).shape[:2]
    from kerasgan.photos.framing import _fit

    return _fit(top + side / 2, left + side / 2, side, h, w), float(p[best])
