"""Seconds per photo of the learned face finder (`face_probabilities`), against an eager reference.

What is measured
----------------
The learned face finder scores every candidate window of a photo (about 4,000
to 5,000 for a 256 px photo). `face_probabilities` runs them through the
model's compiled predict function in fixed-size, padded batches (one trace on
TensorFlow, one compilation on JAX). The reference is the same finder called
eagerly, `model(batch, training=False)`, on unpadded batches of 1,024 (as the
finder did when it was added): on JAX every new last-batch shape compiles
again. Both run in the same process on the same photos, alternating photo by
photo, after one untimed warm-up photo each; the script prints the median
seconds per photo of each, their ratio, the largest difference of any
window's probability and in how many photos the best window is the same.

Photos: the first `--count` of `--photos` (default: the Kaggle test dogs of
`../shared/data`), or random-noise photos of 256x341 when the folder is absent.
The backend is Keras's (`KERAS_BACKEND`). This script only measures.

Run (from the repository root)::

    python bench/face_finder_speed.py
    KERAS_BACKEND=jax python bench/face_finder_speed.py --count 20
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

DEFAULT_PHOTOS = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data",
                              "cats_dogs", "test", "dog")


def load_photos(folder: str, count: int) -> list[np.ndarray]:
    if not os.path.isdir(folder):
        rng = np.random.default_rng(0)
        return [rng.integers(0, 256, (256, 341, 3), dtype=np.uint8) for _ in range(count)]
    from PIL import Image

    from kerasgan.data.image_folder import list_images

    return [np.asarray(Image.open(p).convert("RGB")) for p in list_images(folder)[:count]]


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--photos", default=DEFAULT_PHOTOS)
    p.add_argument("--count", type=int, default=20)
    p.add_argument("--animal", default="dog", choices=("cat", "dog"))
    args = p.parse_args(argv)

    import keras

    from kerasgan.photos import face_finder

    model = face_finder.load_face_finder()
    column = face_finder.FINDER_CLASSES.index(args.animal)
    # A plain callable (not a Keras model) is called eagerly on unpadded batches.
    eager_model = lambda windows, training=False: model(windows, training=training)  # noqa: E731

    def eager(photo):
        return face_finder.face_probabilities(photo, eager_model, batch_size=1024)

    def compiled(photo):
        return face_finder.face_probabilities(photo, model)

    photos = load_photos(args.photos, args.count + 1)
    eager(photos[0])  # warm-up, untimed
    compiled(photos[0])  # warm-up: traces and compiles
    times = {"compiled": [], "eager": []}
    same_best, dp = 0, 0.0
    for photo in photos[1:]:
        results = {}
        for name, run in (("eager", eager), ("compiled", compiled)):
            start = time.perf_counter()
            results[name] = run(photo)
            times[name].append(time.perf_counter() - start)
        (_, p_ref), (_, p_new) = results["eager"], results["compiled"]
        same_best += int(np.argmax(p_ref[:, column]) == np.argmax(p_new[:, column]))
        dp = max(dp, float(np.abs(p_ref - p_new).max()))
    report = {"backend": keras.backend.backend(), "photos": len(photos) - 1,
              "source": args.photos if os.path.isdir(args.photos) else "noise",
              "compiled_s_per_photo": statistics.median(times["compiled"]),
              "eager_s_per_photo": statistics.median(times["eager"]),
              "same_best_window": same_best, "max_probability_difference": dp}
    report["speedup"] = report["eager_s_per_photo"] / report["compiled_s_per_photo"]
    print(f"{report['backend']}: {report['photos']} photos ({report['source']}); "
          f"compiled {report['compiled_s_per_photo']:.3f} s/photo, eager reference "
          f"{report['eager_s_per_photo']:.3f} s/photo, speedup x{report['speedup']:.2f}; "
          f"same best {args.animal} window in {same_best}/{report['photos']}, "
          f"largest probability difference {dp:.1e}")
    return report


if __name__ == "__main__":
    main()
