"""Train a DCGAN on your own images (or a tfds dataset) with `fit`.

Examples:
    # a folder of images (searched recursively), 64x64, sample grids + resume
    python examples/train_dcgan.py --data faces/ --image-size 64 --epochs 20 --out runs/faces

    # a TensorFlow Datasets dataset (needs the network, or --tfds-dir)
    python examples/train_dcgan.py --tfds celeb_a --image-size 64 --out runs/celeba

    # a 1-minute offline demo on generated shapes
    python examples/train_dcgan.py --demo --out runs/demo

Run the same command again after an interruption (Ctrl-C, a pre-empted machine,
even `kill -9`) and training continues from the last checkpoint -- written
atomically every `--checkpoint-every` steps and at each epoch end -- with the
full training state (weights, EMA generator, both optimizers, counters, random
state) and the data stream positioned at the next batch
(`kerasgan.callbacks.ResumableBackup`). With a folder or the demo data the
resumed run trains on exactly the batches an uninterrupted run would have;
tfds shuffles its files without a seed, so there the order after a resume
differs.
"""

import argparse
import os

import keras
import numpy as np
import tensorflow as tf

import kerasgan


def demo_images(n=512, size=32, seed=0):
    """Coloured discs on dark backgrounds: a tiny dataset that needs no download."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    images = np.empty((n, size, size, 3), "float32")
    for i in range(n):
        cy, cx = rng.uniform(size * 0.3, size * 0.7, 2)
        r = rng.uniform(size * 0.15, size * 0.3)
        disc = ((yy - cy) ** 2 + (xx - cx) ** 2 <= r * r)[..., None]
        color = rng.uniform(-0.2, 1.0, 3)
        images[i] = np.where(disc, color, -0.9)
    return images


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--data", help="folder of training images")
    src.add_argument("--tfds", help="tfds dataset name, e.g. celeb_a")
    src.add_argument("--demo", action="store_true", help="train on generated shapes (offline)")
    p.add_argument("--tfds-dir", default=None, help="tfds data_dir")
    p.add_argument("--image-size", type=int, default=64)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--latent-dim", type=int, default=100)
    p.add_argument("--width", type=int, default=64, help="ngf = ndf")
    p.add_argument("--loss", default="non_saturating", choices=kerasgan.losses.LOSS_NAMES)
    p.add_argument("--g-lr", type=float, default=2e-4)
    p.add_argument("--d-lr", type=float, default=2e-4)
    p.add_argument("--ema", type=float, default=None, help="EMA decay of generator weights")
    p.add_argument("--out", default="runs/dcgan")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--checkpoint-every", type=int, default=500,
                   help="save the training state every this many steps (and every epoch)")
    p.add_argument("--steps-per-epoch", type=int, default=None,
                   help="default: images // batch size")
    args = p.parse_args()

    # One infinite, seeded stream of batches (each pass reshuffled): the n-th
    # batch is what step n trains on, so a resumed run can start at any step.
    # `make_stream` builds it afresh for every iterator (see
    # kerasgan.callbacks.resumable_dataset).
    if args.demo:
        args.image_size = 32
        args.batch_size = min(args.batch_size, 32)
        data = demo_images(size=32, seed=args.seed)
        num_images = len(data)

        def make_stream():
            return (tf.data.Dataset.from_tensor_slices(data)
                    .shuffle(num_images, seed=args.seed)
                    .batch(args.batch_size, drop_remainder=True).repeat())
        width = min(args.width, 32)
    elif args.data:
        num_images = len(kerasgan.data.list_images(args.data))

        def make_stream():
            return kerasgan.data.image_folder(args.data, args.image_size, args.batch_size,
                                              seed=args.seed, cache=True, repeat=True)
        width = args.width
    else:
        if args.steps_per_epoch is None:
            import tensorflow_datasets as tfds

            info = tfds.builder(args.tfds, data_dir=args.tfds_dir).info
            num_images = info.splits["train"].num_examples

        def make_stream():
            return kerasgan.data.tfds_images(args.tfds, args.image_size, args.batch_size,
                                             data_dir=args.tfds_dir, seed=args.seed,
                                             repeat=True)
        width = args.width
    steps_per_epoch = args.steps_per_epoch or max(1, num_images // args.batch_size)

    os.makedirs(args.out, exist_ok=True)
    gan = kerasgan.models.DCGAN(image_size=args.image_size, latent_dim=args.latent_dim,
                                generator_width=width, discriminator_width=width,
                                ema_decay=args.ema, seed=args.seed)
    gan.compile(g_optimizer=keras.optimizers.Adam(args.g_lr, beta_1=0.5),
                d_optimizer=keras.optimizers.Adam(args.d_lr, beta_1=0.5),
                loss=args.loss)
    backup = kerasgan.callbacks.ResumableBackup(os.path.join(args.out, "backup"),
                                                save_freq=args.checkpoint_every)
    if backup.checkpoint:
        print(f"Resuming from {backup.checkpoint} (epoch {backup.initial_epoch + 1}, "
              f"step {backup.initial_step})")
    callbacks = [
        backup,  # first, so the other callbacks see the restored state
        kerasgan.callbacks.SampleGrid(os.path.join(args.out, "samples")),
        keras.callbacks.CSVLogger(os.path.join(args.out, "log.csv"), append=True),
    ]
    gan.fit(backup.dataset(make_stream), steps_per_epoch=steps_per_epoch, epochs=args.epochs,
            initial_epoch=backup.initial_epoch, callbacks=callbacks)
    gan.save(os.path.join(args.out, "dcgan.keras"))
    print(f"Samples in {os.path.join(args.out, 'samples')}; model in "
          f"{os.path.join(args.out, 'dcgan.keras')}")


if __name__ == "__main__":
    main()
