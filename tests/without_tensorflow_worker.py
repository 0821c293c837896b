"""Worker of tests/test_without_tensorflow.py: kerasgan on JAX with TensorFlow unimportable.

    KERAS_BACKEND=jax python tests/no_tensorflow.py tests/without_tensorflow_worker.py WORKDIR

Run under the shared blocker (tests/no_tensorflow.py): the three data
pipelines (pipeline="auto") feed one training step each of DCGAN, CycleGAN and
SRResNet, a PyDataset stream resumes under ResumableBackup, the shipped presets
load, and the CLI's generate, translate and upscale write their images. Prints
one JSON report line.
"""

import json
import os
import shutil
import sys
import time

BLOCKED = ("tensorflow", "tensorflow_datasets", "tf_keras", "tensorboard")


def _images(folder, count, shape, seed):
    import numpy as np
    from PIL import Image

    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(count):
        Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8)).save(
            os.path.join(folder, f"{i}.png"))
    return folder


def _fit_one_step(model, ds):
    import numpy as np

    history = model.fit(ds, epochs=1, steps_per_epoch=1, verbose=0)
    return bool(all(np.isfinite(v).all() for v in history.history.values()))


def _data_checks(work):
    import keras

    import kerasgan

    report = {"auto": kerasgan.data.resolve_pipeline("auto")}
    faces = _images(f"{work}/faces", 4, (20, 18, 3), 0)
    cats = _images(f"{work}/cats", 3, (20, 20, 3), 1)
    dogs = _images(f"{work}/dogs", 2, (22, 20, 3), 2)
    hr = _images(f"{work}/hr", 3, (24, 20, 3), 3)

    ds = kerasgan.data.image_folder(faces, 16, 2, seed=0, augment_flip=True)
    gan = kerasgan.models.DCGAN(image_size=16, latent_dim=8, generator_width=8,
                                discriminator_width=8, seed=0)
    gan.compile()
    report["image_folder"] = [type(ds).__name__, len(ds), _fit_one_step(gan, ds)]

    ds = kerasgan.data.unpaired(cats, dogs, image_size=16, load_size=18, batch_size=2, seed=0)
    cyclegan = kerasgan.models.CycleGAN(image_size=16, generator_width=4, num_residual_blocks=1,
                                        discriminator_width=4, discriminator_layers=2,
                                        pool_size=2, seed=0)
    cyclegan.compile()
    report["unpaired"] = [type(ds).__name__, len(ds), _fit_one_step(cyclegan, ds)]

    ds = kerasgan.data.super_resolution(hr, scale=4, hr_patch=16, batch_size=2, seed=0)
    srresnet = kerasgan.models.SRResNet(num_blocks=1, width=8)
    srresnet.compile()
    report["super_resolution"] = [type(ds).__name__, len(ds), _fit_one_step(srresnet, ds)]

    # Resume mid-epoch on a PyDataset stream: a run cut after step 1 of 2x2 and
    # resumed ends with the weights of an uninterrupted run.
    def run(backup_dir, epochs):
        keras.utils.set_random_seed(0)
        model = kerasgan.models.DCGAN(image_size=16, latent_dim=8, generator_width=8,
                                      discriminator_width=8, seed=0)
        model.compile()
        backup = kerasgan.callbacks.ResumableBackup(backup_dir, save_freq=1,
                                                    delete_checkpoint=False)
        stream = backup.dataset(kerasgan.data.image_folder(faces, 16, 2, seed=1,
                                                           augment_flip=True))
        model.fit(stream, steps_per_epoch=2, epochs=epochs, initial_epoch=backup.initial_epoch,
                  callbacks=[backup], verbose=0)
        return backup.initial_step, [keras.ops.convert_to_numpy(w) for w in model.weights]

    _, whole = run(f"{work}/backup_whole", 2)
    run(f"{work}/backup_cut", 1)
    shutil.rmtree(f"{work}/backup_cut/ckpt-000000000002")  # as if killed during step 2
    start, resumed = run(f"{work}/backup_cut", 2)
    report["resume"] = [start, max(float(abs(a - b).max()) for a, b in zip(whole, resumed))]
    return report


def _zoo_and_cli_checks(work):
    import numpy as np
    from PIL import Image

    import kerasgan
    from kerasgan import cli

    report = {}
    for name in ("dcgan_faces", "cyclegan_cats2dogs", "srresnet_x4"):
        report[f"load {name}"] = type(kerasgan.zoo.load(name)).__name__
    photo = _images(f"{work}/photos", 1, (24, 20, 3), 4)
    photo = os.path.join(photo, "0.png")
    commands = {
        "generate": ["generate", "dcgan_faces", "--num", "2", "--seed", "0",
                     "--output", f"{work}/grid.png"],
        "translate": ["translate", "cyclegan_cats2dogs", photo, "--output-dir", f"{work}/dogs"],
        "upscale": ["upscale", "srresnet_x4", photo, "--output-dir", f"{work}/up"],
    }
    outputs = {"generate": f"{work}/grid.png", "translate": f"{work}/dogs/0.png",
               "upscale": f"{work}/up/0.png"}
    for name, argv in commands.items():
        code = cli.main(argv + ["--offline"])
        size = None
        if os.path.exists(outputs[name]):
            with Image.open(outputs[name]) as im:
                size = list(np.asarray(im).shape)
        report[name] = [code, size]
    return report


def main(argv):
    if len(argv) != 1:
        raise SystemExit(f"usage: without_tensorflow_worker.py WORKDIR; received {argv}")
    import keras

    report = {"backend": keras.backend.backend()}
    try:
        import tensorflow  # noqa: F401
        report["import_tensorflow"] = "succeeded"
    except ImportError:
        report["import_tensorflow"] = "failed"
    import kerasgan  # noqa: F401

    clocks = [(time.monotonic(), time.process_time())]
    report.update(_data_checks(argv[0]))
    clocks.append((time.monotonic(), time.process_time()))
    report.update(_zoo_and_cli_checks(argv[0]))
    clocks.append((time.monotonic(), time.process_time()))
    # Wall and CPU seconds of the data checks and of the zoo/CLI checks.
    report["seconds"] = [[round(b[k] - a[k], 1) for k in (0, 1)]
                         for a, b in zip(clocks, clocks[1:])]
    report["tensorflow_modules"] = sorted(m for m in sys.modules
                                          if m.split(".")[0] in BLOCKED)
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1:])
