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
from kerasgan.losses.penalties import (
    PENALTY_NAMES,
    GradientPenalty,
    GradientPenaltyBase,
    R1Penalty,
    _PENALTY_ALIASES,
)


def get(identifier) -> AdversarialLoss:
    """Returns an adversarial loss from a name, a config dict or an instance.

    Args:
        identifier: One of `LOSS_NAMES` (e.g. `"non_saturating"`), a serialized
            loss, or an `AdversarialLoss` instance.

    Returns:
        An `AdversarialLoss`.
    """
    if isinstance(identifier, AdversarialLoss):
        return identifier
    if isinstance(identifier, str):
        cls = _ALIASES.get(identifier.lower())
        if cls is None:
            raise ValueError(
                f"Unknown adversarial loss {identifier!r}. "
                f"Valid names: {', '.join(LOSS_NAMES)}."
            )
        return cls()
    if isinstance(identifier, dict):
        obj = keras.saving.deserialize_keras_object(identifier)
        if isinstance(obj, AdversarialLoss):
            return obj
    raise TypeError(
        "Expected an adversarial loss name "
        f"({', '.join(LOSS_NAMES)}) or a kerasgan.losses.AdversarialLoss; "
        f"received {identifier!r}."
    )


def get_penalty(identifier) -> GradientPenaltyBase | None:
    """Returns a gradient penalty from a name, config dict, instance or None."""
    if identifier is None or isinstance(identifier, GradientPenaltyBase):
        return identifier
    if isinstance(identifier, str):
        cls = _PENALTY_ALIASES.get(identifier.lower())
        if cls is None:
            raise ValueError(
                f"Unknown gradient penalty {identifier!r}. "
                f"Valid names: {', '.join(PENALTY_NAMES)}, or None."
            )
        return cls()
    if isinstance(identifier, dict):
        obj = keras.saving.deserialize_keras_object(identifier)
        if isinstance(obj, GradientPenaltyBase):
            return obj
    raise TypeError(
        f"Expected a penalty name ({', '.join(PENALTY_NAMES)}), a "
        f"kerasgan.losses.GradientPenaltyBase or None; received {identifier!r}."
    )


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
]
