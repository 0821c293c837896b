"""A JAX-only install: kerasgan with TensorFlow unimportable (README, "Backends").

One subprocess on KERAS_BACKEND=jax, under the shared blocker
(tests/no_tensorflow.py: every import of tensorflow, tensorflow_datasets,
tensorboard and tf_keras fails), trains one step on each data pipeline,
resumes a PyDataset stream mid-epoch, loads the shipped presets and runs the
CLI's generate, translate and upscale (tests/without_tensorflow_worker.py).
"""

import importlib.util
import json
import os
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
WORKER = os.path.join(HERE, "without_tensorflow_worker.py")


def _no_tensorflow():
    spec = importlib.util.spec_from_file_location("no_tensorflow",
                                                  os.path.join(HERE, "no_tensorflow.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_kerasgan_works_on_jax_without_tensorflow(tmp_path):
    pytest.importorskip("jax", reason="the JAX backend is not installed")
    blocker = _no_tensorflow()
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu", KERASGAN_OFFLINE="1",
               KERASGAN_HOME=str(tmp_path / "home"), TF_CPP_MIN_LOG_LEVEL="3",
               # JAX's compile time dominates these tiny programs.
               XLA_FLAGS=f"{os.environ.get('XLA_FLAGS', '')} {blocker.FAST_COMPILE}".strip(),
               PYTHONPATH=os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")])))
    proc = subprocess.run(blocker.command(WORKER, str(tmp_path / "work")), cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"worker failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    report = json.loads(proc.stdout.strip().splitlines()[-1])

    assert report["backend"] == "jax" and report["import_tensorflow"] == "failed"
    assert report["tensorflow_modules"] == []
    # pipeline="auto" picks the PyDatasets; len() is the steps per epoch; one
    # training step on each gives finite losses.
    assert report["auto"] == "pydataset"
    assert report["image_folder"] == ["ImageFolderPyDataset", 2, True]        # 4 images / 2
    assert report["unpaired"] == ["UnpairedPyDataset", 1, True]               # max(3, 2) // 2
    assert report["super_resolution"] == ["SuperResolutionPyDataset", 1, True]  # 3 // 2
    # Resumed at step 1 (mid-epoch): the same weights as the uninterrupted run
    # (same process, same XLA programs: equal up to float rounding).
    start, max_difference = report["resume"]
    assert start == 1 and max_difference < 1e-5
    assert report["load dcgan_faces"] == "DCGAN"
    assert report["load cyclegan_cats2dogs"] == "CycleGAN"
    assert report["load srresnet_x4"] == "SRResNet"
    # CLI: exit code 0 and images of the expected sizes (2 samples of 64 px
    # in a grid; the 24x20 photo translated, and upscaled x4).
    code, shape = report["generate"]
    assert code == 0 and shape[2] == 3 and shape[0] >= 64 and shape[1] >= 2 * 64
    assert report["translate"] == [0, [24, 20, 3]]
    assert report["upscale"] == [0, [96, 80, 3]]
