"""Input-pipeline throughput of `kerasgan.data.unpaired`: tf.data against the PyDataset.

What is measured
----------------
Images per second (both domains counted) that each pipeline delivers to a
consumer that only takes batches, for CycleGAN's input: two folders of
images, resized to ``--load-size`` and randomly cropped to ``--image-size``
and flipped, ``--batch-size`` pairs per batch, decoded images cached in
memory (``cache=True``). Rows:

- ``tf.data``: the tf.data pipeline (AUTOTUNE parallelism), iterated eagerly.
- ``pydataset, in-line``: ``ds[i]`` in a loop, one thread (what ``fit`` gets
  with ``workers=1``).
- ``pydataset, keras enqueuer``: Keras's own PyDataset adapter with
  ``workers`` threads (what ``fit`` runs; a private Keras API, used here only
  to measure it).
- ``pydataset, resumable stream``: the ordered read-ahead generator of
  ``ResumableBackup.dataset`` with ``workers`` threads.

Warm-up (untimed): the first epoch (tf.data fills its cache there) or the
PyDataset's construction (it decodes into its cache then); both are reported
as "cache seconds". Rows run in turn, ``--rounds`` times with the order
rotated; the median is reported. This script only measures; no thresholds.

Data: ``--data`` (a folder with two subfolders, or ``trainA``/``trainB``), or
by default ``--synthetic`` JPEGs written to a temporary folder.

Run (from the repository root)::

    python bench/data_throughput.py                        # 64 px, synthetic, ~2 min
    python bench/data_throughput.py --data /work/shared/data/animal_faces/train \\
        --domains cat dog --image-size 64 --load-size 72 --workers 4
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time

import numpy as np


def synthetic_folders(root: str, count: int, size: int) -> tuple[str, str]:
    """`count` smooth random JPEGs of `size` px in each of root/A and root/B."""
    from PIL import Image

    rng = np.random.default_rng(0)
    folders = []
    for name in ("A", "B"):
        folder = os.path.join(root, name)
        os.makedirs(folder, exist_ok=True)
        for i in range(count):
            small = rng.integers(0, 256, (size // 8, size // 8, 3), dtype=np.uint8)
            image = Image.fromarray(small).resize((size, size), Image.BICUBIC)
            image.save(os.path.join(folder, f"{i}.jpg"), quality=90)
        folders.append(folder)
    return folders[0], folders[1]


def time_batches(iterator, batches: int, images_per_batch: int) -> float:
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return batches * images_per_batch / (time.perf_counter() - start)


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default=None, help="folder holding the two domains")
    p.add_argument("--domains", nargs=2, default=None, help="subfolder names (default: A B)")
    p.add_argument("--synthetic", type=int, default=300, help="images per domain if no --data")
    p.add_argument("--image-size", type=int, default=64)
    p.add_argument("--load-size", type=int, default=72)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--workers", type=int, default=2, help="PyDataset worker threads")
    p.add_argument("--batches", type=int, default=100, help="timed batches per row and round")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--json", default=None, help="also write the results here")
    args = p.parse_args(argv)

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    import kerasgan
    from kerasgan.callbacks.resume.pydataset_stream import pydataset_stream
    from keras.src.trainers.data_adapters.py_dataset_adapter import PyDatasetAdapter

    tmp = None
    if args.data:
        names = args.domains or ["A", "B"]
        folder_a, folder_b = (os.path.join(args.data, n) for n in names)
    else:
        tmp = tempfile.TemporaryDirectory()
        folder_a, folder_b = synthetic_folders(tmp.name, args.synthetic, 128)
    common = dict(domain_a=folder_a, domain_b=folder_b, image_size=args.image_size,
                  load_size=args.load_size, batch_size=args.batch_size, seed=0, cache=True,
                  repeat=True)
    per_batch = 2 * args.batch_size

    cache_seconds = {}
    start = time.perf_counter()
    tf_ds = kerasgan.data.unpaired(**common, pipeline="tf.data")
    finite = kerasgan.data.unpaired(**{**common, "repeat": False}, pipeline="tf.data")
    steps = int(finite.cardinality())
    tf_iter = iter(tf_ds)
    for _ in range(steps):  # the first epoch fills tf.data's cache
        next(tf_iter)
    cache_seconds["tf.data"] = time.perf_counter() - start
    start = time.perf_counter()
    py_ds = kerasgan.data.unpaired(**common, pipeline="pydataset", workers=args.workers)
    cache_seconds["pydataset"] = time.perf_counter() - start
    assert len(py_ds) == steps, (len(py_ds), steps)

    def inline():
        n = 0
        while True:
            yield py_ds[n]
            n += 1

    adapter = PyDatasetAdapter(py_ds, shuffle=False)
    rows = {
        "tf.data": tf_iter,
        "pydataset, in-line": inline(),
        f"pydataset, keras enqueuer ({args.workers} threads)": iter(adapter.get_numpy_iterator()),
        f"pydataset, resumable stream ({args.workers} threads)": pydataset_stream(py_ds, 0),
    }
    for iterator in rows.values():  # start the workers, fill the queues
        for _ in range(3):
            next(iterator)
    results = {name: [] for name in rows}
    names = list(rows)
    for r in range(args.rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            results[name].append(time_batches(rows[name], args.batches, per_batch))
    adapter.on_epoch_end()

    report = {
        "config": {"image_size": args.image_size, "load_size": args.load_size,
                   "batch_size": args.batch_size, "workers": args.workers,
                   "images_per_domain": [len(d) for d in py_ds.domains],
                   "data": args.data or f"synthetic 128 px JPEG x {args.synthetic}",
                   "cpu_count": os.cpu_count(), "keras": keras.__version__},
        "cache_seconds": {k: round(v, 2) for k, v in cache_seconds.items()},
        "images_per_second": {k: round(statistics.median(v), 1) for k, v in results.items()},
    }
    print(f"unpaired {args.image_size} px (load {args.load_size}), batch {args.batch_size}, "
          f"{report['config']['images_per_domain']} images, {os.cpu_count()} CPUs")
    print(f"cache fill: tf.data first epoch {cache_seconds['tf.data']:.1f} s, "
          f"PyDataset construction {cache_seconds['pydataset']:.1f} s")
    print(f"{'pipeline':48s} {'images/s (median)':>18s}  rounds")
    for name, values in results.items():
        print(f"{name:48s} {statistics.median(values):18.1f}  "
              + " ".join(f"{v:.0f}" for v in values))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2)
    if tmp is not None:
        tmp.cleanup()
    return report


if __name__ == "__main__":
    main()
