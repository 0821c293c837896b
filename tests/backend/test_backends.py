"""kerasgan on the JAX and PyTorch Keras backends, from the default test run.

Each backend runs in its own subprocess (Keras fixes its backend at import):

- the tests marked `multibackend` (core, DCGAN, CycleGAN, SRGAN training)
  run again under `KERAS_BACKEND=jax` and `KERAS_BACKEND=torch`;
- one deterministic training run (fixed noise, BatchNorm + EMA, and WGAN-GP)
  on JAX and on PyTorch must give the weights TensorFlow gives, and weights
  saved there load here with identical outputs;
- kerasgan imports and trains on JAX with TensorFlow unimportable (the JAX
  training run above blocks every tensorflow import).
"""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
WORKER = os.path.join(HERE, "backend_worker.py")
sys.path.insert(0, HERE)

import backend_worker  # noqa: E402

# Small CPU programs compile several times faster without LLVM's expensive
# passes; JAX's compile time dominates these tiny tests.
FAST_XLA = "--xla_backend_optimization_level=0 --xla_llvm_disable_expensive_passes=true"

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="compares other backends against TensorFlow; run from the default backend",
)


def _env(backend):
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3",
               PYTHONPATH=os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")])))
    if backend == "jax":
        env["XLA_FLAGS"] = " ".join(filter(None, [os.environ.get("XLA_FLAGS"), FAST_XLA]))
        env.setdefault("JAX_PLATFORMS", "cpu")
    return env


def _run(args, backend, timeout=400):
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, env=_env(backend),
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, (
        f"{backend} subprocess {args} failed ({proc.returncode}):\n"
        f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    )
    return proc.stdout


def _require(module):
    pytest.importorskip(module, reason=f"the {module} backend is not installed")


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_multibackend_tests_pass(backend):
    _require(backend)
    out = _run(["-m", "pytest", "-q", "-x", "-m", "multibackend", "-p", "no:cacheprovider",
                "-W", "ignore::DeprecationWarning", "tests/core", "tests/models"], backend,
               timeout=600)
    summary = out.strip().splitlines()[-1]
    assert " passed" in summary and "failed" not in summary and "error" not in summary, out
    # Every marked test ran (a collection mistake must not pass silently).
    assert int(summary.split(" passed")[0].split()[-1]) >= 7, summary


@pytest.fixture(scope="module")
def trained_elsewhere(tmp_path_factory):
    """Initial weights and data written here; each other backend trains on them."""
    workdir = str(tmp_path_factory.mktemp("backends"))
    rng = np.random.default_rng(0)
    images = np.clip(0.5 * rng.standard_normal((16, 16, 16, 3)), -1, 1).astype("float32")
    latents = rng.standard_normal((4, backend_worker.LATENT)).astype("float32")
    np.savez(os.path.join(workdir, "inputs.npz"), images=images, latents=latents)
    for config in backend_worker.CONFIGS:
        backend_worker.make_model(config).save_weights(
            os.path.join(workdir, f"init_{config}.weights.h5"))
    reports = {}
    for backend in ("jax", "torch"):
        if _importable(backend):
            # JAX trains with TensorFlow unimportable (and checks more, below).
            extra = ["--no-tensorflow"] if backend == "jax" else []
            out = _run([WORKER, workdir, *extra], backend)
            reports[backend] = json.loads(out.strip().splitlines()[-1])
    return workdir, images, latents, reports


def _importable(module):
    try:
        __import__(module)
    except ImportError:
        return False
    return True


@pytest.mark.parametrize("config", backend_worker.CONFIGS)
@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_same_training_and_weights_across_backends(trained_elsewhere, backend, config):
    workdir, images, latents, reports = trained_elsewhere
    if backend not in reports:
        pytest.skip(f"{backend} is not installed")
    # Weights saved on the other backend load here and give its outputs.
    loaded = backend_worker.make_model(config)
    loaded.load_weights(os.path.join(workdir, f"{backend}_{config}.weights.h5"))
    theirs = np.load(os.path.join(workdir, f"{backend}_{config}_out.npy"))
    ours = keras.ops.convert_to_numpy(loaded.generator(latents, training=False))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)
    # The same two steps here give the same weights: gradients, penalty,
    # BatchNorm statistics, EMA and optimizer state all match.
    model = backend_worker.make_model(config)
    model.load_weights(os.path.join(workdir, f"init_{config}.weights.h5"))
    initial = [w.numpy().copy() for w in model.weights]
    backend_worker.train(model, images)
    assert int(loaded.g_optimizer.iterations.numpy()) == 2
    assert int(loaded.d_optimizer.iterations.numpy()) == 2 * model.d_steps
    moved = 0
    assert len(model.weights) == len(loaded.weights)
    for mine, other, start in zip(model.weights, loaded.weights, initial):
        np.testing.assert_allclose(mine.numpy(), other.numpy(), rtol=2e-4, atol=2e-5,
                                   err_msg=f"{backend} {config}: {mine.path}")
        moved += int(np.abs(mine.numpy() - start).max() > 1e-6)
    assert moved >= len(model.generator.trainable_weights) + len(model.discriminator.trainable_weights)
    for mine, other in zip(model.g_optimizer.variables + model.d_optimizer.variables,
                           loaded.g_optimizer.variables + loaded.d_optimizer.variables):
        np.testing.assert_allclose(mine.numpy(), other.numpy(), rtol=2e-4, atol=2e-5,
                                   err_msg=f"{backend} {config}: {mine.path}")


def test_jax_without_tensorflow(trained_elsewhere):
    # The JAX worker blocked every tensorflow import: kerasgan imported,
    # trained (above, and a stock DCGAN on numpy arrays and a PyDataset) and
    # generated; tf.data pipelines and export said what to install.
    reports = trained_elsewhere[3]
    if "jax" not in reports:
        pytest.skip("jax is not installed")
    report = reports["jax"]
    assert report["backend"] == "jax"
    assert not report["tensorflow_imported"]
    assert report["numpy_steps"] == 2 and report["pydataset_steps"] == 4
    assert report["losses_finite"] and report["weights_changed"]
    assert report["generate"] == [[3, 16, 16, 3], "uint8"]
    assert set(report["errors"]) == {"image_folder", "export"}
    for name, message in report["errors"].items():
        assert message and "pip install tensorflow" in message, (name, message)
