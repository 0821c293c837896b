"""Adversarial losses and gradient penalties, selectable by name."""

from __future__ import annotations

import keras

from kerasgan.losses.adversarial import (
    LOSS_NAMES,
    AdversarialLoss,
    Hinge,
    LeastSquares,
    Minimax,
    NonSaturating,
    Wasserstein,
    _ALIASES,
)
from kerasgan.losses.content import (PerceptualLoss, PixelLoss, VGGPreprocess,
                                     vgg19_features, vgg19_weights_path)
from kerasgan.losses.penalties import (
    PENALTY_NAMES,
    GradientPenalty,
    GradientPenaltyBase,
    R1Penalty,
    _PENALTY_ALIASES,
)


def _resolve(identifier, aliases, base, names, what):
    if isinstance(identifier, base):
        return identifier
    if isinstance(identifier, str):
        cls = aliases.get(identifier.lower())
        if cls is None:
            raise ValueError(
                f"Unknown {what} {identifier!r}. Valid names: {', '.join(names)}."
            )
        return cls()
    if isinstance(identifier, dict):
        obj = keras.saving.deserialize_keras_object(identifier)
        if isinstance(obj, base):
            return obj
    raise TypeError(
        f"Expected a {what} name ({', '.join(names)}) or a "
        f"kerasgan.losses.{base.__name__}; received {identifier!r}."
    )


def get(identifier) -> AdversarialLoss:
    """Returns an adversarial loss from a name, a config dict or an instance.

    Args:
        identifier: One of `LOSS_NAMES` (e.g. `"non_saturating"`), a serialized
            loss, or an `AdversarialLoss` instance.

    Returns:
        An `AdversarialLoss`.
    """
    return _resolve(identifier, _ALIASES, AdversarialLoss, LOSS_NAMES, "adversarial loss")


def get_penalty(identifier) -> GradientPenaltyBase | None:
    """Returns a gradient penalty from a name, config dict, instance or None."""
    if identifier is None:
        return None
    return _resolve(identifier, _PENALTY_ALIASES, GradientPenaltyBase, PENALTY_NAMES,
                    "gradient penalty")


__all__ = [
    "AdversarialLoss",
    "Minimax",
    "NonSaturating",
    "LeastSquares",
    "Hinge",
    "Wasserstein",
    "GradientPenalty",
    "GradientPenaltyBase",
    "R1Penalty",
    "LOSS_NAMES",
    "PENALTY_NAMES",
    "get",
    "get_penalty",
    "PerceptualLoss",
    "PixelLoss",
    "VGGPreprocess",
    "vgg19_features",
    "vgg19_weights_path",
]
