"""The example scripts run on JAX without TensorFlow (`--smoke` for the training ones)."""

import json
import os

import numpy as np
import pytest
from PIL import Image

import no_tensorflow
from kerasgan import zoo

pytest.importorskip("jax")

# script: (preset name, model class)
TRAINING = {"train_dcgan": ("dcgan", "DCGAN"), "train_cyclegan": ("cyclegan", "CycleGAN"),
            "train_srgan": ("srgan", "SRGAN")}


@pytest.mark.parametrize("script", sorted(TRAINING))
def test_training_example_smoke_without_tensorflow(script, tmp_path):
    result = no_tensorflow.run(f"examples/{script}.py", "--smoke", "--out", str(tmp_path))
    assert result.returncode == 0, result.stdout[-4000:]
    name, class_name = TRAINING[script]
    timing = [json.loads(line) for line in open(tmp_path / "timing.json")]
    assert {t["backend"] for t in timing} == {"jax"}
    assert {t["pipeline"] for t in timing} == {"pydataset"}
    assert Image.open(tmp_path / "samples" / "epoch_0001.png").format == "PNG"
    assert list(tmp_path.glob("*backup/ckpt-*")), "no checkpoint was written"
    assert (tmp_path / f"{name}.keras").is_file()
    model = zoo.load(str(tmp_path / "preset" / name), offline=True)
    assert zoo.info(str(tmp_path / "preset" / name))["recipe"] == f"examples/{script}.py"
    assert type(model).__name__ == class_name


def test_generate_faces_without_tensorflow(tmp_path):
    out = tmp_path / "faces.png"
    result = no_tensorflow.run("examples/generate_faces.py", "--num", "4", "--output", str(out))
    assert result.returncode == 0, result.stdout[-4000:]
    grid = np.asarray(Image.open(out))
    assert grid.ndim == 3 and grid.shape[2] == 3 and grid.std() > 0
