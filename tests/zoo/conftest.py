"""Fixtures of the zoo tests: an isolated cache, a tiny preset, a local HTTP server."""

import shutil

import pytest

import kerasgan
from kerasgan import zoo
from zoo_testing import FileServer

ZOO_ENV = ("KERASGAN_HOME", "KERAS_HOME", "KERASGAN_OFFLINE", "KERASGAN_ZOO_URL",
           "KERASGAN_PRESETS_PATH")


@pytest.fixture(autouse=True)
def isolated_zoo(tmp_path, monkeypatch):
    """Every test gets its own empty cache and no zoo environment variables."""
    for name in ZOO_ENV:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "kerasgan_home"
    monkeypatch.setenv("KERASGAN_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def tiny_preset_source(tmp_path_factory):
    """A tiny DCGAN (16 px, widths 4/8, EMA) saved once with save_preset.

    Returns (preset folder, images the original generates for seed 3).
    """
    gan = kerasgan.models.DCGAN(image_size=16, latent_dim=8, generator_width=4,
                                discriminator_width=8, ema_decay=0.9)
    # Make the EMA weights differ from the live generator's: the preset must
    # store what `generate` samples from.
    gan.ema_generator.set_weights([w + 0.05 for w in gan.ema_generator.get_weights()])
    folder = tmp_path_factory.mktemp("presets") / "tiny"
    zoo.save_preset(gan, str(folder), metadata={
        "description": "tiny test DCGAN",
        "architecture": "DCGAN 16x16",
        "training_data": {"name": "none (random init)", "license": "CC0-1.0"},
        "metrics": [{"name": "FID", "value": 123.4, "dataset": "nothing",
                     "command": "python zoo/tiny/evaluate.py", "notes": "untrained"}],
        "recipe": "zoo/tiny/train.py",
    }, base_urls=["http://127.0.0.1:9/unreachable"])
    return str(folder), gan.generate(4, seed=3)


@pytest.fixture
def tiny_preset(tiny_preset_source, tmp_path):
    """A fresh copy of the tiny preset folder: (folder, expected images)."""
    source, expected = tiny_preset_source
    folder = tmp_path / "presets" / "tiny"
    shutil.copytree(source, folder)
    return str(folder), expected


@pytest.fixture
def file_server():
    server = FileServer()
    yield server
    server.close()
