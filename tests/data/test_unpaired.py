"""`kerasgan.data.unpaired`: two-domain pipelines from folders and tfds."""

import os

import numpy as np
import pytest
from PIL import Image

from kerasgan.data.unpaired import _tfds_domains, unpaired


def _write(folder, n, value, size=(20, 24), mode="RGB"):
    os.makedirs(folder, exist_ok=True)
    for i in range(n):
        shape = size + ((3,) if mode == "RGB" else (4,) if mode == "RGBA" else ())
        Image.fromarray(np.full(shape, value, np.uint8), mode).save(
            os.path.join(folder, f"{i}.png"))


@pytest.fixture
def layout(tmp_path):
    """horse2zebra-style folder: 5 dark trainA images, 2 bright trainB ones."""
    root = tmp_path / "h2z"
    _write(str(root / "trainA"), 5, 20)
    _write(str(root / "trainB"), 2, 230, size=(30, 18), mode="RGBA")
    _write(str(root / "testA"), 1, 20)
    _write(str(root / "testB"), 1, 230)
    return str(root)


def test_two_folders_of_different_sizes(layout):
    ds = unpaired(os.path.join(layout, "trainA"), os.path.join(layout, "trainB"),
                  image_size=16, load_size=18, batch_size=2, seed=0)
    # An epoch is max(5, 2) // 2 batches; the smaller domain is cycled.
    assert int(ds.cardinality()) == 2
    batches = list(ds)
    assert len(batches) == 2
    for a, b in batches:
        assert a.shape == b.shape == (2, 16, 16, 3)
        assert a.dtype.name == "float32"
        np.testing.assert_allclose(a.numpy(), 20 / 127.5 - 1, atol=1e-2)   # domain A stays A
        np.testing.assert_allclose(b.numpy(), 230 / 127.5 - 1, atol=1e-2)  # RGBA -> RGB
    assert len(list(ds)) == 2  # a second epoch


def test_train_a_b_layout_cache_and_repeat(layout):
    ds = unpaired(layout, image_size=8, load_size=None, batch_size=1, cache=True,
                  flip=False, shuffle=False)
    assert int(ds.cardinality()) == 5
    a, b = next(iter(ds))
    assert a.shape == (1, 8, 8, 3) and float(a.numpy().max()) < -0.5 < float(b.numpy().min())
    test = unpaired(layout, split="test", image_size=8, load_size=12, batch_size=1)
    assert int(test.cardinality()) == 1
    forever = unpaired(layout, image_size=8, load_size=12, batch_size=2, repeat=True)
    assert len(list(forever.take(7))) == 7


def test_bad_inputs(layout, tmp_path):
    with pytest.raises(FileNotFoundError, match="trainA/ and trainB/"):
        unpaired(str(tmp_path), image_size=8)
    with pytest.raises(FileNotFoundError, match="neither a folder nor a tfds source"):
        unpaired(str(tmp_path / "missing"), image_size=8)
    with pytest.raises(ValueError, match="load_size"):
        unpaired(layout, image_size=16, load_size=8)
    with pytest.raises(ValueError, match="fewer than one batch"):
        unpaired(layout, split="test", image_size=8, batch_size=4)
    with pytest.raises(ValueError, match="channels"):
        unpaired(layout, image_size=8, channels=2)


def test_tfds_cycle_gan_with_mock_data():
    tfds = pytest.importorskip("tensorflow_datasets")
    with tfds.testing.mock_data(num_examples=6):
        ds = unpaired("cycle_gan/horse2zebra", image_size=16, load_size=20, batch_size=2)
        a, b = next(iter(ds))
        assert int(ds.cardinality()) == 3
        with pytest.raises(ValueError, match="'train' or 'test'"):
            unpaired("tfds:cycle_gan/horse2zebra", image_size=16, split="validation")
    assert a.shape == b.shape == (2, 16, 16, 3)
    assert -1.0 <= float(a.numpy().min()) and float(b.numpy().max()) <= 1.0


def test_tfds_cats_vs_dogs_split_by_label_with_mock_data():
    tfds = pytest.importorskip("tensorflow_datasets")
    with tfds.testing.mock_data(num_examples=12):
        ds_a, ds_b, len_a, len_b, _ = _tfds_domains("cats_vs_dogs", "train", None, False,
                                                    False, 3)
        labels_a = [int(ex["label"]) for ex in ds_a]
        labels_b = [int(ex["label"]) for ex in ds_b]
        ds = unpaired("cats_vs_dogs", image_size=16, load_size=20, batch_size=2, seed=0)
        a, b = next(iter(ds))
    assert set(labels_a) <= {0} and set(labels_b) <= {1}  # cat = A, dog = B
    assert len(labels_a) + len(labels_b) == 12 and len_a == len_b == 6
    assert a.shape == b.shape == (2, 16, 16, 3)
