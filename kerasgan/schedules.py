"""Learning-rate schedules used by kerasgan's recipes."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerasgan")
class LinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Constant learning rate, then a linear decay to a final value.

    The schedule of CycleGAN (Zhu et al. 2017, section 4): "we keep the same
    learning rate for the first 100 epochs and linearly decay the rate to zero
    over the next 100 epochs". With `step` the optimizer's iteration count:

        lr(step) = initial                                  for step <= constant_steps
        lr(step) = initial + (final - initial) * (step - constant_steps) / decay_steps
        lr(step) = final                                    for step >= constant_steps + decay_steps

    With `delay_steps`, the rate is 0 for the first `delay_steps` steps and
    follows the formula above afterwards: e.g. a generator held still while
    freshly initialised discriminators learn to judge it.

    Args:
        initial_learning_rate: Learning rate of the constant phase.
        constant_steps: Optimizer steps at the initial rate.
        decay_steps: Steps of the linear decay.
        final_learning_rate: Rate reached at the end of the decay (0 in the
            paper) and kept afterwards.
        name: Name of the schedule.
        delay_steps: Steps at rate 0 before the schedule starts counting in
            (0: none).

    Example:
    ```python
    steps = int(ds.cardinality())            # steps per epoch
    lr = kerasgan.schedules.LinearDecay.from_epochs(2e-4, 100, 100, steps)
    model.compile(g_optimizer=keras.optimizers.Adam(lr, beta_1=0.5),
                  d_optimizer=keras.optimizers.Adam(lr, beta_1=0.5))
    ```
    """

    def __init__(self, initial_learning_rate: float, constant_steps: int,
                 decay_steps: int, final_learning_rate: float = 0.0,
                 name: str = "LinearDecay", delay_steps: int = 0):
        super().__init__()
        if int(constant_steps) < 0:
            raise ValueError(f"constant_steps must be >= 0; received {constant_steps}.")
        if int(decay_steps) < 1:
            raise ValueError(f"decay_steps must be >= 1; received {decay_steps}.")
        if int(delay_steps) < 0:
            raise ValueError(f"delay_steps must be >= 0; received {delay_steps}.")
        if float(initial_learning_rate) < 0 or float(final_learning_rate) < 0:
            raise ValueError("Learning rates must be >= 0; received "
                             f"{initial_learning_rate} and {final_learning_rate}.")
        self.initial_learning_rate = float(initial_learning_rate)
        self.constant_steps = int(constant_steps)
        self.decay_steps = int(decay_steps)
        self.final_learning_rate = float(final_learning_rate)
        self.name = name
        self.delay_steps = int(delay_steps)

    @classmethod
    def from_epochs(cls, initial_learning_rate: float, constant_epochs: int,
                    decay_epochs: int, steps_per_epoch: int,
                    final_learning_rate: float = 0.0,
                    delay_steps: int = 0) -> "LinearDecay":
        """The paper's schedule in epochs: `constant_epochs`, then `decay_epochs`.

        Args:
            initial_learning_rate: Rate of the constant phase (2e-4 in the paper).
            constant_epochs: Epochs at the initial rate (100 in the paper).
            decay_epochs: Epochs of linear decay (100 in the paper).
            steps_per_epoch: Optimizer steps per epoch (e.g.
                `int(dataset.cardinality())`).
            final_learning_rate: Rate at the end (0 in the paper).
            delay_steps: Steps at rate 0 first (see the class).

        Returns:
            A `LinearDecay` counted in steps.
        """
        if int(steps_per_epoch) < 1:
            raise ValueError(f"steps_per_epoch must be >= 1; received {steps_per_epoch}.")
        return cls(initial_learning_rate, int(constant_epochs) * int(steps_per_epoch),
                   max(int(decay_epochs) * int(steps_per_epoch), 1), final_learning_rate,
                   delay_steps=delay_steps)

    def __call__(self, step):
        step = ops.cast(step, "float32")
        frac = ops.clip((step - self.constant_steps) / float(self.decay_steps), 0.0, 1.0)
        initial = ops.cast(self.initial_learning_rate, "float32")
        rate = initial + (self.final_learning_rate - self.initial_learning_rate) * frac
        if self.delay_steps:
            rate = ops.where(step < self.delay_steps, ops.zeros_like(rate), rate)
        return rate

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "constant_steps": self.constant_steps,
            "decay_steps": self.decay_steps,
            "final_learning_rate": self.final_learning_rate,
            "name": self.name,
            "delay_steps": self.delay_steps,
        }


__all__ = ["LinearDecay"]
