"""Worker for tests/callbacks/test_resume.py: a tiny DCGAN run under ResumableBackup.

    python resume_worker.py BACKUP_DIR OUT.npz [--block-in-save-at STEP --ready FILE]

Trains a 16x16 DCGAN (EMA generator, batch 4, 8 steps per epoch, 3 epochs,
checkpoints every 3 steps) deterministically. With `--block-in-save-at`, in
the middle of writing the checkpoint of global step STEP (its weights file
half written) it writes FILE and blocks, so that the test can kill it with
SIGKILL at that known point. At the end it writes every variable (model,
both optimizers, metrics) and what it trained to OUT.npz.
"""

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

tf.config.experimental.enable_op_determinism()
tf.config.threading.set_intra_op_parallelism_threads(1)
tf.config.threading.set_inter_op_parallelism_threads(1)

import kerasgan  # noqa: E402
from kerasgan.callbacks import ResumableBackup  # noqa: E402

STEPS_PER_EPOCH = 8
EPOCHS = 3


def images():
    rng = np.random.default_rng(0)
    return rng.uniform(-1, 1, (32, 16, 16, 3)).astype("float32")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("backup_dir")
    p.add_argument("out")
    p.add_argument("--block-in-save-at", type=int, default=None)
    p.add_argument("--ready", default=None)
    args = p.parse_args()

    keras.utils.set_random_seed(0)
    data = images()

    def source():  # an infinite seeded stream, each repetition reshuffled
        return (tf.data.Dataset.from_tensor_slices(data).shuffle(len(data), seed=1)
                .batch(4, drop_remainder=True).repeat())

    gan = kerasgan.models.DCGAN(image_size=16, latent_dim=8, generator_width=8,
                                discriminator_width=8, ema_decay=0.9, seed=0)
    gan.compile(g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                d_optimizer=keras.optimizers.Adam(4e-4, beta_1=0.5))
    backup = ResumableBackup(args.backup_dir, save_freq=3, keep=2)
    stream = backup.dataset(source)
    start = {"initial_step": backup.initial_step, "initial_epoch": backup.initial_epoch,
             "initial_batch": backup.initial_batch}
    trained = []

    def block():
        with open(args.ready, "w") as f:
            f.write(str(backup.last_checkpoint))
        time.sleep(120)  # the test kills us here
        sys.exit(3)

    class Probe(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            trained.append(backup.global_step)

    save_weights = gan.save_weights

    def save_weights_then_block(path, *a, **kw):
        save_weights(path, *a, **kw)
        if backup.global_step == args.block_in_save_at:
            with open(path, "r+b") as f:  # as if killed halfway through the write
                f.truncate(os.path.getsize(path) // 2)
            block()

    gan.save_weights = save_weights_then_block

    history = gan.fit(stream, steps_per_epoch=STEPS_PER_EPOCH, epochs=EPOCHS,
                      initial_epoch=backup.initial_epoch, callbacks=[backup, Probe()],
                      verbose=0)
    state = {}
    for group, variables in (("w", gan.weights), ("g", gan.g_optimizer.variables),
                             ("d", gan.d_optimizer.variables),
                             ("m", gan.metrics_variables)):
        for i, v in enumerate(variables):
            state[f"{group}{i}"] = keras.ops.convert_to_numpy(v)
    info = {
        **start,
        "trained_steps": trained,
        "global_step": backup.global_step,
        "epoch": backup.epoch,
        "g_iterations": int(gan.g_optimizer.iterations.numpy()),
        "d_iterations": int(gan.d_optimizer.iterations.numpy()),
        "history": {k: [float(x) for x in v] for k, v in history.history.items()},
        "epochs_run": history.epoch,
        "backup_dir_left": os.path.exists(args.backup_dir),
    }
    np.savez(args.out, info=json.dumps(info), **state)


if __name__ == "__main__":
    main()
