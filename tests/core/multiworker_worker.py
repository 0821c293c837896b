"""One worker of the MultiWorkerMirroredStrategy test (run as a subprocess).

Usage: python multiworker_worker.py PORT0,PORT1 INDEX OUT.npz
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main():
    ports, index, out = sys.argv[1].split(","), int(sys.argv[2]), sys.argv[3]
    os.environ["TF_CONFIG"] = json.dumps({
        "cluster": {"worker": [f"127.0.0.1:{p}" for p in ports]},
        "task": {"type": "worker", "index": index},
    })
    import numpy as np
    import tensorflow as tf

    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    import kerasgan

    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (32, 16, 16, 3)).astype("float32")
    ds = tf.data.Dataset.from_tensor_slices(x).batch(8, drop_remainder=True)
    with strategy.scope():
        gan = kerasgan.models.DCGAN(image_size=16, latent_dim=8, generator_width=8,
                                    discriminator_width=8, discriminator_norm="layer",
                                    seed=1)
        gan.compile(loss="wasserstein", penalty="gradient_penalty")
    hist = gan.fit(ds, epochs=2, verbose=0)
    np.savez(out, replicas=strategy.num_replicas_in_sync,
             d_loss=np.array(hist.history["d_loss"]),
             g_iterations=int(gan.g_optimizer.iterations.numpy()),
             *[w.numpy() for w in gan.generator.weights])


if __name__ == "__main__":
    main()
