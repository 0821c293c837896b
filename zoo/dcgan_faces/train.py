"""Recipe for the zoo's `dcgan_faces` weights: DCGAN 64x64 on aligned CelebA faces.

Uses only kerasgan's public API. Trains on the 10k aligned CelebA images in
`../shared/data/faces/celeba-10k` (89x109 JPEGs: the face box is cropped at
(top=25, left=12, 64x64), i.e. CelebA's usual 128x128 face crop at half scale)
or on tfds `celeb_a` (178x218, the 128x128 box, resized to 64).

Interrupted runs continue where they stopped when started again with the same
`--out` (weights, both optimizers' state, EMA generator and step counter are
backed up every epoch by `keras.callbacks.BackupAndRestore`); `--resume` makes
that explicit and fails if there is nothing to resume.

Example:
    python zoo/dcgan_faces/train.py --out runs/dcgan_faces --epochs 40 --width 48
"""

import argparse
import json
import os
import time

import keras

import kerasgan

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = os.path.join(HERE, "..", "..", "..", "shared", "data", "faces", "celeba-10k")
FACE_BOX_HALF_SCALE = (25, 12, 64, 64)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=DEFAULT_DATA, help="folder of aligned CelebA images (89x109)")
    p.add_argument("--tfds", action="store_true", help="use tfds celeb_a instead of --data")
    p.add_argument("--tfds-dir", default=None)
    p.add_argument("--out", default="runs/dcgan_faces")
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--width", type=int, default=64, help="ngf = ndf")
    p.add_argument("--latent-dim", type=int, default=100)
    p.add_argument("--g-lr", type=float, default=2e-4)
    p.add_argument("--d-lr", type=float, default=2e-4)
    p.add_argument("--ema", type=float, default=0.999)
    p.add_argument("--label-smoothing", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--jit", action="store_true", help="XLA-compile the train step")
    p.add_argument("--max-images", type=int, default=None, help="stop each epoch early (throughput probes)")
    p.add_argument("--resume", action="store_true", help="require an interrupted run in --out")
    args = p.parse_args()

    backup = os.path.join(args.out, "backup")
    if args.resume and not os.path.isdir(backup):
        raise SystemExit(f"--resume: no interrupted run to continue in {backup!r}.")
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "recipe.json"), "w") as f:
        json.dump(vars(args), f, indent=2)

    if args.tfds:
        ds = kerasgan.data.tfds_images("celeb_a", 64, args.batch_size, data_dir=args.tfds_dir,
                                       seed=args.seed)
    else:
        ds = kerasgan.data.image_folder(args.data, 64, args.batch_size, crop=FACE_BOX_HALF_SCALE,
                                        cache=True, seed=args.seed, augment_flip=True)

    gan = kerasgan.models.DCGAN(image_size=64, latent_dim=args.latent_dim,
                                generator_width=args.width, discriminator_width=args.width,
                                ema_decay=args.ema, seed=args.seed)
    gan.compile(g_optimizer=keras.optimizers.Adam(args.g_lr, beta_1=0.5),
                d_optimizer=keras.optimizers.Adam(args.d_lr, beta_1=0.5),
                loss=kerasgan.losses.NonSaturating(label_smoothing=args.label_smoothing),
                jit_compile=args.jit)

    start = time.time()
    steps = args.max_images // args.batch_size if args.max_images else None
    gan.fit(ds, epochs=args.epochs, verbose=2, steps_per_epoch=steps, callbacks=[
        keras.callbacks.BackupAndRestore(backup, delete_checkpoint=False),
        kerasgan.callbacks.SampleGrid(os.path.join(args.out, "samples"), every=1),
        keras.callbacks.CSVLogger(os.path.join(args.out, "log.csv"), append=True),
    ])
    gan.save(os.path.join(args.out, "dcgan_faces.keras"))
    gan.sampler.save_weights(os.path.join(args.out, "generator.weights.h5"))
    with open(os.path.join(args.out, "timing.json"), "a") as f:
        f.write(json.dumps({"epochs": args.epochs, "seconds_this_session": time.time() - start}) + "\n")


if __name__ == "__main__":
    main()
