"""kerasgan on Keras-JAX against the same networks in PyTorch eager and torch.compile.

What is measured
----------------
Training throughput of kerasgan's models on the JAX Keras backend and of
PyTorch implementations of the same networks, written here from
``kerasgan/networks/*.py`` (the table prints both parameter counts, which must
match), on one device:

``dcgan-b64-fp32`` ... ``dcgan-b256-bf16``
    ``kerasgan.models.DCGAN`` at 64x64, width 64 (nz=100), batch 64 and 256,
    float32 and bfloat16 (Keras ``mixed_bfloat16`` vs
    ``torch.autocast(bfloat16)``), Adam(2e-4, beta_1=0.5), non-saturating
    loss. PyTorch runs the pytorch/examples DCGAN loop (``cudnn.benchmark``;
    G's update reuses D's fakes and also computes D's unused weight gradients,
    kerasgan draws fresh fakes and differentiates G's update only with respect
    to G: the same convolution work per step to within a few per cent).
``cyclegan-128``, ``cyclegan-256``
    ``kerasgan.models.CycleGAN`` at 128 px (ngf 64, 6 residual blocks) and
    256 px (ngf 64, 9 blocks), batch 1, PatchGAN ndf 64, LSGAN, cycle (10) and
    identity (0.5) losses, history pools of 50, one D step then one G step.
``srresnet-x4``
    ``kerasgan.models.SRResNet`` (16 blocks, width 64, x4) on 96 px HR / 24 px
    LR patches, batch 16, MSE, Adam(1e-4).

Implementations (``--impls``): ``kerasgan`` (``compile`` + ``fit`` on a
``keras.utils.PyDataset`` that serves one fixed host batch; Keras's JAX trainer
copies it to the device one batch ahead), ``torch`` (eager; the batch stays on
the device), ``torch-compile`` (the same, every network wrapped in
``torch.compile(dynamic=False)``, ``--torch-compile-mode``), and the diagnostic
``kerasgan-step`` (kerasgan's own ``train_step`` jit-compiled by JAX and called
in a plain loop on a device-resident batch: no ``fit`` loop, no input copy).
Every step synchronises on its losses (``float(...)``) in every
implementation, as a training loop that logs them does.

How
---
As ``dcgan_throughput.py`` and ``backend_throughput.py`` (whose rotating
rounds and summary this script reuses): each implementation of a row runs in
its own subprocess, once per round, the order rotated each round; a child
builds its model, trains ``--warmup`` untimed steps (tracing, XLA or Inductor
compilation, cuDNN autotuning), times ``--steps`` steps and prints one JSON
line. Rounds after the first reuse its compiled programs (JAX's persistent
compilation cache and Inductor's cache, in a fresh directory per invocation;
``--no-compile-cache``). The table gives the median images/s (and steps/s),
the ratios to PyTorch eager and to torch.compile, the median step time, the
warm-up time of the first round (a cold compilation), the peak device memory (JAX's
``memory_stats()['peak_bytes_in_use']``, ``torch.cuda.max_memory_allocated``;
on CPU the process's peak RSS) and the parameter count. A child that fails
is reported as failed; the others go on. The table is printed after each row,
so a run cut short keeps what it measured (``--json`` is rewritten after each
row, too).

Nothing here imports TensorFlow: kerasgan's children block it, as on the GPU
machine (and report whether anything imported it).
``--hlo-report`` prints, instead of timings, what kerasgan's compiled step of
each row holds (XLA's FLOP count beside PyTorch's ``FlopCounterMode`` count of
its step, and a census of the HLO operations), for profiling.

This script only measures; it checks no thresholds.

Run (from the repository root)::

    python bench/gpu_throughput.py --device gpu                    # every row
    python bench/gpu_throughput.py --rows dcgan-b256-fp32 --impls kerasgan,kerasgan-step,torch
    python bench/gpu_throughput.py --small --device cpu --steps 5 --rounds 3   # CPU, tiny sizes
    python bench/gpu_throughput.py --small --hlo-report --rows dcgan-b256-fp32
"""

from __future__ import annotations

import argparse
import importlib.abc
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dcgan_throughput import (  # noqa: E402  (the shared measurement helpers)
    JSON_TAG,
    _cpu_seconds,
    _median,
    _peak_rss_mib,
    run_rounds,
    summarize_runs,
    timed_fit,
)

NZ = 100
PRECISION_NAMES = {"float32": "fp32", "bfloat16": "bf16"}
IMPLS = ("kerasgan", "torch", "torch-compile", "kerasgan-step")
DEFAULT_IMPLS = ("kerasgan", "torch", "torch-compile")

