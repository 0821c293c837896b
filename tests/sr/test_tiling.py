"""Tiled upscaling: matches untiled output, bounded memory, a progress bar over tiles."""

import tracemalloc

import numpy as np
import pytest

from kerasgan.models.srgan import SRResNet
from kerasgan.sr import upscale_images
from kerasgan.sr.tiling import DEFAULT_OVERLAP


def _nearest_x4(calls):
    """A numpy 'network' (nearest-neighbour x4) that records its input shapes."""
    def network(x, training=False):
        calls.append(x.shape)
        return x.repeat(4, axis=1).repeat(4, axis=2)
    return network


@pytest.fixture(scope="module")
def tiny_srresnet():
    # Receptive-field radius: 4 (9x9 head) + 2 per block + 1 (trunk) + 1 + 0.5 + 1
    # (upsampling convs and the 9x9 tail at 4x) = 11.5 LR pixels.
    return SRResNet(num_blocks=2, width=8, batch_norm=False, output_activation="linear")


def test_tiled_matches_untiled_within_one_grey_level(tiny_srresnet):
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (48, 56, 3), dtype=np.uint8)
    whole = tiny_srresnet.upscale(image, tile=None).astype(int)
    tiled = tiny_srresnet.upscale(image, tile=16, overlap=12)  # 12 tiles, 40x40 windows
    assert tiled.shape == whole.shape == (192, 224, 3) and tiled.dtype == np.uint8
    # Each output pixel sees the same input either way; only float rounding
    # (convolutions over other window sizes) can move a value across a .5 boundary.
    assert np.abs(tiled.astype(int) - whole).max() <= 1
    # Without context the seams show: the test can fail.
    seams = tiny_srresnet.upscale(image, tile=16, overlap=0).astype(int)
    assert np.abs(seams - whole).max() > 1
    # Tiles of a batch, and several tiles per forward pass, stitch the same way.
    batch = tiny_srresnet.upscale(np.stack([image, image[::-1]]), tile=24, overlap=12,
                                  batch_size=3)
    assert np.abs(batch[0].astype(int) - whole).max() <= 1
    flipped = tiny_srresnet.upscale(image[::-1], tile=None).astype(int)
    assert np.abs(batch[1].astype(int) - flipped).max() <= 1


def test_the_network_only_sees_windows_of_a_tile_plus_context():
    calls = []
    image = np.random.default_rng(1).integers(0, 256, (100, 70, 3), dtype=np.uint8)
    out = upscale_images(_nearest_x4(calls), image, 4, tile=32, overlap=8)
    np.testing.assert_array_equal(out, image.repeat(4, 0).repeat(4, 1))  # exact: no arithmetic
    assert len(calls) == 4 * 3 and set(calls) == {(1, 48, 48, 3)}  # one tile per pass
    calls.clear()
    upscale_images(_nearest_x4(calls), image, 4, tile=32, overlap=8, batch_size=5)
    assert [c[0] for c in calls] == [5, 5, 2]
    calls.clear()
    upscale_images(_nearest_x4(calls), image, 4, tile="auto")  # small image: one pass
    assert calls == [(1, 100, 70, 3)]
    assert DEFAULT_OVERLAP >= 24  # covers the shipped srresnet_x4/srgan_x4 receptive field


def test_memory_is_the_uint8_output_plus_one_tile():
    # tracemalloc counts numpy's allocations exactly (no dependence on threads
    # or allocators): the peak is the uint8 output buffer plus per-tile work,
    # never a float32 copy of the whole output (4x the output buffer).
    image = np.random.default_rng(2).integers(0, 256, (256, 256, 3), dtype=np.uint8)
    network = _nearest_x4([])
    tracemalloc.start()
    try:
        out = upscale_images(network, image, 4, tile=32, overlap=8)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    window_floats = (4 * 48) ** 2 * 3 * 4  # one window's float32 output
    assert out.nbytes == 1024 * 1024 * 3
    assert peak < out.nbytes + 6 * window_floats, (peak, out.nbytes)
    assert peak < 2 * out.nbytes  # a float32 output alone would be 4x


def test_progress_bar_over_tiles(capsys):
    calls = []
    image = np.zeros((64, 64, 3), np.uint8)
    upscale_images(_nearest_x4(calls), image, 4, tile=16, overlap=4, progress=True)
    err = capsys.readouterr().err
    assert "/16" in err and "tile/s" in err  # 16 tiles
    # Default: only on a terminal (pytest's stderr is not one), never for one tile.
    upscale_images(_nearest_x4(calls), image, 4, tile=16, overlap=4)
    upscale_images(_nearest_x4(calls), image, 4, tile=None, progress=True)
    assert capsys.readouterr().err == ""
