"""`TrainingMonitor`: notices the classic GAN failures while `fit` runs.

Watches three symptoms:

- **Non-finite losses** (NaN/Inf): checked after every batch.
- **The discriminator winning outright**: its scores on real and generated
  batches separate completely (for logistic losses, `d_real` near 1 and
  `d_fake` near 0) while `d_loss` collapses towards zero and `g_loss` climbs,
  for `patience` epochs in a row. The generator then gets no useful gradient.
- **Mode collapse**: the diversity of a fixed-size batch of samples (mean
  pairwise distance of downsampled images) falls far below the diversity of
  real images: below `collapse_ratio` of it *and* below half the best ratio
  seen so far in this run (an untrained generator's samples are also alike;
  that is not collapse), or the samples are essentially identical.

Each symptom logs a warning that names it and the usual remedies, and is
recorded in `monitor.events`. With `on_failure="stop"` training stops; with
`"rollback"` the weights (and optimizer state) of the last healthy epoch are
restored and training stops, so the saved model is the healthy one.
"""

from __future__ import annotations

import logging
import math

import keras
import numpy as np

logger = logging.getLogger("kerasgan")

REMEDIES = {
    "non_finite": (
        "lower the learning rates, use a gradient penalty (penalty='r1' or "
        "'gradient_penalty'), check the input scaling ([-1, 1]); under "
        "mixed_float16 keep the loss-scale optimizers (auto_scale_loss=True)"
    ),
    "discriminator_wins": (
        "lower the discriminator's learning rate or raise the generator's (two "
        "time-scales), use one-sided label smoothing "
        "(kerasgan.losses.NonSaturating(label_smoothing=0.1)), instance noise "
        "(compile(instance_noise=0.1, instance_noise_decay_steps=...)), an R1 "
        "penalty or spectral normalisation in D"
    ),
    "mode_collapse": (
        "add a gradient penalty (r1 / gradient_penalty) or spectral "
        "normalisation, lower the learning rates, use more discriminator steps "
        "(d_steps) or a larger batch, or restart from an earlier checkpoint"
    ),
}


