"""Adversarial losses: what the discriminator and the generator minimise.

Each loss is a `keras.losses.Loss`. Called directly, `loss(y_true, y_pred)` is the
discriminator's loss on outputs `y_pred` whose target is `y_true` (1 = real,
0 = generated); it is reduced with `sum_over_batch_size`, so under
`tf.distribute` it is scaled to the global batch like any Keras loss.
`discriminator_loss(real, fake)` and `generator_loss(fake)` give both players'
objectives. Discriminator outputs are raw scores (logits); the losses apply any
sigmoid themselves.
"""

from __future__ import annotations

import keras
from keras import ops

from kerasgan import backend as kg_backend


class AdversarialLoss(keras.losses.Loss):
    """Base class of the adversarial losses.

    Args:
        label_smoothing: One-sided label smoothing (Salimans et al. 2016): the
            discriminator's target for real images becomes
            `1 - label_smoothing`. A classic remedy when D outruns G. Only for
            losses that have targets (`minimax`, `non_saturating`, `lsgan`).
        name: Name of the loss.
    """

    supports_label_smoothing = True
    #: Whether D's raw output is a logit (report `sigmoid(output)` as a score).
    output_is_logit = False

    def __init__(self, label_smoothing: float = 0.0, name: str | None = None, **kwargs):
        kwargs.setdefault("reduction", "sum_over_batch_size")
        kwargs.setdefault("dtype", "float32")
        super().__init__(name=name, **kwargs)
        label_smoothing = float(label_smoothing)
        if not 0.0 <= label_smoothing < 1.0:
            raise ValueError(
                f"label_smoothing must be in [0, 1); received {label_smoothing}."
            )
        if label_smoothing and not self.supports_label_smoothing:
            raise ValueError(
                f"{type(self).__name__} has no targets to smooth; "
                f"received label_smoothing={label_smoothing}. Use 0, or a loss "
                "with targets: 'minimax', 'non_saturating' or 'lsgan'."
            )
        self.label_smoothing = label_smoothing

    def discriminator_loss(self, real_output, fake_output):
        """Loss D minimises: classify `real_output` as real, `fake_output` as fake."""
        real_target = ops.full_like(real_output, 1.0 - self.label_smoothing, dtype="float32")
        fake_target = ops.zeros_like(fake_output, dtype="float32")
        return self(real_target, real_output) + self(fake_target, fake_output)

    def generator_call(self, y_pred):
        """Per-element generator loss on D's outputs for generated images."""
        return self.call(ops.ones_like(y_pred), y_pred)

    def generator_loss(self, fake_output):
        """Loss G minimises, reduced like the discriminator's loss."""
        values = self.generator_call(ops.cast(fake_output, "float32"))
        return kg_backend.scale_for_replicas(ops.mean(values))

    def score(self, output):
        """D's output as reported in the `d_real` / `d_fake` metrics."""
        output = ops.cast(output, "float32")
        return ops.sigmoid(output) if self.output_is_logit else output

    def get_config(self):
        config = super().get_config()
        config["label_smoothing"] = self.label_smoothing
        return config


@keras.saving.register_keras_serializable(package="kerasgan")
class NonSaturating(AdversarialLoss):
    """The non-saturating loss of Goodfellow et al. 2014 (section 3).

    D minimises binary cross-entropy; G maximises `log D(G(z))` instead of
    minimising `log(1 - D(G(z)))`, which gives strong gradients early on.
    """

    output_is_logit = True

    def call(self, y_true, y_pred):
        y_pred = ops.cast(y_pred, "float32")
        return ops.binary_crossentropy(y_true, y_pred, from_logits=True)


@keras.saving.register_keras_serializable(package="kerasgan")
class Minimax(NonSaturating):
    """The saturating loss of the original value function (Goodfellow et al. 2014).

    min_G max_D E[log D(x)] + E[log(1 - D(G(z)))]: G minimises
    `log(1 - D(G(z)))`. It saturates when D confidently rejects samples; prefer
    `NonSaturating` in practice.
    """

    def generator_call(self, y_pred):
        # log(1 - sigmoid(l)) = -BCE(0, l)
        return -self.call(ops.zeros_like(y_pred), y_pred)


@keras.saving.register_keras_serializable(package="kerasgan")
class LeastSquares(AdversarialLoss):
    """Least-squares GAN loss (Mao et al. 2017): targets 1 (real) and 0 (fake)."""

    def call(self, y_true, y_pred):
        y_pred = ops.cast(y_pred, "float32")
        return ops.square(y_pred - y_true)

    def discriminator_loss(self, real_output, fake_output):
        # The LSGAN paper halves each term; keep that convention.
        return 0.5 * super().discriminator_loss(real_output, fake_output)


@keras.saving.register_keras_serializable(package="kerasgan")
class Hinge(AdversarialLoss):
    """Hinge loss (Lim & Ye 2017; Miyato et al. 2018).

    D minimises `relu(1 - D(x)) + relu(1 + D(G(z)))`; G minimises `-D(G(z))`.
    """

    supports_label_smoothing = False

    def call(self, y_true, y_pred):
        y_pred = ops.cast(y_pred, "float32")
        sign = 2.0 * y_true - 1.0
        return ops.relu(1.0 - sign * y_pred)

    def generator_call(self, y_pred):
        return -y_pred


@keras.saving.register_keras_serializable(package="kerasgan")
class Wasserstein(AdversarialLoss):
    """Wasserstein loss (Arjovsky et al. 2017): D is a critic with raw scores.

    D minimises `D(G(z)) - D(x)`; G minimises `-D(G(z))`. Needs a Lipschitz
    constraint on D: use it with `GradientPenalty` (WGAN-GP) or spectral norm.
    """

    supports_label_smoothing = False

    def call(self, y_true, y_pred):
        y_pred = ops.cast(y_pred, "float32")
        sign = 2.0 * y_true - 1.0
        return -sign * y_pred


_ALIASES = {
    "minimax": Minimax,
    "saturating": Minimax,
    "non_saturating": NonSaturating,
    "nonsaturating": NonSaturating,
    "lsgan": LeastSquares,
    "least_squares": LeastSquares,
    "hinge": Hinge,
    "wasserstein": Wasserstein,
    "wgan": Wasserstein,
}

#: Names accepted by `kerasgan.losses.get`.
LOSS_NAMES = ("minimax", "non_saturating", "lsgan", "hinge", "wasserstein")
