"""Recipe for the zoo's `cyclegan_cats2dogs` weights: CycleGAN cats (A) <-> dogs (B).

Uses only kerasgan's public API. Trains on the aligned animal faces in
`../shared/data/animal_faces/train/cat` (domain A) and `.../train/dog`
(domain B): random jitter (resize to `--load-size`, random `--image-size`
crop) and horizontal flips, batch 1, LSGAN loss, cycle weight 10, identity
weight 0.5 x 10, a history pool of 50 images per domain, Adam(2e-4,
beta_1=0.5) kept constant for `--constant-epochs` then decayed linearly to 0
over the remaining epochs (Zhu et al. 2017).

Every epoch writes `samples/epoch_XXXX.png`: fixed test cats (top rows) and
dogs (bottom rows), each followed by its translation. Interrupted runs
continue where they stopped when started again with the same `--out` (weights,
optimizer states incl. the step of the learning-rate schedule, history pools,
the position in the data; `kerasgan.callbacks.ResumableBackup`); `--resume`
makes that explicit. At the end the preset (both generators) is written to
`<out>/preset/cyclegan_cats2dogs/`. `--smoke` trains a tiny model for two
one-step epochs on generated images. Shared flags: `kerasgan.recipes`.

Measure throughput before choosing the settings:
    python zoo/cyclegan_cats2dogs/train.py --out runs/probe --image-size 128 \\
        --width 32 --residual-blocks 6 --epochs 1 --max-steps 20

Example (a real run):
    python zoo/cyclegan_cats2dogs/train.py --out runs/cyclegan_cats2dogs \\
        --image-size 128 --width 32 --residual-blocks 6 --epochs 20
"""

import os

import keras

import kerasgan
from kerasgan import recipes

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "..", "shared", "data", "animal_faces")
NETWORKS = ("generator_ab", "generator_ba", "discriminator_a", "discriminator_b")
SMOKE = {"epochs": 2, "batch_size": 2, "max_steps": 1, "image_size": 32, "load_size": 36,
         "width": 8, "residual_blocks": 1, "pool_size": 4, "samples": 2}


def init_from(model, path, only=NETWORKS, flag="--init"):
    """Starts the networks from a saved CycleGAN (any image size).

    A `.keras` file gives all four networks. A preset (zoo name or folder)
    gives the networks it stores: the generators, and the discriminators too
    when it was written with `--keep-discriminators`; networks it lacks keep
    their fresh initialisation. `only` limits the copy to those networks.
    """
    if path.endswith(".keras"):
        source, names = keras.saving.load_model(path, compile=False), NETWORKS
    else:
        source = kerasgan.zoo.load(path, offline=True)
        stored = kerasgan.zoo.info(path)["weights"]
        names = tuple(n for n in NETWORKS if n in stored)
    names = tuple(n for n in names if n in only)
    if not names:
        raise SystemExit(f"{flag} {path!r}: it stores none of {', '.join(only)} (a preset "
                         "stores the discriminators only when written with "
                         "--keep-discriminators).")
    for name in names:
        src, dst = getattr(source, name), getattr(model, name)
        shapes = [tuple(w.shape) for w in src.weights], [tuple(w.shape) for w in dst.weights]
        if shapes[0] != shapes[1]:
            raise SystemExit(f"{flag} {path!r}: {name} has other shapes than this model (pass "
                             "the same --width, --residual-blocks, --upsampling and "
                             "--discriminator-layers, or a preset that stores only the "
                             "generators, to start the discriminators afresh).")
        dst.set_weights(src.get_weights())
    fresh = "; the discriminators start afresh" if only == NETWORKS and names != NETWORKS else ""
    print(f"Initialised {', '.join(names)} from {path} (trained at {source.image_size} px){fresh}.")


def smoke_data(run, seed):
    """Generated train/ and test/ folders of cat/ and dog/ images; returns their parents."""
    for split, count in (("train", 8), ("test", 2)):
        for domain, hue in (("cat", 0.1), ("dog", 0.9)):
            recipes.synthetic_images(run.scratch(split, domain), count, 40, seed=seed, hue=hue)
    return run.scratch("train"), run.scratch("test")


