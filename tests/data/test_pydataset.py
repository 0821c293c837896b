"""The PyDataset pipelines: what fit takes, the tf.data pipelines' pixels, seeded and cached."""

import logging
import os
import pickle

import keras
import numpy as np
import pytest
from PIL import Image

import kerasgan
from kerasgan.callbacks.resume.pydataset_stream import pydataset_stream
from kerasgan.data import ImageFolderPyDataset, SuperResolutionPyDataset, UnpairedPyDataset

# The PyDatasets keep resized images as uint8 (what they cache); the tf.data
# image_folder keeps floats: half a level apart at most, plus float rounding.
HALF_LEVEL = 0.5 / 127.5 + 1e-5
# Both round to uint8 after the same resize; float32 sums in another order can
# flip a value lying on .5 to the other level.
ONE_LEVEL = 1 / 127.5 + 1e-6


def _save(path, array, mode=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    image = Image.fromarray(array)
    image = image.convert(mode) if mode else image
    image.save(path)


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """PNG folders: `mixed` (7 images of various sizes and modes), `a` (5), `b` (3),
    `coords` (2 images whose pixels encode their own coordinates)."""
    root = tmp_path_factory.mktemp("pyds")
    rng = np.random.default_rng(0)
    for i, (h, w) in enumerate([(40, 30), (24, 24), (31, 45), (20, 20), (50, 33)]):
        _save(f"{root}/mixed/{i}.png", rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
    _save(f"{root}/mixed/gray.png", rng.integers(0, 256, (26, 22), dtype=np.uint8))
    _save(f"{root}/mixed/sub/rgba.png", rng.integers(0, 256, (28, 28, 4), dtype=np.uint8))
    for i in range(5):
        _save(f"{root}/a/{i}.png", rng.integers(0, 256, (30 + i, 26, 3), dtype=np.uint8))
    for i in range(3):
        _save(f"{root}/b/{i}.png", rng.integers(0, 256, (22, 29 + i, 3), dtype=np.uint8))
    y, x = np.mgrid[:20, :20]
    for i in range(2):
        coords = np.stack([10 * y, 10 * x, np.full_like(y, 100 * i)], -1).astype(np.uint8)
        _save(f"{root}/coords/{i}.png", coords)
    return str(root)


def _tf_batches(ds):
    return [tuple(np.asarray(t) for t in b) if isinstance(b, tuple) else np.asarray(b)
            for b in ds]


def _epoch(ds, epoch=0):
    return [ds.get_batch(epoch, i) for i in range(len(ds))]


# ------------------------------------------------------------- vs tf.data
@pytest.mark.parametrize("crop", ["center", 20, (2, 3, 18, 16), None])
def test_image_folder_matches_tf_data(folders, crop):
    pytest.importorskip("tensorflow")
    kwargs = dict(path=f"{folders}/mixed", image_size=16, batch_size=3, crop=crop,
                  shuffle=False, drop_remainder=False)
    tf_batches = _tf_batches(kerasgan.data.image_folder(**kwargs, pipeline="tf.data"))
    ds = kerasgan.data.image_folder(**kwargs, pipeline="pydataset", workers=1)
    assert isinstance(ds, ImageFolderPyDataset) and isinstance(ds, keras.utils.PyDataset)
    assert len(ds) == len(tf_batches) == 3  # 7 images: 3 + 3 + 1
    for ours, theirs in zip(_epoch(ds), tf_batches):
        assert ours.shape == theirs.shape and ours.dtype == np.float32
        assert -1.0 <= ours.min() and ours.max() <= 1.0
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=HALF_LEVEL)


def test_unpaired_matches_tf_data(folders):
    pytest.importorskip("tensorflow")
    kwargs = dict(domain_a=f"{folders}/a", domain_b=f"{folders}/b", image_size=16,
                  load_size=20, batch_size=2, jitter=False, flip=False, shuffle=False)
    tf_ds = kerasgan.data.unpaired(**kwargs, pipeline="tf.data")
    ds = kerasgan.data.unpaired(**kwargs, pipeline="pydataset", workers=1)
    assert isinstance(ds, UnpairedPyDataset)
    assert len(ds) == int(tf_ds.cardinality()) == 2  # max(5, 3) // 2
    for (a, b), (ta, tb) in zip(_epoch(ds), _tf_batches(tf_ds)):
        for ours, theirs in ((a, ta), (b, tb)):
            assert ours.shape == theirs.shape == (2, 16, 16, 3) and ours.dtype == np.float32
            np.testing.assert_allclose(ours, theirs, rtol=0, atol=ONE_LEVEL)
            assert np.mean(np.abs(ours - theirs) > 1e-6) < 0.01
    # Jittered: the same crops when load_size leaves no room to move.
    tf_ds = kerasgan.data.unpaired(**{**kwargs, "jitter": True, "load_size": 16},
                                   pipeline="tf.data")
    ds = kerasgan.data.unpaired(**{**kwargs, "jitter": True, "load_size": 16},
                                pipeline="pydataset")
    np.testing.assert_allclose(ds.get_batch(0, 1)[1], _tf_batches(tf_ds)[1][1], atol=ONE_LEVEL)


@pytest.mark.parametrize("small", ["skip", "upsize"])
def test_super_resolution_matches_tf_data(tmp_path, small):
    pytest.importorskip("tensorflow")
    rng = np.random.default_rng(3)
    # Crops are deterministic when the (upsized) images are one patch.
    side = 16 if small == "skip" else 12
    for i in range(5):
        _save(str(tmp_path / f"{i}.png"), rng.integers(0, 256, (side, side, 3), dtype=np.uint8))
    kwargs = dict(hr_folder=str(tmp_path), scale=4, hr_patch=16, batch_size=2, shuffle=False,
                  augment=False, small=small, drop_remainder=False)
    tf_batches = _tf_batches(kerasgan.data.super_resolution(**kwargs, pipeline="tf.data"))
    ds = kerasgan.data.super_resolution(**kwargs, pipeline="pydataset")
    assert isinstance(ds, SuperResolutionPyDataset)
    assert len(ds) == len(tf_batches) == 3
    for (lr, hr), (tlr, thr) in zip(_epoch(ds), tf_batches):
        assert lr.shape == tlr.shape and hr.shape == thr.shape
        assert lr.dtype == hr.dtype == np.float32
        np.testing.assert_allclose(hr, thr, rtol=0, atol=ONE_LEVEL if small == "upsize" else 1e-6)
        np.testing.assert_allclose(lr, tlr, rtol=0, atol=ONE_LEVEL)


# ------------------------------------------------------- the same randomness
def _unpaired_offsets(batch):
    """(top, left, flipped) of each crop of the `coords` images (R = 10 y, G = 10 x)."""
    pixels = np.rint((batch + 1) * 127.5).astype(int)
    top = pixels[:, 0, :, 0].min(axis=1) // 10
    left = pixels[:, :, :, 1].min(axis=(1, 2)) // 10
    flipped = pixels[:, 0, 0, 1] > pixels[:, 0, -1, 1]
    return top, left, flipped


def test_unpaired_crops_and_flips_have_the_tf_data_distribution(folders):
    tf = pytest.importorskip("tensorflow")
    kwargs = dict(domain_a=f"{folders}/coords", domain_b=f"{folders}/coords", image_size=16,
                  load_size=20, batch_size=8, seed=1)  # 20 px images: resizing is exact
    ds = kerasgan.data.unpaired(**kwargs, pipeline="pydataset", repeat=True)
    tf_ds = kerasgan.data.unpaired(**kwargs, pipeline="tf.data", repeat=True)
    for name, batches in (("pydataset", [ds[n] for n in range(30)]),
                          ("tf.data", _tf_batches(tf_ds.take(30)))):
        a = np.concatenate([b[0] for b in batches])
        top, left, flipped = _unpaired_offsets(a)
        # Every allowed offset 0..load_size - image_size, each ~1/5 of 240 crops.
        for offsets in (top, left):
            counts = np.bincount(offsets, minlength=5)
            assert len(counts) == 5 and counts.min() > 20, (name, counts)
        # Flips: 240 fair coins; 4.6 standard deviations either side.
        assert 0.35 < flipped.mean() < 0.65, (name, flipped.mean())
    del tf


def test_super_resolution_covers_the_eight_flips_and_rotations(tmp_path):
    image = (np.arange(16 * 16 * 3).reshape(16, 16, 3) % 251).astype(np.uint8)
    _save(str(tmp_path / "im.png"), image)
    ds = SuperResolutionPyDataset(str(tmp_path), scale=4, hr_patch=16, batch_size=1, seed=0,
                                  repeat=True)
    seen = {np.rint((ds[n][1][0] + 1) * 127.5).astype(np.uint8).tobytes() for n in range(150)}
    dihedral = {np.rot90(im, k).tobytes() for im in (image, image[:, ::-1]) for k in range(4)}
    assert seen == dihedral


# ------------------------------------------------------------- determinism
def test_batches_depend_only_on_seed_epoch_and_index(folders):
    kwargs = dict(path=f"{folders}/mixed", image_size=16, batch_size=2, seed=7, augment_flip=True)
    one = ImageFolderPyDataset(**kwargs, workers=1)
    other = ImageFolderPyDataset(**kwargs, workers=3, cache=True)
    # Asked in another order, by another instance: the same batches.
    for epoch in (0, 1, 5):
        for i in reversed(range(len(one))):
            np.testing.assert_array_equal(other.get_batch(epoch, i), one.get_batch(epoch, i))
    assert not np.array_equal(one.get_batch(0, 0), one.get_batch(1, 0))
    different = ImageFolderPyDataset(**{**kwargs, "seed": 8})
    assert any(not np.array_equal(different.get_batch(0, i), one.get_batch(0, i))
               for i in range(len(one)))
    # The ordered read-ahead of 3 threads yields steps 5, 6, ... in order.
    stream = pydataset_stream(other, start_step=5)
    for n in range(5, 12):
        (batch,) = next(stream)
        np.testing.assert_array_equal(batch, one.get_batch(*divmod(n, len(one))))
    stream.close()


def test_epochs_shuffle_every_image_once_and_follow_keras_hooks(folders):
    ds = ImageFolderPyDataset(f"{folders}/a", 8, batch_size=1, seed=0)
    def epoch_images(epoch):
        return [b.tobytes() for b in _epoch(ds, epoch)]
    first, second = epoch_images(0), epoch_images(1)
    assert len(set(first)) == 5 and set(first) == set(second) and first != second
    # Keras calls on_epoch_end once before the first epoch (not counted).
    ds.on_epoch_end()
    assert ds.epoch == 0
    np.testing.assert_array_equal(ds[2], ds.get_batch(0, 2))
    ds.on_epoch_begin()
    ds.on_epoch_end()
    assert ds.epoch == 1
    np.testing.assert_array_equal(ds[2], ds.get_batch(1, 2))
    with pytest.raises(IndexError, match="out of range: this dataset has 5 batches"):
        ds[5]
    forever = ImageFolderPyDataset(f"{folders}/a", 8, batch_size=1, seed=0, repeat=True)
    assert forever.num_batches is None and len(forever) == 5
    np.testing.assert_array_equal(forever[12], ds.get_batch(2, 2))


# ------------------------------------------------------------------ caches
def test_memory_disk_and_no_cache_give_the_same_batches(folders, tmp_path, caplog):
    common = dict(domain_a=f"{folders}/a", domain_b=f"{folders}/b", image_size=12,
                  load_size=14, batch_size=2, seed=3)
    prefix = str(tmp_path / "cache" / "ab")
    batches = {}
    for cache in (False, True, prefix):
        ds = UnpairedPyDataset(**common, cache=cache)
        batches[str(cache)] = [ds.get_batch(e, i) for e in (0, 1) for i in range(len(ds))]
    for other in batches.values():
        for x, y in zip(other, batches["False"]):
            np.testing.assert_array_equal(x[0], y[0])
            np.testing.assert_array_equal(x[1], y[1])
    data = f"{prefix}_a.npy"
    assert np.load(data, mmap_mode="r").shape == (5, 14, 14, 3)
    # A later run memory-maps it instead of decoding again ...
    stamp = os.stat(data).st_mtime_ns
    ds = UnpairedPyDataset(**common, cache=prefix)
    assert os.stat(data).st_mtime_ns == stamp
    assert isinstance(ds.domains[0]._data, np.memmap)
    # ... and pickles (for worker processes) without the images.
    assert len(pickle.dumps(ds)) < 20_000
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(ds)).get_batch(1, 0)[0],
                                  batches["False"][2][0])
    # Other parameters or changed files: rebuilt.
    with caplog.at_level(logging.WARNING, logger="kerasgan"):
        UnpairedPyDataset(**{**common, "load_size": 16}, cache=prefix)
    assert "rebuilding" in caplog.text
    assert np.load(data, mmap_mode="r").shape == (5, 16, 16, 3)


