"""Every preset shipped in the package: complete, offline, right shapes, metrics = model card.

Parametrized over the folders of `kerasgan/zoo/presets/` (dcgan_faces,
srresnet_x4, srgan_x4 and cyclegan_cats2dogs ship today).
"""

import os

import numpy as np
import pytest

from kerasgan import zoo
from kerasgan.zoo import registry

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SHIPPED = sorted(
    name for name in (os.listdir(registry.SHIPPED_DIR) if os.path.isdir(registry.SHIPPED_DIR)
                      else [])
    if os.path.isfile(os.path.join(registry.SHIPPED_DIR, name, "preset.json"))
)
MAX_TOTAL_BYTES = 50 * 2**20


def test_shipped_weights_stay_small():
    total = sum(entry["size"] for name in SHIPPED
                for entry in zoo.find_preset(name).weights.values())
    assert total < MAX_TOTAL_BYTES


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_preset_is_complete_and_verified(name):
    preset = zoo.find_preset(name)
    assert preset.shipped and preset.name == name
    for attr, entry in preset.weights.items():
        path = os.path.join(preset.directory, entry["file"])
        assert os.path.isfile(path), f"{name}: {entry['file']} is not shipped"
        assert os.path.getsize(path) == entry["size"]
        assert zoo.sha256_file(path) == entry["sha256"]
        # Download URLs are optional for shipped files (none are hosted yet);
        # the ones given must be fetchable schemes.
        for url in entry.get("urls", []):
            assert url.startswith(("https://", "http://", "hf://")), url


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_preset_loads_offline_and_runs(name):
    model = zoo.load(name, offline=True)
    task = zoo.info(name)["task"]
    rng = np.random.default_rng(0)
    if task == "generate":
        images = model.generate(2, seed=0)
        assert images.dtype == np.uint8 and images.shape[0] == 2
        assert images.shape[1:] == tuple(model.image_shape)
    elif task == "translate":
        image = rng.integers(0, 256, (1, 64, 64, 3), dtype="uint8")
        for direction in ("a2b", "b2a"):
            out = np.asarray(model.translate(image, direction=direction))
            assert out.dtype == np.uint8 and out.reshape(-1, 64, 64, 3).shape[0] == 1
    else:
        image = rng.integers(0, 256, (24, 20, 3), dtype="uint8")
        out = np.asarray(model.upscale(image))
        assert out.dtype == np.uint8 and out.ndim == 3
        scale = out.shape[0] // 24
        assert scale > 1 and out.shape[:2] == (24 * scale, 20 * scale)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_metrics_are_the_model_cards(name):
    card = zoo.info(name)
    assert card["metrics"], f"{name} records no metrics"
    assert card.get("training_data", {}).get("license"), f"{name}: training data licence"
    readme = os.path.join(REPO, "zoo", name, "README.md")
    assert os.path.isfile(readme), f"{name} has no model card at zoo/{name}/README.md"
    text = open(readme, encoding="utf-8").read()
    for metric in card["metrics"]:
        for key in ("name", "value", "dataset", "command"):
            assert key in metric, f"{name}: metric {metric} lacks {key!r}"
        assert str(metric["value"]) in text, (
            f"{name}: {metric['name']} = {metric['value']} is not in zoo/{name}/README.md")
    if card.get("recipe"):
        assert os.path.isfile(os.path.join(REPO, card["recipe"]))