def main():
    p = recipes.recipe_parser(__doc__, out="runs/cyclegan_cats2dogs", epochs=20, batch_size=1,
                              data=os.path.join(DATA, "train"),
                              data_help="folder holding cat/ (domain A) and dog/ (domain B)",
                              max_steps_help="stop each epoch after this many batches "
                                             "(throughput probes)")
    p.add_argument("--test-data", default=os.path.join(DATA, "test"),
                   help="folder holding cat/ and dog/ for the sample grids")
    p.add_argument("--image-size", type=int, default=128)
    p.add_argument("--load-size", type=int, default=None,
                   help="resize before the random crop (default: image size * 286/256)")
    p.add_argument("--width", type=int, default=32, help="ngf = ndf")
    p.add_argument("--residual-blocks", type=int, default=6)
    p.add_argument("--discriminator-layers", type=int, default=3,
                   help="stride-2 layers of the PatchGANs: 3 sees 70x70 patches, 4 sees "
                        "142x142 (the whole face at 128 px)")
    p.add_argument("--constant-epochs", type=int, default=None,
                   help="epochs at the initial learning rate (default: half)")
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--cycle-weight", type=float, default=10.0)
    p.add_argument("--identity-weight", type=float, default=0.5)
    p.add_argument("--pool-size", type=int, default=50)
    p.add_argument("--generator-delay-steps", type=recipes.non_negative_int, default=0,
                   metavar="STEPS",
                   help="hold the generators still (learning rate 0) for the first STEPS "
                        "steps, while the discriminators learn to judge them: for "
                        "discriminators that start afresh (--init from a preset)")
    p.add_argument("--ema", type=recipes.ema_decay, default=0.0, metavar="DECAY",
                   help="keep an exponential moving average of the generators (e.g. "
                        "0.999) and publish it (with --average-last, the mean of its "
                        "checkpoints); 0: the live generators")
    p.add_argument("--upsampling", choices=["transpose", "resize"], default="transpose",
                   help="generator upsampling: the paper's transposed convolutions, or "
                        "resize-convolution (no checkerboard texture)")
    p.add_argument("--samples", type=int, default=6, help="test images per domain in the grids")
    p.add_argument("--max-images", type=int, default=None, help="like --max-steps, in images")
    p.add_argument("--keep-discriminators", action="store_true",
                   help="store the discriminators in the preset too (as --preset-dtype), so "
                        "that --init <preset> continues training with them")
    p.add_argument("--init", default=None,
                   help="start all four networks from a CycleGAN .keras file of the same "
                        "widths and depths (e.g. a lower-resolution phase: the networks "
                        "are fully convolutional), or from a preset (zoo name or folder): "
                        "its generators, and its discriminators when it has them")
    p.add_argument("--init-discriminators", default=None, metavar="PATH",
                   help="then take both discriminators from this .keras file or preset "
                        "(one written with --keep-discriminators): e.g. generators from "
                        "the shipped preset, discriminators from a run that trained "
                        "against them, instead of fresh ones")
    args = recipes.parse_args(p, smoke=SMOKE)

    with recipes.RecipeRun("cyclegan_cats2dogs", args,
                           recipe="zoo/cyclegan_cats2dogs/train.py") as run:
        if args.smoke:
            args.data, args.test_data = smoke_data(run, args.seed)
        cats, dogs = os.path.join(args.data, "cat"), os.path.join(args.data, "dog")
        load_size = args.load_size or int(round(args.image_size * 286 / 256))

        def make_stream():
            return kerasgan.data.unpaired(cats, dogs, image_size=args.image_size,
                                          load_size=load_size, batch_size=args.batch_size,
                                          cache=True, repeat=True, **run.data_options)

        count = max(len(kerasgan.data.list_images(d)) for d in (cats, dogs))
        steps = count // args.batch_size
        if args.max_images:
            args.max_steps = max(1, args.max_images // args.batch_size)
        steps = min(steps, args.max_steps or steps)
        constant = args.epochs // 2 if args.constant_epochs is None else args.constant_epochs

        def adam(delay_steps=0):
            lr = kerasgan.schedules.LinearDecay.from_epochs(
                args.lr, constant, args.epochs - constant, steps, delay_steps=delay_steps)
            return keras.optimizers.Adam(lr, beta_1=0.5)

        model = kerasgan.models.CycleGAN(
            image_size=args.image_size, generator_width=args.width,
            num_residual_blocks=args.residual_blocks, discriminator_width=args.width,
            discriminator_layers=args.discriminator_layers,
            cycle_weight=args.cycle_weight, identity_weight=args.identity_weight,
            pool_size=args.pool_size, upsampling=args.upsampling, seed=args.seed,
            domains=("cat", "dog"), crop="face", ema_decay=args.ema or None)
        if args.init:
            init_from(model, args.init,
                      only=NETWORKS[:2] if args.init_discriminators else NETWORKS)
        if args.init_discriminators:
            init_from(model, args.init_discriminators, only=NETWORKS[2:],
                      flag="--init-discriminators")
        model.compile(g_optimizer=adam(args.generator_delay_steps), d_optimizer=adam(),
                      loss="lsgan", jit_compile=run.jit_compile)
        grids = recipes.TranslationGrid.from_folders(
            run.samples_dir, os.path.join(args.test_data, "cat"),
            os.path.join(args.test_data, "dog"), args.image_size, args.samples)
        run.fit(model, make_stream, steps, callbacks=[grids])
        prefix = "ema_" if args.ema else ""  # the averaged generators, stored as the generators
        weights = {name: getattr(model, prefix + name) for name in NETWORKS[:2]}
        if args.keep_discriminators:
            weights.update({name: getattr(model, name) for name in NETWORKS[2:]})
        run.finish(model, weights=weights, metadata={
            "task": "translate",
            "description": (f"CycleGAN cat faces (A) <-> dog faces (B) at {args.image_size}x"
                            f"{args.image_size}; whole photos are framed around the face "
                            "(crop='face'), direction='a2b' (cat to dog) or 'b2a'."),
            "architecture": (f"ResNet generators (ngf={args.width}, {args.residual_blocks} "
                             f"residual blocks, {args.upsampling} upsampling), PatchGAN "
                             f"discriminators (ndf={args.width}, "
                             f"{args.discriminator_layers} stride-2 layers), LSGAN, cycle "
                             f"{args.cycle_weight}, identity {args.identity_weight}"
                             + (f", EMA generators (decay {args.ema})" if args.ema else "")),
            "training_data": {
                "name": "animal_faces/train (4,303 AFHQ cat faces, 5,812 DogFaceNet dog faces)",
                "path": "../shared/data/animal_faces/train",
                "license": "AFHQ cats CC BY-NC 4.0; DogFaceNet dogs research use only: "
                           "non-commercial use"},
            "training": {"init": args.init,
                         "init_discriminators": args.init_discriminators},
        })


if __name__ == "__main__":
    main()
