"""Recipe for the zoo's `dcgan_faces` weights: DCGAN 64x64 on aligned CelebA faces.

Uses only kerasgan's public API. Trains on the 10k aligned CelebA images in
`../shared/data/faces/celeba-10k` (89x109 JPEGs: the face box is cropped at
(top=25, left=12, 64x64), i.e. CelebA's usual 128x128 face crop at half scale)
or on tfds `celeb_a` (178x218, the 128x128 box, resized to 64).

Every epoch writes `samples/epoch_XXXX.png`. Interrupted runs continue where
they stopped when started again with the same `--out` (weights, both
optimizers' state, EMA generator, step counter and the position in the data
are backed up every epoch by `kerasgan.callbacks.ResumableBackup`); `--resume`
makes that explicit and fails if there is nothing to resume. At the end the
preset is written to `<out>/preset/dcgan_faces/`. `--smoke` trains a tiny
model for two one-step epochs on generated images. Shared flags:
`kerasgan.recipes`.

`--holdout N` trains on all but the last N images of the sorted `--data`
folder, so `evaluate.py --real-range=-N:` (e.g. `9000:10000` for N = 1000)
measures against faces the model never saw. `--minibatch-std` gives the
discriminator ProGAN's minibatch standard deviation feature map.

Example:
    python zoo/dcgan_faces/train.py --out runs/dcgan_faces --epochs 40 --width 48
"""

import os

import keras

import kerasgan
from kerasgan import recipes

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = os.path.join(HERE, "..", "..", "..", "shared", "data", "faces", "celeba-10k")
FACE_BOX_HALF_SCALE = (25, 12, 64, 64)
SMOKE = {"epochs": 2, "batch_size": 4, "max_steps": 1, "image_size": 32, "width": 8,
         "latent_dim": 8}


def main():
    p = recipes.recipe_parser(__doc__, out="runs/dcgan_faces", epochs=40, batch_size=64,
                              data=DEFAULT_DATA,
                              data_help="folder of aligned CelebA images (89x109)",
                              max_steps_help="stop each epoch after this many batches")
    p.add_argument("--tfds", action="store_true", help="use tfds celeb_a instead of --data")
    p.add_argument("--tfds-dir", default=None)
    p.add_argument("--image-size", type=int, default=64, help="side of the generated faces")
    p.add_argument("--width", type=int, default=64, help="ngf = ndf")
    p.add_argument("--latent-dim", type=int, default=100)
    p.add_argument("--g-lr", type=float, default=2e-4)
    p.add_argument("--d-lr", type=float, default=2e-4)
    p.add_argument("--ema", type=recipes.ema_decay, default=0.999, help="EMA decay of G; 0: no EMA")
    p.add_argument("--minibatch-std", action="store_true",
                   help="minibatch standard deviation feature map in D (Karras et al. 2018)")
    p.add_argument("--minibatch-std-group", type=int, default=4,
                   help="images per minibatch-std group (must divide the per-replica batch, "
                        "else the whole batch is one group)")
    p.add_argument("--holdout", type=int, default=0,
                   help="leave the last N images of the sorted --data folder out of training")
    p.add_argument("--label-smoothing", type=float, default=0.0)
    p.add_argument("--max-images", type=int, default=None,
                   help="stop each epoch early (throughput probes); like --max-steps")
    args = recipes.parse_args(p, smoke=SMOKE)

    with recipes.RecipeRun("dcgan_faces", args, recipe="zoo/dcgan_faces/train.py") as run:
        if args.smoke:
            args.tfds, args.data = False, recipes.synthetic_images(
                run.scratch("faces"), 16, (109, 89), seed=args.seed, suffix=".jpg")
        if args.tfds:
            import tensorflow_datasets as tfds

            if args.holdout:
                p.error("--holdout applies to --data folders, not --tfds.")
            count = tfds.builder("celeb_a", data_dir=args.tfds_dir).info.splits["train"]
            count = count.num_examples

            def make_stream():
                return kerasgan.data.tfds_images("celeb_a", args.image_size, args.batch_size,
                                                 data_dir=args.tfds_dir, seed=args.seed,
                                                 repeat=True)
        else:
            files = kerasgan.data.list_images(args.data)
            data = args.data
            if args.holdout:
                if not 0 < args.holdout < len(files):
                    p.error(f"--holdout must be in [1, {len(files) - 1}] for the {len(files)} "
                            f"images in {args.data}; received {args.holdout}.")
                files = files[:len(files) - args.holdout]
                data = run.scratch("train")  # links to the training images, in order
                os.makedirs(data)
                for i, f in enumerate(files):
                    os.symlink(os.path.abspath(f),
                               os.path.join(data, f"{i:06d}_{os.path.basename(f)}"))
            count = len(files)

            def make_stream():
                return kerasgan.data.image_folder(
                    data, args.image_size, args.batch_size, crop=FACE_BOX_HALF_SCALE,
                    cache=True, augment_flip=True, repeat=True, **run.data_options)
        steps = count // args.batch_size
        if args.max_images:
            args.max_steps = max(1, args.max_images // args.batch_size)
        steps = min(steps, args.max_steps or steps)

        gan = kerasgan.models.DCGAN(image_size=args.image_size, latent_dim=args.latent_dim,
                                    generator_width=args.width, discriminator_width=args.width,
                                    ema_decay=args.ema or None,
                                    minibatch_std=args.minibatch_std,
                                    minibatch_std_group=args.minibatch_std_group, seed=args.seed)
        gan.compile(g_optimizer=keras.optimizers.Adam(args.g_lr, beta_1=0.5),
                    d_optimizer=keras.optimizers.Adam(args.d_lr, beta_1=0.5),
                    loss=kerasgan.losses.NonSaturating(label_smoothing=args.label_smoothing),
                    jit_compile=run.jit_compile)
        run.fit(gan, make_stream, steps, callbacks=[
            kerasgan.callbacks.SampleGrid(run.samples_dir, every=1)])
        gan.sampler.save_weights(run.path("generator.weights.h5"))
        run.finish(gan, metadata={
            "task": "generate",
            "description": f"DCGAN (Radford et al. 2016) generating {args.image_size}x"
                           f"{args.image_size} faces, trained on aligned CelebA images.",
            "architecture": f"DCGAN, latent {args.latent_dim}, width {args.width}; samples "
                            f"from the {'EMA' if args.ema else 'live'} generator",
            "training_data": {"name": "CelebA aligned (img_align_celeba ids 000001-010000)"
                                      + (f", the last {args.holdout} held out"
                                         if args.holdout else ""),
                              "path": "../shared/data/faces/celeba-10k",
                              "license": "CelebA: non-commercial research and educational "
                                         "use only"},
        })


if __name__ == "__main__":
    main()
