"""Runs kerasgan on one Keras backend in a subprocess of tests/backend/test_backends.py.

    python backend_worker.py WORKDIR [--no-tensorflow]     # on $KERAS_BACKEND

Loads the initial weights and batches the test wrote to WORKDIR, trains
`FixedNoiseDCGAN` for each of `CONFIGS` and writes the trained weights
(`<backend>_<config>.weights.h5`) and the trained generator's outputs on fixed
latents (`<backend>_<config>_out.npy`).

With `--no-tensorflow`, every `tensorflow*` import is blocked first (as if
TensorFlow were not installed); the worker then also trains a stock DCGAN on
numpy arrays and on a `keras.utils.PyDataset`, generates, and checks that the
features that need TensorFlow say so. It prints one JSON line of what it saw.
"""

from __future__ import annotations

import importlib.abc
import json
import os
import sys

BATCH = 8
LATENT = 8


class FixedNoise:
    """Mixin: the k-th draw of every step is row k of fixed tables.

    The same numbers on every backend, so one training step can be compared
    across backends (the backends' random generators differ).
    """

    def _train_step(self, data):
        self._draw = 0
        return super()._train_step(data)

    def _fixed(self, shape, uniform):
        import numpy as np
        from keras import ops

        rng = np.random.default_rng(100 + self._draw + (50 if uniform else 0))
        self._draw += 1
        # The batch dimension may be symbolic (TensorFlow): it is BATCH here.
        shape = (BATCH,) + tuple(int(d) for d in tuple(shape)[1:])
        table = rng.uniform(size=shape) if uniform else rng.standard_normal(shape)
        return ops.convert_to_tensor(table.astype("float32"))

    def sample_normal(self, shape):
        return self._fixed(shape, uniform=False)

    def sample_uniform(self, shape):
        return self._fixed(shape, uniform=True)


def make_model(config: str):
    """A tiny compiled `FixedNoiseDCGAN` for `config` ("batchnorm" or "wgan_gp")."""
    import keras

    import kerasgan

    class FixedNoiseDCGAN(FixedNoise, kerasgan.models.DCGAN):
        pass

    common = dict(image_size=16, latent_dim=LATENT, generator_width=8,
                  discriminator_width=8, seed=0)
    if config == "batchnorm":
        # BatchNorm in both networks, an EMA generator, SGD with momentum.
        model = FixedNoiseDCGAN(ema_decay=0.9, **common)
        model.compile(g_optimizer=keras.optimizers.SGD(0.05, momentum=0.5),
                      d_optimizer=keras.optimizers.SGD(0.05, momentum=0.5),
                      loss="non_saturating")
    elif config == "wgan_gp":
        # WGAN-GP: input gradients inside D's gradient, two D steps per G step.
        # D without normalisation: TensorFlow's LayerNorm statistics
        # (tf.nn.moments) stop the gradient through the mean, which leaves
        # first derivatives exact but not the second derivatives the
        # penalty's gradient needs; JAX and PyTorch agree with each other
        # there and differ from TensorFlow by ~1e-3 relative.
        model = FixedNoiseDCGAN(discriminator_norm="none", d_steps=2, **common)
        model.compile(g_optimizer=keras.optimizers.SGD(0.01),
                      d_optimizer=keras.optimizers.SGD(0.01),
                      loss="wasserstein", penalty="gradient_penalty")
    else:
        raise ValueError(f"Unknown config {config!r}; use one of {CONFIGS}.")
    return model


CONFIGS = ("batchnorm", "wgan_gp")


def train(model, images):
    """Two steps on `images` (16) in order."""
    return model.fit(images, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)


def _train_configs(workdir: str):
    import keras
    import numpy as np

    backend = keras.backend.backend()
    data = np.load(os.path.join(workdir, "inputs.npz"))
    for config in CONFIGS:
        model = make_model(config)
        model.load_weights(os.path.join(workdir, f"init_{config}.weights.h5"))
        train(model, data["images"])
        model.save_weights(os.path.join(workdir, f"{backend}_{config}.weights.h5"))
        out = keras.ops.convert_to_numpy(model.generator(data["latents"], training=False))
        np.save(os.path.join(workdir, f"{backend}_{config}_out.npy"), out)


class _BlockTensorFlow(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("tensorflow", "tensorflow_datasets", "tensorboard"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


def _without_tensorflow_checks():
    import keras
    import numpy as np

    import kerasgan

    report = {}
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (16, 16, 16, 3)).astype("float32")
    gan = kerasgan.models.DCGAN(image_size=16, latent_dim=8, generator_width=8,
                                discriminator_width=8, seed=0)
    gan.compile()
    before = keras.ops.convert_to_numpy(gan.generator.trainable_variables[0].value).copy()
    history = gan.fit(images, batch_size=8, epochs=1, verbose=0)
    report["numpy_steps"] = int(gan.g_optimizer.iterations.numpy())
    report["losses_finite"] = bool(all(np.isfinite(v).all() for v in history.history.values()))
    after = keras.ops.convert_to_numpy(gan.generator.trainable_variables[0].value)
    report["weights_changed"] = bool(np.abs(after - before).max() > 0)

    class Batches(keras.utils.PyDataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return images[8 * i:8 * (i + 1)]

    gan.fit(Batches(), epochs=1, verbose=0)
    report["pydataset_steps"] = int(gan.g_optimizer.iterations.numpy())
    samples = gan.generate(3, seed=1)
    report["generate"] = [list(samples.shape), str(samples.dtype)]
    errors = {}
    for name, call in {
        "image_folder": lambda: kerasgan.data.image_folder(".", image_size=16, batch_size=2,
                                                           pipeline="tf.data"),
        "export": lambda: kerasgan.export.export_generator(gan, "unused", format="saved_model"),
    }.items():
        try:
            call()
            errors[name] = None
        except ImportError as err:
            errors[name] = str(err)
    report["errors"] = errors
    report["tensorflow_imported"] = any(m.split(".")[0] == "tensorflow" for m in sys.modules)
    return report


def main(argv):
    if not argv or argv[0].startswith("-") or set(argv[1:]) - {"--no-tensorflow"}:
        raise SystemExit("usage: backend_worker.py WORKDIR [--no-tensorflow]; "
                         f"received {argv}")
    blocked = "--no-tensorflow" in argv
    if blocked:
        sys.meta_path.insert(0, _BlockTensorFlow())
    import keras

    report = {"backend": keras.backend.backend()}
    _train_configs(argv[0])
    if blocked:
        report.update(_without_tensorflow_checks())
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1:])
