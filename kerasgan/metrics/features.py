"""Feature extractors for FID/KID (and the classifier for the Inception Score).

An extractor maps a batch of float32 RGB images in [0, 255] (`(b, H, W, 3)`,
any size) to a float32 array `(b, D)`, has a `name` used in reports, and a
`get_config()`. Built in:

- `InceptionFeatures`: `keras.applications.InceptionV3` pool features (2048-d),
  the standard FID/KID feature space. ImageNet weights come from the Keras
  cache or a path; `weights=None` gives a seeded random init.
- `InceptionClassifier`: the same network with its 1000-way softmax top (IS).
- `ModelFeatures`: wraps any Keras model or callable `images -> (b, D)`.
- `TinyFeatures`: a seeded random projection of downsized images, for tests and
  quick smoke checks (meaningless as a quality measure).

Nothing is built at import time.

Note: the Keras ImageNet InceptionV3 is not the TF-slim graph
(`pt_inception-2015-12-05`) used by the reference FID code, and images are
resized with bilinear interpolation here, so values are comparable between
runs of this library but not exactly with numbers published in papers.
"""

from __future__ import annotations

import os
from typing import Any, Callable

import numpy as np
import keras

from kerasgan.utils.keras_weights import WeightsNotFoundError, cached_weights_path

from kerasgan.metrics.inputs import ImageData, iter_batches, num_images

_WEIGHTS_BASE = "https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/"
_IMAGENET_FILES = {
    # include_top: (file name, md5 hash Keras checks on download)
    False: ("inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
            "bcbd6486424b2319ff4ef7d526e38f63"),
    True: ("inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
           "9a0d58056eeedaa3f26cb7ebd46da564"),
}


