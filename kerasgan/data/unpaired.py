"""`unpaired`: batches `(images_a, images_b)` from two unaligned image domains.

The input pipeline of CycleGAN (Zhu et al. 2017): each domain's images are
shuffled independently, resized to `load_size` x `load_size`, randomly
cropped to `image_size` x `image_size` ("random jitter") and randomly flipped
left-right, then paired at random.

Domains of different sizes: both are repeated and shuffled independently and
zipped, and an epoch is `max(len_a, len_b) // batch_size` batches -- every
image of the larger domain is seen about once per epoch and the smaller domain
is cycled through (reshuffled on each pass). This is the reference
implementation's `UnalignedDataset` with `serial_batches=False`.
`int(dataset.cardinality())` gives the steps per epoch (e.g. for
`kerasgan.schedules.LinearDecay.from_epochs`); `len()` of the PyDataset
version (`pipeline="pydataset"`, `UnpairedPyDataset`) is the same number.
"""

from __future__ import annotations

import os

from kerasgan.data.image_folder import _decode, list_images
from kerasgan.data.pipeline import resolve_pipeline
from kerasgan.utils.optional import require_tensorflow, require_tfds

#: tfds datasets `unpaired` reads (besides every `cycle_gan/<config>`).
TFDS_SOURCES = ("cycle_gan/<config>", "cats_vs_dogs")
#: cats_vs_dogs labels: cat = 0 -> domain A, dog = 1 -> domain B.
CATS_VS_DOGS_LABELS = {"a": 0, "b": 1}


def _is_tfds_name(source) -> bool:
    if not isinstance(source, str):
        return False
    name = source[5:] if source.startswith("tfds:") else source
    base = name.split(":")[0]
    return base.startswith("cycle_gan/") or base == "cycle_gan" or base == "cats_vs_dogs"


def resolve_folders(domain_a, domain_b, split):
    """The two domain folders of `unpaired`'s folder forms (checked to exist)."""
    if _is_tfds_name(domain_a):
        raise ValueError(
            f"{domain_a!r} is a tfds source, which needs TensorFlow (tf.data): pass "
            "pipeline='tf.data' with TensorFlow installed, or two folders of images.")
    if domain_b is None:
        parent = domain_a
        if not os.path.isdir(parent):
            raise FileNotFoundError(
                f"{parent!r} is neither a folder nor a tfds source "
                f"({', '.join(TFDS_SOURCES)}). Pass two folders, or one folder "
                f"holding {split}A/ and {split}B/."
            )
        a = os.path.join(parent, f"{split}A")
        b = os.path.join(parent, f"{split}B")
        if not (os.path.isdir(a) and os.path.isdir(b)):
            found = sorted(d for d in os.listdir(parent) if os.path.isdir(os.path.join(parent, d)))
            raise FileNotFoundError(
                f"{parent!r} has no {split}A/ and {split}B/ subfolders (found: "
                f"{found}). Pass the two domain folders: unpaired(folder_a, folder_b)."
            )
        return a, b
    return domain_a, domain_b


def check_unpaired_args(image_size, load_size, batch_size, channels) -> int:
    """Validates `unpaired`'s sizes; returns `load_size` as an int."""
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3; received {channels!r}.")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer; received {batch_size!r}.")
    if isinstance(image_size, bool) or not isinstance(image_size, int) or image_size < 1:
        raise ValueError(f"image_size must be a positive integer; received {image_size!r}.")
    load_size = image_size if load_size is None else int(load_size)
    if load_size < image_size:
        raise ValueError(
            f"load_size ({load_size}) must be >= image_size ({image_size}): images "
            "are resized to load_size, then randomly cropped to image_size."
        )
    return load_size


def _jitter(image, image_size, load_size, jitter, flip, channels, seed):
    """uint8 `(h, w, c)` (already resized to load_size if cached) -> float crop."""
    import tensorflow as tf

    if jitter and load_size > image_size:
        image = tf.image.random_crop(image, (image_size, image_size, channels), seed=seed)
    if flip:
        image = tf.image.random_flip_left_right(image, seed=seed)
    image = tf.cast(image, tf.float32) / 127.5 - 1.0
    image = tf.clip_by_value(image, -1.0, 1.0)
    image.set_shape((image_size, image_size, channels))
    return image


def _resize(image, size):
    import tensorflow as tf

    image = tf.image.resize(tf.cast(image, tf.float32), (size, size), method="bicubic",
                            antialias=True)
    return tf.cast(tf.clip_by_value(tf.round(image), 0, 255), tf.uint8)


def _fix_channels(image, channels):
    import tensorflow as tf

    c = image.shape[-1]
    if c == channels:
        return image
    if c == 1 and channels == 3:
        return tf.image.grayscale_to_rgb(image)
    if c == 4:
        image = image[..., :3]
    if channels == 1:
        return tf.image.rgb_to_grayscale(image)
    return image


