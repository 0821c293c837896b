"""DCGAN 64x64 training throughput on CPU: kerasgan vs plain Keras vs PyTorch.

What is measured
----------------
Training throughput, in real images per second, of the DCGAN of
pytorch/examples (nz=100, ngf=ndf=64, 64x64x3 images, batch 64,
Adam(2e-4, beta_1=0.5), non-saturating binary cross-entropy, one D update then
one G update per batch) in three implementations of the same architecture:

``kerasgan``
    ``kerasgan.models.DCGAN(image_size=64, latent_dim=100,
    generator_width=64, discriminator_width=64)`` compiled with
    ``loss="non_saturating"`` and trained with ``fit``.
``keras``
    The same networks (``kerasgan.networks.dcgan_generator`` /
    ``dcgan_discriminator`` with ``sync_batchnorm=False``, i.e. a plain
    ``keras.layers.BatchNormalization``) trained with ``fit`` by a minimal
    ``keras.Model`` subclass whose ``train_step`` is written out with
    ``tf.GradientTape``, in the style of the keras.io DCGAN example. It does
    the same work per step as kerasgan: fakes generated outside D's tape, D on
    the real and the fake batch separately, then G on fresh latents.
``torch``
    The pytorch/examples DCGAN loop (ConvTranspose2d/BatchNorm/ReLU/Tanh
    generator; Conv2d/LeakyReLU/BatchNorm discriminator; BCEWithLogitsLoss,
    which is sigmoid + BCELoss fused) on CPU with ``torch.set_num_threads``
    set to the thread count TensorFlow uses. As in pytorch/examples, G's update
    reuses the fakes of D's step, so it runs one generator forward pass fewer
    per step than the Keras implementations; ``--torch-regenerate`` makes it
    draw fresh latents for G's update (the Keras implementations' work).
``kerasgan-nosync`` (diagnostic, not in the default set)
    kerasgan with ``DCGAN(..., sync_batchnorm=False)``.

Inputs are random tensors in [-1, 1] (one batch repeated by ``tf.data``; a
fixed batch for PyTorch), so input loading costs nothing and only the training
step is measured.

How
---
The parent process runs every implementation in its own subprocess, once per
round, rotating the order each round so that no implementation always runs
first or last. Each child builds and compiles its model, trains ``--warmup``
steps (tracing / compilation, allocator warm-up), then times ``--steps``
steps: for Keras from the start of the first timed batch to the end of the
last, syncing on the step's logs after each batch; for PyTorch with a plain
loop. The child prints one ``BENCH_JSON {...}`` line that the parent parses.
The parent reports the median images/s over rounds per implementation, the
ratios kerasgan/keras and kerasgan/torch, the median time per step, the
warm-up time (includes tracing and XLA compilation), the CPU cores the child
kept busy while timing (CPU time / wall time; low values flag other load on the
machine) and the peak resident set size of the child (``resource.getrusage(RUSAGE_SELF).ru_maxrss``: the process
maximum over its whole life, building and warm-up included).

Precision: ``--precision mixed_bfloat16`` sets the Keras global dtype policy
(both Keras implementations) and wraps the PyTorch forward passes and losses in
``torch.autocast("cpu", dtype=torch.bfloat16)``. ``--jit`` compiles the Keras
train steps with XLA (``jit_compile=True``); it does not affect PyTorch.

PyTorch is optional: when ``import torch`` fails the ``torch`` implementation
is skipped with a message.

This script only measures; it checks no timing thresholds.

Run (from the repository root)::

    python bench/dcgan_throughput.py                      # fp32, defaults
    python bench/dcgan_throughput.py --precision mixed_bfloat16
    python bench/dcgan_throughput.py --jit --impls kerasgan,keras
    python bench/dcgan_throughput.py --steps 20 --warmup 3 --rounds 5 --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

IMPLS = ("kerasgan", "keras", "torch", "kerasgan-nosync")
DEFAULT_IMPLS = ("kerasgan", "keras", "torch")
NZ = 100
NGF = 64
NDF = 64
CHANNELS = 3
LR = 2e-4
BETA_1 = 0.5
JSON_TAG = "BENCH_JSON "


# ----------------------------------------------------------------- children
def _cpu_seconds():
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_rss_mib():
    import resource

    # Linux reports kilobytes, macOS bytes.
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024.0 * 1024.0) if sys.platform == "darwin" else rss / 1024.0


def timed_fit(keras, model, data, warmup: int, steps: int):
    """Trains `warmup` untimed steps, then times `steps` steps of `fit`.

    Each batch is timed from its start to the end of its step, synchronising
    on the step's logs (converting a logged value to Python waits for it, also
    under JAX's asynchronous dispatch).

    Args:
        keras: The `keras` module.
        model: A compiled Keras model.
        data: What `fit` takes (a repeating dataset or a `PyDataset` of at
            least `max(warmup, steps)` batches).
        warmup: Untimed steps (tracing, compilation, allocator warm-up).
        steps: Timed steps.

    Returns:
        `(warmup_s, step_times, total_s, cpu_s, last_logs)`.
    """

    class StepTimer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.start = None
            self.ends = []
            self.last_logs = None

        def on_train_batch_begin(self, batch, logs=None):
            if self.start is None:
                self.start = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            # Converting a logged value to Python waits for the step.
            self.last_logs = {k: float(v) for k, v in (logs or {}).items()}
            self.ends.append(time.perf_counter())

    t0 = time.perf_counter()
    model.fit(data, steps_per_epoch=warmup, epochs=1, verbose=0, callbacks=[StepTimer()])
    warmup_s = time.perf_counter() - t0

    timer = StepTimer()
    cpu0 = _cpu_seconds()
    model.fit(data, steps_per_epoch=steps, epochs=1, verbose=0, callbacks=[timer])
    cpu_s = _cpu_seconds() - cpu0
    times = [timer.ends[0] - timer.start] + [
        b - a for a, b in zip(timer.ends, timer.ends[1:])
    ]
    total = timer.ends[-1] - timer.start
    return warmup_s, times, total, cpu_s, timer.last_logs


def _configure_tf(args):
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    import keras

    keras.mixed_precision.set_global_policy(args.precision)
    keras.utils.set_random_seed(0)
    return tf, keras


def _random_dataset(tf, args):
    images = tf.random.uniform(
        (args.batch_size, args.image_size, args.image_size, CHANNELS),
        minval=-1.0, maxval=1.0, seed=0,
    )
    return tf.data.Dataset.from_tensors(images).repeat().prefetch(2)


def _plain_keras_gan(keras, tf, generator, discriminator):
    """A minimal keras.io-style GAN with a hand-written train_step."""

    class PlainGAN(keras.Model):
        def __init__(self, generator, discriminator, latent_dim):
            super().__init__()
            self.generator = generator
            self.discriminator = discriminator
            self.latent_dim = latent_dim
            self.seed_generator = keras.random.SeedGenerator(1337)
            self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
            self.g_loss_tracker = keras.metrics.Mean(name="g_loss")

        def compile(self, d_optimizer, g_optimizer, **kwargs):
            super().compile(**kwargs)
            self.d_optimizer = d_optimizer
            self.g_optimizer = g_optimizer

        @property
        def metrics(self):
            return [self.d_loss_tracker, self.g_loss_tracker]

        @staticmethod
        def _bce(labels, logits):
            logits = tf.cast(logits, tf.float32)
            return tf.reduce_mean(
                tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)
            )

        def train_step(self, real):
            batch = tf.shape(real)[0]
            # Discriminator: fakes generated outside the tape, real and fake
            # batches through D separately (as pytorch/examples and kerasgan).
            z = keras.random.normal((batch, self.latent_dim), seed=self.seed_generator)
            fake = tf.stop_gradient(self.generator(z, training=True))
            with tf.GradientTape() as tape:
                real_logits = self.discriminator(real, training=True)
                fake_logits = self.discriminator(fake, training=True)
                d_loss = (self._bce(tf.ones_like(real_logits), real_logits)
                          + self._bce(tf.zeros_like(fake_logits), fake_logits))
            d_vars = self.discriminator.trainable_variables
            self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, d_vars), d_vars))
            # Generator: fresh latents, non-saturating loss.
            z = keras.random.normal((batch, self.latent_dim), seed=self.seed_generator)
            with tf.GradientTape() as tape:
                logits = self.discriminator(self.generator(z, training=True), training=True)
                g_loss = self._bce(tf.ones_like(logits), logits)
            g_vars = self.generator.trainable_variables
            self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, g_vars), g_vars))
            self.d_loss_tracker.update_state(d_loss)
            self.g_loss_tracker.update_state(g_loss)
            return {"d_loss": self.d_loss_tracker.result(),
                    "g_loss": self.g_loss_tracker.result()}

    return PlainGAN(generator, discriminator, NZ)


def _run_keras_child(args):
    tf, keras = _configure_tf(args)

    def adam():
        return keras.optimizers.Adam(learning_rate=LR, beta_1=BETA_1)

    if args.child in ("kerasgan", "kerasgan-nosync"):
        import kerasgan

        model = kerasgan.models.DCGAN(
            image_size=args.image_size, latent_dim=NZ,
            generator_width=NGF, discriminator_width=NDF,
            sync_batchnorm=args.child == "kerasgan", seed=0,
        )
        model.compile(g_optimizer=adam(), d_optimizer=adam(),
                      loss="non_saturating", jit_compile=args.jit)
    else:
        from kerasgan.networks import dcgan_discriminator, dcgan_generator

        generator = dcgan_generator(args.image_size, NZ, NGF, CHANNELS,
                                    sync_batchnorm=False)
        discriminator = dcgan_discriminator(args.image_size, NDF, CHANNELS,
                                            sync_batchnorm=False)
        model = _plain_keras_gan(keras, tf, generator, discriminator)
        model.compile(d_optimizer=adam(), g_optimizer=adam(), jit_compile=args.jit)

    dataset = _random_dataset(tf, args)
    warmup_s, times, total, cpu_s, last_logs = timed_fit(
        keras, model, dataset, args.warmup, args.steps)
    return {
        "impl": args.child,
        "images_per_s": args.steps * args.batch_size / total,
        "cpu_util": cpu_s / total,
        "loadavg_1min": os.getloadavg()[0],
        "step_s_median": statistics.median(times),
        "warmup_s": warmup_s,
        "peak_rss_mib": _peak_rss_mib(),
        "threads": args.threads,
        "losses": last_logs,
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__},
    }


def _run_torch_child(args):
    import torch
    from torch import nn

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    stages = {16: 2, 32: 3, 64: 4, 128: 5, 256: 6}[args.image_size]

    def generator():
        mult = 2 ** (stages - 1)
        layers = [nn.ConvTranspose2d(NZ, NGF * mult, 4, 1, 0, bias=False),
                  nn.BatchNorm2d(NGF * mult), nn.ReLU(True)]
        for _ in range(stages - 1):
            layers += [nn.ConvTranspose2d(NGF * mult, NGF * mult // 2, 4, 2, 1, bias=False),
                       nn.BatchNorm2d(NGF * mult // 2), nn.ReLU(True)]
            mult //= 2
        layers += [nn.ConvTranspose2d(NGF, CHANNELS, 4, 2, 1, bias=False), nn.Tanh()]
        return nn.Sequential(*layers)

    def discriminator():
        layers = [nn.Conv2d(CHANNELS, NDF, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
        mult = 1
        for _ in range(stages - 1):
            layers += [nn.Conv2d(NDF * mult, NDF * mult * 2, 4, 2, 1, bias=False),
                       nn.BatchNorm2d(NDF * mult * 2), nn.LeakyReLU(0.2, True)]
            mult *= 2
        # Logits: BCEWithLogitsLoss applies the sigmoid of pytorch/examples.
        layers += [nn.Conv2d(NDF * mult, 1, 4, 1, 0, bias=False)]
        return nn.Sequential(*layers)

    def weights_init(m):  # pytorch/examples
        name = m.__class__.__name__
        if name.find("Conv") != -1:
            nn.init.normal_(m.weight.data, 0.0, 0.02)
        elif name.find("BatchNorm") != -1:
            nn.init.normal_(m.weight.data, 1.0, 0.02)
            nn.init.constant_(m.bias.data, 0)

    net_g, net_d = generator(), discriminator()
    net_g.apply(weights_init)
    net_d.apply(weights_init)
    criterion = nn.BCEWithLogitsLoss()
    opt_d = torch.optim.Adam(net_d.parameters(), lr=LR, betas=(BETA_1, 0.999))
    opt_g = torch.optim.Adam(net_g.parameters(), lr=LR, betas=(BETA_1, 0.999))
    real = torch.rand(args.batch_size, CHANNELS, args.image_size, args.image_size) * 2 - 1
    ones = torch.ones(args.batch_size)
    zeros = torch.zeros(args.batch_size)
    bf16 = args.precision == "mixed_bfloat16"

    def autocast():
        return torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16)

    def step():
        # (1) Update D: maximize log(D(x)) + log(1 - D(G(z))).
        net_d.zero_grad()
        with autocast():
            err_d_real = criterion(net_d(real).view(-1), ones)
        err_d_real.backward()
        noise = torch.randn(args.batch_size, NZ, 1, 1)
        with autocast():
            fake = net_g(noise)
            err_d_fake = criterion(net_d(fake.detach()).view(-1), zeros)
        err_d_fake.backward()
        opt_d.step()
        # (2) Update G: maximize log(D(G(z))).
        net_g.zero_grad()
        with autocast():
            if args.torch_regenerate:
                fake = net_g(torch.randn(args.batch_size, NZ, 1, 1))
            err_g = criterion(net_d(fake).view(-1), ones)
        err_g.backward()
        opt_g.step()
        return err_d_real + err_d_fake, err_g

    t0 = time.perf_counter()
    for _ in range(args.warmup):
        step()
    warmup_s = time.perf_counter() - t0
    times = []
    cpu0 = _cpu_seconds()
    start = time.perf_counter()
    for _ in range(args.steps):
        t = time.perf_counter()
        err_d, err_g = step()
        times.append(time.perf_counter() - t)
    total = time.perf_counter() - start
    cpu_s = _cpu_seconds() - cpu0
    return {
        "impl": "torch",
        "images_per_s": args.steps * args.batch_size / total,
        "cpu_util": cpu_s / total,
        "loadavg_1min": os.getloadavg()[0],
        "step_s_median": statistics.median(times),
        "warmup_s": warmup_s,
        "peak_rss_mib": _peak_rss_mib(),
        "threads": torch.get_num_threads(),
        "losses": {"d_loss": float(err_d), "g_loss": float(err_g)},
        "versions": {"torch": torch.__version__},
    }


def _child_main(args):
    if args.child == "torch":
        result = _run_torch_child(args)
    else:
        result = _run_keras_child(args)
    print(JSON_TAG + json.dumps(result), flush=True)


# ------------------------------------------------------------------- parent
def _torch_available():
    try:
        import torch  # noqa: F401
    except Exception as exc:  # ImportError, or a broken install
        return False, f"{type(exc).__name__}: {exc}"
    return True, None


def _child_command(args, impl):
    cmd = [sys.executable, os.path.abspath(__file__), "--child", impl,
           "--steps", str(args.steps), "--warmup", str(args.warmup),
           "--batch-size", str(args.batch_size), "--image-size", str(args.image_size),
           "--precision", args.precision, "--threads", str(args.threads)]
    if args.jit:
        cmd.append("--jit")
    if args.torch_regenerate:
        cmd.append("--torch-regenerate")
    return cmd


def _run_child(args, impl):
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("KERAS_BACKEND", "tensorflow")
    proc = subprocess.run(_child_command(args, impl), capture_output=True, text=True,
                          env=env, timeout=args.child_timeout)
    for line in proc.stdout.splitlines():
        if line.startswith(JSON_TAG):
            return json.loads(line[len(JSON_TAG):])
    tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-30:])
    raise RuntimeError(f"{impl} child failed (exit {proc.returncode}):\n{tail}")


def _median(values):
    return statistics.median(values) if values else float("nan")


def run_rounds(args, names: list, run_child, describe) -> dict:
    """Runs `run_child(args, name)` for every name, `args.rounds` times.

    The order rotates each round so no name always runs first (or right after a
    given other); one line per run, `describe(name, result)`, is printed.
    """
    results = {name: [] for name in names}
    for r in range(args.rounds):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            res = run_child(args, name)
            results[name].append(res)
            print(f"  round {r + 1}/{args.rounds} {describe(name, res)}", flush=True)
    return results


def summarize_runs(results: dict, keep=("versions",)) -> dict:
    """Medians (throughput, step time, warm-up, CPU use) and peak RSS over the rounds.

    `keep`: keys copied from each name's first run.
    """
    summary = {}
    for name, runs in results.items():
        summary[name] = {
            "images_per_s_median": _median([x["images_per_s"] for x in runs]),
            "images_per_s_all": [x["images_per_s"] for x in runs],
            "step_ms_median": 1e3 * _median([x["step_s_median"] for x in runs]),
            "warmup_s_median": _median([x["warmup_s"] for x in runs]),
            "cpu_util_median": _median([x["cpu_util"] for x in runs]),
            "peak_rss_mib_max": max(x["peak_rss_mib"] for x in runs),
            **{key: runs[0][key] for key in keep},
        }
    return summary


def _parent_main(args):
    impls = [i.strip() for i in args.impls.split(",") if i.strip()]
    unknown = [i for i in impls if i not in IMPLS]
    if unknown:
        raise SystemExit(f"Unknown --impls {unknown}; choose from {IMPLS}.")
    if "torch" in impls:
        ok, why = _torch_available()
        if not ok:
            print(f"Skipping PyTorch: torch is not importable ({why}). "
                  "Install it with `pip install torch` to include it.")
            impls.remove("torch")
    if not impls:
        raise SystemExit("No implementation to run.")

    print(f"DCGAN {args.image_size}x{args.image_size}, batch {args.batch_size}, "
          f"precision {args.precision}, jit_compile={args.jit}, threads {args.threads}, "
          f"{args.rounds} rounds x {args.steps} timed steps (+{args.warmup} warm-up)"
          + (", torch regenerates fakes for G" if args.torch_regenerate else ""),
          flush=True)
    results = run_rounds(args, impls, _run_child, lambda impl, res: (
        f"{impl:16s} {res['images_per_s']:8.1f} img/s  "
        f"step {res['step_s_median'] * 1e3:7.0f} ms  "
        f"peak RSS {res['peak_rss_mib']:6.0f} MiB  "
        f"CPU {res['cpu_util']:4.2f} cores  load {res['loadavg_1min']:4.2f}"))
    summary = summarize_runs(results)

    print()
    header = (f"{'implementation':16s} {'img/s (median)':>14s} {'min':>7s} {'max':>7s} "
              f"{'step ms':>8s} {'warm-up s':>9s} {'peak RSS MiB':>12s} {'CPU cores':>9s}")
    print(header)
    print("-" * len(header))
    for impl, s in summary.items():
        print(f"{impl:16s} {s['images_per_s_median']:14.1f} "
              f"{min(s['images_per_s_all']):7.1f} {max(s['images_per_s_all']):7.1f} "
              f"{s['step_ms_median']:8.0f} {s['warmup_s_median']:9.1f} "
              f"{s['peak_rss_mib_max']:12.0f} {s['cpu_util_median']:9.2f}")
    print()
    ratios = {}
    if "kerasgan" in summary:
        base = summary["kerasgan"]["images_per_s_median"]
        for other in ("keras", "torch", "kerasgan-nosync"):
            if other in summary:
                ratios[f"kerasgan/{other}"] = base / summary[other]["images_per_s_median"]
                print(f"throughput ratio kerasgan/{other}: {ratios[f'kerasgan/{other}']:.3f}")
    print("(CPU cores: process CPU time / wall time while timing; below the "
          "thread count means idle threads or other load on the machine)")
    print("(peak RSS is ru_maxrss of each implementation's own process, its "
          "maximum over building, warm-up and timing; max over rounds)")
    report_versions_and_save(args, summary, ratios, results)


def report_versions_and_save(args, summary: dict, ratios: dict, results: list) -> None:
    """Prints the library versions of all runs; writes `--json` if given."""
    versions = {}
    for s in summary.values():
        versions.update(s["versions"])
    print("versions: " + ", ".join(f"{k} {v}" for k, v in sorted(versions.items())))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "summary": summary, "ratios": ratios,
                       "runs": results}, f, indent=2)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--steps", type=int, default=8, help="timed steps per run")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps per run")
    parser.add_argument("--rounds", type=int, default=3,
                        help="runs of each implementation, interleaved")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--image-size", type=int, default=64,
                        choices=(16, 32, 64, 128, 256))
    parser.add_argument("--precision", default="float32",
                        choices=("float32", "mixed_bfloat16"))
    parser.add_argument("--jit", action="store_true",
                        help="jit_compile=True (XLA) for the Keras implementations")
    parser.add_argument("--impls", default=",".join(DEFAULT_IMPLS),
                        help=f"comma-separated subset of {','.join(IMPLS)}")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                        help="intra/inter-op threads for TF and torch.set_num_threads "
                             "(default: all cores)")
    parser.add_argument("--torch-regenerate", action="store_true",
                        help="PyTorch draws fresh fakes for G's update, doing the "
                             "Keras implementations' work (one more G forward pass)")
    parser.add_argument("--json", help="also write all results to this file")
    parser.add_argument("--child-timeout", type=float, default=1800.0,
                        help="seconds before a child run is killed")
    parser.add_argument("--child", choices=IMPLS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if min(args.steps, args.rounds, args.batch_size, args.threads) < 1 or args.warmup < 1:
        parser.error("--steps, --warmup, --rounds, --batch-size and --threads must be >= 1")
    if args.child:
        _child_main(args)
    else:
        _parent_main(args)


if __name__ == "__main__":
    main()
