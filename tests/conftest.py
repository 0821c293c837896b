"""Test setup: quiet TensorFlow and split the CPU into 2 logical devices.

Two logical CPU devices let `MirroredStrategy` tests run on a machine with no
GPU; this must happen before TensorFlow initialises its runtime.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

if keras.backend.backend() == "tensorflow":
    import tensorflow as tf

    _cpus = tf.config.list_physical_devices("CPU")
    try:
        tf.config.set_logical_device_configuration(
            _cpus[0], [tf.config.LogicalDeviceConfiguration()] * 2
        )
    except RuntimeError:  # runtime already initialised by another plugin
        pass


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False,
                     help="also run the tests marked slow (skipped by default)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow") or os.environ.get("KERASGAN_RUN_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow: run with --runslow (or KERASGAN_RUN_SLOW=1)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "slow: a long check (multi-process, full re-runs under another backend); "
        "skipped unless pytest is given --runslow.",
    )
    config.addinivalue_line(
        "markers",
        "multibackend: a training test that must pass on every Keras backend; "
        "tests/backend/test_backends.py also runs these under KERAS_BACKEND=jax and torch.",
    )


SHARED_DATA = os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")
)


@pytest.fixture(scope="session")
def strategy():
    """One MirroredStrategy over 2 logical CPUs, shared by every test.

    TensorFlow caches collective parameters per process: a second strategy on
    the same devices reuses their keys and its all-reduces fail.
    """
    devices = [d.name for d in tf.config.list_logical_devices("CPU")]
    assert len(devices) >= 2, "conftest should split the CPU into 2 logical devices"
    return tf.distribute.MirroredStrategy(devices[:2])


@pytest.fixture(autouse=True)
def _reset_keras_state():
    yield
    keras.mixed_precision.set_global_policy("float32")
    keras.backend.clear_session()


@pytest.fixture
def real_images():
    """32 tiny 16x16 RGB 'images' in [-1, 1] with some structure."""
    rng = np.random.default_rng(0)
    base = np.linspace(-1, 1, 16, dtype="float32")
    grad = np.stack(np.meshgrid(base, base), -1).mean(-1, keepdims=True)
    imgs = grad[None] * rng.uniform(0.5, 1.0, (32, 1, 1, 3)).astype("float32")
    imgs += 0.1 * rng.standard_normal((32, 16, 16, 3)).astype("float32")
    return np.clip(imgs, -1, 1).astype("float32")
