"""One training step on 1 device and under `keras.distribution.DataParallel` on 2.

    XLA_FLAGS=--xla_force_host_platform_device_count=2 KERAS_BACKEND=jax \
        python jax_distribution_worker.py

Run by tests/backend/test_jax_distribution.py. For a DCGAN with BatchNorm and
a tiny CycleGAN (history pools, identity loss), it trains one `fit` step
without a distribution, then the same step from the same weights under
`DataParallel` over both (virtual CPU) devices, and prints one JSON line:
per-weight maximum differences and changes, the logs of both runs, how the
batch and the weights were laid out during the distributed step.
"""

from __future__ import annotations

import json
import sys

import jax
import keras
import numpy as np

import kerasgan

TAG = "DISTRIBUTION_JSON "


def _record_batch_sharding(model, seen):
    """Wraps `unpack_batch` to record how the traced step's batch is sharded."""
    unpack = model.unpack_batch

    def recording(data):
        batch = unpack(data)
        first = batch[0] if isinstance(batch, tuple) else batch
        jax.debug.inspect_array_sharding(
            first, callback=lambda s: seen.append(
                {"devices": len(s.device_set),
                 "shard_shape": list(s.shard_shape(tuple(first.shape)))}))
        return batch

    model.unpack_batch = recording


def _compare(name, make, data):
    """Trains `make()` one step on one device, then under DataParallel."""
    sgd = keras.optimizers.SGD  # linear in the gradient (see the test)
    single = make()
    single.compile(g_optimizer=sgd(0.1), d_optimizer=sgd(0.1))
    init = single.get_weights()
    logs_single = single.fit(*data, batch_size=4, epochs=1, shuffle=False,
                             verbose=0).history

    distribution = keras.distribution.DataParallel(devices=jax.devices())
    seen = []
    with distribution.scope():
        multi = make()
        multi.set_weights(init)
        multi.compile(g_optimizer=sgd(0.1), d_optimizer=sgd(0.1))
        _record_batch_sharding(multi, seen)
        logs_multi = multi.fit(*data, batch_size=4, epochs=1, shuffle=False,
                               verbose=0).history
    weights = []
    for v, a, b, w0 in zip(single.weights, single.get_weights(), multi.get_weights(), init):
        weights.append({"path": v.path, "diff": float(np.max(np.abs(a - b), initial=0.0)),
                        "moved": float(np.max(np.abs(a - w0), initial=0.0)),
                        "scale": float(np.max(np.abs(a), initial=0.0))})
    shardings = {str(v.value.sharding.spec) + f" on {len(v.value.sharding.device_set)}"
                 for v in multi.weights}
    return name, {"weights": weights, "logs_single": logs_single, "logs_multi": logs_multi,
                  "batch_sharding": seen, "weight_shardings": sorted(shardings),
                  "d_iterations": int(multi.d_optimizer.iterations.value)}


def main():
    if keras.backend.backend() != "jax" or len(jax.devices()) != 2:
        raise SystemExit("run with KERAS_BACKEND=jax and "
                         "XLA_FLAGS=--xla_force_host_platform_device_count=2; got "
                         f"{keras.backend.backend()} with {len(jax.devices())} devices")
    rng = np.random.default_rng(0)

    def images(size):
        return rng.uniform(-1, 1, (4, size, size, 3)).astype("float32")

    out = {"devices": [str(d) for d in jax.devices()],
           "tensorflow_imported": "tensorflow" in sys.modules}
    for name, make, data in (
        ("dcgan", lambda: kerasgan.models.DCGAN(
            image_size=16, latent_dim=8, generator_width=4, discriminator_width=4, seed=3),
         (images(16),)),
        ("cyclegan", lambda: kerasgan.models.CycleGAN(
            image_size=16, generator_width=4, num_residual_blocks=1, discriminator_width=4,
            discriminator_layers=2, pool_size=3, seed=1),
         (images(16), images(16))),
    ):
        key, result = _compare(name, make, data)
        out[key] = result
    out["tensorflow_imported"] = "tensorflow" in sys.modules
    print(TAG + json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
