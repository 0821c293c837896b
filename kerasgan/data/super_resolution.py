"""Super-resolution data: (LR, HR) training pairs and benchmark folders.

- `super_resolution(hr_folder, ...)`: random HR patches with flips and 90°
  rotations, their LR made on the fly by antialiased bicubic downsampling,
  both in [-1, 1].
- `super_resolution_tfds("div2k/bicubic_x4", ...)`: the same from tfds DIV2K
  (HR images; optionally the dataset's own LR images).
- `sr_benchmark(dataset_dir, scale=4)`: the `HR/` + `LR_bicubic_x4/` layout
  of Set5, Set14, BSD100, Urban100 (HR and LR matched by name).

LR images are quantised to uint8 values before scaling, like LR files on disk.
`tf.image.resize(method="bicubic", antialias=True)` is Keys' cubic (a = -0.5)
widened by the scale factor, the same kernel as MATLAB's `imresize`, but not
bit-identical with it (benchmarks' LR images were made by MATLAB).
"""

from __future__ import annotations

import logging
import os
import re
from typing import NamedTuple

import numpy as np

from kerasgan.data.image_folder import IMAGE_EXTENSIONS, _decode, list_images
from kerasgan.data.pipeline import resolve_pipeline
from kerasgan.utils.optional import require_tensorflow, require_tfds

logger = logging.getLogger("kerasgan")

SMALL_POLICIES = ("skip", "upsize")


def check_sr_args(scale, hr_patch, batch_size, small):
    """Raises a ValueError naming a bad `scale`, `hr_patch`, `batch_size` or `small`."""
    if not isinstance(scale, int) or scale < 1:
        raise ValueError(f"scale must be a positive integer; received {scale!r}.")
    if not isinstance(hr_patch, int) or hr_patch < scale or hr_patch % scale:
        raise ValueError(f"hr_patch must be a positive multiple of scale={scale}; "
                         f"received {hr_patch!r}.")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer; received {batch_size!r}.")
    if small not in SMALL_POLICIES:
        raise ValueError(f"small must be one of {SMALL_POLICIES}; received {small!r}.")


def _upsize_if_small(image, hr_patch):
    """Resizes a uint8 image up (bicubic) so its short side is >= hr_patch."""
    import tensorflow as tf

    shape = tf.shape(image)
    h, w = shape[0], shape[1]
    short = tf.minimum(h, w)

    def up():
        factor = tf.cast(hr_patch, tf.float32) / tf.cast(short, tf.float32)
        nh = tf.maximum(hr_patch, tf.cast(tf.math.ceil(tf.cast(h, tf.float32) * factor), tf.int32))
        nw = tf.maximum(hr_patch, tf.cast(tf.math.ceil(tf.cast(w, tf.float32) * factor), tf.int32))
        out = tf.image.resize(tf.cast(image, tf.float32), (nh, nw), method="bicubic")
        return tf.cast(tf.clip_by_value(tf.round(out), 0, 255), tf.uint8)

    return tf.cond(short < hr_patch, up, lambda: image)


def make_pair(hr_uint8, scale: int, hr_patch: int, augment: bool = True, seed=None):
    """One random training pair from a uint8 HR image (a tf.data map function).

    Args:
        hr_uint8: uint8 tensor `(h, w, c)` with `h, w >= hr_patch`.
        scale: Downsampling factor.
        hr_patch: HR patch side (a multiple of `scale`).
        augment: Random horizontal flips and 90° rotations (the 8 dihedral
            transforms).
        seed: Optional seed of the crop and augmentation ops.

    Returns:
        `(lr, hr)`: float32 `(hr_patch/scale, hr_patch/scale, c)` and
        `(hr_patch, hr_patch, c)` in [-1, 1].
    """
    tf = require_tensorflow("kerasgan.data.make_pair (a tf.data map function)")

    c = hr_uint8.shape[-1] or 3
    hr = tf.image.random_crop(hr_uint8, (hr_patch, hr_patch, c), seed=seed)
    if augment:
        hr = tf.image.random_flip_left_right(hr, seed=seed)
        k = tf.random.uniform((), 0, 4, dtype=tf.int32, seed=seed)
        hr = tf.image.rot90(hr, k)
    hr = tf.cast(hr, tf.float32)
    lr_side = hr_patch // scale
    lr = tf.image.resize(hr, (lr_side, lr_side), method="bicubic", antialias=True)
    lr = tf.clip_by_value(tf.round(lr), 0.0, 255.0)
    lr = tf.ensure_shape(lr / 127.5 - 1.0, (lr_side, lr_side, c))
    hr = tf.ensure_shape(hr / 127.5 - 1.0, (hr_patch, hr_patch, c))
    return lr, hr


