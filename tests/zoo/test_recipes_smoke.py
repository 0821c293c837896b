"""Every zoo recipe's `--smoke` trains, resumes and publishes on JAX without TensorFlow.

Each recipe runs in a subprocess with `KERAS_BACKEND=jax` and every
`tensorflow` import failing (`tests/no_tensorflow.py`), as on the lent GPU
machine; the test then checks what it wrote. The cyclegan run uses the GPU
command's flags (mixed_bfloat16, float16 preset, `--export`) and averages its
generators over both checkpoints (`--average-last 2`).
"""

import csv
import glob
import importlib.util
import json
import os
import shutil

import h5py
import numpy as np
import pytest
from PIL import Image

from kerasgan import zoo

pytest.importorskip("jax")

_spec = importlib.util.spec_from_file_location(
    "no_tensorflow", os.path.join(os.path.dirname(__file__), "..", "no_tensorflow.py"))
no_tensorflow = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(no_tensorflow)

RECIPES = ("dcgan_faces", "cyclegan_cats2dogs", "srresnet_x4", "srgan_x4")
GPU_FLAGS = ("--precision", "mixed_bfloat16", "--preset-dtype", "float16", "--time-limit", "3000")


def smoke(name, out, *extra):
    result = no_tensorflow.run(f"zoo/{name}/train.py", "--smoke", "--out", str(out), *extra)
    assert result.returncode == 0, result.stdout[-4000:]
    return result.stdout


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """`runs(name)`: (out folder, output) of the recipe's smoke run, run once per module."""
    done = {}

    def get(name):
        if name not in done:
            out = tmp_path_factory.mktemp(name) / "run"
            extra = ()
            if name == "cyclegan_cats2dogs":
                extra = GPU_FLAGS + ("--export", str(out.parent / "export"),
                                     "--average-last", "2", "--keep-discriminators",
                                     "--ema", "0.99")
            done[name] = out, smoke(name, out, *extra)
        return done[name]

    return get


def records(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def weights(path):
    """{dataset path: array} of a .weights.h5 file."""
    found = {}

    def read(name, item):  # returns None: visititems goes on
        if isinstance(item, h5py.Dataset):
            found[name] = item[()]

    with h5py.File(path, "r") as f:
        f.visititems(read)
    return found


def use(model, task):
    """One inference call through the task's public method; returns uint8 output."""
    image = np.random.default_rng(0).integers(0, 256, (16, 16, 3), np.uint8)
    if task == "generate":
        return model.generate(2, seed=0)
    if task == "translate":
        return model.translate(image[None], direction="b2a")
    return model.upscale(image)


@pytest.mark.parametrize("name", RECIPES)
def test_smoke_trains_and_publishes_without_tensorflow(runs, name):
    out, _ = runs(name)
    (timing,) = records(out / "timing.json")  # two one-step epochs
    assert timing["backend"] == "jax" and timing["pipeline"] == "pydataset"
    assert timing["steps"] == 2 and timing["epochs"] == 2
    with open(out / "log.csv") as f:
        assert [row["epoch"] for row in csv.DictReader(f)] == ["0", "1"]
    assert json.loads((out / "recipe.json").read_text())["smoke"] is True
    assert sorted(os.path.basename(p) for p in glob.glob(str(out / "backup" / "ckpt-*"))) == [
        "ckpt-000000000001", "ckpt-000000000002"]
    for epoch in (1, 2):
        grid = Image.open(out / "samples" / f"epoch_{epoch:04d}.png")
        assert grid.format == "PNG" and min(grid.size) >= 16
    preset = out / "preset" / name
    model = zoo.load(str(preset), offline=True)
    spec = json.loads((preset / "preset.json").read_text())
    assert spec["name"] == name and spec["recipe"] == f"zoo/{name}/train.py"
    assert spec["training"]["steps"] == 2
    assert use(model, spec["task"]).dtype == np.uint8


def test_gpu_flags_export_few_small_files(runs):
    out, output = runs("cyclegan_cats2dogs")
    assert ("Averaged ema_generator_ab, ema_generator_ba over the checkpoints of steps 1, 2."
            in output)
    export = out.parent / "export"
    files = sorted(str(p.relative_to(export)) for p in export.rglob("*") if p.is_file())
    assert files == ["cyclegan_cats2dogs/discriminator_a.weights.h5",
                     "cyclegan_cats2dogs/discriminator_b.weights.h5",
                     "cyclegan_cats2dogs/generator_ab.weights.h5",
                     "cyclegan_cats2dogs/generator_ba.weights.h5",
                     "cyclegan_cats2dogs/preset.json", "log.csv", "run.json", "samples.png"]
    assert all((export / f).stat().st_size < 16 * 2 ** 20 for f in files)
    spec = json.loads((export / "cyclegan_cats2dogs" / "preset.json").read_text())
    assert {w["dtype"] for w in spec["weights"].values()} == {"float16"}
    assert spec["model"]["config"]["dtype"]["config"]["name"] == "float32"
    # The EMA generators are stored as the generators; the loaded model has no EMA copies.
    assert spec["model"]["config"]["ema_decay"] is None
    assert "EMA generators (decay 0.99)" in spec["architecture"]
    assert spec["training"]["precision"] == "mixed_bfloat16"
    assert spec["training"]["averaged_checkpoint_steps"] == [1, 2]
    assert "AFHQ" in spec["training_data"]["name"]
    (timing,) = json.loads((export / "run.json").read_text())["timing"]
    assert timing["precision"] == "mixed_bfloat16" and timing["stopped_by_time_limit"] is False
    zoo.load(str(export / "cyclegan_cats2dogs"), offline=True)


def test_exported_preset_continues_with_its_discriminators(runs, tmp_path):
    out, _ = runs("cyclegan_cats2dogs")
    output = smoke("cyclegan_cats2dogs", tmp_path / "next",
                   "--init", str(out.parent / "export" / "cyclegan_cats2dogs"))
    assert ("Initialised generator_ab, generator_ba, discriminator_a, discriminator_b from "
            in output) and "afresh" not in output


def test_same_command_continues_an_interrupted_run(runs, tmp_path):
    first, _ = runs("dcgan_faces")
    out = tmp_path / "run"
    shutil.copytree(first, out)
    shutil.rmtree(out / "backup" / "ckpt-000000000002")  # as if stopped during epoch 2
    output = smoke("dcgan_faces", out)
    assert "Resuming from" in output and "ckpt-000000000001" in output
    _, resumed = records(out / "timing.json")
    assert resumed["initial_epoch"] == 1 and resumed["steps"] == 1
    with open(out / "log.csv") as f:
        assert [row["epoch"] for row in csv.DictReader(f)] == ["0", "1", "1"]
    assert os.path.isdir(out / "backup" / "ckpt-000000000002")
    spec = json.loads((out / "preset" / "dcgan_faces" / "preset.json").read_text())
    assert spec["training"]["steps"] == 2
    # Exact resume: the same weights as the uninterrupted run, up to float reordering.
    resumed, uninterrupted = (weights(run / "preset" / "dcgan_faces" / "generator.weights.h5")
                              for run in (out, first))
    assert resumed.keys() == uninterrupted.keys() and len(resumed) > 4
    for key in resumed:
        np.testing.assert_allclose(resumed[key], uninterrupted[key], rtol=1e-5, atol=1e-6)