def _domain(ds, count, load, image_size, load_size, jitter, flip, channels, shuffle,
            seed, cache, salt):
    """One domain: element (file or tfds example) -> infinite float crops."""
    import tensorflow as tf

    autotune = tf.data.AUTOTUNE
    size = load_size if jitter else image_size
    shuffle_seed = None if seed is None else seed + salt
    op_seed = None if seed is None else seed + 7 * salt + 1

    def decode(x):
        return _resize(load(x), size)

    if cache:
        ds = ds.map(decode, num_parallel_calls=autotune).ignore_errors(log_warning=True)
        ds = ds.cache("" if cache is True else f"{cache}_{'ab'[salt - 1]}")
        if shuffle:
            ds = ds.shuffle(min(count, 10_000), seed=shuffle_seed, reshuffle_each_iteration=True)
        ds = ds.repeat()
    else:
        if shuffle:
            ds = ds.shuffle(min(count, 10_000), seed=shuffle_seed, reshuffle_each_iteration=True)
        ds = ds.repeat()
        ds = ds.map(decode, num_parallel_calls=autotune).ignore_errors(log_warning=True)
    return ds.map(
        lambda im: _jitter(im, image_size, load_size, jitter, flip, channels, op_seed),
        num_parallel_calls=autotune,
    )


def unpaired(
    domain_a,
    domain_b=None,
    image_size: int = 256,
    load_size: int | None = 286,
    batch_size: int = 1,
    split: str = "train",
    jitter: bool = True,
    flip: bool = True,
    shuffle: bool = True,
    seed: int | None = None,
    cache: bool | str = False,
    repeat: bool = False,
    channels: int = 3,
    data_dir: str | None = None,
    download: bool = True,
    pipeline: str = "auto",
    workers: int | None = None,
    use_multiprocessing: bool = False,
    max_queue_size: int = 10,
):
    """Unpaired batches `(images_a, images_b)` in [-1, 1]: tf.data or a PyDataset.

    Sources:

    - two folders of images: `unpaired("cats/", "dogs/")` (searched
      recursively; jpg/png/bmp/gif/webp/tiff; grayscale/RGBA converted);
    - one folder in the CycleGAN layout: `unpaired("horse2zebra/")` reads
      `horse2zebra/trainA` and `trainB` (`split="test"`: `testA`, `testB`);
    - tfds `cycle_gan/<config>`, e.g. `unpaired("cycle_gan/horse2zebra")`
      (splits `<split>A` and `<split>B`);
    - tfds `cats_vs_dogs` split by label: cats (0) are domain A, dogs (1)
      domain B; `split` is a tfds split such as `"train[:90%]"`.

    Args:
        domain_a: Folder of domain A, a folder with `trainA/`, `trainB/`, or a
            tfds name (optionally prefixed `tfds:`).
        domain_b: Folder of domain B (None for the other forms).
        image_size: Side of the square crops.
        load_size: Side images are resized to before the random crop (286 for
            256 crops in the paper). None or `image_size`: no crop.
        batch_size: Global batch size (1 in the paper).
        split: `"train"` or `"test"` for folders/`cycle_gan`; any tfds split
            for `cats_vs_dogs`.
        jitter: Resize to `load_size` and random crop; False resizes straight
            to `image_size` (for evaluation).
        flip: Random horizontal flips.
        shuffle: Shuffle each domain (independently) and reshuffle every pass.
        seed: Seed of the shuffles, crops and flips.
        cache: Cache the decoded images (resized to `load_size`, uint8) in
            memory (True) or files (a path prefix; `_a`/`_b` are appended).
            Crops and flips stay random.
        repeat: Yield batches forever instead of epochs of
            `max(len_a, len_b) // batch_size` (pass `steps_per_epoch` to fit).
        channels: 3 (RGB) or 1.
        data_dir: tfds data directory.
        download: Let tfds download missing data.
        pipeline: `"tf.data"`, `"pydataset"` (a `keras.utils.PyDataset`
            that needs no TensorFlow, folders only; see `UnpairedPyDataset`)
            or `"auto"` (tf.data when TensorFlow is installed).
        workers, use_multiprocessing, max_queue_size: The PyDataset's
            workers (None: `min(8, os.cpu_count())` threads); ignored by
            tf.data.

    Returns:
        A `tf.data.Dataset` of pairs of float32 tensors `(batch, image_size,
        image_size, channels)`; its `cardinality()` is the number of batches
        per epoch (infinite with `repeat=True`). Or an `UnpairedPyDataset` of
        such numpy pairs; its `len()` is the number of batches per epoch.

    Raises:
        FileNotFoundError: A folder does not exist or lacks `trainA`/`trainB`.
        ValueError: Bad sizes, or a domain has no readable images.

    Example:
    ```python
    ds = kerasgan.data.unpaired("data/cats", "data/dogs", image_size=128, load_size=143)
    model.fit(ds, epochs=100)
    ```
    """
    if resolve_pipeline(pipeline) == "pydataset":
        from kerasgan.data.pydataset.unpaired import UnpairedPyDataset

        return UnpairedPyDataset(
            domain_a, domain_b, image_size=image_size, load_size=load_size,
            batch_size=batch_size, split=split, jitter=jitter, flip=flip, shuffle=shuffle,
            seed=seed, cache=cache, repeat=repeat, channels=channels, workers=workers,
            use_multiprocessing=use_multiprocessing, max_queue_size=max_queue_size)
    tf = require_tensorflow("kerasgan.data.unpaired (a tf.data pipeline; or pass "
                            "pipeline='pydataset')")

    load_size = check_unpaired_args(image_size, load_size, batch_size, channels)

    if _is_tfds_name(domain_a) and domain_b is None:
        ds_a, ds_b, len_a, len_b, load = _tfds_domains(domain_a, split, data_dir, download,
                                                       shuffle, channels)
    else:
        if _is_tfds_name(domain_a) and domain_b is not None:
            raise ValueError(f"A tfds source ({domain_a!r}) holds both domains; "
                             "pass domain_b=None.")
        folder_a, folder_b = resolve_folders(domain_a, domain_b, split)
        files_a, files_b = list_images(folder_a), list_images(folder_b)
        len_a, len_b = len(files_a), len(files_b)
        ds_a = tf.data.Dataset.from_tensor_slices(files_a)
        ds_b = tf.data.Dataset.from_tensor_slices(files_b)

        def load(path):
            return _decode(path, channels)

    steps = max(len_a, len_b) // batch_size
    if steps < 1 and not repeat:
        raise ValueError(
            f"The domains hold {len_a} and {len_b} images, fewer than one batch of "
            f"{batch_size}; lower batch_size."
        )
    common = dict(image_size=image_size, load_size=load_size, jitter=jitter, flip=flip,
                  channels=channels, shuffle=shuffle, seed=seed, cache=cache)
    a = _domain(ds_a, len_a, load, salt=1, **common)
    b = _domain(ds_b, len_b, load, salt=2, **common)
    ds = tf.data.Dataset.zip((a, b)).batch(batch_size, drop_remainder=True)
    if not repeat:
        # Both domains repeat forever: exactly `steps` batches per epoch.
        ds = ds.take(steps).apply(tf.data.experimental.assert_cardinality(steps))
    return ds.prefetch(tf.data.AUTOTUNE)