def _image_sizes(files):
    from PIL import Image

    sizes = []
    for f in files:
        with Image.open(f) as im:
            sizes.append(im.size[::-1])  # (h, w)
    return sizes


def select_hr_images(hr_folder: str, hr_patch: int, small: str, batch_size: int,
                     patches_per_image: int, drop_remainder: bool,
                     repeat: bool) -> tuple[list[str], list[tuple[int, int]]]:
    """The HR images `super_resolution` trains on and their `(h, w)` sizes.

    Images smaller than `hr_patch` are skipped or kept (to be upsized) with a
    warning naming them.

    Raises:
        ValueError: no image is large enough, or an epoch has no full batch.
    """
    files = list_images(hr_folder)
    sizes = _image_sizes(files)
    tiny = [f"{f} ({h}x{w})" for f, (h, w) in zip(files, sizes) if min(h, w) < hr_patch]
    if tiny:
        action = "Skipping" if small == "skip" else "Upsizing (bicubic)"
        logger.warning("%s %d image(s) smaller than hr_patch=%d: %s", action, len(tiny),
                       hr_patch, "; ".join(tiny[:5]) + (" ..." if len(tiny) > 5 else ""))
        if small == "skip":
            kept = [(f, hw) for f, hw in zip(files, sizes) if min(hw) >= hr_patch]
            files, sizes = [f for f, _ in kept], [hw for _, hw in kept]
    if not files:
        raise ValueError(f"No image in {hr_folder!r} is at least {hr_patch}x{hr_patch}; lower "
                         "hr_patch or pass small='upsize'.")
    n = len(files) * max(1, int(patches_per_image))
    if drop_remainder and n < batch_size and not repeat:
        raise ValueError(f"{hr_folder!r} gives {n} patches per epoch, fewer than one batch "
                         f"of {batch_size}; lower batch_size, raise patches_per_image or "
                         "pass repeat=True.")
    return files, sizes


