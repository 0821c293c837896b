"""zoo/cyclegan_cats2dogs/publish.py: from the recipe's `.keras` file or its preset folder."""

import json
import os

import numpy as np
import pytest

import kerasgan
from kerasgan import zoo
from zoo_testing import load_script

SIZE = 32
RECIPE_ARGS = {"image_size": SIZE, "width": 4, "ema": 0.999, "average_last": 4}


@pytest.fixture(scope="module")
def publish():
    return load_script("cyclegan_cats2dogs", "publish")


def _tiny():
    return kerasgan.models.CycleGAN(image_size=SIZE, generator_width=4, num_residual_blocks=1,
                                    discriminator_width=4, pool_size=2, seed=0,
                                    domains=("cat", "dog"), crop="face")


def _image():
    return np.random.default_rng(1).integers(0, 256, (SIZE, SIZE, 3), dtype=np.uint8)


def _assert_published(out, source):
    meta = json.load(open(os.path.join(out, "preset.json")))
    assert meta["recipe_args"] == RECIPE_ARGS
    assert sorted(meta["weights"]) == ["generator_ab", "generator_ba"]
    assert meta["training"] == "a test"
    shipped = zoo.load(out, offline=True)
    for direction in ("a2b", "b2a"):
        got = shipped.translate(_image(), direction=direction, crop="none").astype("float32")
        want = source.translate(_image(), direction=direction, crop="none").astype("float32")
        # float16 weights: at most a grey level or two on a pixel, far less on average.
        assert np.abs(got - want).mean() < 1.0


def test_publishes_a_recipe_preset_folder(publish, tmp_path):
    model = _tiny()
    folder = str(tmp_path / "run" / "preset" / "cyclegan_cats2dogs")
    zoo.save_preset(model, folder, metadata={"recipe_args": RECIPE_ARGS},
                    weights={name: getattr(model, name) for name in
                             ("generator_ab", "generator_ba", "discriminator_a",
                              "discriminator_b")})
    out = publish.main(["--model", folder, "--training", "a test",
                        "--out", str(tmp_path / "published")])
    _assert_published(out, model)
    # preset.json itself names the folder too.
    again = publish.main(["--model", os.path.join(folder, "preset.json"), "--training", "a test",
                          "--out", str(tmp_path / "again")])
    _assert_published(again, model)


def test_publishes_a_keras_file_with_its_recipe_json(publish, tmp_path):
    model = _tiny()
    run = tmp_path / "run"
    run.mkdir()
    model.save(str(run / "cyclegan_cats2dogs.keras"))
    (run / "recipe.json").write_text(json.dumps(RECIPE_ARGS))
    out = publish.main(["--model", str(run / "cyclegan_cats2dogs.keras"), "--training", "a test",
                        "--out", str(tmp_path / "published")])
    _assert_published(out, model)


def test_refuses_what_it_cannot_publish(publish, tmp_path):
    model = _tiny()
    folder = str(tmp_path / "no_recipe")
    zoo.save_preset(model, folder, weights={"generator_ab": model.generator_ab,
                                            "generator_ba": model.generator_ba})
    with pytest.raises(ValueError, match="recipe_args"):
        publish.main(["--model", folder, "--training", "x", "--out", str(tmp_path / "o")])
    with pytest.raises(ValueError, match="received .*model.h5"):
        publish.main(["--model", str(tmp_path / "model.h5"), "--training", "x",
                      "--out", str(tmp_path / "o")])
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="has no preset.json"):
        publish.main(["--model", str(empty), "--training", "x", "--out", str(tmp_path / "o")])
    lone = tmp_path / "lone"
    lone.mkdir()
    model.save(str(lone / "model.keras"))
    with pytest.raises(ValueError, match="no recipe.json beside it"):
        publish.main(["--model", str(lone / "model.keras"), "--training", "x",
                      "--out", str(tmp_path / "o")])
    assert not os.path.exists(tmp_path / "o")