# Each row: the full (GPU) configuration, and the tiny one of --small.
ROWS = {
    "dcgan-b64-fp32": dict(kind="dcgan", image=64, width=64, batch=64, precision="float32"),
    "dcgan-b64-bf16": dict(kind="dcgan", image=64, width=64, batch=64, precision="bfloat16"),
    "dcgan-b256-fp32": dict(kind="dcgan", image=64, width=64, batch=256, precision="float32"),
    "dcgan-b256-bf16": dict(kind="dcgan", image=64, width=64, batch=256, precision="bfloat16"),
    "cyclegan-128": dict(kind="cyclegan", image=128, width=64, blocks=6, ndf=64, batch=1,
                         precision="float32"),
    "cyclegan-256": dict(kind="cyclegan", image=256, width=64, blocks=9, ndf=64, batch=1,
                         precision="float32"),
    "srresnet-x4": dict(kind="srresnet", image=96, width=64, blocks=16, scale=4, batch=16,
                        precision="float32"),
}
SMALL = {
    "dcgan-b64-fp32": dict(image=32, width=16, batch=16),
    "dcgan-b64-bf16": dict(image=32, width=16, batch=16),
    "dcgan-b256-fp32": dict(image=32, width=16, batch=64),
    "dcgan-b256-bf16": dict(image=32, width=16, batch=64),
    "cyclegan-128": dict(image=32, width=8, blocks=2, ndf=8),
    "cyclegan-256": dict(image=64, width=8, blocks=3, ndf=8),
    "srresnet-x4": dict(image=32, width=16, blocks=4, batch=4),
}


def row_config(row: str, small: bool) -> dict:
    """The configuration of `row` (tiny sizes with `small`)."""
    cfg = dict(ROWS[row])
    if small:
        cfg.update(SMALL[row])
    return cfg


def describe_config(cfg: dict) -> str:
    if cfg["kind"] == "dcgan":
        return f"{cfg['image']}px w{cfg['width']}"
    if cfg["kind"] == "cyclegan":
        return f"{cfg['image']}px ngf{cfg['width']} {cfg['blocks']}blk"
    return f"x{cfg['scale']} {cfg['image']}px {cfg['blocks']}blk w{cfg['width']}"