def super_resolution(
    hr_folder: str,
    scale: int = 4,
    hr_patch: int = 96,
    batch_size: int = 16,
    shuffle: bool = True,
    seed: int | None = None,
    cache: bool | str = True,
    repeat: bool = False,
    augment: bool = True,
    small: str = "skip",
    patches_per_image: int = 1,
    drop_remainder: bool = True,
    pipeline: str = "auto",
    workers: int | None = None,
    use_multiprocessing: bool = False,
    max_queue_size: int = 10,
):
    """`(lr, hr)` training batches from a folder of HR images: tf.data or a PyDataset.

    Every epoch takes `patches_per_image` random `hr_patch` crops of each
    image, randomly flipped and rotated by multiples of 90°, and makes each LR
    patch by antialiased bicubic downsampling by `scale` (quantised to uint8
    levels). Both are scaled to [-1, 1].

    Args:
        hr_folder: Folder of high-resolution images (searched recursively;
            grayscale/RGBA converted to RGB, unreadable files skipped).
        scale: Downsampling factor (4 for SRGAN x4).
        hr_patch: HR patch side (96 in the paper); a multiple of `scale`.
        batch_size: Global batch size.
        shuffle: Shuffle every epoch.
        seed: Seed of the shuffle (crops and augmentation stay random).
        cache: Keep decoded HR images in memory (True), in a file (a path
            prefix), or decode every epoch (False).
        repeat: Repeat forever (then pass `steps_per_epoch` to `fit`).
        augment: Random flips and 90° rotations.
        small: Images with a side below `hr_patch`: `"skip"` them (with a
            warning naming them) or `"upsize"` them (bicubic, with a warning).
        patches_per_image: Random patches per image per epoch.
        drop_remainder: Drop the last incomplete batch.
        pipeline: `"tf.data"`, `"pydataset"` (a `keras.utils.PyDataset`
            that needs no TensorFlow; see `SuperResolutionPyDataset`) or
            `"auto"` (tf.data when TensorFlow is installed).
        workers, use_multiprocessing, max_queue_size: The PyDataset's
            workers (None: `min(8, os.cpu_count())` threads); ignored by
            tf.data.

    Returns:
        A `tf.data.Dataset` of `(lr, hr)` float32 batches
        `(b, hr_patch/scale, hr_patch/scale, 3)`, `(b, hr_patch, hr_patch, 3)`,
        or a `SuperResolutionPyDataset` of such numpy pairs (`len()`:
        batches per epoch).

    Example:
    ```python
    ds = kerasgan.data.super_resolution("DIV2K_train_HR/", scale=4, hr_patch=96,
                                        batch_size=16, repeat=True)
    model.fit(ds, steps_per_epoch=1000, epochs=100)
    ```
    """
    check_sr_args(scale, hr_patch, batch_size, small)
    if resolve_pipeline(pipeline) == "pydataset":
        from kerasgan.data.pydataset.super_resolution import SuperResolutionPyDataset

        return SuperResolutionPyDataset(
            hr_folder, scale=scale, hr_patch=hr_patch, batch_size=batch_size, shuffle=shuffle,
            seed=seed, cache=cache, repeat=repeat, augment=augment, small=small,
            patches_per_image=patches_per_image, drop_remainder=drop_remainder,
            workers=workers, use_multiprocessing=use_multiprocessing,
            max_queue_size=max_queue_size)
    tf = require_tensorflow("kerasgan.data.super_resolution (a tf.data pipeline; or pass "
                            "pipeline='pydataset')")
    files, _ = select_hr_images(hr_folder, hr_patch, small, batch_size, patches_per_image,
                                drop_remainder, repeat)

    ds = tf.data.Dataset.from_tensor_slices(files)

    def load(path):
        image = _decode(path, 3)
        return _upsize_if_small(image, hr_patch) if small == "upsize" else image

    if cache:
        ds = ds.map(load, num_parallel_calls=tf.data.AUTOTUNE)
        ds = ds.ignore_errors(log_warning=True)
        ds = ds.cache("" if cache is True else cache)
        if shuffle:
            ds = ds.shuffle(len(files), seed=seed, reshuffle_each_iteration=True)
    else:
        if shuffle:
            ds = ds.shuffle(len(files), seed=seed, reshuffle_each_iteration=True)
        ds = ds.map(load, num_parallel_calls=tf.data.AUTOTUNE)
        ds = ds.ignore_errors(log_warning=True)
    if patches_per_image > 1:
        ds = ds.flat_map(lambda im: tf.data.Dataset.from_tensors(im).repeat(patches_per_image))
    if repeat:
        ds = ds.repeat()
    ds = ds.map(lambda im: make_pair(im, scale, hr_patch, augment),
                num_parallel_calls=tf.data.AUTOTUNE)
    if shuffle and patches_per_image > 1:
        ds = ds.shuffle(4 * batch_size, seed=seed)
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    return ds.prefetch(tf.data.AUTOTUNE)


