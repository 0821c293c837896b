"""Gradient penalties on the discriminator.

A penalty is a `keras.losses.Loss` whose `y_pred` is the gradient of D's output
with respect to its input (computed by the adversarial core). It is reduced with
`sum_over_batch_size` in float32, so it is scaled correctly under
`tf.distribute` and stays accurate under mixed precision.
"""

from __future__ import annotations

import keras
from keras import ops


class GradientPenaltyBase(keras.losses.Loss):
    """Base class: `weight` times a per-sample function of D's input gradient.

    Subclasses set `points`: where the gradient is taken -- `"interpolates"`
    (random points between real and generated images) or `"real"`.
    """

    points = "real"

    def __init__(self, weight: float = 10.0, name: str | None = None, **kwargs):
        kwargs.setdefault("reduction", "sum_over_batch_size")
        kwargs.setdefault("dtype", "float32")
        super().__init__(name=name, **kwargs)
        weight = float(weight)
        if weight < 0:
            raise ValueError(f"Penalty weight must be >= 0; received {weight}.")
        self.weight = weight

    @staticmethod
    def _squared_norm(gradients):
        gradients = ops.cast(gradients, "float32")
        axes = tuple(range(1, len(gradients.shape)))
        return ops.sum(ops.square(gradients), axis=axes)

    def get_config(self):
        config = super().get_config()
        config["weight"] = self.weight
        return config


@keras.saving.register_keras_serializable(package="kerasgan")
class GradientPenalty(GradientPenaltyBase):
    """WGAN-GP penalty (Gulrajani et al. 2017): `weight * (||grad D(x̂)|| - 1)^2`.

    x̂ are random interpolates between real and generated images.

    Args:
        weight: Penalty coefficient (λ = 10 in the paper).
        target: The gradient norm to push towards (1 in the paper).
    """

    points = "interpolates"

    def __init__(self, weight: float = 10.0, target: float = 1.0, name=None, **kwargs):
        super().__init__(weight=weight, name=name, **kwargs)
        self.target = float(target)

    def call(self, y_true, y_pred):
        norm = ops.sqrt(self._squared_norm(y_pred) + 1e-12)
        return self.weight * ops.square(norm - self.target)

    def get_config(self):
        config = super().get_config()
        config["target"] = self.target
        return config


@keras.saving.register_keras_serializable(package="kerasgan")
class R1Penalty(GradientPenaltyBase):
    """R1 penalty (Mescheder et al. 2018): `weight / 2 * ||grad D(x)||^2` on real x.

    Args:
        weight: γ in the paper.
    """

    points = "real"

    def call(self, y_true, y_pred):
        return 0.5 * self.weight * self._squared_norm(y_pred)


_PENALTY_ALIASES = {
    "gradient_penalty": GradientPenalty,
    "gp": GradientPenalty,
    "wgan_gp": GradientPenalty,
    "r1": R1Penalty,
}

PENALTY_NAMES = ("gradient_penalty", "r1")