def batch_diversity(images, size: int = 16) -> float:
    """Mean pairwise RMS distance between images, after downsampling.

    The distances are computed from the differences of the pooled images
    themselves (not through the Gram-matrix identity `|a|^2 + |b|^2 - 2ab`,
    which cancels catastrophically in float32), so identical images measure
    exactly 0 and nearly identical ones are measured accurately.

    Args:
        images: uint8 `(n, h, w, c)` (n >= 2) or float in [-1, 1].
        size: Side images are average-pooled to before comparing (removes
            pixel noise; collapse shows in the coarse structure).

    Returns:
        The mean over pairs of the RMS difference, in [-1, 1] pixel units.

    Example:
    ```python
    batch_diversity(np.repeat(image[None], 8, axis=0))  # 0.0: collapsed
    ```
    """
    x = np.asarray(images)
    if x.ndim != 4:
        raise ValueError(f"batch_diversity takes images (n, h, w, c); received shape {x.shape}.")
    if x.dtype == np.uint8:
        x = x.astype("float32") / 127.5 - 1.0
    x = x.astype("float32")
    n, h, w, c = x.shape
    if n < 2:
        raise ValueError(f"batch_diversity needs at least 2 images; received {n}.")
    fh, fw = max(1, h // size), max(1, w // size)
    x = x[:, : (h // fh) * fh, : (w // fw) * fw]
    x = x.reshape(n, h // fh, fh, w // fw, fw, c).mean(axis=(2, 4)).reshape(n, -1)
    # Pooling is per image, so identical images pool to identical rows and
    # their differences are exactly 0. Squares are summed in float64.
    total = 0.0
    for i in range(n - 1):
        diff = (x[i + 1:] - x[i]).astype("float64")
        total += np.sqrt(np.mean(diff * diff, axis=1)).sum()
    return float(total / (n * (n - 1) / 2))


@keras.saving.register_keras_serializable(package="kerasgan")
class TrainingMonitor(keras.callbacks.Callback):
    """Warns about (and optionally stops or rolls back) failing GAN training.

    Args:
        real_images: A batch of real images (uint8 or float in [-1, 1], at
            least 2) to measure the diversity of real data; None disables the
            mode-collapse check.
        num_samples: Samples generated (from a fixed seed) for the diversity
            check.
        collapse_ratio: Flag collapse when sample diversity falls below this
            fraction of the real images' diversity.
        separation: Flag "D wins" when `d_real - d_fake` exceeds this (scores
            as the loss reports them: probabilities for logistic losses).
        d_loss_floor: ... and `d_loss` is below this.
        patience: Epochs a symptom must persist before it is reported.
        on_failure: `"warn"`, `"stop"` or `"rollback"`.
        check_every: Run the diversity check every this many epochs.
        seed: Seed of the fixed latent batch.

    Example:
    ```python
    monitor = kerasgan.callbacks.TrainingMonitor(real_batch, on_failure="rollback")
    gan.fit(ds, epochs=50, callbacks=[monitor])
    print(monitor.events)
    ```
    """

    def __init__(self, real_images=None, num_samples: int = 64, collapse_ratio: float = 0.3,
                 separation: float = 0.9, d_loss_floor: float = 0.05, patience: int = 2,
                 on_failure: str = "warn", check_every: int = 1, seed: int = 0):
        super().__init__()
        if on_failure not in ("warn", "stop", "rollback"):
            raise ValueError(
                f"on_failure must be 'warn', 'stop' or 'rollback'; received {on_failure!r}."
            )
        if patience < 1 or check_every < 1:
            raise ValueError("patience and check_every must be >= 1.")
        self.real_diversity = None if real_images is None else batch_diversity(real_images)
        self.num_samples = num_samples
        self.collapse_ratio = collapse_ratio
        self.separation = separation
        self.d_loss_floor = d_loss_floor
        self.patience = patience
        self.on_failure = on_failure
        self.check_every = check_every
        self.seed = seed
        self.events: list[dict] = []
        self.history: list[dict] = []
        self._streak = {"discriminator_wins": 0, "mode_collapse": 0}
        self._best_ratio = 0.0
        self._healthy_state = None
        self._failed = False

    # ------------------------------------------------------------ helpers
    def _report(self, symptom: str, epoch: int, detail: str):
        event = {"symptom": symptom, "epoch": epoch, "detail": detail}
        self.events.append(event)
        logger.warning(
            "GAN training problem at epoch %d: %s (%s). Usual remedies: %s.",
            epoch, symptom.replace("_", " "), detail, REMEDIES[symptom],
        )
        self._failed = True
        if self.on_failure == "rollback" and self._healthy_state is not None:
            for var, value in zip(self._state_variables(), self._healthy_state):
                var.assign(value)
            logger.warning("Rolled back to the weights of the last healthy epoch.")
        if self.on_failure in ("stop", "rollback"):
            self.model.stop_training = True

    def _state_variables(self):
        model = self.model
        variables = list(model.weights)
        for opt in (getattr(model, "g_optimizer", None), getattr(model, "d_optimizer", None)):
            if opt is not None:
                variables += list(opt.variables)
        return variables

    # ---------------------------------------------------------- callbacks
    def on_train_begin(self, logs=None):
        if self.on_failure == "rollback":
            self._healthy_state = [np.array(v.numpy()) for v in self._state_variables()]

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        bad = [k for k in ("d_loss", "g_loss") if k in logs and not math.isfinite(float(logs[k]))]
        if bad:
            self._report("non_finite", len(self.history) + 1,
                         f"{', '.join(bad)} became {float(logs[bad[0]])} at batch {batch}")

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        record = {"epoch": epoch + 1, **{k: float(v) for k, v in logs.items()
                                         if np.ndim(v) == 0}}
        if self._failed and self.on_failure != "warn":
            self.history.append(record)
            return
        # The discriminator wins outright.
        sep = record.get("d_real", 0.0) - record.get("d_fake", 0.0)
        record["separation"] = sep
        d_wins = (
            "d_real" in record and sep > self.separation
            and record.get("d_loss", 1.0) < self.d_loss_floor
        )
        if d_wins and self.history:
            d_wins = record.get("g_loss", 0.0) >= self.history[-1].get("g_loss", 0.0)
        self._streak["discriminator_wins"] = self._streak["discriminator_wins"] + 1 if d_wins else 0
        # Mode collapse.
        collapsed = False
        if self.real_diversity is not None and (epoch + 1) % self.check_every == 0:
            samples = self.model.generate(self.num_samples, seed=self.seed)
            diversity = batch_diversity(samples)
            ratio = diversity / max(self.real_diversity, 1e-12)
            record["diversity_ratio"] = ratio
            self._best_ratio = max(self._best_ratio, ratio)
            collapsed = ratio < self.collapse_ratio and (
                ratio < 0.5 * self._best_ratio or ratio < 1e-3
            )
            self._streak["mode_collapse"] = self._streak["mode_collapse"] + 1 if collapsed else 0
        self.history.append(record)

        if self._streak["discriminator_wins"] >= self.patience:
            self._report(
                "discriminator_wins", epoch + 1,
                f"d_real - d_fake = {sep:.3f}, d_loss = {record.get('d_loss', float('nan')):.4f}, "
                f"g_loss = {record.get('g_loss', float('nan')):.3f}",
            )
        elif self._streak["mode_collapse"] >= self.patience:
            self._report(
                "mode_collapse", epoch + 1,
                f"sample diversity is {record['diversity_ratio']:.2f} x that of real images",
            )
        elif self.on_failure == "rollback" and not (d_wins or collapsed):
            self._healthy_state = [np.array(v.numpy()) for v in self._state_variables()]

    def get_config(self):
        return {"num_samples": self.num_samples, "collapse_ratio": self.collapse_ratio,
                "separation": self.separation, "d_loss_floor": self.d_loss_floor,
                "patience": self.patience, "on_failure": self.on_failure,
                "check_every": self.check_every, "seed": self.seed}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