# ------------------------------------------------------------------ base class
class FeatureExtractor:
    """Base class: `extractor(images_0_255) -> (b, D)` float32 numpy features.

    Subclasses implement `extract(batch)` on float32 `(b, H, W, 3)` in [0, 255]
    and set `name`.
    """

    name: str = "features"

    def extract(self, images: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def __call__(self, images: np.ndarray) -> np.ndarray:
        features = np.asarray(keras.ops.convert_to_numpy(self.extract(images)))
        if features.ndim != 2 or features.shape[0] != len(images):
            raise ValueError(
                f"Extractor {self.name!r} must return features of shape (batch, dim) "
                f"= ({len(images)}, D); returned shape {features.shape}. For a "
                "convolutional model add global pooling (e.g. pooling='avg')."
            )
        return features.astype("float32", copy=False)

    def get_config(self) -> dict:
        return {"name": self.name}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


def _he_uniform_init(model: keras.Model, seed: int) -> None:
    """Deterministically re-initialises every `kernel` from NumPy's PCG64(seed).

    He-uniform (`limit = sqrt(6 / fan_in)`) keeps activations from vanishing
    through a deep random network; other weights keep their constant Keras
    initialisers (zeros / ones), so the model depends only on `seed`.
    """
    rng = np.random.default_rng(seed)
    for variable in model.weights:
        if not variable.path.endswith("kernel"):
            continue
        shape = tuple(variable.shape)
        fan_in = int(np.prod(shape[:-1]))
        limit = np.sqrt(6.0 / fan_in)
        variable.assign(rng.uniform(-limit, limit, shape).astype(variable.dtype))


def imagenet_weights_path(include_top: bool = False, allow_download: bool = True) -> str:
    """Path of the Keras ImageNet InceptionV3 weights, downloading them if allowed.

    Args:
        include_top: The classifier weights (for IS) instead of the no-top ones.
        allow_download: If False, never touch the network: use the cached file
            or raise.

    Returns:
        Path of the `.h5` file.

    Raises:
        WeightsNotFoundError: Not cached and download disabled or failed; the
            message names the expected file and how to provide it.
    """
    fname, file_hash = _IMAGENET_FILES[bool(include_top)]
    return cached_weights_path(
        fname, _WEIGHTS_BASE + fname, file_hash, "InceptionV3", allow_download,
        hint="weights=None gives a seeded random-init InceptionV3 (fine for code "
        "checks, not comparable with ImageNet FID).",
    )


# ------------------------------------------------------------------ InceptionV3
class _InceptionV3(FeatureExtractor):
    _include_top = False
    _suffix = "pool3"

    def __init__(self, weights: str | None = "imagenet", seed: int = 0,
                 allow_download: bool = True, image_size: int = 299):
        if weights == "imagenet":
            path = imagenet_weights_path(self._include_top, allow_download)
            tag = "ImageNet"
        elif weights is None:
            path, tag = None, f"random-seed{int(seed)}"
        else:
            path = os.path.expanduser(str(weights))
            if not os.path.isfile(path):
                raise WeightsNotFoundError(
                    f"InceptionV3 weights file {path!r} does not exist. Pass weights="
                    "'imagenet' (Keras cache), None (random init) or an existing .h5 path."
                )
            fname = os.path.basename(path)
            tag = "ImageNet" if fname == _IMAGENET_FILES[self._include_top][0] \
                else f"weights({fname})"
        self.weights = weights
        self.seed = int(seed)
        self.allow_download = allow_download
        self.image_size = int(image_size)
        self.name = f"InceptionV3-{tag}-{self._suffix}"
        kwargs = ({"include_top": True} if self._include_top
                  else {"include_top": False, "pooling": "avg"})
        self.model = keras.applications.InceptionV3(
            weights=None, input_shape=(self.image_size, self.image_size, 3), **kwargs)
        if path is None:
            _he_uniform_init(self.model, self.seed)
        else:
            self.model.load_weights(path)

    def extract(self, images: np.ndarray):
        from keras.applications.inception_v3 import preprocess_input

        x = keras.ops.convert_to_tensor(images, dtype="float32")
        if tuple(images.shape[1:3]) != (self.image_size, self.image_size):
            x = keras.ops.image.resize(x, (self.image_size, self.image_size),
                                       interpolation="bilinear")
        return self.model(preprocess_input(x), training=False)

    def get_config(self) -> dict:
        return {"name": self.name, "weights": self.weights, "seed": self.seed,
                "allow_download": self.allow_download, "image_size": self.image_size}


class InceptionFeatures(_InceptionV3):
    """InceptionV3 2048-d average-pool ("pool3") features, the FID/KID standard.

    Images (float32 [0, 255]) are resized to 299×299 (bilinear) and scaled with
    `keras.applications.inception_v3.preprocess_input`.

    Args:
        weights: `"imagenet"` (from the Keras cache, `$KERAS_HOME/models/` or
            `~/.keras/models/inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5`,
            downloaded there if missing and `allow_download`), a path to that
            `.h5` file, or None for a random init fixed by `seed`.
        seed: Seed of the random init (`weights=None` only).
        allow_download: If False, never download (raise if not cached).
        image_size: Input side the network sees.

    Example:
    ```python
    ext = InceptionFeatures()                        # ImageNet, name "InceptionV3-ImageNet-pool3"
    ext = InceptionFeatures("/data/inception_notop.h5")
    ext = InceptionFeatures(weights=None, seed=0)    # "InceptionV3-random-seed0-pool3"
    kerasgan.metrics.fid(real, fake, extractor=ext)
    ```
    """


class InceptionClassifier(_InceptionV3):
    """InceptionV3 with its ImageNet softmax top: class probabilities for IS.

    Same arguments as `InceptionFeatures` (the ImageNet file is
    `inception_v3_weights_tf_dim_ordering_tf_kernels.h5`).
    """

    _include_top = True
    _suffix = "softmax"


# ------------------------------------------------------------------ any model
class ModelFeatures(FeatureExtractor):
    """Wraps any Keras model or callable mapping images to `(b, D)` features.

    Args:
        model: A Keras model or a function of a float32 batch `(b, H, W, 3)`.
        input_range: Pixel range the model expects; [0, 255] is mapped linearly
            onto it (default [-1, 1], kerasgan's convention).
        image_size: Resize inputs to this `(height, width)` (or int) first.
            Default: the model's fixed input size if it has one.
        name: Name in reports (default: the model's name).
    """

    def __init__(self, model: Callable, input_range: tuple[float, float] = (-1.0, 1.0),
                 image_size: int | tuple[int, int] | None = None, name: str | None = None):
        self.model = model
        self.input_range = (float(input_range[0]), float(input_range[1]))
        if image_size is None and isinstance(model, keras.Model):
            try:
                shape = tuple(model.inputs[0].shape[1:3])
                if None not in shape:
                    image_size = shape
            except (AttributeError, IndexError, ValueError):
                pass
        if isinstance(image_size, int):
            image_size = (image_size, image_size)
        self.image_size = None if image_size is None else tuple(int(s) for s in image_size)
        self.name = name or getattr(model, "name", None) or getattr(model, "__name__", "model")

    def extract(self, images: np.ndarray):
        lo, hi = self.input_range
        x = images * np.float32((hi - lo) / 255.0) + np.float32(lo)
        if self.image_size is not None and tuple(images.shape[1:3]) != self.image_size:
            x = keras.ops.convert_to_numpy(
                keras.ops.image.resize(x, self.image_size, interpolation="bilinear"))
        if isinstance(self.model, keras.Model):
            return self.model(x, training=False)
        return self.model(x)

    def get_config(self) -> dict:
        return {"name": self.name, "input_range": self.input_range,
                "image_size": self.image_size}


class TinyFeatures(FeatureExtractor):
    """A cheap seeded random feature map for tests and smoke checks.

    Images are resized to `image_size`², scaled to [-1, 1], flattened and
    projected with a fixed Gaussian matrix from PCG64(`seed`), then `tanh`.
    It does respond to the image distribution, but it is no quality measure.

    Args:
        dim: Feature dimension.
        image_size: Side the images are resized to.
        seed: Seed of the projection.
    """

    def __init__(self, dim: int = 16, image_size: int = 8, seed: int = 0):
        self.dim, self.image_size, self.seed = int(dim), int(image_size), int(seed)
        in_dim = self.image_size * self.image_size * 3
        rng = np.random.default_rng(self.seed)
        self.projection = (rng.standard_normal((in_dim, self.dim)) / np.sqrt(in_dim)).astype(
            "float32")
        self.name = f"TinyRandomFeatures-seed{self.seed}-d{self.dim}"

    def extract(self, images: np.ndarray) -> np.ndarray:
        x = images
        if tuple(images.shape[1:3]) != (self.image_size, self.image_size):
            x = keras.ops.convert_to_numpy(keras.ops.image.resize(
                images, (self.image_size, self.image_size), interpolation="bilinear",
                antialias=True))
        x = np.asarray(x, "float32").reshape(len(images), -1) / 127.5 - 1.0
        return np.tanh(x @ self.projection)

    def get_config(self) -> dict:
        return {"name": self.name, "dim": self.dim, "image_size": self.image_size,
                "seed": self.seed}


# ------------------------------------------------------------------ helpers
def get_extractor(extractor: Any = None, classifier: bool = False) -> FeatureExtractor:
    """Resolves an extractor argument.

    Args:
        extractor: None (ImageNet InceptionV3), `"inception"`,
            `"inception-random"` (seeded random init, seed 0), `"tiny"`, a
            `FeatureExtractor`, a Keras model or a callable.
        classifier: Resolve None / `"inception"` to the softmax classifier (IS).

    Returns:
        A `FeatureExtractor`.
    """
    if isinstance(extractor, FeatureExtractor):
        return extractor
    cls = InceptionClassifier if classifier else InceptionFeatures
    if extractor is None or extractor == "inception":
        return cls("imagenet")
    if extractor == "inception-random":
        return cls(weights=None, seed=0)
    if extractor == "tiny":
        return TinyFeatures()
    if callable(extractor):
        return ModelFeatures(extractor)
    raise ValueError(
        f"Unknown extractor {extractor!r}: pass None, 'inception', 'inception-random', "
        "'tiny', a FeatureExtractor, a Keras model or a callable."
    )


def _progress(total: int | None, desc: str, verbose: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="img", disable=not verbose, leave=False)


def iter_features(data: ImageData, extractor: FeatureExtractor, batch_size: int = 50,
                  num_samples: int | None = None, verbose: bool = True,
                  desc: str = "features"):
    """Yields `(b, D)` float32 feature batches of `data`, with a progress bar."""
    total = num_images(data)
    if num_samples is not None:
        total = num_samples if total is None else min(total, num_samples)
    with _progress(total, desc, verbose) as bar:
        for batch in iter_batches(data, batch_size, num_samples):
            features = extractor(batch)
            bar.update(len(batch))
            yield features


def extract_features(data: ImageData, extractor: Any = None, batch_size: int = 50,
                     num_samples: int | None = None, verbose: bool = True) -> np.ndarray:
    """All features of `data` as one float32 array `(N, D)`.

    Memory: N × D × 4 bytes (50k InceptionV3 features: 400 MB).

    Args:
        data: Images (uint8 [0, 255] or float [-1, 1]) or an iterable of batches.
        extractor: See `get_extractor`.
        batch_size: Images per forward pass.
        num_samples: Use at most this many images.
        verbose: Show a progress bar.

    Returns:
        float32 array `(N, D)`.
    """
    extractor = get_extractor(extractor)
    total = num_images(data)
    if num_samples is not None and total is not None:
        total = min(total, num_samples)
    chunks, out, filled = [], None, 0
    for features in iter_features(data, extractor, batch_size, num_samples, verbose):
        if total is None:  # unknown length: collect, concatenate once at the end
            chunks.append(features)
            continue
        if out is None:  # known length: fill one preallocated array (no 2x peak)
            out = np.empty((total, features.shape[1]), "float32")
        out[filled:filled + len(features)] = features
        filled += len(features)
    if out is not None:
        return out[:filled]
    if not chunks:
        raise ValueError("No images: the input is empty.")
    return np.concatenate(chunks, axis=0)


def features_of_pair(real, generated, extractor: Any = None, batch_size: int = 50,
                     num_samples: int | None = None, verbose: bool = True):
    """Features of two sets, either of which may already be features.

    Args:
        real, generated: Images (as for `extract_features`) or precomputed
            float features `(N, D)` (2-D arrays are taken as features).
        extractor, batch_size, num_samples, verbose: As for `extract_features`;
            the extractor is only built when one of the sets holds images.

    Returns:
        `(real_features, generated_features, name)`, `name` being the
        extractor's, or `"features"` when both sets were features already.
    """
    def is_features(x):
        return isinstance(x, np.ndarray) and x.ndim == 2

    ext = None
    if not (is_features(real) and is_features(generated)):
        ext = get_extractor(extractor)
    feats = []
    for data in (real, generated):
        if is_features(data):
            feats.append(data if num_samples is None else data[:num_samples])
        else:
            feats.append(extract_features(data, ext, batch_size, num_samples, verbose))
    return feats[0], feats[1], ext.name if ext is not None else "features"
