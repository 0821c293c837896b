import os

import numpy as np
from PIL import Image

import kerasgan


def test_sample_grid_writes_fixed_seed_pngs(tmp_path, real_images):
    gan = kerasgan.models.DCGAN(image_size=16, latent_dim=8, generator_width=8,
                                discriminator_width=8)
    gan.compile()
    cb = kerasgan.callbacks.SampleGrid(str(tmp_path / "s"), num=9, every=2,
                                       log_dir=str(tmp_path / "tb"))
    gan.fit(real_images, batch_size=8, epochs=3, verbose=0, callbacks=[cb])
    names = sorted(os.listdir(tmp_path / "s"))
    assert names == ["epoch_0002.png", "epoch_0003.png"]  # every 2, and the last
    grid = np.asarray(Image.open(tmp_path / "s" / "epoch_0003.png"))
    assert grid.shape == (3 * 18 + 2, 3 * 18 + 2, 3)
    # The grid shows the model's samples for the fixed seed.
    first = gan.generate(9, seed=0)[0]
    np.testing.assert_array_equal(grid[2:18, 2:18], first)
    assert os.listdir(tmp_path / "tb")  # TensorBoard event file
    assert kerasgan.callbacks.SampleGrid.from_config(cb.get_config()).every == 2


def test_make_grid_and_conversions():
    from kerasgan.utils.images import make_grid, to_float, to_uint8

    imgs = np.zeros((5, 4, 4, 3), np.uint8)
    assert make_grid(imgs, ncols=2, padding=1).shape == (3 * 5 + 1, 2 * 5 + 1, 3)
    x = np.array([-1.0, 0.0, 1.0, 2.0], "float32")
    np.testing.assert_array_equal(to_uint8(x), [0, 128, 255, 255])
    np.testing.assert_allclose(to_float(to_uint8(x[:3])), [-1, 0.003921, 1], atol=1e-5)