def test_super_resolution_disk_cache_of_variable_sizes(tmp_path):
    rng = np.random.default_rng(4)
    for i, (h, w) in enumerate([(20, 24), (17, 16), (30, 18)]):
        _save(str(tmp_path / "hr" / f"{i}.png"), rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
    kwargs = dict(hr_folder=str(tmp_path / "hr"), scale=2, hr_patch=8, batch_size=2, seed=0,
                  patches_per_image=3, drop_remainder=False)
    memory = SuperResolutionPyDataset(**kwargs, cache=True)
    disk = SuperResolutionPyDataset(**kwargs, cache=str(tmp_path / "sr"))
    assert len(memory) == len(disk) == 5  # 9 patches
    for i in range(len(memory)):
        for x, y in zip(memory.get_batch(2, i), disk.get_batch(2, i)):
            np.testing.assert_array_equal(x, y)
    lr, hr = memory.get_batch(0, 4)
    assert lr.shape == (1, 4, 4, 3) and hr.shape == (1, 8, 8, 3)


# ---------------------------------------------------------- fit and errors
def test_fits_on_every_pipeline_kind(folders):
    gan = kerasgan.models.DCGAN(image_size=16, latent_dim=8, generator_width=8,
                                discriminator_width=8, seed=0)
    gan.compile()
    ds = kerasgan.data.image_folder(f"{folders}/mixed", 16, 2, seed=0, pipeline="pydataset",
                                    workers=2, augment_flip=True)
    history = gan.fit(ds, epochs=2, verbose=0, shuffle=False)
    assert int(gan.g_optimizer.iterations.numpy()) == 2 * len(ds) == 6
    assert np.isfinite(history.history["d_loss"]).all()
    assert ds.epoch == 2
    assert kerasgan.data.steps_per_epoch(ds) == 3


def test_arguments_and_sources_are_checked(folders):
    with pytest.raises(ValueError, match=r"pipeline must be one of \('auto', 'tf.data', "
                                         r"'pydataset'\); received 'numpy'"):
        kerasgan.data.image_folder(f"{folders}/a", 8, 1, pipeline="numpy")
    with pytest.raises(ValueError, match="tfds source, which needs TensorFlow"):
        kerasgan.data.unpaired("cycle_gan/horse2zebra", pipeline="pydataset")
    with pytest.raises(ValueError, match="workers must be a positive integer or None; received 0"):
        ImageFolderPyDataset(f"{folders}/a", 8, 1, workers=0)
    with pytest.raises(ValueError, match="seed must be a non-negative integer or None"):
        ImageFolderPyDataset(f"{folders}/a", 8, 1, seed=-1)
    with pytest.raises(ValueError, match="fewer than one batch of 8"):
        ImageFolderPyDataset(f"{folders}/a", 8, 8)
    with pytest.raises(ValueError, match="load_size"):
        UnpairedPyDataset(f"{folders}/a", f"{folders}/b", image_size=16, load_size=8)
    with pytest.raises(ValueError, match="hr_patch must be a positive multiple of scale"):
        SuperResolutionPyDataset(f"{folders}/a", scale=4, hr_patch=10)
    ds = ImageFolderPyDataset(f"{folders}/a", 8, 2, seed=5)
    config = ds.get_config()
    assert config["seed"] == 5 and config["image_size"] == 8 and config["workers"] >= 1
    assert kerasgan.data.resolve_pipeline("pydataset") == "pydataset"