def super_resolution_tfds(
    name: str = "div2k/bicubic_x4",
    scale: int = 4,
    hr_patch: int = 96,
    batch_size: int = 16,
    split: str = "train",
    data_dir: str | None = None,
    download: bool = True,
    use_dataset_lr: bool = False,
    shuffle: bool = True,
    seed: int | None = None,
    cache: bool = False,
    repeat: bool = False,
    augment: bool = True,
    small: str = "upsize",
    drop_remainder: bool = True,
):
    """`(lr, hr)` training batches from a tfds super-resolution dataset (DIV2K).

    tfds `div2k/<config>` has features `hr` and `lr`. By default the LR
    patches are made from `hr` exactly as `super_resolution` does; with
    `use_dataset_lr=True` aligned patches are cropped from the dataset's own
    LR images (e.g. `div2k/unknown_x4`'s degradations), with flips and
    rotations applied to both.

    Args:
        name: tfds name, e.g. `"div2k/bicubic_x4"`.
        scale: Factor between `hr` and `lr` (and of the on-the-fly LR).
        hr_patch: HR patch side; a multiple of `scale`.
        batch_size: Global batch size.
        split: tfds split (`"train"` or `"validation"`).
        data_dir: tfds data directory.
        download: Let tfds download the data if missing (DIV2K is ~4 GB).
        use_dataset_lr: Crop the dataset's LR images instead of downsampling HR.
        shuffle, seed, cache, repeat, augment, drop_remainder: As in
            `super_resolution`.
        small: Images below `hr_patch`: `"upsize"` (default) or `"skip"`
            (silently filtered; tfds images are decoded in the graph).

    Returns:
        A `tf.data.Dataset` of `(lr, hr)` float32 batches.

    Example:
    ```python
    ds = kerasgan.data.super_resolution_tfds("div2k/bicubic_x4", batch_size=16, repeat=True)
    ```
    """
    tf = require_tensorflow("kerasgan.data.super_resolution_tfds (a tf.data pipeline)")
    tfds = require_tfds("kerasgan.data.super_resolution_tfds")

    check_sr_args(scale, hr_patch, batch_size, small)
    ds = tfds.load(name, split=split, data_dir=data_dir, download=download,
                   shuffle_files=shuffle)
    spec = ds.element_spec
    if "hr" not in spec or (use_dataset_lr and "lr" not in spec):
        raise ValueError(f"tfds dataset {name!r} has features {sorted(spec)}; expected 'hr' "
                         "(and 'lr' with use_dataset_lr=True).")

    def rgb(image):
        if image.shape[-1] == 1:
            return tf.image.grayscale_to_rgb(image)
        if image.shape[-1] == 4:
            return image[..., :3]
        return image

    if use_dataset_lr:
        ds = ds.map(lambda ex: (rgb(ex["lr"]), rgb(ex["hr"])),
                    num_parallel_calls=tf.data.AUTOTUNE)
        lr_patch = hr_patch // scale
        ds = ds.filter(lambda lr, hr: tf.reduce_min(tf.shape(lr)[:2]) >= lr_patch)
    else:
        ds = ds.map(lambda ex: rgb(ex["hr"]), num_parallel_calls=tf.data.AUTOTUNE)
        if small == "skip":
            ds = ds.filter(lambda im: tf.reduce_min(tf.shape(im)[:2]) >= hr_patch)
        else:
            ds = ds.map(lambda im: _upsize_if_small(im, hr_patch))
    if cache:
        ds = ds.cache()
    if shuffle:
        ds = ds.shuffle(1000, seed=seed, reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()
    if use_dataset_lr:
        ds = ds.map(lambda lr, hr: _aligned_pair(lr, hr, scale, hr_patch, augment),
                    num_parallel_calls=tf.data.AUTOTUNE)
    else:
        ds = ds.map(lambda im: make_pair(im, scale, hr_patch, augment),
                    num_parallel_calls=tf.data.AUTOTUNE)
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    return ds.prefetch(tf.data.AUTOTUNE)


def _aligned_pair(lr, hr, scale, hr_patch, augment):
    import tensorflow as tf

    p = hr_patch // scale
    c = hr.shape[-1] or 3
    shape = tf.shape(lr)
    top = tf.random.uniform((), 0, shape[0] - p + 1, dtype=tf.int32)
    left = tf.random.uniform((), 0, shape[1] - p + 1, dtype=tf.int32)
    lr = lr[top:top + p, left:left + p]
    hr = hr[top * scale:(top + p) * scale, left * scale:(left + p) * scale]
    if augment:
        flip = tf.random.uniform(()) < 0.5
        lr = tf.cond(flip, lambda: tf.image.flip_left_right(lr), lambda: lr)
        hr = tf.cond(flip, lambda: tf.image.flip_left_right(hr), lambda: hr)
        k = tf.random.uniform((), 0, 4, dtype=tf.int32)
        lr, hr = tf.image.rot90(lr, k), tf.image.rot90(hr, k)
    lr = tf.ensure_shape(tf.cast(lr, tf.float32) / 127.5 - 1.0, (p, p, c))
    hr = tf.ensure_shape(tf.cast(hr, tf.float32) / 127.5 - 1.0, (hr_patch, hr_patch, c))
    return lr, hr


# ------------------------------------------------------------- benchmarks
class SRPair(NamedTuple):
    """One benchmark image: `name`, uint8 `lr` `(h, w, 3)` and `hr` `(s*h, s*w, 3)`."""

    name: str
    lr: np.ndarray
    hr: np.ndarray


def _stem(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]


def _lr_key(stem: str, scale: int) -> str:
    # "babyx4", "baby_x4", "baby_LRBI_x4", "baby_LR" -> "baby"
    for pattern in (rf"(?i)_?lrbi_?x{scale}$", rf"(?i)[_-]?x{scale}$", r"(?i)[_-]lr$"):
        new = re.sub(pattern, "", stem)
        if new != stem:
            return new
    return stem


def _hr_key(stem: str) -> str:
    return re.sub(r"(?i)[_-]hr$", "", stem)


def _find_lr_dir(dataset_dir: str, scale: int) -> str:
    for cand in (f"LR_bicubic_x{scale}", f"LR_bicubic/X{scale}", f"LR_bicubic/x{scale}",
                 f"LR_x{scale}", f"x{scale}", "LR"):
        path = os.path.join(dataset_dir, cand)
        if os.path.isdir(path):
            return path
    raise FileNotFoundError(
        f"No LR folder for scale {scale} in {dataset_dir!r}: expected "
        f"{dataset_dir}/LR_bicubic_x{scale}/ (or LR_bicubic/X{scale}/) next to HR/.")


def _load_rgb(path: str) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"), dtype=np.uint8)


def sr_benchmark(dataset_dir: str, scale: int = 4) -> list[SRPair]:
    """Loads a super-resolution benchmark folder (Set5, Set14, BSD100, Urban100...).

    Layout: `dataset_dir/HR/*` and `dataset_dir/LR_bicubic_x{scale}/*` (also
    `LR_bicubic/X{scale}/`). HR and LR files are matched by name: the same
    name (`img_001.png` in both), or an LR name with a scale suffix
    (`babyx4.png`, `baby_x4.png`, `baby_LRBI_x4.png`) and optionally an
    `_HR` suffix on the HR name. Images are loaded as RGB (grayscale images
    are repeated to three channels, as OpenCV-based evaluation code does). If
    an HR image is larger than `scale` x its LR image by less than `scale`
    pixels (not cropped to a multiple of the scale), its bottom/right
    remainder is cut ("mod-crop").

    Args:
        dataset_dir: The benchmark folder.
        scale: Scale factor.

    Returns:
        A list of `SRPair(name, lr, hr)` sorted by name.

    Raises:
        FileNotFoundError: missing `HR/` or LR folder.
        ValueError: an HR image without an LR partner (or vice versa), or
            sizes that do not match `scale`.

    Example:
    ```python
    for name, lr, hr in kerasgan.data.sr_benchmark("benchmark/Set5", scale=4):
        print(name, kerasgan.sr.psnr(model.upscale(lr), hr))
    ```
    """
    hr_dir = os.path.join(dataset_dir, "HR")
    if not os.path.isdir(hr_dir):
        raise FileNotFoundError(f"No HR folder in {dataset_dir!r}: expected {hr_dir}/ and "
                                f"{dataset_dir}/LR_bicubic_x{scale}/.")
    lr_dir = _find_lr_dir(dataset_dir, scale)

    def files(d):
        return sorted(os.path.join(d, f) for f in os.listdir(d)
                      if f.lower().endswith(IMAGE_EXTENSIONS) and not f.startswith("."))

    hr_files = {_hr_key(_stem(f)): f for f in files(hr_dir)}
    lr_files = {_lr_key(_stem(f), scale): f for f in files(lr_dir)}
    missing = sorted(set(hr_files) - set(lr_files))
    extra = sorted(set(lr_files) - set(hr_files))
    if missing or extra:
        raise ValueError(
            f"HR and LR images of {dataset_dir!r} do not match by name: HR without LR: "
            f"{missing[:10]}; LR without HR: {[os.path.basename(lr_files[k]) for k in extra[:10]]}.")
    if not hr_files:
        raise ValueError(f"No images in {hr_dir!r}.")
    pairs = []
    for key in sorted(hr_files):
        hr = _load_rgb(hr_files[key])
        lr = _load_rgb(lr_files[key])
        th, tw = lr.shape[0] * scale, lr.shape[1] * scale
        h, w = hr.shape[:2]
        if not (th <= h < th + scale and tw <= w < tw + scale):
            raise ValueError(
                f"{os.path.basename(hr_files[key])}: HR is {h}x{w} but LR "
                f"{os.path.basename(lr_files[key])} is {lr.shape[0]}x{lr.shape[1]}; "
                f"expected HR = {scale} x LR.")
        pairs.append(SRPair(os.path.basename(hr_files[key]), lr, hr[:th, :tw]))
    return pairs