def _num_examples(info, ds, split):
    try:
        return int(info.splits[split].num_examples)
    except (KeyError, ValueError, TypeError, AttributeError):
        n = int(ds.cardinality())
        if n < 0:
            raise ValueError(f"Cannot tell how many examples tfds split {split!r} holds.")
        return n


def _tfds_domains(name, split, data_dir, download, shuffle, channels):
    """Per-domain datasets of tfds examples, their sizes and the decode fn."""
    tf = require_tensorflow("kerasgan.data.unpaired (a tf.data pipeline)")
    tfds = require_tfds("kerasgan.data.unpaired with a tfds dataset")

    name = name[5:] if name.startswith("tfds:") else name
    base = name.split(":")[0]

    def load(example):
        return _fix_channels(example["image"], channels)

    def tfds_load(split_name):
        return tfds.load(name, split=split_name, data_dir=data_dir, download=download,
                         shuffle_files=shuffle, with_info=True)

    if base.startswith("cycle_gan"):
        if base == "cycle_gan":
            raise ValueError("Name a cycle_gan config, e.g. 'cycle_gan/horse2zebra'.")
        if split not in ("train", "test"):
            raise ValueError(f"split must be 'train' or 'test' for {name}; received {split!r}.")
        ds_a, info = tfds_load(f"{split}A")
        ds_b, _ = tfds_load(f"{split}B")
        return (ds_a, ds_b, _num_examples(info, ds_a, f"{split}A"),
                _num_examples(info, ds_b, f"{split}B"), load)

    # cats_vs_dogs: one split, two labels.
    ds, info = tfds_load(split)
    total = _num_examples(info, ds, split)
    ds = ds.ignore_errors(log_warning=True)
    ds_a = ds.filter(lambda ex: tf.equal(ex["label"], CATS_VS_DOGS_LABELS["a"]))
    ds_b = ds.filter(lambda ex: tf.equal(ex["label"], CATS_VS_DOGS_LABELS["b"]))
    # tfds records no per-label counts; cats and dogs are (nearly) balanced,
    # so an epoch is about one pass over the larger domain.
    half = max((total + 1) // 2, 1)
    return ds_a, ds_b, half, half, load


__all__ = ["unpaired", "TFDS_SOURCES"]
