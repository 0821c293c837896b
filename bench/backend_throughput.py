"""kerasgan DCGAN training throughput on the TensorFlow, JAX and PyTorch backends.

What is measured
----------------
Training throughput, in real images per second, of the same
``kerasgan.models.DCGAN`` (the pytorch/examples layout: nz=100, ngf=ndf=64 by
default, Adam(2e-4, beta_1=0.5), non-saturating loss, one D update then one G
update per batch) trained with ``fit`` on each Keras backend: the one
adversarial core, run by Keras's TensorFlow, JAX and PyTorch trainers.

The input is one fixed batch of random images in [-1, 1] served by a
``keras.utils.PyDataset`` (the same input path on every backend), so only the
training step and Keras's per-step overhead are measured.

``--jit`` chooses compilation: ``auto`` (default) is each backend's Keras
default (``jit_compile="auto"``: XLA on JAX, none on TensorFlow's CPU and on
PyTorch), ``on`` forces ``jit_compile=True`` (XLA on TensorFlow and JAX,
``torch.compile`` on PyTorch), ``off`` runs TensorFlow as a ``tf.function``
without XLA, JAX op by op, PyTorch eagerly. The resolved setting is reported.

How
---
As ``dcgan_throughput.py`` (whose timing helpers this script reuses): every
backend runs in its own subprocess (Keras fixes its backend at import), once
per round, with the order rotated each round; each child builds and compiles
its model, trains ``--warmup`` untimed steps, then times ``--steps`` steps and
prints one ``BENCH_JSON`` line. The parent reports the median images/s per
backend, its ratio to TensorFlow's, the median step time, the warm-up time
(tracing and compilation), the CPU cores the child kept busy while timing and
its peak resident memory. Threads: TensorFlow's intra/inter-op pools and
``torch.set_num_threads`` use ``--threads``; XLA on CPU (JAX) uses its own pool.

This script only measures; it checks no timing thresholds.

Run (from the repository root)::

    python bench/backend_throughput.py                             # 64x64, ~5 min on 2 cores
    python bench/backend_throughput.py --image-size 32 --steps 5 --rounds 2
    python bench/backend_throughput.py --backends jax,torch --jit on --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dcgan_throughput import (  # noqa: E402  (the shared measurement helpers)
    report_versions_and_save,
    run_rounds,
    summarize_runs,
    BETA_1,
    CHANNELS,
    JSON_TAG,
    LR,
    NZ,
    _median,
    _peak_rss_mib,
    timed_fit,
)

BACKENDS = ("tensorflow", "jax", "torch")
BACKEND_MODULES = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}


# ----------------------------------------------------------------- children
def _child_main(args):
    backend = os.environ["KERAS_BACKEND"]
    import keras
    import numpy as np

    import kerasgan

    if keras.backend.backend() != backend:
        raise RuntimeError(f"Expected the {backend} backend; Keras runs {keras.backend.backend()}.")
    versions = {"keras": keras.__version__}
    if backend == "tensorflow":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
        versions["tensorflow"] = tf.__version__
    elif backend == "torch":
        import torch

        torch.set_num_threads(args.threads)
        versions["torch"] = torch.__version__
    else:
        import jax

        versions["jax"] = jax.__version__
    keras.utils.set_random_seed(0)

    model = kerasgan.models.DCGAN(image_size=args.image_size, latent_dim=NZ,
                                  generator_width=args.width, discriminator_width=args.width,
                                  seed=0)
    jit = {"auto": "auto", "on": True, "off": False}[args.jit]
    model.compile(g_optimizer=keras.optimizers.Adam(LR, beta_1=BETA_1),
                  d_optimizer=keras.optimizers.Adam(LR, beta_1=BETA_1),
                  loss="non_saturating", jit_compile=jit)

    images = np.random.default_rng(0).uniform(
        -1, 1, (args.batch_size, args.image_size, args.image_size, CHANNELS)).astype("float32")

    class SameBatch(keras.utils.PyDataset):
        def __len__(self):
            return max(args.warmup, args.steps)

        def __getitem__(self, index):
            return images

    warmup_s, times, total, cpu_s, last_logs = timed_fit(
        keras, model, SameBatch(), args.warmup, args.steps)
    return {
        "backend": backend,
        "jit_compile": bool(model.jit_compile),
        "images_per_s": args.steps * args.batch_size / total,
        "cpu_util": cpu_s / total,
        "loadavg_1min": os.getloadavg()[0],
        "step_s_median": _median(times),
        "warmup_s": warmup_s,
        "peak_rss_mib": _peak_rss_mib(),
        "losses": last_logs,
        "versions": versions,
    }


# ------------------------------------------------------------------- parent
def _installed(backend):
    import importlib.util

    if importlib.util.find_spec(BACKEND_MODULES[backend]) is None:
        return f"pip install {BACKEND_MODULES[backend]}"
    return None


def _run_child(args, backend):
    cmd = [sys.executable, os.path.abspath(__file__), "--child",
           "--steps", str(args.steps), "--warmup", str(args.warmup),
           "--batch-size", str(args.batch_size), "--image-size", str(args.image_size),
           "--width", str(args.width), "--jit", args.jit, "--threads", str(args.threads)]
    env = dict(os.environ, KERAS_BACKEND=backend)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env,
                          timeout=args.child_timeout)
    for line in proc.stdout.splitlines():
        if line.startswith(JSON_TAG):
            return json.loads(line[len(JSON_TAG):])
    tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-30:])
    raise RuntimeError(f"{backend} child failed (exit {proc.returncode}):\n{tail}")


def _parent_main(args):
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = [b for b in backends if b not in BACKENDS]
    if unknown:
        raise SystemExit(f"Unknown --backends {unknown}; choose from {BACKENDS}.")
    for backend in list(backends):
        why = _installed(backend)
        if why:
            print(f"Skipping {backend}: not installed ({why} to include it).")
            backends.remove(backend)
    if not backends:
        raise SystemExit("No backend to run.")

    print(f"kerasgan DCGAN {args.image_size}x{args.image_size}, width {args.width}, "
          f"batch {args.batch_size}, jit {args.jit}, threads {args.threads}, "
          f"{args.rounds} rounds x {args.steps} timed steps (+{args.warmup} warm-up)",
          flush=True)
    results = run_rounds(args, backends, _run_child, lambda backend, res: (
        f"{backend:10s} {res['images_per_s']:8.1f} img/s  "
        f"step {res['step_s_median'] * 1e3:6.0f} ms  warm-up {res['warmup_s']:5.1f} s  "
        f"CPU {res['cpu_util']:4.2f} cores  load {res['loadavg_1min']:4.2f}"))
    summary = summarize_runs(results, keep=("jit_compile", "versions"))
    base = summary.get("tensorflow", {}).get("images_per_s_median")
    print()
    header = (f"{'backend':10s} {'jit':>5s} {'img/s (median)':>14s} {'min':>7s} {'max':>7s} "
              f"{'vs TF':>6s} {'step ms':>8s} {'warm-up s':>9s} {'peak RSS MiB':>12s} "
              f"{'CPU cores':>9s}")
    print(header)
    print("-" * len(header))
    ratios = {}
    for backend, s in summary.items():
        ratio = s["images_per_s_median"] / base if base else float("nan")
        ratios[f"{backend}/tensorflow"] = ratio
        print(f"{backend:10s} {str(s['jit_compile']):>5s} {s['images_per_s_median']:14.1f} "
              f"{min(s['images_per_s_all']):7.1f} {max(s['images_per_s_all']):7.1f} "
              f"{ratio:6.2f} {s['step_ms_median']:8.0f} {s['warmup_s_median']:9.1f} "
              f"{s['peak_rss_mib_max']:12.0f} {s['cpu_util_median']:9.2f}")
    print("(vs TF: throughput ratio to the TensorFlow backend; CPU cores: process CPU "
          "time / wall time while timing, low values flag other load on the machine)")
    report_versions_and_save(args, summary, ratios, results)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--backends", default=",".join(BACKENDS),
                        help=f"comma-separated subset of {','.join(BACKENDS)}")
    parser.add_argument("--steps", type=int, default=8, help="timed steps per run")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps per run")
    parser.add_argument("--rounds", type=int, default=3,
                        help="runs of each backend, interleaved")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--image-size", type=int, default=64,
                        choices=(16, 32, 64, 128, 256))
    parser.add_argument("--width", type=int, default=64,
                        help="generator and discriminator width (ngf = ndf)")
    parser.add_argument("--jit", default="auto", choices=("auto", "on", "off"),
                        help="jit_compile: each backend's default, forced on, or off")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                        help="TensorFlow intra/inter-op threads and torch.set_num_threads")
    parser.add_argument("--json", help="also write all results to this file")
    parser.add_argument("--child-timeout", type=float, default=1800.0,
                        help="seconds before a child run is killed")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if min(args.steps, args.rounds, args.batch_size, args.threads, args.warmup,
           args.width) < 1:
        parser.error("--steps, --warmup, --rounds, --batch-size, --width and --threads "
                     "must be >= 1")
    if args.child:
        print(JSON_TAG + json.dumps(_child_main(args)), flush=True)
    else:
        _parent_main(args)


if __name__ == "__main__":
    main()