class _NoTensorFlow(importlib.abc.MetaPathFinder):
    """Makes TensorFlow unimportable in a child, as on the GPU machine."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("tensorflow", "tensorflow_datasets", "tensorboard"):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked by "
                                      "gpu_throughput.py)", name=name)
        return None


# ------------------------------------------------------------ kerasgan child
def _keras_model(cfg):
    """kerasgan's model of a row, compiled, and one batch of host data."""
    import keras
    import numpy as np

    import kerasgan

    if cfg["precision"] == "bfloat16":
        keras.config.set_dtype_policy("mixed_bfloat16")
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)

    def images(n, size):
        return rng.uniform(-1, 1, (n, size, size, 3)).astype("float32")

    kind, b = cfg["kind"], cfg["batch"]
    if kind == "dcgan":
        model = kerasgan.models.DCGAN(image_size=cfg["image"], latent_dim=NZ,
                                      generator_width=cfg["width"],
                                      discriminator_width=cfg["width"], seed=0)
        model.compile(g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                      d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                      loss="non_saturating")
        params = model.generator_trainable_variables + model.discriminator_trainable_variables
        batch = images(b, cfg["image"])
    elif kind == "cyclegan":
        model = kerasgan.models.CycleGAN(image_size=cfg["image"], generator_width=cfg["width"],
                                         num_residual_blocks=cfg["blocks"],
                                         discriminator_width=cfg["ndf"], seed=0)
        model.compile(g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                      d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
        params = model.generator_trainable_variables + model.discriminator_trainable_variables
        batch = (images(b, cfg["image"]), images(b, cfg["image"]))
    else:
        model = kerasgan.models.SRResNet(scale=cfg["scale"], num_blocks=cfg["blocks"],
                                         width=cfg["width"])
        model.compile(optimizer=keras.optimizers.Adam(1e-4, beta_1=0.9), loss="mse")
        params = model.trainable_variables
        lr_size = cfg["image"] // cfg["scale"]
        batch = (images(b, lr_size), images(b, cfg["image"]))
    n_params = int(sum(int(np.prod(v.shape)) for v in params))
    return model, batch, n_params


def _jax_peak_device_mib(jax):
    stats = jax.local_devices()[0].memory_stats() or {}
    peak = stats.get("peak_bytes_in_use")
    return None if peak is None else peak / 2**20


def _step_loop(model, batch, warmup, steps):
    """kerasgan's train_step, jitted by JAX, on a device-resident batch."""
    import jax

    model._symbolic_build(data_batch=batch)  # what fit builds first (metrics, optimizer)
    state = model._get_jax_state(trainable_variables=True, non_trainable_variables=True,
                                 optimizer_variables=True, metrics_variables=True)
    step = jax.jit(model.train_step, donate_argnums=0)
    data = jax.device_put(batch)

    def run(n, times=None):
        nonlocal state
        for _ in range(n):
            t = time.perf_counter()
            logs, state = step(state, data)
            float(next(iter(logs.values())))  # sync, as timed_fit's logs do
            if times is not None:
                times.append(time.perf_counter() - t)

    t0 = time.perf_counter()
    run(warmup)
    warmup_s = time.perf_counter() - t0
    times = []
    cpu0 = _cpu_seconds()
    start = time.perf_counter()
    run(steps, times)
    total = time.perf_counter() - start
    return warmup_s, times, total, _cpu_seconds() - cpu0


FP32_MATH = {  # --fp32-math: (jax_default_matmul_precision, torch cuDNN TF32, torch matmuls)
    "default": (None, None, None),
    "tf32": ("tensorfloat32", True, "high"),
    "highest": ("highest", False, "highest"),
}


def _set_jax_fp32_math(jax, fp32_math):
    precision = FP32_MATH[fp32_math][0]
    if precision is not None:
        jax.config.update("jax_default_matmul_precision", precision)


def _kerasgan_child(args, cfg):
    import jax
    import keras

    _check_jax_platform(jax, args.device)
    _set_jax_fp32_math(jax, args.fp32_math)
    model, batch, n_params = _keras_model(cfg)
    if args.child == "kerasgan-step":
        warmup_s, times, total, cpu_s = _step_loop(model, batch, args.warmup, args.steps)
    else:
        class SameBatch(keras.utils.PyDataset):
            def __len__(self):
                return max(args.warmup, args.steps)

            def __getitem__(self, index):
                return batch

        warmup_s, times, total, cpu_s, _ = timed_fit(keras, model, SameBatch(),
                                                     args.warmup, args.steps)
    return _result(args, cfg, total, times, warmup_s, cpu_s, n_params,
                   _jax_peak_device_mib(jax),
                   {"keras": keras.__version__, "jax": jax.__version__,
                    "jax_backend": jax.default_backend()})


def _check_jax_platform(jax, device):
    platform = jax.default_backend()
    if device == "gpu" and platform not in ("gpu", "cuda", "rocm"):
        raise RuntimeError(f"--device gpu, but JAX runs on {platform!r}: install jax[cuda12] "
                           "or run with --device cpu.")


def _result(args, cfg, total, times, warmup_s, cpu_s, n_params, device_mib, versions):
    return {
        "impl": args.child,
        "row": args.row,
        "images_per_s": args.steps * cfg["batch"] / total,
        "steps_per_s": args.steps / total,
        "step_s_median": _median(times),
        "warmup_s": warmup_s,
        "cpu_util": cpu_s / total,
        "peak_rss_mib": _peak_rss_mib(),
        "peak_device_mib": device_mib,
        "params": n_params,
        "tensorflow_imported": "tensorflow" in sys.modules,
        "versions": versions,
    }


# --------------------------------------------------------------- torch nets
def _torch_nets(cfg):
    """PyTorch modules equal in layout and parameters to kerasgan's networks."""
    from torch import nn

    def norm_init(net):
        for m in net.modules():
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
                nn.init.normal_(m.weight, 0.0, 0.02)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.normal_(m.weight, 1.0, 0.02)
                nn.init.zeros_(m.bias)
        return net

    kind, w = cfg["kind"], cfg["width"]
    if kind == "dcgan":  # kerasgan/networks/dcgan.py (BatchNorm momentum 0.9)
        stages = {16: 2, 32: 3, 64: 4, 128: 5, 256: 6}[cfg["image"]]
        f = w * 2 ** (stages - 1)
        g = [nn.ConvTranspose2d(NZ, f, 4, 1, 0, bias=False), nn.BatchNorm2d(f, momentum=0.1),
             nn.ReLU(True)]
        for _ in range(stages - 1):
            g += [nn.ConvTranspose2d(f, f // 2, 4, 2, 1, bias=False),
                  nn.BatchNorm2d(f // 2, momentum=0.1), nn.ReLU(True)]
            f //= 2
        g += [nn.ConvTranspose2d(w, 3, 4, 2, 1, bias=False), nn.Tanh()]
        d = [nn.Conv2d(3, w, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
        f = w
        for _ in range(stages - 1):
            d += [nn.Conv2d(f, 2 * f, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * f, momentum=0.1),
                  nn.LeakyReLU(0.2, True)]
            f *= 2
        d += [nn.Conv2d(f, 1, 4, 1, 0, bias=False)]  # logits
        return {"g": norm_init(nn.Sequential(*g)), "d": norm_init(nn.Sequential(*d))}

    if kind == "cyclegan":  # kerasgan/networks/cyclegan.py ("transpose" upsampling)
        def inorm(c):  # GroupNormalization(groups=-1): per-channel scale and offset
            return nn.InstanceNorm2d(c, affine=True, eps=1e-5)

        class Residual(nn.Module):
            def __init__(self, c):
                super().__init__()
                self.body = nn.Sequential(
                    nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3, bias=False), inorm(c), nn.ReLU(True),
                    nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3, bias=False), inorm(c))

            def forward(self, x):
                return x + self.body(x)

        def generator():
            layers = [nn.ReflectionPad2d(3), nn.Conv2d(3, w, 7, bias=False), inorm(w), nn.ReLU(True)]
            f = w
            for _ in range(2):
                layers += [nn.Conv2d(f, 2 * f, 3, 2, 1, bias=False), inorm(2 * f), nn.ReLU(True)]
                f *= 2
            layers += [Residual(f) for _ in range(cfg["blocks"])]
            for _ in range(2):
                layers += [nn.ConvTranspose2d(f, f // 2, 3, 2, 1, output_padding=1, bias=False),
                           inorm(f // 2), nn.ReLU(True)]
                f //= 2
            layers += [nn.ReflectionPad2d(3), nn.Conv2d(w, 3, 7), nn.Tanh()]
            return norm_init(nn.Sequential(*layers))

        def patch_discriminator(ndf, num_layers=3):
            layers = [nn.Conv2d(3, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True)]
            prev = ndf
            for n in range(1, num_layers + 1):
                f = ndf * min(2 ** n, 8)
                layers += [nn.Conv2d(prev, f, 4, 2 if n < num_layers else 1, 1, bias=False),
                           inorm(f), nn.LeakyReLU(0.2, True)]
                prev = f
            layers += [nn.Conv2d(prev, 1, 4, 1, 1)]
            return norm_init(nn.Sequential(*layers))

        return {"g_ab": generator(), "g_ba": generator(),
                "d_a": patch_discriminator(cfg["ndf"]), "d_b": patch_discriminator(cfg["ndf"])}

    # kerasgan/networks/srgan.py: srresnet_generator (BatchNorm momentum 0.99)
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(
                nn.Conv2d(w, w, 3, padding=1), nn.BatchNorm2d(w, momentum=0.01),
                nn.PReLU(w, 0.25), nn.Conv2d(w, w, 3, padding=1), nn.BatchNorm2d(w, momentum=0.01))

        def forward(self, x):
            return x + self.body(x)

    class SRResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.head = nn.Sequential(nn.Conv2d(3, w, 9, padding=4), nn.PReLU(w, 0.25))
            self.trunk = nn.Sequential(*[Block() for _ in range(cfg["blocks"])],
                                       nn.Conv2d(w, w, 3, padding=1),
                                       nn.BatchNorm2d(w, momentum=0.01))
            up = []
            for _ in range({2: 1, 4: 2, 8: 3}[cfg["scale"]]):
                up += [nn.Conv2d(w, 4 * w, 3, padding=1), nn.PixelShuffle(2), nn.PReLU(w, 0.25)]
            self.tail = nn.Sequential(*up, nn.Conv2d(w, 3, 9, padding=4), nn.Tanh())

        def forward(self, x):
            skip = self.head(x)
            return self.tail(self.trunk(skip) + skip)

    return {"g": SRResNet()}


class _TorchPool:
    """The CycleGAN history pool of the reference implementation (50 images)."""

    def __init__(self, torch, size=50):
        self.torch, self.size, self.images = torch, size, []

    def query(self, images):
        torch, out = self.torch, []
        for image in images:
            image = image.unsqueeze(0)
            if len(self.images) < self.size:
                self.images.append(image)
                out.append(image)
            elif torch.rand(()).item() > 0.5:
                i = int(torch.randint(0, self.size, ()).item())
                out.append(self.images[i].clone())
                self.images[i] = image
            else:
                out.append(image)
        return torch.cat(out, 0)


def _torch_step(torch, nets, call, cfg, device):
    """The training step of a row (a closure returning its loss tensors)."""
    import torch.nn.functional as F

    bf16 = cfg["precision"] == "bfloat16"

    def autocast():
        return torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=bf16)

    def rand_images(n, size):
        return torch.rand(n, 3, size, size, device=device) * 2 - 1

    def adam(modules, lr, beta_1):
        params = [p for m in modules for p in m.parameters()]
        return torch.optim.Adam(params, lr=lr, betas=(beta_1, 0.999))

    kind, b = cfg["kind"], cfg["batch"]
    if kind == "dcgan":  # the pytorch/examples loop
        g, d = nets["g"], nets["d"]
        opt_d, opt_g = adam([d], 2e-4, 0.5), adam([g], 2e-4, 0.5)
        real = rand_images(b, cfg["image"])
        ones = torch.ones(b, device=device)
        zeros = torch.zeros(b, device=device)
        bce = torch.nn.BCEWithLogitsLoss()

        def step():
            d.zero_grad()
            with autocast():
                err_real = bce(call("d", real).view(-1).float(), ones)
            err_real.backward()
            with autocast():
                fake = call("g", torch.randn(b, NZ, 1, 1, device=device))
                err_fake = bce(call("d", fake.detach()).view(-1).float(), zeros)
            err_fake.backward()
            opt_d.step()
            g.zero_grad()
            with autocast():
                err_g = bce(call("d", fake).view(-1).float(), ones)
            err_g.backward()
            opt_g.step()
            return err_real + err_fake, err_g

        return step

    if kind == "cyclegan":  # kerasgan's order: D step, then G step
        opt_d = adam([nets["d_a"], nets["d_b"]], 2e-4, 0.5)
        opt_g = adam([nets["g_ab"], nets["g_ba"]], 2e-4, 0.5)
        g_params = [p for k in ("g_ab", "g_ba") for p in nets[k].parameters()]
        real_a, real_b = rand_images(b, cfg["image"]), rand_images(b, cfg["image"])
        pool_a, pool_b = _TorchPool(torch), _TorchPool(torch)

        def lsgan(out, target):
            return F.mse_loss(out.float(), torch.full_like(out.float(), target))

        def l1(x, y):
            return F.l1_loss(x.float(), y.float())

        def step():
            with torch.no_grad(), autocast():
                fake_b = call("g_ab", real_a)
                fake_a = call("g_ba", real_b)
            fake_a, fake_b = pool_a.query(fake_a), pool_b.query(fake_b)
            opt_d.zero_grad(set_to_none=True)
            with autocast():
                loss_d = 0.5 * (lsgan(call("d_a", real_a), 1.0) + lsgan(call("d_a", fake_a), 0.0)
                                + lsgan(call("d_b", real_b), 1.0) + lsgan(call("d_b", fake_b), 0.0))
            loss_d.backward()
            opt_d.step()
            opt_g.zero_grad(set_to_none=True)
            with autocast():
                fake_b = call("g_ab", real_a)
                fake_a = call("g_ba", real_b)
                adversarial = lsgan(call("d_b", fake_b), 1.0) + lsgan(call("d_a", fake_a), 1.0)
                cycle = l1(call("g_ba", fake_b), real_a) + l1(call("g_ab", fake_a), real_b)
                identity = l1(call("g_ab", real_b), real_b) + l1(call("g_ba", real_a), real_a)
                loss_g = adversarial + 10.0 * cycle + 5.0 * identity
            loss_g.backward(inputs=g_params)  # no gradients for D's weights
            opt_g.step()
            return loss_d, loss_g

        return step

    g = nets["g"]
    opt = adam([g], 1e-4, 0.9)
    hr = rand_images(b, cfg["image"])
    lr = rand_images(b, cfg["image"] // cfg["scale"])

    def step():
        opt.zero_grad(set_to_none=True)
        with autocast():
            loss = F.mse_loss(call("g", lr).float(), hr)
        loss.backward()
        opt.step()
        return (loss,)

    return step


def _torch_setup(args, cfg):
    import torch

    device = "cuda" if args.device == "gpu" else "cpu"
    if device == "cuda":
        if not torch.cuda.is_available():
            raise RuntimeError("--device gpu, but torch.cuda.is_available() is False.")
        torch.backends.cudnn.benchmark = True  # as pytorch/examples' DCGAN
        _, conv_tf32, matmul = FP32_MATH[args.fp32_math]
        if conv_tf32 is not None:
            torch.backends.cudnn.allow_tf32 = conv_tf32
            torch.set_float32_matmul_precision(matmul)
    else:
        torch.set_num_threads(args.threads or os.cpu_count() or 1)
    torch.manual_seed(0)
    nets = {k: v.to(device).train() for k, v in _torch_nets(cfg).items()}
    n_params = sum(p.numel() for net in nets.values() for p in net.parameters())
    return torch, device, nets, n_params


def _torch_child(args, cfg):
    torch, device, nets, n_params = _torch_setup(args, cfg)
    runners = dict(nets)
    if args.child == "torch-compile":
        # Static shapes (the batch never changes): dynamo's automatic dynamic
        # shapes recompile D for its third call of a step and, on PyTorch
        # 2.13's CPU, fail there ("Cannot convert expression to float").
        runners = {k: torch.compile(v, mode=args.torch_compile_mode, dynamic=False)
                   for k, v in nets.items()}
    step = _torch_step(torch, nets, lambda k, x: runners[k](x), cfg, device)

    def sync(losses):
        for loss in losses:
            float(loss)  # .item(): waits for the step, as pytorch/examples' logging

    t0 = time.perf_counter()
    for _ in range(args.warmup):
        sync(step())
    warmup_s = time.perf_counter() - t0
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    times = []
    cpu0 = _cpu_seconds()
    start = time.perf_counter()
    for _ in range(args.steps):
        t = time.perf_counter()
        sync(step())
        times.append(time.perf_counter() - t)
    total = time.perf_counter() - start
    cpu_s = _cpu_seconds() - cpu0
    device_mib = torch.cuda.max_memory_allocated() / 2**20 if device == "cuda" else None
    return _result(args, cfg, total, times, warmup_s, cpu_s, n_params, device_mib,
                   {"torch": torch.__version__})


# ------------------------------------------------------------- HLO report
_HLO_OPS = ("convolution", "dot", "transpose", "copy", "convert", "reduce", "reduce-window",
            "select-and-scatter", "rng-bit-generator", "custom-call", "all-reduce", "while",
            "dynamic-update-slice", "fusion")


def _hlo_census(text: str) -> dict:
    import re

    counts = {}
    for op in _HLO_OPS:
        counts[op] = len(re.findall(r"[\s)}\]] " + re.escape(op) + r"\(", text))
    return counts


def _hlo_child(args, cfg):
    """Compiles kerasgan's train step of a row; FLOPs and an HLO census."""
    import jax

    _set_jax_fp32_math(jax, args.fp32_math)
    model, batch, n_params = _keras_model(cfg)
    model._symbolic_build(data_batch=batch)
    state = model._get_jax_state(trainable_variables=True, non_trainable_variables=True,
                                 optimizer_variables=True, metrics_variables=True)
    t0 = time.perf_counter()
    lowered = jax.jit(model.train_step, donate_argnums=0).lower(state, jax.device_put(batch))
    trace_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    compiled = lowered.compile()
    compile_s = time.perf_counter() - t0
    cost = compiled.cost_analysis()
    cost = cost[0] if isinstance(cost, (list, tuple)) else cost
    before = lowered.as_text(dialect="hlo")
    after = compiled.as_text()
    if args.hlo_dir:
        os.makedirs(args.hlo_dir, exist_ok=True)
        for name, text in (("before", before), ("after", after)):
            with open(os.path.join(args.hlo_dir, f"{args.row}.{name}.hlo.txt"), "w") as f:
                f.write(text)
    return {"impl": "kerasgan-hlo", "row": args.row, "params": n_params,
            "flops": float(cost.get("flops", float("nan"))),
            "bytes_accessed": float(cost.get("bytes accessed", float("nan"))),
            "trace_s": trace_s, "compile_s": compile_s,
            "census_before": _hlo_census(before), "census_after": _hlo_census(after),
            "jax_backend": jax.default_backend()}


def _torch_flops_child(args, cfg):
    from torch.utils.flop_counter import FlopCounterMode

    torch, device, nets, n_params = _torch_setup(args, cfg)
    step = _torch_step(torch, nets, lambda k, x: nets[k](x), cfg, device)
    step()  # the first step fills CycleGAN's pools (as every later one does)
    with FlopCounterMode(display=False) as counter:
        step()
    return {"impl": "torch-flops", "row": args.row, "params": n_params,
            "flops": float(counter.get_total_flops())}


# ------------------------------------------------------------------- parent
def _child_env(args, impl):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    if args.cache_dir:  # compiled programs, shared by the rounds of this invocation
        env["JAX_COMPILATION_CACHE_DIR"] = os.path.join(args.cache_dir, "jax")
        env["TORCHINDUCTOR_CACHE_DIR"] = os.path.join(args.cache_dir, "inductor")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
    if impl.startswith("kerasgan"):
        env["KERAS_BACKEND"] = "jax"
        env.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
        if args.xla_flags:
            env["XLA_FLAGS"] = " ".join(filter(None, [env.get("XLA_FLAGS"), args.xla_flags]))
        if args.device == "cpu":
            env["JAX_PLATFORMS"] = "cpu"
            if args.threads == 1:  # XLA's CPU runtime on one thread
                env["XLA_FLAGS"] = " ".join(filter(None, [
                    env.get("XLA_FLAGS"),
                    "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"]))
    return env


def _run_child(args, row, impl):
    cmd = [sys.executable, os.path.abspath(__file__), "--child", impl, "--row", row,
           "--steps", str(args.steps), "--warmup", str(args.warmup), "--device", args.device,
           "--torch-compile-mode", args.torch_compile_mode, "--threads", str(args.threads),
           "--fp32-math", args.fp32_math]
    if args.small:
        cmd.append("--small")
    if args.hlo_dir:
        cmd += ["--hlo-dir", args.hlo_dir]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=_child_env(args, impl),
                              timeout=args.child_timeout)
    except subprocess.TimeoutExpired:
        return {"impl": impl, "row": row, "error": f"timed out after {args.child_timeout:.0f} s"}
    for line in proc.stdout.splitlines():
        if line.startswith(JSON_TAG):
            return json.loads(line[len(JSON_TAG):])
    tail = [l for l in (proc.stdout + proc.stderr).splitlines() if l.strip()][-12:]
    return {"impl": impl, "row": row,
            "error": f"exit {proc.returncode}: " + " | ".join(tail)[-1500:]}


def _resolve_device(device):
    if device != "auto":
        return device
    return "gpu" if os.path.exists("/dev/nvidia0") or os.path.exists("/dev/nvidiactl") else "cpu"


def _fmt(value, spec, missing="-"):
    return missing if value is None else format(value, spec)


HEADER = (f"{'row':16s} {'impl':14s} {'config':22s} {'batch':>5s} {'prec':>5s} "
          f"{'params':>10s} {'img/s':>9s} {'steps/s':>8s} {'x eager':>7s} {'x compile':>9s} "
          f"{'step ms':>8s} {'warm-up s':>9s} {'peak MiB':>10s} {'CPU':>5s}")


def _row_lines(args, row, summary, errors) -> list[str]:
    cfg = row_config(row, args.small)
    eager = summary.get("torch", {}).get("images_per_s_median")
    compiled = summary.get("torch-compile", {}).get("images_per_s_median")
    lines = []
    for impl, s in summary.items():
        ips = s["images_per_s_median"]
        mem = s["peak_device_mib_max"]
        mem_txt = f"{mem:.0f} dev" if mem is not None else f"{s['peak_rss_mib_max']:.0f} rss"
        lines.append(
            f"{row:16s} {impl:14s} {describe_config(cfg):22s} {cfg['batch']:5d} "
            f"{PRECISION_NAMES[cfg['precision']]:>5s} {s['params']:10,d} {ips:9.1f} "
            f"{s['steps_per_s_median']:8.2f} {_fmt(ips / eager if eager else None, '7.2f'):>7s} "
            f"{_fmt(ips / compiled if compiled else None, '9.2f'):>9s} "
            f"{s['step_ms_median']:8.1f} {s['warmup_s_first']:9.1f} {mem_txt:>10s} "
            f"{s['cpu_util_median']:5.2f}")
    for impl, error in errors.items():
        lines.append(f"{row:16s} {impl:14s} FAILED: {error}")
    counts = {s["params"] for s in summary.values()}
    if len(counts) > 1:
        lines.append(f"{row:16s} WARNING: parameter counts differ between implementations "
                     f"({sorted(counts)}): the networks are not the same.")
    return lines


def _summarize_row(results):
    ok = {impl: [r for r in runs if "error" not in r] for impl, runs in results.items()}
    errors = {impl: runs[-1]["error"] for impl, runs in results.items()
              if runs and not ok[impl]}
    ok = {impl: runs for impl, runs in ok.items() if runs}
    summary = summarize_runs(ok, keep=("versions", "params", "tensorflow_imported"))
    for impl, runs in ok.items():
        s = summary[impl]
        s["steps_per_s_median"] = _median([r["steps_per_s"] for r in runs])
        s["warmup_s_first"] = runs[0]["warmup_s"]
        mems = [r["peak_device_mib"] for r in runs if r.get("peak_device_mib") is not None]
        s["peak_device_mib_max"] = max(mems) if mems else None
        s["failed_runs"] = len(results[impl]) - len(runs)
    return summary, errors


def _hlo_report(args, rows):
    for row in rows:
        cfg = row_config(row, args.small)
        print(f"\n== {row} ({describe_config(cfg)}, batch {cfg['batch']}, {cfg['precision']}) ==",
              flush=True)
        res = {impl: _run_child(args, row, impl) for impl in ("kerasgan-hlo", "torch-flops")}
        for impl, r in res.items():
            if "error" in r:
                print(f"{impl}: FAILED: {r['error']}")
        k, t = res["kerasgan-hlo"], res["torch-flops"]
        if "error" not in k:
            print(f"kerasgan step: {k['flops'] / 1e9:.2f} GFLOP (XLA cost analysis, "
                  f"{k['jax_backend']}), {k['bytes_accessed'] / 2**20:.0f} MiB accessed, "
                  f"trace {k['trace_s']:.1f} s, compile {k['compile_s']:.1f} s, "
                  f"params {k['params']:,}")
            print("HLO ops traced   : " + ", ".join(f"{o} {n}" for o, n in k["census_before"].items() if n))
            print("HLO ops compiled : " + ", ".join(f"{o} {n}" for o, n in k["census_after"].items() if n))
        if "error" not in t:
            print(f"torch step    : {t['flops'] / 1e9:.2f} GFLOP (FlopCounterMode), "
                  f"params {t['params']:,}")
        if "error" not in k and "error" not in t and t["flops"]:
            print(f"FLOP ratio kerasgan/torch: {k['flops'] / t['flops']:.3f}")


def _parent_main(args):
    rows = list(ROWS) if args.rows == "all" else [r.strip() for r in args.rows.split(",") if r.strip()]
    unknown = [r for r in rows if r not in ROWS]
    if unknown:
        raise SystemExit(f"Unknown --rows {unknown}; choose from {', '.join(ROWS)} (or all).")
    impls = [i.strip() for i in args.impls.split(",") if i.strip()]
    unknown = [i for i in impls if i not in IMPLS]
    if unknown:
        raise SystemExit(f"Unknown --impls {unknown}; choose from {', '.join(IMPLS)}.")
    args.device = _resolve_device(args.device)
    size = "small sizes (--small)" if args.small else "full sizes"
    threads = f", {args.threads} thread(s) per process" if args.threads else ""
    print(f"gpu_throughput: device {args.device}, {size}, {args.rounds} rounds x {args.steps} "
          f"timed steps (+{args.warmup} warm-up), {os.cpu_count()} CPU cores{threads}, "
          f"fp32 math {args.fp32_math}" + (f", XLA_FLAGS += {args.xla_flags}" if args.xla_flags
                                           else ""), flush=True)
    if args.hlo_report:
        _hlo_report(args, rows)
        return
    import tempfile

    with tempfile.TemporaryDirectory(prefix="gpu_throughput_cache_") as cache_dir:
        args.cache_dir = None if args.no_compile_cache else cache_dir
        _time_rows(args, rows, impls)


def _time_rows(args, rows, impls):
    done, lines, versions = {}, [], {}
    for row in rows:
        results = run_rounds(args, impls, lambda a, impl: _run_child(a, row, impl),
                             lambda impl, r: (
                                 f"{row} {impl:14s} " + (f"FAILED {r['error'][:200]}" if "error" in r
                                 else f"{r['images_per_s']:9.1f} img/s  warm-up {r['warmup_s']:6.1f} s")))
        summary, errors = _summarize_row(results)
        for s in summary.values():
            versions.update(s["versions"])
        done[row] = {"summary": summary, "errors": errors, "runs": results}
        lines += _row_lines(args, row, summary, errors)
        print("\n" + HEADER + "\n" + "-" * len(HEADER) + "\n" + "\n".join(lines) + "\n", flush=True)
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"args": vars(args), "rows": done}, f, indent=2)
    print("(img/s: real images per second, median over rounds; x eager / x compile: ratio to "
          "PyTorch eager / torch.compile; warm-up: the first round's, with compilation; peak "
          "MiB: device memory (dev) or, on CPU, the process's peak RSS (rss); CPU: cores busy)")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in sorted(versions.items())))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "gpu"),
                        help="auto: the GPU when /dev/nvidia* exists, else the CPU")
    parser.add_argument("--rows", default="all", help=f"comma-separated subset of {', '.join(ROWS)}")
    parser.add_argument("--impls", default=",".join(DEFAULT_IMPLS),
                        help=f"comma-separated subset of {', '.join(IMPLS)}")
    parser.add_argument("--steps", type=int, default=30, help="timed steps per run")
    parser.add_argument("--warmup", type=int, default=3,
                        help="untimed steps per run (compilation; torch.compile needs >= 2)")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each implementation, rotated")
    parser.add_argument("--small", action="store_true", help="tiny sizes, for a CPU run")
    parser.add_argument("--torch-compile-mode", default="default",
                        help="torch.compile mode (default, reduce-overhead, max-autotune, ...)")
    parser.add_argument("--fp32-math", default="default", choices=tuple(FP32_MATH),
                        help="float32 convolutions/matmuls on the GPU: each library's default "
                             "(PyTorch: TF32 cuDNN convolutions; JAX: XLA's DEFAULT precision), "
                             "or TF32 / full float32 in both")
    parser.add_argument("--xla-flags", default="",
                        help="appended to XLA_FLAGS in kerasgan's children (e.g. "
                             "--xla_gpu_force_conv_nhwc=true)")
    parser.add_argument("--threads", type=int, default=0,
                        help="CPU only: threads per process (torch.set_num_threads; 1 also "
                             "makes XLA single-threaded); 0: each library's default")
    parser.add_argument("--hlo-report", action="store_true",
                        help="print kerasgan's compiled step (FLOPs vs PyTorch, HLO census) "
                             "instead of timing")
    parser.add_argument("--hlo-dir", help="with --hlo-report: also write the HLO text here")
    parser.add_argument("--no-compile-cache", action="store_true",
                        help="compile again in every round (by default JAX's and Inductor's "
                             "caches, fresh for each invocation, let rounds after the first "
                             "reuse the first's compiled programs)")
    parser.add_argument("--json", help="also write all results to this file (after each row)")
    parser.add_argument("--child-timeout", type=float, default=900.0,
                        help="seconds before a child run is killed (and reported as failed)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--row", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.cache_dir = None
    if min(args.steps, args.rounds, args.warmup) < 1:
        parser.error("--steps, --warmup and --rounds must be >= 1")
    if not args.child:
        _parent_main(args)
        return
    if args.child.startswith("kerasgan"):
        # (Not in PyTorch's children: torch._dynamo probes optional modules
        # with importlib.util.find_spec, which a blocking finder would break.)
        sys.meta_path.insert(0, _NoTensorFlow())
    cfg = row_config(args.row, args.small)
    child = {"kerasgan": _kerasgan_child, "kerasgan-step": _kerasgan_child,
             "torch": _torch_child, "torch-compile": _torch_child,
             "kerasgan-hlo": _hlo_child, "torch-flops": _torch_flops_child}[args.child]
    print(JSON_TAG + json.dumps(child(args, cfg)), flush=True)


if __name__ == "__main__":
    main()
